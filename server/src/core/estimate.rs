//! R8: how many tickets will be called before a citizen's, and how long until theirs is.
//!
//! Both come from one forecast: the open windows take tickets in turn by R11 (a [`Replay`] of all of
//! them at once), each busy for the handling time its service shows today, starting when its current
//! ticket is likely done. The tickets taken before the citizen's are "ahead"; the time the citizen's
//! is taken is the wait. So "ahead" follows the order the windows will really call (classes, the
//! K-ratio, windows serving several services, transfers to one window), and the wait follows how the
//! open windows split their time.
//!
//! The windows that take part are the open ones, a paused one from the end of the planned break it
//! is in, and one planned to sign in later today from then (the windows' plan, `hours` and
//! `breaks` in the config). No window calls in a closed range between the day's opening hours (a
//! lunch break) or in its own planned breaks, nor outside its planned hours.
//!
//! Tickets not issued yet are in it too: each lane but the target's own expects more at the rate
//! of its last hour, and one that has arrived when a window is free is a candidate like any other
//! (behind every issued ticket of its lane). So a priority ticket, or one of a window's primary
//! services where the target's is secondary, that will come and be called first, lengthens the
//! wait; it is never counted as "ahead", which counts issued tickets only.
//!
//! When no signed-in window can call the ticket (a pause outside the plan may last any time), "ahead"
//! is its place in the calling order of the window that serves it soonest (as if that window alone
//! opened), and the wait is unknown ("—").

use qcall_protocol::{Millis, TicketClass, TicketId, TicketState};

use super::queue::{LaneKey, NEW_TICKET, Replay, ReplayWindow, is_expected};
use super::{Hall, StoredTicket, WindowLive};

/// At most this many calls are replayed; a place further back is extrapolated from them.
const MAX_STEPS: usize = 256;

/// Tickets issued in the last hour set the rate at which more are expected in their lane.
pub(super) const ARRIVAL_WINDOW_MS: Millis = 60 * 60_000;

/// Later arrivals are forecast for at most this long ahead.
const EXPECT_HORIZON_MS: Millis = 3 * 60 * 60_000;

/// What the forecast says of one place in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Forecast {
    /// Tickets that will be called before it.
    pub(crate) ahead: u32,
    /// Until it is called, in milliseconds; `None` when no open window can call it.
    pub(crate) wait_ms: Option<Millis>,
}

impl Forecast {
    /// The wait in minutes, never negative (R8), rounded as honestly as it is known: to the minute
    /// under 30 minutes, to 5 minutes from 30, to 10 minutes from 60 (the spread of handling
    /// times and unannounced pauses make a long wait's last minutes guesswork).
    pub(crate) fn minutes(&self) -> Option<u32> {
        self.wait_ms.map(|ms| round_minutes(ms.max(0)))
    }
}

/// The place being forecast.
enum Target<'a> {
    Waiting(&'a StoredTicket),
    /// A ticket that would be issued now in this lane.
    New(LaneKey),
}

fn is_open(w: &WindowLive) -> bool {
    w.staff.is_some() && w.paused.is_none()
}

impl Hall {
    /// Counts a ticket issued at `at` into its lane's recent arrivals.
    pub(super) fn note_arrival(&mut self, lane: LaneKey, at: Millis, now: Millis) {
        let times = self.arrivals.entry(lane).or_default();
        while times.front().is_some_and(|&t| t < now - ARRIVAL_WINDOW_MS) {
            times.pop_front();
        }
        if at >= now - ARRIVAL_WINDOW_MS {
            let i = times.partition_point(|&t| t <= at);
            times.insert(i, at);
        }
    }

    /// When more tickets are expected in each lane but `skip` (the target's own, whose later
    /// tickets queue behind it): at the rate of the last [`ARRIVAL_WINDOW_MS`], evenly, until
    /// issuing closes today or [`EXPECT_HORIZON_MS`] from now.
    fn expected_arrivals(&self, skip: &LaneKey, now: Millis) -> Vec<(LaneKey, Vec<Millis>)> {
        let until = (now + EXPECT_HORIZON_MS).min(self.issuing_ends(now));
        self.arrivals
            .iter()
            .filter(|(key, _)| *key != skip)
            .filter_map(|(key, times)| {
                let n = times
                    .iter()
                    .filter(|&&t| t >= now - ARRIVAL_WINDOW_MS)
                    .count();
                if n == 0 {
                    return None;
                }
                let gap = ARRIVAL_WINDOW_MS / n as Millis;
                let at: Vec<Millis> = (0..)
                    .map(|k| now + gap / 2 + k * gap)
                    .take_while(|&t| t < until)
                    .take(MAX_STEPS)
                    .collect();
                (!at.is_empty()).then(|| (key.clone(), at))
            })
            .collect()
    }

    /// When ticket issue closes today (cut-off included), to five minutes; `now` when it is closed.
    fn issuing_ends(&self, now: Millis) -> Millis {
        let calendar = &self.cfg.calendar;
        let mut t = now;
        // Checked every five minutes up to the horizon: later arrivals need no finer end.
        while t < now + EXPECT_HORIZON_MS && calendar.issuing(t).is_ok() {
            t += 5 * 60_000;
        }
        t
    }

    /// The window's time per ticket of a service today (from the call to 办结 or 过号): the
    /// service's expected minutes counted as `estimate_min_served` tickets already handled, plus
    /// today's handled tickets, plus the time the open windows have spent so far on their current
    /// tickets of the service (which are not done yet, so the long ones are not left out of the
    /// mean while the short ones are in it).
    pub(super) fn handle_ms(&self, service: &str, now: Millis) -> Millis {
        let expected = self
            .cfg
            .service(service)
            .map_or(10, |s| s.info.expected_minutes);
        let expected_ms = i64::from(expected.max(1)) * 60_000;
        let prior = i64::from(self.cfg.rules.estimate_min_served.max(1));
        let (n, total) = match self.stats.get(&format!("service:{service}")) {
            Some(s) if s.window_ms > 0 => (s.served + s.no_show, s.window_ms),
            // Figures restored from before window_ms was kept.
            Some(s) => (s.served, s.handle_ms),
            None => (0, 0),
        };
        let running = self.running_ms(service, now);
        ((prior * expected_ms + total + running) / (prior + i64::from(n))).max(1)
    }

    /// The time the open windows have spent so far on their current tickets of `service`.
    fn running_ms(&self, service: &str, now: Millis) -> Millis {
        self.windows
            .values()
            .filter_map(|w| w.current.and_then(|id| self.tickets.get(&id)))
            .map(|t| t.ticket.leg())
            .filter(|leg| leg.service_id == service)
            .filter_map(|leg| leg.called_at.or(leg.started_at))
            .map(|since| (now - since).max(0))
            .sum()
    }

    /// The forecast of a waiting ticket (`None` for a ticket that does not wait).
    pub(crate) fn forecast(&self, t: &StoredTicket, now: Millis) -> Option<Forecast> {
        (t.ticket.state == TicketState::Waiting).then(|| self.run_forecast(Target::Waiting(t), now))
    }

    /// The forecast of a normal ticket taken for `service` now (the kiosk tile's estimate).
    pub(crate) fn forecast_new(&self, service: &str, now: Millis) -> Forecast {
        self.run_forecast(
            Target::New(LaneKey::Service(service.to_string(), TicketClass::Normal)),
            now,
        )
    }

    fn run_forecast(&self, target: Target<'_>, now: Millis) -> Forecast {
        let (target_id, lane) = match &target {
            Target::Waiting(t) => (t.ticket.id, LaneKey::of(t)),
            Target::New(key) => (NEW_TICKET, key.clone()),
        };
        let reaches = |w: &WindowLive| match &lane {
            LaneKey::ToWindow(n) => w.number == *n,
            LaneKey::Service(s, _) => w.primary.iter().chain(&w.secondary).any(|x| x == s),
        };
        let open_reach = self
            .windows
            .values()
            .any(|w| w.staff.is_some() && reaches(w) && self.available_from(w, now).is_some());
        if !open_reach {
            // Nobody can call it now: its place in the order of the window that serves it soonest.
            let ahead = self
                .windows
                .values()
                .filter(|w| reaches(w))
                .filter_map(|w| self.place_at(w, &target, target_id))
                .min()
                .unwrap_or(0);
            return Forecast {
                ahead: clamp(ahead),
                wait_ms: None,
            };
        }
        // Every window that will call today, from when: the open ones, the paused ones once they
        // resume, those planned to sign in later.
        let windows: Vec<(&WindowLive, Millis)> = self
            .windows
            .values()
            .filter_map(|w| Some((w, self.available_from(w, now)?)))
            .collect();
        let mut replay = Replay::new(self);
        if let Target::New(key) = &target {
            replay.add_new_ticket(key.clone());
        }
        for (key, at) in self.expected_arrivals(&lane, now) {
            replay.expect(key, at);
        }
        let plans: Vec<Plan> = windows
            .iter()
            .map(|(w, _)| self.plan_today(w, now))
            .collect();
        let mut sim: Vec<(Millis, ReplayWindow)> = windows
            .iter()
            .zip(&plans)
            .map(|((w, from), plan)| {
                let free = (now + self.busy_for(w, now)).max(*from);
                (plan.callable(free), replay.window(w))
            })
            .collect();
        // Tickets called before the target's turn; one called at the very instant the target is (by
        // another window free at the same time) is beside it, not ahead of it.
        let (mut ahead, mut same_instant, mut last_at) = (0u64, 0u64, Millis::MIN);
        let (mut own_lane, mut steps) = (0u64, 0usize);
        let mut stalled = vec![false; sim.len()];
        loop {
            // The window free first calls next; ties go to the lower window number.
            let Some(i) = (0..sim.len())
                .filter(|&i| !stalled[i] && sim[i].0 < NEVER)
                .min_by_key(|&i| (sim[i].0, sim[i].1.number))
            else {
                return Forecast {
                    ahead: clamp(ahead),
                    wait_ms: None,
                };
            };
            let free_at = sim[i].0;
            let Some(c) = replay.pick_at(&mut sim[i].1, free_at) else {
                // Nothing to call yet: the next ticket expected for it, or another window's call.
                match replay.next_expected(&sim[i].1, free_at) {
                    Some(t) => sim[i].0 = plans[i].callable(t),
                    None => stalled[i] = true,
                }
                continue;
            };
            let at = sim[i].0;
            if at != last_at {
                (last_at, same_instant) = (at, 0);
            }
            // A window that found nothing waits until another one has called.
            for (j, s) in stalled.iter_mut().enumerate() {
                if *s {
                    sim[j].0 = plans[j].callable(sim[j].0.max(at));
                    *s = false;
                }
            }
            if c.id == target_id {
                return Forecast {
                    ahead: clamp(ahead - same_instant),
                    wait_ms: open_reach.then_some(at - now),
                };
            }
            if !is_expected(c.id) {
                ahead += 1;
                same_instant += 1;
            }
            steps += 1;
            if replay.lane_key(&c) == Some(&lane) {
                own_lane += 1;
            }
            let service = match replay.lane_key(&c) {
                Some(LaneKey::Service(s, _)) => s.clone(),
                _ => self
                    .tickets
                    .get(&c.id)
                    .map(|t| t.ticket.service_id.clone())
                    .unwrap_or_default(),
            };
            sim[i].0 = plans[i].callable(at + self.handle_ms(&service, now));
            if steps >= MAX_STEPS {
                return self.extrapolate(&target, &replay, &sim, now, ahead, own_lane, open_reach);
            }
        }
    }

    /// When window `w` may call today: the closed ranges between the day's opening hours (a lunch
    /// break in `09:00-12:00, 13:30-17:00`) and the window's planned breaks are closed to it, and
    /// where the window has planned hours, so is everything outside them.
    fn plan_today(&self, w: &WindowLive, now: Millis) -> Plan {
        let calendar = &self.cfg.calendar;
        let date = calendar.local_date(now);
        let plan = self.cfg.window(w.number).map(|c| &c.plan);
        let instant = |(a, b): crate::calendar::Range| -> Option<(Millis, Millis)> {
            Some((calendar.instant(date, a)?, calendar.instant(date, b)?))
        };
        let mut hours = calendar.hours_on(date).to_vec();
        hours.sort_unstable();
        let mut closed: Vec<(Millis, Millis)> = hours
            .windows(2)
            .filter(|pair| pair[0].1 < pair[1].0)
            .filter_map(|pair| instant((pair[0].1, pair[1].0)))
            .collect();
        if let Some(plan) = plan {
            let under_way = |&(a, b): &(Millis, Millis)| (a..b).contains(&now);
            // A window open in a planned break it has not paused for is working through it,
            // unless its current citizen came before the break began (it pauses once done).
            let called = w
                .current
                .and_then(|id| self.tickets.get(&id))
                .and_then(|t| t.ticket.leg().called_at);
            closed.extend(
                plan.breaks
                    .iter()
                    .filter_map(|&r| instant(r))
                    .filter(|r| !is_open(w) || !under_way(r) || called.is_some_and(|c| c < r.0)),
            );
            if !plan.hours.is_empty() {
                let mut off = Vec::new();
                let mut at = 0;
                for &(a, b) in &plan.hours {
                    off.extend(instant((at, a)));
                    at = b;
                }
                off.extend(calendar.instant(date, at).map(|a| (a, NEVER)));
                // Signed in outside the planned hours: staying on, the plan's hours no longer say.
                if !(w.staff.is_some() && off.iter().any(under_way)) {
                    closed.extend(off);
                }
            }
        }
        closed.retain(|&(a, b)| a < b && b > now);
        closed.sort_unstable();
        Plan { closed }
    }

    /// From when window `w` is forecast to call, `None` if not today: now when open; a paused
    /// window at the end of the planned break it is in (a pause outside the plan may last any
    /// time: not counted); a window not signed in at the start of its next planned hours today.
    fn available_from(&self, w: &WindowLive, now: Millis) -> Option<Millis> {
        if is_open(w) {
            return Some(now);
        }
        let plan = self.plan_today(w, now);
        if w.paused.is_some() {
            let planned = plan
                .closed
                .iter()
                .find(|(a, b)| (*a..*b).contains(&now))
                .map(|&(_, b)| b);
            return planned.filter(|&resume| w.staff.is_some() && resume < NEVER);
        }
        let calendar = &self.cfg.calendar;
        let date = calendar.local_date(now);
        self.cfg
            .window(w.number)?
            .plan
            .hours
            .iter()
            .filter_map(|&(a, _)| calendar.instant(date, a))
            .find(|&start| start > now)
    }

    /// How many tickets window `w` alone would call before the target; `None` if it never would.
    fn place_at(&self, w: &WindowLive, target: &Target<'_>, target_id: TicketId) -> Option<u64> {
        let mut replay = Replay::new(self);
        if let Target::New(key) = target {
            replay.add_new_ticket(key.clone());
        }
        let mut window = replay.window(w);
        let mut place = 0u64;
        while let Some(c) = replay.pick(&mut window) {
            if c.id == target_id {
                return Some(place);
            }
            place += 1;
            if place as usize >= MAX_STEPS {
                let left = match target {
                    Target::Waiting(t) => replay.untaken_before(t),
                    Target::New(key) => replay.untaken_in(key),
                };
                return Some(place + left as u64);
            }
        }
        None
    }

    /// How long a window stays busy with its current ticket, from now.
    fn busy_for(&self, w: &WindowLive, now: Millis) -> Millis {
        let Some(t) = w.current.and_then(|id| self.tickets.get(&id)) else {
            return 0;
        };
        let leg = t.ticket.leg();
        let since = leg.called_at.or(leg.started_at).unwrap_or(now);
        let h = self.handle_ms(&leg.service_id, now);
        // A ticket already past the mean is not about to end: a quarter of the mean still to go.
        (h - (now - since)).max(h / 4)
    }

    /// Past [`MAX_STEPS`] calls: the rest of the target's own lane ahead of it is called at the rate
    /// the replay showed, in the share the replay gave that lane.
    #[allow(clippy::too_many_arguments)]
    fn extrapolate(
        &self,
        target: &Target<'_>,
        replay: &Replay<'_>,
        sim: &[(Millis, ReplayWindow)],
        now: Millis,
        ahead: u64,
        own_lane: u64,
        open_reach: bool,
    ) -> Forecast {
        let left = match target {
            Target::Waiting(t) => replay.untaken_before(t),
            Target::New(key) => replay.untaken_in(key),
        } as u64;
        let share = (own_lane.max(1) as f64) / (ahead.max(1) as f64);
        let more = (left as f64 / share).round() as u64;
        let elapsed = sim
            .iter()
            .map(|(t, _)| *t)
            .filter(|&t| t < NEVER)
            .min()
            .unwrap_or(now)
            - now;
        let rate = elapsed as f64 / ahead.max(1) as f64;
        Forecast {
            ahead: clamp(ahead + more),
            wait_ms: open_reach.then(|| elapsed + (rate * more as f64) as Millis),
        }
    }
}

/// An instant no window reaches.
const NEVER: Millis = Millis::MAX;

/// The ranges of today in which one window does not call, sorted.
struct Plan {
    closed: Vec<(Millis, Millis)>,
}

impl Plan {
    /// The first instant from `at` on at which the window may call ([`NEVER`] if none today).
    fn callable(&self, mut at: Millis) -> Millis {
        for &(a, b) in &self.closed {
            if (a..b).contains(&at) {
                at = b;
            }
        }
        at
    }
}

fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Milliseconds to whole minutes: to the nearest minute under 30, to 5 from 30, to 10 from 60.
pub(crate) fn round_minutes(ms: Millis) -> u32 {
    let to = |step: Millis| {
        let unit = step * 60_000;
        u32::try_from((ms + unit / 2) / unit * step).unwrap_or(u32::MAX)
    };
    let exact = to(1);
    if exact >= 60 {
        to(10).max(60)
    } else if exact >= 30 {
        to(5).max(30)
    } else {
        exact
    }
}

//! The hall-day simulator (`qcall-server simulate`): drives the real queue core ([`Hall`]) with a
//! simulated clock through a day of arrivals, calls, no-shows, transfers, pauses and closing
//! windows, in seconds, and reports the waits that happened against the estimate each citizen
//! was given at issue (R8). Deterministic for a seed. A planning tool too: "what if window 6
//! opens in the morning?" is the same profile with other windows.
//!
//! What it drives is the pure core, command by command, exactly as the engine applies them
//! (rollover, command, tiles); the engine's persistence and pushes are left out, since they do
//! not change a rule's outcome.

mod profile;
mod report;
mod rng;
#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use qcall_protocol::{Millis, PauseReason, Role, TicketClass, TicketId, TransferTarget, WindowNo};

use crate::config::HallConfig;
use crate::core::{Actor, Command, Hall, IssueCmd, Reply, Restored};
pub use profile::{DEMO_DAY, Profile, parse_window_list};
pub use report::Report;
use report::{TicketOutcome, WindowFigures};
use rng::Rng;

const MINUTE: f64 = 60_000.0;

/// What happens next in the simulated hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// A citizen takes a ticket of the profile's service `index`, a priority ticket if `true`.
    Arrive(usize, bool),
    Open(WindowNo),
    Close(WindowNo),
    PauseStart(WindowNo),
    PauseEnd(WindowNo),
    /// The called citizen reaches the window.
    Start(WindowNo),
    /// The window has finished with its citizen.
    Done(WindowNo),
    /// The called citizen never came.
    NoShow(WindowNo),
}

#[derive(Debug, Default, Clone)]
struct Desk {
    staff_no: String,
    signed_in: bool,
    paused: bool,
    /// The ticket at the window (called or serving).
    busy: Option<TicketId>,
    /// Pause or close once the current citizen is done.
    pause_wanted: bool,
    close_wanted: bool,
    figures: WindowFigures,
    /// When the window last became busy, signed in or paused.
    busy_since: Millis,
    signed_since: Millis,
}

#[derive(Clone)]
struct Sim {
    hall: Hall,
    profile: Profile,
    /// Handling times, no-shows, transfers: what happens once a ticket is called.
    luck: Rng,
    now: Millis,
    seq: u64,
    queue: BinaryHeap<Reverse<(Millis, u64, Ev)>>,
    desks: BTreeMap<WindowNo, Desk>,
    tickets: HashMap<TicketId, TicketOutcome>,
    refused: BTreeMap<String, u32>,
    transfers: u32,
    no_shows: u32,
    /// Issue secrets: unique per ticket.
    secrets: u64,
    /// The start of the profile's day.
    midnight: Millis,
}

/// Runs one day of `profile` in the hall of `cfg`.
pub fn simulate(cfg: HallConfig, profile: Profile, seed: u64) -> anyhow::Result<Report> {
    run_day(cfg, profile, seed, !seed)
}

/// One day: `seed` draws the arrivals and their classes, `luck` what happens once they are
/// called (handling times, no-shows, transfers), so the same citizens can meet other luck.
fn run_day(mut cfg: HallConfig, profile: Profile, seed: u64, luck: u64) -> anyhow::Result<Report> {
    if profile.announced {
        // The day's plan is the hall's plan (值班安排): the forecast knows who opens and pauses when.
        for w in &mut cfg.windows {
            w.plan = profile
                .windows
                .iter()
                .find(|p| p.number == w.number)
                .map(|p| crate::config::WindowPlan {
                    hours: p.open.clone(),
                    breaks: p.pauses.clone(),
                })
                .unwrap_or_default();
        }
    }
    let cfg = Arc::new(cfg);
    let tz = cfg.calendar.tz.clone();
    let date = profile.date;
    // Minutes of the profile's day, up to 24:00 (the end of an all-day range).
    let at = move |minute: u32| -> anyhow::Result<Millis> {
        let midnight = date.at(0, 0, 0, 0).to_zoned(tz.clone())?;
        Ok(midnight.timestamp().as_millisecond() + i64::from(minute) * 60_000)
    };
    // Staff for each window: a staff account allowed there, each used once.
    let mut free_staff: Vec<_> = cfg.staff.iter().filter(|s| s.role == Role::Staff).collect();
    let mut desks = BTreeMap::new();
    let mut rng = Rng::new(seed);
    let mut events = Vec::new();
    // The most constrained windows choose first.
    let mut windows: Vec<_> = profile.windows.iter().collect();
    windows.sort_by_key(|w| {
        let allowed = free_staff
            .iter()
            .filter(|s| s.windows.is_empty() || s.windows.contains(&w.number))
            .count();
        (allowed, w.number)
    });
    for w in windows {
        let pick = free_staff
            .iter()
            .position(|s| s.windows.contains(&w.number))
            .or_else(|| free_staff.iter().position(|s| s.windows.is_empty()))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no staff account left who may sign in at window {}",
                    w.number
                )
            })?;
        let staff = free_staff.remove(pick);
        desks.insert(
            w.number,
            Desk {
                staff_no: staff.staff_no.clone(),
                ..Desk::default()
            },
        );
        for &(a, b) in &w.open {
            events.push((at(a)?, Ev::Open(w.number)));
            events.push((at(b)?, Ev::Close(w.number)));
        }
        for &(a, b) in &w.pauses {
            events.push((at(a)?, Ev::PauseStart(w.number)));
            events.push((at(b)?, Ev::PauseEnd(w.number)));
        }
    }
    for (i, s) in profile.services.iter().enumerate() {
        for &m in &s.arrive_at {
            let priority = rng.chance(profile.priority_share);
            events.push((at(m)?, Ev::Arrive(i, priority)));
        }
        for &((a, b), per_hour) in &s.rates {
            if per_hour <= 0.0 {
                continue;
            }
            let (start, end) = (at(a)?, at(b)?);
            let mean_gap = 60.0 * MINUTE / per_hour;
            let mut t = start as f64 + rng.exponential(mean_gap);
            while t < end as f64 {
                let priority = rng.chance(profile.priority_share);
                events.push((t as Millis, Ev::Arrive(i, priority)));
                t += rng.exponential(mean_gap);
            }
        }
    }
    let first = events.iter().map(|e| e.0).min().unwrap_or(at(0)?);
    let start = first - 60_000;
    let mut sim = Sim {
        hall: Hall::new(cfg, Restored::default(), start),
        profile,
        luck: Rng::new(luck),
        now: start,
        seq: 0,
        queue: BinaryHeap::new(),
        desks,
        tickets: HashMap::new(),
        refused: BTreeMap::new(),
        transfers: 0,
        no_shows: 0,
        secrets: 0,
        midnight: at(0)?,
    };
    for (t, ev) in events {
        sim.push(t, ev);
    }
    sim.run();
    Ok(sim.report(seed))
}

impl Sim {
    fn push(&mut self, at: Millis, ev: Ev) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, ev)));
    }

    fn after(&mut self, minutes: f64, ev: Ev) {
        let at = self.now + (minutes * MINUTE).round().max(1.0) as Millis;
        self.push(at, ev);
    }

    fn run(&mut self) {
        while let Some(Reverse((at, _, ev))) = self.queue.pop() {
            self.now = at;
            // The clock's own changes (no-show expiry, availability), as the engine's tick.
            let _ = self.hall.clock(at);
            self.handle(ev);
        }
        // Whoever still waits at the end of the day was never called.
    }

    fn apply(&mut self, actor: &Actor, cmd: Command) -> Result<Reply, qcall_protocol::ApiError> {
        if self.hall.rollover_due(self.now) {
            self.hall.rollover(self.now);
        }
        let applied = self.hall.apply(actor, cmd, self.now)?;
        let _ = self.hall.take_availability(self.now);
        Ok(applied.reply)
    }

    fn staff(&self, w: WindowNo) -> Actor {
        Actor::Staff(self.desks[&w].staff_no.clone())
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Arrive(i, priority) => {
                let issued = self.arrive(i, priority);
                self.wake_all();
                if let Some(id) = issued.filter(|_| self.profile.floor_runs > 0) {
                    self.fork(id);
                }
            }
            Ev::Open(w) => {
                let actor = self.staff(w);
                if self.apply(&actor, Command::SignIn { window: w }).is_ok() {
                    let now = self.now;
                    let desk = self.desk(w);
                    desk.signed_in = true;
                    desk.close_wanted = false;
                    desk.signed_since = now;
                }
                self.wake(w);
            }
            Ev::Close(w) => {
                if self.desks[&w].busy.is_some() {
                    self.desk(w).close_wanted = true;
                } else {
                    self.sign_out(w);
                }
            }
            Ev::PauseStart(w) => {
                if self.desks[&w].busy.is_some() {
                    self.desk(w).pause_wanted = true;
                } else {
                    self.pause(w);
                }
            }
            Ev::PauseEnd(w) => {
                self.desk(w).pause_wanted = false;
                if self.desks[&w].paused {
                    let actor = self.staff(w);
                    let _ = self.apply(&actor, Command::Resume { window: w });
                    self.desk(w).paused = false;
                }
                self.wake(w);
            }
            Ev::Start(w) => {
                let actor = self.staff(w);
                let started = self.apply(&actor, Command::Start { window: w }).is_ok();
                let service = self.desks[&w]
                    .busy
                    .and_then(|id| self.hall.ticket(id).map(|t| t.ticket.service_id.clone()));
                let (median, spread) = service
                    .and_then(|s| self.profile.services.iter().find(|p| p.id == s))
                    .map_or((10.0, 0.5), |p| (p.handle_minutes, p.handle_spread));
                let minutes = self.luck.lognormal(median, spread);
                if started {
                    self.after(minutes, Ev::Done(w));
                } else {
                    self.after(0.0, Ev::Done(w));
                }
            }
            Ev::Done(w) => {
                let actor = self.staff(w);
                let transfer = self.luck.chance(self.profile.transfer_share);
                let mut moved = false;
                if transfer && let Some(to) = self.transfer_target(w) {
                    moved = self
                        .apply(
                            &actor,
                            Command::Transfer {
                                window: w,
                                to: TransferTarget::Service(to),
                                note: None,
                            },
                        )
                        .is_ok();
                    if moved {
                        self.transfers += 1;
                    }
                }
                if !moved {
                    let _ = self.apply(
                        &actor,
                        Command::Finish {
                            window: w,
                            case_no: None,
                        },
                    );
                }
                self.release(w, true);
                if moved {
                    self.wake_all();
                }
            }
            Ev::NoShow(w) => {
                let actor = self.staff(w);
                if self.apply(&actor, Command::NoShow { window: w }).is_ok() {
                    self.no_shows += 1;
                }
                self.release(w, false);
            }
        }
    }

    fn desk(&mut self, w: WindowNo) -> &mut Desk {
        self.desks.get_mut(&w).expect("a window of the profile")
    }

    /// Issues a ticket of the profile's service `i`; its id, if the hall issued one.
    fn arrive(&mut self, i: usize, priority: bool) -> Option<TicketId> {
        let service_id = self.profile.services[i].id.clone();
        let class = if priority {
            TicketClass::Priority
        } else {
            TicketClass::Normal
        };
        self.secrets += 1;
        let cmd = Command::Issue(IssueCmd {
            service_id: service_id.clone(),
            class,
            citizen_hash: None,
            phone_masked: None,
            helper: priority.then(|| "sim".to_string()),
            notice: None,
            secret: format!("{:032x}", self.secrets),
        });
        match self.apply(&Actor::Kiosk("simulator".into()), cmd) {
            Ok(Reply::Issued(r)) => {
                let id = r.ticket.id;
                self.tickets.insert(
                    id,
                    TicketOutcome {
                        number: r.ticket.number.clone(),
                        service_id,
                        class,
                        issued_at: r.ticket.issued_at,
                        estimate: r.estimated_wait_minutes,
                        called_at: None,
                        oracle: None,
                    },
                );
                Some(id)
            }
            Ok(_) => None,
            Err(e) => {
                *self.refused.entry(format!("{:?}", e.code)).or_default() += 1;
                None
            }
        }
    }

    /// The estimate's floor for ticket `id`, just issued: the hall as it is now runs on through
    /// the profile's `floor_runs` other draws of what happens once tickets are called (handling times,
    /// no-shows, transfers) with the same citizens arriving later; the mean of its waits there
    /// is what someone knowing everything but that luck would have told the citizen.
    fn fork(&mut self, id: TicketId) {
        let Some(t) = self.tickets.get(&id).filter(|t| t.estimate.is_some()) else {
            return;
        };
        if t.called_at.is_some() {
            self.tickets.get_mut(&id).expect("just seen").oracle = Some(0.0);
            return;
        }
        let mut total = 0.0;
        let mut runs = 0u32;
        for k in 0..self.profile.floor_runs as u64 {
            let mut other = self.clone();
            other.profile.floor_runs = 0;
            other.luck = Rng::new((id as u64).wrapping_mul(0x9E37_79B9) ^ (k << 48) ^ self.seq);
            if let Some(wait) = other.run_until_called(id) {
                total += wait;
                runs += 1;
            }
        }
        if runs > 0 {
            self.tickets.get_mut(&id).expect("just seen").oracle = Some(total / f64::from(runs));
        }
    }

    /// Runs on until ticket `id` is first called: its wait in minutes, `None` if never.
    fn run_until_called(&mut self, id: TicketId) -> Option<f64> {
        while let Some(Reverse((at, _, ev))) = self.queue.pop() {
            self.now = at;
            let _ = self.hall.clock(at);
            self.handle(ev);
            if let Some(wait) = self.tickets.get(&id).and_then(TicketOutcome::wait) {
                return Some(wait);
            }
        }
        None
    }

    /// Every idle window calls.
    fn wake_all(&mut self) {
        let idle: Vec<WindowNo> = self
            .desks
            .iter()
            .filter(|(_, d)| d.signed_in && !d.paused && d.busy.is_none())
            .map(|(w, _)| *w)
            .collect();
        for w in idle {
            self.wake(w);
        }
    }

    /// An idle, open window calls the next ticket; the citizen comes (or not).
    fn wake(&mut self, w: WindowNo) {
        let d = &self.desks[&w];
        if !d.signed_in || d.paused || d.busy.is_some() {
            return;
        }
        let actor = self.staff(w);
        let Ok(Reply::Action(a)) = self.apply(&actor, Command::CallNext { window: w }) else {
            return;
        };
        let Some(ticket) = a.ticket else { return };
        let now = self.now;
        if let Some(t) = self.tickets.get_mut(&ticket.id)
            && t.called_at.is_none()
        {
            t.called_at = Some(now);
        }
        let desk = self.desk(w);
        desk.busy = Some(ticket.id);
        desk.busy_since = now;
        // A transferred ticket's citizen is already in the hall and comes.
        let first_leg = ticket.legs.len() <= 1;
        if first_leg && self.luck.chance(self.profile.no_show_share) {
            let after = self.profile.no_show_after_minutes;
            self.after(after, Ev::NoShow(w));
        } else {
            let walk = self.profile.walk_minutes;
            self.after(walk, Ev::Start(w));
        }
    }

    /// The window is free again: figures, then a pending pause or close, else the next call.
    fn release(&mut self, w: WindowNo, served: bool) {
        let now = self.now;
        let desk = self.desk(w);
        desk.busy = None;
        desk.figures.busy_ms += now - desk.busy_since;
        if served {
            desk.figures.served += 1;
        }
        if desk.close_wanted {
            self.sign_out(w);
        } else if desk.pause_wanted {
            self.desk(w).pause_wanted = false;
            self.pause(w);
        } else {
            self.wake(w);
        }
    }

    fn pause(&mut self, w: WindowNo) {
        let actor = self.staff(w);
        if self.desks[&w].signed_in
            && self
                .apply(
                    &actor,
                    Command::Pause {
                        window: w,
                        reason: PauseReason::Break,
                    },
                )
                .is_ok()
        {
            self.desk(w).paused = true;
        }
    }

    fn sign_out(&mut self, w: WindowNo) {
        let actor = self.staff(w);
        if self.desks[&w].signed_in {
            let _ = self.apply(&actor, Command::SignOut { window: w });
            let now = self.now;
            let desk = self.desk(w);
            desk.figures.open_ms += now - desk.signed_since;
            desk.signed_in = false;
            desk.paused = false;
            desk.close_wanted = false;
        }
    }

    /// Another service of the profile that some open window serves, at random.
    fn transfer_target(&mut self, w: WindowNo) -> Option<String> {
        let current = self.desks[&w]
            .busy
            .and_then(|id| self.hall.ticket(id))
            .map(|t| t.ticket.service_id.clone())?;
        let open: Vec<WindowNo> = self
            .desks
            .iter()
            .filter(|(_, d)| d.signed_in)
            .map(|(n, _)| *n)
            .collect();
        let cfg = self.hall.cfg.clone();
        let candidates: Vec<String> = self
            .profile
            .services
            .iter()
            .map(|s| s.id.clone())
            .filter(|s| *s != current)
            .filter(|s| {
                cfg.windows.iter().any(|wc| {
                    open.contains(&wc.number)
                        && (wc.primary.contains(s) || wc.secondary.contains(s))
                })
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let i = self.luck.below(candidates.len());
        Some(candidates[i].clone())
    }

    fn report(self, seed: u64) -> Report {
        let (midnight, forks) = (self.midnight, self.profile.floor_runs);
        Report::new(
            &self.profile,
            seed,
            self.tickets.into_values().collect(),
            self.desks
                .into_iter()
                .map(|(w, d)| (w, d.figures))
                .collect(),
            self.refused,
            self.transfers,
            self.no_shows,
        )
        .with_midnight(midnight)
        .with_floor(forks)
    }
}

//! The queue rules (R1–R14) as a pure state machine: `apply(actor, command, now)` either changes the
//! hall and says what changed, or refuses with a clear error and changes nothing. No I/O, no clock, no
//! randomness: the caller passes the time and the random part of ticket tokens, so every rule is tested
//! here without tokio or SQLite.
//!
//! Only open tickets live here; closed ones are handed to the store in [`Change::Ticket`] and dropped.
//!
//! One file per rule family, each adding `impl Hall` methods: `command` (the commands and what applying
//! one produces), `state` (what is stored), `issue` (R1, R2, R5, cancel), `serve` (a ticket at a
//! window: R9–R13), `window` (sign-in and pause, R14), `queue` (the lanes), `place` (a ticket's place
//! in its lane), `order` (R11 alone),
//! `estimate` (R8), `view` (what clients see), `day` (rollover, running figures), `manage` (notices,
//! window services), `rating` (好差评, R21), `case` (差评整改 and appeals, R22), `booking` (appointments, R25,
//! R26). This file holds the hall itself and [`Hall::apply`], which dispatches a command
//! to its family and turns what it did into an [`Applied`].

mod booking;
mod case;
mod command;
mod console;
mod day;
mod estimate;
mod issue;
mod manage;
pub(crate) mod notice;
pub(crate) mod order;
mod place;
mod queue;
pub(crate) mod rating;
mod security;
mod serve;
mod state;
mod view;
mod window;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use qcall_protocol::{
    ApiError, Availability, Call, ErrorCode, Event, Leg, Millis, Ticket, TicketId, TicketState,
    WindowNo,
};
use serde::Serialize;

use crate::config::HallConfig;
pub(crate) use booking::{
    BookCmd, BookingCmd, BookingKey, StoredBooking, code_from, normalise_code,
};
pub(crate) use case::CaseLive;
pub(crate) use command::{Actor, Applied, Audit, Change, Command, IssueCmd, Reply, TicketRef};
pub(crate) use notice::{Notice, NoticeOwner, NoticePhone, NotifyMark};
pub(crate) use place::QueuePos;
pub(crate) use rating::{RateCmd, RateVia, RatingCmd, RatingsRestored};
pub(crate) use security::{Failure, Revocation, SecurityCmd};
pub(crate) use state::{Restored, Stat, StoredTicket, WindowLive};

/// How many calls the hall remembers for screens, at least.
pub(crate) const RECENT_CALLS: usize = 20;
/// Calls this recent are all remembered, however many (R16: a display that reconnects announces what
/// it missed of the last minute).
pub(crate) const RECENT_CALL_MS: Millis = 60_000;

/// The live hall: open tickets, queues and windows.
#[derive(Debug, Clone)]
pub(crate) struct Hall {
    pub(crate) cfg: Arc<HallConfig>,
    day: String,
    seq: u64,
    next_id: TicketId,
    tickets: HashMap<TicketId, StoredTicket>,
    by_number: HashMap<String, TicketId>,
    /// Each lane's waiting tickets in order: per (service, class), and per window for transfers.
    lanes: HashMap<queue::LaneKey, BTreeSet<(QueuePos, TicketId)>>,
    waiting: HashMap<String, u32>,
    /// Waiting tickets that wait behind others after a requeue (R9).
    requeued: BTreeSet<TicketId>,
    /// (service now, citizen hash) → open tickets, against 恶意占号 (R5).
    citizens: HashMap<(String, String), BTreeSet<TicketId>>,
    windows: BTreeMap<WindowNo, WindowLive>,
    counters: HashMap<String, u32>,
    stats: HashMap<String, Stat>,
    notices: Vec<String>,
    recent: VecDeque<Call>,
    /// When each lane's tickets of the last [`estimate::ARRIVAL_WINDOW_MS`] were issued: the rate
    /// the forecast expects more of (R8). Not stored; after a restart, the open tickets'.
    arrivals: HashMap<queue::LaneKey, VecDeque<Millis>>,
    /// The kiosk tiles as last pushed (R5, R8): what snapshots show, so a client that connects sees
    /// exactly what one connected all along has; a change pushes only what differs.
    published: BTreeMap<String, Availability>,
    /// Services whose tile may have changed since the last push.
    dirty: BTreeSet<String>,
    /// Whether issuing was open at the last push.
    published_open: bool,
    /// The next instant a clock edge may change what kiosks show.
    next_edge: Option<Millis>,
    /// When the clock last looked.
    last_clock: Millis,
    /// Ratings of the last 评价时效, open 差评 cases, the pads' invites (R21, R22).
    ratings: rating::Book,
    /// Every booking of today and later, by id (R25, R26).
    bookings: BTreeMap<i64, StoredBooking>,
    next_booking_id: i64,
}

pub(super) fn err(code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::new(code, message)
}

/// Personal data never goes into the audit log; numbers and ids do.
pub(super) fn json(value: impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

impl Hall {
    /// A hall from its config and what the store kept; open tickets of an earlier business day stay
    /// until [`Hall::rollover_due`] says to expire them.
    pub(crate) fn new(cfg: Arc<HallConfig>, restored: Restored, now: Millis) -> Hall {
        let today = cfg.calendar.business_day(now).to_string();
        let mut hall = Hall {
            day: restored.business_day.clone().unwrap_or(today),
            seq: restored.seq,
            next_id: restored.next_ticket_id.max(1),
            tickets: HashMap::new(),
            by_number: HashMap::new(),
            lanes: HashMap::new(),
            requeued: BTreeSet::new(),
            waiting: HashMap::new(),
            citizens: HashMap::new(),
            windows: BTreeMap::new(),
            counters: restored.counters,
            stats: restored.stats,
            notices: restored.notices.unwrap_or_else(|| cfg.notices.clone()),
            recent: restored
                .recent_calls
                .into_iter()
                .enumerate()
                .filter(|(i, c)| *i < RECENT_CALLS || c.at >= now - RECENT_CALL_MS)
                .map(|(_, c)| c)
                .collect(),
            arrivals: HashMap::new(),
            published: BTreeMap::new(),
            dirty: BTreeSet::new(),
            published_open: cfg.calendar.issuing(now).is_ok(),
            next_edge: cfg.calendar.next_edge(now, &cfg.slot_edges()),
            last_clock: now,
            ratings: rating::Book::restore(restored.ratings, now, rating::valid_ms(&cfg)),
            bookings: restored.bookings.into_iter().map(|b| (b.id, b)).collect(),
            next_booking_id: restored.next_booking_id.max(1),
            cfg,
        };
        for w in &hall.cfg.windows {
            let saved = restored.windows.iter().find(|s| s.number == w.number);
            let known = |ids: &[String]| -> Vec<String> {
                ids.iter()
                    .filter(|id| hall.cfg.service(id).is_some())
                    .cloned()
                    .collect()
            };
            let live = match saved {
                Some(s) => WindowLive {
                    primary: if known(&s.primary).is_empty() {
                        w.primary.clone()
                    } else {
                        known(&s.primary)
                    },
                    secondary: known(&s.secondary),
                    staff: s.staff.clone().filter(|no| hall.cfg.staff(no).is_some()),
                    ..s.clone()
                },
                None => WindowLive {
                    number: w.number,
                    primary: w.primary.clone(),
                    secondary: w.secondary.clone(),
                    staff: None,
                    paused: None,
                    current: None,
                    held: Vec::new(),
                    streak: 0,
                },
            };
            hall.windows.insert(w.number, live);
        }
        for t in restored.tickets {
            hall.next_id = hall.next_id.max(t.ticket.id + 1);
            if t.ticket.business_day == hall.day {
                let lane =
                    queue::LaneKey::Service(t.ticket.origin_service_id.clone(), t.ticket.class);
                hall.note_arrival(lane, t.ticket.issued_at, now);
            }
            hall.insert_open(t);
        }
        // A ticket can only be current or held at a window if it is in that state there.
        let tickets = &hall.tickets;
        for w in hall.windows.values_mut() {
            w.current = w.current.filter(|id| {
                tickets.get(id).is_some_and(|t| {
                    matches!(t.ticket.state, TicketState::Called | TicketState::Serving)
                        && t.ticket.window == Some(w.number)
                })
            });
            w.held.retain(|id| {
                tickets
                    .get(id)
                    .is_some_and(|t| t.ticket.state == TicketState::Held)
            });
        }
        hall.published = hall
            .availability_all(now)
            .into_iter()
            .map(|a| (a.service_id.clone(), a))
            .collect();
        hall
    }

    /// The business day the hall is in.
    pub(crate) fn business_day(&self) -> &str {
        &self.day
    }

    /// The last applied sequence number.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    /// Open tickets in memory.
    pub(crate) fn open_count(&self) -> usize {
        self.tickets.len()
    }

    /// A ticket by id, open or not (open ones only: closed ones are in the store).
    pub(crate) fn ticket(&self, id: TicketId) -> Option<&StoredTicket> {
        self.tickets.get(&id)
    }

    /// Every open ticket, oldest first.
    pub(crate) fn open_tickets(&self) -> Vec<Ticket> {
        let mut all: Vec<Ticket> = self.tickets.values().map(|t| t.ticket.clone()).collect();
        all.sort_by_key(|t| t.id);
        all
    }

    /// The recent calls, newest first.
    pub(crate) fn recent_calls(&self) -> Vec<Call> {
        self.recent.iter().cloned().collect()
    }

    /// A ticket by its token, when open.
    pub(crate) fn by_token(&self, token: &str) -> Option<&StoredTicket> {
        let id = token_id(token)?;
        // The id part is not secret; the rest is compared in constant time (issue 21).
        self.tickets
            .get(&id)
            .filter(|t| crate::auth::ct_eq(t.token.as_bytes(), token.as_bytes()))
    }

    /// Every service's kiosk tile as last pushed, in display order.
    pub(crate) fn tiles(&self) -> Vec<Availability> {
        self.cfg
            .services
            .iter()
            .filter_map(|s| self.published.get(&s.info.id).cloned())
            .collect()
    }

    /// Whether tickets could be issued at the last push.
    pub(crate) fn issuing_open(&self) -> bool {
        self.published_open
    }

    /// The kiosk tiles that changed since the last push, as one event (R5, R8), or `None`. A tile's
    /// estimate depends on every queue its windows serve, so the services sharing a window with a
    /// changed one are looked at too. Called once per batch of commands: under load a tile is
    /// worked out once per batch, not once per command.
    pub(crate) fn take_availability(&mut self, now: Millis) -> Option<Event> {
        if self.dirty.is_empty() {
            return None;
        }
        let mut look = std::mem::take(&mut self.dirty);
        for w in self.windows.values() {
            let serves: Vec<&String> = w.primary.iter().chain(&w.secondary).collect();
            if serves.iter().any(|s| look.contains(*s)) {
                look.extend(serves.into_iter().cloned());
            }
        }
        let open = self.cfg.calendar.issuing(now).is_ok();
        let changed: Vec<Availability> = self
            .cfg
            .services
            .iter()
            .filter(|s| look.contains(&s.info.id))
            .map(|s| self.availability(&s.info.id, now))
            .filter(|a| self.published.get(&a.service_id) != Some(a))
            .collect();
        if changed.is_empty() && open == self.published_open {
            return None;
        }
        for a in &changed {
            self.published.insert(a.service_id.clone(), a.clone());
        }
        self.published_open = open;
        Some(Event::Availability {
            issuing_open: open,
            services: changed,
        })
    }

    /// Today's figures of a window or service (`window:3`, `service:tax`).
    pub(crate) fn stat(&self, key: &str) -> Stat {
        self.stats.get(key).cloned().unwrap_or_default()
    }

    /// Applies one command at `now`: either every effect or none (R3, R30).
    pub(crate) fn apply(
        &mut self,
        actor: &Actor,
        cmd: Command,
        now: Millis,
    ) -> Result<Applied, ApiError> {
        let action = cmd.action();
        let mut fx = Effects::default();
        let reply = match cmd {
            Command::Issue(issue) => self.issue(actor, issue, now, &mut fx)?,
            Command::CallNext { window } => self.call_next(actor, window, now, &mut fx)?,
            Command::CallNumber { window, number } => {
                self.call_number(actor, window, &number, now, &mut fx)?
            }
            Command::Recall { window } => self.recall(actor, window, now, &mut fx)?,
            Command::Start { window } => self.start(actor, window, now, &mut fx)?,
            Command::Finish { window, case_no } => {
                self.finish(actor, window, case_no, now, &mut fx)?
            }
            Command::FinishAndCallNext { window, case_no } => {
                self.finish_and_call_next(actor, window, case_no, now, &mut fx)?
            }
            Command::NoShow { window } => self.no_show(actor, window, now, &mut fx)?,
            Command::Requeue { window, ticket_id } => {
                self.requeue(actor, window, ticket_id, now, &mut fx)?
            }
            Command::Transfer { window, to, note } => {
                self.transfer(actor, window, to, note, now, &mut fx)?
            }
            Command::Hold { window } => self.hold(actor, window, now, &mut fx)?,
            Command::Unhold { window, ticket_id } => {
                self.unhold(actor, window, ticket_id, now, &mut fx)?
            }
            Command::Pause { window, reason } => self.pause(actor, window, reason, now, &mut fx)?,
            Command::Resume { window } => self.resume(actor, window, now, &mut fx)?,
            Command::SignIn { window } => self.sign_in(actor, window, now, &mut fx)?,
            Command::SignOut { window } => self.sign_out(actor, window, now, &mut fx)?,
            Command::Cancel { ticket } => self.cancel(actor, ticket, now, &mut fx)?,
            Command::SetNotices { notices } => self.set_notices(notices, &mut fx)?,
            Command::SetWindowServices {
                window,
                primary,
                secondary,
            } => self.set_window_services(window, primary, secondary, now, &mut fx)?,
            Command::Rating(r) => self.rating_command(actor, r, now, &mut fx)?,
            Command::Security(cmd) => self.security(actor, cmd, now, &mut fx)?,
            Command::Booking(b) => self.booking(actor, b, now, &mut fx)?,
        };
        Ok(self.record(actor, action, reply, fx, now))
    }

    /// Turns what a command did into an [`Applied`]: every check passed and the hall changed, so the
    /// command gets the next sequence number, its calls their call id, and the kiosk tiles and
    /// windows it touched their events.
    fn record(
        &mut self,
        actor: &Actor,
        action: &'static str,
        reply: Reply,
        mut fx: Effects,
        now: Millis,
    ) -> Applied {
        self.seq += 1;
        let seq = self.seq;
        let mut events = std::mem::take(&mut fx.events);
        for e in &mut events {
            if let Event::Called { call } = e {
                call.call_id = seq;
                self.recent.push_front(call.clone());
                while self.recent.len() > RECENT_CALLS
                    && self
                        .recent
                        .back()
                        .is_some_and(|c| c.at < now - RECENT_CALL_MS)
                {
                    self.recent.pop_back();
                }
            }
        }
        let reply = match reply {
            Reply::Action(mut a) => {
                for call in a.call.iter_mut() {
                    call.call_id = seq;
                }
                Reply::Action(a)
            }
            other => other,
        };
        if let Some(call) = &mut fx.audit_call {
            call.call_id = seq;
            fx.detail["call"] = json(&call);
        }
        // The tiles this command may have changed; [`Hall::take_availability`] pushes them once per
        // batch of commands.
        self.dirty.append(&mut fx.services);
        for w in &fx.windows {
            if let Some(live) = self.windows.get(w) {
                self.dirty
                    .extend(live.primary.iter().chain(&live.secondary).cloned());
            }
        }
        for w in &fx.windows {
            if let Some(view) = self.window_view(*w) {
                events.push(Event::Window { window: view });
            }
            if let Some(live) = self.windows.get(w) {
                fx.changes.push(Change::Window(live.clone()));
            }
        }
        self.called_notices(&events, &mut fx.changes);
        self.add_facts(&mut fx.changes, now);
        Applied {
            seq,
            at: now,
            business_day: self.day.clone(),
            reply,
            events,
            changes: fx.changes,
            audit: Audit {
                actor: actor.label(),
                action,
                window: fx.window,
                ticket_id: fx.ticket.as_ref().map(|t| t.0),
                number: fx.ticket.map(|t| t.1),
                out_of_order: fx.out_of_order,
                detail: fx.detail,
                request_id: None,
            },
        }
    }
}

impl Hall {
    /// Adds the fact of every leg that `changes` closed at `now` (R23), in the same batch as the
    /// ticket itself: a fact is durable exactly when the change that closed its leg is.
    pub(super) fn add_facts(&self, changes: &mut Vec<Change>, now: Millis) {
        let facts: Vec<Change> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Ticket(t) => {
                    Some(crate::report::fact::closed_at(&self.cfg, &t.ticket, now))
                }
                _ => None,
            })
            .flatten()
            .map(|f| Change::Fact(Box::new(f)))
            .collect();
        changes.extend(facts);
    }
}

/// What a command did, gathered while applying it.
#[derive(Default)]
struct Effects {
    events: Vec<Event>,
    changes: Vec<Change>,
    services: BTreeSet<String>,
    windows: Vec<WindowNo>,
    window: Option<WindowNo>,
    ticket: Option<(TicketId, String)>,
    out_of_order: bool,
    detail: serde_json::Value,
    audit_call: Option<Call>,
}

impl Effects {
    pub(super) fn ticket_changed(&mut self, t: &StoredTicket) {
        self.ticket = Some((t.ticket.id, t.ticket.number.clone()));
        self.events
            .retain(|e| !matches!(e, Event::Ticket { ticket } if ticket.id == t.ticket.id));
        self.events.push(Event::Ticket {
            ticket: t.ticket.clone(),
        });
        self.changes
            .retain(|c| !matches!(c, Change::Ticket(x) if x.ticket.id == t.ticket.id));
        self.changes.push(Change::Ticket(Box::new(t.clone())));
    }
}

pub(super) fn staff_no(actor: &Actor) -> Option<String> {
    match actor {
        Actor::Staff(no) => Some(no.clone()),
        _ => None,
    }
}

pub(super) fn new_leg(
    service: &str,
    target_window: Option<WindowNo>,
    now: Millis,
    note: Option<String>,
) -> Leg {
    Leg {
        target_window,
        note,
        ..Leg::queued(service, now)
    }
}

pub(super) fn last_leg(t: &mut Ticket) -> &mut Leg {
    let last = t.legs.len() - 1;
    &mut t.legs[last]
}

/// The ticket id a token starts with (12 hex digits), so a token is found without an index.
pub(crate) fn token_id(token: &str) -> Option<TicketId> {
    if token.len() != 44 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    i64::from_str_radix(&token[..12], 16).ok()
}

#[cfg(test)]
pub(crate) mod tests;

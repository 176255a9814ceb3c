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
//! window services). This file holds the hall itself and [`Hall::apply`], which dispatches a command
//! to its family and turns what it did into an [`Applied`].

mod command;
mod day;
mod estimate;
mod issue;
mod manage;
pub(crate) mod order;
mod place;
mod queue;
mod serve;
mod state;
mod view;
mod window;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use qcall_protocol::{
    ApiError, Availability, Call, ErrorCode, Event, Leg, Millis, Ticket, TicketClass, TicketId,
    TicketState, WindowNo,
};
use serde::Serialize;

use crate::config::HallConfig;
pub(crate) use command::{Actor, Applied, Audit, Change, Command, IssueCmd, Reply, TicketRef};
pub(crate) use place::QueuePos;
pub(crate) use state::{Restored, Stat, StoredTicket, WindowLive};

/// How many calls the hall remembers for screens.
pub(crate) const RECENT_CALLS: usize = 20;

/// The live hall: open tickets, queues and windows.
#[derive(Debug)]
pub(crate) struct Hall {
    pub(crate) cfg: Arc<HallConfig>,
    day: String,
    seq: u64,
    next_id: TicketId,
    tickets: HashMap<TicketId, StoredTicket>,
    by_number: HashMap<String, TicketId>,
    /// (service, class) → waiting tickets in order.
    lanes: HashMap<(String, TicketClass), BTreeSet<(QueuePos, TicketId)>>,
    /// Tickets transferred to one window, by transfer.
    to_window: HashMap<WindowNo, BTreeSet<(u64, TicketId)>>,
    waiting: HashMap<String, u32>,
    /// (service, citizen hash) → open ticket, against 恶意占号 (R5).
    citizens: HashMap<(String, String), TicketId>,
    windows: BTreeMap<WindowNo, WindowLive>,
    counters: HashMap<String, u32>,
    stats: HashMap<String, Stat>,
    notices: Vec<String>,
    recent: VecDeque<Call>,
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
            to_window: HashMap::new(),
            waiting: HashMap::new(),
            citizens: HashMap::new(),
            windows: BTreeMap::new(),
            counters: restored.counters,
            stats: restored.stats,
            notices: restored.notices.unwrap_or_else(|| cfg.notices.clone()),
            recent: restored
                .recent_calls
                .into_iter()
                .take(RECENT_CALLS)
                .collect(),
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
        self.tickets.get(&id).filter(|t| t.token == token)
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
            Command::Finish { window } => self.finish(actor, window, now, &mut fx)?,
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
        };
        // Every check passed and the hall changed: the command gets the next sequence number.
        self.seq += 1;
        let seq = self.seq;
        let mut events = std::mem::take(&mut fx.events);
        for e in &mut events {
            if let Event::Called { call } = e {
                call.call_id = seq;
                self.recent.push_front(call.clone());
                self.recent.truncate(RECENT_CALLS);
            }
        }
        let reply = match reply {
            Reply::Action(mut a) => {
                if let Some(call) = &mut a.call {
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
        if !fx.services.is_empty() {
            let services: Vec<Availability> = fx
                .services
                .iter()
                .map(|s| self.availability(s, now))
                .collect();
            events.push(Event::Availability {
                issuing_open: self.cfg.calendar.issuing(now).is_ok(),
                services,
            });
        }
        for w in &fx.windows {
            if let Some(view) = self.window_view(*w) {
                events.push(Event::Window { window: view });
            }
            if let Some(live) = self.windows.get(w) {
                fx.changes.push(Change::Window(live.clone()));
            }
        }
        Ok(Applied {
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
        })
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

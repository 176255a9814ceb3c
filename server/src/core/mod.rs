//! The queue rules (R1–R14) as a pure state machine: `apply(actor, command, now)` either changes the
//! hall and says what changed, or refuses with a clear error and changes nothing. No I/O, no clock, no
//! randomness: the caller passes the time and the random part of ticket tokens, so every rule is tested
//! here without tokio or SQLite.
//!
//! Only open tickets live here; closed ones are handed to the store in [`Change::Ticket`] and dropped.

pub(crate) mod order;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use qcall_protocol::{
    ActionResponse, ApiError, Availability, Call, CurrentTicket, ErrorCode, Event, HallInfo,
    IssueResponse, Leg, LegOutcome, Millis, PauseReason, PreviewResponse, PublicTicket, StaffCard,
    Ticket, TicketClass, TicketId, TicketResponse, TicketState, TransferTarget, WindowNo,
    WindowStatus, WindowView,
};
use serde::{Deserialize, Serialize};

use crate::calendar::format_range;
use crate::config::HallConfig;
use order::{Candidate, Lane, QueuePos};

/// How many calls the hall remembers for screens.
pub(crate) const RECENT_CALLS: usize = 20;

/// Who asked for a change. Window commands need a staff member signed in at that window (R27).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Actor {
    Kiosk(String),
    Staff(String),
    Public,
    System,
}

impl Actor {
    /// How the audit log names the actor.
    pub(crate) fn label(&self) -> String {
        match self {
            Actor::Kiosk(name) => format!("device:{name}"),
            Actor::Staff(no) => format!("staff:{no}"),
            Actor::Public => "public".into(),
            Actor::System => "system".into(),
        }
    }
}

/// A ticket issue, after the API checked credentials and hashed or masked personal data.
#[derive(Debug, Clone)]
pub(crate) struct IssueCmd {
    pub(crate) service_id: String,
    pub(crate) class: TicketClass,
    pub(crate) citizen_hash: Option<String>,
    pub(crate) phone_masked: Option<String>,
    /// The staff member whose PIN unlocked a priority ticket at a kiosk.
    pub(crate) helper: Option<String>,
    /// The random part of the ticket's token.
    pub(crate) secret: String,
}

/// A ticket named by id (staff) or by token (the citizen's own page).
#[derive(Debug, Clone)]
pub(crate) enum TicketRef {
    Id(TicketId),
    Token(String),
}

/// Everything that changes the hall.
#[derive(Debug, Clone)]
pub(crate) enum Command {
    Issue(IssueCmd),
    CallNext {
        window: WindowNo,
    },
    CallNumber {
        window: WindowNo,
        number: String,
    },
    Recall {
        window: WindowNo,
    },
    Start {
        window: WindowNo,
    },
    Finish {
        window: WindowNo,
    },
    NoShow {
        window: WindowNo,
    },
    Requeue {
        window: WindowNo,
        ticket_id: TicketId,
    },
    Transfer {
        window: WindowNo,
        to: TransferTarget,
        note: Option<String>,
    },
    Hold {
        window: WindowNo,
    },
    Unhold {
        window: WindowNo,
        ticket_id: TicketId,
    },
    Pause {
        window: WindowNo,
        reason: PauseReason,
    },
    Resume {
        window: WindowNo,
    },
    SignIn {
        window: WindowNo,
    },
    SignOut {
        window: WindowNo,
    },
    Cancel {
        ticket: TicketRef,
    },
    SetNotices {
        notices: Vec<String>,
    },
    SetWindowServices {
        window: WindowNo,
        primary: Vec<String>,
        secondary: Vec<String>,
    },
}

impl Command {
    /// The name the audit log uses.
    pub(crate) fn action(&self) -> &'static str {
        match self {
            Command::Issue(_) => "issue",
            Command::CallNext { .. } => "call_next",
            Command::CallNumber { .. } => "call_number",
            Command::Recall { .. } => "recall",
            Command::Start { .. } => "start",
            Command::Finish { .. } => "finish",
            Command::NoShow { .. } => "no_show",
            Command::Requeue { .. } => "requeue",
            Command::Transfer { .. } => "transfer",
            Command::Hold { .. } => "hold",
            Command::Unhold { .. } => "unhold",
            Command::Pause { .. } => "pause",
            Command::Resume { .. } => "resume",
            Command::SignIn { .. } => "sign_in",
            Command::SignOut { .. } => "sign_out",
            Command::Cancel { .. } => "cancel",
            Command::SetNotices { .. } => "set_notices",
            Command::SetWindowServices { .. } => "set_window_services",
        }
    }
}

/// An open ticket with what only the server knows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredTicket {
    pub(crate) ticket: Ticket,
    pub(crate) token: String,
    pub(crate) citizen_hash: Option<String>,
    /// Place in its service queue while waiting.
    pub(crate) pos: QueuePos,
    /// Order among tickets transferred to one window.
    pub(crate) transfer_seq: u64,
}

/// A window's live state, persisted so that a restart keeps sign-ins, pauses and current tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WindowLive {
    pub(crate) number: WindowNo,
    pub(crate) primary: Vec<String>,
    pub(crate) secondary: Vec<String>,
    pub(crate) staff: Option<String>,
    pub(crate) paused: Option<(PauseReason, Millis)>,
    pub(crate) current: Option<TicketId>,
    pub(crate) held: Vec<TicketId>,
    /// Priority/appointment calls in a row (R11 K-ratio).
    pub(crate) streak: u32,
}

/// Today's running figures of a service or window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stat {
    pub(crate) served: u32,
    pub(crate) no_show: u32,
    pub(crate) wait_ms: i64,
    pub(crate) handle_ms: i64,
    pub(crate) pause_ms: BTreeMap<String, i64>,
}

/// What the store must write for one applied command.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    Ticket(Box<StoredTicket>),
    Window(WindowLive),
    Counter { key: String, value: u32 },
    Stat { key: String, stat: Stat },
    Notices(Vec<String>),
}

/// The reply to the client, before serialisation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Issued(Box<IssueResponse>),
    Action(Box<ActionResponse>),
    Ticket(Box<TicketResponse>),
    Window(Box<WindowView>),
    Notices(Vec<String>),
    Rollover { business_day: String },
}

/// The audit line of an applied command (R28).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Audit {
    pub(crate) actor: String,
    pub(crate) action: &'static str,
    pub(crate) window: Option<WindowNo>,
    pub(crate) ticket_id: Option<TicketId>,
    pub(crate) number: Option<String>,
    pub(crate) out_of_order: bool,
    pub(crate) detail: serde_json::Value,
    /// The client's request id, set by the engine (R6).
    pub(crate) request_id: Option<String>,
}

/// What one command did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Applied {
    /// The audit sequence number; also the push sequence number and the call id of calls.
    pub(crate) seq: u64,
    pub(crate) at: Millis,
    pub(crate) business_day: String,
    pub(crate) reply: Reply,
    pub(crate) events: Vec<Event>,
    pub(crate) changes: Vec<Change>,
    pub(crate) audit: Audit,
}

/// State restored from the store at start-up.
#[derive(Debug, Default)]
pub(crate) struct Restored {
    pub(crate) seq: u64,
    pub(crate) next_ticket_id: TicketId,
    pub(crate) business_day: Option<String>,
    pub(crate) tickets: Vec<StoredTicket>,
    pub(crate) windows: Vec<WindowLive>,
    pub(crate) counters: HashMap<String, u32>,
    pub(crate) stats: HashMap<String, Stat>,
    pub(crate) notices: Option<Vec<String>>,
    pub(crate) recent_calls: Vec<Call>,
}

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

fn err(code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::new(code, message)
}

/// Personal data never goes into the audit log; numbers and ids do.
fn json(value: impl Serialize) -> serde_json::Value {
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

    /// Whether `now` is in a later business day than the hall's. A clock that steps back (NTP) never
    /// turns the hall back to an earlier day.
    pub(crate) fn rollover_due(&self, now: Millis) -> bool {
        self.cfg.calendar.business_day(now).to_string() > self.day
    }

    fn insert_open(&mut self, t: StoredTicket) {
        let id = t.ticket.id;
        self.by_number.insert(t.ticket.number.clone(), id);
        if let Some(hash) = &t.citizen_hash {
            self.citizens
                .insert((t.ticket.origin_service_id.clone(), hash.clone()), id);
        }
        if t.ticket.state == TicketState::Waiting {
            self.enqueue(&t);
        }
        self.tickets.insert(id, t);
    }

    fn enqueue(&mut self, t: &StoredTicket) {
        let leg = t.ticket.leg();
        match leg.target_window {
            Some(w) => {
                self.to_window
                    .entry(w)
                    .or_default()
                    .insert((t.transfer_seq, t.ticket.id));
            }
            None => {
                self.lanes
                    .entry((leg.service_id.clone(), t.ticket.class))
                    .or_default()
                    .insert((t.pos, t.ticket.id));
            }
        }
        *self.waiting.entry(leg.service_id.clone()).or_default() += 1;
    }

    fn dequeue(&mut self, id: TicketId) {
        let Some(t) = self.tickets.get(&id) else {
            return;
        };
        if t.ticket.state != TicketState::Waiting {
            return;
        }
        let leg = t.ticket.leg();
        let removed = match leg.target_window {
            Some(w) => self
                .to_window
                .get_mut(&w)
                .is_some_and(|set| set.remove(&(t.transfer_seq, id))),
            None => self
                .lanes
                .get_mut(&(leg.service_id.clone(), t.ticket.class))
                .is_some_and(|set| set.remove(&(t.pos, id))),
        };
        if removed && let Some(n) = self.waiting.get_mut(&leg.service_id) {
            *n = n.saturating_sub(1);
        }
    }

    /// Drops a ticket that reached a final state from memory, returning it for the store.
    fn close(&mut self, id: TicketId) -> Option<StoredTicket> {
        let t = self.tickets.remove(&id)?;
        self.by_number.remove(&t.ticket.number);
        if let Some(hash) = &t.citizen_hash {
            self.citizens
                .remove(&(t.ticket.origin_service_id.clone(), hash.clone()));
        }
        Some(t)
    }

    // ---- Reading -------------------------------------------------------------------------------

    /// The hall as clients see it.
    pub(crate) fn hall_info(&self, now: Millis) -> HallInfo {
        let cal = &self.cfg.calendar;
        HallInfo {
            name_zh: self.cfg.name_zh.clone(),
            name_en: self.cfg.name_en.clone(),
            time_zone: cal.tz_name.clone(),
            business_day: self.day.clone(),
            issuing_open: cal.issuing(now).is_ok(),
            hours_today: cal
                .hours_today(now)
                .iter()
                .map(|r| format_range(*r))
                .collect(),
            notices: self.notices.clone(),
            requeue_limit_minutes: self.cfg.rules.requeue_limit_minutes,
            requeue_behind: self.cfg.rules.requeue_behind,
            priority_ratio: self.cfg.rules.priority_ratio,
        }
    }

    /// A window as screens see it.
    pub(crate) fn window_view(&self, number: WindowNo) -> Option<WindowView> {
        let w = self.windows.get(&number)?;
        let cfg = self.cfg.windows.iter().find(|c| c.number == number)?;
        let current = w
            .current
            .and_then(|id| self.tickets.get(&id))
            .map(|t| CurrentTicket {
                id: t.ticket.id,
                number: t.ticket.number.clone(),
                class: t.ticket.class,
                state: t.ticket.state,
                service_id: t.ticket.service_id.clone(),
                called_at: t.ticket.leg().called_at.unwrap_or(t.ticket.issued_at),
                started_at: t.ticket.leg().started_at,
            });
        let staff = w
            .staff
            .as_ref()
            .and_then(|no| self.cfg.staff(no))
            .map(|s| StaffCard {
                staff_no: s.staff_no.clone(),
                name: s.name.clone(),
                badges: s.badges.clone(),
                photo: s.photo.clone(),
            });
        let status = match (&w.staff, &w.paused) {
            (None, _) => WindowStatus::Closed,
            (Some(_), Some(_)) => WindowStatus::Paused,
            (Some(_), None) => WindowStatus::Open,
        };
        Some(WindowView {
            number,
            name: cfg.name.clone(),
            screen_text: cfg.screen_text.clone(),
            primary: w.primary.clone(),
            secondary: w.secondary.clone(),
            status,
            pause_reason: w.paused.map(|(r, _)| r),
            paused_since: w.paused.map(|(_, t)| t),
            staff,
            current,
            held: w
                .held
                .iter()
                .filter_map(|id| self.tickets.get(id))
                .map(|t| t.ticket.number.clone())
                .collect(),
        })
    }

    /// Every window.
    pub(crate) fn window_views(&self) -> Vec<WindowView> {
        self.windows
            .keys()
            .filter_map(|n| self.window_view(*n))
            .collect()
    }

    /// Open windows (signed in, not paused) that serve a service.
    fn windows_serving(&self, service: &str) -> u32 {
        let n = self
            .windows
            .values()
            .filter(|w| w.staff.is_some() && w.paused.is_none())
            .filter(|w| w.primary.iter().chain(&w.secondary).any(|s| s == service))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// R8: tickets ahead × recent mean handling time ÷ open windows, rounded; `None` when no window
    /// serves the service now.
    pub(crate) fn estimate(&self, service: &str, ahead: u32) -> Option<u32> {
        let windows = self.windows_serving(service);
        if windows == 0 {
            return None;
        }
        let expected = self
            .cfg
            .service(service)
            .map_or(10, |s| s.info.expected_minutes);
        let mean_ms = match self.stats.get(&format!("service:{service}")) {
            Some(s) if s.served >= self.cfg.rules.estimate_min_served.max(1) => {
                s.handle_ms / i64::from(s.served)
            }
            _ => i64::from(expected) * 60_000,
        };
        let total_ms = i64::from(ahead) * mean_ms / i64::from(windows);
        Some(u32::try_from((total_ms + 30_000) / 60_000).unwrap_or(u32::MAX))
    }

    /// Why a service cannot issue now, if it cannot (R5), before looking at the citizen.
    fn issue_refusal(&self, service: &str, now: Millis) -> Option<ApiError> {
        let Some(s) = self.cfg.service(service) else {
            return Some(err(
                ErrorCode::UnknownService,
                format!("no service {service:?} in this hall"),
            ));
        };
        if !s.info.enabled {
            return Some(err(
                ErrorCode::ServiceDisabled,
                format!("{} is not taking tickets now", s.info.name_en),
            ));
        }
        if let Err(code) = self.cfg.calendar.issuing(now) {
            let message = match code {
                ErrorCode::PastCutoff => {
                    "ticket issue has closed for today (cut-off before closing time)"
                }
                _ => "the hall is closed now",
            };
            return Some(err(code, message));
        }
        let issued = self
            .counters
            .get(&format!("num:{service}"))
            .copied()
            .unwrap_or(0);
        if s.info.daily_cap.is_some_and(|cap| issued >= cap) {
            return Some(err(
                ErrorCode::DailyCapReached,
                format!("{} has reached today's limit of tickets", s.info.name_en),
            ));
        }
        if let Some((index, slot)) = self.current_slot(service, now)
            && self
                .counters
                .get(&slot_key(service, index))
                .copied()
                .unwrap_or(0)
                >= slot.quota
        {
            return Some(err(
                ErrorCode::SlotQuotaReached,
                format!("{} has no tickets left in this time slot", s.info.name_en),
            ));
        }
        None
    }

    fn current_slot(&self, service: &str, now: Millis) -> Option<(usize, crate::config::Slot)> {
        let minute = self.cfg.calendar.local_minute(now);
        let s = self.cfg.service(service)?;
        s.slots
            .iter()
            .enumerate()
            .find(|(_, sl)| (sl.range.0..sl.range.1).contains(&minute))
            .map(|(i, sl)| (i, sl.clone()))
    }

    /// A service's kiosk tile.
    pub(crate) fn availability(&self, service: &str, now: Millis) -> Availability {
        let waiting = self.waiting.get(service).copied().unwrap_or(0);
        Availability {
            service_id: service.to_string(),
            waiting,
            issued_today: self
                .counters
                .get(&format!("num:{service}"))
                .copied()
                .unwrap_or(0),
            estimated_wait_minutes: self.estimate(service, waiting),
            refusal: self.issue_refusal(service, now).map(|e| e.code),
        }
    }

    /// Every service's tile, in display order.
    pub(crate) fn availability_all(&self, now: Millis) -> Vec<Availability> {
        self.cfg
            .services
            .iter()
            .map(|s| self.availability(&s.info.id, now))
            .collect()
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

    /// Tickets ahead of a waiting ticket, as a window serving its service first would call them.
    pub(crate) fn ahead(&self, t: &StoredTicket) -> u32 {
        if t.ticket.state != TicketState::Waiting {
            return 0;
        }
        let leg = t.ticket.leg();
        let n = match leg.target_window {
            Some(w) => self
                .to_window
                .get(&w)
                .map_or(0, |set| rank_in(set, &(t.transfer_seq, t.ticket.id))),
            None => {
                let rank = |c: TicketClass| match c {
                    TicketClass::Green => 0,
                    TicketClass::Priority | TicketClass::Appointment => 1,
                    TicketClass::Normal => 2,
                };
                let mut n = 0;
                for class in TicketClass::ALL {
                    let Some(set) = self.lanes.get(&(leg.service_id.clone(), class)) else {
                        continue;
                    };
                    if rank(class) < rank(t.ticket.class) {
                        n += set.len();
                    } else if class == t.ticket.class {
                        n += rank_in(set, &(t.pos, t.ticket.id));
                    }
                }
                n
            }
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The citizen's view of their ticket (R7).
    pub(crate) fn public_ticket(&self, t: &StoredTicket) -> PublicTicket {
        let service = self.cfg.service(&t.ticket.service_id);
        let waiting = t.ticket.state == TicketState::Waiting;
        let ahead = waiting.then(|| self.ahead(t));
        PublicTicket {
            number: t.ticket.number.clone(),
            service_id: t.ticket.service_id.clone(),
            service_name_zh: service.map(|s| s.info.name_zh.clone()).unwrap_or_default(),
            service_name_en: service.map(|s| s.info.name_en.clone()).unwrap_or_default(),
            class: t.ticket.class,
            state: t.ticket.state,
            issued_at: t.ticket.issued_at,
            ahead,
            estimated_wait_minutes: ahead.and_then(|a| self.estimate(&t.ticket.service_id, a)),
            window: t.ticket.window,
        }
    }

    /// The answer to an issue, also rebuilt for a retry of it (R6): the ticket now, its token, and the
    /// wait ahead of it now.
    pub(crate) fn issue_response(&self, t: &StoredTicket) -> IssueResponse {
        let ahead = self.ahead(t);
        IssueResponse {
            status_path: format!("/t/{}", t.token),
            token: t.token.clone(),
            ahead,
            estimated_wait_minutes: (t.ticket.state == TicketState::Waiting)
                .then(|| self.estimate(&t.ticket.service_id, ahead))
                .flatten(),
            ticket: t.ticket.clone(),
        }
    }

    /// A ticket by its token, when open.
    pub(crate) fn by_token(&self, token: &str) -> Option<&StoredTicket> {
        let id = token_id(token)?;
        self.tickets.get(&id).filter(|t| t.token == token)
    }

    /// The lanes a window calls from, each sorted best-first, at most `limit` per lane.
    fn lanes_for(&self, w: &WindowLive, limit: usize) -> Vec<Vec<Candidate>> {
        let mut lanes = Vec::new();
        if let Some(set) = self.to_window.get(&w.number) {
            lanes.push(
                set.iter()
                    .take(limit)
                    .filter_map(|(seq, id)| {
                        let t = self.tickets.get(id)?;
                        Some(Candidate {
                            id: *id,
                            class: t.ticket.class,
                            lane: Lane::ToWindow { seq: *seq },
                        })
                    })
                    .collect(),
            );
        }
        let services = w
            .primary
            .iter()
            .map(|s| (s, true))
            .chain(w.secondary.iter().map(|s| (s, false)));
        for (service, primary) in services {
            for class in TicketClass::ALL {
                if let Some(set) = self.lanes.get(&(service.clone(), class)) {
                    lanes.push(
                        set.iter()
                            .take(limit)
                            .map(|(pos, id)| Candidate {
                                id: *id,
                                class,
                                lane: Lane::Service { primary, pos: *pos },
                            })
                            .collect(),
                    );
                }
            }
        }
        lanes
    }

    /// R11: the ticket window `w` would call next.
    fn next_for(&self, w: &WindowLive) -> Option<Candidate> {
        let heads: Vec<Candidate> = self.lanes_for(w, 1).into_iter().flatten().collect();
        order::pick(&heads, w.streak, self.cfg.rules.priority_ratio)
    }

    /// Who a window would call next, in order (R11), with its held and no-show lists.
    pub(crate) fn preview(&self, number: WindowNo, limit: usize) -> Option<PreviewResponse> {
        let w = self.windows.get(&number)?;
        let lanes = self.lanes_for(w, limit);
        let order = order::replay(lanes, w.streak, self.cfg.rules.priority_ratio, limit);
        let mut waiting = self.to_window.get(&number).map_or(0, BTreeSet::len);
        for service in w.primary.iter().chain(&w.secondary) {
            for class in TicketClass::ALL {
                waiting += self
                    .lanes
                    .get(&(service.clone(), class))
                    .map_or(0, BTreeSet::len);
            }
        }
        let serves = |t: &Ticket| {
            w.primary
                .iter()
                .chain(&w.secondary)
                .any(|s| *s == t.service_id)
        };
        let mut no_show: Vec<Ticket> = self
            .tickets
            .values()
            .filter(|t| t.ticket.state == TicketState::NoShow && serves(&t.ticket))
            .map(|t| t.ticket.clone())
            .collect();
        no_show.sort_by_key(|t| std::cmp::Reverse(t.leg().no_show_at));
        Some(PreviewResponse {
            window: number,
            next: order
                .iter()
                .filter_map(|c| self.tickets.get(&c.id))
                .map(|t| t.ticket.clone())
                .collect(),
            waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
            held: w
                .held
                .iter()
                .filter_map(|id| self.tickets.get(id))
                .map(|t| t.ticket.clone())
                .collect(),
            no_show,
        })
    }

    /// Today's figures of a window or service (`window:3`, `service:tax`).
    pub(crate) fn stat(&self, key: &str) -> Stat {
        self.stats.get(key).cloned().unwrap_or_default()
    }

    // ---- Changing ------------------------------------------------------------------------------

    /// Expires every open ticket and starts the new business day (R3, R1).
    pub(crate) fn rollover(&mut self, now: Millis) -> Applied {
        let new_day = self.cfg.calendar.business_day(now).to_string();
        let old_day = std::mem::replace(&mut self.day, new_day.clone());
        let mut changes = Vec::new();
        let ids: Vec<TicketId> = self.tickets.keys().copied().collect();
        let expired = ids.len();
        for id in ids {
            if let Some(mut t) = self.close(id) {
                t.ticket.state = TicketState::Expired;
                let leg = last_leg(&mut t.ticket);
                leg.outcome = Some(LegOutcome::Expired);
                leg.finished_at = Some(now);
                changes.push(Change::Ticket(Box::new(t)));
            }
        }
        self.lanes.clear();
        self.to_window.clear();
        self.waiting.clear();
        self.counters.clear();
        self.stats.clear();
        self.recent.clear();
        for w in self.windows.values_mut() {
            *w = WindowLive {
                number: w.number,
                primary: std::mem::take(&mut w.primary),
                secondary: std::mem::take(&mut w.secondary),
                staff: None,
                paused: None,
                current: None,
                held: Vec::new(),
                streak: 0,
            };
            changes.push(Change::Window(w.clone()));
        }
        self.seq += 1;
        Applied {
            seq: self.seq,
            at: now,
            business_day: new_day.clone(),
            reply: Reply::Rollover {
                business_day: new_day.clone(),
            },
            events: vec![Event::DayRollover {
                business_day: new_day.clone(),
            }],
            changes,
            audit: Audit {
                actor: Actor::System.label(),
                action: "day_rollover",
                window: None,
                ticket_id: None,
                number: None,
                out_of_order: false,
                detail: json(
                    serde_json::json!({ "from": old_day, "to": new_day, "expired": expired }),
                ),
                request_id: None,
            },
        }
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

    fn issue(
        &mut self,
        actor: &Actor,
        cmd: IssueCmd,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        if let Some(refusal) = self.issue_refusal(&cmd.service_id, now) {
            return Err(refusal);
        }
        match (actor, cmd.class) {
            (Actor::Staff(_), _) | (Actor::Kiosk(_), TicketClass::Normal) => {}
            (Actor::Kiosk(_), TicketClass::Priority) if cmd.helper.is_some() => {}
            (Actor::Kiosk(_), TicketClass::Priority) => {
                return Err(err(
                    ErrorCode::ClassNotAllowed,
                    "priority tickets at a kiosk need a staff member's PIN",
                ));
            }
            _ => {
                return Err(err(
                    ErrorCode::ClassNotAllowed,
                    format!("{} tickets are issued by staff only", cmd.class.as_str()),
                ));
            }
        }
        if let Some(hash) = &cmd.citizen_hash
            && let Some(id) = self.citizens.get(&(cmd.service_id.clone(), hash.clone()))
        {
            let number = self
                .tickets
                .get(id)
                .map(|t| t.ticket.number.clone())
                .unwrap_or_default();
            return Err(err(
                ErrorCode::DuplicateCitizen,
                format!("this citizen already holds ticket {number} for this service"),
            ));
        }
        let service = self
            .cfg
            .service(&cmd.service_id)
            .ok_or_else(|| err(ErrorCode::UnknownService, "unknown service"))?;
        let prefix = service.info.prefix.clone();
        let num_key = format!("num:{}", cmd.service_id);
        let n = self.counters.get(&num_key).copied().unwrap_or(0) + 1;
        let id = self.next_id;
        self.next_id += 1;
        self.counters.insert(num_key.clone(), n);
        fx.changes.push(Change::Counter {
            key: num_key,
            value: n,
        });
        if let Some((index, _)) = self.current_slot(&cmd.service_id, now) {
            let key = slot_key(&cmd.service_id, index);
            let used = self.counters.get(&key).copied().unwrap_or(0) + 1;
            self.counters.insert(key.clone(), used);
            fx.changes.push(Change::Counter { key, value: used });
        }
        let ticket = Ticket {
            id,
            number: format!("{prefix}{n:03}"),
            business_day: self.day.clone(),
            class: cmd.class,
            state: TicketState::Waiting,
            origin_service_id: cmd.service_id.clone(),
            service_id: cmd.service_id.clone(),
            issued_at: now,
            window: None,
            phone_masked: cmd.phone_masked,
            legs: vec![new_leg(&cmd.service_id, None, now, None)],
        };
        let stored = StoredTicket {
            token: format!("{id:012x}{}", cmd.secret),
            ticket,
            citizen_hash: cmd.citizen_hash,
            pos: QueuePos::issued(id),
            transfer_seq: 0,
        };
        self.insert_open(stored.clone());
        let response = self.issue_response(&stored);
        fx.ticket_changed(&stored);
        fx.detail = json(
            serde_json::json!({ "service": cmd.service_id, "class": cmd.class, "helper": cmd.helper }),
        );
        fx.services.insert(cmd.service_id);
        Ok(Reply::Issued(Box::new(response)))
    }

    /// The window, checked to be signed in by this actor and not paused when `need_open`.
    fn my_window(&self, actor: &Actor, number: WindowNo) -> Result<&WindowLive, ApiError> {
        let w = self
            .windows
            .get(&number)
            .ok_or_else(|| err(ErrorCode::UnknownWindow, format!("no window {number}")))?;
        let Actor::Staff(staff_no) = actor else {
            return Err(err(ErrorCode::Forbidden, "only staff act at windows"));
        };
        match &w.staff {
            None => Err(err(
                ErrorCode::WindowClosed,
                format!("window {number} is closed: sign in first"),
            )),
            Some(s) if s != staff_no => Err(err(
                ErrorCode::NotSignedIn,
                format!("window {number} is signed in by staff {s}"),
            )),
            Some(_) => Ok(w),
        }
    }

    fn current(&self, w: &WindowLive) -> Result<TicketId, ApiError> {
        w.current.ok_or_else(|| {
            err(
                ErrorCode::NoCurrentTicket,
                format!("window {} has no current ticket", w.number),
            )
        })
    }

    fn call_next(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        check_can_call(w)?;
        let picked = self.next_for(w).ok_or_else(|| {
            err(
                ErrorCode::QueueEmpty,
                "no ticket is waiting for this window",
            )
        })?;
        let streak = order::next_streak(w.streak, &picked);
        if let Some(w) = self.windows.get_mut(&number) {
            w.streak = streak;
        }
        self.do_call(actor, number, picked.id, now, false, false, fx)
    }

    fn call_number(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        ticket_number: &str,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        check_can_call(w)?;
        let wanted = ticket_number.trim().to_ascii_uppercase();
        let id = *self.by_number.get(&wanted).ok_or_else(|| {
            err(
                ErrorCode::UnknownTicket,
                format!("no open ticket {wanted} today"),
            )
        })?;
        let state = self.tickets.get(&id).map(|t| t.ticket.state);
        if state != Some(TicketState::Waiting) {
            return Err(err(
                ErrorCode::WrongState,
                format!("ticket {wanted} is not waiting"),
            ));
        }
        let out_of_order = self.next_for(w).map(|c| c.id) != Some(id);
        self.do_call(actor, number, id, now, true, out_of_order, fx)
    }

    #[allow(clippy::too_many_arguments)]
    fn do_call(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        id: TicketId,
        now: Millis,
        special: bool,
        out_of_order: bool,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        self.dequeue(id);
        let staff = staff_no(actor);
        let Some(t) = self.tickets.get_mut(&id) else {
            return Err(err(ErrorCode::Internal, "picked ticket vanished"));
        };
        let service = t.ticket.service_id.clone();
        t.ticket.state = TicketState::Called;
        t.ticket.window = Some(number);
        let leg = last_leg(&mut t.ticket);
        leg.window = Some(number);
        leg.staff_no = staff;
        leg.called_at = Some(now);
        leg.special_call = special;
        leg.out_of_order = out_of_order;
        let t = t.clone();
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = Some(id);
        }
        fx.out_of_order = out_of_order;
        fx.services.insert(service);
        fx.detail = json(serde_json::json!({ "special": special }));
        Ok(self.called(number, &t, now, false, fx))
    }

    /// Records a call or recall: the event, the window's change, the reply.
    fn called(
        &mut self,
        number: WindowNo,
        t: &StoredTicket,
        now: Millis,
        recall: bool,
        fx: &mut Effects,
    ) -> Reply {
        let call = Call {
            call_id: 0,
            ticket_id: t.ticket.id,
            number: t.ticket.number.clone(),
            class: t.ticket.class,
            service_id: t.ticket.service_id.clone(),
            window: number,
            window_name: self
                .cfg
                .windows
                .iter()
                .find(|w| w.number == number)
                .map(|w| w.name.clone())
                .unwrap_or_default(),
            at: now,
            recall,
        };
        fx.events.push(Event::Called { call: call.clone() });
        fx.audit_call = Some(call.clone());
        fx.ticket_changed(t);
        fx.window = Some(number);
        fx.windows.push(number);
        self.action_reply(number, Some(t.ticket.clone()), Some(call))
    }

    fn action_reply(&self, number: WindowNo, ticket: Option<Ticket>, call: Option<Call>) -> Reply {
        let window = self.window_view(number).unwrap_or_else(|| WindowView {
            number,
            name: String::new(),
            screen_text: String::new(),
            primary: vec![],
            secondary: vec![],
            status: WindowStatus::Closed,
            pause_reason: None,
            paused_since: None,
            staff: None,
            current: None,
            held: vec![],
        });
        Reply::Action(Box::new(ActionResponse {
            ticket,
            window,
            call,
        }))
    }

    fn recall(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        let id = self.current(w)?;
        let t = self
            .tickets
            .get_mut(&id)
            .ok_or_else(|| err(ErrorCode::Internal, "current ticket missing"))?;
        if t.ticket.state != TicketState::Called {
            return Err(err(
                ErrorCode::WrongState,
                format!(
                    "ticket {} is already being served; only a called ticket is recalled",
                    t.ticket.number
                ),
            ));
        }
        last_leg(&mut t.ticket).recalls.push(now);
        let t = t.clone();
        fx.detail = json(serde_json::json!({ "recalls": t.ticket.leg().recalls.len() }));
        Ok(self.called(number, &t, now, true, fx))
    }

    /// Changes the current ticket of a window from one state to another.
    fn step_current(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        from: &[TicketState],
        fx: &mut Effects,
    ) -> Result<StoredTicket, ApiError> {
        let w = self.my_window(actor, number)?;
        let id = self.current(w)?;
        let t = self
            .tickets
            .get(&id)
            .ok_or_else(|| err(ErrorCode::Internal, "current ticket missing"))?;
        if !from.contains(&t.ticket.state) {
            return Err(err(
                ErrorCode::WrongState,
                format!("ticket {} is {}", t.ticket.number, t.ticket.state.as_str()),
            ));
        }
        fx.window = Some(number);
        fx.windows.push(number);
        Ok(t.clone())
    }

    fn start(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let mut t = self.step_current(actor, number, &[TicketState::Called], fx)?;
        t.ticket.state = TicketState::Serving;
        last_leg(&mut t.ticket).started_at = Some(now);
        fx.ticket_changed(&t);
        let ticket = t.ticket.clone();
        self.tickets.insert(t.ticket.id, t);
        Ok(self.action_reply(number, Some(ticket), None))
    }

    fn finish(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let t = self.step_current(actor, number, &[TicketState::Serving], fx)?;
        let mut t = self.close(t.ticket.id).unwrap_or(t);
        t.ticket.state = TicketState::Done;
        let leg = last_leg(&mut t.ticket);
        leg.finished_at = Some(now);
        leg.outcome = Some(LegOutcome::Done);
        let wait = leg.called_at.unwrap_or(now) - leg.queued_at;
        let handle = now - leg.started_at.unwrap_or(now);
        let service = leg.service_id.clone();
        self.bump_stat(&format!("window:{number}"), fx, |s| {
            s.served += 1;
            s.wait_ms += wait;
            s.handle_ms += handle;
        });
        self.bump_stat(&format!("service:{service}"), fx, |s| {
            s.served += 1;
            s.wait_ms += wait;
            s.handle_ms += handle;
        });
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
        }
        fx.services.insert(service);
        fx.ticket_changed(&t);
        Ok(self.action_reply(number, Some(t.ticket), None))
    }

    fn bump_stat(&mut self, key: &str, fx: &mut Effects, f: impl FnOnce(&mut Stat)) {
        let stat = self.stats.entry(key.to_string()).or_default();
        f(stat);
        fx.changes.push(Change::Stat {
            key: key.to_string(),
            stat: stat.clone(),
        });
    }

    fn no_show(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let mut t = self.step_current(actor, number, &[TicketState::Called], fx)?;
        t.ticket.state = TicketState::NoShow;
        t.ticket.window = None;
        last_leg(&mut t.ticket).no_show_at = Some(now);
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
        }
        self.bump_stat(&format!("window:{number}"), fx, |s| s.no_show += 1);
        fx.ticket_changed(&t);
        let ticket = t.ticket.clone();
        self.tickets.insert(t.ticket.id, t);
        Ok(self.action_reply(number, Some(ticket), None))
    }

    fn requeue(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        id: TicketId,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        self.my_window(actor, number)?;
        let t = self
            .tickets
            .get(&id)
            .ok_or_else(|| err(ErrorCode::UnknownTicket, format!("no open ticket {id}")))?;
        if t.ticket.state != TicketState::NoShow {
            return Err(err(
                ErrorCode::WrongState,
                format!(
                    "ticket {} is {}, not a no-show",
                    t.ticket.number,
                    t.ticket.state.as_str()
                ),
            ));
        }
        let limit_ms = i64::from(self.cfg.rules.requeue_limit_minutes) * 60_000;
        let marked = t.ticket.leg().no_show_at.unwrap_or(now);
        if now - marked > limit_ms {
            return Err(err(
                ErrorCode::RequeueExpired,
                format!(
                    "ticket {} missed its call more than {} minutes ago: take a new ticket",
                    t.ticket.number, self.cfg.rules.requeue_limit_minutes
                ),
            ));
        }
        // R9: behind the next N waiting tickets of its queue (same service, same class).
        let lane = (t.ticket.service_id.clone(), t.ticket.class);
        let n = self.cfg.rules.requeue_behind as usize;
        let pos = match self.lanes.get(&lane) {
            Some(set) if n > 0 && set.len() >= n => {
                let mut iter = set.iter().skip(n - 1);
                let anchor = iter.next().map(|(p, _)| *p);
                let next = iter.next().map(|(p, _)| *p);
                anchor.map_or(QueuePos::issued(self.next_id), |a| {
                    QueuePos::between(a, next)
                })
            }
            Some(set) if n > 0 => set
                .iter()
                .next_back()
                .map_or(QueuePos::issued(self.next_id), |(p, _)| {
                    QueuePos::between(*p, None)
                }),
            // N = 0: back to its place at the head of what waits.
            _ => self
                .lanes
                .get(&lane)
                .and_then(|s| s.iter().next())
                .map_or(t.pos, |(p, _)| QueuePos {
                    tier: p.tier,
                    key: p.key - 1,
                }),
        };
        let mut t = t.clone();
        t.ticket.state = TicketState::Waiting;
        t.pos = pos;
        let service = t.ticket.service_id.clone();
        let leg = last_leg(&mut t.ticket);
        leg.target_window = None;
        leg.queued_at = now;
        leg.window = None;
        leg.called_at = None;
        self.tickets.insert(id, t.clone());
        self.enqueue(&t);
        fx.window = Some(number);
        fx.services.insert(service);
        fx.ticket_changed(&t);
        Ok(self.action_reply(number, Some(t.ticket), None))
    }

    fn transfer(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        to: TransferTarget,
        note: Option<String>,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        // Check the target before touching anything.
        let (service, target_window) = match &to {
            TransferTarget::Service(s) => {
                let cfg = self
                    .cfg
                    .service(s)
                    .ok_or_else(|| err(ErrorCode::UnknownService, format!("no service {s:?}")))?;
                if !cfg.info.enabled {
                    return Err(err(
                        ErrorCode::ServiceDisabled,
                        format!("{} is disabled", cfg.info.name_en),
                    ));
                }
                (Some(s.clone()), None)
            }
            TransferTarget::Window(w) if *w == number => {
                return Err(err(
                    ErrorCode::TransferToSelf,
                    "a ticket cannot be transferred to its own window",
                ));
            }
            TransferTarget::Window(w) => {
                if !self.windows.contains_key(w) {
                    return Err(err(ErrorCode::UnknownWindow, format!("no window {w}")));
                }
                (None, Some(*w))
            }
        };
        if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
            return Err(err(
                ErrorCode::BadRequest,
                "the transfer note is longer than 200 characters",
            ));
        }
        let mut t = self.step_current(
            actor,
            number,
            &[TicketState::Called, TicketState::Serving],
            fx,
        )?;
        let seq = self.seq + 1;
        let leg = last_leg(&mut t.ticket);
        leg.finished_at = Some(now);
        leg.outcome = Some(LegOutcome::Transferred);
        let from_service = leg.service_id.clone();
        let service = service.unwrap_or_else(|| from_service.clone());
        t.ticket
            .legs
            .push(new_leg(&service, target_window, now, note.clone()));
        t.ticket.state = TicketState::Waiting;
        t.ticket.window = None;
        t.ticket.service_id = service.clone();
        t.pos = QueuePos::transferred(seq);
        t.transfer_seq = seq;
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
        }
        self.tickets.insert(t.ticket.id, t.clone());
        self.enqueue(&t);
        if let Some(target) = target_window {
            fx.windows.push(target);
        }
        fx.services.insert(from_service);
        fx.services.insert(service);
        fx.ticket_changed(&t);
        fx.detail = json(serde_json::json!({ "to": to, "note": note }));
        Ok(self.action_reply(number, Some(t.ticket), None))
    }

    fn hold(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        _now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let mut t = self.step_current(
            actor,
            number,
            &[TicketState::Called, TicketState::Serving],
            fx,
        )?;
        t.ticket.state = TicketState::Held;
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
            w.held.push(t.ticket.id);
        }
        fx.ticket_changed(&t);
        let ticket = t.ticket.clone();
        self.tickets.insert(t.ticket.id, t);
        Ok(self.action_reply(number, Some(ticket), None))
    }

    fn unhold(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        id: TicketId,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        if w.current.is_some() {
            return Err(err(
                ErrorCode::WindowBusy,
                "finish, hold or transfer the current ticket first",
            ));
        }
        if !w.held.contains(&id) {
            let what = match self.tickets.get(&id) {
                Some(t) if t.ticket.state == TicketState::Held => format!(
                    "ticket {} is held at window {}",
                    t.ticket.number,
                    t.ticket.window.unwrap_or(0)
                ),
                Some(t) => format!(
                    "ticket {} is {}, not held",
                    t.ticket.number,
                    t.ticket.state.as_str()
                ),
                None => format!("no open ticket {id}"),
            };
            let code = if self.tickets.contains_key(&id) {
                ErrorCode::WrongState
            } else {
                ErrorCode::UnknownTicket
            };
            return Err(err(code, what));
        }
        let t = self
            .tickets
            .get_mut(&id)
            .ok_or_else(|| err(ErrorCode::Internal, "held ticket missing"))?;
        t.ticket.state = TicketState::Called;
        last_leg(&mut t.ticket).recalls.push(now);
        let t = t.clone();
        if let Some(w) = self.windows.get_mut(&number) {
            w.held.retain(|h| *h != id);
            w.current = Some(id);
        }
        Ok(self.called(number, &t, now, true, fx))
    }

    fn pause(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        reason: PauseReason,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        if w.paused.is_some() {
            return Err(err(
                ErrorCode::WindowPaused,
                format!("window {number} is already paused"),
            ));
        }
        let services: Vec<String> = w.primary.iter().chain(&w.secondary).cloned().collect();
        if let Some(w) = self.windows.get_mut(&number) {
            w.paused = Some((reason, now));
        }
        fx.window = Some(number);
        fx.windows.push(number);
        fx.services.extend(services);
        fx.detail = json(serde_json::json!({ "reason": reason }));
        Ok(self.action_reply(number, None, None))
    }

    fn resume(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        let Some((reason, since)) = w.paused else {
            return Err(err(
                ErrorCode::WrongState,
                format!("window {number} is not paused"),
            ));
        };
        let services: Vec<String> = w.primary.iter().chain(&w.secondary).cloned().collect();
        self.end_pause(number, reason, since, now, fx);
        fx.window = Some(number);
        fx.windows.push(number);
        fx.services.extend(services);
        Ok(self.action_reply(number, None, None))
    }

    /// Counts a pause's time by reason (R14) and clears it.
    fn end_pause(
        &mut self,
        number: WindowNo,
        reason: PauseReason,
        since: Millis,
        now: Millis,
        fx: &mut Effects,
    ) {
        if let Some(w) = self.windows.get_mut(&number) {
            w.paused = None;
        }
        let reason = json(reason).as_str().unwrap_or("other").to_string();
        self.bump_stat(&format!("window:{number}"), fx, |s| {
            *s.pause_ms.entry(reason).or_default() += (now - since).max(0);
        });
    }

    fn sign_in(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        _now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let Actor::Staff(staff_no) = actor else {
            return Err(err(ErrorCode::Forbidden, "only staff sign in at windows"));
        };
        let w = self
            .windows
            .get(&number)
            .ok_or_else(|| err(ErrorCode::UnknownWindow, format!("no window {number}")))?;
        let staff = self
            .cfg
            .staff(staff_no)
            .ok_or_else(|| err(ErrorCode::Unauthorized, "unknown staff"))?;
        if !staff.windows.is_empty() && !staff.windows.contains(&number) {
            return Err(err(
                ErrorCode::Forbidden,
                format!("staff {staff_no} may not sign in at window {number}"),
            ));
        }
        match &w.staff {
            Some(s) if s == staff_no => return Ok(self.action_reply(number, None, None)),
            Some(s) => {
                return Err(err(
                    ErrorCode::WindowTaken,
                    format!("staff {s} is signed in at window {number}"),
                ));
            }
            None => {}
        }
        if let Some(other) = self
            .windows
            .values()
            .find(|w| w.staff.as_deref() == Some(staff_no))
        {
            return Err(err(
                ErrorCode::SignedInElsewhere,
                format!(
                    "staff {staff_no} is signed in at window {}: sign out there first",
                    other.number
                ),
            ));
        }
        let services: Vec<String> = w.primary.iter().chain(&w.secondary).cloned().collect();
        if let Some(w) = self.windows.get_mut(&number) {
            w.staff = Some(staff_no.clone());
            w.paused = None;
            w.streak = 0;
        }
        fx.window = Some(number);
        fx.windows.push(number);
        fx.services.extend(services);
        Ok(self.action_reply(number, None, None))
    }

    fn sign_out(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        if w.current.is_some() {
            return Err(err(
                ErrorCode::WindowBusy,
                "finish, hold or transfer the current ticket before signing out",
            ));
        }
        let services: Vec<String> = w.primary.iter().chain(&w.secondary).cloned().collect();
        if let Some((reason, since)) = w.paused {
            self.end_pause(number, reason, since, now, fx);
        }
        if let Some(w) = self.windows.get_mut(&number) {
            w.staff = None;
            w.streak = 0;
        }
        fx.window = Some(number);
        fx.windows.push(number);
        fx.services.extend(services);
        Ok(self.action_reply(number, None, None))
    }

    fn cancel(
        &mut self,
        actor: &Actor,
        ticket: TicketRef,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let id = match &ticket {
            TicketRef::Id(id) => *id,
            TicketRef::Token(token) => self
                .by_token(token)
                .map(|t| t.ticket.id)
                .ok_or_else(|| err(ErrorCode::UnknownTicket, "no open ticket with this token"))?,
        };
        let t = self
            .tickets
            .get(&id)
            .ok_or_else(|| err(ErrorCode::UnknownTicket, format!("no open ticket {id}")))?;
        if t.ticket.state != TicketState::Waiting {
            return Err(err(
                ErrorCode::WrongState,
                format!(
                    "ticket {} is {}; only a waiting ticket can be cancelled",
                    t.ticket.number,
                    t.ticket.state.as_str()
                ),
            ));
        }
        let _ = actor;
        self.dequeue(id);
        let mut t = self
            .close(id)
            .ok_or_else(|| err(ErrorCode::Internal, "ticket vanished"))?;
        t.ticket.state = TicketState::Cancelled;
        let leg = last_leg(&mut t.ticket);
        leg.finished_at = Some(now);
        leg.outcome = Some(LegOutcome::Cancelled);
        fx.services.insert(t.ticket.service_id.clone());
        if let Some(w) = t.ticket.leg().target_window {
            fx.windows.push(w);
        }
        fx.ticket_changed(&t);
        Ok(Reply::Ticket(Box::new(TicketResponse { ticket: t.ticket })))
    }

    fn set_notices(&mut self, notices: Vec<String>, fx: &mut Effects) -> Result<Reply, ApiError> {
        if notices.len() > 20
            || notices
                .iter()
                .any(|n| n.trim().is_empty() || n.chars().count() > 200)
        {
            return Err(err(
                ErrorCode::BadRequest,
                "give at most 20 notices, each 1–200 characters",
            ));
        }
        self.notices = notices.clone();
        fx.changes.push(Change::Notices(notices.clone()));
        fx.events.push(Event::Notices {
            notices: notices.clone(),
        });
        fx.detail = json(&notices);
        Ok(Reply::Notices(notices))
    }

    fn set_window_services(
        &mut self,
        number: WindowNo,
        primary: Vec<String>,
        secondary: Vec<String>,
        _now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self
            .windows
            .get(&number)
            .ok_or_else(|| err(ErrorCode::UnknownWindow, format!("no window {number}")))?;
        if primary.is_empty() {
            return Err(err(
                ErrorCode::BadRequest,
                "a window needs at least one primary service",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for s in primary.iter().chain(&secondary) {
            if self.cfg.service(s).is_none() {
                return Err(err(ErrorCode::UnknownService, format!("no service {s:?}")));
            }
            if !seen.insert(s) {
                return Err(err(
                    ErrorCode::BadRequest,
                    format!("service {s:?} is listed twice"),
                ));
            }
        }
        let before: Vec<String> = w.primary.iter().chain(&w.secondary).cloned().collect();
        if let Some(w) = self.windows.get_mut(&number) {
            w.primary = primary.clone();
            w.secondary = secondary.clone();
        }
        fx.window = Some(number);
        fx.windows.push(number);
        fx.services.extend(before);
        fx.services
            .extend(primary.iter().chain(&secondary).cloned());
        fx.detail = json(serde_json::json!({ "primary": primary, "secondary": secondary }));
        let view = self
            .window_view(number)
            .ok_or_else(|| err(ErrorCode::Internal, "window vanished"))?;
        Ok(Reply::Window(Box::new(view)))
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
    fn ticket_changed(&mut self, t: &StoredTicket) {
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

fn check_can_call(w: &WindowLive) -> Result<(), ApiError> {
    if w.paused.is_some() {
        return Err(err(
            ErrorCode::WindowPaused,
            format!("window {} is paused: resume first", w.number),
        ));
    }
    if w.current.is_some() {
        return Err(err(
            ErrorCode::WindowBusy,
            "finish, mark no-show, hold or transfer the current ticket first",
        ));
    }
    Ok(())
}

fn staff_no(actor: &Actor) -> Option<String> {
    match actor {
        Actor::Staff(no) => Some(no.clone()),
        _ => None,
    }
}

fn new_leg(
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

fn last_leg(t: &mut Ticket) -> &mut Leg {
    let last = t.legs.len() - 1;
    &mut t.legs[last]
}

/// How many entries of a sorted set come before `key`. A BTreeSet has no rank query, so this counts
/// the entries from `key` on and subtracts: O(1) for the common case, a ticket just issued at the tail
/// of its lane; a citizen's status page deep in a long queue pays for the walk.
fn rank_in<T: Ord>(set: &BTreeSet<T>, key: &T) -> usize {
    set.len() - set.range(key..).count()
}

fn slot_key(service: &str, index: usize) -> String {
    format!("slot:{service}:{index}")
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

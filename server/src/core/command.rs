//! The commands that change the hall, who sends them, and what applying one produces: the reply, the
//! events to push, the changes to store and the audit line (R28).

use qcall_protocol::{
    ActionResponse, Event, IssueResponse, Millis, PauseReason, TicketClass, TicketId,
    TicketResponse, TransferTarget, WindowNo, WindowView,
};

use super::booking::{BookingCmd, StoredBooking};
use super::case::CaseLive;
use super::rating::RatingCmd;
use super::security::{Revocation, SecurityCmd};
use super::state::{Stat, StoredTicket, WindowLive};

/// Who asked for a change. Window commands need a staff member signed in at that window (R27).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Actor {
    Kiosk(String),
    Staff(String),
    Public,
    System,
    /// A rating pad (a display device in `rating_pad` mode), by name.
    Pad(String),
}

impl Actor {
    /// How the audit log names the actor.
    pub(crate) fn label(&self) -> String {
        match self {
            Actor::Kiosk(name) | Actor::Pad(name) => format!("device:{name}"),
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
    /// Near-turn notices asked for (R32): the phone to keep for them while the ticket is open.
    pub(crate) notice: Option<super::NoticePhone>,
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
        /// 办件编号 for the provincial 好差评 export.
        case_no: Option<String>,
    },
    /// 办结 then 叫号 in one command: one request id, one transaction (R6, R12).
    FinishAndCallNext {
        window: WindowNo,
        case_no: Option<String>,
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
    /// Ratings, appeals and cases (R21, R22).
    Rating(RatingCmd),
    /// Failed credentials and ended sessions: written only (issues 16, 21).
    Security(SecurityCmd),
    /// Appointments (R25, R26).
    Booking(BookingCmd),
}

impl Command {
    /// What the request asked for, without secrets: a retry with the same request id must ask for the
    /// same (R6).
    pub(crate) fn fingerprint(&self) -> String {
        match self {
            Command::Issue(i) => format!("issue:{}:{}", i.service_id, i.class.as_str()),
            Command::CallNumber { window, number } => format!("call_number:{window}:{number}"),
            Command::Requeue { window, ticket_id } | Command::Unhold { window, ticket_id } => {
                format!("{}:{window}:{ticket_id}", self.action())
            }
            Command::Transfer { window, to, .. } => format!("transfer:{window}:{to:?}"),
            Command::Pause { window, reason } => format!("pause:{window}:{reason:?}"),
            Command::Cancel { ticket } => match ticket {
                TicketRef::Id(id) => format!("cancel:{id}"),
                TicketRef::Token(_) => "cancel:token".to_string(),
            },
            Command::Finish { window, case_no }
            | Command::FinishAndCallNext { window, case_no } => {
                format!(
                    "{}:{window}:{}",
                    self.action(),
                    case_no.as_deref().unwrap_or("")
                )
            }
            Command::Rating(r) => r.fingerprint(),
            Command::CallNext { window }
            | Command::Recall { window }
            | Command::Start { window }
            | Command::NoShow { window }
            | Command::Hold { window }
            | Command::Resume { window }
            | Command::SignIn { window }
            | Command::SignOut { window }
            | Command::SetWindowServices { window, .. } => format!("{}:{window}", self.action()),
            Command::SetNotices { .. } => self.action().to_string(),
            Command::Security(s) => s.action().to_string(),
            Command::Booking(b) => b.fingerprint(),
        }
    }

    /// Whether this is the issue that made ticket `t` (same service and class).
    pub(crate) fn is_issue_of(&self, t: &qcall_protocol::Ticket) -> bool {
        matches!(self, Command::Issue(i) if i.service_id == t.origin_service_id && i.class == t.class)
    }

    /// The name the audit log uses.
    pub(crate) fn action(&self) -> &'static str {
        match self {
            Command::Issue(_) => "issue",
            Command::CallNext { .. } => "call_next",
            Command::CallNumber { .. } => "call_number",
            Command::Recall { .. } => "recall",
            Command::Start { .. } => "start",
            Command::Finish { .. } => "finish",
            Command::FinishAndCallNext { .. } => "finish_and_call_next",
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
            Command::Rating(r) => r.action(),
            Command::Security(s) => s.action(),
            Command::Booking(b) => b.action(),
        }
    }
}

/// What the store must write for one applied command.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    Ticket(Box<StoredTicket>),
    Window(WindowLive),
    Counter {
        key: String,
        value: u32,
    },
    Stat {
        key: String,
        stat: Stat,
    },
    Notices(Vec<String>),
    /// A leg closed by this command, as a report fact (R23): written once, never changed.
    Fact(Box<crate::report::LegFact>),
    /// A pause ended by this command (R14, R23).
    Pause(crate::report::PauseFact),
    /// A new rating (R21).
    Rating(Box<qcall_protocol::Rating>),
    /// A rating's appeal changed (the `appeal` column).
    RatingAppeal {
        id: qcall_protocol::RatingId,
        appeal: qcall_protocol::AppealState,
    },
    /// A case opened or changed (its row; steps are written as [`Change::CaseStep`]).
    Case(Box<CaseLive>),
    /// A step of a case was done.
    CaseStep {
        case_id: qcall_protocol::CaseId,
        done: Box<qcall_protocol::CaseStepDone>,
    },
    /// A staff session ended before its expiry (issue 16).
    Revocation(Revocation),
    Booking(Box<StoredBooking>),
    /// A rating's free text removed by the personal-data purge (R29); its level and reasons stay.
    RatingTextRemoved(qcall_protocol::RatingId),
    /// The phone near-turn notices go to (R32), kept apart while its ticket or booking is open: the
    /// store deletes it when that closes.
    NoticePhone {
        owner: super::NoticeOwner,
        phone: String,
    },
    /// A booking checked in: its notice phone now belongs to the ticket.
    NoticePhoneMoved {
        from: super::NoticeOwner,
        to: super::NoticeOwner,
    },
    /// A notice for the outbox (R32), written with the change that made it due.
    Notice(Box<super::Notice>),
}

/// The reply to the client, before serialisation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Issued(Box<IssueResponse>),
    Action(Box<ActionResponse>),
    Ticket(Box<TicketResponse>),
    Window(Box<WindowView>),
    Notices(Vec<String>),
    /// A rating given at a pad.
    Rating(Box<qcall_protocol::Rating>),
    /// A rating given on the status page: what the page shows next.
    PublicRating(Box<qcall_protocol::PublicRatingStatus>),
    /// A case after an appeal, a decision or a step.
    Case(Box<qcall_protocol::Case>),
    Booking(Box<qcall_protocol::BookingResponse>),
    CheckIn(Box<qcall_protocol::CheckInResponse>),
    Rollover {
        business_day: String,
    },
    /// A change by the clock alone: nobody waits for an answer.
    None,
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

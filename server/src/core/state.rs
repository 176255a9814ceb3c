//! What the hall keeps beyond the wire types: open tickets with their queue places, windows' live
//! state, today's running figures, and what the store hands back at start-up. All of it is stored, so
//! it is serialisable.

use std::collections::{BTreeMap, HashMap};

use qcall_protocol::{Call, Millis, PauseReason, Ticket, TicketId, WindowNo};
use serde::{Deserialize, Serialize};

use super::place::QueuePos;

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
    /// A requeued no-show (R9) waits until these tickets, the next its window would have called,
    /// were called or left the queue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) behind: Vec<TicketId>,
    /// 办件编号 per leg (0-based), when staff entered one at finish: exported with the leg's
    /// rating (R21). Not on the wire ticket.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) case_nos: BTreeMap<u32, String>,
    /// Near-turn notices asked for, and what was sent (R32); the phone is not here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) notify: Option<super::NotifyMark>,
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
    /// The window's time per ticket (R8): from the call to 办结 for the served, to 过号 for the
    /// no-shows, so the estimate counts the walk to the window and the wait for one who never comes.
    #[serde(default)]
    pub(crate) window_ms: i64,
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
    pub(crate) ratings: super::RatingsRestored,
    /// Bookings of the last active business day and later (R25).
    pub(crate) bookings: Vec<super::StoredBooking>,
    pub(crate) next_booking_id: i64,
}

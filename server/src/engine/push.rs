//! What the engine pushes to WebSocket clients: each committed command's events, filtered per audience
//! (staff, displays, kiosks) and serialised once per audience, however many clients listen.

use std::sync::OnceLock;

use axum::extract::ws::Utf8Bytes;
use qcall_protocol::{Event, Millis, ServerMsg};

use crate::core::Applied;

/// Who receives which events: each audience's JSON is made once per push, however many listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// Staff, managers, admins: everything.
    Staff,
    /// Displays: calls, windows, availability, notices — no ticket details.
    Display,
    /// Kiosks: availability, windows, notices.
    Kiosk,
}

impl Audience {
    fn wants(self, event: &Event) -> bool {
        match (self, event) {
            (Audience::Staff, _) => !matches!(event, Event::PublicTicket { .. }),
            (_, Event::Ticket { .. } | Event::PublicTicket { .. }) => false,
            (Audience::Kiosk, Event::Called { .. }) => false,
            _ => true,
        }
    }
}

/// One committed command's events, as pushed to WebSocket clients.
#[derive(Debug)]
pub(crate) struct Pushed {
    pub(crate) seq: u64,
    pub(crate) at: Millis,
    pub(crate) events: Vec<Event>,
    json: [OnceLock<Option<Utf8Bytes>>; 3],
}

impl Pushed {
    pub(super) fn new(applied: &Applied) -> Pushed {
        Pushed {
            seq: applied.seq,
            at: applied.at,
            events: applied.events.clone(),
            json: Default::default(),
        }
    }

    /// The message for an audience, or `None` when nothing in it is for them. Made once per audience;
    /// each client gets a reference-counted clone, not a copy.
    pub(crate) fn json_for(&self, audience: Audience) -> Option<Utf8Bytes> {
        let slot = match audience {
            Audience::Staff => 0,
            Audience::Display => 1,
            Audience::Kiosk => 2,
        };
        self.json[slot]
            .get_or_init(|| {
                let events: Vec<Event> = self
                    .events
                    .iter()
                    .filter(|e| audience.wants(e))
                    .cloned()
                    .collect();
                if events.is_empty() {
                    return None;
                }
                let msg = ServerMsg::Events {
                    seq: self.seq,
                    at: self.at,
                    events,
                };
                serde_json::to_string(&msg).ok().map(Utf8Bytes::from)
            })
            .clone()
    }

    /// Whether this push starts a new business day (clients then get a fresh snapshot).
    pub(crate) fn is_rollover(&self) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Event::DayRollover { .. }))
    }
}

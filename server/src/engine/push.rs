//! What the engine pushes to WebSocket clients: each committed command's events, filtered per audience
//! (staff, managers, displays, kiosks, rating pads) and serialised once per audience, however many
//! clients listen.

use std::sync::OnceLock;

use axum::extract::ws::Utf8Bytes;
use qcall_protocol::{AppealState, Event, Millis, ServerMsg, WindowNo};

use crate::core::Applied;

/// Who receives which events: each audience's JSON is made once per push, however many listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// Window staff: everything but cases (a staff member reads their own through REST).
    Staff,
    /// Managers and admins: everything, 差评 cases too.
    Manager,
    /// Displays: calls, windows, availability, notices — no ticket details, no ratings.
    Display,
    /// Kiosks: availability, windows, notices.
    Kiosk,
    /// A rating pad: what displays see, plus the rating invites and new ratings of its own
    /// window only (R33). Never another window's, never a case.
    RatingPad(WindowNo),
}

impl Audience {
    fn wants(self, event: &Event) -> bool {
        match (self, event) {
            (_, Event::PublicTicket { .. }) => false,
            (Audience::Manager, _) => true,
            (Audience::Staff, Event::Case { .. }) => false,
            (Audience::Staff, _) => true,
            (Audience::RatingPad(w), Event::RatingInvite { invite }) => invite.window == w,
            (Audience::RatingPad(w), Event::Rated { rating }) => {
                rating.window == w && rating.appeal == AppealState::None
            }
            (
                _,
                Event::Ticket { .. }
                | Event::RatingInvite { .. }
                | Event::Rated { .. }
                | Event::Case { .. },
            ) => false,
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
    json: [OnceLock<Option<Utf8Bytes>>; 4],
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
    /// each client gets a reference-counted clone, not a copy. A rating pad gets the displays' message
    /// unless the push holds something for its window alone (a rating invite: rare), which is then
    /// made for it.
    pub(crate) fn json_for(&self, audience: Audience) -> Option<Utf8Bytes> {
        let slot = match audience {
            Audience::Staff => 0,
            Audience::Display => 1,
            Audience::Kiosk => 2,
            Audience::Manager => 3,
            Audience::RatingPad(_) => {
                let own = self
                    .events
                    .iter()
                    .any(|e| audience.wants(e) && !Audience::Display.wants(e));
                if own {
                    return self.encode(audience);
                }
                return self.json_for(Audience::Display);
            }
        };
        self.json[slot]
            .get_or_init(|| self.encode(audience))
            .clone()
    }

    fn encode(&self, audience: Audience) -> Option<Utf8Bytes> {
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
    }

    /// Whether this push starts a new business day (clients then get a fresh snapshot).
    pub(crate) fn is_rollover(&self) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Event::DayRollover { .. }))
    }
}

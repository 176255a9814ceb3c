//! Which queued call to speak, and how, when its turn comes: the rules that keep the spoken
//! backlog bounded in a busy hall (R16) without ever dropping the newest call. Pure: the player
//! passes the call, what it knows of the windows and the server time.
//!
//! - On arrival, a call older than [`MAX_SPEAK_AGE_MS`] (a reconnect's snapshot) is shown only:
//!   no replay storm ([`should_speak`]).
//! - When its turn comes, a call whose ticket is no longer the called ticket at its window (the
//!   citizen arrived and service started, it was finished, a no-show, transferred, or the window
//!   called someone else) is skipped: nobody is waiting for it any more.
//! - A call whose turn comes more than [`MAX_LAG_MS`] after it was made is skipped, **unless it
//!   is the newest in the queue**: the newest is always spoken, so the board never falls silent
//!   on the latest call, and the lag stays bounded by this limit plus one announcement.
//! - While other calls wait behind it, a call is spoken once instead of `repeat` times.

use std::collections::BTreeMap;

use qcall_protocol::{Call, Millis, TicketId, TicketState, WindowNo, WindowView};

/// Calls older than this when they reach the display are shown but not spoken (R16): after a
/// reconnect, the snapshot's recent calls must not start a replay storm.
pub const MAX_SPEAK_AGE_MS: Millis = 60_000;

/// A queued call whose turn comes later than this after it was made is skipped, unless it is the
/// newest queued call. With one Chinese announcement spoken once taking about 7 s, the last of a
/// burst starts at most this plus one announcement after it was made (goal: within 60 s).
pub const MAX_LAG_MS: Millis = 40_000;

/// Whether a call made at `call_at` should still be spoken when it reaches the display at `now`
/// (both server times in epoch milliseconds; see [`crate::player::Player::submit`] for which
/// `now` to pass). A call from the "future" (clock skew) is spoken.
pub fn should_speak(call_at: Millis, now: Millis) -> bool {
    now.saturating_sub(call_at) <= MAX_SPEAK_AGE_MS
}

/// The ticket a window has now, as its latest [`WindowView`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtWindow {
    /// The ticket called to or served at the window.
    pub ticket_id: TicketId,
    /// `called` or `serving`.
    pub state: TicketState,
}

/// Each window's current ticket (`None`: nobody at it), as the display last heard. A window not
/// in the map is unknown, and its calls are spoken.
pub type Windows = BTreeMap<WindowNo, Option<AtWindow>>;

/// The windows' current tickets from the live state's window views.
pub fn windows_of(views: &[WindowView]) -> Windows {
    views
        .iter()
        .map(|w| {
            let at = w.current.as_ref().map(|c| AtWindow {
                ticket_id: c.id,
                state: c.state,
            });
            (w.number, at)
        })
        .collect()
}

/// Why a queued call was skipped when its turn came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Its ticket is no longer the called ticket at its window.
    NoLongerCalled {
        /// What the window has now: the ticket serving there or another called one (`None`: the
        /// window has no current ticket: finished, no-show, held, transferred).
        now: Option<AtWindow>,
    },
    /// Its turn came more than [`MAX_LAG_MS`] after it was made, and newer calls wait.
    TooLate {
        /// How long after the call its turn came.
        lag_ms: Millis,
    },
}

/// What to do with the call at the head of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Speak it; `once` when other calls wait behind it (instead of the configured `repeat`).
    Speak {
        /// Speak the phrases once.
        once: bool,
    },
    /// Skip it, logged with the reason.
    Skip(Skip),
}

/// The decision for `call` at the head of the queue at server time `now`: `behind` calls wait
/// after it, and `windows` is what the display knows of the windows.
pub fn decide(call: &Call, behind: usize, windows: &Windows, now: Millis) -> Decision {
    if let Some(at_window) = windows.get(&call.window) {
        let still_called = at_window
            .is_some_and(|at| at.ticket_id == call.ticket_id && at.state == TicketState::Called);
        if !still_called {
            return Decision::Skip(Skip::NoLongerCalled { now: *at_window });
        }
    }
    let lag_ms = now.saturating_sub(call.at);
    if behind > 0 && lag_ms > MAX_LAG_MS {
        return Decision::Skip(Skip::TooLate { lag_ms });
    }
    Decision::Speak { once: behind > 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qcall_protocol::TicketClass;

    const NOW: Millis = 1_795_399_200_000;

    fn call(ticket_id: TicketId, window: WindowNo, at: Millis) -> Call {
        Call {
            call_id: ticket_id as u64,
            ticket_id,
            number: format!("A{ticket_id:03}"),
            class: TicketClass::Normal,
            service_id: "svc".into(),
            window,
            window_name: String::new(),
            at,
            recall: false,
        }
    }

    fn at(ticket_id: TicketId, state: TicketState) -> Option<AtWindow> {
        Some(AtWindow { ticket_id, state })
    }

    #[test]
    fn calls_older_than_a_minute_at_arrival_are_not_spoken() {
        for (age, speak) in [
            (0, true),
            (1, true),
            (59_999, true),
            (60_000, true),
            (60_001, false),
            (3_600_000, false),
            (-5_000, true),
        ] {
            assert_eq!(should_speak(NOW - age, NOW), speak, "age {age} ms");
        }
        assert!(!should_speak(Millis::MIN, Millis::MAX));
        assert!(should_speak(Millis::MAX, Millis::MIN));
    }

    #[test]
    fn a_call_is_spoken_only_while_its_ticket_is_called_at_its_window() {
        let c = call(7, 3, NOW);
        let check = |window: Option<AtWindow>, want: Decision| {
            let windows: Windows = [(3, window)].into();
            assert_eq!(decide(&c, 0, &windows, NOW), want, "{window:?}");
        };
        check(at(7, TicketState::Called), Decision::Speak { once: false });
        for now in [
            at(7, TicketState::Serving),
            at(8, TicketState::Called),
            at(8, TicketState::Serving),
            None,
        ] {
            check(now, Decision::Skip(Skip::NoLongerCalled { now }));
        }
        // Windows the display knows nothing of: spoken.
        assert_eq!(
            decide(&c, 0, &Windows::new(), NOW),
            Decision::Speak { once: false }
        );
        let other: Windows = [(4, None)].into();
        assert_eq!(decide(&c, 2, &other, NOW), Decision::Speak { once: true });
    }

    #[test]
    fn behind_a_backlog_calls_are_spoken_once_and_late_ones_skipped_but_never_the_newest() {
        let windows = Windows::new();
        for (lag, behind, want) in [
            (0, 0, Decision::Speak { once: false }),
            (0, 1, Decision::Speak { once: true }),
            (MAX_LAG_MS, 5, Decision::Speak { once: true }),
            (
                MAX_LAG_MS + 1,
                1,
                Decision::Skip(Skip::TooLate {
                    lag_ms: MAX_LAG_MS + 1,
                }),
            ),
            // The newest (nothing behind) is spoken however late its turn comes.
            (MAX_LAG_MS * 10, 0, Decision::Speak { once: false }),
            // A call from the "future" (clock skew) is not late.
            (-5_000, 3, Decision::Speak { once: true }),
        ] {
            let c = call(1, 1, NOW - lag);
            assert_eq!(
                decide(&c, behind, &windows, NOW),
                want,
                "lag {lag}, {behind}"
            );
        }
        // A served ticket is skipped even as the newest: that is not dropping a call, nobody
        // waits for it.
        let served: Windows = [(1, at(1, TicketState::Serving))].into();
        assert!(matches!(
            decide(&call(1, 1, NOW), 0, &served, NOW),
            Decision::Skip(Skip::NoLongerCalled { .. })
        ));
    }

    #[test]
    fn windows_are_read_from_the_live_views() {
        use qcall_protocol::{CurrentTicket, WindowStatus};
        let view = |number: WindowNo, current: Option<(TicketId, TicketState)>| WindowView {
            number,
            name: String::new(),
            screen_text: String::new(),
            primary: Vec::new(),
            secondary: Vec::new(),
            status: WindowStatus::Open,
            pause_reason: None,
            paused_since: None,
            staff: None,
            current: current.map(|(id, state)| CurrentTicket {
                id,
                number: format!("A{id:03}"),
                class: TicketClass::Normal,
                state,
                service_id: "svc".into(),
                called_at: NOW,
                started_at: None,
            }),
            held: Vec::new(),
        };
        let windows = windows_of(&[
            view(1, Some((5, TicketState::Called))),
            view(2, None),
            view(3, Some((6, TicketState::Serving))),
        ]);
        assert_eq!(
            windows,
            [
                (1, at(5, TicketState::Called)),
                (2, None),
                (3, at(6, TicketState::Serving)),
            ]
            .into()
        );
    }
}

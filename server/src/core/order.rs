//! R11, the calling order, as a pure function of the candidates a window sees.
//!
//! The queue keeps every (service, class) lane sorted by position, so the best ticket of a lane is its
//! head; [`pick`] chooses among lane heads. `queue::Replay` repeats it for call-next, the preview and
//! the forecast of a citizen's wait.

use qcall_protocol::{TicketClass, TicketId};

use super::place::QueuePos;

/// Where a candidate waits, as seen from the window choosing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// Transferred to this very window (R11 step 1), with the transfer's sequence number.
    ToWindow { seq: u64 },
    /// In a service queue the window serves, as a primary or secondary service (step 3).
    Service { primary: bool, pos: QueuePos },
}

/// A waiting ticket a window may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) id: TicketId,
    pub(crate) class: TicketClass,
    pub(crate) lane: Lane,
}

/// Whether the K-ratio turns the next call over to a normal ticket (R11 step 2).
fn favour_normal<'a>(
    mut candidates: impl Iterator<Item = &'a Candidate>,
    streak: u32,
    ratio: u32,
) -> bool {
    ratio > 0
        && streak >= ratio
        && candidates
            .any(|c| c.class == TicketClass::Normal && matches!(c.lane, Lane::Service { .. }))
}

/// The sort key of R11: smaller is called first.
fn key(c: &Candidate, favour_normal: bool) -> (u8, u8, u8, QueuePos, TicketId) {
    match c.lane {
        Lane::ToWindow { seq } => (0, 0, 0, QueuePos::transferred(seq), c.id),
        Lane::Service { primary, pos } => {
            let class = match (c.class, favour_normal) {
                (TicketClass::Green, _) => 0,
                (TicketClass::Priority | TicketClass::Appointment, false) => 1,
                (TicketClass::Normal, false) => 2,
                (TicketClass::Normal, true) => 1,
                (TicketClass::Priority | TicketClass::Appointment, true) => 2,
            };
            (1, class, u8::from(!primary), pos, c.id)
        }
    }
}

/// R11: the ticket a window calls next among the candidates, given how many priority/appointment
/// tickets it called in a row (`streak`) and the hall's K (`ratio`, 0 = strict priority).
pub(crate) fn pick(candidates: &[Candidate], streak: u32, ratio: u32) -> Option<Candidate> {
    let favour = favour_normal(candidates.iter(), streak, ratio);
    candidates.iter().min_by_key(|c| key(c, favour)).copied()
}

/// The window's streak after calling `picked` with call-next. Green tickets and tickets transferred to
/// the window are outside the ratio and leave it as it was.
pub(crate) fn next_streak(streak: u32, picked: &Candidate) -> u32 {
    match (picked.lane, picked.class) {
        (Lane::ToWindow { .. }, _) | (_, TicketClass::Green) => streak,
        (_, TicketClass::Priority | TicketClass::Appointment) => streak + 1,
        (_, TicketClass::Normal) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketClass::*;

    fn svc(id: TicketId, class: TicketClass, primary: bool) -> Candidate {
        Candidate {
            id,
            class,
            lane: Lane::Service {
                primary,
                pos: QueuePos::issued(id),
            },
        }
    }

    fn to_window(id: TicketId, class: TicketClass, seq: u64) -> Candidate {
        Candidate {
            id,
            class,
            lane: Lane::ToWindow { seq },
        }
    }

    /// Asserts the ticket `pick` chooses.
    fn check(candidates: &[Candidate], streak: u32, ratio: u32, expected: Option<TicketId>) {
        assert_eq!(
            pick(candidates, streak, ratio).map(|c| c.id),
            expected,
            "{candidates:?} streak {streak} K {ratio}"
        );
    }

    #[test]
    fn step1_transfers_to_the_window_come_first_oldest_transfer_first() {
        check(
            &[
                svc(1, Green, true),
                to_window(9, Normal, 50),
                to_window(8, Normal, 60),
            ],
            0,
            3,
            Some(9),
        );
    }

    #[test]
    fn step2_green_then_priority_and_appointment_then_normal() {
        check(
            &[
                svc(1, Normal, true),
                svc(2, Priority, true),
                svc(3, Green, true),
            ],
            0,
            3,
            Some(3),
        );
        check(
            &[svc(1, Normal, true), svc(2, Priority, true)],
            0,
            3,
            Some(2),
        );
        check(
            &[svc(1, Normal, true), svc(2, Appointment, true)],
            0,
            3,
            Some(2),
        );
        // Priority and appointment share a rank: first come, first served between them.
        check(
            &[svc(5, Priority, true), svc(4, Appointment, true)],
            0,
            3,
            Some(4),
        );
    }

    #[test]
    fn step2_k_ratio_gives_normal_its_turn() {
        let c = [svc(1, Normal, true), svc(2, Priority, true)];
        check(&c, 2, 3, Some(2));
        check(&c, 3, 3, Some(1));
        // K = 0 is strict priority.
        check(&c, 99, 0, Some(2));
        // Only when a normal ticket waits.
        check(&[svc(2, Priority, true)], 3, 3, Some(2));
        // Green is always first, ratio or not.
        check(&[svc(1, Normal, true), svc(3, Green, true)], 3, 3, Some(3));
    }

    #[test]
    fn step3_primary_before_secondary_within_a_class() {
        check(
            &[svc(1, Normal, false), svc(2, Normal, true)],
            0,
            3,
            Some(2),
        );
        // The class outranks primary/secondary.
        check(
            &[svc(1, Priority, false), svc(2, Normal, true)],
            0,
            3,
            Some(1),
        );
    }

    #[test]
    fn step4_and_5_position_then_id() {
        check(&[svc(7, Normal, true), svc(3, Normal, true)], 0, 3, Some(3));
        let a = Candidate {
            id: 9,
            class: Normal,
            lane: Lane::Service {
                primary: true,
                pos: QueuePos { tier: 1, key: 100 },
            },
        };
        let b = Candidate {
            id: 4,
            class: Normal,
            lane: Lane::Service {
                primary: true,
                pos: QueuePos { tier: 1, key: 100 },
            },
        };
        check(&[a, b], 0, 3, Some(4));
        // A transferred ticket (tier 0) is ahead of its class.
        let t = Candidate {
            id: 50,
            class: Normal,
            lane: Lane::Service {
                primary: true,
                pos: QueuePos::transferred(3),
            },
        };
        check(&[svc(1, Normal, true), t], 0, 3, Some(50));
    }

    #[test]
    fn empty_queue_picks_nothing() {
        check(&[], 0, 3, None);
    }

    #[test]
    fn streak_counts_only_priority_and_appointment() {
        assert_eq!(next_streak(1, &svc(1, Priority, true)), 2);
        assert_eq!(next_streak(1, &svc(1, Appointment, true)), 2);
        assert_eq!(next_streak(2, &svc(1, Normal, true)), 0);
        assert_eq!(next_streak(2, &svc(1, Green, true)), 2);
        assert_eq!(next_streak(2, &to_window(1, Priority, 1)), 2);
    }
}

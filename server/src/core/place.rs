//! A waiting ticket's place in its queue: issued tickets in issue order, tickets transferred to the
//! service ahead of them (R10), requeued ones slotted in between (R9) without renumbering anyone.

use qcall_protocol::TicketId;
use serde::{Deserialize, Serialize};

/// A waiting ticket's place in its service queue. Smaller is earlier.
///
/// `tier` 0 holds tickets transferred to the service (R10: the head of the queue among their class,
/// ordered by transfer); tier 1 everyone else, by issue order, with requeued tickets slotted in between
/// (R9). Keys of issued tickets are `id << KEY_SHIFT`, which leaves room to slot requeued tickets
/// between two neighbours many times over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct QueuePos {
    pub(crate) tier: u8,
    pub(crate) key: i64,
}

/// Room between two issued tickets for requeued ones.
pub(crate) const KEY_SHIFT: u32 = 20;

impl QueuePos {
    /// The place of a newly issued ticket: behind everyone issued before it.
    pub(crate) fn issued(id: TicketId) -> QueuePos {
        QueuePos {
            tier: 1,
            key: id << KEY_SHIFT,
        }
    }

    /// The place of a ticket transferred into a service: ahead of the queue, behind earlier transfers.
    pub(crate) fn transferred(seq: u64) -> QueuePos {
        QueuePos {
            tier: 0,
            key: i64::try_from(seq).unwrap_or(i64::MAX),
        }
    }

    /// A place right behind `anchor` and before `next` (when there is a next).
    pub(crate) fn between(anchor: QueuePos, next: Option<QueuePos>) -> QueuePos {
        match next {
            None => QueuePos {
                tier: anchor.tier.max(1),
                key: anchor.key + (1 << KEY_SHIFT),
            },
            Some(next) if next.tier == anchor.tier => QueuePos {
                tier: anchor.tier,
                key: anchor.key + (next.key - anchor.key) / 2,
            },
            // Behind the last transferred ticket, before the first regular one.
            Some(next) => QueuePos {
                tier: next.tier,
                key: next.key - (1 << (KEY_SHIFT - 1)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_slots_a_place_behind_the_anchor() {
        let a = QueuePos::issued(1);
        let b = QueuePos::issued(2);
        let mid = QueuePos::between(a, Some(b));
        assert!(a < mid && mid < b);
        let end = QueuePos::between(b, None);
        assert!(b < end);
        let t = QueuePos::transferred(4);
        let after_transfer = QueuePos::between(t, Some(a));
        assert!(t < after_transfer && after_transfer < a);
    }
}

//! A waiting ticket's place in its queue: issued tickets in issue order, tickets transferred to the
//! service (R10) ahead of them in the order of transfer. A requeued no-show (R9) keeps its place and
//! waits behind the tickets it let go first (see `queue`).

use qcall_protocol::TicketId;
use serde::{Deserialize, Serialize};

/// A waiting ticket's place in its lane. Smaller is earlier.
///
/// `tier` 0 holds tickets transferred to the service or to a window (R10: the head of the queue among
/// their class, ordered by transfer); tier 1 everyone else, by issue order. Keys of issued tickets are
/// `id << KEY_SHIFT` (a gap kept from earlier releases, whose stored places used it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct QueuePos {
    pub(crate) tier: u8,
    pub(crate) key: i64,
}

/// The gap between the keys of two issued tickets.
const KEY_SHIFT: u32 = 20;

impl QueuePos {
    /// The place of a newly issued ticket: behind everyone issued before it.
    pub(crate) fn issued(id: TicketId) -> QueuePos {
        QueuePos {
            tier: 1,
            key: id << KEY_SHIFT,
        }
    }

    /// The place of a ticket transferred into a lane: ahead of the queue, behind earlier transfers.
    pub(crate) fn transferred(seq: u64) -> QueuePos {
        QueuePos {
            tier: 0,
            key: i64::try_from(seq).unwrap_or(i64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfers_come_before_issued_tickets_and_each_in_its_order() {
        assert!(QueuePos::transferred(u64::MAX) < QueuePos::issued(1));
        assert!(QueuePos::transferred(3) < QueuePos::transferred(4));
        assert!(QueuePos::issued(1) < QueuePos::issued(2));
    }
}

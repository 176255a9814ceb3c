//! The queues: each (service, class) lane of waiting tickets in order, the tickets transferred to one
//! window, the candidates a window may call, and how many wait ahead of a ticket. Which lane head a
//! window calls is R11, in [`super::order`]; a ticket's place in its lane is a [`super::QueuePos`].

use std::collections::BTreeSet;

use super::order::{self, Candidate, Lane};
use super::{Hall, StoredTicket, WindowLive};
use qcall_protocol::{TicketClass, TicketId, TicketState};

impl Hall {
    pub(super) fn insert_open(&mut self, t: StoredTicket) {
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

    pub(super) fn enqueue(&mut self, t: &StoredTicket) {
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

    pub(super) fn dequeue(&mut self, id: TicketId) {
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
    pub(super) fn close(&mut self, id: TicketId) -> Option<StoredTicket> {
        let t = self.tickets.remove(&id)?;
        self.by_number.remove(&t.ticket.number);
        if let Some(hash) = &t.citizen_hash {
            self.citizens
                .remove(&(t.ticket.origin_service_id.clone(), hash.clone()));
        }
        Some(t)
    }

    /// The lanes a window calls from, each sorted best-first, at most `limit` per lane.
    pub(super) fn lanes_for(&self, w: &WindowLive, limit: usize) -> Vec<Vec<Candidate>> {
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
    pub(super) fn next_for(&self, w: &WindowLive) -> Option<Candidate> {
        let heads: Vec<Candidate> = self.lanes_for(w, 1).into_iter().flatten().collect();
        order::pick(&heads, w.streak, self.cfg.rules.priority_ratio)
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
}

/// How many entries of a sorted set come before `key`. A BTreeSet has no rank query, so this counts
/// the entries from `key` on and subtracts: O(1) for the common case, a ticket just issued at the tail
/// of its lane; a citizen's status page deep in a long queue pays for the walk.
pub(super) fn rank_in<T: Ord>(set: &BTreeSet<T>, key: &T) -> usize {
    set.len() - set.range(key..).count()
}

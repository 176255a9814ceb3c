//! The queues, and R11 replayed over them.
//!
//! The hall keeps each (service, class) lane of waiting tickets in order, and the tickets transferred
//! to one window (R10) in a lane of their own. Which lane head a window calls is [`order::pick`]; a
//! [`Replay`] repeats it over the hall's lanes for one window or several taking tickets in turn,
//! without changing anything. Call-next, the caller's preview and the forecast of a citizen's wait
//! (R8) are all replays, so "who is next", "the queue on the caller's screen" and "tickets ahead of
//! you" cannot disagree: there is one implementation of the calling order.
//!
//! A requeued no-show (R9) waits behind the tickets its window would have called next: it carries
//! their ids (`behind`) and is not a candidate until each of them was called or left the queue.

use std::collections::{BTreeSet, HashMap, HashSet};

use qcall_protocol::{Millis, TicketClass, TicketId, TicketState, WindowNo};

use super::order::{self, Candidate, Lane};
use super::{Hall, QueuePos, StoredTicket, WindowLive};

/// A lane: the waiting tickets of one service and class, or those transferred to one window.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum LaneKey {
    Service(String, TicketClass),
    ToWindow(WindowNo),
}

impl LaneKey {
    /// The lane a waiting ticket is in.
    pub(super) fn of(t: &StoredTicket) -> LaneKey {
        let leg = t.ticket.leg();
        match leg.target_window {
            Some(w) => LaneKey::ToWindow(w),
            None => LaneKey::Service(leg.service_id.clone(), t.ticket.class),
        }
    }
}

/// Where a ticket sorts within its lane.
fn place(t: &StoredTicket) -> QueuePos {
    match t.ticket.leg().target_window {
        Some(_) => QueuePos::transferred(t.transfer_seq),
        None => t.pos,
    }
}

impl Hall {
    pub(super) fn insert_open(&mut self, t: StoredTicket) {
        let id = t.ticket.id;
        self.by_number.insert(t.ticket.number.clone(), id);
        if let Some(hash) = &t.citizen_hash {
            self.citizens
                .entry((t.ticket.service_id.clone(), hash.clone()))
                .or_default()
                .insert(id);
        }
        if t.ticket.state == TicketState::Waiting {
            self.enqueue(&t);
        }
        self.tickets.insert(id, t);
    }

    /// Puts a waiting ticket into its lane.
    pub(super) fn enqueue(&mut self, t: &StoredTicket) {
        self.lanes
            .entry(LaneKey::of(t))
            .or_default()
            .insert((place(t), t.ticket.id));
        if !t.behind.is_empty() {
            self.requeued.insert(t.ticket.id);
        }
        *self
            .waiting
            .entry(t.ticket.leg().service_id.clone())
            .or_default() += 1;
    }

    /// Takes a waiting ticket out of its lane (to call, cancel or move it).
    pub(super) fn dequeue(&mut self, id: TicketId) {
        let Some(t) = self.tickets.get(&id) else {
            return;
        };
        if t.ticket.state != TicketState::Waiting {
            return;
        }
        let removed = self
            .lanes
            .get_mut(&LaneKey::of(t))
            .is_some_and(|set| set.remove(&(place(t), id)));
        self.requeued.remove(&id);
        if removed && let Some(n) = self.waiting.get_mut(&t.ticket.leg().service_id) {
            *n = n.saturating_sub(1);
        }
    }

    /// Follows a ticket into another service (a transfer) for the one-ticket-per-citizen rule (R5),
    /// which looks at the service a ticket is in now.
    pub(super) fn move_citizen(&mut self, t: &StoredTicket, from_service: &str) {
        let Some(hash) = &t.citizen_hash else {
            return;
        };
        let from = (from_service.to_string(), hash.clone());
        if let Some(set) = self.citizens.get_mut(&from) {
            set.remove(&t.ticket.id);
            if set.is_empty() {
                self.citizens.remove(&from);
            }
        }
        self.citizens
            .entry((t.ticket.service_id.clone(), hash.clone()))
            .or_default()
            .insert(t.ticket.id);
    }

    /// Drops a ticket that reached a final state from memory, returning it for the store.
    pub(super) fn close(&mut self, id: TicketId) -> Option<StoredTicket> {
        self.dequeue(id);
        let t = self.tickets.remove(&id)?;
        self.by_number.remove(&t.ticket.number);
        if let Some(hash) = &t.citizen_hash {
            let key = (t.ticket.service_id.clone(), hash.clone());
            if let Some(set) = self.citizens.get_mut(&key) {
                set.remove(&id);
                if set.is_empty() {
                    self.citizens.remove(&key);
                }
            }
        }
        Some(t)
    }

    /// How many tickets wait in the lanes a window calls from.
    pub(super) fn waiting_for(&self, w: &WindowLive) -> usize {
        lanes_of(w)
            .iter()
            .filter_map(|(key, _)| self.lanes.get(key))
            .map(BTreeSet::len)
            .sum()
    }

    /// R11: the ticket window `w` would call next.
    pub(super) fn next_for(&self, w: &WindowLive) -> Option<Candidate> {
        let mut replay = Replay::new(self);
        let mut window = replay.window(w);
        replay.pick(&mut window)
    }

    /// The next `limit` tickets window `w` would call, in order (R11), as if no other window called.
    pub(super) fn order_for(&self, w: &WindowLive, limit: usize) -> Vec<Candidate> {
        let mut replay = Replay::new(self);
        let mut window = replay.window(w);
        std::iter::from_fn(|| replay.pick(&mut window))
            .take(limit)
            .collect()
    }
}

/// The lanes a window calls from, best first for R11 step 3: tickets transferred to it, then its
/// primary services' lanes, then its secondary services'.
pub(super) fn lanes_of(w: &WindowLive) -> Vec<(LaneKey, bool)> {
    let mut out = vec![(LaneKey::ToWindow(w.number), true)];
    let services = w
        .primary
        .iter()
        .map(|s| (s, true))
        .chain(w.secondary.iter().map(|s| (s, false)));
    for (service, primary) in services {
        for class in TicketClass::ALL {
            out.push((LaneKey::Service(service.clone(), class), primary));
        }
    }
    out
}

/// The sentinel id of a ticket not yet issued, placed at the tail of a lane to forecast its wait.
pub(super) const NEW_TICKET: TicketId = -1;

/// The place a ticket not yet issued takes: after everything in its lane, before the tickets
/// expected later ([`Replay::expect`]).
const TAIL: (QueuePos, TicketId) = (
    QueuePos {
        tier: 1,
        key: i64::MAX,
    },
    NEW_TICKET,
);

/// Ids of expected tickets are below this: `EXPECTED - lane - (n << 20)` for the lane's `n`th.
const EXPECTED: TicketId = -2;
const EXPECTED_SHIFT: u32 = 20;

/// The lane an expected ticket's id belongs to, `None` for a real ticket (or [`NEW_TICKET`]).
fn expected_lane(id: TicketId) -> Option<usize> {
    (id <= EXPECTED).then(|| ((EXPECTED - id) & ((1 << EXPECTED_SHIFT) - 1)) as usize)
}

/// Whether a candidate is a ticket expected later, not one issued.
pub(super) fn is_expected(id: TicketId) -> bool {
    expected_lane(id).is_some()
}

/// One lane as a replay sees it.
struct ReplayLane<'h> {
    key: LaneKey,
    set: Option<&'h BTreeSet<(QueuePos, TicketId)>>,
    /// The first entry not taken yet, when known; entries before it are all taken.
    front: Option<(QueuePos, TicketId)>,
    /// A ticket not yet issued, waiting after everything else in this lane.
    tail: bool,
    /// The lane's head as last found, until something changes it (`None`: look again).
    head: Option<Option<(QueuePos, TicketId)>>,
    /// When tickets not issued yet are expected in this lane, in order, and how many of them
    /// were taken: they queue behind every issued one.
    expected: Vec<Millis>,
    expected_taken: usize,
}

/// A window taking part in a replay: its lanes with their primary flag, and its K-ratio streak.
pub(super) struct ReplayWindow {
    pub(super) number: WindowNo,
    lanes: Vec<(usize, bool)>,
    pub(super) streak: u32,
}

/// R11 replayed over the hall's lanes by one or more windows, without changing the hall.
pub(super) struct Replay<'h> {
    hall: &'h Hall,
    lanes: Vec<ReplayLane<'h>>,
    index: HashMap<LaneKey, usize>,
    taken: HashSet<TicketId>,
    /// Tickets some requeued ticket waits behind: taking one may open a gate in any lane.
    blockers: HashSet<TicketId>,
    /// Reused for each pick: the candidates and the lane each came from.
    heads: Vec<Candidate>,
    head_lanes: Vec<usize>,
}

impl<'h> Replay<'h> {
    pub(super) fn new(hall: &'h Hall) -> Replay<'h> {
        let blockers = hall
            .requeued
            .iter()
            .filter_map(|id| hall.tickets.get(id))
            .flat_map(|t| t.behind.iter().copied())
            .collect();
        Replay {
            hall,
            lanes: Vec::new(),
            index: HashMap::new(),
            taken: HashSet::new(),
            blockers,
            heads: Vec::new(),
            head_lanes: Vec::new(),
        }
    }

    fn lane(&mut self, key: LaneKey) -> usize {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let set = self.hall.lanes.get(&key).filter(|s| !s.is_empty());
        let i = self.lanes.len();
        self.lanes.push(ReplayLane {
            key: key.clone(),
            set,
            front: set.and_then(|s| s.iter().next().copied()),
            tail: false,
            head: None,
            expected: Vec::new(),
            expected_taken: 0,
        });
        self.index.insert(key, i);
        i
    }

    /// Adds a window to the replay, from its live state. Lanes with nobody waiting are left out.
    pub(super) fn window(&mut self, w: &WindowLive) -> ReplayWindow {
        let mut lanes = Vec::new();
        for (key, primary) in lanes_of(w) {
            let i = self.lane(key);
            let l = &self.lanes[i];
            if l.set.is_some() || l.tail || !l.expected.is_empty() {
                lanes.push((i, primary));
            }
        }
        ReplayWindow {
            number: w.number,
            lanes,
            streak: w.streak,
        }
    }

    /// Puts a ticket not yet issued at the tail of a lane ([`NEW_TICKET`]). Call before adding the
    /// windows that serve the lane.
    pub(super) fn add_new_ticket(&mut self, key: LaneKey) {
        let i = self.lane(key);
        self.lanes[i].tail = true;
        self.lanes[i].head = None;
    }

    /// Expects tickets in a service lane at these instants (sorted), behind every issued one: the
    /// forecast's later arrivals (R8). Call before adding the windows that serve the lane.
    pub(super) fn expect(&mut self, key: LaneKey, at: Vec<Millis>) {
        let i = self.lane(key);
        self.lanes[i].expected = at;
        self.lanes[i].expected_taken = 0;
    }

    /// The next expected ticket of a window's lanes arriving after `at`, if any.
    pub(super) fn next_expected(&self, w: &ReplayWindow, at: Millis) -> Option<Millis> {
        w.lanes
            .iter()
            .filter_map(|&(i, _)| {
                let l = &self.lanes[i];
                l.expected.get(l.expected_taken).copied()
            })
            .filter(|&t| t > at)
            .min()
    }

    /// The lane's expected ticket that has arrived by `at`, once every issued one was taken.
    fn expected_head(&self, i: usize, at: Millis) -> Option<(QueuePos, TicketId)> {
        let l = &self.lanes[i];
        let &arrives = l.expected.get(l.expected_taken)?;
        (arrives <= at).then(|| {
            (
                QueuePos {
                    tier: 2,
                    key: arrives,
                },
                EXPECTED - i as TicketId - ((l.expected_taken as TicketId) << EXPECTED_SHIFT),
            )
        })
    }

    /// Whether this replay covers the lane a ticket waits in.
    fn covers(&self, t: &StoredTicket) -> bool {
        self.index.contains_key(&LaneKey::of(t))
    }

    /// Whether a waiting ticket may be called in this replay: a requeued one only once the tickets it
    /// waits behind were taken here, or are not waiting in a lane this replay covers.
    fn ready(&self, id: TicketId) -> bool {
        if !self.hall.requeued.contains(&id) {
            return true;
        }
        let Some(t) = self.hall.tickets.get(&id) else {
            return true;
        };
        t.behind.iter().all(|b| {
            self.taken.contains(b)
                || self
                    .hall
                    .tickets
                    .get(b)
                    .is_none_or(|bt| bt.ticket.state != TicketState::Waiting || !self.covers(bt))
        })
    }

    /// The best entry of a lane that may be called now.
    fn head(&mut self, i: usize) -> Option<(QueuePos, TicketId)> {
        if let Some(cached) = self.lanes[i].head {
            return cached;
        }
        let lane = &self.lanes[i];
        let mut found = None;
        if let (Some(set), Some(front)) = (lane.set, lane.front) {
            found = set
                .range(front..)
                .find(|(_, id)| !self.taken.contains(id) && self.ready(*id))
                .copied();
        }
        if found.is_none() && lane.tail && !self.taken.contains(&NEW_TICKET) {
            found = Some(TAIL);
        }
        self.lanes[i].head = Some(found);
        found
    }

    fn candidate(&self, i: usize, primary: bool, (pos, id): (QueuePos, TicketId)) -> Candidate {
        match &self.lanes[i].key {
            LaneKey::ToWindow(_) => Candidate {
                id,
                class: self
                    .hall
                    .tickets
                    .get(&id)
                    .map_or(TicketClass::Normal, |t| t.ticket.class),
                lane: Lane::ToWindow {
                    seq: u64::try_from(pos.key).unwrap_or(0),
                },
            },
            LaneKey::Service(_, class) => Candidate {
                id,
                class: *class,
                lane: Lane::Service { primary, pos },
            },
        }
    }

    /// The ticket `w` would call next here (R11), taken out of the replay; `None` when nothing it
    /// serves may be called.
    pub(super) fn pick(&mut self, w: &mut ReplayWindow) -> Option<Candidate> {
        self.pick_at(w, Millis::MIN)
    }

    /// [`Replay::pick`] at instant `at`: tickets expected by then are candidates too.
    pub(super) fn pick_at(&mut self, w: &mut ReplayWindow, at: Millis) -> Option<Candidate> {
        let (mut heads, mut lanes) = (
            std::mem::take(&mut self.heads),
            std::mem::take(&mut self.head_lanes),
        );
        heads.clear();
        lanes.clear();
        for &(i, primary) in &w.lanes {
            if let Some(entry) = self.head(i).or_else(|| self.expected_head(i, at)) {
                heads.push(self.candidate(i, primary, entry));
                lanes.push(i);
            }
        }
        let picked = order::pick(&heads, w.streak, self.hall.cfg.rules.priority_ratio);
        if let Some(best) = picked
            && let Some(at) = heads.iter().position(|c| c.id == best.id)
        {
            self.take(lanes[at], best.id);
            w.streak = order::next_streak(w.streak, &best);
        }
        (self.heads, self.head_lanes) = (heads, lanes);
        picked
    }

    fn take(&mut self, lane: usize, id: TicketId) {
        if is_expected(id) {
            self.lanes[lane].expected_taken += 1;
            return;
        }
        self.taken.insert(id);
        if self.blockers.contains(&id) {
            // A gate may have opened anywhere.
            self.lanes.iter_mut().for_each(|l| l.head = None);
        }
        let l = &mut self.lanes[lane];
        l.head = None;
        if let (Some(set), Some(front)) = (l.set, l.front)
            && front.1 == id
        {
            let taken = &self.taken;
            l.front = set
                .range(front..)
                .find(|(_, id)| !taken.contains(id))
                .copied();
        }
    }

    /// The lane a candidate was taken from, by key.
    pub(super) fn lane_key(&self, c: &Candidate) -> Option<&LaneKey> {
        if c.id == NEW_TICKET {
            return self.lanes.iter().find(|l| l.tail).map(|l| &l.key);
        }
        if let Some(i) = expected_lane(c.id) {
            return self.lanes.get(i).map(|l| &l.key);
        }
        let t = self.hall.tickets.get(&c.id)?;
        self.index.get(&LaneKey::of(t)).map(|&i| &self.lanes[i].key)
    }

    /// Entries of a ticket's lane ahead of it that this replay has not taken.
    pub(super) fn untaken_before(&self, t: &StoredTicket) -> usize {
        let Some(set) = self
            .index
            .get(&LaneKey::of(t))
            .and_then(|&i| self.lanes[i].set)
        else {
            return 0;
        };
        set.range(..(place(t), t.ticket.id))
            .filter(|(_, id)| !self.taken.contains(id))
            .count()
    }

    /// Entries of a lane that this replay has not taken.
    pub(super) fn untaken_in(&self, key: &LaneKey) -> usize {
        let Some(set) = self.index.get(key).and_then(|&i| self.lanes[i].set) else {
            return 0;
        };
        set.iter()
            .filter(|(_, id)| !self.taken.contains(id))
            .count()
    }
}

//! The hall as this client last heard it: a local copy built from the server's snapshot and events.
//!
//! Every app keeps one [`LiveState`] and feeds it every [`Update`] from its
//! [`crate::Connection`]; views only read it. One implementation of "apply an event" for all apps
//! means a display, a kiosk and a caller never disagree about what an event does. The rules:
//!
//! - **A snapshot replaces everything** (R20): the server never sends "events since", so after a
//!   reconnect nothing of the old state survives except what the new snapshot says.
//! - Events with a sequence number the snapshot already covers are ignored.
//! - Recent calls are newest first, at most [`RECENT_CALLS`] kept, each call id once. Every call of
//!   a snapshot is looked at for news before that cap, so a burst of more than [`RECENT_CALLS`]
//!   calls missed during a reconnect still reaches the announcer (R16, CONTRACT C3: the server
//!   sends every call of the last 60 s).
//! - Open tickets (staff only) hold open states only: a ticket that is done, cancelled or expired
//!   leaves the list.
//! - Rating invites (staff, and a rating pad for its own window) are kept per window, the latest
//!   one, until that leg is rated; a snapshot clears them (a pad asks `GET /rating-pad` after
//!   each snapshot and sets the one still on offer with [`LiveState::set_rating_invite`]).
//!   Case events (managers) change nothing here: the manager console reads cases itself.
//!
//! No egui, no I/O, no clock: the caller passes the times, so every rule is a unit test.

use std::collections::BTreeMap;

use qcall_protocol::{
    Availability, Call, DisplaySettings, Event, HallInfo, Identity, Millis, PublicTicket,
    RatingInvite, RatingNotice, Service, ServiceGroup, Snapshot, Ticket, TicketId, WindowNo,
    WindowView,
};

use crate::connection::{ConnectionState, Update};

/// How many recent calls a client keeps: the same number the server keeps and sends in snapshots.
pub const RECENT_CALLS: usize = 20;

/// What one update changed that an app may act on beyond redrawing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// Calls (and recalls) this client had not seen before, oldest first. The display announces
    /// these (R16): each call id at most once, also across reconnects. After a reconnect they
    /// include calls made while the link was down; the display speaks only the recent ones (R16:
    /// older than 60 s are shown, not spoken), comparing [`Call::at`] with [`LiveState::server_now`].
    pub new_calls: Vec<Call>,
    /// A snapshot replaced the whole state (a connect, a reconnect or a new business day).
    pub resynced: bool,
    /// Rating invites that arrived (a rating pad shows its window's; R33).
    pub rating_invites: Vec<RatingInvite>,
    /// Ratings given, or whose appeal changed, in order (the caller's figures and its discreet
    /// 差评 notice; a pad leaves an invite rated elsewhere).
    pub ratings: Vec<RatingNotice>,
}

/// The hall as last heard from the server, plus the state of the link.
#[derive(Debug, Clone)]
pub struct LiveState {
    snapshot: Option<Snapshot>,
    connection: ConnectionState,
    /// Set by a day rollover until the snapshot that follows it arrives.
    stale: bool,
    /// The largest call id seen: calls at or below it are not news.
    last_call_id: u64,
    /// Server clock minus local clock, from the latest message.
    clock_offset: Millis,
    /// The latest rating invite per window, until its leg is rated.
    rating_invites: BTreeMap<WindowNo, RatingInvite>,
}

impl Default for LiveState {
    fn default() -> Self {
        LiveState::new()
    }
}

impl LiveState {
    /// Nothing heard yet: no snapshot, connecting.
    pub fn new() -> LiveState {
        LiveState {
            snapshot: None,
            connection: ConnectionState::Connecting {
                since: std::time::Instant::now(),
            },
            stale: false,
            last_call_id: 0,
            clock_offset: 0,
            rating_invites: BTreeMap::new(),
        }
    }

    /// Applies one update from the connection.
    pub fn apply(&mut self, update: &Update) -> Applied {
        match update {
            Update::State(state) => {
                self.connection = state.clone();
                Applied::default()
            }
            Update::Snapshot {
                snapshot,
                received_at,
            } => {
                self.clock_offset = snapshot.at - received_at;
                self.apply_snapshot((**snapshot).clone())
            }
            Update::Events {
                seq,
                at,
                events,
                received_at,
            } => {
                self.clock_offset = at - received_at;
                self.apply_events(*seq, *at, events)
            }
        }
    }

    /// Replaces the whole state with a snapshot.
    pub fn apply_snapshot(&mut self, mut snapshot: Snapshot) -> Applied {
        // Newest first, each call once, capped: the server does the same, but the model holds
        // its invariants whatever it is given.
        snapshot
            .recent_calls
            .sort_by_key(|c| std::cmp::Reverse(c.call_id));
        snapshot.recent_calls.dedup_by_key(|c| c.call_id);
        // Every call the snapshot brings is news to the display's voice before the list is
        // capped: the server sends all calls of the last 60 s, however many (R16).
        let mut new_calls: Vec<Call> = snapshot
            .recent_calls
            .iter()
            .filter(|c| c.call_id > self.last_call_id)
            .cloned()
            .collect();
        new_calls.reverse();
        if let Some(newest) = snapshot.recent_calls.first() {
            self.last_call_id = self.last_call_id.max(newest.call_id);
        }
        snapshot.recent_calls.truncate(RECENT_CALLS);
        snapshot.windows.sort_by_key(|w| w.number);
        snapshot.open_tickets.retain(|t| t.state.is_open());
        snapshot.open_tickets.sort_by_key(|t| t.id);
        self.snapshot = Some(snapshot);
        self.stale = false;
        self.rating_invites.clear();
        Applied {
            new_calls,
            resynced: true,
            ..Applied::default()
        }
    }

    /// Applies the events of one committed command, in order.
    pub fn apply_events(&mut self, seq: u64, at: Millis, events: &[Event]) -> Applied {
        let mut applied = Applied::default();
        let Some(snap) = self.snapshot.as_mut() else {
            // The connection never forwards events before a snapshot; without one there is
            // nothing to apply them to.
            return applied;
        };
        if seq <= snap.seq {
            return applied;
        }
        snap.seq = seq;
        snap.at = at;
        for event in events {
            match event {
                Event::Ticket { ticket } => upsert_ticket(&mut snap.open_tickets, ticket),
                Event::Called { call } => {
                    if call.call_id > self.last_call_id {
                        self.last_call_id = call.call_id;
                        applied.new_calls.push(call.clone());
                    }
                    if !snap.recent_calls.iter().any(|c| c.call_id == call.call_id) {
                        snap.recent_calls.insert(0, call.clone());
                        snap.recent_calls
                            .sort_by_key(|c| std::cmp::Reverse(c.call_id));
                        snap.recent_calls.truncate(RECENT_CALLS);
                    }
                }
                Event::Window { window } => {
                    update_identity(&mut snap.identity, window);
                    match snap
                        .windows
                        .binary_search_by_key(&window.number, |w| w.number)
                    {
                        Ok(i) => snap.windows[i] = window.clone(),
                        Err(i) => snap.windows.insert(i, window.clone()),
                    }
                }
                Event::Availability {
                    issuing_open,
                    services,
                } => {
                    snap.hall.issuing_open = *issuing_open;
                    for a in services {
                        match snap
                            .availability
                            .iter_mut()
                            .find(|x| x.service_id == a.service_id)
                        {
                            Some(slot) => *slot = a.clone(),
                            None => snap.availability.push(a.clone()),
                        }
                    }
                }
                Event::Notices { notices } => snap.hall.notices = notices.clone(),
                Event::DayRollover { business_day } => {
                    // Open tickets expired and numbering restarts; a fresh snapshot follows at once.
                    snap.hall.business_day = business_day.clone();
                    self.stale = true;
                }
                Event::PublicTicket { ticket } => snap.ticket = Some(ticket.clone()),
                Event::RatingInvite { invite } => {
                    self.rating_invites.insert(invite.window, invite.clone());
                    applied.rating_invites.push(invite.clone());
                }
                Event::Rated { rating } => {
                    if self
                        .rating_invites
                        .get(&rating.window)
                        .is_some_and(|i| i.ticket_id == rating.ticket_id && i.leg == rating.leg)
                    {
                        self.rating_invites.remove(&rating.window);
                    }
                    applied.ratings.push(rating.clone());
                }
                Event::Case { .. } => {}
            }
        }
        applied
    }

    /// The whole state as a snapshot would carry it (`seq` and `at` of the latest applied message),
    /// or `None` before the first snapshot.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }

    /// Whether a snapshot has arrived: before it, screens show "连接中" rather than an empty hall.
    pub fn has_snapshot(&self) -> bool {
        self.snapshot.is_some()
    }

    /// The link's state, as last reported by the connection.
    pub fn connection(&self) -> &ConnectionState {
        &self.connection
    }

    /// Whether what is shown can be trusted as current: connected, and no day rollover waiting for
    /// its snapshot. The kiosk issues only while this holds (暂停取号 otherwise).
    pub fn is_live(&self) -> bool {
        self.connection.is_connected() && self.snapshot.is_some() && !self.stale
    }

    /// Whether a day rollover was seen and its fresh snapshot has not arrived yet.
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// The last sequence number applied (0 before the first snapshot).
    pub fn seq(&self) -> u64 {
        self.snapshot.as_ref().map_or(0, |s| s.seq)
    }

    /// Who the server recognised.
    pub fn identity(&self) -> Option<&Identity> {
        self.snapshot.as_ref().map(|s| &s.identity)
    }

    /// Hall name, business day, rules and notices.
    pub fn hall(&self) -> Option<&HallInfo> {
        self.snapshot.as_ref().map(|s| &s.hall)
    }

    /// Whether tickets can be issued now at all (open and before cut-off).
    pub fn issuing_open(&self) -> bool {
        self.hall().is_some_and(|h| h.issuing_open)
    }

    /// The marquee notices of the hall board.
    pub fn notices(&self) -> &[String] {
        self.hall().map_or(&[], |h| &h.notices)
    }

    /// Kiosk groups in display order.
    pub fn groups(&self) -> &[ServiceGroup] {
        self.snapshot.as_ref().map_or(&[], |s| &s.groups)
    }

    /// Services in display order.
    pub fn services(&self) -> &[Service] {
        self.snapshot.as_ref().map_or(&[], |s| &s.services)
    }

    /// A service by id.
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services().iter().find(|s| s.id == id)
    }

    /// Windows by number.
    pub fn windows(&self) -> &[WindowView] {
        self.snapshot.as_ref().map_or(&[], |s| &s.windows)
    }

    /// A window by number.
    pub fn window(&self, number: WindowNo) -> Option<&WindowView> {
        let windows = self.windows();
        windows
            .binary_search_by_key(&number, |w| w.number)
            .ok()
            .map(|i| &windows[i])
    }

    /// Waiting counts, estimates and refusals per service.
    pub fn availability(&self) -> &[Availability] {
        self.snapshot.as_ref().map_or(&[], |s| &s.availability)
    }

    /// One service's kiosk tile.
    pub fn availability_of(&self, service_id: &str) -> Option<&Availability> {
        self.availability()
            .iter()
            .find(|a| a.service_id == service_id)
    }

    /// Tickets waiting in a kiosk group's services: the hall board's "等候人数" per group (R18).
    pub fn waiting_in_group(&self, group_id: &str) -> u32 {
        self.services()
            .iter()
            .filter(|s| s.group_id == group_id)
            .filter_map(|s| self.availability_of(&s.id))
            .map(|a| a.waiting)
            .sum()
    }

    /// The latest calls, newest first, at most [`RECENT_CALLS`].
    pub fn recent_calls(&self) -> &[Call] {
        self.snapshot.as_ref().map_or(&[], |s| &s.recent_calls)
    }

    /// The open tickets of the day, by id (staff and managers only; empty for others).
    pub fn open_tickets(&self) -> &[Ticket] {
        self.snapshot.as_ref().map_or(&[], |s| &s.open_tickets)
    }

    /// An open ticket by id.
    pub fn open_ticket(&self, id: TicketId) -> Option<&Ticket> {
        let tickets = self.open_tickets();
        tickets
            .binary_search_by_key(&id, |t| t.id)
            .ok()
            .map(|i| &tickets[i])
    }

    /// The display's settings (display devices only).
    pub fn display(&self) -> Option<&DisplaySettings> {
        self.snapshot.as_ref().and_then(|s| s.display.as_ref())
    }

    /// The citizen's own ticket (public clients only).
    pub fn public_ticket(&self) -> Option<&PublicTicket> {
        self.snapshot.as_ref().and_then(|s| s.ticket.as_ref())
    }

    /// The latest rating invite of a window not rated yet (R33): a rating pad's screen. Whether it
    /// is still worth showing (the pad's idle time) is the pad's to judge against its ended time.
    pub fn rating_invite(&self, window: WindowNo) -> Option<&RatingInvite> {
        self.rating_invites.get(&window)
    }

    /// Sets the invite still on offer after a snapshot, as `GET /rating-pad` answered it.
    pub fn set_rating_invite(&mut self, invite: RatingInvite) {
        self.rating_invites.insert(invite.window, invite);
    }

    /// For a staff client: the window this person is signed in at, kept current by window events.
    pub fn my_window(&self) -> Option<&WindowView> {
        match self.identity()? {
            Identity::Staff {
                window: Some(number),
                ..
            } => self.window(*number),
            _ => None,
        }
    }

    /// The server's clock now, estimated from the latest message: handling timers and "waited
    /// 12 min" use the server's times, and a kiosk's clock may be off by minutes.
    pub fn server_now(&self, local_now: Millis) -> Millis {
        local_now + self.clock_offset
    }
}

/// Open tickets keep open states only, sorted by id.
fn upsert_ticket(tickets: &mut Vec<Ticket>, ticket: &Ticket) {
    let found = tickets.binary_search_by_key(&ticket.id, |t| t.id);
    match (found, ticket.state.is_open()) {
        (Ok(i), true) => tickets[i] = ticket.clone(),
        (Ok(i), false) => {
            tickets.remove(i);
        }
        (Err(i), true) => tickets.insert(i, ticket.clone()),
        (Err(_), false) => {}
    }
}

/// A staff client's identity follows the windows: signing in or out shows up as a window event.
fn update_identity(identity: &mut Identity, window: &WindowView) {
    let Identity::Staff {
        staff_no,
        window: mine,
        ..
    } = identity
    else {
        return;
    };
    let here = window
        .staff
        .as_ref()
        .is_some_and(|s| &s.staff_no == staff_no);
    if here {
        *mine = Some(window.number);
    } else if *mine == Some(window.number) {
        *mine = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qcall_protocol::*;

    fn hall() -> HallInfo {
        HallInfo {
            notify: false,
            check_in: false,
            start_on_call: false,
            name_zh: "测试大厅".into(),
            name_en: "Test hall".into(),
            time_zone: "Asia/Shanghai".into(),
            business_day: "2026-11-23".into(),
            issuing_open: true,
            hours_today: vec!["08:00-18:00".into()],
            notices: vec!["清廉大厅".into()],
            requeue_limit_minutes: 30,
            requeue_behind: 3,
            priority_ratio: 3,
        }
    }

    fn window(number: WindowNo, staff: Option<&str>) -> WindowView {
        WindowView {
            number,
            name: format!("{number}号窗口"),
            screen_text: String::new(),
            primary: vec!["a".into()],
            secondary: vec![],
            status: if staff.is_some() {
                WindowStatus::Open
            } else {
                WindowStatus::Closed
            },
            pause_reason: None,
            paused_since: None,
            staff: staff.map(|s| StaffCard {
                staff_no: s.into(),
                name: "员工".into(),
                badges: vec![],
                photo: None,
            }),
            current: None,
            held: vec![],
        }
    }

    fn call(call_id: u64, number: &str, window: WindowNo) -> Call {
        Call {
            call_id,
            ticket_id: call_id as i64,
            number: number.into(),
            class: TicketClass::Normal,
            service_id: "a".into(),
            window,
            window_name: String::new(),
            at: 1_000 * call_id as i64,
            recall: false,
        }
    }

    fn ticket(id: TicketId, state: TicketState) -> Ticket {
        Ticket {
            id,
            number: format!("A{id:03}"),
            business_day: "2026-11-23".into(),
            class: TicketClass::Normal,
            state,
            origin_service_id: "a".into(),
            service_id: "a".into(),
            issued_at: 0,
            window: None,
            phone_masked: None,
            legs: vec![Leg::queued("a", 0)],
        }
    }

    fn availability(service: &str, waiting: u32) -> Availability {
        Availability {
            service_id: service.into(),
            waiting,
            issued_today: waiting,
            estimated_wait_minutes: Some(waiting * 5),
            refusal: None,
        }
    }

    fn snapshot(seq: u64, identity: Identity) -> Snapshot {
        Snapshot {
            seq,
            at: 50_000,
            identity,
            hall: hall(),
            groups: vec![ServiceGroup {
                id: "g".into(),
                name_zh: "组".into(),
                name_en: "Group".into(),
            }],
            services: vec![],
            windows: vec![window(2, None), window(1, Some("s1"))],
            availability: vec![availability("a", 2), availability("b", 0)],
            recent_calls: vec![call(3, "A003", 1), call(5, "A005", 2)],
            open_tickets: vec![
                ticket(9, TicketState::Waiting),
                ticket(4, TicketState::Called),
            ],
            display: None,
            ticket: None,
        }
    }

    fn staff(no: &str, window: Option<WindowNo>) -> Identity {
        Identity::Staff {
            staff_no: no.into(),
            role: Role::Staff,
            window,
        }
    }

    fn live(seq: u64) -> LiveState {
        let mut live = LiveState::new();
        live.apply_snapshot(snapshot(seq, staff("s1", Some(1))));
        live
    }

    /// Applies one event as the command with sequence number `seq`.
    fn check(live: &mut LiveState, seq: u64, event: Event) -> Applied {
        live.apply_events(seq, 60_000, &[event])
    }

    #[test]
    fn rating_invites_are_kept_per_window_until_rated_and_cleared_by_a_snapshot() {
        let mut live = live(10);
        let invite = |ticket_id: TicketId, window: WindowNo| RatingInvite {
            window,
            ticket_id,
            leg: 0,
            number: format!("A{ticket_id:03}"),
            service_id: "a".into(),
            staff_no: Some("s1".into()),
            ended_at: 55_000,
            valid_until: 55_000 + 86_400_000,
        };
        let notice = |ticket_id: TicketId, window: WindowNo| RatingNotice {
            id: 1,
            ticket_id,
            number: format!("A{ticket_id:03}"),
            leg: 0,
            business_day: "2026-11-23".into(),
            window,
            staff_no: Some("s1".into()),
            service_id: "a".into(),
            level: RatingLevel::Dissatisfied,
            source: RatingSource::Phone,
            at: 60_000,
            appeal: AppealState::None,
            case_id: Some(1),
        };
        let applied = check(
            &mut live,
            11,
            Event::RatingInvite {
                invite: invite(4, 1),
            },
        );
        assert_eq!(applied.rating_invites, vec![invite(4, 1)]);
        check(
            &mut live,
            12,
            Event::RatingInvite {
                invite: invite(9, 2),
            },
        );
        assert_eq!(live.rating_invite(1), Some(&invite(4, 1)));
        // The next leg at window 1 replaces its invite.
        check(
            &mut live,
            13,
            Event::RatingInvite {
                invite: invite(7, 1),
            },
        );
        assert_eq!(live.rating_invite(1), Some(&invite(7, 1)));
        // Rated elsewhere (the phone): the invite goes; a rating of an older leg leaves it.
        let applied = check(
            &mut live,
            14,
            Event::Rated {
                rating: notice(4, 1),
            },
        );
        assert_eq!(applied.ratings, vec![notice(4, 1)]);
        assert_eq!(live.rating_invite(1), Some(&invite(7, 1)));
        check(
            &mut live,
            15,
            Event::Rated {
                rating: notice(7, 1),
            },
        );
        assert_eq!(live.rating_invite(1), None);
        assert_eq!(live.rating_invite(2), Some(&invite(9, 2)));
        // A snapshot replaces everything: the pad asks for the invite on offer and sets it.
        live.apply_snapshot(snapshot(20, staff("s1", Some(1))));
        assert_eq!(live.rating_invite(2), None);
        live.set_rating_invite(invite(9, 2));
        assert_eq!(live.rating_invite(2), Some(&invite(9, 2)));
    }

    #[test]
    fn snapshot_is_normalised_and_its_calls_are_news_once() {
        let mut live = LiveState::new();
        assert!(!live.has_snapshot() && live.windows().is_empty() && !live.is_live());
        let applied = live.apply_snapshot(snapshot(10, staff("s1", Some(1))));
        assert!(applied.resynced);
        let ids: Vec<u64> = applied.new_calls.iter().map(|c| c.call_id).collect();
        assert_eq!(ids, vec![3, 5], "oldest first, to announce in call order");
        let ids: Vec<u64> = live.recent_calls().iter().map(|c| c.call_id).collect();
        assert_eq!(ids, vec![5, 3], "newest first");
        let numbers: Vec<WindowNo> = live.windows().iter().map(|w| w.number).collect();
        assert_eq!(numbers, vec![1, 2]);
        let ids: Vec<TicketId> = live.open_tickets().iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![4, 9]);
        // The same calls again after a reconnect are not announced twice.
        let again = live.apply_snapshot(snapshot(10, staff("s1", Some(1))));
        assert!(again.new_calls.is_empty());
    }

    #[test]
    fn every_call_of_a_long_snapshot_is_news_before_the_list_is_capped() {
        // C3: a reconnect after a burst brings more than RECENT_CALLS calls; the display's
        // voice must hear of every one (R16 then decides which are recent enough to speak).
        let mut live = LiveState::new();
        let mut long = snapshot(10, Identity::Display { name: "b".into() });
        long.recent_calls = (1..=35).rev().map(|n| call(n, "A", 1)).collect();
        let applied = live.apply_snapshot(long);
        let ids: Vec<u64> = applied.new_calls.iter().map(|c| c.call_id).collect();
        assert_eq!(ids, (1..=35).collect::<Vec<u64>>());
        assert_eq!(
            live.recent_calls().len(),
            RECENT_CALLS,
            "the board's list stays short"
        );
        assert_eq!(live.recent_calls()[0].call_id, 35);
    }

    #[test]
    fn a_snapshot_replaces_everything() {
        let mut live = live(10);
        check(
            &mut live,
            11,
            Event::Notices {
                notices: vec!["旧".into()],
            },
        );
        let mut fresh = snapshot(20, staff("s1", None));
        fresh.windows = vec![window(7, None)];
        fresh.recent_calls = vec![];
        fresh.open_tickets = vec![];
        fresh.availability = vec![availability("c", 1)];
        fresh.hall.notices = vec![];
        live.apply_snapshot(fresh.clone());
        assert_eq!(
            live.snapshot(),
            Some(&fresh),
            "nothing of the old state survives"
        );
    }

    #[test]
    fn ticket_events_keep_open_tickets_only() {
        let mut live = live(10);
        check(
            &mut live,
            11,
            Event::Ticket {
                ticket: ticket(6, TicketState::Waiting),
            },
        );
        let ids: Vec<TicketId> = live.open_tickets().iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![4, 6, 9], "inserted in id order");
        check(
            &mut live,
            12,
            Event::Ticket {
                ticket: ticket(4, TicketState::Serving),
            },
        );
        assert_eq!(
            live.open_ticket(4).map(|t| t.state),
            Some(TicketState::Serving)
        );
        check(
            &mut live,
            13,
            Event::Ticket {
                ticket: ticket(4, TicketState::Done),
            },
        );
        assert!(
            live.open_ticket(4).is_none(),
            "a finished ticket leaves the list"
        );
        check(
            &mut live,
            14,
            Event::Ticket {
                ticket: ticket(99, TicketState::Cancelled),
            },
        );
        assert!(
            live.open_ticket(99).is_none(),
            "a closed unknown ticket is not added"
        );
        assert_eq!(live.open_tickets().len(), 2);
    }

    #[test]
    fn called_events_are_newest_first_capped_and_news_once() {
        let mut live = live(10);
        let applied = check(
            &mut live,
            11,
            Event::Called {
                call: call(11, "A011", 1),
            },
        );
        assert_eq!(applied.new_calls, vec![call(11, "A011", 1)]);
        assert_eq!(live.recent_calls()[0].call_id, 11);
        for id in 12..40 {
            check(
                &mut live,
                id,
                Event::Called {
                    call: call(id, "A0", 1),
                },
            );
        }
        assert_eq!(live.recent_calls().len(), RECENT_CALLS);
        assert_eq!(live.recent_calls()[0].call_id, 39);
        assert_eq!(live.recent_calls()[RECENT_CALLS - 1].call_id, 20);
        // A call seen again in a later message (it cannot happen, but) is neither news nor doubled.
        let applied = check(
            &mut live,
            40,
            Event::Called {
                call: call(39, "A0", 1),
            },
        );
        assert!(applied.new_calls.is_empty());
        assert_eq!(
            live.recent_calls()
                .iter()
                .filter(|c| c.call_id == 39)
                .count(),
            1
        );
    }

    #[test]
    fn window_events_replace_by_number_and_follow_the_staff_member() {
        let mut live = live(10);
        assert_eq!(live.my_window().map(|w| w.number), Some(1));
        // s1 signs out of window 1 and in at window 2.
        check(
            &mut live,
            11,
            Event::Window {
                window: window(1, None),
            },
        );
        assert_eq!(live.window(1).map(|w| w.status), Some(WindowStatus::Closed));
        assert!(live.my_window().is_none(), "signed out");
        check(
            &mut live,
            12,
            Event::Window {
                window: window(2, Some("s1")),
            },
        );
        assert_eq!(live.my_window().map(|w| w.number), Some(2));
        // Someone else at window 3 (new to this client) changes nothing of mine.
        check(
            &mut live,
            13,
            Event::Window {
                window: window(3, Some("s3")),
            },
        );
        let numbers: Vec<WindowNo> = live.windows().iter().map(|w| w.number).collect();
        assert_eq!(numbers, vec![1, 2, 3]);
        assert_eq!(live.my_window().map(|w| w.number), Some(2));
    }

    #[test]
    fn availability_events_update_services_and_issuing() {
        let mut live = live(10);
        check(
            &mut live,
            11,
            Event::Availability {
                issuing_open: false,
                services: vec![availability("a", 7), availability("new", 1)],
            },
        );
        assert!(!live.issuing_open());
        assert_eq!(live.availability_of("a").map(|a| a.waiting), Some(7));
        assert_eq!(
            live.availability_of("b").map(|a| a.waiting),
            Some(0),
            "untouched"
        );
        assert_eq!(live.availability_of("new").map(|a| a.waiting), Some(1));
    }

    #[test]
    fn waiting_per_group_sums_its_services() {
        let mut s = snapshot(1, Identity::Kiosk { name: "k".into() });
        let service = |id: &str, group: &str| Service {
            id: id.into(),
            name_zh: id.into(),
            name_en: id.into(),
            group_id: group.into(),
            prefix: id.to_uppercase(),
            enabled: true,
            daily_cap: None,
            expected_minutes: 5,
            materials: vec![],
            ask_citizen_id: false,
            ask_phone: false,
            warn_waiting_count: None,
            warn_waiting_minutes: None,
        };
        s.services = vec![service("a", "g"), service("b", "g"), service("c", "h")];
        s.availability = vec![
            availability("a", 2),
            availability("b", 3),
            availability("c", 9),
        ];
        let mut live = LiveState::new();
        live.apply_snapshot(s);
        assert_eq!(live.waiting_in_group("g"), 5);
        assert_eq!(live.waiting_in_group("h"), 9);
        assert_eq!(live.waiting_in_group("none"), 0);
    }

    #[test]
    fn notices_events_replace_the_marquee() {
        let mut live = live(10);
        check(
            &mut live,
            11,
            Event::Notices {
                notices: vec!["取号后请在休息区等候".into()],
            },
        );
        assert_eq!(live.notices(), ["取号后请在休息区等候".to_string()]);
    }

    #[test]
    fn day_rollover_marks_the_state_stale_until_the_next_snapshot() {
        let mut live = live(10);
        live.apply(&Update::State(ConnectionState::Connected {
            since: std::time::Instant::now(),
        }));
        assert!(live.is_live());
        check(
            &mut live,
            11,
            Event::DayRollover {
                business_day: "2026-11-24".into(),
            },
        );
        assert!(
            live.is_stale() && !live.is_live(),
            "the kiosk must not issue on a stale day"
        );
        assert_eq!(
            live.hall().map(|h| h.business_day.as_str()),
            Some("2026-11-24")
        );
        live.apply_snapshot(snapshot(12, staff("s1", None)));
        assert!(live.is_live());
    }

    #[test]
    fn public_ticket_events_replace_the_citizens_ticket() {
        let mut live = LiveState::new();
        let status = |state, ahead| PublicTicket {
            number: "A001".into(),
            service_id: "a".into(),
            service_name_zh: "甲".into(),
            service_name_en: "Alpha".into(),
            class: TicketClass::Normal,
            state,
            issued_at: 0,
            ahead,
            estimated_wait_minutes: None,
            window: None,
            issued_time: "09:30".into(),
            hours_today: vec!["09:00-17:00".into()],
            utc_offset_minutes: 480,
        };
        let mut s = snapshot(1, Identity::Public);
        s.ticket = Some(status(TicketState::Waiting, Some(3)));
        live.apply_snapshot(s);
        check(
            &mut live,
            2,
            Event::PublicTicket {
                ticket: status(TicketState::Called, None),
            },
        );
        assert_eq!(
            live.public_ticket().map(|t| t.state),
            Some(TicketState::Called)
        );
    }

    #[test]
    fn events_already_in_the_snapshot_are_ignored() {
        let mut live = live(10);
        let applied = check(
            &mut live,
            10,
            Event::Called {
                call: call(10, "A010", 1),
            },
        );
        assert!(applied.new_calls.is_empty());
        assert_eq!(live.recent_calls().len(), 2);
        check(&mut live, 11, Event::Notices { notices: vec![] });
        assert_eq!(live.seq(), 11);
    }

    #[test]
    fn events_before_any_snapshot_change_nothing() {
        let mut live = LiveState::new();
        let applied = check(
            &mut live,
            1,
            Event::Called {
                call: call(1, "A001", 1),
            },
        );
        assert_eq!(applied, Applied::default());
        assert!(live.snapshot().is_none());
    }

    #[test]
    fn server_time_is_estimated_from_the_latest_message() {
        let mut live = LiveState::new();
        live.apply(&Update::Snapshot {
            snapshot: Box::new(snapshot(1, Identity::Public)),
            received_at: 45_000,
        });
        assert_eq!(live.server_now(46_000), 51_000, "server 5 s ahead");
        live.apply(&Update::Events {
            seq: 2,
            at: 60_000,
            events: vec![],
            received_at: 61_000,
        });
        assert_eq!(live.server_now(62_000), 61_000, "server 1 s behind");
    }
}

//! The business day and the calls screens announce.

use super::*;

#[test]
fn rollover_expires_open_tickets_and_closes_windows() {
    let mut t = T::new();
    t.sign_in(1);
    let waiting = t.issue("a", Normal);
    t.issue("a", Normal);
    t.call(1).expect("call");
    t.at("2026-11-24 04:00");
    assert!(t.hall.rollover_due(t.now));
    let applied = t.hall.rollover(t.now);
    assert_eq!(
        applied.events,
        vec![Event::DayRollover {
            business_day: "2026-11-24".into()
        }]
    );
    let expired: Vec<&StoredTicket> = applied
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Ticket(t) => Some(&**t),
            _ => None,
        })
        .collect();
    assert_eq!(expired.len(), 2);
    assert!(
        expired
            .iter()
            .all(|x| x.ticket.state == TicketState::Expired
                && x.ticket.leg().outcome == Some(LegOutcome::Expired))
    );
    assert!(t.hall.ticket(waiting).is_none());
    assert_eq!(t.hall.open_count(), 0);
    assert!(
        t.hall
            .window_views()
            .iter()
            .all(|w| w.status == WindowStatus::Closed && w.current.is_none())
    );
    assert!(!t.hall.rollover_due(t.now));
}

#[test]
fn calls_carry_what_a_display_announces_and_sequence_numbers_increase() {
    let mut t = T::new();
    t.sign_in(1);
    t.issue("a", Normal);
    let applied = t
        .apply(&staff(1), Command::CallNext { window: 1 })
        .expect("call");
    let call = applied
        .events
        .iter()
        .find_map(|e| match e {
            Event::Called { call } => Some(call.clone()),
            _ => None,
        })
        .expect("called event");
    assert_eq!(
        (
            call.number.as_str(),
            call.window,
            call.window_name.as_str(),
            call.recall
        ),
        ("A001", 1, "综合窗口", false)
    );
    assert_eq!(call.call_id, applied.seq);
    assert_eq!(call.at, t.now);
    let recall = t
        .apply(&staff(1), Command::Recall { window: 1 })
        .expect("recall");
    assert!(recall.seq > applied.seq);
    assert_eq!(t.hall.recent_calls().len(), 2);
    assert!(t.hall.recent_calls()[0].recall, "newest first");
}

/// The refusal code of a service's tile as last pushed by `applied`, if it was pushed.
fn pushed_refusal(applied: &[Applied], service: &str) -> Option<Option<ErrorCode>> {
    applied.iter().rev().find_map(|a| {
        a.events.iter().rev().find_map(|e| match e {
            Event::Availability { services, .. } => services
                .iter()
                .find(|s| s.service_id == service)
                .map(|s| s.refusal),
            _ => None,
        })
    })
}

#[test]
fn the_clock_alone_moves_the_kiosk_tiles_at_every_edge() {
    let cfg = test_config(r#"slots = [{ from = "09:00", to = "10:00", quota = 1 }]"#);
    let mut t = T::with(cfg);
    let look = |t: &mut T, local: &str| {
        t.at(local);
        let now = t.now;
        t.hall.clock(now)
    };
    // Created at 09:30 (open); before opening the next morning nothing is pushed until 09:00.
    look(&mut t, "2026-11-24 04:00");
    t.hall.rollover(t.now);
    assert!(
        look(&mut t, "2026-11-24 08:59").is_empty(),
        "nothing changes"
    );
    let opened = look(&mut t, "2026-11-24 09:00");
    assert_eq!(pushed_refusal(&opened, "a"), Some(None), "open at 09:00");
    assert_eq!(opened[0].audit.action, "availability");
    assert!(look(&mut t, "2026-11-24 09:00").is_empty(), "pushed once");
    // The time-slot quota: one ticket fills 09:00–10:00; at 10:00 the slot ends.
    t.issue("a", Normal);
    assert_eq!(
        t.hall.availability("a", t.now).refusal,
        Some(SlotQuotaReached)
    );
    let slot_end = look(&mut t, "2026-11-24 10:00");
    assert_eq!(
        pushed_refusal(&slot_end, "a"),
        Some(None),
        "outside the slot"
    );
    // Cut-off, lunch break, afternoon opening, closing.
    let cutoff = look(&mut t, "2026-11-24 11:30");
    assert_eq!(pushed_refusal(&cutoff, "b"), Some(Some(PastCutoff)));
    let lunch = look(&mut t, "2026-11-24 12:00");
    assert_eq!(pushed_refusal(&lunch, "b"), Some(Some(HallClosed)));
    let afternoon = look(&mut t, "2026-11-24 13:30");
    assert_eq!(pushed_refusal(&afternoon, "b"), Some(None));
    look(&mut t, "2026-11-24 16:30");
    let closing = look(&mut t, "2026-11-24 17:00");
    assert_eq!(pushed_refusal(&closing, "b"), Some(Some(HallClosed)));
    // A disabled service never changes: it is not pushed at the edges.
    assert_eq!(pushed_refusal(&afternoon, "off"), None);
}

#[test]
fn a_clock_that_steps_back_never_rolls_the_day_back() {
    let mut t = T::new();
    t.issue("a", Normal);
    t.at("2026-11-24 09:00");
    let first = t.issue("a", Normal);
    assert_eq!(t.number(first), "A001", "the new day's first number");
    // NTP steps the clock back into yesterday's business day: the hall stays in today.
    t.at("2026-11-24 03:59");
    assert!(!t.hall.rollover_due(t.now));
    t.sign_in(3);
    assert_eq!(t.hall.business_day(), "2026-11-24");
    // And when the clock is right again, numbering goes on: no second rollover, no A001 again.
    t.at("2026-11-24 09:05");
    assert!(!t.hall.rollover_due(t.now));
    let next = t.issue("a", Normal);
    assert_eq!(t.number(next), "A002");
}

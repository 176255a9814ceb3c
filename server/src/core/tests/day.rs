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

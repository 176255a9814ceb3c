//! Report facts (R23): the command that closes a leg carries its fact, once; an ended pause its
//! pause fact; the rollover the facts of what it expired.

use super::*;
use crate::report::LegFact;

fn facts(a: &Applied) -> Vec<&LegFact> {
    a.changes
        .iter()
        .filter_map(|c| match c {
            Change::Fact(f) => Some(&**f),
            _ => None,
        })
        .collect()
}

fn act(t: &mut T, w: WindowNo, cmd: Command) -> Applied {
    t.apply(&staff(w), cmd).expect("accepted")
}

#[test]
fn finishing_writes_the_leg_fact_with_its_times_and_the_limit() {
    let mut t = T::new();
    t.sign_in(1);
    let id = t.issue("a", Normal);
    t.minutes(4);
    let call = act(&mut t, 1, Command::CallNext { window: 1 });
    assert!(facts(&call).is_empty(), "a call closes no leg");
    t.minutes(1);
    act(&mut t, 1, Command::Start { window: 1 });
    t.minutes(7);
    let done = act(
        &mut t,
        1,
        Command::Finish {
            window: 1,
            case_no: None,
        },
    );
    let f = facts(&done);
    assert_eq!(f.len(), 1);
    let f = f[0];
    assert_eq!(
        (f.ticket_id, f.leg, f.business_day.as_str()),
        (id, 0, "2026-11-23")
    );
    assert_eq!((f.window, f.staff_no.as_deref()), (Some(1), Some("s1")));
    assert_eq!((f.wait_ms, f.handle_ms), (Some(240_000), Some(420_000)));
    // Service a's limit is 6 minutes: 7 is over.
    assert_eq!((f.limit_minutes, f.over_limit), (6, true));
    assert_eq!((f.outcome, f.weekday, f.hour), (LegOutcome::Done, 1, 9));
}

#[test]
fn a_transfer_closes_one_leg_and_the_finish_the_next() {
    let mut t = T::new();
    t.sign_in(3);
    t.sign_in(2);
    t.issue("a", Normal);
    act(&mut t, 3, Command::CallNext { window: 3 });
    t.minutes(2);
    let moved = act(
        &mut t,
        3,
        Command::Transfer {
            window: 3,
            to: TransferTarget::Service("b".into()),
            note: None,
        },
    );
    let f = facts(&moved);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].leg, f[0].outcome), (0, LegOutcome::Transferred));
    assert_eq!(
        f[0].handle_ms,
        Some(120_000),
        "transferred from the window: served"
    );
    t.minutes(1);
    act(&mut t, 2, Command::CallNext { window: 2 });
    let done = act(
        &mut t,
        2,
        Command::Finish {
            window: 2,
            case_no: None,
        },
    );
    let f = facts(&done);
    assert_eq!(f.len(), 1, "the first leg's fact is not written again");
    assert_eq!((f[0].leg, f[0].service_id.as_str()), (1, "b"));
}

#[test]
fn a_special_call_is_out_of_order_in_its_fact_and_a_cancel_has_one() {
    let mut t = T::new();
    t.sign_in(1);
    t.issue("a", Normal);
    let second = t.issue("a", Normal);
    let number = t.number(second);
    act(&mut t, 1, Command::CallNumber { window: 1, number });
    let done = act(
        &mut t,
        1,
        Command::Finish {
            window: 1,
            case_no: None,
        },
    );
    let f = facts(&done);
    assert!(f[0].special_call && f[0].out_of_order);
    let third = t.issue("a", Normal);
    let cancelled = t
        .apply(
            &staff(1),
            Command::Cancel {
                ticket: TicketRef::Id(third),
            },
        )
        .expect("cancel");
    let f = facts(&cancelled);
    assert_eq!(
        (f[0].outcome, f[0].wait_ms, f[0].handle_ms),
        (LegOutcome::Cancelled, None, None)
    );
}

#[test]
fn a_resume_writes_the_pause_and_the_rollover_the_expired_legs() {
    let mut t = T::new();
    t.sign_in(1);
    act(
        &mut t,
        1,
        Command::Pause {
            window: 1,
            reason: PauseReason::Meeting,
        },
    );
    t.minutes(25);
    let resumed = act(&mut t, 1, Command::Resume { window: 1 });
    let p: Vec<_> = resumed
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Pause(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].reason.as_str(), p[0].until - p[0].since),
        ("meeting", 25 * 60_000)
    );
    assert_eq!((p[0].window, p[0].staff_no.as_deref()), (1, Some("s1")));
    t.issue("a", Normal);
    act(
        &mut t,
        1,
        Command::Pause {
            window: 1,
            reason: PauseReason::Break,
        },
    );
    let now = at("2026-11-24 05:00");
    let rolled = t.hall.rollover(now);
    let legs: Vec<_> = rolled
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Fact(f) => Some(f),
            _ => None,
        })
        .collect();
    assert_eq!(legs.len(), 1);
    assert_eq!(
        (legs[0].outcome, legs[0].business_day.as_str()),
        (LegOutcome::Expired, "2026-11-23")
    );
    assert!(
        rolled.changes.iter().any(|c| matches!(c, Change::Pause(p) if p.reason == "break" && p.business_day == "2026-11-23")),
        "the pause still running at the day's end is kept"
    );
}

//! R24: the figures and warnings the manager's console shows, from the live hall alone.

use super::*;
use qcall_protocol::WarningKind;

fn kinds(t: &T) -> Vec<(WarningKind, String, Millis)> {
    let figures = t.hall.service_figures();
    t.hall
        .hall_warnings(&figures, t.now)
        .into_iter()
        .map(|w| (w.kind, w.key, w.since))
        .collect()
}

#[test]
fn r24_queue_length_and_the_longest_wait_warn_at_their_thresholds() {
    let mut t = T::with(test_config(
        "warn_waiting_count = 2\nwarn_waiting_minutes = 15",
    ));
    let start = t.now;
    t.issue("a", Normal);
    assert!(kinds(&t).is_empty(), "one waiting is under both limits");
    t.minutes(1);
    t.issue("a", Normal);
    assert_eq!(
        kinds(&t),
        [(WarningKind::WaitingCount, "waiting_count:a".into(), t.now)]
    );
    let figures = t.hall.service_figures();
    assert_eq!(figures[0].waiting, 2);
    assert_eq!(figures[0].longest_since, Some(start));
    assert_eq!(figures[0].issued, 2);
    // 14 minutes after the first ticket: not yet; 15: since exactly then.
    t.minutes(13);
    assert_eq!(kinds(&t).len(), 1);
    t.minutes(1);
    assert!(kinds(&t).contains(&(
        WarningKind::WaitingMinutes,
        "waiting_minutes:a".into(),
        start + 15 * 60_000
    )));
    // Service b has no thresholds: however long its queue, no warning.
    for _ in 0..5 {
        t.issue("b", Normal);
    }
    assert!(kinds(&t).iter().all(|(_, key, _)| key.ends_with(":a")));
    // The first one served: one waits, for 14 minutes; both warnings end.
    t.sign_in(3);
    t.serve(3);
    assert!(kinds(&t).is_empty());
}

#[test]
fn r24_service_past_its_time_limit_and_a_long_pause_warn() {
    let mut t = T::new();
    t.sign_in(3);
    t.issue("a", Normal);
    t.call(3).expect("call");
    t.window(3, Command::Start { window: 3 }).expect("start"); // a: 6 minutes expected
    let started = t.now;
    t.minutes(5);
    assert!(kinds(&t).is_empty());
    t.minutes(1);
    let over = kinds(&t);
    assert_eq!(over.len(), 1);
    assert_eq!(over[0].0, WarningKind::OverTimeLimit);
    assert_eq!(over[0].2, started + 6 * 60_000);
    t.window(
        3,
        Command::Finish {
            window: 3,
            case_no: None,
        },
    )
    .expect("finish");
    assert!(kinds(&t).is_empty());
    let figures = t.hall.service_figures();
    assert_eq!((figures[0].served, figures[0].waiting), (1, 0));

    // A called ticket is not being handled yet: no time limit runs.
    t.issue("a", Normal);
    t.call(3).expect("call");
    t.minutes(30);
    assert!(kinds(&t).is_empty());
    t.window(3, Command::NoShow { window: 3 }).expect("no-show");

    let paused = t.now;
    t.window(
        3,
        Command::Pause {
            window: 3,
            reason: PauseReason::Break,
        },
    )
    .expect("pause");
    t.minutes(29);
    assert!(kinds(&t).is_empty());
    t.minutes(1);
    assert_eq!(
        kinds(&t),
        [(
            WarningKind::PausedTooLong,
            "paused:3".into(),
            paused + 30 * 60_000
        )]
    );
    t.window(3, Command::Resume { window: 3 }).expect("resume");
    assert!(kinds(&t).is_empty());
}

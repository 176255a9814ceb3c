//! R14 windows, and the manager's live changes.

use super::*;

// ---- R14 windows -------------------------------------------------------------------------------

#[test]
fn r14_one_staff_per_window_and_one_window_per_staff() {
    let mut t = T::new();
    t.sign_in(1);
    t.refused(&staff(2), Command::SignIn { window: 1 }, WindowTaken);
    t.refused(&staff(1), Command::SignIn { window: 2 }, SignedInElsewhere);
    t.refused(&staff(3), Command::SignIn { window: 1 }, Forbidden); // s3 may use window 3 only
    t.refused(&staff(1), Command::SignIn { window: 9 }, UnknownWindow);
    // Signing in again where one already is changes nothing and is not an error.
    t.apply(&staff(1), Command::SignIn { window: 1 })
        .expect("idempotent");
    t.refused(&staff(2), Command::CallNext { window: 1 }, NotSignedIn);
    t.refused(&staff(2), Command::CallNext { window: 2 }, WindowClosed);
    t.refused(
        &Actor::Kiosk("k".into()),
        Command::CallNext { window: 1 },
        Forbidden,
    );
}

#[test]
fn r14_paused_window_gets_no_calls_and_pause_time_is_counted() {
    let mut t = T::new();
    t.sign_in(3);
    t.issue("a", Normal);
    t.issue("a", Normal);
    t.issue("a", Normal);
    // Three ahead of a new ticket at the only window for a, 6 minutes each.
    assert_eq!(t.hall.forecast_new("a", t.now).minutes(), Some(18));
    t.window(
        3,
        Command::Pause {
            window: 3,
            reason: PauseReason::Meeting,
        },
    )
    .expect("pause");
    assert_eq!(
        t.hall.window_view(3).expect("w").status,
        WindowStatus::Paused
    );
    let paused = t.hall.forecast_new("a", t.now);
    assert_eq!(
        (paused.ahead, paused.minutes()),
        (3, None),
        "no open window serves a: ahead still counted, the wait unknown"
    );
    t.refused(&staff(3), Command::CallNext { window: 3 }, WindowPaused);
    t.refused(
        &staff(3),
        Command::Pause {
            window: 3,
            reason: PauseReason::Break,
        },
        WindowPaused,
    );
    t.minutes(12);
    t.window(3, Command::Resume { window: 3 }).expect("resume");
    t.refused(&staff(3), Command::Resume { window: 3 }, WrongState);
    assert_eq!(
        t.hall.stat("window:3").pause_ms.get("meeting"),
        Some(&(12 * 60_000))
    );
    t.call(3).expect("calls again");
    t.refused(&staff(3), Command::SignOut { window: 3 }, WindowBusy);
    t.window(3, Command::Start { window: 3 }).expect("start");
    t.window(
        3,
        Command::Finish {
            window: 3,
            case_no: None,
        },
    )
    .expect("finish");
    t.serve(3);
    t.serve(3);
    t.apply(&staff(3), Command::SignOut { window: 3 })
        .expect("sign out");
    assert_eq!(
        t.hall.window_view(3).expect("w").status,
        WindowStatus::Closed
    );
}

#[test]
fn notices_and_window_services_change_live() {
    let mut t = T::new();
    t.sign_in(2);
    let a = t.issue("a", Normal);
    assert_eq!(
        t.call(2).map_err(|e| e.code),
        Err(QueueEmpty),
        "window 2 serves b only"
    );
    let applied = t
        .apply(
            &Actor::Staff("m".into()),
            Command::SetWindowServices {
                window: 2,
                primary: vec!["b".into()],
                secondary: vec!["a".into()],
            },
        )
        .expect("set");
    assert!(
        applied
            .events
            .iter()
            .any(|e| matches!(e, Event::Window { window } if window.secondary == ["a"]))
    );
    assert_eq!(t.call(2).expect("now serves a"), t.number(a));
    t.refused(
        &Actor::System,
        Command::SetWindowServices {
            window: 2,
            primary: vec![],
            secondary: vec![],
        },
        BadRequest,
    );
    t.refused(
        &Actor::System,
        Command::SetWindowServices {
            window: 2,
            primary: vec!["x".into()],
            secondary: vec![],
        },
        UnknownService,
    );
    t.refused(
        &Actor::System,
        Command::SetNotices {
            notices: vec![" ".into()],
        },
        BadRequest,
    );
    let applied = t
        .apply(
            &Actor::System,
            Command::SetNotices {
                notices: vec!["欢迎".into()],
            },
        )
        .expect("notices");
    assert_eq!(
        applied.events,
        vec![Event::Notices {
            notices: vec!["欢迎".into()]
        }]
    );
    assert_eq!(t.hall.hall_info(t.now).notices, ["欢迎".to_string()]);
}

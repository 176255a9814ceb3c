//! The store against real SQLite files: restart, the append-only audit log, the unique number index.

use super::*;
use crate::calendar::tests::at;
use crate::core::tests::test_config;
use crate::core::{Actor, Command, Hall, IssueCmd, Restored};
use qcall_protocol::TicketClass;
use std::sync::Arc;

#[test]
fn a_restart_rebuilds_the_same_hall() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("hall.db");
    let cfg = Arc::new(test_config(""));
    let now = at("2026-11-23 09:30");
    let mut store = Store::open(&path).expect("open");
    let mut hall = Hall::new(cfg.clone(), store.restore().expect("restore"), now);
    let staff = Actor::Staff("s1".into());
    let mut batch = Vec::new();
    batch.push(
        hall.apply(&staff, Command::SignIn { window: 1 }, now)
            .expect("sign in"),
    );
    for i in 0..5 {
        let cmd = Command::Issue(IssueCmd {
            service_id: "a".into(),
            class: if i == 2 {
                TicketClass::Priority
            } else {
                TicketClass::Normal
            },
            citizen_hash: None,
            phone_masked: Some("138****0000".into()),
            helper: None,
            secret: format!("{i:032x}"),
        });
        batch.push(hall.apply(&staff, cmd, now).expect("issue"));
    }
    batch.push(
        hall.apply(&staff, Command::CallNext { window: 1 }, now)
            .expect("call"),
    );
    batch.push(
        hall.apply(
            &Actor::System,
            Command::SetNotices {
                notices: vec!["新".into()],
            },
            now,
        )
        .expect("notices"),
    );
    store.commit(&batch, &[]).expect("commit");
    drop(store);

    let mut store = Store::open(&path).expect("reopen");
    let again = Hall::new(cfg, store.restore().expect("restore"), now);
    assert_eq!(again.open_tickets(), hall.open_tickets());
    assert_eq!(again.window_views(), hall.window_views());
    assert_eq!(again.preview(1, 10), hall.preview(1, 10));
    assert_eq!(again.availability_all(now), hall.availability_all(now));
    assert_eq!(again.recent_calls(), hall.recent_calls());
    assert_eq!(again.seq(), hall.seq());
    assert_eq!(again.hall_info(now).notices, ["新".to_string()]);
}

#[test]
fn the_audit_log_cannot_be_rewritten() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(&dir.path().join("a.db")).expect("open");
    let cfg = Arc::new(test_config(""));
    let now = at("2026-11-23 09:30");
    let mut hall = Hall::new(cfg, Restored::default(), now);
    let a = hall
        .apply(
            &Actor::Staff("s1".into()),
            Command::SignIn { window: 1 },
            now,
        )
        .expect("sign in");
    store.commit(&[a], &[]).expect("commit");
    // Refused by the triggers themselves, with their message: not by some unrelated SQL error.
    let refused_by_trigger = |r: rusqlite::Result<usize>| match r {
        Err(rusqlite::Error::SqliteFailure(e, Some(msg))) => {
            e.code == rusqlite::ErrorCode::ConstraintViolation
                && msg.contains("the audit log is append-only")
        }
        _ => false,
    };
    let update = store
        .conn
        .execute("UPDATE audit SET actor = 'someone else'", []);
    assert!(refused_by_trigger(update), "update refused by the trigger");
    let delete = store.conn.execute("DELETE FROM audit", []);
    assert!(refused_by_trigger(delete), "delete refused by the trigger");
    assert_eq!(
        store
            .audit(0, 10, &Default::default())
            .expect("audit")
            .len(),
        1
    );
}

#[test]
fn a_number_cannot_be_stored_twice_in_a_day() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(&dir.path().join("n.db")).expect("open");
    store
        .seed_history(
            3,
            &[("a".into(), "A".into())],
            at("2026-11-23 09:00"),
            |_| "2026-11-20".into(),
        )
        .expect("seed");
    let dup = store.conn.execute(
        "INSERT INTO tickets (id, business_day, number, service_id, class, state, issued_at, data)
         SELECT 100, business_day, number, service_id, class, state, issued_at, data FROM tickets WHERE id = 1",
        [],
    );
    // Refused by the unique index on (business_day, number), not for another reason.
    match dup {
        Err(rusqlite::Error::SqliteFailure(e, Some(msg))) => {
            assert_eq!(e.code, rusqlite::ErrorCode::ConstraintViolation);
            assert!(
                msg.contains("tickets.business_day, tickets.number"),
                "the day-number index: {msg}"
            );
        }
        other => panic!("expected the unique index to refuse, got {other:?}"),
    }
}

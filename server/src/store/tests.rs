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
            notice: None,
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

/// Serves two tickets (one finished, one transferred then finished) and cancels a third, committing
/// each command as the engine does.
fn a_served_morning(store: &mut Store, cfg: &Arc<crate::config::HallConfig>) {
    let mut now = at("2026-11-23 09:30");
    let mut hall = Hall::new(cfg.clone(), store.restore().expect("restore"), now);
    let s1 = Actor::Staff("s1".into());
    let s2 = Actor::Staff("s2".into());
    let issue = |i: u32| {
        Command::Issue(IssueCmd {
            service_id: "a".into(),
            class: TicketClass::Normal,
            citizen_hash: None,
            phone_masked: Some("138****0000".into()),
            helper: None,
            notice: None,
            secret: format!("{i:032x}"),
        })
    };
    let steps = vec![
        (&s1, Command::SignIn { window: 1 }),
        (&s2, Command::SignIn { window: 2 }),
        (&s1, issue(1)),
        (&s1, issue(2)),
        (&s1, issue(3)),
        (&s1, Command::CallNext { window: 1 }),
        (
            &s1,
            Command::Finish {
                window: 1,
                case_no: None,
            },
        ),
        (&s1, Command::CallNext { window: 1 }),
        (
            &s1,
            Command::Transfer {
                window: 1,
                to: qcall_protocol::TransferTarget::Service("b".into()),
                note: None,
            },
        ),
        (&s2, Command::CallNext { window: 2 }),
        (
            &s2,
            Command::Finish {
                window: 2,
                case_no: None,
            },
        ),
        (
            &s1,
            Command::Cancel {
                ticket: crate::core::TicketRef::Id(3),
            },
        ),
    ];
    for (actor, cmd) in steps {
        now += 60_000;
        let a = hall.apply(actor, cmd, now).expect("accepted");
        store.commit(&[a], &[]).expect("commit");
    }
}

fn leg_facts(store: &Store) -> Vec<String> {
    let mut stmt = store
        .conn
        .prepare("SELECT * FROM leg_facts ORDER BY ticket_id, leg")
        .expect("select");
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        Ok((0..n)
            .map(|i| {
                format!("{:?}", r.get_ref(i).map(|v| v.data_type()))
                    + &format!("{:?}", r.get::<_, rusqlite::types::Value>(i))
            })
            .collect::<Vec<_>>()
            .join("|"))
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

#[test]
fn facts_are_written_with_the_change_and_cannot_be_rewritten() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open(&dir.path().join("f.db")).expect("open");
    let cfg = Arc::new(test_config(""));
    a_served_morning(&mut store, &cfg);
    // Ticket 1: one leg; ticket 2: two (transferred, then done); ticket 3: cancelled.
    assert_eq!(leg_facts(&store).len(), 4);
    let outcomes: Vec<String> = store
        .conn
        .prepare("SELECT outcome FROM leg_facts ORDER BY ticket_id, leg")
        .expect("select")
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(outcomes, ["done", "transferred", "done", "cancelled"]);
    for sql in ["UPDATE leg_facts SET wait_ms = 0", "DELETE FROM leg_facts"] {
        match store.conn.execute(sql, []) {
            Err(rusqlite::Error::SqliteFailure(_, Some(msg))) => {
                assert!(msg.contains("facts are append-only"), "{msg}")
            }
            other => panic!("{sql}: {other:?}"),
        }
    }
    // Nothing personal in a fact: the phone the tickets carry is not there.
    assert!(leg_facts(&store).iter().all(|f| !f.contains("****")));
}

#[test]
fn tickets_stored_before_facts_get_the_same_facts_on_the_first_start() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("old.db");
    let cfg = Arc::new(test_config(""));
    let mut store = Store::open(&path).expect("open");
    a_served_morning(&mut store, &cfg);
    let live = leg_facts(&store);
    // As if the tickets had been stored by the qcall before facts: no facts tables, an older schema.
    let facts_version = migrations::MIGRATIONS
        .iter()
        .position(|m| m.contains("CREATE TABLE leg_facts"))
        .expect("the facts migration") as i64;
    // The migrations after it run again too: drop what they made (bookings, the purge trigger, the
    // notice tables).
    store
        .conn
        .execute_batch(&format!(
            "DROP TABLE leg_facts; DROP TABLE pause_facts; DROP TABLE bookings; DROP TRIGGER ratings_text_purged_only; DROP TABLE notice_phones; DROP TABLE notice_outbox; PRAGMA user_version = {facts_version};"
        ))
        .expect("downgrade");
    drop(store);
    let mut store = Store::open(&path).expect("migrates");
    assert_eq!(leg_facts(&store).len(), 0);
    assert_eq!(store.backfill_facts(&cfg).expect("backfill"), 4);
    assert_eq!(
        leg_facts(&store),
        live,
        "the backfill writes what the live path wrote"
    );
    assert_eq!(store.backfill_facts(&cfg).expect("once"), 0, "once only");
}

#[test]
fn reports_read_the_facts_and_their_ratings() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("r.db");
    let cfg = Arc::new(test_config(""));
    let mut store = Store::open(&path).expect("open");
    a_served_morning(&mut store, &cfg);
    let day = "2026-11-23";
    let mut reader = FactReader::open(&path).expect("read-only");
    let input = reader.input(&cfg, day, day).expect("read");
    assert_eq!(input.legs.len(), 4);
    assert!(input.ratings.is_empty(), "nothing rated yet");
    // Ratings as the ratings family stores them (R21), one upheld as false on appeal.
    store
        .conn
        .execute_batch(
            "INSERT INTO ratings (ticket_id, leg, business_day, level, appeal) VALUES
                (1, 0, '2026-11-23', 'basic', 'none'),
                (2, 1, '2026-11-23', 'very_dissatisfied', 'upheld'),
                (2, 0, '2026-11-23', 'dissatisfied', 'rejected');",
        )
        .expect("ratings");
    let input = reader.input(&cfg, day, day).expect("read");
    let q = crate::report::RawQuery {
        from: Some(day.into()),
        to: Some(day.into()),
        ..Default::default()
    }
    .parse(&cfg)
    .expect("query");
    let r = crate::report::build(&cfg, &q, &input, 0);
    let g = &r.total.ratings;
    assert_eq!(
        (g.rated, g.basic, g.dissatisfied, g.upheld_as_false),
        (2, 1, 1, 1)
    );
    assert_eq!(g.satisfaction_rate, Some(0.5));
}

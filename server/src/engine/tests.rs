//! The engine against a real SQLite file: what a failed commit does (ARCHITECTURE: nobody is told
//! anything happened, and the live hall goes back to what the database holds).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use qcall_protocol::{ErrorCode, IssueResponse, TicketClass};

use super::*;
use crate::calendar::tests::at;
use crate::clock::ManualClock;
use crate::core::IssueCmd;
use crate::core::tests::test_config;

fn issue(secret: u8) -> Command {
    Command::Issue(IssueCmd {
        service_id: "a".into(),
        class: TicketClass::Normal,
        citizen_hash: None,
        phone_masked: None,
        helper: None,
        notice: None,
        secret: format!("{secret:032x}"),
    })
}

#[tokio::test]
async fn a_failed_commit_tells_nobody_and_rebuilds_the_hall_from_the_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("hall.db")).expect("open");
    let fail = store.fail_commits.clone();
    let clock = Arc::new(ManualClock::new(at("2026-11-23 09:30")));
    let (engine, _secret, thread) =
        Engine::start(Arc::new(test_config("")), store, clock).expect("start");
    let kiosk = Actor::Kiosk("kiosk-1".into());
    let first = engine
        .command(kiosk.clone(), Some("r1".into()), issue(1))
        .await
        .expect("issued");
    let first: IssueResponse = serde_json::from_str(&first).expect("answer");
    assert_eq!(first.ticket.number, "A001");
    let ((), mut pushes) = engine.subscribe(|_, _, _| ()).await.expect("subscribe");

    // The disk fills: the command fails, its client is told to retry, nobody hears of a ticket.
    fail.store(true, Ordering::SeqCst);
    let refused = engine
        .command(kiosk.clone(), Some("r2".into()), issue(2))
        .await
        .expect_err("not stored");
    assert_eq!(refused.code, ErrorCode::Unavailable);
    assert!(pushes.try_recv().is_err(), "nothing was pushed");
    let open = engine
        .read(|hall, _, _| hall.open_tickets())
        .await
        .expect("read");
    assert_eq!(open.len(), 1, "the live hall is what the database holds");

    // The disk has room again: the retry with the same request id is a new command (its first try
    // was never acknowledged) and gets the number that was never given out.
    fail.store(false, Ordering::SeqCst);
    let retry = engine
        .command(kiosk.clone(), Some("r2".into()), issue(2))
        .await
        .expect("stored now");
    let retry: IssueResponse = serde_json::from_str(&retry).expect("answer");
    assert_eq!(retry.ticket.number, "A002");
    let pushed = pushes.recv().await.expect("pushed after the commit");
    assert!(pushed.events.iter().any(|e| matches!(
        e,
        qcall_protocol::Event::Ticket { ticket } if ticket.number == "A002"
    )));
    drop(engine);
    drop(pushes);
    thread.join().expect("engine thread");
}

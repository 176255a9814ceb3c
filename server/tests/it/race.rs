//! R12: windows pressing "call next" at the same instant never get the same ticket, and none is lost.

use std::collections::HashSet;
use std::sync::Arc;

use qcall_protocol::*;
use tokio::sync::Barrier;

use crate::util::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_windows_call_next_at_once() {
    const WINDOWS: u32 = 20;
    const ROUNDS: usize = 15;
    let server = TestServer::start_with(
        &hall_toml(WINDOWS, "[limits]\nissue_per_minute = 0\n"),
        qcall_server::clock::ManualClock::new(at("2026-11-23T09:00")),
        None,
    )
    .await;
    let kiosk = server.client(KIOSK);
    // More tickets than calls, so every round every window should get one; b has a daily cap of 3.
    let total = WINDOWS as usize * ROUNDS + 7;
    let mut issued = HashSet::new();
    for i in 0..total {
        let service = if i < 3 { "b" } else { "a" };
        issued.insert(
            kiosk
                .issue(service, TicketClass::Normal)
                .await
                .expect("issue")
                .ticket
                .number,
        );
    }
    let barrier = Arc::new(Barrier::new(WINDOWS as usize));
    let mut tasks = Vec::new();
    for w in 1..=WINDOWS {
        let c = server.at_window(&format!("s{w}"), w).await;
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for _ in 0..ROUNDS {
                barrier.wait().await;
                let r = c
                    .act(w, "call-next")
                    .await
                    .expect("a ticket for every window in every round");
                mine.push(r.ticket.expect("ticket").number);
                c.act(w, "start").await.expect("start");
                c.act(w, "finish").await.expect("finish");
            }
            mine
        }));
    }
    let mut called = Vec::new();
    for t in tasks {
        called.extend(t.await.expect("window task"));
    }
    let distinct: HashSet<&String> = called.iter().collect();
    assert_eq!(called.len(), WINDOWS as usize * ROUNDS);
    assert_eq!(distinct.len(), called.len(), "no ticket was called twice");
    assert!(distinct.iter().all(|n| issued.contains(*n)));
    // None lost: exactly the rest still waits, oldest first.
    let manager = server.staff("m1").await;
    let avail: AvailabilityResponse = manager
        .get("/api/v1/availability")
        .await
        .expect("availability");
    let waiting: u32 = avail.services.iter().map(|s| s.waiting).sum();
    assert_eq!(waiting as usize, total - called.len());
    let audit = manager.audit().await;
    assert!(audit.len() > 1000, "several pages");
    let calls = audit.iter().filter(|e| e.action == "call_next").count();
    assert_eq!(calls, called.len(), "every call is in the audit log once");
    server.stop().await;
}

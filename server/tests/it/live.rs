//! The WebSocket's quiet-time behaviour and its slow clients: heartbeats keep a silent link provably
//! alive, and a client that falls behind is resynced with a full snapshot (R20), never a partial one.

use std::time::{Duration, Instant};

use qcall_protocol::*;
use qcall_server::clock::ManualClock;

use crate::util::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_link_gets_heartbeats_naming_the_last_event() {
    let interval = Duration::from_millis(200);
    let tuning = qcall_server::Tuning {
        heartbeat: interval,
        ..Default::default()
    };
    let server = TestServer::start_tuned(
        &hall_toml(1, ""),
        ManualClock::new(at("2026-11-23T09:00")),
        None,
        tuning,
    )
    .await;
    let connecting = Instant::now();
    let mut kiosk = Live::connect(&server.ws_url, Hello::Device { key: KIOSK.into() })
        .await
        .expect("kiosk");
    assert!(matches!(kiosk.snapshot.identity, Identity::Kiosk { ref name } if name == "kiosk-1"));
    assert!(
        kiosk.snapshot.recent_calls.is_empty() && kiosk.snapshot.open_tickets.is_empty(),
        "kiosks see no calls or tickets"
    );
    // Nothing happens in the hall: heartbeats come, none before its interval, each naming the last
    // event the client was sent.
    for _ in 0..3 {
        let ServerMsg::Heartbeat { seq, .. } = kiosk.next_any().await else {
            panic!("expected a heartbeat on a quiet link")
        };
        assert_eq!(
            seq, kiosk.snapshot.seq,
            "the heartbeat names the last event sent"
        );
    }
    // The server's timer starts after the test began to connect, and the third heartbeat is sent
    // three intervals after it at the earliest. (Measured between the heartbeats' arrivals instead,
    // a first one read late on a busy machine made the gap look short.)
    let since = connecting.elapsed();
    assert!(
        since >= interval * 3,
        "three heartbeats take three intervals at least: {since:?}"
    );
    // After an event, the heartbeat names it.
    server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("issue");
    let ServerMsg::Events { seq: event_seq, .. } = kiosk.next().await else {
        panic!("the issue's tiles")
    };
    let ServerMsg::Heartbeat { seq, .. } = kiosk.next_any().await else {
        panic!("expected a heartbeat")
    };
    assert_eq!(seq, event_seq);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_falls_behind_is_resynced_with_a_snapshot() {
    let tuning = qcall_server::Tuning {
        push_capacity: 2,
        ..Default::default()
    };
    let server = TestServer::start_tuned(
        &hall_toml(2, "[limits]\nissue_per_minute = 0\n"),
        ManualClock::new(at("2026-11-23T09:00")),
        None,
        tuning,
    )
    .await;
    let manager = server.staff("m1").await;
    let mut staff = Live::connect(
        &server.ws_url,
        Hello::Staff {
            token: manager.bearer.clone().expect("token"),
        },
    )
    .await
    .expect("staff socket");
    // 200 tickets at once: far more pushes than the 2 a socket may fall behind by.
    let kiosk = server.client(KIOSK);
    let issues: Vec<_> = (0..200)
        .map(|_| {
            let k = kiosk.clone();
            tokio::spawn(async move { k.issue("a", TicketClass::Normal).await })
        })
        .collect();
    for i in issues {
        i.await.expect("task").expect("issued");
    }
    // Somewhere in what follows comes a fresh snapshot, and the state it gives is the server's.
    let deadline = Instant::now() + Duration::from_secs(20);
    let resynced = loop {
        assert!(Instant::now() < deadline, "no resync within 20 s");
        if let ServerMsg::Snapshot(s) = staff.next().await {
            break s;
        }
    };
    let tickets_now = |s: &Snapshot| s.open_tickets.len();
    let mut latest = resynced;
    // Read on until the socket has everything: the last snapshot or events bring all 200.
    while tickets_now(&latest) < 200 {
        match staff.next().await {
            ServerMsg::Snapshot(s) => latest = s,
            ServerMsg::Events { events, seq, .. } => {
                for e in events {
                    if let Event::Ticket { ticket } = e
                        && !latest.open_tickets.iter().any(|t| t.id == ticket.id)
                    {
                        latest.open_tickets.push(ticket);
                    }
                }
                latest.seq = seq;
            }
            _ => {}
        }
    }
    assert_eq!(tickets_now(&latest), 200, "nothing lost after the resync");
    server.stop().await;
}

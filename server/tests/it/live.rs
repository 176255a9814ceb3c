//! The WebSocket's quiet-time behaviour: heartbeats keep a silent link provably alive.

use qcall_protocol::*;

use crate::util::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_link_gets_a_heartbeat_every_ten_seconds() {
    let server = TestServer::start(1).await;
    let mut kiosk = Live::connect(&server.ws_url, Hello::Device { key: KIOSK.into() })
        .await
        .expect("kiosk");
    assert!(matches!(kiosk.snapshot.identity, Identity::Kiosk { ref name } if name == "kiosk-1"));
    assert!(
        kiosk.snapshot.recent_calls.is_empty() && kiosk.snapshot.open_tickets.is_empty(),
        "kiosks see no calls or tickets"
    );
    let started = std::time::Instant::now();
    // Live::read waits up to 15 s for a message; nothing happens in the hall meanwhile.
    let ServerMsg::Heartbeat { seq, .. } = kiosk.next_any().await else {
        panic!("expected a heartbeat")
    };
    let waited = started.elapsed().as_secs_f64();
    assert!(
        (8.0..12.0).contains(&waited),
        "heartbeat after {waited:.1} s"
    );
    assert_eq!(
        seq, kiosk.snapshot.seq,
        "the heartbeat names the last event sent"
    );
    server.stop().await;
}

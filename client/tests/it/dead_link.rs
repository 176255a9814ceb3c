//! Failures a real server does not produce on demand, from a tiny fake one: a link that goes silent
//! without closing (a pulled cable, a frozen switch), and a refusal that an admin then fixes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use qcall_client::NetThread;
use qcall_client::connection::{ConnectionConfig, ConnectionState, LinkError, Update};
use qcall_protocol::*;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use crate::util::*;

/// A small valid snapshot for a hall board.
fn snapshot(seq: u64) -> ServerMsg {
    ServerMsg::Snapshot(Box::new(Snapshot {
        seq,
        at: START,
        identity: Identity::Display {
            name: "board".into(),
        },
        hall: HallInfo {
            start_on_call: false,
            name_zh: "测试大厅".into(),
            name_en: "Test hall".into(),
            time_zone: "Asia/Shanghai".into(),
            business_day: "2026-11-23".into(),
            issuing_open: true,
            hours_today: vec![],
            notices: vec![],
            requeue_limit_minutes: 30,
            requeue_behind: 3,
            priority_ratio: 3,
        },
        groups: vec![],
        services: vec![],
        windows: vec![],
        availability: vec![],
        recent_calls: vec![],
        open_tickets: vec![],
        display: None,
        ticket: None,
    }))
}

/// What the fake server does with the n-th connection (1-based) after reading its hello.
#[derive(Clone, Copy)]
enum Script {
    /// Send a snapshot, then say nothing and keep the socket open.
    SnapshotThenSilence,
    /// Refuse the first `n` hellos, then behave like `SnapshotThenSilence`.
    RefuseFirst(u32),
}

/// Starts the fake server; returns its WebSocket URL and a count of hellos received.
async fn fake_server(script: Script) -> (String, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}/api/v1/ws", listener.local_addr().expect("addr"));
    let hellos = Arc::new(AtomicU32::new(0));
    let count = hellos.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let count = count.clone();
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                let Some(Ok(Message::Text(hello))) = ws.next().await else {
                    return;
                };
                serde_json::from_str::<Hello>(&hello).expect("the client sends a Hello");
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                let refuse = matches!(script, Script::RefuseFirst(k) if n <= k);
                let msg = if refuse {
                    ServerMsg::Refused {
                        error: ApiError::new(ErrorCode::Unauthorized, "unknown device key"),
                    }
                } else {
                    snapshot(u64::from(n))
                };
                let text = serde_json::to_string(&msg).expect("json");
                let _ = ws.send(Message::text(text)).await;
                if refuse {
                    let _ = ws.close(None).await;
                    return;
                }
                // Silence: hold the socket open without reading or writing, as a dead link does.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                drop(ws);
            });
        }
    });
    (url, hellos)
}

fn state_updates(w: &Watcher) -> Vec<ConnectionState> {
    w.updates
        .iter()
        .filter_map(|u| match u {
            Update::State(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_link_is_detected_and_redialled() {
    let (url, hellos) = fake_server(Script::SnapshotThenSilence).await;
    let net = NetThread::start().expect("net");
    let mut config = ConnectionConfig::new(&url, Hello::Device { key: BOARD.into() });
    config.dead_link_timeout = Duration::from_secs(1);
    let mut w = Watcher::start(&net, config);
    w.until("connected", Duration::from_secs(5), |l| l.is_live())
        .await;
    let connected_at = w.live.connection().since();

    // Silence: nothing arrives, so nothing wakes the UI until the link is declared dead.
    let wakes = w.wakes();
    let quiet_until = connected_at + Duration::from_millis(800);
    tokio::time::sleep(quiet_until.saturating_duration_since(std::time::Instant::now())).await;
    let wakes_now = w.wakes();
    // The state changes before its wake: still connected now means no wake came from it.
    if w.conn.state().is_connected() {
        assert_eq!(
            wakes_now, wakes,
            "no wake without a message (no timer repaints)"
        );
    }

    w.until("reconnecting", Duration::from_secs(3), |l| {
        matches!(l.connection(), ConnectionState::Reconnecting { .. })
    })
    .await;
    let ConnectionState::Reconnecting { since, last_error } = w.live.connection().clone() else {
        unreachable!()
    };
    assert_eq!(last_error, LinkError::Silent);
    let silent_for = since - connected_at;
    assert!(
        silent_for >= Duration::from_millis(900) && silent_for <= Duration::from_secs(2),
        "reported {silent_for:?} after the last message; the timeout is 1 s"
    );

    // And it dials again by itself: a second hello, a second snapshot, connected again.
    w.until("connected again", Duration::from_secs(5), |l| {
        l.is_live() && l.seq() == 2
    })
    .await;
    assert_eq!(hellos.load(Ordering::SeqCst), 2);
    let states = state_updates(&w);
    assert!(
        matches!(
            states.as_slice(),
            [
                ConnectionState::Connected { .. },
                ConnectionState::Reconnecting { .. },
                ConnectionState::Connected { .. }
            ]
        ),
        "{states:?}"
    );
    // The snapshot comes before "connected", so a UI that shows "connected" has fresh state.
    let first_snapshot = w
        .updates
        .iter()
        .position(|u| matches!(u, Update::Snapshot { .. }))
        .expect("snapshot");
    let first_connected = w
        .updates
        .iter()
        .position(|u| matches!(u, Update::State(ConnectionState::Connected { .. })))
        .expect("connected");
    assert!(first_snapshot < first_connected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_client_retries_slowly_until_the_admin_fixes_it() {
    let (url, hellos) = fake_server(Script::RefuseFirst(2)).await;
    let net = NetThread::start().expect("net");
    let mut config = ConnectionConfig::new(&url, Hello::Device { key: BOARD.into() });
    config.refused_retry = Duration::from_millis(400);
    let started = std::time::Instant::now();
    let mut w = Watcher::start(&net, config);
    w.until("refused", Duration::from_secs(5), |l| {
        matches!(l.connection(), ConnectionState::Refused { .. })
    })
    .await;
    let ConnectionState::Refused { reason, .. } = w.live.connection() else {
        unreachable!()
    };
    assert_eq!(reason.code, ErrorCode::Unauthorized);
    w.until("accepted after the fix", Duration::from_secs(5), |l| {
        l.is_live()
    })
    .await;
    assert_eq!(
        hellos.load(Ordering::SeqCst),
        3,
        "two refusals, then accepted"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "two slow retries, not a hammering: {:?}",
        started.elapsed()
    );
    let states = state_updates(&w);
    assert!(
        matches!(
            states.as_slice(),
            [
                ConnectionState::Refused { .. },
                ConnectionState::Connected { .. }
            ]
        ),
        "{states:?}"
    );
}

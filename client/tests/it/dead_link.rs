//! Failures a real server does not produce on demand, from a tiny fake one: a link that goes silent
//! without closing (a pulled cable, a frozen switch), a refusal that an admin then fixes, and a staff
//! token refused for good (before or after the snapshot). Nothing here sleeps to show that something
//! did not happen: retries are counted (hellos at the server, the connection's attempts), and "it
//! never dials again" is shown by the connection's task having ended.

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
            notify: false,
            check_in: false,
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
    /// Send a snapshot, then refuse the socket, as the server does when a staff token expires or is
    /// revoked while its socket is open; every later hello is accepted.
    SnapshotThenRefuse,
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
                let refused = ServerMsg::Refused {
                    error: ApiError::new(ErrorCode::Unauthorized, "unknown or expired credentials"),
                };
                let refuse = matches!(script, Script::RefuseFirst(k) if n <= k);
                let msg = if refuse {
                    refused.clone()
                } else {
                    snapshot(u64::from(n))
                };
                let text = serde_json::to_string(&msg).expect("json");
                let _ = ws.send(Message::text(text)).await;
                if matches!(script, Script::SnapshotThenRefuse) && n == 1 {
                    let text = serde_json::to_string(&refused).expect("json");
                    let _ = ws.send(Message::text(text)).await;
                    let _ = ws.close(None).await;
                    return;
                }
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

    w.until("reconnecting", Duration::from_secs(30), |l| {
        matches!(l.connection(), ConnectionState::Reconnecting { .. })
    })
    .await;
    let ConnectionState::Reconnecting { since, last_error } = w.live.connection().clone() else {
        unreachable!()
    };
    assert_eq!(last_error, LinkError::Silent);
    // Never before the timeout: the silence timer starts after the snapshot has been handed over.
    let silent_for = since - connected_at;
    assert!(
        silent_for >= Duration::from_secs(1),
        "declared dead {silent_for:?} after the last message; the timeout is 1 s"
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
    // Nothing but an update wakes the UI: the silence itself (no message for a second) woke
    // nothing, so there are exactly as many wakes as updates. The wake follows its update, so
    // wait for the last one to be counted.
    let updates = w.updates.len();
    eventually(
        "one wake per update, and no other",
        Duration::from_secs(10),
        || (w.wakes() as usize == updates).then_some(()),
    )
    .await;
    assert_eq!(w.conn.attempts(), 2, "one dial per hello");
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
    let ConnectionState::Refused {
        reason, retrying, ..
    } = w.live.connection()
    else {
        unreachable!()
    };
    assert_eq!(reason.code, ErrorCode::Unauthorized);
    assert!(*retrying, "a device key may be fixed by an admin");
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

/// Waits until the connection has given up for good, then checks what the UI heard.
async fn stops_for_good(w: &mut Watcher, hellos: &AtomicU32) {
    w.until("sign in again", Duration::from_secs(30), |l| {
        l.connection().needs_sign_in()
    })
    .await;
    let ConnectionState::Refused { reason, .. } = w.live.connection() else {
        unreachable!()
    };
    assert_eq!(reason.code, ErrorCode::Unauthorized);
    eventually(
        "the connection's task to end",
        Duration::from_secs(10),
        || w.conn.is_stopped().then_some(()),
    )
    .await;
    // The task that would redial has ended: these counts are final.
    assert_eq!(w.conn.attempts(), 1, "never dialled again");
    assert_eq!(hellos.load(Ordering::SeqCst), 1);
    w.pump();
    assert!(w.live.connection().needs_sign_in());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_staff_token_stops_the_connection() {
    let (url, hellos) = fake_server(Script::RefuseFirst(u32::MAX)).await;
    let net = NetThread::start().expect("net");
    let mut config = ConnectionConfig::new(
        &url,
        Hello::Staff {
            token: "1001.staff.0.expired".into(),
        },
    );
    config.refused_retry = Duration::from_millis(10);
    let mut w = Watcher::start(&net, config);
    stops_for_good(&mut w, &hellos).await;
    let states = state_updates(&w);
    assert_eq!(states.len(), 1, "{states:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_socket_refused_after_its_snapshot_stops_too() {
    let (url, hellos) = fake_server(Script::SnapshotThenRefuse).await;
    let net = NetThread::start().expect("net");
    let mut config = ConnectionConfig::new(&url, Hello::Staff { token: "t".into() });
    config.refused_retry = Duration::from_millis(10);
    config.backoff_min = Duration::from_millis(10);
    let mut w = Watcher::start(&net, config);
    stops_for_good(&mut w, &hellos).await;
    let states = state_updates(&w);
    assert!(
        matches!(
            states.as_slice(),
            [
                ConnectionState::Connected { .. },
                ConnectionState::Refused {
                    retrying: false,
                    ..
                }
            ]
        ),
        "{states:?}"
    );
    assert!(w.live.has_snapshot(), "the last state stays shown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_refused_after_its_snapshot_keeps_trying() {
    let (url, hellos) = fake_server(Script::SnapshotThenRefuse).await;
    let net = NetThread::start().expect("net");
    let mut config = ConnectionConfig::new(&url, Hello::Device { key: BOARD.into() });
    config.refused_retry = Duration::from_millis(10);
    let mut w = Watcher::start(&net, config);
    w.until("connected again", Duration::from_secs(30), |l| {
        l.is_live() && l.seq() == 2
    })
    .await;
    assert_eq!(hellos.load(Ordering::SeqCst), 2);
    assert!(!w.conn.is_stopped());
}

//! A real qcall server on a chosen port (so it can come back on the same one), a client-side watcher
//! that feeds a `LiveState` from a `Connection`, and helpers to wait without sleeping blindly.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use qcall_client::connection::{Connection, ConnectionConfig, Update};
use qcall_client::live::LiveState;
use qcall_client::{NetThread, ServerAddr};
use qcall_protocol::*;
use qcall_server::clock::ManualClock;
use qcall_server::{HallConfig, Options};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

/// Demo hall credentials (public, see the README).
pub const KIOSK: &str = "demo-kiosk-1-key-0000";
pub const BOARD: &str = "demo-hall-board-key-0000";
pub const PASSWORD: &str = "demo-staff";
/// Monday 2026-11-23 10:00 in Shanghai; the demo hall is open around the clock anyway.
pub const START: Millis = 1_795_399_200_000;

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

pub fn addr(port: u16) -> ServerAddr {
    ServerAddr::parse(&format!("127.0.0.1:{port}")).expect("address")
}

/// The demo hall running in this process.
pub struct Server {
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Server {
    /// Starts the demo hall on `port` with the database in `dir`; retries the bind for a moment in
    /// case the previous server's socket is still being released.
    pub async fn start(port: u16, dir: &Path, clock: ManualClock) -> Server {
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                Ok(l) => break l,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("bind {port}: {e}; retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot bind {port}: {e}"),
            }
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let options = Options {
            db_path: dir.join("hall.db"),
            clock: Arc::new(clock),
        };
        let task = tokio::spawn(qcall_server::run(
            listener,
            HallConfig::demo(),
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        Server {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops gracefully (WebSockets closed, database closed) and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server ran cleanly");
        }
    }
}

/// Polls `f` until it returns `Some`, panicking with `what` after `timeout`.
pub async fn eventually<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What an app does with a connection: drain it into a `LiveState`, keep every update and every
/// new call, and count wakes.
pub struct Watcher {
    pub conn: Connection,
    pub live: LiveState,
    pub updates: Vec<Update>,
    pub new_calls: Vec<Call>,
    pub wakes: Arc<AtomicU32>,
}

impl Watcher {
    pub fn start(net: &NetThread, config: ConnectionConfig) -> Watcher {
        let wakes = Arc::new(AtomicU32::new(0));
        let counter = wakes.clone();
        let conn = Connection::start(
            net,
            config,
            Arc::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            }),
        );
        Watcher {
            conn,
            live: LiveState::new(),
            updates: Vec::new(),
            new_calls: Vec::new(),
            wakes,
        }
    }

    /// One UI frame: take what arrived.
    pub fn pump(&mut self) {
        for update in self.conn.drain().collect::<Vec<_>>() {
            let applied = self.live.apply(&update);
            self.new_calls.extend(applied.new_calls);
            self.updates.push(update);
        }
    }

    /// Pumps until the live state satisfies `pred`.
    pub async fn until(
        &mut self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&LiveState) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump();
            if pred(&self.live) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for {what}; connection {:?}",
                self.live.connection()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn wakes(&self) -> u32 {
        self.wakes.load(Ordering::SeqCst)
    }
}

/// A snapshot straight from the server, over a WebSocket of its own.
pub async fn fresh_snapshot(ws_url: &str, hello: &Hello) -> Snapshot {
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("ws connect");
    socket
        .send(Message::text(serde_json::to_string(hello).expect("hello")))
        .await
        .expect("send hello");
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("open")
            .expect("ok");
        if let Message::Text(text) = msg {
            match serde_json::from_str::<ServerMsg>(&text).expect("ServerMsg") {
                ServerMsg::Snapshot(s) => {
                    let _ = socket.close(None).await;
                    return *s;
                }
                other => panic!("expected a snapshot, got {other:?}"),
            }
        }
    }
}

/// Everything of a snapshot that describes the hall (not when it was taken).
pub fn view(s: &Snapshot) -> Snapshot {
    Snapshot {
        seq: 0,
        at: 0,
        ..s.clone()
    }
}

/// A ticket request for one touch.
pub fn issue(service: &str) -> IssueRequest {
    IssueRequest {
        notify: false,
        request_id: qcall_client::RequestId::new().into(),
        service_id: service.into(),
        class: TicketClass::Normal,
        citizen_id: None,
        phone: None,
        helper: None,
    }
}

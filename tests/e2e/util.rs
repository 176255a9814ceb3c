//! The hall of the end-to-end day: the demo hall's server in this process on a real port with a
//! manual clock, and the parties that watch it over real WebSockets through each app's own model.

use std::sync::Arc;
use std::time::{Duration, Instant};

use qcall_client::{Connection, ConnectionConfig, NetThread, ServerAddr, Update};
use qcall_protocol::{Call, Hello, Millis};
use qcall_server::clock::ManualClock;
use qcall_server::{HallConfig, Options};
use tokio::sync::oneshot;

/// Milliseconds of a Shanghai local time `YYYY-MM-DDTHH:MM`.
pub fn at(local: &str) -> Millis {
    let dt: jiff::civil::DateTime = local.parse().expect("datetime");
    dt.to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").expect("tz"))
        .expect("zoned")
        .timestamp()
        .as_millisecond()
}

/// The demo hall's server (or another hall's) on a fixed local port, stoppable and restartable on
/// the same database.
pub struct Server {
    pub rt: tokio::runtime::Runtime,
    pub clock: ManualClock,
    config: HallConfig,
    pub port: u16,
    pub dir: tempfile::TempDir,
    running: Option<(
        oneshot::Sender<()>,
        tokio::task::JoinHandle<anyhow::Result<()>>,
    )>,
}

impl Server {
    /// Starts the demo hall at `now` on a free port with a fresh database.
    pub fn start(now: Millis) -> Server {
        Server::start_hall(HallConfig::demo(), now)
    }

    /// Starts `config`'s hall at `now` on a free port with a fresh database.
    pub fn start_hall(config: HallConfig, now: Millis) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let mut server = Server {
            rt,
            clock: ManualClock::new(now),
            config,
            port,
            dir: tempfile::tempdir().expect("tmp"),
            running: None,
        };
        server.up();
        server
    }

    /// The server's address, as the apps take it.
    pub fn addr(&self) -> ServerAddr {
        ServerAddr::parse(&format!("http://127.0.0.1:{}", self.port)).expect("address")
    }

    /// (Re)starts it on the same port and database.
    pub fn up(&mut self) {
        assert!(self.running.is_none(), "already running");
        let addr = format!("127.0.0.1:{}", self.port);
        let listener = self.rt.block_on(async {
            // The old socket may linger for a moment after a stop.
            let started = Instant::now();
            loop {
                match tokio::net::TcpListener::bind(&addr).await {
                    Ok(l) => return l,
                    Err(e) if started.elapsed() < Duration::from_secs(10) => {
                        let _ = e;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(e) => panic!("cannot bind {addr} again: {e}"),
                }
            }
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let options = Options {
            db_path: self.dir.path().join("hall.db"),
            clock: Arc::new(self.clock.clone()),
        };
        let task = self.rt.spawn(qcall_server::run(
            listener,
            self.config.clone(),
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        self.running = Some((stop, task));
    }

    /// Stops it gracefully and waits until the database is closed.
    pub fn down(&mut self) {
        let (stop, task) = self.running.take().expect("running");
        let _ = stop.send(());
        self.rt
            .block_on(task)
            .expect("server task")
            .expect("the server ran cleanly");
    }
}

/// A device watching the hall (kiosk, board, window screen) through its own model.
pub struct Watcher<M> {
    pub conn: Connection,
    pub model: M,
}

impl<M> Watcher<M> {
    /// Connects with a device key; updates go to `apply`.
    pub fn device(net: &NetThread, server: &ServerAddr, key: &str, model: M) -> Watcher<M> {
        let config = ConnectionConfig {
            // Quick redials: the test restarts the server.
            backoff_min: Duration::from_millis(50),
            backoff_max: Duration::from_millis(200),
            ..ConnectionConfig::new(server.ws_url(), Hello::Device { key: key.into() })
        };
        Watcher {
            conn: Connection::start(net, config, Arc::new(|| {})),
            model,
        }
    }

    /// Every update that arrived.
    pub fn drain(&self) -> Vec<Update> {
        self.conn.drain().collect()
    }
}

/// What the hall board said, in order: one line per spoken call, from the display's own composer.
#[derive(Debug, Default)]
pub struct Announcements {
    pub spoken: Vec<(u64, String)>,
}

impl Announcements {
    /// Hands the new calls of one update to the voice, as the board's player does: oldest call
    /// first, only those newer than 60 s (R16), composed with the hall's display settings.
    pub fn hear(&mut self, calls: &[Call], server_now: Millis, board: &qcall_display::Model) {
        let settings = board.live().display().cloned().expect("display settings");
        let (composer, _problems) = qcall_display::announce::Composer::new(
            &settings,
            &[
                qcall_display::announce::Lang::Zh,
                qcall_display::announce::Lang::En,
            ],
        );
        let mut calls = calls.to_vec();
        calls.sort_by_key(|c| c.call_id);
        for call in calls {
            if qcall_display::player::should_speak(call.at, server_now) {
                let pieces = composer.compose_call(&call).expect("compose");
                self.spoken
                    .push((call.call_id, qcall_display::announce::describe(&pieces)));
            }
        }
    }
}

/// Polls `step` every 10 ms until it returns true; panics with `what` after 15 s.
pub fn until(what: &str, mut step: impl FnMut() -> bool) {
    let started = Instant::now();
    while !step() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

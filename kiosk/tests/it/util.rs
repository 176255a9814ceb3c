//! A real qcall server in this process (its own tokio runtime, a temporary database, a manual
//! clock) and a kiosk driven through `egui_kittest`, frame by frame, exactly as eframe drives it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use qcall_client::{ClientArgs, Settings};
use qcall_kiosk::{KioskApp, KioskConfig, Model};
use qcall_protocol::Millis;
use qcall_server::clock::ManualClock;
use qcall_server::{HallConfig, Options};
use tokio::sync::oneshot;

/// The demo hall's kiosk key (public, see the README).
pub(crate) const KIOSK: &str = "demo-kiosk-1-key-0000";
/// Monday 2026-11-23 10:00 in Shanghai; the demo hall is open around the clock anyway.
pub(crate) const START: Millis = 1_795_399_200_000;
/// The screen size of the snapshots: a portrait kiosk at half resolution.
pub(crate) const SIZE: [f32; 2] = [720.0, 1280.0];

/// The demo hall's TOML, changed by `edit` (e.g. a daily cap of 1, no rate limit).
pub(crate) fn demo_toml(edit: impl Fn(String) -> String) -> HallConfig {
    let text = edit(include_str!("../../../server/demo-hall.toml").to_string());
    HallConfig::parse(&text, "test-hall.toml").expect("valid hall config")
}

/// A server on 127.0.0.1 in this process.
pub(crate) struct Hall {
    pub(crate) port: u16,
    pub(crate) dir: tempfile::TempDir,
    config: HallConfig,
    clock: ManualClock,
    runtime: tokio::runtime::Runtime,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Hall {
    /// The demo hall.
    pub(crate) fn demo() -> Hall {
        Hall::start(HallConfig::demo())
    }

    /// `config` on a free port.
    pub(crate) fn start(config: HallConfig) -> Hall {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let mut hall = Hall {
            port: 0,
            dir: tempfile::tempdir().expect("temp dir"),
            config,
            clock: ManualClock::new(START),
            runtime,
            stop: None,
            task: None,
        };
        hall.restart();
        hall
    }

    /// (Re)starts the server on its port (a free one the first time) and database.
    pub(crate) fn restart(&mut self) {
        let port = self.port;
        let listener = self.runtime.block_on(async move {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => break l,
                    Err(e) if Instant::now() < deadline => {
                        eprintln!("bind {port}: {e}; retrying");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(e) => panic!("cannot bind {port}: {e}"),
                }
            }
        });
        self.port = listener.local_addr().expect("addr").port();
        let (stop, stopped) = oneshot::channel::<()>();
        let options = Options {
            db_path: self.dir.path().join("hall.db"),
            clock: Arc::new(self.clock.clone()),
        };
        self.task = Some(self.runtime.spawn(qcall_server::run(
            listener,
            self.config.clone(),
            options,
            async move {
                let _ = stopped.await;
            },
        )));
        self.stop = Some(stop);
    }

    /// Stops the server and waits until it is gone.
    pub(crate) fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            self.runtime
                .block_on(task)
                .expect("server task")
                .expect("server ran cleanly");
        }
    }

    /// The server's address.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Signs staff `staff_no` (password `demo-staff`) in at `window`, as the caller app would.
    pub(crate) fn sign_in(&self, staff_no: &str, window: u32) {
        self.act(staff_no, window, qcall_client::WindowAction::SignIn);
    }

    /// Logs staff `staff_no` in and sends `action` at `window`, as the caller app would.
    pub(crate) fn act(
        &self,
        staff_no: &str,
        window: u32,
        action: qcall_client::WindowAction,
    ) -> qcall_protocol::ActionResponse {
        let addr = qcall_client::ServerAddr::parse(&self.url()).expect("address");
        let rest = qcall_client::RestClient::new(&addr).expect("client");
        self.runtime.block_on(async {
            let login = rest.login(staff_no, "demo-staff").await.expect("login");
            rest.with_bearer(login.token)
                .window_action(window, &action, &qcall_client::RequestId::new())
                .await
                .expect("window action")
        })
    }

    /// Books `service` at `slot` (`HH:MM`) on `date` over the public route, as a citizen's phone
    /// does; returns the booking.
    pub(crate) fn book(&self, service: &str, date: &str, slot: &str) -> qcall_protocol::Booking {
        let url = format!("{}/api/v1/public/bookings", self.url());
        let body = serde_json::json!({
            "service_id": service, "date": date, "slot": slot,
            "name": "张三", "phone": "13800138000", "citizen_id": "11010519491231002X",
        });
        self.runtime.block_on(async move {
            let answer: qcall_protocol::BookingResponse = reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("book")
                .json()
                .await
                .expect("a booking");
            answer.booking
        })
    }

    /// Calls the next ticket at `window` as staff `staff_no` (signed in there): the number called.
    pub(crate) fn call_next(&self, staff_no: &str, window: u32) -> Option<String> {
        self.act(staff_no, window, qcall_client::WindowAction::CallNext)
            .ticket
            .map(|t| t.number)
    }

    /// Kiosk settings for this server, printing to `file:` in `dir` unless `printer` says otherwise.
    pub(crate) fn kiosk_config(&self, dir: &Path, extra: &str) -> KioskConfig {
        kiosk_config(&self.url(), dir, extra)
    }
}

/// Kiosk settings for the server at `url`, printing to `file:` in `dir`.
pub(crate) fn kiosk_config(url: &str, dir: &Path, extra: &str) -> KioskConfig {
    let text = format!(
        "server = \"{url}\"\nkey = \"{KIOSK}\"\n[printer]\ndestination = \"file:{}\"\n{extra}",
        dir.join("slips.bin").display()
    );
    let settings = Settings::merge(
        &ClientArgs::default(),
        Some((&text, Path::new("kiosk.toml"))),
    )
    .expect("settings");
    KioskConfig::from_settings(&settings).expect("kiosk config")
}

impl Drop for Hall {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A kiosk of `hall` in a test harness of [`SIZE`].
pub(crate) fn kiosk(config: KioskConfig) -> Harness<'static, KioskApp> {
    kiosk_sized(config, SIZE)
}

/// A kiosk of `hall` on a screen of `size` points.
pub(crate) fn kiosk_sized(config: KioskConfig, size: [f32; 2]) -> Harness<'static, KioskApp> {
    let app = KioskApp::start(config).expect("kiosk starts");
    Harness::builder()
        .with_size(size)
        .with_context_setup(qcall_client::ui::install_fonts)
        .build_ui_state(|ui, app: &mut KioskApp| app.frame(ui), app)
}

/// Steps frames until `pred` holds for the model, panicking with `what` after 15 s.
pub(crate) fn until(
    harness: &mut Harness<'_, KioskApp>,
    what: &str,
    pred: impl Fn(&Model) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        harness.step();
        if pred(&harness.state().model) {
            // The screen shows what the model says once its layout has settled.
            settle(harness);
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; connection {:?}",
            harness.state().model.connection()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A TCP proxy in front of the server that can lose answers: the next `n` answers to
/// `POST /api/v1/tickets` reach the server (which acts on them) but never the kiosk, whose
/// connection is closed instead, as when a network drops an answer. Everything else (the
/// WebSocket, other requests) passes through untouched.
pub(crate) struct LossyProxy {
    pub(crate) port: u16,
    lose: Arc<AtomicUsize>,
    lost: Arc<AtomicUsize>,
}

impl LossyProxy {
    /// A proxy to `127.0.0.1:upstream` on a free port.
    pub(crate) fn start(upstream: u16) -> LossyProxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (lose, lost) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (lose2, lost2) = (lose.clone(), lost.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let swallow = Arc::new(AtomicBool::new(false));
                let (c, s) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                let (lose, lost, sw) = (lose2.clone(), lost2.clone(), swallow.clone());
                // Kiosk → server: note an issue request before passing it on, so that its answer
                // is known to be lost before it can come back.
                std::thread::spawn(move || {
                    pipe(c, s, |chunk| {
                        let issue = chunk.windows(20).any(|w| w == b"POST /api/v1/tickets");
                        if issue
                            && lose
                                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                                    n.checked_sub(1)
                                })
                                .is_ok()
                        {
                            lost.fetch_add(1, Ordering::SeqCst);
                            sw.store(true, Ordering::SeqCst);
                        }
                        true
                    })
                });
                // Server → kiosk: a lost answer is dropped, and the kiosk's connection with it.
                std::thread::spawn(move || {
                    let client_end = client.try_clone().expect("clone");
                    pipe(server, client, move |_| {
                        if swallow.load(Ordering::SeqCst) {
                            let _ = client_end.shutdown(std::net::Shutdown::Both);
                            return false;
                        }
                        true
                    })
                });
            }
        });
        LossyProxy { port, lose, lost }
    }

    /// Loses the next `n` answers to an issue request.
    pub(crate) fn lose_answers(&self, n: usize) {
        self.lose.store(n, Ordering::SeqCst);
    }

    /// How many answers were lost so far.
    pub(crate) fn lost(&self) -> usize {
        self.lost.load(Ordering::SeqCst)
    }

    /// The proxy's address, for the kiosk's `server`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Copies `from` to `to` while `pass` says the chunk may go on.
fn pipe(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    mut pass: impl FnMut(&[u8]) -> bool,
) {
    use std::io::{Read, Write};
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if !pass(&buf[..n]) || to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

/// Whether a widget with exactly this label is on screen.
pub(crate) fn shows(harness: &Harness<'_, KioskApp>, label: &str) -> bool {
    use egui_kittest::kittest::Queryable;
    harness.query_by_label(label).is_some()
}

/// Clicks the widget with exactly this label, runs the frame that sees the click and lets the
/// next screen settle.
pub(crate) fn click(harness: &mut Harness<'_, KioskApp>, label: &str) {
    use egui_kittest::kittest::Queryable;
    harness.get_by_label(label).click();
    harness.step();
    settle(harness);
}

/// Steps frames until two in a row draw the same shapes in the same places (at most 30): a panel
/// takes its size from the frames before, and a touch must land where the citizen sees the button.
pub(crate) fn settle(harness: &mut Harness<'_, KioskApp>) {
    let layout = |harness: &Harness<'_, KioskApp>| -> Vec<[u32; 4]> {
        harness
            .output()
            .shapes
            .iter()
            .map(|s| s.shape.visual_bounding_rect())
            .filter(|r| r.is_finite())
            .map(|r| [r.min.x, r.min.y, r.max.x, r.max.y].map(f32::to_bits))
            .collect()
    };
    let mut last = layout(harness);
    for _ in 0..30 {
        harness.step();
        let now = layout(harness);
        if now == last {
            return;
        }
        last = now;
    }
}

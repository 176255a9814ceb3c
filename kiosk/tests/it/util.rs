//! A real qcall server in this process (its own tokio runtime, a temporary database, a manual
//! clock) and a kiosk driven through `egui_kittest`, frame by frame, exactly as eframe drives it.

use std::path::Path;
use std::sync::Arc;
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

    /// Kiosk settings for this server, printing to `file:` in `dir` unless `printer` says otherwise.
    pub(crate) fn kiosk_config(&self, dir: &Path, extra: &str) -> KioskConfig {
        let text = format!(
            "server = \"{}\"\nkey = \"{KIOSK}\"\n[printer]\ndestination = \"file:{}\"\n{extra}",
            self.url(),
            dir.join("slips.bin").display()
        );
        let settings = Settings::merge(
            &ClientArgs::default(),
            Some((&text, Path::new("kiosk.toml"))),
        )
        .expect("settings");
        KioskConfig::from_settings(&settings).expect("kiosk config")
    }
}

impl Drop for Hall {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A kiosk of `hall` in a test harness of [`SIZE`].
pub(crate) fn kiosk(config: KioskConfig) -> Harness<'static, KioskApp> {
    let app = KioskApp::start(config).expect("kiosk starts");
    Harness::builder()
        .with_size(SIZE)
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
            // One more frame so the screen shows what the model says.
            harness.step();
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

/// Whether a widget with exactly this label is on screen.
pub(crate) fn shows(harness: &Harness<'_, KioskApp>, label: &str) -> bool {
    use egui_kittest::kittest::Queryable;
    harness.query_by_label(label).is_some()
}

/// Clicks the widget with exactly this label and runs the frame that sees the click.
pub(crate) fn click(harness: &mut Harness<'_, KioskApp>, label: &str) {
    use egui_kittest::kittest::Queryable;
    harness.get_by_label(label).click();
    harness.step();
    harness.step();
}

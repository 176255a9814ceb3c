//! A real demo hall on 127.0.0.1 (in-process `qcall_server::run`, temporary database, manual
//! clock), REST helpers for staff and kiosk, and a display under an `egui_kittest` harness.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use qcall_client::{RequestId, RestClient, ServerAddr, WindowAction};
use qcall_display::{DisplayApp, DisplayOptions, Screen, Voice};
use qcall_protocol::{IssueRequest, Millis, TicketClass, WindowNo};
use qcall_server::clock::ManualClock;
use qcall_server::{HallConfig, Options};
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

/// Demo hall credentials (public, see the README).
pub(crate) const KIOSK: &str = "demo-kiosk-1-key-0000";
pub(crate) const BOARD: &str = "demo-hall-board-key-0000";
pub(crate) const WINDOW_1: &str = "demo-window-1-key-0000";
pub(crate) const PAD_1: &str = "demo-rating-pad-1-key-0000";
pub(crate) const PASSWORD: &str = "demo-staff";
/// Monday 2026-11-23 10:00 in Shanghai.
pub(crate) const START: Millis = 1_795_399_200_000;
/// How long a test waits for the screen to show something.
pub(crate) const WAIT: Duration = Duration::from_secs(15);

/// The demo hall, served from this process on its own runtime.
pub(crate) struct Hall {
    pub(crate) rt: Runtime,
    pub(crate) port: u16,
    /// The server's clock, kept across restarts; tests move it forward.
    pub(crate) clock: Arc<ManualClock>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    dir: tempfile::TempDir,
}

impl Hall {
    pub(crate) fn start() -> Hall {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("tmp");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut hall = Hall {
            rt,
            port,
            clock: Arc::new(ManualClock::new(START)),
            stop: None,
            task: None,
            dir,
        };
        hall.serve();
        hall
    }

    /// (Re)starts the server on the same port and database.
    pub(crate) fn serve(&mut self) {
        let port = self.port;
        let db = self.dir.path().join("hall.db");
        let (stop, stopped) = oneshot::channel::<()>();
        let listener = self.rt.block_on(async move {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(listener) => break listener,
                    Err(e) if Instant::now() < deadline => {
                        eprintln!("bind {port}: {e}; retrying");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(e) => panic!("cannot bind {port}: {e}"),
                }
            }
        });
        let options = Options {
            db_path: db,
            clock: self.clock.clone(),
        };
        let task = self.rt.spawn(qcall_server::run(
            listener,
            HallConfig::demo(),
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        self.stop = Some(stop);
        self.task = Some(task);
    }

    /// Stops the server gracefully and waits for it.
    pub(crate) fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            self.rt
                .block_on(task)
                .expect("server task")
                .expect("server ran cleanly");
        }
    }

    pub(crate) fn addr(&self) -> ServerAddr {
        ServerAddr::parse(&format!("127.0.0.1:{}", self.port)).expect("address")
    }

    pub(crate) fn rest(&self) -> RestClient {
        RestClient::new(&self.addr()).expect("rest")
    }

    /// Staff `staff_no` logged in and signed in at `window`.
    pub(crate) fn staff_at(&self, staff_no: &str, window: WindowNo) -> RestClient {
        let rest = self.rest();
        let login = self
            .rt
            .block_on(rest.login(staff_no, PASSWORD))
            .expect("login");
        let staff = rest.with_bearer(login.token);
        self.act(&staff, window, WindowAction::SignIn);
        staff
    }

    pub(crate) fn act(&self, staff: &RestClient, window: WindowNo, action: WindowAction) {
        self.rt
            .block_on(staff.window_action(window, &action, &RequestId::new()))
            .unwrap_or_else(|e| panic!("{action:?} at window {window}: {e:?}"));
    }

    /// The manager replaces the marquee notices (`PUT /notices`; the client kit has no call for
    /// it, so plain HTTP/1.1 over TCP).
    pub(crate) fn set_notices(&self, notices: &[&str]) {
        use std::io::{Read as _, Write as _};
        let login = self
            .rt
            .block_on(self.rest().login("9001", "demo-manager"))
            .expect("manager login");
        let lines: Vec<String> = notices.iter().map(|n| format!("{n:?}")).collect();
        let body = format!("{{\"notices\":[{}]}}", lines.join(","));
        let mut tcp = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        write!(
            tcp,
            "PUT /api/v1/notices HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            login.token,
            body.len()
        )
        .expect("send");
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).expect("answer");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    /// A ticket from the kiosk; returns its number.
    pub(crate) fn issue(&self, service: &str) -> String {
        let kiosk = self.rest().with_bearer(KIOSK);
        let request = IssueRequest {
            notify: false,
            request_id: RequestId::new().into(),
            service_id: service.into(),
            class: TicketClass::Normal,
            citizen_id: None,
            phone: None,
            helper: None,
        };
        self.rt
            .block_on(kiosk.issue(&request))
            .expect("issue")
            .ticket
            .number
    }
}

impl Drop for Hall {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A silent display with `key` (and an optional `--mode`) under a harness of `size`.
pub(crate) fn display(
    hall: &Hall,
    key: &str,
    screen: Option<Screen>,
    size: egui::Vec2,
) -> Harness<'static, Option<DisplayApp>> {
    display_with_voice(hall, key, screen, size, None)
}

/// A display with `key`, an optional `--mode` and an optional voice, under a harness of `size`.
pub(crate) fn display_with_voice(
    hall: &Hall,
    key: &str,
    screen: Option<Screen>,
    size: egui::Vec2,
    voice: Option<Voice>,
) -> Harness<'static, Option<DisplayApp>> {
    let mut options = Some(DisplayOptions {
        server: hall.addr(),
        key: key.into(),
        lang: qcall_client::Lang::Zh,
        screen,
        layout: None,
        marquee: qcall_display::view::MarqueePlace::Inline,
        silent: voice.is_none(),
        voice,
    });
    Harness::builder().with_size(size).build_ui_state(
        move |ui, app: &mut Option<DisplayApp>| {
            let app = app.get_or_insert_with(|| {
                DisplayApp::new(ui.ctx(), options.take().expect("options once"))
                    .expect("display starts")
            });
            app.pump();
            app.show(ui);
        },
        None,
    )
}

/// Steps the harness (as frames would come) until `done` holds for the app, or panics naming
/// `what`.
pub(crate) fn until(
    harness: &mut Harness<'static, Option<DisplayApp>>,
    what: &str,
    done: impl Fn(&DisplayApp) -> bool,
) {
    let deadline = Instant::now() + WAIT;
    loop {
        harness.step();
        if harness.state().as_ref().is_some_and(&done) {
            // One more frame so the view shows what the model has.
            harness.step();
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {WAIT:?} waiting for {what}; model {:?}",
            harness.state().as_ref().map(|a| a.model())
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

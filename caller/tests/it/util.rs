//! A real demo hall in this process (own thread, own tokio runtime, temporary database, manual
//! clock), kiosks that issue tickets over REST, and caller apps in kittest harnesses.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use qcall_caller::{AppConfig, CallerApp, Screen};
use qcall_client::{Lang, RequestId, RestClient, ServerAddr, WindowAction};
use qcall_protocol::*;
use qcall_server::clock::ManualClock;
use qcall_server::{HallConfig, Options};

/// Demo hall credentials (public, see the README).
pub const KIOSK: &str = "demo-kiosk-1-key-0000";
pub const PASSWORD: &str = "demo-staff";
/// Monday 2026-11-23 10:00 in Shanghai.
pub const START: Millis = 1_795_399_200_000;
/// Screen size of the window PCs.
pub const SIZE: [f32; 2] = [1280.0, 800.0];

/// The demo hall, stopped when dropped. It can be stopped and started again on the same
/// database and port, as after a power cut.
pub struct Hall {
    pub addr: ServerAddr,
    pub clock: ManualClock,
    local: std::net::SocketAddr,
    server: Option<Server>,
    kiosk: RestClient,
    rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
}

/// One run of the server on its own thread.
struct Server {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Server {
    /// Serves `config` from `db` on `bind`; returns once it listens, with its address.
    fn start(
        config: HallConfig,
        db: std::path::PathBuf,
        clock: &ManualClock,
        bind: std::net::SocketAddr,
    ) -> (Server, std::net::SocketAddr) {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let options = Options {
            db_path: db,
            clock: Arc::new(clock.clone()),
        };
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                // The port of the previous run may take a moment to be free again.
                let deadline = Instant::now() + Duration::from_secs(10);
                let listener = loop {
                    match tokio::net::TcpListener::bind(bind).await {
                        Ok(l) => break l,
                        Err(e) if Instant::now() < deadline => {
                            let _ = e;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Err(e) => panic!("bind {bind}: {e}"),
                    }
                };
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send");
                qcall_server::run(listener, config, options, async move {
                    let _ = stopped.await;
                })
                .await
                .expect("server ran cleanly");
            });
        });
        let local = addr_rx
            .recv_timeout(Duration::from_secs(15))
            .expect("server listening");
        (Server { stop, thread }, local)
    }

    fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

/// The demo hall's config with `rules.start_on_call` on: a call also starts service (C4).
pub fn starting_on_call() -> HallConfig {
    let src = include_str!("../../../server/demo-hall.toml");
    assert!(
        src.contains("start_on_call = false"),
        "the demo hall names the rule"
    );
    HallConfig::parse(
        &src.replace("start_on_call = false", "start_on_call = true"),
        "demo-hall.toml (start_on_call)",
    )
    .expect("valid")
}

impl Hall {
    /// The built-in demo hall.
    pub fn start() -> Hall {
        Hall::start_with(HallConfig::demo())
    }

    /// Another hall config (restarts serve the demo hall).
    pub fn start_with(config: HallConfig) -> Hall {
        let dir = tempfile::tempdir().expect("tmp");
        let clock = ManualClock::new(START);
        let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("address");
        let (server, local) = Server::start(config, dir.path().join("hall.db"), &clock, any);
        let addr = ServerAddr::parse(&format!("http://{local}")).expect("address");
        let kiosk = RestClient::new(&addr).expect("client").with_bearer(KIOSK);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Hall {
            addr,
            clock,
            local,
            server: Some(server),
            kiosk,
            rt,
            dir,
        }
    }

    /// Stops the server (graceful shutdown: WebSockets closed, database closed).
    pub fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
    }

    /// Starts the server again on the same database and port.
    pub fn restart(&mut self) {
        self.stop();
        let (server, local) = Server::start(
            HallConfig::demo(),
            self.dir.path().join("hall.db"),
            &self.clock,
            self.local,
        );
        assert_eq!(local, self.local);
        self.server = Some(server);
    }

    /// A citizen takes a ticket for `service` at the kiosk.
    pub fn issue(&self, service: &str) -> IssueResponse {
        let request = IssueRequest {
            notify: false,
            request_id: RequestId::new().into(),
            service_id: service.into(),
            class: TicketClass::Normal,
            citizen_id: None,
            phone: None,
            helper: None,
        };
        loop {
            match self.rt.block_on(self.kiosk.issue(&request)) {
                Ok(issued) => return issued,
                // The kiosk's rate limit (10 in a burst, then one a second): let a second pass.
                Err(e) if e.code() == Some(ErrorCode::RateLimited) => self.clock.advance_ms(1000),
                Err(e) => panic!("ticket not issued: {e}"),
            }
        }
    }

    /// The rating pad of window 1 (the demo hall's) rates leg 0 of `ticket_id`.
    pub fn rate_at_pad(
        &self,
        ticket_id: TicketId,
        level: qcall_protocol::RatingLevel,
        reasons: Vec<qcall_protocol::RatingReason>,
    ) -> qcall_protocol::Rating {
        let pad = RestClient::new(&self.addr)
            .expect("client")
            .with_bearer("demo-rating-pad-1-key-0000");
        let request = qcall_protocol::RatingRequest {
            request_id: RequestId::new().into(),
            ticket_id,
            leg: 0,
            level,
            reasons,
            text: None,
        };
        self.rt
            .block_on(pad.rate_at_pad(&request))
            .expect("rated at the pad")
    }

    /// A ticket as the server has it now.
    pub fn ticket(&self, staff_token: &str, id: TicketId) -> Ticket {
        let client = RestClient::new(&self.addr)
            .expect("client")
            .with_bearer(staff_token);
        self.rt.block_on(client.ticket(id)).expect("ticket")
    }
}

impl Drop for Hall {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A caller app (login screen) in a harness, its fonts and look set like the real app.
pub fn caller(hall: &Hall) -> Harness<'static, CallerApp> {
    caller_with(config(hall))
}

/// How [`caller`] starts the app: the hall's server, Chinese, nothing remembered.
pub fn config(hall: &Hall) -> AppConfig {
    AppConfig {
        server: hall.addr.clone(),
        lang: Lang::Zh,
        staff_no: None,
        state_file: None,
        remembered: Default::default(),
        window: None,
        password: None,
    }
}

/// A caller app started with `config`, in a harness.
pub fn caller_with(config: AppConfig) -> Harness<'static, CallerApp> {
    let app = CallerApp::new(config, qcall_client::no_wake()).expect("app");
    Harness::builder()
        .with_size(SIZE)
        .with_theme(egui::Theme::Light)
        .with_render_cursor(false)
        .with_context_setup(CallerApp::setup)
        .build_ui_state(
            |ui, app: &mut CallerApp| {
                app.pump();
                app.show(ui);
            },
            app,
        )
}

/// Steps the harness until `pred` holds (10 s at most).
#[track_caller]
pub fn wait(h: &mut Harness<'static, CallerApp>, what: &str, pred: impl Fn(&CallerApp) -> bool) {
    wait_for(h, Duration::from_secs(10), what, pred);
}

/// Steps the harness until `pred` holds (`limit` at most).
#[track_caller]
pub fn wait_for(
    h: &mut Harness<'static, CallerApp>,
    limit: Duration,
    what: &str,
    pred: impl Fn(&CallerApp) -> bool,
) {
    let deadline = Instant::now() + limit;
    loop {
        h.step();
        if pred(h.state()) {
            // One more frame so the screen shows what the model has.
            h.step();
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; message {:?}, connection {:?}",
            h.state().model.message,
            h.state().model.live.connection()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Waits until no action is on its way.
#[track_caller]
pub fn settle(h: &mut Harness<'static, CallerApp>) {
    wait(h, "the action's answer", |app| app.model.pending.is_none());
}

/// Types into a labelled field.
pub fn type_into(h: &mut Harness<'static, CallerApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.get_by_label(label).type_text(text);
    h.step();
}

/// Logs in as `staff_no` through the login screen and signs in at `window` by clicking it.
pub fn sign_in(h: &mut Harness<'static, CallerApp>, staff_no: &str, window: WindowNo) {
    type_into(h, "工号", staff_no);
    type_into(h, "密码", PASSWORD);
    h.get_by_label("登录").click();
    wait(h, "the window choice", |app| {
        app.model.screen == Screen::ChooseWindow && app.model.live.is_live()
    });
    let label = format!("{window}号窗口");
    h.get_by_label_contains(&label).click();
    wait(h, "the main screen", |app| {
        app.model.screen == Screen::Main && app.model.preview.is_some() && app.model.today.is_some()
    });
}

/// The window's current ticket number, if any.
pub fn current(app: &CallerApp) -> Option<String> {
    app.model.current().map(|c| c.number)
}

/// Presses an F-key once (down and up).
pub fn press(h: &mut Harness<'static, CallerApp>, key: egui::Key) {
    h.key_press(key);
    // Down and up, then a frame that draws what the press opened (a dialog).
    h.step();
    h.step();
    h.step();
}

/// The staff token of the app (for REST checks).
pub fn token(app: &CallerApp) -> String {
    app.model
        .session
        .as_ref()
        .map(|s| s.token.clone())
        .expect("logged in")
}

impl Hall {
    /// A staff member logged in over REST and signed in at `window`: another window's caller.
    pub fn staff_at(&self, staff_no: &str, window: WindowNo) -> RestClient {
        let rest = RestClient::new(&self.addr).expect("client");
        let login = self
            .rt
            .block_on(rest.login(staff_no, PASSWORD))
            .expect("login");
        let rest = rest.with_bearer(login.token);
        self.act(&rest, window, WindowAction::SignIn);
        rest
    }

    /// One window action over REST.
    pub fn act(&self, rest: &RestClient, window: WindowNo, action: WindowAction) -> ActionResponse {
        self.rt
            .block_on(rest.window_action(window, &action, &RequestId::new()))
            .expect("action")
    }

    /// A window as the server has it now, read with the kiosk's key (staff tokens end at sign-out).
    pub fn window_now(&self, n: WindowNo) -> WindowView {
        self.rt
            .block_on(self.kiosk.windows())
            .expect("windows")
            .into_iter()
            .find(|w| w.number == n)
            .expect("window")
    }

    /// The bookings of a date, read with a staff token.
    pub fn bookings(&self, staff_token: &str, date: &str) -> qcall_protocol::BookingsResponse {
        let client = RestClient::new(&self.addr)
            .expect("client")
            .with_bearer(staff_token);
        self.rt.block_on(client.bookings(date)).expect("bookings")
    }

    /// Whether the server still takes this staff token.
    pub fn token_works(&self, staff_token: &str) -> bool {
        let client = RestClient::new(&self.addr)
            .expect("client")
            .with_bearer(staff_token);
        match self.rt.block_on(client.windows()) {
            Ok(_) => true,
            Err(e) if e.credential_refused() => false,
            Err(e) => panic!("neither taken nor refused: {e}"),
        }
    }

    /// A window as the server has it now.
    pub fn window(&self, staff_token: &str, n: WindowNo) -> WindowView {
        let client = RestClient::new(&self.addr)
            .expect("client")
            .with_bearer(staff_token);
        self.rt
            .block_on(client.windows())
            .expect("windows")
            .into_iter()
            .find(|w| w.number == n)
            .expect("window")
    }
}

/// Whether the button or field with this exact label is greyed out.
pub fn disabled(h: &Harness<'static, CallerApp>, label: &str) -> bool {
    use egui_kittest::kittest::NodeT;
    h.get_by_label(label).accesskit_node().is_disabled()
}

/// Hovers the button or field with this exact label and says whether `text` then shows (the
/// reason of a greyed key). Moves the pointer away again afterwards.
pub fn hover_shows(h: &mut Harness<'static, CallerApp>, label: &str, text: &str) -> bool {
    // The same words may be on screen already (the card says 当前没有叫号或办理中的号 too).
    let before = h.query_all_by_label(text).count();
    h.get_by_label(label).hover();
    // Past egui's tooltip delay (0.5 s; the harness steps 0.25 s a frame).
    for _ in 0..4 {
        h.step();
    }
    let shown = h.query_all_by_label(text).count() > before;
    h.hover_at(egui::pos2(1.0, SIZE[1] - 1.0));
    h.step();
    h.step();
    shown
}

/// Moves the hall's clock a minute past the end of the caller's login (its token expires).
pub fn past_the_login(hall: &Hall, h: &Harness<'static, CallerApp>) {
    let expires = h
        .state()
        .model
        .session
        .as_ref()
        .map(|s| s.expires_at)
        .expect("logged in");
    hall.clock.set(expires + 60_000);
}

/// F1 then F3: the next ticket called and its service started.
pub fn call_and_start(h: &mut Harness<'static, CallerApp>) {
    press(h, egui::Key::F1);
    wait(h, "the call", |app| current(app).is_some());
    press(h, egui::Key::F3);
    wait(h, "serving", |app| {
        app.model.current().map(|c| c.state) == Some(TicketState::Serving)
    });
}

//! A real server on `127.0.0.1:0` with a temporary database and a manual clock, and clients for it.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use qcall_protocol::*;
use qcall_server::clock::ManualClock;
use qcall_server::{HallConfig, Options};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message};

pub const KIOSK: &str = "kiosk-key-000000000001";
pub const BOARD: &str = "board-key-000000000001";
pub const SCREEN1: &str = "screen1-key-0000000001";
/// The rating pads of windows 1 and 2.
pub const PAD1: &str = "rating-pad1-key-000001";
pub const PAD2: &str = "rating-pad2-key-000002";
pub const PASSWORD: &str = "demo-staff";
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$rVY2ktGCAmp1U2PsDzpe4w$kbBwJXDfFxGKXRRMHsyr+cCcozfQMjrb7dZOFolp6/A";

/// Milliseconds of a Shanghai local time `YYYY-MM-DDTHH:MM`.
pub fn at(local: &str) -> Millis {
    let dt: jiff::civil::DateTime = local.parse().expect("datetime");
    dt.to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").expect("tz"))
        .expect("zoned")
        .timestamp()
        .as_millisecond()
}

/// A hall with services a (A), b (B) and green (V); windows 1…n: odd ones serve a then b, even ones b
/// then a; staff s1…sn (password "demo-staff"), manager m1, admin x1; kiosk, hall board, screen of 1,
/// rating pads of windows 1 and 2.
/// Open 08:00–18:00 on weekdays, cut-off 30 min; `extra` is appended (e.g. a [limits] table).
pub fn hall_toml(windows: u32, extra: &str) -> String {
    let mut s = String::from(
        r#"
[hall]
name_zh = "测试大厅"
name_en = "Test hall"
cutoff_minutes = 30
[hall.hours]
mon = ["08:00-18:00"]
tue = ["08:00-18:00"]
wed = ["08:00-18:00"]
thu = ["08:00-18:00"]
fri = ["08:00-18:00"]
[rules]
requeue_behind = 2
[[groups]]
id = "g"
name_zh = "组"
name_en = "Group"
[[services]]
id = "a"
name_zh = "甲业务"
name_en = "Alpha"
group = "g"
prefix = "A"
expected_minutes = 5
[[services]]
id = "b"
name_zh = "乙业务"
name_en = "Beta"
group = "g"
prefix = "B"
expected_minutes = 10
daily_cap = 3
[[services]]
id = "green"
name_zh = "绿色通道"
name_en = "Green channel"
group = "g"
prefix = "V"
expected_minutes = 10
"#,
    );
    for w in 1..=windows {
        let (p, q) = if w % 2 == 1 { ("a", "b") } else { ("b", "a") };
        s += &format!(
            "[[windows]]\nnumber = {w}\nname = \"窗口{w}\"\nprimary = [\"{p}\"]\nsecondary = [\"{q}\", \"green\"]\n"
        );
        s += &format!(
            "[[staff]]\nstaff_no = \"s{w}\"\nname = \"员工{w}\"\nrole = \"staff\"\npassword_hash = \"{HASH}\"\npin_hash = \"{HASH}\"\nbadges = [\"党员示范岗\"]\n"
        );
    }
    s += &format!(
        "[[staff]]\nstaff_no = \"m1\"\nname = \"经理\"\nrole = \"manager\"\npassword_hash = \"{HASH}\"\n"
    );
    s += &format!(
        "[[staff]]\nstaff_no = \"x1\"\nname = \"管理员\"\nrole = \"admin\"\npassword_hash = \"{HASH}\"\n"
    );
    s += &format!("[[devices]]\nname = \"kiosk-1\"\nkind = \"kiosk\"\nkey = \"{KIOSK}\"\n");
    s += &format!(
        "[[devices]]\nname = \"board\"\nkind = \"display\"\nkey = \"{BOARD}\"\nmode = \"hall_board\"\n"
    );
    s += &format!(
        "[[devices]]\nname = \"screen-1\"\nkind = \"display\"\nkey = \"{SCREEN1}\"\nmode = \"window_screen\"\nwindow = 1\n"
    );
    s += &format!(
        "[[devices]]\nname = \"pad-1\"\nkind = \"display\"\nkey = \"{PAD1}\"\nmode = \"rating_pad\"\nwindow = 1\n"
    );
    if windows >= 2 {
        s += &format!(
            "[[devices]]\nname = \"pad-2\"\nkind = \"display\"\nkey = \"{PAD2}\"\nmode = \"rating_pad\"\nwindow = 2\n"
        );
    }
    s += "[notices]\nlines = [\"清廉大厅\"]\n";
    s += extra;
    s
}

/// [`hall_toml`] open around the clock every day with no cut-off, no daily cap and no issue rate
/// limit: for the real binary, which runs on the system clock.
pub fn round_the_clock(windows: u32) -> String {
    hall_toml(windows, "[limits]\nissue_per_minute = 0\n")
        .replace("cutoff_minutes = 30", "cutoff_minutes = 0")
        .replace("daily_cap = 3\n", "")
        .replace("[\"08:00-18:00\"]", "[\"00:00-24:00\"]")
        .replace(
            "fri = [\"00:00-24:00\"]",
            "fri = [\"00:00-24:00\"]\nsat = [\"00:00-24:00\"]\nsun = [\"00:00-24:00\"]",
        )
}

/// [`round_the_clock`] with its business day turning twelve hours from now (Shanghai time), so a
/// test on the real binary and the system clock never crosses a day boundary, whatever the time of
/// day it runs at.
pub fn round_the_clock_for_now(windows: u32) -> String {
    let now =
        jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::get("Asia/Shanghai").expect("tz"));
    let later = now
        .checked_add(jiff::SignedDuration::from_hours(12))
        .expect("later");
    round_the_clock(windows).replace(
        "cutoff_minutes = 0",
        &format!(
            "cutoff_minutes = 0\nday_boundary = \"{:02}:{:02}\"",
            later.hour(),
            later.minute()
        ),
    )
}

/// The real `qcall-server` binary on a free port, with `dir/hall.toml` as config and `dir` as its data
/// folder. Killed when dropped.
pub struct Binary {
    pub child: Child,
    pub base: String,
}

impl Binary {
    /// Starts it and returns it with the time until `/healthz` answered.
    pub async fn start(dir: &std::path::Path) -> (Binary, Duration) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let started = Instant::now();
        #[allow(clippy::zombie_processes)] // Waited on in Drop.
        let child = Command::new(env!("CARGO_BIN_EXE_qcall-server"))
            .args([
                "--config",
                &dir.join("hall.toml").display().to_string(),
                "--data-dir",
                &dir.display().to_string(),
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start qcall-server");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        loop {
            if http
                .get(format!("{base}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return (Binary { child, base }, started.elapsed());
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "server did not start"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The WebSocket URL.
    pub fn ws_url(&self) -> String {
        self.base.replace("http://", "ws://") + "/api/v1/ws"
    }

    /// A client of this server.
    pub fn client(&self, bearer: Option<&str>) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            bearer: bearer.map(String::from),
        }
    }

    /// A client logged in as `staff_no` (password "demo-staff").
    pub async fn staff(&self, staff_no: &str) -> Client {
        self.client(None).logged_in(staff_no).await
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server running in this process.
pub struct TestServer {
    pub base: String,
    pub ws_url: String,
    pub clock: ManualClock,
    pub dir: Arc<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    pub http: reqwest::Client,
}

impl TestServer {
    /// Starts a hall with `windows` windows at Monday 2026-11-23 09:00 Shanghai time.
    pub async fn start(windows: u32) -> TestServer {
        TestServer::start_with(
            &hall_toml(windows, ""),
            ManualClock::new(at("2026-11-23T09:00")),
            None,
        )
        .await
    }

    /// Starts a server on a config, clock and (for restarts) an existing data folder.
    pub async fn start_with(
        toml: &str,
        clock: ManualClock,
        dir: Option<Arc<tempfile::TempDir>>,
    ) -> TestServer {
        TestServer::start_tuned(toml, clock, dir, qcall_server::Tuning::default()).await
    }

    /// [`TestServer::start_with`] with other timings and sizes.
    pub async fn start_tuned(
        toml: &str,
        clock: ManualClock,
        dir: Option<Arc<tempfile::TempDir>>,
        tuning: qcall_server::Tuning,
    ) -> TestServer {
        let config = HallConfig::parse(toml, "test.toml").expect("test config");
        let dir = dir.unwrap_or_else(|| Arc::new(tempfile::tempdir().expect("tmp")));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let options = Options {
            db_path: dir.path().join("hall.db"),
            clock: Arc::new(clock.clone()),
        };
        let task = tokio::spawn(qcall_server::run_tuned(
            listener,
            config,
            options,
            tuning,
            async move {
                let _ = stopped.await;
            },
        ));
        TestServer {
            base: format!("http://{addr}"),
            ws_url: format!("ws://{addr}/api/v1/ws"),
            clock,
            dir,
            stop: Some(stop),
            task: Some(task),
            http: reqwest::Client::new(),
        }
    }

    /// Stops the server gracefully and waits until the database is closed.
    pub async fn stop(mut self) -> (ManualClock, Arc<tempfile::TempDir>) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server ran cleanly");
        }
        (self.clock.clone(), self.dir.clone())
    }

    /// A client with a bearer credential.
    pub fn client(&self, bearer: &str) -> Client {
        Client {
            base: self.base.clone(),
            http: self.http.clone(),
            bearer: Some(bearer.to_string()),
        }
    }

    /// A client without credentials.
    pub fn anonymous(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: self.http.clone(),
            bearer: None,
        }
    }

    /// Logs in and returns a client with the staff token.
    pub async fn staff(&self, staff_no: &str) -> Client {
        self.anonymous().logged_in(staff_no).await
    }

    /// Logs in and signs in at a window.
    pub async fn at_window(&self, staff_no: &str, window: WindowNo) -> Client {
        let c = self.staff(staff_no).await;
        let _: ActionResponse = c
            .post(
                &format!("/api/v1/windows/{window}/sign-in"),
                &serde_json::json!({}),
            )
            .await
            .expect("sign in");
        c
    }
}

/// An HTTP client for one caller.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub bearer: Option<String>,
}

impl Client {
    /// This client logged in as `staff_no` (password "demo-staff"), with the staff token.
    pub async fn logged_in(mut self, staff_no: &str) -> Client {
        let login: LoginResponse = self
            .post(
                "/api/v1/auth/login",
                &LoginRequest {
                    staff_no: staff_no.into(),
                    password: PASSWORD.into(),
                },
            )
            .await
            .expect("login");
        self.bearer = Some(login.token);
        self
    }

    /// Sends a request and returns the status and JSON body.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
    ) -> (u16, serde_json::Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = &self.bearer {
            req = req.bearer_auth(b);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    async fn typed<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
    ) -> Result<T, ApiError> {
        let (status, value) = self.raw(method, path, body).await;
        if status == 200 {
            Ok(serde_json::from_value(value.clone())
                .unwrap_or_else(|e| panic!("{path}: {e}: {value}")))
        } else {
            let body: ErrorBody = serde_json::from_value(value.clone())
                .unwrap_or_else(|e| panic!("{path} {status}: not an error body: {e}: {value}"));
            assert_eq!(
                status,
                body.error.code.http_status(),
                "{path}: status matches the code"
            );
            Err(body.error)
        }
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.typed(reqwest::Method::GET, path, None).await
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ApiError> {
        self.typed(
            reqwest::Method::POST,
            path,
            Some(serde_json::to_string(body).expect("json")),
        )
        .await
    }

    pub async fn put<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ApiError> {
        self.typed(
            reqwest::Method::PUT,
            path,
            Some(serde_json::to_string(body).expect("json")),
        )
        .await
    }

    /// Takes a ticket; each call is a new touch (a new request id).
    pub async fn issue(
        &self,
        service: &str,
        class: TicketClass,
    ) -> Result<IssueResponse, ApiError> {
        let request_id = format!(
            "touch-{}",
            REQUEST.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        self.post(
            "/api/v1/tickets",
            &IssueRequest {
                notify: false,
                request_id,
                service_id: service.into(),
                class,
                citizen_id: None,
                phone: None,
                helper: None,
            },
        )
        .await
    }

    /// The whole audit log, page by page.
    pub async fn audit(&self) -> Vec<AuditEntry> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page: AuditPage = self
                .get(&format!("/api/v1/audit?after={after}&limit=500"))
                .await
                .expect("audit page");
            all.extend(page.entries);
            match page.next_after {
                Some(next) => after = next,
                None => return all,
            }
        }
    }

    /// A window action with an empty body.
    pub async fn act(&self, window: WindowNo, action: &str) -> Result<ActionResponse, ApiError> {
        self.post(
            &format!("/api/v1/windows/{window}/{action}"),
            &serde_json::json!({}),
        )
        .await
    }
}

static REQUEST: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A WebSocket client that said hello and read its snapshot.
pub struct Live {
    pub socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub snapshot: Snapshot,
}

impl Live {
    pub async fn connect(url: &str, hello: Hello) -> Result<Live, ApiError> {
        let (mut socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("ws connect");
        socket
            .send(Message::Text(
                serde_json::to_string(&hello).expect("hello").into(),
            ))
            .await
            .expect("send hello");
        match Live::read(&mut socket).await {
            ServerMsg::Snapshot(snapshot) => Ok(Live {
                socket,
                snapshot: *snapshot,
            }),
            ServerMsg::Refused { error } => Err(error),
            other => panic!("expected a snapshot, got {other:?}"),
        }
    }

    async fn read(socket: &mut WebSocketStream<MaybeTlsStream<TcpStream>>) -> ServerMsg {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(15), socket.next())
                .await
                .expect("a message within 15 s")
                .expect("open")
                .expect("ok");
            if let Message::Text(text) = msg {
                return serde_json::from_str(&text).expect("ServerMsg");
            }
        }
    }

    /// The next message, heartbeats included.
    pub async fn next_any(&mut self) -> ServerMsg {
        Live::read(&mut self.socket).await
    }

    /// The next message that is not a heartbeat.
    pub async fn next(&mut self) -> ServerMsg {
        loop {
            match Live::read(&mut self.socket).await {
                ServerMsg::Heartbeat { .. } => continue,
                other => return other,
            }
        }
    }

    /// Reads events until one matches, returning it and everything read before it.
    pub async fn until(&mut self, mut f: impl FnMut(&Event) -> bool) -> (Event, Vec<Event>) {
        let mut seen = Vec::new();
        loop {
            if let ServerMsg::Events { events, .. } = self.next().await {
                for e in events {
                    if f(&e) {
                        return (e, seen);
                    }
                    seen.push(e);
                }
            }
        }
    }
}

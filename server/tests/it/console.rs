//! The manager's console (issue 13): its pages and headers over HTTP, device health and warnings over
//! the WebSocket, and the console itself in a real headless Chromium driven over WebDriver
//! (chromedriver started by the test on a free port, against a real server on port 0).
//!
//! Without Chromium and chromedriver the browser tests FAIL and say how to install them.
//! `UPDATE_SCREENS=1` writes the screenshots to `server/tests/screens/` (committed for the README).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client as Browser, ClientBuilder, Locator};
use futures_util::SinkExt;
use qcall_protocol::*;
use qcall_server::clock::ManualClock;
use tokio_tungstenite::tungstenite::Message;

use crate::util::*;

const INSTALL: &str = "the browser tests need Chromium and chromedriver: \
    apt-get install chromium chromium-driver fonts-noto-cjk";

/// The hall of `hall_toml` with warning thresholds on service a (2 waiting, 10 minutes).
fn console_hall(windows: u32) -> String {
    hall_toml(windows, "").replace(
        "prefix = \"A\"\nexpected_minutes = 5\n",
        "prefix = \"A\"\nexpected_minutes = 5\nwarn_waiting_count = 3\nwarn_waiting_minutes = 10\n",
    )
}

async fn start() -> TestServer {
    TestServer::start_with(
        &console_hall(3),
        ManualClock::new(at("2026-11-23T09:00")),
        None,
    )
    .await
}

// ---- Over HTTP and the WebSocket, no browser -------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_pages_carry_a_strict_csp_and_no_hall_data() {
    let server = start().await;
    for path in [
        "/console",
        "/console/dashboard",
        "/console/audit?lang=en",
        "/console/notices",
        "/console/windows",
        "/console/staff",
    ] {
        let res = server
            .http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200, "{path}");
        let csp = res
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        let body = res.text().await.expect("body");
        assert!(body.contains("/console/static/console.js"), "{path}");
        // No inline script: every script is the console's own file.
        assert!(!body.contains("<script>"), "{path}");
        // The pages are a frame: no ticket, staff or window data before sign-in.
        assert!(!body.contains("员工1"), "{path}");
    }
    let en = server
        .http
        .get(format!("{}/console/dashboard?lang=en", server.base))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(en.contains("Warnings") && en.contains("lang=\"en\""));
    let js = server
        .http
        .get(format!("{}/console/static/console.js", server.base))
        .send()
        .await
        .expect("js");
    assert_eq!(
        js.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/javascript; charset=utf-8")
    );
    let missing = server
        .http
        .get(format!("{}/console/nothing", server.base))
        .send()
        .await
        .expect("404");
    assert_eq!(missing.status(), 404);
    server.stop().await;
}

/// A manager's WebSocket, as the console's tab opens it.
async fn manager_socket(server: &TestServer) -> Live {
    let manager = server.staff("m1").await;
    Live::connect(
        &server.ws_url,
        Hello::Staff {
            token: manager.bearer.clone().expect("token"),
        },
    )
    .await
    .expect("manager socket")
}

/// The next console state a manager's socket receives that satisfies `f`.
async fn console_until(live: &mut Live, mut f: impl FnMut(&ConsoleState) -> bool) -> ConsoleState {
    loop {
        if let ServerMsg::Console(state) = live.next().await
            && f(&state)
        {
            return *state;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_report_their_health_and_a_manager_sees_it_and_the_warnings() {
    let server = start().await;
    let mut console = manager_socket(&server).await;
    // Nothing connected yet: every configured device is offline and warned about.
    let first = console_until(&mut console, |_| true).await;
    assert_eq!(
        first
            .devices
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["kiosk-1", "board", "screen-1", "pad-1", "pad-2"]
    );
    assert!(first.devices.iter().all(|d| !d.online && d.since.is_none()));
    assert!(
        first
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::DeviceOffline && w.device.as_deref() == Some("kiosk-1"))
    );

    // The kiosk connects and reports a printer without paper.
    let mut kiosk = Live::connect(
        &server.ws_url,
        Hello::Device {
            key: KIOSK.to_string(),
        },
    )
    .await
    .expect("kiosk");
    let report = ClientMsg::DeviceStatus {
        status: DeviceStatus {
            app_version: "qcall-kiosk 9.9.9".into(),
            printer: Some(PrinterHealth::Fault {
                reason: "no paper".into(),
            }),
            audio: None,
            mode: "kiosk".into(),
            last_frame_at: None,
            voice_problems: Vec::new(),
        },
    };
    kiosk
        .socket
        .send(Message::Text(
            serde_json::to_string(&report).expect("json").into(),
        ))
        .await
        .expect("send");
    let state = console_until(&mut console, |s| {
        s.devices[0].online && !s.devices[0].faults.is_empty()
    })
    .await;
    let k = &state.devices[0];
    assert_eq!(k.since, Some(at("2026-11-23T09:00")));
    assert_eq!(
        k.status.as_ref().map(|s| s.app_version.as_str()),
        Some("qcall-kiosk 9.9.9")
    );
    assert_eq!(k.faults, ["printer: no paper"]);
    assert!(
        state
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::DeviceFault
                && w.detail.as_deref() == Some("printer: no paper"))
    );
    assert!(
        !state.warnings.iter().any(|w| w.key == "offline:kiosk-1"),
        "an online kiosk is not offline"
    );

    // It goes away: offline since then, the fault no longer listed.
    server.clock.advance_ms(90 * 1000);
    drop(kiosk);
    let state = console_until(&mut console, |s| !s.devices[0].online).await;
    assert_eq!(
        state.devices[0].since,
        Some(at("2026-11-23T09:01") + 30_000)
    );
    assert!(state.devices[0].faults.is_empty());
    let offline = state
        .warnings
        .iter()
        .find(|w| w.key == "offline:kiosk-1")
        .expect("offline warning");
    assert_eq!(offline.since, at("2026-11-23T09:01") + 30_000);

    // A window staff member's socket gets no console state: its first message after the
    // snapshot is the event of its own sign-in, not a console message.
    let s1 = server.staff("s1").await;
    let mut staff = Live::connect(
        &server.ws_url,
        Hello::Staff {
            token: s1.bearer.clone().expect("token"),
        },
    )
    .await
    .expect("staff socket");
    let _: ActionResponse = s1
        .post("/api/v1/windows/1/sign-in", &serde_json::json!({}))
        .await
        .expect("sign in");
    assert!(
        matches!(staff.next().await, ServerMsg::Events { .. }),
        "staff get events, not the console"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hall_warns_about_long_queues_long_waits_pauses_and_overtime_and_clears() {
    let server = start().await;
    let mut console = manager_socket(&server).await;
    let kiosk = server.client(KIOSK);
    let s1 = server.at_window("s1", 1).await;
    for _ in 0..3 {
        kiosk.issue("a", TicketClass::Normal).await.expect("issue");
    }
    let has = |s: &ConsoleState, kind| s.warnings.iter().any(|w| w.kind == kind);
    let state = console_until(&mut console, |s| has(s, WarningKind::WaitingCount)).await;
    let w = state
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::WaitingCount)
        .expect("count");
    assert_eq!((w.value, w.limit), (Some(3), Some(3)));
    assert_eq!(state.services[0].waiting, 3);
    assert_eq!(state.today.issued, 3);

    // Ten minutes pass: the oldest ticket has waited too long, since exactly 09:10.
    server.clock.advance_ms(10 * 60 * 1000);
    let state = console_until(&mut console, |s| has(s, WarningKind::WaitingMinutes)).await;
    let w = state
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::WaitingMinutes)
        .expect("minutes");
    assert_eq!(w.since, at("2026-11-23T09:10"));
    // The count warning keeps the instant it started.
    let count = state
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::WaitingCount)
        .expect("count");
    assert_eq!(count.since, at("2026-11-23T09:00"));

    // Calling and starting one: the queue is under its count, the two left have waited 10 min.
    let _ = s1.act(1, "call-next").await.expect("call");
    let _ = s1.act(1, "start").await.expect("start");
    let state = console_until(&mut console, |s| !has(s, WarningKind::WaitingCount)).await;
    assert!(has(&state, WarningKind::WaitingMinutes));
    // Five minutes of service for a five-minute service: over its time limit.
    server.clock.advance_ms(5 * 60 * 1000);
    let state = console_until(&mut console, |s| has(s, WarningKind::OverTimeLimit)).await;
    let w = state
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::OverTimeLimit)
        .expect("over");
    assert_eq!((w.window, w.number.as_deref()), (Some(1), Some("A001")));
    let _ = s1.act(1, "finish").await.expect("finish");
    let state = console_until(&mut console, |s| !has(s, WarningKind::OverTimeLimit)).await;
    assert_eq!(state.today.served, 1);

    // A pause of 30 minutes (the default limit) is too long; resuming clears it.
    let _: ActionResponse = s1
        .post(
            "/api/v1/windows/1/pause",
            &serde_json::json!({"reason": "meeting"}),
        )
        .await
        .expect("pause");
    server.clock.advance_ms(30 * 60 * 1000);
    let state = console_until(&mut console, |s| has(s, WarningKind::PausedTooLong)).await;
    assert_eq!(
        state
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::PausedTooLong)
            .and_then(|w| w.window),
        Some(1)
    );
    let _ = s1.act(1, "resume").await.expect("resume");
    console_until(&mut console, |s| !has(s, WarningKind::PausedTooLong)).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_filters_by_window_staff_action_and_out_of_order() {
    let server = start().await;
    let kiosk = server.client(KIOSK);
    let s1 = server.at_window("s1", 1).await;
    let _s2 = server.at_window("s2", 2).await;
    let first = kiosk.issue("a", TicketClass::Normal).await.expect("issue");
    let second = kiosk.issue("a", TicketClass::Normal).await.expect("issue");
    // Window 1 calls the second ticket first: out of order (R13).
    let _: ActionResponse = s1
        .post(
            "/api/v1/windows/1/call-number",
            &serde_json::json!({"number": second.ticket.number}),
        )
        .await
        .expect("call number");
    let manager = server.staff("m1").await;
    let page: AuditPage = manager
        .get("/api/v1/audit?out_of_order=true")
        .await
        .expect("audit");
    assert_eq!(page.entries.len(), 1);
    assert_eq!(
        page.entries[0].number.as_deref(),
        Some(second.ticket.number.as_str())
    );
    let page: AuditPage = manager
        .get("/api/v1/audit?staff=s2&action=sign_in")
        .await
        .expect("audit");
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].window, Some(2));
    let page: AuditPage = manager
        .get("/api/v1/audit?window=1&day=2026-11-23&limit=2")
        .await
        .expect("audit");
    assert_eq!(page.entries.len(), 2);
    let next: AuditPage = manager
        .get(&format!(
            "/api/v1/audit?window=1&day=2026-11-23&limit=2&after={}",
            page.next_after.expect("more")
        ))
        .await
        .expect("audit");
    assert!(next.entries.iter().all(|e| e.window == Some(1)));
    let none: AuditPage = manager
        .get("/api/v1/audit?day=2026-11-24")
        .await
        .expect("audit");
    assert!(none.entries.is_empty());
    let bad = manager
        .get::<AuditPage>("/api/v1/audit?day=tomorrow")
        .await
        .expect_err("bad day");
    assert_eq!(bad.code, ErrorCode::BadRequest);
    let _ = first;
    server.stop().await;
}

// ---- In the browser ------------------------------------------------------------------------------

/// chromedriver on a free port with a headless Chromium session of its own profile.
struct Chrome {
    driver: Child,
    browser: Option<Browser>,
    _profile: tempfile::TempDir,
}

fn require(path: &str) -> &str {
    assert!(
        std::path::Path::new(path).exists(),
        "{path} is missing; {INSTALL}"
    );
    path
}

impl Chrome {
    async fn start() -> Chrome {
        let chromium = require("/usr/bin/chromium");
        let chromedriver = require("/usr/bin/chromedriver");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start chromedriver ({e}); {INSTALL}"));
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", "--window-size=1400,1100", "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": {
                    "download.default_directory": profile.path().join("downloads").display().to_string(),
                    "download.prompt_for_download": false,
                },
            }
        });
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("an object"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut chrome = Chrome {
            driver,
            browser: None,
            _profile: profile,
        };
        // chromedriver takes a moment to listen: retry the session for up to 20 s.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(b) => {
                    chrome.browser = Some(b);
                    return chrome;
                }
                Err(e) if Instant::now() > deadline => {
                    panic!("no WebDriver session with {chromium}: {e}; {INSTALL}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Where the browser saves downloads.
    fn downloads(&self) -> std::path::PathBuf {
        self._profile.path().join("downloads")
    }

    fn b(&self) -> &Browser {
        self.browser.as_ref().expect("session")
    }

    async fn stop(mut self) {
        if let Some(b) = self.browser.take() {
            let _ = b.close().await;
        }
    }

    /// The text of the first element matching `css`, or "" when there is none.
    async fn text(&self, css: &str) -> String {
        let script =
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';";
        self.b()
            .execute(script, vec![css.into()])
            .await
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    }

    /// Waits until the text of `css` satisfies `f`, at most `within`; returns the text and the time it took.
    async fn wait_text(
        &self,
        css: &str,
        within: Duration,
        f: impl Fn(&str) -> bool,
    ) -> (String, Duration) {
        let start = Instant::now();
        loop {
            let t = self.text(css).await;
            if f(&t) {
                return (t, start.elapsed());
            }
            assert!(
                start.elapsed() < within,
                "{css} did not show what was expected within {within:?}; it shows {t:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn sign_in(&self, base: &str, staff_no: &str) {
        let b = self.b();
        b.goto(&format!("{base}/console")).await.expect("goto");
        b.wait()
            .for_element(Locator::Id("staff_no"))
            .await
            .expect("form")
            .send_keys(staff_no)
            .await
            .expect("type");
        b.find(Locator::Id("password"))
            .await
            .expect("password")
            .send_keys(PASSWORD)
            .await
            .expect("type");
        self.click("#signin button").await;
    }

    /// Clicks the element, waiting for it; a click that lands while the page is being replaced
    /// (a stale element) is tried again on the new page, for up to 10 s.
    async fn click(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let element = self
                .b()
                .wait()
                .for_element(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("no {css}: {e}"));
            match element.click().await {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("cannot click {css}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    async fn goto(&self, url: &str) {
        self.b().goto(url).await.expect("goto");
    }

    async fn screenshot(&self, name: &str) {
        let png = self.b().screenshot().await.expect("screenshot");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/screens");
        if std::env::var_os("UPDATE_SCREENS").is_some() {
            std::fs::create_dir_all(&dir).expect("screens dir");
            std::fs::write(dir.join(name), &png).expect("write screenshot");
        }
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // The browser outlives its driver when the session was not closed (a failed test) or is
        // still shutting down: end every process of this profile, found by its user-data-dir.
        let profile = self._profile.path().display().to_string();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&profile)
                && let Some(pid) = entry
                    .file_name()
                    .to_str()
                    .and_then(|p| p.parse::<u32>().ok())
            {
                let _ = Command::new("kill").arg(pid.to_string()).status();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_dashboard_is_live_warns_and_clears_shows_devices_and_escapes_notices() {
    let server = start().await;
    let chrome = Chrome::start().await;
    let kiosk = server.client(KIOSK);
    let s1 = server.at_window("s1", 1).await;
    let _s2 = server.at_window("s2", 2).await;
    kiosk.issue("a", TicketClass::Normal).await.expect("issue");
    kiosk.issue("b", TicketClass::Normal).await.expect("issue");

    chrome.sign_in(&server.base, "m1").await;
    chrome
        .wait_text("#who", Duration::from_secs(10), |t| t.contains("经理"))
        .await;
    chrome
        .wait_text("#windows tbody", Duration::from_secs(10), |t| {
            t.contains("员工1")
        })
        .await;
    // The token is in this tab's session storage, not in a cookie.
    let cookies = chrome
        .b()
        .execute("return document.cookie", vec![])
        .await
        .expect("cookie");
    assert_eq!(cookies.as_str(), Some(""));

    // A call made through REST is on the dashboard within a second.
    let sent = Instant::now();
    let called = s1.act(1, "call-next").await.expect("call");
    let number = called.ticket.expect("called").number;
    let (_, took) = chrome
        .wait_text(
            "#windows tr[data-window='1'] td:nth-child(4)",
            Duration::from_secs(1),
            |t| t == number,
        )
        .await;
    println!(
        "call_to_console_ms: {} (REST answer to the number on screen: {})",
        sent.elapsed().as_millis(),
        took.as_millis()
    );
    chrome
        .wait_text(
            "#windows tr[data-window='1'] td:nth-child(2)",
            Duration::from_secs(2),
            |t| t == "已叫号",
        )
        .await;

    // A waiting ticket passes its service's 10 minutes (the server's manual clock): a warning.
    kiosk.issue("a", TicketClass::Normal).await.expect("issue");
    server.clock.advance_ms(11 * 60 * 1000);
    let (warning, _) = chrome
        .wait_text("#warnings", Duration::from_secs(5), |t| {
            t.contains("等候时间超限")
        })
        .await;
    assert!(warning.contains("甲业务"), "{warning}");
    // Devices never connected are offline with no time.
    chrome
        .wait_text(
            "#devices tr[data-device='kiosk-1']",
            Duration::from_secs(5),
            |t| t.contains("离线"),
        )
        .await;

    // A board connects, then goes: the console shows it online, then offline since then.
    let board = Live::connect(
        &server.ws_url,
        Hello::Device {
            key: BOARD.to_string(),
        },
    )
    .await
    .expect("board");
    chrome
        .wait_text(
            "#devices tr[data-device='board']",
            Duration::from_secs(5),
            |t| t.contains("在线"),
        )
        .await;
    drop(board);
    chrome
        .wait_text(
            "#devices tr[data-device='board']",
            Duration::from_secs(5),
            |t| t.contains("离线 · 自"),
        )
        .await;
    chrome
        .wait_text("#warnings", Duration::from_secs(5), |t| {
            t.contains("设备离线 · board")
        })
        .await;

    // An HTML-looking notice is shown as text, not run or parsed.
    let manager = server.staff("m1").await;
    let evil = "<img src=x onerror=\"document.title='pwned'\"><b>粗体</b>";
    let _: NoticesRequest = manager
        .put(
            "/api/v1/notices",
            &NoticesRequest {
                notices: vec![evil.into(), "请保管好随身物品".into()],
            },
        )
        .await
        .expect("notices");
    chrome
        .wait_text("#notices-now", Duration::from_secs(5), |t| t.contains(evil))
        .await;
    let parsed = chrome
        .b()
        .execute(
            "return [document.querySelectorAll('#notices-now img, #notices-now b').length, document.title]",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        parsed[0].as_u64(),
        Some(0),
        "no element was made of the notice"
    );
    assert_ne!(parsed[1].as_str(), Some("pwned"));

    chrome.screenshot("dashboard.png").await;

    // The waiting tickets are called: the warning clears on its own.
    let _ = s1.act(1, "finish").await.expect("finish");
    let _ = s1.act(1, "call-next").await.expect("call");
    let s2 = server.staff("s2").await;
    let _ = s2.act(2, "call-next").await.expect("call");
    chrome
        .wait_text("#warnings", Duration::from_secs(5), |t| {
            !t.contains("等候时间超限")
        })
        .await;

    // Signing out clears the session: the dashboard sends the browser back to sign-in.
    chrome.click("#signout").await;
    chrome
        .b()
        .wait()
        .for_element(Locator::Id("signin"))
        .await
        .expect("back at sign-in");
    let stored = chrome
        .b()
        .execute("return sessionStorage.length", vec![])
        .await
        .expect("storage");
    assert_eq!(stored.as_u64(), Some(0));
    chrome.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_refuses_a_window_staff_login_and_keeps_no_token() {
    let server = start().await;
    let chrome = Chrome::start().await;
    chrome.sign_in(&server.base, "s1").await;
    chrome
        .wait_text("#signin-error", Duration::from_secs(10), |t| {
            t.contains("只有大厅管理员")
        })
        .await;
    let stored = chrome
        .b()
        .execute("return sessionStorage.length", vec![])
        .await
        .expect("storage");
    assert_eq!(stored.as_u64(), Some(0));
    // Going to the dashboard anyway leads back to sign-in.
    chrome
        .goto(&format!("{}/console/dashboard", server.base))
        .await;
    chrome
        .b()
        .wait()
        .for_element(Locator::Id("signin"))
        .await
        .expect("sent to sign-in");
    chrome.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_pages_edit_notices_and_window_services_and_show_the_audit_log() {
    let server = start().await;
    let chrome = Chrome::start().await;
    let kiosk = server.client(KIOSK);
    let s1 = server.at_window("s1", 1).await;
    kiosk.issue("a", TicketClass::Normal).await.expect("issue");
    let second = kiosk.issue("a", TicketClass::Normal).await.expect("issue");
    let _: ActionResponse = s1
        .post(
            "/api/v1/windows/1/call-number",
            &serde_json::json!({"number": second.ticket.number}),
        )
        .await
        .expect("call number");
    chrome.sign_in(&server.base, "m1").await;
    chrome
        .wait_text("#who", Duration::from_secs(10), |t| t.contains("经理"))
        .await;
    let b = chrome.b();

    // The audit log: the out-of-order call is highlighted; the filter narrows to it.
    chrome.goto(&format!("{}/console/audit", server.base)).await;
    chrome
        .wait_text("#audit tbody", Duration::from_secs(10), |t| {
            t.contains("call_number")
        })
        .await;
    let (row, _) = chrome
        .wait_text("#audit tr.out-of-order", Duration::from_secs(5), |t| {
            !t.is_empty()
        })
        .await;
    assert!(
        row.contains(&second.ticket.number) && row.contains("插队"),
        "{row}"
    );
    chrome.screenshot("audit.png").await;
    chrome
        .click("#audit-filter input[name='out_of_order']")
        .await;
    chrome.click("#audit-filter button").await;
    chrome
        .wait_text("#audit tbody", Duration::from_secs(5), |t| {
            !t.contains("sign_in")
        })
        .await;
    let rows = b
        .execute(
            "return document.querySelectorAll('#audit tbody tr').length",
            vec![],
        )
        .await
        .expect("rows");
    assert_eq!(rows.as_u64(), Some(1));

    // Notices, edited live: the hall has them at once.
    chrome
        .goto(&format!("{}/console/notices", server.base))
        .await;
    chrome
        .wait_text("#notices-now", Duration::from_secs(10), |t| {
            t.contains("清廉大厅")
        })
        .await;
    let text = b.find(Locator::Id("notices-text")).await.expect("textarea");
    text.clear().await.expect("clear");
    text.send_keys("午休时间 12:00-13:30\n请保管好随身物品")
        .await
        .expect("type");
    chrome.click("#notices-form button").await;
    chrome
        .wait_text("#notices-result", Duration::from_secs(5), |t| t == "已保存")
        .await;
    let hall: HallResponse = s1.get("/api/v1/hall").await.expect("hall");
    assert_eq!(
        hall.hall.notices,
        ["午休时间 12:00-13:30", "请保管好随身物品"]
    );

    // Window services: window 3 stops serving the green channel, live.
    chrome
        .goto(&format!("{}/console/windows", server.base))
        .await;
    chrome
        .click("form[data-window='3'] input[name='secondary'][value='green']")
        .await;
    chrome.click("form[data-window='3'] button").await;
    chrome
        .wait_text(
            "form[data-window='3'] .result",
            Duration::from_secs(5),
            |t| t == "已保存",
        )
        .await;
    let windows: Vec<WindowView> = s1.get("/api/v1/windows").await.expect("windows");
    assert_eq!(windows[2].secondary, ["b"], "{:?}", windows[2]);

    // Staff: who is signed in where.
    chrome.goto(&format!("{}/console/staff", server.base)).await;
    // The list comes over REST, who sits where over the WebSocket: either may be first.
    let (table, _) = chrome
        .wait_text("#staff tbody", Duration::from_secs(10), |t| {
            t.contains("员工1") && t.contains("1 窗口1")
        })
        .await;
    assert!(
        table.contains("未签到"),
        "the others are not signed in: {table}"
    );
    chrome.stop().await;
    server.stop().await;
}

/// A served ticket of service a at window 1, rated 非常不满意 on window 1's pad: a 差评 and its case.
async fn bad_rating(server: &TestServer, s1: &Client) -> Rating {
    server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("issue");
    let _ = s1.act(1, "call-next").await.expect("call");
    let done = s1.act(1, "finish").await.expect("finish");
    let ticket = done.ticket.expect("finished");
    server
        .client(PAD1)
        .post(
            "/api/v1/rating-pad/ratings",
            &serde_json::json!({
                "request_id": "pad-1", "ticket_id": ticket.id, "leg": 0,
                "level": "very_dissatisfied", "reasons": ["attitude"],
            }),
        )
        .await
        .expect("rating")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_near_and_past_its_deadline_warns_the_console() {
    let server = start().await;
    let s1 = server.at_window("s1", 1).await;
    let rating = bad_rating(&server, &s1).await;
    let case_id = rating.case_id.expect("case");
    let mut console = manager_socket(&server).await;
    let state = console_until(&mut console, |s| s.today.rated == 1).await;
    assert_eq!(state.today.satisfaction_permille, Some(0));
    // Just before the first step's deadline the case is due soon; just after, overdue. The console
    // warns of each, naming the case and its late step.
    let manager = server.staff("m1").await;
    let case: Case = manager
        .get(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect("case");
    let step_due = case.step_due_at.expect("a step is due");
    for (at, timing, kind) in [
        (
            step_due - 60_000,
            CaseTiming::DueSoon,
            WarningKind::CaseDueSoon,
        ),
        (
            step_due + 60_000,
            CaseTiming::Overdue,
            WarningKind::CaseOverdue,
        ),
    ] {
        server.clock.set(at);
        // A fresh login: the first one expires over the days.
        let manager = server.staff("m1").await;
        let case: Case = manager
            .get(&format!("/api/v1/cases/{case_id}"))
            .await
            .expect("case");
        assert_eq!(case.timing, timing);
        let mut console = manager_socket(&server).await;
        let state = console_until(&mut console, |s| {
            s.warnings
                .iter()
                .any(|w| w.case_id == Some(case_id) && w.kind == kind)
        })
        .await;
        let w = state
            .warnings
            .iter()
            .find(|w| w.case_id == Some(case_id))
            .expect("case warning");
        assert_eq!((w.window, w.detail.as_deref()), (Some(1), Some("verify")));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_a_case_moves_a_step_and_an_appeal_is_decided() {
    let server = start().await;
    let chrome = Chrome::start().await;
    let s1 = server.at_window("s1", 1).await;
    let rating = bad_rating(&server, &s1).await;
    let case_id = rating.case_id.expect("case");
    chrome.sign_in(&server.base, "m1").await;
    chrome
        .wait_text("#t-satisfaction", Duration::from_secs(10), |t| {
            t.contains("0.0%") && t.contains("1 条评价")
        })
        .await;

    chrome.goto(&format!("{}/console/cases", server.base)).await;
    chrome
        .wait_text("#cases tbody", Duration::from_secs(10), |t| {
            t.contains("非常不满意") && t.contains("核实")
        })
        .await;
    chrome.click("#cases tbody tr").await;
    chrome
        .b()
        .wait()
        .for_element(Locator::Css("#case .step-form textarea"))
        .await
        .expect("step form")
        .send_keys("调取录像核实：窗口人员语气生硬")
        .await
        .expect("type");
    chrome.click("#case .step-form button").await;
    chrome
        .wait_text("#case ol.steps", Duration::from_secs(5), |t| {
            t.contains("核实") && t.contains("调取录像核实")
        })
        .await;
    chrome
        .wait_text("#cases tbody", Duration::from_secs(5), |t| {
            t.contains("整改")
        })
        .await;
    let manager = server.staff("m1").await;
    let case: Case = manager
        .get(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect("case");
    assert_eq!(case.steps.len(), 1);
    assert_eq!(case.steps[0].step, CaseStep::Verify);
    assert_eq!(case.next_step, Some(CaseStep::Rectify));

    // The staff member appeals; the open case shows it live, and the manager rejects it.
    let _: Case = s1
        .post(
            &format!("/api/v1/ratings/{}/appeal", rating.id),
            &serde_json::json!({"reason": "群众误会了办理要求"}),
        )
        .await
        .expect("appeal");
    chrome
        .wait_text("#case .appeal", Duration::from_secs(5), |t| {
            t.contains("申诉待复核")
        })
        .await;
    chrome.screenshot("case.png").await;
    chrome
        .b()
        .find(Locator::Css("#case .appeal textarea"))
        .await
        .expect("decision note")
        .send_keys("录像显示态度问题属实")
        .await
        .expect("type");
    chrome.click("#case .appeal button.reject").await;
    chrome
        .wait_text("#case .appeal", Duration::from_secs(5), |t| {
            t.contains("申诉驳回")
        })
        .await;
    let case: Case = manager
        .get(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect("case");
    assert_eq!(case.appeal.map(|a| a.state), Some(AppealState::Rejected));
    chrome.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_a_report_shows_and_downloads_as_xlsx() {
    let server = start().await;
    let chrome = Chrome::start().await;
    let s1 = server.at_window("s1", 1).await;
    for _ in 0..2 {
        server
            .client(KIOSK)
            .issue("a", TicketClass::Normal)
            .await
            .expect("issue");
        let _ = s1.act(1, "call-next").await.expect("call");
        let _ = s1.act(1, "finish").await.expect("finish");
    }
    chrome.sign_in(&server.base, "m1").await;
    chrome
        .wait_text("#who", Duration::from_secs(10), |t| t.contains("经理"))
        .await;
    chrome
        .goto(&format!("{}/console/reports", server.base))
        .await;
    // The form takes the hall's business day from the snapshot.
    chrome
        .wait_text("#link", Duration::from_secs(10), |t| t == "实时")
        .await;
    chrome.click("#report-form input[value='window']").await;
    chrome.click("#report-form button[type='submit']").await;
    let (report, _) = chrome
        .wait_text("#report", Duration::from_secs(10), |t| t.contains("合计"))
        .await;
    assert!(report.contains("窗口1"), "{report}");
    chrome.screenshot("report.png").await;
    chrome.click("#report-xlsx").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let file = loop {
        let found = std::fs::read_dir(chrome.downloads())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "xlsx"));
        if let Some(p) = found {
            break p;
        }
        assert!(Instant::now() < deadline, "no XLSX downloaded within 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let bytes = std::fs::read(&file).expect("xlsx");
    assert!(
        bytes.starts_with(b"PK"),
        "an XLSX is a zip file: {}",
        file.display()
    );
    assert!(
        file.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("qcall-report-2026-11-23")),
        "{}",
        file.display()
    );
    chrome.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_a_manager_books_for_a_caller_on_the_phone_and_cancels() {
    let toml = console_hall(1)
        .replace(
            "warn_waiting_minutes = 10\n",
            "warn_waiting_minutes = 10\n[services.booking]\nslot_minutes = 30\nquota = 2\nhours = [\"09:00-12:00\"]\n",
        )
        + "[booking]\ndays_ahead = 3\n";
    let server =
        TestServer::start_with(&toml, ManualClock::new(at("2026-11-23T08:00")), None).await;
    let chrome = Chrome::start().await;
    chrome.sign_in(&server.base, "m1").await;
    chrome
        .wait_text("#who", Duration::from_secs(10), |t| t.contains("经理"))
        .await;
    chrome
        .goto(&format!("{}/console/bookings", server.base))
        .await;
    chrome
        .wait_text("#book-slot", Duration::from_secs(10), |t| {
            t.contains("2026-11-23 09:00-09:30")
        })
        .await;
    chrome
        .wait_text("#bookings-status", Duration::from_secs(10), |t| {
            t == "当天没有预约"
        })
        .await;
    let b = chrome.b();
    b.execute(
        "document.getElementById('book-slot').value = '2026-11-23 10:00-10:30';",
        vec![],
    )
    .await
    .expect("choose the slot");
    for (name, value) in [("name", "王五"), ("phone", "13700137000")] {
        b.find(Locator::Css(&format!("#book-form input[name='{name}']")))
            .await
            .expect("field")
            .send_keys(value)
            .await
            .expect("type");
    }
    chrome.click("#book-form button[type='submit']").await;
    let (result, _) = chrome
        .wait_text("#book-result", Duration::from_secs(10), |t| {
            t.contains("预约成功")
        })
        .await;
    let manager = server.staff("m1").await;
    let list: BookingsResponse = manager
        .get("/api/v1/bookings?date=2026-11-23")
        .await
        .expect("list");
    assert_eq!(list.bookings.len(), 1, "{list:?}");
    let booking = &list.bookings[0];
    assert!(result.contains(&booking.code), "{result}");
    assert_eq!(
        (booking.slot.as_str(), booking.name_masked.as_str()),
        ("10:00-10:30", "王*")
    );
    let (row, _) = chrome
        .wait_text("#bookings tbody", Duration::from_secs(10), |t| {
            t.contains(&booking.code)
        })
        .await;
    assert!(
        row.contains("已预约") && row.contains("137****7000"),
        "{row}"
    );
    assert!(!row.contains("王五"), "the name masked: {row}");
    // The slot's free count went down.
    chrome
        .wait_text("#book-slot", Duration::from_secs(10), |t| {
            t.contains("2026-11-23 10:00-10:30 (余 1)")
        })
        .await;
    chrome.screenshot("bookings.png").await;
    chrome.click("#bookings tbody button.cancel").await;
    chrome
        .wait_text("#bookings tbody", Duration::from_secs(10), |t| {
            t.contains("已取消")
        })
        .await;
    let list: BookingsResponse = manager
        .get("/api/v1/bookings?date=2026-11-23")
        .await
        .expect("list");
    assert_eq!(list.bookings[0].state, BookingState::Cancelled);
    chrome.stop().await;
    server.stop().await;
}

//! R32 near-turn notices over real sockets: the server posts to a webhook receiver on 127.0.0.1,
//! signed, retries while the receiver is down, sends exactly the notices due, keeps the phone only
//! while the ticket is open, and delivers what a SIGKILL interrupted after the restart (at least
//! once, with the same idempotency key).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use qcall_protocol::*;
use qcall_server::clock::ManualClock;
use sha2::Sha256;

use crate::util::*;

const SECRET: &str = "webhook-secret-for-tests-0001";
const PHONE: &str = "13800138000";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Got {
    key: String,
    event: String,
    attempt: String,
    signature: String,
    body: String,
}

impl Got {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("json body")
    }

    /// Checks the signature as a receiver would: HMAC-SHA256 of the raw body under the secret.
    fn signed(&self) -> bool {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).expect("key");
        mac.update(self.body.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.signature == format!("sha256={hex}")
    }
}

/// A webhook receiver: records every request; answers 200, or never answers while `hang` is set.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    hang: Arc<AtomicBool>,
}

impl Receiver {
    async fn listen(&self, port: u16) -> tokio::task::JoinHandle<()> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("receiver port");
        let me = self.clone();
        let app = axum::Router::new().route(
            "/notices",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let me = me.clone();
                async move {
                    let h = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string()
                    };
                    me.got.lock().expect("lock").push(Got {
                        key: h("idempotency-key"),
                        event: h("x-qcall-event"),
                        attempt: h("x-qcall-attempt"),
                        signature: h("x-qcall-signature"),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    if me.hang.load(Ordering::SeqCst) {
                        std::future::pending::<()>().await;
                    }
                    "ok"
                }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        })
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().expect("lock").clone()
    }

    /// Waits until `n` requests arrived (a bounded wait for an outcome, not a timing).
    async fn until(&self, n: usize) -> Vec<Got> {
        let started = Instant::now();
        loop {
            let got = self.got();
            if got.len() >= n {
                return got;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{} of {n} notices arrived: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

fn notify_toml(port: u16, timeout: u32) -> String {
    format!(
        "[notify]\nenabled = true\nurl = \"http://127.0.0.1:{port}/notices\"\nsecret = \"{SECRET}\"\nahead = 1\nminutes = 0\ntimeout_seconds = {timeout}\n"
    )
}

/// An outbox row: key, state, attempts, whether it still has its body.
type Row = (String, String, i64, bool);

/// Rows of the outbox and the phones kept, read from the database file beside the running server.
fn db_rows(db: &std::path::Path) -> (Vec<Row>, Vec<String>) {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open read-only");
    let outbox = conn
        .prepare("SELECT key, state, attempts, body IS NOT NULL FROM notice_outbox ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    let phones = conn
        .prepare("SELECT owner FROM notice_phones ORDER BY owner")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    (outbox, phones)
}

async fn issue_notify(
    kiosk: &Client,
    rid: &str,
    phone: Option<&str>,
    notify: bool,
) -> IssueResponse {
    kiosk
        .post(
            "/api/v1/tickets",
            &IssueRequest {
                request_id: rid.into(),
                service_id: "a".into(),
                class: TicketClass::Normal,
                citizen_id: None,
                phone: phone.map(String::from),
                helper: None,
                notify,
            },
        )
        .await
        .expect("issue")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_are_signed_retried_while_the_receiver_is_down_and_sent_exactly_once_each() {
    let port = free_port();
    let server = TestServer::start_with(
        &hall_toml(1, &notify_toml(port, 5)),
        ManualClock::new(at("2026-11-23T09:00")),
        None,
    )
    .await;
    let db = server.dir.path().join("hall.db");
    let kiosk = server.client(KIOSK);
    let hall: serde_json::Value = kiosk.get("/api/v1/hall").await.expect("hall");
    assert_eq!(
        hall["hall"]["notify"], true,
        "kiosks are told the hall sends notices"
    );
    // Notices need a phone.
    let e = kiosk
        .post::<IssueResponse>(
            "/api/v1/tickets",
            &IssueRequest {
                request_id: "no-phone".into(),
                service_id: "a".into(),
                class: TicketClass::Normal,
                citizen_id: None,
                phone: None,
                helper: None,
                notify: true,
            },
        )
        .await
        .expect_err("no phone");
    assert_eq!(e.code, ErrorCode::BadRequest);
    let w1 = server.at_window("s1", 1).await;
    let first = issue_notify(&kiosk, "t1", Some("13900139000"), false).await;
    // One ahead of it, window 1 open: due at once; the receiver is not listening yet.
    let mine = issue_notify(&kiosk, "t2", Some("138 0013 8000"), true).await;
    let started = Instant::now();
    loop {
        let (outbox, _) = db_rows(&db);
        if outbox.first().is_some_and(|r| r.2 >= 1) {
            assert_eq!(outbox[0].1, "pending", "retried, not given up: {outbox:?}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no failed try recorded: {outbox:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The manager's console shows it.
    let manager = server.staff("m1").await;
    let mut console = Live::connect(
        &server.ws_url,
        Hello::Staff {
            token: manager.bearer.clone().expect("token"),
        },
    )
    .await
    .expect("manager socket");
    loop {
        if let ServerMsg::Console(state) = console.next().await
            && let Some(w) = state
                .warnings
                .iter()
                .find(|w| w.kind == WarningKind::NoticesFailing)
        {
            assert_eq!(w.value, Some(1), "{w:?}");
            break;
        }
    }
    // The receiver comes up; the retry falls due 5 s later on the hall's clock.
    let receiver = Receiver::default();
    let _task = receiver.listen(port).await;
    server.clock.advance_ms(6_000);
    let got = receiver.until(1).await;
    let near = &got[0];
    assert!(near.signed(), "signature verifies: {near:?}");
    assert_eq!(near.event, "near_turn");
    assert_eq!(near.attempt, "2");
    let body = near.json();
    assert_eq!(body["event"], "near_turn");
    assert_eq!(body["key"], near.key.as_str());
    assert_eq!(body["phone"], PHONE, "the number as given, digits only");
    assert_eq!(body["number"], mine.ticket.number.as_str());
    assert_eq!(body["ahead"], 1);
    assert_eq!(body["service"], "甲业务");
    // Serving the first ticket sends nothing; calling mine sends "called" with the window.
    let called = w1.act(1, "call-next").await.expect("call");
    assert_eq!(called.ticket.expect("ticket").id, first.ticket.id);
    w1.act(1, "start").await.expect("start");
    w1.act(1, "finish").await.expect("finish");
    w1.act(1, "call-next").await.expect("call mine");
    let got = receiver.until(2).await;
    let call = &got[1];
    assert!(call.signed());
    assert_eq!(call.event, "called");
    assert_eq!(call.attempt, "1");
    let body = call.json();
    assert_eq!(
        (body["window"].clone(), body["phone"].clone()),
        (1.into(), PHONE.into())
    );
    assert_eq!(body["window_name"], "窗口1");
    // The phone is kept while the ticket is open, and deleted when it closes.
    let (_, phones) = db_rows(&db);
    assert_eq!(phones, [format!("t:{}", mine.ticket.id)]);
    w1.act(1, "start").await.expect("start");
    w1.act(1, "finish").await.expect("finish");
    // Wait for the outbox to record the second delivery, then look at the file.
    let started = Instant::now();
    let outbox = loop {
        let (outbox, phones) = db_rows(&db);
        if outbox.iter().all(|r| r.1 == "delivered") {
            assert!(
                phones.is_empty(),
                "phone deleted with the ticket's close: {phones:?}"
            );
            break outbox;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{outbox:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(outbox.len(), 2, "exactly the notices due: {outbox:?}");
    assert!(outbox.iter().all(|r| !r.3), "bodies cleared once delivered");
    // Nothing more arrives (a later look at the outbox sends nothing twice).
    server.clock.advance_ms(600_000);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.got().len(), 2);
    let (_clock, _dir) = server.stop().await;
    // Closed, the database is one file again: the full number is nowhere in it.
    let bytes = std::fs::read(&db).expect("db file");
    assert!(
        !String::from_utf8_lossy(&bytes).contains(PHONE),
        "the full number is still in the database file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_interrupted_by_sigkill_is_delivered_after_the_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    std::fs::write(
        dir.path().join("hall.toml"),
        round_the_clock_for_now(1) + &notify_toml(port, 30),
    )
    .expect("config");
    let receiver = Receiver::default();
    receiver.hang.store(true, Ordering::SeqCst);
    let _task = receiver.listen(port).await;
    let (mut server, _) = Binary::start(dir.path()).await;
    let staff = server.staff("s1").await;
    let _: ActionResponse = staff
        .post("/api/v1/windows/1/sign-in", &serde_json::json!({}))
        .await
        .expect("sign in");
    let kiosk = server.client(Some(KIOSK));
    let mine = issue_notify(&kiosk, "k1", Some(PHONE), true).await;
    // The receiver has the request and does not answer: the server dies mid-delivery.
    let got = receiver.until(1).await;
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    drop(server);
    receiver.hang.store(false, Ordering::SeqCst);
    let (server, _) = Binary::start(dir.path()).await;
    let again = receiver.until(2).await;
    assert_eq!(
        again[1].key, got[0].key,
        "the same notice, the same idempotency key"
    );
    assert_eq!(again[1].body, got[0].body, "the same body");
    assert!(again[1].signed());
    assert_eq!(again[1].json()["number"], mine.ticket.number.as_str());
    let started = Instant::now();
    loop {
        let (outbox, _) = db_rows(&dir.path().join("hall.db"));
        if outbox.first().is_some_and(|r| r.1 == "delivered") {
            assert_eq!(outbox.len(), 1);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{outbox:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_booking_page_offers_the_reminder_and_it_arrives_the_day_before() {
    let port = free_port();
    let receiver = Receiver::default();
    let _task = receiver.listen(port).await;
    let toml = hall_toml(1, &notify_toml(port, 5))
        .replace(
            "expected_minutes = 5\n",
            "expected_minutes = 5\n[services.booking]\nslot_minutes = 30\nquota = 2\nhours = [\"09:00-12:00\"]\n",
        )
        + "[booking]\ndays_ahead = 7\n";
    let server =
        TestServer::start_with(&toml, ManualClock::new(at("2026-11-23T08:00")), None).await;
    let http = reqwest::Client::new();
    let form = server
        .http
        .get(format!("{}/book?service=a", server.base))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("body");
    assert!(
        form.contains("name=\"notify\"") && form.contains("前一天提醒我"),
        "the reminder box is offered: {form}"
    );
    let book = |form: &'static str| {
        let (http, url) = (http.clone(), format!("{}/book", server.base));
        async move {
            http.post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .expect("book")
                .text()
                .await
                .expect("body")
        }
    };
    let booked = book("lang=zh&service=a&slot=2026-11-24+09%3A00-09%3A30&name=%E6%9D%8E%E5%9B%9B&phone=13800138000&notify=on").await;
    assert!(booked.contains("预约成功"), "{booked}");
    // Another booking without the box: no reminder for it.
    let plain =
        book("lang=zh&service=a&slot=2026-11-24+09%3A30-10%3A00&name=x&phone=13900139000").await;
    assert!(plain.contains("预约成功"), "{plain}");
    let (_, phones) = db_rows(&server.dir.path().join("hall.db"));
    assert_eq!(
        phones.len(),
        1,
        "only the booking that asked keeps its phone"
    );
    server.clock.set(at("2026-11-23T17:59"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(receiver.got().is_empty(), "not before 18:00");
    server.clock.set(at("2026-11-23T18:00"));
    let got = receiver.until(1).await;
    assert!(got[0].signed());
    let body = got[0].json();
    assert_eq!(body["event"], "booking_reminder");
    assert_eq!(
        (body["date"].clone(), body["slot"].clone()),
        ("2026-11-24".into(), "09:00-09:30".into())
    );
    assert_eq!(body["phone"], PHONE);
    assert_eq!(body["name_masked"], "李*");
    assert!(booked.contains(body["code"].as_str().expect("code")));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        receiver.got().len(),
        1,
        "one reminder, for the booking that asked"
    );
    server.stop().await;
}

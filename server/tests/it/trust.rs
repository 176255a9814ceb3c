//! Issues 16 and 21 over real sockets: logins and PINs that resist guessing, a login flood that stays
//! bounded, sessions that end early (also on open WebSockets and after a restart), caps on
//! connections and public sockets, the header-read timeout, headers, file modes.

use std::time::Duration;

use qcall_protocol::*;
use qcall_server::clock::ManualClock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::*;

fn login(staff_no: &str, password: &str) -> LoginRequest {
    LoginRequest {
        staff_no: staff_no.into(),
        password: password.into(),
    }
}

async fn try_login(
    server: &TestServer,
    staff_no: &str,
    password: &str,
) -> Result<LoginResponse, ApiError> {
    server
        .anonymous()
        .post("/api/v1/auth/login", &login(staff_no, password))
        .await
}

/// A test hall with `limits` as its `[limits]` table, at Monday 09:00.
async fn with_limits(limits: &str) -> TestServer {
    TestServer::start_with(
        &hall_toml(2, &format!("[limits]\n{limits}\n")),
        ManualClock::new(at("2026-11-23T09:00")),
        None,
    )
    .await
}

/// Waits (without a clock) until the open staff socket is refused.
async fn refused(live: &mut Live) -> ApiError {
    loop {
        match live.next_any().await {
            ServerMsg::Refused { error } => return error,
            ServerMsg::Events { .. } | ServerMsg::Heartbeat { .. } => continue,
            other => panic!("expected the session to end, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_passwords_lock_the_staff_number_until_the_clock_says_so() {
    let server = TestServer::start(2).await;
    for i in 1..5 {
        let e = try_login(&server, "s1", "wrong").await.expect_err("wrong");
        assert_eq!(e.code, ErrorCode::BadCredentials, "failure {i}");
    }
    let e = try_login(&server, "s1", "wrong").await.expect_err("locks");
    assert_eq!(
        (e.code, e.retry_after_s),
        (ErrorCode::LoginLocked, Some(900))
    );
    // Locked: even the right password is refused, without a check, with the time left.
    server.clock.advance_ms(60_000);
    let e = try_login(&server, "s1", PASSWORD)
        .await
        .expect_err("locked");
    assert_eq!(
        (e.code, e.retry_after_s),
        (ErrorCode::LoginLocked, Some(840))
    );
    // Another staff number is not locked.
    try_login(&server, "s2", PASSWORD)
        .await
        .expect("s2 signs in");
    // Fifteen minutes after the lock, the right password works and clears the count.
    server.clock.advance_ms(840_000);
    try_login(&server, "s1", PASSWORD).await.expect("unlocked");
    for _ in 1..5 {
        try_login(&server, "s1", "wrong").await.expect_err("wrong");
    }
    assert_eq!(
        try_login(&server, "s1", PASSWORD)
            .await
            .map(|_| ())
            .map_err(|e| e.code),
        Ok(()),
        "four failures after a success do not lock"
    );
    // Every failure and the lock are in the audit log, with who as claimed and from where.
    let audit = server.staff("m1").await.audit().await;
    let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
    assert_eq!((count("login_failed"), count("login_locked")), (8, 1));
    assert!(
        audit
            .iter()
            .filter(|e| e.action.starts_with("login_"))
            .all(|e| e.detail.contains(r#""claimed":"s1""#) && e.detail.contains("127.0.0.1"))
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_guessing_many_staff_numbers_is_locked() {
    let server = with_limits("address_failures = 6").await;
    for i in 0..5 {
        let e = try_login(&server, &format!("nobody{i}"), "x")
            .await
            .expect_err("unknown");
        assert_eq!(
            e.code,
            ErrorCode::BadCredentials,
            "unknown numbers look like wrong passwords"
        );
    }
    let e = try_login(&server, "s2", "x")
        .await
        .expect_err("the sixth locks the address");
    assert_eq!(e.code, ErrorCode::LoginLocked);
    let e = try_login(&server, "s1", PASSWORD)
        .await
        .expect_err("address locked");
    assert_eq!(e.code, ErrorCode::LoginLocked);
    server.clock.advance_ms(15 * 60_000);
    try_login(&server, "s1", PASSWORD)
        .await
        .expect("the lock ends");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_is_refused_with_busy_and_its_state_stays_bounded() {
    // No address lock, so that every attempt reaches the gate.
    let server = with_limits("address_failures = 0").await;
    let http = reqwest::Client::new();
    let mut attempts = Vec::new();
    for i in 0..96 {
        let (http, base) = (http.clone(), server.base.clone());
        attempts.push(tokio::spawn(async move {
            let resp = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&login(&format!("flood{i}"), "guess"))
                .send()
                .await
                .expect("send");
            let status = resp.status().as_u16();
            let body: ErrorBody = resp.json().await.expect("error body");
            (status, body.error)
        }));
    }
    let mut busy = 0;
    let mut wrong = 0;
    for a in attempts {
        let (status, e) = a.await.expect("task");
        match e.code {
            ErrorCode::Busy => {
                assert_eq!((status, e.retry_after_s), (503, Some(1)));
                busy += 1;
            }
            ErrorCode::BadCredentials => wrong += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    let status: SecurityStatus = server
        .staff("m1")
        .await
        .get("/api/v1/security")
        .await
        .expect("status");
    println!(
        "login flood: 96 concurrent, {wrong} checked, {busy} refused busy; checks at once ≤ {}, waiting ≤ {}; tracked {} of ≤ {}",
        status.checks_running_max,
        status.checks_waiting_max,
        status.tracked_failures,
        status.tracked_failures_max
    );
    assert!(
        busy > 0,
        "beyond the gate's line, attempts are refused at once"
    );
    assert_eq!(busy + wrong, 96);
    assert_eq!(u64::from(busy), status.checks_refused);
    assert!(wrong <= 96 && wrong >= status.checks_running_max);
    assert!(status.checks_running_max <= 16 && status.checks_waiting_max == 16);
    // One entry per staff number tried and one for the address (plus m1's login: none, it succeeded).
    assert_eq!(status.tracked_failures, wrong + 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_is_not_a_pin_oracle() {
    let server = TestServer::start(2).await;
    let kiosk = server.client(KIOSK);
    let pin = |p: &str| HelperPin {
        staff_no: "s1".into(),
        pin: p.into(),
    };
    let ok: PinCheckResponse = kiosk
        .post("/api/v1/kiosk/check-pin", &pin(PASSWORD))
        .await
        .expect("right PIN");
    assert_eq!(ok.staff.staff_no, "s1");
    for _ in 1..5 {
        let e = kiosk
            .post::<PinCheckResponse>("/api/v1/kiosk/check-pin", &pin("0000"))
            .await
            .expect_err("wrong");
        assert_eq!(e.code, ErrorCode::BadPin);
    }
    let e = kiosk
        .post::<PinCheckResponse>("/api/v1/kiosk/check-pin", &pin("0000"))
        .await
        .expect_err("locks");
    assert_eq!((e.code, e.retry_after_s), (ErrorCode::PinLocked, Some(900)));
    // Issuing with the right PIN is refused too while locked: the same guard.
    let (status, body) = kiosk
        .raw(
            reqwest::Method::POST,
            "/api/v1/tickets",
            Some(format!(
                r#"{{"request_id":"p1","service_id":"a","class":"priority","helper":{{"staff_no":"s1","pin":"{PASSWORD}"}}}}"#
            )),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("pin_locked"))
    );
    // A staff number without a PIN answers like a wrong PIN.
    let e = kiosk
        .post::<PinCheckResponse>(
            "/api/v1/kiosk/check-pin",
            &HelperPin {
                staff_no: "m1".into(),
                pin: PASSWORD.into(),
            },
        )
        .await
        .expect_err("no PIN");
    assert_eq!(e.code, ErrorCode::BadPin);
    let audit = server.staff("m1").await.audit().await;
    assert_eq!(audit.iter().filter(|e| e.action == "pin_failed").count(), 5);
    assert_eq!(audit.iter().filter(|e| e.action == "pin_locked").count(), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_end_sessions_and_disable_end_tokens_and_open_sockets_and_survive_a_restart() {
    let server = TestServer::start(3).await;
    let s1 = try_login(&server, "s1", PASSWORD).await.expect("s1");
    let s1_other = try_login(&server, "s1", PASSWORD)
        .await
        .expect("s1 elsewhere");
    let s2 = try_login(&server, "s2", PASSWORD).await.expect("s2");
    let s3 = try_login(&server, "s3", PASSWORD).await.expect("s3");
    let hello = |t: &str| Hello::Staff { token: t.into() };
    let mut s1_live = Live::connect(&server.ws_url, hello(&s1.token))
        .await
        .expect("ws");
    let mut s2_live = Live::connect(&server.ws_url, hello(&s2.token))
        .await
        .expect("ws");
    let mut s3_live = Live::connect(&server.ws_url, hello(&s3.token))
        .await
        .expect("ws");

    // Sign-out ends this token at once, its socket within the second; the other session goes on.
    let ended: SessionsEnded = server
        .client(&s1.token)
        .post("/api/v1/auth/logout", &serde_json::json!({}))
        .await
        .expect("logout");
    assert_eq!(ended.staff_no, "s1");
    let e = server
        .client(&s1.token)
        .get::<HallResponse>("/api/v1/hall")
        .await
        .expect_err("ended");
    assert_eq!(e.code, ErrorCode::Unauthorized);
    assert_eq!(refused(&mut s1_live).await.code, ErrorCode::Unauthorized);
    server
        .client(&s1_other.token)
        .get::<HallResponse>("/api/v1/hall")
        .await
        .expect("another session of s1 goes on");

    // A manager ends every session of s2; s2 can sign in again.
    let manager = server.staff("m1").await;
    manager
        .post::<SessionsEnded>("/api/v1/staff/s2/end-sessions", &serde_json::json!({}))
        .await
        .expect("end sessions");
    assert_eq!(refused(&mut s2_live).await.code, ErrorCode::Unauthorized);
    server.clock.advance_ms(1);
    let s2_again = try_login(&server, "s2", PASSWORD)
        .await
        .expect("s2 signs in again");
    server
        .client(&s2_again.token)
        .get::<HallResponse>("/api/v1/hall")
        .await
        .expect("new token");

    // An admin disables s3: socket closed, token and logins refused.
    let admin = server.staff("x1").await;
    let e = manager
        .put::<SessionsEnded>(
            "/api/v1/staff/s3/disabled",
            &SetDisabledRequest { disabled: true },
        )
        .await
        .expect_err("managers may not");
    assert_eq!(e.code, ErrorCode::Forbidden);
    let d: SessionsEnded = admin
        .put(
            "/api/v1/staff/s3/disabled",
            &SetDisabledRequest { disabled: true },
        )
        .await
        .expect("disable");
    assert!(d.disabled);
    assert_eq!(refused(&mut s3_live).await.code, ErrorCode::Unauthorized);
    assert_eq!(
        try_login(&server, "s3", PASSWORD)
            .await
            .expect_err("disabled")
            .code,
        ErrorCode::Forbidden
    );

    // After a restart: still ended, still disabled.
    let (clock, dir) = server.stop().await;
    let server = TestServer::start_with(&hall_toml(3, ""), clock, Some(dir)).await;
    for token in [&s1.token, &s2.token, &s3.token] {
        let e = server
            .client(token)
            .get::<HallResponse>("/api/v1/hall")
            .await
            .expect_err("ended");
        assert_eq!(e.code, ErrorCode::Unauthorized);
    }
    let refused_hello = Live::connect(&server.ws_url, hello(&s1.token))
        .await
        .err()
        .expect("refused");
    assert_eq!(refused_hello.code, ErrorCode::Unauthorized);
    server
        .client(&s2_again.token)
        .get::<HallResponse>("/api/v1/hall")
        .await
        .expect("s2's new token");
    assert_eq!(
        try_login(&server, "s3", PASSWORD)
            .await
            .expect_err("disabled")
            .code,
        ErrorCode::Forbidden
    );
    let admin = server.staff("x1").await;
    admin
        .put::<SessionsEnded>(
            "/api/v1/staff/s3/disabled",
            &SetDisabledRequest { disabled: false },
        )
        .await
        .expect("enable");
    try_login(&server, "s3", PASSWORD)
        .await
        .expect("enabled again");
    let audit = admin.audit().await;
    for action in [
        "sign_out_token",
        "end_sessions",
        "disable_staff",
        "enable_staff",
    ] {
        assert!(
            audit.iter().any(|e| e.action == action),
            "{action} in the audit log"
        );
    }
    assert!(
        !audit
            .iter()
            .any(|e| e.detail.contains(&s1.token[s1.token.len() - 16..])),
        "no token in the audit log"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_long_lived_token_is_refused() {
    let server = TestServer::start(2).await;
    let real = try_login(&server, "s1", PASSWORD).await.expect("login");
    // The expiry is signed: pushing it out breaks the signature; and a validly signed token that
    // would outlive a session (as with a leaked key) is refused by its expiry alone.
    let parts: Vec<&str> = real.token.split('.').collect();
    let later = real.expires_at + 31 * 365 * 86_400_000;
    let forged = format!(
        "{}.{}.{later}.{}.{}",
        parts[0], parts[1], parts[3], parts[4]
    );
    let e = server
        .client(&forged)
        .get::<HallResponse>("/api/v1/hall")
        .await
        .expect_err("forged");
    assert_eq!(e.code, ErrorCode::Unauthorized);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_sockets_are_capped_per_ticket_and_unknown_tokens_are_rate_limited() {
    let server = TestServer::start(2).await;
    let issued = server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("ticket");
    let token = issued.status_path.trim_start_matches("/t/").to_string();
    let hello = || Hello::Public {
        ticket_token: token.clone(),
    };
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(
            Live::connect(&server.ws_url, hello())
                .await
                .expect("within the cap"),
        );
    }
    let e = Live::connect(&server.ws_url, hello())
        .await
        .err()
        .expect("the fifth is refused");
    assert_eq!(e.code, ErrorCode::RateLimited);
    // A change reaches every page following the ticket, worked out once for all of them.
    server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("another");
    let w1 = server.at_window("s1", 1).await;
    w1.act(1, "call-next")
        .await
        .expect("calls the followed ticket");
    let mut seqs = Vec::new();
    for live in &mut open {
        loop {
            if let ServerMsg::Events { seq, events, .. } = live.next().await
                && let Some(Event::PublicTicket { ticket }) = events.first()
                && ticket.state == TicketState::Called
            {
                seqs.push(seq);
                break;
            }
        }
    }
    assert!(
        seqs.windows(2).all(|w| w[0] == w[1]),
        "one view for all: {seqs:?}"
    );
    let status: SecurityStatus = server
        .staff("m1")
        .await
        .get("/api/v1/security")
        .await
        .expect("status");
    assert_eq!(status.public_sockets, 4);
    drop(open);
    // Unknown tokens: ten, then refused for a while, even a right one; the clock lifts it.
    let anon = server.anonymous();
    for i in 0..10 {
        let e = anon
            .get::<PublicTicket>(&format!("/api/v1/public/tickets/{:044x}", i + 999))
            .await
            .expect_err("unknown");
        assert_eq!(e.code, ErrorCode::UnknownTicket);
    }
    let e = anon
        .get::<PublicTicket>(&format!("/api/v1/public/tickets/{token}"))
        .await
        .expect_err("limited");
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert!(e.retry_after_s.is_some());
    server.clock.advance_ms(6_000);
    anon.get::<PublicTicket>(&format!("/api/v1/public/tickets/{token}"))
        .await
        .expect("a token every 6 s again");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_and_api_answers_carry_the_security_headers() {
    let server = TestServer::start(2).await;
    let issued = server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("ticket");
    let page = server
        .http
        .get(format!("{}{}", server.base, issued.status_path))
        .send()
        .await
        .expect("page");
    let h = page.headers();
    let csp = h["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("script-src 'sha256-") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    let api = server
        .http
        .get(format!("{}/api/v1/public/hall", server.base))
        .send()
        .await
        .expect("api");
    assert_eq!(api.headers()["cache-control"], "no-store");
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_are_not_waited_for_and_connections_are_capped_per_address() {
    let mut tuning = qcall_server::Tuning::default();
    tuning.conns.header_timeout = Duration::from_millis(300);
    tuning.conns.per_addr = 6;
    let server = TestServer::start_tuned(
        &hall_toml(2, ""),
        ManualClock::new(at("2026-11-23T09:00")),
        None,
        tuning,
    )
    .await;
    let addr = server.base.trim_start_matches("http://").to_string();
    // Half a header, then nothing: the server closes the connection (a 408 or a plain close).
    let mut slow = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut buf))
        .await
        .expect("closed by the server, not by this test's bound")
        .expect("read");
    assert!(
        buf.is_empty() || buf.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&buf)
    );
    // Connections from one address are capped: idle ones are kept, the next is closed at once.
    let fresh = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client")
    };
    let token = fresh()
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&login("m1", PASSWORD))
        .send()
        .await
        .expect("login")
        .json::<LoginResponse>()
        .await
        .expect("token")
        .token;
    let mut idle = Vec::new();
    let mut closed = false;
    for _ in 0..10 {
        let mut c = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("the TCP handshake");
        let _ = c
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await;
        let mut first = [0u8; 12];
        match tokio::time::timeout(Duration::from_secs(20), c.read_exact(&mut first))
            .await
            .expect("answered or closed by the server")
        {
            Ok(_) => {
                assert_eq!(&first, b"HTTP/1.1 200");
                idle.push(c);
            }
            Err(_) => {
                closed = true;
                break;
            }
        }
    }
    assert!(closed, "a connection beyond the cap is closed");
    assert!(
        (5..=6).contains(&idle.len()),
        "{} idle connections kept",
        idle.len()
    );
    drop(idle);
    // With them closed, the address is served again and the refusal was counted.
    let mut status = None;
    for _ in 0..5_000 {
        if let Ok(resp) = fresh()
            .get(format!("{}/api/v1/security", server.base))
            .bearer_auth(&token)
            .send()
            .await
            && resp.status() == 200
        {
            status = Some(resp.json::<SecurityStatus>().await.expect("status"));
            break;
        }
        tokio::task::yield_now().await;
    }
    let status = status.expect("served again once the idle connections closed");
    assert!(status.connections_refused >= 1);
    assert!(status.connections <= 6);
    server.stop().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_folder_and_database_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start(2).await;
    server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("a write");
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(server.dir.path()), 0o700);
    for f in ["hall.db", "hall.db-wal", "hall.db-shm"] {
        assert_eq!(mode(&server.dir.path().join(f)), 0o600, "{f}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_purged_after_the_retention_period_and_the_facts_stay() {
    let toml = hall_toml(2, "[privacy]\nretention_days = 2\n").replace(
        "expected_minutes = 5\n",
        "expected_minutes = 5\n[services.booking]\nslot_minutes = 30\nquota = 2\nhours = [\"09:00-12:00\"]\n",
    );
    let server =
        TestServer::start_with(&toml, ManualClock::new(at("2026-11-23T09:00")), None).await;
    // A booking for tomorrow, cancelled by its holder: closed, with a name and phone.
    let booked: BookingResponse = server
        .anonymous()
        .post(
            "/api/v1/public/bookings",
            &serde_json::json!({
                "service_id": "a", "date": "2026-11-24", "slot": "10:00-10:30",
                "name": "李四", "phone": "13955556666",
            }),
        )
        .await
        .expect("book");
    let lookup = serde_json::json!({"code": booked.booking.code, "phone": "13955556666"});
    let _: BookingResponse = server
        .anonymous()
        .post("/api/v1/public/bookings/cancel", &lookup)
        .await
        .expect("cancel");
    let kiosk = server.client(KIOSK);
    let issued: IssueResponse = kiosk
        .post(
            "/api/v1/tickets",
            &IssueRequest {
                notify: false,
                request_id: "purge-1".into(),
                service_id: "a".into(),
                class: TicketClass::Normal,
                citizen_id: Some("11010519491231002X".into()),
                phone: Some("13812341234".into()),
                helper: None,
            },
        )
        .await
        .expect("issue");
    let id = issued.ticket.id;
    let s1 = server.at_window("s1", 1).await;
    let s2 = server.at_window("s2", 2).await;
    s1.act(1, "call-next").await.expect("call");
    let _: ActionResponse = s1
        .post(
            "/api/v1/windows/1/transfer",
            &TransferRequest {
                request_id: None,
                to: TransferTarget::Window(2),
                note: Some("王先生的材料在二号窗口补齐".into()),
            },
        )
        .await
        .expect("transfer with a note");
    s2.act(2, "call-next").await.expect("call at 2");
    s2.act(2, "finish").await.expect("finish");
    // The citizen rates the second leg at window 2's pad, in words.
    let rating: Rating = server
        .client(PAD2)
        .post(
            "/api/v1/rating-pad/ratings",
            &serde_json::json!({
                "request_id": "pad-2", "ticket_id": id, "leg": 1,
                "level": "satisfied", "text": "赵女士说窗口很耐心",
            }),
        )
        .await
        .expect("rating");
    assert!(rating.text.is_some());
    let manager = server.staff("m1").await;
    let before: Ticket = manager
        .get(&format!("/api/v1/tickets/{id}"))
        .await
        .expect("ticket");
    assert_eq!(before.phone_masked.as_deref(), Some("138****1234"));
    assert!(before.legs.iter().any(|l| l.note.is_some()));
    let today_before: WindowToday = manager.get("/api/v1/windows/2/today").await.expect("today");

    // One day later: kept (the retention is two days).
    server.clock.advance_ms(86_400_000);
    let health = |server: &TestServer| {
        let anon = server.anonymous();
        async move {
            anon.get::<Health>("/healthz")
                .await
                .expect("health")
                .business_day
        }
    };
    for _ in 0..2_000 {
        if health(&server).await == "2026-11-24" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(health(&server).await, "2026-11-24");
    // Yesterday's 12-hour logins have expired.
    let manager = server.staff("m1").await;
    let still: Ticket = manager
        .get(&format!("/api/v1/tickets/{id}"))
        .await
        .expect("ticket");
    assert_eq!(
        still.phone_masked.as_deref(),
        Some("138****1234"),
        "within the retention period"
    );

    // Past two days: the personal data goes, the facts stay.
    server.clock.advance_ms(2 * 86_400_000);
    let manager = server.staff("m1").await;
    let mut after = None;
    // The engine ticks every second; each look is a request, not a sleep-then-assert.
    for _ in 0..2_000 {
        let t: Ticket = manager
            .get(&format!("/api/v1/tickets/{id}"))
            .await
            .expect("ticket");
        if t.phone_masked.is_none() {
            after = Some(t);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let after = after.expect("purged within the ticks after the rollover");
    assert!(
        after.legs.iter().all(|l| l.note.is_none()),
        "free texts go too"
    );
    let facts = |t: &Ticket| -> Vec<Leg> {
        t.legs
            .iter()
            .cloned()
            .map(|l| Leg { note: None, ..l })
            .collect()
    };
    assert_eq!(
        facts(&after),
        facts(&before),
        "times, services, windows and staff stay for reports"
    );
    assert_eq!(
        (after.number.clone(), after.state, after.issued_at),
        (before.number.clone(), before.state, before.issued_at)
    );
    let audit = manager.audit().await;
    let purge: Vec<&AuditEntry> = audit
        .iter()
        .filter(|e| e.action == "purge_personal_data")
        .collect();
    assert_eq!(purge.len(), 1, "one entry per purge");
    let detail: serde_json::Value = serde_json::from_str(&purge[0].detail).expect("detail");
    assert_eq!(
        (
            detail["tickets"].as_u64(),
            detail["citizen_ids"].as_u64(),
            detail["phones"].as_u64(),
            detail["notes"].as_u64(),
            detail["bookings"].as_u64(),
            detail["rating_texts"].as_u64(),
        ),
        (Some(1), Some(1), Some(1), Some(1), Some(1), Some(1))
    );
    // The rating keeps its level for the satisfaction figures; its words are gone.
    let page: RatingPage = manager.get("/api/v1/ratings").await.expect("ratings");
    let kept = page
        .ratings
        .into_iter()
        .find(|r| r.id == rating.id)
        .expect("the rating stays");
    assert_eq!(
        (kept.level, kept.text.as_deref()),
        (RatingLevel::Satisfied, None)
    );
    // The booking can no longer be found by the phone it was made with.
    let gone = server
        .anonymous()
        .post::<BookingResponse>("/api/v1/public/bookings/lookup", &lookup)
        .await
        .expect_err("purged");
    assert_eq!(gone.code, ErrorCode::UnknownBooking);
    // Yesterday's figures were kept as they were (the day's stats are not personal data).
    assert_eq!(today_before.served, 1);
    // The database itself no longer holds them.
    let (_, dir) = server.stop().await;
    let db = std::fs::read(dir.path().join("hall.db")).expect("db");
    let text = String::from_utf8_lossy(&db);
    assert!(
        !text.contains("138****1234")
            && !text.contains("王先生")
            && !text.contains("赵女士")
            && !text.contains("139****6666")
            && !text.contains("李*"),
        "gone from the file too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_issue_load_restores_every_ticket_acknowledged_before_it() {
    let server = TestServer::start_with(
        &round_the_clock(2),
        ManualClock::new(at("2026-11-23T09:00")),
        None,
    )
    .await;
    let db = server.dir.path().join("hall.db");
    // Four kiosks' worth of issuing, all the time.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<TicketId>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for _ in 0..4 {
        let (kiosk, acked, stop) = (server.client(KIOSK), acked.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let t = kiosk.issue("a", TicketClass::Normal).await.expect("issue");
                acked.lock().expect("lock").push(t.ticket.id);
            }
        }));
    }
    while acked.lock().expect("lock").len() < 200 {
        tokio::task::yield_now().await;
    }
    let before: Vec<TicketId> = acked.lock().expect("lock").clone();
    let copy = server.dir.path().join("copy.db");
    let db2 = db.clone();
    let copy2 = copy.clone();
    let info = tokio::task::spawn_blocking(move || qcall_server::backup(&db2, &copy2))
        .await
        .expect("task")
        .expect("backup while issuing");
    let during = acked.lock().expect("lock").len();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for l in load {
        l.await.expect("load");
    }
    let total = acked.lock().expect("lock").len();
    println!(
        "backup under load: {} acknowledged before, {} tickets in the copy, {during} when it finished, {total} in all",
        before.len(),
        info.tickets
    );
    assert!(info.tickets as usize >= before.len());
    // A restore under a running server is refused.
    let refused = qcall_server::restore(&copy, &db).expect_err("server running");
    assert!(refused.to_string().contains("running"), "{refused:#}");
    let (clock, dir) = server.stop().await;
    // A damaged copy is refused and the database left alone.
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, b"not a database at all").expect("write");
    assert!(qcall_server::restore(&bad, &db).is_err());
    let (restored, kept) = qcall_server::restore(&copy, &db).expect("restore");
    assert_eq!(restored, info);
    assert!(
        kept.is_some_and(|k| k.is_file()),
        "the replaced database is kept"
    );
    let server = TestServer::start_with(&round_the_clock(2), clock, Some(dir)).await;
    let staff = server.staff("s1").await;
    for id in &before {
        staff
            .get::<Ticket>(&format!("/api/v1/tickets/{id}"))
            .await
            .unwrap_or_else(|e| panic!("ticket {id}, acknowledged before the backup: {e:?}"));
    }
    // Numbering goes on after the copy's last ticket, never reusing one.
    let next = server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("issue");
    assert!(next.ticket.id > *before.iter().max().expect("some"));
    server.stop().await;
}

/// A WebSocket that said hello on a connection with a small receive buffer and then never reads,
/// like a frozen display PC.
async fn frozen(server: &TestServer, hello: Hello) -> impl Sized + use<> {
    use futures_util::SinkExt;
    let addr: std::net::SocketAddr = server
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small buffer");
    let stream = socket.connect(addr).await.expect("connect");
    let (mut ws, _) = tokio_tungstenite::client_async(server.ws_url.as_str(), stream)
        .await
        .expect("upgrade");
    let text = serde_json::to_string(&hello).expect("json");
    ws.send(tokio_tungstenite::tungstenite::Message::Text(text.into()))
        .await
        .expect("hello");
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_that_stops_reading_is_dropped_and_shutdown_stays_bounded() {
    let tuning = qcall_server::Tuning {
        write_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let server = TestServer::start_tuned(
        &round_the_clock(2),
        ManualClock::new(at("2026-11-23T09:00")),
        None,
        tuning,
    )
    .await;
    let manager = server.staff("m1").await;
    let sockets = || async {
        manager
            .get::<SecurityStatus>("/api/v1/security")
            .await
            .expect("status")
            .websockets
    };
    let board = || Hello::Device { key: BOARD.into() };
    let stuck = frozen(&server, board()).await;
    let mut open = sockets().await;
    for _ in 0..1_000 {
        if open == 1 {
            break;
        }
        tokio::task::yield_now().await;
        open = sockets().await;
    }
    assert_eq!(open, 1, "the frozen board is connected");
    // The hall goes on (each notice change is a 12 KB push to every screen); the frozen board's
    // socket fills up and, past the write limit, the server drops it.
    let notices = |i: usize| NoticesRequest {
        notices: (0..20)
            .map(|n| format!("{i}-{n}-{}", "清廉大厅".repeat(48)))
            .collect(),
    };
    let mut pushed = 0;
    while sockets().await > 0 {
        for _ in 0..20 {
            manager
                .put::<NoticesRequest>("/api/v1/notices", &notices(pushed))
                .await
                .expect("the others are served");
            pushed += 1;
        }
        assert!(pushed < 2_000, "the frozen socket was never dropped");
    }
    println!("frozen hall board dropped after {pushed} pushes of 12 KB");
    drop(stuck);
    // Another frozen board holds its socket at shutdown: the server stops anyway, within a bound.
    let _stuck = frozen(&server, board()).await;
    for i in 0..50 {
        manager
            .put::<NoticesRequest>("/api/v1/notices", &notices(i))
            .await
            .expect("notices");
    }
    tokio::time::timeout(Duration::from_secs(10), server.stop())
        .await
        .expect("shutdown finished within 10 s whatever the client does");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_states_the_constraints_the_server_enforces() {
    let server = TestServer::start(2).await;
    let doc: serde_json::Value = server
        .anonymous()
        .get("/api/v1/openapi.json")
        .await
        .expect("doc");
    let schema =
        |name: &str, field: &str| doc["components"]["schemas"][name]["properties"][field].clone();
    assert_eq!(schema("LoginRequest", "staff_no")["maxLength"], 32);
    assert_eq!(
        schema("IssueRequest", "request_id")["pattern"],
        "^[!-~]{1,64}$"
    );
    assert!(schema("IssueRequest", "citizen_id")["pattern"].is_string());
    assert_eq!(schema("NoticesRequest", "notices")["maxItems"], 20);
    assert_eq!(schema("TransferRequest", "note")["maxLength"], 200);
    // At the edges: what the document allows is accepted, one past it is refused.
    let kiosk = server.client(KIOSK);
    let issue = |rid: String, citizen: &str| {
        format!(r#"{{"request_id":"{rid}","service_id":"a","citizen_id":"{citizen}"}}"#)
    };
    let (status, body) = kiosk
        .raw(
            reqwest::Method::POST,
            "/api/v1/tickets",
            Some(issue("~".repeat(64), "11010519491231002x")),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = kiosk
        .raw(
            reqwest::Method::POST,
            "/api/v1/tickets",
            Some(issue("~".repeat(65), "")),
        )
        .await;
    assert_eq!(status, 400);
    let e = try_login(&server, &"9".repeat(33), "x")
        .await
        .expect_err("too long");
    assert_eq!(e.code, ErrorCode::BadRequest);
    server.stop().await;
}

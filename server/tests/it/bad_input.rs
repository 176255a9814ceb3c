//! R30 bad input, R27 the role matrix, and the OpenAPI document: clear errors, nothing changed.

use qcall_protocol::*;
use reqwest::Method;

use crate::util::*;

/// Every route of the API: (method, path with sample parameters, path as documented).
const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/healthz", "/healthz"),
    ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json"),
    ("POST", "/api/v1/auth/login", "/api/v1/auth/login"),
    ("GET", "/api/v1/hall", "/api/v1/hall"),
    ("GET", "/api/v1/availability", "/api/v1/availability"),
    ("GET", "/api/v1/windows", "/api/v1/windows"),
    ("POST", "/api/v1/tickets", "/api/v1/tickets"),
    ("GET", "/api/v1/tickets/1", "/api/v1/tickets/{id}"),
    (
        "POST",
        "/api/v1/tickets/1/cancel",
        "/api/v1/tickets/{id}/cancel",
    ),
    (
        "GET",
        "/api/v1/windows/1/preview",
        "/api/v1/windows/{no}/preview",
    ),
    (
        "GET",
        "/api/v1/windows/1/today",
        "/api/v1/windows/{no}/today",
    ),
    (
        "POST",
        "/api/v1/windows/1/sign-in",
        "/api/v1/windows/{no}/sign-in",
    ),
    (
        "POST",
        "/api/v1/windows/1/sign-out",
        "/api/v1/windows/{no}/sign-out",
    ),
    (
        "POST",
        "/api/v1/windows/1/call-next",
        "/api/v1/windows/{no}/call-next",
    ),
    (
        "POST",
        "/api/v1/windows/1/call-number",
        "/api/v1/windows/{no}/call-number",
    ),
    (
        "POST",
        "/api/v1/windows/1/recall",
        "/api/v1/windows/{no}/recall",
    ),
    (
        "POST",
        "/api/v1/windows/1/start",
        "/api/v1/windows/{no}/start",
    ),
    (
        "POST",
        "/api/v1/windows/1/finish",
        "/api/v1/windows/{no}/finish",
    ),
    (
        "POST",
        "/api/v1/windows/1/finish-and-call-next",
        "/api/v1/windows/{no}/finish-and-call-next",
    ),
    (
        "POST",
        "/api/v1/windows/1/no-show",
        "/api/v1/windows/{no}/no-show",
    ),
    (
        "POST",
        "/api/v1/windows/1/requeue",
        "/api/v1/windows/{no}/requeue",
    ),
    (
        "POST",
        "/api/v1/windows/1/transfer",
        "/api/v1/windows/{no}/transfer",
    ),
    (
        "POST",
        "/api/v1/windows/1/hold",
        "/api/v1/windows/{no}/hold",
    ),
    (
        "POST",
        "/api/v1/windows/1/unhold",
        "/api/v1/windows/{no}/unhold",
    ),
    (
        "POST",
        "/api/v1/windows/1/pause",
        "/api/v1/windows/{no}/pause",
    ),
    (
        "POST",
        "/api/v1/windows/1/resume",
        "/api/v1/windows/{no}/resume",
    ),
    (
        "PUT",
        "/api/v1/windows/1/services",
        "/api/v1/windows/{no}/services",
    ),
    ("PUT", "/api/v1/notices", "/api/v1/notices"),
    (
        "GET",
        "/api/v1/staff/s1/photo",
        "/api/v1/staff/{staff_no}/photo",
    ),
    ("GET", "/api/v1/audit", "/api/v1/audit"),
    (
        "GET",
        "/api/v1/reports?from=2026-11-01&to=2026-11-30&by=window",
        "/api/v1/reports",
    ),
    (
        "GET",
        "/api/v1/reports/ranking?from=2026-11-01&to=2026-11-30",
        "/api/v1/reports/ranking",
    ),
    ("GET", "/api/v1/public/hall", "/api/v1/public/hall"),
    (
        "GET",
        "/api/v1/public/tickets/x",
        "/api/v1/public/tickets/{token}",
    ),
    (
        "POST",
        "/api/v1/public/tickets/x/cancel",
        "/api/v1/public/tickets/{token}/cancel",
    ),
    ("GET", "/api/v1/ws", "/api/v1/ws"),
    ("GET", "/api/v1/staff", "/api/v1/staff"),
    ("GET", "/api/v1/rating-pad", "/api/v1/rating-pad"),
    (
        "POST",
        "/api/v1/rating-pad/ratings",
        "/api/v1/rating-pad/ratings",
    ),
    ("GET", "/api/v1/ratings", "/api/v1/ratings"),
    (
        "GET",
        "/api/v1/ratings/export?from=2026-11-23",
        "/api/v1/ratings/export",
    ),
    (
        "POST",
        "/api/v1/ratings/1/appeal",
        "/api/v1/ratings/{id}/appeal",
    ),
    (
        "POST",
        "/api/v1/ratings/1/appeal-decision",
        "/api/v1/ratings/{id}/appeal-decision",
    ),
    ("GET", "/api/v1/cases", "/api/v1/cases"),
    ("GET", "/api/v1/cases/1", "/api/v1/cases/{id}"),
    ("POST", "/api/v1/cases/1/steps", "/api/v1/cases/{id}/steps"),
    (
        "GET",
        "/api/v1/public/tickets/x/rating",
        "/api/v1/public/tickets/{token}/rating",
    ),
    (
        "POST",
        "/api/v1/public/tickets/x/rating",
        "/api/v1/public/tickets/{token}/rating",
    ),
    (
        "POST",
        "/api/v1/staff/s2/end-sessions",
        "/api/v1/staff/{staff_no}/end-sessions",
    ),
    (
        "PUT",
        "/api/v1/staff/s2/disabled",
        "/api/v1/staff/{staff_no}/disabled",
    ),
    ("GET", "/api/v1/security", "/api/v1/security"),
    ("POST", "/api/v1/kiosk/check-pin", "/api/v1/kiosk/check-pin"),
    (
        "GET",
        "/api/v1/public/booking/slots",
        "/api/v1/public/booking/slots",
    ),
    ("POST", "/api/v1/public/bookings", "/api/v1/public/bookings"),
    (
        "POST",
        "/api/v1/public/bookings/lookup",
        "/api/v1/public/bookings/lookup",
    ),
    (
        "POST",
        "/api/v1/public/bookings/cancel",
        "/api/v1/public/bookings/cancel",
    ),
    ("GET", "/api/v1/bookings", "/api/v1/bookings"),
    ("POST", "/api/v1/bookings", "/api/v1/bookings"),
    (
        "POST",
        "/api/v1/bookings/ACEFHJ/cancel",
        "/api/v1/bookings/{code}/cancel",
    ),
    (
        "POST",
        "/api/v1/bookings/check-in",
        "/api/v1/bookings/check-in",
    ),
    // Last: it ends the session of each who may call it.
    ("POST", "/api/v1/auth/logout", "/api/v1/auth/logout"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_every_route_and_every_listed_route_exists() {
    let server = TestServer::start(2).await;
    let (status, doc) = server
        .anonymous()
        .raw(Method::GET, "/api/v1/openapi.json", None)
        .await;
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flat_map(move |m| m.keys().map(move |k| (k.to_uppercase(), path.clone())))
        })
        .collect();
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, _, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);
    // And the router answers each one (not "no such route").
    for (method, path, _) in ROUTES {
        let (status, body) = server
            .anonymous()
            .raw(
                Method::from_bytes(method.as_bytes()).expect("method"),
                path,
                Some("{}".into()),
            )
            .await;
        assert!(
            status != 404 || body["error"]["code"] != "not_found",
            "{method} {path}: {status} {body}"
        );
    }
    server.stop().await;
}

/// Who asks in the role matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Nobody,
    Kiosk,
    Display,
    /// The rating pad of window 1 (a display device).
    Pad,
    Staff,
    Manager,
    Admin,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_matrix_r27() {
    use Who::*;
    let server = TestServer::start(2).await;
    let staff = server.at_window("s1", 1).await;
    let manager = server.staff("m1").await;
    let admin = server.staff("x1").await;
    let client = |who: Who| match who {
        Nobody => server.anonymous(),
        Kiosk => server.client(KIOSK),
        Display => server.client(BOARD),
        Pad => server.client(PAD1),
        Staff => staff.clone(),
        Manager => manager.clone(),
        Admin => admin.clone(),
    };
    // Staff act only at their own window; the preview of another window is refused.
    let other = server.at_window("s2", 2).await;
    assert_eq!(
        other.act(1, "call-next").await.expect_err("not mine").code,
        ErrorCode::NotSignedIn
    );
    assert_eq!(
        other
            .get::<PreviewResponse>("/api/v1/windows/1/preview")
            .await
            .expect_err("not mine")
            .code,
        ErrorCode::NotSignedIn
    );
    assert!(
        manager
            .get::<PreviewResponse>("/api/v1/windows/1/preview")
            .await
            .is_ok(),
        "managers read everything"
    );
    // Every route of ROUTES × every role. Refused means 401 without credentials and 403 with the wrong
    // ones; allowed means anything but those two (the request may still fail for another reason).
    let all = &[Nobody, Kiosk, Display, Pad, Staff, Manager, Admin][..];
    let signed_in = &[Kiosk, Display, Pad, Staff, Manager, Admin][..];
    let staffish = &[Staff, Manager, Admin][..];
    let managers = &[Manager, Admin][..];
    // R27: window actions are for the window staff; managers read every window but act at none.
    let window_staff = &[Staff][..];
    let policy = |method: &str, path: &str| -> &[Who] {
        match path {
            // R21, R22: the pad rates; staff read their own, managers everything; staff appeal,
            // managers decide and move cases; the public rates its own ticket (below).
            p if p.starts_with("/api/v1/rating-pad") => &[Pad],
            "/api/v1/ratings" | "/api/v1/cases" | "/api/v1/cases/1" => staffish,
            "/api/v1/ratings/1/appeal" => window_staff,
            p if p.starts_with("/api/v1/ratings/") || p.starts_with("/api/v1/cases/") => managers,
            "/healthz" | "/api/v1/openapi.json" | "/api/v1/auth/login" | "/api/v1/ws" => all,
            p if p.starts_with("/api/v1/public/") => all,
            "/api/v1/hall" | "/api/v1/availability" | "/api/v1/windows" => signed_in,
            "/api/v1/staff/s2/end-sessions" | "/api/v1/security" => managers,
            "/api/v1/staff/s2/disabled" => &[Admin],
            "/api/v1/kiosk/check-pin" => &[Kiosk],
            "/api/v1/auth/logout" => staffish,
            p if p.starts_with("/api/v1/staff/") => signed_in,
            "/api/v1/tickets" | "/api/v1/bookings/check-in" => &[Kiosk, Staff, Manager, Admin],
            p if p.starts_with("/api/v1/bookings") => staffish,
            "/api/v1/notices"
            | "/api/v1/audit"
            | "/api/v1/windows/1/services"
            | "/api/v1/staff" => managers,
            p if p.starts_with("/api/v1/reports") => managers,
            p if p.starts_with("/api/v1/windows/") && method == "POST" => window_staff,
            p if p.starts_with("/api/v1/tickets/") || p.starts_with("/api/v1/windows/") => staffish,
            other => panic!("no policy for {other}: add it to this table"),
        }
    };
    let body_for = |path: &str, who: Who| -> Option<String> {
        Some(match path {
            "/api/v1/tickets" => format!(r#"{{"request_id":"m-{who:?}","service_id":"a"}}"#),
            "/api/v1/bookings/check-in" => {
                format!(r#"{{"request_id":"c-{who:?}","code":"ACEFHJ"}}"#)
            }
            "/api/v1/notices" => r#"{"notices":["一"]}"#.into(),
            "/api/v1/windows/1/services" => r#"{"primary":["a"]}"#.into(),
            "/api/v1/windows/1/pause" => r#"{"reason":"break"}"#.into(),
            "/api/v1/auth/login" => r#"{"staff_no":"s1","password":"wrong"}"#.into(),
            "/api/v1/rating-pad/ratings" => {
                format!(r#"{{"request_id":"m-{who:?}","ticket_id":1,"leg":0,"level":"satisfied"}}"#)
            }
            "/api/v1/ratings/1/appeal" => r#"{"reason":"x"}"#.into(),
            "/api/v1/ratings/1/appeal-decision" => r#"{"uphold":false,"note":"x"}"#.into(),
            "/api/v1/cases/1/steps" => r#"{"step":"verify","note":"x"}"#.into(),
            "/api/v1/public/tickets/x/rating" => r#"{"request_id":"p","level":"satisfied"}"#.into(),
            "/api/v1/staff/s2/disabled" => r#"{"disabled":false}"#.into(),
            _ => "{}".into(),
        })
    };
    for (method, path, _) in ROUTES {
        let allowed = policy(method, path);
        for who in [Nobody, Kiosk, Display, Pad, Staff, Manager, Admin] {
            let m = Method::from_bytes(method.as_bytes()).expect("method");
            let (status, value) = client(who).raw(m, path, body_for(path, who)).await;
            let code = value["error"]["code"].as_str().unwrap_or("");
            if allowed.contains(&who) {
                assert!(
                    code != "unauthorized" && code != "forbidden",
                    "{who:?} {method} {path}: refused {status} {value}"
                );
            } else if who == Nobody {
                assert_eq!((status, code), (401, "unauthorized"), "{method} {path}");
            } else {
                assert_eq!(
                    (status, code),
                    (403, "forbidden"),
                    "{who:?} {method} {path}: {value}"
                );
            }
        }
    }
    // A WebSocket hello with a bad key is refused with a reason.
    let refused = Live::connect(
        &server.ws_url,
        Hello::Device {
            key: "wrong".into(),
        },
    )
    .await
    .err()
    .expect("refused");
    assert_eq!(refused.code, ErrorCode::Unauthorized);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_errors_and_changes_nothing() {
    let server = TestServer::start(2).await;
    let kiosk = server.client(KIOSK);
    let staff = server.at_window("s1", 1).await;
    kiosk.issue("a", TicketClass::Normal).await.expect("A001");
    let manager = server.staff("m1").await;
    let before = manager.audit().await;
    let cases: Vec<(Client, &str, &str, String, u16, &str)> = vec![
        (kiosk.clone(), "POST", "/api/v1/tickets", "{".into(), 400, "bad_request"),
        (kiosk.clone(), "POST", "/api/v1/tickets", "[1,2]".into(), 400, "bad_request"),
        (kiosk.clone(), "POST", "/api/v1/tickets", r#"{"request_id":"x"}"#.into(), 400, "bad_request"),
        (kiosk.clone(), "POST", "/api/v1/tickets", r#"{"request_id":"x","service_id":"a","class":"vip"}"#.into(), 400, "bad_request"),
        (kiosk.clone(), "POST", "/api/v1/tickets", format!(r#"{{"request_id":"x","service_id":"{}"}}"#, "a".repeat(40_000)), 413, "payload_too_large"),
        (kiosk.clone(), "POST", "/api/v1/tickets", r#"{"request_id":"","service_id":"a"}"#.into(), 400, "bad_request"),
        (kiosk.clone(), "POST", "/api/v1/tickets", r#"{"request_id":"x","service_id":"zz"}"#.into(), 404, "unknown_service"),
        (kiosk.clone(), "POST", "/api/v1/tickets", r#"{"request_id":"y","service_id":"a","citizen_id":"12"}"#.into(), 400, "bad_request"),
        (kiosk.clone(), "POST", "/api/v1/tickets", r#"{"request_id":"z","service_id":"a","phone":"call me"}"#.into(), 400, "bad_request"),
        (kiosk.clone(), "POST", "/api/v1/tickets", r#"{"request_id":"w","service_id":"a","class":"priority","helper":{"staff_no":"s1","pin":"0000"}}"#.into(), 403, "bad_pin"),
        (staff.clone(), "POST", "/api/v1/windows/abc/call-next", "{}".into(), 400, "bad_request"),
        (staff.clone(), "POST", "/api/v1/windows/99/call-next", "{}".into(), 404, "unknown_window"),
        (staff.clone(), "POST", "/api/v1/windows/1/finish", "{}".into(), 409, "no_current_ticket"),
        (staff.clone(), "POST", "/api/v1/windows/1/requeue", r#"{"ticket_id":424242}"#.into(), 404, "unknown_ticket"),
        (staff.clone(), "POST", "/api/v1/windows/1/pause", r#"{"reason":"nap"}"#.into(), 400, "bad_request"),
        (staff.clone(), "POST", "/api/v1/windows/1/transfer", r#"{"to":{"window":1}}"#.into(), 400, "transfer_to_self"),
        (staff.clone(), "POST", "/api/v1/windows/1/call-number", r#"{"number":"Q123"}"#.into(), 404, "unknown_ticket"),
        (staff.clone(), "GET", "/api/v1/tickets/424242", String::new(), 404, "unknown_ticket"),
        (staff.clone(), "GET", "/api/v1/windows/1/preview?limit=lots", String::new(), 400, "bad_request"),
        (server.anonymous(), "GET", "/api/v1/public/tickets/abc", String::new(), 404, "unknown_ticket"),
        (server.anonymous(), "POST", "/api/v1/auth/login", r#"{"staff_no":"s1","password":"nope"}"#.into(), 401, "bad_credentials"),
        (server.client("Bearer-with-garbage"), "GET", "/api/v1/hall", String::new(), 401, "unauthorized"),
        (server.anonymous(), "GET", "/api/v2/nothing", String::new(), 404, "not_found"),
        (server.anonymous(), "DELETE", "/api/v1/hall", String::new(), 405, "method_not_allowed"),
    ];
    for (client, method, path, body, status, code) in cases {
        let m = Method::from_bytes(method.as_bytes()).expect("method");
        let (got_status, value) = client
            .raw(m, path, (!body.is_empty()).then_some(body.clone()))
            .await;
        let short: String = body.chars().take(60).collect();
        assert_eq!(
            (got_status, value["error"]["code"].as_str()),
            (status, Some(code)),
            "{method} {path} {short}: {value}"
        );
        assert!(
            value["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "a message for people"
        );
    }
    // Malformed WebSocket hellos.
    for hello in ["not json", r#"{"as":"alien"}"#] {
        use futures_util::{SinkExt, StreamExt};
        let (mut socket, _) = tokio_tungstenite::connect_async(&server.ws_url)
            .await
            .expect("ws");
        socket
            .send(tokio_tungstenite::tungstenite::Message::Text(hello.into()))
            .await
            .expect("send");
        let msg = socket.next().await.expect("reply").expect("ok");
        let parsed: ServerMsg = serde_json::from_str(msg.to_text().expect("text")).expect("json");
        assert!(
            matches!(parsed, ServerMsg::Refused { error } if error.code == ErrorCode::BadRequest)
        );
    }
    // Refused requests changed nothing; failed credentials left their trace (issue 21).
    let after = manager.audit().await;
    let failures = ["pin_failed", "login_failed", "forbidden"];
    let (traces, rest): (Vec<AuditEntry>, Vec<AuditEntry>) = after
        .into_iter()
        .partition(|e| failures.contains(&e.action.as_str()));
    assert_eq!(rest, before, "refused requests changed nothing");
    for action in ["pin_failed", "login_failed"] {
        let row = traces
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("no {action} row in {traces:?}"));
        assert!(
            row.detail.contains(r#""claimed":"s1""#) && row.detail.contains("127.0.0.1"),
            "who, as claimed, and from where: {row:?}"
        );
        assert!(
            !row.detail.contains("0000") && !row.detail.contains("wrong"),
            "never the secret"
        );
    }
    let health: Health = server
        .anonymous()
        .get("/healthz")
        .await
        .expect("still healthy");
    assert_eq!(health.open_tickets, 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosks_are_rate_limited_per_device() {
    let server = TestServer::start_with(
        &hall_toml(1, "[limits]\nissue_per_minute = 6\nissue_burst = 3\n"),
        qcall_server::clock::ManualClock::new(at("2026-11-23T09:00")),
        None,
    )
    .await;
    let kiosk = server.client(KIOSK);
    for _ in 0..3 {
        kiosk.issue("a", TicketClass::Normal).await.expect("burst");
    }
    assert_eq!(
        kiosk
            .issue("a", TicketClass::Normal)
            .await
            .expect_err("limited")
            .code,
        ErrorCode::RateLimited
    );
    server.clock.advance_ms(10_000);
    kiosk
        .issue("a", TicketClass::Normal)
        .await
        .expect("refilled after 10 s");
    server.stop().await;
}

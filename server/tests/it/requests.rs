//! R6 across the API (issue 19.10): a request id names one request. A retry gets the first answer,
//! even past the kiosk's rate limit; the same id sent for something else is refused, never answered
//! with the other request's answer.

use qcall_protocol::*;
use qcall_server::clock::ManualClock;

use crate::util::*;

fn issue(rid: &str, service: &str) -> IssueRequest {
    IssueRequest {
        notify: false,
        request_id: rid.into(),
        service_id: service.into(),
        class: TicketClass::Normal,
        citizen_id: None,
        phone: None,
        helper: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_names_one_request() {
    let server = TestServer::start_with(
        &hall_toml(2, "[limits]\nissue_per_minute = 6\nissue_burst = 2\n"),
        ManualClock::new(at("2026-11-23T09:00")),
        None,
    )
    .await;
    let kiosk = server.client(KIOSK);
    let first: IssueResponse = kiosk
        .post("/api/v1/tickets", &issue("touch-1", "a"))
        .await
        .expect("A001");
    // The same id for another service: a clear refusal, and no ticket of b.
    let reused = kiosk
        .post::<IssueResponse>("/api/v1/tickets", &issue("touch-1", "b"))
        .await
        .expect_err("reused for another service");
    assert_eq!(reused.code, ErrorCode::RequestIdReused);
    // Use up the burst; a retry of the granted touch still gets its ticket, a new touch waits.
    kiosk
        .post::<IssueResponse>("/api/v1/tickets", &issue("touch-2", "a"))
        .await
        .expect("A002");
    let limited = kiosk
        .post::<IssueResponse>("/api/v1/tickets", &issue("touch-3", "a"))
        .await
        .expect_err("burst used up");
    assert_eq!(limited.code, ErrorCode::RateLimited);
    assert!(limited.retry_after_s.is_some_and(|s| s > 0), "says when");
    let retry: IssueResponse = kiosk
        .post("/api/v1/tickets", &issue("touch-1", "a"))
        .await
        .expect("a retry is answered whatever the limit");
    assert_eq!(retry.ticket.id, first.ticket.id);
    let tiles: AvailabilityResponse = kiosk.get("/api/v1/availability").await.expect("tiles");
    let b = tiles
        .services
        .iter()
        .find(|s| s.service_id == "b")
        .expect("b");
    assert_eq!(b.issued_today, 0, "the reused id made no ticket of b");

    // A window action sent with another action's id is refused and does nothing.
    let staff = server.at_window("s1", 1).await;
    let called: ActionResponse = staff
        .post(
            "/api/v1/windows/1/call-next",
            &ActionRequest {
                request_id: Some("press-1".into()),
            },
        )
        .await
        .expect("call");
    let again: ActionResponse = staff
        .post(
            "/api/v1/windows/1/call-next",
            &ActionRequest {
                request_id: Some("press-1".into()),
            },
        )
        .await
        .expect("a retry of the call");
    assert_eq!(again.call, called.call, "the same call, not a second one");
    let wrong = staff
        .post::<ActionResponse>(
            "/api/v1/windows/1/finish",
            &ActionRequest {
                request_id: Some("press-1".into()),
            },
        )
        .await
        .expect_err("press-1 was a call");
    assert_eq!(wrong.code, ErrorCode::RequestIdReused);
    let window: Vec<WindowView> = staff.get("/api/v1/windows").await.expect("windows");
    assert!(
        window.iter().any(|w| w.number == 1 && w.current.is_some()),
        "the ticket is still called, not finished"
    );
    server.stop().await;
}

//! REST calls: typed answers and typed refusals from the real server, idempotent retries (R6) with one
//! request id per intent, and the transport failures a fake server produces on demand.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::{get, post};
use qcall_client::rest::RetryPolicy;
use qcall_client::{ClientError, NetThread, RequestId, Requests, RestClient, WindowAction};
use qcall_protocol::*;
use qcall_server::clock::ManualClock;

use crate::util::*;

fn code(r: Result<impl std::fmt::Debug, ClientError>) -> ErrorCode {
    match r {
        Err(ClientError::Api(e)) => e.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_answer_typed_and_refusals_carry_the_servers_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let server = Server::start(port, dir.path(), ManualClock::new(START)).await;
    let rest = RestClient::new(&addr(port)).expect("rest");
    let kiosk = rest.with_bearer(KIOSK);

    assert_eq!(rest.health().await.expect("health").status, "ok");
    assert_eq!(
        code(rest.login("1001", "wrong").await),
        ErrorCode::BadCredentials
    );
    assert_eq!(
        code(rest.hall().await),
        ErrorCode::Unauthorized,
        "no credentials"
    );
    let login = rest.login("1001", PASSWORD).await.expect("login");
    assert_eq!(login.staff.staff_no, "1001");
    let staff = rest.with_bearer(login.token);
    let act = |a: WindowAction| {
        let staff = staff.clone();
        async move { staff.window_action(1, &a, &RequestId::new()).await }
    };

    let hall = kiosk.hall().await.expect("hall");
    assert_eq!(hall.windows.len(), 8);
    assert!(
        kiosk
            .availability()
            .await
            .expect("availability")
            .issuing_open
    );
    assert_eq!(
        code(act(WindowAction::CallNext).await),
        ErrorCode::WindowClosed
    );
    act(WindowAction::SignIn).await.expect("sign in");
    assert_eq!(
        code(act(WindowAction::CallNext).await),
        ErrorCode::QueueEmpty
    );

    // R6: the same intent sent twice is one ticket; a new touch is a new ticket.
    let touch = issue("tax");
    let first = kiosk.issue(&touch).await.expect("issue");
    let again = kiosk.issue(&touch).await.expect("retry");
    assert_eq!(
        first.ticket.id, again.ticket.id,
        "a retry gets the same ticket"
    );
    let second = kiosk.issue(&issue("tax")).await.expect("another touch");
    assert_ne!(second.ticket.id, first.ticket.id);
    assert_eq!(
        code(kiosk.issue(&issue("nope")).await),
        ErrorCode::UnknownService
    );

    // The same key press sent twice calls once.
    let press = RequestId::new();
    let call = staff
        .window_action(1, &WindowAction::CallNext, &press)
        .await
        .expect("call");
    let repeat = staff
        .window_action(1, &WindowAction::CallNext, &press)
        .await
        .expect("same press");
    assert_eq!(call.call, repeat.call, "one call, not two");
    assert_eq!(call.ticket.as_ref().map(|t| t.id), Some(first.ticket.id));
    assert_eq!(
        code(act(WindowAction::CallNext).await),
        ErrorCode::WindowBusy,
        "a new press"
    );

    let preview = staff.preview(1, Some(5)).await.expect("preview");
    assert_eq!(preview.next.first().map(|t| t.id), Some(second.ticket.id));
    let status = rest.public_ticket(&first.token).await.expect("status");
    assert_eq!(
        (status.state, status.window),
        (TicketState::Called, Some(1))
    );
    assert_eq!(
        code(rest.public_ticket("../hall").await),
        ErrorCode::UnknownTicket
    );
    act(WindowAction::Start).await.expect("start");
    assert_eq!(
        code(act(WindowAction::Start).await),
        ErrorCode::WrongState,
        "started already"
    );
    act(WindowAction::Finish).await.expect("finish");
    act(WindowAction::Pause {
        reason: PauseReason::Meeting,
    })
    .await
    .expect("pause");
    assert_eq!(
        code(act(WindowAction::CallNext).await),
        ErrorCode::WindowPaused
    );
    act(WindowAction::Resume).await.expect("resume");
    assert_eq!(staff.today(1).await.expect("today").served, 1);
    let cancelled = staff
        .cancel_ticket(second.ticket.id, &RequestId::new())
        .await
        .expect("cancel");
    assert_eq!(cancelled.ticket.state, TicketState::Cancelled);
    assert_eq!(
        staff.ticket(second.ticket.id).await.expect("ticket").state,
        TicketState::Cancelled
    );

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_run_off_the_ui_thread_and_deliver_through_the_channel() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let server = Server::start(port, dir.path(), ManualClock::new(START)).await;
    let kiosk = RestClient::new(&addr(port))
        .expect("rest")
        .with_bearer(KIOSK);

    let net = NetThread::start().expect("net");
    let wakes = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = wakes.clone();
    let requests: Requests<Result<IssueResponse, ClientError>> = Requests::new(
        &net,
        Arc::new(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }),
    );
    let started = Instant::now();
    let touch = issue("social");
    requests.spawn({
        let kiosk = kiosk.clone();
        async move { kiosk.issue(&touch).await }
    });
    assert!(
        started.elapsed() < Duration::from_millis(20),
        "spawning never waits"
    );
    assert_eq!(requests.in_flight(), 1);
    let answer = eventually("the issue answer", Duration::from_secs(10), || {
        requests.try_recv()
    })
    .await;
    assert_eq!(answer.expect("ticket").ticket.number, "S001");
    assert_eq!(requests.in_flight(), 0);
    assert_eq!(wakes.load(std::sync::atomic::Ordering::SeqCst), 1);
    drop(net);
    server.stop().await;
}

/// Request ids seen by the fake server, and whether it answers or hangs.
#[derive(Clone, Default)]
struct Fake {
    ids: Arc<Mutex<Vec<String>>>,
    answer_from: usize,
}

fn window_view() -> WindowView {
    WindowView {
        number: 1,
        name: "1号窗口".into(),
        screen_text: String::new(),
        primary: vec![],
        secondary: vec![],
        status: WindowStatus::Open,
        pause_reason: None,
        paused_since: None,
        staff: None,
        current: None,
        held: vec![],
    }
}

/// A server whose call-next hangs on the first `answer_from` requests (longer than the client's
/// timeout) and answers after; `/broken` answers 502 with an HTML page, like a misconfigured proxy.
async fn fake_http(answer_from: usize) -> (String, Fake) {
    let fake = Fake {
        answer_from,
        ..Fake::default()
    };
    let state = fake.clone();
    let app = axum::Router::new()
        .route(
            "/api/v1/windows/1/call-next",
            post(
                |axum::extract::State(f): axum::extract::State<Fake>, body: String| async move {
                    let req: ActionRequest = serde_json::from_str(&body).expect("action body");
                    let n = {
                        let mut ids = f.ids.lock().expect("lock");
                        ids.push(req.request_id.unwrap_or_default());
                        ids.len()
                    };
                    if n <= f.answer_from {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                    axum::Json(ActionResponse {
                        finished: None,
                        ticket: None,
                        window: window_view(),
                        call: None,
                    })
                },
            ),
        )
        .route(
            "/api/v1/hall",
            get(|| async {
                (
                    axum::http::StatusCode::BAD_GATEWAY,
                    "<html>bad gateway</html>",
                )
            }),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("127.0.0.1:{}", listener.local_addr().expect("addr").port());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, fake)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_retried_with_the_same_request_id() {
    let (base, fake) = fake_http(1).await;
    let server = qcall_client::ServerAddr::parse(&base).expect("addr");
    let client = RestClient::with_timeout(&server, Duration::from_millis(300))
        .expect("client")
        .with_retry(RetryPolicy {
            attempts: 3,
            pause: Duration::from_millis(20),
        });
    let press = RequestId::new();
    let answer = client
        .window_action(1, &WindowAction::CallNext, &press)
        .await
        .expect("the retry gets the answer");
    assert_eq!(answer.window.number, 1);
    let ids = fake.ids.lock().expect("lock").clone();
    assert_eq!(
        ids,
        vec![press.to_string(), press.to_string()],
        "one intent, one id"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_failures_are_typed() {
    let (base, fake) = fake_http(usize::MAX).await;
    let server = qcall_client::ServerAddr::parse(&base).expect("addr");
    let client = RestClient::with_timeout(&server, Duration::from_millis(200))
        .expect("client")
        .with_retry(RetryPolicy {
            attempts: 2,
            pause: Duration::from_millis(10),
        });
    let started = Instant::now();
    let r = client
        .window_action(1, &WindowAction::CallNext, &RequestId::new())
        .await;
    assert_eq!(r, Err(ClientError::Timeout));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "gives up: {:?}",
        started.elapsed()
    );
    assert_eq!(fake.ids.lock().expect("lock").len(), 2, "tried twice");

    // Not our protocol: an HTML error page.
    match client.hall().await {
        Err(ClientError::Decode(text)) => assert!(text.contains("502"), "{text}"),
        other => panic!("expected a decode error, got {other:?}"),
    }

    // Nobody listening.
    let closed =
        qcall_client::ServerAddr::parse(&format!("127.0.0.1:{}", free_port())).expect("addr");
    let r = RestClient::new(&closed).expect("client").hall().await;
    assert!(matches!(r, Err(ClientError::Network(_))), "{r:?}");
}

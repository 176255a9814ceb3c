//! A whole hall day over HTTP and WebSocket, checked from each party's side.

use qcall_protocol::*;

use crate::util::*;

fn calls(events: &[Event]) -> Vec<Call> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Called { call } => Some(call.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_hall_day() {
    let server = TestServer::start(3).await;
    let kiosk = server.client(KIOSK);
    let mut board = Live::connect(&server.ws_url, Hello::Device { key: BOARD.into() })
        .await
        .expect("board");
    let settings = board.snapshot.display.clone().expect("display settings");
    assert_eq!(settings.mode, DisplayMode::HallBoard);
    assert!(settings.audio && settings.repeat == 2 && settings.template_zh.contains("{number}"));
    assert_eq!(board.snapshot.hall.notices, vec!["清廉大厅".to_string()]);
    assert!(
        board
            .snapshot
            .windows
            .iter()
            .all(|w| w.status == WindowStatus::Closed)
    );
    let mut screen = Live::connect(
        &server.ws_url,
        Hello::Device {
            key: SCREEN1.into(),
        },
    )
    .await
    .expect("screen");
    assert_eq!(
        screen.snapshot.display.as_ref().map(|d| d.mode),
        Some(DisplayMode::WindowScreen { window: 1 })
    );

    // Morning: two windows open.
    let w1 = server.at_window("s1", 1).await;
    let w2 = server.at_window("s2", 2).await;
    let (event, _) = screen
        .until(|e| matches!(e, Event::Window { window } if window.number == 1))
        .await;
    let Event::Window { window } = event else {
        unreachable!()
    };
    assert_eq!(window.status, WindowStatus::Open);
    let card = window.staff.expect("亮身份");
    assert_eq!(
        (
            card.staff_no.as_str(),
            card.name.as_str(),
            card.badges.as_slice()
        ),
        ("s1", "员工1", &["党员示范岗".to_string()][..])
    );

    // Tickets of every class.
    let a1 = kiosk.issue("a", TicketClass::Normal).await.expect("A001");
    assert_eq!((a1.ticket.number.as_str(), a1.ahead), ("A001", 0));
    assert_eq!(a1.estimated_wait_minutes, Some(0));
    let a2 = kiosk.issue("a", TicketClass::Normal).await.expect("A002");
    assert_eq!(
        (a2.ahead, a2.estimated_wait_minutes),
        (0, Some(0)),
        "two open windows serving a: A001 and A002 can be called at the same time"
    );
    let refused = kiosk
        .issue("a", TicketClass::Priority)
        .await
        .expect_err("priority needs a PIN");
    assert_eq!(refused.code, ErrorCode::ClassNotAllowed);
    let pin = IssueRequest {
        notify: false,
        request_id: "pin-1".into(),
        service_id: "a".into(),
        class: TicketClass::Priority,
        citizen_id: Some("110105194912310021".into()),
        phone: Some("13800001111".into()),
        helper: Some(HelperPin {
            staff_no: "s1".into(),
            pin: "demo-staff".into(),
        }),
    };
    let a3: IssueResponse = kiosk
        .post("/api/v1/tickets", &pin)
        .await
        .expect("priority with PIN");
    assert_eq!(
        (a3.ticket.number.as_str(), a3.ticket.class, a3.ahead),
        ("A003", TicketClass::Priority, 0)
    );
    assert_eq!(a3.ticket.phone_masked.as_deref(), Some("138****1111"));
    let again: IssueResponse = kiosk
        .post("/api/v1/tickets", &pin)
        .await
        .expect("a retry of the same touch");
    assert_eq!(
        again.ticket.id, a3.ticket.id,
        "R6: the same ticket, not a second one"
    );
    let dup = IssueRequest {
        notify: false,
        request_id: "pin-2".into(),
        ..pin.clone()
    };
    assert_eq!(
        kiosk
            .post::<IssueResponse>("/api/v1/tickets", &dup)
            .await
            .expect_err("R5")
            .code,
        ErrorCode::DuplicateCitizen
    );
    let b1 = kiosk.issue("b", TicketClass::Normal).await.expect("B001");
    let v1 = w2
        .issue("green", TicketClass::Green)
        .await
        .expect("V001 by staff");
    let appt = w2
        .issue("b", TicketClass::Appointment)
        .await
        .expect("B002 appointment by staff");
    let avail: AvailabilityResponse = kiosk
        .get("/api/v1/availability")
        .await
        .expect("availability");
    let count = |id: &str| {
        avail
            .services
            .iter()
            .find(|s| s.service_id == id)
            .map(|s| s.waiting)
    };
    assert_eq!(
        (count("a"), count("b"), count("green")),
        (Some(3), Some(2), Some(1))
    );

    // The slip's QR code opens the status page, which follows the ticket live over the WebSocket.
    let page = server
        .http
        .get(format!("{}{}", server.base, a2.status_path))
        .send()
        .await
        .expect("status page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("排队进度") && html.contains("/api/v1/ws") && html.contains("public"));

    // The citizen follows A002 on the phone.
    let mut phone = Live::connect(
        &server.ws_url,
        Hello::Public {
            ticket_token: a2.token.clone(),
        },
    )
    .await
    .expect("status page");
    let mine = phone.snapshot.ticket.clone().expect("own ticket");
    // Ahead of A002 by the windows' own calling order (R11, R8): window 1 calls the green V001 first,
    // window 2 its primary appointment B002; then window 1 A003 (priority), window 2 its primary
    // B001, window 1 A001; A002 is next.
    assert_eq!(
        (mine.number.as_str(), mine.state, mine.ahead),
        ("A002", TicketState::Waiting, Some(5))
    );
    assert!(
        phone.snapshot.windows.is_empty() && phone.snapshot.open_tickets.is_empty(),
        "the public sees only its ticket"
    );

    // Calls: window 1 serves a first; green is always first (R11).
    let mut made: Vec<Call> = Vec::new();
    let r = w1.act(1, "call-next").await.expect("call");
    assert_eq!(r.ticket.as_ref().map(|t| t.number.as_str()), Some("V001"));
    made.push(r.call.expect("call"));
    let r = w2.act(2, "call-next").await.expect("call at 2");
    assert_eq!(
        r.ticket.as_ref().map(|t| t.number.as_str()),
        Some("B002"),
        "appointment ranks with priority"
    );
    made.push(r.call.expect("call"));
    // A double press with one request id is one call.
    let press = serde_json::json!({ "request_id": "press-7" });
    w1.act(1, "start").await.expect("start");
    w1.act(1, "finish").await.expect("finish");
    let first: ActionResponse = w1
        .post("/api/v1/windows/1/call-next", &press)
        .await
        .expect("call");
    let second: ActionResponse = w1
        .post("/api/v1/windows/1/call-next", &press)
        .await
        .expect("same press again");
    assert_eq!(first, second);
    assert_eq!(
        first.ticket.as_ref().map(|t| t.number.as_str()),
        Some("A003"),
        "priority before normal"
    );
    made.push(first.call.expect("call"));
    let recall = w1.act(1, "recall").await.expect("recall");
    made.push(recall.call.expect("recall call"));
    w1.act(1, "start").await.expect("start");
    w1.act(1, "finish").await.expect("finish");

    // A001 does not come: no-show, then back within the limit and requeued behind 2.
    let r = w1.act(1, "call-next").await.expect("A001");
    assert_eq!(r.ticket.as_ref().map(|t| t.number.as_str()), Some("A001"));
    made.push(r.call.expect("call"));
    w1.act(1, "no-show").await.expect("no-show");
    let a4 = kiosk.issue("a", TicketClass::Normal).await.expect("A004");
    let a5 = kiosk.issue("a", TicketClass::Normal).await.expect("A005");
    server.clock.advance_ms(10 * 60_000);
    let requeued: ActionResponse = w1
        .post(
            "/api/v1/windows/1/requeue",
            &TicketActionRequest {
                request_id: None,
                ticket_id: a1.ticket.id,
            },
        )
        .await
        .expect("requeue");
    assert_eq!(requeued.ticket.map(|t| t.state), Some(TicketState::Waiting));
    let preview: PreviewResponse = w1.get("/api/v1/windows/1/preview").await.expect("preview");
    let order: Vec<&str> = preview.next.iter().map(|t| t.number.as_str()).collect();
    assert_eq!(order, ["A002", "A004", "A001", "A005", "B001"]);

    // The phone learns A002 is called, to window 1.
    let r = w1.act(1, "call-next").await.expect("A002");
    made.push(r.call.expect("call"));
    let (event, _) = phone
        .until(
            |e| matches!(e, Event::PublicTicket { ticket } if ticket.state == TicketState::Called),
        )
        .await;
    let Event::PublicTicket { ticket } = event else {
        unreachable!()
    };
    assert_eq!(ticket.window, Some(1));

    // Transfer A002 to window 2 (首问负责): window 2 calls it before its own queue.
    let t: ActionResponse = w1
        .post(
            "/api/v1/windows/1/transfer",
            &TransferRequest {
                request_id: None,
                to: TransferTarget::Window(2),
                note: Some("需要不动产窗口".into()),
            },
        )
        .await
        .expect("transfer");
    assert_eq!(
        t.ticket.as_ref().map(|t| (t.number.as_str(), t.legs.len())),
        Some(("A002", 2))
    );
    w2.act(2, "start").await.expect("start B002");
    w2.act(2, "finish").await.expect("finish B002");
    let r = w2.act(2, "call-next").await.expect("A002 at 2");
    assert_eq!(r.ticket.as_ref().map(|t| t.number.as_str()), Some("A002"));
    made.push(r.call.expect("call"));
    // Hold while the citizen fetches a document, serve someone else, then 回呼.
    w2.act(2, "hold").await.expect("hold");
    let r = w2.act(2, "call-next").await.expect("B001");
    assert_eq!(r.ticket.as_ref().map(|t| t.number.as_str()), Some("B001"));
    made.push(r.call.expect("call"));
    w2.act(2, "start").await.expect("start");
    w2.act(2, "finish").await.expect("finish");
    let back: ActionResponse = w2
        .post(
            "/api/v1/windows/2/unhold",
            &TicketActionRequest {
                request_id: None,
                ticket_id: a2.ticket.id,
            },
        )
        .await
        .expect("unhold");
    made.push(back.call.expect("回呼 is a call"));
    w2.act(2, "start").await.expect("start");
    w2.act(2, "finish").await.expect("finish");

    // Special call (特呼) of A005 ahead of A004: allowed and visible to the manager (R13).
    let special: ActionResponse = w1
        .post(
            "/api/v1/windows/1/call-number",
            &CallNumberRequest {
                request_id: None,
                number: "A005".into(),
            },
        )
        .await
        .expect("special");
    made.push(special.call.expect("call"));
    let manager = server.staff("m1").await;
    let audit = manager.audit().await;
    let jumps: Vec<&AuditEntry> = audit.iter().filter(|e| e.out_of_order).collect();
    assert_eq!(jumps.len(), 1);
    assert_eq!(
        (
            jumps[0].actor.as_str(),
            jumps[0].action.as_str(),
            jumps[0].number.as_deref(),
            jumps[0].window
        ),
        ("staff:s1", "call_number", Some("A005"), Some(1))
    );

    // Pause: window 1 gets no calls, its screen says so, kiosks see the estimate change.
    w1.act(1, "start").await.expect("start");
    w1.act(1, "finish").await.expect("finish");
    let _: ActionResponse = w1
        .post(
            "/api/v1/windows/1/pause",
            &PauseRequest {
                request_id: None,
                reason: PauseReason::Meeting,
            },
        )
        .await
        .expect("pause");
    assert_eq!(
        w1.act(1, "call-next").await.expect_err("paused").code,
        ErrorCode::WindowPaused
    );
    let (event, _) = screen
        .until(|e| matches!(e, Event::Window { window } if window.status == WindowStatus::Paused))
        .await;
    let Event::Window { window } = event else {
        unreachable!()
    };
    assert_eq!(window.pause_reason, Some(PauseReason::Meeting));

    // Notices change live.
    let _: NoticesRequest = manager
        .put(
            "/api/v1/notices",
            &NoticesRequest {
                notices: vec!["午间不休".into()],
            },
        )
        .await
        .expect("notices");
    let (event, before) = board.until(|e| matches!(e, Event::Notices { .. })).await;
    assert_eq!(
        event,
        Event::Notices {
            notices: vec!["午间不休".into()]
        }
    );

    // The board announced every call and recall once, in call order (R16).
    let heard = calls(&before);
    assert_eq!(
        heard, made,
        "the board heard exactly the calls made, in order"
    );
    assert!(heard.windows(2).all(|w| w[0].call_id < w[1].call_id));
    assert!(
        before.iter().all(|e| !matches!(e, Event::Ticket { .. })),
        "displays get no ticket details"
    );

    // A restart in the middle of the day: everything comes back.
    let windows_before: Vec<WindowView> = manager.get("/api/v1/windows").await.expect("windows");
    drop((board, screen, phone));
    let (clock, dir) = server.stop().await;
    let server = TestServer::start_with(&hall_toml(3, ""), clock, Some(dir)).await;
    let manager = server.staff("m1").await;
    let windows_after: Vec<WindowView> = manager.get("/api/v1/windows").await.expect("windows");
    assert_eq!(windows_after, windows_before);
    let mut board = Live::connect(&server.ws_url, Hello::Device { key: BOARD.into() })
        .await
        .expect("board again");
    let mut recent = made.clone();
    recent.reverse();
    assert_eq!(
        board.snapshot.recent_calls, recent,
        "recent calls survive the restart"
    );
    assert_eq!(board.snapshot.hall.notices, vec!["午间不休".to_string()]);
    let w1 = server.staff("s1").await; // The token is still valid; the sign-in too.
    w1.act(1, "resume").await.expect("resume after restart");
    let r = w1.act(1, "call-next").await.expect("A004");
    assert_eq!(r.ticket.as_ref().map(|t| t.number.as_str()), Some("A004"));
    let (event, _) = board.until(|e| matches!(e, Event::Called { .. })).await;
    assert!(matches!(event, Event::Called { call } if call.number == "A004" && call.window == 1));
    let a6 = server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("numbers continue");
    assert_eq!(a6.ticket.number, "A006");

    // Evening: cut-off, then the business day turns at 04:00.
    server.clock.set(at("2026-11-23T17:40"));
    assert_eq!(
        server
            .client(KIOSK)
            .issue("a", TicketClass::Normal)
            .await
            .expect_err("cut-off")
            .code,
        ErrorCode::PastCutoff
    );
    server.clock.set(at("2026-11-24T04:00"));
    let (event, _) = board
        .until(|e| matches!(e, Event::DayRollover { .. }))
        .await;
    assert_eq!(
        event,
        Event::DayRollover {
            business_day: "2026-11-24".into()
        }
    );
    let ServerMsg::Snapshot(fresh) = board.next().await else {
        panic!("a fresh snapshot follows a rollover")
    };
    assert_eq!(fresh.hall.business_day, "2026-11-24");
    assert!(
        fresh.recent_calls.is_empty()
            && fresh
                .windows
                .iter()
                .all(|w| w.status == WindowStatus::Closed)
    );
    let manager = server.staff("m1").await; // Yesterday's login has expired.
    let old = manager
        .get::<Ticket>(&format!("/api/v1/tickets/{}", a4.ticket.id))
        .await
        .expect("A004 in history");
    assert_eq!(old.state, TicketState::Expired);
    let _ = (a5, b1, v1, appt);
    server.clock.set(at("2026-11-24T09:00"));
    let next_day = server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("new day");
    assert_eq!(
        (
            next_day.ticket.number.as_str(),
            next_day.ticket.business_day.as_str()
        ),
        ("A001", "2026-11-24")
    );
    server.stop().await;
}

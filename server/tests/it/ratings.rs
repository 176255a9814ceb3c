//! R21 ratings and R22 cases against a real server on port 0: rating from a pad and from the status
//! page, the four steps of a case, an appeal upheld and the window's satisfaction changing, who may
//! do what, bad input and floods, a restart, the export.

use qcall_protocol::*;
use reqwest::Method;
use serde_json::json;

use crate::util::*;

/// Issues one ticket of service `a` at the kiosk, calls it at `window` and finishes it there with
/// `case_no`; returns the issue answer (with the token) and the finished ticket.
async fn served(
    server: &TestServer,
    staff: &Client,
    window: WindowNo,
    case_no: Option<&str>,
) -> (IssueResponse, Ticket) {
    let issued = server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("issue");
    let called = staff.act(window, "call-next").await.expect("call");
    assert_eq!(called.ticket.expect("called").id, issued.ticket.id);
    let done: ActionResponse = staff
        .post(
            &format!("/api/v1/windows/{window}/finish"),
            &json!({ "case_no": case_no }),
        )
        .await
        .expect("finish");
    (issued, done.ticket.expect("finished"))
}

fn pad_rating(
    request_id: &str,
    ticket: &Ticket,
    level: &str,
    reasons: &[&str],
) -> serde_json::Value {
    json!({
        "request_id": request_id,
        "ticket_id": ticket.id,
        "leg": 0,
        "level": level,
        "reasons": reasons,
    })
}

async fn today(staff: &Client, window: WindowNo) -> WindowToday {
    staff
        .get(&format!("/api/v1/windows/{window}/today"))
        .await
        .expect("today")
}

async fn all_ratings(manager: &Client) -> Vec<Rating> {
    manager
        .get::<RatingPage>("/api/v1/ratings")
        .await
        .expect("ratings")
        .ratings
}

/// The next events message of a socket, heartbeats skipped.
async fn next_events(live: &mut Live) -> Vec<Event> {
    loop {
        if let ServerMsg::Events { events, .. } = live.next().await {
            return events;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pad_and_the_status_page_rate_once_each_and_only_their_windows_pad_is_invited() {
    let server = TestServer::start(2).await;
    let s1 = server.at_window("s1", 1).await;
    let manager = server.staff("m1").await;
    let mut pad1 = Live::connect(&server.ws_url, Hello::Device { key: PAD1.into() })
        .await
        .expect("pad 1");
    assert_eq!(
        pad1.snapshot.display.as_ref().map(|d| d.mode),
        Some(DisplayMode::RatingPad { window: 1 })
    );
    let mut pad2 = Live::connect(&server.ws_url, Hello::Device { key: PAD2.into() })
        .await
        .expect("pad 2");
    let mut board = Live::connect(&server.ws_url, Hello::Device { key: BOARD.into() })
        .await
        .expect("board");
    let (_, first) = served(&server, &s1, 1, Some("BJ-2026-11-0001")).await;
    let (invite, _) = pad1
        .until(|e| matches!(e, Event::RatingInvite { .. }))
        .await;
    let Event::RatingInvite { invite } = invite else {
        unreachable!()
    };
    assert_eq!(
        (
            invite.window,
            invite.ticket_id,
            invite.leg,
            invite.number.as_str()
        ),
        (1, first.id, 0, first.number.as_str())
    );
    // Pad 2 and the hall board get the finish's other events, never the invite.
    for live in [&mut pad2, &mut board] {
        let mut saw_window = false;
        while !saw_window {
            let events = next_events(live).await;
            assert!(
                !events.iter().any(|e| matches!(
                    e,
                    Event::RatingInvite { .. } | Event::Ticket { .. } | Event::Rated { .. }
                )),
                "{events:?}"
            );
            saw_window = events.iter().any(|e| matches!(e, Event::Window { window } if window.number == 1 && window.current.is_none()));
        }
    }
    // After a reconnect the pad asks what is on offer.
    let state: RatingPadState = server
        .client(PAD1)
        .get("/api/v1/rating-pad")
        .await
        .expect("pad state");
    assert_eq!(state.invite.as_ref(), Some(&invite));
    assert_eq!((state.window, state.idle_seconds), (1, 30));
    assert_eq!(state.staff.map(|s| s.staff_no), Some("s1".into()));

    // The pad rates; the same request sent twice is one rating.
    let body = pad_rating("pad-touch-1", &first, "satisfied", &[]);
    let rating: Rating = server
        .client(PAD1)
        .post("/api/v1/rating-pad/ratings", &body)
        .await
        .expect("rated");
    assert_eq!(
        (
            rating.window,
            rating.staff_no.as_deref(),
            rating.service_id.as_str()
        ),
        (1, Some("s1"), "a")
    );
    assert_eq!(rating.case_no.as_deref(), Some("BJ-2026-11-0001"));
    assert_eq!(rating.source, RatingSource::Pad);
    let again: Rating = server
        .client(PAD1)
        .post("/api/v1/rating-pad/ratings", &body)
        .await
        .expect("the retry gets the same answer");
    assert_eq!(again, rating);
    let (rated, _) = pad1.until(|e| matches!(e, Event::Rated { .. })).await;
    assert!(
        matches!(rated, Event::Rated { rating: n } if n.id == rating.id && n.level == RatingLevel::Satisfied)
    );
    assert_eq!(all_ratings(&manager).await.len(), 1);
    let second_try = server
        .client(PAD1)
        .post::<Rating>(
            "/api/v1/rating-pad/ratings",
            &pad_rating("pad-touch-2", &first, "very_dissatisfied", &["attitude"]),
        )
        .await
        .expect_err("one rating per leg");
    assert_eq!(second_try.code, ErrorCode::AlreadyRated);

    // The status page of the next ticket.
    let (issued, second) = served(&server, &s1, 1, None).await;
    let path = format!("/api/v1/public/tickets/{}/rating", issued.token);
    let public = server.anonymous();
    let status: PublicRatingStatus = public.get(&path).await.expect("status");
    assert_eq!(
        (status.leg, status.open, status.rating.is_none()),
        (Some(0), true, true)
    );
    let refused = public
        .post::<PublicRatingStatus>(
            &path,
            &json!({ "request_id": "page-1", "level": "dissatisfied" }),
        )
        .await
        .expect_err("a reason is needed");
    assert_eq!(refused.code, ErrorCode::ReasonRequired);
    let status: PublicRatingStatus = public
        .post(
            &path,
            &json!({ "request_id": "page-1", "level": "dissatisfied", "reasons": ["efficiency"], "text": "等太久" }),
        )
        .await
        .expect("rated by phone");
    let given = status.rating.clone().expect("given");
    assert_eq!(
        (given.level, given.reasons.clone()),
        (RatingLevel::Dissatisfied, vec![RatingReason::Efficiency])
    );
    assert!(!status.open);
    let read: PublicRatingStatus = public.get(&path).await.expect("status");
    assert_eq!(read, status, "the page shows the rating given");
    let twice = public
        .post::<PublicRatingStatus>(
            &path,
            &json!({ "request_id": "page-2", "level": "satisfied" }),
        )
        .await
        .expect_err("once");
    assert_eq!(twice.code, ErrorCode::AlreadyRated);

    // The window's figures of the day: one good, one bad; the 差评 opened a case.
    let figures = today(&s1, 1).await;
    assert_eq!(
        (
            figures.ratings.satisfied,
            figures.ratings.dissatisfied,
            figures.satisfaction_permille
        ),
        (1, 1, Some(500))
    );
    let ratings = all_ratings(&manager).await;
    assert_eq!(ratings.len(), 2);
    assert_eq!(ratings[0].ticket_id, second.id, "newest first");
    assert_eq!(ratings[0].source, RatingSource::Phone);
    let case_id = ratings[0].case_id.expect("a 差评 opens a case");
    let case: Case = manager
        .get(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect("case");
    assert_eq!(
        (case.next_step, case.timing),
        (Some(CaseStep::Verify), CaseTiming::OnTime)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_moves_through_its_four_steps_and_an_upheld_appeal_changes_the_satisfaction() {
    let server = TestServer::start(2).await;
    let s1 = server.at_window("s1", 1).await;
    let s2 = server.at_window("s2", 2).await;
    let manager = server.staff("m1").await;
    let mut managers_socket = Live::connect(
        &server.ws_url,
        Hello::Staff {
            token: manager.bearer.clone().expect("token"),
        },
    )
    .await
    .expect("manager socket");
    let mut staff_socket = Live::connect(
        &server.ws_url,
        Hello::Staff {
            token: s1.bearer.clone().expect("token"),
        },
    )
    .await
    .expect("staff socket");
    let pad = server.client(PAD1);
    let (_, good) = served(&server, &s1, 1, None).await;
    let (_, bad) = served(&server, &s1, 1, None).await;
    let _: Rating = pad
        .post(
            "/api/v1/rating-pad/ratings",
            &pad_rating("g", &good, "very_satisfied", &[]),
        )
        .await
        .expect("good");
    let rating: Rating = pad
        .post(
            "/api/v1/rating-pad/ratings",
            &pad_rating("b", &bad, "very_dissatisfied", &["attitude", "other"]),
        )
        .await
        .expect("bad");
    let case_id = rating.case_id.expect("case");
    assert_eq!(today(&s1, 1).await.satisfaction_permille, Some(500));
    // Managers see the case open live; window staff get the rating, not the case.
    let (opened, _) = managers_socket
        .until(|e| matches!(e, Event::Case { .. }))
        .await;
    assert!(
        matches!(opened, Event::Case { case } if case.id == case_id && case.rating.text.is_none())
    );
    loop {
        let events = next_events(&mut staff_socket).await;
        assert!(
            !events.iter().any(|e| matches!(e, Event::Case { .. })),
            "staff sockets never carry cases: {events:?}"
        );
        if events
            .iter()
            .any(|e| matches!(e, Event::Rated { rating: n } if n.id == rating.id))
        {
            break;
        }
    }

    // Staff see their own ratings and cases only.
    let mine: CasePage = s1.get("/api/v1/cases").await.expect("own cases");
    assert_eq!(
        mine.cases.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![case_id]
    );
    let others: CasePage = s2.get("/api/v1/cases").await.expect("own cases");
    assert!(others.cases.is_empty());
    assert_eq!(
        s2.get::<Case>(&format!("/api/v1/cases/{case_id}"))
            .await
            .expect_err("not theirs")
            .code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        s2.get::<RatingPage>("/api/v1/ratings?staff_no=s1")
            .await
            .expect_err("not theirs")
            .code,
        ErrorCode::Forbidden
    );
    assert!(
        s2.get::<RatingPage>("/api/v1/ratings")
            .await
            .expect("own")
            .ratings
            .is_empty()
    );
    assert_eq!(
        s1.get::<RatingPage>("/api/v1/ratings")
            .await
            .expect("own")
            .ratings
            .len(),
        2
    );

    // 申诉复核: the staff member concerned appeals; another may not; a manager upholds it.
    let appeal_path = format!("/api/v1/ratings/{}/appeal", rating.id);
    assert_eq!(
        s2.post::<Case>(&appeal_path, &json!({ "reason": "x" }))
            .await
            .expect_err("not theirs")
            .code,
        ErrorCode::Forbidden
    );
    let appealed: Case = s1
        .post(
            &appeal_path,
            &json!({ "request_id": "ap-1", "reason": "监控显示办理正常" }),
        )
        .await
        .expect("appealed");
    assert_eq!(
        appealed.appeal.as_ref().map(|a| a.state),
        Some(AppealState::Pending)
    );
    assert_eq!(
        today(&s1, 1).await.satisfaction_permille,
        Some(500),
        "pending counts"
    );
    let decided: Case = manager
        .post(
            &format!("/api/v1/ratings/{}/appeal-decision", rating.id),
            &json!({ "uphold": true, "note": "经核实评价不实" }),
        )
        .await
        .expect("upheld");
    assert_eq!(decided.outcome, Some(CaseOutcome::AppealUpheld));
    let figures = today(&s1, 1).await;
    assert_eq!(
        (
            figures.satisfaction_permille,
            figures.ratings.excluded,
            figures.ratings.rated()
        ),
        (Some(1000), 1, 1),
        "the upheld rating leaves the figure"
    );
    let on_record = all_ratings(&manager).await;
    assert_eq!(on_record.len(), 2, "it stays on record");
    assert_eq!(on_record[0].appeal, AppealState::Upheld);

    // Another 差评: the manager moves its case through 核实 → 整改 → 反馈 → 回访.
    let (_, third) = served(&server, &s1, 1, None).await;
    let rating: Rating = pad
        .post(
            "/api/v1/rating-pad/ratings",
            &pad_rating("c", &third, "dissatisfied", &["efficiency"]),
        )
        .await
        .expect("bad");
    let case_id = rating.case_id.expect("case");
    let steps_path = format!("/api/v1/cases/{case_id}/steps");
    assert_eq!(
        s1.post::<Case>(&steps_path, &json!({ "step": "verify", "note": "x" }))
            .await
            .expect_err("managers only")
            .code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        manager
            .post::<Case>(&steps_path, &json!({ "step": "answer", "note": "x" }))
            .await
            .expect_err("in order")
            .code,
        ErrorCode::WrongState
    );
    for (i, step) in CaseStep::ALL.into_iter().enumerate() {
        server.clock.advance_ms(3_600_000);
        let case: Case = manager
            .post(
                &steps_path,
                &json!({ "request_id": format!("step-{i}"), "step": step, "note": format!("{}完成", step.name_zh()) }),
            )
            .await
            .expect("step");
        assert_eq!(case.steps.len(), i + 1);
        assert_eq!(case.steps[i].by, "m1");
        assert_eq!(case.next_step, step.next());
    }
    let closed: Case = manager
        .get(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect("case");
    assert_eq!(
        (closed.outcome, closed.timing),
        (Some(CaseOutcome::Resolved), CaseTiming::Closed)
    );
    assert_eq!(
        manager
            .post::<Case>(&steps_path, &json!({ "step": "follow_up", "note": "x" }))
            .await
            .expect_err("closed")
            .code,
        ErrorCode::WrongState
    );
    let closed_cases: CasePage = manager
        .get("/api/v1/cases?state=closed")
        .await
        .expect("closed");
    assert_eq!(closed_cases.cases.len(), 2);
    let open_cases: CasePage = manager.get("/api/v1/cases").await.expect("open");
    assert!(open_cases.cases.is_empty());
    // Everything is in the audit log.
    let actions: Vec<String> = manager
        .audit()
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    for (action, n) in [
        ("rate", 3),
        ("appeal", 1),
        ("decide_appeal", 1),
        ("case_step", 4),
    ] {
        assert_eq!(
            actions.iter().filter(|a| *a == action).count(),
            n,
            "{action} in {actions:?}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_has_the_fields_a_provincial_platform_takes() {
    let server = TestServer::start(1).await;
    let s1 = server.at_window("s1", 1).await;
    let manager = server.staff("m1").await;
    let (issued, first) = served(&server, &s1, 1, Some("BJ-0001")).await;
    let (_, second) = served(&server, &s1, 1, None).await;
    let pad = server.client(PAD1);
    let _: Rating = pad
        .post(
            "/api/v1/rating-pad/ratings",
            &pad_rating("1", &first, "basic", &[]),
        )
        .await
        .expect("rated");
    let _: Rating = pad
        .post(
            "/api/v1/rating-pad/ratings",
            &json!({ "request_id": "2", "ticket_id": second.id, "leg": 0, "level": "very_dissatisfied",
                     "reasons": ["attitude", "environment"], "text": "=1+1, \"太吵\"" }),
        )
        .await
        .expect("rated");
    let export: RatingExport = manager
        .get("/api/v1/ratings/export?from=2026-11-23&format=json")
        .await
        .expect("json export");
    assert_eq!(
        (export.from.as_str(), export.to.as_str()),
        ("2026-11-23", "2026-11-23")
    );
    assert_eq!(export.rows.len(), 2);
    let row = &export.rows[0];
    assert_eq!(
        (
            row.hall.as_str(),
            row.window,
            row.staff_no.as_str(),
            row.service_name.as_str()
        ),
        ("测试大厅", 1, "s1", "甲业务")
    );
    assert_eq!(
        (
            row.case_no.as_str(),
            row.ticket_number.as_str(),
            row.level_name.as_str(),
            row.score
        ),
        ("BJ-0001", issued.ticket.number.as_str(), "基本满意", 3)
    );
    assert_eq!(row.rated_at, "2026-11-23 09:00:00", "hall local time");
    assert_eq!(export.rows[1].reasons, "态度、环境");
    let (status, csv) = manager
        .raw(
            Method::GET,
            "/api/v1/ratings/export?from=2026-11-23&to=2026-11-23",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let csv = csv.as_str().expect("text").to_string();
    assert!(csv.starts_with('\u{feff}'), "Excel reads it as UTF-8");
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        &header[..5],
        ["hall", "rating_id", "business_day", "window", "staff_no"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[1][13], "'=1+1, \"太吵\"", "quoted, and no formula");
    // Only managers, and a sane range.
    assert_eq!(
        s1.get::<RatingExport>("/api/v1/ratings/export?from=2026-11-23")
            .await
            .expect_err("managers")
            .code,
        ErrorCode::Forbidden
    );
    for bad in [
        "from=2026-11-23&to=2026-11-22",
        "from=2026-11-01&to=2026-12-02",
        "from=23.11.2026",
        "from=2026-11-23&format=xml",
        "",
    ] {
        let (status, body) = manager
            .raw(Method::GET, &format!("/api/v1/ratings/export?{bad}"), None)
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("bad_request")),
            "{bad}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_not_rate_or_read_is_refused_and_nothing_is_stored() {
    let server = TestServer::start(2).await;
    let s1 = server.at_window("s1", 1).await;
    let s2 = server.at_window("s2", 2).await;
    let manager = server.staff("m1").await;
    let (issued, first) = served(&server, &s1, 1, None).await;
    let (other, _) = served(&server, &s1, 1, None).await;
    // Refused requests leave a `forbidden` line in the audit log (issue 21), nothing else.
    let queue_audit = |all: Vec<AuditEntry>| -> Vec<AuditEntry> {
        all.into_iter()
            .filter(|e| e.action != "forbidden")
            .collect()
    };
    let before = queue_audit(manager.audit().await);
    let body = pad_rating("x", &first, "satisfied", &[]);
    for (who, code) in [
        (server.client(PAD2), "forbidden"),
        (server.client(KIOSK), "forbidden"),
        (server.client(BOARD), "forbidden"),
        (server.client(SCREEN1), "forbidden"),
        (s1.clone(), "forbidden"),
        (manager.clone(), "forbidden"),
        (server.anonymous(), "unauthorized"),
    ] {
        let (status, value) = who
            .raw(
                Method::POST,
                "/api/v1/rating-pad/ratings",
                Some(body.to_string()),
            )
            .await;
        assert_eq!(
            value["error"]["code"].as_str(),
            Some(code),
            "{status} {value}"
        );
    }
    // The public with another ticket's token: the right id with another ticket's secret.
    let forged = format!("{}{}", &issued.token[..12], &other.token[12..]);
    for method in [Method::GET, Method::POST] {
        let (status, value) = server
            .anonymous()
            .raw(
                method.clone(),
                &format!("/api/v1/public/tickets/{forged}/rating"),
                Some(json!({ "request_id": "p", "level": "satisfied" }).to_string()),
            )
            .await;
        assert_eq!(
            (status, value["error"]["code"].as_str()),
            (404, Some("unknown_ticket")),
            "{method}"
        );
    }
    // Staff of another window: not their rating to appeal, not their figures to read.
    let rating: Rating = server
        .client(PAD1)
        .post(
            "/api/v1/rating-pad/ratings",
            &pad_rating("y", &first, "dissatisfied", &["skill"]),
        )
        .await
        .expect("rated");
    let after_rating = queue_audit(manager.audit().await);
    let refusals: Vec<(Client, Method, String, serde_json::Value, &str)> = vec![
        (
            s2.clone(),
            Method::POST,
            format!("/api/v1/ratings/{}/appeal", rating.id),
            json!({ "reason": "x" }),
            "forbidden",
        ),
        (
            s2.clone(),
            Method::GET,
            "/api/v1/windows/1/today".into(),
            json!(null),
            "not_signed_in",
        ),
        (
            s2.clone(),
            Method::GET,
            format!("/api/v1/cases/{}", rating.case_id.unwrap_or(0)),
            json!(null),
            "forbidden",
        ),
        (
            s1.clone(),
            Method::POST,
            format!("/api/v1/ratings/{}/appeal-decision", rating.id),
            json!({ "uphold": true, "note": "x" }),
            "forbidden",
        ),
        (
            manager.clone(),
            Method::POST,
            format!("/api/v1/ratings/{}/appeal", rating.id),
            json!({ "reason": "x" }),
            "forbidden",
        ),
        (
            server.client(KIOSK),
            Method::GET,
            "/api/v1/ratings".into(),
            json!(null),
            "forbidden",
        ),
        (
            server.client(PAD1),
            Method::GET,
            "/api/v1/cases".into(),
            json!(null),
            "forbidden",
        ),
        (
            server.client(BOARD),
            Method::GET,
            "/api/v1/rating-pad".into(),
            json!(null),
            "forbidden",
        ),
    ];
    for (who, method, path, body, code) in refusals {
        let (status, value) = who
            .raw(
                method.clone(),
                &path,
                (!body.is_null()).then(|| body.to_string()),
            )
            .await;
        assert_eq!(
            value["error"]["code"].as_str(),
            Some(code),
            "{method} {path}: {status} {value}"
        );
    }
    assert_eq!(
        before.len() + 1,
        after_rating.len(),
        "only the pad's rating was stored"
    );
    assert_eq!(
        queue_audit(manager.audit().await),
        after_rating,
        "the refusals stored nothing"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ratings_get_clear_errors_and_a_flood_from_one_pad_is_refused() {
    let server = TestServer::start(1).await;
    let s1 = server.at_window("s1", 1).await;
    let manager = server.staff("m1").await;
    let mut legs = Vec::new();
    for _ in 0..5 {
        legs.push(served(&server, &s1, 1, None).await.1);
    }
    let pad = server.client(PAD1);
    let before = manager.audit().await;
    let t = &legs[0];
    let long = "慢".repeat(RATING_TEXT_MAX_CHARS + 1);
    // Each of these is refused before the pad's rate limit matters (3 at once): the limit is
    // looked at for new requests, so they are sent one per 10 s of the hall's clock.
    let cases: Vec<(String, u16, &str)> = vec![
        (json!({ "request_id": "a", "ticket_id": t.id, "leg": 1, "level": "satisfied" }).to_string(), 404, "unknown_leg"),
        (json!({ "request_id": "b", "ticket_id": 999_999, "leg": 0, "level": "satisfied" }).to_string(), 404, "unknown_ticket"),
        (json!({ "request_id": "c", "ticket_id": t.id, "leg": 0, "level": "excellent" }).to_string(), 400, "bad_request"),
        (json!({ "request_id": "d", "ticket_id": t.id, "leg": 0, "level": 6 }).to_string(), 400, "bad_request"),
        (json!({ "request_id": "e", "ticket_id": t.id, "leg": 0, "level": "satisfied", "text": long }).to_string(), 400, "bad_request"),
        (json!({ "request_id": "f", "ticket_id": t.id, "leg": 0, "level": "satisfied", "text": "x".repeat(40_000) }).to_string(), 413, "payload_too_large"),
        (json!({ "request_id": "g", "ticket_id": t.id, "leg": 0, "level": "very_dissatisfied" }).to_string(), 400, "reason_required"),
        (json!({ "request_id": "h", "ticket_id": t.id, "leg": 0, "level": "satisfied", "reasons": ["attitude"] }).to_string(), 400, "bad_request"),
        (json!({ "request_id": "i", "ticket_id": t.id, "leg": 0, "level": "dissatisfied", "reasons": ["rude"] }).to_string(), 400, "bad_request"),
        (json!({ "request_id": "", "ticket_id": t.id, "leg": 0, "level": "satisfied" }).to_string(), 400, "bad_request"),
        (json!({ "ticket_id": t.id, "leg": 0, "level": "satisfied" }).to_string(), 400, "bad_request"),
        ("{".into(), 400, "bad_request"),
    ];
    for (body, status, code) in cases {
        server.clock.advance_ms(10_000);
        let (got, value) = pad
            .raw(
                Method::POST,
                "/api/v1/rating-pad/ratings",
                Some(body.clone()),
            )
            .await;
        let short: String = body.chars().take(80).collect();
        assert_eq!(
            (got, value["error"]["code"].as_str()),
            (status, Some(code)),
            "{short}: {value}"
        );
    }
    assert_eq!(manager.audit().await, before, "nothing stored");
    assert!(all_ratings(&manager).await.is_empty());

    // A flood: a burst of 3, then one every 10 s (6 a minute). A retry is answered regardless.
    server.clock.advance_ms(60_000);
    for (i, leg) in legs.iter().take(3).enumerate() {
        let _: Rating = pad
            .post(
                "/api/v1/rating-pad/ratings",
                &pad_rating(&format!("f{i}"), leg, "satisfied", &[]),
            )
            .await
            .expect("within the burst");
    }
    let flooded = pad
        .post::<Rating>(
            "/api/v1/rating-pad/ratings",
            &pad_rating("f3", &legs[3], "satisfied", &[]),
        )
        .await
        .expect_err("flood");
    assert_eq!(flooded.code, ErrorCode::RateLimited);
    assert!(
        flooded.retry_after_s.is_some_and(|s| (1..=10).contains(&s)),
        "{flooded:?}"
    );
    let retry: Rating = pad
        .post(
            "/api/v1/rating-pad/ratings",
            &pad_rating("f0", &legs[0], "satisfied", &[]),
        )
        .await
        .expect("a retry of an answered request is answered");
    assert_eq!(retry.ticket_id, legs[0].id);
    assert_eq!(
        all_ratings(&manager).await.len(),
        3,
        "the flood stored nothing"
    );
    server.clock.advance_ms(10_000);
    let _: Rating = pad
        .post(
            "/api/v1/rating-pad/ratings",
            &pad_rating("f3", &legs[3], "satisfied", &[]),
        )
        .await
        .expect("refilled");
    // A request id reused for another rating is refused.
    let reused = pad
        .post::<Rating>(
            "/api/v1/rating-pad/ratings",
            &pad_rating("f3", &legs[4], "basic", &[]),
        )
        .await
        .expect_err("reused id");
    assert_eq!(reused.code, ErrorCode::RequestIdReused);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_ratings_are_refused_and_a_restart_keeps_ratings_and_cases() {
    let server = TestServer::start(1).await;
    let s1 = server.at_window("s1", 1).await;
    let (late, _) = served(&server, &s1, 1, None).await;
    let (_, kept_ticket) = served(&server, &s1, 1, None).await;
    let pad = server.client(PAD1);
    let rating: Rating = pad
        .post(
            "/api/v1/rating-pad/ratings",
            &pad_rating("k", &kept_ticket, "very_dissatisfied", &["attitude"]),
        )
        .await
        .expect("rated");
    // The pad's invite is gone once rated, and after its idle time in any case.
    let state: RatingPadState = pad.get("/api/v1/rating-pad").await.expect("state");
    assert_eq!(state.invite, None);
    let (clock, dir) = server.stop().await;
    let server = TestServer::start_with(&hall_toml(1, ""), clock, Some(dir)).await;
    let pad = server.client(PAD1);
    let again = pad
        .post::<Rating>(
            "/api/v1/rating-pad/ratings",
            &pad_rating("k2", &kept_ticket, "satisfied", &[]),
        )
        .await
        .expect_err("still rated after a restart");
    assert_eq!(again.code, ErrorCode::AlreadyRated);
    let retry: Rating = pad
        .post(
            "/api/v1/rating-pad/ratings",
            &pad_rating("k", &kept_ticket, "very_dissatisfied", &["attitude"]),
        )
        .await
        .expect("the retry's answer survives a restart");
    assert_eq!(retry, rating);
    let manager = server.staff("m1").await;
    let case: Case = manager
        .post(
            &format!("/api/v1/cases/{}/steps", rating.case_id.expect("case")),
            &json!({ "step": "verify", "note": "重启后继续" }),
        )
        .await
        .expect("the case goes on");
    assert_eq!(case.next_step, Some(CaseStep::Rectify));
    // 评价时效: 24 h after the leg ended.
    server.clock.advance_ms(24 * 3_600_000 + 60_000);
    let path = format!("/api/v1/public/tickets/{}/rating", late.token);
    let status: PublicRatingStatus = server.anonymous().get(&path).await.expect("status");
    assert!(!status.open && status.rating.is_none());
    let refused = server
        .anonymous()
        .post::<PublicRatingStatus>(
            &path,
            &json!({ "request_id": "late", "level": "satisfied" }),
        )
        .await
        .expect_err("late");
    assert_eq!(refused.code, ErrorCode::RatingExpired);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_states_the_limits_the_server_enforces() {
    let server = TestServer::start(1).await;
    let (_, doc) = server
        .anonymous()
        .raw(Method::GET, "/api/v1/openapi.json", None)
        .await;
    let schema = |name: &str| doc["components"]["schemas"][name].clone();
    let rating = schema("RatingRequest");
    assert_eq!(
        rating["properties"]["text"]["maxLength"],
        RATING_TEXT_MAX_CHARS
    );
    assert_eq!(
        rating["properties"]["reasons"]["maxItems"],
        RatingReason::ALL.len()
    );
    assert_eq!(rating["properties"]["request_id"]["maxLength"], 64);
    assert_eq!(
        schema("PublicRatingRequest")["properties"]["text"]["maxLength"],
        RATING_TEXT_MAX_CHARS
    );
    let levels: Vec<String> = schema("RatingLevel")["enum"]
        .as_array()
        .expect("an enum")
        .iter()
        .map(|v| v.as_str().expect("name").to_string())
        .collect();
    assert_eq!(levels, RatingLevel::ALL.map(|l| l.as_str().to_string()));
    for (name, field) in [
        ("CaseStepRequest", "note"),
        ("AppealRequest", "reason"),
        ("AppealDecisionRequest", "note"),
    ] {
        assert_eq!(
            schema(name)["properties"][field]["maxLength"],
            CASE_NOTE_MAX_CHARS,
            "{name}"
        );
        assert_eq!(schema(name)["properties"][field]["minLength"], 1, "{name}");
    }
    assert_eq!(
        schema("FinishRequest")["properties"]["case_no"]["maxLength"],
        CASE_NO_MAX_CHARS
    );
    let limit = doc["paths"]["/api/v1/ratings"]["get"]["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit")
        .clone();
    assert_eq!(
        (
            limit["schema"]["minimum"].clone(),
            limit["schema"]["maximum"].clone()
        ),
        (json!(1), json!(500))
    );
    // And the server holds to them: 500 is a page, 501 is refused; a 65-character 办件编号 too.
    let manager = server.staff("m1").await;
    manager
        .get::<RatingPage>("/api/v1/ratings?limit=500")
        .await
        .expect("500");
    assert_eq!(
        manager
            .get::<RatingPage>("/api/v1/ratings?limit=501")
            .await
            .expect_err("501")
            .code,
        ErrorCode::BadRequest
    );
    let s1 = server.at_window("s1", 1).await;
    server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("issue");
    s1.act(1, "call-next").await.expect("call");
    let refused = s1
        .post::<ActionResponse>(
            "/api/v1/windows/1/finish",
            &json!({ "case_no": "x".repeat(CASE_NO_MAX_CHARS + 1) }),
        )
        .await
        .expect_err("too long");
    assert_eq!(refused.code, ErrorCode::BadRequest);
    let done: ActionResponse = s1
        .post(
            "/api/v1/windows/1/finish",
            &json!({ "case_no": "x".repeat(CASE_NO_MAX_CHARS) }),
        )
        .await
        .expect("64 is fine");
    assert!(done.ticket.is_some());
    server.stop().await;
}

/// The citizen's status page `/t/{token}` (R7, R21) as a browser gets it: the page carries the
/// rating form with exactly the levels, reasons and text limit the server takes, and the requests
/// its script makes (read the rating status, send the rating with one request id per choice, send
/// it again after a lost answer) get the answers the page shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_carries_the_rating_form_and_its_requests_work_as_the_page_sends_them() {
    let server = TestServer::start(1).await;
    let s1 = server.at_window("s1", 1).await;
    let issued = server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("issue");
    let public = server.anonymous();
    let page_path = issued.status_path.clone();
    assert_eq!(page_path, format!("/t/{}", issued.token));

    // The page: HTML with the form, its words and codes, and the server's own limit.
    let response = public
        .http
        .get(format!("{}{page_path}", public.base))
        .send()
        .await
        .expect("page");
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html")),
        "served as HTML"
    );
    let html = response.text().await.expect("html");
    for needle in [
        r#"<section id="rate" hidden"#,
        "请对本次服务进行评价",
        "提交评价",
        "感谢您的评价",
        "/rating`",
    ] {
        assert!(html.contains(needle), "the page has {needle:?}");
    }
    for level in RatingLevel::ALL {
        let pair = format!(r#"["{}", "{}"]"#, level.as_str(), level.name_zh());
        assert!(html.contains(&pair), "the form offers {pair}");
    }
    for reason in RatingReason::ALL {
        let pair = format!(r#"["{}", "{}"]"#, reason.as_str(), reason.name_zh());
        assert!(html.contains(&pair), "the form offers {pair}");
    }
    assert!(
        html.contains(&format!(r#"maxlength="{RATING_TEXT_MAX_CHARS}""#)),
        "the text box stops where the server does"
    );

    // Before 办结 the page's status call says there is nothing to rate yet.
    let rating_path = format!("/api/v1/public/tickets/{}/rating", issued.token);
    let before: PublicRatingStatus = public.get(&rating_path).await.expect("status");
    assert_eq!((before.leg, before.open), (None, false));
    s1.act(1, "call-next").await.expect("call");
    s1.act(1, "finish").await.expect("finish");
    let open: PublicRatingStatus = public.get(&rating_path).await.expect("status");
    assert_eq!((open.leg, open.open), (Some(0), true));

    // The body exactly as the page's script builds it (a 差评 with its reason and words).
    let body = json!({
        "request_id": "page-0123456789abcdef01234567",
        "leg": open.leg,
        "level": "very_dissatisfied",
        "reasons": ["attitude", "other"],
        "text": "窗口说明不清楚，电话13812345678",
    });
    let given: PublicRatingStatus = public.post(&rating_path, &body).await.expect("rated");
    let rating = given.rating.clone().expect("the rating is shown back");
    assert_eq!(rating.level, RatingLevel::VeryDissatisfied);
    assert_eq!(
        rating.text.as_deref(),
        Some("窗口说明不清楚，电话138****5678"),
        "a phone number in the words is masked (R29)"
    );
    assert!(!given.open, "the form is not shown again");
    // The answer was lost and the citizen taps 提交评价 again: the same id, the same answer.
    let again: PublicRatingStatus = public.post(&rating_path, &body).await.expect("retry");
    assert_eq!(again, given);
    // Another tab with a new id: refused as rated (the page then reloads the status).
    let other = public
        .post::<PublicRatingStatus>(
            &rating_path,
            &json!({ "request_id": "page-ffff", "leg": 0, "level": "satisfied" }),
        )
        .await
        .expect_err("one rating per leg");
    assert_eq!(other.code, ErrorCode::AlreadyRated);
    let manager = server.staff("m1").await;
    assert_eq!(all_ratings(&manager).await.len(), 1, "one rating stored");
    server.stop().await;
}

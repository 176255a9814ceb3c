//! Appointments over the API (R25, R26): book on the public routes, look up and cancel with code and
//! phone, check in at a kiosk, get called; staff booking and the day's list; bad input and the
//! code-guess rate limits.

use qcall_protocol::*;
use qcall_server::clock::ManualClock;
use reqwest::Method;

use crate::util::*;

/// [`hall_toml`] with service a taking 30-minute bookings, 2 per slot, 09:00-12:00; Wednesday
/// 2026-11-25 closed.
fn booking_hall() -> String {
    hall_toml(2, "[booking]\ndays_ahead = 7\n")
        .replace(
            "cutoff_minutes = 30",
            "cutoff_minutes = 30\nclosed_dates = [\"2026-11-25\"]",
        )
        .replace(
            "expected_minutes = 5\n",
            "expected_minutes = 5\n[services.booking]\nslot_minutes = 30\nquota = 2\nhours = [\"09:00-12:00\"]\n",
        )
}

async fn server_at(local: &str) -> TestServer {
    TestServer::start_with(&booking_hall(), ManualClock::new(at(local)), None).await
}

fn book_req(date: &str, slot: &str, phone: &str, id: Option<&str>) -> BookRequest {
    BookRequest {
        notify: false,
        service_id: "a".into(),
        date: date.into(),
        slot: slot.into(),
        name: "张三".into(),
        phone: phone.into(),
        citizen_id: id.map(String::from),
        request_id: None,
    }
}

async fn book(server: &TestServer, req: &BookRequest) -> Result<Booking, ApiError> {
    server
        .anonymous()
        .post::<BookingResponse>("/api/v1/public/bookings", req)
        .await
        .map(|r| r.booking)
}

fn check_in_req(rid: &str, code: &str) -> CheckInRequest {
    CheckInRequest {
        request_id: rid.into(),
        code: Some(code.into()),
        phone: None,
        id_last4: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn book_look_up_check_in_and_get_called() {
    let server = server_at("2026-11-23T08:00").await;
    let slots: SlotsResponse = server
        .anonymous()
        .get("/api/v1/public/booking/slots")
        .await
        .expect("slots");
    assert_eq!(slots.services.len(), 1);
    let days: Vec<&str> = slots.services[0]
        .days
        .iter()
        .map(|d| d.date.as_str())
        .collect();
    assert_eq!(
        days,
        [
            "2026-11-23",
            "2026-11-24",
            "2026-11-26",
            "2026-11-27",
            "2026-11-30"
        ],
        "weekdays only, the closed Wednesday left out"
    );
    assert_eq!(slots.services[0].days[0].slots[2].slot, "10:00-10:30");
    let booking = book(
        &server,
        &book_req(
            "2026-11-23",
            "10:00",
            "138 0013 8000",
            Some("11010519491231002X"),
        ),
    )
    .await
    .expect("book");
    assert_eq!(booking.code.len(), 6);
    assert_eq!(booking.name_masked, "张*");
    assert_eq!(booking.phone_masked, "138****8000");
    assert_eq!(booking.state, BookingState::Booked);
    // The code and the phone find it; the code with another phone does not.
    let lookup = |code: &str, phone: &str| BookingLookup {
        code: code.into(),
        phone: phone.into(),
    };
    let found: BookingResponse = server
        .anonymous()
        .post(
            "/api/v1/public/bookings/lookup",
            &lookup(&booking.code.to_lowercase(), "13800138000"),
        )
        .await
        .expect("lookup");
    assert_eq!(found.booking, booking);
    let wrong = server
        .anonymous()
        .post::<BookingResponse>(
            "/api/v1/public/bookings/lookup",
            &lookup(&booking.code, "13900000000"),
        )
        .await
        .expect_err("other phone");
    assert_eq!(wrong.code, ErrorCode::UnknownBooking);
    // Too early at the kiosk: says when.
    let kiosk = server.client(KIOSK);
    server.clock.set(at("2026-11-23T09:00"));
    let early = kiosk
        .post::<CheckInResponse>(
            "/api/v1/bookings/check-in",
            &check_in_req("k1", &booking.code),
        )
        .await
        .expect_err("early");
    assert_eq!(early.code, ErrorCode::CheckInTooEarly);
    assert!(early.message.contains("09:30"), "{}", early.message);
    assert_eq!(early.retry_after_s, Some(1800));
    // A walk-in comes first; the booking checks in on time and is called before it (R11).
    server.clock.set(at("2026-11-23T09:40"));
    let walk_in = kiosk
        .issue("a", TicketClass::Normal)
        .await
        .expect("walk-in");
    let got: CheckInResponse = kiosk
        .post(
            "/api/v1/bookings/check-in",
            &check_in_req("k2", &booking.code),
        )
        .await
        .expect("check in");
    assert!(got.on_time);
    assert_eq!(got.issued.ticket.class, TicketClass::Appointment);
    assert_eq!(got.booking.state, BookingState::CheckedIn);
    // The same touch again (a lost answer): the same ticket, not a second one.
    let again: CheckInResponse = kiosk
        .post(
            "/api/v1/bookings/check-in",
            &check_in_req("k2", &booking.code),
        )
        .await
        .expect("retry");
    assert_eq!(again.issued.ticket.id, got.issued.ticket.id);
    // A new touch: already used, naming the ticket.
    let used = kiosk
        .post::<CheckInResponse>(
            "/api/v1/bookings/check-in",
            &check_in_req("k3", &booking.code),
        )
        .await
        .expect_err("used");
    assert_eq!(used.code, ErrorCode::BookingUsed);
    assert_eq!(
        used.ticket.as_deref(),
        Some(got.issued.ticket.number.as_str())
    );
    let staff = server.at_window("s1", 1).await;
    let call = staff.act(1, "call-next").await.expect("call");
    assert_eq!(call.ticket.expect("called").id, got.issued.ticket.id);
    let next = staff.act(1, "finish-and-call-next").await.expect("next");
    assert_eq!(next.ticket.expect("called").id, walk_in.ticket.id);
    // The audit names the check-in without the code, the phone or the name (R29).
    let manager = server.staff("m1").await;
    let audit = manager.audit().await;
    let check_in = audit
        .iter()
        .find(|e| e.action == "check_in")
        .expect("audited");
    assert_eq!(check_in.actor, "device:kiosk-1");
    let all = serde_json::to_string(&audit).expect("json");
    for secret in [
        booking.code.as_str(),
        "13800138000",
        "张三",
        "11010519491231002X",
    ] {
        assert!(!all.contains(secret), "{secret} in the audit log");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_and_id_digits_check_in_and_late_is_a_normal_ticket() {
    let server = server_at("2026-11-23T08:00").await;
    let b = book(
        &server,
        &book_req(
            "2026-11-23",
            "09:00",
            "13800138000",
            Some("11010519491231002X"),
        ),
    )
    .await
    .expect("book");
    let kiosk = server.client(KIOSK);
    let by_phone = CheckInRequest {
        request_id: "p1".into(),
        code: None,
        phone: Some("13800138000".into()),
        id_last4: Some("002x".into()),
    };
    // 09:00-09:30 checks in until 09:45; at 09:46 it is a normal ticket, and the answer says so.
    server.clock.set(at("2026-11-23T09:46"));
    let got: CheckInResponse = kiosk
        .post("/api/v1/bookings/check-in", &by_phone)
        .await
        .expect("late check-in");
    assert!(!got.on_time);
    assert_eq!(got.issued.ticket.class, TicketClass::Normal);
    assert_eq!(got.booking.code, b.code);
    assert_eq!(got.booking.state, BookingState::Missed);
    let wrong_digits = CheckInRequest {
        request_id: "p2".into(),
        id_last4: Some("0021".into()),
        ..by_phone
    };
    let e = kiosk
        .post::<CheckInResponse>("/api/v1/bookings/check-in", &wrong_digits)
        .await
        .expect_err("wrong digits");
    assert_eq!(e.code, ErrorCode::UnknownBooking);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_not_checked_in_becomes_missed_by_the_clock() {
    let server = server_at("2026-11-23T08:00").await;
    let b = book(
        &server,
        &book_req("2026-11-23", "09:00", "13800138000", None),
    )
    .await
    .expect("book");
    let manager = server.staff("m1").await;
    server.clock.set(at("2026-11-23T09:45"));
    // The engine's 1 s tick marks it once the window is over: wait for that, bounded.
    server.clock.set(at("2026-11-23T09:45") + 1);
    let mut state = BookingState::Booked;
    for _ in 0..100 {
        let list: BookingsResponse = manager
            .get("/api/v1/bookings?date=2026-11-23")
            .await
            .expect("list");
        state = list.bookings[0].state;
        if state == BookingState::Missed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state, BookingState::Missed);
    let audit = manager.audit().await;
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "booking_missed")
            .count(),
        1
    );
    // Survives a restart: the store has it missed.
    let (clock, dir) = server.stop().await;
    let server = TestServer::start_with(&booking_hall(), clock, Some(dir)).await;
    let manager = server.staff("m1").await;
    let list: BookingsResponse = manager
        .get("/api/v1/bookings?date=2026-11-23")
        .await
        .expect("list");
    assert_eq!(list.bookings[0].state, BookingState::Missed);
    assert_eq!(list.bookings[0].code, b.code);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_book_list_and_cancel_for_a_caller_on_the_phone() {
    let server = server_at("2026-11-23T08:00").await;
    let staff = server.staff("s1").await;
    let b: BookingResponse = staff
        .post(
            "/api/v1/bookings",
            &book_req("2026-11-24", "09:30", "13800138000", None),
        )
        .await
        .expect("staff book");
    let list: BookingsResponse = staff
        .get("/api/v1/bookings?date=2026-11-24")
        .await
        .expect("list");
    assert_eq!(list.bookings, vec![b.booking.clone()]);
    let audit = server.staff("m1").await.audit().await;
    let line = audit.iter().find(|e| e.action == "book").expect("audited");
    assert_eq!(line.actor, "staff:s1");
    // The citizen's cancel deadline does not bind staff.
    server.clock.set(at("2026-11-24T09:10"));
    let public = server
        .anonymous()
        .post::<BookingResponse>(
            "/api/v1/public/bookings/cancel",
            &BookingLookup {
                code: b.booking.code.clone(),
                phone: "13800138000".into(),
            },
        )
        .await
        .expect_err("past the deadline");
    assert_eq!(public.code, ErrorCode::CancelClosed);
    // Next morning: a new login (tokens last a shift).
    let staff = server.staff("s1").await;
    let cancelled: BookingResponse = staff
        .post(
            &format!("/api/v1/bookings/{}/cancel", b.booking.code),
            &serde_json::json!({}),
        )
        .await
        .expect("staff cancel");
    assert_eq!(cancelled.booking.state, BookingState::Cancelled);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bookings_get_clear_errors_and_change_nothing() {
    let server = server_at("2026-11-23T09:10").await;
    let manager = server.staff("m1").await;
    book(
        &server,
        &book_req("2026-11-24", "09:00", "13800000001", None),
    )
    .await
    .expect("one");
    book(
        &server,
        &book_req("2026-11-24", "09:00", "13800000002", None),
    )
    .await
    .expect("two");
    let before = manager.audit().await.len();
    let cases: Vec<(BookRequest, u16, &str)> = vec![
        (
            book_req("2026-11-23", "09:00", "13800000003", None),
            409,
            "slot_past",
        ),
        (
            book_req("2026-11-20", "10:00", "13800000003", None),
            409,
            "slot_past",
        ),
        (
            book_req("2026-11-25", "10:00", "13800000003", None),
            409,
            "slot_unavailable",
        ),
        (
            book_req("2026-12-30", "10:00", "13800000003", None),
            409,
            "slot_unavailable",
        ),
        (
            book_req("2026-11-24", "09:15", "13800000003", None),
            409,
            "slot_unavailable",
        ),
        (
            book_req("2026-11-24", "09:00", "13800000003", None),
            409,
            "slot_full",
        ),
        (
            book_req("2026-11-24", "10:00", "13800000001", None),
            409,
            "duplicate_booking",
        ),
        (
            book_req(
                "2026-11-24",
                "10:00",
                "13800000003",
                Some("110105194912310021"),
            ),
            400,
            "bad_request",
        ),
        (
            book_req("2026-11-24", "10:00", "13800000003", Some("12345")),
            400,
            "bad_request",
        ),
        (
            book_req("2026-11-24", "10:00", "call me", None),
            400,
            "bad_request",
        ),
        (
            book_req("2026-11-24", "ten", "13800000003", None),
            400,
            "bad_request",
        ),
        (
            book_req("tomorrow", "10:00", "13800000003", None),
            400,
            "bad_request",
        ),
        (
            BookRequest {
                notify: false,
                name: " ".into(),
                ..book_req("2026-11-24", "10:00", "13800000003", None)
            },
            400,
            "bad_request",
        ),
        (
            BookRequest {
                notify: false,
                service_id: "b".into(),
                ..book_req("2026-11-24", "10:00", "13800000003", None)
            },
            409,
            "slot_unavailable",
        ),
        (
            BookRequest {
                notify: false,
                service_id: "zz".into(),
                ..book_req("2026-11-24", "10:00", "13800000003", None)
            },
            404,
            "unknown_service",
        ),
    ];
    for (req, status, code) in cases {
        let (got, body) = server
            .anonymous()
            .raw(
                Method::POST,
                "/api/v1/public/bookings",
                Some(serde_json::to_string(&req).expect("json")),
            )
            .await;
        assert_eq!(
            (got, body["error"]["code"].as_str().unwrap_or("")),
            (status, code),
            "{req:?}: {body}"
        );
    }
    // Unknown code at a kiosk.
    let e = server
        .client(KIOSK)
        .post::<CheckInResponse>("/api/v1/bookings/check-in", &check_in_req("u1", "KMNPRT"))
        .await
        .expect_err("unknown");
    assert_eq!(e.code, ErrorCode::UnknownBooking);
    assert_eq!(manager.audit().await.len(), before, "nothing was written");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_code_guesses_is_rate_limited() {
    let server = server_at("2026-11-23T08:00").await;
    let kiosk = server.client(KIOSK);
    // A kiosk: a burst of 6, then refused with when to retry.
    let mut codes = Vec::new();
    for i in 0..10 {
        let e = kiosk
            .post::<CheckInResponse>(
                "/api/v1/bookings/check-in",
                &check_in_req(&format!("g{i}"), "KMNPRT"),
            )
            .await
            .expect_err("guess");
        codes.push(e.code);
    }
    assert_eq!(codes[..6], [ErrorCode::UnknownBooking; 6]);
    assert!(
        codes[6..].iter().all(|c| *c == ErrorCode::RateLimited),
        "{codes:?}"
    );
    // Five seconds later one more guess is allowed (12 per minute).
    server.clock.set(at("2026-11-23T08:00") + 5_000);
    let e = kiosk
        .post::<CheckInResponse>("/api/v1/bookings/check-in", &check_in_req("g99", "KMNPRT"))
        .await
        .expect_err("guess");
    assert_eq!(e.code, ErrorCode::UnknownBooking);
    // The public lookup: a burst of 20, then refused with retry_after_s.
    let mut last = None;
    for i in 0..25 {
        let r = server
            .anonymous()
            .post::<BookingResponse>(
                "/api/v1/public/bookings/lookup",
                &BookingLookup {
                    code: format!("KMN{i:03}"),
                    phone: "13800138000".into(),
                },
            )
            .await
            .expect_err("guess");
        last = Some(r);
    }
    let last = last.expect("answers");
    assert_eq!(last.code, ErrorCode::RateLimited);
    assert!(last.retry_after_s.is_some_and(|s| s >= 1));
    server.stop().await;
}

/// The `/book` page: plain HTML forms over the same rules (no script needed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_booking_page_books_looks_up_and_cancels() {
    let server = server_at("2026-11-23T08:00").await;
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let url = format!("{}{path}", server.base);
        let http = http.clone();
        async move {
            http.get(url)
                .send()
                .await
                .expect("get")
                .text()
                .await
                .expect("body")
        }
    };
    let post = |path: &str, form: String| {
        let url = format!("{}{path}", server.base);
        let http = http.clone();
        async move {
            http.post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .expect("post")
                .text()
                .await
                .expect("body")
        }
    };
    let home = get("/book").await;
    assert!(
        home.contains("请选择办理事项") && home.contains("甲业务"),
        "{home}"
    );
    let slots = get("/book?service=a&lang=en").await;
    assert!(
        slots.contains("2026-11-24") && slots.contains("value=\"2026-11-24 09:00-09:30\""),
        "{slots}"
    );
    let booked = post(
        "/book",
        "lang=zh&service=a&slot=2026-11-24+09%3A00-09%3A30&name=%E5%BC%A0%E4%B8%89&phone=13800138000&citizen_id=".into(),
    )
    .await;
    assert!(
        booked.contains("预约成功") && booked.contains("<svg"),
        "{booked}"
    );
    let list: BookingsResponse = server
        .staff("m1")
        .await
        .get("/api/v1/bookings?date=2026-11-24")
        .await
        .expect("list");
    let code = list.bookings[0].code.clone();
    assert!(booked.contains(&code));
    assert!(
        !booked.contains("张三") && booked.contains("张*"),
        "the name is shown masked"
    );
    // The same person again that day: refused, in words, the form again.
    let again = post(
        "/book",
        "service=a&slot=2026-11-24+10%3A00-10%3A30&name=x&phone=13800138000".into(),
    )
    .await;
    assert!(again.contains("您当天已预约该事项"), "{again}");
    // Look up with the wrong phone, then the right one, then cancel.
    let wrong = post(
        "/book/lookup",
        format!("code={code}&phone=13900000000&action=lookup"),
    )
    .await;
    assert!(wrong.contains("没有找到这个预约"), "{wrong}");
    let found = post(
        "/book/lookup",
        format!("code={code}&phone=13800138000&action=lookup"),
    )
    .await;
    assert!(
        found.contains("已预约") && found.contains("取消预约"),
        "{found}"
    );
    let cancelled = post(
        "/book/lookup",
        format!("code={code}&phone=13800138000&action=cancel"),
    )
    .await;
    assert!(cancelled.contains("已取消"), "{cancelled}");
    server.stop().await;
}

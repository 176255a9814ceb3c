//! The kiosk's rules without a window or a server: tiles and their refusals, 暂停取号, one ticket per
//! touch and lost answers asked for again, the id and phone fields, the helper's priority tickets,
//! elder mode and the idle return, where the ticket says to wait.

use std::time::{Duration, Instant};

use qcall_client::connection::{ConnectionState, LinkError, Update};
use qcall_client::i18n::Text;
use qcall_protocol::*;

use super::*;

/// Monday 2026-11-23 10:00 in Shanghai.
const T0: Millis = 1_795_399_200_000;

fn service(id: &str, group: &str) -> Service {
    Service {
        id: id.into(),
        name_zh: format!("{id}业务"),
        name_en: format!("{id} service"),
        group_id: group.into(),
        prefix: id.to_uppercase(),
        enabled: true,
        daily_cap: None,
        expected_minutes: 5,
        materials: vec!["身份证原件".into()],
        ask_citizen_id: true,
        ask_phone: false,
        warn_waiting_count: None,
        warn_waiting_minutes: None,
    }
}

fn availability(id: &str, waiting: u32, refusal: Option<ErrorCode>) -> Availability {
    Availability {
        service_id: id.into(),
        waiting,
        issued_today: waiting,
        estimated_wait_minutes: Some(waiting * 5),
        refusal,
    }
}

fn snapshot(hours: &[&str], availability: Vec<Availability>) -> Snapshot {
    let group = |id: &str| ServiceGroup {
        id: id.into(),
        name_zh: format!("{id}组"),
        name_en: format!("{id} group"),
    };
    let mut services = vec![service("a", "g"), service("b", "g")];
    services.extend((0..10).map(|i| service(&format!("m{i}"), "many")));
    Snapshot {
        seq: 1,
        at: T0,
        identity: Identity::Kiosk { name: "k".into() },
        hall: HallInfo {
            notify: false,
            check_in: true,
            start_on_call: false,
            name_zh: "测试大厅".into(),
            name_en: "Test hall".into(),
            time_zone: "Asia/Shanghai".into(),
            business_day: "2026-11-23".into(),
            issuing_open: true,
            hours_today: hours.iter().map(|h| h.to_string()).collect(),
            notices: vec![],
            requeue_limit_minutes: 30,
            requeue_behind: 3,
            priority_ratio: 3,
        },
        groups: vec![group("g"), group("many")],
        services,
        windows: vec![],
        availability,
        recent_calls: vec![],
        open_tickets: vec![],
        display: None,
        ticket: None,
    }
}

fn config() -> ModelConfig {
    ModelConfig {
        idle: DEFAULT_IDLE,
        prints: true,
        slip: SlipSettings::new("http://10.0.0.1:8700"),
    }
}

/// A connected kiosk that has the snapshot.
fn model(now: Instant, snapshot: Snapshot) -> Model {
    let mut m = Model::new(Lang::Zh, config(), now);
    m.wall_clock = Some(T0);
    m.apply_update(&Update::Snapshot {
        snapshot: Box::new(snapshot),
        received_at: T0,
    });
    m.apply_update(&Update::State(ConnectionState::Connected { since: now }));
    m
}

fn open() -> Snapshot {
    snapshot(
        &["08:00-18:00"],
        vec![availability("a", 3, None), availability("b", 0, None)],
    )
}

fn issued(request: &IssueRequest, number: &str) -> IssueResponse {
    IssueResponse {
        ticket: Ticket {
            id: 42,
            number: number.into(),
            business_day: "2026-11-23".into(),
            class: request.class,
            state: TicketState::Waiting,
            origin_service_id: request.service_id.clone(),
            service_id: request.service_id.clone(),
            issued_at: T0,
            window: None,
            phone_masked: None,
            legs: vec![],
        },
        token: "00000000002aabcdef".into(),
        status_path: "/t/00000000002aabcdef".into(),
        ahead: 3,
        estimated_wait_minutes: Some(15),
    }
}

fn issue_request(command: Option<Command>) -> IssueRequest {
    match command {
        Some(Command::Issue(request)) => request,
        other => panic!("expected an issue request, got {other:?}"),
    }
}

/// The refusal shown on service `a`'s tile when the server gives `code`.
fn check_refusal(code: Option<ErrorCode>, hours: &[&str], expected: Option<Refusal>, word: &str) {
    let now = Instant::now();
    let mut m = model(now, snapshot(hours, vec![availability("a", 1, code)]));
    m.handle(Intent::OpenGroup("g".into()), now);
    let tile = m.tiles().into_iter().find(|t| t.id == "a").expect("tile a");
    assert_eq!(tile.refusal, expected, "{code:?}");
    assert_eq!(
        tile.refusal.map(|r| r.text().get(Lang::Zh)),
        (!word.is_empty()).then_some(word)
    );
    // A refused tile cannot issue, even if the citizen reaches its page.
    m.handle(Intent::OpenService("a".into()), now);
    assert_eq!(m.can_take(), expected.is_none());
    assert_eq!(
        m.handle(Intent::TakeTicket, now).is_some(),
        expected.is_none()
    );
}

#[test]
fn every_refusal_reason_greys_its_tile_with_the_reason() {
    let day = &["08:00-18:00"][..];
    check_refusal(None, day, None, "");
    check_refusal(
        Some(ErrorCode::DailyCapReached),
        day,
        Some(Refusal::Full),
        "已满",
    );
    check_refusal(
        Some(ErrorCode::SlotQuotaReached),
        day,
        Some(Refusal::Full),
        "已满",
    );
    check_refusal(
        Some(ErrorCode::PastCutoff),
        day,
        Some(Refusal::PastCutoff),
        "已截止",
    );
    check_refusal(
        Some(ErrorCode::ServiceDisabled),
        day,
        Some(Refusal::Paused),
        "暂停",
    );
    // 10:00 local: between 09:00–09:30 and 14:00–17:00 is a break (休息); after the last range
    // or on a closed day it is just closed.
    let split = &["08:00-09:30", "14:00-17:00"][..];
    check_refusal(
        Some(ErrorCode::HallClosed),
        split,
        Some(Refusal::Break),
        "休息",
    );
    check_refusal(
        Some(ErrorCode::HallClosed),
        &["06:00-09:00"],
        Some(Refusal::Closed),
        "非办公时间",
    );
    check_refusal(
        Some(ErrorCode::HallClosed),
        &[],
        Some(Refusal::Closed),
        "非办公时间",
    );
    check_refusal(
        Some(ErrorCode::DuplicateCitizen),
        day,
        Some(Refusal::Other(ErrorCode::DuplicateCitizen)),
        Text::ErrDuplicateCitizen.get(Lang::Zh),
    );
}

#[test]
fn a_disabled_service_is_paused_even_without_a_refusal() {
    let now = Instant::now();
    let mut s = open();
    s.services[0].enabled = false;
    let m = model(now, s);
    assert_eq!(m.refusal(&m.live.services()[0]), Some(Refusal::Paused));
}

#[test]
fn breaks_lie_between_two_ranges_only() {
    let hours: Vec<String> = vec!["09:00-12:00".into(), "13:30-17:00".into()];
    assert!(in_break(&hours, 12 * 60));
    assert!(in_break(&hours, 13 * 60 + 29));
    assert!(!in_break(&hours, 13 * 60 + 30));
    assert!(!in_break(&hours, 8 * 60), "before opening");
    assert!(!in_break(&hours, 17 * 60), "after closing");
    assert!(!in_break(&[], 12 * 60));
}

#[test]
fn tiles_show_waiting_and_estimate_and_groups_sum_their_services() {
    let now = Instant::now();
    let mut m = model(now, open());
    let groups = m.tiles();
    assert_eq!(groups[0].name, "g组");
    assert_eq!(groups[0].waiting, 3);
    m.handle(Intent::OpenGroup("g".into()), now);
    let a = &m.tiles()[0];
    assert_eq!((a.waiting, a.estimate), (3, Some(15)));
    m.handle(Intent::ToggleLang, now);
    assert_eq!(m.tiles()[0].name, "a service");
}

#[test]
fn elder_mode_shows_fewer_tiles_per_page() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::OpenGroup("many".into()), now);
    let (tiles, pages) = m.page_tiles();
    assert_eq!((tiles.len(), pages), (8, 2));
    m.handle(Intent::ToggleElder, now);
    assert!(m.scale() > 1.0);
    let (tiles, pages) = m.page_tiles();
    assert_eq!((tiles.len(), pages), (4, 3));
    m.handle(Intent::NextPage, now);
    m.handle(Intent::NextPage, now);
    m.handle(Intent::NextPage, now);
    let (tiles, _) = m.page_tiles();
    assert_eq!(tiles.len(), 2, "the last page, and no further");
    assert_eq!(tiles[0].id, "m8");
}

/// The service page's form.
fn form(m: &Model) -> ServiceForm {
    match &m.screen {
        Screen::Service(f) => f.clone(),
        other => panic!("service page, got {other:?}"),
    }
}

#[test]
fn one_touch_is_one_request_and_a_lost_answer_is_asked_for_with_the_same_id() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::OpenService("a".into()), now);
    let first = issue_request(m.handle(Intent::TakeTicket, now));
    assert!(!m.can_take(), "disabled while in flight");
    assert!(
        m.handle(Intent::TakeTicket, now).is_none(),
        "a second touch sends nothing"
    );
    // The answer is lost: the page says so, and the next 取号 sends the same request, id and all
    // (R6): 取号 and 重试 are one button.
    assert!(
        m.issue_done(&first.request_id, Err(ClientError::Timeout), now)
            .is_none()
    );
    assert_eq!(form(&m).error, Some(Text::IssueNoAnswer));
    assert_eq!(
        m.unanswered_for("a").map(|r| r.request_id.as_str()),
        Some(first.request_id.as_str())
    );
    assert!(m.can_take());
    let retry = issue_request(m.handle(Intent::TakeTicket, now));
    assert_eq!(retry.request_id, first.request_id);
    assert_eq!(form(&m).error, None);
    assert!(
        m.handle(Intent::TakeTicket, now).is_none(),
        "in flight again: nothing more"
    );
    // An answer to some other request changes nothing.
    assert!(
        m.issue_done("other", Ok(issued(&retry, "A001")), now)
            .is_none()
    );
    assert!(m.pending.is_some());
    let print = m.issue_done(&retry.request_id, Ok(issued(&retry, "A001")), now);
    assert!(matches!(print, Some(Command::Print { ticket_id: 42, .. })));
    let Screen::Ticket(ticket) = &m.screen else {
        panic!("ticket screen")
    };
    assert_eq!(ticket.issue.ticket.number, "A001");
    assert_eq!(ticket.issued_at, "2026-11-23 10:00");
    assert_eq!(
        ticket.status_url,
        "http://10.0.0.1:8700/t/00000000002aabcdef"
    );
    assert!(ticket.qr_width >= 21 && ticket.qr.len() == ticket.qr_width * ticket.qr_width);
    assert_eq!(ticket.print, PrintStatus::Printing);
    assert!(m.unanswered.is_empty(), "answered");
    // A new touch after the ticket is a new intent with a new id.
    m.handle(Intent::OpenService("a".into()), now);
    let next = issue_request(m.handle(Intent::TakeTicket, now));
    assert_ne!(next.request_id, first.request_id);
}

#[test]
fn a_refusal_is_shown_and_not_retried() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::OpenService("a".into()), now);
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    let refused = ClientError::Api(ApiError::new(ErrorCode::DailyCapReached, "cap"));
    m.issue_done(&request.request_id, Err(refused), now);
    assert_eq!(form(&m).error, Some(Text::ErrDailyCapReached));
    assert!(m.unanswered.is_empty(), "a refusal is an answer");
    assert!(m.can_take(), "the citizen may try again (a new request)");
    let again = issue_request(m.handle(Intent::TakeTicket, now));
    assert_ne!(again.request_id, request.request_id);
}

#[test]
fn a_lost_answer_is_asked_for_again_after_the_idle_return_whoever_touches() {
    let t = Instant::now();
    let mut s = open();
    s.services[0].ask_phone = true;
    let mut m = model(t, s);
    m.handle(Intent::OpenService("a".into()), t);
    m.handle(Intent::SetPhone("13800138000".into()), t);
    let first = issue_request(m.handle(Intent::TakeTicket, t));
    m.issue_done(
        &first.request_id,
        Err(ClientError::Network("reset".into())),
        t,
    );
    // The citizen walks away; the kiosk goes home and forgets what was typed, not the request.
    m.tick(t + DEFAULT_IDLE);
    assert!(m.at_rest());
    assert!(m.unanswered_for("a").is_some());
    // The next citizen's touch on the same service sends the very same request: if the first
    // ticket was issued, it is shown now instead of becoming a no-show beside a second one.
    let later = t + DEFAULT_IDLE + Duration::from_secs(5);
    m.handle(Intent::OpenService("a".into()), later);
    m.handle(Intent::SetPhone("13900139000".into()), later);
    let again = issue_request(m.handle(Intent::TakeTicket, later));
    assert_eq!(again.request_id, first.request_id);
    assert_eq!(
        again.phone.as_deref(),
        Some("13800138000"),
        "as it was sent"
    );
    m.issue_done(&again.request_id, Ok(issued(&again, "A007")), later);
    let Screen::Ticket(ticket) = &m.screen else {
        panic!("the ticket issued for the lost answer")
    };
    assert_eq!(ticket.issue.ticket.number, "A007");
    assert!(m.unanswered.is_empty());
}

#[test]
fn only_the_service_of_a_lost_answer_waits_for_it() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::OpenService("a".into()), now);
    let lost = issue_request(m.handle(Intent::TakeTicket, now));
    m.issue_done(&lost.request_id, Err(ClientError::Timeout), now);
    m.handle(Intent::OpenService("b".into()), now);
    let b = issue_request(m.handle(Intent::TakeTicket, now));
    assert_ne!(b.request_id, lost.request_id);
    assert_eq!(b.service_id, "b");
    m.issue_done(&b.request_id, Ok(issued(&b, "B001")), now);
    assert!(
        m.unanswered_for("a").is_some(),
        "b's ticket does not settle a"
    );
}

#[test]
fn a_lost_answer_of_a_service_that_became_full_can_still_be_asked_for() {
    // The lost ticket may be the one that filled the service: its request must still go out.
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::OpenService("a".into()), now);
    let lost = issue_request(m.handle(Intent::TakeTicket, now));
    m.issue_done(&lost.request_id, Err(ClientError::Timeout), now);
    m.apply_update(&Update::Snapshot {
        snapshot: Box::new(snapshot(
            &["08:00-18:00"],
            vec![availability("a", 1, Some(ErrorCode::DailyCapReached))],
        )),
        received_at: T0,
    });
    assert_eq!(m.refusal(&m.live.services()[0]), Some(Refusal::Full));
    assert!(m.can_take());
    let again = issue_request(m.handle(Intent::TakeTicket, now));
    assert_eq!(again.request_id, lost.request_id);
    // The server answers it is full after all (the first attempt never arrived): settled.
    m.issue_done(
        &again.request_id,
        Err(ClientError::Api(ApiError::new(
            ErrorCode::DailyCapReached,
            "cap",
        ))),
        now,
    );
    assert!(m.unanswered.is_empty());
    assert!(!m.can_take(), "full, and nothing of ours left to ask for");
}

#[test]
fn which_failures_leave_the_answer_open() {
    let api = |code| ClientError::Api(ApiError::new(code, "x"));
    for lost in [
        ClientError::Timeout,
        ClientError::Network("reset".into()),
        ClientError::Decode("half a body".into()),
        api(ErrorCode::Unavailable),
        api(ErrorCode::RateLimited),
        api(ErrorCode::Busy),
        api(ErrorCode::Internal),
    ] {
        assert!(answer_lost(&lost), "{lost:?}");
    }
    for answered in [
        api(ErrorCode::DailyCapReached),
        api(ErrorCode::DuplicateCitizen),
        api(ErrorCode::BadPin),
        api(ErrorCode::HallClosed),
        api(ErrorCode::BadRequest),
        api(ErrorCode::RequestIdReused),
    ] {
        assert!(!answer_lost(&answered), "{answered:?}");
    }
}

#[test]
fn a_new_business_day_forgets_yesterdays_lost_answers() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::OpenService("a".into()), now);
    let lost = issue_request(m.handle(Intent::TakeTicket, now));
    m.issue_done(&lost.request_id, Err(ClientError::Timeout), now);
    let mut tomorrow = open();
    tomorrow.hall.business_day = "2026-11-24".into();
    m.apply_update(&Update::Snapshot {
        snapshot: Box::new(tomorrow),
        received_at: T0,
    });
    assert!(m.unanswered.is_empty());
    m.handle(Intent::OpenService("a".into()), now);
    let fresh = issue_request(m.handle(Intent::TakeTicket, now));
    assert_ne!(fresh.request_id, lost.request_id);
}

#[test]
fn optional_fields_are_sent_only_when_asked_and_given() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::OpenService("a".into()), now);
    // A card reader types the number and Enter; stray characters are dropped.
    m.handle(Intent::SetCitizenId("11010519491231002x\n".into()), now);
    m.handle(Intent::SetPhone("138 0013 8000".into()), now);
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    assert_eq!(request.citizen_id.as_deref(), Some("11010519491231002X"));
    assert_eq!(request.phone, None, "service a does not ask for a phone");
    assert_eq!(request.class, TicketClass::Normal);
    assert!(request.helper.is_none());
}

#[test]
fn issuing_pauses_while_the_server_is_unreachable_and_recovers() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::OpenService("a".into()), now);
    assert!(!m.issuing_paused() && m.can_take());
    m.apply_update(&Update::State(ConnectionState::Reconnecting {
        since: now,
        last_error: LinkError::Closed,
    }));
    assert!(m.issuing_paused(), "暂停取号");
    assert!(!m.can_take());
    assert!(m.handle(Intent::TakeTicket, now).is_none());
    m.apply_update(&Update::Snapshot {
        snapshot: Box::new(open()),
        received_at: T0,
    });
    m.apply_update(&Update::State(ConnectionState::Connected { since: now }));
    assert!(!m.issuing_paused());
    assert!(m.handle(Intent::TakeTicket, now).is_some());
}

#[test]
fn a_kiosk_that_never_connected_does_not_issue() {
    let now = Instant::now();
    let m = Model::new(Lang::Zh, config(), now);
    assert!(m.issuing_paused());
    assert!(m.tiles().is_empty());
}

#[test]
fn the_helper_unlocks_one_priority_ticket() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::Helper, now);
    assert!(matches!(m.screen, Screen::Helper { .. }));
    m.handle(Intent::UnlockHelper, now);
    assert!(m.helper.is_none(), "nothing typed, nothing unlocked");
    m.handle(Intent::SetHelperStaffNo("1001".into()), now);
    m.handle(Intent::SetHelperPin("2580".into()), now);
    m.handle(Intent::UnlockHelper, now);
    assert!(m.helper.is_some());
    m.handle(Intent::OpenService("a".into()), now);
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    assert_eq!(request.class, TicketClass::Priority);
    let helper = request
        .helper
        .clone()
        .expect("the helper's PIN goes with the request");
    assert_eq!(
        (helper.staff_no.as_str(), helper.pin.as_str()),
        ("1001", "2580")
    );
    m.issue_done(&request.request_id, Ok(issued(&request, "A002")), now);
    assert!(m.helper.is_none(), "one unlock, one priority ticket");
}

#[test]
fn a_wrong_pin_ends_helper_mode() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.helper = Some(HelperPin {
        staff_no: "1001".into(),
        pin: "0000".into(),
    });
    m.handle(Intent::OpenService("a".into()), now);
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    let refused = ClientError::Api(ApiError::new(ErrorCode::BadPin, "pin"));
    m.issue_done(&request.request_id, Err(refused), now);
    assert!(m.helper.is_none());
    let Screen::Service(form) = &m.screen else {
        panic!("service page")
    };
    assert_eq!(form.error, Some(Text::ErrBadPin));
}

#[test]
fn idle_returns_home_and_resets_the_citizens_choices() {
    let t = Instant::now();
    let mut m = model(t, open());
    m.handle(Intent::ToggleElder, t);
    m.handle(Intent::ToggleLang, t);
    m.handle(Intent::OpenService("a".into()), t);
    assert_eq!(m.next_tick(t).map(|d| d.as_secs()), Some(30));
    m.tick(t + Duration::from_secs(29));
    assert!(matches!(m.screen, Screen::Service(_)), "not yet");
    // A touch restarts the countdown.
    m.handle(Intent::Touch, t + Duration::from_secs(29));
    m.tick(t + Duration::from_secs(58));
    assert!(matches!(m.screen, Screen::Service(_)));
    m.tick(t + Duration::from_secs(59));
    assert!(m.at_rest(), "home, standard mode, Chinese");
    assert_eq!(
        m.next_tick(t + Duration::from_secs(59)),
        None,
        "an idle home screen never repaints"
    );
}

#[test]
fn idle_waits_for_the_answer_in_flight() {
    let t = Instant::now();
    let mut m = model(t, open());
    m.handle(Intent::OpenService("a".into()), t);
    let request = issue_request(m.handle(Intent::TakeTicket, t));
    m.tick(t + Duration::from_secs(60));
    assert!(
        matches!(m.screen, Screen::Service(_)),
        "the citizen who touched gets the answer"
    );
    let late = t + Duration::from_secs(61);
    m.issue_done(&request.request_id, Ok(issued(&request, "A001")), late);
    assert!(matches!(m.screen, Screen::Ticket(_)));
    assert_eq!(
        m.idle_left(late),
        30,
        "the ticket stays for the full idle time"
    );
    m.tick(late + DEFAULT_IDLE);
    assert!(m.at_rest());
}

#[test]
fn a_print_fault_is_shown_kindly_and_the_ticket_stands() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::OpenService("a".into()), now);
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    m.issue_done(&request.request_id, Ok(issued(&request, "A001")), now);
    let fault = PrintError::Timeout {
        stage: crate::print::Stage::Connect,
        after: Duration::from_secs(3),
    };
    let message = fault.message_zh();
    m.print_done(42, Err(fault));
    let Screen::Ticket(ticket) = &m.screen else {
        panic!("the ticket stays on screen")
    };
    assert_eq!(
        ticket.print,
        PrintStatus::Failed {
            zh: message,
            en: PrintError::Timeout {
                stage: crate::print::Stage::Connect,
                after: Duration::from_secs(3),
            }
            .message_en()
        }
    );
    assert!(message.contains("号码已取到"));
}

#[test]
fn a_kiosk_without_printer_says_so_and_prints_nothing() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.config.prints = false;
    m.handle(Intent::OpenService("a".into()), now);
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    assert!(
        m.issue_done(&request.request_id, Ok(issued(&request, "A001")), now)
            .is_none()
    );
    let Screen::Ticket(ticket) = &m.screen else {
        panic!("ticket")
    };
    assert_eq!(ticket.print, PrintStatus::NoPrinter);
}

#[test]
fn the_keypad_types_into_the_active_field_with_the_keyboard_rules() {
    let now = Instant::now();
    let mut s = open();
    s.services[0].ask_phone = true;
    let mut m = model(now, s);
    m.handle(Intent::OpenService("a".into()), now);
    let form = |m: &Model| match &m.screen {
        Screen::Service(f) => f.clone(),
        other => panic!("service page, got {other:?}"),
    };
    assert_eq!(
        form(&m).active,
        Some(Field::CitizenId),
        "the id comes first"
    );
    for c in "11010519491231002".chars() {
        m.handle(Intent::Key(Key::Char(c)), now);
    }
    m.handle(Intent::Key(Key::Char('X')), now);
    m.handle(Intent::Key(Key::Char('7')), now);
    assert_eq!(form(&m).citizen_id, "11010519491231002X", "18 at most");
    m.handle(Intent::Focus(Field::Phone), now);
    m.handle(Intent::Key(Key::Char('X')), now);
    assert_eq!(form(&m).phone, "", "no X in a phone number");
    for c in "1380013800".chars() {
        m.handle(Intent::Key(Key::Char(c)), now);
    }
    m.handle(Intent::Key(Key::Delete), now);
    assert_eq!(form(&m).phone, "138001380");
    m.handle(Intent::Key(Key::Clear), now);
    assert_eq!(form(&m).phone, "");
    assert_eq!(
        form(&m).citizen_id,
        "11010519491231002X",
        "the other field is untouched"
    );
    // A field the service does not ask for cannot be focused.
    m.handle(Intent::Focus(Field::HelperPin), now);
    assert_eq!(form(&m).active, Some(Field::Phone));
}

#[test]
fn a_service_that_asks_nothing_has_no_keypad() {
    let now = Instant::now();
    let mut s = open();
    s.services[0].ask_citizen_id = false;
    let mut m = model(now, s);
    m.handle(Intent::OpenService("a".into()), now);
    let Screen::Service(form) = &m.screen else {
        panic!("service page")
    };
    assert_eq!(form.active, None);
    assert!(m.handle(Intent::Key(Key::Char('1')), now).is_none());
    m.handle(Intent::Focus(Field::CitizenId), now);
    let Screen::Service(form) = &m.screen else {
        panic!("service page")
    };
    assert_eq!((form.active, form.citizen_id.as_str()), (None, ""));
}

#[test]
fn the_helper_types_staff_number_and_pin_on_the_keypad() {
    let now = Instant::now();
    let mut m = model(now, open());
    m.handle(Intent::Helper, now);
    for c in "1001".chars() {
        m.handle(Intent::Key(Key::Char(c)), now);
    }
    m.handle(Intent::Focus(Field::HelperPin), now);
    for c in "2580".chars() {
        m.handle(Intent::Key(Key::Char(c)), now);
    }
    m.handle(Intent::Key(Key::Char('X')), now);
    m.handle(Intent::UnlockHelper, now);
    let helper = m.helper.clone().expect("unlocked");
    assert_eq!(
        (helper.staff_no.as_str(), helper.pin.as_str()),
        ("1001", "2580")
    );
}

#[test]
fn citizen_ids_need_the_right_length_and_check_character() {
    assert!(citizen_id_ok("11010519491231002X"));
    assert!(citizen_id_ok("110105491231002"), "an old 15-digit id");
    assert!(
        !citizen_id_ok("110105194912310021"),
        "wrong check character"
    );
    assert!(!citizen_id_ok("11010519491231002"), "17 characters");
    assert!(!citizen_id_ok("1101051949123100X2"), "X only last");
    assert!(!citizen_id_ok(""));
}

#[test]
fn phones_are_mobile_or_fixed_line_numbers() {
    assert!(phone_ok("13800138000"));
    assert!(phone_ok("02512345678"), "fixed line with area code");
    assert!(!phone_ok("12345678"), "a mobile number has 11 digits");
    assert!(phone_ok("8765432"));
    assert!(!phone_ok("876543"));
    assert!(!phone_ok(""));
}

#[test]
fn a_mistyped_id_or_phone_is_shown_and_nothing_is_sent() {
    let now = Instant::now();
    let mut s = open();
    s.services[0].ask_phone = true;
    let mut m = model(now, s);
    m.handle(Intent::OpenService("a".into()), now);
    m.handle(Intent::SetCitizenId("110105194912310021".into()), now);
    assert!(m.handle(Intent::TakeTicket, now).is_none());
    let Screen::Service(form) = &m.screen else {
        panic!("service page")
    };
    assert_eq!(form.error, Some(Text::ErrCitizenIdFormat));
    assert!(m.pending.is_none());
    // Correcting it clears the word; a short phone is the next thing said.
    m.handle(Intent::SetCitizenId("11010519491231002X".into()), now);
    m.handle(Intent::SetPhone("138001".into()), now);
    let Screen::Service(form) = &m.screen else {
        panic!("service page")
    };
    assert_eq!(form.error, None);
    assert!(m.handle(Intent::TakeTicket, now).is_none());
    let Screen::Service(form) = &m.screen else {
        panic!("service page")
    };
    assert_eq!(
        (form.error, form.active),
        (Some(Text::ErrPhoneFormat), Some(Field::Phone))
    );
    m.handle(Intent::SetPhone("13800138000".into()), now);
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    assert_eq!(request.phone.as_deref(), Some("13800138000"));
    // Empty fields are fine: they are optional.
    let mut m = model(now, open());
    m.handle(Intent::OpenService("a".into()), now);
    assert!(m.handle(Intent::TakeTicket, now).is_some());
}

/// Service `a` asking for both an id and a phone, or for the phone only.
fn fields_model(now: Instant, ask_id: bool) -> Model {
    let mut s = open();
    s.services[0].ask_phone = true;
    s.services[0].ask_citizen_id = ask_id;
    let mut m = model(now, s);
    m.handle(Intent::OpenService("a".into()), now);
    m
}

#[test]
fn an_id_card_swiped_into_the_phone_field_goes_to_the_id_field() {
    let now = Instant::now();
    let mut m = fields_model(now, true);
    m.handle(Intent::Focus(Field::Phone), now);
    // The reader types as a keyboard, a few characters a frame, into the focused field.
    for typed in ["1101051949", "1101051949123100", "11010519491231002x"] {
        m.handle(Intent::SetPhone(typed.into()), now);
    }
    let f = form(&m);
    assert_eq!(f.citizen_id, "11010519491231002X");
    assert_eq!(f.phone, "", "never kept as a phone, never cut to 11 digits");
    assert_eq!(f.active, Some(Field::CitizenId));
    assert_eq!(f.notice, Some(Text::IdMovedFromPhone));
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    assert_eq!(request.citizen_id.as_deref(), Some("11010519491231002X"));
    assert_eq!(request.phone, None);
}

#[test]
fn an_old_fifteen_digit_id_in_the_phone_field_is_moved_at_the_touch() {
    let now = Instant::now();
    let mut m = fields_model(now, true);
    m.handle(Intent::SetPhone("110105491231002".into()), now);
    assert_eq!(
        form(&m).phone,
        "110105491231002",
        "15 digits: still typing?"
    );
    assert!(m.handle(Intent::TakeTicket, now).is_none(), "shown first");
    let f = form(&m);
    assert_eq!(
        (f.citizen_id.as_str(), f.phone.as_str()),
        ("110105491231002", "")
    );
    assert_eq!(f.notice, Some(Text::IdMovedFromPhone));
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    assert_eq!(request.citizen_id.as_deref(), Some("110105491231002"));
}

#[test]
fn an_id_in_the_phone_field_of_a_service_without_an_id_field_is_refused_not_stored() {
    let now = Instant::now();
    let mut m = fields_model(now, false);
    m.handle(Intent::SetPhone("11010519491231002X".into()), now);
    let f = form(&m);
    assert_eq!(f.phone, "");
    assert_eq!(f.error, Some(Text::ErrIdInPhone));
    assert_eq!(f.citizen_id, "");
    // An empty phone is fine: the ticket is issued without one.
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    assert_eq!((request.phone, request.citizen_id), (None, None));
}

#[test]
fn a_phone_typed_into_the_id_field_goes_to_the_phone_field() {
    let now = Instant::now();
    let mut m = fields_model(now, true);
    m.handle(Intent::SetCitizenId("13800138000".into()), now);
    assert!(m.handle(Intent::TakeTicket, now).is_none(), "shown first");
    let f = form(&m);
    assert_eq!(
        (f.citizen_id.as_str(), f.phone.as_str()),
        ("", "13800138000")
    );
    assert_eq!(
        (f.notice, f.active),
        (Some(Text::PhoneMovedFromId), Some(Field::Phone))
    );
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    assert_eq!(request.phone.as_deref(), Some("13800138000"));
    assert_eq!(request.citizen_id, None);
    // Where no phone is asked, the word says what is wrong.
    let mut m = model(now, open());
    m.handle(Intent::OpenService("a".into()), now);
    m.handle(Intent::SetCitizenId("13800138000".into()), now);
    assert!(m.handle(Intent::TakeTicket, now).is_none());
    assert_eq!(form(&m).error, Some(Text::ErrPhoneInId));
}

#[test]
fn id_and_mobile_shapes() {
    assert!(id_shaped("11010519491231002X"));
    assert!(
        id_shaped("110105194912310021"),
        "the shape, whatever the check"
    );
    assert!(id_shaped("110105491231002"));
    assert!(!id_shaped("1101051949123100"));
    assert!(!id_shaped("13800138000"));
    assert!(mobile_shaped("13800138000"));
    assert!(!mobile_shaped("02512345678"), "a fixed line is left alone");
    assert!(!mobile_shaped("1380013800"));
}

#[test]
fn group_tiles_name_their_first_services_and_a_small_hall_has_no_groups() {
    let now = Instant::now();
    let m = model(now, open());
    assert!(!m.flat(), "12 services in two groups");
    let tiles = m.tiles();
    assert_eq!(tiles.len(), 2);
    assert_eq!(tiles[0].kind, TileKind::Group);
    assert_eq!(tiles[0].services, ["a业务", "b业务"]);
    assert!(!tiles[0].more);
    assert_eq!(tiles[1].services, ["m0业务", "m1业务", "m2业务"]);
    assert!(tiles[1].more, "ten services: the tile names three and more");
    // A hall of a few services shows them at once.
    let mut small = open();
    small.services.truncate(2);
    let mut m = model(now, small);
    assert!(m.flat());
    let tiles = m.tiles();
    assert_eq!(
        tiles
            .iter()
            .map(|t| (t.kind, t.id.as_str()))
            .collect::<Vec<_>>(),
        [(TileKind::Service, "a"), (TileKind::Service, "b")]
    );
    // Back from a service goes to that home screen, not to a group.
    m.handle(Intent::OpenService("b".into()), now);
    m.handle(Intent::Back, now);
    assert!(matches!(m.screen, Screen::Home { group: None, .. }));
    // One group is no choice either.
    let mut one = open();
    for s in &mut one.services {
        s.group_id = "g".into();
    }
    assert!(model(now, one).flat());
}

#[test]
fn a_refused_service_says_why_and_what_next() {
    let now = Instant::now();
    let check = |refusal: Refusal, hours: &[&str], expected: &str| {
        let mut m = model(now, snapshot(hours, vec![]));
        assert_eq!(m.refusal_sentence(refusal), expected, "{refusal:?}");
        m.handle(Intent::ToggleLang, now);
        assert!(
            m.refusal_sentence(refusal).is_ascii(),
            "English for {refusal:?}"
        );
    };
    let day = &["08:00-18:00"][..];
    check(Refusal::Full, day, "今日号源已满，可预约或明日再来");
    check(Refusal::PastCutoff, day, "今日取号已截止，请明日再来");
    check(Refusal::Paused, day, "本事项暂停取号，请咨询工作人员");
    // 10:00 local.
    check(
        Refusal::Break,
        &["08:00-09:30", "14:00-17:00"],
        "午间休息，14:00 起可取号",
    );
    check(Refusal::Closed, &["10:30-12:00"], "10:30 起可取号");
    check(
        Refusal::Closed,
        &["06:00-09:00"],
        "今日已停止取号，请在办公时间再来",
    );
    check(Refusal::Closed, &[], "今日已停止取号，请在办公时间再来");
    check(
        Refusal::Other(ErrorCode::DuplicateCitizen),
        day,
        Text::ErrDuplicateCitizen.get(Lang::Zh),
    );
}

#[test]
fn next_opening_is_the_next_start_today() {
    let hours: Vec<String> = vec!["13:30-17:00".into(), "09:00-12:00".into()];
    assert_eq!(next_opening(&hours, 8 * 60), Some(9 * 60));
    assert_eq!(next_opening(&hours, 12 * 60 + 5), Some(13 * 60 + 30));
    assert_eq!(next_opening(&hours, 13 * 60 + 30), None);
    assert_eq!(next_opening(&[], 0), None);
}

fn window(
    number: WindowNo,
    primary: &[&str],
    secondary: &[&str],
    status: WindowStatus,
) -> WindowView {
    WindowView {
        number,
        name: "综合窗口".into(),
        screen_text: String::new(),
        primary: primary.iter().map(|s| s.to_string()).collect(),
        secondary: secondary.iter().map(|s| s.to_string()).collect(),
        status,
        pause_reason: None,
        paused_since: None,
        staff: None,
        current: None,
        held: vec![],
    }
}

#[test]
fn the_ticket_names_the_windows_serving_its_service_now() {
    let now = Instant::now();
    let mut s = open();
    s.windows = vec![
        window(5, &["b"], &["a"], WindowStatus::Open),
        window(1, &["a"], &[], WindowStatus::Paused),
        window(2, &["a"], &[], WindowStatus::Closed),
        window(3, &["b"], &[], WindowStatus::Open),
    ];
    let mut m = model(now, s);
    assert_eq!(m.windows_serving("a"), [1, 5], "signed in, by number");
    assert_eq!(m.windows_serving("m0"), Vec::<WindowNo>::new());
    m.handle(Intent::OpenService("a".into()), now);
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    let Some(Command::Print { slip, .. }) =
        m.issue_done(&request.request_id, Ok(issued(&request, "A001")), now)
    else {
        panic!("a slip to print")
    };
    assert_eq!(slip.windows, [1, 5]);
    assert_eq!(slip.where_line(), "请在等候区留意 1号、5号窗口叫号");
}

/// A citizen with id `id` takes a ticket at service `a`, and is answered `answer`.
fn take_with_id(
    m: &mut Model,
    id: &str,
    answer: impl FnOnce(&IssueRequest) -> Result<IssueResponse, ClientError>,
    now: Instant,
) -> Option<Command> {
    m.handle(Intent::OpenService("a".into()), now);
    m.handle(Intent::SetCitizenId(id.into()), now);
    let request = issue_request(m.handle(Intent::TakeTicket, now));
    let result = answer(&request);
    m.issue_done(&request.request_id, result, now)
}

/// `duplicate_citizen`, naming `number` when it is given.
fn holds(number: Option<&str>) -> ClientError {
    let refusal = ApiError::new(
        ErrorCode::DuplicateCitizen,
        "this citizen already holds a ticket",
    );
    ClientError::Api(match number {
        Some(n) => refusal.with_ticket(n),
        None => refusal,
    })
}

#[test]
fn a_citizen_who_holds_a_ticket_of_this_kiosk_is_shown_it_again() {
    let now = Instant::now();
    let mut m = model(now, open());
    let id = "11010519491231002X";
    let printed = take_with_id(&mut m, id, |r| Ok(issued(r, "A001")), now);
    assert!(matches!(printed, Some(Command::Print { .. })));
    m.handle(Intent::Home, now);
    let later = now + Duration::from_secs(600);
    let again = take_with_id(&mut m, id, |_| Err(holds(Some("A001"))), later);
    assert!(again.is_none(), "shown again, not printed again");
    let Screen::Ticket(ticket) = &m.screen else {
        panic!("the ticket held, again")
    };
    assert!(ticket.again);
    assert_eq!(ticket.issue.ticket.number, "A001");
    assert_eq!(ticket.print, PrintStatus::NotAgain);
    assert_eq!(
        ticket.status_url,
        "http://10.0.0.1:8700/t/00000000002aabcdef"
    );
    assert_eq!(m.idle_left(later), 30, "a full idle time to read it");
}

#[test]
fn a_ticket_held_from_another_kiosk_is_named_on_the_service_page() {
    let now = Instant::now();
    let mut m = model(now, open());
    take_with_id(
        &mut m,
        "11010519491231002X",
        |_| Err(holds(Some("A009"))),
        now,
    );
    let f = form(&m);
    assert_eq!(f.holds.as_deref(), Some("A009"));
    assert_eq!(f.error, None, "the number says it all");
    assert!(m.unanswered.is_empty(), "a refusal is an answer");
    // A server that names no number gets its plain sentence.
    let mut m = model(now, open());
    take_with_id(&mut m, "11010519491231002X", |_| Err(holds(None)), now);
    let f = form(&m);
    assert_eq!((f.holds, f.error), (None, Some(Text::ErrDuplicateCitizen)));
}

#[test]
fn a_phone_asks_for_near_turn_notices_only_where_the_hall_sends_them() {
    let t = Instant::now();
    for (hall_sends, phone, asked) in [
        (true, "13800138000", true),
        (true, "", false),
        (false, "13800138000", false),
    ] {
        let mut s = open();
        s.services[0].ask_phone = true;
        s.hall.notify = hall_sends;
        let mut m = model(t, s);
        m.handle(Intent::OpenService("a".into()), t);
        if !phone.is_empty() {
            m.handle(Intent::SetPhone(phone.into()), t);
        }
        let request = issue_request(m.handle(Intent::TakeTicket, t));
        assert_eq!(
            request.notify, asked,
            "hall sends: {hall_sends}, phone {phone:?}"
        );
    }
}

#[test]
fn check_in_is_offered_only_where_a_service_takes_bookings() {
    let t = Instant::now();
    let mut s = open();
    s.hall.check_in = false;
    let mut m = model(t, s);
    assert!(!m.offers_check_in());
    m.handle(Intent::OpenCheckIn, t);
    assert!(matches!(m.screen, Screen::Home { .. }), "no check-in page");
    let mut m = model(t, open());
    assert!(m.offers_check_in());
    m.handle(Intent::OpenCheckIn, t);
    assert!(matches!(m.screen, Screen::CheckIn(_)));
}

//! The kiosk's screens against a real server: touch by label, check what the citizen sees and what
//! the server did, and snapshot the screens citizens see.

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use qcall_kiosk::model::{PrintStatus, Refusal, Screen, qr_modules};
use qcall_kiosk::{Intent, KioskApp};
use qcall_protocol::TicketClass;

use crate::util::{Hall, click, demo_toml, kiosk, shows, until};

type Harness = egui_kittest::Harness<'static, KioskApp>;

fn connected(harness: &mut Harness) {
    until(harness, "the snapshot", |m| !m.issuing_paused());
}

fn on_ticket(harness: &mut Harness) {
    until(harness, "the ticket screen", |m| {
        matches!(m.screen, Screen::Ticket(_))
    });
}

/// The ticket on screen.
fn ticket(harness: &Harness) -> qcall_kiosk::model::IssuedTicket {
    match &harness.state().model.screen {
        Screen::Ticket(t) => (**t).clone(),
        other => panic!("expected the ticket screen, got {other:?}"),
    }
}

/// Makes the ticket screen the same on every run: the token in the QR code is random, and the
/// countdown follows the real clock.
fn steady(harness: &mut Harness) {
    let model = &mut harness.state_mut().model;
    if let Screen::Ticket(t) = &mut model.screen {
        let (qr, width) =
            qr_modules("http://127.0.0.1:8700/t/000000000001fixedtokenforthesnapshot");
        t.qr = qr;
        t.qr_width = width;
    }
    model.last_touch = Instant::now();
    harness.remove_cursor();
    harness.step();
    harness.step();
}

#[test]
fn a_citizen_takes_a_ticket_and_it_is_printed() {
    let hall = Hall::demo();
    let dir = tempfile::tempdir().expect("dir");
    let mut harness = kiosk(hall.kiosk_config(dir.path(), ""));
    connected(&mut harness);
    assert!(shows(&harness, "请选择业务类别"));
    harness.remove_cursor();
    harness.step();
    harness.snapshot("home_zh");

    click(&mut harness, "企业服务");
    assert!(shows(&harness, "请选择办理事项"));
    click(&mut harness, "税务");
    // 一次性告知 before the ticket.
    assert!(shows(&harness, "1. 营业执照"));
    click(&mut harness, "取号");
    on_ticket(&mut harness);
    let t = ticket(&harness);
    assert_eq!(t.issue.ticket.number, "T001");
    assert_eq!(t.issue.ticket.class, TicketClass::Normal);
    assert!(shows(&harness, "T001"), "the number is on screen");
    assert!(shows(&harness, "您前面还有 0 人"));
    assert!(shows(&harness, "取号时间 2026-11-23 10:00"));
    assert!(t.status_url.starts_with(&format!("{}/t/", hall.url())));
    assert!(t.qr_width > 0);

    // The slip reaches the printer (a file here) and the screen says so.
    until(&mut harness, "the slip", |m| match &m.screen {
        Screen::Ticket(t) => t.print == PrintStatus::Printed,
        _ => false,
    });
    assert!(shows(&harness, "请取走号票"));
    let slip = std::fs::read(dir.path().join("slips.bin")).expect("slip written");
    let (text, _, _) = encoding_rs::GB18030.decode(&slip);
    assert!(text.contains("T001") && text.contains("税务"), "{text}");

    steady(&mut harness);
    harness.snapshot("ticket");
    click(&mut harness, "完成");
    assert!(harness.state().model.at_rest());
}

#[test]
fn a_helper_issues_a_priority_ticket_with_their_pin() {
    let hall = Hall::demo();
    let dir = tempfile::tempdir().expect("dir");
    let mut config = hall.kiosk_config(dir.path(), "");
    config.printer = None;
    let mut harness = kiosk(config);
    connected(&mut harness);
    click(&mut harness, "爱心优先（需工作人员协助）");
    for (label, text) in [("工作人员工号", "1001"), ("工作人员密码", "2580")] {
        // The field, not its caption: a caption that labels a field is not a node of its own.
        let node = harness.get_by_label(label);
        node.focus();
        node.type_text(text);
        harness.step();
        harness.step();
    }
    click(&mut harness, "确定");
    assert!(shows(&harness, "爱心优先取号已开启"));
    click(&mut harness, "民生服务");
    click(&mut harness, "公积金");
    click(&mut harness, "取号 · 爱心优先");
    on_ticket(&mut harness);
    let t = ticket(&harness);
    assert_eq!(t.issue.ticket.class, TicketClass::Priority);
    assert_eq!(t.issue.ticket.number, "F001");
    assert!(shows(&harness, "爱心优先"), "the class is on the ticket");
    assert_eq!(t.print, PrintStatus::NoPrinter);
    assert!(
        harness.state().model.helper.is_none(),
        "one unlock, one ticket"
    );
}

#[test]
fn a_wrong_pin_is_refused_and_nothing_is_issued() {
    let hall = Hall::demo();
    let dir = tempfile::tempdir().expect("dir");
    let mut harness = kiosk(hall.kiosk_config(dir.path(), ""));
    connected(&mut harness);
    let model = &mut harness.state_mut().model;
    model.helper = Some(qcall_protocol::HelperPin {
        staff_no: "1001".into(),
        pin: "0000".into(),
    });
    model.handle(Intent::OpenService("fund".into()), Instant::now());
    // Two frames: the first lays the page out, the second puts 取号 where it stays.
    harness.step();
    harness.step();
    click(&mut harness, "取号 · 爱心优先");
    until(&mut harness, "the refusal", |m| m.pending.is_none());
    assert!(shows(
        &harness,
        qcall_client::Text::ErrBadPin.get(qcall_client::Lang::Zh)
    ));
    assert!(matches!(harness.state().model.screen, Screen::Service(_)));
}

#[test]
fn elder_mode_and_english_change_the_home_screen() {
    let hall = Hall::demo();
    let dir = tempfile::tempdir().expect("dir");
    let mut harness = kiosk(hall.kiosk_config(dir.path(), ""));
    connected(&mut harness);
    click(&mut harness, "长者模式");
    assert!(harness.state().model.elder);
    assert!(shows(&harness, "标准模式"), "the switch back");
    click(&mut harness, "民生服务");
    // Three services, a page of four in elder mode.
    harness.remove_cursor();
    harness.step();
    harness.snapshot("home_elder");
    click(&mut harness, "标准模式");
    click(&mut harness, "返回");

    click(&mut harness, "English");
    assert!(shows(&harness, "Choose a category"));
    assert!(shows(&harness, "Citizen services"));
    assert!(shows(&harness, "中文"), "the switch back, in Chinese");
    harness.remove_cursor();
    harness.step();
    harness.snapshot("home_en");
    click(&mut harness, "Business services");
    click(&mut harness, "Taxation");
    click(&mut harness, "Take a ticket");
    on_ticket(&mut harness);
    assert!(shows(&harness, "Your number"));
}

#[test]
fn a_full_service_says_so_and_cannot_issue() {
    let hall = Hall::start(demo_toml(|t| t.replace("daily_cap = 300", "daily_cap = 1")));
    let dir = tempfile::tempdir().expect("dir");
    let mut harness = kiosk(hall.kiosk_config(dir.path(), ""));
    connected(&mut harness);
    click(&mut harness, "民生服务");
    click(&mut harness, "社保医保");
    // The service asks for the citizen id; it is optional.
    assert!(
        harness
            .query_by_role_and_label(egui::Role::TextInput, "身份证号（选填）")
            .is_some()
    );
    click(&mut harness, "取号");
    on_ticket(&mut harness);
    assert_eq!(ticket(&harness).issue.ticket.number, "S001");
    click(&mut harness, "完成");
    click(&mut harness, "民生服务");
    until(&mut harness, "the cap to show", |m| {
        m.tiles()
            .iter()
            .any(|t| t.id == "social" && t.refusal == Some(Refusal::Full))
    });
    assert!(shows(&harness, "社保医保"));
    harness.remove_cursor();
    harness.step();
    harness.snapshot("services_full");
    // Touching the greyed tile does nothing.
    click(&mut harness, "社保医保");
    assert!(matches!(
        harness.state().model.screen,
        Screen::Home { group: Some(_), .. }
    ));
}

#[test]
fn issuing_pauses_while_the_server_is_down_and_recovers() {
    let mut hall = Hall::demo();
    let dir = tempfile::tempdir().expect("dir");
    let mut harness = kiosk(hall.kiosk_config(dir.path(), ""));
    connected(&mut harness);
    assert!(!shows(&harness, "暂停取号"));
    click(&mut harness, "企业服务");
    click(&mut harness, "税务");
    hall.stop();
    until(&mut harness, "暂停取号", |m| m.issuing_paused());
    assert!(shows(&harness, "暂停取号"));
    assert!(!harness.state().model.can_take());
    click(&mut harness, "取号");
    assert!(
        harness.state().model.pending.is_none(),
        "no request while paused"
    );
    hall.restart();
    until(&mut harness, "recovery", |m| !m.issuing_paused());
    assert!(!shows(&harness, "暂停取号"));
    click(&mut harness, "取号");
    on_ticket(&mut harness);
    assert_eq!(ticket(&harness).issue.ticket.number, "T001");
}

/// Touch → ticket on screen over 200 tickets with a local server. Prints the figure; not a timed
/// assertion (the goal is ≤ 150 ms p99).
#[test]
fn touch_to_ticket_p99() {
    let hall = Hall::start(demo_toml(|t| {
        t.replace("issue_per_minute = 60", "issue_per_minute = 0")
    }));
    let dir = tempfile::tempdir().expect("dir");
    let mut harness = kiosk(hall.kiosk_config(dir.path(), ""));
    connected(&mut harness);
    let mut times = Vec::new();
    for i in 0..200 {
        harness
            .state_mut()
            .model
            .handle(Intent::OpenService("tax".into()), Instant::now());
        harness.step();
        harness.step();
        harness.get_by_label("取号").click();
        let touched = Instant::now();
        let deadline = touched + Duration::from_secs(10);
        loop {
            harness.step();
            if matches!(harness.state().model.screen, Screen::Ticket(_)) {
                break;
            }
            assert!(Instant::now() < deadline, "ticket {i} did not come");
            std::thread::sleep(Duration::from_micros(200));
        }
        times.push(touched.elapsed());
        assert_eq!(
            ticket(&harness).issue.ticket.number,
            format!("T{:03}", i + 1)
        );
        harness
            .state_mut()
            .model
            .handle(Intent::Home, Instant::now());
    }
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    println!(
        "touch_to_ticket_p50_ms={:.1}",
        p(0.50).as_secs_f64() * 1000.0
    );
    println!(
        "touch_to_ticket_p99_ms={:.1}",
        p(0.99).as_secs_f64() * 1000.0
    );
}

#[test]
fn a_retry_after_a_lost_answer_gets_the_same_ticket() {
    let hall = Hall::demo();
    let dir = tempfile::tempdir().expect("dir");
    let mut harness = kiosk(hall.kiosk_config(dir.path(), ""));
    connected(&mut harness);
    harness
        .state_mut()
        .model
        .handle(Intent::OpenService("tax".into()), Instant::now());
    harness.step();
    harness.step();
    harness.get_by_label("取号").click();
    // The frame that sees the touch sends the request; its answer is taken at the start of a
    // later frame, so right after it the request is still in flight.
    let deadline = Instant::now() + Duration::from_secs(5);
    while harness.state().model.pending.is_none() {
        harness.step();
        assert!(Instant::now() < deadline, "the touch sent nothing");
    }
    assert!(
        !harness.state().model.can_take(),
        "取号 is disabled in flight"
    );
    // The server issues the ticket, but the kiosk loses the answer (a timeout, as over a bad
    // network): the page offers 重试.
    let request_id = harness
        .state()
        .model
        .pending
        .as_ref()
        .map(|p| p.request.request_id.clone());
    let request_id = request_id.expect("in flight");
    harness.state_mut().model.issue_done(
        &request_id,
        Err(qcall_client::ClientError::Timeout),
        Instant::now(),
    );
    harness.step();
    harness.step();
    assert!(shows(&harness, "重试"));
    click(&mut harness, "重试");
    on_ticket(&mut harness);
    assert_eq!(
        ticket(&harness).issue.ticket.number,
        "T001",
        "the retry's request id names the ticket already issued (R6)"
    );
    // The server holds one ticket, not two: the next touch gets T002.
    click(&mut harness, "完成");
    harness
        .state_mut()
        .model
        .handle(Intent::OpenService("tax".into()), Instant::now());
    harness.step();
    harness.step();
    click(&mut harness, "取号");
    on_ticket(&mut harness);
    assert_eq!(ticket(&harness).issue.ticket.number, "T002");
}

#[test]
fn a_dead_printer_is_explained_kindly_and_the_ticket_stands() {
    let hall = Hall::demo();
    let dir = tempfile::tempdir().expect("dir");
    // A network printer that refuses connections (switched off).
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let mut config = hall.kiosk_config(dir.path(), "");
    config.printer = Some(qcall_kiosk::print::Printer::new(
        format!("tcp:127.0.0.1:{port}")
            .parse()
            .expect("destination"),
        qcall_kiosk::print::Paper::Mm58,
    ));
    let mut harness = kiosk(config);
    connected(&mut harness);
    click(&mut harness, "企业服务");
    click(&mut harness, "税务");
    click(&mut harness, "取号");
    on_ticket(&mut harness);
    until(&mut harness, "the print result", |m| match &m.screen {
        Screen::Ticket(t) => t.print != PrintStatus::Printing,
        _ => false,
    });
    let t = ticket(&harness);
    let PrintStatus::Failed { zh, .. } = t.print else {
        panic!("expected a print fault, got {:?}", t.print)
    };
    assert!(shows(&harness, zh), "the citizen reads why");
    assert!(zh.contains("号码已取到"), "{zh}");
    assert!(shows(&harness, "T001"), "the number stays on screen");
    assert_eq!(t.issue.ticket.number, "T001");
}

#[test]
fn the_keypad_types_the_helpers_pin_and_a_citizen_id() {
    let hall = Hall::demo();
    let dir = tempfile::tempdir().expect("dir");
    let mut config = hall.kiosk_config(dir.path(), "");
    config.printer = None;
    let mut harness = kiosk(config);
    connected(&mut harness);
    click(&mut harness, "爱心优先（需工作人员协助）");
    for key in ["1", "0", "0", "1"] {
        click(&mut harness, key);
    }
    harness.get_by_label("工作人员密码").click();
    harness.step();
    harness.step();
    for key in ["2", "5", "8", "0"] {
        click(&mut harness, key);
    }
    click(&mut harness, "确定");
    assert!(shows(&harness, "爱心优先取号已开启"));
    click(&mut harness, "民生服务");
    click(&mut harness, "社保医保");
    // A typo in the id is caught on the kiosk, before anything is sent.
    for key in "110105194912310021".chars() {
        click(&mut harness, &key.to_string());
    }
    click(&mut harness, "取号 · 爱心优先");
    assert!(shows(
        &harness,
        qcall_client::Text::ErrCitizenIdFormat.get(qcall_client::Lang::Zh)
    ));
    assert!(harness.state().model.pending.is_none());
    click(&mut harness, "删除");
    click(&mut harness, "X");
    click(&mut harness, "取号 · 爱心优先");
    on_ticket(&mut harness);
    let t = ticket(&harness);
    assert_eq!(
        (t.issue.ticket.number.as_str(), t.issue.ticket.class),
        ("S001", TicketClass::Priority)
    );
}

//! 预约签到 against a real server (R26): a booking made on the public route is checked in at the
//! kiosk with its code (scanned: the scanner types like a keyboard) and called at a window; clear
//! words for a wrong code, too early and already used; the snapshot of the check-in page.

use std::time::Instant;

use qcall_client::{Lang, Text};
use qcall_kiosk::model::{CheckInField, Screen};
use qcall_kiosk::{Intent, KioskApp};
use qcall_protocol::TicketClass;

use crate::util::{Hall, click, kiosk, settle, shows, until};

type Harness = egui_kittest::Harness<'static, KioskApp>;

fn zh(text: Text) -> &'static str {
    text.get(Lang::Zh)
}

/// What a scanner or keyboard types into the code field.
fn type_code(harness: &mut Harness, text: &str) {
    harness.state_mut().model.handle(
        Intent::SetCheckInText(CheckInField::Code, text.into()),
        Instant::now(),
    );
    settle(harness);
}

/// The check-in page's error line, once the answer came.
fn refusal(harness: &mut Harness) -> String {
    until(
        harness,
        "the answer",
        |m| matches!(&m.screen, Screen::CheckIn(f) if !f.in_flight && f.error.is_some()),
    );
    match &harness.state().model.screen {
        Screen::CheckIn(f) => f.error.clone().unwrap_or_default(),
        _ => unreachable!(),
    }
}

#[test]
fn a_booking_is_checked_in_at_the_kiosk_and_called() {
    let hall = Hall::demo();
    // 10:00 now: the 10:30 slot checks in from 10:00.
    let booked = hall.book("household", "2026-11-23", "10:30");
    hall.sign_in("1004", 4);
    let dir = tempfile::tempdir().expect("dir");
    let mut harness = kiosk(hall.kiosk_config(dir.path(), ""));
    until(&mut harness, "the snapshot", |m| !m.issuing_paused());
    assert!(shows(&harness, zh(Text::CheckInTile)));
    click(&mut harness, zh(Text::CheckInTile));
    assert!(shows(&harness, zh(Text::CheckInTitle)));

    // A wrong code: said so, nothing issued.
    type_code(&mut harness, "KKKKKK");
    click(&mut harness, zh(Text::CheckInButton));
    assert_eq!(refusal(&mut harness), zh(Text::ErrUnknownBooking));
    assert!(shows(&harness, zh(Text::ErrUnknownBooking)));

    // Half a code: the kiosk asks for the rest without asking the server.
    type_code(&mut harness, "ACE");
    click(&mut harness, zh(Text::CheckInButton));
    assert!(shows(&harness, zh(Text::CheckInIncomplete)));

    // The keypad types code characters only; the scanner's URL leaves the code.
    click(&mut harness, zh(Text::KeyClear));
    click(&mut harness, "7");
    match &harness.state().model.screen {
        Screen::CheckIn(f) => assert_eq!(f.code, "7"),
        other => panic!("{other:?}"),
    }
    // The snapshot shows a fixed code (the real one is random on every run).
    type_code(&mut harness, "http://hall/book?code=ace379");
    harness.remove_cursor();
    settle(&mut harness);
    harness.snapshot("check_in");
    type_code(
        &mut harness,
        &format!("http://hall/book?code={}", booked.code.to_lowercase()),
    );
    match &harness.state().model.screen {
        Screen::CheckIn(f) => assert_eq!(f.code, booked.code, "the scanner's URL leaves the code"),
        other => panic!("{other:?}"),
    }

    click(&mut harness, zh(Text::CheckInButton));
    until(&mut harness, "the ticket screen", |m| {
        matches!(m.screen, Screen::Ticket(_))
    });
    let ticket = match &harness.state().model.screen {
        Screen::Ticket(t) => (**t).clone(),
        _ => unreachable!(),
    };
    assert_eq!(ticket.issue.ticket.class, TicketClass::Appointment);
    assert_eq!(ticket.issue.ticket.number, "H001");
    assert!(!ticket.late_booking);
    assert!(shows(&harness, "H001"));
    assert!(shows(&harness, "预约"), "marked as an appointment");

    // Printed as today, marked 预约.
    until(&mut harness, "the slip", |m| match &m.screen {
        Screen::Ticket(t) => t.print == qcall_kiosk::model::PrintStatus::Printed,
        _ => false,
    });
    let slip = std::fs::read(dir.path().join("slips.bin")).expect("slip written");
    let (text, _, _) = encoding_rs::GB18030.decode(&slip);
    assert!(text.contains("H001") && text.contains("预约"), "{text}");

    // Window 4 calls it.
    assert_eq!(hall.call_next("1004", 4).as_deref(), Some("H001"));

    // The same code again: this kiosk shows the ticket it issued, not a second one.
    click(&mut harness, "完成");
    click(&mut harness, zh(Text::CheckInTile));
    type_code(&mut harness, &booked.code);
    click(&mut harness, zh(Text::CheckInButton));
    until(&mut harness, "the ticket again", |m| match &m.screen {
        Screen::Ticket(t) => t.again,
        _ => false,
    });
}

#[test]
fn too_early_says_when_to_come_back() {
    let hall = Hall::demo();
    let booked = hall.book("household", "2026-11-23", "14:00");
    let dir = tempfile::tempdir().expect("dir");
    let mut harness = kiosk(hall.kiosk_config(dir.path(), ""));
    until(&mut harness, "the snapshot", |m| !m.issuing_paused());
    click(&mut harness, zh(Text::CheckInTile));
    type_code(&mut harness, &booked.code);
    click(&mut harness, zh(Text::CheckInButton));
    let words = refusal(&mut harness);
    assert_eq!(words, "还未到签到时间，请于13:30后再来签到");
    assert!(shows(&harness, &words));
}

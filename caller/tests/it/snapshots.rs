//! Images of the sign-in and main screens (egui_kittest snapshots, rendered by wgpu; on a machine
//! without a GPU, lavapipe renders them on the CPU): the keys greyed per state of the window, the
//! suggested key, F9, the lists and the sign-in after a login ended. Regenerate with
//! `UPDATE_SNAPSHOTS=1`.

use egui::Key;
use egui_kittest::kittest::Queryable;
use qcall_protocol::TicketState;

use crate::util::*;

#[test]
fn sign_in_screen() {
    let hall = Hall::start();
    let mut h = caller(&hall);
    // The test server's port changes every run; the image shows a typical hall address.
    h.state_mut().model.server = "http://192.168.1.10:8700".into();
    type_into(&mut h, "工号", "1001");
    h.step();
    h.snapshot("caller_sign_in");
}

#[test]
fn main_screen_serving_with_a_queue() {
    let hall = Hall::start();
    let first = hall.issue("company").ticket;
    for service in ["company", "tax", "company", "tax", "company"] {
        hall.issue(service);
    }
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;
    // One ticket served earlier for today's figures, then the next one called after 5 minutes'
    // wait and started a minute later.
    hall.clock.advance_ms(4 * 60_000);
    press(&mut h, Key::F1);
    wait(&mut h, "the first call", |app| {
        current(app) == Some(first.number.clone())
    });
    press(&mut h, Key::F3);
    settle(&mut h);
    hall.clock.advance_ms(6 * 60_000);
    press(&mut h, Key::F4);
    settle(&mut h);
    press(&mut h, Key::F1);
    wait(&mut h, "the second call", |app| {
        current(app).is_some_and(|n| n != first.number)
    });
    hall.clock.advance_ms(60_000);
    press(&mut h, Key::F3);
    wait(&mut h, "serving", |app| {
        app.model.current().is_some_and(|c| c.handling_ms.is_some())
            && app.model.today.as_ref().is_some_and(|t| t.served == 1)
            && app
                .model
                .preview
                .as_ref()
                .is_some_and(|p| p.next.len() == 4)
    });
    // Handling for 3 minutes 25 seconds, as the hall's clock says.
    h.state_mut().model.fixed_server_now = Some(hall_now(&hall) + 205_000);
    h.step();
    h.step();
    h.snapshot("caller_main_serving");
}

/// A window that has worked a while: one no-show and one held ticket in its lists, three waiting.
fn a_busy_window(hall: &Hall) -> egui_kittest::Harness<'static, qcall_caller::CallerApp> {
    for service in ["company", "tax", "company", "tax", "company"] {
        hall.issue(service);
    }
    let mut h = caller(hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;
    hall.clock.advance_ms(3 * 60_000);
    press(&mut h, Key::F1);
    wait(&mut h, "the first call", |app| current(app).is_some());
    press(&mut h, Key::F5);
    settle(&mut h);
    press(&mut h, Key::F1);
    wait(&mut h, "the second call", |app| current(app).is_some());
    press(&mut h, Key::F7);
    wait(&mut h, "the lists", |app| {
        current(app).is_none()
            && app
                .model
                .preview
                .as_ref()
                .is_some_and(|p| p.held.len() == 1 && p.no_show.len() == 1 && p.next.len() == 3)
    });
    h.state_mut().model.fixed_server_now = Some(hall_now(hall));
    h.step();
    h
}

#[test]
fn main_screen_idle_with_its_lists() {
    let hall = Hall::start();
    let mut h = a_busy_window(&hall);
    // Nothing current: F1 is suggested, what needs a ticket is greyed; the reason on hover.
    h.get_by_label("F9 办结并叫下一位").hover();
    for _ in 0..4 {
        h.step();
    }
    h.snapshot("caller_main_idle");
}

#[test]
fn main_screen_called_with_one_held() {
    let hall = Hall::start();
    let mut h = a_busy_window(&hall);
    press(&mut h, Key::F1);
    wait(&mut h, "the third call", |app| {
        app.model.current().map(|c| c.state) == Some(TicketState::Called)
            && app
                .model
                .preview
                .as_ref()
                .is_some_and(|p| p.next.len() == 2)
    });
    h.state_mut().model.fixed_server_now = Some(hall_now(&hall) + 42_000);
    // 回呼 is greyed while another ticket is current; the reason on hover.
    h.get_by_label("回呼").hover();
    for _ in 0..4 {
        h.step();
    }
    h.snapshot("caller_main_called");
}

#[test]
fn main_screen_paused() {
    let hall = Hall::start();
    let mut h = a_busy_window(&hall);
    press(&mut h, Key::F8);
    h.get_by_label("休息").click();
    h.step();
    wait(&mut h, "paused", |app| app.model.is_paused());
    h.step();
    h.snapshot("caller_main_paused");
}

#[test]
fn main_screen_in_a_hall_that_starts_on_call() {
    let hall = Hall::start_with(starting_on_call());
    for service in ["company", "tax", "company"] {
        hall.issue(service);
    }
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    hall.clock.advance_ms(2 * 60_000);
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| {
        app.model.current().is_some_and(|c| c.handling_ms.is_some())
            && app
                .model
                .preview
                .as_ref()
                .is_some_and(|p| p.next.len() == 2)
    });
    // One key per citizen: F9 is suggested, F3 greyed with the reason on hover.
    h.state_mut().model.fixed_server_now = Some(hall_now(&hall) + 95_000);
    h.get_by_label("F3 开始办理").hover();
    for _ in 0..4 {
        h.step();
    }
    h.snapshot("caller_main_start_on_call");
}

#[test]
fn sign_in_after_the_login_ended() {
    let mut hall = Hall::start();
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    past_the_login(&hall, &h);
    hall.restart();
    wait(&mut h, "the sign-in screen", |app| {
        app.model.screen == qcall_caller::Screen::Login
    });
    h.state_mut().model.server = "http://192.168.1.10:8700".into();
    h.step();
    h.step();
    h.snapshot("caller_session_ended");
}

#[test]
fn a_bad_rating_at_the_pad_shows_in_the_figures_and_as_a_discreet_notice() {
    use qcall_protocol::{RatingLevel, RatingReason};
    let hall = Hall::start();
    let first = hall.issue("company").ticket;
    let second = hall.issue("company").ticket;
    hall.issue("tax");
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;
    for (ticket, level, reasons) in [
        (first.id, RatingLevel::VerySatisfied, vec![]),
        (
            second.id,
            RatingLevel::Dissatisfied,
            vec![RatingReason::Efficiency],
        ),
    ] {
        press(&mut h, Key::F1);
        wait(&mut h, "the call", |app| current(app).is_some());
        hall.clock.advance_ms(3 * 60_000);
        press(&mut h, Key::F4);
        wait(&mut h, "the finish", |app| current(app).is_none());
        hall.rate_at_pad(ticket, level, reasons);
    }
    wait(&mut h, "the ratings in the figures and the notice", |app| {
        app.model.bad_rating.is_some()
            && app
                .model
                .today
                .as_ref()
                .is_some_and(|t| t.ratings.rated() == 2)
    });
    h.get_by_label(&format!("收到差评：{}（不满意）", second.number));
    h.get_by_label("今日评价 2 · 满意率 50.0%");
    h.get_by_label("非常满意 1 · 不满意 1");
    h.state_mut().model.fixed_server_now = Some(hall_now(&hall));
    h.step();
    h.step();
    h.snapshot("caller_main_bad_rating");
    h.get_by_label("知道了").click();
    h.step();
    h.step();
    assert!(h.state().model.bad_rating.is_none());
    assert!(h.query_by_label_contains("收到差评").is_none(), "dismissed");
    h.get_by_label("今日评价 2 · 满意率 50.0%");
}

fn hall_now(hall: &Hall) -> qcall_protocol::Millis {
    use qcall_server::clock::Clock;
    hall.clock.now()
}

#[test]
fn issue_dialog_issues_a_green_ticket() {
    let hall = Hall::start();
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.get_by_label("取号").click();
    h.step();
    h.step();
    assert!(matches!(
        h.state().model.dialog,
        Some(qcall_caller::model::Dialog::Issue(_))
    ));
    // The frame after the click draws the dialog.
    h.step();
    // 绿色通道 is chosen first; the window's first service too.
    h.get_by_label("确认取号").click();
    wait(&mut h, "the ticket", |app| match &app.model.dialog {
        Some(qcall_caller::model::Dialog::Issue(d)) => d.issued.is_some(),
        _ => false,
    });
    let issued = match &h.state().model.dialog {
        Some(qcall_caller::model::Dialog::Issue(d)) => d.issued.clone().expect("issued"),
        _ => unreachable!(),
    };
    assert_eq!(issued.ticket.class, qcall_protocol::TicketClass::Green);
    // The window's queue behind the dialog has it too, once its preview is refetched.
    let number = issued.ticket.number.clone();
    wait(&mut h, "the queue", |app| {
        app.model
            .preview
            .as_ref()
            .is_some_and(|p| p.next.iter().any(|t| t.number == number))
    });
    for _ in 0..4 {
        h.step();
    }
    // In the dialog, and in the window's queue behind it.
    assert_eq!(
        h.query_all_by_label(&issued.ticket.number).count(),
        2,
        "the number is shown"
    );
    h.snapshot("caller_issue_dialog");
    // 关闭 closes it.
    h.get_by_label("关闭").click();
    h.step();
    assert!(h.state().model.dialog.is_none());
}

#[test]
fn book_dialog_books_for_a_caller_on_the_phone() {
    use qcall_caller::model::Dialog;
    let hall = Hall::start();
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    let token = token(h.state());
    h.get_by_label("电话预约").click();
    h.step();
    h.step();
    assert!(
        matches!(h.state().model.dialog, Some(Dialog::Book(_))),
        "{:?}",
        h.state().model.dialog
    );
    wait(
        &mut h,
        "the free slots",
        |app| matches!(&app.model.dialog, Some(Dialog::Book(d)) if d.slots.is_some()),
    );
    for _ in 0..3 {
        h.step();
    }
    // The demo hall's first bookable service is chosen; its first free slot is a button.
    let (date, slot) = match &h.state().model.dialog {
        Some(Dialog::Book(d)) => {
            let services = d.slots.as_ref().expect("slots");
            let s = services
                .iter()
                .find(|s| Some(&s.service_id) == d.service.as_ref())
                .expect("a service chosen");
            let day = s
                .days
                .iter()
                .find(|day| day.slots.iter().any(|x| x.free > 0))
                .expect("a free slot in the demo hall");
            let slot = day.slots.iter().find(|x| x.free > 0).expect("free");
            (day.date.clone(), slot.clone())
        }
        other => panic!("{other:?}"),
    };
    // Confirming before choosing says what is missing.
    h.get_by_label("确认预约").click();
    h.step();
    h.step();
    assert!(h.query_by_label("请选择时段并填写姓名和手机号").is_some());
    h.query_all_by_label(&format!("{} ({})", slot.slot, slot.free))
        .next()
        .expect("the slot's button")
        .click();
    h.step();
    type_into(&mut h, "姓名", "王五");
    type_into(&mut h, "手机号", "13700137000");
    for _ in 0..3 {
        h.step();
    }
    // Before the booking (its code is random): the slot chosen and the fields filled.
    h.snapshot("caller_book_dialog");
    h.get_by_label("确认预约").click();
    wait(
        &mut h,
        "the booking",
        |app| matches!(&app.model.dialog, Some(Dialog::Book(d)) if d.booked.is_some()),
    );
    for _ in 0..4 {
        h.step();
    }
    let code = match &h.state().model.dialog {
        Some(Dialog::Book(d)) => d.booked.clone().expect("booked").code,
        _ => unreachable!(),
    };
    assert!(
        h.query_by_label(&code).is_some(),
        "the code is read to the caller"
    );
    // The server has it, booked by this staff member, masked.
    let list = hall.bookings(&token, &date);
    let b = list
        .bookings
        .iter()
        .find(|b| b.code == code)
        .expect("listed");
    assert_eq!(
        (b.slot.as_str(), b.name_masked.as_str()),
        (slot.slot.as_str(), "王*")
    );
    h.get_by_label("关闭").click();
    h.step();
    assert!(h.state().model.dialog.is_none());
}

//! Each staff action, through the keys and buttons of the real screen, against a real server.

use egui::Key;
use egui_kittest::kittest::Queryable;
use qcall_protocol::{TicketState, WindowStatus};

use crate::util::*;

#[test]
fn call_start_finish_with_f1_f3_f4() {
    let hall = Hall::start();
    let ticket = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    wait(&mut h, "the ticket in the queue preview", |app| {
        app.model
            .preview
            .as_ref()
            .is_some_and(|p| p.next.iter().any(|t| t.id == ticket.id))
    });
    assert!(
        h.query_by_label(&ticket.number).is_some(),
        "shown in the queue"
    );

    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| {
        current(app) == Some(ticket.number.clone())
    });
    assert!(h.query_by_label_contains("已叫号 00:").is_some());
    press(&mut h, Key::F3);
    wait(&mut h, "serving", |app| {
        app.model.current().map(|c| c.state) == Some(TicketState::Serving)
    });
    assert!(h.query_by_label_contains("办理用时").is_some());
    press(&mut h, Key::F4);
    wait(&mut h, "finished and counted", |app| {
        current(app).is_none() && app.model.today.as_ref().is_some_and(|t| t.served == 1)
    });
    assert!(h.query_by_label("今日办结 1").is_some());
    assert!(h.query_by_label("当前没有叫号或办理中的号").is_some());
    let token = token(h.state());
    assert_eq!(hall.ticket(&token, ticket.id).state, TicketState::Done);
}

#[test]
fn an_empty_queue_is_said_in_plain_chinese() {
    let hall = Hall::start();
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    press(&mut h, Key::F1);
    settle(&mut h);
    assert!(h.query_by_label("当前无人等候").is_some());
    // Buttons work as well as keys.
    h.get_by_label("F4 办结").click();
    h.step();
    settle(&mut h);
    // The refusal, under the card that says the same.
    assert_eq!(h.query_all_by_label("当前没有叫号或办理中的号").count(), 2);
}

#[test]
fn recall_counts_and_announces_again() {
    let hall = Hall::start();
    let ticket = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| current(app).is_some());
    let calls_before = h.state().model.live.recent_calls().len();
    h.state_mut().model.debounce_ms = 0;
    press(&mut h, Key::F2);
    wait(&mut h, "the recall", |app| {
        app.model.current().is_some_and(|c| c.recalls == 1)
    });
    assert!(h.query_by_label("已重呼 1 次").is_some());
    let live = &h.state().model.live;
    assert_eq!(live.recent_calls().len(), calls_before + 1);
    assert!(live.recent_calls()[0].recall && live.recent_calls()[0].ticket_id == ticket.id);
}

#[test]
fn no_show_then_requeue_from_the_list() {
    let hall = Hall::start();
    let ticket = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| current(app).is_some());
    press(&mut h, Key::F5);
    wait(&mut h, "the no-show list", |app| {
        current(app).is_none()
            && app
                .model
                .preview
                .as_ref()
                .is_some_and(|p| p.no_show.iter().any(|t| t.id == ticket.id))
    });
    h.get_by_label("顺延（重新排队）").click();
    h.step();
    wait(&mut h, "the ticket back in the queue", |app| {
        app.model
            .preview
            .as_ref()
            .is_some_and(|p| p.no_show.is_empty() && p.next.iter().any(|t| t.id == ticket.id))
    });
    let token = token(h.state());
    assert_eq!(hall.ticket(&token, ticket.id).state, TicketState::Waiting);
}

#[test]
fn transfer_to_another_window_with_a_note() {
    let hall = Hall::start();
    let ticket = hall.issue("company").ticket;
    // A transfer goes only to an open window (nobody would call it at a closed one).
    let _window5 = hall.staff_at("1005", 5);
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| current(app).is_some());
    press(&mut h, Key::F6);
    assert!(h.query_by_label("转至窗口").is_some(), "the dialog is open");
    press(&mut h, Key::Escape);
    assert!(h.query_by_label("转至窗口").is_none(), "Esc closes it");
    press(&mut h, Key::F6);
    assert!(h.query_by_label("转至窗口").is_some(), "open again");
    h.get_by_label("5号窗口").click();
    h.step();
    type_into(&mut h, "转移说明", "材料已收");
    h.get_by_label("确定").click();
    h.step();
    wait(&mut h, "the ticket gone from this window", |app| {
        current(app).is_none() && app.model.dialog.is_none()
    });
    let token = token(h.state());
    let moved = hall.ticket(&token, ticket.id);
    assert_eq!(moved.state, TicketState::Waiting);
    assert_eq!(moved.number, ticket.number, "same number (R10)");
    assert_eq!(moved.leg().target_window, Some(5));
    assert_eq!(moved.leg().note.as_deref(), Some("材料已收"));
}

#[test]
fn hold_then_call_back_from_the_held_list() {
    let hall = Hall::start();
    let ticket = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| current(app).is_some());
    press(&mut h, Key::F3);
    wait(&mut h, "serving", |app| {
        app.model.current().map(|c| c.state) == Some(TicketState::Serving)
    });
    press(&mut h, Key::F7);
    wait(&mut h, "the held list", |app| {
        current(app).is_none()
            && app
                .model
                .preview
                .as_ref()
                .is_some_and(|p| p.held.iter().any(|t| t.id == ticket.id))
    });
    h.get_by_label("回呼").click();
    h.step();
    wait(&mut h, "the held ticket called back", |app| {
        current(app) == Some(ticket.number.clone())
            && app
                .model
                .preview
                .as_ref()
                .is_some_and(|p| p.held.is_empty())
    });
}

#[test]
fn pause_with_a_reason_refuses_calls_then_resume() {
    let hall = Hall::start();
    hall.issue("company");
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    press(&mut h, Key::F8);
    assert!(h.query_by_label("请选择暂停原因").is_some());
    h.get_by_label("会议").click();
    h.step();
    wait(&mut h, "paused", |app| app.model.is_paused());
    assert!(h.query_by_label("F8 恢复").is_some());
    assert!(h.query_by_label_contains("暂停服务").is_some());
    press(&mut h, Key::F1);
    settle(&mut h);
    assert!(h.query_by_label("窗口已暂停，请先恢复").is_some());
    press(&mut h, Key::F8);
    wait(&mut h, "open again", |app| {
        app.model.my_window().map(|w| w.status) == Some(WindowStatus::Open)
    });
    assert!(h.query_by_label("F8 暂停").is_some());
}

#[test]
fn special_call_of_a_typed_number() {
    let hall = Hall::start();
    hall.issue("company");
    hall.issue("company");
    let third = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    type_into(&mut h, "请输入号码", &third.number.to_lowercase());
    h.get_by_label("特呼").click();
    h.step();
    wait(&mut h, "the special call", |app| {
        current(app) == Some(third.number.clone())
    });
    let token = token(h.state());
    let leg = hall.ticket(&token, third.id).leg().clone();
    assert!(
        leg.special_call && leg.out_of_order,
        "recorded as a jump of the queue (R13)"
    );
}

#[test]
fn holding_f1_down_calls_once() {
    let hall = Hall::start();
    let first = hall.issue("company").ticket;
    let second = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    // The key goes down and stays down: the OS sends repeats, egui marks them.
    for _ in 0..10 {
        h.key_down(Key::F1);
        h.step();
    }
    wait(&mut h, "the call", |app| current(app).is_some());
    for _ in 0..10 {
        h.key_down(Key::F1);
        h.step();
    }
    h.key_up(Key::F1);
    h.step();
    settle(&mut h);
    assert_eq!(current(h.state()), Some(first.number.clone()));
    assert!(
        h.state().model.message.is_none(),
        "no second request, so no refusal"
    );
    let token = token(h.state());
    assert_eq!(hall.ticket(&token, second.id).state, TicketState::Waiting);
    // A quick double press is one call too: the second press comes while the first is on its way
    // (or within the bounce time), so it is not sent; sent, it would be refused as 窗口忙.
    press(&mut h, Key::F5);
    settle(&mut h);
    press(&mut h, Key::F1);
    press(&mut h, Key::F1);
    settle(&mut h);
    wait(&mut h, "the second ticket", |app| {
        current(app) == Some(second.number.clone())
    });
    assert!(
        h.state().model.message.is_none(),
        "{:?}",
        h.state().model.message
    );
}

#[test]
fn the_timer_turns_late_past_the_limit_and_today_counts_it() {
    let hall = Hall::start();
    let first = hall.issue("company").ticket;
    hall.issue("company");
    hall.issue("tax");
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    wait(&mut h, "the counts", |app| {
        app.model.preview.as_ref().is_some_and(|p| p.waiting == 3)
    });
    assert!(h.query_by_label("企业开办 2 · 税务 1").is_some());
    assert!(h.query_by_label("普通 3").is_some());
    hall.clock.advance_ms(5 * 60_000);
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| {
        current(app) == Some(first.number.clone())
    });
    assert!(h.query_by_label("企业开办 1 · 税务 1").is_some());
    press(&mut h, Key::F3);
    wait(&mut h, "serving", |app| {
        app.model.current().is_some_and(|c| c.handling_ms.is_some())
    });
    assert!(h.query_by_label("已超时").is_none());
    assert!(!h.state().model.current().expect("current").over_limit);
    // 企业开办 allows 15 minutes; 16 pass. The caller learns the hall's time from the next push.
    hall.clock.advance_ms(16 * 60_000);
    hall.issue("tax");
    wait(&mut h, "late", |app| {
        app.model.current().is_some_and(|c| c.over_limit)
    });
    assert!(h.query_by_label("已超时").is_some());
    assert!(h.query_by_label_contains("办理用时 16:").is_some());
    press(&mut h, Key::F4);
    wait(&mut h, "today's figures", |app| {
        app.model.today.as_ref().is_some_and(|t| t.served == 1)
    });
    for label in [
        "今日办结 1",
        "今日过号 0",
        "平均等候 5 分钟",
        "平均办理 16 分钟",
    ] {
        assert!(h.query_by_label(label).is_some(), "{label}");
    }
}

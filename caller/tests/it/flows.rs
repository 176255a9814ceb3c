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
    // Nothing to finish: F4 is greyed, and tapped anyway it says why without asking the server.
    assert!(disabled(&h, "F4 办结"));
    h.get_by_label("F4 办结").click();
    h.step();
    h.step();
    assert!(h.state().model.pending.is_none(), "nothing sent");
    // The reason, under the card that says the same.
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
    assert!(
        h.query_by_label("已过号").is_some(),
        "the list says what it holds"
    );
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
    assert!(h.query_by_label("按事项：企业开办 2 · 税务 1").is_some());
    assert!(h.query_by_label("按类别：普通 3").is_some());
    hall.clock.advance_ms(5 * 60_000);
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| {
        current(app) == Some(first.number.clone())
    });
    assert!(h.query_by_label("按事项：企业开办 1 · 税务 1").is_some());
    assert!(
        h.query_by_label("限时 15 分钟").is_some(),
        "the limit, labelled"
    );
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

#[test]
fn f9_finishes_and_calls_the_next_in_one_press() {
    let hall = Hall::start();
    let first = hall.issue("company").ticket;
    let second = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;
    call_and_start(&mut h);
    assert_eq!(current(h.state()), Some(first.number.clone()));
    press(&mut h, Key::F9);
    wait(&mut h, "the next one called", |app| {
        current(app) == Some(second.number.clone())
            && app.model.today.as_ref().is_some_and(|t| t.served == 1)
    });
    let token = token(h.state());
    assert_eq!(hall.ticket(&token, first.id).state, TicketState::Done);
    assert!(h.state().model.message.is_none());
    // 办结 straight from 已叫号 too, and nobody waits after it.
    press(&mut h, Key::F9);
    wait(&mut h, "finished, nobody to call", |app| {
        current(app).is_none() && app.model.today.as_ref().is_some_and(|t| t.served == 2)
    });
    assert!(
        h.query_by_label(&format!("{} 已办结，当前无人等候", second.number))
            .is_some()
    );
    let done = hall.ticket(&token, second.id);
    assert_eq!(done.state, TicketState::Done);
    assert_eq!(
        done.leg().started_at,
        None,
        "service was not started separately"
    );
}

#[test]
fn f4_finishes_a_called_ticket_without_f3() {
    let hall = Hall::start();
    let ticket = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| current(app).is_some());
    assert!(!disabled(&h, "F4 办结"));
    press(&mut h, Key::F4);
    wait(&mut h, "finished", |app| {
        current(app).is_none() && app.model.today.as_ref().is_some_and(|t| t.served == 1)
    });
    assert!(h.state().model.message.is_none());
    let token = token(h.state());
    assert_eq!(hall.ticket(&token, ticket.id).state, TicketState::Done);
}

#[test]
fn in_a_hall_that_starts_on_call_each_citizen_is_one_key() {
    let hall = Hall::start_with(starting_on_call());
    let tickets: Vec<_> = (0..3).map(|_| hall.issue("company").ticket).collect();
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;
    press(&mut h, Key::F1);
    wait(&mut h, "called, its handling time running", |app| {
        app.model
            .current()
            .is_some_and(|c| c.number == tickets[0].number && c.handling_ms.is_some())
    });
    assert!(h.query_by_label_contains("办理用时").is_some());
    assert!(disabled(&h, "F3 开始办理"));
    assert!(hover_shows(
        &mut h,
        "F3 开始办理",
        "本大厅叫号即开始办理，无需此键"
    ));
    for (i, next) in tickets.iter().enumerate().skip(1) {
        press(&mut h, Key::F9);
        wait(&mut h, "the next citizen", |app| {
            current(app) == Some(next.number.clone())
                && app
                    .model
                    .today
                    .as_ref()
                    .is_some_and(|t| t.served == i as u32)
        });
    }
    press(&mut h, Key::F9);
    wait(&mut h, "the day's last", |app| {
        current(app).is_none() && app.model.today.as_ref().is_some_and(|t| t.served == 3)
    });
    assert!(
        h.state().model.message.is_none(),
        "{:?}",
        h.state().model.message
    );
    let token = token(h.state());
    for t in &tickets {
        let done = hall.ticket(&token, t.id);
        assert_eq!(done.state, TicketState::Done);
        assert!(done.leg().started_at.is_some(), "started at the call");
    }
}

#[test]
fn the_case_number_typed_before_f4_goes_with_the_finish_into_the_rating_and_is_cleared() {
    use qcall_protocol::{RatingLevel, RatingReason};
    let hall = Hall::start();
    let first = hall.issue("company").ticket;
    let second = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| {
        current(app) == Some(first.number.clone())
    });
    type_into(&mut h, "办件编号", "  BJ-2026-000123 ");
    press(&mut h, Key::F4);
    wait(&mut h, "the finish", |app| {
        current(app).is_none() && app.model.pending.is_none()
    });
    assert_eq!(h.state().model.case_no, "", "cleared for the next citizen");
    let rating = hall.rate_at_pad(first.id, RatingLevel::Satisfied, vec![]);
    assert_eq!(rating.case_no.as_deref(), Some("BJ-2026-000123"));
    // No number typed: the next finish carries none.
    press(&mut h, Key::F1);
    wait(&mut h, "the second call", |app| {
        current(app) == Some(second.number.clone())
    });
    press(&mut h, Key::F4);
    wait(&mut h, "the second finish", |app| {
        current(app).is_none() && app.model.pending.is_none()
    });
    let rating = hall.rate_at_pad(
        second.id,
        RatingLevel::Dissatisfied,
        vec![RatingReason::Skill],
    );
    assert_eq!(rating.case_no, None);
}

//! The keys a clerk cannot use now are greyed, with the reason on hover, in every state of the
//! window, against a real server (issue 17): and a greyed key pressed or tapped anyway says the
//! reason and sends nothing.

use egui::Key;
use egui_kittest::kittest::Queryable;
use qcall_protocol::TicketState;

use crate::util::*;

const MAIN_KEYS: [&str; 9] = [
    "F1 叫号",
    "F2 重呼",
    "F3 开始办理",
    "F4 办结",
    "F5 过号",
    "F6 转移",
    "F7 挂起",
    "F8 暂停",
    "F9 办结并叫下一位",
];

/// The main keys drawn greyed now (F8 is 恢复 while paused).
fn greyed(h: &egui_kittest::Harness<'static, qcall_caller::CallerApp>) -> Vec<&'static str> {
    use egui_kittest::kittest::NodeT;
    MAIN_KEYS
        .into_iter()
        .filter(|label| {
            h.query_by_label(label)
                .is_some_and(|n| n.accesskit_node().is_disabled())
        })
        .collect()
}

/// F1 then F7: a ticket goes on the held list.
fn call_and_hold(h: &mut egui_kittest::Harness<'static, qcall_caller::CallerApp>) {
    press(h, Key::F1);
    wait(h, "the call", |app| current(app).is_some());
    press(h, Key::F7);
    wait(h, "held", |app| {
        current(app).is_none()
            && app
                .model
                .preview
                .as_ref()
                .is_some_and(|p| !p.held.is_empty())
    });
}

#[test]
fn keys_are_greyed_per_state_of_the_window_with_the_reason_on_hover() {
    let hall = Hall::start();
    let first = hall.issue("company").ticket;
    hall.issue("company");
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;

    // Nothing at the window: only calling and pausing apply.
    assert_eq!(
        greyed(&h),
        vec![
            "F2 重呼",
            "F3 开始办理",
            "F4 办结",
            "F5 过号",
            "F6 转移",
            "F7 挂起",
            "F9 办结并叫下一位"
        ]
    );
    assert!(hover_shows(&mut h, "F2 重呼", "当前没有叫号或办理中的号"));
    assert!(!disabled(&h, "退出登录"));

    // Called: no second call; the citizen has not come yet, so no recall is refused either.
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| {
        current(app) == Some(first.number.clone())
    });
    assert_eq!(greyed(&h), vec!["F1 叫号"]);
    assert!(hover_shows(
        &mut h,
        "F1 叫号",
        "请先处理当前号码（办结、过号、挂起或转移）"
    ));
    assert!(disabled(&h, "退出登录"), "the ticket first");
    assert!(disabled(&h, "特呼"), "nothing typed");

    // Serving: the citizen is here, so no recall, no no-show, no second start.
    press(&mut h, Key::F3);
    wait(&mut h, "serving", |app| {
        app.model.current().map(|c| c.state) == Some(TicketState::Serving)
    });
    assert_eq!(
        greyed(&h),
        vec!["F1 叫号", "F2 重呼", "F3 开始办理", "F5 过号"]
    );
    assert!(hover_shows(&mut h, "F5 过号", "已开始办理，不能过号"));
    assert!(hover_shows(&mut h, "F3 开始办理", "已在办理中"));

    // Pressed anyway, a greyed key says why and asks the server nothing.
    press(&mut h, Key::F2);
    assert_eq!(
        h.state()
            .model
            .message
            .map(|t| t.get(qcall_client::Lang::Zh)),
        Some("已开始办理，无需重呼")
    );
    assert!(h.state().model.pending.is_none());
    assert!(h.query_by_label("已开始办理，无需重呼").is_some());
    // Tapped on a touch screen, the same.
    h.get_by_label("确定").click();
    h.step();
    assert!(h.state().model.message.is_none());
    // The message line is gone: let the buttons settle where they are now drawn.
    h.step();
    h.get_by_label("F1 叫号").click();
    h.step();
    h.step();
    assert!(
        h.query_by_label("请先处理当前号码（办结、过号、挂起或转移）")
            .is_some()
    );
    assert!(h.state().model.pending.is_none());
    let token = token(h.state());
    assert_eq!(
        hall.ticket(&token, first.id).leg().recalls.len(),
        0,
        "no recall reached the server"
    );
}

#[test]
fn call_back_is_greyed_while_another_ticket_is_current() {
    let hall = Hall::start();
    let first = hall.issue("company").ticket;
    let second = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;
    call_and_hold(&mut h);
    assert!(
        h.state()
            .model
            .preview
            .as_ref()
            .is_some_and(|p| p.held.iter().any(|t| t.id == first.id))
    );
    assert!(
        !disabled(&h, "回呼"),
        "nothing current: it may be called back"
    );
    press(&mut h, Key::F1);
    wait(&mut h, "the next call", |app| {
        current(app) == Some(second.number.clone())
    });
    assert!(disabled(&h, "回呼"));
    assert!(hover_shows(
        &mut h,
        "回呼",
        "请先处理当前号码（办结、过号、挂起或转移）"
    ));
    h.get_by_label("回呼").click();
    h.step();
    h.step();
    assert!(h.state().model.pending.is_none(), "nothing sent");
    assert_eq!(current(h.state()), Some(second.number.clone()));
    // Once the current one is finished, the held ticket can come back.
    press(&mut h, Key::F3);
    settle(&mut h);
    press(&mut h, Key::F4);
    wait(&mut h, "finished", |app| current(app).is_none());
    assert!(!disabled(&h, "回呼"));
    h.get_by_label("回呼").click();
    h.step();
    wait(&mut h, "called back", |app| {
        current(app) == Some(first.number.clone())
    });
}

#[test]
fn a_paused_window_greys_every_kind_of_call() {
    let hall = Hall::start();
    hall.issue("company");
    hall.issue("company");
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;
    call_and_hold(&mut h);
    press(&mut h, Key::F1);
    wait(&mut h, "the next call", |app| current(app).is_some());
    press(&mut h, Key::F8);
    h.get_by_label("休息").click();
    h.step();
    wait(&mut h, "paused", |app| app.model.is_paused());
    // Paused with a called ticket: no call of any kind (CONTRACT C5), finishing still works.
    assert_eq!(greyed(&h), vec!["F1 叫号", "F2 重呼", "F9 办结并叫下一位"]);
    assert!(hover_shows(&mut h, "F2 重呼", "窗口已暂停，请先恢复"));
    assert!(disabled(&h, "回呼"));
    type_into(&mut h, "请输入号码", "A002");
    assert!(disabled(&h, "特呼"));
    assert!(hover_shows(&mut h, "特呼", "窗口已暂停，请先恢复"));
    assert!(!disabled(&h, "F8 恢复"));
    press(&mut h, Key::F8);
    wait(&mut h, "open again", |app| !app.model.is_paused());
    assert!(!disabled(&h, "F2 重呼"));
}

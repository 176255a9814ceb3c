//! The session around the work: signing out closes the window (also when pressed offline: it is
//! sent when the server is back), the state file brings back the server, staff number and window,
//! a launcher can sign in without typing (`--window` and `QCALL_PASSWORD`), falling back to the
//! screens with the reason when the server refuses, and a login that ends (12 hours, or revoked)
//! takes the clerk back to sign-in with the reason and then straight back to the window.

use egui_kittest::kittest::{NodeT, Queryable};
use qcall_caller::Screen;
use qcall_caller::model::Remembered;
use qcall_protocol::WindowStatus;

use crate::util::*;

#[test]
fn signing_out_closes_the_window_and_the_state_file_remembers_it() {
    let hall = Hall::start();
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("caller.json");
    let mut h = caller_with(qcall_caller::AppConfig {
        state_file: Some(state.clone()),
        ..config(&hall)
    });
    sign_in(&mut h, "1003", 4);
    let token = token(h.state());
    assert_eq!(hall.window(&token, 4).status, WindowStatus::Open);

    h.get_by_label("退出登录").click();
    h.step();
    wait(&mut h, "the login screen", |app| {
        app.model.screen == Screen::Login
    });
    let window = hall.window_now(4);
    assert_eq!(
        window.status,
        WindowStatus::Closed,
        "签退 closes the window"
    );
    // The session ends with it: the token is refused from now on (issue 16).
    let started = std::time::Instant::now();
    while hall.token_works(&token) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "the token still works after 签退"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(window.staff.is_none());
    assert_eq!(h.get_by_label("工号").value().as_deref(), Some("1003"));
    assert!(h.query_by_label("F1 叫号").is_none());

    // The next start, from the state file alone (written off the UI thread: give it a moment).
    let expected = Remembered {
        server: Some(hall.addr.http_base().to_string()),
        staff_no: Some("1003".into()),
        last_window: Some(4),
    };
    let written = std::time::Instant::now();
    let mut remembered = qcall_caller::state_file::load(&state);
    while remembered != expected && written.elapsed() < std::time::Duration::from_secs(5) {
        std::thread::sleep(std::time::Duration::from_millis(10));
        remembered = qcall_caller::state_file::load(&state);
    }
    assert_eq!(remembered, expected);
    let mut h = caller_with(qcall_caller::AppConfig {
        remembered,
        ..config(&hall)
    });
    h.step();
    assert_eq!(h.get_by_label("工号").value().as_deref(), Some("1003"));
    type_into(&mut h, "密码", PASSWORD);
    h.get_by_label("登录").click();
    wait(&mut h, "the window choice", |app| {
        app.model.screen == Screen::ChooseWindow
    });
    let marked: Vec<String> = h
        .query_all_by_label_contains("上次使用")
        .filter_map(|n| n.accesskit_node().label())
        .collect();
    assert_eq!(marked.len(), 1, "{marked:?}");
    assert!(marked[0].starts_with("4号窗口"), "{marked:?}");
}

#[test]
fn a_launcher_signs_in_at_its_window_without_typing() {
    let hall = Hall::start();
    let mut h = caller_with(qcall_caller::AppConfig {
        staff_no: Some("1001".into()),
        window: Some(1),
        password: Some(PASSWORD.into()),
        ..config(&hall)
    });
    wait(&mut h, "the main screen", |app| {
        app.model.screen == Screen::Main && app.model.preview.is_some()
    });
    assert!(h.query_by_label("1号窗口 综合窗口").is_some());
    assert!(h.state().model.password.is_empty(), "not kept");
    let token = token(h.state());
    assert_eq!(hall.window(&token, 1).status, WindowStatus::Open);
}

#[test]
fn a_wrong_password_leaves_the_login_screen_with_the_reason() {
    let hall = Hall::start();
    let mut h = caller_with(qcall_caller::AppConfig {
        staff_no: Some("1001".into()),
        window: Some(1),
        password: Some("wrong".into()),
        ..config(&hall)
    });
    wait(&mut h, "the refusal", |app| app.model.message.is_some());
    assert_eq!(h.state().model.screen, Screen::Login);
    assert!(h.query_by_label("工号或密码错误").is_some());
    assert!(h.state().model.password.is_empty());
    // Typing the right one still goes straight to window 1.
    type_into(&mut h, "密码", PASSWORD);
    h.get_by_label("登录").click();
    wait(&mut h, "the main screen", |app| {
        app.model.screen == Screen::Main && app.model.window == Some(1)
    });
}

#[test]
fn a_window_refused_at_start_leaves_the_window_choice_with_the_reason() {
    let hall = Hall::start();
    // Window 1 is taken by someone else.
    let _other = hall.staff_at("1002", 1);
    let mut h = caller_with(qcall_caller::AppConfig {
        staff_no: Some("1001".into()),
        window: Some(1),
        password: Some(PASSWORD.into()),
        ..config(&hall)
    });
    wait(&mut h, "the refusal", |app| {
        app.model.screen == Screen::ChooseWindow
            && app.model.pending.is_none()
            && app.model.message.is_some()
    });
    assert!(h.query_by_label("此窗口已有其他工作人员签到").is_some());
    // Staff 1007 may only use window 7: the choice offers it and says why 1 was not taken.
    let mut h = caller_with(qcall_caller::AppConfig {
        staff_no: Some("1007".into()),
        window: Some(1),
        password: Some(PASSWORD.into()),
        ..config(&hall)
    });
    wait(&mut h, "the window choice", |app| {
        app.model.screen == Screen::ChooseWindow
    });
    assert!(
        h.query_by_label("您不能在该窗口签到，请选择其他窗口")
            .is_some()
    );
    assert!(h.query_by_label_contains("1号窗口").is_none());
    h.get_by_label_contains("7号窗口").click();
    h.step();
    wait(&mut h, "the main screen", |app| {
        app.model.screen == Screen::Main && app.model.window == Some(7)
    });
}

/// The sign-in screen after the login ended, then straight back to work at the same window.
fn back_at_work(h: &mut egui_kittest::Harness<'static, qcall_caller::CallerApp>, window: u32) {
    wait(h, "the sign-in screen", |app| {
        app.model.screen == Screen::Login
    });
    assert!(
        h.query_by_label("登录已失效（已过期或已被注销），请重新登录")
            .is_some()
    );
    assert!(
        h.query_by_label(&format!("登录后直接进入 {window}号窗口"))
            .is_some()
    );
    assert_eq!(h.get_by_label("工号").value().as_deref(), Some("1001"));
    type_into(h, "密码", PASSWORD);
    h.get_by_label("登录").click();
    wait(h, "back at the window", |app| {
        app.model.screen == Screen::Main
            && app.model.window == Some(window)
            && app.model.live.is_live()
    });
    assert!(h.state().model.message.is_none());
}

#[test]
fn an_ended_login_seen_on_the_socket_goes_back_to_sign_in_keeping_the_window() {
    let mut hall = Hall::start();
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    past_the_login(&hall, &h);
    // The server comes back (a restart) and refuses the old token on the reconnect.
    hall.restart();
    back_at_work(&mut h, 1);
    let token = token(h.state());
    let w = hall.window(&token, 1);
    assert_eq!(w.status, WindowStatus::Open);
    assert_eq!(w.staff.map(|s| s.staff_no).as_deref(), Some("1001"));
}

#[test]
fn an_ended_login_refused_over_rest_goes_back_to_sign_in_keeping_the_window() {
    let hall = Hall::start();
    let ticket = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1002", 2);
    past_the_login(&hall, &h);
    press(&mut h, egui::Key::F1);
    wait(&mut h, "the sign-in screen", |app| {
        app.model.screen == Screen::Login
    });
    assert!(h.query_by_label("登录后直接进入 2号窗口").is_some());
    assert_eq!(h.get_by_label("工号").value().as_deref(), Some("1002"));
    type_into(&mut h, "密码", PASSWORD);
    h.get_by_label("登录").click();
    wait(&mut h, "back at window 2", |app| {
        app.model.screen == Screen::Main && app.model.window == Some(2) && app.model.live.is_live()
    });
    // Nothing was called by the refused press; the next one works.
    assert_eq!(current(h.state()), None);
    press(&mut h, egui::Key::F1);
    wait(&mut h, "the call", |app| {
        current(app) == Some(ticket.number.clone())
    });
}

#[test]
fn signing_out_offline_closes_the_window_when_the_server_is_back() {
    let mut hall = Hall::start();
    let mut h = caller(&hall);
    sign_in(&mut h, "1003", 4);
    let token = token(h.state());
    hall.stop();
    wait(&mut h, "the link lost", |app| !app.model.live.is_live());
    assert!(!disabled(&h, "退出登录"), "signing out works offline");
    h.get_by_label("退出登录").click();
    h.step();
    wait(&mut h, "the sign-in screen", |app| {
        app.model.screen == Screen::Login
    });
    assert!(
        h.query_by_label("网络断开：4号窗口将在网络恢复后自动签退，请勿关闭本程序")
            .is_some()
    );
    // Someone logs in before the server is back: the login waits for the sign-out.
    type_into(&mut h, "密码", PASSWORD);
    h.get_by_label("登录").click();
    h.step();
    assert!(h.state().model.logging_in);
    hall.restart();
    wait_for(
        &mut h,
        std::time::Duration::from_secs(30),
        "the sign-out, then the login",
        |app| app.model.screen == Screen::ChooseWindow,
    );
    assert!(h.query_by_label("4号窗口已签退").is_some());
    let window = hall.window_now(4);
    assert_eq!(
        window.status,
        WindowStatus::Closed,
        "签退 reached the server"
    );
    assert!(!hall.token_works(&token), "and ended that session");
    assert!(window.staff.is_none());
}

#[test]
fn signing_out_with_held_tickets_puts_them_back_for_other_windows() {
    let hall = Hall::start();
    let held = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    press(&mut h, egui::Key::F1);
    wait(&mut h, "the call", |app| {
        current(app) == Some(held.number.clone())
    });
    press(&mut h, egui::Key::F7);
    wait(&mut h, "held", |app| {
        current(app).is_none()
            && app
                .model
                .preview
                .as_ref()
                .is_some_and(|p| p.held.len() == 1)
    });
    h.get_by_label("退出登录").click();
    h.step();
    wait(&mut h, "the sign-in screen", |app| {
        app.model.screen == Screen::Login
    });
    let says = format!(
        "1号窗口已签退\n挂起的 {} 已回到队首，可由其他窗口叫号",
        held.number
    );
    assert!(
        h.query_by_label(&says).is_some(),
        "{:?}",
        h.state().model.notice
    );
    // Window 2 serves the same service: the held ticket is the next it calls.
    let other = hall.staff_at("1002", 2);
    let called = hall.act(&other, 2, qcall_client::WindowAction::CallNext);
    assert_eq!(called.ticket.map(|t| t.id), Some(held.id));
}

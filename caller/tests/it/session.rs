//! The session around the work: signing out closes the window, the state file brings back the
//! server, staff number and window, and a launcher can sign in without typing (`--window` and
//! `QCALL_PASSWORD`), falling back to the screens with the reason when the server refuses.

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
    let window = hall.window(&token, 4);
    assert_eq!(
        window.status,
        WindowStatus::Closed,
        "签退 closes the window"
    );
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

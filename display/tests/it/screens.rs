//! The screens against a real server: calls made through the REST API show on the hall board and
//! on the right window screen, a pause shows 暂停服务, a restarted server is found again, and
//! snapshot images of both screens at 1920×1080 and 1280×720.

use egui::{Vec2, vec2};
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotResults};
use qcall_client::WindowAction;
use qcall_client::ui::{Look, apply_look, install_fonts};
use qcall_display::model::{LinkMark, WindowState};
use qcall_display::{DisplayApp, Model, Screen};
use qcall_protocol::PauseReason;

use crate::server::*;

const HD: Vec2 = vec2(1280.0, 720.0);
const FULL_HD: Vec2 = vec2(1920.0, 1080.0);

fn latest_on_board(app: &DisplayApp) -> Option<String> {
    app.model()
        .board(qcall_client::local_now())
        .latest
        .map(|c| c.number)
}

fn window_state(app: &DisplayApp, n: u32) -> WindowState {
    app.model()
        .window_screen(n, qcall_client::local_now())
        .state
}

#[test]
fn a_call_shows_on_the_board_and_on_its_window_screen_only() {
    let hall = Hall::start();
    let mut board = display(&hall, BOARD, None, HD);
    let mut window_1 = display(&hall, WINDOW_1, None, HD);
    let mut window_2 = display(&hall, WINDOW_1, Some(Screen::Window(2)), HD);
    until(&mut board, "the board's snapshot", |a| {
        a.model().live().has_snapshot()
    });
    assert_eq!(
        board.state().as_ref().and_then(|a| a.model().screen()),
        Some(Screen::HallBoard),
        "the device's config on the server"
    );

    let number = hall.issue("tax");
    let staff = hall.staff_at("1001", 1);
    hall.act(&staff, 1, WindowAction::CallNext);

    until(&mut board, "the call on the board", |a| {
        latest_on_board(a).as_deref() == Some(number.as_str())
    });
    board.get_by_label(&number);
    board.get_by_label("请到 1号窗口");
    board.get_by_label("正在叫号");

    until(&mut window_1, "the call on window 1's screen", |a| {
        window_state(a, 1)
            == WindowState::Open {
                current: Some(number.clone()),
            }
    });
    window_1.get_by_label(&number);
    window_1.get_by_label("1号窗口  综合窗口");
    window_1.get_by_label("工号 1001");

    until(&mut window_2, "window 2's screen", |a| {
        a.model().live().has_snapshot()
    });
    window_2.get_by_label("窗口关闭");
    assert!(
        window_2.query_by_label(&number).is_none(),
        "another window's screen does not show the call"
    );
}

#[test]
fn pausing_a_window_shows_pause_with_the_reason_on_its_screen() {
    let hall = Hall::start();
    let mut screen = display(&hall, WINDOW_1, None, HD);
    until(&mut screen, "the snapshot", |a| {
        a.model().live().has_snapshot()
    });
    screen.get_by_label("窗口关闭");
    let staff = hall.staff_at("1001", 1);
    until(&mut screen, "the sign-in", |a| {
        matches!(window_state(a, 1), WindowState::Open { current: None })
    });
    screen.get_by_label("请等候叫号");
    hall.act(
        &staff,
        1,
        WindowAction::Pause {
            reason: PauseReason::Break,
        },
    );
    until(&mut screen, "the pause", |a| {
        matches!(window_state(a, 1), WindowState::Paused { .. })
    });
    screen.get_by_label("暂停服务");
    screen.get_by_label("暂停原因：休息");
    hall.act(&staff, 1, WindowAction::Resume);
    until(&mut screen, "the resume", |a| {
        matches!(window_state(a, 1), WindowState::Open { .. })
    });
    assert!(screen.query_by_label("暂停服务").is_none());
}

#[test]
fn the_board_keeps_its_state_while_the_server_is_down_and_recovers_on_its_own() {
    let mut hall = Hall::start();
    let mut board = display(&hall, BOARD, None, HD);
    until(&mut board, "the snapshot", |a| {
        a.model().live().has_snapshot()
    });
    let first = hall.issue("tax");
    let staff = hall.staff_at("1001", 1);
    hall.act(&staff, 1, WindowAction::CallNext);
    until(&mut board, "the first call", |a| {
        latest_on_board(a).as_deref() == Some(first.as_str())
    });

    hall.stop();
    until(&mut board, "the lost link", |a| {
        matches!(a.model().link("Asia/Shanghai"), LinkMark::Lost { .. })
    });
    board.get_by_label(&first);
    assert!(
        board
            .query_by_label_contains("网络已断开 正在重新连接 · 最后更新")
            .is_some(),
        "a small mark with the time of the last update"
    );

    hall.serve();
    until(&mut board, "the reconnect", |a| {
        a.model().link("Asia/Shanghai") == LinkMark::Live
    });
    assert!(
        board.query_by_label_contains("网络已断开").is_none(),
        "the mark goes away"
    );
    hall.act(&staff, 1, WindowAction::Start);
    hall.act(&staff, 1, WindowAction::Finish);
    let second = hall.issue("tax");
    hall.act(&staff, 1, WindowAction::CallNext);
    until(&mut board, "a call after the restart", |a| {
        latest_on_board(a).as_deref() == Some(second.as_str())
    });
    board.get_by_label(&first);
}

#[test]
fn notices_edited_on_the_server_reach_the_marquee_without_a_restart() {
    let hall = Hall::start();
    let mut board = display(&hall, BOARD, None, HD);
    until(&mut board, "the snapshot", |a| {
        a.model().live().has_snapshot()
    });
    let notices = |a: &DisplayApp| a.model().board(qcall_client::local_now()).notices;
    assert!(
        !notices(board.state().as_ref().expect("app")).is_empty(),
        "the demo hall has notices"
    );
    hall.set_notices(&["今日下午三点起系统维护", "请保管好随身物品"]);
    until(&mut board, "the new notices", |a| {
        notices(a) == ["今日下午三点起系统维护", "请保管好随身物品"]
    });
    hall.set_notices(&[]);
    until(&mut board, "the marquee off", |a| notices(a).is_empty());
}

/// Renders `model` alone, at `size`, with a fixed clock, so the image does not depend on how many
/// frames the test took to get its data (the marquee's position, the highlight's blink). Returns
/// the height in pixels of what is drawn in the call colour: the called number's glyphs.
fn image(results: &mut SnapshotResults, model: Model, size: Vec2, name: &str) -> u32 {
    let now = qcall_client::local_now() + 20_000;
    let mut harness = Harness::builder()
        .with_size(size)
        .wgpu()
        .with_context_setup(|ctx| {
            install_fonts(ctx);
            apply_look(ctx, Look::Dark, 1.0);
        })
        .build_ui(move |ui| qcall_display::view::view(&model, ui, now));
    harness.run_steps(3);
    results.add(harness.try_snapshot(name));
    let image = harness.render().expect("render");
    let call = qcall_client::ui::palette::CALL;
    let rows: Vec<u32> = (0..image.height())
        .filter(|&y| {
            (0..image.width()).any(|x| {
                let [r, g, b, _] = image.get_pixel(x, y).0;
                r.abs_diff(call.r()) < 8 && g.abs_diff(call.g()) < 8 && b.abs_diff(call.b()) < 8
            })
        })
        .collect();
    match (rows.first(), rows.last()) {
        (Some(top), Some(bottom)) => bottom - top + 1,
        _ => 0,
    }
}

#[test]
fn snapshot_images_of_the_board_and_a_window_screen() {
    let hall = Hall::start();
    let mut board = display(&hall, BOARD, None, HD);
    let mut window_1 = display(&hall, WINDOW_1, None, HD);
    let staff = hall.staff_at("1001", 1);
    let other = hall.staff_at("1002", 2);
    for _ in 0..4 {
        hall.issue("tax");
    }
    hall.issue("company");
    for _ in 0..3 {
        hall.act(&staff, 1, WindowAction::CallNext);
        hall.act(&staff, 1, WindowAction::Start);
        hall.act(&staff, 1, WindowAction::Finish);
    }
    hall.act(&staff, 1, WindowAction::CallNext);
    hall.act(
        &other,
        2,
        WindowAction::Pause {
            reason: PauseReason::Meeting,
        },
    );
    until(&mut board, "four calls", |a| {
        a.model().live().recent_calls().len() == 4
    });
    until(&mut window_1, "the fourth call", |a| {
        matches!(window_state(a, 1), WindowState::Open { current: Some(_) })
    });
    let board_model = board.state().as_ref().expect("app").model().clone();
    let window_model = window_1.state().as_ref().expect("app").model().clone();
    let mut results = SnapshotResults::new();
    // R18, legible from 10 m: the called number's digits are at least a sixth of the screen
    // height, on both screens and at both sizes (measured on the rendered pixels).
    for (model, name) in [(board_model, "board"), (window_model, "window")] {
        for size in [FULL_HD, HD] {
            let name = format!("{name}_{}x{}", size.x, size.y);
            let height = image(&mut results, model.clone(), size, &name);
            println!("{name}: called number {height} px high");
            assert!(
                height as f32 >= size.y / 6.0,
                "{name}: the called number is {height} px high, less than a sixth of {}",
                size.y
            );
        }
    }
    // Dropping the results fails the test with every mismatch at once.
}

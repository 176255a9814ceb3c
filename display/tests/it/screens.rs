//! The screens against a real server: calls made through the REST API show on the hall board and
//! on the right window screen, a pause shows 暂停服务, a restarted server is found again, and
//! snapshot images of both screens at 1920×1080 and 1280×720.

use egui::{Vec2, vec2};
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotResults};
use qcall_client::WindowAction;
use qcall_client::ui::{Look, apply_look, install_fonts};
use qcall_display::model::{BoardLayout, LinkMark, WindowState};
use qcall_display::view::{self, MarqueePlace, Strip};
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
    assert!(
        board.get_all_by_label(&number).count() >= 2,
        "large and in the rows"
    );
    board.get_by_label("请到");
    board.get_by_label("1号窗口");
    board.get_by_label("→ 1号窗口");
    board.get_by_label("正在叫号");

    until(&mut window_1, "the call on window 1's screen", |a| {
        window_state(a, 1)
            == WindowState::Open {
                current: Some(number.clone()),
            }
    });
    window_1.get_by_label(&number);
    window_1.get_by_label(&format!("请{number}号到本窗口办理"));
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
    assert!(board.query_all_by_label(&first).count() > 0);
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
    assert!(board.query_all_by_label(&first).count() > 0);
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

/// Renders `model` alone, at `size`, with a fixed clock, so the image does not depend on how
/// many frames the test took to get its data (the marquee's position, the highlight's blink),
/// and returns the box (left, top, right, bottom, in pixels)
/// of what is drawn in the call colour in the left and top `fraction` (x, y) of the screen: the
/// called number in the current-call panel.
fn number_box(
    results: &mut SnapshotResults,
    model: Model,
    size: Vec2,
    name: &str,
    fraction: (f32, f32),
) -> Option<(u32, u32, u32, u32)> {
    // 20 s after the model's last news in hall time (the manual clock), whatever the wall clock says:
    // the clock on screen must not depend on how long the test took to get here.
    let hall_time = model.live().snapshot().map_or(0, |s| s.at) + 20_000;
    let now = hall_time - model.live().server_now(0);
    let mut harness = Harness::builder()
        .with_size(size)
        .wgpu()
        .with_context_setup(|ctx| {
            install_fonts(ctx);
            apply_look(ctx, Look::Dark, 1.0);
        })
        .build_ui(move |ui| {
            qcall_display::view::view(&model, ui, now);
        });
    harness.run_steps(3);
    results.add(harness.try_snapshot(name));
    let image = harness.render().expect("render");
    let call = qcall_client::ui::palette::CALL;
    let width = (image.width() as f32 * fraction.0) as u32;
    let height = (image.height() as f32 * fraction.1) as u32;
    let mut found: Option<(u32, u32, u32, u32)> = None;
    for y in 0..height {
        for x in 0..width {
            let [r, g, b, _] = image.get_pixel(x, y).0;
            if r.abs_diff(call.r()) < 8 && g.abs_diff(call.g()) < 8 && b.abs_diff(call.b()) < 8 {
                found = Some(match found {
                    None => (x, y, x, y),
                    Some((l, t, r, b)) => (l.min(x), t.min(y), r.max(x), b.max(y)),
                });
            }
        }
    }
    found
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
    for (model, name, fraction) in [
        (board_model, "board", (0.5, 1.0)),
        (window_model, "window", (1.0, 1.0)),
    ] {
        for size in [FULL_HD, HD] {
            let name = format!("{name}_{}x{}", size.x, size.y);
            let height = number_box(&mut results, model.clone(), size, &name, fraction)
                .map_or(0, |b| b.3 - b.1 + 1);
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

/// A hall as a snapshot would bring it: eight services, eight windows (1–6 open with a ticket
/// each, 7 paused, 8 closed), and `calls` calls (the newest first, the newest `latest`).
pub(crate) fn hall_snapshot(calls: usize, latest: &str) -> qcall_protocol::Snapshot {
    use qcall_protocol::*;
    let at = START + 20_000;
    let services = [
        ("social", "社保医保"),
        ("fund", "公积金"),
        ("household", "户籍"),
        ("company", "企业开办"),
        ("tax", "税务"),
        ("property", "不动产登记"),
        ("green", "绿色通道"),
        ("complaint", "办不成事反映"),
    ];
    let number = |i: usize| {
        if i == 0 {
            latest.to_owned()
        } else {
            format!("A{:03}", 39 - i)
        }
    };
    let recent_calls = (0..calls)
        .map(|i| Call {
            call_id: 100 - i as u64,
            ticket_id: 100 - i as i64,
            number: number(i),
            class: if i == 2 {
                TicketClass::Priority
            } else {
                TicketClass::Normal
            },
            service_id: "company".into(),
            window: (i % 6 + 1) as u32,
            window_name: "综合窗口".into(),
            at: at - 15_000 * i as i64,
            recall: false,
        })
        .collect::<Vec<_>>();
    let windows = (1..=8u32)
        .map(|n| {
            let call = recent_calls.iter().find(|c| c.window == n);
            WindowView {
                number: n,
                name: "综合窗口".into(),
                screen_text: String::new(),
                primary: Vec::new(),
                secondary: Vec::new(),
                status: match n {
                    7 => WindowStatus::Paused,
                    8 => WindowStatus::Closed,
                    _ => WindowStatus::Open,
                },
                pause_reason: (n == 7).then_some(PauseReason::Break),
                paused_since: None,
                staff: None,
                current: call.filter(|_| n < 7).map(|c| CurrentTicket {
                    id: c.ticket_id,
                    number: c.number.clone(),
                    class: c.class,
                    state: TicketState::Called,
                    service_id: c.service_id.clone(),
                    called_at: c.at,
                    started_at: None,
                }),
                held: Vec::new(),
            }
        })
        .collect();
    Snapshot {
        seq: 5,
        at,
        identity: Identity::Display {
            name: "hall-board".into(),
        },
        hall: HallInfo {
            notify: false,
            check_in: false,
            start_on_call: false,
            name_zh: "示范政务服务中心".into(),
            name_en: "Demo Government Service Centre".into(),
            time_zone: "Asia/Shanghai".into(),
            business_day: "2026-11-23".into(),
            issuing_open: true,
            hours_today: Vec::new(),
            notices: vec!["取号后请在休息区等候，留意屏幕与语音叫号".into()],
            requeue_limit_minutes: 30,
            requeue_behind: 3,
            priority_ratio: 3,
        },
        groups: Vec::new(),
        services: services
            .iter()
            .map(|(id, name)| Service {
                id: (*id).into(),
                name_zh: (*name).into(),
                name_en: (*id).into(),
                group_id: "g".into(),
                prefix: "A".into(),
                enabled: true,
                daily_cap: None,
                expected_minutes: 10,
                materials: Vec::new(),
                ask_citizen_id: false,
                ask_phone: false,
                warn_waiting_count: None,
                warn_waiting_minutes: None,
            })
            .collect(),
        windows,
        availability: services
            .iter()
            .enumerate()
            .map(|(i, (id, _))| Availability {
                service_id: (*id).into(),
                waiting: (i * 3 % 7) as u32,
                issued_today: 10,
                estimated_wait_minutes: Some(5),
                refusal: None,
            })
            .collect(),
        recent_calls,
        open_tickets: Vec::new(),
        display: None,
        ticket: None,
    }
}

/// A connected hall board that got `snapshot` (no live call: nothing blinks).
fn board_model(snapshot: qcall_protocol::Snapshot, layout: BoardLayout) -> Model {
    let mut model = Model::new(Some(Screen::HallBoard), qcall_client::Lang::Zh);
    model.set_layout(Some(layout));
    connect(&mut model, snapshot);
    model
}

/// `model` got `snapshot` a minute ago and is connected since.
pub(crate) fn connect(model: &mut Model, snapshot: qcall_protocol::Snapshot) {
    use qcall_client::{ConnectionState, Update};
    let now = qcall_client::local_now();
    model.apply(
        &Update::Snapshot {
            received_at: now - 60_000,
            snapshot: Box::new(snapshot),
        },
        now - 60_000,
    );
    model.apply(
        &Update::State(ConnectionState::Connected {
            since: std::time::Instant::now(),
        }),
        now,
    );
}

/// The hall board with 0, 1 and 6 recent calls in both layouts, portrait 1080×1920, 4:3
/// 1024×768, and a two-letter four-digit number: the called number is never cut (it lies
/// inside its panel) and is at least a sixth of the screen height where the width allows.
#[test]
fn snapshot_images_of_the_board_layouts_orientations_and_long_numbers() {
    let mut results = SnapshotResults::new();
    for layout in [BoardLayout::Calls, BoardLayout::Windows] {
        for calls in [0, 1, 6] {
            let tag = match layout {
                BoardLayout::Calls => "calls",
                BoardLayout::Windows => "windows",
            };
            let name = format!("board_{tag}_{calls}_1280x720");
            let model = board_model(hall_snapshot(calls, "A039"), layout);
            let b = model.board(qcall_client::local_now());
            assert_eq!(b.recent.len(), calls);
            let size = HD;
            let found = number_box(&mut results, model, size, &name, (0.5, 1.0));
            if layout == BoardLayout::Calls && calls > 0 {
                let (_, top, _, bottom) = found.expect("the number is drawn");
                assert!((bottom - top + 1) as f32 >= size.y / 6.0, "{name}");
            }
        }
    }
    for (size, name) in [
        (vec2(1080.0, 1920.0), "board_calls_ab1000_1080x1920"),
        (vec2(1024.0, 768.0), "board_calls_ab1000_1024x768"),
    ] {
        let model = board_model(hall_snapshot(6, "AB1000"), BoardLayout::Calls);
        let portrait = size.y > size.x;
        // The current-call panel: the top of a portrait board, the left of a landscape one.
        let fraction = if portrait { (1.0, 0.45) } else { (0.5, 1.0) };
        let (left, top, right, bottom) =
            number_box(&mut results, model, size, name, fraction).expect("drawn");
        let panel_right = size.x * fraction.0;
        println!(
            "{name}: number {}×{} px",
            right - left + 1,
            bottom - top + 1
        );
        // The width decides here (a sixth of the height would not fit): fitted, not cut.
        assert!(
            left > 10 && (right as f32) < panel_right - 10.0,
            "{name}: cut or overflowing"
        );
        assert!(
            (bottom - top + 1) as f32 >= size.y / 12.0,
            "{name}: still large"
        );
    }
    let model = board_model(hall_snapshot(6, "AB1000"), BoardLayout::Windows);
    number_box(
        &mut results,
        model,
        vec2(1080.0, 1920.0),
        "board_windows_1080x1920",
        (1.0, 1.0),
    );
}

/// A window screen whose staff card has a photo (C2's URL): the photo, cropped to the frame;
/// the same card with the photo failed shows the initial.
#[test]
fn snapshot_of_a_window_screen_with_the_staff_photo() {
    use qcall_client::{ConnectionState, Update};
    use qcall_display::photo::{MAX_PHOTO_PX, Photos, decode};
    let url = "/api/v1/staff/1001/photo";
    let mut snapshot = hall_snapshot(1, "A039");
    snapshot.windows[0].screen_text = "企业开办 · 税务".into();
    snapshot.windows[0].staff = Some(qcall_protocol::StaffCard {
        staff_no: "1001".into(),
        name: "张敏".into(),
        badges: vec!["党员示范岗".into()],
        photo: Some(url.into()),
    });
    let mut model = Model::new(Some(Screen::Window(1)), qcall_client::Lang::Zh);
    let now = qcall_client::local_now();
    model.apply(
        &Update::Snapshot {
            received_at: now - 60_000,
            snapshot: Box::new(snapshot),
        },
        now - 60_000,
    );
    model.apply(
        &Update::State(ConnectionState::Connected {
            since: std::time::Instant::now(),
        }),
        now,
    );
    // A portrait-ish photo: a blue figure on a light background, wider than the frame's shape.
    let img = image::RgbImage::from_fn(900, 1000, |x, y| {
        let (dx, dy) = (x as f32 - 450.0, y as f32 - 420.0);
        if dx * dx + dy * dy < 200.0 * 200.0 || (y > 650 && dx.abs() < 330.0) {
            image::Rgb([40, 90, 170])
        } else {
            image::Rgb([225, 230, 235])
        }
    });
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("png");
    let photo = decode(png.get_ref(), MAX_PHOTO_PX).expect("decodes");
    let mut results = SnapshotResults::new();
    for (loaded, name) in [
        (true, "window_photo_1280x720"),
        (false, "window_photo_failed_1280x720"),
    ] {
        let model = model.clone();
        let photo = photo.clone();
        let mut photos: Option<Photos> = None;
        let mut harness = Harness::builder()
            .with_size(HD)
            .wgpu()
            .with_context_setup(|ctx| {
                install_fonts(ctx);
                apply_look(ctx, Look::Dark, 1.0);
            })
            .build_ui(move |ui| {
                let photos = photos.get_or_insert_with(|| {
                    let mut p = Photos::default();
                    p.start(url);
                    let result = if loaded {
                        Ok(photo.clone())
                    } else {
                        Err("not_found".to_string())
                    };
                    p.finish(ui.ctx(), url, result);
                    p
                });
                qcall_display::view::view_with(
                    &model,
                    ui,
                    now + 20_000,
                    None,
                    photos,
                    MarqueePlace::Inline,
                );
            });
        harness.run_steps(3);
        results.add(harness.try_snapshot(name));
    }
}

/// The board at `size` drawn with the marquee at `marquee` after three frames, with the strip it
/// handed out.
fn board_frame(
    model: &Model,
    size: Vec2,
    marquee: MarqueePlace,
) -> (image::RgbaImage, Option<Strip>) {
    let model = model.clone();
    let now = qcall_client::local_now();
    let mut harness = Harness::builder()
        .with_size(size)
        .wgpu()
        .with_context_setup(|ctx| {
            install_fonts(ctx);
            apply_look(ctx, Look::Dark, 1.0);
        })
        .build_ui_state(
            move |ui, strip: &mut Option<Strip>| {
                let photos = qcall_display::photo::Photos::default();
                *strip = view::view_with(&model, ui, now, None, &photos, marquee).strip;
            },
            None,
        );
    harness.run_steps(3);
    let image = harness.render().expect("render");
    (image, harness.state().clone())
}

/// The marquee's own window (`--marquee window`, the default in eframe) shows exactly what the
/// inline marquee shows in the board's band (same band, type, place and scroll position at the
/// same time), and the board under it is the same picture as with the marquee inline, its band
/// empty. The snapshot images above are of the inline path (`view::view`); the window itself
/// is eframe's (not in a test harness): `display/tools/idle_cpu.sh` counts its frames.
#[test]
fn the_marquee_window_shows_what_the_board_shows_in_its_band() {
    let mut snapshot = hall_snapshot(6, "A039");
    snapshot.hall.notices = [
        "取号后请在休息区等候，留意屏幕与语音叫号",
        "过号请到窗口重新排队",
        "办不成事，请到8号窗口反映",
        "清廉大厅 阳光服务 每一次叫号都公开可查",
    ]
    .map(String::from)
    .to_vec();
    let model = board_model(snapshot, BoardLayout::Calls);
    // The harness draws inside a margin of 8 points: a board of 1280×720 in whole pixels.
    let margin = 8.0;
    let size = HD + Vec2::splat(2.0 * margin);

    let (inline, none) = board_frame(&model, size, MarqueePlace::Inline);
    assert_eq!(none, None, "an inline marquee is not handed out");
    let (under, strip) = board_frame(&model, size, MarqueePlace::OwnWindow);
    let strip = strip.expect("a board with notices hands out its marquee");
    assert_eq!(
        strip.rect,
        egui::Rect::from_min_max(egui::pos2(0.0, 666.0), egui::pos2(1280.0, 720.0))
            .translate(Vec2::splat(margin)),
        "the bottom band, 7.5 % of the height"
    );
    // The window: the strip alone, at its own size, after as many frames.
    let mut harness = Harness::builder()
        .with_size(strip.rect.size() + Vec2::splat(2.0 * margin))
        .wgpu()
        .with_context_setup(|ctx| {
            install_fonts(ctx);
            apply_look(ctx, Look::Dark, 1.0);
        })
        .build_ui({
            let strip = strip.clone();
            move |ui| view::strip(ui, ui.max_rect(), &strip)
        });
    harness.run_steps(3);
    let window = harness.render().expect("render");

    let (m, top, bottom) = (
        margin as u32,
        strip.rect.min.y as u32,
        strip.rect.max.y as u32,
    );
    let band = qcall_display::view::MARQUEE_BAND;
    let (mut text_pixels, mut differ_in_band, mut differ_above) = (0, 0, 0);
    for y in m..bottom {
        for x in m..inline.width() - m {
            let want = inline.get_pixel(x, y).0;
            if y >= top {
                let got = window.get_pixel(x, y - top + m).0;
                differ_in_band += usize::from(got != want);
                let [r, g, b, _] = want;
                text_pixels += usize::from([r, g, b] != [band.r(), band.g(), band.b()]);
                let [r, g, b, _] = under.get_pixel(x, y).0;
                assert_eq!(
                    [r, g, b],
                    [band.r(), band.g(), band.b()],
                    "the board leaves its band empty for the window ({x}, {y})"
                );
            } else {
                differ_above += usize::from(under.get_pixel(x, y).0 != want);
            }
        }
    }
    assert!(text_pixels > 2_000, "the inline marquee shows text");
    assert_eq!(
        differ_in_band, 0,
        "the window draws the band as the board did"
    );
    assert_eq!(differ_above, 0, "the board above the band is unchanged");

    let (_, strip) = board_frame(
        &board_model(hall_snapshot(6, "A039"), BoardLayout::Calls),
        HD,
        MarqueePlace::OwnWindow,
    );
    assert!(
        strip.is_some(),
        "one notice that fits is a still strip, in its window too"
    );
    let mut quiet = hall_snapshot(6, "A039");
    quiet.hall.notices.clear();
    let (_, strip) = board_frame(
        &board_model(quiet, BoardLayout::Calls),
        HD,
        MarqueePlace::OwnWindow,
    );
    assert_eq!(strip, None, "no notices, no marquee window");
}

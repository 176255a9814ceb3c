//! Drawing the hall board and the window screen from a [`Model`]: no I/O, no state of its own.
//!
//! Every size is a fraction of the screen's height, so one layout serves 1920×1080, 1280×720 and
//! anything between; a called number's digits are at least one sixth of the height
//! ([`call_number_size`], R18). Text is placed with labels (so tests can find it by its words);
//! only the marquee is painted directly, because it scrolls.

use std::time::Duration;

use egui::{
    Align, Align2, Color32, CornerRadius, FontId, Layout, Rect, RichText, Sense, Stroke,
    TextWrapMode, Ui, UiBuilder, pos2, vec2,
};
use qcall_client::i18n::{Lang, Text};
use qcall_client::ui::{call_number_size, class_colour, palette};
use qcall_protocol::Millis;

use crate::model::{
    Board, CallLine, LinkMark, Model, Screen, WindowScreen, WindowState, pause_line,
};

/// The marquee's speed, in screen heights per second (about 86 px/s at 720 lines).
pub const MARQUEE_SPEED: f32 = 0.12;
/// The marquee's frame interval: at most 30 frames per second.
pub const MARQUEE_FRAME: Duration = Duration::from_millis(33);

/// Text on the dark background: near white.
const TEXT: Color32 = Color32::from_gray(245);
/// Secondary text: still well above 7:1 on the background.
const MUTED: Color32 = Color32::from_gray(175);
/// Discreet status marks (R20: "without alarming citizens").
const MARK: Color32 = Color32::from_gray(140);
/// Panels a shade lighter than the background.
const PANEL: Color32 = Color32::from_rgb(0x14, 0x1B, 0x2C);
/// Lines between panels.
const RULE: Color32 = Color32::from_rgb(0x2A, 0x34, 0x4A);
/// The marquee's band.
const MARQUEE_BAND: Color32 = Color32::from_rgb(0x7A, 0x0F, 0x14);

/// Draws the display's screen for `model` at local time `local_now` (the clock, the highlight).
/// The screen is the override or the device's config; before either is known, a calm "连接中".
pub fn view(model: &Model, ui: &mut Ui, local_now: Millis) {
    let rect = ui.max_rect();
    ui.painter().rect_filled(rect, 0.0, ui.visuals().panel_fill);
    match model.screen() {
        Some(Screen::HallBoard) => board(ui, rect, model, &model.board(local_now)),
        Some(Screen::Window(n)) => {
            window_screen(ui, rect, model, &model.window_screen(n, local_now))
        }
        None => waiting_for_server(ui, rect, model),
    }
}

/// Before the first snapshot: a dark screen with one small line, never blank.
fn waiting_for_server(ui: &mut Ui, rect: Rect, model: &Model) {
    let h = rect.height();
    let text = match model.link(model.time_zone()) {
        LinkMark::Refused => Text::DeviceRefused,
        LinkMark::Lost { .. } => Text::Reconnecting,
        LinkMark::Live | LinkMark::Connecting => Text::Connecting,
    };
    place(
        ui,
        rect,
        Align::Center,
        RichText::new(text.get(model.lang))
            .size(h * 0.04)
            .color(MUTED),
    );
}

/// The hall board (综合屏, R18).
fn board(ui: &mut Ui, rect: Rect, model: &Model, b: &Board) {
    let (w, h) = (rect.width(), rect.height());
    let lang = model.lang;
    let pad = h * 0.02;

    // Header: hall name and status marks on the left, time and date on the right.
    let header = Rect::from_min_size(rect.min, vec2(w, h * 0.11));
    ui.painter().rect_filled(header, 0.0, PANEL);
    header_line(ui, header);
    let name_rect = Rect::from_min_max(
        header.min + vec2(pad * 1.5, 0.0),
        pos2(
            header.min.x + w * 0.62,
            header.min.y + header.height() * 0.72,
        ),
    );
    place(
        ui,
        name_rect,
        Align::Min,
        RichText::new(&b.hall_name)
            .size(h * 0.05)
            .color(TEXT)
            .strong(),
    );
    let marks_rect = Rect::from_min_max(
        pos2(name_rect.min.x, name_rect.max.y - h * 0.01),
        pos2(name_rect.max.x, header.max.y),
    );
    marks(ui, marks_rect, model);
    let clock_rect = Rect::from_min_max(
        pos2(header.max.x - w * 0.34, header.min.y),
        pos2(header.max.x - pad * 1.5, header.max.y),
    );
    let (time_rect, date_rect) = split_h(clock_rect, 0.62);
    place(
        ui,
        time_rect,
        Align::Max,
        RichText::new(&b.time).size(h * 0.052).color(TEXT).strong(),
    );
    place(
        ui,
        date_rect,
        Align::Max,
        RichText::new(&b.date).size(h * 0.03).color(MUTED),
    );

    // Footer: the marquee, then above it the waiting counts per group.
    let mut body_bottom = rect.max.y;
    if !b.notices.is_empty() {
        let band = Rect::from_min_max(pos2(rect.min.x, rect.max.y - h * 0.075), rect.max);
        marquee(ui, band, &b.notices.join("　　　"), h);
        body_bottom = band.min.y;
    }
    let waiting_rect = Rect::from_min_max(
        pos2(rect.min.x, body_bottom - h * 0.1),
        pos2(rect.max.x, body_bottom),
    );
    waiting_bar(ui, waiting_rect, &b.waiting, lang, h);
    let body = Rect::from_min_max(
        pos2(rect.min.x, header.max.y),
        pos2(rect.max.x, waiting_rect.min.y),
    );

    // Body: the latest call, large, on the left; the recent calls on the right.
    let (left, right) = split_w(body, 0.56);
    latest_call(ui, left.shrink(pad), b, lang, h);
    recent_calls(ui, right.shrink(pad), &b.recent, lang, h);
}

/// The latest call: "正在叫号", the number at R18 size, then where to go.
fn latest_call(ui: &mut Ui, rect: Rect, b: &Board, lang: Lang, h: f32) {
    let fill = if b.highlight_on { palette::CALL } else { PANEL };
    ui.painter().rect_filled(rect, CornerRadius::same(16), fill);
    let (fg, caption_fg) = if b.highlight_on {
        (Color32::BLACK, Color32::from_gray(30))
    } else {
        (palette::CALL, MUTED)
    };
    let caption = Rect::from_min_size(rect.min, vec2(rect.width(), rect.height() * 0.14));
    place(
        ui,
        caption.shrink2(vec2(h * 0.02, 0.0)),
        Align::Min,
        RichText::new(Text::NowCalling.get(lang))
            .size(h * 0.04)
            .color(caption_fg),
    );
    let Some(call) = &b.latest else {
        // No call yet today: a calm line rather than an empty panel.
        place(
            ui,
            rect,
            Align::Center,
            RichText::new(Text::WindowAwaitingCall.get(lang))
                .size(h * 0.06)
                .color(MUTED),
        );
        return;
    };
    if call.recall {
        place(
            ui,
            caption.shrink2(vec2(h * 0.02, 0.0)),
            Align::Max,
            RichText::new(Text::RecallTag.get(lang))
                .size(h * 0.04)
                .color(caption_fg),
        );
    }
    let number_rect = Rect::from_min_max(
        pos2(rect.min.x, caption.max.y),
        pos2(rect.max.x, rect.min.y + rect.height() * 0.66),
    );
    place(
        ui,
        number_rect,
        Align::Center,
        RichText::new(&call.number)
            .size(call_number_size(h))
            .color(fg)
            .strong(),
    );
    let go = Rect::from_min_max(
        pos2(rect.min.x, number_rect.max.y),
        pos2(rect.max.x, rect.min.y + rect.height() * 0.86),
    );
    place(
        ui,
        go,
        Align::Center,
        RichText::new(go_to_window(call, lang))
            .size(h * 0.075)
            .color(if b.highlight_on { Color32::BLACK } else { TEXT }),
    );
    let name = Rect::from_min_max(pos2(rect.min.x, go.max.y), rect.max);
    place(
        ui,
        name,
        Align::Center,
        RichText::new(&call.window_name)
            .size(h * 0.04)
            .color(caption_fg),
    );
}

/// "请到 3号窗口" / "Please go to window 3".
fn go_to_window(call: &CallLine, lang: Lang) -> String {
    let window = Text::WindowNumber.fill(lang, &[("n", &call.window)]);
    match lang {
        Lang::Zh => format!("请到 {window}"),
        Lang::En => format!("Please go to {}", window.to_lowercase()),
    }
}

/// "最近叫号": number → window, newest first.
fn recent_calls(ui: &mut Ui, rect: Rect, calls: &[CallLine], lang: Lang, h: f32) {
    ui.painter()
        .rect_filled(rect, CornerRadius::same(16), PANEL);
    let caption = Rect::from_min_size(rect.min, vec2(rect.width(), rect.height() * 0.14));
    let inner = rect.shrink2(vec2(h * 0.03, 0.0));
    place(
        ui,
        Rect::from_min_max(
            pos2(inner.min.x, caption.min.y),
            pos2(inner.max.x, caption.max.y),
        ),
        Align::Min,
        RichText::new(Text::RecentCalls.get(lang))
            .size(h * 0.04)
            .color(MUTED),
    );
    let rows = crate::model::RECENT_ON_BOARD as f32;
    let row_h = (rect.max.y - caption.max.y) / rows;
    let size = (row_h * 0.62).min(h * 0.06);
    for (i, call) in calls.iter().enumerate() {
        let top = caption.max.y + row_h * i as f32;
        let row = Rect::from_min_max(pos2(inner.min.x, top), pos2(inner.max.x, top + row_h));
        if i > 0 {
            ui.painter()
                .hline(row.x_range(), top, Stroke::new(1.0, RULE));
        }
        let (num, win) = split_w(row, 0.45);
        let colour = class_colour(call.class).map_or(TEXT, |c| c.linear_multiply(1.6));
        place(
            ui,
            num,
            Align::Min,
            RichText::new(&call.number)
                .size(size)
                .color(colour)
                .strong(),
        );
        place(
            ui,
            win,
            Align::Max,
            RichText::new(format!(
                "→ {}",
                Text::WindowNumber.fill(lang, &[("n", &call.window)])
            ))
            .size(size)
            .color(TEXT),
        );
    }
}

/// "等候人数": one cell per service group.
fn waiting_bar(ui: &mut Ui, rect: Rect, groups: &[(String, u32)], lang: Lang, h: f32) {
    ui.painter().rect_filled(rect, 0.0, PANEL);
    ui.painter()
        .hline(rect.x_range(), rect.min.y, Stroke::new(1.0, RULE));
    let label_w = rect.width() * 0.14;
    let label = Rect::from_min_size(rect.min + vec2(h * 0.03, 0.0), vec2(label_w, rect.height()));
    place(
        ui,
        label,
        Align::Min,
        RichText::new(Text::WaitingByGroup.get(lang))
            .size(h * 0.035)
            .color(MUTED),
    );
    if groups.is_empty() {
        return;
    }
    let cells = Rect::from_min_max(pos2(label.max.x, rect.min.y), rect.max);
    let cell_w = cells.width() / groups.len() as f32;
    for (i, (name, waiting)) in groups.iter().enumerate() {
        let cell = Rect::from_min_size(
            pos2(cells.min.x + cell_w * i as f32, cells.min.y),
            vec2(cell_w, cells.height()),
        );
        let text = format!(
            "{name}  {}",
            Text::WaitingCount.fill(lang, &[("n", waiting)])
        );
        place(
            ui,
            cell,
            Align::Center,
            RichText::new(text).size(h * 0.036).color(TEXT),
        );
    }
}

/// The notices, scrolling right to left at [`MARQUEE_SPEED`] when they do not fit, at most 30
/// frames per second; still when they fit (no repaint at all).
fn marquee(ui: &mut Ui, band: Rect, text: &str, h: f32) {
    ui.painter().rect_filled(band, 0.0, MARQUEE_BAND);
    let font = FontId::proportional(h * 0.042);
    let galley = ui.painter().layout_no_wrap(text.to_owned(), font, TEXT);
    let clip = band.shrink2(vec2(h * 0.02, 0.0));
    let painter = ui.painter_at(clip);
    let y = band.center().y - galley.size().y / 2.0;
    let width = galley.size().x;
    if width <= clip.width() {
        painter.galley(pos2(clip.center().x - width / 2.0, y), galley, TEXT);
        return;
    }
    let gap = h * 0.3;
    let period = width + gap;
    let speed = MARQUEE_SPEED * h;
    let t = ui.input(|i| i.time) as f32;
    let offset = (t * speed) % period;
    let x = clip.min.x - offset;
    painter.galley(pos2(x, y), galley.clone(), TEXT);
    painter.galley(pos2(x + period, y), galley, TEXT);
    ui.ctx().request_repaint_after(MARQUEE_FRAME);
}

/// The window screen (窗口屏, R19).
fn window_screen(ui: &mut Ui, rect: Rect, model: &Model, s: &WindowScreen) {
    let (w, h) = (rect.width(), rect.height());
    let lang = model.lang;
    let pad = h * 0.025;

    // Header: window number and name; the time on the right.
    let header = Rect::from_min_size(rect.min, vec2(w, h * 0.17));
    ui.painter().rect_filled(header, 0.0, PANEL);
    header_line(ui, header);
    let title = Rect::from_min_max(
        header.min + vec2(pad * 1.5, 0.0),
        pos2(
            header.min.x + w * 0.78,
            header.min.y + header.height() * 0.75,
        ),
    );
    let number = Text::WindowNumber.fill(lang, &[("n", &s.number)]);
    place(
        ui,
        title,
        Align::Min,
        RichText::new(format!("{number}  {}", s.name))
            .size(h * 0.085)
            .color(TEXT)
            .strong(),
    );
    marks(
        ui,
        Rect::from_min_max(
            pos2(title.min.x, title.max.y - h * 0.01),
            pos2(title.max.x, header.max.y),
        ),
        model,
    );
    place(
        ui,
        Rect::from_min_max(
            pos2(header.max.x - w * 0.2, header.min.y),
            header.max - vec2(pad * 1.5, 0.0),
        ),
        Align::Max,
        RichText::new(&s.time).size(h * 0.06).color(TEXT),
    );

    // Staff card at the bottom (亮身份), when someone is signed in.
    let card_h = h * 0.3;
    let card = Rect::from_min_max(pos2(rect.min.x, rect.max.y - card_h), rect.max);
    let middle = Rect::from_min_max(pos2(rect.min.x, header.max.y), pos2(rect.max.x, card.min.y));
    if let Some(staff) = &s.staff {
        ui.painter().rect_filled(card, 0.0, PANEL);
        ui.painter()
            .hline(card.x_range(), card.min.y, Stroke::new(1.0, RULE));
        let inner = card.shrink(pad);
        let photo = Rect::from_min_size(inner.min, vec2(inner.height() * 0.75, inner.height()));
        photo_frame(ui, photo, staff, h);
        let text_left = photo.max.x + pad * 1.5;
        let name = Rect::from_min_max(
            pos2(text_left, inner.min.y),
            pos2(inner.max.x, inner.min.y + inner.height() * 0.42),
        );
        place(
            ui,
            name,
            Align::Min,
            RichText::new(&staff.name)
                .size(h * 0.07)
                .color(TEXT)
                .strong(),
        );
        let no = Rect::from_min_max(
            pos2(text_left, name.max.y),
            pos2(inner.max.x, inner.min.y + inner.height() * 0.68),
        );
        place(
            ui,
            no,
            Align::Min,
            RichText::new(format!("{} {}", Text::StaffNo.get(lang), staff.staff_no))
                .size(h * 0.045)
                .color(MUTED),
        );
        let badges = Rect::from_min_max(pos2(text_left, no.max.y), inner.max);
        badge_row(ui, badges, &staff.badges, h);
    } else if !s.screen_text.is_empty() {
        place(
            ui,
            card.shrink(pad),
            Align::Center,
            RichText::new(&s.screen_text).size(h * 0.045).color(MUTED),
        );
    }

    // Middle: the number being served, or 暂停服务 / 窗口关闭 with the reason.
    let (main, sub) = split_h(middle.shrink(pad), 0.72);
    match &s.state {
        WindowState::Open {
            current: Some(number),
        } => {
            let (cap, num) = split_h(main, 0.2);
            let caption = if s.calling {
                Text::NowCalling
            } else {
                Text::NowServing
            };
            place(
                ui,
                cap,
                Align::Center,
                RichText::new(caption.get(lang))
                    .size(h * 0.045)
                    .color(MUTED),
            );
            let size = call_number_size(h) * 1.15;
            let colour = if s.highlight_on {
                // The new call blinks: the number on a band of the call colour.
                let galley = ui.painter().layout_no_wrap(
                    number.clone(),
                    FontId::proportional(size),
                    Color32::BLACK,
                );
                let band = Rect::from_center_size(
                    num.center(),
                    vec2(galley.size().x + h * 0.12, num.height().min(size * 1.1)),
                );
                ui.painter()
                    .rect_filled(band, CornerRadius::same(16), palette::CALL);
                Color32::BLACK
            } else {
                palette::CALL
            };
            place(
                ui,
                num,
                Align::Center,
                RichText::new(number).size(size).color(colour).strong(),
            );
            if s.staff.is_some() && !s.screen_text.is_empty() {
                place(
                    ui,
                    sub,
                    Align::Center,
                    RichText::new(&s.screen_text).size(h * 0.04).color(MUTED),
                );
            }
        }
        WindowState::Open { current: None } => {
            place(
                ui,
                main,
                Align::Center,
                RichText::new(Text::WindowAwaitingCall.get(lang))
                    .size(h * 0.08)
                    .color(TEXT),
            );
            if !s.screen_text.is_empty() {
                place(
                    ui,
                    sub,
                    Align::Center,
                    RichText::new(&s.screen_text).size(h * 0.04).color(MUTED),
                );
            }
        }
        WindowState::Paused { reason } => {
            place(
                ui,
                main,
                Align::Center,
                RichText::new(Text::WindowPaused.get(lang))
                    .size(h * 0.15)
                    .color(palette::WARN)
                    .strong(),
            );
            if let Some(line) = pause_line(*reason, lang) {
                place(
                    ui,
                    sub,
                    Align::Center,
                    RichText::new(line).size(h * 0.055).color(TEXT),
                );
            }
        }
        WindowState::Closed => {
            place(
                ui,
                main,
                Align::Center,
                RichText::new(Text::WindowClosed.get(lang))
                    .size(h * 0.15)
                    .color(MUTED)
                    .strong(),
            );
        }
        WindowState::Unknown => {
            if model.live().has_snapshot() {
                place(
                    ui,
                    main,
                    Align::Center,
                    RichText::new(Text::ErrUnknownWindow.get(lang))
                        .size(h * 0.05)
                        .color(MUTED),
                );
            }
        }
    }
}

/// The staff photo's frame. Photos are not loaded yet (the server sends a path); the frame shows
/// the name's first character instead, so the card's layout does not change when photos come.
fn photo_frame(ui: &mut Ui, rect: Rect, staff: &qcall_protocol::StaffCard, h: f32) {
    ui.painter().rect(
        rect,
        CornerRadius::same(8),
        Color32::from_rgb(0x24, 0x2E, 0x44),
        Stroke::new(2.0, RULE),
        egui::StrokeKind::Inside,
    );
    let initial: String = staff.name.chars().take(1).collect();
    ui.painter().text(
        rect.center(),
        Align2::CENTER_CENTER,
        initial,
        FontId::proportional(h * 0.1),
        MUTED,
    );
}

/// Badges (党员示范岗, 红旗窗口) as red chips with white text.
fn badge_row(ui: &mut Ui, rect: Rect, badges: &[String], h: f32) {
    let size = h * 0.035;
    let mut x = rect.min.x;
    for badge in badges {
        let galley =
            ui.painter()
                .layout_no_wrap(badge.clone(), FontId::proportional(size), Color32::WHITE);
        let chip = Rect::from_min_size(
            pos2(x, rect.center().y - size * 0.8),
            vec2(galley.size().x + size, size * 1.6),
        );
        if chip.max.x > rect.max.x {
            break;
        }
        ui.painter()
            .rect_filled(chip, CornerRadius::same(6), palette::ACTION);
        place(
            ui,
            chip,
            Align::Center,
            RichText::new(badge).size(size).color(Color32::WHITE),
        );
        x = chip.max.x + size * 0.6;
    }
}

/// The small marks: lost link with the last update time, refused key, no audio.
fn marks(ui: &mut Ui, rect: Rect, model: &Model) {
    let lang = model.lang;
    let mut parts = Vec::new();
    match model.link(model.time_zone()) {
        LinkMark::Live => {}
        LinkMark::Connecting => parts.push(Text::Connecting.get(lang).to_owned()),
        LinkMark::Refused => parts.push(Text::DeviceRefused.get(lang).to_owned()),
        LinkMark::Lost { last_update } => {
            parts.push(Text::Reconnecting.get(lang).to_owned());
            if let Some(time) = last_update {
                parts.push(Text::LastUpdated.fill(lang, &[("time", &time)]));
            }
        }
    }
    parts.extend(model.voice.marks(lang));
    if parts.is_empty() {
        return;
    }
    let dot = if model.link(model.time_zone()) == LinkMark::Live {
        MARK
    } else {
        palette::WARN
    };
    let r = rect.height() * 0.14;
    let centre = pos2(rect.min.x + r, rect.center().y);
    ui.painter().circle_filled(centre, r, dot);
    place(
        ui,
        Rect::from_min_max(pos2(rect.min.x + r * 3.0, rect.min.y), rect.max),
        Align::Min,
        RichText::new(parts.join(" · "))
            .size(rect.height() * 0.55)
            .color(MARK),
    );
}

fn header_line(ui: &mut Ui, header: Rect) {
    ui.painter().hline(
        header.x_range(),
        header.max.y,
        Stroke::new(2.0, palette::ACTION),
    );
}

/// One line of text in `rect`, vertically centred, aligned left, centre or right; cut (never
/// wrapped) if it does not fit, so a long name cannot push the layout around.
fn place(ui: &mut Ui, rect: Rect, align: Align, text: RichText) {
    let layout = match align {
        Align::Min => Layout::left_to_right(Align::Center),
        Align::Center => Layout::centered_and_justified(egui::Direction::TopDown),
        Align::Max => Layout::right_to_left(Align::Center),
    };
    ui.scope_builder(UiBuilder::new().max_rect(rect).layout(layout), |ui| {
        ui.add(
            egui::Label::new(text)
                .selectable(false)
                .sense(Sense::hover())
                .wrap_mode(TextWrapMode::Truncate),
        );
    });
}

/// Splits `rect` into a top part of `fraction` of its height and the rest.
fn split_h(rect: Rect, fraction: f32) -> (Rect, Rect) {
    let y = rect.min.y + rect.height() * fraction;
    (
        Rect::from_min_max(rect.min, pos2(rect.max.x, y)),
        Rect::from_min_max(pos2(rect.min.x, y), rect.max),
    )
}

/// Splits `rect` into a left part of `fraction` of its width and the rest.
fn split_w(rect: Rect, fraction: f32) -> (Rect, Rect) {
    let x = rect.min.x + rect.width() * fraction;
    (
        Rect::from_min_max(rect.min, pos2(x, rect.max.y)),
        Rect::from_min_max(pos2(x, rect.min.y), rect.max),
    )
}

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
    Board, BoardLayout, LinkMark, Model, RECENT_ON_BOARD, Screen, WindowScreen, WindowState,
    pause_line,
};
use crate::pad::PadIntent;
use crate::photo::Photos;
use crate::still::{StillLayer, key_of};

/// The marquee's speed, in screen heights per second (about 86 px/s at 720 lines).
pub const MARQUEE_SPEED: f32 = 0.12;
/// The marquee's frame interval: at most 30 frames per second.
pub const MARQUEE_FRAME: Duration = Duration::from_millis(33);

/// Text on the dark background: near white.
pub(crate) const TEXT: Color32 = Color32::from_gray(245);
/// Secondary text: still well above 7:1 on the background.
pub(crate) const MUTED: Color32 = Color32::from_gray(175);
/// Discreet status marks (R20: "without alarming citizens").
pub(crate) const MARK: Color32 = Color32::from_gray(140);
/// Panels a shade lighter than the background.
pub(crate) const PANEL: Color32 = Color32::from_rgb(0x14, 0x1B, 0x2C);
/// Lines between panels.
pub(crate) const RULE: Color32 = Color32::from_rgb(0x2A, 0x34, 0x4A);
/// The marquee's band.
pub const MARQUEE_BAND: Color32 = Color32::from_rgb(0x7A, 0x0F, 0x14);

/// Where the hall board's marquee is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MarqueePlace {
    /// In the board's own frame: every marquee frame redraws the whole screen (the snapshot
    /// tests, a renderer that cannot place a second window).
    Inline,
    /// In a small window of its own over the board's band ([`Strip`]), so that a marquee frame
    /// redraws the strip only and the board repaints only when it changes. On a PC without a
    /// GPU that is what makes a moving marquee affordable (issue 14).
    #[default]
    OwnWindow,
}

/// The marquee as the board hands it out in [`MarqueePlace::OwnWindow`]: where its band is on
/// the board and what [`strip`] draws there.
#[derive(Debug, Clone, PartialEq)]
pub struct Strip {
    /// The band, in the board's points.
    pub rect: Rect,
    /// The notices, one line.
    pub text: String,
    /// The board's unit of size (its shorter side), which sizes the type and the speed.
    pub unit: f32,
}

/// What one frame of [`view_with`] produced besides the picture.
#[derive(Debug, Default)]
pub struct Shown {
    /// What the citizen touched on a rating pad.
    pub intent: Option<PadIntent>,
    /// The marquee to show in its own window ([`MarqueePlace::OwnWindow`], a board with notices).
    pub strip: Option<Strip>,
}

/// Draws the display's screen for `model` at local time `local_now` (the clock, the highlight),
/// with the marquee inline. The screen is the override or the device's config; before either is
/// known, a calm "连接中". A rating pad returns what the citizen touched.
pub fn view(model: &Model, ui: &mut Ui, local_now: Millis) -> Option<PadIntent> {
    view_with(
        model,
        ui,
        local_now,
        None,
        &Photos::default(),
        MarqueePlace::Inline,
    )
    .intent
}

/// [`view`], drawing the hall board's still part from `still` when it has it (OpenGL only; see
/// [`crate::still`]), staff photos from `photos`, and the marquee at `marquee`: in
/// [`MarqueePlace::OwnWindow`] the board paints the band and hands the strip out, for the caller
/// to show with [`strip`] in a window of its own.
pub fn view_with(
    model: &Model,
    ui: &mut Ui,
    local_now: Millis,
    still: Option<&mut StillLayer>,
    photos: &Photos,
    marquee: MarqueePlace,
) -> Shown {
    let rect = ui.max_rect();
    ui.painter().rect_filled(rect, 0.0, ui.visuals().panel_fill);
    let mut shown = Shown::default();
    match model.screen() {
        Some(Screen::HallBoard) => {
            let strip = board(ui, rect, model, &model.board(local_now), still);
            match (strip, marquee) {
                (Some(s), MarqueePlace::Inline) => self::strip(ui, s.rect, &s),
                (strip, _) => shown.strip = strip,
            }
        }
        Some(Screen::Window(n)) => {
            window_screen(ui, rect, model, &model.window_screen(n, local_now), photos)
        }
        Some(Screen::RatingPad(n)) => {
            shown.intent = crate::pad_view::pad_screen(ui, rect, model, n, local_now, photos);
        }
        None => waiting_for_server(ui, rect, model),
    }
    shown
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

/// The hall board (综合屏, R18). Landscape: the latest call on the left, the recent calls (or
/// the windows) on the right; portrait: one above the other. Every text is fitted to its box,
/// never cut. Draws everything but the marquee's text, and returns the marquee when there are
/// notices.
fn board(
    ui: &mut Ui,
    rect: Rect,
    model: &Model,
    b: &Board,
    mut still: Option<&mut StillLayer>,
) -> Option<Strip> {
    let (w, h) = (rect.width(), rect.height());
    let portrait = h > w;
    // The unit of every size but the called number's: the shorter side.
    let u = w.min(h);
    let lang = model.lang;
    let pad = u * 0.02;
    let band = (!b.notices.is_empty())
        .then(|| Rect::from_min_max(pos2(rect.min.x, rect.max.y - u * 0.075), rect.max));
    let strip = band.map(|rect| Strip {
        rect,
        text: b.notices.join("　　　"),
        unit: u,
    });
    // Everything but the marquee's text, as it decides the picture.
    let key = key_of(&(
        b,
        model.link(model.time_zone()),
        model.voice.marks(lang),
        rect,
        ui.ctx().pixels_per_point(),
    ));
    if let Some(still) = still.as_deref_mut()
        && still.draw(ui, key)
    {
        return strip;
    }

    // Header: hall name and status marks on the left, time and date on the right.
    let header = Rect::from_min_size(rect.min, vec2(w, u * 0.11));
    ui.painter().rect_filled(header, 0.0, PANEL);
    header_line(ui, header);
    let clock_w = if portrait { w * 0.4 } else { w * 0.3 };
    let name_rect = Rect::from_min_max(
        header.min + vec2(pad * 1.5, 0.0),
        pos2(
            header.max.x - clock_w - pad,
            header.min.y + header.height() * 0.72,
        ),
    );
    fit(ui, name_rect, Align::Min, &b.hall_name, u * 0.05, TEXT);
    let marks_rect = Rect::from_min_max(
        pos2(name_rect.min.x, name_rect.max.y - u * 0.01),
        pos2(name_rect.max.x, header.max.y),
    );
    marks(ui, marks_rect, model);
    let clock_rect = Rect::from_min_max(
        pos2(header.max.x - clock_w, header.min.y),
        pos2(header.max.x - pad * 1.5, header.max.y),
    );
    let (time_rect, date_rect) = split_h(clock_rect, 0.62);
    fit(ui, time_rect, Align::Max, &b.time, u * 0.052, TEXT);
    fit(ui, date_rect, Align::Max, &b.date, u * 0.03, MUTED);

    // Footer: the marquee, then above it the waiting counts per service.
    let mut body_bottom = rect.max.y;
    if let Some(band) = band {
        ui.painter().rect_filled(band, 0.0, MARQUEE_BAND);
        body_bottom = band.min.y;
    }
    let per_line = 4;
    let lines = b.waiting.len().div_ceil(per_line).max(1);
    let waiting_rect = Rect::from_min_max(
        pos2(rect.min.x, body_bottom - u * (0.04 + 0.06 * lines as f32)),
        pos2(rect.max.x, body_bottom),
    );
    waiting_bar(ui, waiting_rect, &b.waiting, per_line, lang, u);
    let body = Rect::from_min_max(
        pos2(rect.min.x, header.max.y),
        pos2(rect.max.x, waiting_rect.min.y),
    );

    match b.layout {
        BoardLayout::Calls => {
            let (first, second) = if portrait {
                split_h(body, 0.45)
            } else {
                split_w(body, 0.5)
            };
            latest_call(ui, first.shrink(pad), b, lang, h, u);
            recent_calls(ui, second.shrink(pad), b, lang, h, u);
        }
        BoardLayout::Windows => windows_grid(ui, body.shrink(pad), b, lang, u),
    }
    // The still part is complete: keep its picture; the caller draws what moves.
    if let Some(still) = still {
        still.capture(ui, key);
    }
    strip
}

/// The latest call: "正在叫号", the number as large as the panel allows up to R18's size, then
/// the window just as large ("请到" small above it), then the window's name.
fn latest_call(ui: &mut Ui, rect: Rect, b: &Board, lang: Lang, h: f32, u: f32) {
    let fill = if b.highlight_on { palette::CALL } else { PANEL };
    ui.painter().rect_filled(rect, CornerRadius::same(16), fill);
    let (fg, caption_fg, text_fg) = if b.highlight_on {
        (Color32::BLACK, Color32::from_gray(30), Color32::BLACK)
    } else {
        (palette::CALL, MUTED, TEXT)
    };
    let inner = rect.shrink2(vec2(u * 0.025, 0.0));
    let row = |from: f32, to: f32| {
        Rect::from_min_max(
            pos2(inner.min.x, rect.min.y + rect.height() * from),
            pos2(inner.max.x, rect.min.y + rect.height() * to),
        )
    };
    let caption = row(0.0, 0.12);
    fit(
        ui,
        caption,
        Align::Min,
        Text::NowCalling.get(lang),
        u * 0.04,
        caption_fg,
    );
    let Some(call) = &b.latest else {
        // No call yet today: a calm line rather than an empty panel.
        fit(
            ui,
            rect,
            Align::Center,
            Text::WindowAwaitingCall.get(lang),
            u * 0.06,
            MUTED,
        );
        return;
    };
    if call.recall {
        fit(
            ui,
            caption,
            Align::Max,
            Text::RecallTag.get(lang),
            u * 0.04,
            caption_fg,
        );
    }
    let number = row(0.12, 0.5);
    let please = row(0.5, 0.57);
    let window_row = row(0.57, 0.88);
    let name = row(0.88, 1.0);
    // The size that fills the row (with room for the glyphs' own height), at most R18's.
    let size = |text: &str, area: Rect, glyph: f32| {
        fit_size(
            ui,
            text,
            call_number_size(h).min(area.height() / glyph),
            area.width(),
        )
    };
    let window = Text::WindowNumber.fill(lang, &[("n", &call.window)]);
    let number_size = size(&call.number, number, 0.95);
    // The window is what the citizen acts on: as large as the number (hanzi stand taller than
    // digits at one size, so a little smaller type gives the same height).
    let window_size = size(&window, window_row, 1.1).min(number_size * 0.85);
    fit(ui, number, Align::Center, &call.number, number_size, fg);
    fit(
        ui,
        please,
        Align::Center,
        please_go(lang),
        u * 0.035,
        caption_fg,
    );
    fit(ui, window_row, Align::Center, &window, window_size, text_fg);
    fit(
        ui,
        name,
        Align::Center,
        &call.window_name,
        u * 0.035,
        caption_fg,
    );
}

/// "请到" / "Please go to", over the window in the current call.
fn please_go(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "请到",
        Lang::En => "Please go to",
    }
}

/// "最近叫号": the latest calls as large rows "A001 → 3号窗口", newest first and highlighted; the
/// call being announced named in the caption; 暂无叫号 while there is none.
fn recent_calls(ui: &mut Ui, rect: Rect, b: &Board, lang: Lang, h: f32, u: f32) {
    ui.painter()
        .rect_filled(rect, CornerRadius::same(16), PANEL);
    let inner = rect.shrink2(vec2(u * 0.025, 0.0));
    let (caption, rows) = split_h(inner, 0.12);
    fit(
        ui,
        caption,
        Align::Min,
        Text::RecentCalls.get(lang),
        u * 0.04,
        MUTED,
    );
    if let Some(spoken) = &b.speaking {
        let text = format!("{} {}", Text::Announcing.get(lang), spoken.number);
        let right = Rect::from_min_max(caption.center_top(), caption.max);
        fit(ui, right, Align::Max, &text, u * 0.032, MUTED);
    }
    if b.recent.is_empty() {
        fit(
            ui,
            rows,
            Align::Center,
            Text::NoCallsYet.get(lang),
            u * 0.05,
            MUTED,
        );
        return;
    }
    // As many rows as fit at a sixteenth of the screen height or more, up to RECENT_ON_BOARD.
    let fitting = ((rows.height() / (h / 16.0)).floor() as usize).clamp(1, RECENT_ON_BOARD);
    let row_h = rows.height() / fitting as f32;
    let size = row_h * 0.55;
    for (i, call) in b.recent.iter().take(fitting).enumerate() {
        let top = rows.min.y + row_h * i as f32;
        let row = Rect::from_min_max(pos2(inner.min.x, top), pos2(inner.max.x, top + row_h));
        let newest = i == 0;
        let mut text_colour = TEXT;
        let mut number_colour = class_colour(call.class).map_or(TEXT, |c| c.linear_multiply(1.6));
        if newest {
            let band = row.expand2(vec2(u * 0.012, -row_h * 0.06));
            if b.highlight_on {
                ui.painter()
                    .rect_filled(band, CornerRadius::same(8), palette::CALL);
                (text_colour, number_colour) = (Color32::BLACK, Color32::BLACK);
            } else {
                ui.painter().rect(
                    band,
                    CornerRadius::same(8),
                    palette::CALL.gamma_multiply(0.18),
                    Stroke::new(2.0, palette::CALL),
                    egui::StrokeKind::Inside,
                );
                number_colour = palette::CALL;
            }
        } else if i > 1 {
            ui.painter()
                .hline(row.x_range(), top, Stroke::new(1.0, RULE));
        }
        let (num, win) = split_w(row.shrink2(vec2(u * 0.01, 0.0)), 0.42);
        let window = format!(
            "→ {}",
            Text::WindowNumber.fill(lang, &[("n", &call.window)])
        );
        fit(ui, num, Align::Min, &call.number, size, number_colour);
        fit(ui, win, Align::Max, &window, size, text_colour);
    }
}

/// The per-window layout: one cell per open window, its number and its current ticket; a new
/// call's cell blinks.
fn windows_grid(ui: &mut Ui, rect: Rect, b: &Board, lang: Lang, u: f32) {
    let n = b.windows.len();
    if n == 0 {
        ui.painter()
            .rect_filled(rect, CornerRadius::same(16), PANEL);
        fit(
            ui,
            rect,
            Align::Center,
            Text::NoCallsYet.get(lang),
            u * 0.05,
            MUTED,
        );
        return;
    }
    // The column count that gives the largest cells of a 2:1 shape.
    let cols = (1..=n)
        .max_by(|&a, &c| {
            let score = |cols: usize| {
                let rows = n.div_ceil(cols) as f32;
                (rect.width() / cols as f32 / 2.0).min(rect.height() / rows)
            };
            score(a).total_cmp(&score(c))
        })
        .unwrap_or(1);
    let rows = n.div_ceil(cols);
    let gap = u * 0.015;
    let cell_w = (rect.width() - gap * (cols as f32 - 1.0)) / cols as f32;
    let cell_h = (rect.height() - gap * (rows as f32 - 1.0)) / rows as f32;
    for (i, cell) in b.windows.iter().enumerate() {
        let (r, c) = (i / cols, i % cols);
        let area = Rect::from_min_size(
            pos2(
                rect.min.x + c as f32 * (cell_w + gap),
                rect.min.y + r as f32 * (cell_h + gap),
            ),
            vec2(cell_w, cell_h),
        );
        let (fill, label, number) = if cell.highlight_on {
            (palette::CALL, Color32::from_gray(30), Color32::BLACK)
        } else {
            (PANEL, MUTED, palette::CALL)
        };
        ui.painter().rect_filled(area, CornerRadius::same(12), fill);
        let inner = area.shrink2(vec2(cell_w * 0.06, 0.0));
        let (top, bottom) = split_h(inner, 0.34);
        let title = Text::WindowNumber.fill(lang, &[("n", &cell.number)]);
        fit(ui, top, Align::Center, &title, top.height() * 0.6, label);
        let (text, colour, scale) = match (&cell.current, cell.paused) {
            (_, true) => (Text::WindowPaused.get(lang).to_owned(), palette::WARN, 0.45),
            (Some(current), false) => (current.clone(), number, 0.8),
            (None, false) => ("—".to_owned(), label, 0.5),
        };
        fit(
            ui,
            bottom,
            Align::Center,
            &text,
            bottom.height() * scale,
            colour,
        );
    }
}

/// "等候人数": one cell per service, named as on the ticket, `per_line` cells a line.
fn waiting_bar(
    ui: &mut Ui,
    rect: Rect,
    services: &[(String, u32)],
    per_line: usize,
    lang: Lang,
    u: f32,
) {
    ui.painter().rect_filled(rect, 0.0, PANEL);
    ui.painter()
        .hline(rect.x_range(), rect.min.y, Stroke::new(1.0, RULE));
    let inner = rect.shrink2(vec2(u * 0.03, u * 0.02));
    let label_w = (inner.width() * 0.12).max(u * 0.15);
    let label = Rect::from_min_size(inner.min, vec2(label_w, inner.height()));
    fit(
        ui,
        label,
        Align::Min,
        Text::WaitingByGroup.get(lang),
        u * 0.035,
        MUTED,
    );
    if services.is_empty() {
        return;
    }
    let cells = Rect::from_min_max(pos2(label.max.x, inner.min.y), inner.max);
    let lines = services.len().div_ceil(per_line);
    let cell_w = cells.width() / per_line.min(services.len()) as f32;
    let cell_h = cells.height() / lines as f32;
    let texts: Vec<String> = services
        .iter()
        .map(|(name, waiting)| {
            format!(
                "{name}  {}",
                Text::WaitingCount.fill(lang, &[("n", waiting)])
            )
        })
        .collect();
    // One size for every cell, the largest at which the longest fits.
    let size = texts
        .iter()
        .fold((cell_h * 0.62).min(u * 0.036), |size, text| {
            fit_size(ui, text, size, cell_w - u * 0.02)
        });
    for (i, text) in texts.iter().enumerate() {
        let cell = Rect::from_min_size(
            pos2(
                cells.min.x + cell_w * (i % per_line) as f32,
                cells.min.y + cell_h * (i / per_line) as f32,
            ),
            vec2(cell_w, cell_h),
        );
        fit(
            ui,
            cell.shrink2(vec2(u * 0.01, 0.0)),
            Align::Center,
            text,
            size,
            TEXT,
        );
    }
}

/// The marquee in `rect` (its band on the board, or the whole of its own window): the band and
/// the notices, scrolling right to left at [`MARQUEE_SPEED`] when they do not fit, at most 30
/// frames per second; still when they fit (no repaint at all). The repaint it asks for is the
/// current viewport's only: in its own window, the board is not redrawn.
pub fn strip(ui: &mut Ui, rect: Rect, strip: &Strip) {
    ui.painter().rect_filled(rect, 0.0, MARQUEE_BAND);
    marquee_text(ui, rect, &strip.text, strip.unit);
}

/// The notices in `band`; `h` is the board's unit of size.
fn marquee_text(ui: &mut Ui, band: Rect, text: &str, h: f32) {
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
fn window_screen(ui: &mut Ui, rect: Rect, model: &Model, s: &WindowScreen, photos: &Photos) {
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
    fit(
        ui,
        title,
        Align::Min,
        &format!("{number}  {}", s.name),
        h * 0.085,
        TEXT,
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
    // What the window handles, labelled as such, apart from the ticket (which has one service).
    let services = (!s.screen_text.is_empty())
        .then(|| Text::WindowServices.fill(lang, &[("services", &s.screen_text)]));
    if let Some(staff) = &s.staff {
        staff_card(ui, card, staff, photos, h, lang, services.as_deref());
    } else if let Some(services) = &services {
        fit(
            ui,
            card.shrink(pad),
            Align::Center,
            services,
            h * 0.045,
            MUTED,
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
            let size = fit_size(
                ui,
                number,
                (call_number_size(h) * 1.15).min(num.height() / 0.95),
                num.width() - h * 0.14,
            );
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
            fit(ui, num, Align::Center, number, size, colour);
            // The sentence the citizen looks for, while they are being called.
            if s.calling {
                let sentence = Text::ComeToThisWindow.fill(lang, &[("number", number)]);
                fit(ui, sub, Align::Center, &sentence, h * 0.07, TEXT);
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

/// The staff card (亮身份) in `card`: photo (or initial), name, 工号 and badges, with what the window
/// handles on the right when given. `h` is the unit of its type sizes.
pub(crate) fn staff_card(
    ui: &mut Ui,
    card: Rect,
    staff: &qcall_protocol::StaffCard,
    photos: &Photos,
    h: f32,
    lang: Lang,
    services: Option<&str>,
) {
    let pad = h * 0.025;
    ui.painter().rect_filled(card, 0.0, PANEL);
    ui.painter()
        .hline(card.x_range(), card.min.y, Stroke::new(1.0, RULE));
    let inner = card.shrink(pad);
    let photo = Rect::from_min_size(inner.min, vec2(inner.height() * 0.75, inner.height()));
    photo_frame(ui, photo, staff, photos, h);
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
    if let Some(services) = services {
        let right = Rect::from_min_max(
            pos2(inner.center().x, inner.min.y),
            pos2(inner.max.x, inner.min.y + inner.height() * 0.42),
        );
        fit(ui, right, Align::Max, services, h * 0.04, MUTED);
    }
}

/// The staff photo's frame: the photo, cropped to the frame's shape (never stretched), once it
/// is loaded; otherwise (none configured, loading, failed) the name's first character.
fn photo_frame(
    ui: &mut Ui,
    rect: Rect,
    staff: &qcall_protocol::StaffCard,
    photos: &Photos,
    h: f32,
) {
    if let Some(texture) = staff.photo.as_deref().and_then(|url| photos.texture(url)) {
        let [w, hh] = texture.size().map(|n| n as f32);
        // Cover: the part of the photo with the frame's aspect, centred.
        let (frame, photo) = (rect.width() / rect.height(), w / hh);
        let uv = if photo > frame {
            let keep = frame / photo;
            Rect::from_min_max(pos2((1.0 - keep) / 2.0, 0.0), pos2((1.0 + keep) / 2.0, 1.0))
        } else {
            let keep = photo / frame;
            Rect::from_min_max(pos2(0.0, (1.0 - keep) / 2.0), pos2(1.0, (1.0 + keep) / 2.0))
        };
        ui.painter().image(texture.id(), rect, uv, Color32::WHITE);
        ui.painter().rect_stroke(
            rect,
            CornerRadius::same(8),
            Stroke::new(2.0, RULE),
            egui::StrokeKind::Inside,
        );
        return;
    }
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
pub(crate) fn marks(ui: &mut Ui, rect: Rect, model: &Model) {
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

pub(crate) fn header_line(ui: &mut Ui, header: Rect) {
    ui.painter().hline(
        header.x_range(),
        header.max.y,
        Stroke::new(2.0, palette::ACTION),
    );
}

/// One line of text in `rect`, vertically centred, aligned left, centre or right; cut (never
/// wrapped) if it does not fit, so a long name cannot push the layout around.
pub(crate) fn place(ui: &mut Ui, rect: Rect, align: Align, text: RichText) {
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

/// The largest size up to `wanted` at which `text` fits `max_width` on one line.
pub(crate) fn fit_size(ui: &Ui, text: &str, wanted: f32, max_width: f32) -> f32 {
    let width = ui
        .painter()
        .layout_no_wrap(text.to_owned(), FontId::proportional(wanted), TEXT)
        .size()
        .x;
    if width <= max_width || width <= 0.0 {
        wanted
    } else {
        (wanted * max_width / width * 0.98).max(1.0)
    }
}

/// One line of `text` in `rect` like [`place`], at `size` or smaller so that it fits the width:
/// fitted, never cut.
pub(crate) fn fit(ui: &mut Ui, rect: Rect, align: Align, text: &str, size: f32, colour: Color32) {
    let size = fit_size(ui, text, size, rect.width());
    // A line taller than its box (large type in a tight row) stays centred on the box.
    let line = ui
        .ctx()
        .fonts_mut(|f| f.row_height(&FontId::proportional(size)));
    // Kept on the screen: a line at the top edge grows downwards only.
    let rect = Rect::from_center_size(rect.center(), vec2(rect.width(), rect.height().max(line)))
        .intersect(ui.max_rect());
    place(
        ui,
        rect,
        align,
        RichText::new(text).size(size).color(colour),
    );
}

/// Splits `rect` into a top part of `fraction` of its height and the rest.
pub(crate) fn split_h(rect: Rect, fraction: f32) -> (Rect, Rect) {
    let y = rect.min.y + rect.height() * fraction;
    (
        Rect::from_min_max(rect.min, pos2(rect.max.x, y)),
        Rect::from_min_max(pos2(rect.min.x, y), rect.max),
    )
}

/// Splits `rect` into a left part of `fraction` of its width and the rest.
pub(crate) fn split_w(rect: Rect, fraction: f32) -> (Rect, Rect) {
    let x = rect.min.x + rect.width() * fraction;
    (
        Rect::from_min_max(rect.min, pos2(x, rect.max.y)),
        Rect::from_min_max(pos2(x, rect.min.y), rect.max),
    )
}

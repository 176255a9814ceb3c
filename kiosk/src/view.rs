//! The kiosk's screens: [`view`] draws the [`Model`] and returns what the citizen asked for. It
//! never changes the model and never does I/O; text sizes follow the model's scale (elder mode).

use std::sync::Arc;

use egui::text::LayoutJob;
use egui::{
    Align, Color32, CornerRadius, FontId, Galley, Layout, Painter, Rect, Response, RichText, Sense,
    Stroke, StrokeKind, Ui, Vec2, WidgetInfo,
};
use qcall_client::connection::{ConnectionState, LinkError};
use qcall_client::i18n::{self, Lang, Text};
use qcall_client::ui::{TOUCH_TARGET, TextSize, palette};
use qcall_protocol::TicketClass;

use crate::model::{
    CODE_CHARS, CheckInField, CheckInForm, Field, Intent, IssuedTicket, Key, Model, PrintStatus,
    Screen, Tile, TileKind,
};
use crate::print::{ahead_words, where_line};

/// Tile background when the tile can issue.
const TILE: Color32 = Color32::from_rgb(0x0B, 0x4F, 0x9C);
/// Tile background when it cannot: light, so that the dark name and the red reason read well.
const TILE_OFF: Color32 = Color32::from_gray(228);
/// Text on [`TILE_OFF`].
const TILE_OFF_TEXT: Color32 = Color32::from_gray(40);
/// Why a tile cannot issue, on [`TILE_OFF`]: a dark red that keeps 7:1 contrast.
const REFUSAL_TEXT: Color32 = Color32::from_rgb(0x8E, 0x0E, 0x0E);
/// The 长者模式 toggle while off: the one warm colour on the home screen, so it is found.
const ELDER_OFF: Color32 = Color32::from_rgb(0xFF, 0xC8, 0x2E);
/// The 长者模式 toggle while on.
const ELDER_ON: Color32 = Color32::from_rgb(0x1B, 0x8A, 0x3C);
/// The hall name never shrinks below this share of its size (it wraps onto two lines first).
const TITLE_MIN_SHARE: f32 = 0.6;

/// Draws the whole kiosk and returns the citizen's intent, if any.
pub fn view(model: &Model, ui: &mut Ui) -> Option<Intent> {
    let mut intent = None;
    let lang = model.lang;
    let scale = model.scale();
    egui::Panel::top("kiosk-top").show(ui, |ui| {
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            // The switch first (right-aligned), then the hall's name in the room left: smaller and
            // on two lines if it must, never cut.
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                if ui.button(Text::OtherLanguage.get(lang)).clicked() {
                    intent = Some(Intent::ToggleLang);
                }
                let hall = model.live.hall().map_or(String::new(), |h| match lang {
                    Lang::En if !h.name_en.is_empty() => h.name_en.clone(),
                    _ => h.name_zh.clone(),
                });
                ui.with_layout(Layout::left_to_right(Align::Center), |ui| {
                    let galley = hall_name_galley(
                        ui.painter(),
                        &hall,
                        ui.available_width(),
                        scale,
                        ui.visuals().text_color(),
                    );
                    ui.add(egui::Label::new(galley));
                });
            });
        });
        if model.issuing_paused() {
            banner(ui, palette::WARN, |ui| {
                ui.label(
                    RichText::new(Text::IssuingPaused.get(lang))
                        .size(TextSize::Title.points(scale))
                        .strong()
                        .color(Color32::BLACK),
                );
                // Calm words; only what an admin must fix (a refused device key, a certificate
                // the kiosk does not trust) says more.
                let hint = match model.connection() {
                    ConnectionState::Refused { .. }
                    | ConnectionState::Reconnecting {
                        last_error: LinkError::Tls(_),
                        ..
                    } => {
                        i18n::connection_text(model.connection()).unwrap_or(Text::IssuingPausedHint)
                    }
                    _ => Text::IssuingPausedHint,
                };
                ui.label(RichText::new(hint.get(lang)).color(Color32::BLACK));
            });
        }
        if model.helper.is_some() {
            banner(ui, palette::PRIORITY, |ui| {
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new(Text::HelperActive.get(lang))
                            .size(TextSize::Heading.points(scale))
                            .color(Color32::WHITE),
                    );
                    if ui.button(Text::HelperExit.get(lang)).clicked() {
                        intent = Some(Intent::Helper);
                    }
                });
            });
        }
        ui.add_space(4.0);
    });
    if matches!(
        model.screen,
        Screen::Home { .. } | Screen::Service(_) | Screen::CheckIn(_)
    ) {
        // Not resizable: a resizable panel keeps the tallest height it ever had, and the home
        // screen's footer is taller than the service page's.
        egui::Panel::bottom("kiosk-footer")
            .resizable(false)
            .show(ui, |ui| {
                ui.add_space(8.0);
                if let Some(inner) = footer(model, ui) {
                    intent = Some(inner);
                }
                ui.add_space(8.0);
            });
    }
    if matches!(model.screen, Screen::Service(_)) {
        // Declared after the footer, so it sits just above it.
        egui::Panel::bottom("kiosk-take")
            .resizable(false)
            .show_separator_line(false)
            .show(ui, |ui| {
                if let Some(inner) = take_area(model, ui) {
                    intent = Some(inner);
                }
            });
    }
    egui::CentralPanel::default().show(ui, |ui| {
        let inner = match &model.screen {
            Screen::Home { group, .. } => home(model, group.is_some(), ui),
            Screen::Service(_) => {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| service(model, ui))
                    .inner
            }
            Screen::Helper {
                staff_no,
                pin,
                active,
            } => helper(model, staff_no, pin, *active, ui),
            Screen::Ticket(ticket) => ticket_screen(model, ticket, ui),
            Screen::CheckIn(form) => {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| check_in(model, form, ui))
                    .inner
            }
        };
        if inner.is_some() {
            intent = inner;
        }
    });
    intent
}

/// The hall's name laid out to fit `width`: at the title size on one or two lines, else smaller,
/// down to [`TITLE_MIN_SHARE`] of it, and only then cut after two lines.
pub fn hall_name_galley(
    painter: &Painter,
    name: &str,
    width: f32,
    scale: f32,
    colour: Color32,
) -> Arc<Galley> {
    let largest = TextSize::Heading.points(scale);
    let mut size = largest;
    loop {
        let mut job = LayoutJob::simple(
            name.to_string(),
            FontId::proportional(size),
            colour,
            width.max(1.0),
        );
        job.wrap.max_rows = 2;
        let galley = painter.layout_job(job);
        if !galley.elided || size <= largest * TITLE_MIN_SHARE {
            return galley;
        }
        size = (size * 0.92).max(largest * TITLE_MIN_SHARE);
    }
}

fn banner(ui: &mut Ui, fill: Color32, add: impl FnOnce(&mut Ui)) {
    egui::Frame::new()
        .fill(fill)
        .inner_margin(12.0)
        .corner_radius(CornerRadius::same(8))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.vertical_centered(add);
        });
}

fn big_button(ui: &mut Ui, text: &str, scale: f32, enabled: bool) -> bool {
    let button = egui::Button::new(RichText::new(text).size(TextSize::Heading.points(scale)))
        .min_size(Vec2::new(240.0 * scale, TOUCH_TARGET * 1.4 * scale));
    ui.add_enabled(enabled, button).clicked()
}

/// Lines of text centred in `rect`, each wrapped to its width (every row centred), top to bottom;
/// all shrunk together when they would not fit its height (a long name in English or elder mode).
fn paint_lines(painter: &Painter, rect: Rect, lines: Vec<(String, FontId, Color32)>) {
    let gap = 6.0;
    let galleys = fit_lines(painter, rect.size(), gap, lines);
    let total: f32 = galleys.iter().map(|g| g.size().y).sum::<f32>()
        + gap * galleys.len().saturating_sub(1) as f32;
    let mut y = rect.center().y - total / 2.0;
    for galley in galleys {
        let height = galley.size().y;
        // A centred job is laid out around x = 0.
        painter.galley(egui::pos2(rect.center().x, y), galley, Color32::PLACEHOLDER);
        y += height + gap;
    }
}

/// The lines laid out to fit `size` (less a margin): at their own sizes when they fit, else every
/// font scaled down by the same factor (never below half) until they do.
fn fit_lines(
    painter: &Painter,
    size: Vec2,
    gap: f32,
    lines: Vec<(String, FontId, Color32)>,
) -> Vec<Arc<Galley>> {
    let lines: Vec<_> = lines.into_iter().filter(|(t, ..)| !t.is_empty()).collect();
    let room = size.y - 16.0;
    let mut factor = 1.0_f32;
    loop {
        let galleys: Vec<Arc<Galley>> = lines
            .iter()
            .map(|(text, font, colour)| {
                let font = FontId::new(font.size * factor, font.family.clone());
                let mut job = LayoutJob::simple(text.clone(), font, *colour, size.x - 24.0);
                job.halign = Align::Center;
                painter.layout_job(job)
            })
            .collect();
        let total: f32 = galleys.iter().map(|g| g.size().y).sum::<f32>()
            + gap * galleys.len().saturating_sub(1) as f32;
        if total <= room || factor <= 0.5 {
            return galleys;
        }
        factor = (factor * 0.92).max(0.5);
    }
}

/// A sentence broken after its clauses (，；？ and ": "), so that a tile or a box breaks it where
/// a reader pauses rather than wherever the width ends.
fn clauses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        let ascii_break = matches!(c, ':' | '?') && chars.peek() == Some(&' ');
        if matches!(c, '，' | '；' | '？') || ascii_break {
            if ascii_break {
                chars.next();
            }
            out.push(std::mem::take(&mut current).trim().to_string());
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

fn home(model: &Model, in_group: bool, ui: &mut Ui) -> Option<Intent> {
    let lang = model.lang;
    let scale = model.scale();
    let mut intent = None;
    let heading = if in_group || model.flat() {
        Text::ChooseService
    } else {
        Text::ChooseGroup
    };
    ui.vertical_centered(|ui| {
        ui.label(RichText::new(heading.get(lang)).size(TextSize::Heading.points(scale)));
    });
    ui.add_space(8.0);
    let (tiles, _) = model.page_tiles();
    let area = Vec2::new(ui.available_width(), ui.available_height().max(200.0));
    let columns = 2;
    let rows = model.tiles_per_page().div_ceil(columns);
    let gap = 16.0;
    let tile_size = Vec2::new(
        (area.x - gap * (columns as f32 - 1.0)) / columns as f32,
        ((area.y - gap * (rows as f32 - 1.0)) / rows as f32).min(320.0 * scale),
    );
    let paused = model.issuing_paused();
    egui::Grid::new("tiles")
        .spacing(Vec2::splat(gap))
        .show(ui, |ui| {
            for (i, tile) in tiles.iter().enumerate() {
                if draw_tile(ui, model, tile, tile_size, paused) {
                    intent = Some(match tile.kind {
                        TileKind::Service => Intent::OpenService(tile.id.clone()),
                        TileKind::Group => Intent::OpenGroup(tile.id.clone()),
                    });
                }
                if i % columns == columns - 1 {
                    ui.end_row();
                }
            }
        });
    intent
}

/// The bottom of the home screen (back, pages; the 长者模式 toggle and the line for 爱心优先) and of
/// the service page (back, home).
fn footer(model: &Model, ui: &mut Ui) -> Option<Intent> {
    let lang = model.lang;
    let scale = model.scale();
    let mut intent = None;
    match &model.screen {
        Screen::Home { group, page } => {
            let (_, pages) = model.page_tiles();
            let page = (*page).min(pages - 1);
            if group.is_some() || pages > 1 {
                ui.horizontal(|ui| {
                    // As wide as the row allows, however large the text (elder mode).
                    let buttons = usize::from(group.is_some()) + if pages > 1 { 2 } else { 0 };
                    let gap = ui.spacing().item_spacing.x;
                    let room = ui.available_width() - 80.0 * scale - gap * buttons as f32;
                    let width = (room / buttons as f32).min(240.0 * scale);
                    let nav = |ui: &mut Ui, text: Text, enabled: bool| {
                        let button = egui::Button::new(
                            RichText::new(text.get(lang)).size(TextSize::Heading.points(scale)),
                        )
                        .min_size(Vec2::new(width, TOUCH_TARGET * 1.4 * scale));
                        ui.add_enabled(enabled, button).clicked()
                    };
                    if group.is_some() && nav(ui, Text::Back, true) {
                        intent = Some(Intent::Back);
                    }
                    if pages > 1 {
                        if nav(ui, Text::PrevPage, page > 0) {
                            intent = Some(Intent::PrevPage);
                        }
                        ui.label(format!("{}/{}", page + 1, pages));
                        if nav(ui, Text::NextPage, page + 1 < pages) {
                            intent = Some(Intent::NextPage);
                        }
                    }
                });
                ui.add_space(8.0);
            }
            // 预约签到 only in a hall where some service takes bookings (R26).
            if group.is_none() && model.offers_check_in() && check_in_tile(ui, model) {
                intent = Some(Intent::OpenCheckIn);
            }
            ui.horizontal(|ui| {
                let gap = ui.spacing().item_spacing.x;
                let width = ui.available_width();
                let height = 88.0 * (1.0 + (scale - 1.0) * 0.5);
                if elder_toggle(ui, model, Vec2::new(width * 0.55, height)).clicked() {
                    intent = Some(Intent::ToggleElder);
                }
                // For staff, worded for the citizen who reads it: the PIN entry is behind it.
                if model.helper.is_none() {
                    let size = Vec2::new(width * 0.45 - gap, height);
                    let (rect, response) = ui.allocate_exact_size(size, Sense::click());
                    let text = Text::PriorityAskStaff.get(lang);
                    response.widget_info(|| WidgetInfo::labeled(egui::Role::Button, true, text));
                    let painter = ui.painter_at(rect);
                    painter.rect(
                        rect,
                        CornerRadius::same(12),
                        Color32::WHITE,
                        Stroke::new(2.0, palette::PRIORITY),
                        StrokeKind::Inside,
                    );
                    let font = TextSize::Body.font(1.0 + (scale - 1.0) * 0.5);
                    let lines = clauses(text)
                        .into_iter()
                        .map(|line| (line, font.clone(), palette::PRIORITY))
                        .collect();
                    paint_lines(&painter, rect, lines);
                    if response.clicked() {
                        intent = Some(Intent::Helper);
                    }
                }
            });
        }
        Screen::Service(_) => {
            ui.horizontal(|ui| {
                if big_button(ui, Text::Back.get(lang), scale, model.pending.is_none()) {
                    intent = Some(Intent::Back);
                }
                if big_button(ui, Text::Home.get(lang), scale, model.pending.is_none()) {
                    intent = Some(Intent::Home);
                }
            });
        }
        Screen::CheckIn(form) => {
            ui.horizontal(|ui| {
                if big_button(ui, Text::Home.get(lang), scale, !form.in_flight) {
                    intent = Some(Intent::Home);
                }
            });
        }
        Screen::Helper { .. } | Screen::Ticket(_) => {}
    }
    intent
}

/// 预约签到 on the home screen: one wide tile above the footer's switches (R26).
fn check_in_tile(ui: &mut Ui, model: &Model) -> bool {
    let lang = model.lang;
    let grow = 1.0 + (model.scale() - 1.0) * 0.5;
    let size = Vec2::new(ui.available_width(), 96.0 * grow);
    let (rect, response) = ui.allocate_exact_size(size, Sense::click());
    let title = Text::CheckInTile.get(lang);
    response.widget_info(|| WidgetInfo::labeled(egui::Role::Button, true, title));
    let painter = ui.painter_at(rect);
    painter.rect(
        rect,
        CornerRadius::same(12),
        Color32::WHITE,
        Stroke::new(3.0, TILE),
        StrokeKind::Inside,
    );
    paint_lines(
        &painter,
        rect,
        vec![
            (title.to_string(), TextSize::Heading.font(grow), TILE),
            (
                Text::CheckInTileHint.get(lang).to_string(),
                TextSize::Body.font(grow),
                TILE,
            ),
        ],
    );
    ui.add_space(8.0);
    response.clicked()
}

/// The check-in page: the code (typed on its own keypad, or scanned), or the phone and the id's
/// last 4; the reason of a refusal; 签到取号.
fn check_in(model: &Model, form: &CheckInForm, ui: &mut Ui) -> Option<Intent> {
    let lang = model.lang;
    let scale = model.scale();
    let mut intent = None;
    ui.vertical_centered(|ui| {
        ui.label(RichText::new(Text::CheckInTitle.get(lang)).size(TextSize::Title.points(scale)));
    });
    ui.add_space(8.0);
    say(
        ui,
        Text::CheckInHint.get(lang),
        TextSize::Body,
        scale,
        Color32::BLACK,
    );
    ui.add_space(8.0);
    let fields = [
        (CheckInField::Code, Text::BookingCode, &form.code),
        (CheckInField::Phone, Text::BookingPhone, &form.phone),
        (CheckInField::IdLast4, Text::IdLast4, &form.id_last4),
    ];
    for (which, label, value) in fields {
        match field(
            ui,
            label.get(lang),
            value,
            false,
            form.active == which,
            scale,
        ) {
            FieldEvent::Changed(text) => intent = Some(Intent::SetCheckInText(which, text)),
            FieldEvent::Touched => intent = Some(Intent::FocusCheckIn(which)),
            FieldEvent::None => {}
        }
    }
    let key = match form.active.keypad() {
        Some(f) => keypad(ui, f, lang, scale),
        None => code_keypad(ui, lang, scale),
    };
    if let Some(key) = key {
        intent = Some(Intent::Key(key));
    }
    ui.add_space(8.0);
    if let Some(error) = &form.error {
        say(ui, error, TextSize::Heading, scale, REFUSAL_TEXT);
        ui.add_space(8.0);
    }
    ui.vertical_centered(|ui| {
        if big_button(ui, Text::CheckInButton.get(lang), scale, !form.in_flight) {
            intent = Some(Intent::CheckIn);
        }
    });
    intent
}

/// The booking code's keypad: only the code's characters (no look-alikes), 删除 and 清空.
fn code_keypad(ui: &mut Ui, lang: Lang, scale: f32) -> Option<Key> {
    let mut pressed = None;
    let grow = 1.0 + (scale - 1.0) * 0.4;
    let key = Vec2::new(80.0 * grow, TOUCH_TARGET * grow);
    let gap = 8.0;
    let columns = 7;
    ui.add_space(8.0);
    let chars: Vec<char> = CODE_CHARS.chars().collect();
    let rows = (chars.len() + 2).div_ceil(columns);
    let size = Vec2::new(
        key.x * columns as f32 + gap * (columns as f32 - 1.0),
        key.y * rows as f32 + gap * (rows as f32 - 1.0),
    );
    let (area, _) = ui.allocate_exact_size(Vec2::new(ui.available_width(), size.y), Sense::hover());
    let origin = egui::pos2(area.center().x - size.x / 2.0, area.top());
    let cell = |i: usize| {
        Rect::from_min_size(
            origin
                + Vec2::new(
                    (i % columns) as f32 * (key.x + gap),
                    (i / columns) as f32 * (key.y + gap),
                ),
            key,
        )
    };
    let mut keys: Vec<(Rect, String, Key)> = chars
        .iter()
        .enumerate()
        .map(|(i, c)| (cell(i), c.to_string(), Key::Char(*c)))
        .collect();
    keys.push((
        cell(chars.len()),
        Text::KeyDelete.get(lang).into(),
        Key::Delete,
    ));
    keys.push((
        cell(chars.len() + 1),
        Text::KeyClear.get(lang).into(),
        Key::Clear,
    ));
    ui.scope(|ui| {
        ui.spacing_mut().button_padding = Vec2::splat(4.0);
        ui.spacing_mut().interact_size = Vec2::splat(TOUCH_TARGET);
        for (rect, label, key) in keys {
            let button =
                egui::Button::new(RichText::new(label).size(TextSize::Heading.points(grow)));
            if ui.put(rect, button).clicked() {
                pressed = Some(key);
            }
        }
    });
    pressed
}

/// 长者模式 as a large switch: a knob that moves, the name, and what it does.
fn elder_toggle(ui: &mut Ui, model: &Model, size: Vec2) -> Response {
    let lang = model.lang;
    let on = model.elder;
    let (rect, response) = ui.allocate_exact_size(size, Sense::click());
    let label = Text::ElderMode.get(lang);
    response.widget_info(|| WidgetInfo::selected(egui::Role::CheckBox, true, on, label));
    let (fill, text) = if on {
        (ELDER_ON, Color32::WHITE)
    } else {
        (ELDER_OFF, Color32::BLACK)
    };
    let painter = ui.painter_at(rect);
    painter.rect(
        rect,
        CornerRadius::same(12),
        fill,
        Stroke::NONE,
        StrokeKind::Inside,
    );
    // The switch: a track with a knob, right when on.
    let track = Rect::from_center_size(
        egui::pos2(rect.left() + 16.0 + 36.0, rect.center().y),
        Vec2::new(72.0, 40.0),
    );
    painter.rect_filled(
        track,
        CornerRadius::same(20),
        if on {
            Color32::from_rgb(0x0E, 0x5C, 0x27)
        } else {
            Color32::from_gray(120)
        },
    );
    let knob_x = if on {
        track.right() - 20.0
    } else {
        track.left() + 20.0
    };
    painter.circle_filled(egui::pos2(knob_x, track.center().y), 16.0, Color32::WHITE);
    let hint = if on {
        Text::ElderModeOnHint
    } else {
        Text::ElderModeHint
    };
    let words = Rect::from_min_max(egui::pos2(track.right() + 4.0, rect.top()), rect.max);
    paint_lines(
        &painter,
        words,
        vec![
            (label.to_string(), TextSize::Heading.font(1.0), text),
            (hint.get(lang).to_string(), TextSize::Small.font(1.0), text),
        ],
    );
    response
}

/// One touch tile; returns whether it was touched. A group names its first services; a service that
/// cannot issue is greyed and says why and what to do next (its page still opens, for its
/// materials). While issuing is paused no tile reacts.
fn draw_tile(ui: &mut Ui, model: &Model, tile: &Tile, size: Vec2, paused: bool) -> bool {
    let lang = model.lang;
    let scale = model.scale();
    let sense = if paused {
        Sense::hover()
    } else {
        Sense::click()
    };
    let (rect, response) = ui.allocate_exact_size(size, sense);
    response.widget_info(|| WidgetInfo::labeled(egui::Role::Button, !paused, &tile.name));
    let off = tile.refusal.is_some() || paused;
    let (fill, text) = if off {
        (TILE_OFF, TILE_OFF_TEXT)
    } else {
        (TILE, Color32::WHITE)
    };
    let fill = if response.is_pointer_button_down_on() {
        palette::CALL
    } else {
        fill
    };
    let painter = ui.painter_at(rect);
    painter.rect(
        rect,
        CornerRadius::same(14),
        fill,
        Stroke::NONE,
        StrokeKind::Inside,
    );
    let name_font = TextSize::Title.font(scale);
    let detail_font = TextSize::Body.font(scale);
    let mut lines = vec![(tile.name.clone(), name_font, text)];
    match (tile.kind, tile.refusal) {
        (TileKind::Group, _) => {
            let mut names = tile.services.join(" · ");
            if tile.more {
                names.push_str(" …");
            }
            lines.push((names, detail_font.clone(), text));
            lines.push((
                Text::WaitingCount.fill(lang, &[("n", &tile.waiting)]),
                TextSize::Small.font(scale),
                text,
            ));
        }
        (TileKind::Service, Some(refusal)) => {
            // Why, and what next, instead of a waiting count that no longer matters.
            for clause in clauses(&model.refusal_sentence(refusal)) {
                lines.push((clause, TextSize::Body.font(scale), REFUSAL_TEXT));
            }
        }
        (TileKind::Service, None) => {
            lines.push((
                Text::WaitingCount.fill(lang, &[("n", &tile.waiting)]),
                detail_font.clone(),
                text,
            ));
            lines.push((
                match tile.estimate {
                    Some(n) => Text::EstimatedWait.fill(lang, &[("n", &n)]),
                    None => Text::EstimatedWaitUnknown.get(lang).to_string(),
                },
                detail_font,
                text,
            ));
        }
    }
    paint_lines(&painter, rect, lines);
    if let Some(refusal) = tile.refusal {
        // A badge in the corner, readable at a glance: white on red.
        let badge = painter.layout_no_wrap(
            refusal.text().get(lang).to_string(),
            TextSize::Body.font(scale),
            Color32::WHITE,
        );
        let badge_rect = Rect::from_min_size(
            rect.right_top() + Vec2::new(-badge.size().x - 28.0, 10.0),
            badge.size() + Vec2::new(16.0, 6.0),
        );
        painter.rect_filled(badge_rect, CornerRadius::same(8), palette::ERROR);
        painter.galley(
            badge_rect.min + Vec2::new(8.0, 3.0),
            badge,
            Color32::PLACEHOLDER,
        );
    }
    response.clicked()
}

fn service(model: &Model, ui: &mut Ui) -> Option<Intent> {
    let Screen::Service(form) = &model.screen else {
        return None;
    };
    let lang = model.lang;
    let scale = model.scale();
    let Some(service) = model.live.service(&form.service_id) else {
        return Some(Intent::Home);
    };
    let mut intent = None;
    let tile = model.service_tile(service);
    ui.vertical_centered(|ui| {
        ui.label(
            RichText::new(model.service_name(service))
                .size(TextSize::Title.points(scale))
                .strong(),
        );
        if tile.refusal.is_none() {
            let estimate = match tile.estimate {
                Some(n) => Text::EstimatedWait.fill(lang, &[("n", &n)]),
                None => Text::EstimatedWaitUnknown.get(lang).to_string(),
            };
            ui.label(format!(
                "{} · {}",
                Text::WaitingCount.fill(lang, &[("n", &tile.waiting)]),
                estimate
            ));
        }
    });
    ui.add_space(8.0);
    egui::Frame::group(ui.style())
        .inner_margin(16.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(format!(
                    "{} · {}",
                    Text::OneTimeNotice.get(lang),
                    Text::Materials.get(lang)
                ))
                .size(TextSize::Heading.points(scale)),
            );
            // One item a line; in elder mode the numbered items run on in one wrapped paragraph,
            // so that the large type still leaves the keypad and 取号 on the screen.
            let items = service
                .materials
                .iter()
                .enumerate()
                .map(|(i, item)| format!("{}. {item}", i + 1));
            let lines: Vec<String> = if model.elder {
                vec![items.collect::<Vec<_>>().join("\u{3000}")]
            } else {
                items.collect()
            };
            for line in lines {
                ui.add(
                    egui::Label::new(RichText::new(line).size(TextSize::Body.points(scale))).wrap(),
                );
            }
        });
    ui.add_space(8.0);
    // A request of this service waits for its answer: 取号 sends it again as it was, so the fields
    // would only mislead.
    if model.unanswered_for(&service.id).is_some() {
        return intent;
    }
    if service.ask_citizen_id {
        let label = Text::CitizenIdOptional.get(lang);
        let active = form.active == Some(Field::CitizenId);
        match field(ui, label, &form.citizen_id, false, active, scale) {
            FieldEvent::Changed(text) => intent = Some(Intent::SetCitizenId(text)),
            FieldEvent::Touched => intent = Some(Intent::Focus(Field::CitizenId)),
            FieldEvent::None => {}
        }
    }
    if service.ask_phone {
        // In a hall that sends near-turn notices, a phone given asks for them (R32): the label says so.
        let label = if model.live.hall().is_some_and(|h| h.notify) {
            Text::PhoneForNotices.get(lang)
        } else {
            Text::PhoneOptional.get(lang)
        };
        let active = form.active == Some(Field::Phone);
        match field(ui, label, &form.phone, false, active, scale) {
            FieldEvent::Changed(text) => intent = Some(Intent::SetPhone(text)),
            FieldEvent::Touched => intent = Some(Intent::Focus(Field::Phone)),
            FieldEvent::None => {}
        }
    }
    if let Some(active) = form.active
        && let Some(key) = keypad(ui, active, lang, scale)
    {
        intent = Some(Intent::Key(key));
    }
    intent
}

/// A sentence of the take area, wrapped and centred.
fn say(ui: &mut Ui, text: impl Into<String>, size: TextSize, scale: f32, colour: Color32) {
    ui.add(
        egui::Label::new(
            RichText::new(text.into())
                .size(size.points(scale))
                .color(colour),
        )
        .wrap(),
    );
}

/// A sentence on one line if it fits, else one line per clause (never broken mid-clause).
fn say_whole(ui: &mut Ui, text: &str, size: TextSize, scale: f32, colour: Color32) {
    let width = ui
        .painter()
        .layout_no_wrap(text.to_string(), size.font(scale), colour)
        .size()
        .x;
    if width <= ui.available_width() {
        say(ui, text, size, scale, colour);
    } else {
        for clause in clauses(text) {
            say(ui, clause, size, scale, colour);
        }
    }
}

/// The service page's action area, fixed above the footer so that 取号 is never scrolled away
/// (elder mode, a long materials list): why it cannot issue and what next, the number a citizen
/// already holds, the last error or notice, and 取号 (which is also how a lost answer is asked for
/// again).
fn take_area(model: &Model, ui: &mut Ui) -> Option<Intent> {
    let Screen::Service(form) = &model.screen else {
        return None;
    };
    let service = model.live.service(&form.service_id)?;
    let lang = model.lang;
    let scale = model.scale();
    let tile = model.service_tile(service);
    let unanswered = model.unanswered_for(&service.id);
    let mut intent = None;
    ui.add_space(8.0);
    ui.vertical_centered(|ui| {
        if let Some(number) = &form.holds {
            say_whole(
                ui,
                Text::AlreadyHeld.get(lang),
                TextSize::Heading,
                scale,
                TILE,
            );
            ui.label(
                RichText::new(number)
                    .size(TextSize::Number.points(scale) * 0.8)
                    .strong()
                    .color(TILE),
            );
        } else if let Some(refusal) = tile.refusal.filter(|_| unanswered.is_none()) {
            say(
                ui,
                model.refusal_sentence(refusal),
                TextSize::Heading,
                scale,
                palette::ERROR,
            );
        }
        if let Some(error) = form.error {
            say(
                ui,
                error.get(lang),
                TextSize::Heading,
                scale,
                palette::ERROR,
            );
        } else if unanswered.is_some() {
            say(
                ui,
                Text::ResendHint.get(lang),
                TextSize::Heading,
                scale,
                palette::WARN,
            );
        }
        if let Some(notice) = form.notice {
            say(ui, notice.get(lang), TextSize::Heading, scale, TILE);
        }
        let priority =
            unanswered.map_or(model.helper.is_some(), |r| r.class == TicketClass::Priority);
        let label = if model.pending.is_some() {
            Text::Issuing.get(lang).to_string()
        } else if priority {
            format!(
                "{} · {}",
                Text::TakeTicket.get(lang),
                Text::ClassPriority.get(lang)
            )
        } else {
            Text::TakeTicket.get(lang).to_string()
        };
        let enabled = model.can_take();
        let take = egui::Button::new(
            RichText::new(label)
                .size(TextSize::Title.points(scale))
                .strong()
                .color(if enabled {
                    Color32::WHITE
                } else {
                    Color32::from_gray(60)
                }),
        )
        .fill(if enabled { TILE } else { TILE_OFF })
        .min_size(Vec2::new(
            ui.available_width() * 0.6,
            TOUCH_TARGET * 1.4 * scale,
        ));
        if ui.add_enabled(enabled, take).clicked() {
            intent = Some(Intent::TakeTicket);
        }
    });
    intent
}

/// What happened to a field this frame.
enum FieldEvent {
    /// Typed into (a keyboard, or the id card reader that types like one).
    Changed(String),
    /// Touched: the keypad should type into it.
    Touched,
    /// Nothing.
    None,
}

/// A labelled single-line field. The active one (the keypad's) is outlined and keeps the keyboard
/// focus, so an id card reader's typing lands in it without a touch.
fn field(
    ui: &mut Ui,
    label: &str,
    value: &str,
    password: bool,
    active: bool,
    scale: f32,
) -> FieldEvent {
    let mut text = value.to_string();
    let response = ui
        .horizontal(|ui| {
            let label = ui.label(RichText::new(label).size(TextSize::Body.points(scale)));
            let mut edit = egui::TextEdit::singleline(&mut text)
                .password(password)
                .font(TextSize::Heading.font(scale))
                .desired_width(ui.available_width().min(520.0))
                .min_size(Vec2::new(0.0, TOUCH_TARGET * scale));
            if active {
                edit = edit.background_color(Color32::from_rgb(0xE8, 0xF0, 0xFB));
            }
            let response = ui.add(edit).labelled_by(label.id);
            if active {
                ui.painter().rect_stroke(
                    response.rect,
                    CornerRadius::same(4),
                    Stroke::new(3.0, TILE),
                    StrokeKind::Outside,
                );
            }
            response
        })
        .inner;
    if active && !response.has_focus() && !response.lost_focus() {
        response.request_focus();
    }
    if response.changed() {
        FieldEvent::Changed(text)
    } else if response.clicked() && !active {
        FieldEvent::Touched
    } else {
        FieldEvent::None
    }
}

/// The on-screen keypad for the active field, four rows like a phone's: digits (X beside 0 for a
/// citizen id), and 删除 and 清空 as tall keys in a fourth column, so that it fits above 取号 in
/// elder mode too.
fn keypad(ui: &mut Ui, field: Field, lang: Lang, scale: f32) -> Option<Key> {
    let mut pressed = None;
    // Keys grow less than text in elder mode, so that the keypad and 取号 still fit one screen.
    let grow = 1.0 + (scale - 1.0) * 0.4;
    let key = Vec2::new(96.0 * grow, TOUCH_TARGET * grow);
    // The fourth column is wider: 删除 and 清空 on one line each.
    let wide = key.x * 1.4;
    let gap = 8.0;
    let size = Vec2::new(key.x * 3.0 + wide + gap * 3.0, key.y * 4.0 + gap * 3.0);
    ui.add_space(8.0);
    let (area, _) = ui.allocate_exact_size(Vec2::new(ui.available_width(), size.y), Sense::hover());
    let origin = egui::pos2(area.center().x - size.x / 2.0, area.top());
    // The rect of the keys from column `col`, row `row`, `cols` wide and `rows` high.
    let cell = |col: f32, row: f32, cols: f32, rows: f32| {
        Rect::from_min_size(
            origin + Vec2::new(col * (key.x + gap), row * (key.y + gap)),
            Vec2::new(
                cols * key.x + (cols - 1.0) * gap,
                rows * key.y + (rows - 1.0) * gap,
            ),
        )
    };
    let mut keys: Vec<(Rect, String, Key)> = (1..=9u8)
        .map(|d| {
            let i = f32::from(d - 1);
            let c = char::from(b'0' + d);
            (
                cell(i % 3.0, (i / 3.0).floor(), 1.0, 1.0),
                c.to_string(),
                Key::Char(c),
            )
        })
        .collect();
    if field.takes_x() {
        keys.push((cell(0.0, 3.0, 1.0, 1.0), "X".into(), Key::Char('X')));
        keys.push((cell(1.0, 3.0, 2.0, 1.0), "0".into(), Key::Char('0')));
    } else {
        keys.push((cell(0.0, 3.0, 3.0, 1.0), "0".into(), Key::Char('0')));
    }
    let tall = |row: f32| {
        let rect = cell(3.0, row, 1.0, 2.0);
        Rect::from_min_size(rect.min, Vec2::new(wide, rect.height()))
    };
    keys.push((tall(0.0), Text::KeyDelete.get(lang).into(), Key::Delete));
    keys.push((tall(2.0), Text::KeyClear.get(lang).into(), Key::Clear));
    ui.scope(|ui| {
        // The keys are the size of their cells: little padding, so a key never overlaps the next.
        ui.spacing_mut().button_padding = Vec2::splat(4.0);
        ui.spacing_mut().interact_size = Vec2::splat(TOUCH_TARGET);
        for (rect, label, key) in keys {
            let button =
                egui::Button::new(RichText::new(label).size(TextSize::Heading.points(grow)));
            if ui.put(rect, button).clicked() {
                pressed = Some(key);
            }
        }
    });
    pressed
}

fn helper(model: &Model, staff_no: &str, pin: &str, active: Field, ui: &mut Ui) -> Option<Intent> {
    let lang = model.lang;
    let scale = model.scale();
    let mut intent = None;
    ui.vertical_centered(|ui| {
        ui.label(RichText::new(Text::HelperTitle.get(lang)).size(TextSize::Title.points(scale)));
    });
    ui.add_space(16.0);
    let staff_label = Text::HelperStaffNo.get(lang);
    match field(
        ui,
        staff_label,
        staff_no,
        false,
        active == Field::HelperStaffNo,
        scale,
    ) {
        FieldEvent::Changed(text) => intent = Some(Intent::SetHelperStaffNo(text)),
        FieldEvent::Touched => intent = Some(Intent::Focus(Field::HelperStaffNo)),
        FieldEvent::None => {}
    }
    let pin_label = Text::HelperPin.get(lang);
    match field(ui, pin_label, pin, true, active == Field::HelperPin, scale) {
        FieldEvent::Changed(text) => intent = Some(Intent::SetHelperPin(text)),
        FieldEvent::Touched => intent = Some(Intent::Focus(Field::HelperPin)),
        FieldEvent::None => {}
    }
    if let Some(key) = keypad(ui, active, lang, scale) {
        intent = Some(Intent::Key(key));
    }
    ui.add_space(16.0);
    ui.horizontal(|ui| {
        if big_button(
            ui,
            Text::Confirm.get(lang),
            scale,
            !staff_no.is_empty() && !pin.is_empty(),
        ) {
            intent = Some(Intent::UnlockHelper);
        }
        if big_button(ui, Text::Cancel.get(lang), scale, true) {
            intent = Some(Intent::Home);
        }
    });
    intent
}

fn ticket_screen(model: &Model, ticket: &IssuedTicket, ui: &mut Ui) -> Option<Intent> {
    let lang = model.lang;
    let scale = model.scale();
    let issue = &ticket.issue;
    let mut intent = None;
    ui.vertical_centered(|ui| {
        if ticket.again {
            say(
                ui,
                Text::AlreadyHeld.get(lang),
                TextSize::Heading,
                scale,
                TILE,
            );
        }
        let service = match lang {
            Lang::En if !ticket.service_name.1.is_empty() => &ticket.service_name.1,
            _ => &ticket.service_name.0,
        };
        // In elder mode the service shares the line above the number, so that the page fits.
        if !ticket.again {
            let heading = if model.elder {
                format!("{service} · {}", Text::YourNumber.get(lang))
            } else {
                Text::YourNumber.get(lang).to_string()
            };
            ui.label(RichText::new(heading).size(TextSize::Heading.points(scale)));
        }
        // Huge already: elder mode does not grow it, the page must still fit.
        let number_size = TextSize::Number.points(1.5);
        ui.label(
            RichText::new(&issue.ticket.number)
                .size(number_size)
                .strong(),
        );
        if issue.ticket.class != TicketClass::Normal {
            let colour =
                qcall_client::ui::class_colour(issue.ticket.class).unwrap_or(palette::PRIORITY);
            ui.label(
                RichText::new(i18n::class_text(issue.ticket.class).get(lang))
                    .size(TextSize::Heading.points(scale))
                    .color(colour)
                    .strong(),
            );
        }
        if ticket.late_booking {
            say(
                ui,
                Text::CheckInLate.get(lang),
                TextSize::Heading,
                scale,
                REFUSAL_TEXT,
            );
        }
        if !model.elder || ticket.again {
            ui.label(RichText::new(service).size(TextSize::Heading.points(scale)));
        }
        // The position at issue; a ticket shown again leaves that to its live page (the QR code).
        if !ticket.again {
            match ahead_words(lang, issue.ahead, issue.estimated_wait_minutes) {
                Some(words) => say_whole(ui, words, TextSize::Heading, scale, TILE),
                None => {
                    let estimate = match issue.estimated_wait_minutes {
                        Some(n) => Text::EstimatedWait.fill(lang, &[("n", &n)]),
                        None => Text::EstimatedWaitUnknown.get(lang).to_string(),
                    };
                    ui.label(format!(
                        "{} · {estimate}",
                        Text::AheadOfYou.fill(lang, &[("n", &issue.ahead)])
                    ));
                }
            }
        }
        let windows = model.windows_serving(&issue.ticket.service_id);
        say(
            ui,
            where_line(lang, &windows),
            TextSize::Heading,
            scale,
            Color32::BLACK,
        );
        ui.add_space(8.0);
        print_banner(ui, &ticket.print, lang, scale);
        ui.add_space(8.0);
        // The QR code with what goes with it beside it, so that the page fits in elder mode.
        let side = 200.0;
        let words = (ui.available_width() - side - 24.0).min(360.0 * scale);
        ui.horizontal(|ui| {
            ui.add_space(((ui.available_width() - side - 24.0 - words) / 2.0).max(0.0));
            if ticket.qr_width > 0 {
                let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), Sense::hover());
                response.widget_info(|| {
                    WidgetInfo::labeled(egui::Role::Image, true, Text::ScanForProgress.get(lang))
                });
                draw_qr(ui, rect, &ticket.qr, ticket.qr_width);
            }
            ui.add_space(24.0);
            ui.vertical(|ui| {
                ui.set_width(words);
                let small = |ui: &mut Ui, text: &str, colour: Color32| {
                    ui.add(
                        egui::Label::new(
                            RichText::new(text)
                                .size(TextSize::Small.points(scale))
                                .color(colour),
                        )
                        .wrap(),
                    );
                };
                ui.add(
                    egui::Label::new(
                        RichText::new(Text::ScanForProgress.get(lang))
                            .size(TextSize::Body.points(scale)),
                    )
                    .wrap(),
                );
                if model.demo && crate::app::is_loopback_url(&ticket.status_url) {
                    small(ui, Text::DemoLoopback.get(lang), palette::WARN);
                }
                let text = ui.visuals().text_color();
                small(
                    ui,
                    &Text::IssuedAt.fill(lang, &[("time", &ticket.issued_at)]),
                    text,
                );
                match lang {
                    Lang::Zh => {
                        for note in &model.config.slip.notes {
                            small(ui, note, text);
                        }
                    }
                    Lang::En => small(ui, Text::NoShowHint.get(lang), text),
                }
            });
        });
        ui.add_space(8.0);
        if big_button(ui, Text::Done.get(lang), scale, true) {
            intent = Some(Intent::Home);
        }
        ui.label(
            RichText::new(Text::BackHomeIn.fill(lang, &[("n", &model.idle_left(model.now))]))
                .size(TextSize::Small.points(scale)),
        );
    });
    intent
}

/// Where the slip is, as a band across the screen: 请取走号票 large on green once printed, a fault
/// in red with what to do, the other states calm.
fn print_banner(ui: &mut Ui, print: &PrintStatus, lang: Lang, scale: f32) {
    let (text, fill, colour, size) = match print {
        PrintStatus::Printed => (
            Text::TakeYourSlip.get(lang).to_string(),
            ELDER_ON,
            Color32::WHITE,
            TextSize::Title,
        ),
        PrintStatus::Failed { zh, en } => (
            match lang {
                Lang::Zh => zh.to_string(),
                Lang::En => en.to_string(),
            },
            palette::ERROR,
            Color32::WHITE,
            TextSize::Body,
        ),
        PrintStatus::Printing => (
            Text::PrintingSlip.get(lang).to_string(),
            Color32::from_gray(235),
            Color32::BLACK,
            TextSize::Heading,
        ),
        PrintStatus::NoPrinter => (
            Text::NoPrinterHint.get(lang).to_string(),
            Color32::from_gray(235),
            Color32::BLACK,
            TextSize::Body,
        ),
        PrintStatus::NotAgain => (
            Text::NotPrintedAgain.get(lang).to_string(),
            Color32::from_gray(235),
            Color32::BLACK,
            TextSize::Body,
        ),
    };
    banner(ui, fill, |ui| {
        ui.add(
            egui::Label::new(
                RichText::new(text)
                    .size(size.points(scale))
                    .strong()
                    .color(colour),
            )
            .wrap(),
        );
    });
}

/// Draws a QR code's modules into `rect`, with the white quiet zone scanners need.
fn draw_qr(ui: &Ui, rect: Rect, modules: &[bool], width: usize) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, CornerRadius::ZERO, Color32::WHITE);
    let quiet = 4.0;
    let module = rect.width() / (width as f32 + 2.0 * quiet);
    for (i, dark) in modules.iter().enumerate() {
        if *dark {
            let (x, y) = ((i % width) as f32, (i / width) as f32);
            let min = rect.min + Vec2::new((x + quiet) * module, (y + quiet) * module);
            painter.rect_filled(
                Rect::from_min_size(min, Vec2::splat(module + 0.3)),
                CornerRadius::ZERO,
                Color32::BLACK,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name's galley as the top bar lays it out, on a context with the kiosk's fonts.
    fn fitted(name: &str, width: f32, scale: f32) -> Arc<Galley> {
        let ctx = egui::Context::default();
        qcall_client::ui::install_fonts(&ctx);
        let mut galley = None;
        let mut output = ctx.run_ui(Default::default(), |ui| {
            galley = Some(hall_name_galley(
                ui.painter(),
                name,
                width,
                scale,
                Color32::BLACK,
            ));
        });
        output.textures_delta.clear();
        galley.expect("laid out")
    }

    #[test]
    fn a_long_tile_name_shrinks_to_fit_its_tile() {
        let ctx = egui::Context::default();
        qcall_client::ui::install_fonts(&ctx);
        let scale = 1.0;
        // A home tile of the portrait kiosk (two columns, four rows), as in home_en.png.
        let tile = Vec2::new(336.0, 232.0);
        let lines = |name: &str| {
            vec![
                (
                    name.to_string(),
                    TextSize::Title.font(scale),
                    Color32::WHITE,
                ),
                (
                    "0 waiting".to_string(),
                    TextSize::Body.font(scale),
                    Color32::WHITE,
                ),
                (
                    "Wait time not available".to_string(),
                    TextSize::Body.font(scale),
                    Color32::WHITE,
                ),
            ]
        };
        let mut sizes = Vec::new();
        let mut output = ctx.run_ui(Default::default(), |ui| {
            for name in ["Taxation", "Social & medical insurance"] {
                let galleys = fit_lines(ui.painter(), tile, 6.0, lines(name));
                let total: f32 = galleys.iter().map(|g| g.size().y).sum::<f32>() + 12.0;
                sizes.push((total, galleys[0].job.sections[0].format.font_id.size));
            }
        });
        output.textures_delta.clear();
        let title = TextSize::Title.points(scale);
        assert_eq!(sizes[0].1, title, "a short name keeps its size");
        assert!(sizes[1].1 < title, "the long one shrinks: {sizes:?}");
        assert!(sizes[1].0 <= tile.y - 16.0, "and fits: {sizes:?}");
    }

    #[test]
    fn sentences_break_after_their_clauses() {
        assert_eq!(
            clauses("今日号源已满，可预约或明日再来"),
            ["今日号源已满，", "可预约或明日再来"]
        );
        assert_eq!(
            clauses("需要优先办理？请找大厅工作人员"),
            ["需要优先办理？", "请找大厅工作人员"]
        );
        assert_eq!(
            clauses("Full today: book an appointment"),
            ["Full today:", "book an appointment"]
        );
        assert_eq!(clauses("已满"), ["已满"]);
    }

    #[test]
    fn the_hall_name_fits_in_two_lines_instead_of_being_cut() {
        let elder = qcall_client::ui::ELDER_SCALE;
        // The top bar's room beside the language button on a 720-point-wide kiosk.
        for (name, scale) in [
            ("Demo Government Service Center", elder),
            ("Demo Government Service Center", 1.0),
            ("示范政务服务中心", elder),
            (
                "某某自治州某某市某某区行政审批局政务服务中心（市民之家）",
                1.0,
            ),
            (
                "某某自治州某某市某某区行政审批局政务服务中心（市民之家）",
                elder,
            ),
        ] {
            let galley = fitted(name, 560.0, scale);
            assert!(!galley.elided, "{name:?} at {scale} is cut");
            assert!(
                galley.rows.len() <= 2,
                "{name:?} at {scale}: {} rows",
                galley.rows.len()
            );
            assert_eq!(galley.text(), name);
        }
        // A short name keeps the full size on one line.
        let short = fitted("示范政务服务中心", 560.0, 1.0);
        assert_eq!(short.rows.len(), 1);
        assert!(
            (short.rows[0].height() - fitted("示范", 560.0, 1.0).rows[0].height()).abs() < 0.5,
            "not shrunk"
        );
    }
}

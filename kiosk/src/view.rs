//! The kiosk's screens: [`view`] draws the [`Model`] and returns what the citizen asked for. It
//! never changes the model and never does I/O; text sizes follow the model's scale (elder mode).

use egui::{
    Align, Align2, Color32, CornerRadius, Layout, Rect, RichText, Sense, Stroke, StrokeKind, Ui,
    Vec2, WidgetInfo,
};
use qcall_client::connection::ConnectionState;
use qcall_client::i18n::{self, Lang, Text};
use qcall_client::ui::{TOUCH_TARGET, TextSize, palette};
use qcall_protocol::TicketClass;

use crate::model::{Field, Intent, IssuedTicket, Key, Model, PrintStatus, Screen, Tile};

/// Tile background when the tile can issue.
const TILE: Color32 = Color32::from_rgb(0x0B, 0x4F, 0x9C);
/// Tile background when it cannot (greyed, with the reason).
const TILE_OFF: Color32 = Color32::from_gray(200);

/// Draws the whole kiosk and returns the citizen's intent, if any.
pub fn view(model: &Model, ui: &mut Ui) -> Option<Intent> {
    let mut intent = None;
    let lang = model.lang;
    let scale = model.scale();
    egui::Panel::top("kiosk-top").show(ui, |ui| {
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            // The switches first (right-aligned), then the hall's name in the room left, so a long
            // name is cut short rather than drawn under them.
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                if ui.button(Text::OtherLanguage.get(lang)).clicked() {
                    intent = Some(Intent::ToggleLang);
                }
                let elder = if model.elder {
                    Text::StandardMode
                } else {
                    Text::ElderMode
                };
                if ui.button(elder.get(lang)).clicked() {
                    intent = Some(Intent::ToggleElder);
                }
                let hall = model.live.hall().map_or(String::new(), |h| match lang {
                    Lang::En if !h.name_en.is_empty() => h.name_en.clone(),
                    _ => h.name_zh.clone(),
                });
                ui.with_layout(Layout::left_to_right(Align::Center), |ui| {
                    ui.add(
                        egui::Label::new(
                            RichText::new(hall)
                                .size(TextSize::Heading.points(scale))
                                .strong(),
                        )
                        .truncate(),
                    );
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
                // Calm words; only a refused device key (an admin's job) says more.
                let hint = match model.connection() {
                    ConnectionState::Refused { .. } => {
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
    if matches!(model.screen, Screen::Home { .. } | Screen::Service(_)) {
        egui::Panel::bottom("kiosk-footer").show(ui, |ui| {
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
            Screen::Home { group, .. } => home(model, group.as_deref(), ui),
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
        };
        if inner.is_some() {
            intent = inner;
        }
    });
    intent
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

fn home(model: &Model, group: Option<&str>, ui: &mut Ui) -> Option<Intent> {
    let lang = model.lang;
    let scale = model.scale();
    let mut intent = None;
    let heading = if group.is_some() {
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
                let is_service = group.is_some();
                if draw_tile(ui, tile, tile_size, scale, lang, is_service, paused) {
                    intent = Some(if is_service {
                        Intent::OpenService(tile.id.clone())
                    } else {
                        Intent::OpenGroup(tile.id.clone())
                    });
                }
                if i % columns == columns - 1 {
                    ui.end_row();
                }
            }
        });
    intent
}

/// The row of buttons at the bottom: back, pages, the helper's button.
fn footer(model: &Model, ui: &mut Ui) -> Option<Intent> {
    let lang = model.lang;
    let scale = model.scale();
    let mut intent = None;
    ui.horizontal(|ui| match &model.screen {
        Screen::Home { group, page } => {
            let (_, pages) = model.page_tiles();
            let page = (*page).min(pages - 1);
            if group.is_some() && big_button(ui, Text::Back.get(lang), scale, true) {
                intent = Some(Intent::Back);
            }
            if pages > 1 {
                if big_button(ui, Text::PrevPage.get(lang), scale, page > 0) {
                    intent = Some(Intent::PrevPage);
                }
                ui.label(format!("{}/{}", page + 1, pages));
                if big_button(ui, Text::NextPage.get(lang), scale, page + 1 < pages) {
                    intent = Some(Intent::NextPage);
                }
            }
            if group.is_none()
                && model.helper.is_none()
                && ui.button(Text::PriorityHelp.get(lang)).clicked()
            {
                intent = Some(Intent::Helper);
            }
        }
        Screen::Service(_) => {
            if big_button(ui, Text::Back.get(lang), scale, model.pending.is_none()) {
                intent = Some(Intent::Back);
            }
            if big_button(ui, Text::Home.get(lang), scale, model.pending.is_none()) {
                intent = Some(Intent::Home);
            }
        }
        Screen::Helper { .. } | Screen::Ticket(_) => {}
    });
    intent
}

/// One touch tile; returns whether it was touched. Services that cannot issue are greyed, say why
/// and do not react; while issuing is paused no tile reacts.
fn draw_tile(
    ui: &mut Ui,
    tile: &Tile,
    size: Vec2,
    scale: f32,
    lang: Lang,
    is_service: bool,
    paused: bool,
) -> bool {
    let enabled = tile.refusal.is_none() && !paused;
    let sense = if enabled {
        Sense::click()
    } else {
        Sense::hover()
    };
    let (rect, response) = ui.allocate_exact_size(size, sense);
    response.widget_info(|| WidgetInfo::labeled(egui::Role::Button, enabled, &tile.name));
    let (fill, text) = if enabled {
        (TILE, Color32::WHITE)
    } else {
        (TILE_OFF, Color32::from_gray(40))
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
    let name = painter.layout(tile.name.clone(), name_font, text, rect.width() - 24.0);
    let mut details = vec![Text::WaitingCount.fill(lang, &[("n", &tile.waiting)])];
    // A refused tile says why in its corner badge instead of an estimate.
    if is_service && tile.refusal.is_none() {
        details.push(match tile.estimate {
            Some(n) => Text::EstimatedWait.fill(lang, &[("n", &n)]),
            None => Text::EstimatedWaitUnknown.get(lang).to_string(),
        });
    }
    let details: Vec<_> = details
        .into_iter()
        .map(|line| painter.layout(line, detail_font.clone(), text, rect.width() - 24.0))
        .collect();
    let details_height: f32 = details.iter().map(|g| g.size().y).sum();
    let total = name.size().y + 8.0 + details_height;
    let mut y = rect.center().y - total / 2.0;
    painter.galley(
        egui::pos2(rect.center().x - name.size().x / 2.0, y),
        name.clone(),
        text,
    );
    y += name.size().y + 8.0;
    for line in details {
        let height = line.size().y;
        painter.galley(
            egui::pos2(rect.center().x - line.size().x / 2.0, y),
            line,
            text,
        );
        y += height;
    }
    if let Some(refusal) = tile.refusal {
        // A bold badge in the corner, readable at a glance.
        painter.text(
            rect.right_top() + Vec2::new(-14.0, 12.0),
            Align2::RIGHT_TOP,
            refusal.text().get(lang),
            TextSize::Heading.font(scale),
            palette::ERROR,
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
        let estimate = match tile.estimate {
            Some(n) => Text::EstimatedWait.fill(lang, &[("n", &n)]),
            None => Text::EstimatedWaitUnknown.get(lang).to_string(),
        };
        ui.label(format!(
            "{} · {}",
            Text::WaitingCount.fill(lang, &[("n", &tile.waiting)]),
            estimate
        ));
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
            for (i, item) in service.materials.iter().enumerate() {
                ui.label(
                    RichText::new(format!("{}. {item}", i + 1)).size(TextSize::Body.points(scale)),
                );
            }
        });
    ui.add_space(8.0);
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
        let label = Text::PhoneOptional.get(lang);
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

/// The service page's action area, fixed above the footer so that 取号 is never scrolled away
/// (elder mode, a long materials list): why it cannot issue, the last error, 取号 and 重试.
fn take_area(model: &Model, ui: &mut Ui) -> Option<Intent> {
    let Screen::Service(form) = &model.screen else {
        return None;
    };
    let service = model.live.service(&form.service_id)?;
    let lang = model.lang;
    let scale = model.scale();
    let tile = model.service_tile(service);
    let mut intent = None;
    ui.add_space(8.0);
    ui.vertical_centered(|ui| {
        if let Some(refusal) = tile.refusal {
            ui.label(
                RichText::new(refusal.text().get(lang))
                    .size(TextSize::Heading.points(scale))
                    .color(palette::ERROR),
            );
        }
        if let Some(error) = form.error {
            ui.label(
                RichText::new(error.get(lang))
                    .size(TextSize::Heading.points(scale))
                    .color(palette::ERROR),
            );
        }
        let label = if model.pending.is_some() {
            Text::Issuing.get(lang).to_string()
        } else if model.helper.is_some() {
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
        if form.retry.is_some()
            && big_button(ui, Text::Retry.get(lang), scale, model.pending.is_none())
        {
            intent = Some(Intent::Retry);
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

/// The on-screen keypad for the active field: digits (X for a citizen id), 删除 and 清空.
fn keypad(ui: &mut Ui, field: Field, lang: Lang, scale: f32) -> Option<Key> {
    let mut pressed = None;
    // Keys grow less than text in elder mode, so that the keypad and 取号 still fit one screen.
    let grow = 1.0 + (scale - 1.0) * 0.4;
    let key_size = Vec2::new(96.0 * grow, TOUCH_TARGET * grow);
    let x = if field.takes_x() { "X" } else { "" };
    let rows: [[&str; 3]; 4] = [
        ["1", "2", "3"],
        ["4", "5", "6"],
        ["7", "8", "9"],
        [x, "0", Text::KeyDelete.get(lang)],
    ];
    let gap = 8.0;
    let width = key_size.x * 3.0 + gap * 2.0;
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        // Centred under the fields (a grid does not centre itself).
        ui.add_space(((ui.available_width() - width) / 2.0).max(0.0));
        ui.vertical(|ui| {
            egui::Grid::new(("keypad", field as u8))
                .spacing(Vec2::splat(gap))
                .show(ui, |ui| {
                    for row in rows {
                        for label in row {
                            if label.is_empty() {
                                ui.allocate_exact_size(key_size, Sense::hover());
                                continue;
                            }
                            let button = egui::Button::new(
                                RichText::new(label).size(TextSize::Heading.points(grow)),
                            )
                            .min_size(key_size);
                            if ui.add(button).clicked() {
                                pressed = Some(if label == Text::KeyDelete.get(lang) {
                                    Key::Delete
                                } else {
                                    Key::Char(label.chars().next().unwrap_or('0'))
                                });
                            }
                        }
                        ui.end_row();
                    }
                });
            let clear = egui::Button::new(
                RichText::new(Text::KeyClear.get(lang)).size(TextSize::Body.points(grow)),
            )
            .min_size(Vec2::new(width, TOUCH_TARGET * 0.8 * grow));
            if ui.add(clear).clicked() {
                pressed = Some(Key::Clear);
            }
        });
    });
    pressed
}

fn helper(model: &Model, staff_no: &str, pin: &str, active: Field, ui: &mut Ui) -> Option<Intent> {
    let lang = model.lang;
    let scale = model.scale();
    let mut intent = None;
    ui.vertical_centered(|ui| {
        ui.label(RichText::new(Text::PriorityHelp.get(lang)).size(TextSize::Title.points(scale)));
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
        ui.label(RichText::new(Text::YourNumber.get(lang)).size(TextSize::Heading.points(scale)));
        ui.label(
            RichText::new(&issue.ticket.number)
                .size(TextSize::Number.points(scale) * 1.5)
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
        let service = match lang {
            Lang::En if !ticket.service_name.1.is_empty() => &ticket.service_name.1,
            _ => &ticket.service_name.0,
        };
        ui.label(RichText::new(service).size(TextSize::Heading.points(scale)));
        ui.label(Text::AheadOfYou.fill(lang, &[("n", &issue.ahead)]));
        ui.label(match issue.estimated_wait_minutes {
            Some(n) => Text::EstimatedWait.fill(lang, &[("n", &n)]),
            None => Text::EstimatedWaitUnknown.get(lang).to_string(),
        });
        ui.label(Text::IssuedAt.fill(lang, &[("time", &ticket.issued_at)]));
        ui.add_space(8.0);
        if ticket.qr_width > 0 {
            let side = (260.0 * scale).min(ui.available_width());
            let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), Sense::hover());
            response.widget_info(|| {
                WidgetInfo::labeled(egui::Role::Image, true, Text::ScanForProgress.get(lang))
            });
            draw_qr(ui, rect, &ticket.qr, ticket.qr_width);
        }
        ui.label(Text::ScanForProgress.get(lang));
        ui.add_space(8.0);
        let print = match &ticket.print {
            PrintStatus::NoPrinter => (Text::NoPrinterHint.get(lang).to_string(), None),
            PrintStatus::Printing => (Text::PrintingSlip.get(lang).to_string(), None),
            PrintStatus::Printed => (Text::TakeYourSlip.get(lang).to_string(), None),
            PrintStatus::Failed { zh, en } => (
                match lang {
                    Lang::Zh => zh.to_string(),
                    Lang::En => en.to_string(),
                },
                Some(palette::ERROR),
            ),
        };
        let mut text = RichText::new(print.0).size(TextSize::Heading.points(scale));
        if let Some(colour) = print.1 {
            text = text.color(colour);
        }
        ui.add(egui::Label::new(text).wrap());
        ui.add_space(8.0);
        match lang {
            Lang::Zh => {
                for note in &model.config.slip.notes {
                    ui.label(note);
                }
            }
            Lang::En => {
                ui.label(Text::WaitInLounge.get(lang));
                ui.label(Text::NoShowHint.get(lang));
            }
        }
        ui.add_space(12.0);
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

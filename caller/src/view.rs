//! Draws the [`Model`] and reports what the person asked for. **Views never do I/O and never change
//! the model**: they return an [`Intent`] and the glue applies it.
//!
//! Keys: F1 叫号, F2 重呼, F3 开始办理, F4 办结, F5 过号, F6 转移, F7 挂起, F8 暂停/恢复,
//! F9 办结并叫下一位 (the one key of a normal day: finish this citizen and call the next), Esc closes
//! a dialog. Only the first press of a key counts: egui marks a held key's repeats, and they are
//! dropped here. A key that cannot apply now is drawn greyed with the reason on hover
//! ([`Model::unavailable`]); tapped or pressed anyway, the model says the reason.

use egui::{Align, Button, Color32, Key, Layout, RichText, Ui, Vec2};
use qcall_client::i18n::{class_text, fill, level_text, pause_text, state_text};
use qcall_client::ui::{TextSize, class_colour, palette};
use qcall_client::{Text, WindowAction};
use qcall_protocol::{PauseReason, RatingLevel, Ticket, TicketState, TransferTarget, WindowStatus};

use crate::model::{Action, CurrentView, Dialog, Intent, Model, Screen, clock_text, minutes};

/// The suggested next key: a calm blue, not red (red reads as danger at a window).
pub const SUGGESTED: Color32 = Color32::from_rgb(0x0D, 0x47, 0xA1);

/// The F-key of each main action, in button order.
pub const KEYS: [(Key, &str); 9] = [
    (Key::F1, "F1"),
    (Key::F2, "F2"),
    (Key::F3, "F3"),
    (Key::F4, "F4"),
    (Key::F5, "F5"),
    (Key::F6, "F6"),
    (Key::F7, "F7"),
    (Key::F8, "F8"),
    (Key::F9, "F9"),
];

/// The intent of an F-key on the main screen.
pub fn key_intent(key: Key) -> Option<Intent> {
    Some(match key {
        Key::F1 => Intent::Act(WindowAction::CallNext),
        Key::F2 => Intent::Act(WindowAction::Recall),
        Key::F3 => Intent::Act(WindowAction::Start),
        Key::F4 => Intent::Act(WindowAction::Finish),
        Key::F5 => Intent::Act(WindowAction::NoShow),
        Key::F6 => Intent::OpenTransfer,
        Key::F7 => Intent::Act(WindowAction::Hold),
        Key::F8 => Intent::PauseOrResume,
        Key::F9 => Intent::Act(WindowAction::FinishAndCallNext),
        _ => return None,
    })
}

/// What a main key does, for whether it applies now.
pub fn key_action(key: Key) -> Option<Action> {
    Some(match key {
        Key::F1 => Action::CallNext,
        Key::F2 => Action::Recall,
        Key::F3 => Action::Start,
        Key::F4 => Action::Finish,
        Key::F5 => Action::NoShow,
        Key::F6 => Action::Transfer,
        Key::F7 => Action::Hold,
        Key::F8 => Action::PauseOrResume,
        Key::F9 => Action::FinishAndCallNext,
        _ => return None,
    })
}

/// The label of a main button: its key and its word, e.g. `F1 叫号`.
pub fn button_label(model: &Model, key: Key) -> String {
    let lang = model.lang;
    let text = match key {
        Key::F1 => Text::CallNext,
        Key::F2 => Text::Recall,
        Key::F3 => Text::StartService,
        Key::F4 => Text::Finish,
        Key::F5 => Text::NoShow,
        Key::F6 => Text::Transfer,
        Key::F7 => Text::Hold,
        Key::F9 => Text::FinishAndCallNext,
        _ if model.is_paused() => Text::Resume,
        _ => Text::Pause,
    };
    let name = KEYS.iter().find(|(k, _)| *k == key).map_or("", |(_, n)| n);
    format!("{name} {}", text.get(lang))
}

/// First presses of keys this frame (key repeats excluded).
fn first_presses(ui: &Ui) -> Vec<Key> {
    ui.input(|i| {
        i.events
            .iter()
            .filter_map(|e| match e {
                egui::Event::Key {
                    key,
                    pressed: true,
                    repeat: false,
                    ..
                } => Some(*key),
                _ => None,
            })
            .collect()
    })
}

/// Draws the whole caller and returns the person's intent, if any.
pub fn view(model: &Model, ui: &mut Ui) -> Option<Intent> {
    let mut out = None;
    match model.screen {
        Screen::Login => login(model, ui, &mut out),
        Screen::ChooseWindow => choose_window(model, ui, &mut out),
        Screen::Main => main_screen(model, ui, &mut out),
    }
    out
}

fn set(out: &mut Option<Intent>, intent: Intent) {
    if out.is_none() {
        *out = Some(intent);
    }
}

/// Adds `button`, enabled when `action` applies now, otherwise greyed with the reason on hover.
/// Returns whether it was clicked, greyed or not: a tap on a greyed button (a touch screen has no
/// hover) reaches the model, which shows the reason instead of sending anything.
fn gated(model: &Model, ui: &mut Ui, action: Action, button: Button<'_>) -> bool {
    let why = model.unavailable(action);
    let response = ui.add_enabled(why.is_none(), button);
    match why {
        None => response.clicked(),
        Some(why) => {
            let tapped = response.contains_pointer() && ui.input(|i| i.pointer.primary_clicked());
            response.on_disabled_hover_text(why.text().get(model.lang));
            tapped
        }
    }
}

fn heading(text: impl Into<String>) -> RichText {
    RichText::new(text)
        .size(TextSize::Heading.points(1.0))
        .strong()
}

fn message_line(model: &Model, ui: &mut Ui, out: &mut Option<Intent>) {
    if let Some(notice) = &model.notice {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(notice)
                    .color(SUGGESTED)
                    .size(TextSize::Heading.points(1.0)),
            );
            if model.message.is_none() && ui.button(Text::Confirm.get(model.lang)).clicked() {
                set(out, Intent::Dismiss);
            }
        });
    }
    if let Some(text) = model.message {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(text.get(model.lang))
                    .color(palette::ERROR)
                    .size(TextSize::Heading.points(1.0))
                    .strong(),
            );
            if model.failed.is_some()
                && ui
                    .add_enabled(
                        model.live.is_live(),
                        Button::new(Text::Retry.get(model.lang)),
                    )
                    .clicked()
            {
                set(out, Intent::Retry);
            }
            if ui.button(Text::Confirm.get(model.lang)).clicked() {
                set(out, Intent::Dismiss);
            }
        });
    }
}

fn login(model: &Model, ui: &mut Ui, out: &mut Option<Intent>) {
    let lang = model.lang;
    egui::CentralPanel::default_margins().show(ui, |ui| {
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.label(
                RichText::new("叫号器 qcall")
                    .size(TextSize::Title.points(1.0))
                    .strong(),
            );
            ui.add_space(24.0);
            ui.label(format!(
                "{}：{}",
                Text::ServerAddress.get(lang),
                model.server
            ));
            ui.add_space(16.0);
            // Centre the two fields: a grid in a centred column keeps to the left otherwise.
            let width = 420.0;
            let margin = ((ui.available_width() - width) / 2.0).max(0.0);
            ui.horizontal(|ui| {
                ui.add_space(margin);
                egui::Grid::new("login")
                    .num_columns(2)
                    .spacing([16.0, 16.0])
                    .show(ui, |ui| {
                        let label = ui.label(Text::StaffNo.get(lang));
                        let mut staff_no = model.staff_no.clone();
                        let staff_field = ui
                            .add(egui::TextEdit::singleline(&mut staff_no).id_salt("staff_no"))
                            .labelled_by(label.id);
                        if staff_field.changed() {
                            set(out, Intent::StaffNo(staff_no));
                        }
                        ui.end_row();
                        let label = ui.label(Text::Password.get(lang));
                        let mut password = model.password.clone();
                        let field = ui
                            .add(
                                egui::TextEdit::singleline(&mut password)
                                    .password(true)
                                    .id_salt("password"),
                            )
                            .labelled_by(label.id);
                        if field.changed() {
                            set(out, Intent::Password(password));
                        }
                        if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                            set(out, Intent::LogIn);
                        }
                        // Ready to type: the password when the staff number is known.
                        if ui.memory(|m| m.focused().is_none()) && !model.logging_in {
                            if model.staff_no.trim().is_empty() {
                                staff_field.request_focus();
                            } else {
                                field.request_focus();
                            }
                        }
                        ui.end_row();
                    });
            });
            ui.add_space(16.0);
            let label = if model.logging_in {
                Text::PleaseWait
            } else {
                Text::LogIn
            };
            let ready = !model.logging_in
                && !model.staff_no.trim().is_empty()
                && !model.password.is_empty();
            if ui
                .add_enabled(
                    ready,
                    Button::new(label.get(lang)).min_size(Vec2::new(240.0, 64.0)),
                )
                .clicked()
            {
                set(out, Intent::LogIn);
            }
            ui.add_space(16.0);
            if let Some(n) = model.auto_window {
                ui.label(Text::ReturnToWindow.fill(lang, &[("n", &n)]));
            }
            // Why this screen is up (a refused password, an ended login, a sign-out), centred
            // under the fields; it goes with the next login.
            if let Some(text) = model.message {
                let colour = if text == Text::SessionEnded {
                    palette::WARN
                } else {
                    palette::ERROR
                };
                ui.label(
                    RichText::new(text.get(lang))
                        .color(colour)
                        .size(TextSize::Heading.points(1.0))
                        .strong(),
                );
            }
            if let Some(notice) = &model.notice {
                ui.label(
                    RichText::new(notice)
                        .color(SUGGESTED)
                        .size(TextSize::Heading.points(1.0)),
                );
            }
        });
    });
}

fn choose_window(model: &Model, ui: &mut Ui, out: &mut Option<Intent>) {
    let lang = model.lang;
    egui::CentralPanel::default_margins().show(ui, |ui| {
        ui.vertical_centered(|ui| {
            ui.add_space(48.0);
            if let Some(s) = &model.session {
                ui.label(Text::SignedInAs.fill(
                    lang,
                    &[("name", &s.staff.name), ("staff_no", &s.staff.staff_no)],
                ));
            }
            ui.label(heading(Text::ChooseWindow.get(lang)));
            ui.add_space(16.0);
            if let Some(reason) = model.offline_reason() {
                ui.label(RichText::new(reason.get(lang)).color(palette::WARN));
            }
            let windows = model
                .session
                .as_ref()
                .map(|s| s.windows.clone())
                .unwrap_or_default();
            let busy = model.pending.is_some();
            ui.horizontal_wrapped(|ui| {
                for n in windows {
                    let mut label = Text::WindowNumber.fill(lang, &[("n", &n)]);
                    if let Some(w) = model.live.window(n) {
                        label = format!("{label}\n{}", w.name);
                    }
                    if model.remembered.last_window == Some(n) {
                        label = format!("{label}\n（{}）", Text::LastUsed.get(lang));
                    }
                    let button =
                        Button::new(RichText::new(label).size(TextSize::Button.points(1.0)))
                            .min_size(Vec2::new(200.0, 120.0));
                    let button = if model.remembered.last_window == Some(n) {
                        button.fill(palette::CALL)
                    } else {
                        button
                    };
                    if ui.add_enabled(!busy, button).clicked() {
                        set(out, Intent::ChooseWindow(n));
                    }
                }
            });
            ui.add_space(24.0);
            message_line(model, ui, out);
            if ui.button(Text::LogOut.get(lang)).clicked() {
                set(out, Intent::LogOut);
            }
        });
    });
}

fn main_screen(model: &Model, ui: &mut Ui, out: &mut Option<Intent>) {
    let lang = model.lang;
    // Keys first: a dialog takes Esc only; otherwise each first press of F1–F8 is one intent.
    for key in first_presses(ui) {
        if model.dialog.is_some() {
            if key == Key::Escape {
                set(out, Intent::CloseDialog);
            }
        } else if let Some(intent) = key_intent(key) {
            set(out, intent);
        }
    }

    egui::Panel::top("caller-top").show(ui, |ui| {
        ui.horizontal(|ui| {
            let title = match model.my_window() {
                Some(w) => format!(
                    "{} {}",
                    Text::WindowNumber.fill(lang, &[("n", &w.number)]),
                    w.name
                ),
                None => String::new(),
            };
            ui.label(heading(title));
            if let Some(s) = &model.session {
                ui.label(Text::SignedInAs.fill(
                    lang,
                    &[("name", &s.staff.name), ("staff_no", &s.staff.staff_no)],
                ));
            }
            if let Some(w) = model.my_window()
                && w.status == WindowStatus::Paused
            {
                let reason = w
                    .pause_reason
                    .map(|r| pause_text(r).get(lang))
                    .unwrap_or("");
                ui.label(
                    RichText::new(format!("{} {reason}", Text::WindowPaused.get(lang)))
                        .color(palette::WARN)
                        .strong(),
                );
            }
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                if gated(
                    model,
                    ui,
                    Action::SignOut,
                    Button::new(Text::LogOut.get(lang)),
                ) {
                    set(out, Intent::LogOut);
                }
                // 电话预约 for a citizen on the phone (R25), beside the session's own buttons.
                if ui
                    .add_enabled(model.can_act(), Button::new(Text::BookForCaller.get(lang)))
                    .clicked()
                {
                    set(out, Intent::OpenBook);
                }
                if model.pending.is_some() {
                    ui.label(Text::PleaseWait.get(lang));
                }
            });
        });
    });

    egui::Panel::bottom("caller-today").show(ui, |ui| today_line(model, ui, out));

    egui::Panel::right("caller-queue")
        .resizable(false)
        .exact_size(380.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| queue_lists(model, ui, out));
        });

    egui::CentralPanel::default_margins().show(ui, |ui| {
        message_line(model, ui, out);
        current_card(model, ui);
        ui.add_space(12.0);
        // Why the buttons are grey, right above them.
        if let Some(reason) = model.offline_reason() {
            ui.label(
                RichText::new(format!(
                    "{} · {}",
                    reason.get(lang),
                    Text::ActionsOffline.get(lang)
                ))
                .size(TextSize::Heading.points(1.0))
                .color(palette::WARN)
                .strong(),
            );
        }
        action_buttons(model, ui, out);
        ui.add_space(12.0);
        ui.horizontal(|ui| {
            let label = ui.label(Text::EnterNumber.get(lang));
            let mut number = model.special_number.clone();
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut number)
                        .desired_width(180.0)
                        .id_salt("special"),
                )
                .labelled_by(label.id);
            if field.changed() {
                set(out, Intent::SpecialNumber(number));
            }
            let submitted = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            let typed = !model.special_number.trim().is_empty();
            let button = Button::new(Text::SpecialCall.get(lang));
            let clicked = if typed {
                gated(model, ui, Action::SpecialCall, button)
            } else {
                ui.add_enabled(false, button)
                    .on_disabled_hover_text(Text::EnterNumber.get(lang));
                false
            };
            if (clicked || submitted) && typed {
                set(out, Intent::SpecialCall);
            }
            ui.add_space(24.0);
            // 办件编号 of the matter, when the hall's case system gave one: it goes with the next
            // 办结 and into the 好差评 export with the citizen's rating.
            let label = ui.label(Text::CaseNoLabel.get(lang));
            let mut case_no = model.case_no.clone();
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut case_no)
                        .desired_width(200.0)
                        .char_limit(qcall_protocol::CASE_NO_MAX_CHARS)
                        .hint_text(Text::CaseNoHint.get(lang))
                        .id_salt("case-no"),
                )
                .labelled_by(label.id);
            if field.changed() {
                set(out, Intent::CaseNo(case_no));
            }
            ui.add_space(24.0);
            // 取号 for the citizen in front of the window (绿色通道, 帮办代办, 预约).
            if ui
                .add_enabled(model.can_act(), Button::new(Text::IssueAtWindow.get(lang)))
                .clicked()
            {
                set(out, Intent::OpenIssue);
            }
        });
    });

    match &model.dialog {
        Some(Dialog::Transfer(draft)) => transfer_dialog(model, draft, ui, out),
        Some(Dialog::Pause) => pause_dialog(model, ui, out),
        Some(Dialog::Issue(draft)) => issue_dialog(model, draft, ui, out),
        Some(Dialog::Book(draft)) => book_dialog(model, draft, ui, out),
        None => {}
    }
}

fn current_card(model: &Model, ui: &mut Ui) {
    let lang = model.lang;
    ui.label(heading(Text::CurrentTicket.get(lang)));
    let Some(c) = model.current() else {
        ui.label(
            RichText::new(Text::NoTicketAtWindow.get(lang))
                .size(TextSize::Heading.points(1.0))
                .weak(),
        );
        ui.add_space(TextSize::Number.points(1.0));
        return;
    };
    ui.horizontal(|ui| {
        let number_colour = if c.over_limit {
            palette::WARN
        } else {
            ui.visuals().text_color()
        };
        ui.label(
            RichText::new(&c.number)
                .size(TextSize::Number.points(1.0))
                .strong()
                .color(number_colour),
        );
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                if let Some(colour) = class_colour(c.class) {
                    tag(ui, class_text(c.class).get(lang), colour);
                }
                let state_colour = if c.state == TicketState::Serving {
                    palette::GREEN_CHANNEL
                } else {
                    palette::APPOINTMENT
                };
                tag(ui, state_text(c.state).get(lang), state_colour);
            });
            ui.label(RichText::new(&c.service_name).size(TextSize::Heading.points(1.0)));
        });
    });
    timers(model, &c, ui);
}

fn timers(model: &Model, c: &CurrentView, ui: &mut Ui) {
    let lang = model.lang;
    ui.horizontal_wrapped(|ui| {
        if let Some(waited) = c.waited_ms {
            ui.label(Text::WaitedMinutes.fill(lang, &[("n", &minutes(waited))]));
        }
        match c.handling_ms {
            Some(h) => {
                let text = Text::HandlingTime.fill(lang, &[("time", &clock_text(h))]);
                let colour = if c.over_limit {
                    palette::WARN
                } else {
                    ui.visuals().text_color()
                };
                ui.label(RichText::new(text).color(colour).strong());
            }
            None => {
                ui.label(Text::CalledFor.fill(lang, &[("time", &clock_text(c.since_call_ms))]));
            }
        }
        if let Some(m) = c.expected_minutes.filter(|m| *m > 0) {
            ui.label(RichText::new(Text::TimeLimit.fill(lang, &[("n", &m)])).weak());
        }
        if c.recalls > 0 {
            ui.label(Text::RecallCount.fill(lang, &[("n", &c.recalls)]));
        }
        if c.over_limit {
            tag(ui, Text::OverTimeLimit.get(lang), palette::WARN);
        }
    });
}

fn tag(ui: &mut Ui, text: &str, colour: Color32) {
    egui::Frame::new()
        .fill(colour)
        .corner_radius(6.0)
        .inner_margin(Vec2::new(10.0, 4.0))
        .show(ui, |ui| {
            ui.label(RichText::new(text).color(palette::ON_COLOUR).strong());
        });
}

fn action_buttons(model: &Model, ui: &mut Ui, out: &mut Option<Intent>) {
    let suggested = suggested_key(model);
    let gap = 12.0;
    let width = ((ui.available_width() - 3.0 * gap) / 4.0).max(120.0);
    let mut key_button = |ui: &mut Ui, key: Key, size: Vec2| {
        let suggested = Some(key) == suggested;
        let mut text = RichText::new(button_label(model, key))
            .size(TextSize::Button.points(1.0))
            .strong();
        if suggested {
            text = text.color(palette::ON_COLOUR);
        }
        let mut button = Button::new(text).min_size(size);
        if suggested {
            button = button.fill(SUGGESTED);
        }
        if let Some(action) = key_action(key)
            && gated(model, ui, action, button)
            && let Some(intent) = key_intent(key)
        {
            set(out, intent);
        }
    };
    egui::Grid::new("actions")
        .num_columns(4)
        .spacing([gap, gap])
        .show(ui, |ui| {
            for (i, (key, _)) in KEYS.iter().take(8).enumerate() {
                key_button(ui, *key, Vec2::new(width, 84.0));
                if i % 4 == 3 {
                    ui.end_row();
                }
            }
        });
    // The key of a normal day, the whole width under the others (centred: its words too).
    ui.add_space(gap);
    ui.vertical_centered(|ui| key_button(ui, Key::F9, Vec2::new(4.0 * width + 3.0 * gap, 84.0)));
}

/// The key the window most likely needs next, drawn in [`SUGGESTED`].
fn suggested_key(model: &Model) -> Option<Key> {
    if model.is_paused() {
        return Some(Key::F8);
    }
    let waiting = model.preview.as_ref().is_some_and(|p| p.waiting > 0);
    match model.current().map(|c| c.state) {
        None => Some(Key::F1),
        Some(TicketState::Called) if !model.start_on_call() => Some(Key::F3),
        Some(TicketState::Called) if waiting => Some(Key::F9),
        Some(TicketState::Called) => Some(Key::F4),
        Some(TicketState::Serving) if waiting => Some(Key::F9),
        Some(TicketState::Serving) => Some(Key::F4),
        Some(_) => None,
    }
}

fn ticket_line(model: &Model, t: &Ticket, ui: &mut Ui) {
    let lang = model.lang;
    ui.label(
        RichText::new(&t.number)
            .size(TextSize::Heading.points(1.0))
            .strong(),
    );
    if let Some(colour) = class_colour(t.class) {
        tag(ui, class_text(t.class).get(lang), colour);
    }
    let service = model
        .live
        .service(&t.service_id)
        .map_or(t.service_id.as_str(), |s| s.name_zh.as_str());
    ui.label(service);
}

fn queue_lists(model: &Model, ui: &mut Ui, out: &mut Option<Intent>) {
    let lang = model.lang;
    let none = |ui: &mut Ui| {
        ui.label(RichText::new(Text::NoneNow.get(lang)).weak());
    };
    ui.label(heading(Text::WindowQueue.get(lang)));
    match &model.preview {
        Some(p) => {
            ui.label(
                RichText::new(Text::WaitingTotal.fill(lang, &[("n", &p.waiting)]))
                    .size(TextSize::Heading.points(1.0)),
            );
            waiting_counts(model, ui);
            if p.next.is_empty() {
                none(ui);
            }
            for (i, t) in p.next.iter().enumerate() {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(format!("{}.", i + 1)).weak());
                    ticket_line(model, t, ui);
                });
            }
        }
        None => {
            ui.label(Text::PleaseWait.get(lang));
        }
    }
    ui.separator();
    ui.label(heading(Text::HeldTickets.get(lang)));
    let held = model.preview.as_ref().map_or(&[][..], |p| &p.held[..]);
    if held.is_empty() {
        none(ui);
    }
    // Each held or no-show ticket on one line, its button under it on the right: the panel is
    // narrow and a long service name must not push the button out of sight.
    for t in held {
        ui.horizontal(|ui| ticket_line(model, t, ui));
        right_aligned_row(ui, |ui| {
            if gated(
                model,
                ui,
                Action::Unhold,
                Button::new(Text::Unhold.get(lang)),
            ) {
                set(out, Intent::Act(WindowAction::Unhold { ticket_id: t.id }));
            }
        });
    }
    ui.separator();
    ui.label(heading(Text::NoShowTickets.get(lang)));
    let no_show = model.preview.as_ref().map_or(&[][..], |p| &p.no_show[..]);
    if no_show.is_empty() {
        none(ui);
    }
    for t in no_show {
        ui.horizontal(|ui| ticket_line(model, t, ui));
        right_aligned_row(ui, |ui| {
            if model.requeue_allowed(t) {
                if gated(
                    model,
                    ui,
                    Action::Requeue,
                    Button::new(Text::Requeue.get(lang)),
                ) {
                    set(out, Intent::Act(WindowAction::Requeue { ticket_id: t.id }));
                }
            } else {
                ui.label(RichText::new(Text::ErrRequeueExpired.get(lang)).weak());
            }
        });
    }
}

/// One row of the panel's width, its contents from the right.
fn right_aligned_row(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    ui.horizontal(|ui| {
        ui.with_layout(Layout::right_to_left(Align::Center), add);
    });
}

/// Who waits, per service and per class: `按事项：企业开办 3 · 税务 1` and
/// `按类别：绿色通道 1 · 普通 3`.
fn waiting_counts(model: &Model, ui: &mut Ui) {
    let counts = model.waiting_counts();
    let lang = model.lang;
    let line = |text: Text, parts: Vec<String>| text.fill(lang, &[("list", &parts.join(" · "))]);
    if !counts.by_service.is_empty() {
        ui.label(line(
            Text::ByService,
            counts
                .by_service
                .iter()
                .map(|(name, n)| format!("{name} {n}"))
                .collect(),
        ));
    }
    if !counts.by_class.is_empty() {
        ui.label(line(
            Text::ByClass,
            counts
                .by_class
                .iter()
                .map(|(class, n)| format!("{} {n}", class_text(*class).get(lang)))
                .collect(),
        ));
    }
}

fn today_line(model: &Model, ui: &mut Ui, out: &mut Option<Intent>) {
    let lang = model.lang;
    let Some(t) = &model.today else {
        ui.label(" ");
        return;
    };
    // A 差评 of this staff member's service: one calm line above the figures, dismissed with a
    // tap; citizens at the counter do not see an alarm.
    if let Some(bad) = &model.bad_rating {
        ui.horizontal(|ui| {
            let level = level_text(bad.level).get(lang);
            ui.label(
                RichText::new(
                    Text::BadRatingNotice.fill(lang, &[("number", &bad.number), ("level", &level)]),
                )
                .color(palette::WARN),
            );
            if ui.small_button(Text::Dismiss.get(lang)).clicked() {
                set(out, Intent::DismissBadRating);
            }
        });
    }
    ui.horizontal(|ui| today_figures(t, lang, ui));
}

/// Today's counts, means, pause time and ratings of the window (R21: count per level and the
/// satisfaction rate, upheld appeals left out).
fn today_figures(t: &qcall_protocol::WindowToday, lang: qcall_client::Lang, ui: &mut Ui) {
    {
        ui.label(Text::TodayServed.fill(lang, &[("n", &t.served)]));
        ui.separator();
        ui.label(Text::TodayNoShow.fill(lang, &[("n", &t.no_show)]));
        ui.separator();
        let mean = |s: Option<u32>, text: Text, unknown: Text| match s {
            Some(s) => fill(text.get(lang), &[("n", &(s / 60))]),
            None => unknown.get(lang).to_string(),
        };
        ui.label(mean(t.mean_wait_s, Text::MeanWait, Text::MeanWaitUnknown));
        ui.separator();
        ui.label(mean(
            t.mean_handle_s,
            Text::MeanHandling,
            Text::MeanHandlingUnknown,
        ));
        let paused: u32 = t.pause_s.values().sum();
        if paused > 0 {
            ui.separator();
            ui.label(Text::TodayPaused.fill(lang, &[("n", &(paused / 60))]));
        }
        ui.separator();
        let r = &t.ratings;
        match t.satisfaction_permille {
            Some(permille) => {
                let rate = format!("{}.{}%", permille / 10, permille % 10);
                ui.label(Text::TodayRatings.fill(lang, &[("n", &r.rated()), ("rate", &rate)]));
                let levels = [
                    (RatingLevel::VerySatisfied, r.very_satisfied),
                    (RatingLevel::Satisfied, r.satisfied),
                    (RatingLevel::Basic, r.basic),
                    (RatingLevel::Dissatisfied, r.dissatisfied),
                    (RatingLevel::VeryDissatisfied, r.very_dissatisfied),
                ];
                let counts: Vec<String> = levels
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(l, n)| format!("{} {n}", level_text(*l).get(lang)))
                    .collect();
                ui.label(RichText::new(counts.join(" · ")).weak());
            }
            None => {
                ui.label(RichText::new(Text::TodayRatingsNone.get(lang)).weak());
            }
        }
    }
}

fn transfer_dialog(
    model: &Model,
    draft: &crate::model::TransferDraft,
    ui: &mut Ui,
    out: &mut Option<Intent>,
) {
    let lang = model.lang;
    let response = egui::Modal::new(egui::Id::unique("caller-transfer")).show(ui.ctx(), |ui| {
        ui.set_width(640.0);
        ui.label(heading(Text::Transfer.get(lang)));
        ui.label(Text::TransferToService.get(lang));
        ui.horizontal_wrapped(|ui| {
            for s in model.live.services().iter().filter(|s| s.enabled) {
                let target = TransferTarget::Service(s.id.clone());
                let selected = draft.to.as_ref() == Some(&target);
                if ui.selectable_label(selected, &s.name_zh).clicked() {
                    let mut next = draft.clone();
                    next.to = Some(target);
                    set(out, Intent::EditTransfer(next));
                }
            }
        });
        ui.label(Text::TransferToWindow.get(lang));
        ui.horizontal_wrapped(|ui| {
            for w in model
                .live
                .windows()
                .iter()
                .filter(|w| Some(w.number) != model.window)
            {
                let target = TransferTarget::Window(w.number);
                let selected = draft.to.as_ref() == Some(&target);
                let label = Text::WindowNumber.fill(lang, &[("n", &w.number)]);
                if ui.selectable_label(selected, label).clicked() {
                    let mut next = draft.clone();
                    next.to = Some(target);
                    set(out, Intent::EditTransfer(next));
                }
            }
        });
        let label = ui.label(Text::TransferNote.get(lang));
        let mut note = draft.note.clone();
        if ui
            .add(
                egui::TextEdit::multiline(&mut note)
                    .desired_rows(2)
                    .id_salt("note"),
            )
            .labelled_by(label.id)
            .changed()
        {
            let mut next = draft.clone();
            next.note = note;
            set(out, Intent::EditTransfer(next));
        }
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    draft.to.is_some() && model.can_act(),
                    Button::new(Text::Confirm.get(lang)),
                )
                .clicked()
            {
                set(out, Intent::ConfirmTransfer);
            }
            if ui.button(Text::Cancel.get(lang)).clicked() {
                set(out, Intent::CloseDialog);
            }
        });
    });
    if response.should_close() {
        set(out, Intent::CloseDialog);
    }
}

/// 取号 at the window: service, class, optional id and phone; the number once issued.
fn issue_dialog(
    model: &Model,
    draft: &crate::model::IssueDraft,
    ui: &mut Ui,
    out: &mut Option<Intent>,
) {
    let lang = model.lang;
    let response = egui::Modal::new(egui::Id::unique("caller-issue")).show(ui.ctx(), |ui| {
        ui.set_width(640.0);
        ui.label(heading(Text::IssueAtWindow.get(lang)));
        ui.label(Text::IssueService.get(lang));
        ui.horizontal_wrapped(|ui| {
            for s in model.live.services().iter().filter(|s| s.enabled) {
                let selected = draft.service.as_deref() == Some(s.id.as_str());
                if ui.selectable_label(selected, &s.name_zh).clicked() {
                    let mut next = draft.clone();
                    next.service = Some(s.id.clone());
                    set(out, Intent::EditIssue(Box::new(next)));
                }
            }
        });
        ui.label(Text::IssueClass.get(lang));
        ui.horizontal(|ui| {
            for class in crate::model::STAFF_CLASSES {
                let selected = draft.class == class;
                let text = qcall_client::i18n::class_text(class).get(lang);
                if ui.selectable_label(selected, text).clicked() {
                    let mut next = draft.clone();
                    next.class = class;
                    set(out, Intent::EditIssue(Box::new(next)));
                }
            }
        });
        let fields = [
            (Text::IssueCitizenId, draft.citizen_id.clone(), "issue-id"),
            (Text::IssuePhone, draft.phone.clone(), "issue-phone"),
        ];
        for (i, (label, value, salt)) in fields.into_iter().enumerate() {
            if let Some(text) = labelled_field(ui, label.get(lang), value, salt) {
                let mut next = draft.clone();
                if i == 0 {
                    next.citizen_id = text;
                } else {
                    next.phone = text;
                }
                set(out, Intent::EditIssue(Box::new(next)));
            }
        }
        if let Some(error) = draft.error {
            dialog_error(ui, error.get(lang));
        }
        if let Some(issue) = &draft.issued {
            ui.label(Text::IssuedNumber.get(lang));
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(&issue.ticket.number)
                        .size(TextSize::Number.points(0.5))
                        .strong(),
                );
                let class = qcall_client::i18n::class_text(issue.ticket.class).get(lang);
                let colour =
                    qcall_client::ui::class_colour(issue.ticket.class).unwrap_or(palette::WARN);
                ui.label(heading(class).color(colour));
            });
        }
        let ready = draft.service.is_some() && !draft.in_flight && model.can_act();
        confirm_or_close(
            ui,
            lang,
            (Text::IssueConfirm, ready, Intent::ConfirmIssue),
            out,
        );
    });
    if response.should_close() {
        set(out, Intent::CloseDialog);
    }
}

/// 电话预约: service, a free slot, name, phone and optional id; the code once booked.
fn book_dialog(
    model: &Model,
    draft: &crate::model::BookDraft,
    ui: &mut Ui,
    out: &mut Option<Intent>,
) {
    let lang = model.lang;
    let edit = |out: &mut Option<Intent>, f: &dyn Fn(&mut crate::model::BookDraft)| {
        let mut next = draft.clone();
        f(&mut next);
        set(out, Intent::EditBook(Box::new(next)));
    };
    let response = egui::Modal::new(egui::Id::unique("caller-book")).show(ui.ctx(), |ui| {
        ui.set_width(720.0);
        ui.label(heading(Text::BookForCaller.get(lang)));
        let Some(services) = &draft.slots else {
            ui.spinner();
            if ui.button(Text::Close.get(lang)).clicked() {
                set(out, Intent::CloseDialog);
            }
            return;
        };
        ui.label(Text::IssueService.get(lang));
        ui.horizontal_wrapped(|ui| {
            for s in services {
                let selected = draft.service.as_deref() == Some(s.service_id.as_str());
                let name = if lang == qcall_client::Lang::En {
                    &s.name_en
                } else {
                    &s.name_zh
                };
                if ui.selectable_label(selected, name).clicked() {
                    let id = s.service_id.clone();
                    edit(out, &move |d| d.service = Some(id.clone()));
                }
            }
        });
        ui.label(Text::BookSlot.get(lang));
        let chosen = services
            .iter()
            .find(|s| draft.service.as_deref() == Some(s.service_id.as_str()));
        egui::ScrollArea::vertical()
            .max_height(180.0)
            .id_salt("book-slots")
            .show(ui, |ui| {
                let mut any = false;
                for day in chosen.map(|s| s.days.as_slice()).unwrap_or_default() {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(&day.date);
                        for slot in day.slots.iter().filter(|s| s.free > 0) {
                            any = true;
                            let key = (day.date.clone(), slot.slot.clone());
                            let selected = draft.slot.as_ref() == Some(&key);
                            let text = format!("{} ({})", slot.slot, slot.free);
                            if ui.selectable_label(selected, text).clicked() {
                                edit(out, &move |d| d.slot = Some(key.clone()));
                            }
                        }
                    });
                }
                if !any {
                    ui.label(RichText::new(Text::BookNoSlots.get(lang)).weak());
                }
            });
        let fields = [
            (Text::BookName, draft.name.clone(), "book-name"),
            (Text::BookingPhone, draft.phone.clone(), "book-phone"),
            (Text::IssueCitizenId, draft.citizen_id.clone(), "book-id"),
        ];
        for (i, (label, value, salt)) in fields.into_iter().enumerate() {
            if let Some(text) = labelled_field(ui, label.get(lang), value, salt) {
                edit(out, &move |d| match i {
                    0 => d.name.clone_from(&text),
                    1 => d.phone.clone_from(&text),
                    _ => d.citizen_id.clone_from(&text),
                });
            }
        }
        if let Some(error) = draft.error {
            dialog_error(ui, error.get(lang));
        }
        if let Some(b) = &draft.booked {
            ui.label(Text::BookedCode.get(lang));
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(&b.code)
                        .size(TextSize::Number.points(0.5))
                        .strong(),
                );
                ui.label(heading(format!("{} {}", b.date, b.slot)));
            });
        }
        let ready = !draft.in_flight && model.can_act();
        confirm_or_close(
            ui,
            lang,
            (Text::BookConfirm, ready, Intent::ConfirmBook),
            out,
        );
    });
    if response.should_close() {
        set(out, Intent::CloseDialog);
    }
}

/// A dialog's text field with its label on the left; the new text when it was edited.
fn labelled_field(ui: &mut Ui, label: &str, value: String, salt: &str) -> Option<String> {
    ui.horizontal(|ui| {
        let label = ui.label(label);
        let mut text = value;
        ui.add(egui::TextEdit::singleline(&mut text).id_salt(salt))
            .labelled_by(label.id)
            .changed()
            .then_some(text)
    })
    .inner
}

/// Why a dialog's request was refused.
fn dialog_error(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).color(palette::ERROR).strong());
}

/// A dialog's last row: its confirm button (word, enabled, intent) and 关闭.
fn confirm_or_close(
    ui: &mut Ui,
    lang: qcall_client::Lang,
    (word, ready, intent): (Text, bool, Intent),
    out: &mut Option<Intent>,
) {
    ui.horizontal(|ui| {
        if ui.add_enabled(ready, Button::new(word.get(lang))).clicked() {
            set(out, intent);
        }
        if ui.button(Text::Close.get(lang)).clicked() {
            set(out, Intent::CloseDialog);
        }
    });
}

fn pause_dialog(model: &Model, ui: &mut Ui, out: &mut Option<Intent>) {
    let lang = model.lang;
    let response = egui::Modal::new(egui::Id::unique("caller-pause")).show(ui.ctx(), |ui| {
        ui.label(heading(Text::ChoosePauseReason.get(lang)));
        ui.horizontal(|ui| {
            for reason in [
                PauseReason::Break,
                PauseReason::Meeting,
                PauseReason::Consultation,
                PauseReason::Other,
            ] {
                if ui
                    .add_enabled(
                        model.can_act(),
                        Button::new(pause_text(reason).get(lang)).min_size(Vec2::new(140.0, 72.0)),
                    )
                    .clicked()
                {
                    set(out, Intent::PauseWith(reason));
                }
            }
        });
        if ui.button(Text::Cancel.get(lang)).clicked() {
            set(out, Intent::CloseDialog);
        }
    });
    if response.should_close() {
        set(out, Intent::CloseDialog);
    }
}

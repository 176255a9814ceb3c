//! Drawing the rating pad (评价器, R21, R33) from the [`Model`]: no I/O, no state of its own; it
//! returns what the citizen touched as a [`PadIntent`].
//!
//! Made for a touch screen at arm's length and for elderly citizens: every level is a large button
//! with its words (no faces alone), each at least a fifth of the screen's height, bad levels in
//! warm colours apart from the good ones; sizes are fractions of the screen, larger still in
//! 长者模式, and every line is fitted, never cut.

use egui::{
    Align, Button, Color32, CornerRadius, FontId, Rect, RichText, Stroke, TextEdit, Ui, pos2, vec2,
};
use qcall_client::i18n::{Lang, Text, level_text, reason_text};
use qcall_client::ui::palette;
use qcall_protocol::{Millis, RatingLevel, RatingReason, WindowNo};

use crate::model::Model;
use crate::pad::{Pad, PadIntent, PadStep, TEXT_MAX_CHARS};
use crate::photo::Photos;
use crate::view::{MUTED, PANEL, TEXT, fit, header_line, marks, split_h, split_w, staff_card};

/// How much larger type is in 长者模式.
pub const ELDER_TYPE: f32 = 1.3;

/// A level's button colour: cool for the good levels, warm for 差评 (white text on each).
pub fn level_colour(level: RatingLevel) -> Color32 {
    match level {
        RatingLevel::VerySatisfied => Color32::from_rgb(0x1B, 0x7A, 0x3C),
        RatingLevel::Satisfied => Color32::from_rgb(0x1F, 0x6A, 0x8A),
        RatingLevel::Basic => Color32::from_rgb(0x3D, 0x50, 0x7A),
        RatingLevel::Dissatisfied => Color32::from_rgb(0xA8, 0x4B, 0x00),
        RatingLevel::VeryDissatisfied => Color32::from_rgb(0xB7, 0x1C, 0x1C),
    }
}

/// A level's words as its button shows them: on two lines where they are long ("非常\n满意",
/// "Very\nsatisfied"), so that the five buttons side by side can carry large type.
pub fn level_words(level: RatingLevel, lang: Lang) -> String {
    let words = level_text(level).get(lang);
    match lang {
        Lang::Zh => {
            let chars: Vec<char> = words.chars().collect();
            if chars.len() >= 4 {
                let (head, tail) = chars.split_at(2);
                format!(
                    "{}\n{}",
                    head.iter().collect::<String>(),
                    tail.iter().collect::<String>()
                )
            } else {
                words.to_owned()
            }
        }
        Lang::En => words.replacen(' ', "\n", 1),
    }
}

/// The rating pad of window `number` at local time `local_now`.
pub(crate) fn pad_screen(
    ui: &mut Ui,
    rect: Rect,
    model: &Model,
    number: WindowNo,
    local_now: Millis,
    photos: &Photos,
) -> Option<PadIntent> {
    let lang = model.lang;
    let s = model.window_screen(number, local_now);
    let fresh = Pad::new(number);
    let pad = model.pad().unwrap_or(&fresh);
    let (w, h) = (rect.width(), rect.height());
    // The unit of type: the shorter side, larger in 长者模式.
    let u = w.min(h) * if pad.elder { ELDER_TYPE } else { 1.0 };
    let gap = h * 0.02;
    let mut intent = None;

    // Header: window number and name, the link marks; 长者模式 and the language on the right.
    let header = Rect::from_min_size(rect.min, vec2(w, h * 0.13));
    ui.painter().rect_filled(header, 0.0, PANEL);
    header_line(ui, header);
    let switches_w = w * 0.34;
    let title = Rect::from_min_max(
        header.min + vec2(gap * 1.5, 0.0),
        pos2(
            header.max.x - switches_w,
            header.min.y + header.height() * 0.72,
        ),
    );
    let window_no = Text::WindowNumber.fill(lang, &[("n", &number)]);
    fit(
        ui,
        title,
        Align::Min,
        &format!("{window_no}  {}", s.name),
        h * 0.065,
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
    let switch_size = vec2(switches_w * 0.46, header.height() * 0.66);
    let right = header.max.x - gap * 1.5;
    let mid_y = header.center().y;
    let other = Rect::from_center_size(pos2(right - switch_size.x / 2.0, mid_y), switch_size);
    let elder = Rect::from_center_size(
        pos2(other.min.x - gap - switch_size.x / 2.0, mid_y),
        switch_size,
    );
    let switch = |ui: &mut Ui, r: Rect, label: &str, on: bool| {
        let text = RichText::new(label).size(h * 0.038).color(TEXT);
        let button = Button::new(text)
            .fill(if on { palette::APPOINTMENT } else { PANEL })
            .stroke(Stroke::new(2.0, MUTED))
            .corner_radius(CornerRadius::same(10));
        ui.put(r, button).clicked()
    };
    if switch(ui, elder, Text::ElderMode.get(lang), pad.elder) {
        intent = Some(PadIntent::Elder);
    }
    if switch(ui, other, Text::OtherLanguage.get(lang), false) {
        intent = Some(PadIntent::Language);
    }

    let mut body = Rect::from_min_max(pos2(rect.min.x, header.max.y), rect.max).shrink(gap * 1.5);
    // Offline it says so on every step: nothing can be sent, nothing is lost.
    if !model.online() && model.live().has_snapshot() {
        let (band, rest) = split_h(body, 0.1);
        ui.painter()
            .rect_filled(band, CornerRadius::same(10), palette::WARN);
        fit(
            ui,
            band.shrink(gap * 0.5),
            Align::Center,
            Text::PadOffline.get(lang),
            u * 0.05,
            Color32::BLACK,
        );
        body = Rect::from_min_max(pos2(rest.min.x, rest.min.y + gap), rest.max);
    }
    let enabled = model.online() && !pad.is_sending();

    match &pad.step {
        PadStep::Idle => {
            let staff = s.staff.as_ref();
            let (top, bottom) = split_h(body, if staff.is_some() { 0.62 } else { 0.5 });
            match staff {
                Some(staff) => staff_card(ui, top, staff, photos, u * 1.25, lang, None),
                None => fit(
                    ui,
                    top,
                    Align::Center,
                    Text::WindowClosed.get(lang),
                    u * 0.12,
                    MUTED,
                ),
            }
            fit(
                ui,
                bottom,
                Align::Center,
                Text::PadIdle.get(lang),
                u * 0.06,
                TEXT,
            );
        }
        PadStep::Ask { invite } => {
            let (question, rest) = split_h(body, 0.16);
            fit(
                ui,
                question,
                Align::Center,
                Text::PadAsk.get(lang),
                u * 0.085,
                TEXT,
            );
            let (who, rest) = split_h(rest, 0.13);
            let mut line = Text::PadYourNumber.fill(lang, &[("number", &invite.number)]);
            if let Some(staff) = &s.staff {
                line = format!("{line}　·　{} {}", staff.name, staff.staff_no);
            }
            fit(ui, who, Align::Center, &line, u * 0.045, MUTED);
            let (problem, buttons) = split_h(rest, 0.14);
            problem_line(ui, problem, pad, u);
            if let Some(level) = level_buttons(ui, buttons, lang, u, gap, enabled) {
                intent = Some(PadIntent::Level(level));
            }
        }
        PadStep::Reasons {
            level,
            reasons,
            text,
            ..
        } => {
            let (question, rest) = split_h(body, 0.14);
            let level_words = level_text(*level).get(lang);
            let ask = Text::PadReasonsAsk.fill(lang, &[("level", &level_words)]);
            fit(ui, question, Align::Center, &ask, u * 0.06, TEXT);
            let (chips, rest) = split_h(rest, 0.3);
            if let Some(reason) = reason_chips(ui, chips, reasons, lang, u, gap, enabled) {
                intent = Some(PadIntent::Reason(reason));
            }
            let (words, rest) = split_h(rest, 0.42);
            if let Some(changed) = words_box(ui, words.shrink2(vec2(0.0, gap * 0.5)), text, lang, u)
            {
                intent = Some(PadIntent::Text(changed));
            }
            let (problem, actions) = split_h(rest, 0.35);
            problem_line(ui, problem, pad, u);
            let back = Rect::from_min_max(
                actions.min,
                pos2(actions.min.x + actions.width() * 0.3, actions.max.y),
            );
            let submit =
                Rect::from_min_max(pos2(back.max.x + gap * 2.0, actions.min.y), actions.max);
            let back_button = Button::new(RichText::new(Text::Back.get(lang)).size(u * 0.055))
                .fill(PANEL)
                .stroke(Stroke::new(2.0, MUTED))
                .corner_radius(CornerRadius::same(14));
            if ui
                .add_enabled_ui(enabled, |ui| ui.put(back, back_button))
                .inner
                .clicked()
            {
                intent = Some(PadIntent::Back);
            }
            let submit_label = if pad.is_sending() {
                Text::PleaseWait
            } else {
                Text::PadSubmit
            };
            let submit_button = Button::new(
                RichText::new(submit_label.get(lang))
                    .size(u * 0.065)
                    .color(Color32::WHITE)
                    .strong(),
            )
            .fill(palette::APPOINTMENT)
            .corner_radius(CornerRadius::same(14));
            let can = enabled && pad.can_submit();
            if ui
                .add_enabled_ui(can, |ui| ui.put(submit, submit_button))
                .inner
                .clicked()
            {
                intent = Some(PadIntent::Submit);
            }
        }
        PadStep::Done { note, .. } => {
            let (thanks, sub) = split_h(body, 0.6);
            let (title, second) = match note {
                None => (Text::PadThanks, Text::PadThanksSub.get(lang)),
                Some(Text::PadAlreadyRated) => (Text::PadThanks, Text::PadAlreadyRated.get(lang)),
                Some(other) => (Text::PadThanks, other.get(lang)),
            };
            fit(
                ui,
                thanks,
                Align::Center,
                title.get(lang),
                u * 0.14,
                palette::CALL,
            );
            fit(
                ui,
                Rect::from_min_max(sub.min, pos2(sub.max.x, sub.min.y + sub.height() * 0.4)),
                Align::Center,
                second,
                u * 0.055,
                TEXT,
            );
        }
    }
    intent
}

/// Why the last rating did not go, in the warning colour (nothing when all is well).
fn problem_line(ui: &mut Ui, rect: Rect, pad: &Pad, u: f32) {
    if let Some(problem) = &pad.problem {
        fit(ui, rect, Align::Center, problem, u * 0.042, palette::WARN);
    }
}

/// The five levels side by side, best first, each a large button with its words.
fn level_buttons(
    ui: &mut Ui,
    rect: Rect,
    lang: Lang,
    u: f32,
    gap: f32,
    enabled: bool,
) -> Option<RatingLevel> {
    let n = RatingLevel::ALL.len() as f32;
    let width = (rect.width() - gap * (n - 1.0)) / n;
    // One size for all five, the largest at which the longest line fits.
    let size = RatingLevel::ALL
        .into_iter()
        .flat_map(|l| {
            let words = level_words(l, lang);
            words
                .lines()
                .map(|line| fitted(ui, line, u * 0.085, width * 0.8))
                .collect::<Vec<f32>>()
        })
        .fold(f32::MAX, f32::min);
    let mut chosen = None;
    for (i, level) in RatingLevel::ALL.into_iter().enumerate() {
        let cell = Rect::from_min_size(
            pos2(rect.min.x + i as f32 * (width + gap), rect.min.y),
            vec2(width, rect.height()),
        );
        let words = level_words(level, lang);
        let button = Button::new(
            RichText::new(words)
                .size(size)
                .color(Color32::WHITE)
                .strong(),
        )
        .wrap_mode(egui::TextWrapMode::Extend)
        .fill(level_colour(level))
        .corner_radius(CornerRadius::same(18));
        if ui
            .add_enabled_ui(enabled, |ui| ui.put(cell, button))
            .inner
            .clicked()
        {
            chosen = Some(level);
        }
    }
    chosen
}

/// The five reason chips of a 差评 in a row; chosen ones filled.
fn reason_chips(
    ui: &mut Ui,
    rect: Rect,
    chosen: &[RatingReason],
    lang: Lang,
    u: f32,
    gap: f32,
    enabled: bool,
) -> Option<RatingReason> {
    let n = RatingReason::ALL.len() as f32;
    let width = (rect.width() - gap * (n - 1.0)) / n;
    let size = RatingReason::ALL
        .into_iter()
        .map(|r| fitted(ui, reason_text(r).get(lang), u * 0.07, width * 0.8))
        .fold(f32::MAX, f32::min);
    let mut tapped = None;
    for (i, reason) in RatingReason::ALL.into_iter().enumerate() {
        let cell = Rect::from_min_size(
            pos2(rect.min.x + i as f32 * (width + gap), rect.min.y),
            vec2(width, rect.height()),
        );
        let on = chosen.contains(&reason);
        let words = reason_text(reason).get(lang);
        let button = Button::new(
            RichText::new(words)
                .size(size)
                .color(if on { Color32::WHITE } else { TEXT })
                .strong(),
        )
        .selected(on)
        .fill(if on {
            level_colour(RatingLevel::VeryDissatisfied)
        } else {
            PANEL
        })
        .stroke(Stroke::new(3.0, if on { Color32::WHITE } else { MUTED }))
        .corner_radius(CornerRadius::same(16));
        if ui
            .add_enabled_ui(enabled, |ui| ui.put(cell, button))
            .inner
            .clicked()
        {
            tapped = Some(reason);
        }
    }
    tapped
}

/// The optional words of a 差评, at most [`TEXT_MAX_CHARS`] characters, with the count; returns the
/// new words when they changed.
fn words_box(ui: &mut Ui, rect: Rect, text: &str, lang: Lang, u: f32) -> Option<String> {
    let mut words = text.to_owned();
    let hint = Text::PadTextHint.fill(lang, &[("max", &TEXT_MAX_CHARS)]);
    let (field, count) = split_w(rect, 0.9);
    let count = Rect::from_min_max(pos2(count.min.x, count.max.y - u * 0.05), count.max);
    let rows = ((field.height() / (u * 0.06)).floor() as usize).max(1);
    let changed = ui
        .put(
            field,
            TextEdit::multiline(&mut words)
                .font(FontId::proportional(u * 0.045))
                .hint_text(RichText::new(hint).size(u * 0.045).color(MUTED))
                .desired_rows(rows)
                .desired_width(field.width())
                .char_limit(TEXT_MAX_CHARS),
        )
        .changed();
    fit(
        ui,
        count,
        Align::Max,
        &format!("{}/{TEXT_MAX_CHARS}", words.chars().count()),
        u * 0.03,
        MUTED,
    );
    changed.then_some(words)
}

/// The largest size up to `wanted` at which `text` fits `width` on one line.
fn fitted(ui: &Ui, text: &str, wanted: f32, width: f32) -> f32 {
    crate::view::fit_size(ui, text, wanted, width)
}

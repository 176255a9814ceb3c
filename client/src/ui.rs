//! egui setup shared by the apps: the embedded Chinese font, two looks (a light one for the kiosk
//! and the caller, a dark one for hall screens) and text sizes.
//!
//! egui's own fonts have no Chinese at all, and a kiosk must not depend on what fonts the machine
//! happens to have, so the font subset from `assets/fonts` is compiled into the binary. This is the
//! only module of the crate that uses egui, and it uses egui alone (no eframe, no winit): the apps
//! bring their window.

use std::sync::Arc;

use egui::epaint::text::{FontData, FontDefinitions, FontFamily};
use egui::{
    Color32, Context, CornerRadius, FontId, Stroke, Style, TextStyle, Theme, Vec2, Visuals,
};
use qcall_protocol::TicketClass;

/// Noto Sans CJK SC, subset to GB2312 level 1, its symbols and ASCII (see `assets/README.md`).
pub const CHINESE_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-qcall.otf");
/// The font's key in egui's font definitions.
pub const CHINESE_FONT_NAME: &str = "NotoSansSC-qcall";

/// Smallest height of anything a finger taps, in points: above the 44–48 pt of phone guidelines,
/// because kiosk users are often elderly and hall touch screens are large and slightly slow.
pub const TOUCH_TARGET: f32 = 56.0;

/// The embedded Chinese font first for proportional text, so mixed Chinese text is one face:
/// the digits and letters of "1号窗口" or "请A001号" come from the same font as the hanzi beside
/// them, with the same size and baseline (egui's Latin font has smaller digits that sit higher
/// next to hanzi). egui's fonts stay behind it for what the subset lacks (emoji, rare symbols).
/// Monospace keeps egui's monospaced font first (aligned columns of digits), with ours as its
/// first fallback for hanzi.
pub fn font_definitions() -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert(
        CHINESE_FONT_NAME.to_owned(),
        Arc::new(FontData::from_static(CHINESE_FONT)),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        let at = match family {
            FontFamily::Proportional => 0,
            _ => 1,
        };
        let list = fonts.families.entry(family).or_default();
        let at = list.len().min(at);
        list.insert(at, CHINESE_FONT_NAME.to_owned());
    }
    fonts
}

/// Installs [`font_definitions`]. Call once, before the first frame (eframe's creation context).
pub fn install_fonts(ctx: &Context) {
    ctx.set_fonts(font_definitions());
}

/// Which screen the style is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// Kiosk and caller: dark text on a light background, readable in a bright hall.
    Light,
    /// Hall board and window screens: light text on near-black, legible from across the hall.
    Dark,
}

impl Look {
    /// egui's theme for this look.
    pub fn theme(self) -> Theme {
        match self {
            Look::Light => Theme::Light,
            Look::Dark => Theme::Dark,
        }
    }
}

/// Text sizes in points at scale 1.0; multiply by the app's scale (elder mode uses
/// [`ELDER_SCALE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSize {
    /// Footnotes, hints.
    Small,
    /// Normal text.
    Body,
    /// Button labels.
    Button,
    /// Section headings.
    Heading,
    /// Screen titles, the hall's name.
    Title,
    /// A ticket number on the kiosk's result screen or the caller's current ticket.
    Number,
}

impl TextSize {
    /// The size in points at `scale`.
    pub fn points(self, scale: f32) -> f32 {
        let base = match self {
            TextSize::Small => 18.0,
            TextSize::Body => 22.0,
            TextSize::Button => 26.0,
            TextSize::Heading => 32.0,
            TextSize::Title => 44.0,
            TextSize::Number => 96.0,
        };
        base * scale
    }

    /// A proportional font of this size at `scale`.
    pub fn font(self, scale: f32) -> FontId {
        FontId::proportional(self.points(scale))
    }
}

/// 适老化 (elder mode): everything 40 % larger, so fewer items fit per screen (SPEC §6).
pub const ELDER_SCALE: f32 = 1.4;

/// How much of the em a capital or digit fills, in both fonts (about 0.7–0.73).
const CAP_HEIGHT: f32 = 0.7;

/// The font size that makes a called number's digits at least one sixth of the screen height
/// (R18: legible from 10 m).
pub fn call_number_size(screen_height: f32) -> f32 {
    screen_height / 6.0 / CAP_HEIGHT
}

/// Colours with a meaning, the same in every app.
pub mod palette {
    use egui::Color32;

    /// The latest call on the hall board.
    pub const CALL: Color32 = Color32::from_rgb(0xFF, 0xC8, 0x2E);
    /// 绿色通道 tickets.
    pub const GREEN_CHANNEL: Color32 = Color32::from_rgb(0x1B, 0x8A, 0x3C);
    /// 爱心优先 tickets.
    pub const PRIORITY: Color32 = Color32::from_rgb(0xC2, 0x18, 0x5B);
    /// 预约 tickets.
    pub const APPOINTMENT: Color32 = Color32::from_rgb(0x15, 0x65, 0xC0);
    /// A refusal or a fault.
    pub const ERROR: Color32 = Color32::from_rgb(0xC6, 0x28, 0x28);
    /// Over a time limit, or a calm "reconnecting".
    pub const WARN: Color32 = Color32::from_rgb(0xE6, 0x7E, 0x00);
    /// The main action (取号, 叫号).
    pub const ACTION: Color32 = Color32::from_rgb(0xB7, 0x1C, 0x1C);
    /// Text on [`ACTION`], [`GREEN_CHANNEL`], [`PRIORITY`] and [`APPOINTMENT`].
    pub const ON_COLOUR: Color32 = Color32::WHITE;
}

/// A ticket class's colour on tags and badges; `None` for normal tickets (no tag).
pub fn class_colour(class: TicketClass) -> Option<Color32> {
    match class {
        TicketClass::Normal => None,
        TicketClass::Priority => Some(palette::PRIORITY),
        TicketClass::Green => Some(palette::GREEN_CHANNEL),
        TicketClass::Appointment => Some(palette::APPOINTMENT),
    }
}

/// Sets the look's theme and its style: large touch targets, large text, high contrast. `scale` is
/// 1.0, or [`ELDER_SCALE`] in elder mode.
pub fn apply_look(ctx: &Context, look: Look, scale: f32) {
    ctx.set_theme(look.theme());
    ctx.style_mut_of(look.theme(), |style| configure(style, look, scale));
}

/// The style of a look, for tests and for apps that draw into their own `Ui`.
pub fn configure(style: &mut Style, look: Look, scale: f32) {
    use TextStyle::*;
    style.text_styles = [
        (Small, TextSize::Small.font(scale)),
        (Body, TextSize::Body.font(scale)),
        (Monospace, FontId::monospace(TextSize::Body.points(scale))),
        (Button, TextSize::Button.font(scale)),
        (Heading, TextSize::Heading.font(scale)),
    ]
    .into();
    let spacing = &mut style.spacing;
    spacing.item_spacing = Vec2::splat(12.0) * scale;
    spacing.button_padding = Vec2::new(20.0, 12.0) * scale;
    spacing.interact_size = Vec2::new(TOUCH_TARGET, TOUCH_TARGET) * scale;
    spacing.icon_width = 28.0 * scale;
    spacing.icon_width_inner = 16.0 * scale;
    spacing.icon_spacing = 8.0 * scale;
    spacing.scroll.bar_width = 16.0 * scale;
    spacing.text_edit_width = 320.0 * scale;
    // Touch screens have no hover; tooltips and text selection only get in the way.
    style.interaction.selectable_labels = false;
    style.visuals = visuals(look);
}

/// High-contrast visuals: text against its background reaches WCAG AAA (7:1) in both looks.
pub fn visuals(look: Look) -> Visuals {
    let (mut v, background, text, button) = match look {
        Look::Light => (
            Visuals::light(),
            Color32::from_gray(250),
            Color32::from_gray(20),
            Color32::from_gray(225),
        ),
        Look::Dark => (
            Visuals::dark(),
            Color32::from_rgb(0x0A, 0x0E, 0x1A),
            Color32::from_gray(245),
            Color32::from_rgb(0x22, 0x2A, 0x3A),
        ),
    };
    v.panel_fill = background;
    v.window_fill = background;
    v.extreme_bg_color = match look {
        Look::Light => Color32::WHITE,
        Look::Dark => Color32::BLACK,
    };
    let radius = CornerRadius::same(10);
    let widgets = &mut v.widgets;
    widgets.noninteractive.fg_stroke = Stroke::new(1.0, text);
    widgets.noninteractive.bg_fill = background;
    widgets.noninteractive.weak_bg_fill = background;
    for w in [
        &mut widgets.inactive,
        &mut widgets.hovered,
        &mut widgets.active,
        &mut widgets.open,
    ] {
        w.fg_stroke = Stroke::new(1.5, text);
        w.corner_radius = radius;
        w.expansion = 0.0;
    }
    widgets.inactive.weak_bg_fill = button;
    widgets.inactive.bg_fill = button;
    widgets.inactive.bg_stroke = Stroke::new(1.0, text.gamma_multiply(0.4));
    // Pressed: a visible change under the finger.
    widgets.active.weak_bg_fill = palette::CALL;
    widgets.active.bg_fill = palette::CALL;
    widgets.active.fg_stroke = Stroke::new(2.0, Color32::BLACK);
    v.error_fg_color = palette::ERROR;
    v.warn_fg_color = palette::WARN;
    // A steady caret: easier to find for an elderly citizen than one that comes and goes, no
    // repaint twice a second on a PC without a GPU, and a screen that does not depend on when it
    // was looked at (the snapshots).
    v.text_cursor.blink = false;
    v
}

/// WCAG 2 contrast ratio of two opaque colours (1 to 21).
pub fn contrast_ratio(a: Color32, b: Color32) -> f32 {
    fn luminance(c: Color32) -> f32 {
        let channel = |v: u8| {
            let v = f32::from(v) / 255.0;
            if v <= 0.040_45 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
    }
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Text};

    /// A context that has laid out one frame, so its fonts exist.
    fn context(install: bool) -> Context {
        let ctx = Context::default();
        if install {
            install_fonts(&ctx);
        }
        ctx.run_ui(egui::RawInput::default(), |ui| {
            ui.label("取号");
        })
        .drop_without_applying_deltas();
        ctx
    }

    fn has_glyphs(ctx: &Context, family: FontFamily, text: &str) -> bool {
        ctx.fonts_mut(|f| f.has_glyphs(&FontId::new(20.0, family), text))
    }

    #[test]
    fn every_catalog_string_has_glyphs_in_the_embedded_font() {
        let ctx = context(true);
        let mut strings: Vec<&str> =
            vec!["请A001号到3号窗口办理", "０１２３４５６７８９", "A001 → 3"];
        for &text in Text::ALL {
            strings.extend(Lang::ALL.iter().map(|&lang| text.get(lang)));
        }
        for family in [FontFamily::Proportional, FontFamily::Monospace] {
            for s in &strings {
                let missing: String = s
                    .chars()
                    .filter(|&c| !has_glyphs(&ctx, family.clone(), &c.to_string()))
                    .collect();
                assert!(missing.is_empty(), "{family:?}: {s:?} lacks {missing:?}");
            }
        }
    }

    #[test]
    fn the_glyph_check_can_fail() {
        // egui alone has no Chinese: the embedded font is what makes the test above pass.
        let bare = context(false);
        assert!(!has_glyphs(&bare, FontFamily::Proportional, "取号"));
        // And a character outside the subset (CJK extension B) is reported missing.
        let ctx = context(true);
        assert!(!has_glyphs(&ctx, FontFamily::Proportional, "𠮷"));
    }

    #[test]
    fn proportional_text_is_one_face_and_monospace_falls_back_to_it() {
        let fonts = font_definitions();
        let proportional = &fonts.families[&FontFamily::Proportional];
        assert_eq!(proportional[0], CHINESE_FONT_NAME, "{proportional:?}");
        assert!(proportional.len() > 1, "egui's fonts stay as fallbacks");
        let mono = &fonts.families[&FontFamily::Monospace];
        assert_ne!(mono[0], CHINESE_FONT_NAME, "{mono:?}");
        assert_eq!(mono[1], CHINESE_FONT_NAME, "{mono:?}");
        assert!(CHINESE_FONT.len() > 500_000, "the real subset, not a stub");
    }

    /// (ascent, height) of the face that drew glyph `index` of `text` in a proportional font.
    fn face_of(ctx: &Context, text: &str, index: usize) -> (f32, f32) {
        let galley = ctx.fonts_mut(|f| {
            f.layout_no_wrap(text.to_owned(), FontId::proportional(100.0), Color32::WHITE)
        });
        let glyph = galley.rows[0].glyphs[index];
        (glyph.font_face_ascent, glyph.font_face_height)
    }

    #[test]
    fn digits_next_to_hanzi_come_from_the_same_face() {
        // "1号窗口": the digit and 号 come from one face, so they share size and baseline.
        let ctx = context(true);
        assert_eq!(face_of(&ctx, "1号窗口", 0), face_of(&ctx, "1号窗口", 1));
        assert_eq!(face_of(&ctx, "请A001号", 1), face_of(&ctx, "请A001号", 0));
        // With egui's Latin font first (as before), the digit comes from another face.
        let mut latin_first = font_definitions();
        let list = latin_first
            .families
            .get_mut(&FontFamily::Proportional)
            .expect("family");
        list.retain(|f| f != CHINESE_FONT_NAME);
        list.insert(1, CHINESE_FONT_NAME.to_owned());
        let other = Context::default();
        other.set_fonts(latin_first);
        other
            .run_ui(egui::RawInput::default(), |ui| {
                ui.label("取号");
            })
            .drop_without_applying_deltas();
        assert_ne!(face_of(&other, "1号窗口", 0), face_of(&other, "1号窗口", 1));
    }

    #[test]
    fn looks_have_large_targets_and_high_contrast() {
        for look in [Look::Light, Look::Dark] {
            let ctx = Context::default();
            apply_look(&ctx, look, 1.0);
            assert_eq!(ctx.theme(), look.theme());
            let style = ctx.style_of(look.theme());
            assert!(style.spacing.interact_size.y >= TOUCH_TARGET);
            assert!(style.text_styles[&TextStyle::Body].size >= 20.0);
            let v = &style.visuals;
            assert!(!v.text_cursor.blink, "a steady caret");
            let ratio = contrast_ratio(v.text_color(), v.panel_fill);
            assert!(ratio >= 7.0, "{look:?}: text contrast {ratio:.1}");
            let button = &v.widgets.inactive;
            let ratio = contrast_ratio(button.text_color(), button.weak_bg_fill);
            assert!(ratio >= 7.0, "{look:?}: button contrast {ratio:.1}");
        }
        let mut elder = Style::default();
        configure(&mut elder, Look::Light, ELDER_SCALE);
        assert!(elder.text_styles[&TextStyle::Body].size > TextSize::Body.points(1.0));
        assert!((contrast_ratio(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 0.01);
    }

    #[test]
    fn called_numbers_fill_a_sixth_of_the_screen() {
        let size = call_number_size(1080.0);
        assert!(size * CAP_HEIGHT >= 180.0, "{size}");
        assert!(class_colour(TicketClass::Normal).is_none());
        assert!(class_colour(TicketClass::Green).is_some());
    }
}

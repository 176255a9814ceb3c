//! The announcement composer: turns a call and the display's settings into the sequence of voice
//! clips, pauses and the chime that say it (R15). Pure: no I/O, no clock, no audio; the player
//! turns the sequence into sound.
//!
//! What an announcement is, decided here and relied on by the player:
//!
//! - **The chime plays once, at the start of the announcement**, not before each repetition:
//!   叮咚, then the phrase in each configured language, and the whole block repeated `repeat`
//!   times (`chime zh en zh en` for `["zh", "en"]` and `repeat = 2`). SPEC R15 says "chime, then
//!   …, repeated per config", the voice pack contract says "plays the chime, then the phrase in
//!   each configured language, and repeats the whole phrase"; one chime per call is also what
//!   tells a waiting citizen "a new call starts here".
//! - Ticket numbers are read character by character: `A001` → `letter_a 0 0 1`, `AB012` →
//!   `letter_a letter_b 0 1 2`, `A1000` → `letter_a 1 0 0 0`.
//! - Window numbers are read as numbers (zh `12` → `10 2`, `20` → `2 10`, `101` → `1 bai 0 1`
//!   一百零一, `110` → `1 bai 1 10` 一百一十; en `23` → `20 3`, `101` → `1 hundred 1`), up to 999;
//!   from 1000 on digit by digit. A pack without the 百 / "hundred" clip (recorded before it was
//!   part of the contract) reads 100–999 digit by digit ([`Composer::without_hundreds`]).
//! - Templates are parsed into the words the voice pack has ([`parse_template`]). A template
//!   with a word that has no clip is reported once ([`SettingsProblem`]) and the default
//!   template is spoken instead: never a silent wrong announcement.

use std::fmt;

use qcall_protocol::voice::{EN_WORDS, ZH_WORDS};
pub use qcall_protocol::voice::{Lang, TemplateError, Token, parse_template};
use qcall_protocol::{Call, DisplaySettings, WindowNo};

#[cfg(test)]
mod tests;

/// The default Chinese template, as in the server's built-in hall.
pub const DEFAULT_TEMPLATE_ZH: &str = "请{number}号到{window}号窗口办理";
/// The default English template, as in the server's built-in hall.
pub const DEFAULT_TEMPLATE_EN: &str = "Number {number}, please go to window {window}";
/// Silence between two clips of one phrase. The clips carry no silence of their own (the voice
/// pack contract), so this is the whole gap between words.
pub const WORD_GAP_MS: u32 = 60;
/// Silence after the chime, before the first word.
pub const CHIME_GAP_MS: u32 = 200;
/// Silence between two phrases (between languages and between repetitions).
pub const PHRASE_GAP_MS: u32 = 700;
/// Silence at the end of an announcement, so that the next queued call does not follow at once.
pub const TAIL_MS: u32 = 500;
/// The most repetitions honoured; a larger `repeat` is reported and lowered to this (the server
/// refuses one at config load too).
pub use qcall_protocol::voice::MAX_REPEAT;

/// One voice clip: the file `<pack>/<lang>/<name>.wav`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Clip {
    /// The language folder.
    pub lang: Lang,
    /// The file name without `.wav`, e.g. `letter_a`, `10`, `chuangkou`.
    pub name: &'static str,
}

impl fmt::Display for Clip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.lang, self.name)
    }
}

/// One step of an announcement, played in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Piece {
    /// The call chime (叮咚).
    Chime,
    /// A voice clip.
    Clip(Clip),
    /// Silence of this many milliseconds.
    Pause(u32),
}

/// A setting that cannot be followed as written, and what is done instead. The player logs each
/// once per settings change, and the screen may show them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsProblem {
    /// A template cannot be spoken; the default template of that language is used.
    #[error("template_{lang} “{template}”: {error}; speaking the default “{default}” instead")]
    Template {
        /// Which template.
        lang: Lang,
        /// The template as configured.
        template: String,
        /// What is wrong with it.
        error: TemplateError,
        /// The template spoken instead.
        default: &'static str,
    },
    /// A language code the composer does not know; it is skipped.
    #[error("languages has unknown language {0:?}; it is not spoken")]
    UnknownLanguage(String),
    /// A language the voice pack has no clips for; it is skipped.
    #[error("the voice pack has no clips for language {0}; it is not spoken")]
    LanguageNotInPack(Lang),
    /// No language is left to speak; this one is spoken.
    #[error("no language to speak; speaking {0}")]
    NoLanguage(Lang),
    /// `repeat` is 0 or above [`MAX_REPEAT`]; this count is used.
    #[error("repeat = {given} is outside 1–{MAX_REPEAT}; speaking each call {used} times")]
    Repeat {
        /// As configured.
        given: u32,
        /// As used.
        used: u32,
    },
    /// A quiet-hours entry that is not `HH:MM-HH:MM`; it is ignored (checked by the player).
    #[error("quiet_hours has {0:?}, which is not HH:MM-HH:MM; it is ignored")]
    QuietHours(String),
    /// A volume outside 0.0–1.0; it is clamped (checked by the player).
    #[error("volume {given} is outside 0.0–1.0; using {used}")]
    Volume {
        /// As configured.
        given: f32,
        /// As used.
        used: f32,
    },
}

/// Why a call cannot be announced (it is still shown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// The ticket number has a character with no clip (only A–Z and 0–9 are spoken).
    #[error("ticket number {number:?} has {ch:?}, which has no clip")]
    UnspeakableNumber {
        /// The number.
        number: String,
        /// The first character without a clip.
        ch: char,
    },
    /// The ticket number is empty.
    #[error("the ticket number is empty")]
    EmptyNumber,
}

const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const EN_UNDER_20: [&str; 20] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19",
];
// Indexed by the tens digit; 0 and 1 are never used (those numbers are in EN_UNDER_20).
const EN_TENS: [&str; 10] = ["", "", "20", "30", "40", "50", "60", "70", "80", "90"];
const LETTERS: [&str; 26] = [
    "letter_a", "letter_b", "letter_c", "letter_d", "letter_e", "letter_f", "letter_g", "letter_h",
    "letter_i", "letter_j", "letter_k", "letter_l", "letter_m", "letter_n", "letter_o", "letter_p",
    "letter_q", "letter_r", "letter_s", "letter_t", "letter_u", "letter_v", "letter_w", "letter_x",
    "letter_y", "letter_z",
];
/// The clip that reads hundreds in window numbers (百, "hundred"): optional in a pack, see
/// [`optional_clips_of`].
pub fn hundred_clip(lang: Lang) -> Clip {
    let name = match lang {
        Lang::Zh => "bai",
        Lang::En => "hundred",
    };
    Clip { lang, name }
}

/// Clips of `lang` a pack may lack: without them the composer reads windows 100–999 digit by
/// digit, and the player warns. The shipped pack has them.
pub fn optional_clips_of(lang: Lang) -> Vec<Clip> {
    vec![hundred_clip(lang)]
}

/// Every clip of `lang` that the composer needs. A language of the voice pack is spoken only
/// when it has all of them (the player checks at load), plus [`optional_clips_of`]; together
/// they equal the `[clips]` of `assets/voice/pack.toml`.
pub fn clips_of(lang: Lang) -> Vec<Clip> {
    let names: Vec<&'static str> = match lang {
        Lang::Zh => DIGITS
            .iter()
            .copied()
            .chain(["10"])
            .chain(LETTERS)
            .chain(ZH_WORDS.iter().map(|(_, clip)| *clip))
            .collect(),
        Lang::En => EN_UNDER_20
            .iter()
            .copied()
            .chain(EN_TENS.iter().copied().filter(|t| !t.is_empty()))
            .chain(LETTERS)
            .chain(EN_WORDS.iter().map(|(_, clip)| *clip))
            .collect(),
    };
    names.into_iter().map(|name| Clip { lang, name }).collect()
}

/// The clips that read a ticket number character by character: `A001` → `letter_a 0 0 1`.
/// Lower-case letters are read like capitals; anything but A–Z and 0–9 is an error.
pub fn number_clips(lang: Lang, number: &str) -> Result<Vec<Clip>, ComposeError> {
    if number.is_empty() {
        return Err(ComposeError::EmptyNumber);
    }
    number
        .chars()
        .map(|ch| {
            let name = match ch {
                '0'..='9' => DIGITS[usize::from(ch as u8 - b'0')],
                'A'..='Z' => LETTERS[usize::from(ch as u8 - b'A')],
                'a'..='z' => LETTERS[usize::from(ch as u8 - b'a')],
                _ => {
                    return Err(ComposeError::UnspeakableNumber {
                        number: number.into(),
                        ch,
                    });
                }
            };
            Ok(Clip { lang, name })
        })
        .collect()
}

/// The clips that read a window number as a number: zh `3` → `3`, `10` → `10` (十), `12` →
/// `10 2`, `20` → `2 10`, `99` → `9 10 9`, `101` → `1 bai 0 1` (一百零一), `110` → `1 bai 1 10`
/// (一百一十), `200` → `2 bai`; en `13` → `13`, `23` → `20 3`, `90` → `90`, `101` → `1 hundred
/// 1`, `120` → `1 hundred 20`. From 1000 on, digit by digit.
pub fn window_clips(lang: Lang, window: WindowNo) -> Vec<Clip> {
    let n = window as usize;
    let names: Vec<&'static str> = match (lang, n) {
        (_, 1000..) => digits_of(n),
        (_, 100..) => {
            let mut names = vec![DIGITS[n / 100], hundred_clip(lang).name];
            let rest = n % 100;
            match (lang, rest) {
                (_, 0) => {}
                (Lang::Zh, 1..=9) => names.extend(["0", DIGITS[rest]]),
                // 一百一十: after 百 the ten is read with its 一.
                (Lang::Zh, 10..=19) => {
                    names.extend(["1", "10"]);
                    if rest > 10 {
                        names.push(DIGITS[rest % 10]);
                    }
                }
                _ => names.extend(window_clips(lang, rest as WindowNo).iter().map(|c| c.name)),
            }
            names
        }
        (Lang::Zh, 0..=9) => vec![DIGITS[n]],
        (Lang::Zh, 10) => vec!["10"],
        (Lang::Zh, 11..=19) => vec!["10", DIGITS[n % 10]],
        (Lang::Zh, _) if n.is_multiple_of(10) => vec![DIGITS[n / 10], "10"],
        (Lang::Zh, _) => vec![DIGITS[n / 10], "10", DIGITS[n % 10]],
        (Lang::En, 0..=19) => vec![EN_UNDER_20[n]],
        (Lang::En, _) if n.is_multiple_of(10) => vec![EN_TENS[n / 10]],
        (Lang::En, _) => vec![EN_TENS[n / 10], DIGITS[n % 10]],
    };
    names.into_iter().map(|name| Clip { lang, name }).collect()
}

/// The clips that read a window number digit by digit (`101` → `1 0 1`).
pub fn window_digit_clips(lang: Lang, window: WindowNo) -> Vec<Clip> {
    digits_of(window as usize)
        .into_iter()
        .map(|name| Clip { lang, name })
        .collect()
}

fn digits_of(n: usize) -> Vec<&'static str> {
    n.to_string()
        .bytes()
        .map(|b| DIGITS[usize::from(b - b'0')])
        .collect()
}

/// The display's announcement settings, checked and ready to compose with.
#[derive(Debug, Clone, PartialEq)]
pub struct Composer {
    languages: Vec<Lang>,
    repeat: u32,
    chime: bool,
    zh: Vec<Token>,
    en: Vec<Token>,
    /// Languages whose pack has no hundred clip: windows 100–999 digit by digit.
    no_hundreds: Vec<Lang>,
}

impl Default for Composer {
    /// The server's defaults: zh only, twice, with the chime, default templates.
    fn default() -> Self {
        Composer {
            languages: vec![Lang::Zh],
            repeat: 2,
            chime: true,
            zh: default_tokens(Lang::Zh),
            en: default_tokens(Lang::En),
            no_hundreds: Vec::new(),
        }
    }
}

fn default_template(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => DEFAULT_TEMPLATE_ZH,
        Lang::En => DEFAULT_TEMPLATE_EN,
    }
}

fn default_tokens(lang: Lang) -> Vec<Token> {
    match parse_template(lang, default_template(lang)) {
        Ok(tokens) => tokens,
        // The defaults are tested to parse; keep a safe reading all the same.
        Err(_) => vec![Token::Number, Token::Window],
    }
}

impl Composer {
    /// Checks `settings` (languages, repeat, chime, templates) against the languages the voice
    /// pack has (`available`; [`Lang::ALL`] when composing without a pack). Every setting that
    /// cannot be followed is returned as a problem along with what is done instead, so that the
    /// caller reports it once, rather than announcing something wrong on every call.
    pub fn new(settings: &DisplaySettings, available: &[Lang]) -> (Composer, Vec<SettingsProblem>) {
        let mut problems = Vec::new();
        let mut languages = Vec::new();
        for code in &settings.languages {
            match Lang::from_code(code.trim()) {
                None => problems.push(SettingsProblem::UnknownLanguage(code.clone())),
                Some(lang) if !available.contains(&lang) => {
                    problems.push(SettingsProblem::LanguageNotInPack(lang));
                }
                Some(lang) => languages.push(lang),
            }
        }
        if languages.is_empty() {
            let fallback = if available.contains(&Lang::Zh) || available.is_empty() {
                Lang::Zh
            } else {
                available[0]
            };
            problems.push(SettingsProblem::NoLanguage(fallback));
            languages.push(fallback);
        }
        let repeat = settings.repeat.clamp(1, MAX_REPEAT);
        if repeat != settings.repeat {
            problems.push(SettingsProblem::Repeat {
                given: settings.repeat,
                used: repeat,
            });
        }
        let mut template = |lang: Lang, text: &str| match parse_template(lang, text) {
            Ok(tokens) => tokens,
            Err(error) => {
                problems.push(SettingsProblem::Template {
                    lang,
                    template: text.into(),
                    error,
                    default: default_template(lang),
                });
                default_tokens(lang)
            }
        };
        let zh = template(Lang::Zh, &settings.template_zh);
        let en = template(Lang::En, &settings.template_en);
        let composer = Composer {
            languages,
            repeat,
            chime: settings.chime,
            zh,
            en,
            no_hundreds: Vec::new(),
        };
        (composer, problems)
    }

    /// The same composer reading windows 100–999 digit by digit in `langs` (their pack has no
    /// [`hundred_clip`]).
    pub fn without_hundreds(mut self, langs: &[Lang]) -> Composer {
        self.no_hundreds = langs.to_vec();
        self
    }

    /// The languages spoken, in order.
    pub fn languages(&self) -> &[Lang] {
        &self.languages
    }

    /// How many times each call is spoken.
    pub fn repeat(&self) -> u32 {
        self.repeat
    }

    /// The announcement of `call`.
    pub fn compose_call(&self, call: &Call) -> Result<Vec<Piece>, ComposeError> {
        self.compose(&call.number, call.window)
    }

    /// The announcement of ticket `number` to `window`: the chime (once, when on), then the
    /// phrase in each language, the whole block `repeat` times, then [`TAIL_MS`] of silence.
    pub fn compose(&self, number: &str, window: WindowNo) -> Result<Vec<Piece>, ComposeError> {
        self.compose_times(number, window, self.repeat)
    }

    /// Like [`Composer::compose`] with the block spoken `repeat` times (at least once) instead
    /// of the configured count: the player speaks a call once while others wait behind it.
    pub fn compose_times(
        &self,
        number: &str,
        window: WindowNo,
        repeat: u32,
    ) -> Result<Vec<Piece>, ComposeError> {
        let mut pieces = Vec::new();
        if self.chime {
            pieces.push(Piece::Chime);
            pieces.push(Piece::Pause(CHIME_GAP_MS));
        }
        let mut first = true;
        for _ in 0..repeat.max(1) {
            for &lang in &self.languages {
                if !first {
                    pieces.push(Piece::Pause(PHRASE_GAP_MS));
                }
                first = false;
                self.phrase(lang, number, window, &mut pieces)?;
            }
        }
        pieces.push(Piece::Pause(TAIL_MS));
        Ok(pieces)
    }

    fn phrase(
        &self,
        lang: Lang,
        number: &str,
        window: WindowNo,
        pieces: &mut Vec<Piece>,
    ) -> Result<(), ComposeError> {
        let tokens = match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        };
        let mut clips = Vec::new();
        for token in tokens {
            match *token {
                Token::Word(name) => clips.push(Clip { lang, name }),
                Token::Number => clips.extend(number_clips(lang, number)?),
                Token::Window if window >= 100 && self.no_hundreds.contains(&lang) => {
                    clips.extend(window_digit_clips(lang, window));
                }
                Token::Window => clips.extend(window_clips(lang, window)),
            }
        }
        for (i, clip) in clips.into_iter().enumerate() {
            if i > 0 {
                pieces.push(Piece::Pause(WORD_GAP_MS));
            }
            pieces.push(Piece::Clip(clip));
        }
        Ok(())
    }
}

/// A short readable form of an announcement for logs and tests:
/// `chime | zh qing letter_a 0 0 1 hao dao 3 hao chuangkou banli | en number …`. Phrases are
/// separated by `|` and start with their language; word gaps and the tail are not shown.
pub fn describe(pieces: &[Piece]) -> String {
    let mut out = String::new();
    let mut phrase_lang: Option<Lang> = None;
    for piece in pieces {
        match piece {
            Piece::Chime => {
                out.push_str("chime");
                phrase_lang = None;
            }
            Piece::Pause(ms) if *ms >= CHIME_GAP_MS => phrase_lang = None,
            Piece::Pause(_) => {}
            Piece::Clip(clip) => {
                if phrase_lang != Some(clip.lang) {
                    if !out.is_empty() {
                        out.push_str(" | ");
                    }
                    out.push_str(clip.lang.code());
                    phrase_lang = Some(clip.lang);
                }
                out.push(' ');
                out.push_str(clip.name);
            }
        }
    }
    out
}

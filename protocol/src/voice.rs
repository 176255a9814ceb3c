//! The words of an announcement template (R15): which fixed words the voice pack has clips for,
//! and the parser that turns a hall's template into them. Shared by the server, which refuses a
//! template the pack cannot speak when it loads the hall config, and the display, which composes
//! the announcement from the parsed words. The pack layout is `assets/voice/pack.toml`.

use std::fmt;

/// The most repetitions a call is spoken (`announce.repeat`): more would hold the board's queue
/// for minutes.
pub const MAX_REPEAT: u32 = 5;

/// A language of the voice pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Mandarin (普通话), folder `zh/`.
    Zh,
    /// English, folder `en/`.
    En,
}

impl Lang {
    /// Every language the composer knows.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The code used in settings and as the voice pack's folder name.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The language of a settings code (`"zh"`, `"en"`); `None` for any other.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One element of a parsed template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// A fixed word, spoken with this clip name of the template's language.
    Word(&'static str),
    /// `{number}`: the ticket number, character by character.
    Number,
    /// `{window}`: the window number, as a number.
    Window,
}

/// Why a template cannot be spoken with the voice pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// The template says something the voice pack has no clip for.
    UnknownWord {
        /// The text that could not be matched.
        word: String,
        /// The words the language has, for the message.
        known: &'static str,
    },
    /// A `{…}` other than `{number}` and `{window}`.
    UnknownPlaceholder {
        /// The name between the braces.
        name: String,
    },
    /// A `{` without its `}`.
    UnclosedBrace,
    /// `{number}` or `{window}` is missing: the announcement would not say who or where.
    MissingPlaceholder(&'static str),
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::UnknownWord { word, known } => {
                write!(
                    f,
                    "“{word}” has no clip in the voice pack (known words: {known})"
                )
            }
            TemplateError::UnknownPlaceholder { name } => {
                write!(
                    f,
                    "unknown placeholder “{{{name}}}” (use {{number}} and {{window}})"
                )
            }
            TemplateError::UnclosedBrace => f.write_str("“{” without a closing “}”"),
            TemplateError::MissingPlaceholder(name) => write!(f, "the template has no {{{name}}}"),
        }
    }
}

impl std::error::Error for TemplateError {}

/// The fixed Chinese words and their clips. Longest first, so that 窗口 is matched before a one-character word could be.
pub const ZH_WORDS: [(&str, &str); 5] = [
    ("窗口", "chuangkou"),
    ("办理", "banli"),
    ("请", "qing"),
    ("号", "hao"),
    ("到", "dao"),
];
/// The Chinese words, for messages.
pub const ZH_KNOWN: &str = "请 号 到 窗口 办理";
/// The fixed English phrases as lower-case word sequences, longest first.
pub const EN_WORDS: [(&[&str], &str); 3] = [
    (&["please", "go", "to"], "please_go_to"),
    (&["number"], "number"),
    (&["window"], "window"),
];
/// The English phrases, for messages.
pub const EN_KNOWN: &str = "number, please go to, window";

/// Characters a template may use between words: spaces and punctuation, ASCII or full-width.
fn is_separator(c: char) -> bool {
    (c.is_whitespace()
        || c.is_ascii_punctuation()
        || "，。、！？；：…—·“”‘’（）【】《》「」『』～".contains(c))
        && c != '{'
        && c != '}'
}

/// Parses a template into the words of the voice pack: zh matches 请 号 到 窗口 办理, en matches
/// "number", "please go to" and "window" (any case); spaces and punctuation are ignored, so a hall
/// may reorder words and punctuate freely. `{number}` and `{window}` must both appear.
pub fn parse_template(lang: Lang, template: &str) -> Result<Vec<Token>, TemplateError> {
    let mut tokens = Vec::new();
    let mut rest = template;
    // Pending English words, matched against the phrases when a placeholder or the end comes.
    let mut words: Vec<String> = Vec::new();
    while let Some(c) = rest.chars().next() {
        if c == '{' {
            flush_en_words(&mut words, &mut tokens)?;
            let end = rest.find('}').ok_or(TemplateError::UnclosedBrace)?;
            let name = &rest[1..end];
            tokens.push(match name.trim() {
                "number" => Token::Number,
                "window" => Token::Window,
                _ => {
                    return Err(TemplateError::UnknownPlaceholder { name: name.into() });
                }
            });
            rest = &rest[end + 1..];
        } else if is_separator(c) {
            rest = &rest[c.len_utf8()..];
        } else if lang == Lang::Zh {
            if let Some((word, clip)) = ZH_WORDS.iter().find(|(w, _)| rest.starts_with(w)) {
                tokens.push(Token::Word(clip));
                rest = &rest[word.len()..];
            } else {
                // Report the whole unknown run, up to the next thing we understand.
                let run: String = rest
                    .chars()
                    .take_while(|&c| {
                        c != '{'
                            && !is_separator(c)
                            && !ZH_WORDS.iter().any(|(w, _)| w.starts_with(c))
                    })
                    .collect();
                let word = if run.is_empty() { c.to_string() } else { run };
                return Err(TemplateError::UnknownWord {
                    word,
                    known: ZH_KNOWN,
                });
            }
        } else {
            let len = rest
                .find(|c: char| c == '{' || is_separator(c))
                .unwrap_or(rest.len());
            words.push(rest[..len].to_lowercase());
            rest = &rest[len..];
        }
    }
    flush_en_words(&mut words, &mut tokens)?;
    for (token, name) in [(Token::Number, "number"), (Token::Window, "window")] {
        if !tokens.contains(&token) {
            return Err(TemplateError::MissingPlaceholder(name));
        }
    }
    Ok(tokens)
}

fn flush_en_words(words: &mut Vec<String>, tokens: &mut Vec<Token>) -> Result<(), TemplateError> {
    let mut i = 0;
    while i < words.len() {
        let found = EN_WORDS.iter().find(|(phrase, _)| {
            phrase.len() <= words.len() - i && phrase.iter().zip(&words[i..]).all(|(p, w)| p == w)
        });
        match found {
            Some((phrase, clip)) => {
                tokens.push(Token::Word(clip));
                i += phrase.len();
            }
            None => {
                return Err(TemplateError::UnknownWord {
                    word: words[i].clone(),
                    known: EN_KNOWN,
                });
            }
        }
    }
    words.clear();
    Ok(())
}

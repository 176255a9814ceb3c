//! Tables over the whole range the hall can configure, checked against independent readings
//! (Chinese numerals, English number words) rather than against the code's own rules.

use super::*;
use qcall_protocol::DisplayMode;
use qcall_protocol::voice::{EN_KNOWN, ZH_KNOWN};

fn settings(languages: &[&str], repeat: u32, chime: bool) -> DisplaySettings {
    DisplaySettings {
        board_layout: Default::default(),
        name: "hall".into(),
        mode: DisplayMode::HallBoard,
        audio: true,
        template_zh: DEFAULT_TEMPLATE_ZH.into(),
        template_en: DEFAULT_TEMPLATE_EN.into(),
        languages: languages.iter().map(|l| l.to_string()).collect(),
        repeat,
        chime,
        volume: 0.8,
        quiet_hours: Vec::new(),
    }
}

fn names(clips: &[Clip]) -> String {
    clips.iter().map(|c| c.name).collect::<Vec<_>>().join(" ")
}

fn check(languages: &[&str], repeat: u32, chime: bool, number: &str, window: u32, expected: &str) {
    let (composer, problems) = Composer::new(&settings(languages, repeat, chime), &Lang::ALL);
    assert_eq!(problems, vec![]);
    let pieces = composer.compose(number, window).expect("composes");
    assert_eq!(
        describe(&pieces),
        expected,
        "{languages:?} ×{repeat} {number}@{window}"
    );
}

/// The spoken Chinese numeral of 1–99, written the way a person would (十二, 二十, 九十九).
fn chinese_numeral(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n >= 100 {
        // 一百, 一百零五, 一百一十, 一百二十三: after 百 a zero ten is 零 and a ten keeps its 一.
        let (hundreds, rest) = (n / 100, n % 100);
        let mut s = format!("{}百", D[hundreds as usize]);
        if (1..10).contains(&rest) {
            s.push('零');
            s.push_str(D[rest as usize]);
        } else if rest >= 10 {
            s.push_str(D[(rest / 10) as usize]);
            s.push('十');
            if rest % 10 > 0 {
                s.push_str(D[(rest % 10) as usize]);
            }
        }
        return s;
    }
    let (tens, units) = (n / 10, n % 10);
    let mut s = String::new();
    if tens > 1 {
        s.push_str(D[tens as usize]);
    }
    if tens >= 1 {
        s.push('十');
    }
    if units > 0 || n == 0 {
        s.push_str(D[units as usize]);
    }
    s
}

/// What each zh clip says, from the voice pack README.
fn zh_clip_of(c: char) -> &'static str {
    match c {
        '零' => "0",
        '百' => "bai",
        '一' => "1",
        '二' => "2",
        '三' => "3",
        '四' => "4",
        '五' => "5",
        '六' => "6",
        '七' => "7",
        '八' => "8",
        '九' => "9",
        '十' => "10",
        _ => panic!("no clip says {c}"),
    }
}

/// The English words of 1–99 (twenty-three), from a plain word list.
fn english_words(n: u32) -> Vec<&'static str> {
    const SMALL: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    match n {
        0..=19 => vec![SMALL[n as usize]],
        _ if n.is_multiple_of(10) => vec![TENS[(n / 10) as usize]],
        _ => vec![TENS[(n / 10) as usize], SMALL[(n % 10) as usize]],
    }
}

/// What each en number clip says, from the voice pack README.
fn en_clip_of(word: &str) -> &'static str {
    const SAYS: [(&str, &str); 28] = [
        ("zero", "0"),
        ("one", "1"),
        ("two", "2"),
        ("three", "3"),
        ("four", "4"),
        ("five", "5"),
        ("six", "6"),
        ("seven", "7"),
        ("eight", "8"),
        ("nine", "9"),
        ("ten", "10"),
        ("eleven", "11"),
        ("twelve", "12"),
        ("thirteen", "13"),
        ("fourteen", "14"),
        ("fifteen", "15"),
        ("sixteen", "16"),
        ("seventeen", "17"),
        ("eighteen", "18"),
        ("nineteen", "19"),
        ("twenty", "20"),
        ("thirty", "30"),
        ("forty", "40"),
        ("fifty", "50"),
        ("sixty", "60"),
        ("seventy", "70"),
        ("eighty", "80"),
        ("ninety", "90"),
    ];
    SAYS.iter()
        .find(|(w, _)| *w == word)
        .map(|(_, clip)| *clip)
        .unwrap_or_else(|| panic!("no clip says {word}"))
}

#[test]
fn every_window_1_to_99_in_zh_reads_as_the_chinese_numeral() {
    for n in 1..=99 {
        let expected: Vec<&str> = chinese_numeral(n).chars().map(zh_clip_of).collect();
        assert_eq!(
            names(&window_clips(Lang::Zh, n)),
            expected.join(" "),
            "window {n} ({})",
            chinese_numeral(n)
        );
    }
}

#[test]
fn every_window_1_to_99_in_en_reads_as_the_english_words() {
    for n in 1..=99 {
        let expected: Vec<&str> = english_words(n).into_iter().map(en_clip_of).collect();
        assert_eq!(
            names(&window_clips(Lang::En, n)),
            expected.join(" "),
            "window {n}"
        );
    }
}

#[test]
fn windows_from_the_readme() {
    for (lang, window, expected) in [
        (Lang::Zh, 3, "3"),
        (Lang::Zh, 10, "10"),
        (Lang::Zh, 12, "10 2"),
        (Lang::Zh, 20, "2 10"),
        (Lang::Zh, 99, "9 10 9"),
        (Lang::En, 3, "3"),
        (Lang::En, 7, "7"),
        (Lang::En, 13, "13"),
        (Lang::En, 15, "15"),
        (Lang::En, 23, "20 3"),
        (Lang::En, 40, "40"),
        (Lang::En, 90, "90"),
    ] {
        assert_eq!(
            names(&window_clips(lang, window)),
            expected,
            "{lang} {window}"
        );
    }
}

#[test]
fn windows_from_100_to_999_are_read_as_numbers() {
    for (lang, window, expected) in [
        (Lang::Zh, 100, "1 bai"),
        (Lang::Zh, 101, "1 bai 0 1"),
        (Lang::Zh, 105, "1 bai 0 5"),
        (Lang::Zh, 110, "1 bai 1 10"),
        (Lang::Zh, 111, "1 bai 1 10 1"),
        (Lang::Zh, 120, "1 bai 2 10"),
        (Lang::Zh, 123, "1 bai 2 10 3"),
        (Lang::Zh, 200, "2 bai"),
        (Lang::Zh, 999, "9 bai 9 10 9"),
        (Lang::En, 100, "1 hundred"),
        (Lang::En, 101, "1 hundred 1"),
        (Lang::En, 110, "1 hundred 10"),
        (Lang::En, 115, "1 hundred 15"),
        (Lang::En, 120, "1 hundred 20"),
        (Lang::En, 123, "1 hundred 20 3"),
        (Lang::En, 999, "9 hundred 90 9"),
        (Lang::Zh, 1000, "1 0 0 0"),
        (Lang::En, 1234, "1 2 3 4"),
    ] {
        assert_eq!(
            names(&window_clips(lang, window)),
            expected,
            "{lang} {window}"
        );
    }
    // Every zh reading of 100–999 says the Chinese numeral, character by character.
    for n in 100..=999 {
        let expected: Vec<&str> = chinese_numeral(n).chars().map(zh_clip_of).collect();
        assert_eq!(names(&window_clips(Lang::Zh, n)), expected.join(" "), "{n}");
    }
    // Every window can be spoken with clips the pack has.
    for lang in Lang::ALL {
        let have: Vec<Clip> = clips_of(lang)
            .into_iter()
            .chain(optional_clips_of(lang))
            .collect();
        for window in 1..=1200 {
            for clip in window_clips(lang, window) {
                assert!(have.contains(&clip), "{clip} for window {window}");
            }
        }
    }
}

#[test]
fn a_pack_without_the_hundred_clip_reads_windows_from_100_digit_by_digit() {
    let s = settings(&["zh", "en"], 1, false);
    let composer = Composer::new(&s, &Lang::ALL)
        .0
        .without_hundreds(&[Lang::En]);
    assert_eq!(
        describe(&composer.compose("A1", 101).expect("composes")),
        "zh qing letter_a 1 hao dao 1 bai 0 1 hao chuangkou banli \
         | en number letter_a 1 please_go_to window 1 0 1"
    );
    assert_eq!(
        describe(&composer.compose("A1", 99).expect("composes")),
        "zh qing letter_a 1 hao dao 9 10 9 hao chuangkou banli \
         | en number letter_a 1 please_go_to window 90 9"
    );
}

#[test]
fn ticket_numbers_are_read_letter_by_letter_and_digit_by_digit() {
    for (number, expected) in [
        ("A001", "letter_a 0 0 1"),
        ("B010", "letter_b 0 1 0"),
        ("Z999", "letter_z 9 9 9"),
        ("AB012", "letter_a letter_b 0 1 2"),
        ("A1000", "letter_a 1 0 0 0"),
        ("ZZ12345", "letter_z letter_z 1 2 3 4 5"),
        ("a001", "letter_a 0 0 1"),
    ] {
        for lang in Lang::ALL {
            let clips = number_clips(lang, number).expect("speakable");
            assert_eq!(names(&clips), expected, "{number}");
            assert!(clips.iter().all(|c| c.lang == lang));
        }
    }
    // Every letter.
    for (i, letter) in ('A'..='Z').enumerate() {
        let clips = number_clips(Lang::Zh, &format!("{letter}1")).expect("speakable");
        assert_eq!(clips[0].name, LETTERS[i]);
        assert_eq!(
            clips[0].name,
            format!("letter_{}", letter.to_ascii_lowercase())
        );
    }
}

#[test]
fn ticket_numbers_with_unspeakable_characters_are_refused() {
    assert_eq!(number_clips(Lang::Zh, ""), Err(ComposeError::EmptyNumber));
    for (number, ch) in [("A-001", '-'), ("A 01", ' '), ("甲001", '甲'), ("A0١", '١')] {
        assert_eq!(
            number_clips(Lang::En, number),
            Err(ComposeError::UnspeakableNumber {
                number: number.into(),
                ch
            })
        );
    }
}

#[test]
fn whole_announcements() {
    check(
        &["zh"],
        1,
        true,
        "A001",
        12,
        "chime | zh qing letter_a 0 0 1 hao dao 10 2 hao chuangkou banli",
    );
    check(
        &["en"],
        1,
        false,
        "A001",
        23,
        "en number letter_a 0 0 1 please_go_to window 20 3",
    );
    check(
        &["zh", "en"],
        1,
        true,
        "AB012",
        3,
        "chime | zh qing letter_a letter_b 0 1 2 hao dao 3 hao chuangkou banli \
         | en number letter_a letter_b 0 1 2 please_go_to window 3",
    );
    check(
        &["en", "zh"],
        1,
        true,
        "A1000",
        20,
        "chime | en number letter_a 1 0 0 0 please_go_to window 20 \
         | zh qing letter_a 1 0 0 0 hao dao 2 10 hao chuangkou banli",
    );
}

#[test]
fn repeat_repeats_the_whole_block_after_one_chime() {
    let zh = "zh qing letter_a 0 0 1 hao dao 3 hao chuangkou banli";
    let en = "en number letter_a 0 0 1 please_go_to window 3";
    for repeat in 1..=MAX_REPEAT {
        let block = vec![zh; repeat as usize].join(" | ");
        check(
            &["zh"],
            repeat,
            true,
            "A001",
            3,
            &format!("chime | {block}"),
        );
        check(&["zh"], repeat, false, "A001", 3, &block);
        let both = vec![format!("{zh} | {en}"); repeat as usize].join(" | ");
        check(
            &["zh", "en"],
            repeat,
            true,
            "A001",
            3,
            &format!("chime | {both}"),
        );
    }
}

#[test]
fn pauses_are_where_the_constants_say() {
    let (composer, _) = Composer::new(&settings(&["zh", "en"], 2, true), &Lang::ALL);
    let pieces = composer.compose("A001", 3).expect("composes");
    assert_eq!(pieces[0], Piece::Chime);
    assert_eq!(pieces[1], Piece::Pause(CHIME_GAP_MS));
    assert_eq!(pieces.last(), Some(&Piece::Pause(TAIL_MS)));
    // Every clip is followed by a word gap, a phrase gap (3 of them: zh|en|zh|en) or the tail.
    let pauses: Vec<u32> = pieces
        .windows(2)
        .filter_map(|w| match w {
            [Piece::Clip(_), Piece::Pause(ms)] => Some(*ms),
            [Piece::Clip(_), other] => panic!("clip followed by {other:?}"),
            _ => None,
        })
        .collect();
    assert_eq!(pauses.iter().filter(|&&ms| ms == PHRASE_GAP_MS).count(), 3);
    assert_eq!(pauses.iter().filter(|&&ms| ms == TAIL_MS).count(), 1);
    assert!(
        pauses
            .iter()
            .all(|&ms| [WORD_GAP_MS, PHRASE_GAP_MS, TAIL_MS].contains(&ms))
    );
}

#[test]
fn bad_settings_are_reported_once_with_what_is_done_instead() {
    let mut s = settings(&["zh", "fr", "en"], 0, true);
    let (composer, problems) = Composer::new(&s, &Lang::ALL);
    assert_eq!(
        problems,
        vec![
            SettingsProblem::UnknownLanguage("fr".into()),
            SettingsProblem::Repeat { given: 0, used: 1 }
        ]
    );
    assert_eq!(composer.languages(), &[Lang::Zh, Lang::En]);
    assert_eq!(composer.repeat(), 1);

    s.languages = vec![];
    s.repeat = 100;
    let (composer, problems) = Composer::new(&s, &Lang::ALL);
    assert_eq!(
        problems,
        vec![
            SettingsProblem::NoLanguage(Lang::Zh),
            SettingsProblem::Repeat {
                given: 100,
                used: MAX_REPEAT
            }
        ]
    );
    assert_eq!(composer.languages(), &[Lang::Zh]);

    // A pack with only zh clips: en is skipped, and said so.
    let s = settings(&["zh", "en"], 2, true);
    let (composer, problems) = Composer::new(&s, &[Lang::Zh]);
    assert_eq!(problems, vec![SettingsProblem::LanguageNotInPack(Lang::En)]);
    assert_eq!(composer.languages(), &[Lang::Zh]);
    // A pack with only en clips and zh configured: en is spoken rather than nothing.
    let s = settings(&["zh"], 2, true);
    let (composer, problems) = Composer::new(&s, &[Lang::En]);
    assert_eq!(
        problems,
        vec![
            SettingsProblem::LanguageNotInPack(Lang::Zh),
            SettingsProblem::NoLanguage(Lang::En)
        ]
    );
    assert_eq!(composer.languages(), &[Lang::En]);
}

#[test]
fn templates_parse_into_the_words_of_the_pack() {
    use Token::{Number as N, Window as W, Word};
    for (lang, template, expected) in [
        (
            Lang::Zh,
            DEFAULT_TEMPLATE_ZH,
            vec![
                Word("qing"),
                N,
                Word("hao"),
                Word("dao"),
                W,
                Word("hao"),
                Word("chuangkou"),
                Word("banli"),
            ],
        ),
        // Punctuation and spaces, full-width or not, are ignored; words may be reordered.
        (
            Lang::Zh,
            "请 {number} 号，到{window}号窗口。",
            vec![
                Word("qing"),
                N,
                Word("hao"),
                Word("dao"),
                W,
                Word("hao"),
                Word("chuangkou"),
            ],
        ),
        (
            Lang::Zh,
            "{number}号 {window}号窗口",
            vec![N, Word("hao"), W, Word("hao"), Word("chuangkou")],
        ),
        (
            Lang::En,
            DEFAULT_TEMPLATE_EN,
            vec![Word("number"), N, Word("please_go_to"), Word("window"), W],
        ),
        (
            Lang::En,
            "NUMBER {number} -- Please go to: Window {window}!",
            vec![Word("number"), N, Word("please_go_to"), Word("window"), W],
        ),
        (
            Lang::En,
            "{number}, window {window}",
            vec![N, Word("window"), W],
        ),
        (Lang::En, "{ number }{window}", vec![N, W]),
    ] {
        assert_eq!(parse_template(lang, template), Ok(expected), "{template}");
    }
    // The defaults are what `Composer::default` speaks.
    let (from_settings, problems) = Composer::new(&settings(&["zh"], 2, true), &Lang::ALL);
    assert!(problems.is_empty());
    assert_eq!(from_settings, Composer::default());
}

#[test]
fn template_errors() {
    let unknown = |word: &str, known| TemplateError::UnknownWord {
        word: word.into(),
        known,
    };
    for (lang, template, expected) in [
        (
            Lang::Zh,
            "请{number}号前往{window}号窗口办理",
            unknown("前往", ZH_KNOWN),
        ),
        (
            Lang::Zh,
            "请{number}号到{window}号柜台",
            unknown("柜台", ZH_KNOWN),
        ),
        // 窗 alone is not 窗口.
        (
            Lang::Zh,
            "请{number}号到{window}号窗",
            unknown("窗", ZH_KNOWN),
        ),
        (
            Lang::Zh,
            "请{number}号到{window}号 window",
            unknown("window", ZH_KNOWN),
        ),
        (
            Lang::Zh,
            "请{number}号到{window}号}",
            unknown("}", ZH_KNOWN),
        ),
        (
            Lang::En,
            "Ticket {number}, please go to window {window}",
            unknown("ticket", EN_KNOWN),
        ),
        (
            Lang::En,
            "Number {number}, please proceed to window {window}",
            unknown("please", EN_KNOWN),
        ),
        (
            Lang::En,
            "Number {number}, go to window {window}",
            unknown("go", EN_KNOWN),
        ),
        (
            Lang::En,
            "Number {number} at counter {window}",
            unknown("at", EN_KNOWN),
        ),
        (
            Lang::Zh,
            "请{ticket}号到{window}号窗口",
            TemplateError::UnknownPlaceholder {
                name: "ticket".into(),
            },
        ),
        (Lang::En, "Number {number", TemplateError::UnclosedBrace),
        (
            Lang::Zh,
            "请到{window}号窗口办理",
            TemplateError::MissingPlaceholder("number"),
        ),
        (
            Lang::En,
            "Number {number}",
            TemplateError::MissingPlaceholder("window"),
        ),
        (Lang::En, "", TemplateError::MissingPlaceholder("number")),
    ] {
        assert_eq!(parse_template(lang, template), Err(expected), "{template}");
    }
}

#[test]
fn a_bad_template_is_reported_and_the_default_is_spoken() {
    let mut s = settings(&["zh", "en"], 1, false);
    s.template_zh = "请{number}号前往{window}号窗口".into();
    s.template_en = "Number {number}, please go to window {window}".into();
    let (composer, problems) = Composer::new(&s, &Lang::ALL);
    assert_eq!(problems.len(), 1);
    let SettingsProblem::Template {
        lang, ref error, ..
    } = problems[0]
    else {
        panic!("{problems:?}");
    };
    assert_eq!(lang, Lang::Zh);
    assert_eq!(
        error,
        &TemplateError::UnknownWord {
            word: "前往".into(),
            known: ZH_KNOWN
        }
    );
    // The message names the template, the word and the fallback.
    let message = problems[0].to_string();
    assert!(
        message.contains("前往") && message.contains(DEFAULT_TEMPLATE_ZH),
        "{message}"
    );
    assert_eq!(
        describe(&composer.compose("A001", 3).expect("composes")),
        "zh qing letter_a 0 0 1 hao dao 3 hao chuangkou banli \
         | en number letter_a 0 0 1 please_go_to window 3"
    );
    // A reordered custom template is honoured.
    s.template_zh = "{number}号，请到{window}号窗口".into();
    let (composer, problems) = Composer::new(&s, &Lang::ALL);
    assert!(problems.is_empty());
    assert_eq!(
        describe(&composer.compose("B002", 12).expect("composes")),
        "zh letter_b 0 0 2 hao qing dao 10 2 hao chuangkou \
         | en number letter_b 0 0 2 please_go_to window 12"
    );
}

#[test]
fn clips_of_lists_exactly_the_pack_manifest() {
    // assets/voice/pack.toml is the contract; the composer must need exactly its clips.
    let manifest = include_str!("../../../assets/voice/pack.toml");
    let table: toml::Table = toml::from_str(manifest).expect("pack.toml parses");
    let clips = table["clips"].as_table().expect("[clips]");
    for lang in Lang::ALL {
        let mut listed: Vec<&str> = clips[lang.code()]
            .as_array()
            .expect("array")
            .iter()
            .map(|v| v.as_str().expect("string"))
            .collect();
        let mut ours: Vec<&str> = clips_of(lang)
            .iter()
            .chain(&optional_clips_of(lang))
            .map(|c| c.name)
            .collect();
        listed.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, listed, "{lang}");
    }
}

#[test]
fn every_composed_clip_is_in_the_list_the_pack_is_checked_against() {
    let (composer, _) = Composer::new(&settings(&["zh", "en"], 1, true), &Lang::ALL);
    let numbers = ["A001", "ZZ999", "Q1000", "MN0042"];
    for window in 1..=999 {
        for number in numbers {
            for piece in composer.compose(number, window).expect("composes") {
                if let Piece::Clip(clip) = piece {
                    let known = clips_of(clip.lang).contains(&clip)
                        || optional_clips_of(clip.lang).contains(&clip);
                    assert!(known, "{clip}");
                }
            }
        }
    }
}

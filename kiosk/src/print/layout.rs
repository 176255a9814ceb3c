//! The slip laid out for one paper width: blocks of already wrapped lines. This is the one place that
//! decides what goes on paper and where lines break, so the printer bytes ([`super::encode`](fn@super::encode)) and the
//! plain-text preview ([`super::render_text`]) cannot disagree.
//!
//! Widths are counted as the printer counts them in its Chinese mode: every ASCII byte is a half-width
//! cell (one column), every other character is a GB18030 multi-byte code and prints as one full-width
//! glyph (two columns), including `—`, `·` and `【】`. That is why this is not `unicode-width`, which
//! says `—` and `·` are one column: on a Chinese thermal printer they are two.

use super::slip::{Paper, TicketSlip};

/// Horizontal alignment of a block (`ESC a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
}

/// Character size of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Size {
    Normal,
    /// Double width and double height: half as many columns per line.
    Double,
}

/// One piece of the slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// Lines of text, each already within the paper's width at this size.
    Text {
        lines: Vec<String>,
        align: Align,
        bold: bool,
        size: Size,
    },
    /// A full-width separator line.
    Rule,
    /// A QR code of this text.
    Qr(String),
    /// Blank lines.
    Feed(u8),
}

/// The caption under the QR code.
pub(crate) const QR_CAPTION: &str = "扫码查看排队进度";
/// The heading of the materials list (一次性告知).
pub(crate) const MATERIALS_HEADING: &str = "请携带：";
/// What the separator line is made of: ASCII, so it fills the width exactly on every printer.
pub(crate) const RULE_CHAR: char = '-';

/// The slip as blocks for `paper`.
pub(crate) fn layout(slip: &TicketSlip, paper: Paper) -> Vec<Block> {
    use Align::{Center, Left};
    use Size::{Double, Normal};
    let cols = paper.columns();
    let mut blocks = Vec::new();

    push_text(&mut blocks, &slip.hall_name, cols, Center, true, Normal);
    if let Some(en) = &slip.hall_name_en {
        push_text(&mut blocks, en, cols, Center, false, Normal);
    }
    blocks.push(Block::Rule);
    push_text(&mut blocks, &slip.service_name, cols, Center, true, Normal);
    if let Some(en) = &slip.service_name_en {
        push_text(&mut blocks, en, cols, Center, false, Normal);
    }
    blocks.push(Block::Feed(1));
    push_text(&mut blocks, &slip.number, cols, Center, true, Double);
    if let Some(label) = slip.class_label() {
        push_text(
            &mut blocks,
            &format!("【{label}】"),
            cols,
            Center,
            true,
            Normal,
        );
    }
    blocks.push(Block::Feed(1));
    // On one line when it fits, else as its two halves (never broken in the middle of "12 分钟").
    let wait = slip.wait_line();
    match wait.split_once('，') {
        Some((ahead, minutes)) if text_width(&wait) > cols => {
            push_text(&mut blocks, ahead, cols, Center, false, Normal);
            push_text(&mut blocks, minutes, cols, Center, false, Normal);
        }
        _ => push_text(&mut blocks, &wait, cols, Center, false, Normal),
    }
    push_text(&mut blocks, &slip.where_line(), cols, Center, true, Normal);
    push_text(
        &mut blocks,
        &format!("取号时间：{}", slip.issued_at),
        cols,
        Center,
        false,
        Normal,
    );

    let materials: Vec<&String> = slip
        .materials
        .iter()
        .filter(|m| !clean(m).is_empty())
        .collect();
    if !materials.is_empty() {
        blocks.push(Block::Rule);
        push_text(&mut blocks, MATERIALS_HEADING, cols, Left, true, Normal);
        let mut lines = Vec::new();
        for (i, item) in materials.iter().enumerate() {
            lines.extend(wrap_hanging(&format!("{}. ", i + 1), item, cols));
        }
        blocks.push(Block::Text {
            lines,
            align: Left,
            bold: false,
            size: Normal,
        });
    }

    let notes: Vec<String> = slip.notes.iter().flat_map(|n| wrap(n, cols)).collect();
    if !notes.is_empty() {
        blocks.push(Block::Rule);
        blocks.push(Block::Text {
            lines: notes,
            align: Center,
            bold: false,
            size: Normal,
        });
    }

    let url = clean(&slip.status_url);
    if !url.is_empty() {
        blocks.push(Block::Feed(1));
        blocks.push(Block::Qr(url));
        push_text(&mut blocks, QR_CAPTION, cols, Center, false, Normal);
    }
    blocks
}

fn push_text(
    blocks: &mut Vec<Block>,
    text: &str,
    cols: usize,
    align: Align,
    bold: bool,
    size: Size,
) {
    let width = if size == Size::Double { cols / 2 } else { cols };
    let lines = wrap(text, width);
    if !lines.is_empty() {
        blocks.push(Block::Text {
            lines,
            align,
            bold,
            size,
        });
    }
}

/// Columns a character takes on the printer in Chinese mode.
pub(crate) fn char_width(c: char) -> usize {
    if c.is_ascii() { 1 } else { 2 }
}

/// Columns a string takes on the printer in Chinese mode.
pub(crate) fn text_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// The text with every control character (newline, tab, ESC, GS, …) turned into a space, runs of
/// spaces collapsed and the ends trimmed: configured text is printed, never obeyed as a command.
pub(crate) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out
}

/// Characters that must not start a line (避头): closing punctuation. They stay with the character
/// before them.
fn no_line_start(c: char) -> bool {
    "，。、；：！？）》」』】〕〉”’…—％～·,.;:!?)]}%".contains(c)
}

/// Characters that must not end a line (避尾): opening punctuation. They go with the character after.
fn no_line_end(c: char) -> bool {
    "（《「『【〔〈“‘([{".contains(c)
}

/// Breaks `text` into pieces that must stay on one line: an ASCII word, a hanzi with its closing
/// punctuation, an opening bracket with what follows. Spaces are separate pieces (`" "`), where a line
/// may break and the space is then dropped.
fn pieces(text: &str) -> Vec<String> {
    // First: ASCII words, single spaces and single wide characters.
    let mut raw: Vec<String> = Vec::new();
    for c in text.chars() {
        let extends_word = c.is_ascii() && c != ' ' && !no_line_end(c);
        match raw.last_mut() {
            Some(last)
                if extends_word
                    && last
                        .chars()
                        .last()
                        .is_some_and(|l| l.is_ascii() && l != ' ' && !no_line_end(l)) =>
            {
                last.push(c)
            }
            _ => raw.push(c.to_string()),
        }
    }
    // Then glue: closing punctuation to the piece before, opening punctuation to the piece after.
    let mut out: Vec<String> = Vec::new();
    let mut opening = String::new();
    for piece in raw {
        if piece == " " {
            if !opening.is_empty() {
                out.push(std::mem::take(&mut opening));
            }
            out.push(piece);
            continue;
        }
        let first = piece.chars().next().unwrap_or(' ');
        if piece.chars().count() == 1 && no_line_end(first) {
            opening.push(first);
            continue;
        }
        let piece = std::mem::take(&mut opening) + &piece;
        match out.last_mut() {
            Some(last) if last != " " && no_line_start(first) => last.push_str(&piece),
            _ => out.push(piece),
        }
    }
    if !opening.is_empty() {
        out.push(opening);
    }
    out
}

/// Wraps `text` (cleaned first) into lines of at most `cols` columns.
pub(crate) fn wrap(text: &str, cols: usize) -> Vec<String> {
    wrap_hanging("", text, cols)
}

/// Wraps `prefix` + `text` into lines of at most `cols` columns; lines after the first are indented by
/// the width of `prefix` (a hanging indent, so a numbered item reads as one item).
pub(crate) fn wrap_hanging(prefix: &str, text: &str, cols: usize) -> Vec<String> {
    let text = clean(text);
    if text.is_empty() || cols == 0 {
        return Vec::new();
    }
    let indent_width = text_width(prefix).min(cols.saturating_sub(2));
    let indent = " ".repeat(indent_width);
    let mut lines = Vec::new();
    let mut line = prefix.to_string();
    let mut width = text_width(prefix);
    // Whether `line` holds anything beyond its prefix or indent.
    let mut has_text = false;

    let mut end_line = |line: &mut String, width: &mut usize, has_text: &mut bool| {
        lines.push(line.trim_end().to_string());
        *line = indent.clone();
        *width = indent_width;
        *has_text = false;
    };

    for piece in pieces(&text) {
        if piece == " " {
            if has_text && width < cols {
                line.push(' ');
                width += 1;
            }
            continue;
        }
        let piece_width = text_width(&piece);
        if width + piece_width > cols && has_text {
            end_line(&mut line, &mut width, &mut has_text);
        }
        if width + piece_width <= cols {
            line.push_str(&piece);
            width += piece_width;
            has_text = true;
            continue;
        }
        // Wider than a whole line (a long URL): break it wherever the line is full.
        for c in piece.chars() {
            if width + char_width(c) > cols && has_text {
                end_line(&mut line, &mut width, &mut has_text);
            }
            line.push(c);
            width += char_width(c);
            has_text = true;
        }
    }
    if has_text {
        lines.push(line.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, cols: usize, expected: &[&str]) {
        let lines = wrap(text, cols);
        assert_eq!(lines, expected, "wrapping {text:?} at {cols} columns");
        for line in &lines {
            assert!(text_width(line) <= cols, "{line:?} is wider than {cols}");
        }
    }

    #[test]
    fn a_hanzi_takes_two_columns_and_ascii_one() {
        assert_eq!(text_width("A001"), 4);
        assert_eq!(text_width("不动产登记"), 10);
        assert_eq!(text_width("预计等待 —"), 11);
        assert_eq!(text_width("【爱心优先】"), 12);
    }

    #[test]
    fn short_text_stays_on_one_line() {
        check("不动产登记", 32, &["不动产登记"]);
        check("", 32, &[]);
        check("   ", 32, &[]);
    }

    #[test]
    fn chinese_breaks_between_any_two_hanzi() {
        check("一二三四五六七八九十", 8, &["一二三四", "五六七八", "九十"]);
        // An odd width leaves one column empty rather than splitting a hanzi.
        check("一二三四五六七八九十", 9, &["一二三四", "五六七八", "九十"]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // "人，" stays together, so the line breaks before "人".
        check(
            "您前面还有三人，预计等待",
            14,
            &["您前面还有三", "人，预计等待"],
        );
        check("请带好身份证。谢谢", 12, &["请带好身份", "证。谢谢"]);
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        check("材料清单（原件）", 10, &["材料清单", "（原件）"]);
    }

    #[test]
    fn ascii_words_are_not_split_and_spaces_at_a_break_vanish() {
        check("您前面还有 12 人", 12, &["您前面还有", "12 人"]);
        check(
            "Real Estate Registration",
            16,
            &["Real Estate", "Registration"],
        );
    }

    #[test]
    fn a_word_longer_than_the_line_is_broken_where_the_line_is_full() {
        check(
            "http://192.168.1.10:8700/t/abcdef",
            16,
            &["http://192.168.1", ".10:8700/t/abcde", "f"],
        );
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(clean("大厅\x1b@\x1dV\n一层\t"), "大厅 @ V 一层");
        check("第一行\n第二行", 32, &["第一行 第二行"]);
    }

    #[test]
    fn hanging_indent_lines_up_under_the_text() {
        let lines = wrap_hanging("1. ", "不动产权证书或土地使用证原件及复印件", 20);
        assert_eq!(
            lines,
            ["1. 不动产权证书或土", "   地使用证原件及复", "   印件"],
        );
        for line in &lines {
            assert!(text_width(line) <= 20);
        }
    }
}

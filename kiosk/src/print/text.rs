//! The slip as plain text, laid out exactly as the printer lays it out: for eyeballing a slip in a
//! terminal, a log or a report, and for the `slip` example. Printer-only things get a stand-in: the QR
//! code prints as `[QR] url`, the cut as a line of `=`.

use super::layout::{Align, Block, RULE_CHAR, Size, layout, text_width, wrap};
use super::slip::{Paper, TicketSlip};

/// The slip's lines as they come out of a `paper`-wide printer, padded for centring.
///
/// Double-size text is shown in full-width characters (`Ａ００１`), which take two columns in a
/// terminal as they take twice the width on paper. Lines carry no trailing spaces.
pub fn render_text(slip: &TicketSlip, paper: Paper) -> Vec<String> {
    let cols = paper.columns();
    let mut out = Vec::new();
    for block in layout(slip, paper) {
        match block {
            Block::Text {
                lines, align, size, ..
            } => {
                for line in lines {
                    let line = match size {
                        Size::Normal => line,
                        Size::Double => line.chars().map(widen).collect(),
                    };
                    out.push(place(&line, align, cols));
                }
            }
            Block::Rule => out.push(std::iter::repeat_n(RULE_CHAR, cols).collect()),
            Block::Qr(url) => {
                for line in wrap(&format!("[QR] {url}"), cols) {
                    out.push(place(&line, Align::Center, cols));
                }
            }
            Block::Feed(n) => out.extend((0..n).map(|_| String::new())),
        }
    }
    out.push("=".repeat(cols));
    out
}

/// `line` aligned in `cols` columns, as `ESC a` would place it (centred text leans left by half a
/// column when the space cannot be split evenly).
fn place(line: &str, align: Align, cols: usize) -> String {
    match align {
        Align::Left => line.to_string(),
        Align::Center => {
            let pad = cols.saturating_sub(text_width(line)) / 2;
            format!("{}{line}", " ".repeat(pad))
        }
    }
}

/// The full-width form of a printable ASCII character: what double width looks like in a terminal.
pub(crate) fn widen(c: char) -> char {
    match c {
        ' ' => '\u{3000}',
        '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
        _ => c,
    }
}

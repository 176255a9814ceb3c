//! What an ESC/POS printer says about itself when asked with `DLE EOT n` (transmit real-time status):
//! the query bytes, and the answer read into a [`PrinterStatus`]. Pure; the transports send the
//! query before and after each slip where they can read an answer (TCP, device files).
//!
//! The printer answers each `DLE EOT n` with one byte, at once, even while it is offline or its
//! buffer is full. Every answer byte has bits 1 and 4 set and bits 0 and 7 clear (`0b0xx1_xx10`),
//! which is how an answer is told from noise (or, on a FIFO standing in for a device, from the
//! query itself). The bits, as EPSON, Xprinter, HPRT, Bixolon and the other ESC/POS printers use
//! them:
//!
//! | n | what | bit 2 (0x04) | bit 3 (0x08) | bit 5 (0x20) | bit 6 (0x40) |
//! |---|---|---|---|---|---|
//! | 1 | printer | drawer pin | offline | | |
//! | 2 | offline cause | cover open | feed button | stopped: paper end | error |
//! | 3 | error cause | | auto-cutter error | unrecoverable error | auto-recoverable error |
//! | 4 | roll paper sensor | near end (with bit 3) | near end | paper end (with bit 6) | paper end |

use std::fmt;

/// `DLE EOT 1`, `DLE EOT 2`, `DLE EOT 3`, `DLE EOT 4`, sent together; the answers come back in
/// this order, one byte each.
pub const STATUS_QUERY: [u8; 12] = [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3, 0x10, 0x04, 4];

/// How many answer bytes [`STATUS_QUERY`] asks for.
pub(crate) const ANSWERS: usize = 4;

/// The printer's real-time status, from its answers to [`STATUS_QUERY`]. A printer that answered
/// only the first queries leaves the rest `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    /// Not taking paper forward (`n = 1`, bit 3): one of the causes below, or the feed button.
    pub offline: bool,
    /// The cover is open (`n = 2`, bit 2).
    pub cover_open: bool,
    /// Paper is being fed with the feed button (`n = 2`, bit 3): offline for a moment, not a fault.
    pub feeding: bool,
    /// No paper: printing stopped at the paper end (`n = 2`, bit 5) or the roll sensor sees the end
    /// (`n = 4`, bits 5–6).
    pub paper_out: bool,
    /// The roll is nearly used up (`n = 4`, bits 2–3): still printing, someone should change it.
    pub paper_near_end: bool,
    /// The auto-cutter is stuck (`n = 3`, bit 3).
    pub cutter_error: bool,
    /// An error the printer cannot recover from by itself (`n = 2` bit 6, `n = 3` bits 5–6: head
    /// temperature, voltage, a paper jam).
    pub error: bool,
}

/// What keeps a printer from printing a slip, as the citizen and hall IT are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 缺纸: the roll is used up.
    PaperOut,
    /// 纸仓盖未合上.
    CoverOpen,
    /// The cutter or another mechanism failed.
    Error,
    /// Offline for no reason it names.
    Offline,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::PaperOut => "paper out",
            Fault::CoverOpen => "cover open",
            Fault::Error => "a printer error (cutter, jam, head or voltage)",
            Fault::Offline => "offline",
        })
    }
}

/// Whether `b` has the fixed bits of a `DLE EOT` answer.
fn is_answer(b: u8) -> bool {
    b & 0b1001_0011 == 0b0001_0010
}

impl PrinterStatus {
    /// Reads the answers to [`STATUS_QUERY`], in order. `None` when the first byte is not an answer
    /// (no answer at all, or something else came back); answers after the first that are not
    /// answers are ignored with everything after them.
    pub fn parse(answers: &[u8]) -> Option<PrinterStatus> {
        let valid: Vec<u8> = answers
            .iter()
            .take(ANSWERS)
            .copied()
            .take_while(|b| is_answer(*b))
            .collect();
        let byte = |i: usize| valid.get(i).copied().unwrap_or(0);
        let bit = |i: usize, mask: u8| byte(i) & mask != 0;
        if valid.is_empty() {
            return None;
        }
        Some(PrinterStatus {
            offline: bit(0, 0x08),
            cover_open: bit(1, 0x04),
            feeding: bit(1, 0x08),
            paper_out: bit(1, 0x20) || bit(3, 0x60),
            paper_near_end: bit(3, 0x0C),
            cutter_error: bit(2, 0x08),
            error: bit(1, 0x40) || bit(2, 0x60),
        })
    }

    /// What keeps this printer from printing, if anything. Paper comes first: it is what a member of
    /// staff can fix, and an open cover or a jam often comes with changing the roll.
    pub fn fault(&self) -> Option<Fault> {
        if self.paper_out {
            Some(Fault::PaperOut)
        } else if self.cover_open {
            Some(Fault::CoverOpen)
        } else if self.error || self.cutter_error {
            Some(Fault::Error)
        } else if self.offline && !self.feeding {
            Some(Fault::Offline)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answers of a printer that is fine.
    const READY: [u8; 4] = [0x12, 0x12, 0x12, 0x12];

    fn check(answers: &[u8], expected: Option<Fault>) {
        let status = PrinterStatus::parse(answers).expect("an answer");
        assert_eq!(status.fault(), expected, "{answers:02x?}: {status:?}");
    }

    #[test]
    fn a_ready_printer_has_no_fault() {
        check(&READY, None);
        // The drawer pin (n = 1, bit 2) says nothing about printing.
        check(&[0x16, 0x12, 0x12, 0x12], None);
    }

    #[test]
    fn each_fault_is_read_from_its_bit() {
        // Paper end: the roll sensor alone, or printing stopped with the offline flags.
        check(&[0x12, 0x12, 0x12, 0x72], Some(Fault::PaperOut));
        check(&[0x1A, 0x32, 0x12, 0x72], Some(Fault::PaperOut));
        check(&[0x1A, 0x16, 0x12, 0x12], Some(Fault::CoverOpen));
        check(&[0x1A, 0x52, 0x12, 0x12], Some(Fault::Error));
        check(&[0x1A, 0x52, 0x1A, 0x12], Some(Fault::Error));
        check(&[0x1A, 0x52, 0x32, 0x12], Some(Fault::Error));
        check(&[0x1A, 0x12, 0x12, 0x12], Some(Fault::Offline));
        // Paper fed with the button: offline for a moment, not a fault.
        check(&[0x1A, 0x1A, 0x12, 0x12], None);
        // An open cover while the roll is also out: the paper is what to fix first.
        check(&[0x1A, 0x36, 0x12, 0x72], Some(Fault::PaperOut));
    }

    #[test]
    fn near_end_is_a_warning_not_a_fault() {
        let status = PrinterStatus::parse(&[0x12, 0x12, 0x12, 0x1E]).expect("an answer");
        assert!(status.paper_near_end);
        assert_eq!(status.fault(), None);
    }

    #[test]
    fn what_is_not_an_answer_is_not_read() {
        assert_eq!(PrinterStatus::parse(&[]), None);
        // A FIFO standing in for a device gives the query back.
        assert_eq!(PrinterStatus::parse(&STATUS_QUERY), None);
        assert_eq!(PrinterStatus::parse(&[0x00]), None);
        assert_eq!(PrinterStatus::parse(&[0xFF, 0x12]), None);
        // A printer that answers n = 1 and 2 only: the rest are unknown, read as fine.
        let partial = PrinterStatus::parse(&[0x1A, 0x16]).expect("two answers");
        assert_eq!(partial.fault(), Some(Fault::CoverOpen));
        let cut = PrinterStatus::parse(&[0x12, 0x12, 0x10, 0x72]).expect("two answers");
        assert_eq!(cut.fault(), None, "answers after noise are not trusted");
    }
}

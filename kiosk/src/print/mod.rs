//! Ticket slips on ESC/POS thermal printers (SPEC §6 "Printing"): what a slip says ([`TicketSlip`]),
//! its printer bytes ([`encode`](fn@encode)) and the way to the printer ([`Destination`], [`send`]). [`Printer`]
//! puts the three together for the kiosk app.
//!
//! # Calling it from the app
//!
//! [`Printer::print`] blocks: up to [`DEFAULT_TIMEOUT`] per step (resolve, connect, write) when the
//! printer is dead, plus up to [`STATUS_WAIT`] for a printer that does not answer its status query. Run it on a worker thread, never on the UI thread; [`Printer`] and
//! [`TicketSlip`] are `Send + Sync + Clone` for that. The ticket exists whatever happens here: on an
//! error, show [`PrintError::message_zh`] / [`PrintError::message_en`] next to the on-screen
//! ticket and log the error's `Display` form (it names the printer and the cause for hall IT).
//!
//! # What is sent
//!
//! - **Chinese mode.** `ESC @`, then `FS &` once: in it, GB18030 multi-byte codes print as hanzi and
//!   every byte below 0x80 prints as ASCII. `FS .` (leave Chinese mode) is never needed: the slip has
//!   no byte from 0x80 up that is not part of a GB18030 code, and each job starts from `ESC @` +
//!   `FS &`, whatever mode a previous job left. Printers with a GB2312/GBK font only (many cheap
//!   58 mm ones) print rare characters outside GBK (four-byte GB18030 codes) as blanks or garbage.
//! - **Sizes.** The number is double width and double height (`GS ! 0x11`), bold (`ESC E 1`),
//!   centred (`ESC a 1`). `GS !` sizes alphanumeric and Chinese characters alike on EPSON and on
//!   the Chinese clones (Xprinter, GPrinter, HPRT); `FS ! 0x0C` (the Chinese-mode size) is sent with it
//!   for older Chinese firmware that sizes hanzi only through `FS !`. `ESC !` is not used: on EPSON it
//!   does not reach hanzi.
//! - **QR code.** `GS ( k`: model 2, module size per paper, error correction M (a slip may get
//!   scuffed; M still fits a status URL in a small symbol), store, print.
//! - **Cut.** `GS V 66 0`, the last command: feed to the cutter, then a partial cut.
//! - **Status.** Not part of the slip: the transports send `DLE EOT 1–4` before and after it where
//!   the printer can answer ([`status`]), so no paper, an open cover or an error is a fault.
//! - **Width.** Lines are wrapped to the paper's columns (48 on 80 mm, 32 on 58 mm; half that for
//!   double width), a hanzi taking two columns, with the Chinese line-breaking rules (no closing
//!   punctuation at a line start, no opening one at a line end, ASCII words kept whole).
//!
//! # Why the `escpos` crate, and what is hand-written
//!
//! `escpos` 0.20 (crates.io, maintained, no unsafe in what we use) builds the standard commands
//! correctly: `ESC @`, `ESC a`, `ESC E`, `GS !`, `ESC d`, and the five-part `GS ( k` QR sequence
//! with the right `pL pH` lengths. Its text encoder takes any `encoding_rs` encoding, here GB18030.
//! We use it for those, with default features off (no libusb, image or serial-port crates).
//!
//! Written here, because `escpos` lacks them: Chinese mode (`FS &`, `FS !`); the partial cut (its
//! `partial_cut` sends `GS V 65 1`, which EPSON defines as a *full* cut after a feed); wrapping by
//! printed width; and the transports. Its `NetworkDriver` takes an IP address only, and its errors are
//! strings, so "refused" cannot be told from "timed out"; we need typed errors and a deadline on every
//! step. Its `Printer` always writes to a driver: ours only collects the bytes, so the byte builder
//! stays pure.

mod encode;
mod layout;
mod slip;
pub mod status;
mod text;
mod transport;

#[cfg(test)]
pub(crate) mod tests;

use std::time::Duration;

pub use encode::encode;
pub use slip::{
    DEFAULT_NOTES, Paper, PaperError, SlipSettings, TicketSlip, ahead_words, class_label,
    where_line,
};
pub use status::{Fault, PrinterStatus, STATUS_QUERY};
pub use text::render_text;
pub use transport::{
    DEFAULT_PORT, DEFAULT_TIMEOUT, Destination, DestinationError, PrintError, STATUS_WAIT, Stage,
    send,
};

/// A kiosk's printer as configured: where slips go, the paper in it, and how long to wait for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printer {
    /// Where the bytes go.
    pub destination: Destination,
    /// The roll's width, which sets line width and QR size.
    pub paper: Paper,
    /// The limit for each step of a print job.
    pub timeout: Duration,
}

impl Printer {
    /// A printer with the [`DEFAULT_TIMEOUT`].
    pub fn new(destination: Destination, paper: Paper) -> Printer {
        Printer {
            destination,
            paper,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Prints `slip`. Blocking (see the module docs): call it from a worker thread.
    ///
    /// A printer that reports no paper, an open cover or an error (asked before and after the slip,
    /// see [`send`]) is a [`PrintError::Fault`]. `Ok` has the printer's last status when it gave one,
    /// for warnings such as a roll near its end. With [`Destination::None`] it does nothing and
    /// succeeds.
    pub fn print(&self, slip: &TicketSlip) -> Result<Option<PrinterStatus>, PrintError> {
        if !self.destination.prints() {
            return Ok(None);
        }
        let bytes = encode(slip, self.paper)?;
        send(&self.destination, &bytes, self.timeout)
    }
}

//! The slip as ESC/POS bytes. Pure: no I/O, no clock, no randomness; the same slip and paper always
//! give the same bytes, which is what the tests compare.

use std::cell::RefCell;

use encoding_rs::GB18030;
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{
    Encoder, JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption,
};

use super::PrintError;
use super::layout::{Align, Block, RULE_CHAR, Size, layout};
use super::slip::{Paper, TicketSlip};

/// `FS &`: select Chinese (Kanji) character mode, so GB18030 multi-byte codes print as hanzi.
pub(crate) const FS_CHINESE_ON: [u8; 2] = [0x1C, b'&'];
/// `FS ! n` with double width (bit 2) and double height (bit 3): the Chinese-mode size for hanzi.
pub(crate) const FS_CHINESE_DOUBLE: [u8; 3] = [0x1C, b'!', 0x0C];
/// `FS ! 0`: Chinese-mode characters back to normal size.
pub(crate) const FS_CHINESE_NORMAL: [u8; 3] = [0x1C, b'!', 0x00];
/// `GS V 66 0`: feed the paper to the cutter and cut partially (the slip hangs on a hinge, so it
/// does not fall on the floor).
pub(crate) const GS_PARTIAL_CUT: [u8; 4] = [0x1D, b'V', 66, 0];

/// The ESC/POS bytes of `slip` on `paper`.
///
/// The sequence: `ESC @` (reset), `FS &` (Chinese mode, kept to the end: every byte below 0x80 is
/// ASCII and prints the same in it), then each block with its alignment (`ESC a`), emphasis
/// (`ESC E`) and size, the QR code (`GS ( k`, model 2, error correction M), and last the partial cut
/// `GS V 66 0`, which itself feeds the last line past the cutter.
///
/// Fails only if the status URL is too long for a QR code (over 7089 bytes), which no hall's URL is.
pub fn encode(slip: &TicketSlip, paper: Paper) -> Result<Vec<u8>, PrintError> {
    encode_blocks(&layout(slip, paper), paper).map_err(|e| PrintError::Encode(e.to_string()))
}

/// A `Driver` that keeps what it is given: the only way to have `escpos` build bytes without a device.
#[derive(Default)]
struct Capture(RefCell<Vec<u8>>);

impl Driver for Capture {
    fn name(&self) -> String {
        "memory".to_string()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

fn encode_blocks(blocks: &[Block], paper: Paper) -> escpos::errors::Result<Vec<u8>> {
    let protocol = Protocol::new(Encoder::new(GB18030));
    let mut p = Printer::new(Capture::default(), protocol, None);
    p.init()?.custom(&FS_CHINESE_ON)?;
    for block in blocks {
        match block {
            Block::Text {
                lines,
                align,
                bold,
                size,
            } => {
                p.justify(justify(*align))?;
                if *bold {
                    p.bold(true)?;
                }
                if *size == Size::Double {
                    // GS ! sizes every character on EPSON and on the Chinese clones (Xprinter,
                    // GPrinter); FS ! is the Chinese-mode size that older Chinese firmware reads for
                    // hanzi. Both say the same, so "the last one received wins" cannot matter.
                    p.size(2, 2)?.custom(&FS_CHINESE_DOUBLE)?;
                }
                for line in lines {
                    p.writeln(line)?;
                }
                if *size == Size::Double {
                    p.reset_size()?.custom(&FS_CHINESE_NORMAL)?;
                }
                if *bold {
                    p.bold(false)?;
                }
            }
            Block::Rule => {
                let rule: String = std::iter::repeat_n(RULE_CHAR, paper.columns()).collect();
                p.justify(JustifyMode::LEFT)?.writeln(&rule)?;
            }
            Block::Qr(data) => {
                let option = QRCodeOption::new(
                    QRCodeModel::Model2,
                    paper.qr_module_dots(),
                    QRCodeCorrectionLevel::M,
                );
                p.justify(JustifyMode::CENTER)?
                    .qrcode_option(data, option)?;
            }
            Block::Feed(n) => {
                p.feeds(*n)?;
            }
        }
    }
    p.custom(&GS_PARTIAL_CUT)?.print()?;
    Ok(p.driver().0.into_inner())
}

fn justify(align: Align) -> JustifyMode {
    match align {
        Align::Left => JustifyMode::LEFT,
        Align::Center => JustifyMode::CENTER,
    }
}

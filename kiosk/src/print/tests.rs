//! Tests of the slip's bytes, read back by a small ESC/POS interpreter that knows exactly the commands
//! the slip may contain and fails on anything else.

use encoding_rs::GB18030;
use qcall_protocol::{HallInfo, IssueResponse, Leg, Service, Ticket, TicketClass, TicketState};

use super::layout::{text_width, wrap};
use super::*;

const STATUS_PATH: &str = "/t/00000000002a0123456789abcdef0123456789abcdef";

/// A priority ticket at 不动产登记 with three ahead, built the way the kiosk builds it.
pub(crate) fn sample_slip() -> TicketSlip {
    TicketSlip::from_issue(
        &sample_issue(),
        &sample_hall(),
        &sample_service(),
        "2026-11-23 09:15",
        &[3, 5],
        &SlipSettings::new("http://192.168.1.10:8700/"),
    )
}

pub(crate) fn sample_issue() -> IssueResponse {
    IssueResponse {
        ticket: Ticket {
            id: 42,
            number: "A001".to_string(),
            business_day: "2026-11-23".to_string(),
            class: TicketClass::Priority,
            state: TicketState::Waiting,
            origin_service_id: "estate".to_string(),
            service_id: "estate".to_string(),
            issued_at: 1_795_000_000_000,
            window: None,
            phone_masked: None,
            legs: vec![Leg::queued("estate", 1_795_000_000_000)],
        },
        token: STATUS_PATH.trim_start_matches("/t/").to_string(),
        status_path: STATUS_PATH.to_string(),
        ahead: 3,
        estimated_wait_minutes: Some(12),
    }
}

pub(crate) fn sample_hall() -> HallInfo {
    HallInfo {
        notify: false,
        check_in: true,
        start_on_call: false,
        name_zh: "某某市政务服务中心".to_string(),
        name_en: "Mouxx City Government Service Center".to_string(),
        time_zone: "Asia/Shanghai".to_string(),
        business_day: "2026-11-23".to_string(),
        issuing_open: true,
        hours_today: vec!["09:00-17:00".to_string()],
        notices: vec![],
        requeue_limit_minutes: 30,
        requeue_behind: 3,
        priority_ratio: 3,
    }
}

pub(crate) fn sample_service() -> Service {
    Service {
        id: "estate".to_string(),
        name_zh: "不动产登记".to_string(),
        name_en: "Real Estate Registration".to_string(),
        group_id: "estate".to_string(),
        prefix: "A".to_string(),
        enabled: true,
        daily_cap: None,
        expected_minutes: 4,
        materials: vec![
            "身份证原件".to_string(),
            "不动产权证书或土地使用证原件及复印件（如有抵押，另带抵押权人同意书）".to_string(),
            "户口簿".to_string(),
        ],
        ask_citizen_id: false,
        ask_phone: false,
        warn_waiting_count: None,
        warn_waiting_minutes: None,
    }
}

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const FS: u8 = 0x1C;
const LF: u8 = 0x0A;

/// One printed line with the modes in force when it was printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) text: String,
    /// `ESC a`: 0 left, 1 centre.
    pub(crate) align: u8,
    pub(crate) bold: bool,
    /// `GS !`.
    pub(crate) size: u8,
    /// `FS !`.
    pub(crate) chinese_size: u8,
    pub(crate) chinese_mode: bool,
}

/// What the interpreter saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    Init,
    ChineseMode(bool),
    Line(Line),
    /// Blank lines fed.
    Feed(u8),
    /// One `GS ( k` function for QR (cn = 49): its `fn` byte and the bytes after it.
    Qr {
        func: u8,
        data: Vec<u8>,
        align: u8,
    },
    /// `GS V m n`.
    Cut(u8, u8),
}

/// Interprets `bytes` as a printer would, for the commands a slip may hold; panics on anything else,
/// on text that is not GB18030, and on a mode change in the middle of a line.
pub(crate) fn interpret(bytes: &[u8]) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut text: Vec<u8> = Vec::new();
    let (mut align, mut bold, mut size, mut chinese_size, mut chinese) = (0, false, 0, 0, false);
    let mut i = 0;
    let arg = |i: usize, n: usize| -> &[u8] {
        bytes
            .get(i..i + n)
            .unwrap_or_else(|| panic!("command at {i} is cut short"))
    };
    while i < bytes.len() {
        let b = bytes[i];
        let between_lines = |text: &Vec<u8>, what: &str| {
            assert!(
                text.is_empty(),
                "{what} at byte {i} in the middle of a line"
            );
        };
        match b {
            ESC => {
                let a = arg(i + 1, 1)[0];
                match a {
                    b'@' => {
                        between_lines(&text, "ESC @");
                        (align, bold, size, chinese_size, chinese) = (0, false, 0, 0, false);
                        ops.push(Op::Init);
                        i += 2;
                    }
                    b'a' | b'E' | b'd' => {
                        let n = arg(i + 2, 1)[0];
                        match a {
                            b'a' => {
                                between_lines(&text, "ESC a");
                                align = n;
                            }
                            b'E' => bold = n & 1 == 1,
                            _ => {
                                let mut n = n;
                                if !text.is_empty() {
                                    ops.push(Op::Line(line(
                                        &mut text,
                                        (align, bold, size, chinese_size, chinese),
                                    )));
                                    n -= 1;
                                }
                                if n > 0 {
                                    ops.push(Op::Feed(n));
                                }
                            }
                        }
                        i += 3;
                    }
                    other => panic!("unexpected ESC {other:#04x} at byte {i}"),
                }
            }
            GS => match arg(i + 1, 1)[0] {
                b'!' => {
                    size = arg(i + 2, 1)[0];
                    i += 3;
                }
                b'(' => {
                    between_lines(&text, "GS ( k");
                    let head = arg(i + 2, 3);
                    assert_eq!(head[0], b'k', "only GS ( k is expected");
                    let len = usize::from(head[1]) + 256 * usize::from(head[2]);
                    let body = arg(i + 5, len);
                    assert_eq!(body[0], 49, "cn must be 49 (QR code)");
                    ops.push(Op::Qr {
                        func: body[1],
                        data: body[2..].to_vec(),
                        align,
                    });
                    i += 5 + len;
                }
                b'V' => {
                    between_lines(&text, "GS V");
                    let m = arg(i + 2, 1)[0];
                    assert!(m == 65 || m == 66, "only GS V function B is expected");
                    ops.push(Op::Cut(m, arg(i + 3, 1)[0]));
                    i += 4;
                }
                other => panic!("unexpected GS {other:#04x} at byte {i}"),
            },
            FS => match arg(i + 1, 1)[0] {
                b'&' => {
                    chinese = true;
                    ops.push(Op::ChineseMode(true));
                    i += 2;
                }
                b'.' => {
                    chinese = false;
                    ops.push(Op::ChineseMode(false));
                    i += 2;
                }
                b'!' => {
                    chinese_size = arg(i + 2, 1)[0];
                    i += 3;
                }
                other => panic!("unexpected FS {other:#04x} at byte {i}"),
            },
            LF => {
                if text.is_empty() {
                    ops.push(Op::Feed(1));
                } else {
                    ops.push(Op::Line(line(
                        &mut text,
                        (align, bold, size, chinese_size, chinese),
                    )));
                }
                i += 1;
            }
            b if b < 0x20 || b == 0x7F => panic!("unexpected control byte {b:#04x} at byte {i}"),
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    assert!(text.is_empty(), "text after the last line: {text:?}");
    ops
}

fn line(
    text: &mut Vec<u8>,
    (align, bold, size, chinese_size, chinese): (u8, bool, u8, u8, bool),
) -> Line {
    let (decoded, had_errors) = GB18030.decode_without_bom_handling(text);
    assert!(!had_errors, "text is not GB18030: {text:?}");
    if !text.is_ascii() {
        assert!(
            chinese,
            "GB18030 text {decoded:?} printed outside Chinese mode"
        );
    }
    let line = Line {
        text: decoded.into_owned(),
        align,
        bold,
        size,
        chinese_size,
        chinese_mode: chinese,
    };
    text.clear();
    line
}

fn lines(ops: &[Op]) -> Vec<Line> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Line(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}

fn texts(ops: &[Op]) -> Vec<String> {
    lines(ops).into_iter().map(|l| l.text).collect()
}

fn encoded(slip: &TicketSlip, paper: Paper) -> Vec<u8> {
    encode(slip, paper).expect("a sample slip encodes")
}

#[test]
fn the_sample_slip_prints_every_line_in_order() {
    let ops = interpret(&encoded(&sample_slip(), Paper::Mm80));
    let rule = "-".repeat(48);
    assert_eq!(
        texts(&ops),
        [
            "某某市政务服务中心",
            &rule,
            "不动产登记",
            "A001",
            "【爱心优先】",
            "您前面还有 3 人，预计等待 12 分钟",
            "请在等候区留意 3号、5号窗口叫号",
            "取号时间：2026-11-23 09:15",
            &rule,
            "请携带：",
            "1. 身份证原件",
            "2. 不动产权证书或土地使用证原件及复印件（如有抵",
            "   押，另带抵押权人同意书）",
            "3. 户口簿",
            &rule,
            "过号请到窗口重新排队",
            "扫码查看排队进度",
        ]
    );
}

#[test]
fn the_job_starts_from_a_reset_in_chinese_mode_and_never_leaves_it() {
    let ops = interpret(&encoded(&sample_slip(), Paper::Mm80));
    assert_eq!(ops[..2], [Op::Init, Op::ChineseMode(true)]);
    assert_eq!(ops.iter().filter(|op| **op == Op::Init).count(), 1);
    assert!(!ops.contains(&Op::ChineseMode(false)));
    assert!(lines(&ops).iter().all(|l| l.chinese_mode));
}

#[test]
fn the_number_alone_is_double_size_bold_and_centred() {
    let printed = lines(&interpret(&encoded(&sample_slip(), Paper::Mm80)));
    let number: Vec<&Line> = printed.iter().filter(|l| l.text == "A001").collect();
    assert_eq!(number.len(), 1, "the number is printed once");
    let number = number[0];
    assert_eq!(number.size, 0x11, "GS ! double width and height");
    assert_eq!(number.chinese_size, 0x0C, "FS ! double width and height");
    assert!(number.bold);
    assert_eq!(number.align, 1, "centred");
    for l in printed.iter().filter(|l| l.text != "A001") {
        assert_eq!(
            (l.size, l.chinese_size),
            (0, 0),
            "{:?} is not normal size",
            l.text
        );
    }
}

#[test]
fn the_qr_code_holds_the_status_url_with_model_2_and_error_correction_m() {
    let url = "http://192.168.1.10:8700/t/00000000002a0123456789abcdef0123456789abcdef";
    let slip = sample_slip();
    assert_eq!(slip.status_url, url);
    for (paper, module) in [(Paper::Mm80, 7u8), (Paper::Mm58, 5)] {
        let bytes = encoded(&slip, paper);
        // The exact five commands, back to back.
        let len = (url.len() + 3) as u16;
        let mut expected = vec![GS, b'(', b'k', 4, 0, 49, 65, 50, 0]; // model 2
        expected.extend([GS, b'(', b'k', 3, 0, 49, 67, module]); // module size
        expected.extend([GS, b'(', b'k', 3, 0, 49, 69, 49]); // error correction M
        expected.extend([GS, b'(', b'k', len as u8, (len >> 8) as u8, 49, 80, 48]); // store
        expected.extend(url.as_bytes());
        expected.extend([GS, b'(', b'k', 3, 0, 49, 81, 48]); // print
        let at = bytes
            .windows(expected.len())
            .position(|w| w == expected.as_slice());
        assert!(at.is_some(), "QR sequence not found on {paper}");

        let qr: Vec<(u8, Vec<u8>, u8)> = interpret(&bytes)
            .into_iter()
            .filter_map(|op| match op {
                Op::Qr { func, data, align } => Some((func, data, align)),
                _ => None,
            })
            .collect();
        let stored: Vec<&Vec<u8>> = qr.iter().filter(|q| q.0 == 80).map(|q| &q.1).collect();
        assert_eq!(
            stored,
            [&[&[48u8][..], url.as_bytes()].concat()],
            "one symbol, the URL"
        );
        assert!(qr.iter().all(|q| q.2 == 1), "the QR code is centred");
    }
}

#[test]
fn a_long_qr_payload_gets_two_length_bytes() {
    let mut slip = sample_slip();
    slip.status_url = format!("http://hall.example/{}", "x".repeat(300));
    let bytes = encoded(&slip, Paper::Mm80);
    let len = slip.status_url.len() + 3;
    let store = [
        GS,
        b'(',
        b'k',
        (len % 256) as u8,
        (len / 256) as u8,
        49,
        80,
        48,
    ];
    assert!(bytes.windows(store.len()).any(|w| w == store));
}

#[test]
fn the_partial_cut_comes_last_and_once() {
    for paper in [Paper::Mm80, Paper::Mm58] {
        let bytes = encoded(&sample_slip(), paper);
        assert!(
            bytes.ends_with(&[GS, b'V', 66, 0]),
            "cut is the last command on {paper}"
        );
        let ops = interpret(&bytes);
        let cuts: Vec<&Op> = ops.iter().filter(|op| matches!(op, Op::Cut(..))).collect();
        assert_eq!(cuts, [&Op::Cut(66, 0)]);
        // The caption under the QR code is printed before the cut, so it stays on this slip.
        let last_line = lines(&ops).pop().map(|l| l.text);
        assert_eq!(last_line.as_deref(), Some("扫码查看排队进度"));
    }
}

#[test]
fn no_line_is_wider_than_the_paper() {
    let mut slip = sample_slip();
    slip.hall_name =
        "某某自治州某某市某某区行政审批局政务服务中心（市民之家）一楼综合受理大厅".to_string();
    slip.service_name =
        "企业开办（设立登记、印章刻制、申领发票、员工参保登记、住房公积金企业缴存登记）"
            .to_string();
    slip.service_name_en = Some("Business start-up: registration, seals, invoices, social insurance and housing fund in one window".to_string());
    slip.number = "AB1234567890123456789".to_string();
    slip.notes.push("请保管好本票据，过号作废。Keep this ticket: a missed call needs the window's help to requeue.".to_string());
    slip.status_url = format!("http://192.168.1.10:8700{STATUS_PATH}");
    for paper in [Paper::Mm80, Paper::Mm58] {
        let cols = paper.columns();
        let printed = lines(&interpret(&encoded(&slip, paper)));
        assert!(printed.len() > 20, "long text wraps onto more lines");
        for l in &printed {
            let width = if l.size == 0x11 {
                2 * text_width(&l.text)
            } else {
                text_width(&l.text)
            };
            assert!(
                width <= cols,
                "{:?} takes {width} of {cols} columns on {paper}",
                l.text
            );
        }
        // Nothing was lost in the wrapping.
        let all: String = printed.iter().map(|l| l.text.as_str()).collect();
        let squeeze = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
        for part in [
            &slip.hall_name,
            &slip.service_name,
            &slip.number,
            &slip.notes[slip.notes.len() - 1],
        ] {
            assert!(
                squeeze(&all).contains(&squeeze(part)),
                "{part:?} is on the {paper} slip"
            );
        }
    }
    // 58 mm wraps more than 80 mm.
    let count = |paper| lines(&interpret(&encoded(&slip, paper))).len();
    assert!(count(Paper::Mm58) > count(Paper::Mm80));
}

#[test]
fn fifty_eight_mm_wraps_the_sample_at_thirty_two_columns() {
    let printed = texts(&interpret(&encoded(&sample_slip(), Paper::Mm58)));
    // 34 columns on one line: the wait line splits at its comma instead.
    assert!(printed.contains(&"您前面还有 3 人".to_string()));
    assert!(printed.contains(&"预计等待 12 分钟".to_string()));
    assert!(printed.contains(&"2. 不动产权证书或土地使用证原件".to_string()));
    assert!(printed.contains(&"   及复印件（如有抵押，另带抵押".to_string()));
    assert!(printed.contains(&"-".repeat(32)));
}

#[test]
fn the_same_slip_gives_the_same_bytes() {
    assert_eq!(
        encoded(&sample_slip(), Paper::Mm80),
        encoded(&sample_slip(), Paper::Mm80)
    );
    assert_ne!(
        encoded(&sample_slip(), Paper::Mm80),
        encoded(&sample_slip(), Paper::Mm58)
    );
}

#[test]
fn configured_text_cannot_send_printer_commands() {
    let mut slip = sample_slip();
    slip.hall_name = "大厅\x1b@\x1dV\x42\x00\n二楼".to_string();
    slip.materials = vec!["身份证\x1c.".to_string()];
    let ops = interpret(&encoded(&slip, Paper::Mm80));
    assert_eq!(ops.iter().filter(|op| **op == Op::Init).count(), 1);
    assert_eq!(ops.iter().filter(|op| matches!(op, Op::Cut(..))).count(), 1);
    assert!(!ops.contains(&Op::ChineseMode(false)));
    let printed = texts(&ops);
    assert_eq!(printed[0], "大厅 @ VB 二楼");
    assert!(printed.contains(&"1. 身份证 .".to_string()));
}

#[test]
fn a_normal_ticket_has_no_label_and_an_unknown_wait_prints_a_dash() {
    let mut slip = sample_slip();
    slip.class = TicketClass::Normal;
    slip.estimated_wait_minutes = None;
    let printed = texts(&interpret(&encoded(&slip, Paper::Mm80)));
    assert!(!printed.iter().any(|t| t.starts_with('【')));
    assert!(printed.contains(&"您前面还有 3 人，预计等待 —".to_string()));
}

#[test]
fn every_class_label_is_printed_bold() {
    for (class, label) in [
        (TicketClass::Priority, "【爱心优先】"),
        (TicketClass::Green, "【绿色通道】"),
        (TicketClass::Appointment, "【预约】"),
    ] {
        let mut slip = sample_slip();
        slip.class = class;
        let printed = lines(&interpret(&encoded(&slip, Paper::Mm80)));
        let l = printed.iter().find(|l| l.text == label).expect(label);
        assert!(l.bold);
    }
}

#[test]
fn english_names_are_printed_only_when_asked_and_no_materials_means_no_heading() {
    let mut settings = SlipSettings::new("http://192.168.1.10:8700");
    settings.english = true;
    let mut service = sample_service();
    service.materials.clear();
    let slip = TicketSlip::from_issue(
        &sample_issue(),
        &sample_hall(),
        &service,
        "09:15",
        &[],
        &settings,
    );
    let printed = texts(&interpret(&encoded(&slip, Paper::Mm80)));
    assert!(printed.contains(&"Real Estate Registration".to_string()));
    assert!(printed.contains(&"Mouxx City Government Service Center".to_string()));
    assert!(!printed.contains(&"请携带：".to_string()));

    let printed = texts(&interpret(&encoded(&sample_slip(), Paper::Mm80)));
    assert!(!printed.contains(&"Real Estate Registration".to_string()));
}

#[test]
fn the_text_preview_shows_the_printed_lines_where_the_printer_puts_them() {
    for paper in [Paper::Mm80, Paper::Mm58] {
        let cols = paper.columns();
        let slip = sample_slip();
        // What the printer prints, placed as ESC a places it, double width shown as full-width.
        let expected: Vec<String> = lines(&interpret(&encoded(&slip, paper)))
            .into_iter()
            .map(|l| {
                let text: String = match l.size {
                    0x11 => l.text.chars().map(super::text::widen).collect(),
                    _ => l.text,
                };
                let pad = match l.align {
                    1 => (cols - text_width(&text)) / 2,
                    _ => 0,
                };
                format!("{}{text}", " ".repeat(pad))
            })
            .collect();
        // The preview, less blank lines and the stand-ins for the QR code and the cut.
        let qr = wrap(&format!("[QR] {}", slip.status_url), cols);
        let preview = render_text(&slip, paper);
        let shown: Vec<String> = preview
            .iter()
            .filter(|l| !l.is_empty() && !qr.contains(&l.trim().to_string()) && !l.starts_with('='))
            .cloned()
            .collect();
        assert_eq!(shown, expected, "preview on {paper}");
        assert!(
            preview.iter().any(|l| l.trim() == qr[0]),
            "the QR stand-in is shown"
        );
        for line in &preview {
            assert!(text_width(line) <= cols, "{line:?}");
        }
    }
}

#[test]
fn printing_can_move_to_a_worker_thread() {
    fn send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    send_sync_clone::<Printer>();
    send_sync_clone::<TicketSlip>();
    fn send_static<T: Send + 'static>() {}
    send_static::<PrintError>();
}

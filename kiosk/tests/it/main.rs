//! Printing over real transports, with no real printer: loopback TCP "printers" that answer the
//! status query (`DLE EOT`) as a real one does in each state, or not at all, a port where nothing
//! listens, a listener that never reads, files, and a FIFO that nobody reads (a device that hangs).

mod check_in;
mod screens;
mod util;

use std::io::Read;
use std::net::{Ipv4Addr, TcpListener};
use std::thread;
use std::time::{Duration, Instant};

use qcall_kiosk::print::{
    Destination, Fault, Paper, PrintError, Printer, STATUS_QUERY, STATUS_WAIT, SlipSettings, Stage,
    TicketSlip, encode, send,
};
use qcall_protocol::{HallInfo, IssueResponse, Leg, Service, Ticket, TicketClass, TicketState};

fn slip() -> TicketSlip {
    let leg = Leg::queued("tax", 0);
    let issue = IssueResponse {
        ticket: Ticket {
            id: 7,
            number: "B017".into(),
            business_day: "2026-11-23".into(),
            class: TicketClass::Green,
            state: TicketState::Waiting,
            origin_service_id: "tax".into(),
            service_id: "tax".into(),
            issued_at: 0,
            window: None,
            phone_masked: None,
            legs: vec![leg],
        },
        token: "000000000007aabbccdd".into(),
        status_path: "/t/000000000007aabbccdd".into(),
        ahead: 0,
        estimated_wait_minutes: Some(0),
    };
    let hall = HallInfo {
        notify: false,
        check_in: true,
        start_on_call: false,
        name_zh: "示例区政务服务大厅".into(),
        name_en: "Example District Service Hall".into(),
        time_zone: "Asia/Shanghai".into(),
        business_day: "2026-11-23".into(),
        issuing_open: true,
        hours_today: vec![],
        notices: vec![],
        requeue_limit_minutes: 30,
        requeue_behind: 3,
        priority_ratio: 3,
    };
    let service = Service {
        id: "tax".into(),
        name_zh: "税务综合".into(),
        name_en: "Tax".into(),
        group_id: "tax".into(),
        prefix: "B".into(),
        enabled: true,
        daily_cap: None,
        expected_minutes: 8,
        materials: vec!["身份证原件".into()],
        ask_citizen_id: false,
        ask_phone: false,
        warn_waiting_count: None,
        warn_waiting_minutes: None,
    };
    let settings = SlipSettings::new("http://127.0.0.1:8700");
    TicketSlip::from_issue(&issue, &hall, &service, "2026-11-23 10:02", &[2], &settings)
}

fn tcp(port: u16) -> Destination {
    format!("tcp:127.0.0.1:{port}")
        .parse()
        .expect("a loopback destination")
}

/// A port on which nothing listens: bound, then released.
fn closed_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    listener.local_addr().expect("addr").port()
}

#[test]
fn a_network_printer_that_gives_no_status_receives_the_query_and_the_slip() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // The "printer": read everything until the kiosk closes its side, never answer.
    let printer = thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        let mut got = Vec::new();
        conn.read_to_end(&mut got).expect("read");
        got
    });
    let kiosk = Printer::new(tcp(port), Paper::Mm80);
    let slip = slip();
    let started = Instant::now();
    let status = kiosk.print(&slip).expect("printed");
    assert_eq!(status, None, "it said nothing");
    let got = printer.join().expect("printer thread");
    // Asked once (not again after the slip: it does not answer), then exactly the slip.
    let slip_bytes = encode(&slip, Paper::Mm80).expect("encode");
    assert_eq!(got, [&STATUS_QUERY[..], &slip_bytes].concat());
    assert!(
        got.ends_with(&[0x1D, b'V', 66, 0]),
        "the printer got the cut too"
    );
    // The wait for an answer that never comes is bounded.
    assert!(
        started.elapsed() < STATUS_WAIT * 3,
        "{:?}",
        started.elapsed()
    );
}

/// How a fake printer answers `DLE EOT n` (n = 1…4): its status bytes before the slip and after it.
#[derive(Clone, Copy)]
struct Answers {
    before: [u8; 4],
    after: [u8; 4],
}

const READY: [u8; 4] = [0x12, 0x12, 0x12, 0x12];

/// A loopback ESC/POS printer that answers each `DLE EOT n` with its status (the `before` bytes
/// until it has received a cut, the `after` bytes from then on) and returns the other bytes it got
/// and how many queries it answered.
fn answering_printer(answers: Answers) -> (u16, thread::JoinHandle<(Vec<u8>, usize)>) {
    use std::io::Write;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let printer = thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        let (mut data, mut pending, mut queries) = (Vec::new(), Vec::new(), 0);
        let mut buf = [0u8; 4096];
        loop {
            let n = conn.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            pending.extend_from_slice(&buf[..n]);
            // Real-time commands are taken out of the stream as they arrive.
            let mut i = 0;
            while i < pending.len() {
                match pending[i..] {
                    [0x10, 0x04, q, ..] if (1..=4).contains(&q) => {
                        let cut = data.ends_with(&[0x1D, b'V', 66, 0]);
                        let byte =
                            if cut { answers.after } else { answers.before }[usize::from(q - 1)];
                        conn.write_all(&[byte]).expect("answer");
                        queries += 1;
                        i += 3;
                    }
                    [0x10] | [0x10, 0x04] => break,
                    _ => {
                        data.push(pending[i]);
                        i += 1;
                    }
                }
            }
            pending.drain(..i);
        }
        (data, queries)
    });
    (port, printer)
}

/// Prints the sample slip on a printer that answers `answers`.
fn print_on(
    answers: Answers,
) -> (
    Result<Option<qcall_kiosk::print::PrinterStatus>, PrintError>,
    Vec<u8>,
    usize,
) {
    let (port, printer) = answering_printer(answers);
    let result = Printer::new(tcp(port), Paper::Mm80).print(&slip());
    let (data, queries) = printer.join().expect("printer thread");
    (result, data, queries)
}

/// `err` is `fault`, seen before the slip or after it.
fn assert_fault(err: &PrintError, fault: Fault, after_slip: bool) {
    assert!(
        matches!(err, PrintError::Fault { fault: f, after_slip: a, .. } if *f == fault && *a == after_slip),
        "expected {fault:?} (after the slip: {after_slip}), got {err:?}"
    );
}

#[test]
fn a_ready_printer_is_asked_before_and_after_the_slip() {
    let (result, data, queries) = print_on(Answers {
        before: READY,
        after: READY,
    });
    let status = result.expect("printed").expect("it answered");
    assert_eq!(status.fault(), None);
    assert_eq!(queries, 8, "four questions before the slip, four after");
    assert_eq!(data, encode(&slip(), Paper::Mm80).expect("encode"));
}

#[test]
fn a_printer_without_paper_gets_no_slip_and_the_citizen_is_told() {
    let (result, data, _) = print_on(Answers {
        before: [0x1A, 0x32, 0x12, 0x72],
        after: READY,
    });
    let err = result.expect_err("no paper");
    assert_fault(&err, Fault::PaperOut, false);
    assert!(
        data.is_empty(),
        "nothing sent to print later on somebody else's roll"
    );
    assert!(
        err.message_zh().starts_with("打印机缺纸"),
        "{}",
        err.message_zh()
    );
    assert!(err.message_zh().contains("您的号码已取到"));
    assert!(err.to_string().contains("paper out"), "{err}");
}

#[test]
fn an_open_cover_and_an_error_are_faults_too() {
    for (before, fault, words) in [
        ([0x1A, 0x16, 0x12, 0x12], Fault::CoverOpen, "纸仓盖未合上"),
        ([0x1A, 0x52, 0x1A, 0x12], Fault::Error, "打印机故障"),
        ([0x1A, 0x12, 0x12, 0x12], Fault::Offline, "打印机故障"),
    ] {
        let (result, data, _) = print_on(Answers {
            before,
            after: READY,
        });
        let err = result.expect_err("a fault");
        assert_fault(&err, fault, false);
        assert!(data.is_empty());
        assert!(err.message_zh().contains(words), "{}", err.message_zh());
    }
}

#[test]
fn paper_that_runs_out_during_the_slip_is_a_fault_after_it() {
    let (result, data, queries) = print_on(Answers {
        before: READY,
        after: [0x1A, 0x32, 0x12, 0x72],
    });
    let err = result.expect_err("ran out");
    assert_fault(&err, Fault::PaperOut, true);
    assert_eq!(queries, 8);
    assert_eq!(
        data,
        encode(&slip(), Paper::Mm80).expect("encode"),
        "the slip was sent"
    );
    assert!(err.to_string().contains("may be incomplete"), "{err}");
}

#[test]
fn a_roll_near_its_end_still_prints_and_says_so() {
    let (result, _, _) = print_on(Answers {
        before: READY,
        after: [0x12, 0x12, 0x12, 0x1E],
    });
    let status = result.expect("printed").expect("it answered");
    assert!(status.paper_near_end);
}

#[test]
fn a_port_where_nothing_listens_is_refused_at_once() {
    let port = closed_port();
    let started = Instant::now();
    let err = Printer::new(tcp(port), Paper::Mm58)
        .print(&slip())
        .expect_err("nothing listens");
    assert!(
        matches!(err, PrintError::Refused { addr } if addr.port() == port),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.message_zh().starts_with("打印机暂时无法连接"));
}

#[test]
fn a_printer_that_never_reads_times_out_instead_of_hanging() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Accepts, then holds the connection without reading until the test is over.
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let printer = thread::spawn(move || {
        let conn = listener.accept().expect("accept");
        let _ = stop_rx.recv();
        drop(conn);
    });
    // Far more than loopback socket buffers hold, so the writes must block.
    let bytes = vec![b'x'; 64 << 20];
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = send(&tcp(port), &bytes, timeout).expect_err("nobody reads");
    let took = started.elapsed();
    stop_tx.send(()).expect("stop the printer");
    printer.join().expect("printer thread");
    assert!(
        matches!(err, PrintError::Timeout { stage: Stage::Write, after } if after == timeout),
        "{err:?}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn a_file_destination_appends_each_slip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("slips.bin");
    let kiosk = Printer::new(
        format!("file:{}", path.display())
            .parse()
            .expect("file destination"),
        Paper::Mm80,
    );
    let bytes = encode(&slip(), Paper::Mm80).expect("encode");
    kiosk.print(&slip()).expect("first");
    assert_eq!(std::fs::read(&path).expect("read"), bytes);
    kiosk.print(&slip()).expect("second");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        [&bytes[..], &bytes[..]].concat()
    );
}

#[test]
fn a_file_in_a_missing_folder_is_not_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = Destination::File(dir.path().join("no-such-folder/slips.bin"));
    let err = send(&dest, b"x", Duration::from_secs(1)).expect_err("no folder");
    assert!(matches!(err, PrintError::NotFound { .. }), "{err:?}");
}

#[test]
fn an_unplugged_device_is_not_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = Destination::Device(dir.path().join("lp0"));
    let err = send(&dest, b"x", Duration::from_secs(1)).expect_err("no device");
    assert!(matches!(err, PrintError::NotFound { .. }), "{err:?}");
    assert!(err.message_en().contains("Your ticket is valid"));
}

#[test]
fn a_device_is_written_like_a_file() {
    // A device path is opened for writing, never created: stand in with an existing file.
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let dest = Destination::Device(file.path().to_path_buf());
    let bytes = encode(&slip(), Paper::Mm58).expect("encode");
    // A file gives no status answer: the query is written, then the slip.
    let status = send(&dest, &bytes, Duration::from_secs(1)).expect("written");
    assert_eq!(status, None);
    assert_eq!(
        std::fs::read(file.path()).expect("read"),
        [&STATUS_QUERY[..], &bytes].concat()
    );
}

/// A FIFO named `lp0` in `dir`, standing in for a printer device.
#[cfg(unix)]
fn fifo(dir: &std::path::Path) -> std::path::PathBuf {
    let fifo = dir.join("lp0");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    fifo
}

#[cfg(unix)]
#[test]
fn a_device_that_stops_taking_bytes_times_out() {
    // A FIFO that nobody reads takes 64 KiB and then no more: the same as a USB printer that is
    // offline. The device is opened non-blocking and polled, so the job gives up at its deadline.
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = fifo(dir.path());
    let timeout = Duration::from_millis(200);
    let started = Instant::now();
    let bytes = vec![b'x'; 1 << 20];
    let err = send(&Destination::Device(fifo), &bytes, timeout).expect_err("blocked");
    assert!(
        matches!(
            err,
            PrintError::Timeout {
                stage: Stage::Write,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.message_zh().starts_with("打印机暂时没有响应"));
}

#[cfg(unix)]
#[test]
fn a_device_that_answers_no_paper_gets_no_slip() {
    // A device answers on the file it is written to. A FIFO stands in for it: the "printer's"
    // answer is already in the pipe when the kiosk asks, and whatever the kiosk writes after it
    // stays in the pipe, to be counted.
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = fifo(dir.path());
    // Read and write: on Linux this does not wait for another end.
    let mut printer = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .expect("open the FIFO");
    printer
        .write_all(&[0x1A, 0x32, 0x12, 0x72])
        .expect("answer");
    let bytes = encode(&slip(), Paper::Mm80).expect("encode");
    let err =
        send(&Destination::Device(fifo), &bytes, Duration::from_secs(1)).expect_err("no paper");
    assert_fault(&err, Fault::PaperOut, false);
}

#[test]
fn none_prints_nothing_and_succeeds() {
    let kiosk = Printer::new("none".parse().expect("none"), Paper::Mm80);
    assert!(!kiosk.destination.prints());
    assert_eq!(kiosk.print(&slip()).expect("nothing to do"), None);
}

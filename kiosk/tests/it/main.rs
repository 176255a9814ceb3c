//! Printing over real transports, with no real printer: a loopback TCP "printer", a port where nothing
//! listens, a listener that never reads, files, and a FIFO that nobody opens (a device that hangs).

mod screens;
mod util;

use std::io::Read;
use std::net::{Ipv4Addr, TcpListener};
use std::thread;
use std::time::{Duration, Instant};

use qcall_kiosk::print::{
    Destination, Paper, PrintError, Printer, SlipSettings, Stage, TicketSlip, encode, send,
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
    TicketSlip::from_issue(&issue, &hall, &service, "2026-11-23 10:02", &settings)
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
fn a_network_printer_receives_exactly_the_slip_bytes() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // The "printer": read everything until the kiosk closes its side, then hand it over.
    let printer = thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        let mut got = Vec::new();
        conn.read_to_end(&mut got).expect("read");
        got
    });
    let kiosk = Printer::new(tcp(port), Paper::Mm80);
    let slip = slip();
    kiosk.print(&slip).expect("printed");
    let got = printer.join().expect("printer thread");
    assert_eq!(got, encode(&slip, Paper::Mm80).expect("encode"));
    assert!(
        got.ends_with(&[0x1D, b'V', 66, 0]),
        "the printer got the cut too"
    );
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
    send(&dest, &bytes, Duration::from_secs(1)).expect("written");
    assert_eq!(std::fs::read(file.path()).expect("read"), bytes);
}

#[cfg(unix)]
#[test]
fn a_device_that_blocks_times_out() {
    // Opening a FIFO for writing blocks until someone opens it for reading, which nobody does: the
    // same as a USB printer whose driver blocks while it is offline.
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("lp0");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let timeout = Duration::from_millis(200);
    let started = Instant::now();
    let err = send(&Destination::Device(fifo), b"slip", timeout).expect_err("blocked");
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
    // The abandoned writer stays blocked in open() until the test process ends; that is the point.
}

#[test]
fn none_prints_nothing_and_succeeds() {
    let kiosk = Printer::new("none".parse().expect("none"), Paper::Mm80);
    assert!(!kiosk.destination.prints());
    kiosk.print(&slip()).expect("nothing to do");
}

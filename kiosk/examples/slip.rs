//! Shows a sample ticket slip as plain text for 80 mm and 58 mm paper, and prints it on a real printer
//! when given a destination, to check a hall's printer by hand:
//!
//! ```text
//! cargo run -p qcall-kiosk --example slip                          # preview only
//! cargo run -p qcall-kiosk --example slip -- tcp:192.168.1.50 80mm # and print it
//! cargo run -p qcall-kiosk --example slip -- /dev/usb/lp0 58mm
//! ```

use qcall_kiosk::print::{Destination, Paper, Printer, TicketSlip, render_text};
use qcall_protocol::TicketClass;

fn main() {
    let slip = TicketSlip {
        hall_name: "某某市政务服务中心".to_string(),
        hall_name_en: None,
        service_name: "不动产登记".to_string(),
        service_name_en: Some("Real Estate Registration".to_string()),
        number: "A001".to_string(),
        class: TicketClass::Priority,
        ahead: 3,
        estimated_wait_minutes: Some(12),
        windows: vec![3, 5],
        issued_at: "2026-11-23 09:15".to_string(),
        materials: vec![
            "身份证原件".to_string(),
            "不动产权证书或土地使用证原件及复印件（如有抵押，另带抵押权人同意书）".to_string(),
            "户口簿".to_string(),
        ],
        notes: vec!["过号请到窗口重新排队".to_string()],
        status_url: "http://192.168.1.10:8700/t/00000000002a0123456789abcdef0123456789abcdef"
            .to_string(),
    };
    let mut args = std::env::args().skip(1);
    let destination = args.next();
    let paper = args.next();

    for paper in [Paper::Mm80, Paper::Mm58] {
        println!("{paper} ({} columns):", paper.columns());
        for line in render_text(&slip, paper) {
            println!("|{line}");
        }
        println!();
    }

    if let Some(destination) = destination {
        let destination: Destination = match destination.parse() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        };
        let paper: Paper = match paper.as_deref().unwrap_or("80mm").parse() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        };
        match Printer::new(destination.clone(), paper).print(&slip) {
            Ok(Some(status)) => println!("sent to {destination}; the printer says {status:?}"),
            Ok(None) => println!("sent to {destination} (it gave no status)"),
            Err(e) => {
                eprintln!("{e}\n{}\n{}", e.message_zh(), e.message_en());
                std::process::exit(1);
            }
        }
    }
}

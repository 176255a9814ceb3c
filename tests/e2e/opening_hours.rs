//! A hall with real opening hours (not the round-the-clock demo), through the kiosk's own model: a
//! kiosk switched on before opening greys its tiles, opens them at 09:00, greys them at the cut-off
//! and for the lunch break, and opens them again in the afternoon, with nobody pressing anything.

use std::time::{Duration, Instant};

use qcall_client::{Lang, NetThread};
use qcall_kiosk::model::Refusal;
use qcall_server::HallConfig;

use crate::util::{Server, Watcher, at, until};

const KIOSK_KEY: &str = "demo-kiosk-1-key-0000";

/// The demo hall with a real hall's hours: 09:00–12:00 and 13:30–17:00 on weekdays, cut-off 30 min.
fn real_hours() -> HallConfig {
    let toml = qcall_server::config::DEMO_HALL
        .replace("cutoff_minutes = 0", "cutoff_minutes = 30")
        .replace("[\"00:00-24:00\"]", "[\"09:00-12:00\", \"13:30-17:00\"]");
    HallConfig::parse(&toml, "real-hours.toml").expect("config")
}

#[test]
fn the_kiosk_opens_closes_and_breaks_with_the_clock() {
    let server = Server::start_hall(real_hours(), at("2026-11-23T08:55"));
    let addr = server.addr();
    let net = NetThread::start().expect("net thread");
    let model = qcall_kiosk::Model::new(
        Lang::Zh,
        qcall_kiosk::model::ModelConfig {
            idle: Duration::from_secs(30),
            prints: false,
            slip: qcall_kiosk::print::SlipSettings::new(addr.http_base()),
        },
        Instant::now(),
    );
    let mut kiosk = Watcher::device(&net, &addr, KIOSK_KEY, model);
    let refusal_of_tax = |kiosk: &mut Watcher<qcall_kiosk::Model>| {
        for u in kiosk.drain() {
            kiosk.model.apply_update(&u);
        }
        let service = kiosk.model.live.service("tax")?.clone();
        Some(kiosk.model.refusal(&service))
    };
    let expect = |kiosk: &mut Watcher<qcall_kiosk::Model>, want: Option<Refusal>, what: &str| {
        until(what, || refusal_of_tax(kiosk) == Some(want));
    };
    expect(&mut kiosk, Some(Refusal::Closed), "closed before opening");
    server.clock.set(at("2026-11-23T09:00"));
    expect(&mut kiosk, None, "open at 09:00");
    server.clock.set(at("2026-11-23T11:30"));
    expect(
        &mut kiosk,
        Some(Refusal::PastCutoff),
        "the cut-off at 11:30",
    );
    server.clock.set(at("2026-11-23T12:00"));
    expect(&mut kiosk, Some(Refusal::Break), "the lunch break");
    server.clock.set(at("2026-11-23T13:30"));
    expect(&mut kiosk, None, "open again at 13:30");
    server.clock.set(at("2026-11-23T17:00"));
    expect(&mut kiosk, Some(Refusal::Closed), "closed at 17:00");
}

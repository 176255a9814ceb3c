//! Issue 18.1: the clock alone moves the hall. A kiosk connected before opening sees its tiles open
//! at the opening time, close at the cut-off and for the lunch break, and follow a time-slot quota,
//! with nobody sending a command; a closed date stays closed.

use std::time::{Duration, Instant};

use qcall_protocol::*;
use qcall_server::clock::ManualClock;

use crate::util::*;

/// A hall open 09:00–12:00 and 13:30–17:00 on weekdays, closed on Tuesday 2026-11-24, with a quota
/// of one ticket of a between 09:00 and 10:00.
fn hall() -> String {
    hall_toml(2, "")
        .replace(
            "[hall.hours]",
            "closed_dates = [\"2026-11-24\"]\n[hall.hours]",
        )
        .replace("[\"08:00-18:00\"]", "[\"09:00-12:00\", \"13:30-17:00\"]")
        .replace(
            "prefix = \"A\"",
            "prefix = \"A\"\nslots = [{ from = \"09:00\", to = \"10:00\", quota = 1 }]",
        )
}

/// Reads the kiosk's socket until service `a`'s tile has `refusal`, as a kiosk's model would apply it.
async fn until_tile(kiosk: &mut Live, refusal: Option<ErrorCode>, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "no push for {what} within 10 s");
        match kiosk.next().await {
            ServerMsg::Events { events, .. } => {
                for e in events {
                    if let Event::Availability { services, .. } = e
                        && let Some(a) = services.iter().find(|s| s.service_id == "a")
                        && a.refusal == refusal
                    {
                        return;
                    }
                }
            }
            ServerMsg::Snapshot(s)
                if s.availability
                    .iter()
                    .any(|a| a.service_id == "a" && a.refusal == refusal) =>
            {
                return;
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_follows_opening_cutoff_lunch_slots_and_closed_dates_without_any_command() {
    let server =
        TestServer::start_with(&hall(), ManualClock::new(at("2026-11-23T08:59")), None).await;
    let mut kiosk = Live::connect(&server.ws_url, Hello::Device { key: KIOSK.into() })
        .await
        .expect("kiosk");
    let a = |s: &Snapshot| s.availability.iter().find(|x| x.service_id == "a").cloned();
    assert_eq!(
        a(&kiosk.snapshot).and_then(|t| t.refusal),
        Some(ErrorCode::HallClosed),
        "closed at 08:59"
    );
    server.clock.set(at("2026-11-23T09:00"));
    until_tile(&mut kiosk, None, "the opening").await;
    // One ticket fills the 09:00–10:00 slot (pushed by the issue); at 10:00 the slot is over.
    server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect("the slot's one ticket");
    until_tile(
        &mut kiosk,
        Some(ErrorCode::SlotQuotaReached),
        "the full slot",
    )
    .await;
    server.clock.set(at("2026-11-23T10:00"));
    until_tile(&mut kiosk, None, "the end of the slot").await;
    server.clock.set(at("2026-11-23T11:30"));
    until_tile(&mut kiosk, Some(ErrorCode::PastCutoff), "the cut-off").await;
    server.clock.set(at("2026-11-23T12:00"));
    until_tile(&mut kiosk, Some(ErrorCode::HallClosed), "the lunch break").await;
    server.clock.set(at("2026-11-23T13:30"));
    until_tile(&mut kiosk, None, "the afternoon").await;
    server.clock.set(at("2026-11-23T17:00"));
    until_tile(&mut kiosk, Some(ErrorCode::HallClosed), "closing time").await;
    // The next day is a closed date: at 09:00 nothing opens, on the kiosk or over REST.
    server.clock.set(at("2026-11-24T09:00"));
    let tiles = loop {
        let t: AvailabilityResponse = server
            .client(KIOSK)
            .get("/api/v1/availability")
            .await
            .expect("availability");
        let hall: HallResponse = server
            .client(KIOSK)
            .get("/api/v1/hall")
            .await
            .expect("hall");
        if hall.hall.business_day == "2026-11-24" {
            break t;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(!tiles.issuing_open);
    assert!(
        tiles
            .services
            .iter()
            .all(|s| s.refusal == Some(ErrorCode::HallClosed)
                || s.refusal == Some(ErrorCode::ServiceDisabled)),
        "{tiles:?}"
    );
    let refused = server
        .client(KIOSK)
        .issue("a", TicketClass::Normal)
        .await
        .expect_err("closed date");
    assert_eq!(refused.code, ErrorCode::HallClosed);
    server.stop().await;
}

//! The hall board's voice through the whole app, against a real server: the calls a board learns
//! of from its first snapshot are shown, and only those newer than 60 s are spoken (R16); a
//! restarted server does not make it speak again what it already spoke; new calls and recalls
//! made at the caller API are spoken, in call order. The output is a test mixer that keeps
//! every sample, so "spoken" means the samples reached it.

use std::time::Duration;

use egui::vec2;
use egui_kittest::kittest::Queryable;
use qcall_client::WindowAction;
use qcall_display::model::LinkMark;
use qcall_display::player::{LogEntry, Outcome, PlayerOptions, Silence};
use qcall_display::{DisplayApp, Voice};

use crate::server::*;
use crate::util::{CaptureDevice, shipped_pack};

fn log(app: &DisplayApp) -> Vec<LogEntry> {
    app.player().map(|p| p.log()).unwrap_or_default()
}

/// (number, spoken?) per call that reached the player, in the order it decided.
fn outcomes(app: &DisplayApp) -> Vec<(String, bool)> {
    log(app)
        .into_iter()
        .map(|e| (e.number, matches!(e.outcome, Outcome::Spoken { .. })))
        .collect()
}

#[test]
fn the_board_speaks_new_calls_once_and_not_what_it_missed_long_ago() {
    let mut hall = Hall::start();
    let staff = hall.staff_at("1001", 1);
    let old = hall.issue("tax");
    hall.act(&staff, 1, WindowAction::CallNext);
    hall.clock.advance_ms(120_000);
    hall.act(&staff, 1, WindowAction::Start);
    hall.act(&staff, 1, WindowAction::Finish);
    let recent = hall.issue("tax");
    hall.act(&staff, 1, WindowAction::CallNext);
    // The board comes up 30 s after the second call, 150 s after the first.
    hall.clock.advance_ms(30_000);

    let device = CaptureDevice::start();
    let voice = Voice {
        pack: shipped_pack(),
        options: PlayerOptions {
            output: device.opener(),
            clock: qcall_display::player::monotonic_clock(),
            device_retry: Duration::from_millis(50),
            time_zone: "Asia/Shanghai".into(),
        },
    };
    let mut board = display_with_voice(&hall, BOARD, None, vec2(1280.0, 720.0), Some(voice));
    until(&mut board, "the snapshot's calls at the player", |a| {
        log(a).len() == 2
    });
    let first = log(board.state().as_ref().expect("app"));
    assert_eq!(first[0].number, old);
    assert_eq!(
        first[0].outcome,
        Outcome::Silent(Silence::TooOld { age_ms: 150_000 }),
        "missed 150 s ago: shown, not spoken"
    );
    assert_eq!(first[1].number, recent);
    assert!(
        matches!(first[1].outcome, Outcome::Spoken { .. }),
        "missed 30 s ago: spoken, {:?}",
        first[1].outcome
    );
    assert!(board.query_all_by_label(&recent).count() > 0);
    assert!(board.query_all_by_label(&old).count() > 0);

    // The server restarts; the board finds it again and speaks nothing twice.
    hall.stop();
    until(&mut board, "the lost link", |a| {
        matches!(a.model().link("Asia/Shanghai"), LinkMark::Lost { .. })
    });
    hall.clock.advance_ms(10_000);
    hall.serve();
    until(&mut board, "the reconnect", |a| {
        a.model().link("Asia/Shanghai") == LinkMark::Live
    });
    hall.act(&staff, 1, WindowAction::Recall);
    hall.act(&staff, 1, WindowAction::Start);
    hall.act(&staff, 1, WindowAction::Finish);
    let next = hall.issue("tax");
    hall.act(&staff, 1, WindowAction::CallNext);
    until(
        &mut board,
        "the recall and the new call at the player",
        |a| log(a).len() == 4 && a.player().is_some_and(|p| p.now_playing().is_none()),
    );
    let app = board.state().as_ref().expect("app");
    assert_eq!(
        outcomes(app),
        [
            (old.clone(), false),
            (recent.clone(), true),
            (recent.clone(), true),
            (next.clone(), true),
        ],
        "the recall is spoken again, the reconnect replays nothing, in call order"
    );
    assert!(log(app)[2].recall);
    for entry in &log(app)[1..] {
        if let Outcome::Spoken { event_to_audio, .. } = entry.outcome {
            println!(
                "board {}: update taken in → first sample {} ms",
                entry.number,
                event_to_audio.as_millis()
            );
        }
    }
    drop(board);
    let heard = device.finish();
    assert!(
        heard.len() > 3 * 22_050 * 3,
        "three announcements reached the output: {} samples",
        heard.len()
    );
}

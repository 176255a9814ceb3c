//! rodio's real default output, on ALSA. Each test re-runs itself in a child process with
//! `ALSA_CONFIG_PATH` set from the start (setting it inside this process would need `unsafe`
//! `set_var`, and another test might have touched ALSA first):
//!
//! - with `pcm.!default { type null }` the default device opens and an announcement plays to
//!   the end through cpal, which measures event → first sample taken by the device callback;
//! - with a default device on a sound card that does not exist, opening fails with an error
//!   (no panic), the player keeps its calls queued and retries (each attempt counted), and
//!   alsa-lib's own complaints stay out of stderr, as on a hall PC whose speaker is unplugged.
//!
//! Needs Debian's `libasound2` (with `libasound2-data` for `/usr/share/alsa/alsa.conf`) at run
//! time and `pkg-config` + `libasound2-dev` to build.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use qcall_display::player::{
    AudioStatus, Outcome, Player, PlayerOptions, default_output, monotonic_clock,
};

use crate::util::{NOW, call, settings, shipped_pack};

const CHILD: &str = "QCALL_DISPLAY_ALSA_CHILD";
const ALSA_CONF: &str = "/usr/share/alsa/alsa.conf";

/// Runs `test` (this module's test of that name) alone in a child process whose ALSA default
/// device is `default_pcm`; returns its stdout and stderr after checking it passed.
fn in_child(test: &str, default_pcm: &str) -> (String, String) {
    assert!(
        Path::new(ALSA_CONF).is_file(),
        "{ALSA_CONF} is missing: install the Debian package libasound2-data"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("asound.conf");
    std::fs::write(
        &conf,
        format!("<{ALSA_CONF}>\npcm.!default {default_pcm}\n"),
    )
    .expect("conf");
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            &format!("alsa::{test}"),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ALSA_CONFIG_PATH", &conf)
        .env(CHILD, "1")
        .output()
        .expect("run child");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    println!("{stdout}");
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test:\n{stdout}"
    );
    (stdout, stderr)
}

fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

#[test]
fn the_default_output_plays_an_announcement_to_the_end() {
    if !is_child() {
        let (stdout, _) = in_child(
            "the_default_output_plays_an_announcement_to_the_end",
            "{ type null }",
        );
        assert!(stdout.contains("event_to_audio_ms="), "{stdout}");
        return;
    }
    let pack = shipped_pack();
    let s = settings(&["zh"], 1, true);
    let player = Player::start(
        pack,
        &s,
        PlayerOptions {
            output: default_output(),
            clock: monotonic_clock(),
            device_retry: Duration::from_secs(10),
            time_zone: "Asia/Shanghai".into(),
        },
    )
    .expect("start");
    let opened = Instant::now();
    while matches!(player.audio_status(), AudioStatus::Opening) {
        assert!(
            opened.elapsed() < Duration::from_secs(20),
            "device did not open"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(player.audio_status(), AudioStatus::Ok, "null device opens");
    println!("device_open_ms={}", opened.elapsed().as_millis());

    let started = Instant::now();
    player.submit(call(1, "A001", 3, NOW), NOW);
    assert!(
        player.wait_idle(Duration::from_secs(60)),
        "announcement did not finish"
    );
    let wall = started.elapsed();
    let log = player.log();
    let Outcome::Spoken {
        event_to_audio,
        duration,
        ref clips,
        ..
    } = log[0].outcome
    else {
        panic!("{log:?}");
    };
    println!(
        "event_to_audio_ms={} (announcement {:.2} s, played in {:.2} s: {clips})",
        event_to_audio.as_millis(),
        duration.as_secs_f32(),
        wall.as_secs_f32()
    );
    // A sanity bound only; the figure itself is printed above.
    assert!(event_to_audio < Duration::from_secs(5));
}

#[test]
fn a_missing_sound_card_is_an_error_retried_quietly_and_calls_wait() {
    if !is_child() {
        let (_, stderr) = in_child(
            "a_missing_sound_card_is_an_error_retried_quietly_and_calls_wait",
            "{ type hw card 63 }",
        );
        // alsa-lib says "ALSA lib …: cannot find card" on every attempt unless it is caught.
        let alsa_lines = stderr.lines().filter(|l| l.contains("ALSA lib")).count();
        assert_eq!(alsa_lines, 0, "alsa-lib wrote to stderr:\n{stderr}");
        return;
    }
    let attempts = Arc::new(AtomicUsize::new(0));
    let counted = attempts.clone();
    let mut open = default_output();
    let player = Player::start(
        shipped_pack(),
        &settings(&["zh"], 1, true),
        PlayerOptions {
            output: Box::new(move |errors| {
                counted.fetch_add(1, Ordering::SeqCst);
                open(errors)
            }),
            clock: monotonic_clock(),
            device_retry: Duration::from_millis(100),
            time_zone: "Asia/Shanghai".into(),
        },
    )
    .expect("start");
    let begun = Instant::now();
    let wait = |what: &str, done: &dyn Fn() -> bool| {
        while !done() {
            assert!(begun.elapsed() < Duration::from_secs(30), "{what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    wait("open did not return", &|| {
        !matches!(player.audio_status(), AudioStatus::Opening)
    });
    let AudioStatus::NoDevice { reason, .. } = player.audio_status() else {
        panic!("{:?}", player.audio_status());
    };
    println!("no device: {reason}");
    assert!(!reason.is_empty());
    player.submit(call(1, "A001", 3, NOW), NOW);
    // Retrying goes on, attempt after attempt (counted), the call stays queued, not dropped.
    let after_call = attempts.load(Ordering::SeqCst);
    wait("no retries", &|| {
        attempts.load(Ordering::SeqCst) >= after_call + 3
    });
    assert!(!player.audio_status().is_ok());
    assert!(
        player.log().is_empty(),
        "neither spoken nor dropped: {:?}",
        player.log()
    );
    assert!(!player.wait_idle(Duration::ZERO), "still queued");
    println!("attempts={}", attempts.load(Ordering::SeqCst));
}

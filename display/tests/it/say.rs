//! `qcall display say`: the announcement the hall board would play, written to a WAV file and
//! checked as a listener would: its length is exactly that of its clips, pauses and chime, no
//! join clicks, nothing clips.

use clap::Parser;
use qcall_display::announce::Piece;
use qcall_display::cli::{Cli, Command, SayArgs};
use qcall_display::player::{SAMPLE_RATE, VoicePack, ms_to_samples};

use crate::util::shipped_pack;

/// The largest step between two neighbouring samples at a join that is not heard as a click:
/// clips are faded to zero and pauses are silence, so joins step by far less.
const CLICK: f32 = 0.02;

fn say(args: &[&str]) -> SayArgs {
    let cli = Cli::try_parse_from(["qcall-display", "say"].iter().chain(args)).expect("parses");
    match cli.command {
        Some(Command::Say(args)) => args,
        other => panic!("{other:?}"),
    }
}

#[test]
fn say_writes_exactly_what_the_board_plays_as_a_clean_wav() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("a001.wav");
    let args = say(&[
        "--number",
        "A001",
        "--window",
        "103",
        "--lang",
        "zh,en",
        "--wav",
        wav.to_str().expect("path"),
    ]);
    assert_eq!(
        args.lang.as_deref(),
        Some(&["zh".to_string(), "en".to_string()][..])
    );
    let cli = Cli::try_parse_from(["qcall-display"]).expect("no key: defaults");
    qcall_display::cli::say(&cli.client, &args).expect("say");

    let mut reader = hound::WavReader::open(&wav).expect("a WAV file");
    let spec = reader.spec();
    assert_eq!((spec.sample_rate, spec.channels), (SAMPLE_RATE, 1));
    let samples: Vec<f32> = reader
        .samples::<f32>()
        .collect::<Result<_, _>>()
        .expect("samples");

    // The same announcement, independently: the board's defaults with zh, en.
    let pack = shipped_pack();
    let mut settings = qcall_display::cli::default_settings();
    settings.languages = vec!["zh".into(), "en".into()];
    let board =
        qcall_display::player::render_announcement(&pack, &settings, "A001", 103).expect("renders");
    assert!(board.problems.is_empty(), "{:?}", board.problems);
    assert_eq!(
        board.clips,
        "chime | zh qing letter_a 0 0 1 hao dao 1 bai 0 3 hao chuangkou banli \
         | en number letter_a 0 0 1 please_go_to window 1 hundred 3 \
         | zh qing letter_a 0 0 1 hao dao 1 bai 0 3 hao chuangkou banli \
         | en number letter_a 0 0 1 please_go_to window 1 hundred 3"
    );
    assert!(
        samples == board.rendered.samples,
        "the WAV is what the board plays"
    );

    // Its length is the sum of its clips, pauses and the chime: nothing lost, nothing added.
    let expected: usize = board
        .pieces
        .iter()
        .map(|piece| match *piece {
            Piece::Chime => pack.chime().len(),
            Piece::Clip(clip) => pack.clip(clip).expect("clip").len(),
            Piece::Pause(ms) => ms_to_samples(ms),
        })
        .sum();
    assert_eq!(samples.len(), expected);
    println!(
        "say: {:.2} s, {} pieces",
        samples.len() as f64 / f64::from(SAMPLE_RATE),
        board.pieces.len()
    );

    // No click at any join, nothing at full scale.
    let mut worst = 0.0_f32;
    for segment in &board.rendered.segments[1..] {
        let at = segment.start;
        let step = (samples[at] - samples[at - 1]).abs();
        worst = worst.max(step);
        assert!(
            step < CLICK,
            "a {step} step at sample {at} ({:?})",
            segment.piece
        );
    }
    let peak = samples.iter().fold(0.0_f32, |m, s| m.max(s.abs()));
    assert!(peak < 0.99, "peak {peak}");
    assert!(peak > 0.3, "not silent: peak {peak}");
    println!("say: worst join step {worst:.4}, peak {peak:.2}");
}

#[test]
fn say_reports_what_it_cannot_speak() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("x.wav");
    let args = say(&[
        "--number",
        "A-1",
        "--window",
        "3",
        "--wav",
        wav.to_str().expect("path"),
        "--voice-pack",
        VoicePack::default_dir().to_str().expect("path"),
    ]);
    let cli = Cli::try_parse_from(["qcall-display"]).expect("defaults");
    let err = qcall_display::cli::say(&cli.client, &args).expect_err("unspeakable");
    assert!(err.to_string().contains("'-'"), "{err}");
    assert!(
        !wav.exists(),
        "no file for an announcement that cannot be made"
    );
}

//! The voice pack as loaded and rendered: format, length, level and fades of what the hall
//! hears, checked on WAV files written with rodio's own writer.

use qcall_display::announce::{
    Clip, Composer, Lang, Piece, SettingsProblem, clips_of, describe, optional_clips_of,
};
use qcall_display::player::{
    FADE_MS, MissingLanguage, PackError, SAMPLE_RATE, VoicePack, ms_to_samples,
};

use crate::util::{contract_spec, settings, shipped_pack, write_pack, write_wav};

#[test]
fn the_shipped_pack_loads_every_clip_faded_and_below_full_scale() {
    let pack = shipped_pack();
    assert_eq!(pack.languages(), &[Lang::Zh, Lang::En]);
    assert_eq!(
        pack.warnings(),
        &[] as &[String],
        "the shipped clips follow the contract"
    );
    for lang in Lang::ALL {
        for clip in clips_of(lang) {
            let s = pack.clip(clip).expect("loaded");
            let secs = s.len() as f32 / SAMPLE_RATE as f32;
            assert!((0.1..1.5).contains(&secs), "{clip}: {secs} s");
            assert_eq!(
                (s[0], s[s.len() - 1]),
                (0.0, 0.0),
                "{clip} starts and ends at zero"
            );
            let peak = s.iter().fold(0.0_f32, |m, x| m.max(x.abs()));
            assert!(
                (0.3..0.75).contains(&peak),
                "{clip}: peak {peak} (contract: −3 dBFS)"
            );
        }
    }
    // The shipped chime (assets/chime.wav, 1.2 s) is used: the pack folder has none of its own.
    let chime = pack.chime();
    assert_eq!(chime.len(), ms_to_samples(1200));
}

/// Renders an announcement with the shipped pack, writes it with `rodio::wav_to_file`, reads it
/// back and checks what a listener would notice: the format, the length (every clip, pause and
/// the chime, nothing lost or added), no clipping, and every join passing through silence.
#[test]
fn a_rendered_announcement_has_the_right_format_length_level_and_fades() {
    let pack = shipped_pack();
    let s = settings(&["zh", "en"], 2, true);
    let (composer, _) = Composer::new(&s, pack.languages());
    let pieces = composer.compose("A001", 12).expect("composes");
    let rendered = pack.render(&pieces, 1.0).expect("renders");

    // Set QCALL_DISPLAY_WAV_DIR to keep the file and listen to it.
    let dir = tempfile::tempdir().expect("tempdir");
    let keep = std::env::var_os("QCALL_DISPLAY_WAV_DIR").map(std::path::PathBuf::from);
    let path = keep.as_deref().unwrap_or(dir.path()).join("A001-12.wav");
    rodio::wav_to_file(rendered.clone().into_source(), &path).expect("wav_to_file");
    let mut reader = hound::WavReader::open(&path).expect("open wav");
    let spec = reader.spec();
    assert_eq!((spec.sample_rate, spec.channels), (SAMPLE_RATE, 1));
    // rodio's writer stores 32-bit float, our rendering format exactly.
    assert_eq!(
        (spec.bits_per_sample, spec.sample_format),
        (32, hound::SampleFormat::Float)
    );
    let wav: Vec<f32> = reader
        .samples::<f32>()
        .collect::<Result<_, _>>()
        .expect("samples");
    assert_eq!(
        wav, rendered.samples,
        "the file holds exactly the rendering"
    );

    // Length: the chime, every clip and every pause, nothing else.
    let expected_len: usize = pieces
        .iter()
        .map(|p| match *p {
            Piece::Chime => pack.chime().len(),
            Piece::Clip(c) => pack.clip(c).expect("clip").len(),
            Piece::Pause(ms) => ms_to_samples(ms),
        })
        .sum();
    assert_eq!(wav.len(), expected_len);
    let secs = wav.len() as f64 / f64::from(SAMPLE_RATE);
    println!(
        "rendered {} = {secs:.2} s: {}",
        path.display(),
        describe(&pieces)
    );
    assert!(
        (10.0..30.0).contains(&secs),
        "{secs} s for chime + 2 × (zh + en)"
    );

    // Level: never at full scale, neither as float nor as the 16-bit a sound card gets.
    let peak = wav.iter().fold(0.0_f32, |m, x| m.max(x.abs()));
    assert!(peak < 0.75, "peak {peak}");
    assert!(wav.iter().all(|&x| {
        let i = (x * 32768.0).round();
        i > f32::from(i16::MIN) && i < f32::from(i16::MAX)
    }));

    // Joins: every sounding piece starts and ends at zero, so the step into and out of every
    // pause is nil; and its first millisecond stays within the fade's ramp.
    let fade = ms_to_samples(FADE_MS);
    let mut joins = 0;
    for seg in &rendered.segments {
        if matches!(seg.piece, Piece::Pause(_)) {
            assert!(
                wav[seg.start..seg.start + seg.len]
                    .iter()
                    .all(|&x| x == 0.0)
            );
            continue;
        }
        let body = &wav[seg.start..seg.start + seg.len];
        assert_eq!(body[0], 0.0, "{:?} starts at zero", seg.piece);
        assert_eq!(body[body.len() - 1], 0.0, "{:?} ends at zero", seg.piece);
        for i in 0..fade.min(body.len() / 2) {
            let ramp = i as f32 / fade as f32 + 1e-6;
            assert!(body[i].abs() <= ramp, "{:?} fade-in at {i}", seg.piece);
            assert!(
                body[body.len() - 1 - i].abs() <= ramp,
                "{:?} fade-out at {i}",
                seg.piece
            );
        }
        joins += 1;
    }
    assert_eq!(
        joins,
        1 + 2 * (12 + 8),
        "chime + 2 × (12 zh clips + 8 en clips)"
    );
}

#[test]
fn volume_scales_the_whole_announcement() {
    let pack = shipped_pack();
    let (composer, _) = Composer::new(&settings(&["zh"], 1, true), pack.languages());
    let pieces = composer.compose("B002", 3).expect("composes");
    let full = pack.render(&pieces, 1.0).expect("renders").samples;
    let half = pack.render(&pieces, 0.5).expect("renders").samples;
    let loud = pack.render(&pieces, 7.0).expect("renders").samples;
    assert_eq!(full.len(), half.len());
    assert!(
        full.iter()
            .zip(&half)
            .all(|(f, h)| (f * 0.5 - h).abs() < 1e-7)
    );
    assert_eq!(loud, full, "volume is clamped to 1.0");
}

/// A worst case for clicks: clips that are a constant level from the first sample to the last.
/// Rendered, each rises from zero along the 8 ms ramp and falls back to zero.
#[test]
fn fades_are_applied_to_clips_that_start_and_end_at_full_level() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_pack(dir.path(), contract_spec(), |_| vec![0.5; 2205]);
    let pack = VoicePack::load(dir.path()).expect("loads");
    let fade = ms_to_samples(FADE_MS);
    let clip = pack
        .clip(Clip {
            lang: Lang::Zh,
            name: "qing",
        })
        .expect("clip");
    assert_eq!(clip.len(), 2205);
    let level = 16383.0 / 32768.0; // 0.5 as written in 16 bits
    for i in 0..fade {
        let want = level * i as f32 / fade as f32;
        assert!(
            (clip[i] - want).abs() < 1e-4,
            "fade-in {i}: {} vs {want}",
            clip[i]
        );
        assert!(
            (clip[clip.len() - 1 - i] - want).abs() < 1e-4,
            "fade-out {i}"
        );
    }
    assert!(
        clip[fade..clip.len() - fade]
            .iter()
            .all(|&x| (x - level).abs() < 1e-6)
    );
}

/// A hall's own recordings in another format (44.1 kHz stereo, 32-bit float) are converted to
/// the one format at load, with a note in the warnings.
#[test]
fn clips_in_another_format_are_resampled_to_one_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    // 0.5 s of a 440 Hz tone, both channels.
    let tone: Vec<f32> = (0..22_050)
        .flat_map(|i| {
            let x = 0.5 * (i as f32 * 440.0 * std::f32::consts::TAU / 44_100.0).sin();
            [x, x]
        })
        .collect();
    write_pack(dir.path(), spec, |_| tone.clone());
    let pack = VoicePack::load(dir.path()).expect("loads");
    let clip = pack
        .clip(Clip {
            lang: Lang::En,
            name: "window",
        })
        .expect("clip");
    let expected = SAMPLE_RATE as usize / 2;
    assert!(clip.len().abs_diff(expected) <= 2, "{} samples", clip.len());
    let peak = clip.iter().fold(0.0_f32, |m, x| m.max(x.abs()));
    assert!((0.45..=0.5).contains(&peak), "peak {peak}");
    let clips: usize = Lang::ALL
        .iter()
        .map(|&l| clips_of(l).len() + optional_clips_of(l).len())
        .sum();
    assert_eq!(clips, 101);
    assert_eq!(
        pack.warnings().len(),
        clips,
        "one note per clip: {:?}",
        pack.warnings()[0]
    );
    assert!(pack.warnings()[0].contains("44100 Hz, 2 channel(s)"));
}

#[test]
fn a_pack_missing_clips_names_every_missing_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_pack(dir.path(), contract_spec(), |_| vec![0.1; 1000]);
    std::fs::remove_file(dir.path().join("zh/chuangkou.wav")).expect("rm");
    std::fs::remove_file(dir.path().join("en/letter_q.wav")).expect("rm");
    let err = VoicePack::load(dir.path()).expect_err("incomplete pack");
    let PackError::Missing { ref missing, .. } = err else {
        panic!("{err}");
    };
    assert_eq!(missing, &["zh/chuangkou.wav", "en/letter_q.wav"]);
    let message = err.to_string();
    assert!(
        message.contains("zh/chuangkou.wav") && message.contains("2 clip(s)"),
        "{message}"
    );

    // A pack that declares zh only needs no en clips; the composer is told so.
    std::fs::write(dir.path().join("zh/chuangkou.wav"), []).expect("touch");
    write_wav(
        &dir.path().join("zh/chuangkou.wav"),
        contract_spec(),
        &[0.1; 1000],
    );
    std::fs::write(dir.path().join("pack.toml"), "languages = [\"zh\"]\n").expect("toml");
    let pack = VoicePack::load(dir.path()).expect("zh-only pack loads");
    assert_eq!(pack.languages(), &[Lang::Zh]);
    let (composer, problems) = Composer::new(&settings(&["zh", "en"], 1, true), pack.languages());
    assert_eq!(composer.languages(), &[Lang::Zh]);
    assert_eq!(problems.len(), 1, "{problems:?}");
}

/// A hall that recorded only zh but kept the shipped `pack.toml` (zh, en): zh is loaded and
/// spoken, en is reported with its missing files; a pack without the hundred clip still loads
/// and reads windows from 100 digit by digit.
#[test]
fn an_incomplete_language_is_left_out_and_reported_not_the_whole_pack() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_pack(dir.path(), contract_spec(), |_| vec![0.1; 1000]);
    std::fs::remove_file(dir.path().join("en/letter_q.wav")).expect("rm");
    std::fs::remove_file(dir.path().join("en/window.wav")).expect("rm");
    std::fs::remove_file(dir.path().join("zh/bai.wav")).expect("rm");
    let pack = VoicePack::load(dir.path()).expect("zh is complete");
    assert_eq!(pack.languages(), &[Lang::Zh]);
    assert_eq!(
        pack.missing(),
        &[MissingLanguage {
            lang: Lang::En,
            files: vec!["en/letter_q.wav".into(), "en/window.wav".into()],
        }]
    );
    assert!(
        pack.missing()[0].to_string().contains("en/window.wav"),
        "{}",
        pack.missing()[0]
    );
    assert_eq!(pack.without_hundreds(), [Lang::Zh]);
    assert!(
        pack.warnings().iter().any(|w| w.contains("zh/bai.wav")),
        "{:?}",
        pack.warnings()
    );
    let (composer, problems) = Composer::new(&settings(&["zh", "en"], 1, false), pack.languages());
    assert_eq!(problems, [SettingsProblem::LanguageNotInPack(Lang::En)]);
    let composer = composer.without_hundreds(&pack.without_hundreds());
    let pieces = composer.compose("A1", 101).expect("composes");
    assert_eq!(
        describe(&pieces),
        "zh qing letter_a 1 hao dao 1 0 1 hao chuangkou banli"
    );
    pack.render(&pieces, 1.0).expect("every clip is there");
}

#[test]
fn corrupt_clips_are_errors_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_pack(dir.path(), contract_spec(), |_| vec![0.1; 1000]);
    let qing = dir.path().join("zh/qing.wav");
    let whole = std::fs::read(&qing).expect("read");
    let truncated = whole[..whole.len() - 501].to_vec();
    // Not a WAV at all; a RIFF/WAVE header with a broken fmt chunk; a clip cut off mid-data
    // (rodio's own decoders would quietly play it shorter); a header with no samples.
    for bytes in [
        b"not a wav file".to_vec(),
        b"RIFF\x24\x00\x00\x00WAVEfmt \x02\x00\x00\x00\x01\x00".to_vec(),
        truncated,
    ] {
        std::fs::write(&qing, bytes).expect("write");
        let err = VoicePack::load(dir.path()).expect_err("corrupt");
        assert!(
            matches!(&err, PackError::Decode { path, .. } if path.ends_with("zh/qing.wav")),
            "{err}"
        );
    }
    write_wav(&qing, contract_spec(), &[]);
    let err = VoicePack::load(dir.path()).expect_err("empty");
    assert!(matches!(err, PackError::Empty { .. }), "{err}");
}

#[test]
fn a_pack_may_bring_its_own_chime() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_pack(dir.path(), contract_spec(), |_| vec![0.1; 1000]);
    let builtin = VoicePack::load(dir.path()).expect("loads").chime().len();
    write_wav(&dir.path().join("chime.wav"), contract_spec(), &[0.2; 4410]);
    let own = VoicePack::load(dir.path()).expect("loads");
    assert_eq!(own.chime().len(), 4410);
    assert_ne!(builtin, 4410);
}

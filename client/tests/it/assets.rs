//! The voice pack and the chime the display will play: every clip decodes and has the format the
//! pack declares (`assets/voice/pack.toml`), so the display can join clips without resampling.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Deserialize)]
struct Pack {
    languages: Vec<String>,
    format: Format,
    clips: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct Format {
    container: String,
    sample_rate: u32,
    channels: u16,
    bits: u16,
    max_clip_seconds: f64,
}

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets")
}

fn pack() -> Pack {
    let text = std::fs::read_to_string(assets().join("voice/pack.toml")).expect("pack.toml");
    toml::from_str(&text).expect("pack.toml parses")
}

/// Decodes a whole clip, checks its format, and returns its length in seconds.
fn check_clip(path: &Path, format: &Format) -> f64 {
    let mut reader =
        hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(
        (
            spec.sample_rate,
            spec.channels,
            spec.bits_per_sample,
            spec.sample_format
        ),
        (
            format.sample_rate,
            format.channels,
            format.bits,
            hound::SampleFormat::Int
        ),
        "{}",
        path.display()
    );
    let frames = reader.duration();
    assert!(frames > 0, "{} is empty", path.display());
    let mut peak = 0i32;
    for sample in reader.samples::<i16>() {
        let s = sample.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        peak = peak.max(i32::from(s).abs());
    }
    assert!(peak > 1000, "{} is silent (peak {peak})", path.display());
    f64::from(frames) / f64::from(spec.sample_rate)
}

#[test]
fn every_voice_clip_decodes_in_the_declared_format() {
    let pack = pack();
    assert_eq!(pack.format.container, "wav");
    assert_eq!(
        (
            pack.format.sample_rate,
            pack.format.channels,
            pack.format.bits
        ),
        (22050, 1, 16),
        "the format the display expects"
    );
    let mut checked = 0;
    for lang in &pack.languages {
        let dir = assets().join("voice").join(lang);
        let listed = &pack.clips[lang];
        // Exactly the listed clips are on disk: the file names are the pack's contract.
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "wav"))
            .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut expected = listed.clone();
        expected.sort();
        assert_eq!(on_disk, expected, "voice/{lang}");
        for clip in listed {
            let seconds = check_clip(&dir.join(format!("{clip}.wav")), &pack.format);
            assert!(
                seconds <= pack.format.max_clip_seconds,
                "{lang}/{clip}.wav is {seconds:.2} s"
            );
            checked += 1;
        }
    }
    // zh: digits, 十, 百, letters and five words; en: numbers, hundred, letters and three phrases.
    assert_eq!(checked, 43 + 58, "every clip of both languages");
}

#[test]
fn the_chime_decodes_in_the_same_format() {
    let seconds = check_clip(&assets().join("chime.wav"), &pack().format);
    assert!((1.0..=2.0).contains(&seconds), "chime is {seconds:.2} s");
}

//! Shared fixtures: settings, calls, the shipped pack (loaded once), synthetic packs, and a test
//! output that pulls samples from rodio's mixer as fast as it can and keeps them all.

use std::num::NonZero;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use qcall_display::announce::{Clip, Composer, Lang, clips_of};
use qcall_display::player::{OpenOutput, Output, SAMPLE_RATE, VoicePack};
use qcall_protocol::{Call, DisplayMode, DisplaySettings, Millis, TicketClass};
use rodio::Source;

/// A plausible server time (2026-11-23 10:00 Shanghai).
pub(crate) const NOW: Millis = 1_795_399_200_000;

pub(crate) fn settings(languages: &[&str], repeat: u32, chime: bool) -> DisplaySettings {
    DisplaySettings {
        board_layout: Default::default(),
        name: "hall-board".into(),
        mode: DisplayMode::HallBoard,
        audio: true,
        template_zh: "请{number}号到{window}号窗口办理".into(),
        template_en: "Number {number}, please go to window {window}".into(),
        languages: languages.iter().map(|l| l.to_string()).collect(),
        repeat,
        chime,
        volume: 1.0,
        quiet_hours: Vec::new(),
    }
}

pub(crate) fn call(call_id: u64, number: &str, window: u32, at: Millis) -> Call {
    Call {
        call_id,
        ticket_id: call_id as i64,
        number: number.into(),
        class: TicketClass::Normal,
        service_id: "svc".into(),
        window,
        window_name: format!("{window}号窗口"),
        at,
        recall: false,
    }
}

/// The pack shipped in `assets/voice`, decoded once for the whole test binary.
pub(crate) fn shipped_pack() -> VoicePack {
    static PACK: OnceLock<VoicePack> = OnceLock::new();
    PACK.get_or_init(|| VoicePack::load(&VoicePack::default_dir()).expect("shipped pack loads"))
        .clone()
}

/// What the player should play for a call with these settings, rendered independently.
pub(crate) fn expected(
    pack: &VoicePack,
    s: &DisplaySettings,
    number: &str,
    window: u32,
) -> Vec<f32> {
    let (composer, problems) = Composer::new(s, pack.languages());
    assert!(problems.is_empty(), "{problems:?}");
    let pieces = composer.compose(number, window).expect("composes");
    pack.render(&pieces, s.volume).expect("renders").samples
}

/// Writes a complete pack in `dir`: every clip of both languages made by `clip`, in `spec`.
pub(crate) fn write_pack(dir: &Path, spec: hound::WavSpec, clip: impl Fn(Clip) -> Vec<f32>) {
    for lang in Lang::ALL {
        std::fs::create_dir_all(dir.join(lang.code())).expect("mkdir");
        for c in clips_of(lang) {
            write_wav(
                &dir.join(format!("{}/{}.wav", lang, c.name)),
                spec,
                &clip(c),
            );
        }
    }
    std::fs::write(dir.join("pack.toml"), "languages = [\"zh\", \"en\"]\n").expect("pack.toml");
}

/// Writes samples (−1.0..1.0, interleaved) as a WAV file in `spec`.
pub(crate) fn write_wav(path: &Path, spec: hound::WavSpec, samples: &[f32]) {
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for &s in samples {
        match spec.sample_format {
            hound::SampleFormat::Float => w.write_sample(s).expect("write"),
            hound::SampleFormat::Int => w
                .write_sample((s * f32::from(i16::MAX)) as i16)
                .expect("write"),
        }
    }
    w.finalize().expect("finalize");
}

/// The contract format: 22050 Hz mono 16-bit PCM.
pub(crate) fn contract_spec() -> hound::WavSpec {
    hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// A test output: a rodio mixer in the pack's format whose samples a thread pulls as fast as
/// they come and keeps, like a sound card that never drops anything. Can be paused (stops
/// pulling, like a hung device).
pub(crate) struct CaptureDevice {
    mixer: rodio::mixer::Mixer,
    samples: Arc<Mutex<Vec<f32>>>,
    paused: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CaptureDevice {
    pub(crate) fn start() -> CaptureDevice {
        let rate = NonZero::new(SAMPLE_RATE).expect("rate");
        let (mixer, mut source) = rodio::mixer::mixer(NonZero::<u16>::MIN, rate);
        assert_eq!(source.sample_rate(), rate);
        let samples = Arc::new(Mutex::new(Vec::new()));
        let paused = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (out, p, s) = (samples.clone(), paused.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut local = Vec::with_capacity(8192);
            while !s.load(Ordering::SeqCst) {
                if p.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                }
                match source.next() {
                    Some(sample) => {
                        local.push(sample);
                        if local.len() == 8192 {
                            out.lock().expect("lock").append(&mut local);
                        }
                    }
                    None => {
                        out.lock().expect("lock").append(&mut local);
                        std::thread::sleep(Duration::from_micros(200));
                    }
                }
            }
            out.lock().expect("lock").append(&mut local);
        });
        CaptureDevice {
            mixer,
            samples,
            paused,
            stop,
            thread: Some(thread),
        }
    }

    /// An opener for the player that always succeeds with this device.
    pub(crate) fn opener(&self) -> OpenOutput {
        let mixer = self.mixer.clone();
        Box::new(move |_errors| Ok(Output::from_mixer(mixer.clone(), "capture")))
    }

    pub(crate) fn pause(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
    }

    /// Stops pulling and returns everything pulled so far.
    pub(crate) fn finish(mut self) -> Vec<f32> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("capture thread");
        }
        std::mem::take(&mut *self.samples.lock().expect("lock"))
    }
}

impl Drop for CaptureDevice {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

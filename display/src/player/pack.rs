//! The voice pack in memory: every clip decoded once, resampled to one format, faded at both
//! ends, and the renderer that joins clips, pauses and the chime into one buffer (R17).

use std::collections::HashMap;
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rodio::buffer::SamplesBuffer;
use rodio::source::UniformSourceIterator;

use crate::announce::{Clip, Lang, Piece, clips_of, optional_clips_of};

/// The one format every clip is converted to at load, and announcements are rendered in: the
/// voice pack's own contract format, so that a conforming pack is used bit for bit. The output
/// (rodio's mixer) converts to the sound card's format as it plays.
pub const SAMPLE_RATE: u32 = 22_050;
/// Mono, as the contract says.
pub const CHANNELS: u16 = 1;
/// The fade-in and fade-out applied to each end of every clip and of the chime, so that joins
/// never click even if a hall's recording starts or ends off zero.
pub const FADE_MS: u32 = 8;
/// Clips longer than this are loaded, with a warning: the contract asks for < 1.5 s.
const LONG_CLIP: Duration = Duration::from_millis(1_500);

/// The chime shipped in `assets/chime.wav`, used when the pack has no `chime.wav` of its own.
const BUILTIN_CHIME: &[u8] = include_bytes!("../../../assets/chime.wav");

/// Why a voice pack cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// No language of the pack is complete. Every missing clip is listed, so that one look
    /// fixes the pack.
    #[error("voice pack {dir}: no language is complete; missing {} clip(s): {}", missing.len(), list(missing))]
    Missing {
        /// The pack folder.
        dir: PathBuf,
        /// The missing files, relative to the folder (`zh/qing.wav`).
        missing: Vec<String>,
    },
    /// A file could not be read or is not a WAV file hound understands.
    #[error("voice pack: cannot decode {path}: {reason}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// A clip holds no sound at all.
    #[error("voice pack: {path} has no samples")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// `pack.toml` exists but cannot be read.
    #[error("voice pack: {path}: {reason}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

/// A clip referenced by an announcement is not in the pack (its language was not loaded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the voice pack has no clip {0}")]
pub struct MissingClip(pub Clip);

/// A language the pack lists but cannot speak, with the clips it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingLanguage {
    /// The language.
    pub lang: Lang,
    /// The missing files, relative to the pack folder (`en/letter_q.wav`).
    pub files: Vec<String>,
}

impl std::fmt::Display for MissingLanguage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "language {} is not spoken: missing {} clip(s): {}",
            self.lang,
            self.files.len(),
            list(&self.files)
        )
    }
}

/// A loaded voice pack. Cloning is cheap: the samples are shared.
#[derive(Debug, Clone)]
pub struct VoicePack {
    dir: PathBuf,
    languages: Vec<Lang>,
    missing: Vec<MissingLanguage>,
    clips: HashMap<Clip, Arc<[f32]>>,
    chime: Arc<[f32]>,
    warnings: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Manifest {
    languages: Option<Vec<String>>,
}

impl VoicePack {
    /// Where the display app looks unless given `--voice-pack DIR`: a `voice` folder beside the
    /// program or in `../share/qcall/voice` from it (an installed board), else the pack shipped
    /// in this repository, `assets/voice` (a board run from the source tree).
    pub fn default_dir() -> PathBuf {
        let installed = std::env::current_exe().ok().and_then(|exe| {
            let bin = exe.parent()?.to_path_buf();
            [bin.join("voice"), bin.join("../share/qcall/voice")]
                .into_iter()
                .find(|dir| dir.join("pack.toml").is_file())
        });
        installed.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/voice"))
    }

    /// Loads the pack in `dir` (layout: `assets/voice/README.md`): each language listed in its
    /// `pack.toml` (both when it has none) **that is complete**, i.e. has every clip the
    /// composer needs ([`clips_of`]), with its optional clips ([`optional_clips_of`]) when
    /// present; and `chime.wav` from the folder if there is one, else the shipped chime. A
    /// language with missing clips is left out and reported in [`VoicePack::missing`] (so a
    /// hall that recorded only zh still speaks zh); a missing optional clip is a warning.
    /// Every clip is decoded now, converted to [`SAMPLE_RATE`] mono, and faded in and out over
    /// [`FADE_MS`]; a clip in another format than the contract's is converted and noted in
    /// [`VoicePack::warnings`]. Fails, naming every missing file, when no language is complete.
    pub fn load(dir: &Path) -> Result<VoicePack, PackError> {
        let mut warnings = Vec::new();
        let listed = read_languages(dir, &mut warnings)?;
        let rel = |clip: Clip| format!("{}/{}.wav", clip.lang, clip.name);
        let mut languages = Vec::new();
        let mut missing = Vec::new();
        for lang in listed {
            let files: Vec<String> = clips_of(lang)
                .into_iter()
                .map(rel)
                .filter(|rel| !dir.join(rel).is_file())
                .collect();
            if files.is_empty() {
                languages.push(lang);
            } else {
                missing.push(MissingLanguage { lang, files });
            }
        }
        if languages.is_empty() {
            return Err(PackError::Missing {
                dir: dir.into(),
                missing: missing.into_iter().flat_map(|m| m.files).collect(),
            });
        }
        let mut clips = HashMap::new();
        for &lang in &languages {
            for clip in clips_of(lang) {
                let path = dir.join(rel(clip));
                clips.insert(clip, read_clip(&path, &mut warnings)?);
            }
            for clip in optional_clips_of(lang) {
                let path = dir.join(rel(clip));
                if path.is_file() {
                    clips.insert(clip, read_clip(&path, &mut warnings)?);
                } else {
                    warnings.push(format!(
                        "{}: {} is missing; windows 100–999 are read digit by digit in {lang}",
                        dir.display(),
                        rel(clip)
                    ));
                }
            }
        }
        let own_chime = dir.join("chime.wav");
        let chime = if own_chime.is_file() {
            let bytes = std::fs::read(&own_chime).map_err(|err| PackError::Decode {
                path: own_chime.clone(),
                reason: err.to_string(),
            })?;
            decode(&own_chime, &bytes, &mut warnings)?
        } else {
            decode(Path::new("assets/chime.wav"), BUILTIN_CHIME, &mut warnings)?
        };
        Ok(VoicePack {
            dir: dir.into(),
            languages,
            missing,
            clips,
            chime,
            warnings,
        })
    }

    /// The folder it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The languages it has clips for, for [`crate::announce::Composer::new`].
    pub fn languages(&self) -> &[Lang] {
        &self.languages
    }

    /// The languages `pack.toml` lists that are not spoken because clips are missing: the board
    /// logs them and shows a mark, and device health reports them.
    pub fn missing(&self) -> &[MissingLanguage] {
        &self.missing
    }

    /// The languages among [`VoicePack::languages`] that lack an optional clip (the hundred
    /// of window numbers), for [`crate::announce::Composer::without_hundreds`].
    pub fn without_hundreds(&self) -> Vec<Lang> {
        self.languages
            .iter()
            .copied()
            .filter(|&lang| {
                optional_clips_of(lang)
                    .into_iter()
                    .any(|c| !self.clips.contains_key(&c))
            })
            .collect()
    }

    /// What was odd but usable (a clip in another format, too long, no `pack.toml`), one line
    /// each, for the log.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The samples of a clip, as played ([`SAMPLE_RATE`], mono, faded).
    pub fn clip(&self, clip: Clip) -> Option<&[f32]> {
        self.clips.get(&clip).map(|s| &s[..])
    }

    /// The samples of the chime, as played.
    pub fn chime(&self) -> &[f32] {
        &self.chime
    }

    /// Joins the pieces of an announcement into one buffer at `volume` (clamped to 0.0–1.0).
    /// Pauses are digital silence; clips are already faded, so every join goes through zero.
    pub fn render(&self, pieces: &[Piece], volume: f32) -> Result<Rendered, MissingClip> {
        let volume = if volume.is_finite() {
            volume.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut samples = Vec::new();
        let mut segments = Vec::with_capacity(pieces.len());
        for &piece in pieces {
            let start = samples.len();
            match piece {
                Piece::Chime => samples.extend(self.chime.iter().map(|s| s * volume)),
                Piece::Clip(clip) => {
                    let data = self.clip(clip).ok_or(MissingClip(clip))?;
                    samples.extend(data.iter().map(|s| s * volume));
                }
                Piece::Pause(ms) => {
                    samples.resize(start + ms_to_samples(ms), 0.0);
                }
            }
            segments.push(Segment {
                piece,
                start,
                len: samples.len() - start,
            });
        }
        Ok(Rendered { samples, segments })
    }
}

/// An announcement as sound: [`SAMPLE_RATE`] mono samples, with where each piece lies.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The samples, in −1.0..=1.0.
    pub samples: Vec<f32>,
    /// The pieces in order, with their place in `samples`.
    pub segments: Vec<Segment>,
}

/// Where one piece of an announcement lies in the rendered samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The piece.
    pub piece: Piece,
    /// Its first sample.
    pub start: usize,
    /// Its length in samples.
    pub len: usize,
}

impl Rendered {
    /// How long it plays.
    pub fn duration(&self) -> Duration {
        samples_to_duration(self.samples.len())
    }

    /// The samples as a rodio source, for the mixer or for `rodio::wav_to_file`.
    pub fn into_source(self) -> SamplesBuffer {
        SamplesBuffer::new(mono(), rate(), self.samples)
    }
}

fn mono() -> NonZero<u16> {
    NonZero::<u16>::MIN
}

fn rate() -> NonZero<u32> {
    NonZero::new(SAMPLE_RATE).unwrap_or(NonZero::<u32>::MIN)
}

/// Samples in `ms` milliseconds at [`SAMPLE_RATE`].
pub fn ms_to_samples(ms: u32) -> usize {
    (u64::from(ms) * u64::from(SAMPLE_RATE) / 1000) as usize
}

/// How long `n` samples at [`SAMPLE_RATE`] play.
pub fn samples_to_duration(n: usize) -> Duration {
    Duration::from_secs_f64(n as f64 / f64::from(SAMPLE_RATE))
}

fn read_clip(path: &Path, warnings: &mut Vec<String>) -> Result<Arc<[f32]>, PackError> {
    let bytes = std::fs::read(path).map_err(|err| PackError::Decode {
        path: path.into(),
        reason: err.to_string(),
    })?;
    decode(path, &bytes, warnings)
}

fn read_languages(dir: &Path, warnings: &mut Vec<String>) -> Result<Vec<Lang>, PackError> {
    let path = dir.join("pack.toml");
    if !path.is_file() {
        warnings.push(format!(
            "{}: no pack.toml; expecting clips for zh and en",
            dir.display()
        ));
        return Ok(Lang::ALL.to_vec());
    }
    let bad = |reason: String| PackError::Manifest {
        path: path.clone(),
        reason,
    };
    let text = std::fs::read_to_string(&path).map_err(|err| bad(err.to_string()))?;
    let manifest: Manifest = toml::from_str(&text).map_err(|err| bad(err.to_string()))?;
    let Some(codes) = manifest.languages else {
        return Ok(Lang::ALL.to_vec());
    };
    let mut languages = Vec::new();
    for code in codes {
        match Lang::from_code(&code) {
            Some(lang) if !languages.contains(&lang) => languages.push(lang),
            Some(_) => {}
            None => warnings.push(format!(
                "{}: language {code:?} is not one the display speaks; ignored",
                path.display()
            )),
        }
    }
    if languages.is_empty() {
        return Err(bad(
            "languages lists no language the display speaks (zh, en)".into(),
        ));
    }
    Ok(languages)
}

/// Decodes a WAV file with hound, converts it to [`SAMPLE_RATE`] mono with rodio's
/// `UniformSourceIterator`, and fades both ends.
fn decode(path: &Path, bytes: &[u8], warnings: &mut Vec<String>) -> Result<Arc<[f32]>, PackError> {
    let bad = |reason: String| PackError::Decode {
        path: path.into(),
        reason,
    };
    let reader = hound::WavReader::new(bytes).map_err(|err| bad(err.to_string()))?;
    let spec = reader.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(|err| bad(err.to_string()))?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(|err| bad(err.to_string()))?
        }
    };
    let (Some(channels), Some(rate_in)) =
        (NonZero::new(spec.channels), NonZero::new(spec.sample_rate))
    else {
        return Err(bad("zero channels or sample rate".into()));
    };
    if spec.sample_rate != SAMPLE_RATE
        || spec.channels != CHANNELS
        || spec.bits_per_sample != 16
        || spec.sample_format != hound::SampleFormat::Int
    {
        warnings.push(format!(
            "{}: {} Hz, {} channel(s), {}-bit {:?}; converted to {SAMPLE_RATE} Hz mono \
             (the pack contract is {SAMPLE_RATE} Hz mono 16-bit)",
            path.display(),
            spec.sample_rate,
            spec.channels,
            spec.bits_per_sample,
            spec.sample_format,
        ));
    }
    // Keep whole frames only, so that a truncated last frame cannot shift the channels.
    let whole = samples.len() - samples.len() % usize::from(channels.get());
    let mut samples = samples;
    samples.truncate(whole);
    let source = SamplesBuffer::new(channels, rate_in, samples);
    let mut out: Vec<f32> = UniformSourceIterator::new(source, mono(), rate()).collect();
    if out.is_empty() {
        return Err(PackError::Empty { path: path.into() });
    }
    if samples_to_duration(out.len()) > LONG_CLIP {
        warnings.push(format!(
            "{}: {:.2} s long; clips should be under {:.1} s",
            path.display(),
            samples_to_duration(out.len()).as_secs_f32(),
            LONG_CLIP.as_secs_f32()
        ));
    }
    fade(&mut out, ms_to_samples(FADE_MS));
    Ok(out.into())
}

/// Linear fade-in over the first `n` samples and fade-out over the last `n` (at most half the
/// clip each): the first and the last sample become exactly zero.
fn fade(samples: &mut [f32], n: usize) {
    let len = samples.len();
    let n = n.min(len / 2);
    for i in 0..n {
        let gain = i as f32 / n as f32;
        samples[i] *= gain;
        samples[len - 1 - i] *= gain;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fade_ramps_both_ends_through_zero() {
        let mut s = vec![1.0_f32; 10];
        fade(&mut s, 4);
        assert_eq!(s, [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0]);
        // A clip shorter than two fades is faded over half its length each way.
        let mut s = vec![1.0_f32; 3];
        fade(&mut s, 100);
        assert_eq!(s, [0.0, 1.0, 0.0]);
    }

    #[test]
    fn ms_and_samples() {
        assert_eq!(ms_to_samples(1000), 22_050);
        assert_eq!(ms_to_samples(FADE_MS), 176);
        assert_eq!(samples_to_duration(22_050), Duration::from_secs(1));
    }
}

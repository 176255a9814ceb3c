//! Where announcements are played: rodio's mixer of the default sound device, or any mixer a
//! test pulls samples from. Opening may fail (no sound card); the player then retries.

use std::any::Any;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use rodio::Source;
use rodio::buffer::SamplesBuffer;
use rodio::mixer::Mixer;

use super::Msg;

/// An open output: announcements are added to its mixer, which converts them to the device's
/// format. Whatever keeps the device open lives as long as the `Output`.
pub struct Output {
    mixer: Mixer,
    description: String,
    // The rodio `MixerDeviceSink` (its cpal stream stops when dropped). Never moved off the
    // player thread, so it need not be `Send`.
    _keep_open: Option<Box<dyn Any>>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl Output {
    /// An output that plays into `mixer`; whoever holds the mixer's source pulls the samples.
    /// Tests use this to capture exactly what would have reached the sound card.
    pub fn from_mixer(mixer: Mixer, description: impl Into<String>) -> Output {
        Output {
            mixer,
            description: description.into(),
            _keep_open: None,
        }
    }

    /// What it is, for the log.
    pub fn description(&self) -> &str {
        &self.description
    }

    pub(super) fn mixer(&self) -> &Mixer {
        &self.mixer
    }
}

/// How the player reaches the device while it plays: errors reported here (a USB speaker
/// unplugged) make the player close the output and retry.
#[derive(Debug, Clone)]
pub struct DeviceErrors {
    pub(super) tx: Sender<Msg>,
    pub(super) generation: u64,
}

impl DeviceErrors {
    /// Reports that the output stopped working.
    pub fn report(&self, reason: impl Into<String>) {
        // The player may be gone already; then nobody needs to know.
        let _ = self.tx.send(Msg::DeviceError {
            generation: self.generation,
            reason: reason.into(),
        });
    }
}

/// Opens the output, on the player thread, at start and then every retry period while it fails.
/// `Err` carries the reason shown with the "无音频" mark.
pub type OpenOutput = Box<dyn FnMut(&DeviceErrors) -> Result<Output, String> + Send>;

/// The system's default sound device through rodio (ALSA on Linux). With no sound card this
/// returns an error, never panics; the player keeps its calls queued and retries.
///
/// alsa-lib writes its own complaints (eight lines of "cannot find card" and the like on a PC
/// without a sound card) straight to stderr on every attempt, which would flood the log at each
/// retry. The attempt runs with a thread-local ALSA error handler instead, and those lines go to
/// the log at debug level (the error itself is reported once by the player).
pub fn default_output() -> OpenOutput {
    Box::new(|errors: &DeviceErrors| {
        let alsa_lines = AlsaMessages::capture();
        let result = open_default(errors);
        alsa_lines.log();
        result
    })
}

/// alsa-lib's messages of one device attempt, kept off stderr.
struct AlsaMessages {
    #[cfg(target_os = "linux")]
    buffer: Option<std::rc::Rc<std::cell::RefCell<alsa::Output>>>,
}

impl AlsaMessages {
    /// Sends alsa-lib's messages on this thread to a fresh buffer from now on.
    fn capture() -> AlsaMessages {
        AlsaMessages {
            #[cfg(target_os = "linux")]
            buffer: alsa::Output::local_error_handler().ok(),
        }
    }

    /// Logs what alsa-lib said since [`AlsaMessages::capture`], at debug level.
    fn log(self) {
        #[cfg(target_os = "linux")]
        if let Some(buffer) = self.buffer {
            let text = buffer
                .borrow()
                .buffer_string(|b| String::from_utf8_lossy(b).into_owned());
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                tracing::debug!(alsa = %line, "alsa-lib");
            }
        }
    }
}

fn open_default(errors: &DeviceErrors) -> Result<Output, String> {
    let errors = errors.clone();
    let builder = rodio::DeviceSinkBuilder::from_default_device().map_err(|e| chain(&e))?;
    let mut sink = builder
        .with_error_callback(move |err: rodio::CpalError| {
            // Under- and overruns, refused real-time priority and rerouting are glitches,
            // not a lost device.
            if matches!(
                err.kind(),
                rodio::CpalErrorKind::Xrun
                    | rodio::CpalErrorKind::RealtimeDenied
                    | rodio::CpalErrorKind::DeviceChanged
            ) {
                tracing::debug!(cause = %err, "audio glitch");
            } else {
                errors.report(err.to_string());
            }
        })
        .open_sink_or_fallback()
        .map_err(|e| chain(&e))?;
    sink.log_on_drop(false);
    let config = sink.config();
    let description = format!(
        "default device, {} Hz, {} channel(s), {:?}",
        config.sample_rate(),
        config.channel_count(),
        config.sample_format()
    );
    Ok(Output {
        mixer: sink.mixer().clone(),
        description,
        _keep_open: Some(Box::new(sink)),
    })
}

/// An error and its sources, on one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// An announcement on its way to the device. Tells the player when the output takes its first
/// sample (the latency the screen and tests report) and when it has taken the last one.
pub(super) struct Tracked {
    inner: SamplesBuffer,
    token: u64,
    tx: Sender<Msg>,
    started: bool,
    finished: bool,
}

impl Tracked {
    pub(super) fn new(inner: SamplesBuffer, token: u64, tx: Sender<Msg>) -> Tracked {
        Tracked {
            inner,
            token,
            tx,
            started: false,
            finished: false,
        }
    }
}

impl Iterator for Tracked {
    type Item = rodio::Sample;

    fn next(&mut self) -> Option<rodio::Sample> {
        if !self.started {
            self.started = true;
            let _ = self.tx.send(Msg::Started {
                token: self.token,
                at: Instant::now(),
            });
        }
        let sample = self.inner.next();
        if sample.is_none() && !self.finished {
            self.finished = true;
            let _ = self.tx.send(Msg::Finished { token: self.token });
        }
        sample
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl Source for Tracked {
    fn current_span_len(&self) -> Option<usize> {
        // One format from start to end: one span, so the mixer's resampler runs unbroken.
        None
    }

    fn channels(&self) -> rodio::ChannelCount {
        self.inner.channels()
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        self.inner.sample_rate()
    }

    fn total_duration(&self) -> Option<Duration> {
        self.inner.total_duration()
    }
}

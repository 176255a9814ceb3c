//! The hall board's voice: a thread that announces calls one at a time, in call order, through
//! rodio (R16, R17).
//!
//! The screen hands every call it learns of to [`Player::submit`], and every change of the
//! windows to [`Player::update_windows`]; neither blocks: the player thread owns the queue, the
//! device and the voice pack. Per call it decides once, and logs, what happens:
//!
//! - a `call_id` already seen is ignored (a reconnect's snapshot does not replay; a recall has
//!   its own id and is announced again);
//! - a call older than 60 s when it arrives is shown only ([`should_speak`]);
//! - otherwise it is queued, ordered by `call_id` (the server's sequence: call order). When its
//!   turn comes, [`backlog::decide`] skips it if its ticket is no longer called at its window or
//!   if it is too late and newer calls wait (never the newest), and has it spoken once instead of
//!   `repeat` times while others wait; it is then composed with the current settings and played,
//!   unless audio is off or it is quiet hours (by the server's clock in the hall's time zone).
//!
//! **A call is not lost to the sound device**: while there is none, calls stay queued (and the
//! backlog rules keep the queue short); a call that was playing when the device failed or hung
//! goes back into the queue, and is logged as interrupted only after [`MAX_ATTEMPTS`]. The
//! player reports [`AudioStatus::NoDevice`] (the screen's "无音频" mark) and tries to open the
//! device again every [`PlayerOptions::device_retry`].

pub mod backlog;
mod output;
mod pack;
mod quiet_hours;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use qcall_protocol::{Call, DisplaySettings, Millis, WindowNo, WindowView};

use crate::announce::{Composer, Piece, SettingsProblem, describe};
use backlog::{Decision, Skip, Windows, decide, windows_of};

pub use backlog::{MAX_LAG_MS, MAX_SPEAK_AGE_MS, should_speak};
pub use output::{DeviceErrors, OpenOutput, Output, default_output};
pub use pack::{
    CHANNELS, FADE_MS, MissingClip, MissingLanguage, PackError, Rendered, SAMPLE_RATE, Segment,
    VoicePack, ms_to_samples, samples_to_duration,
};
pub use quiet_hours::{QuietHours, minute_of_day};

/// How often a missing sound device is looked for again, by default.
pub const DEVICE_RETRY: Duration = Duration::from_secs(10);
/// How many log entries are kept (oldest dropped first).
pub const LOG_CAPACITY: usize = 256;
/// How many call ids are remembered for de-duplication: far more than a snapshot's recent calls.
const SEEN_CAPACITY: usize = 4096;
/// How long past its own length an announcement may take before the output counts as stalled.
const STALL_MARGIN: Duration = Duration::from_secs(3);
/// How often one call is started on a device that fails under it before it is given up.
pub const MAX_ATTEMPTS: u32 = 3;
/// The hall time zone until the app names the hall's.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// A monotonic clock: the time since some fixed origin. The player measures with it how much
/// server time has passed since the server last told the time (the backlog's lags, quiet
/// hours); tests drive it by the samples the output has taken.
pub type Clock = Arc<dyn Fn() -> Duration + Send + Sync>;

/// The real monotonic clock.
pub fn monotonic_clock() -> Clock {
    let origin = Instant::now();
    Arc::new(move || origin.elapsed())
}

/// Whether the hall board can make sound. The screen shows a small "无音频" mark for
/// [`AudioStatus::NoDevice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioStatus {
    /// The player thread has not tried the device yet (the first moments after start).
    Opening,
    /// The output is open.
    Ok,
    /// No usable sound device; calls are still queued and logged, silently.
    NoDevice {
        /// Why, as the audio system said it.
        reason: String,
        /// Since when there has been no device.
        since: SystemTime,
    },
}

impl AudioStatus {
    /// Whether sound can be played now.
    pub fn is_ok(&self) -> bool {
        matches!(self, AudioStatus::Ok)
    }
}

/// What became of one call that reached the player.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// The call's id.
    pub call_id: u64,
    /// The ticket number.
    pub number: String,
    /// The window.
    pub window: WindowNo,
    /// A recall (重呼) rather than a first call.
    pub recall: bool,
    /// Spoken or why not.
    pub outcome: Outcome,
}

/// Whether a call was spoken.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Played to the end.
    Spoken {
        /// The clips, as [`describe`] writes them.
        clips: String,
        /// From [`Player::submit`] to the output taking the first sample (the chime's first
        /// sample when the chime is on). The device's own buffer (about 50 ms) comes on top.
        event_to_audio: Duration,
        /// How long the announcement is.
        duration: Duration,
        /// From the call (server time) to the moment it was handed to the output.
        lag_ms: Millis,
        /// Spoken once instead of `repeat` times because other calls were waiting.
        once: bool,
    },
    /// Shown on the screen but not spoken.
    Silent(Silence),
}

/// Why a call was not spoken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Silence {
    /// Older than [`MAX_SPEAK_AGE_MS`] when it arrived (a reconnect's snapshot, R16).
    TooOld {
        /// Its age at arrival.
        age_ms: Millis,
    },
    /// Skipped by the backlog rules when its turn came ([`backlog::decide`]).
    Skipped(Skip),
    /// Quiet hours when its turn came.
    QuietHours,
    /// This display's settings say `audio = false`.
    AudioOff,
    /// The device failed or hung under it [`MAX_ATTEMPTS`] times.
    Interrupted {
        /// Why.
        reason: String,
    },
    /// It cannot be composed (a ticket number with a character that has no clip).
    Unspeakable {
        /// Why.
        reason: String,
    },
}

/// What the player needs from outside: where to play, how time passes, how often to retry.
pub struct PlayerOptions {
    /// Opens the output; [`default_output`] in the app, a test mixer in tests.
    pub output: OpenOutput,
    /// Measures the time since the server last told the time; [`monotonic_clock`] in the app.
    pub clock: Clock,
    /// How often to look for a sound device again while there is none.
    pub device_retry: Duration,
    /// The hall's time zone, in which quiet hours are read (`HallInfo::time_zone`).
    pub time_zone: String,
}

impl Default for PlayerOptions {
    /// The default sound device, the real clock, a retry every 10 s, Shanghai time.
    fn default() -> Self {
        PlayerOptions {
            output: default_output(),
            clock: monotonic_clock(),
            device_retry: DEVICE_RETRY,
            time_zone: DEFAULT_TIME_ZONE.into(),
        }
    }
}

impl std::fmt::Debug for PlayerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlayerOptions")
            .field("device_retry", &self.device_retry)
            .finish_non_exhaustive()
    }
}

/// Messages to the player thread, from the screen, from the output and from its own sources.
pub(crate) enum Msg {
    Calls {
        calls: Vec<Call>,
        now: Millis,
        clock: Duration,
        received: Instant,
    },
    Windows {
        windows: Windows,
        now: Millis,
        clock: Duration,
    },
    Settings(Box<DisplaySettings>),
    Started {
        token: u64,
        at: Instant,
    },
    Finished {
        token: u64,
    },
    DeviceError {
        generation: u64,
        reason: String,
    },
    Stop,
}

/// What the screen reads from the player without waiting for it.
struct Shared {
    state: Mutex<SharedState>,
    changed: Condvar,
    submitted: AtomicU64,
    /// Called when [`AudioStatus`] changes, so the screen redraws its mark then and only then.
    on_status: Mutex<Option<StatusWake>>,
}

/// What [`Player::on_status_change`] calls.
type StatusWake = Box<dyn Fn() + Send>;

struct SharedState {
    status: AudioStatus,
    log: VecDeque<LogEntry>,
    problems: Vec<SettingsProblem>,
    // Messages of calls the thread has taken in, and whether it has anything queued or playing.
    processed: u64,
    busy: bool,
    playing: Option<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, SharedState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn status_changed(&self) {
        if let Some(wake) = &*self
            .on_status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            wake();
        }
    }
}

/// The announcement player. Owns its thread; dropping it stops any sound and joins the thread.
pub struct Player {
    tx: Sender<Msg>,
    shared: Arc<Shared>,
    clock: Clock,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("status", &self.audio_status())
            .finish_non_exhaustive()
    }
}

impl Player {
    /// Starts the player thread with a loaded pack and the display's settings. The device is
    /// opened on that thread, so this returns at once; only a failure to spawn a thread is an
    /// error.
    pub fn start(
        pack: VoicePack,
        settings: &DisplaySettings,
        options: PlayerOptions,
    ) -> std::io::Result<Player> {
        let (tx, rx) = channel();
        let shared = Arc::new(Shared {
            state: Mutex::new(SharedState {
                status: AudioStatus::Opening,
                log: VecDeque::new(),
                problems: Vec::new(),
                processed: 0,
                busy: false,
                playing: None,
            }),
            changed: Condvar::new(),
            submitted: AtomicU64::new(0),
            on_status: Mutex::new(None),
        });
        for warning in pack.warnings() {
            tracing::warn!(pack = %pack.dir().display(), "{warning}");
        }
        let pack = Arc::new(pack);
        let effective = Effective::new(settings, &pack);
        effective.report(settings, &[]);
        shared.lock().problems = effective.problems.clone();
        let worker_tx = tx.clone();
        let worker_shared = shared.clone();
        let clock = options.clock.clone();
        // The worker is built on its thread: the output it opens there need not be `Send`.
        let thread = std::thread::Builder::new()
            .name("qcall-audio".into())
            .spawn(move || {
                Worker::new(pack, options, effective, rx, worker_tx, worker_shared).run();
            })?;
        Ok(Player {
            tx,
            shared,
            clock,
            thread: Some(thread),
        })
    }

    /// Hands a call or recall to the player; never blocks. `now` is the server time at which the
    /// display learnt of it: the `at` of the `Events` message that carried it. Server clock,
    /// like `call.at`, so the 60 s rule does not depend on the display PC's clock.
    pub fn submit(&self, call: Call, now: Millis) {
        self.submit_all(vec![call], now);
    }

    /// Hands several calls to the player at once, e.g. a snapshot's `recent_calls` (newest
    /// first) with the snapshot's `at` as `now`. They are queued together and announced in
    /// `call_id` order; those already seen are ignored, those older than 60 s are shown only.
    pub fn submit_all(&self, calls: Vec<Call>, now: Millis) {
        self.shared.submitted.fetch_add(1, Ordering::SeqCst);
        let _ = self.tx.send(Msg::Calls {
            calls,
            now,
            clock: (self.clock)(),
            received: Instant::now(),
        });
    }

    /// The windows as the display knows them now, at server time `now`: when a call's turn
    /// comes, it is spoken only if its ticket is still the called ticket at its window. Send it
    /// before the calls of the same update, and after every update that changed a window.
    pub fn update_windows(&self, windows: &[WindowView], now: Millis) {
        let _ = self.tx.send(Msg::Windows {
            windows: windows_of(windows),
            now,
            clock: (self.clock)(),
        });
    }

    /// New settings from a snapshot; applied from the next announcement on. Problems are logged
    /// once per change, and readable with [`Player::settings_problems`].
    pub fn update_settings(&self, settings: &DisplaySettings) {
        let _ = self.tx.send(Msg::Settings(Box::new(settings.clone())));
    }

    /// Calls `wake` (on the player thread) whenever [`Player::audio_status`] or
    /// [`Player::now_playing`] changes: the screen passes `request_repaint` and needs no timer to
    /// keep its "无音频" mark and its mark of the call being spoken current.
    pub fn on_status_change(&self, wake: impl Fn() + Send + 'static) {
        *self
            .shared
            .on_status
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Box::new(wake));
        // The status may have changed before the wake was set.
        self.shared.status_changed();
    }

    /// Whether there is sound, for the "无音频" mark.
    pub fn audio_status(&self) -> AudioStatus {
        self.shared.lock().status.clone()
    }

    /// What became of the latest calls, oldest first (at most [`LOG_CAPACITY`]).
    pub fn log(&self) -> Vec<LogEntry> {
        self.shared.lock().log.iter().cloned().collect()
    }

    /// The call being announced now, if any, so that the screen can mark the number being read.
    pub fn now_playing(&self) -> Option<u64> {
        self.shared.lock().playing
    }

    /// The settings that could not be followed as written, and what is done instead.
    pub fn settings_problems(&self) -> Vec<SettingsProblem> {
        self.shared.lock().problems.clone()
    }

    /// Waits until every submitted call has been announced or logged as silent, at most
    /// `timeout`; true when idle. For tests and for a clean shutdown, never for the UI thread.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        loop {
            let submitted = self.shared.submitted.load(Ordering::SeqCst);
            if state.processed == submitted && !state.busy {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Pending {
    call: Box<Call>,
    received: Instant,
    /// How often it was started on a device that then failed.
    attempts: u32,
}

struct Playing {
    token: u64,
    pending: Pending,
    clips: String,
    duration: Duration,
    started: Option<Instant>,
    deadline: Instant,
    lag_ms: Millis,
    once: bool,
}

/// One announcement as the hall board plays it: the clips as [`describe`] writes them, the
/// sound, and the settings it could not follow as written.
#[derive(Debug, Clone)]
pub struct Announcement {
    /// The clips, e.g. `chime | zh qing letter_a 0 0 1 hao dao 3 hao chuangkou banli | …`.
    pub clips: String,
    /// The pieces in order.
    pub pieces: Vec<Piece>,
    /// The samples, at [`SAMPLE_RATE`] mono, exactly as handed to the output.
    pub rendered: Rendered,
    /// Settings the board cannot follow as written, and what it does instead.
    pub problems: Vec<SettingsProblem>,
}

/// Renders the announcement of ticket `number` to `window` exactly as the player would for a
/// call with nothing waiting behind it: the same settings check, composer, pack, fades and
/// volume (`qcall display say` uses it to preview a pack). Err names why it cannot be spoken.
pub fn render_announcement(
    pack: &VoicePack,
    settings: &DisplaySettings,
    number: &str,
    window: WindowNo,
) -> Result<Announcement, String> {
    let effective = Effective::new(settings, pack);
    let (pieces, rendered) = effective.render(pack, number, window, effective.composer.repeat())?;
    Ok(Announcement {
        clips: describe(&pieces),
        pieces,
        rendered,
        problems: effective.problems,
    })
}

/// The display's settings as the player follows them.
struct Effective {
    composer: Composer,
    quiet: QuietHours,
    volume: f32,
    audio: bool,
    problems: Vec<SettingsProblem>,
}

impl Effective {
    fn new(settings: &DisplaySettings, pack: &VoicePack) -> Effective {
        let (composer, mut problems) = Composer::new(settings, pack.languages());
        let composer = composer.without_hundreds(&pack.without_hundreds());
        let (quiet, quiet_problems) = QuietHours::parse(&settings.quiet_hours);
        problems.extend(quiet_problems);
        let volume = if settings.volume.is_finite() {
            settings.volume.clamp(0.0, 1.0)
        } else {
            0.8
        };
        if volume != settings.volume {
            problems.push(SettingsProblem::Volume {
                given: settings.volume,
                used: volume,
            });
        }
        Effective {
            composer,
            quiet,
            volume,
            audio: settings.audio,
            problems,
        }
    }

    /// Composes and renders an announcement spoken `repeat` times.
    fn render(
        &self,
        pack: &VoicePack,
        number: &str,
        window: WindowNo,
        repeat: u32,
    ) -> Result<(Vec<Piece>, Rendered), String> {
        let pieces = self
            .composer
            .compose_times(number, window, repeat)
            .map_err(|e| e.to_string())?;
        let rendered = pack
            .render(&pieces, self.volume)
            .map_err(|e| e.to_string())?;
        Ok((pieces, rendered))
    }

    /// Logs the problems unless they were already logged: a snapshot after each reconnect
    /// repeats the same settings, and each problem is reported once.
    fn report(&self, settings: &DisplaySettings, already: &[SettingsProblem]) {
        if self.problems != already {
            for problem in &self.problems {
                tracing::warn!(display = %settings.name, "announcement settings: {problem}");
            }
        }
    }
}

/// The player thread's state. Only this thread touches the device and the queue.
struct Worker {
    pack: Arc<VoicePack>,
    options: PlayerOptions,
    rx: Receiver<Msg>,
    tx: Sender<Msg>,
    shared: Arc<Shared>,
    settings: Effective,
    queue: BTreeMap<u64, Pending>,
    seen: BTreeSet<u64>,
    windows: Windows,
    // The server time last told, and the clock's reading then.
    sync: Option<(Millis, Duration)>,
    output: Option<Output>,
    // When to try the device again, while there is none.
    next_retry: Option<Instant>,
    playing: Option<Playing>,
    next_token: u64,
    // Counts opened outputs, so that an error report names the output it is about.
    generation: u64,
    processed: u64,
}

impl Worker {
    fn new(
        pack: Arc<VoicePack>,
        options: PlayerOptions,
        settings: Effective,
        rx: Receiver<Msg>,
        tx: Sender<Msg>,
        shared: Arc<Shared>,
    ) -> Worker {
        Worker {
            pack,
            options,
            rx,
            tx,
            shared,
            settings,
            queue: BTreeMap::new(),
            seen: BTreeSet::new(),
            windows: Windows::new(),
            sync: None,
            output: None,
            next_retry: Some(Instant::now()),
            playing: None,
            next_token: 0,
            generation: 0,
            processed: 0,
        }
    }

    fn run(mut self) {
        loop {
            if self.next_retry.is_some_and(|at| at <= Instant::now()) {
                self.open_output();
            }
            if self.playing.is_none() {
                self.start_next();
            }
            self.publish();
            let deadline = [self.playing.as_ref().map(|p| p.deadline), self.next_retry]
                .into_iter()
                .flatten()
                .min();
            let msg = match deadline {
                Some(at) => {
                    match self
                        .rx
                        .recv_timeout(at.saturating_duration_since(Instant::now()))
                    {
                        Ok(msg) => msg,
                        Err(RecvTimeoutError::Timeout) => {
                            self.check_stall();
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                None => match self.rx.recv() {
                    Ok(msg) => msg,
                    Err(_) => return,
                },
            };
            match msg {
                Msg::Calls {
                    calls,
                    now,
                    clock,
                    received,
                } => {
                    self.processed += 1;
                    self.sync = Some((now, clock));
                    for call in calls {
                        self.arrive(Box::new(call), now, received);
                    }
                }
                Msg::Windows {
                    windows,
                    now,
                    clock,
                } => {
                    self.sync = Some((now, clock));
                    self.windows = windows;
                }
                Msg::Settings(settings) => self.apply_settings(&settings),
                Msg::Started { token, at } => {
                    if let Some(playing) = self.playing.as_mut().filter(|p| p.token == token) {
                        playing.started = Some(at);
                    }
                }
                Msg::Finished { token } => self.finish(token),
                Msg::DeviceError { generation, reason } => {
                    // A late report from an output already closed is not about this one.
                    if generation == self.generation {
                        self.lose_output(reason);
                    }
                }
                Msg::Stop => return,
            }
        }
    }

    fn apply_settings(&mut self, settings: &DisplaySettings) {
        let effective = Effective::new(settings, &self.pack);
        effective.report(settings, &self.settings.problems);
        self.shared.lock().problems = effective.problems.clone();
        self.settings = effective;
    }

    fn arrive(&mut self, call: Box<Call>, now: Millis, received: Instant) {
        if !self.seen.insert(call.call_id) {
            tracing::debug!(call_id = call.call_id, "call already announced or queued");
            return;
        }
        if self.seen.len() > SEEN_CAPACITY {
            self.seen.pop_first();
        }
        if should_speak(call.at, now) {
            self.queue.insert(
                call.call_id,
                Pending {
                    call,
                    received,
                    attempts: 0,
                },
            );
        } else {
            let age_ms = now.saturating_sub(call.at);
            self.log(&call, Outcome::Silent(Silence::TooOld { age_ms }));
        }
    }

    /// The server's time now, from the last time it was told and the clock since.
    fn server_now(&self) -> Option<Millis> {
        let (server, at) = self.sync?;
        let since = (self.options.clock)().saturating_sub(at);
        Some(server + Millis::try_from(since.as_millis()).unwrap_or(Millis::MAX / 2))
    }

    /// Takes calls off the queue, oldest id first, until one plays or the queue is empty; with
    /// no output, the call whose turn it is stays queued until the device is back.
    fn start_next(&mut self) {
        while let Some(&id) = self.queue.keys().next() {
            let behind = self.queue.len() - 1;
            let now = self.server_now();
            let decision = match now {
                Some(now) => decide(&self.queue[&id].call, behind, &self.windows, now),
                None => Decision::Speak { once: behind > 0 },
            };
            let quiet = now.is_some_and(|now| {
                let minute = minute_of_day(now, &self.options.time_zone);
                self.settings.quiet.contains(minute)
            });
            let silence = match decision {
                Decision::Skip(skip) => Some(Silence::Skipped(skip)),
                Decision::Speak { .. } if !self.settings.audio => Some(Silence::AudioOff),
                Decision::Speak { .. } if quiet => Some(Silence::QuietHours),
                Decision::Speak { .. } => None,
            };
            if let Some(silence) = silence {
                if let Some(pending) = self.queue.remove(&id) {
                    self.log(&pending.call, Outcome::Silent(silence));
                }
                continue;
            }
            if self.output.is_none() {
                // Requeued, not dropped: it plays when the device is back (if still wanted).
                return;
            }
            let Some(pending) = self.queue.remove(&id) else {
                return;
            };
            let once = behind > 0;
            if !self.play(pending, once, now) {
                continue;
            }
            return;
        }
    }

    /// Composes, renders and hands `pending` to the output; false (logged) when it cannot be
    /// spoken.
    fn play(&mut self, pending: Pending, once: bool, now: Option<Millis>) -> bool {
        let call = &pending.call;
        let repeat = if once {
            1
        } else {
            self.settings.composer.repeat()
        };
        let rendered = self
            .settings
            .render(&self.pack, &call.number, call.window, repeat);
        let (pieces, rendered) = match rendered {
            Ok(ok) => ok,
            Err(reason) => {
                self.log(call, Outcome::Silent(Silence::Unspeakable { reason }));
                return false;
            }
        };
        let Some(output) = &self.output else {
            return false;
        };
        let lag_ms = now.map_or(0, |now| now.saturating_sub(call.at).max(0));
        self.next_token += 1;
        let token = self.next_token;
        let duration = rendered.duration();
        let source = output::Tracked::new(rendered.into_source(), token, self.tx.clone());
        output.mixer().add(source);
        self.playing = Some(Playing {
            token,
            pending,
            clips: describe(&pieces),
            duration,
            started: None,
            deadline: Instant::now() + duration + STALL_MARGIN,
            lag_ms,
            once,
        });
        true
    }

    fn finish(&mut self, token: u64) {
        let Some(playing) = self.playing.take_if(|p| p.token == token) else {
            return;
        };
        let started = playing.started.unwrap_or_else(Instant::now);
        let event_to_audio = started.saturating_duration_since(playing.pending.received);
        tracing::info!(
            call_id = playing.pending.call.call_id,
            number = %playing.pending.call.number,
            window = playing.pending.call.window,
            event_to_audio_ms = event_to_audio.as_millis() as u64,
            lag_ms = playing.lag_ms,
            once = playing.once,
            "announced"
        );
        let outcome = Outcome::Spoken {
            clips: playing.clips,
            event_to_audio,
            duration: playing.duration,
            lag_ms: playing.lag_ms,
            once: playing.once,
        };
        self.log(&playing.pending.call, outcome);
    }

    fn check_stall(&mut self) {
        if self
            .playing
            .as_ref()
            .is_some_and(|p| p.deadline <= Instant::now())
        {
            self.lose_output("the output stopped taking samples".into());
        }
    }

    fn open_output(&mut self) {
        self.generation += 1;
        let errors = DeviceErrors {
            tx: self.tx.clone(),
            generation: self.generation,
        };
        match (self.options.output)(&errors) {
            Ok(output) => {
                tracing::info!(device = %output.description(), "audio output open");
                self.output = Some(output);
                self.next_retry = None;
                self.set_status(AudioStatus::Ok);
            }
            Err(reason) => {
                self.next_retry = Some(Instant::now() + self.options.device_retry);
                let mut state = self.shared.lock();
                match &mut state.status {
                    // Still no device: keep `since`, take the latest reason, log quietly.
                    AudioStatus::NoDevice { reason: old, .. } => {
                        tracing::debug!(%reason, "still no audio output");
                        *old = reason;
                    }
                    status => {
                        tracing::warn!(%reason, "no audio output; calls are shown but not spoken");
                        *status = AudioStatus::NoDevice {
                            reason,
                            since: SystemTime::now(),
                        };
                        drop(state);
                        self.shared.status_changed();
                    }
                }
                self.shared.changed.notify_all();
            }
        }
    }

    fn lose_output(&mut self, reason: String) {
        if self.output.take().is_none() {
            return;
        }
        tracing::warn!(%reason, "audio output lost; retrying");
        if let Some(playing) = self.playing.take() {
            let mut pending = playing.pending;
            pending.attempts += 1;
            if pending.attempts >= MAX_ATTEMPTS {
                let silence = Silence::Interrupted {
                    reason: reason.clone(),
                };
                self.log(&pending.call, Outcome::Silent(silence));
            } else {
                // Back into the queue: it plays again when the device is back.
                tracing::info!(
                    call_id = pending.call.call_id,
                    attempts = pending.attempts,
                    "interrupted announcement requeued"
                );
                self.queue.insert(pending.call.call_id, pending);
            }
        }
        self.next_retry = Some(Instant::now() + self.options.device_retry);
        self.set_status(AudioStatus::NoDevice {
            reason,
            since: SystemTime::now(),
        });
    }

    fn set_status(&self, status: AudioStatus) {
        self.shared.lock().status = status;
        self.shared.changed.notify_all();
        self.shared.status_changed();
    }

    fn log(&self, call: &Call, outcome: Outcome) {
        if let Outcome::Silent(silence) = &outcome {
            tracing::info!(call_id = call.call_id, number = %call.number, window = call.window, ?silence, "not spoken");
        }
        let mut state = self.shared.lock();
        if state.log.len() == LOG_CAPACITY {
            state.log.pop_front();
        }
        state.log.push_back(LogEntry {
            call_id: call.call_id,
            number: call.number.clone(),
            window: call.window,
            recall: call.recall,
            outcome,
        });
    }

    /// Makes the queue's progress visible to [`Player::wait_idle`], and wakes the screen when
    /// the call being spoken changes.
    fn publish(&self) {
        let mut state = self.shared.lock();
        state.processed = self.processed;
        state.busy = !self.queue.is_empty() || self.playing.is_some();
        let playing = self.playing.as_ref().map(|p| p.pending.call.call_id);
        let changed = state.playing != playing;
        state.playing = playing;
        drop(state);
        self.shared.changed.notify_all();
        if changed {
            self.shared.status_changed();
        }
    }
}

//! The eframe glue: the network thread and connection, the announcement player, and the frame
//! loop that drains updates into the [`Model`] and draws it with [`view`](crate::view::view).
//!
//! Repaints happen only when something changes: an update from the server (the connection's
//! [`qcall_client::Wake`] repaints the board's viewport), a change of the audio status (the
//! player's wake), the clock's next minute, the highlight's next blink, and the marquee (at most
//! 30 frames per second, and only while it scrolls). The marquee has a small window of its own
//! over the board's band ([`MarqueePlace::OwnWindow`], an egui deferred viewport): its frames
//! redraw that strip only, never the board.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use qcall_client::connection::{Connection, ConnectionConfig, Update};
use qcall_client::i18n::Lang;
use qcall_client::ui::{Look, apply_look, install_fonts};
use qcall_client::{ClientError, NetThread, RequestId, Requests, RestClient, ServerAddr};
use qcall_protocol::{AudioHealth, DeviceStatus, Hello, Millis, Rating, RatingPadState};

use crate::model::{BoardLayout, Model, Screen, until_next_minute};
use crate::pad::{PadCommand, PadIntent};
use crate::photo::{MAX_PHOTO_PX, Photos, is_server_url};
use crate::player::{AudioStatus, Player, PlayerOptions, VoicePack};
use crate::still::StillLayer;
use crate::view::{MarqueePlace, Strip, view_with};

/// The marquee window's viewport.
fn strip_viewport() -> egui::ViewportId {
    egui::ViewportId::from_hash_of("qcall-display marquee")
}

/// Repaints the board's own viewport, from any thread. A wake must name it: a plain
/// `request_repaint` from the network thread while the marquee's viewport is drawing would
/// repaint the marquee, and the board would miss the update until its next minute.
fn wake_board(ctx: &egui::Context) {
    ctx.request_repaint_of(egui::ViewportId::ROOT);
}

/// A rating pad's REST answer.
enum PadAnswer {
    /// `GET /rating-pad`.
    State(Result<RatingPadState, ClientError>),
    /// `POST /rating-pad/ratings`.
    Rated(Result<Rating, ClientError>),
}

/// The voice of a hall board: the loaded pack and where to play it.
pub struct Voice {
    /// The voice pack, loaded (and checked) before the window opens.
    pub pack: VoicePack,
    /// The output, clock and retry period; the time zone is replaced by the hall's.
    pub options: PlayerOptions,
}

impl std::fmt::Debug for Voice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Voice").finish_non_exhaustive()
    }
}

/// What the display needs to start.
#[derive(Debug)]
pub struct DisplayOptions {
    /// The hall server.
    pub server: ServerAddr,
    /// This device's key.
    pub key: String,
    /// The screen language.
    pub lang: Lang,
    /// `--mode`: overrides the device's config on the server.
    pub screen: Option<Screen>,
    /// `--layout`: the hall board's layout.
    pub layout: Option<BoardLayout>,
    /// The announcement voice; `None` for a silent display.
    pub voice: Option<Voice>,
    /// Started `--silent`: no voice on purpose, so no "无音频" mark. Without it, a display whose
    /// settings turn audio on but that has no voice (the pack could not be loaded) shows the
    /// mark.
    pub silent: bool,
    /// Where the hall board's marquee is drawn when it runs in eframe (`--marquee`). The
    /// snapshot tests draw through [`DisplayApp::show`], always inline.
    pub marquee: MarqueePlace,
}

/// The running display: model, connection, player.
pub struct DisplayApp {
    model: Model,
    // Dropped in this order: the connection and requests before the thread they run on.
    connection: Connection,
    photo_requests: Requests<(String, Result<egui::ColorImage, String>)>,
    /// The rating pad's REST answers.
    pad_requests: Requests<PadAnswer>,
    rest: Option<RestClient>,
    photos: Photos,
    _net: NetThread,
    voice: Option<Voice>,
    silent: bool,
    player: Option<Player>,
    /// To wake the frame loop from the player thread.
    ctx: egui::Context,
    /// The local clock; tests fix it for snapshot images.
    clock: Box<dyn Fn() -> Millis>,
    /// The hall board's still part as a texture (OpenGL only, marquee inline).
    still: StillLayer,
    /// Where the marquee goes when the app runs in eframe.
    marquee: MarqueePlace,
    /// The board's frames and the marquee window's.
    frames: Frames,
}

/// Frames drawn by the board's viewport and by the marquee's window, logged (debug) every 30
/// frames in all: that the marquee's frames leave the board alone is the whole point of its
/// window, and `display/tools/idle_cpu.sh` prints the rates from this line.
#[derive(Debug, Clone, Default)]
struct Frames(Arc<[AtomicU64; 2]>);

impl Frames {
    const BOARD: usize = 0;
    const STRIP: usize = 1;

    /// Counts one frame of `which`.
    fn count(&self, which: usize) {
        self.0[which].fetch_add(1, Ordering::Relaxed);
        let (board, strip) = self.get();
        if (board + strip) % 30 == 0 {
            tracing::debug!(board, strip, "frames drawn");
        }
    }

    /// (board, marquee window).
    fn get(&self) -> (u64, u64) {
        (
            self.0[Self::BOARD].load(Ordering::Relaxed),
            self.0[Self::STRIP].load(Ordering::Relaxed),
        )
    }
}

impl std::fmt::Debug for DisplayApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DisplayApp")
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl DisplayApp {
    /// Sets up fonts and the dark look on `ctx`, starts the network thread and the connection
    /// (returns at once; the first frame shows "连接中" until the snapshot arrives).
    pub fn new(ctx: &egui::Context, options: DisplayOptions) -> std::io::Result<DisplayApp> {
        install_fonts(ctx);
        apply_look(ctx, Look::Dark, 1.0);
        let net = NetThread::start()?;
        let wake = ctx.clone();
        let rest = match RestClient::new(&options.server) {
            Ok(rest) => Some(rest.with_bearer(options.key.clone())),
            Err(e) => {
                tracing::warn!(cause = %e, "no REST client; staff photos are not shown");
                None
            }
        };
        let photo_wake = ctx.clone();
        let photo_requests = Requests::new(&net, Arc::new(move || wake_board(&photo_wake)));
        let pad_wake = ctx.clone();
        let pad_requests = Requests::new(&net, Arc::new(move || wake_board(&pad_wake)));
        let config =
            ConnectionConfig::to_server(&options.server, Hello::Device { key: options.key });
        let connection = Connection::start(&net, config, Arc::new(move || wake_board(&wake)));
        let mut model = Model::new(options.screen, options.lang);
        model.set_layout(options.layout);
        if let Some(voice) = &options.voice {
            for missing in voice.pack.missing() {
                tracing::error!(pack = %voice.pack.dir().display(), "voice pack: {missing}");
            }
            model.voice.missing = voice.pack.missing().to_vec();
        }
        Ok(DisplayApp {
            model,
            connection,
            photo_requests,
            pad_requests,
            rest,
            photos: Photos::default(),
            _net: net,
            voice: options.voice,
            silent: options.silent,
            player: None,
            ctx: ctx.clone(),
            clock: Box::new(qcall_client::local_now),
            still: StillLayer::new(),
            marquee: options.marquee,
            frames: Frames::default(),
        })
    }

    /// Replaces the local clock (tests: a fixed time makes snapshot images repeatable).
    pub fn set_clock(&mut self, clock: impl Fn() -> Millis + 'static) {
        self.clock = Box::new(clock);
    }

    /// The model, for tests.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The player, once started (after the first snapshot, when a voice was given).
    pub fn player(&self) -> Option<&Player> {
        self.player.as_ref()
    }

    /// Takes every update that arrived, applies it, and hands new calls to the player. Never
    /// blocks: this is `App::logic`.
    pub fn pump(&mut self) {
        let now = (self.clock)();
        let updates: Vec<_> = self.connection.drain().collect();
        for update in updates {
            let applied = self.model.apply(&update, now);
            if applied.resynced {
                self.on_resync();
            }
            let carries_state = matches!(update, Update::Snapshot { .. } | Update::Events { .. });
            if let (Some(player), Some(at)) = (&self.player, self.model.server_time()) {
                // The windows first: a call is spoken only while its ticket is called there.
                if carries_state {
                    player.update_windows(self.model.live().windows(), at);
                }
                if !applied.new_calls.is_empty() {
                    // The server time of the message that carried them: R16's 60 s rule holds
                    // after a reconnect whatever the PC's clock says.
                    player.submit_all(applied.new_calls, at);
                }
            }
        }
        for answer in self.pad_requests.drain().collect::<Vec<_>>() {
            match answer {
                PadAnswer::State(Ok(state)) => self.model.pad_state(state, now),
                PadAnswer::State(Err(e)) => {
                    tracing::warn!(cause = %e, "rating pad: no idle time or invite from the server; using the defaults")
                }
                PadAnswer::Rated(result) => {
                    if let Err(e) = &result {
                        tracing::warn!(cause = %e, "rating pad: the rating was not taken");
                    }
                    self.model.pad_answered(result, now);
                }
            }
        }
        self.model.tick(now);
        self.load_photos();
        let wanted = !self.silent && self.model.live().display().is_some_and(|d| d.audio);
        let voice = &mut self.model.voice;
        voice.wanted = wanted;
        match &self.player {
            Some(player) => {
                voice.no_sound = matches!(player.audio_status(), AudioStatus::NoDevice { .. });
                voice.problems = player.settings_problems();
                voice.speaking = player.now_playing();
            }
            // No player although audio is on: the pack could not be loaded (or the thread not
            // started).
            None => voice.no_sound = self.voice.is_none(),
        }
        self.report();
    }

    /// Tells the server how this display is (R31): version, mode, sound. Sent only on a change.
    fn report(&self) {
        let voice = &self.model.voice;
        let Some(screen) = self.model.screen() else {
            return;
        };
        self.connection.report(DeviceStatus {
            app_version: concat!("qcall-display ", env!("CARGO_PKG_VERSION")).to_string(),
            printer: None,
            audio: voice.wanted.then_some(if voice.no_sound {
                AudioHealth::None
            } else {
                AudioHealth::Ok
            }),
            mode: match screen {
                Screen::HallBoard => "hall_board".to_string(),
                Screen::Window(n) => format!("window_screen {n}"),
                Screen::RatingPad(n) => format!("rating_pad {n}"),
            },
            last_frame_at: None,
            // A board that cannot say what it was set up to say tells the manager (issue 20).
            voice_problems: voice.health_problems(),
        });
    }

    /// Takes the photos that arrived, and asks once for the photo of the staff member on this
    /// window screen.
    fn load_photos(&mut self) {
        for (url, result) in self.photo_requests.drain().collect::<Vec<_>>() {
            self.photos.finish(&self.ctx, &url, result);
        }
        let (Some(Screen::Window(n)) | Some(Screen::RatingPad(n))) = self.model.screen() else {
            return;
        };
        let Some(url) = self
            .model
            .live()
            .window(n)
            .and_then(|w| w.staff.as_ref())
            .and_then(|s| s.photo.clone())
        else {
            return;
        };
        if !is_server_url(&url) {
            if self.photos.start(&url) {
                tracing::warn!(photo = %url, "staff photo is not a server URL; the card shows the initial");
            }
            return;
        }
        let Some(rest) = self.rest.clone() else {
            return;
        };
        if !self.photos.start(&url) {
            return;
        }
        self.photo_requests.spawn(async move {
            let result = match rest.get_bytes(&url).await {
                Ok(bytes) => tokio::task::spawn_blocking(move || {
                    crate::photo::decode(&bytes, MAX_PHOTO_PX).map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string())),
                Err(e) => Err(e.to_string()),
            };
            (url, result)
        });
    }

    /// A snapshot arrived: start the player with the display's settings, or pass them on; a rating
    /// pad asks for its idle time and the invite still on offer.
    fn on_resync(&mut self) {
        if let (Some(Screen::RatingPad(_)), Some(rest)) = (self.model.screen(), self.rest.clone()) {
            self.pad_requests
                .spawn(async move { PadAnswer::State(rest.rating_pad().await) });
        }
        let Some(settings) = self.model.live().display().cloned() else {
            return;
        };
        if let Some(player) = &self.player {
            player.update_settings(&settings);
            return;
        }
        // A screen without sound (window screens by default) leaves the sound card alone; the
        // player starts with the first snapshot that turns audio on.
        if !settings.audio {
            return;
        }
        let Some(voice) = self.voice.take() else {
            return;
        };
        let mut options = voice.options;
        options.time_zone = self.model.time_zone().to_owned();
        if jiff::tz::TimeZone::get(&options.time_zone).is_err() {
            tracing::warn!(time_zone = %options.time_zone, "unknown hall time zone; quiet hours read UTC");
        }
        match Player::start(voice.pack, &settings, options) {
            Ok(player) => {
                let ctx = self.ctx.clone();
                player.on_status_change(move || wake_board(&ctx));
                // The snapshot's windows, then its calls (`pump` hands them over next).
                if let Some(at) = self.model.server_time() {
                    player.update_windows(self.model.live().windows(), at);
                }
                self.player = Some(player);
            }
            Err(e) => {
                tracing::error!(cause = %e, "cannot start the audio thread; the board stays silent")
            }
        }
    }

    /// Draws the screen, the marquee inline, and asks for the next repaint only when something
    /// will change: this is `App::ui` without the marquee's window and the still layer, which
    /// need a native window and the OpenGL renderer (the snapshot tests).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.show_with(ui, false, MarqueePlace::Inline);
    }

    /// [`DisplayApp::show`], with the marquee at `marquee` and, when `opengl` and the marquee is
    /// inline, the hall board's still part kept as a texture. The marquee's own window is used
    /// only where the board's position on the screen is known (not on Wayland); elsewhere it
    /// is drawn inline.
    pub fn show_with(&mut self, ui: &mut egui::Ui, opengl: bool, marquee: MarqueePlace) {
        let now = (self.clock)();
        self.frames.count(Frames::BOARD);
        let board_at = ui.ctx().input(|i| i.viewport().inner_rect).map(|r| r.min);
        let marquee = match board_at {
            Some(_) => marquee,
            None => MarqueePlace::Inline,
        };
        // With the marquee in its own window the board repaints once a minute or so: a texture
        // of its still part would only add a read-back to each of those frames.
        let still = (opengl && marquee == MarqueePlace::Inline).then_some(&mut self.still);
        let shown = view_with(&self.model, ui, now, still, &self.photos, marquee);
        if let Some(intent) = shown.intent {
            self.on_pad_intent(intent, now);
            ui.ctx().request_repaint();
        }
        if let (Some(strip), Some(at)) = (shown.strip, board_at) {
            self.show_strip(ui.ctx(), strip, at);
        }
        let server_now = self.model.live().server_now(now);
        let mut next = Duration::from_millis(until_next_minute(server_now).unsigned_abs());
        let soon = [
            self.model.highlight_next_change(now),
            self.model.pad().and_then(|p| p.next_change(now)),
        ];
        for ms in soon.into_iter().flatten() {
            next = next.min(Duration::from_millis(ms.unsigned_abs()));
        }
        ui.ctx().request_repaint_after(next);
    }

    /// The marquee in its own window over the board's band at `board_at` (the board's top left
    /// on the screen, in points): undecorated, always on top, redrawn at the marquee's rate on
    /// its own. Called on each of the board's frames while there are notices; the window closes
    /// with the first frame without them.
    fn show_strip(&self, ctx: &egui::Context, strip: Strip, board_at: egui::Pos2) {
        let builder = egui::ViewportBuilder::default()
            .with_title("qcall-display marquee")
            .with_decorations(false)
            .with_resizable(false)
            .with_taskbar(false)
            .with_window_level(egui::WindowLevel::AlwaysOnTop)
            .with_position(board_at + strip.rect.min.to_vec2())
            .with_inner_size(strip.rect.size());
        let frames = self.frames.clone();
        // The window's own text may have changed: its next frame is not 33 ms away if it
        // stands still.
        ctx.request_repaint_of(strip_viewport());
        ctx.show_viewport_deferred(strip_viewport(), builder, move |ui, _class| {
            frames.count(Frames::STRIP);
            // Its next frame, if it scrolls, is asked for in this viewport: the marquee's own.
            crate::view::strip(ui, ui.max_rect(), &strip);
        });
    }

    /// A touch on the rating pad: the model decides; a rating goes to the server on the network
    /// thread.
    fn on_pad_intent(&mut self, intent: PadIntent, now: Millis) {
        let command = self
            .model
            .pad_intent(intent, now, || RequestId::new().into());
        let Some(PadCommand::Send(request)) = command else {
            return;
        };
        let Some(rest) = self.rest.clone() else {
            self.model
                .pad_answered(Err(ClientError::Network("no REST client".into())), now);
            return;
        };
        self.pad_requests
            .spawn(async move { PadAnswer::Rated(rest.rate_at_pad(&request).await) });
    }
}

impl eframe::App for DisplayApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.pump();
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.show_with(ui, frame.gl().is_some(), self.marquee);
    }
}

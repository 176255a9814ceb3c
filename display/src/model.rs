//! What a display shows, as plain data: the hall as last heard from the server ([`LiveState`]),
//! the link's health, and which call is highlighted. No egui, no I/O, no clock: every time is
//! passed in, so every rule here is a unit test.
//!
//! The views read [`Model::board`] and [`Model::window_screen`], which turn the live state into
//! exactly the lines a citizen reads (R18, R19). A display that loses the server keeps showing the
//! last state with a small mark and the time of the last update (R20), never a blank screen.

use qcall_client::connection::{ConnectionState, Update};
use qcall_client::i18n::{Lang, Text};
use qcall_client::live::{Applied, LiveState};
use std::collections::BTreeMap;

use qcall_client::ClientError;
use qcall_protocol::{
    Call, DisplayMode, Millis, PauseReason, Rating, RatingPadState, StaffCard, TicketClass,
    TicketState, WindowNo, WindowStatus,
};

use crate::announce::SettingsProblem;
use crate::pad::{Pad, PadCommand, PadIntent};
use crate::player::{MissingLanguage, should_speak};

/// How long the latest call stays highlighted after it arrives (R18 "for a few seconds").
pub const HIGHLIGHT_MS: Millis = 8_000;
/// The highlight blinks with this half-period, so eyes across the hall find the new number.
pub const BLINK_MS: Millis = 500;
/// How many calls the hall board lists under "最近叫号", newest (highlighted) first: large rows,
/// each at least a sixteenth of the screen height.
pub const RECENT_ON_BOARD: usize = 6;
/// The time zone used before the first snapshot names the hall's.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// Which screen to show: a `--mode` override or the device's config from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// 综合屏 (R18).
    HallBoard,
    /// 窗口屏 of one window (R19).
    Window(WindowNo),
    /// 评价器 of one window (R21, R33): a touch screen facing the citizen.
    RatingPad(WindowNo),
}

impl From<DisplayMode> for Screen {
    fn from(mode: DisplayMode) -> Screen {
        match mode {
            DisplayMode::HallBoard => Screen::HallBoard,
            DisplayMode::WindowScreen { window } => Screen::Window(window),
            DisplayMode::RatingPad { window } => Screen::RatingPad(window),
        }
    }
}

/// Parses the `--mode` option: `hall`, `window:N` or `pad:N`.
pub fn parse_screen(text: &str) -> Result<Screen, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("hall") {
        return Ok(Screen::HallBoard);
    }
    let window = |n: &str| {
        n.trim()
            .parse::<WindowNo>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{text:?}: the window number must be a positive number"))
    };
    if let Some(n) = text.strip_prefix("window:") {
        return window(n).map(Screen::Window);
    }
    if let Some(n) = text.strip_prefix("pad:") {
        return window(n).map(Screen::RatingPad);
    }
    Err(format!(
        "{text:?}: expected `hall`, `window:N` or `pad:N`, e.g. `window:3`"
    ))
}

/// The small mark in a corner that tells staff how the link is, without alarming citizens (R20).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkMark {
    /// Live: no mark.
    Live,
    /// Not yet connected since start.
    Connecting,
    /// Lost; the screen shows the last state. `last_update` is the hall time (`HH:MM`) when the
    /// data was last known current, if it ever was.
    Lost {
        /// `HH:MM` in hall time.
        last_update: Option<String>,
    },
    /// The server refused this device's key.
    Refused,
}

/// How the hall board lays out its calls (the device's `layout` in the hall config, C1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BoardLayout {
    /// The latest call large, with the recent calls as large rows (the default).
    #[default]
    Calls,
    /// One cell per open window with its current number: halls with many windows.
    Windows,
}

/// Parses the `--layout` option: `calls` or `windows`.
pub fn parse_layout(text: &str) -> Result<BoardLayout, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "calls" => Ok(BoardLayout::Calls),
        "windows" => Ok(BoardLayout::Windows),
        _ => Err(format!("{text:?}: expected `calls` or `windows`")),
    }
}

/// One window of the hall board's per-window layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowCell {
    /// The window's number.
    pub number: WindowNo,
    /// The ticket called to or served at it.
    pub current: Option<String>,
    /// 暂停服务.
    pub paused: bool,
    /// Its call arrived live less than [`HIGHLIGHT_MS`] ago and the blink is "on".
    pub highlight_on: bool,
}

/// One call as a line of the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallLine {
    /// The call id (newer calls have larger ids).
    pub call_id: u64,
    /// The ticket number, e.g. `A001`.
    pub number: String,
    /// The window number.
    pub window: WindowNo,
    /// The window's name, e.g. `综合窗口`.
    pub window_name: String,
    /// A recall (重呼).
    pub recall: bool,
    /// The ticket's class, for its colour.
    pub class: TicketClass,
}

impl From<&Call> for CallLine {
    fn from(call: &Call) -> CallLine {
        CallLine {
            call_id: call.call_id,
            number: call.number.clone(),
            window: call.window,
            window_name: call.window_name.clone(),
            recall: call.recall,
            class: call.class,
        }
    }
}

/// Everything the hall board shows (R18).
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    /// The hall's name.
    pub hall_name: String,
    /// The date with the weekday, in hall time.
    pub date: String,
    /// `HH:MM`, in hall time.
    pub time: String,
    /// The latest call, shown large.
    pub latest: Option<CallLine>,
    /// Whether the latest call is highlighted now (it arrived less than [`HIGHLIGHT_MS`] ago and
    /// is in the "on" phase of its blink).
    pub highlight_on: bool,
    /// The calls listed as rows, newest (the latest) first, one line per ticket, at most
    /// [`RECENT_ON_BOARD`].
    pub recent: Vec<CallLine>,
    /// Waiting count per service, named as on the ticket, in the kiosk's order: (service name,
    /// waiting). Disabled services are left out.
    pub waiting: Vec<(String, u32)>,
    /// The marquee lines.
    pub notices: Vec<String>,
    /// Calls or windows.
    pub layout: BoardLayout,
    /// The open (or paused) windows, by number, for [`BoardLayout::Windows`].
    pub windows: Vec<WindowCell>,
    /// The call being announced now, when the board speaks.
    pub speaking: Option<CallLine>,
}

/// What a window screen shows in its middle (R19).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowState {
    /// Open; the number being called or served, if any.
    Open {
        /// The ticket number.
        current: Option<String>,
    },
    /// 暂停服务, with the reason.
    Paused {
        /// Why, when the server said.
        reason: Option<PauseReason>,
    },
    /// 窗口关闭: no one signed in.
    Closed,
    /// The server has no such window (a wrong `--mode`), or nothing heard yet.
    Unknown,
}

/// Everything a window screen shows (R19).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowScreen {
    /// The window's number.
    pub number: WindowNo,
    /// The window's name, e.g. `综合窗口`.
    pub name: String,
    /// The configured screen text (services served, a slogan), shown as what the window
    /// handles, apart from the ticket.
    pub screen_text: String,
    /// Open, paused or closed.
    pub state: WindowState,
    /// The current ticket is called and its citizen not yet at the window ("正在叫号" rather
    /// than "正在办理").
    pub calling: bool,
    /// The number arrived live less than [`HIGHLIGHT_MS`] ago and its blink is "on": a citizen
    /// looking up sees that this window just called.
    pub highlight_on: bool,
    /// The staff member signed in (亮身份): name, 工号, badges, photo.
    pub staff: Option<StaffCard>,
    /// `HH:MM`, in hall time.
    pub time: String,
}

/// The board's voice as the screen shows it, kept here so that device health can report it
/// (R31): whether sound works, which configured languages the pack cannot speak, which
/// settings it cannot follow, and the call being spoken.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VoiceState {
    /// This display is meant to speak: its settings say `audio` and it was not started
    /// `--silent`. Nothing below is shown otherwise.
    pub wanted: bool,
    /// No sound: no sound device, or no usable voice pack ("无音频").
    pub no_sound: bool,
    /// Languages of the pack left out because clips are missing, with the files.
    pub missing: Vec<MissingLanguage>,
    /// Announcement settings the board cannot follow as written (a template it cannot speak),
    /// and what it does instead.
    pub problems: Vec<SettingsProblem>,
    /// The call being spoken now.
    pub speaking: Option<u64>,
}

impl VoiceState {
    /// The marks a screen shows for the voice: 无音频, the missing languages, a settings fault.
    pub fn marks(&self, lang: Lang) -> Vec<String> {
        if !self.wanted {
            return Vec::new();
        }
        let mut marks = Vec::new();
        if self.no_sound {
            marks.push(Text::NoAudio.get(lang).to_owned());
        }
        if !self.missing.is_empty() {
            let langs: Vec<&str> = self.missing.iter().map(|m| m.lang.code()).collect();
            marks.push(Text::VoiceIncomplete.fill(lang, &[("langs", &langs.join("、"))]));
        }
        let faulty = self
            .problems
            .iter()
            .any(|p| !matches!(p, SettingsProblem::LanguageNotInPack(_)));
        if faulty {
            marks.push(Text::AnnounceSettingsFault.get(lang).to_owned());
        }
        marks
    }

    /// What the board cannot say as configured, for the device health the manager sees (R31,
    /// issue 20): each missing language with its clips, each setting it cannot follow. A language
    /// the pack lacks is said once, as missing.
    pub fn health_problems(&self) -> Vec<String> {
        if !self.wanted {
            return Vec::new();
        }
        self.missing
            .iter()
            .map(ToString::to_string)
            .chain(
                self.problems
                    .iter()
                    .filter(|p| !matches!(p, SettingsProblem::LanguageNotInPack(_)))
                    .map(ToString::to_string),
            )
            .collect()
    }
}

/// A display's state: the live hall, the link, the highlight. Updated by server messages only.
#[derive(Debug, Clone)]
pub struct Model {
    live: LiveState,
    /// `--mode`, which wins over the server's config.
    screen_override: Option<Screen>,
    /// `--layout`, which wins over the server's config.
    layout_override: Option<BoardLayout>,
    /// The screen language.
    pub lang: Lang,
    /// The latest call that arrived live, and the local time it arrived.
    highlight: Option<(u64, Millis)>,
    /// Per window, the ticket number of its latest call that arrived live and when: what a
    /// window screen highlights.
    window_highlights: BTreeMap<WindowNo, (String, Millis)>,
    /// Local time when the data was last known current (an update while connected, or the moment
    /// the link dropped).
    last_current: Option<Millis>,
    /// Set by the glue from the player and the voice pack.
    pub voice: VoiceState,
    /// The rating pad's steps, when this display is one.
    pad: Option<Pad>,
}

impl Model {
    /// Nothing heard yet.
    pub fn new(screen_override: Option<Screen>, lang: Lang) -> Model {
        Model {
            live: LiveState::new(),
            screen_override,
            layout_override: None,
            lang,
            highlight: None,
            window_highlights: BTreeMap::new(),
            last_current: None,
            voice: VoiceState::default(),
            pad: None,
        }
    }

    /// Sets the `--layout` override of the hall board.
    pub fn set_layout(&mut self, layout: Option<BoardLayout>) {
        self.layout_override = layout;
    }

    /// The hall board's layout: the `--layout` override, else the device's `layout` in the hall
    /// config (C1), else calls.
    pub fn layout(&self) -> BoardLayout {
        self.layout_override
            .unwrap_or_else(|| match self.live.display().map(|d| d.board_layout) {
                Some(qcall_protocol::BoardLayout::Windows) => BoardLayout::Windows,
                _ => BoardLayout::Calls,
            })
    }

    /// The live hall, for the glue (player settings) and tests.
    pub fn live(&self) -> &LiveState {
        &self.live
    }

    /// Applies one update from the connection, arrived at local time `local_now`. Returns what
    /// the live state reports, so the glue hands `new_calls` to the player.
    pub fn apply(&mut self, update: &Update, local_now: Millis) -> Applied {
        let was_connected = self.live.connection().is_connected();
        let applied = self.live.apply(update);
        match update {
            // The data was current until the link dropped, and is again once it is back.
            Update::State(state) => {
                if was_connected || state.is_connected() {
                    self.last_current = Some(local_now);
                }
            }
            Update::Snapshot { .. } | Update::Events { .. } => {
                self.last_current = Some(local_now);
            }
        }
        // Only a call heard live is highlighted: calls a reconnect's snapshot brings back that
        // are older than the speaking limit are shown, not flashed (like R16 for the voice).
        let server_now = self.live.server_now(local_now);
        if let Some(newest) = applied.new_calls.iter().max_by_key(|c| c.call_id)
            && should_speak(newest.at, server_now)
        {
            self.highlight = Some((newest.call_id, local_now));
        }
        let mut live_calls: Vec<&Call> = applied
            .new_calls
            .iter()
            .filter(|c| should_speak(c.at, server_now))
            .collect();
        live_calls.sort_by_key(|c| c.call_id);
        for call in live_calls {
            self.window_highlights
                .insert(call.window, (call.number.clone(), local_now));
        }
        self.follow_pad(&applied, local_now);
        applied
    }

    /// Keeps the rating pad in step with the screen and hands it the invites and ratings pushed.
    fn follow_pad(&mut self, applied: &Applied, local_now: Millis) {
        let Some(Screen::RatingPad(window)) = self.screen() else {
            self.pad = None;
            return;
        };
        let pad = match &mut self.pad {
            Some(pad) if pad.window == window => pad,
            _ => self.pad.insert(Pad::new(window)),
        };
        for invite in &applied.rating_invites {
            pad.invited(invite, local_now);
        }
        for rating in &applied.ratings {
            pad.rated(rating);
        }
    }

    /// The rating pad, when this display is one.
    pub fn pad(&self) -> Option<&Pad> {
        self.pad.as_ref()
    }

    /// The link is up: a rating can be sent.
    pub fn online(&self) -> bool {
        self.live.connection().is_connected()
    }

    /// A touch on the rating pad at `local_now`; `new_id` makes a request id for a new rating.
    pub fn pad_intent(
        &mut self,
        intent: PadIntent,
        local_now: Millis,
        new_id: impl FnOnce() -> String,
    ) -> Option<PadCommand> {
        if intent == PadIntent::Language {
            self.lang = self.lang.other();
        }
        let online = self.online();
        self.pad.as_mut()?.intent(intent, local_now, online, new_id)
    }

    /// What `GET /rating-pad` answered after a (re)connect: the hall's idle time and the invite
    /// still on offer.
    pub fn pad_state(&mut self, state: RatingPadState, local_now: Millis) {
        let Some(pad) = self.pad.as_mut().filter(|p| p.window == state.window) else {
            return;
        };
        pad.set_idle_seconds(state.idle_seconds);
        if let Some(invite) = state.invite {
            pad.invited(&invite, local_now);
            self.live.set_rating_invite(invite);
        }
    }

    /// The answer to the rating the pad sent.
    pub fn pad_answered(&mut self, answer: Result<Rating, ClientError>, local_now: Millis) {
        let lang = self.lang;
        if let Some(pad) = self.pad.as_mut() {
            pad.answered(answer, local_now, lang);
        }
    }

    /// What the clock alone changes on the rating pad (idle return, the thanks' end).
    pub fn tick(&mut self, local_now: Millis) {
        if let Some(pad) = self.pad.as_mut() {
            pad.tick(local_now);
        }
    }

    /// The server time of the latest message: what the player's 60 s rule compares with.
    pub fn server_time(&self) -> Option<Millis> {
        self.live.snapshot().map(|s| s.at)
    }

    /// The screen to show: the override, else the device's config, else none yet.
    pub fn screen(&self) -> Option<Screen> {
        self.screen_override
            .or_else(|| self.live.display().map(|d| Screen::from(d.mode)))
    }

    /// The link mark.
    pub fn link(&self, time_zone: &str) -> LinkMark {
        match self.live.connection() {
            ConnectionState::Connected { .. } => LinkMark::Live,
            ConnectionState::Refused { .. } => LinkMark::Refused,
            ConnectionState::Connecting { .. } if self.last_current.is_none() => {
                LinkMark::Connecting
            }
            ConnectionState::Connecting { .. } | ConnectionState::Reconnecting { .. } => {
                LinkMark::Lost {
                    last_update: self
                        .last_current
                        .map(|at| hall_time(at + self.clock_offset(at), time_zone).1),
                }
            }
        }
    }

    /// Server minus local clock, as the live state estimates it.
    fn clock_offset(&self, local: Millis) -> Millis {
        self.live.server_now(local) - local
    }

    /// The hall's time zone (the default before the first snapshot).
    pub fn time_zone(&self) -> &str {
        self.live
            .hall()
            .map_or(DEFAULT_TIME_ZONE, |h| h.time_zone.as_str())
    }

    /// Whether the highlight is still running at `local_now` (the glue repaints until it ends).
    pub fn highlight_running(&self, local_now: Millis) -> bool {
        self.highlight_phase(local_now).is_some()
    }

    /// Milliseconds until the highlight of the screen shown changes its look next, if it is
    /// running: the glue repaints then, and not otherwise.
    pub fn highlight_next_change(&self, local_now: Millis) -> Option<Millis> {
        let next = |since: Millis| {
            let age = local_now - since;
            (0..HIGHLIGHT_MS)
                .contains(&age)
                .then(|| BLINK_MS - age % BLINK_MS)
        };
        match self.screen() {
            Some(Screen::Window(n)) => next(self.window_highlights.get(&n)?.1),
            // Every window's cell blinks on its own.
            _ if self.layout() == BoardLayout::Windows => self
                .window_highlights
                .values()
                .filter_map(|(_, at)| next(*at))
                .min(),
            _ => next(self.highlight?.1),
        }
    }

    /// `Some(on)` while the board's highlight runs.
    fn highlight_phase(&self, local_now: Millis) -> Option<bool> {
        let (call_id, since) = self.highlight?;
        let latest = self.live.recent_calls().first()?;
        if latest.call_id != call_id {
            return None;
        }
        blink(since, local_now)
    }

    /// `Some(on)` while window `number`'s highlight runs: its latest live call is still the
    /// ticket it shows.
    fn window_highlight_phase(
        &self,
        number: WindowNo,
        current: Option<&str>,
        local_now: Millis,
    ) -> Option<bool> {
        let (called, since) = self.window_highlights.get(&number)?;
        if current != Some(called.as_str()) {
            return None;
        }
        blink(*since, local_now)
    }

    /// The hall board at local time `local_now`.
    pub fn board(&self, local_now: Millis) -> Board {
        let tz = self.time_zone();
        let (date, time) = hall_time(self.live.server_now(local_now), tz);
        let date = format!(
            "{date} {}",
            weekday(self.live.server_now(local_now), tz, self.lang)
        );
        let calls = self.live.recent_calls();
        let latest = calls.first().map(CallLine::from);
        let mut shown: Vec<i64> = Vec::new();
        let mut recent = Vec::new();
        for call in calls {
            if recent.len() == RECENT_ON_BOARD {
                break;
            }
            if shown.contains(&call.ticket_id) {
                continue;
            }
            shown.push(call.ticket_id);
            recent.push(CallLine::from(call));
        }
        let waiting = self
            .live
            .services()
            .iter()
            .filter(|s| s.enabled)
            .map(|s| {
                let name = match self.lang {
                    Lang::Zh => s.name_zh.clone(),
                    Lang::En => s.name_en.clone(),
                };
                let n = self.live.availability_of(&s.id).map_or(0, |a| a.waiting);
                (name, n)
            })
            .collect();
        let windows = self
            .live
            .windows()
            .iter()
            .filter(|w| w.status != WindowStatus::Closed)
            .map(|w| {
                let current = w.current.as_ref().map(|c| c.number.clone());
                let highlight_on =
                    self.window_highlight_phase(w.number, current.as_deref(), local_now)
                        == Some(true);
                WindowCell {
                    number: w.number,
                    current,
                    paused: w.status == WindowStatus::Paused,
                    highlight_on,
                }
            })
            .collect();
        let speaking = self
            .voice
            .speaking
            .and_then(|id| calls.iter().find(|c| c.call_id == id).map(CallLine::from));
        Board {
            hall_name: self.hall_name(),
            date,
            time,
            latest,
            highlight_on: self.highlight_phase(local_now) == Some(true),
            recent,
            waiting,
            notices: self
                .live
                .notices()
                .iter()
                .filter(|n| !n.trim().is_empty())
                .cloned()
                .collect(),
            layout: self.layout(),
            windows,
            speaking,
        }
    }

    /// The hall's name in the screen language ("" before the first snapshot).
    pub fn hall_name(&self) -> String {
        self.live
            .hall()
            .map_or_else(String::new, |h| match self.lang {
                Lang::Zh => h.name_zh.clone(),
                Lang::En => h.name_en.clone(),
            })
    }

    /// The window screen of window `number` at local time `local_now`.
    pub fn window_screen(&self, number: WindowNo, local_now: Millis) -> WindowScreen {
        let time = hall_time(self.live.server_now(local_now), self.time_zone()).1;
        let Some(window) = self.live.window(number) else {
            return WindowScreen {
                number,
                name: String::new(),
                screen_text: String::new(),
                state: WindowState::Unknown,
                calling: false,
                highlight_on: false,
                staff: None,
                time,
            };
        };
        let state = match window.status {
            WindowStatus::Closed => WindowState::Closed,
            WindowStatus::Paused => WindowState::Paused {
                reason: window.pause_reason,
            },
            WindowStatus::Open => WindowState::Open {
                current: window.current.as_ref().map(|c| c.number.clone()),
            },
        };
        let current = match &state {
            WindowState::Open { current } => current.as_deref(),
            _ => None,
        };
        let highlight_on = self.window_highlight_phase(number, current, local_now) == Some(true);
        let calling = current.is_some()
            && window
                .current
                .as_ref()
                .is_some_and(|c| c.state == TicketState::Called);
        WindowScreen {
            number,
            name: window.name.clone(),
            screen_text: window.screen_text.clone(),
            calling,
            highlight_on,
            staff: match state {
                WindowState::Closed => None,
                _ => window.staff.clone(),
            },
            state,
            time,
        }
    }
}

/// `Some(on)` while a highlight that started at `since` runs at `local_now`: on and off every
/// [`BLINK_MS`] for [`HIGHLIGHT_MS`].
fn blink(since: Millis, local_now: Millis) -> Option<bool> {
    let age = local_now - since;
    (0..HIGHLIGHT_MS)
        .contains(&age)
        .then_some((age / BLINK_MS) % 2 == 0)
}

/// (`YYYY年M月D日` or `YYYY-MM-DD`, `HH:MM`) of a server instant in the hall's time zone. An
/// unknown zone falls back to UTC rather than failing a screen.
pub fn hall_time(at: Millis, time_zone: &str) -> (String, String) {
    let Some(zoned) = zoned(at, time_zone) else {
        return (String::new(), String::new());
    };
    (
        format!("{}年{}月{}日", zoned.year(), zoned.month(), zoned.day()),
        format!("{:02}:{:02}", zoned.hour(), zoned.minute()),
    )
}

/// The weekday of a server instant in the hall's time zone, in `lang`.
pub fn weekday(at: Millis, time_zone: &str, lang: Lang) -> &'static str {
    let Some(zoned) = zoned(at, time_zone) else {
        return "";
    };
    let days = u8::try_from(zoned.weekday().to_monday_zero_offset()).unwrap_or(0);
    qcall_client::i18n::weekday_text(days).get(lang)
}

/// Milliseconds from `at` (server time) to the next minute boundary: when the clock changes.
pub fn until_next_minute(at: Millis) -> Millis {
    60_000 - at.rem_euclid(60_000)
}

fn zoned(at: Millis, time_zone: &str) -> Option<jiff::Zoned> {
    let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let ts = jiff::Timestamp::from_millisecond(at).ok()?;
    Some(ts.to_zoned(tz))
}

/// The text of a window's pause line: `暂停原因：休息`.
pub fn pause_line(reason: Option<PauseReason>, lang: Lang) -> Option<String> {
    let reason = reason?;
    let sep = match lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    };
    Some(format!(
        "{}{sep}{}",
        Text::PauseReasonLabel.get(lang),
        qcall_client::i18n::pause_text(reason).get(lang)
    ))
}

#[cfg(test)]
mod tests;

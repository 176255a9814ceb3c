//! The hall configuration: one TOML file, validated at start with errors that name the file, the line
//! and the fix. The built-in demo hall is `demo-hall.toml`, which also documents every key.

use qcall_protocol::{BoardLayout, DisplayMode, Role, Service, ServiceGroup, StaffCard, WindowNo};
use serde::Deserialize;

use crate::calendar::{self, Calendar};
use raw::{Locator, RawConfig};

mod notify;
pub(crate) use notify::NotifyCfg;
mod raw;
mod validate;

/// The demo hall's source, also the commented reference of every key.
pub const DEMO_HALL: &str = include_str!("../../demo-hall.toml");

/// A config that cannot be used, with where and how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}\n  fix: {fix}")]
pub struct ConfigError {
    /// The file (or `<built-in demo hall>`).
    pub file: String,
    /// 1-based line of the offending value; 0 when the file as a whole is wrong.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// A validated hall configuration: everything the queue core and the API need.
#[derive(Debug, Clone)]
pub struct HallConfig {
    pub(crate) name_zh: String,
    pub(crate) name_en: String,
    pub(crate) calendar: Calendar,
    pub(crate) rules: Rules,
    pub(crate) limits: Limits,
    pub(crate) privacy: Privacy,
    pub(crate) backup: BackupCfg,
    pub(crate) groups: Vec<ServiceGroup>,
    pub(crate) services: Vec<ServiceCfg>,
    pub(crate) windows: Vec<WindowCfg>,
    pub(crate) staff: Vec<StaffCfg>,
    pub(crate) devices: Vec<DeviceCfg>,
    pub(crate) announce: AnnounceCfg,
    pub(crate) notices: Vec<String>,
    /// 好差评: how long a leg can be rated, the rating pads' idle time and rate limit (R21).
    pub(crate) ratings: RatingsCfg,
    /// 差评整改: the deadlines of a case's steps and of the whole case, in working days (R22).
    pub(crate) cases: CasesCfg,
    /// Appointment rules (R25, R26).
    pub(crate) booking: BookingCfg,
    /// Near-turn notices through the hall's webhook (R32).
    pub(crate) notify: NotifyCfg,
    /// True for the built-in demo hall: its secrets are public and printed in the log.
    pub(crate) is_demo: bool,
}

/// Queue rules that a hall may tune (R9, R11, R8).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rules {
    #[serde(default = "default_requeue_limit")]
    pub(crate) requeue_limit_minutes: u32,
    #[serde(default = "default_requeue_behind")]
    pub(crate) requeue_behind: u32,
    #[serde(default = "default_priority_ratio")]
    pub(crate) priority_ratio: u32,
    #[serde(default = "default_estimate_min_served")]
    pub(crate) estimate_min_served: u32,
    /// A call also starts service: the leg's `started_at` is the call (no separate 开始办理).
    #[serde(default)]
    pub(crate) start_on_call: bool,
    /// The manager's console warns about a window paused longer than this (R24).
    #[serde(default = "default_warn_pause")]
    pub(crate) warn_pause_minutes: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            requeue_limit_minutes: default_requeue_limit(),
            requeue_behind: default_requeue_behind(),
            priority_ratio: default_priority_ratio(),
            estimate_min_served: default_estimate_min_served(),
            start_on_call: false,
            warn_pause_minutes: default_warn_pause(),
        }
    }
}

fn default_requeue_limit() -> u32 {
    30
}
fn default_requeue_behind() -> u32 {
    3
}
fn default_priority_ratio() -> u32 {
    3
}
fn default_estimate_min_served() -> u32 {
    5
}
fn default_warn_pause() -> u32 {
    30
}

/// How long personal data is kept (R29).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Privacy {
    /// Citizen id hashes, masked phones and free texts of tickets older than this many days are
    /// removed at each day's rollover; the anonymous facts stay for reports.
    #[serde(default = "default_retention_days")]
    pub(crate) retention_days: u32,
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy {
            retention_days: default_retention_days(),
        }
    }
}

fn default_retention_days() -> u32 {
    180
}

/// The server's own daily backups (issue 16).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackupCfg {
    /// A folder (relative to the data folder, or absolute) for one consistent copy a day, made at
    /// the day's rollover; none when empty.
    #[serde(default)]
    pub(crate) folder: String,
    /// How many daily copies are kept (the oldest go).
    #[serde(default = "default_backup_keep")]
    pub(crate) keep: u32,
}

fn default_backup_keep() -> u32 {
    7
}

/// Protective limits of the API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Limits {
    #[serde(default = "default_issue_per_minute")]
    pub(crate) issue_per_minute: u32,
    #[serde(default = "default_issue_burst")]
    pub(crate) issue_burst: u32,
    #[serde(default = "default_max_body")]
    pub(crate) max_body_bytes: usize,
    #[serde(default = "default_session_hours")]
    pub(crate) session_hours: u32,
    /// Wrong passwords (or PINs) for one staff number that lock it; 0 never locks.
    #[serde(default = "default_login_failures")]
    pub(crate) login_failures: u32,
    /// Wrong passwords or PINs from one client address that lock the address; 0 never locks.
    #[serde(default = "default_address_failures")]
    pub(crate) address_failures: u32,
    /// How long a lock lasts, and how long a failure is remembered.
    #[serde(default = "default_lockout_minutes")]
    pub(crate) lockout_minutes: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            issue_per_minute: default_issue_per_minute(),
            issue_burst: default_issue_burst(),
            max_body_bytes: default_max_body(),
            session_hours: default_session_hours(),
            login_failures: default_login_failures(),
            address_failures: default_address_failures(),
            lockout_minutes: default_lockout_minutes(),
        }
    }
}

fn default_issue_per_minute() -> u32 {
    60
}
fn default_issue_burst() -> u32 {
    10
}
fn default_max_body() -> usize {
    16 * 1024
}
fn default_session_hours() -> u32 {
    12
}
fn default_login_failures() -> u32 {
    5
}
fn default_address_failures() -> u32 {
    20
}
fn default_lockout_minutes() -> u32 {
    15
}

/// Ratings (好差评, R21): `[ratings]` in the hall file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RatingsCfg {
    /// 评价时效: a leg can be rated this many hours after it ended.
    #[serde(default = "default_valid_hours")]
    pub(crate) valid_hours: u32,
    /// A rating pad returns to idle after this many seconds without a touch.
    #[serde(default = "default_pad_idle_seconds")]
    pub(crate) pad_idle_seconds: u32,
    /// Ratings one pad may send per minute (a refill rate) and in a burst; 0 turns the limit off.
    #[serde(default = "default_pad_per_minute")]
    pub(crate) pad_per_minute: u32,
    #[serde(default = "default_pad_burst")]
    pub(crate) pad_burst: u32,
}

impl Default for RatingsCfg {
    fn default() -> Self {
        RatingsCfg {
            valid_hours: default_valid_hours(),
            pad_idle_seconds: default_pad_idle_seconds(),
            pad_per_minute: default_pad_per_minute(),
            pad_burst: default_pad_burst(),
        }
    }
}

fn default_valid_hours() -> u32 {
    24
}
fn default_pad_idle_seconds() -> u32 {
    30
}
fn default_pad_per_minute() -> u32 {
    6
}
fn default_pad_burst() -> u32 {
    3
}

/// Bad-rating cases (差评整改, R22): `[cases]` in the hall file. Every deadline is in working days
/// of the hall's calendar and ends at the closing time of its last day.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CasesCfg {
    /// The whole case, from the rating.
    #[serde(default = "default_case_days")]
    pub(crate) working_days: u32,
    /// 核实, from the rating.
    #[serde(default = "default_verify_days")]
    pub(crate) verify_working_days: u32,
    /// 整改, from the 核实.
    #[serde(default = "default_rectify_days")]
    pub(crate) rectify_working_days: u32,
    /// 反馈, from the 整改.
    #[serde(default = "default_answer_days")]
    pub(crate) answer_working_days: u32,
    /// 回访, from the 反馈.
    #[serde(default = "default_follow_up_days")]
    pub(crate) follow_up_working_days: u32,
    /// A case (or its step) is due soon in its last this many working days; 0: never warned.
    #[serde(default = "default_due_soon_days")]
    pub(crate) due_soon_working_days: u32,
    /// The staff member concerned may appeal a 差评 within this many working days of it.
    #[serde(default = "default_appeal_days")]
    pub(crate) appeal_working_days: u32,
}

impl Default for CasesCfg {
    fn default() -> Self {
        CasesCfg {
            working_days: default_case_days(),
            verify_working_days: default_verify_days(),
            rectify_working_days: default_rectify_days(),
            answer_working_days: default_answer_days(),
            follow_up_working_days: default_follow_up_days(),
            due_soon_working_days: default_due_soon_days(),
            appeal_working_days: default_appeal_days(),
        }
    }
}

impl CasesCfg {
    /// The working days a step has, from the end of the step before it (the rating for 核实).
    pub(crate) fn step_days(&self, step: qcall_protocol::CaseStep) -> u32 {
        use qcall_protocol::CaseStep::*;
        match step {
            Verify => self.verify_working_days,
            Rectify => self.rectify_working_days,
            Answer => self.answer_working_days,
            FollowUp => self.follow_up_working_days,
        }
    }
}

fn default_case_days() -> u32 {
    15
}
fn default_verify_days() -> u32 {
    2
}
fn default_rectify_days() -> u32 {
    5
}
fn default_answer_days() -> u32 {
    3
}
fn default_follow_up_days() -> u32 {
    5
}
fn default_due_soon_days() -> u32 {
    1
}
fn default_appeal_days() -> u32 {
    5
}

/// A time-slot quota (分时段限号).
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub(crate) range: calendar::Range,
    pub(crate) quota: u32,
}

/// A service with what the core needs beyond its wire form.
#[derive(Debug, Clone)]
pub(crate) struct ServiceCfg {
    pub(crate) info: Service,
    pub(crate) slots: Vec<Slot>,
    /// Appointment slots, when the service takes bookings (R25).
    pub(crate) booking: Option<ServiceBooking>,
}

/// The hall's appointment rules (`[booking]`, R25, R26).
#[derive(Debug, Clone)]
pub(crate) struct BookingCfg {
    /// Dates from today to today + `days_ahead` may be booked.
    pub(crate) days_ahead: u32,
    /// The citizen may cancel until this many minutes before the slot starts.
    pub(crate) cancel_before_minutes: u32,
    /// Check-in opens this many minutes before the slot starts…
    pub(crate) check_in_early_minutes: u32,
    /// …and gives an appointment ticket until this many minutes after it ends.
    pub(crate) check_in_late_minutes: u32,
    /// Dates open for appointments only (no walk-in tickets), with their hours.
    pub(crate) appointment_only: std::collections::HashMap<jiff::civil::Date, Vec<calendar::Range>>,
}

/// A service's appointment slots: its hours cut into `slot_minutes` pieces, `quota` bookings each.
#[derive(Debug, Clone)]
pub(crate) struct ServiceBooking {
    pub(crate) slot_minutes: u32,
    pub(crate) quota: u32,
    /// Limits the slots to these hours of each date; empty: all the hall's hours.
    pub(crate) hours: Vec<calendar::Range>,
}

/// A window as configured; its services may change live.
#[derive(Debug, Clone)]
pub(crate) struct WindowCfg {
    pub(crate) number: WindowNo,
    pub(crate) name: String,
    pub(crate) screen_text: String,
    pub(crate) primary: Vec<String>,
    pub(crate) secondary: Vec<String>,
    /// When the window is planned to be staffed and to pause, every open day (R8 forecasts with it).
    pub(crate) plan: WindowPlan,
}

/// A window's standing plan (值班安排): local times of each open day, minutes after midnight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WindowPlan {
    /// When staff sign in; empty: not planned (the forecast counts the window once signed in).
    pub(crate) hours: Vec<crate::calendar::Range>,
    /// Planned pauses, e.g. lunch taken in turns: the forecast calls nobody there in them.
    pub(crate) breaks: Vec<crate::calendar::Range>,
}

/// A staff account.
#[derive(Debug, Clone)]
pub(crate) struct StaffCfg {
    pub(crate) staff_no: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) password_hash: String,
    pub(crate) pin_hash: Option<String>,
    pub(crate) badges: Vec<String>,
    /// A PNG or JPEG file, relative to the server's data folder.
    pub(crate) photo: Option<String>,
    pub(crate) windows: Vec<WindowNo>,
    /// Disabled in the config: cannot sign in, and every token of theirs is refused.
    pub(crate) disabled: bool,
}

impl StaffCfg {
    /// What window screens show of this person (亮身份, R19); the photo as the route that serves it.
    pub(crate) fn card(&self) -> StaffCard {
        StaffCard {
            staff_no: self.staff_no.clone(),
            name: self.name.clone(),
            badges: self.badges.clone(),
            photo: self
                .photo
                .as_ref()
                .map(|_| format!("/api/v1/staff/{}/photo", self.staff_no)),
        }
    }
}

/// What a device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceKind {
    Kiosk,
    Display(DisplayMode),
}

/// A kiosk or display.
#[derive(Debug, Clone)]
pub(crate) struct DeviceCfg {
    pub(crate) name: String,
    pub(crate) kind: DeviceKind,
    pub(crate) key: String,
    pub(crate) audio: bool,
    /// A hall board's layout.
    pub(crate) layout: BoardLayout,
}

/// Announcement settings sent to displays.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnnounceCfg {
    // Spanned: a template the voice pack cannot speak is refused with its line.
    #[serde(default = "default_template_zh")]
    pub(crate) template_zh: toml::Spanned<String>,
    #[serde(default = "default_template_en")]
    pub(crate) template_en: toml::Spanned<String>,
    #[serde(default = "default_languages")]
    pub(crate) languages: Vec<String>,
    #[serde(default = "default_repeat")]
    pub(crate) repeat: toml::Spanned<u32>,
    #[serde(default = "default_true")]
    pub(crate) chime: bool,
    #[serde(default = "default_volume")]
    pub(crate) volume: f32,
    #[serde(default)]
    pub(crate) quiet_hours: Vec<String>,
}

impl Default for AnnounceCfg {
    fn default() -> Self {
        AnnounceCfg {
            template_zh: default_template_zh(),
            template_en: default_template_en(),
            languages: default_languages(),
            repeat: default_repeat(),
            chime: true,
            volume: default_volume(),
            quiet_hours: Vec::new(),
        }
    }
}

fn default_template_zh() -> toml::Spanned<String> {
    toml::Spanned::new(0..0, "请{number}号到{window}号窗口办理".into())
}
fn default_template_en() -> toml::Spanned<String> {
    toml::Spanned::new(0..0, "Number {number}, please go to window {window}".into())
}
fn default_languages() -> Vec<String> {
    vec!["zh".into()]
}
fn default_repeat() -> toml::Spanned<u32> {
    toml::Spanned::new(0..0, 2)
}
fn default_true() -> bool {
    true
}
fn default_volume() -> f32 {
    0.8
}

impl HallConfig {
    /// Every minute of the day at which some service's time-slot quota starts or ends, for the
    /// engine's clock edges.
    pub(crate) fn slot_edges(&self) -> Vec<u32> {
        let mut edges: Vec<u32> = self
            .services
            .iter()
            .flat_map(|s| s.slots.iter().flat_map(|sl| [sl.range.0, sl.range.1]))
            .collect();
        edges.sort_unstable();
        edges.dedup();
        edges
    }

    /// The built-in demo hall.
    pub fn demo() -> HallConfig {
        let mut config = HallConfig::parse(DEMO_HALL, "<built-in demo hall>")
            .expect("the built-in demo hall is valid (tested)");
        config.is_demo = true;
        config
    }

    /// Reads and validates a config file.
    pub fn load(path: &std::path::Path) -> Result<HallConfig, ConfigError> {
        let file = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|err| ConfigError {
            file: file.clone(),
            line: 0,
            message: format!("cannot read the file: {err}"),
            fix: "check the path given to --config and the file's permissions".into(),
        })?;
        HallConfig::parse(&src, &file)
    }

    /// Parses and validates config text; `file` names it in errors.
    pub fn parse(src: &str, file: &str) -> Result<HallConfig, ConfigError> {
        let loc = Locator { file, src };
        let raw: RawConfig = toml::from_str(src).map_err(|err| {
            let span = err.span().unwrap_or(0..0);
            loc.err(
                if span.end == 0 { 0..1 } else { span },
                err.message().to_string(),
                "see demo-hall.toml in the server's source for every key with a comment",
            )
        })?;
        validate::validate(raw, &loc)
    }

    /// Whether this is the built-in demo hall (public secrets).
    pub fn is_demo(&self) -> bool {
        self.is_demo
    }

    /// Tickets from a service.
    /// The window numbered `number`.
    pub(crate) fn window(&self, number: WindowNo) -> Option<&WindowCfg> {
        self.windows.iter().find(|w| w.number == number)
    }

    pub(crate) fn service(&self, id: &str) -> Option<&ServiceCfg> {
        self.services.iter().find(|s| s.info.id == id)
    }

    /// A staff account.
    pub(crate) fn staff(&self, staff_no: &str) -> Option<&StaffCfg> {
        self.staff.iter().find(|s| s.staff_no == staff_no)
    }
}

#[cfg(test)]
impl HallConfig {
    /// The same hall with some rules changed, for tests.
    pub(crate) fn with_rules(mut self, f: impl FnOnce(&mut Rules)) -> HallConfig {
        f(&mut self.rules);
        self
    }

    /// The same hall sending notices (R32) with these settings, for tests.
    pub(crate) fn with_notify(mut self, f: impl FnOnce(&mut NotifyCfg)) -> HallConfig {
        self.notify = NotifyCfg {
            enabled: true,
            url: "http://127.0.0.1:9/notices".into(),
            secret: "test-secret-0123456789".into(),
            ..NotifyCfg::default()
        };
        f(&mut self.notify);
        self
    }
}

#[cfg(test)]
mod tests;

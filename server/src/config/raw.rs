//! The file as written: TOML shapes for serde. Identifying fields are `Spanned` so that errors can name
//! their line; nothing here is checked yet (that is [`super::validate`]).

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use qcall_protocol::{Role, WindowNo};

use super::{AnnounceCfg, CasesCfg, ConfigError, Limits, RatingsCfg, Rules, default_true};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) hall: RawHall,
    #[serde(default)]
    pub(super) rules: Rules,
    #[serde(default)]
    pub(super) limits: Limits,
    #[serde(default)]
    pub(super) privacy: super::Privacy,
    #[serde(default)]
    pub(super) backup: super::BackupCfg,
    #[serde(default)]
    pub(super) groups: Vec<RawGroup>,
    #[serde(default)]
    pub(super) services: Vec<RawService>,
    #[serde(default)]
    pub(super) windows: Vec<RawWindow>,
    #[serde(default)]
    pub(super) staff: Vec<RawStaff>,
    #[serde(default)]
    pub(super) devices: Vec<RawDevice>,
    #[serde(default)]
    pub(super) announce: AnnounceCfg,
    #[serde(default)]
    pub(super) notices: RawNotices,
    #[serde(default)]
    pub(super) ratings: RatingsCfg,
    #[serde(default)]
    pub(super) cases: CasesCfg,
    #[serde(default)]
    pub(super) booking: RawBooking,
    #[serde(default)]
    pub(super) notify: super::notify::RawNotify,
}

/// `[booking]`: the hall's appointment rules (R25, R26).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBooking {
    #[serde(default = "default_days_ahead")]
    pub(super) days_ahead: Spanned<u32>,
    #[serde(default = "default_cancel_before")]
    pub(super) cancel_before_minutes: u32,
    #[serde(default = "default_check_in_early")]
    pub(super) check_in_early_minutes: u32,
    #[serde(default = "default_check_in_late")]
    pub(super) check_in_late_minutes: u32,
    /// Dates open for appointments only (节假日预约服务), with their hours.
    #[serde(default)]
    pub(super) appointment_only: Vec<RawExtraOpen>,
}

impl Default for RawBooking {
    fn default() -> Self {
        RawBooking {
            days_ahead: default_days_ahead(),
            cancel_before_minutes: default_cancel_before(),
            check_in_early_minutes: default_check_in_early(),
            check_in_late_minutes: default_check_in_late(),
            appointment_only: Vec::new(),
        }
    }
}

fn default_days_ahead() -> Spanned<u32> {
    Spanned::new(0..0, 7)
}
fn default_cancel_before() -> u32 {
    60
}
fn default_check_in_early() -> u32 {
    30
}
fn default_check_in_late() -> u32 {
    15
}

/// `[services.booking]`: a service's appointment slots.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServiceBooking {
    pub(super) slot_minutes: Spanned<u32>,
    pub(super) quota: Spanned<u32>,
    /// Within the hall's hours of each date; all of them when empty.
    #[serde(default)]
    pub(super) hours: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHall {
    pub(super) name_zh: String,
    pub(super) name_en: String,
    #[serde(default = "default_tz")]
    pub(super) time_zone: Spanned<String>,
    #[serde(default = "default_boundary")]
    pub(super) day_boundary: Spanned<String>,
    #[serde(default = "default_cutoff")]
    pub(super) cutoff_minutes: u32,
    #[serde(default)]
    pub(super) closed_dates: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) hours: RawHours,
    #[serde(default)]
    pub(super) extra_open: Vec<RawExtraOpen>,
}

pub(super) fn default_tz() -> Spanned<String> {
    Spanned::new(0..0, "Asia/Shanghai".into())
}
pub(super) fn default_boundary() -> Spanned<String> {
    Spanned::new(0..0, "04:00".into())
}
pub(super) fn default_cutoff() -> u32 {
    30
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHours {
    #[serde(default)]
    pub(super) mon: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) tue: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) wed: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) thu: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) fri: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) sat: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) sun: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExtraOpen {
    pub(super) date: Spanned<String>,
    pub(super) hours: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGroup {
    pub(super) id: Spanned<String>,
    pub(super) name_zh: String,
    pub(super) name_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawService {
    pub(super) id: Spanned<String>,
    pub(super) name_zh: String,
    pub(super) name_en: String,
    pub(super) group: Spanned<String>,
    pub(super) prefix: Spanned<String>,
    pub(super) expected_minutes: Spanned<u32>,
    #[serde(default)]
    pub(super) daily_cap: Option<u32>,
    #[serde(default)]
    pub(super) warn_waiting_count: Option<u32>,
    #[serde(default)]
    pub(super) warn_waiting_minutes: Option<u32>,
    #[serde(default)]
    pub(super) materials: Vec<String>,
    #[serde(default)]
    pub(super) ask_citizen_id: bool,
    #[serde(default)]
    pub(super) ask_phone: bool,
    #[serde(default = "default_true")]
    pub(super) enabled: bool,
    #[serde(default)]
    pub(super) slots: Vec<RawSlot>,
    #[serde(default)]
    pub(super) booking: Option<RawServiceBooking>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSlot {
    pub(super) from: Spanned<String>,
    pub(super) to: Spanned<String>,
    pub(super) quota: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWindow {
    pub(super) number: Spanned<WindowNo>,
    pub(super) name: String,
    #[serde(default)]
    pub(super) screen_text: String,
    #[serde(default)]
    pub(super) primary: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) secondary: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) hours: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) breaks: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStaff {
    pub(super) staff_no: Spanned<String>,
    pub(super) name: String,
    pub(super) role: Role,
    pub(super) password_hash: Spanned<String>,
    #[serde(default)]
    pub(super) pin_hash: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) badges: Vec<String>,
    #[serde(default)]
    pub(super) photo: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) windows: Vec<Spanned<WindowNo>>,
    #[serde(default)]
    pub(super) disabled: bool,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(super) enum RawDeviceKind {
    Kiosk,
    Display,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(super) enum RawDisplayMode {
    HallBoard,
    WindowScreen,
    RatingPad,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDevice {
    pub(super) name: Spanned<String>,
    pub(super) kind: RawDeviceKind,
    pub(super) key: Spanned<String>,
    #[serde(default)]
    pub(super) mode: Option<Spanned<RawDisplayMode>>,
    #[serde(default)]
    pub(super) window: Option<Spanned<WindowNo>>,
    #[serde(default)]
    pub(super) audio: Option<bool>,
    #[serde(default)]
    pub(super) layout: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotices {
    #[serde(default)]
    pub(super) lines: Vec<String>,
}

/// Turns byte offsets into error messages with line numbers.
pub(super) struct Locator<'a> {
    pub(super) file: &'a str,
    pub(super) src: &'a str,
}

impl Locator<'_> {
    pub(super) fn line(&self, span: &Range<usize>) -> usize {
        if span.end == 0 {
            return 0;
        }
        self.src[..span.start.min(self.src.len())]
            .matches('\n')
            .count()
            + 1
    }

    pub(super) fn err(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: self.file.to_string(),
            line: self.line(&span),
            message: message.into(),
            fix: fix.into(),
        }
    }
}

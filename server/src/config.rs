//! The hall configuration: one TOML file, validated at start with errors that name the file, the line
//! and the fix. The built-in demo hall is `demo-hall.toml`, which also documents every key.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use jiff::{civil::Date, tz::TimeZone};
use qcall_protocol::{DisplayMode, Role, Service, ServiceGroup, WindowNo};
use serde::Deserialize;
use toml::Spanned;

use crate::calendar::{self, Calendar};

/// The demo hall's source, also the commented reference of every key.
pub const DEMO_HALL: &str = include_str!("../demo-hall.toml");

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
    pub(crate) groups: Vec<ServiceGroup>,
    pub(crate) services: Vec<ServiceCfg>,
    pub(crate) windows: Vec<WindowCfg>,
    pub(crate) staff: Vec<StaffCfg>,
    pub(crate) devices: Vec<DeviceCfg>,
    pub(crate) announce: AnnounceCfg,
    pub(crate) notices: Vec<String>,
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
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            requeue_limit_minutes: default_requeue_limit(),
            requeue_behind: default_requeue_behind(),
            priority_ratio: default_priority_ratio(),
            estimate_min_served: default_estimate_min_served(),
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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            issue_per_minute: default_issue_per_minute(),
            issue_burst: default_issue_burst(),
            max_body_bytes: default_max_body(),
            session_hours: default_session_hours(),
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
}

/// A window as configured; its services may change live.
#[derive(Debug, Clone)]
pub(crate) struct WindowCfg {
    pub(crate) number: WindowNo,
    pub(crate) name: String,
    pub(crate) screen_text: String,
    pub(crate) primary: Vec<String>,
    pub(crate) secondary: Vec<String>,
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
    pub(crate) photo: Option<String>,
    pub(crate) windows: Vec<WindowNo>,
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
}

/// Announcement settings sent to displays.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnnounceCfg {
    #[serde(default = "default_template_zh")]
    pub(crate) template_zh: String,
    #[serde(default = "default_template_en")]
    pub(crate) template_en: String,
    #[serde(default = "default_languages")]
    pub(crate) languages: Vec<String>,
    #[serde(default = "default_repeat")]
    pub(crate) repeat: u32,
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

fn default_template_zh() -> String {
    "请{number}号到{window}号窗口办理".into()
}
fn default_template_en() -> String {
    "Number {number}, please go to window {window}".into()
}
fn default_languages() -> Vec<String> {
    vec!["zh".into()]
}
fn default_repeat() -> u32 {
    2
}
fn default_true() -> bool {
    true
}
fn default_volume() -> f32 {
    0.8
}

// The file as written. Identifying fields are `Spanned` so that errors can name their line.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    hall: RawHall,
    #[serde(default)]
    rules: Rules,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    groups: Vec<RawGroup>,
    #[serde(default)]
    services: Vec<RawService>,
    #[serde(default)]
    windows: Vec<RawWindow>,
    #[serde(default)]
    staff: Vec<RawStaff>,
    #[serde(default)]
    devices: Vec<RawDevice>,
    #[serde(default)]
    announce: AnnounceCfg,
    #[serde(default)]
    notices: RawNotices,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHall {
    name_zh: String,
    name_en: String,
    #[serde(default = "default_tz")]
    time_zone: Spanned<String>,
    #[serde(default = "default_boundary")]
    day_boundary: Spanned<String>,
    #[serde(default = "default_cutoff")]
    cutoff_minutes: u32,
    #[serde(default)]
    closed_dates: Vec<Spanned<String>>,
    #[serde(default)]
    hours: RawHours,
    #[serde(default)]
    extra_open: Vec<RawExtraOpen>,
}

fn default_tz() -> Spanned<String> {
    Spanned::new(0..0, "Asia/Shanghai".into())
}
fn default_boundary() -> Spanned<String> {
    Spanned::new(0..0, "04:00".into())
}
fn default_cutoff() -> u32 {
    30
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHours {
    #[serde(default)]
    mon: Vec<Spanned<String>>,
    #[serde(default)]
    tue: Vec<Spanned<String>>,
    #[serde(default)]
    wed: Vec<Spanned<String>>,
    #[serde(default)]
    thu: Vec<Spanned<String>>,
    #[serde(default)]
    fri: Vec<Spanned<String>>,
    #[serde(default)]
    sat: Vec<Spanned<String>>,
    #[serde(default)]
    sun: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtraOpen {
    date: Spanned<String>,
    hours: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    group: Spanned<String>,
    prefix: Spanned<String>,
    expected_minutes: Spanned<u32>,
    #[serde(default)]
    daily_cap: Option<u32>,
    #[serde(default)]
    warn_waiting_count: Option<u32>,
    #[serde(default)]
    warn_waiting_minutes: Option<u32>,
    #[serde(default)]
    materials: Vec<String>,
    #[serde(default)]
    ask_citizen_id: bool,
    #[serde(default)]
    ask_phone: bool,
    #[serde(default = "default_true")]
    enabled: bool,
    #[serde(default)]
    slots: Vec<RawSlot>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlot {
    from: Spanned<String>,
    to: Spanned<String>,
    quota: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    number: Spanned<WindowNo>,
    name: String,
    #[serde(default)]
    screen_text: String,
    #[serde(default)]
    primary: Vec<Spanned<String>>,
    #[serde(default)]
    secondary: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStaff {
    staff_no: Spanned<String>,
    name: String,
    role: Role,
    password_hash: Spanned<String>,
    #[serde(default)]
    pin_hash: Option<Spanned<String>>,
    #[serde(default)]
    badges: Vec<String>,
    #[serde(default)]
    photo: Option<String>,
    #[serde(default)]
    windows: Vec<Spanned<WindowNo>>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawDeviceKind {
    Kiosk,
    Display,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawDisplayMode {
    HallBoard,
    WindowScreen,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDevice {
    name: Spanned<String>,
    kind: RawDeviceKind,
    key: Spanned<String>,
    #[serde(default)]
    mode: Option<Spanned<RawDisplayMode>>,
    #[serde(default)]
    window: Option<Spanned<WindowNo>>,
    #[serde(default)]
    audio: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNotices {
    #[serde(default)]
    lines: Vec<String>,
}

/// Turns byte offsets into error messages with line numbers.
struct Locator<'a> {
    file: &'a str,
    src: &'a str,
}

impl Locator<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        if span.end == 0 {
            return 0;
        }
        self.src[..span.start.min(self.src.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn err(
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

impl HallConfig {
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
        validate(raw, &loc)
    }

    /// Whether this is the built-in demo hall (public secrets).
    pub fn is_demo(&self) -> bool {
        self.is_demo
    }

    /// Tickets from a service.
    pub(crate) fn service(&self, id: &str) -> Option<&ServiceCfg> {
        self.services.iter().find(|s| s.info.id == id)
    }

    /// A staff account.
    pub(crate) fn staff(&self, staff_no: &str) -> Option<&StaffCfg> {
        self.staff.iter().find(|s| s.staff_no == staff_no)
    }
}

fn validate(raw: RawConfig, loc: &Locator<'_>) -> Result<HallConfig, ConfigError> {
    let hall = raw.hall;
    let tz = TimeZone::get(hall.time_zone.get_ref()).map_err(|_| {
        loc.err(
            hall.time_zone.span(),
            format!("unknown time zone {:?}", hall.time_zone.get_ref()),
            "use an IANA name such as \"Asia/Shanghai\"",
        )
    })?;
    let boundary = calendar::parse_hhmm(hall.day_boundary.get_ref())
        .filter(|m| *m < 1440)
        .ok_or_else(|| {
            loc.err(
                hall.day_boundary.span(),
                "day_boundary is not a time",
                "write it as \"HH:MM\", e.g. \"04:00\"",
            )
        })?;
    let ranges = |list: &[Spanned<String>]| -> Result<Vec<calendar::Range>, ConfigError> {
        let mut out = Vec::new();
        for item in list {
            let range = calendar::parse_range(item.get_ref()).ok_or_else(|| {
                loc.err(
                    item.span(),
                    format!("{:?} is not an opening range", item.get_ref()),
                    "write \"HH:MM-HH:MM\" with the start before the end, e.g. \"09:00-12:00\" (24:00 allowed as an end)",
                )
            })?;
            if out
                .iter()
                .any(|&(s, e): &(u32, u32)| range.0 < e && s < range.1)
            {
                return Err(loc.err(
                    item.span(),
                    "opening ranges overlap",
                    "make the ranges of one day disjoint",
                ));
            }
            out.push(range);
        }
        out.sort_unstable();
        Ok(out)
    };
    let h = &hall.hours;
    let weekly = [
        ranges(&h.mon)?,
        ranges(&h.tue)?,
        ranges(&h.wed)?,
        ranges(&h.thu)?,
        ranges(&h.fri)?,
        ranges(&h.sat)?,
        ranges(&h.sun)?,
    ];
    let date = |s: &Spanned<String>| -> Result<Date, ConfigError> {
        s.get_ref().parse::<Date>().map_err(|_| {
            loc.err(
                s.span(),
                format!("{:?} is not a date", s.get_ref()),
                "write dates as \"YYYY-MM-DD\"",
            )
        })
    };
    let mut closed = HashSet::new();
    for d in &hall.closed_dates {
        closed.insert(date(d)?);
    }
    let mut extra_open = HashMap::new();
    for extra in &hall.extra_open {
        extra_open.insert(date(&extra.date)?, ranges(&extra.hours)?);
    }
    let calendar = Calendar {
        tz,
        tz_name: hall.time_zone.get_ref().clone(),
        boundary,
        cutoff: hall.cutoff_minutes,
        weekly,
        closed,
        extra_open,
    };

    // Groups.
    let mut groups = Vec::new();
    for g in &raw.groups {
        check_id(loc, &g.id, "group")?;
        if groups
            .iter()
            .any(|x: &ServiceGroup| x.id == *g.id.get_ref())
        {
            return Err(loc.err(
                g.id.span(),
                format!("group id {:?} is used twice", g.id.get_ref()),
                "give every group its own id",
            ));
        }
        groups.push(ServiceGroup {
            id: g.id.get_ref().clone(),
            name_zh: g.name_zh.clone(),
            name_en: g.name_en.clone(),
        });
    }

    // Services.
    if raw.services.is_empty() {
        return Err(loc.err(
            0..0,
            "the hall has no services",
            "add at least one [[services]] table",
        ));
    }
    let mut services: Vec<ServiceCfg> = Vec::new();
    for s in &raw.services {
        check_id(loc, &s.id, "service")?;
        if services.iter().any(|x| x.info.id == *s.id.get_ref()) {
            return Err(loc.err(
                s.id.span(),
                format!("service id {:?} is used twice", s.id.get_ref()),
                "give every service its own id",
            ));
        }
        if !groups.iter().any(|g| g.id == *s.group.get_ref()) {
            return Err(loc.err(
                s.group.span(),
                format!(
                    "service {:?} names unknown group {:?}",
                    s.id.get_ref(),
                    s.group.get_ref()
                ),
                format!(
                    "use one of the [[groups]] ids: {}",
                    groups
                        .iter()
                        .map(|g| g.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let prefix = s.prefix.get_ref();
        if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_uppercase())
        {
            return Err(loc.err(
                s.prefix.span(),
                format!("prefix {prefix:?} is not 1–2 capital letters"),
                "use e.g. \"A\" or \"AB\"",
            ));
        }
        if let Some(other) = services.iter().find(|x| x.info.prefix == *prefix) {
            return Err(loc.err(
                s.prefix.span(),
                format!(
                    "prefix {prefix:?} is already used by service {:?}",
                    other.info.id
                ),
                "give every service its own prefix: ticket numbers must be unique in the hall",
            ));
        }
        if *s.expected_minutes.get_ref() == 0 {
            return Err(loc.err(
                s.expected_minutes.span(),
                "expected_minutes is 0",
                "set the usual handling time in minutes, at least 1",
            ));
        }
        let mut slots = Vec::new();
        for slot in &s.slots {
            let parse = |t: &Spanned<String>| {
                calendar::parse_hhmm(t.get_ref()).ok_or_else(|| {
                    loc.err(
                        t.span(),
                        format!("{:?} is not a time", t.get_ref()),
                        "write \"HH:MM\"",
                    )
                })
            };
            let (from, to) = (parse(&slot.from)?, parse(&slot.to)?);
            if from >= to {
                return Err(loc.err(
                    slot.from.span(),
                    "slot starts after it ends",
                    "make `from` earlier than `to`",
                ));
            }
            slots.push(Slot {
                range: (from, to),
                quota: slot.quota,
            });
        }
        services.push(ServiceCfg {
            info: Service {
                id: s.id.get_ref().clone(),
                name_zh: s.name_zh.clone(),
                name_en: s.name_en.clone(),
                group_id: s.group.get_ref().clone(),
                prefix: prefix.clone(),
                enabled: s.enabled,
                daily_cap: s.daily_cap,
                expected_minutes: *s.expected_minutes.get_ref(),
                materials: s.materials.clone(),
                ask_citizen_id: s.ask_citizen_id,
                ask_phone: s.ask_phone,
                warn_waiting_count: s.warn_waiting_count,
                warn_waiting_minutes: s.warn_waiting_minutes,
            },
            slots,
        });
    }

    // Windows.
    let mut windows: Vec<WindowCfg> = Vec::new();
    for w in &raw.windows {
        let number = *w.number.get_ref();
        if number == 0 || number > 999 {
            return Err(loc.err(
                w.number.span(),
                format!("window number {number} is out of range"),
                "use 1 – 999",
            ));
        }
        if windows.iter().any(|x| x.number == number) {
            return Err(loc.err(
                w.number.span(),
                format!("window {number} is configured twice"),
                "give every window its own number",
            ));
        }
        let mut seen = HashSet::new();
        for id in w.primary.iter().chain(&w.secondary) {
            if !services.iter().any(|s| s.info.id == *id.get_ref()) {
                return Err(loc.err(
                    id.span(),
                    format!("window {number} serves unknown service {:?}", id.get_ref()),
                    format!(
                        "use one of the [[services]] ids: {}",
                        services
                            .iter()
                            .map(|s| s.info.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if !seen.insert(id.get_ref().clone()) {
                return Err(loc.err(
                    id.span(),
                    format!("window {number} lists service {:?} twice", id.get_ref()),
                    "list each service once, as primary or as secondary",
                ));
            }
        }
        if w.primary.is_empty() {
            return Err(loc.err(
                w.number.span(),
                format!("window {number} has no primary service"),
                "add at least one service id to `primary`",
            ));
        }
        windows.push(WindowCfg {
            number,
            name: w.name.clone(),
            screen_text: w.screen_text.clone(),
            primary: w.primary.iter().map(|s| s.get_ref().clone()).collect(),
            secondary: w.secondary.iter().map(|s| s.get_ref().clone()).collect(),
        });
    }
    if windows.is_empty() {
        return Err(loc.err(
            0..0,
            "the hall has no windows",
            "add at least one [[windows]] table",
        ));
    }
    windows.sort_by_key(|w| w.number);

    // Staff.
    let mut staff: Vec<StaffCfg> = Vec::new();
    for s in &raw.staff {
        check_id(loc, &s.staff_no, "staff number")?;
        if staff.iter().any(|x| x.staff_no == *s.staff_no.get_ref()) {
            return Err(loc.err(
                s.staff_no.span(),
                format!("staff number {:?} is used twice", s.staff_no.get_ref()),
                "give every person their own staff number",
            ));
        }
        let check_hash = |h: &Spanned<String>, what: &str| {
            argon2::PasswordHash::new(h.get_ref()).map(|_| ()).map_err(|_| {
                loc.err(
                    h.span(),
                    format!("{what} of staff {:?} is not an argon2 hash", s.staff_no.get_ref()),
                    "make one with `qcall-server hash-password` and paste the line starting with $argon2id$",
                )
            })
        };
        check_hash(&s.password_hash, "password_hash")?;
        if let Some(pin) = &s.pin_hash {
            check_hash(pin, "pin_hash")?;
        }
        for w in &s.windows {
            if !windows.iter().any(|x| x.number == *w.get_ref()) {
                return Err(loc.err(
                    w.span(),
                    format!(
                        "staff {:?} may use unknown window {}",
                        s.staff_no.get_ref(),
                        w.get_ref()
                    ),
                    "use numbers of configured [[windows]]",
                ));
            }
        }
        staff.push(StaffCfg {
            staff_no: s.staff_no.get_ref().clone(),
            name: s.name.clone(),
            role: s.role,
            password_hash: s.password_hash.get_ref().clone(),
            pin_hash: s.pin_hash.as_ref().map(|p| p.get_ref().clone()),
            badges: s.badges.clone(),
            photo: s.photo.clone().filter(|p| !p.is_empty()),
            windows: s.windows.iter().map(|w| *w.get_ref()).collect(),
        });
    }

    // Devices.
    let mut devices: Vec<DeviceCfg> = Vec::new();
    for d in &raw.devices {
        check_id(loc, &d.name, "device name")?;
        if devices.iter().any(|x| x.name == *d.name.get_ref()) {
            return Err(loc.err(
                d.name.span(),
                format!("device name {:?} is used twice", d.name.get_ref()),
                "give every device its own name",
            ));
        }
        let key = d.key.get_ref();
        if key.chars().count() < 16 || key.chars().any(char::is_whitespace) {
            return Err(loc.err(
                d.key.span(),
                format!(
                    "the key of device {:?} is too short or has spaces",
                    d.name.get_ref()
                ),
                "use at least 16 characters without spaces, e.g. from `openssl rand -hex 16`",
            ));
        }
        if devices.iter().any(|x| x.key == *key) {
            return Err(loc.err(
                d.key.span(),
                format!(
                    "device {:?} shares its key with another device",
                    d.name.get_ref()
                ),
                "give every device its own key",
            ));
        }
        let kind = match d.kind {
            RawDeviceKind::Kiosk => DeviceKind::Kiosk,
            RawDeviceKind::Display => {
                let mode = d.mode.as_ref().ok_or_else(|| {
                    loc.err(
                        d.name.span(),
                        format!("display {:?} has no mode", d.name.get_ref()),
                        "add mode = \"hall_board\" or mode = \"window_screen\" with window = N",
                    )
                })?;
                match mode.get_ref() {
                    RawDisplayMode::HallBoard => DeviceKind::Display(DisplayMode::HallBoard),
                    RawDisplayMode::WindowScreen => {
                        let window = d.window.as_ref().ok_or_else(|| {
                            loc.err(
                                mode.span(),
                                format!("window screen {:?} names no window", d.name.get_ref()),
                                "add window = N",
                            )
                        })?;
                        if !windows.iter().any(|w| w.number == *window.get_ref()) {
                            return Err(loc.err(
                                window.span(),
                                format!(
                                    "display {:?} shows unknown window {}",
                                    d.name.get_ref(),
                                    window.get_ref()
                                ),
                                "use the number of a configured [[windows]]",
                            ));
                        }
                        DeviceKind::Display(DisplayMode::WindowScreen {
                            window: *window.get_ref(),
                        })
                    }
                }
            }
        };
        let audio = d
            .audio
            .unwrap_or(matches!(kind, DeviceKind::Display(DisplayMode::HallBoard)));
        devices.push(DeviceCfg {
            name: d.name.get_ref().clone(),
            kind,
            key: key.clone(),
            audio,
        });
    }

    let announce = raw.announce;
    if !(0.0..=1.0).contains(&announce.volume) {
        return Err(loc.err(
            0..0,
            "announce.volume is outside 0.0 – 1.0",
            "set a volume between 0.0 and 1.0",
        ));
    }
    for lang in &announce.languages {
        if lang != "zh" && lang != "en" {
            return Err(loc.err(
                0..0,
                format!("announce.languages has unknown language {lang:?}"),
                "use \"zh\" and/or \"en\"",
            ));
        }
    }
    for q in &announce.quiet_hours {
        if calendar::parse_range(q).is_none() {
            return Err(loc.err(
                0..0,
                format!("announce.quiet_hours has {q:?}"),
                "write \"HH:MM-HH:MM\"",
            ));
        }
    }
    if raw.rules.requeue_behind > 1000 {
        return Err(loc.err(
            0..0,
            "rules.requeue_behind is over 1000",
            "use a small number such as 3",
        ));
    }

    Ok(HallConfig {
        name_zh: hall.name_zh,
        name_en: hall.name_en,
        calendar,
        rules: raw.rules,
        limits: raw.limits,
        groups,
        services,
        windows,
        staff,
        devices,
        announce,
        notices: raw.notices.lines,
        is_demo: false,
    })
}

fn check_id(loc: &Locator<'_>, id: &Spanned<String>, what: &str) -> Result<(), ConfigError> {
    let ok = !id.get_ref().is_empty()
        && id.get_ref().len() <= 64
        && id
            .get_ref()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(loc.err(
            id.span(),
            format!("{what} {:?} is not a plain id", id.get_ref()),
            "use letters, digits, - and _ only (at most 64)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_hall_is_valid_and_as_promised() {
        let demo = HallConfig::demo();
        assert!(demo.is_demo);
        assert!(demo.services.len() >= 6);
        assert_eq!(demo.groups.len(), 3);
        assert_eq!(demo.windows.len(), 8);
        assert!(demo.services.iter().any(|s| s.info.id == "green"));
        assert!(
            demo.services
                .iter()
                .any(|s| s.info.name_zh == "办不成事反映")
        );
        assert!(demo.windows.iter().any(|w| w.primary.len() > 1), "综合窗口");
        assert!(
            demo.windows
                .iter()
                .any(|w| w.primary.len() == 1 && w.secondary.is_empty()),
            "special window"
        );
        for role in [Role::Staff, Role::Manager, Role::Admin] {
            assert!(demo.staff.iter().any(|s| s.role == role), "{role:?}");
        }
        assert!(demo.devices.iter().any(|d| d.kind == DeviceKind::Kiosk));
        assert!(
            demo.devices
                .iter()
                .any(|d| d.kind == DeviceKind::Display(DisplayMode::HallBoard))
        );
    }

    /// The demo file with one line replaced; the error must name that line.
    fn broken(find: &str, replace: &str) -> ConfigError {
        assert!(DEMO_HALL.contains(find), "{find}");
        let src = DEMO_HALL.replacen(find, replace, 1);
        HallConfig::parse(&src, "hall.toml").expect_err("must be refused")
    }

    fn line_of(needle: &str) -> usize {
        DEMO_HALL
            .lines()
            .position(|l| l.contains(needle))
            .expect("needle")
            + 1
    }

    #[test]
    fn errors_name_file_line_and_fix() {
        let err = broken("prefix = \"F\"", "prefix = \"S\"");
        assert_eq!(err.file, "hall.toml");
        assert_eq!(err.line, line_of("prefix = \"F\""));
        assert!(
            err.message.contains("already used by service \"social\""),
            "{err}"
        );
        assert!(err.to_string().contains("fix:"));

        let err = broken("primary = [\"green\"]", "primary = [\"gren\"]");
        assert_eq!(err.line, line_of("primary = [\"green\"]"));
        assert!(err.message.contains("unknown service \"gren\""), "{err}");
        assert!(err.fix.contains("social"), "{err}");

        let err = broken("number = 8\n", "number = 7\n");
        assert!(
            err.message.contains("window 7 is configured twice"),
            "{err}"
        );

        let err = broken("group = \"business\"", "group = \"biz\"");
        assert!(err.message.contains("unknown group"), "{err}");

        let err = broken("mon = [\"00:00-24:00\"]", "mon = [\"9:00-17:00\"]");
        assert_eq!(err.line, line_of("mon = [\"00:00-24:00\"]"));

        let err = broken(
            "time_zone = \"Asia/Shanghai\"",
            "time_zone = \"Mars/Olympus\"",
        );
        assert!(err.message.contains("unknown time zone"), "{err}");

        let err = broken("key = \"demo-kiosk-1-key-0000\"", "key = \"short\"");
        assert!(err.message.contains("too short"), "{err}");

        let err = broken("role = \"manager\"", "role = \"boss\"");
        assert!(err.line > 0, "{err}");

        let err = broken("expected_minutes = 8 ", "expectd_minutes = 8 ");
        assert!(err.message.contains("unknown field"), "{err}");
        assert_eq!(err.line, line_of("expected_minutes = 8 "));
    }

    #[test]
    fn error_messages_never_show_secrets() {
        let err = broken("key = \"demo-kiosk-1-key-0000\"", "key = \"short secret\"");
        assert!(!err.to_string().contains("short secret"), "{err}");
        let err = broken(
            "$argon2id$v=19$m=19456,t=2,p=1$5R7KKKggxTiicLQJ+mvHcA",
            "not-a-hash",
        );
        assert!(!err.to_string().contains("not-a-hash"), "{err}");
    }
}

//! Checking the file as written against every rule of a usable hall, with errors that name the file,
//! the line and the fix; the result is a [`HallConfig`].

use std::collections::{HashMap, HashSet};

use jiff::{civil::Date, tz::TimeZone};
use qcall_protocol::{BoardLayout, DisplayMode, Service, ServiceGroup, voice};

use toml::Spanned;

use super::raw::{Locator, RawConfig, RawDeviceKind, RawDisplayMode};
use super::{
    BookingCfg, ConfigError, DeviceCfg, DeviceKind, HallConfig, ServiceBooking, ServiceCfg, Slot,
    StaffCfg, WindowCfg,
};
use crate::calendar::{self, Calendar};

pub(super) fn validate(raw: RawConfig, loc: &Locator<'_>) -> Result<HallConfig, ConfigError> {
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
        let booking = match &s.booking {
            None => None,
            Some(b) => {
                if !(5..=240).contains(b.slot_minutes.get_ref()) {
                    return Err(loc.err(
                        b.slot_minutes.span(),
                        format!("booking.slot_minutes is {}", b.slot_minutes.get_ref()),
                        "use a slot length from 5 to 240 minutes, e.g. 30",
                    ));
                }
                if *b.quota.get_ref() == 0 || *b.quota.get_ref() > 1000 {
                    return Err(loc.err(
                        b.quota.span(),
                        format!("booking.quota is {}", b.quota.get_ref()),
                        "give each slot 1 to 1000 bookings, or remove [services.booking]",
                    ));
                }
                Some(ServiceBooking {
                    slot_minutes: *b.slot_minutes.get_ref(),
                    quota: *b.quota.get_ref(),
                    hours: ranges(&b.hours)?,
                })
            }
        };
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
            booking,
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
            plan: super::WindowPlan {
                hours: ranges(&w.hours)?,
                breaks: ranges(&w.breaks)?,
            },
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
        let photo = match &s.photo {
            Some(p) if !p.get_ref().is_empty() => {
                let path = std::path::Path::new(p.get_ref());
                let relative = path.is_relative()
                    && path
                        .components()
                        .all(|c| matches!(c, std::path::Component::Normal(_)));
                let ext = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase);
                if !relative || !matches!(ext.as_deref(), Some("png" | "jpg" | "jpeg")) {
                    return Err(loc.err(
                        p.span(),
                        format!("photo {:?} is not a PNG or JPEG file inside the data folder", p.get_ref()),
                        "give a relative path such as \"photos/1001.jpg\"; it is read from the server's data folder",
                    ));
                }
                Some(p.get_ref().clone())
            }
            _ => None,
        };
        staff.push(StaffCfg {
            staff_no: s.staff_no.get_ref().clone(),
            name: s.name.clone(),
            role: s.role,
            password_hash: s.password_hash.get_ref().clone(),
            pin_hash: s.pin_hash.as_ref().map(|p| p.get_ref().clone()),
            badges: s.badges.clone(),
            photo,
            windows: s.windows.iter().map(|w| *w.get_ref()).collect(),
            disabled: s.disabled,
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
                        "add mode = \"hall_board\", or mode = \"window_screen\" or \"rating_pad\" with window = N",
                    )
                })?;
                match mode.get_ref() {
                    RawDisplayMode::HallBoard => DeviceKind::Display(DisplayMode::HallBoard),
                    RawDisplayMode::WindowScreen | RawDisplayMode::RatingPad => {
                        let what = match mode.get_ref() {
                            RawDisplayMode::RatingPad => "rating pad",
                            _ => "window screen",
                        };
                        let window = d.window.as_ref().ok_or_else(|| {
                            loc.err(
                                mode.span(),
                                format!("{what} {:?} names no window", d.name.get_ref()),
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
                        let window = *window.get_ref();
                        if *mode.get_ref() == RawDisplayMode::RatingPad {
                            DeviceKind::Display(DisplayMode::RatingPad { window })
                        } else {
                            DeviceKind::Display(DisplayMode::WindowScreen { window })
                        }
                    }
                }
            }
        };
        let audio = d
            .audio
            .unwrap_or(matches!(kind, DeviceKind::Display(DisplayMode::HallBoard)));
        let layout = match &d.layout {
            None => BoardLayout::Calls,
            Some(l) if kind != DeviceKind::Display(DisplayMode::HallBoard) => {
                return Err(loc.err(
                    l.span(),
                    format!(
                        "{:?} is not a hall board; only hall boards take a layout",
                        d.name.get_ref()
                    ),
                    "remove `layout`, or set mode = \"hall_board\"",
                ));
            }
            Some(l) => match l.get_ref().as_str() {
                "calls" => BoardLayout::Calls,
                "windows" => BoardLayout::Windows,
                other => {
                    return Err(loc.err(
                        l.span(),
                        format!("unknown board layout {other:?}"),
                        "use layout = \"calls\" (recent calls as rows) or \"windows\" (one cell per window)",
                    ));
                }
            },
        };
        devices.push(DeviceCfg {
            name: d.name.get_ref().clone(),
            kind,
            key: key.clone(),
            audio,
            layout,
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
    // The templates must be speakable with the voice pack's words (the board would otherwise
    // speak its default and say so only in its log), and repeat must be honoured as written.
    for (lang, template) in [
        (voice::Lang::Zh, &announce.template_zh),
        (voice::Lang::En, &announce.template_en),
    ] {
        if let Err(e) = voice::parse_template(lang, template.get_ref()) {
            return Err(loc.err(
                template.span(),
                format!("announce.template_{lang} {:?}: {e}", template.get_ref()),
                match lang {
                    voice::Lang::Zh => format!(
                        "use only the words {} with {{number}} and {{window}}, e.g. \"请{{number}}号到{{window}}号窗口办理\" (or record the missing word and add it to the voice pack)",
                        voice::ZH_KNOWN
                    ),
                    voice::Lang::En => format!(
                        "use only the words {} with {{number}} and {{window}}, e.g. \"Number {{number}}, please go to window {{window}}\"",
                        voice::EN_KNOWN
                    ),
                },
            ));
        }
    }
    let repeat = *announce.repeat.get_ref();
    if !(1..=voice::MAX_REPEAT).contains(&repeat) {
        return Err(loc.err(
            announce.repeat.span(),
            format!(
                "announce.repeat = {repeat} is outside 1–{}",
                voice::MAX_REPEAT
            ),
            "speak each call 1 to 5 times; 2 is usual",
        ));
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
    check_ratings(&raw.ratings, loc)?;
    check_cases(&raw.cases, loc)?;
    let mut appointment_only = HashMap::new();
    for extra in &raw.booking.appointment_only {
        let day = date(&extra.date)?;
        if calendar.extra_open.contains_key(&day) {
            return Err(loc.err(
                extra.date.span(),
                format!("{day} is both an extra open date and an appointment-only date"),
                "list the date under hall.extra_open (walk-ins and bookings) or booking.appointment_only (bookings only), not both",
            ));
        }
        appointment_only.insert(day, ranges(&extra.hours)?);
    }
    if *raw.booking.days_ahead.get_ref() > 90 {
        return Err(loc.err(
            raw.booking.days_ahead.span(),
            "booking.days_ahead is over 90",
            "let citizens book at most 90 days ahead, e.g. 7",
        ));
    }
    let booking = BookingCfg {
        days_ahead: *raw.booking.days_ahead.get_ref(),
        cancel_before_minutes: raw.booking.cancel_before_minutes,
        check_in_early_minutes: raw.booking.check_in_early_minutes,
        check_in_late_minutes: raw.booking.check_in_late_minutes,
        appointment_only,
    };
    let notify = super::notify::check(raw.notify, loc, &|name| std::env::var(name).ok())?;
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
        privacy: raw.privacy,
        backup: raw.backup,
        groups,
        services,
        windows,
        staff,
        devices,
        announce,
        notices: raw.notices.lines,
        ratings: raw.ratings,
        cases: raw.cases,
        booking,
        notify,
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

fn check_ratings(r: &super::RatingsCfg, loc: &Locator<'_>) -> Result<(), ConfigError> {
    if !(1..=24 * 30).contains(&r.valid_hours) {
        return Err(loc.err(
            key_span(loc, "ratings", "valid_hours"),
            format!("ratings.valid_hours is {}", r.valid_hours),
            "give the hours a leg can be rated after it ended (评价时效): 1 – 720, e.g. 24",
        ));
    }
    if !(5..=600).contains(&r.pad_idle_seconds) {
        return Err(loc.err(
            key_span(loc, "ratings", "pad_idle_seconds"),
            format!("ratings.pad_idle_seconds is {}", r.pad_idle_seconds),
            "give the seconds a rating pad waits for a touch before returning to idle: 5 – 600, e.g. 30",
        ));
    }
    Ok(())
}

fn check_cases(c: &super::CasesCfg, loc: &Locator<'_>) -> Result<(), ConfigError> {
    if !(1..=250).contains(&c.working_days) {
        return Err(loc.err(
            key_span(loc, "cases", "working_days"),
            format!("cases.working_days is {}", c.working_days),
            "give the working days a 差评 case has in all: 1 – 250, e.g. 15",
        ));
    }
    for step in qcall_protocol::CaseStep::ALL {
        let days = c.step_days(step);
        if days == 0 || days > c.working_days {
            return Err(loc.err(
                key_span(loc, "cases", &format!("{}_working_days", step.as_str())),
                format!(
                    "cases.{}_working_days is {days}",
                    step.as_str()
                ),
                format!(
                    "give each step 1 – {} working days (at most the whole case's cases.working_days)",
                    c.working_days
                ),
            ));
        }
    }
    if c.due_soon_working_days >= c.working_days {
        return Err(loc.err(
            key_span(loc, "cases", "due_soon_working_days"),
            format!("cases.due_soon_working_days is {}", c.due_soon_working_days),
            "warn in fewer working days than the case has, e.g. 1 (0: no warning)",
        ));
    }
    if c.appeal_working_days == 0 || c.appeal_working_days > c.working_days {
        return Err(loc.err(
            key_span(loc, "cases", "appeal_working_days"),
            format!("cases.appeal_working_days is {}", c.appeal_working_days),
            "give staff 1 – cases.working_days working days to appeal a 差评, e.g. 5",
        ));
    }
    Ok(())
}

/// Where `key = …` of table `[section]` is written (or the table's header, or nothing), for errors
/// about plain numbers that serde reads without their place.
fn key_span(loc: &Locator<'_>, section: &str, key: &str) -> std::ops::Range<usize> {
    let header = format!("[{section}]");
    let Some(start) = loc
        .src
        .match_indices(&header)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || loc.src.as_bytes()[i - 1] == b'\n')
    else {
        return 0..0;
    };
    let mut at = start;
    for (i, line) in loc.src[start..].split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        if i > 0 && trimmed.starts_with('[') {
            break;
        }
        if i > 0
            && trimmed
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return at..at + line.len();
        }
        at += line.len();
    }
    start..start + header.len()
}

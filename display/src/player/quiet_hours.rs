//! Quiet hours: minute ranges of the hall's day in which nothing is spoken, read on the
//! server's clock in the hall's time zone (never the display PC's own clock, which may be off).

use qcall_protocol::Millis;

use crate::announce::SettingsProblem;

/// The minute of the day (0–1439) of server instant `at` in the hall's time zone `time_zone`
/// (`HallInfo::time_zone`, e.g. `Asia/Shanghai`), which is what the config's quiet hours mean.
/// jiff's bundled tz database makes this independent of the PC's own time zone setting; an
/// unknown zone reads UTC rather than failing.
pub fn minute_of_day(at: Millis, time_zone: &str) -> u32 {
    let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(ts) = jiff::Timestamp::from_millisecond(at) else {
        return 0;
    };
    let zoned = ts.to_zoned(tz);
    u32::try_from(zoned.hour()).unwrap_or(0) * 60 + u32::try_from(zoned.minute()).unwrap_or(0)
}

/// Quiet hours: minute ranges of the day in which nothing is spoken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuietHours {
    // Half-open [start, end) in minutes; start > end wraps past midnight.
    ranges: Vec<(u32, u32)>,
}

impl QuietHours {
    /// Parses `HH:MM-HH:MM` ranges (00:00–24:00). A range whose end is before its start wraps
    /// past midnight (`22:00-07:00`), which the server's config check refuses but a display
    /// should still honour. Entries that do not parse are returned as problems and ignored.
    pub fn parse(entries: &[String]) -> (QuietHours, Vec<SettingsProblem>) {
        let mut ranges = Vec::new();
        let mut problems = Vec::new();
        for entry in entries {
            match parse_range(entry) {
                Some(range) => ranges.push(range),
                None => problems.push(SettingsProblem::QuietHours(entry.clone())),
            }
        }
        (QuietHours { ranges }, problems)
    }

    /// Whether `minute` (0–1439) is inside a quiet range.
    pub fn contains(&self, minute: u32) -> bool {
        self.ranges.iter().any(|&(start, end)| {
            if start <= end {
                (start..end).contains(&minute)
            } else {
                minute >= start || minute < end
            }
        })
    }
}

/// A quiet range may cross midnight (`22:00-06:00`), but not be empty.
fn parse_range(text: &str) -> Option<(u32, u32)> {
    qcall_protocol::time_of_day::parse_hhmm_range(text).filter(|(a, b)| a != b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(entries: &[&str]) -> (QuietHours, Vec<SettingsProblem>) {
        QuietHours::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>())
    }

    fn at(hhmm: &str) -> u32 {
        qcall_protocol::time_of_day::parse_hhmm(hhmm).expect("time")
    }

    #[test]
    fn quiet_hours_are_half_open_ranges_of_local_minutes() {
        let (q, problems) = quiet(&["12:00-13:30", "22:00-07:00", " 17:00 - 17:05 "]);
        assert!(problems.is_empty());
        for (time, inside) in [
            ("11:59", false),
            ("12:00", true),
            ("13:29", true),
            ("13:30", false),
            ("21:59", false),
            ("22:00", true),
            ("23:59", true),
            ("00:00", true),
            ("06:59", true),
            ("07:00", false),
            ("17:04", true),
            ("17:05", false),
        ] {
            assert_eq!(q.contains(at(time)), inside, "{time}");
        }
        let (q, _) = quiet(&["00:00-24:00"]);
        assert!((0..1440).all(|m| q.contains(m)));
        let (q, _) = quiet(&[]);
        assert!((0..1440).all(|m| !q.contains(m)));
    }

    #[test]
    fn bad_quiet_hours_are_reported_and_ignored() {
        let (q, problems) = quiet(&[
            "12:00-13:00",
            "noon",
            "9:00-10:00",
            "10:00-10:00",
            "25:00-26:00",
        ]);
        assert_eq!(
            problems,
            ["noon", "9:00-10:00", "10:00-10:00", "25:00-26:00"]
                .map(|e| SettingsProblem::QuietHours(e.into()))
        );
        assert!(q.contains(at("12:30")));
        assert!(!q.contains(at("09:30")));
    }

    #[test]
    fn minutes_are_read_in_the_hall_time_zone_from_server_time() {
        // 2026-11-23 02:00 UTC is 10:00 in Shanghai, whatever zone the PC is set to.
        let at = 1_795_399_200_000;
        assert_eq!(minute_of_day(at, "Asia/Shanghai"), 10 * 60);
        assert_eq!(minute_of_day(at, "UTC"), 2 * 60);
        assert_eq!(minute_of_day(at + 59_999, "Asia/Shanghai"), 10 * 60);
        assert_eq!(minute_of_day(at + 60_000, "Asia/Shanghai"), 10 * 60 + 1);
        assert_eq!(
            minute_of_day(at, "Mars/Olympus_Mons"),
            2 * 60,
            "unknown: UTC"
        );
    }
}

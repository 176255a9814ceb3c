//! When not to speak: quiet hours (by local minute of the day, from an injected clock) and calls
//! too old to announce after a reconnect (R16).

use qcall_protocol::Millis;

use crate::announce::SettingsProblem;

/// Calls older than this when they reach the display are shown but not spoken (R16): after a
/// reconnect, the snapshot's recent calls must not start a replay storm.
pub const MAX_SPEAK_AGE_MS: Millis = 60_000;

/// Whether a call made at `call_at` should still be spoken when it reaches the display at `now`
/// (both server times in epoch milliseconds; see [`crate::player::Player::submit`] for which
/// `now` to pass). A call from the "future" (clock skew) is spoken.
pub fn should_speak(call_at: Millis, now: Millis) -> bool {
    now.saturating_sub(call_at) <= MAX_SPEAK_AGE_MS
}

/// The local minute of the day (0–1439) now. Injected into the player so that tests control it.
pub type MinuteClock = Box<dyn Fn() -> u32 + Send>;

/// A clock reading the minute of the day in the hall's time zone (`HallInfo::time_zone`, e.g.
/// `Asia/Shanghai`), which is what the config's quiet hours mean. jiff's bundled tz database
/// makes this independent of the display PC's own time zone setting.
pub fn hall_clock(time_zone: &str) -> Result<MinuteClock, jiff::Error> {
    let tz = jiff::tz::TimeZone::get(time_zone)?;
    Ok(Box::new(move || {
        minute_of(&jiff::Timestamp::now().to_zoned(tz.clone()))
    }))
}

/// A clock reading the minute of the day in the PC's own time zone.
pub fn system_clock() -> MinuteClock {
    Box::new(|| minute_of(&jiff::Zoned::now()))
}

fn minute_of(now: &jiff::Zoned) -> u32 {
    let (h, m) = (now.hour(), now.minute());
    u32::try_from(h).unwrap_or(0) * 60 + u32::try_from(m).unwrap_or(0)
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

    #[test]
    fn calls_older_than_a_minute_are_not_spoken() {
        let now = 1_000_000_000;
        for (age, speak) in [
            (0, true),
            (1, true),
            (59_999, true),
            (60_000, true),
            (60_001, false),
            (3_600_000, false),
            (-5_000, true),
        ] {
            assert_eq!(should_speak(now - age, now), speak, "age {age} ms");
        }
        assert!(!should_speak(Millis::MIN, Millis::MAX));
        assert!(should_speak(Millis::MAX, Millis::MIN));
    }

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
    fn hall_clock_reads_a_minute_of_the_day() {
        let clock = hall_clock("Asia/Shanghai").expect("bundled tz");
        assert!(clock() < 1440);
        assert!(system_clock()() < 1440);
        assert!(hall_clock("Mars/Olympus_Mons").is_err());
    }
}

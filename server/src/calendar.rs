//! The hall's clock rules: time zone, business day, opening hours and ticket cut-off. Pure functions of
//! an instant, so the rules are tested with any time without waiting for it.

use std::collections::{HashMap, HashSet};

use jiff::{
    SignedDuration, Timestamp,
    civil::{Date, DateTime, Weekday},
    tz::TimeZone,
};
use qcall_protocol::{ErrorCode, Millis};

/// Minutes since local midnight, `[start, end)`; `end` may be 1440 (24:00).
pub(crate) type Range = (u32, u32);

/// When the hall is open and which business day an instant belongs to.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    pub(crate) tz: TimeZone,
    pub(crate) tz_name: String,
    /// Minutes after local midnight at which a business day starts (default 04:00).
    pub(crate) boundary: u32,
    /// No tickets in the last `cutoff` minutes of each opening range (取号截止).
    pub(crate) cutoff: u32,
    /// Opening ranges per weekday, Monday first.
    pub(crate) weekly: [Vec<Range>; 7],
    pub(crate) closed: HashSet<Date>,
    pub(crate) extra_open: HashMap<Date, Vec<Range>>,
}

impl Calendar {
    fn local(&self, now: Millis) -> DateTime {
        let ts = Timestamp::from_millisecond(now).unwrap_or(Timestamp::UNIX_EPOCH);
        ts.to_zoned(self.tz.clone()).datetime()
    }

    /// The business day of an instant: numbering and "today" follow it, not midnight.
    pub(crate) fn business_day(&self, now: Millis) -> Date {
        let local = self.local(now);
        local
            .checked_sub(SignedDuration::from_mins(i64::from(self.boundary)))
            .unwrap_or(local)
            .date()
    }

    /// The hall's offset from UTC at an instant, in minutes (a page shows hall time with it, not
    /// the phone's clock).
    pub(crate) fn utc_offset_minutes(&self, now: Millis) -> i32 {
        let ts = Timestamp::from_millisecond(now).unwrap_or(Timestamp::UNIX_EPOCH);
        self.tz.to_offset(ts).seconds() / 60
    }

    /// `HH:MM` of an instant, in the hall's time.
    pub(crate) fn local_hhmm(&self, at: Millis) -> String {
        let t = self.local(at).time();
        format!("{:02}:{:02}", t.hour(), t.minute())
    }

    /// The local calendar date of an instant (midnight, not the business-day boundary).
    pub(crate) fn local_date(&self, now: Millis) -> Date {
        self.local(now).date()
    }

    /// Minutes since local midnight.
    pub(crate) fn local_minute(&self, now: Millis) -> u32 {
        let t = self.local(now).time();
        u32::from(t.hour().unsigned_abs()) * 60 + u32::from(t.minute().unsigned_abs())
    }

    /// The opening ranges of a civil date: closed dates win, then extra open dates, then the weekday.
    pub(crate) fn hours_on(&self, date: Date) -> &[Range] {
        if self.closed.contains(&date) {
            return &[];
        }
        if let Some(extra) = self.extra_open.get(&date) {
            return extra;
        }
        let index = match date.weekday() {
            Weekday::Monday => 0,
            Weekday::Tuesday => 1,
            Weekday::Wednesday => 2,
            Weekday::Thursday => 3,
            Weekday::Friday => 4,
            Weekday::Saturday => 5,
            Weekday::Sunday => 6,
        };
        &self.weekly[index]
    }

    /// Today's opening ranges (of the local civil date).
    pub(crate) fn hours_today(&self, now: Millis) -> &[Range] {
        self.hours_on(self.local(now).date())
    }

    /// Whether a ticket may be issued now (R5): open, and not in the cut-off before a closing time.
    pub(crate) fn issuing(&self, now: Millis) -> Result<(), ErrorCode> {
        let minute = self.local_minute(now);
        let ranges = self.hours_today(now);
        let Some(&(_, end)) = ranges.iter().find(|(s, e)| (*s..*e).contains(&minute)) else {
            return Err(ErrorCode::HallClosed);
        };
        // Contiguous ranges (e.g. 00:00-24:00 every day) close at the end of the last one.
        let mut close = end;
        while let Some(&(_, e)) = ranges.iter().find(|(s, _)| *s == close) {
            close = e;
        }
        let wraps = close == 1440
            && self
                .hours_on(
                    self.local(now)
                        .date()
                        .tomorrow()
                        .unwrap_or(self.local(now).date()),
                )
                .first()
                .is_some_and(|r| r.0 == 0);
        if !wraps && minute + self.cutoff >= close {
            return Err(ErrorCode::PastCutoff);
        }
        Ok(())
    }
}

impl Calendar {
    /// The first instant after `now` at which what may be issued can change by the clock alone: an
    /// opening or closing time, the start of a cut-off, a minute in `extra` (e.g. time-slot edges),
    /// local midnight (closed and extra open dates turn there) or the business-day boundary. Kiosks
    /// must be told at these instants even when nobody sends a command.
    pub(crate) fn next_edge(&self, now: Millis, extra: &[u32]) -> Option<Millis> {
        let today = self.local(now).date();
        let mut best: Option<Millis> = None;
        for date in [Some(today), today.tomorrow().ok()].into_iter().flatten() {
            let mut minutes: Vec<u32> = vec![0, self.boundary];
            for &(start, end) in self.hours_on(date) {
                minutes.extend([start, end]);
                if end >= start + self.cutoff {
                    minutes.push(end - self.cutoff);
                }
            }
            minutes.extend_from_slice(extra);
            for m in minutes.into_iter().filter(|m| *m <= 24 * 60) {
                let Some(at) = self.instant(date, m) else {
                    continue;
                };
                if at > now && best.is_none_or(|b| at < b) {
                    best = Some(at);
                }
            }
        }
        best
    }

    /// The instant of a local date and minute of the day (1440 = the next midnight).
    pub(crate) fn instant(&self, date: Date, minute: u32) -> Option<Millis> {
        let midnight = date.to_datetime(jiff::civil::Time::midnight());
        let dt = midnight
            .checked_add(SignedDuration::from_mins(i64::from(minute)))
            .ok()?;
        Some(
            dt.to_zoned(self.tz.clone())
                .ok()?
                .timestamp()
                .as_millisecond(),
        )
    }
}

/// How far the working-day search looks before deciding the calendar has no working day at all.
const MAX_SCAN_DAYS: u32 = 3660;

/// Working days (工作日) of the hall's own calendar, for the deadlines of 差评 cases (R22): a civil
/// date is a working day when the hall opens that day — its weekday has hours or it is an extra open
/// date — and it is not a closed date. A working day ends at its last closing time.
impl Calendar {
    /// The instant a working day ends (its last closing time); `None` on a day the hall is shut.
    fn working_day_end(&self, date: Date) -> Option<Millis> {
        let &(_, end) = self.hours_on(date).last()?;
        self.instant(date, end)
    }

    /// The deadline `n` working days after `from` (e.g. 15 个工作日内): the end of the n-th working
    /// day after the local date of `from`. The day it starts on does not count, whatever the hour
    /// (期间开始之日不计算在内). `n = 0` is `from` itself. A calendar without any working day counts
    /// calendar days instead.
    pub(crate) fn working_days_after(&self, from: Millis, n: u32) -> Millis {
        if n == 0 {
            return from;
        }
        let mut date = self.local(from).date();
        let mut left = n;
        for _ in 0..MAX_SCAN_DAYS {
            let Ok(next) = date.tomorrow() else { break };
            date = next;
            if let Some(end) = self.working_day_end(date) {
                left -= 1;
                if left == 0 {
                    return end;
                }
            }
        }
        from + i64::from(n) * 86_400_000
    }

    /// The end of the n-th working day before the local date of `due`: from then on, `due` is at
    /// most `n` working days away (a case is "due soon"). `n = 0` is `due` itself. Never later than
    /// `due`.
    pub(crate) fn working_days_before(&self, due: Millis, n: u32) -> Millis {
        if n == 0 {
            return due;
        }
        let mut date = self.local(due).date();
        let mut left = n;
        for _ in 0..MAX_SCAN_DAYS {
            let Ok(previous) = date.yesterday() else {
                break;
            };
            date = previous;
            if let Some(end) = self.working_day_end(date) {
                left -= 1;
                if left == 0 {
                    return end.min(due);
                }
            }
        }
        due - i64::from(n) * 86_400_000
    }
}

pub(crate) use qcall_protocol::time_of_day::parse_hhmm;

/// Parses `HH:MM-HH:MM` with start before end.
pub(crate) fn parse_range(text: &str) -> Option<Range> {
    qcall_protocol::time_of_day::parse_hhmm_range(text).filter(|(a, b)| a < b)
}

/// `HH:MM-HH:MM` for a range.
pub(crate) fn format_range((a, b): Range) -> String {
    format!("{:02}:{:02}-{:02}:{:02}", a / 60, a % 60, b / 60, b % 60)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Milliseconds of a Shanghai local time, e.g. `at("2026-11-23 09:30")` (a Monday).
    pub(crate) fn at(local: &str) -> Millis {
        let dt: DateTime = local.parse().expect("civil datetime");
        dt.to_zoned(TimeZone::get("Asia/Shanghai").expect("tz"))
            .expect("zoned")
            .timestamp()
            .as_millisecond()
    }

    fn hall() -> Calendar {
        let day = vec![(9 * 60, 12 * 60), (13 * 60 + 30, 17 * 60)];
        Calendar {
            tz: TimeZone::get("Asia/Shanghai").expect("tz"),
            tz_name: "Asia/Shanghai".into(),
            boundary: 4 * 60,
            cutoff: 30,
            weekly: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![],
                vec![],
            ],
            closed: ["2026-11-25".parse().expect("date")].into_iter().collect(),
            extra_open: [("2026-11-28".parse().expect("date"), vec![(9 * 60, 12 * 60)])]
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn business_day_turns_at_the_boundary_not_midnight() {
        let cal = hall();
        assert_eq!(
            cal.business_day(at("2026-11-23 03:59")).to_string(),
            "2026-11-22"
        );
        assert_eq!(
            cal.business_day(at("2026-11-23 04:00")).to_string(),
            "2026-11-23"
        );
        assert_eq!(
            cal.business_day(at("2026-11-24 00:30")).to_string(),
            "2026-11-23"
        );
    }

    #[test]
    fn issuing_follows_hours_cutoff_and_special_dates() {
        let cal = hall();
        let check = |local: &str, expected: Result<(), ErrorCode>| {
            assert_eq!(cal.issuing(at(local)), expected, "at {local}");
        };
        check("2026-11-23 08:59", Err(ErrorCode::HallClosed));
        check("2026-11-23 09:00", Ok(()));
        check("2026-11-23 11:29", Ok(()));
        check("2026-11-23 11:30", Err(ErrorCode::PastCutoff));
        check("2026-11-23 12:10", Err(ErrorCode::HallClosed));
        check("2026-11-23 13:30", Ok(()));
        check("2026-11-23 16:31", Err(ErrorCode::PastCutoff));
        check("2026-11-23 17:00", Err(ErrorCode::HallClosed));
        // A closed Wednesday, an open Saturday, a normal Sunday.
        check("2026-11-25 10:00", Err(ErrorCode::HallClosed));
        check("2026-11-28 10:00", Ok(()));
        check("2026-11-29 10:00", Err(ErrorCode::HallClosed));
    }

    #[test]
    fn round_the_clock_hall_has_no_cutoff_at_midnight() {
        let mut cal = hall();
        cal.weekly = std::array::from_fn(|_| vec![(0, 1440)]);
        cal.closed.clear();
        cal.extra_open.clear();
        assert_eq!(cal.issuing(at("2026-11-23 23:50")), Ok(()));
        assert_eq!(cal.issuing(at("2026-11-24 00:00")), Ok(()));
    }

    #[test]
    fn next_edge_names_every_instant_the_clock_alone_changes_issuing() {
        let cal = hall();
        let check = |local: &str, extra: &[u32], expected: &str| {
            assert_eq!(
                cal.next_edge(at(local), extra),
                Some(at(expected)),
                "after {local}"
            );
        };
        // Opening, cut-off, closing of the morning, then the afternoon (Monday 2026-11-23).
        check("2026-11-23 04:00", &[], "2026-11-23 09:00");
        check("2026-11-23 08:59", &[], "2026-11-23 09:00");
        check("2026-11-23 09:00", &[], "2026-11-23 11:30");
        check("2026-11-23 11:30", &[], "2026-11-23 12:00");
        check("2026-11-23 12:00", &[], "2026-11-23 13:30");
        check("2026-11-23 13:30", &[], "2026-11-23 16:30");
        check("2026-11-23 16:30", &[], "2026-11-23 17:00");
        // After closing: midnight, where the civil date (and a closed date) turns.
        check("2026-11-23 17:00", &[], "2026-11-24 00:00");
        check("2026-11-24 00:00", &[], "2026-11-24 04:00");
        // A closed Wednesday has only midnight and the boundary.
        check("2026-11-25 04:00", &[], "2026-11-26 00:00");
        // An extra open Saturday.
        check("2026-11-28 04:00", &[], "2026-11-28 09:00");
        // Slot edges given by the services.
        check("2026-11-23 09:00", &[10 * 60], "2026-11-23 10:00");
        // Exactly at an edge, the next one: a strict "after".
        assert!(cal.next_edge(at("2026-11-23 09:00"), &[]) > Some(at("2026-11-23 09:00")));
    }

    #[test]
    fn working_days_skip_weekends_and_closed_dates_and_count_extra_open_dates() {
        // Mon–Fri 09:00–17:00 with a lunch break; Wed 2026-11-25 closed; Sat 2026-11-28 open
        // 09:00–12:00.
        let cal = hall();
        let check = |from: &str, n: u32, expected: &str| {
            assert_eq!(
                cal.working_days_after(at(from), n),
                at(expected),
                "{n} working days after {from}"
            );
        };
        // The day it starts does not count, whatever the hour: before opening, after closing.
        check("2026-11-23 08:00", 1, "2026-11-24 17:00");
        check("2026-11-23 23:00", 1, "2026-11-24 17:00");
        // The closed Wednesday is skipped; the extra open Saturday counts and ends at 12:00.
        check("2026-11-23 10:00", 2, "2026-11-26 17:00");
        check("2026-11-24 10:00", 1, "2026-11-26 17:00");
        check("2026-11-26 10:00", 2, "2026-11-28 12:00");
        // A normal weekend is skipped: Sunday 11-29 is shut, so after Saturday comes Monday.
        check("2026-11-27 10:00", 2, "2026-11-30 17:00");
        check("2026-11-20 15:00", 3, "2026-11-26 17:00");
        // Started on a closed day or a Sunday: the next working day is the first.
        check("2026-11-25 10:00", 1, "2026-11-26 17:00");
        check("2026-11-22 10:00", 1, "2026-11-23 17:00");
        // Over two weekends and the closed date: 11-23 → 12-07 is 10 working days (24, 26, 27,
        // 28, 30, 1, 2, 3, 4, 7).
        check("2026-11-23 10:00", 10, "2026-12-07 17:00");
        check("2026-11-23 10:00", 0, "2026-11-23 10:00");
        // Before: the end of the n-th working day before the due date.
        let before = |due: &str, n: u32, expected: &str| {
            assert_eq!(
                cal.working_days_before(at(due), n),
                at(expected),
                "{n} working days before {due}"
            );
        };
        before("2026-11-26 17:00", 1, "2026-11-24 17:00");
        before("2026-11-30 17:00", 1, "2026-11-28 12:00");
        before("2026-11-30 17:00", 2, "2026-11-27 17:00");
        before("2026-11-26 17:00", 0, "2026-11-26 17:00");
        // A round trip: n working days after, then n before, ends the day it started (a working day).
        for n in 1..=12 {
            let due = cal.working_days_after(at("2026-11-24 10:00"), n);
            assert_eq!(
                cal.working_days_before(due, n),
                at("2026-11-24 17:00"),
                "{n}"
            );
        }
    }

    #[test]
    fn working_days_of_a_round_the_clock_hall_and_of_a_hall_never_open() {
        let mut cal = hall();
        cal.weekly = std::array::from_fn(|_| vec![(0, 1440)]);
        cal.closed.clear();
        cal.extra_open.clear();
        assert_eq!(
            cal.working_days_after(at("2026-11-23 10:00"), 15),
            at("2026-12-09 00:00"),
            "15 days, each ending at midnight"
        );
        cal.weekly = std::array::from_fn(|_| vec![]);
        assert_eq!(
            cal.working_days_after(at("2026-11-23 10:00"), 2),
            at("2026-11-25 10:00"),
            "no working day at all: calendar days"
        );
        assert_eq!(
            cal.working_days_before(at("2026-11-25 10:00"), 2),
            at("2026-11-23 10:00")
        );
    }

    #[test]
    fn hours_parse_and_format() {
        assert_eq!(parse_range("09:00-17:30"), Some((540, 1050)));
        assert_eq!(parse_range("00:00-24:00"), Some((0, 1440)));
        assert_eq!(parse_range("17:00-09:00"), None);
        assert_eq!(parse_range("9:00-17:00"), None);
        assert_eq!(parse_range("09:60-10:00"), None);
        assert_eq!(format_range((540, 1050)), "09:00-17:30");
    }
}

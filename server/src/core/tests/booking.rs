//! Appointments (R25, R26): slots on the calendar, quotas, one booking per person, the cancel
//! deadline, the check-in window minute by minute, late and missed bookings, appointment-only dates,
//! slots removed from the config.

use super::*;
use crate::core::{BookCmd, BookingCmd, BookingKey, code_from, normalise_code};
use qcall_protocol::{BookingState, CheckInResponse};

/// Monday 2026-11-23 is a normal day; Wednesday 11-25 is closed; Saturday 11-28 takes appointments
/// only (09:00-12:00). Service a offers 30-minute slots with 2 places each, 09:00-11:00 and
/// 14:00-16:00; b takes no bookings.
pub(super) fn booking_config(service_hours: &str) -> HallConfig {
    let src = format!(
        r#"
[hall]
name_zh = "测试大厅"
name_en = "Test hall"
closed_dates = ["2026-11-25"]
[hall.hours]
mon = ["09:00-12:00", "13:30-17:00"]
tue = ["09:00-12:00", "13:30-17:00"]
wed = ["09:00-12:00", "13:30-17:00"]
thu = ["09:00-12:00", "13:30-17:00"]
fri = ["09:00-12:00", "13:30-17:00"]
[booking]
days_ahead = 7
cancel_before_minutes = 60
check_in_early_minutes = 30
check_in_late_minutes = 15
appointment_only = [{{ date = "2026-11-28", hours = ["09:00-12:00"] }}]
[[groups]]
id = "g"
name_zh = "组"
name_en = "Group"
[[services]]
id = "a"
name_zh = "甲"
name_en = "Alpha"
group = "g"
prefix = "A"
expected_minutes = 6
[services.booking]
slot_minutes = 30
quota = 2
hours = {service_hours}
[[services]]
id = "b"
name_zh = "乙"
name_en = "Beta"
group = "g"
prefix = "B"
expected_minutes = 10
[[windows]]
number = 1
name = "综合窗口"
primary = ["a"]
secondary = ["b"]
[[staff]]
staff_no = "s1"
name = "一"
role = "staff"
password_hash = "{HASH}"
"#
    );
    HallConfig::parse(&src, "booking.toml").expect("booking config")
}

pub(super) const HOURS: &str = r#"["09:00-11:00", "14:00-16:00"]"#;

fn hall() -> T {
    let mut t = T::with(booking_config(HOURS));
    t.at("2026-11-23 08:00");
    t
}

/// A booking command for person `who` (their hash stands for the id or phone).
pub(super) fn book_cmd(date: &str, start: &str, who: &str) -> Command {
    let start = crate::calendar::parse_hhmm(start).expect("time");
    Command::Booking(BookingCmd::Book(Box::new(BookCmd {
        service_id: "a".into(),
        date: date.into(),
        start,
        name_masked: "张*".into(),
        phone_masked: "138****0000".into(),
        phone_hash: format!("phone-{who}"),
        person_hash: format!("person-{who}"),
        citizen_hash: None,
        phone_id_hash: Some(format!("phone-id-{who}")),
        codes: vec![next_code()],
        notice_phone: None,
    })))
}

/// A fresh code per booking, as the API's random ones would be.
fn next_code() -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let bytes: Vec<u8> = (0..6)
        .map(|i| ((n >> (i * 4)) & 0xf) as u8 + (i as u8) * 16)
        .collect();
    code_from(&bytes)
}

impl T {
    fn book(&mut self, date: &str, start: &str, who: &str) -> Booking {
        match self
            .apply(&Actor::Public, book_cmd(date, start, who))
            .expect("book")
            .reply
        {
            Reply::Booking(r) => r.booking,
            other => panic!("unexpected reply {other:?}"),
        }
    }

    pub(super) fn check_in_cmd(&mut self, code: &str) -> Command {
        self.secrets += 1;
        Command::Booking(BookingCmd::CheckIn {
            key: BookingKey::Code(code.into()),
            secret: format!("{:032x}", self.secrets),
        })
    }

    fn check_in(&mut self, code: &str) -> Result<CheckInResponse, ApiError> {
        let cmd = self.check_in_cmd(code);
        match self.apply(&kiosk(), cmd)?.reply {
            Reply::CheckIn(r) => Ok(*r),
            other => panic!("unexpected reply {other:?}"),
        }
    }

    fn cancel_booking(
        &mut self,
        actor: &Actor,
        code: &str,
        phone: Option<&str>,
    ) -> Result<Applied, ApiError> {
        self.apply(
            actor,
            Command::Booking(BookingCmd::Cancel {
                code: code.into(),
                phone_hash: phone.map(String::from),
            }),
        )
    }

    fn slots(&self, date: &str) -> Vec<String> {
        self.hall
            .slots_on("a", date.parse().expect("date"))
            .into_iter()
            .map(crate::calendar::format_range)
            .collect()
    }
}

use qcall_protocol::Booking;

#[test]
fn slots_follow_the_service_hours_within_the_calendar() {
    let t = hall();
    assert_eq!(
        t.slots("2026-11-23"),
        [
            "09:00-09:30",
            "09:30-10:00",
            "10:00-10:30",
            "10:30-11:00",
            "14:00-14:30",
            "14:30-15:00",
            "15:00-15:30",
            "15:30-16:00"
        ]
    );
    // Closed Wednesday, an ordinary Sunday: nothing. Appointment-only Saturday: its hours only.
    assert!(t.slots("2026-11-25").is_empty());
    assert!(t.slots("2026-11-29").is_empty());
    assert_eq!(
        t.slots("2026-11-28"),
        ["09:00-09:30", "09:30-10:00", "10:00-10:30", "10:30-11:00"]
    );
    // At 10:10 today's slots from 10:30 are listed, the started ones not.
    let later = t.hall.bookable(at("2026-11-23 10:10"));
    let today: Vec<&str> = later[0].days[0]
        .slots
        .iter()
        .map(|s| s.slot.as_str())
        .collect();
    assert_eq!(today[..2], ["10:30-11:00", "14:00-14:30"]);
    // What the booking page lists: 8 days (today + 7), dates without slots left out.
    let services = t.hall.bookable(t.now);
    assert_eq!(services.len(), 1, "only a takes bookings");
    let days: Vec<(&str, bool)> = services[0]
        .days
        .iter()
        .map(|d| (d.date.as_str(), d.appointments_only))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-23", false),
            ("2026-11-24", false),
            ("2026-11-26", false),
            ("2026-11-27", false),
            ("2026-11-28", true),
            ("2026-11-30", false),
        ]
    );
}

#[test]
fn a_slot_takes_its_quota_and_no_more() {
    let mut t = hall();
    let first = t.book("2026-11-24", "09:00", "p1");
    assert_eq!(first.slot, "09:00-09:30");
    assert_eq!(first.state, BookingState::Booked);
    t.book("2026-11-24", "09:00", "p2");
    t.refused(
        &Actor::Public,
        book_cmd("2026-11-24", "09:00", "p3"),
        SlotFull,
    );
    let free = |t: &T| {
        t.hall.bookable(t.now)[0]
            .days
            .iter()
            .find(|d| d.date == "2026-11-24")
            .map(|d| d.slots[0].free)
    };
    assert_eq!(free(&t), Some(0));
    // A cancellation gives the place back.
    t.cancel_booking(&Actor::Public, &first.code, Some("phone-p1"))
        .expect("cancel");
    assert_eq!(free(&t), Some(1));
    t.book("2026-11-24", "09:00", "p3");
    // The next slot is untouched.
    t.book("2026-11-24", "09:30", "p4");
}

#[test]
fn one_open_booking_per_person_service_and_date() {
    let mut t = hall();
    let b = t.book("2026-11-24", "09:00", "p1");
    t.refused(
        &Actor::Public,
        book_cmd("2026-11-24", "14:00", "p1"),
        DuplicateBooking,
    );
    // Another date is another booking.
    t.book("2026-11-26", "09:00", "p1");
    // After cancelling, the person may book that date again.
    t.cancel_booking(&Actor::Public, &b.code, Some("phone-p1"))
        .expect("cancel");
    t.book("2026-11-24", "14:00", "p1");
}

#[test]
fn bad_dates_and_slots_are_refused_and_change_nothing() {
    let mut t = hall();
    t.at("2026-11-23 09:10");
    // Started, over, yesterday.
    t.refused(
        &Actor::Public,
        book_cmd("2026-11-23", "09:00", "p1"),
        SlotPast,
    );
    t.refused(
        &Actor::Public,
        book_cmd("2026-11-22", "09:00", "p1"),
        SlotPast,
    );
    // Closed date, appointment-only date outside its hours, off the grid, past days ahead.
    t.refused(
        &Actor::Public,
        book_cmd("2026-11-25", "09:00", "p1"),
        SlotUnavailable,
    );
    t.refused(
        &Actor::Public,
        book_cmd("2026-11-28", "14:00", "p1"),
        SlotUnavailable,
    );
    t.refused(
        &Actor::Public,
        book_cmd("2026-11-24", "09:10", "p1"),
        SlotUnavailable,
    );
    t.refused(
        &Actor::Public,
        book_cmd("2026-12-01", "09:00", "p1"),
        SlotUnavailable,
    );
    t.refused(
        &Actor::Public,
        book_cmd("2026-13-01", "09:00", "p1"),
        BadRequest,
    );
    // A slot that starts in the future today is fine; the last day ahead too.
    t.book("2026-11-23", "09:30", "p1");
    t.book("2026-11-30", "09:00", "p1");
    // A service without bookings, and a kiosk trying to book.
    let mut cmd = book_cmd("2026-11-24", "09:00", "p2");
    if let Command::Booking(BookingCmd::Book(b)) = &mut cmd {
        b.service_id = "b".into();
    }
    t.refused(&Actor::Public, cmd, SlotUnavailable);
    t.refused(&kiosk(), book_cmd("2026-11-24", "09:00", "p2"), Forbidden);
}

#[test]
fn codes_are_unique_and_come_from_the_plain_alphabet() {
    let mut t = hall();
    let a = t.book("2026-11-24", "09:00", "p1");
    // p1's preferred code is taken by p1's own booking: the next candidate is used.
    let mut cmd = book_cmd("2026-11-24", "09:30", "p2");
    if let Command::Booking(BookingCmd::Book(b)) = &mut cmd {
        b.codes = vec![a.code.clone(), "KMNPRT".into()];
    }
    let b = match t.apply(&Actor::Public, cmd).expect("book").reply {
        Reply::Booking(r) => r.booking,
        other => panic!("{other:?}"),
    };
    assert_eq!(b.code, "KMNPRT");
    let code = code_from(&[0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(code.len(), 6);
    let all: String = (0..=255u8).map(|b| code_from(&[b])).collect();
    for look_alike in [
        '0', 'O', '1', 'I', 'L', '2', 'Z', '5', 'S', '8', 'B', 'G', '6',
    ] {
        assert!(!all.contains(look_alike), "{look_alike} in {all}");
    }
    assert_eq!(normalise_code(" ace-f7h "), "ACEF7H");
    assert_eq!(normalise_code("http://hall/book?code=acef7h"), "ACEF7H");
}

#[test]
fn citizens_cancel_until_the_deadline_staff_after_it() {
    let mut t = hall();
    let b = t.book("2026-11-23", "10:00", "p1");
    // A wrong phone is the same answer as a wrong code.
    t.refused(
        &Actor::Public,
        Command::Booking(BookingCmd::Cancel {
            code: b.code.clone(),
            phone_hash: Some("phone-p2".into()),
        }),
        UnknownBooking,
    );
    // 60 minutes before 10:00 is the last instant.
    t.now = at("2026-11-23 09:00") + 1;
    t.refused(
        &Actor::Public,
        Command::Booking(BookingCmd::Cancel {
            code: b.code.clone(),
            phone_hash: Some("phone-p1".into()),
        }),
        CancelClosed,
    );
    t.now = at("2026-11-23 09:00");
    t.cancel_booking(&Actor::Public, &b.code, Some("phone-p1"))
        .expect("at the deadline");
    // Cancelled once is cancelled.
    t.refused(
        &staff(1),
        Command::Booking(BookingCmd::Cancel {
            code: b.code.clone(),
            phone_hash: None,
        }),
        BookingClosed,
    );
    // Staff cancel after the citizens' deadline (a caller on the phone).
    let c = t.book("2026-11-23", "10:00", "p2");
    t.at("2026-11-23 09:45");
    t.cancel_booking(&staff(1), &c.code, None).expect("staff");
}

/// The check-in window of a 10:00-10:30 slot is [09:30, 10:45] (30 early, 15 late): every minute
/// boundary from 09:28 to 10:47, each on a fresh hall.
#[test]
fn check_in_window_minute_by_minute() {
    let start = at("2026-11-23 09:28");
    for minute in 0..=(10 * 60 + 47 - (9 * 60 + 28)) {
        for offset in [-1i64, 0] {
            let mut t = hall();
            let b = t.book("2026-11-23", "10:00", "p1");
            t.now = start + minute * 60_000 + offset;
            let local = 9 * 60 + 28 + minute;
            let label = format!(
                "{:02}:{:02}{}",
                local / 60,
                local % 60,
                if offset < 0 { " −1 ms" } else { "" }
            );
            let opens = at("2026-11-23 09:30");
            let closes = at("2026-11-23 10:45");
            let cmd = t.check_in_cmd(&b.code);
            if t.now < opens {
                t.refused(&kiosk(), cmd, CheckInTooEarly);
                continue;
            }
            let got = match t.apply(&kiosk(), cmd).expect(&label).reply {
                Reply::CheckIn(r) => *r,
                other => panic!("{other:?}"),
            };
            let on_time = t.now <= closes;
            assert_eq!(got.on_time, on_time, "{label}");
            let (class, state) = if on_time {
                (Appointment, BookingState::CheckedIn)
            } else {
                (Normal, BookingState::Missed)
            };
            assert_eq!(got.issued.ticket.class, class, "{label}");
            assert_eq!(got.booking.state, state, "{label}");
            assert_eq!(
                got.booking.ticket_number.as_deref(),
                Some("A001"),
                "{label}"
            );
            assert_eq!(
                got.issued.ticket.phone_masked.as_deref(),
                Some("138****0000")
            );
        }
    }
}

#[test]
fn too_early_says_when_to_come_back() {
    let mut t = hall();
    let b = t.book("2026-11-24", "10:00", "p1");
    let cmd = t.check_in_cmd(&b.code);
    let e = t.apply(&kiosk(), cmd).expect_err("another day");
    assert_eq!(e.code, CheckInTooEarly);
    assert!(e.message.contains("2026-11-24 from 09:30"), "{}", e.message);
    t.at("2026-11-24 09:00");
    let cmd = t.check_in_cmd(&b.code);
    let e = t.apply(&kiosk(), cmd).expect_err("early");
    assert!(e.message.contains("from 09:30"), "{}", e.message);
    assert_eq!(e.retry_after_s, Some(30 * 60));
}

#[test]
fn used_cancelled_and_unknown_codes_are_refused() {
    let mut t = hall();
    let b = t.book("2026-11-23", "10:00", "p1");
    t.at("2026-11-23 09:50");
    let first = t.check_in(&b.code).expect("check in");
    let cmd = t.check_in_cmd(&b.code);
    let e = t.apply(&kiosk(), cmd.clone()).expect_err("twice");
    assert_eq!(e.code, BookingUsed);
    assert_eq!(
        e.ticket.as_deref(),
        Some(first.issued.ticket.number.as_str())
    );
    t.refused(&kiosk(), cmd, BookingUsed);
    let unknown = t.check_in_cmd("KKKKKK");
    t.refused(&kiosk(), unknown, UnknownBooking);
    let c = t.book("2026-11-23", "14:00", "p2");
    t.cancel_booking(&Actor::Public, &c.code, Some("phone-p2"))
        .expect("cancel");
    let cmd = t.check_in_cmd(&c.code);
    t.refused(&kiosk(), cmd, BookingClosed);
    // Only kiosks and staff check in.
    let cmd = t.check_in_cmd(&b.code);
    t.refused(&Actor::Public, cmd, Forbidden);
}

#[test]
fn phone_and_id_digits_find_todays_booking() {
    let mut t = hall();
    t.book("2026-11-24", "10:00", "p1");
    let today = t.book("2026-11-23", "10:00", "p1");
    t.at("2026-11-23 09:40");
    t.secrets += 1;
    let got = match t
        .apply(
            &kiosk(),
            Command::Booking(BookingCmd::CheckIn {
                key: BookingKey::PhoneId("phone-id-p1".into()),
                secret: format!("{:032x}", t.secrets),
            }),
        )
        .expect("check in")
        .reply
    {
        Reply::CheckIn(r) => *r,
        other => panic!("{other:?}"),
    };
    assert_eq!(got.booking.code, today.code);
    assert!(got.on_time);
}

#[test]
fn missed_at_the_end_of_the_window_then_a_normal_ticket() {
    let mut t = hall();
    let b = t.book("2026-11-23", "10:00", "p1");
    assert!(
        t.hall
            .clock(at("2026-11-23 10:45"))
            .iter()
            .all(|a| a.audit.action != "booking_missed")
    );
    let applied = t.hall.clock(at("2026-11-23 10:45") + 1);
    let missed: Vec<&Applied> = applied
        .iter()
        .filter(|a| a.audit.action == "booking_missed")
        .collect();
    assert_eq!(missed.len(), 1);
    assert!(
        matches!(&missed[0].changes[..], [Change::Booking(x)] if x.state == BookingState::Missed)
    );
    assert_eq!(
        t.hall.bookings_on("2026-11-23")[0].state,
        BookingState::Missed
    );
    // Checked later: a normal ticket, and the reply says it is late.
    t.at("2026-11-23 11:00");
    let got = t.check_in(&b.code).expect("late");
    assert!(!got.on_time);
    assert_eq!(got.issued.ticket.class, Normal);
    assert_eq!(got.booking.state, BookingState::Missed);
    // Once only.
    let cmd = t.check_in_cmd(&b.code);
    t.refused(&kiosk(), cmd, BookingUsed);
    // A missed booking is not missed twice.
    assert!(
        t.hall
            .clock(at("2026-11-23 11:01"))
            .iter()
            .all(|a| a.audit.action != "booking_missed")
    );
}

#[test]
fn late_walk_in_ticket_follows_the_walk_in_refusals() {
    // A 16:00-16:30 slot checks in until 16:30 (no late minutes); the cut-off is 16:30.
    let mut cfg = booking_config(r#"["15:30-16:30"]"#);
    cfg.booking.check_in_late_minutes = 0;
    let mut t = T::with(cfg);
    t.at("2026-11-23 08:00");
    let late = t.book("2026-11-23", "16:00", "p1");
    let on_time = t.book("2026-11-23", "16:00", "p2");
    // On time after the cut-off: the booking holds its place.
    t.at("2026-11-23 16:30");
    assert_eq!(
        t.hall.issue_refusal("a", t.now).map(|e| e.code),
        Some(PastCutoff)
    );
    let got = t.check_in(&on_time.code).expect("on time after cut-off");
    assert_eq!(got.issued.ticket.class, Appointment);
    // Late after the cut-off: no ticket at all, and the message says both.
    t.at("2026-11-23 16:31");
    let cmd = t.check_in_cmd(&late.code);
    let before = t.fingerprint();
    let e = t.apply(&kiosk(), cmd).expect_err("late");
    assert_eq!(e.code, PastCutoff);
    assert!(e.message.contains("check-in window"), "{}", e.message);
    assert_eq!(before, t.fingerprint());
}

#[test]
fn appointment_only_dates_check_in_but_issue_no_walk_ins() {
    let mut t = hall();
    let b = t.book("2026-11-28", "09:00", "p1");
    let late = t.book("2026-11-28", "09:30", "p2");
    t.at("2026-11-28 09:10");
    let refused = t
        .try_issue_as(&kiosk(), "a", Normal, None)
        .expect_err("walk-in");
    assert_eq!(refused.code, HallClosed);
    let got = t.check_in(&b.code).expect("appointment");
    assert_eq!(got.issued.ticket.class, Appointment);
    assert_eq!(got.issued.ticket.number, "A001");
    // Late on such a date: no normal ticket either.
    t.at("2026-11-28 10:16");
    let cmd = t.check_in_cmd(&late.code);
    t.refused(&kiosk(), cmd, HallClosed);
}

#[test]
fn appointment_tickets_are_called_by_r11() {
    let mut t = hall();
    let b = t.book("2026-11-23", "10:00", "p1");
    t.at("2026-11-23 09:40");
    t.sign_in(1);
    let walk_in = t.issue("a", Normal);
    let got = t.check_in(&b.code).expect("check in");
    assert_eq!(
        t.call(1).expect("call"),
        got.issued.ticket.number,
        "an appointment ranks with priority, before the earlier walk-in"
    );
    assert_eq!(t.state(walk_in), TicketState::Waiting);
}

#[test]
fn a_slot_removed_from_the_config_is_honoured_and_flagged() {
    let mut t = hall();
    let b = t.book("2026-11-23", "14:00", "p1");
    // The hall drops the afternoon slots and restarts.
    let cfg = Arc::new(booking_config(r#"["09:00-11:00"]"#));
    let restored = Restored {
        seq: t.hall.seq(),
        next_ticket_id: t.hall.next_id,
        business_day: Some(t.hall.business_day().to_string()),
        bookings: t.hall.bookings.values().cloned().collect(),
        next_booking_id: t.hall.next_booking_id,
        ..Restored::default()
    };
    t.hall = Hall::new(cfg, restored, t.now);
    assert_eq!(t.hall.bookings_flagged(), 1);
    assert!(t.hall.bookings_on("2026-11-23")[0].slot_removed);
    t.at("2026-11-23 13:45");
    let got = t.check_in(&b.code).expect("honoured");
    assert!(got.on_time);
    assert!(got.booking.slot_removed);
    assert_eq!(
        t.hall.bookings_flagged(),
        0,
        "checked in: nothing left to do"
    );
}

#[test]
fn rollover_marks_the_day_missed_and_forgets_it() {
    let mut t = hall();
    t.book("2026-11-23", "14:00", "p1");
    t.book("2026-11-24", "09:00", "p1");
    t.at("2026-11-24 04:00");
    let a = t.hall.rollover(t.now);
    let missed: Vec<&Change> = a
        .changes
        .iter()
        .filter(|c| matches!(c, Change::Booking(b) if b.state == BookingState::Missed))
        .collect();
    assert_eq!(missed.len(), 1);
    assert!(t.hall.bookings_on("2026-11-23").is_empty());
    assert_eq!(t.hall.bookings_on("2026-11-24").len(), 1);
}

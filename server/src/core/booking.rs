//! Appointments (预约, R25, R26): a service's slots on the hall's calendar (including dates open for
//! appointments only), booking with a quota per slot and one open booking per person, service and
//! date, cancelling up to the hall's deadline, check-in within [start − early, end + late] giving an
//! `appointment` ticket (later: a `normal` ticket, and the reply says so; earlier: when to come back),
//! and bookings not checked in by the end of their window marked `missed`.
//!
//! The hall keeps every booking of today and later in memory (a few thousand at most: quota × slots ×
//! days ahead), so quotas, codes and check-ins need no query. Personal data arrives masked or as keyed
//! hashes (R29); the random codes come from the caller (the core has no randomness).

use jiff::civil::Date;
use qcall_protocol::{
    ApiError, BookableService, Booking, BookingDay, BookingResponse, BookingState, CheckInResponse,
    ErrorCode, Millis, SlotInfo, TicketClass, TicketId,
};
use serde::{Deserialize, Serialize};

use super::{Actor, Change, Effects, Hall, IssueCmd, Reply, err, json};
use crate::calendar::{Range, format_range};

/// A booking with what only the server keeps: the keyed hashes it is found and checked by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredBooking {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) service_id: String,
    /// Local date, `YYYY-MM-DD`.
    pub(crate) date: String,
    /// Minutes of the local day, `[start, end)`.
    pub(crate) slot: Range,
    pub(crate) name_masked: String,
    pub(crate) phone_masked: String,
    /// Keyed hash of the phone: a lookup or cancel by code must give the same phone.
    pub(crate) phone_hash: String,
    /// Keyed hash of the citizen id when given (the same as a ticket's, so R5 holds), else of the
    /// phone: one open booking per person, service and date.
    pub(crate) person_hash: String,
    /// The ticket's citizen hash (R5) when an id was given.
    pub(crate) citizen_hash: Option<String>,
    /// Keyed hash of the phone with the id's last 4 characters: a kiosk check-in without the code.
    pub(crate) phone_id_hash: Option<String>,
    pub(crate) state: BookingState,
    pub(crate) booked_at: Millis,
    /// Who booked: `public` or `staff:{no}`.
    pub(crate) booked_by: String,
    /// When it was checked in, cancelled or missed.
    pub(crate) closed_at: Option<Millis>,
    pub(crate) ticket_id: Option<TicketId>,
    pub(crate) ticket_number: Option<String>,
    /// The ticket came after the check-in window (a normal ticket).
    #[serde(default)]
    pub(crate) late: bool,
    /// A reminder and near-turn notices asked for (R32); the phone is kept apart.
    #[serde(default)]
    pub(crate) notify: bool,
    /// The day-before reminder was queued.
    #[serde(default)]
    pub(crate) reminded: bool,
}

/// A booking to make, after the API checked and minimised the personal data.
#[derive(Debug, Clone)]
pub(crate) struct BookCmd {
    pub(crate) service_id: String,
    pub(crate) date: String,
    pub(crate) start: u32,
    pub(crate) name_masked: String,
    pub(crate) phone_masked: String,
    pub(crate) phone_hash: String,
    pub(crate) person_hash: String,
    pub(crate) citizen_hash: Option<String>,
    pub(crate) phone_id_hash: Option<String>,
    /// Random codes to choose from: the first that no booking in memory uses.
    pub(crate) codes: Vec<String>,
    /// The full phone for the reminder and notices (R32), when asked for.
    pub(crate) notice_phone: Option<String>,
}

/// How a check-in names its booking.
#[derive(Debug, Clone)]
pub(crate) enum BookingKey {
    Code(String),
    /// The keyed hash of the phone with the id's last 4 characters.
    PhoneId(String),
}

/// The booking family's commands, carried by `Command::Booking`.
#[derive(Debug, Clone)]
pub(crate) enum BookingCmd {
    Book(Box<BookCmd>),
    /// By the citizen (the phone's hash must match, and the deadline holds) or by staff (`None`).
    Cancel {
        code: String,
        phone_hash: Option<String>,
    },
    CheckIn {
        key: BookingKey,
        /// The random part of the ticket's token.
        secret: String,
    },
}

impl BookingCmd {
    /// The audit log's name of the action.
    pub(crate) fn action(&self) -> &'static str {
        match self {
            BookingCmd::Book(_) => "book",
            BookingCmd::Cancel { .. } => "booking_cancel",
            BookingCmd::CheckIn { .. } => "check_in",
        }
    }

    /// What was asked, without personal data or codes (R6).
    pub(crate) fn fingerprint(&self) -> String {
        match self {
            BookingCmd::Book(b) => format!("book:{}:{}:{}", b.service_id, b.date, b.start),
            other => other.action().to_string(),
        }
    }
}

/// The characters of a booking code: capitals and digits without look-alikes (no 0/O/D/Q, 1/I/L,
/// 2/Z, 5/S, 8/B, 6/G, U/V).
pub(crate) const CODE_ALPHABET: &[u8] = b"ACEFHJKMNPRTWXY3479";
/// A booking code's length.
pub(crate) const CODE_LEN: usize = 6;

/// A code from random bytes (one byte per character, rejection-free modulo: the bias is below 5 %
/// per character and the code space, 19⁶ ≈ 47 million, is guarded by the lookup rate limit).
pub(crate) fn code_from(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(CODE_LEN)
        .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
        .collect()
}

/// A typed or scanned code, normalised: case and separators ignored, so `ac-e f7` reads as `ACEF7`.
/// A scanner that types like a keyboard may send a URL ending in the code: its last 6 code
/// characters count.
pub(crate) fn normalise_code(text: &str) -> String {
    let tail = text.rsplit(['/', '=', '#']).next().unwrap_or(text);
    tail.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn hhmm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn parse_date(text: &str) -> Result<Date, ApiError> {
    text.parse::<Date>().map_err(|_| {
        err(
            ErrorCode::BadRequest,
            format!("{text:?} is not a date (YYYY-MM-DD)"),
        )
    })
}

impl Hall {
    /// A date's hours for appointments, and whether it takes appointments only (节假日预约服务).
    fn booking_hours(&self, date: Date) -> (Vec<Range>, bool) {
        match self.cfg.booking.appointment_only.get(&date) {
            Some(hours) => (hours.clone(), true),
            None => (self.cfg.calendar.hours_on(date).to_vec(), false),
        }
    }

    /// The slots a service offers on a date by the config as it is now: its booking hours within
    /// the date's hours, cut into whole slots.
    pub(crate) fn slots_on(&self, service: &str, date: Date) -> Vec<Range> {
        let Some(b) = self.cfg.service(service).and_then(|s| s.booking.as_ref()) else {
            return Vec::new();
        };
        let (hours, _) = self.booking_hours(date);
        let mut out = Vec::new();
        for (open, close) in hours {
            let pieces: Vec<Range> = if b.hours.is_empty() {
                vec![(open, close)]
            } else {
                b.hours
                    .iter()
                    .map(|&(s, e)| (s.max(open), e.min(close)))
                    .filter(|(s, e)| s < e)
                    .collect()
            };
            for (s, e) in pieces {
                let mut start = s;
                while start + b.slot_minutes <= e {
                    out.push((start, start + b.slot_minutes));
                    start += b.slot_minutes;
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Bookings that hold a place in a slot (every state but cancelled).
    fn taken(&self, service: &str, date: &str, slot: Range) -> u32 {
        let n = self
            .bookings
            .values()
            .filter(|b| {
                b.service_id == service
                    && b.date == date
                    && b.slot == slot
                    && b.state != BookingState::Cancelled
            })
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn instant(&self, date: &str, minute: u32) -> Millis {
        date.parse::<Date>()
            .ok()
            .and_then(|d| self.cfg.calendar.instant(d, minute))
            .unwrap_or(Millis::MAX)
    }

    /// When check-in opens and until when it gives an appointment ticket.
    fn check_in_window(&self, b: &StoredBooking) -> (Millis, Millis) {
        let rules = &self.cfg.booking;
        (
            self.instant(&b.date, b.slot.0) - i64::from(rules.check_in_early_minutes) * 60_000,
            self.instant(&b.date, b.slot.1) + i64::from(rules.check_in_late_minutes) * 60_000,
        )
    }

    /// What its holder and staff see of a booking.
    pub(crate) fn booking_view(&self, b: &StoredBooking) -> Booking {
        let (from, until) = self.check_in_window(b);
        let starts_at = self.instant(&b.date, b.slot.0);
        let slot_removed = b
            .date
            .parse::<Date>()
            .map(|d| !self.slots_on(&b.service_id, d).contains(&b.slot))
            .unwrap_or(true);
        Booking {
            code: b.code.clone(),
            service_id: b.service_id.clone(),
            date: b.date.clone(),
            slot: format_range(b.slot),
            starts_at,
            check_in_from: from,
            check_in_until: until,
            cancel_until: starts_at - i64::from(self.cfg.booking.cancel_before_minutes) * 60_000,
            name_masked: b.name_masked.clone(),
            phone_masked: b.phone_masked.clone(),
            state: b.state,
            ticket_number: b.ticket_number.clone(),
            slot_removed,
        }
    }

    /// What can be booked from `now`: per bookable service, today and the days ahead with slots.
    pub(crate) fn bookable(&self, now: Millis) -> Vec<BookableService> {
        let today = self.cfg.calendar.business_day(now);
        let mut out = Vec::new();
        for s in self.cfg.services.iter().filter(|s| s.info.enabled) {
            let Some(b) = &s.booking else { continue };
            let mut days = Vec::new();
            let mut date = today;
            for _ in 0..=self.cfg.booking.days_ahead {
                let text = date.to_string();
                let slots: Vec<SlotInfo> = self
                    .slots_on(&s.info.id, date)
                    .into_iter()
                    // A slot that has started can no longer be booked: not listed.
                    .filter(|slot| self.instant(&text, slot.0) > now)
                    .map(|slot| SlotInfo {
                        slot: format_range(slot),
                        quota: b.quota,
                        free: b.quota.saturating_sub(self.taken(&s.info.id, &text, slot)),
                    })
                    .collect();
                if !slots.is_empty() {
                    days.push(BookingDay {
                        date: text,
                        appointments_only: self.booking_hours(date).1,
                        slots,
                    });
                }
                match date.tomorrow() {
                    Ok(d) => date = d,
                    Err(_) => break,
                }
            }
            out.push(BookableService {
                service_id: s.info.id.clone(),
                name_zh: s.info.name_zh.clone(),
                name_en: s.info.name_en.clone(),
                days,
            });
        }
        out
    }

    /// The bookings of a date (today or later: earlier ones are in the store only), by slot.
    pub(crate) fn bookings_on(&self, date: &str) -> Vec<Booking> {
        let mut list: Vec<&StoredBooking> =
            self.bookings.values().filter(|b| b.date == date).collect();
        list.sort_by_key(|b| (b.slot, b.id));
        list.into_iter().map(|b| self.booking_view(b)).collect()
    }

    /// A booking by its code and the hash of its phone: the citizen's lookup. A wrong phone is the
    /// same answer as a wrong code, so neither can be probed alone.
    pub(crate) fn booking_lookup(&self, code: &str, phone_hash: &str) -> Option<Booking> {
        self.bookings
            .values()
            .find(|b| b.code == code && b.phone_hash == phone_hash)
            .map(|b| self.booking_view(b))
    }

    /// Open bookings whose slot the current config no longer offers (honoured, and flagged).
    pub(crate) fn bookings_flagged(&self) -> usize {
        self.bookings
            .values()
            .filter(|b| b.state == BookingState::Booked)
            .filter(|b| self.booking_view(b).slot_removed)
            .count()
    }

    pub(super) fn booking(
        &mut self,
        actor: &Actor,
        cmd: BookingCmd,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        match cmd {
            BookingCmd::Book(b) => self.book(actor, *b, now, fx),
            BookingCmd::Cancel { code, phone_hash } => {
                self.cancel_booking(actor, &code, phone_hash.as_deref(), now, fx)
            }
            BookingCmd::CheckIn { key, secret } => self.check_in(actor, key, secret, now, fx),
        }
    }

    fn book(
        &mut self,
        actor: &Actor,
        cmd: BookCmd,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        if matches!(actor, Actor::Kiosk(_)) {
            return Err(err(
                ErrorCode::Forbidden,
                "kiosks check bookings in; citizens book on the booking page",
            ));
        }
        let service = self.cfg.service(&cmd.service_id).ok_or_else(|| {
            err(
                ErrorCode::UnknownService,
                format!("no service {:?} in this hall", cmd.service_id),
            )
        })?;
        let Some(rules) = service.booking.as_ref().filter(|_| service.info.enabled) else {
            return Err(err(
                ErrorCode::SlotUnavailable,
                format!("{} takes no bookings", service.info.name_en),
            ));
        };
        let quota = rules.quota;
        let name = service.info.name_en.clone();
        let date = parse_date(&cmd.date)?;
        let today = self.cfg.calendar.business_day(now);
        if date < today {
            return Err(err(ErrorCode::SlotPast, format!("{date} is over")));
        }
        let last = today
            .checked_add(jiff::Span::new().days(i64::from(self.cfg.booking.days_ahead)))
            .unwrap_or(today);
        if date > last {
            return Err(err(
                ErrorCode::SlotUnavailable,
                format!(
                    "bookings open {} days ahead: the last date now is {last}",
                    self.cfg.booking.days_ahead
                ),
            ));
        }
        let Some(slot) = self
            .slots_on(&cmd.service_id, date)
            .into_iter()
            .find(|s| s.0 == cmd.start)
        else {
            let why = if self.booking_hours(date).0.is_empty() {
                format!("the hall is closed on {date}")
            } else {
                format!("{name} has no slot at {} on {date}", hhmm(cmd.start))
            };
            return Err(err(ErrorCode::SlotUnavailable, why));
        };
        if self.instant(&cmd.date, slot.0) <= now {
            return Err(err(
                ErrorCode::SlotPast,
                format!("the slot {} on {date} has started", format_range(slot)),
            ));
        }
        if self.taken(&cmd.service_id, &cmd.date, slot) >= quota {
            return Err(err(
                ErrorCode::SlotFull,
                format!("the slot {} on {date} is fully booked", format_range(slot)),
            ));
        }
        if let Some(held) = self.bookings.values().find(|b| {
            b.state == BookingState::Booked
                && b.person_hash == cmd.person_hash
                && b.service_id == cmd.service_id
                && b.date == cmd.date
        }) {
            return Err(err(
                ErrorCode::DuplicateBooking,
                format!(
                    "this person already holds a booking for {name} on {date} at {}; cancel it first to book another time",
                    format_range(held.slot)
                ),
            ));
        }
        let code = cmd
            .codes
            .iter()
            .find(|c| c.len() == CODE_LEN && !self.bookings.values().any(|b| b.code == **c))
            .cloned()
            .ok_or_else(|| err(ErrorCode::Unavailable, "no free booking code; retry"))?;
        let id = self.next_booking_id;
        self.next_booking_id += 1;
        let stored = StoredBooking {
            id,
            code,
            service_id: cmd.service_id,
            date: cmd.date,
            slot,
            name_masked: cmd.name_masked,
            phone_masked: cmd.phone_masked,
            phone_hash: cmd.phone_hash,
            person_hash: cmd.person_hash,
            citizen_hash: cmd.citizen_hash,
            phone_id_hash: cmd.phone_id_hash,
            state: BookingState::Booked,
            booked_at: now,
            booked_by: actor.label(),
            closed_at: None,
            ticket_id: None,
            ticket_number: None,
            late: false,
            notify: cmd.notice_phone.is_some(),
            reminded: false,
        };
        self.booking_changed(&stored, fx);
        if let Some(phone) = cmd.notice_phone {
            fx.changes.push(Change::NoticePhone {
                owner: super::NoticeOwner::Booking(id),
                phone,
            });
        }
        self.bookings.insert(id, stored.clone());
        Ok(Reply::Booking(Box::new(BookingResponse {
            booking: self.booking_view(&stored),
        })))
    }

    fn cancel_booking(
        &mut self,
        actor: &Actor,
        code: &str,
        phone_hash: Option<&str>,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let unknown = || {
            err(
                ErrorCode::UnknownBooking,
                "no booking with this code and phone",
            )
        };
        let b = self
            .bookings
            .values()
            .find(|b| b.code == code && phone_hash.is_none_or(|h| h == b.phone_hash))
            .ok_or_else(unknown)?;
        match actor {
            Actor::Public if phone_hash.is_some() => {}
            Actor::Staff(_) => {}
            _ => {
                return Err(err(
                    ErrorCode::Forbidden,
                    "only the holder or staff cancel a booking",
                ));
            }
        }
        if b.state != BookingState::Booked {
            return Err(err(
                ErrorCode::BookingClosed,
                format!(
                    "this booking is {} and cannot be cancelled",
                    b.state.as_str()
                ),
            ));
        }
        let view = self.booking_view(b);
        if matches!(actor, Actor::Public) && now > view.cancel_until {
            return Err(err(
                ErrorCode::CancelClosed,
                format!(
                    "bookings can be cancelled until {} minutes before the slot; please call the hall",
                    self.cfg.booking.cancel_before_minutes
                ),
            ));
        }
        let mut b = b.clone();
        b.state = BookingState::Cancelled;
        b.closed_at = Some(now);
        self.booking_changed(&b, fx);
        let view = self.booking_view(&b);
        self.bookings.insert(b.id, b);
        Ok(Reply::Booking(Box::new(BookingResponse { booking: view })))
    }

    fn check_in(
        &mut self,
        actor: &Actor,
        key: BookingKey,
        secret: String,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        if !matches!(actor, Actor::Kiosk(_) | Actor::Staff(_)) {
            return Err(err(
                ErrorCode::Forbidden,
                "check-in is at a kiosk or a window",
            ));
        }
        let today = self.day.clone();
        let b = match &key {
            BookingKey::Code(code) => self.bookings.values().find(|b| b.code == *code),
            // Today's open booking first, then any other of today, then a later date's.
            BookingKey::PhoneId(hash) => {
                let mut mine: Vec<&StoredBooking> = self
                    .bookings
                    .values()
                    .filter(|b| b.phone_id_hash.as_deref() == Some(hash.as_str()))
                    .collect();
                mine.sort_by_key(|b| {
                    (
                        b.date != today,
                        b.state != BookingState::Booked,
                        b.date.clone(),
                        b.slot,
                    )
                });
                mine.first().copied()
            }
        }
        .ok_or_else(|| {
            err(
                ErrorCode::UnknownBooking,
                "no booking with this code: check the code on the booking message",
            )
        })?
        .clone();
        match b.state {
            BookingState::CheckedIn => {
                let number = b.ticket_number.clone().unwrap_or_default();
                return Err(err(
                    ErrorCode::BookingUsed,
                    format!("this booking was already checked in: ticket {number}"),
                )
                .with_ticket(number));
            }
            BookingState::Cancelled => {
                return Err(err(ErrorCode::BookingClosed, "this booking was cancelled"));
            }
            BookingState::Missed if b.ticket_number.is_some() => {
                let number = b.ticket_number.clone().unwrap_or_default();
                return Err(err(
                    ErrorCode::BookingUsed,
                    format!("a ticket was already issued for this booking: {number}"),
                )
                .with_ticket(number));
            }
            BookingState::Booked | BookingState::Missed => {}
        }
        if b.date < today {
            return Err(err(
                ErrorCode::BookingClosed,
                format!("this booking was for {}", b.date),
            ));
        }
        let (from, until) = self.check_in_window(&b);
        if b.date > today || now < from {
            let wait_s = u32::try_from((from - now + 999) / 1000).unwrap_or(u32::MAX);
            let when = if b.date > today {
                format!(
                    "{} from {}",
                    b.date,
                    hhmm(
                        b.slot
                            .0
                            .saturating_sub(self.cfg.booking.check_in_early_minutes)
                    )
                )
            } else {
                format!(
                    "from {}",
                    hhmm(
                        b.slot
                            .0
                            .saturating_sub(self.cfg.booking.check_in_early_minutes)
                    )
                )
            };
            return Err(err(
                ErrorCode::CheckInTooEarly,
                format!(
                    "check-in for the slot {} opens {when}",
                    format_range(b.slot)
                ),
            )
            .with_retry_after(wait_s.max(1)));
        }
        let on_time = now <= until;
        let issue = IssueCmd {
            service_id: b.service_id.clone(),
            class: if on_time {
                TicketClass::Appointment
            } else {
                TicketClass::Normal
            },
            citizen_hash: b.citizen_hash.clone(),
            phone_masked: Some(b.phone_masked.clone()),
            helper: None,
            notice: (b.notify && self.notices_on()).then_some(super::NoticePhone::OfBooking(b.id)),
            secret,
        };
        // Late: a walk-in ticket, with every walk-in refusal (hours, caps, an appointment-only date).
        if !on_time && let Some(refusal) = self.issue_refusal(&b.service_id, now) {
            return Err(ApiError {
                message: format!(
                    "the check-in window of this booking closed at {}, and no normal ticket can be issued now: {}",
                    hhmm(b.slot.1 + self.cfg.booking.check_in_late_minutes),
                    refusal.message
                ),
                ..refusal
            });
        }
        if let Some(refusal) = self.duplicate_refusal(&issue, now) {
            return Err(refusal);
        }
        let ticket = self.create_ticket(&issue, false, now, fx)?;
        let mut b = b;
        b.state = if on_time {
            BookingState::CheckedIn
        } else {
            BookingState::Missed
        };
        b.closed_at = b.closed_at.or(Some(now));
        b.ticket_id = Some(ticket.ticket.id);
        b.ticket_number = Some(ticket.ticket.number.clone());
        b.late = !on_time;
        self.booking_changed(&b, fx);
        fx.detail["class"] = json(issue.class);
        fx.detail["on_time"] = json(on_time);
        fx.services.insert(b.service_id.clone());
        let issued = self.issue_response(&ticket, now);
        let booking = self.booking_view(&b);
        self.bookings.insert(b.id, b);
        Ok(Reply::CheckIn(Box::new(CheckInResponse {
            issued,
            booking,
            on_time,
        })))
    }

    /// Records a booking's new state for the store and the audit line (no personal data, no code).
    fn booking_changed(&self, b: &StoredBooking, fx: &mut Effects) {
        fx.changes.push(Change::Booking(Box::new(b.clone())));
        fx.detail = json(serde_json::json!({
            "booking": b.id,
            "service": b.service_id,
            "date": b.date,
            "slot": format_range(b.slot),
            "state": b.state,
            "by": b.booked_by,
        }));
    }

    /// Bookings whose check-in window has closed without a check-in become `missed` (R26), one
    /// audited change each.
    pub(super) fn missed_bookings(&mut self, now: Millis) -> Vec<(StoredBooking, Effects)> {
        let due: Vec<i64> = self
            .bookings
            .values()
            .filter(|b| b.state == BookingState::Booked && now > self.check_in_window(b).1)
            .map(|b| b.id)
            .collect();
        let mut out = Vec::new();
        for id in due {
            if let Some(b) = self.bookings.get_mut(&id) {
                b.state = BookingState::Missed;
                b.closed_at = Some(now);
                let b = b.clone();
                let mut fx = Effects::default();
                self.booking_changed(&b, &mut fx);
                out.push((b, fx));
            }
        }
        out
    }

    /// At a new business day: bookings of earlier dates leave memory (they are closed by now, and
    /// in the store).
    pub(super) fn forget_old_bookings(&mut self) {
        let day = self.day.clone();
        self.bookings.retain(|_, b| b.date >= day);
    }
}

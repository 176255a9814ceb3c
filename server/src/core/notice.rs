//! R32: near-turn notices. A ticket (or booking) whose citizen asked for notices gets one when it is
//! a few places or minutes from its turn, one each time it is called (with the window), and a booking
//! a reminder the day before. The core decides *what* to send and marks what it sent (on the stored
//! ticket or booking, so a restart neither repeats nor forgets); the store puts each notice in the
//! durable outbox in the same transaction as the change that caused it, adding the phone from its
//! own table; a background task delivers it (`crate::notify`).
//!
//! The phone never enters the hall's memory: a command carries it once to the store
//! ([`Change::NoticePhone`]), which keeps it only while its ticket or booking is open.

use qcall_protocol::{BookingState, Event, Millis, TicketId, TicketState};
use serde::{Deserialize, Serialize};

use super::{Actor, Applied, Change, Effects, Hall, Reply, json};

/// Whose phone a notice goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoticeOwner {
    Ticket(TicketId),
    Booking(i64),
}

impl NoticeOwner {
    /// The key of its phone in the store (`t:12`, `b:3`).
    pub(crate) fn key(self) -> String {
        match self {
            NoticeOwner::Ticket(id) => format!("t:{id}"),
            NoticeOwner::Booking(id) => format!("b:{id}"),
        }
    }
}

/// Where a new ticket's notice phone comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoticePhone {
    /// Given with the issue: stored for the new ticket.
    Given(String),
    /// The booking checked in: its phone now belongs to the ticket.
    OfBooking(i64),
}

/// What a ticket asked for and was sent: kept with the stored ticket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NotifyMark {
    /// The number of legs when the last near-turn notice went (0: none yet). A transfer starts a new
    /// leg, and with it a new wait worth a notice.
    #[serde(default)]
    pub(crate) near_legs: u32,
}

/// The kinds of notice, as the webhook names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum NoticeKind {
    NearTurn,
    Called,
    BookingReminder,
}

impl NoticeKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NoticeKind::NearTurn => "near_turn",
            NoticeKind::Called => "called",
            NoticeKind::BookingReminder => "booking_reminder",
        }
    }
}

/// One notice for the outbox; the store adds the phone, the hall's id and the key to `payload`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Notice {
    /// Unique per hall and stable across retries: the receiver's idempotency key.
    pub(crate) key: String,
    pub(crate) kind: NoticeKind,
    pub(crate) owner: NoticeOwner,
    pub(crate) at: Millis,
    /// What the receiver gets besides the phone: numbers, names, times; never a hash or a token.
    pub(crate) payload: serde_json::Value,
}

impl Hall {
    /// Whether the hall sends notices at all.
    pub(crate) fn notices_on(&self) -> bool {
        self.cfg.notify.enabled
    }

    /// The "called" notices of a command's calls (with the call id: each call and recall is one
    /// notice), added to its changes.
    pub(super) fn called_notices(&self, events: &[Event], changes: &mut Vec<Change>) {
        if !self.notices_on() {
            return;
        }
        for e in events {
            let Event::Called { call } = e else { continue };
            let Some(t) = self.tickets.get(&call.ticket_id) else {
                continue;
            };
            if t.notify.is_none() {
                continue;
            }
            changes.push(Change::Notice(Box::new(Notice {
                key: format!("called:{}", call.call_id),
                kind: NoticeKind::Called,
                owner: NoticeOwner::Ticket(call.ticket_id),
                at: call.at,
                payload: serde_json::json!({
                    "number": call.number,
                    "service_id": call.service_id,
                    "service": self.service_name(&call.service_id),
                    "window": call.window,
                    "window_name": call.window_name,
                    "recall": call.recall,
                    "at": self.cfg.calendar.local_hhmm(call.at),
                }),
            })));
        }
    }

    /// What the queue and the clock made due since the last look: near-turn notices of waiting
    /// tickets, and the reminders of tomorrow's bookings. One audited system change, or nothing.
    /// The engine asks after every batch, so a notice is durable with the batch that made it due.
    pub(crate) fn take_notices(&mut self, now: Millis) -> Option<Applied> {
        if !self.notices_on() {
            return None;
        }
        let mut fx = Effects::default();
        let mut numbers = Vec::new();
        let near = self.near_turn_due(now);
        for (id, ahead, minutes) in near {
            let Some(t) = self.tickets.get_mut(&id) else {
                continue;
            };
            let legs = u32::try_from(t.ticket.legs.len()).unwrap_or(u32::MAX);
            t.notify = Some(NotifyMark { near_legs: legs });
            let t = t.clone();
            numbers.push(t.ticket.number.clone());
            let (number, service_id) = (t.ticket.number.clone(), t.ticket.service_id.clone());
            fx.changes.push(Change::Ticket(Box::new(t)));
            fx.changes.push(Change::Notice(Box::new(Notice {
                key: format!("near_turn:{id}:{legs}"),
                kind: NoticeKind::NearTurn,
                owner: NoticeOwner::Ticket(id),
                at: now,
                payload: serde_json::json!({
                    "service": self.service_name(&service_id),
                    "number": number,
                    "service_id": service_id,
                    "ahead": ahead,
                    "wait_minutes": minutes,
                    "at": self.cfg.calendar.local_hhmm(now),
                }),
            })));
        }
        let mut reminded = Vec::new();
        for id in self.reminders_due(now) {
            let Some(b) = self.bookings.get_mut(&id) else {
                continue;
            };
            b.reminded = true;
            let b = b.clone();
            reminded.push(b.id);
            fx.changes.push(Change::Booking(Box::new(b.clone())));
            fx.changes.push(Change::Notice(Box::new(Notice {
                key: format!("booking_reminder:{}", b.id),
                kind: NoticeKind::BookingReminder,
                owner: NoticeOwner::Booking(b.id),
                at: now,
                payload: serde_json::json!({
                    "code": b.code,
                    "service_id": b.service_id,
                    "service": self.service_name(&b.service_id),
                    "date": b.date,
                    "slot": crate::calendar::format_range(b.slot),
                    "name_masked": b.name_masked,
                }),
            })));
        }
        if fx.changes.is_empty() {
            return None;
        }
        fx.detail = json(serde_json::json!({ "near_turn": numbers, "reminders": reminded }));
        let mut applied = self.record(&Actor::System, "notices_queued", Reply::None, fx, now);
        // Marking a ticket closes no leg; but a leg the same batch closed at this very `now` (a
        // transfer) would be found again by the facts of the ticket's change: that fact belongs to
        // the command that closed it, not here.
        applied.changes.retain(|c| !matches!(c, Change::Fact(_)));
        Some(applied)
    }

    /// Waiting tickets with notices that reached the hall's threshold on this leg: (id, ahead,
    /// minutes). Only while a window can call them: a queue nobody serves is not "near".
    fn near_turn_due(&self, now: Millis) -> Vec<(TicketId, u32, u32)> {
        let cfg = &self.cfg.notify;
        let mut due: Vec<(TicketId, u32, u32)> = self
            .tickets
            .values()
            .filter(|t| t.ticket.state == TicketState::Waiting)
            .filter(|t| {
                t.notify.is_some_and(|m| {
                    usize::try_from(m.near_legs).unwrap_or(usize::MAX) != t.ticket.legs.len()
                })
            })
            .filter_map(|t| {
                let f = self.forecast(t, now)?;
                let minutes = f.minutes()?;
                (f.ahead <= cfg.ahead || minutes <= cfg.minutes).then_some((
                    t.ticket.id,
                    f.ahead,
                    minutes,
                ))
            })
            .collect();
        due.sort_unstable();
        due
    }

    /// Open bookings of the next calendar day with notices whose reminder time has come, booked
    /// before it (a booking made after the reminder time needs none: it was just made).
    fn reminders_due(&self, now: Millis) -> Vec<i64> {
        let cal = &self.cfg.calendar;
        let today = cal.local_date(now);
        let Some(tomorrow) = today.tomorrow().ok() else {
            return Vec::new();
        };
        let tomorrow = tomorrow.to_string();
        let Some(send_at) = cal.instant(today, self.cfg.notify.reminder_time) else {
            return Vec::new();
        };
        if now < send_at {
            return Vec::new();
        }
        let mut due: Vec<i64> = self
            .bookings
            .values()
            .filter(|b| {
                b.notify
                    && !b.reminded
                    && b.state == BookingState::Booked
                    && b.date == tomorrow
                    && b.booked_at < send_at
            })
            .map(|b| b.id)
            .collect();
        due.sort_unstable();
        due
    }

    fn service_name(&self, id: &str) -> String {
        self.cfg
            .service(id)
            .map_or_else(|| id.to_string(), |s| s.info.name_zh.clone())
    }
}

//! Facts: what a report is made of. Every closed leg of a ticket becomes one [`LegFact`], every
//! ended pause one [`PauseFact`], written in the same transaction as the command that closed it and
//! never changed afterwards. A fact carries everything a report groups or filters by (day, service,
//! class, window, staff, hour, weekday) and every figure it adds up, so a report never re-reads a
//! ticket, and facts of several halls (keyed by the hall's id in the store) can be combined as they
//! are.
//!
//! Pure: built from a ticket, the hall's config and the instant, nothing else.

use qcall_protocol::{LegOutcome, Millis, Ticket, TicketClass, WindowNo};

use crate::config::HallConfig;

/// One closed leg of a ticket (R4, R23). No personal data: no citizen id, phone or name (R29).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LegFact {
    pub(crate) ticket_id: i64,
    /// 0-based index into the ticket's legs.
    pub(crate) leg: u32,
    /// The ticket's business day, `YYYY-MM-DD`.
    pub(crate) business_day: String,
    /// Monday = 1 … Sunday = 7, of the business day.
    pub(crate) weekday: u8,
    /// The hall's local hour (0–23) of the first call, or of joining the queue when never called.
    pub(crate) hour: u8,
    pub(crate) number: String,
    pub(crate) service_id: String,
    pub(crate) class: TicketClass,
    pub(crate) window: Option<WindowNo>,
    pub(crate) staff_no: Option<String>,
    pub(crate) issued_at: Millis,
    pub(crate) queued_at: Millis,
    pub(crate) called_at: Option<Millis>,
    pub(crate) started_at: Option<Millis>,
    pub(crate) finished_at: Millis,
    /// Joining the queue to the first call ([`qcall_protocol::Leg::wait_ms`]); `None` if never called.
    pub(crate) wait_ms: Option<Millis>,
    /// Service time without holds ([`qcall_protocol::Leg::handle_ms`]); `None` unless served.
    pub(crate) handle_ms: Option<Millis>,
    pub(crate) recalls: u32,
    pub(crate) requeues: u32,
    pub(crate) no_shows: u32,
    pub(crate) outcome: LegOutcome,
    pub(crate) special_call: bool,
    pub(crate) out_of_order: bool,
    /// The service's time limit (限时办结, its `expected_minutes`) when the leg closed.
    pub(crate) limit_minutes: u32,
    /// Handling took longer than the limit.
    pub(crate) over_limit: bool,
}

impl LegFact {
    /// The citizen was served on this leg (done, or transferred on from the window).
    pub(crate) fn served(&self) -> bool {
        self.handle_ms.is_some()
    }

    /// The leg ended without service after the citizen was marked no-show (过号).
    pub(crate) fn no_show(&self) -> bool {
        !self.served() && self.no_shows > 0 && self.outcome == LegOutcome::Expired
    }
}

/// One ended pause of a window (暂停, R14), with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PauseFact {
    pub(crate) business_day: String,
    pub(crate) weekday: u8,
    /// Local hour of the pause's start.
    pub(crate) hour: u8,
    pub(crate) window: WindowNo,
    pub(crate) staff_no: Option<String>,
    /// `break`, `meeting`, `consultation` or `other`.
    pub(crate) reason: String,
    pub(crate) since: Millis,
    pub(crate) until: Millis,
}

/// Monday = 1 … Sunday = 7 of a `YYYY-MM-DD` day (0 when unreadable).
pub(crate) fn weekday_of(day: &str) -> u8 {
    day.parse::<jiff::civil::Date>()
        .map(|d| d.weekday().to_monday_one_offset().unsigned_abs())
        .unwrap_or(0)
}

/// The fact of leg `index` of `ticket`, when that leg is closed.
pub(crate) fn leg_fact(cfg: &HallConfig, ticket: &Ticket, index: usize) -> Option<LegFact> {
    let leg = ticket.legs.get(index)?;
    let outcome = leg.outcome?;
    let finished_at = leg.finished_at?;
    let limit_minutes = cfg
        .service(&leg.service_id)
        .map(|s| s.info.expected_minutes)
        .unwrap_or(0);
    let handle_ms = if leg.served() { leg.handle_ms() } else { None };
    let hour_at = leg.called_at.unwrap_or(leg.queued_at);
    Some(LegFact {
        ticket_id: ticket.id,
        leg: u32::try_from(index).unwrap_or(u32::MAX),
        business_day: ticket.business_day.clone(),
        weekday: weekday_of(&ticket.business_day),
        hour: u8::try_from(cfg.calendar.local_minute(hour_at) / 60).unwrap_or(0),
        number: ticket.number.clone(),
        service_id: leg.service_id.clone(),
        class: ticket.class,
        window: leg.window,
        staff_no: leg.staff_no.clone(),
        issued_at: ticket.issued_at,
        queued_at: leg.queued_at,
        called_at: leg.called_at,
        started_at: leg.started_at,
        finished_at,
        wait_ms: leg.wait_ms(),
        handle_ms,
        recalls: u32::try_from(leg.recalls.len()).unwrap_or(u32::MAX),
        requeues: u32::try_from(leg.requeues.len()).unwrap_or(u32::MAX),
        no_shows: leg.no_shows,
        outcome,
        special_call: leg.special_call,
        out_of_order: leg.out_of_order,
        limit_minutes,
        over_limit: limit_minutes > 0
            && handle_ms.is_some_and(|h| h > i64::from(limit_minutes) * 60_000),
    })
}

/// The fact of the leg of `ticket` that a command at `now` closed, if it closed one: a command closes
/// at most one leg of a ticket (finish, transfer, cancel, expiry), the latest closed one. A later
/// command in the same millisecond on the same ticket gives the same fact again, which the store
/// keeps once (a closed leg never changes).
pub(crate) fn closed_at(cfg: &HallConfig, ticket: &Ticket, now: Millis) -> Option<LegFact> {
    let i = ticket.legs.iter().rposition(|l| l.outcome.is_some())?;
    (ticket.legs[i].finished_at == Some(now))
        .then(|| leg_fact(cfg, ticket, i))
        .flatten()
}

/// Every closed leg of `ticket`: what the backfill writes for tickets stored before facts existed.
pub(crate) fn all_closed(cfg: &HallConfig, ticket: &Ticket) -> Vec<LegFact> {
    (0..ticket.legs.len())
        .filter_map(|i| leg_fact(cfg, ticket, i))
        .collect()
}

/// The fact of a pause from `since` to `until`.
pub(crate) fn pause_fact(
    cfg: &HallConfig,
    business_day: &str,
    window: WindowNo,
    staff_no: Option<String>,
    reason: &str,
    since: Millis,
    until: Millis,
) -> PauseFact {
    PauseFact {
        business_day: business_day.to_string(),
        weekday: weekday_of(business_day),
        hour: u8::try_from(cfg.calendar.local_minute(since) / 60).unwrap_or(0),
        window,
        staff_no,
        reason: reason.to_string(),
        since,
        until: until.max(since),
    }
}

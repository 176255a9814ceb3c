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

/// One closed leg of a ticket (R4, R23). No personal data: no citizen id, phone or name (R29), and
/// not the ticket's number either (a report counts visits, it does not list them).
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

/// A busy hall's synthetic facts for the reports benchmark: `per_day` legs on each of the `days`
/// weekdays up to `last_day`, spread over the config's services (few busy, many quiet), windows and
/// two staff per window (alternating days), arrivals peaking mid-morning and mid-afternoon, waits
/// exponential (mean 8 min), handling around each service's limit, 4 % transfers, 3 % no-shows,
/// 2 % cancels, 1 % never called, 1 % special calls. Deterministic (a fixed-seed generator).
pub(crate) fn synthetic(
    cfg: &HallConfig,
    days: u32,
    per_day: u32,
    last_day: jiff::civil::Date,
    mut each_day: impl FnMut(Vec<LegFact>),
) {
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let services: Vec<(&str, u32)> = cfg
        .services
        .iter()
        .map(|s| (s.info.id.as_str(), s.info.expected_minutes.max(1)))
        .collect();
    let windows: Vec<WindowNo> = cfg.windows.iter().map(|w| w.number).collect();
    let staff: Vec<&str> = cfg
        .staff
        .iter()
        .filter(|s| s.role == qcall_protocol::Role::Staff)
        .map(|s| s.staff_no.as_str())
        .collect();
    let hours = [
        9u8, 9, 9, 10, 10, 10, 10, 11, 11, 11, 13, 14, 14, 14, 15, 15, 15, 16, 16, 17,
    ];
    let mut day = last_day;
    let mut dates = Vec::new();
    while dates.len() < days as usize {
        if day.weekday().to_monday_one_offset() <= 5 {
            dates.push(day);
        }
        day = day.yesterday().unwrap_or(day);
    }
    dates.reverse();
    let mut ticket_id = 0i64;
    for (d, date) in dates.iter().enumerate() {
        let business_day = date.to_string();
        let weekday = date.weekday().to_monday_one_offset().unsigned_abs();
        let midnight = date
            .to_zoned(cfg.calendar.tz.clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0);
        let mut legs = Vec::with_capacity(per_day as usize);
        while legs.len() < per_day as usize {
            ticket_id += 1;
            // A few busy services, many quiet ones.
            let si = ((next().powi(2)) * services.len() as f64) as usize % services.len();
            let (service, limit) = services[si];
            let wi = ((si * 3 + (next() * 3.0) as usize) * 7) % windows.len().max(1);
            let window = windows.get(wi).copied();
            let staff_no = (!staff.is_empty())
                .then(|| staff[(wi + (d % 2) * windows.len()) % staff.len()].to_string());
            let hour = hours[(next() * hours.len() as f64) as usize % hours.len()];
            let queued = midnight + i64::from(hour) * 3_600_000 + (next() * 3_600_000.0) as i64;
            let wait = (-(1.0 - next()).ln() * 480_000.0).min(7_200_000.0) as i64;
            let handle =
                (f64::from(limit) * 60_000.0 * (0.3 + 1.2 * next() * next() + 0.4 * next())) as i64;
            let r = next();
            let class = match next() {
                x if x < 0.85 => TicketClass::Normal,
                x if x < 0.95 => TicketClass::Priority,
                x if x < 0.98 => TicketClass::Appointment,
                _ => TicketClass::Green,
            };
            let called = queued + wait;
            let mut fact = LegFact {
                ticket_id,
                leg: 0,
                business_day: business_day.clone(),
                weekday,
                hour,
                service_id: service.to_string(),
                class,
                window,
                staff_no,
                issued_at: queued,
                queued_at: queued,
                called_at: Some(called),
                started_at: Some(called + 30_000),
                finished_at: called + 30_000 + handle,
                wait_ms: Some(wait),
                handle_ms: Some(handle),
                recalls: u32::from(next() < 0.1),
                requeues: 0,
                no_shows: 0,
                outcome: LegOutcome::Done,
                special_call: false,
                out_of_order: false,
                limit_minutes: limit,
                over_limit: handle > i64::from(limit) * 60_000,
            };
            if r < 0.03 {
                fact.no_shows = 1;
                fact.outcome = LegOutcome::Expired;
                (fact.handle_ms, fact.started_at, fact.over_limit) = (None, None, false);
            } else if r < 0.05 {
                fact.outcome = LegOutcome::Cancelled;
                (fact.called_at, fact.started_at, fact.wait_ms) = (None, None, None);
                (fact.handle_ms, fact.window, fact.staff_no, fact.over_limit) =
                    (None, None, None, false);
            } else if r < 0.06 {
                fact.outcome = LegOutcome::Expired;
                (fact.called_at, fact.started_at, fact.wait_ms) = (None, None, None);
                (fact.handle_ms, fact.window, fact.staff_no, fact.over_limit) =
                    (None, None, None, false);
            } else if r < 0.07 {
                (fact.special_call, fact.out_of_order) = (true, next() < 0.5);
            }
            let transferred = (0.07..0.11).contains(&r);
            if transferred {
                fact.outcome = LegOutcome::Transferred;
                let mut second = fact.clone();
                second.leg = 1;
                second.service_id = services[(si + 1) % services.len()].0.to_string();
                second.queued_at = fact.finished_at;
                second.called_at = Some(fact.finished_at + wait / 4);
                second.wait_ms = Some(wait / 4);
                second.outcome = LegOutcome::Done;
                legs.push(fact);
                legs.push(second);
            } else {
                legs.push(fact);
            }
        }
        each_day(legs);
    }
}

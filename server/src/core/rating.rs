//! Ratings (好差评, R21): a rating belongs to one served leg (`Leg::served`: done, or transferred
//! from the window); five levels only; one per leg, the first one stands; the two lowest levels
//! (差评) need a reason and open a case ([`super::case`]); accepted only within the hall's 评价时效
//! after the leg ended; it carries the leg's window, staff, service and times, never the citizen's
//! id or phone, and the citizen's words are kept with phone- and id-like digit runs masked (R29).
//!
//! **How the core learns of a closed leg.** Only open tickets live in the hall, but most rated legs
//! belong to tickets already done. The core stays pure: the engine, on its own thread and in
//! command order, puts the ticket into [`RateCmd::closed`] before applying a rating of a ticket that
//! is not open — from the commands of the batch being applied (a ticket finished a moment ago is
//! not in the database yet) or else from the store. An ended leg never changes again, so that copy
//! is as good as the live one; while the ticket is open the hall's own copy is used and `closed` is
//! ignored. Whether a leg was rated already is known without the store: the hall remembers every
//! rating of the last 评价时效 (a leg still open for rating can only have been rated within it), and
//! the database's `UNIQUE(ticket_id, leg)` is the backstop.

use std::collections::BTreeMap;

use qcall_protocol::{
    ApiError, CaseId, CaseTiming, ErrorCode, Event, GivenRating, Millis, PublicRatingStatus,
    RATING_TEXT_MAX_CHARS, Rating, RatingId, RatingInvite, RatingLevel, RatingNotice,
    RatingPadState, RatingReason, RatingSource, Ticket, TicketId, WindowNo,
};

use super::case::CaseLive;
use super::{Actor, Change, Effects, Hall, Reply, StoredTicket, err, json};
use crate::config::HallConfig;

/// What the rating family does (one arm of [`super::Command`]).
#[derive(Debug, Clone)]
pub(crate) enum RatingCmd {
    /// Rate a served leg, from the window's pad or the ticket's status page.
    Rate(Box<RateCmd>),
    /// The staff member concerned appeals a 差评 (申诉).
    Appeal { rating_id: RatingId, reason: String },
    /// A manager upholds or rejects an appeal (复核).
    DecideAppeal {
        rating_id: RatingId,
        uphold: bool,
        note: String,
    },
    /// A manager records a case's next step.
    MoveCase {
        case_id: CaseId,
        step: qcall_protocol::CaseStep,
        note: String,
    },
}

impl RatingCmd {
    /// The name the audit log uses.
    pub(crate) fn action(&self) -> &'static str {
        match self {
            RatingCmd::Rate(_) => "rate",
            RatingCmd::Appeal { .. } => "appeal",
            RatingCmd::DecideAppeal { .. } => "decide_appeal",
            RatingCmd::MoveCase { .. } => "case_step",
        }
    }

    /// What was asked, for request ids (R6).
    pub(crate) fn fingerprint(&self) -> String {
        match self {
            RatingCmd::Rate(r) => format!(
                "rate:{}:{:?}:{}:{:?}",
                r.ticket_id,
                r.leg,
                r.level.as_str(),
                r.reasons
            ),
            RatingCmd::Appeal { rating_id, .. } => format!("appeal:{rating_id}"),
            RatingCmd::DecideAppeal {
                rating_id, uphold, ..
            } => format!("decide_appeal:{rating_id}:{uphold}"),
            RatingCmd::MoveCase { case_id, step, .. } => {
                format!("case_step:{case_id}:{}", step.as_str())
            }
        }
    }
}

/// Who rates: the pad of a window, or the holder of the ticket's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RateVia {
    Pad { window: WindowNo },
    Token(String),
}

/// A rating as asked for.
#[derive(Debug, Clone)]
pub(crate) struct RateCmd {
    pub(crate) via: RateVia,
    pub(crate) ticket_id: TicketId,
    /// The leg; `None` (status page only) rates the ticket's last served leg.
    pub(crate) leg: Option<u32>,
    pub(crate) level: RatingLevel,
    pub(crate) reasons: Vec<RatingReason>,
    pub(crate) text: Option<String>,
    /// The ticket when it is not open, put here by the engine (see the module docs).
    pub(crate) closed: Option<Box<StoredTicket>>,
}

/// What the hall keeps of ratings and cases.
#[derive(Debug, Default, Clone)]
pub(crate) struct Book {
    pub(super) next_rating: RatingId,
    pub(super) next_case: CaseId,
    /// Ratings of the last 评价时效: (ticket, leg) → (rating, when given).
    pub(super) recent: BTreeMap<(TicketId, u32), (RatingId, Millis)>,
    /// Open cases.
    pub(super) cases: BTreeMap<CaseId, CaseLive>,
    /// Each open case's timing as last pushed.
    pub(super) timing: BTreeMap<CaseId, CaseTiming>,
    /// The latest invite per window (not stored: a pad asks again after a restart and gets none).
    pub(super) invites: BTreeMap<WindowNo, RatingInvite>,
}

/// What the store hands back at start for [`Book`].
#[derive(Debug, Default)]
pub(crate) struct RatingsRestored {
    pub(crate) next_rating_id: RatingId,
    pub(crate) next_case_id: CaseId,
    /// (ticket, leg, rating, when) of the ratings given since the start of the 评价时效.
    pub(crate) recent: Vec<(TicketId, u32, RatingId, Millis)>,
    pub(crate) open_cases: Vec<CaseLive>,
}

impl Book {
    /// The book after a restart: the ratings given within the last `valid` milliseconds (the
    /// 评价时效), the open cases with their timing as of `now`.
    pub(crate) fn restore(r: RatingsRestored, now: Millis, valid: Millis) -> Book {
        let cases: BTreeMap<CaseId, CaseLive> =
            r.open_cases.into_iter().map(|c| (c.id, c)).collect();
        Book {
            next_rating: r.next_rating_id.max(1),
            next_case: r.next_case_id.max(1),
            recent: r
                .recent
                .into_iter()
                .filter(|(.., at)| *at >= now - valid)
                .map(|(t, leg, id, at)| ((t, leg), (id, at)))
                .collect(),
            timing: cases.iter().map(|(id, c)| (*id, c.timing(now))).collect(),
            cases,
            invites: BTreeMap::new(),
        }
    }
}

/// 评价时效 in milliseconds.
pub(crate) fn valid_ms(cfg: &HallConfig) -> Millis {
    i64::from(cfg.ratings.valid_hours) * 3_600_000
}

/// The leg the status page rates: the last one served.
pub(crate) fn last_served(t: &Ticket) -> Option<u32> {
    t.legs
        .iter()
        .rposition(|l| l.served() && l.finished_at.is_some())
        .and_then(|i| u32::try_from(i).ok())
}

/// The status page's view of its rating: `given` is the rating of [`last_served`], when there is
/// one (read by the caller from the store).
pub(crate) fn public_status(
    cfg: &HallConfig,
    t: &Ticket,
    given: Option<GivenRating>,
    now: Millis,
) -> PublicRatingStatus {
    let leg = last_served(t);
    let valid_until = leg
        .and_then(|i| t.legs.get(i as usize))
        .and_then(|l| l.finished_at)
        .map(|end| end + valid_ms(cfg));
    PublicRatingStatus {
        leg,
        open: given.is_none() && valid_until.is_some_and(|v| now <= v),
        valid_until,
        rating: given,
    }
}

/// A rating as the citizen sees it again.
pub(crate) fn given(r: &Rating) -> GivenRating {
    GivenRating {
        level: r.level,
        reasons: r.reasons.clone(),
        text: r.text.clone(),
        at: r.at,
    }
}

/// What staff, managers and pads are told of a rating.
pub(crate) fn notice(r: &Rating) -> RatingNotice {
    RatingNotice {
        id: r.id,
        ticket_id: r.ticket_id,
        number: r.number.clone(),
        leg: r.leg,
        business_day: r.business_day.clone(),
        window: r.window,
        staff_no: r.staff_no.clone(),
        service_id: r.service_id.clone(),
        level: r.level,
        source: r.source,
        at: r.at,
        appeal: r.appeal,
        case_id: r.case_id,
    }
}

/// The citizen's words as kept: trimmed, at most [`RATING_TEXT_MAX_CHARS`], control characters
/// as spaces, and digit runs that may be a phone or id number masked (R29); blank is none.
pub(crate) fn clean_text(text: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > RATING_TEXT_MAX_CHARS {
        return Err(err(
            ErrorCode::BadRequest,
            format!("the text is longer than {RATING_TEXT_MAX_CHARS} characters"),
        ));
    }
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Ok(Some(mask_digits(&text)))
}

/// Digit runs that may be a phone or id number, masked (R29): 7–10 digits keep their last two,
/// longer runs (a mobile number, an 18-character id ending in X) their first three and last four
/// (`138****1234`). Fullwidth digits count too.
pub(crate) fn mask_digits(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && digit(chars[i]) {
            i += 1;
        }
        if i < chars.len() && i - start == 17 && matches!(chars[i], 'X' | 'x' | 'Ｘ') {
            i += 1;
        }
        let run = &chars[start..i];
        let n = run.len();
        let (head, tail) = match n {
            0..=6 => (n, 0),
            7..=10 => (0, 2),
            _ => (3, 4),
        };
        for (k, c) in run.iter().enumerate() {
            out.push(if k < head || k >= n - tail { *c } else { '*' });
        }
    }
    out
}

/// The reasons as kept: each once, in the order of [`RatingReason::ALL`]; required for a 差评 and
/// refused for the other levels.
fn check_reasons(
    level: RatingLevel,
    reasons: &[RatingReason],
) -> Result<Vec<RatingReason>, ApiError> {
    let mut kept: Vec<RatingReason> = reasons.to_vec();
    kept.sort();
    kept.dedup();
    if kept.len() != reasons.len() {
        return Err(err(ErrorCode::BadRequest, "a reason is given twice"));
    }
    if level.is_bad() && kept.is_empty() {
        return Err(err(
            ErrorCode::ReasonRequired,
            "不满意 and 非常不满意 need at least one reason: attitude, efficiency, skill, environment or other",
        ));
    }
    if !level.is_bad() && !kept.is_empty() {
        return Err(err(
            ErrorCode::BadRequest,
            "reasons are given only with 不满意 or 非常不满意",
        ));
    }
    Ok(kept)
}

impl Hall {
    /// Applies a rating-family command.
    pub(super) fn rating_command(
        &mut self,
        actor: &Actor,
        cmd: RatingCmd,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        match cmd {
            RatingCmd::Rate(r) => self.rate(actor, *r, now, fx),
            RatingCmd::Appeal { rating_id, reason } => {
                self.appeal(actor, rating_id, &reason, now, fx)
            }
            RatingCmd::DecideAppeal {
                rating_id,
                uphold,
                note,
            } => self.decide_appeal(actor, rating_id, uphold, &note, now, fx),
            RatingCmd::MoveCase {
                case_id,
                step,
                note,
            } => self.move_case(actor, case_id, step, &note, now, fx),
        }
    }

    fn rate(
        &mut self,
        actor: &Actor,
        r: RateCmd,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        // The input first: nothing about the ticket is told for a malformed request.
        let reasons = check_reasons(r.level, &r.reasons)?;
        let text = clean_text(r.text.as_deref())?;
        match (&r.via, actor) {
            (RateVia::Pad { .. }, Actor::Pad(_)) | (RateVia::Token(_), Actor::Public) => {}
            _ => {
                return Err(err(
                    ErrorCode::Forbidden,
                    "ratings come from the window's rating pad or the ticket's own page",
                ));
            }
        }
        let unknown = || err(ErrorCode::UnknownTicket, "no such ticket");
        let stored: &StoredTicket = match self.tickets.get(&r.ticket_id) {
            Some(open) => open,
            None => r
                .closed
                .as_deref()
                .filter(|t| t.ticket.id == r.ticket_id)
                .ok_or_else(unknown)?,
        };
        if let RateVia::Token(token) = &r.via
            && stored.token != *token
        {
            return Err(unknown());
        }
        let t = &stored.ticket;
        let index = match (r.leg, &r.via) {
            (Some(i), _) => i,
            (None, RateVia::Token(_)) => last_served(t).ok_or_else(|| {
                err(
                    ErrorCode::NotServed,
                    format!("ticket {} has not been served yet", t.number),
                )
            })?,
            (None, RateVia::Pad { .. }) => {
                return Err(err(ErrorCode::BadRequest, "name the leg to rate"));
            }
        };
        let leg = t.legs.get(index as usize).ok_or_else(|| {
            err(
                ErrorCode::UnknownLeg,
                format!("ticket {} has {} legs", t.number, t.legs.len()),
            )
        })?;
        let (Some(ended), true) = (leg.finished_at, leg.served()) else {
            return Err(err(
                ErrorCode::NotServed,
                format!(
                    "leg {index} of ticket {} was not served at a window: nothing to rate",
                    t.number
                ),
            ));
        };
        let Some(window) = leg.window else {
            return Err(err(ErrorCode::NotServed, "the leg has no window"));
        };
        if let RateVia::Pad { window: pad } = r.via
            && pad != window
        {
            return Err(err(
                ErrorCode::Forbidden,
                format!("this rating pad rates window {pad} only; the leg was served at {window}"),
            ));
        }
        if let Some((id, _)) = self.ratings.recent.get(&(t.id, index)) {
            return Err(err(
                ErrorCode::AlreadyRated,
                format!("this service was rated already (rating {id}): one rating per service"),
            ));
        }
        let valid_until = ended + valid_ms(&self.cfg);
        if now > valid_until {
            return Err(err(
                ErrorCode::RatingExpired,
                format!(
                    "a service can be rated within {} hours after it ended",
                    self.cfg.ratings.valid_hours
                ),
            ));
        }
        // Every check passed: from here on the hall changes.
        let id = self.ratings.next_rating;
        let case_id = r.level.is_bad().then_some(self.ratings.next_case);
        let rating = Rating {
            id,
            ticket_id: t.id,
            number: t.number.clone(),
            leg: index,
            business_day: t.business_day.clone(),
            service_id: leg.service_id.clone(),
            window,
            staff_no: leg.staff_no.clone(),
            case_no: stored.case_nos.get(&index).cloned(),
            level: r.level,
            reasons,
            text,
            source: match r.via {
                RateVia::Pad { .. } => RatingSource::Pad,
                RateVia::Token(_) => RatingSource::Phone,
            },
            at: now,
            called_at: leg.called_at,
            started_at: leg.started_at,
            finished_at: ended,
            appeal: qcall_protocol::AppealState::None,
            case_id,
        };
        let number = t.number.clone();
        let public = public_status(&self.cfg, t, Some(given(&rating)), now);
        self.ratings.next_rating += 1;
        self.ratings
            .recent
            .insert((rating.ticket_id, index), (id, now));
        if self
            .ratings
            .invites
            .get(&window)
            .is_some_and(|i| i.ticket_id == rating.ticket_id && i.leg == index)
        {
            self.ratings.invites.remove(&window);
        }
        fx.window = Some(window);
        fx.ticket = Some((rating.ticket_id, number));
        fx.detail = json(serde_json::json!({
            "rating_id": id,
            "leg": index,
            "level": rating.level,
            "reasons": rating.reasons,
            "source": rating.source,
            "staff_no": rating.staff_no,
            "case_id": case_id,
            // The words stay out of the log (R29): a citizen may write a name.
            "text_chars": rating.text.as_ref().map(|t| t.chars().count()),
        }));
        fx.changes.push(Change::Rating(Box::new(rating.clone())));
        fx.events.push(Event::Rated {
            rating: notice(&rating),
        });
        if case_id.is_some() {
            self.open_case(&rating, now, fx);
        }
        Ok(match r.via {
            RateVia::Pad { .. } => Reply::Rating(Box::new(rating)),
            RateVia::Token(_) => Reply::PublicRating(Box::new(public)),
        })
    }

    /// A served leg just ended at `window` (finish or transfer): its rating pad invites the citizen.
    pub(super) fn invite_rating(
        &mut self,
        t: &StoredTicket,
        leg: usize,
        now: Millis,
        fx: &mut Effects,
    ) {
        let Some(l) = t.ticket.legs.get(leg) else {
            return;
        };
        let (Some(window), Ok(index)) = (l.window, u32::try_from(leg)) else {
            return;
        };
        if !l.served() {
            return;
        }
        let ended = l.finished_at.unwrap_or(now);
        let invite = RatingInvite {
            window,
            ticket_id: t.ticket.id,
            leg: index,
            number: t.ticket.number.clone(),
            service_id: l.service_id.clone(),
            staff_no: l.staff_no.clone(),
            ended_at: ended,
            valid_until: ended + valid_ms(&self.cfg),
        };
        self.ratings.invites.insert(window, invite.clone());
        fx.events.push(Event::RatingInvite { invite });
    }

    /// What a rating pad asks at every (re)connect: its idle time, the window's staff card and the
    /// invite still on offer.
    pub(crate) fn pad_state(&self, window: WindowNo, now: Millis) -> RatingPadState {
        let idle = self.cfg.ratings.pad_idle_seconds;
        let invite = self
            .ratings
            .invites
            .get(&window)
            .filter(|i| now - i.ended_at <= i64::from(idle) * 1000)
            .filter(|i| !self.ratings.recent.contains_key(&(i.ticket_id, i.leg)))
            .cloned();
        RatingPadState {
            window,
            idle_seconds: idle,
            staff: self.window_view(window).and_then(|w| w.staff),
            invite,
        }
    }

    /// What the clock alone changes here: ratings older than the 评价时效 and stale invites are
    /// forgotten (nothing refers to them any more), and each open case whose timing changed (due
    /// soon, overdue) is pushed to managers and logged.
    pub(super) fn rating_clock(&mut self, now: Millis) -> Vec<super::Applied> {
        let oldest = now - valid_ms(&self.cfg);
        self.ratings.recent.retain(|_, (_, at)| *at >= oldest);
        let idle = i64::from(self.cfg.ratings.pad_idle_seconds) * 1000;
        self.ratings.invites.retain(|_, i| now - i.ended_at <= idle);
        let changed: Vec<(CaseId, CaseTiming)> = self
            .ratings
            .cases
            .values()
            .map(|c| (c.id, c.timing(now)))
            .filter(|(id, timing)| self.ratings.timing.get(id) != Some(timing))
            .collect();
        let mut out = Vec::new();
        for (id, timing) in changed {
            let was = self.ratings.timing.insert(id, timing);
            let Some(case) = self.ratings.cases.get(&id) else {
                continue;
            };
            let mut fx = Effects {
                window: Some(case.rating.window),
                ticket: Some((case.rating.ticket_id, case.rating.number.clone())),
                detail: json(serde_json::json!({ "case_id": id, "timing": timing, "was": was })),
                ..Effects::default()
            };
            fx.events.push(Event::Case {
                case: Box::new(case.view(now)),
            });
            out.push(self.record(&Actor::System, "case_timing", Reply::None, fx, now));
        }
        out
    }
}

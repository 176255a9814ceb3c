//! Bad-rating cases (差评整改, R22): every 差评 opens a case with the steps 核实 → 整改 → 反馈 →
//! 回访, each recorded by a manager with who, when and a note. Deadlines are in working days of the
//! hall's calendar (`Calendar::working_days_after`): one per step, counted from the end of the step
//! before it (the rating for 核实), and one for the whole case, counted from the rating; the hall's
//! `[cases]` table sets them. A case is due soon in its last working days and overdue past a
//! deadline, worked out from the clock ([`CaseLive::timing`]).
//!
//! 申诉复核: the staff member who served may appeal a 差评 as false or malicious, with a reason,
//! while its case is open and within the hall's appeal days; a manager upholds it (the rating stays
//! on record and in the audit log but leaves every satisfaction figure, and the case closes: there
//! is nothing to put right) or rejects it (the case goes on). A case cannot be closed while its
//! appeal waits for a decision.
//!
//! Only open cases live in the hall; a closed case is written and dropped, like a closed ticket.

use qcall_protocol::{
    ApiError, Appeal, AppealState, CASE_NOTE_MAX_CHARS, Case, CaseId, CaseOutcome, CaseStep,
    CaseStepDone, CaseTiming, ErrorCode, Event, Millis, Rating, RatingId, Role,
};
use serde::{Deserialize, Serialize};

use super::rating::{mask_digits, notice};
use super::{Actor, Change, Effects, Hall, Reply, err, json};

/// A case as the hall and the store keep it: the wire [`Case`] plus the instants its timing flips.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CaseLive {
    pub(crate) id: CaseId,
    pub(crate) rating: Rating,
    pub(crate) opened_at: Millis,
    /// The steps done; stored as rows of their own (`case_steps`), not in the case's JSON.
    #[serde(skip)]
    pub(crate) steps: Vec<CaseStepDone>,
    pub(crate) due_at: Millis,
    /// From here on the whole case is due soon.
    pub(crate) due_soon_at: Millis,
    /// The next step's deadline and warning instant; `None` once closed.
    pub(crate) step_due_at: Option<Millis>,
    pub(crate) step_due_soon_at: Option<Millis>,
    pub(crate) appeal: Option<Appeal>,
    pub(crate) closed_at: Option<Millis>,
    pub(crate) outcome: Option<CaseOutcome>,
}

impl CaseLive {
    /// The step to do next.
    pub(crate) fn next_step(&self) -> Option<CaseStep> {
        if self.closed_at.is_some() {
            return None;
        }
        match self.steps.last() {
            None => Some(CaseStep::Verify),
            Some(done) => done.step.next(),
        }
    }

    /// On time, due soon or overdue at `now`: the worse of the whole case and its current step.
    pub(crate) fn timing(&self, now: Millis) -> CaseTiming {
        if self.closed_at.is_some() {
            return CaseTiming::Closed;
        }
        let past = |at: Option<Millis>| at.is_some_and(|at| now > at);
        if past(Some(self.due_at)) || past(self.step_due_at) {
            CaseTiming::Overdue
        } else if past(Some(self.due_soon_at)) || past(self.step_due_soon_at) {
            CaseTiming::DueSoon
        } else {
            CaseTiming::OnTime
        }
    }

    /// The case as clients see it at `now`.
    pub(crate) fn view(&self, now: Millis) -> Case {
        Case {
            id: self.id,
            rating: self.rating.clone(),
            opened_at: self.opened_at,
            steps: self.steps.clone(),
            next_step: self.next_step(),
            step_due_at: self.step_due_at,
            due_at: self.due_at,
            timing: self.timing(now),
            as_of: now,
            appeal: self.appeal.clone(),
            closed_at: self.closed_at,
            outcome: self.outcome,
        }
    }
}

/// A note, reason or decision: trimmed, 1–[`CASE_NOTE_MAX_CHARS`] characters.
fn note_text(text: &str, what: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > CASE_NOTE_MAX_CHARS {
        return Err(err(
            ErrorCode::BadRequest,
            format!("the {what} must be 1–{CASE_NOTE_MAX_CHARS} characters"),
        ));
    }
    let text: String = text
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    // Managers write down calls to citizens: their numbers are masked like everywhere (R29).
    Ok(mask_digits(&text))
}

impl Hall {
    /// Only managers (and admins) move cases and decide appeals (R22, R27).
    fn manager(&self, actor: &Actor) -> Result<String, ApiError> {
        match actor {
            Actor::Staff(no)
                if self
                    .cfg
                    .staff(no)
                    .is_some_and(|s| matches!(s.role, Role::Manager | Role::Admin)) =>
            {
                Ok(no.clone())
            }
            _ => Err(err(
                ErrorCode::Forbidden,
                "only hall managers handle 差评 cases",
            )),
        }
    }

    /// The step's deadline and warning instant for a step starting at `from`.
    fn step_dues(&self, step: CaseStep, from: Millis) -> (Millis, Millis) {
        let cal = &self.cfg.calendar;
        let due = cal.working_days_after(from, self.cfg.cases.step_days(step));
        (
            due,
            cal.working_days_before(due, self.cfg.cases.due_soon_working_days),
        )
    }

    /// Opens the case of a 差评 just given (the rating names it already).
    pub(super) fn open_case(&mut self, rating: &Rating, now: Millis, fx: &mut Effects) {
        let Some(id) = rating.case_id else {
            return;
        };
        let cal = &self.cfg.calendar;
        let due_at = cal.working_days_after(now, self.cfg.cases.working_days);
        let due_soon_at = cal.working_days_before(due_at, self.cfg.cases.due_soon_working_days);
        let (step_due, step_soon) = self.step_dues(CaseStep::Verify, now);
        let case = CaseLive {
            id,
            rating: rating.clone(),
            opened_at: now,
            steps: Vec::new(),
            due_at,
            due_soon_at,
            step_due_at: Some(step_due),
            step_due_soon_at: Some(step_soon),
            appeal: None,
            closed_at: None,
            outcome: None,
        };
        self.ratings.next_case = id + 1;
        self.ratings.timing.insert(id, case.timing(now));
        fx.changes.push(Change::Case(Box::new(case.clone())));
        fx.events.push(Event::Case {
            case: Box::new(case.view(now)),
        });
        self.ratings.cases.insert(id, case);
    }

    /// The open case of a rating.
    fn case_of_rating(&self, rating_id: RatingId) -> Result<&CaseLive, ApiError> {
        self.ratings
            .cases
            .values()
            .find(|c| c.rating.id == rating_id)
            .ok_or_else(|| {
                err(
                    ErrorCode::AppealClosed,
                    format!(
                        "rating {rating_id} has no open case: only a 差评 whose case is open can be appealed"
                    ),
                )
            })
    }

    /// Writes a changed case: the store, the push, and the hall (dropped once closed).
    fn case_changed(&mut self, case: CaseLive, now: Millis, fx: &mut Effects) -> Reply {
        let view = case.view(now);
        fx.window = Some(case.rating.window);
        fx.ticket = Some((case.rating.ticket_id, case.rating.number.clone()));
        fx.changes.push(Change::Case(Box::new(case.clone())));
        fx.events.push(Event::Case {
            case: Box::new(view.clone()),
        });
        if case.closed_at.is_some() {
            self.ratings.cases.remove(&case.id);
            self.ratings.timing.remove(&case.id);
        } else {
            self.ratings.timing.insert(case.id, view.timing);
            self.ratings.cases.insert(case.id, case);
        }
        Reply::Case(Box::new(view))
    }

    /// 申诉: the staff member who served appeals a 差评 as false or malicious.
    pub(super) fn appeal(
        &mut self,
        actor: &Actor,
        rating_id: RatingId,
        reason: &str,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let reason = note_text(reason, "reason")?;
        let Actor::Staff(staff_no) = actor else {
            return Err(err(ErrorCode::Forbidden, "only staff appeal a rating"));
        };
        let case = self.case_of_rating(rating_id)?;
        if case.rating.staff_no.as_deref() != Some(staff_no.as_str()) {
            return Err(err(
                ErrorCode::Forbidden,
                "only the staff member who served may appeal this rating",
            ));
        }
        if let Some(a) = &case.appeal {
            return Err(err(
                ErrorCode::AppealClosed,
                format!(
                    "this rating was appealed already (the appeal is {})",
                    a.state.as_str()
                ),
            ));
        }
        let until = self
            .cfg
            .calendar
            .working_days_after(case.rating.at, self.cfg.cases.appeal_working_days);
        if now > until {
            return Err(err(
                ErrorCode::AppealClosed,
                format!(
                    "a rating can be appealed within {} working days",
                    self.cfg.cases.appeal_working_days
                ),
            ));
        }
        let mut case = case.clone();
        case.appeal = Some(Appeal {
            state: AppealState::Pending,
            by: staff_no.clone(),
            at: now,
            reason: reason.clone(),
            decided_by: None,
            decided_at: None,
            decision_note: None,
        });
        case.rating.appeal = AppealState::Pending;
        fx.detail = json(serde_json::json!({
            "rating_id": rating_id, "case_id": case.id, "reason": reason,
        }));
        fx.changes.push(Change::RatingAppeal {
            id: rating_id,
            appeal: AppealState::Pending,
        });
        fx.events.push(Event::Rated {
            rating: notice(&case.rating),
        });
        Ok(self.case_changed(case, now, fx))
    }

    /// 复核: a manager upholds (the rating leaves the figures, the case closes) or rejects an appeal.
    pub(super) fn decide_appeal(
        &mut self,
        actor: &Actor,
        rating_id: RatingId,
        uphold: bool,
        note: &str,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let note = note_text(note, "decision note")?;
        let manager = self.manager(actor)?;
        let case = self.case_of_rating(rating_id)?;
        let Some(appeal) = case
            .appeal
            .as_ref()
            .filter(|a| a.state == AppealState::Pending)
        else {
            return Err(err(
                ErrorCode::WrongState,
                format!("rating {rating_id} has no appeal waiting for a decision"),
            ));
        };
        let state = if uphold {
            AppealState::Upheld
        } else {
            AppealState::Rejected
        };
        let mut case = case.clone();
        case.appeal = Some(Appeal {
            state,
            decided_by: Some(manager.clone()),
            decided_at: Some(now),
            decision_note: Some(note.clone()),
            ..appeal.clone()
        });
        case.rating.appeal = state;
        if uphold {
            case.closed_at = Some(now);
            case.outcome = Some(CaseOutcome::AppealUpheld);
            case.step_due_at = None;
            case.step_due_soon_at = None;
        }
        fx.detail = json(serde_json::json!({
            "rating_id": rating_id, "case_id": case.id, "appeal": state, "note": note,
        }));
        fx.changes.push(Change::RatingAppeal {
            id: rating_id,
            appeal: state,
        });
        fx.events.push(Event::Rated {
            rating: notice(&case.rating),
        });
        Ok(self.case_changed(case, now, fx))
    }

    /// A manager records the next step of a case (核实 → 整改 → 反馈 → 回访); 回访 closes it.
    pub(super) fn move_case(
        &mut self,
        actor: &Actor,
        case_id: CaseId,
        step: CaseStep,
        note: &str,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let note = note_text(note, "note")?;
        let manager = self.manager(actor)?;
        let case = self
            .ratings
            .cases
            .get(&case_id)
            .ok_or_else(|| err(ErrorCode::UnknownCase, format!("no open case {case_id}")))?;
        let next = case.next_step();
        if next != Some(step) {
            return Err(err(
                ErrorCode::WrongState,
                format!(
                    "the next step of case {case_id} is {}, not {}",
                    next.map_or("none", CaseStep::name_zh),
                    step.name_zh()
                ),
            ));
        }
        if step == CaseStep::FollowUp
            && case
                .appeal
                .as_ref()
                .is_some_and(|a| a.state == AppealState::Pending)
        {
            return Err(err(
                ErrorCode::WrongState,
                "the rating's appeal waits for a decision: decide it before closing the case",
            ));
        }
        let mut case = case.clone();
        let done = CaseStepDone {
            step,
            by: manager,
            at: now,
            note: note.clone(),
            due_at: case.step_due_at.unwrap_or(case.due_at),
        };
        case.steps.push(done.clone());
        match step.next() {
            Some(following) => {
                let (due, soon) = self.step_dues(following, now);
                case.step_due_at = Some(due);
                case.step_due_soon_at = Some(soon);
            }
            None => {
                case.closed_at = Some(now);
                case.outcome = Some(CaseOutcome::Resolved);
                case.step_due_at = None;
                case.step_due_soon_at = None;
            }
        }
        fx.detail = json(serde_json::json!({
            "case_id": case_id, "step": step, "note": note, "on_time": now <= done.due_at,
        }));
        fx.changes.push(Change::CaseStep {
            case_id,
            done: Box::new(done),
        });
        Ok(self.case_changed(case, now, fx))
    }
}

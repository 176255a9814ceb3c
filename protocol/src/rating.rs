//! Ratings (好差评, R21) and bad-rating cases (差评整改, R22) on the wire: what a rating pad or the
//! citizen's status page sends, what staff and managers read, the cases with their four steps, the
//! appeals (申诉复核), and the export for a provincial 好差评 platform.
//!
//! A rating belongs to one served leg of a ticket (`Leg::served`): the pad at that leg's window, or
//! the ticket's own status page, rates it once, within the hall's 评价时效 after the leg ended. It
//! carries the leg's window, staff, service and times, never the citizen's id or phone.

use serde::{Deserialize, Serialize};

use crate::{Millis, StaffCard, TicketId, WindowNo};

/// A rating's identity in the database.
pub type RatingId = u64;

/// A case's identity in the database.
pub type CaseId = u64;

/// The longest free text of a rating, in characters (Unicode scalar values).
pub const RATING_TEXT_MAX_CHARS: usize = 200;

/// The longest note of a case step, an appeal or an appeal decision, in characters.
pub const CASE_NOTE_MAX_CHARS: usize = 500;

/// The longest 办件编号 staff may enter at finish, in characters.
pub const CASE_NO_MAX_CHARS: usize = 64;

/// The five levels of GB/T 39734, best first. There are no others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    /// 非常满意.
    VerySatisfied,
    /// 满意.
    Satisfied,
    /// 基本满意.
    Basic,
    /// 不满意 (差评).
    Dissatisfied,
    /// 非常不满意 (差评).
    VeryDissatisfied,
}

impl RatingLevel {
    /// Every level, best first: the order of the buttons on a pad or page.
    pub const ALL: [RatingLevel; 5] = [
        RatingLevel::VerySatisfied,
        RatingLevel::Satisfied,
        RatingLevel::Basic,
        RatingLevel::Dissatisfied,
        RatingLevel::VeryDissatisfied,
    ];

    /// The wire name, also the database's.
    pub fn as_str(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "very_satisfied",
            RatingLevel::Satisfied => "satisfied",
            RatingLevel::Basic => "basic",
            RatingLevel::Dissatisfied => "dissatisfied",
            RatingLevel::VeryDissatisfied => "very_dissatisfied",
        }
    }

    /// A level from its wire name.
    pub fn parse(text: &str) -> Option<RatingLevel> {
        RatingLevel::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// 差评: the two lowest levels. They need a reason and open a case (R22).
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            RatingLevel::Dissatisfied | RatingLevel::VeryDissatisfied
        )
    }

    /// The score platforms use: 5 for 非常满意 down to 1 for 非常不满意.
    pub fn score(self) -> u8 {
        match self {
            RatingLevel::VerySatisfied => 5,
            RatingLevel::Satisfied => 4,
            RatingLevel::Basic => 3,
            RatingLevel::Dissatisfied => 2,
            RatingLevel::VeryDissatisfied => 1,
        }
    }

    /// The Chinese word, as exports and the status page print it.
    pub fn name_zh(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "非常满意",
            RatingLevel::Satisfied => "满意",
            RatingLevel::Basic => "基本满意",
            RatingLevel::Dissatisfied => "不满意",
            RatingLevel::VeryDissatisfied => "非常不满意",
        }
    }
}

/// Why a 差评 was given. At least one is required for the two lowest levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RatingReason {
    /// 态度.
    Attitude,
    /// 效率.
    Efficiency,
    /// 水平 (professional skill).
    Skill,
    /// 环境.
    Environment,
    /// 其他.
    Other,
}

impl RatingReason {
    /// Every reason, in the order of the chips on a pad or page.
    pub const ALL: [RatingReason; 5] = [
        RatingReason::Attitude,
        RatingReason::Efficiency,
        RatingReason::Skill,
        RatingReason::Environment,
        RatingReason::Other,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RatingReason::Attitude => "attitude",
            RatingReason::Efficiency => "efficiency",
            RatingReason::Skill => "skill",
            RatingReason::Environment => "environment",
            RatingReason::Other => "other",
        }
    }

    /// The Chinese word.
    pub fn name_zh(self) -> &'static str {
        match self {
            RatingReason::Attitude => "态度",
            RatingReason::Efficiency => "效率",
            RatingReason::Skill => "水平",
            RatingReason::Environment => "环境",
            RatingReason::Other => "其他",
        }
    }
}

/// Where a rating was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RatingSource {
    /// The rating pad (评价器) at the window.
    Pad,
    /// The citizen's phone: the status page of the ticket's QR code.
    Phone,
}

impl RatingSource {
    /// The wire name, also the database's.
    pub fn as_str(self) -> &'static str {
        match self {
            RatingSource::Pad => "pad",
            RatingSource::Phone => "phone",
        }
    }
}

/// Where a rating's appeal (申诉复核) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppealState {
    /// Not appealed.
    #[default]
    None,
    /// Appealed by the staff member concerned; a manager decides.
    Pending,
    /// The manager found the rating false or malicious: it stays on record (and in the audit
    /// log) but is left out of every satisfaction figure.
    Upheld,
    /// The manager kept the rating as given.
    Rejected,
}

impl AppealState {
    /// The wire name, also the database's.
    pub fn as_str(self) -> &'static str {
        match self {
            AppealState::None => "none",
            AppealState::Pending => "pending",
            AppealState::Upheld => "upheld",
            AppealState::Rejected => "rejected",
        }
    }
}

/// `POST /rating-pad/ratings`: the rating pad at a window rates a leg served there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingRequest {
    /// One per citizen's 提交; a retry with the same id gets the same answer and stores nothing more.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: String,
    /// The ticket of the invite.
    pub ticket_id: TicketId,
    /// The leg of the invite: 0-based index into the ticket's legs.
    pub leg: u32,
    /// One of the five levels.
    pub level: RatingLevel,
    /// Required (1–5, each once) for `dissatisfied` and `very_dissatisfied`; refused otherwise.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 5))]
    pub reasons: Vec<RatingReason>,
    /// Optional free text, at most 200 characters; blank counts as none. Digit runs that look
    /// like a phone or id number are masked before storing (R29).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub text: Option<String>,
}

/// `POST /public/tickets/{token}/rating`: the citizen rates from the status page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicRatingRequest {
    /// One per 提交 on the page; a retry with the same id gets the same answer.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: String,
    /// The leg to rate (0-based); by default the ticket's last served leg.
    #[serde(default)]
    pub leg: Option<u32>,
    /// One of the five levels.
    pub level: RatingLevel,
    /// Required (1–5, each once) for `dissatisfied` and `very_dissatisfied`; refused otherwise.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 5))]
    pub reasons: Vec<RatingReason>,
    /// Optional free text, at most 200 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub text: Option<String>,
}

/// A rating as staff and managers read it. Never the citizen's id or phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    /// Database identity.
    pub id: RatingId,
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number.
    pub number: String,
    /// The leg rated: 0-based index into the ticket's legs.
    pub leg: u32,
    /// The business day of the service (the ticket's), which reports group by.
    pub business_day: String,
    /// The leg's service.
    pub service_id: String,
    /// The leg's window.
    pub window: WindowNo,
    /// Who served the leg (工号).
    pub staff_no: Option<String>,
    /// 办件编号, when staff entered one at finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_no: Option<String>,
    /// The level.
    pub level: RatingLevel,
    /// The reasons of a 差评.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<RatingReason>,
    /// The citizen's words, phone and id numbers masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Pad or phone.
    pub source: RatingSource,
    /// When it was given.
    pub at: Millis,
    /// When the leg was first called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called_at: Option<Millis>,
    /// When service started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Millis>,
    /// When the leg ended (done or transferred).
    pub finished_at: Millis,
    /// Its appeal.
    pub appeal: AppealState,
    /// The case a 差评 opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
}

/// `GET /ratings`: a page of ratings, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingPage {
    /// The ratings.
    pub ratings: Vec<Rating>,
    /// Pass as `before` for the next (older) page; `None` at the end.
    pub next_before: Option<RatingId>,
}

/// A served leg just ended at a window: its rating pad asks the citizen (R33).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingInvite {
    /// The window whose pad shows it.
    pub window: WindowNo,
    /// The ticket to send back in the rating.
    pub ticket_id: TicketId,
    /// The leg to send back in the rating.
    pub leg: u32,
    /// The number, to show on the pad (请对本次服务进行评价 · A001).
    pub number: String,
    /// The leg's service.
    pub service_id: String,
    /// Who served (the pad shows the staff card of the window).
    pub staff_no: Option<String>,
    /// When the leg ended.
    pub ended_at: Millis,
    /// After this the rating is refused (评价时效).
    pub valid_until: Millis,
}

/// `GET /rating-pad`: what a rating pad needs besides its WebSocket, asked at every (re)connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingPadState {
    /// The pad's window.
    pub window: WindowNo,
    /// Seconds without a touch after which the pad returns to idle and records nothing.
    pub idle_seconds: u32,
    /// Who is signed in at the window (亮身份).
    pub staff: Option<StaffCard>,
    /// The invite still on offer: the last served leg at this window if it ended less than
    /// `idle_seconds` ago and is not rated yet.
    pub invite: Option<RatingInvite>,
}

/// A rating given, or its appeal changed: pushed to staff, managers and the window's rating pad
/// (the pad only for new ratings). Figures only: no reasons, no text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingNotice {
    /// The rating.
    pub id: RatingId,
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number.
    pub number: String,
    /// The leg rated.
    pub leg: u32,
    /// The business day of the service.
    pub business_day: String,
    /// The leg's window.
    pub window: WindowNo,
    /// Who served.
    pub staff_no: Option<String>,
    /// The leg's service.
    pub service_id: String,
    /// The level.
    pub level: RatingLevel,
    /// Pad or phone.
    pub source: RatingSource,
    /// When it was given.
    pub at: Millis,
    /// Its appeal now.
    pub appeal: AppealState,
    /// The case a 差评 opened.
    pub case_id: Option<CaseId>,
}

/// What the citizen's status page shows of the rating of its ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicRatingStatus {
    /// The leg the page rates (the last served one); `None` while no leg was served.
    pub leg: Option<u32>,
    /// Whether a rating can be given now: served, not rated, within 评价时效.
    pub open: bool,
    /// Until when it can be given.
    pub valid_until: Option<Millis>,
    /// The rating already given for that leg.
    pub rating: Option<GivenRating>,
}

/// A rating as the citizen who gave it sees it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GivenRating {
    /// The level.
    pub level: RatingLevel,
    /// The reasons.
    pub reasons: Vec<RatingReason>,
    /// The words, as stored (masked).
    pub text: Option<String>,
    /// When.
    pub at: Millis,
}

/// The four steps of a case, in order (R22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStep {
    /// 核实: find out what happened.
    Verify,
    /// 整改: put it right.
    Rectify,
    /// 反馈: answer the citizen.
    Answer,
    /// 回访: follow up with the citizen; closes the case.
    FollowUp,
}

impl CaseStep {
    /// The steps in order.
    pub const ALL: [CaseStep; 4] = [
        CaseStep::Verify,
        CaseStep::Rectify,
        CaseStep::Answer,
        CaseStep::FollowUp,
    ];

    /// The wire name, also the database's.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStep::Verify => "verify",
            CaseStep::Rectify => "rectify",
            CaseStep::Answer => "answer",
            CaseStep::FollowUp => "follow_up",
        }
    }

    /// The step after this one.
    pub fn next(self) -> Option<CaseStep> {
        match self {
            CaseStep::Verify => Some(CaseStep::Rectify),
            CaseStep::Rectify => Some(CaseStep::Answer),
            CaseStep::Answer => Some(CaseStep::FollowUp),
            CaseStep::FollowUp => None,
        }
    }

    /// The Chinese word.
    pub fn name_zh(self) -> &'static str {
        match self {
            CaseStep::Verify => "核实",
            CaseStep::Rectify => "整改",
            CaseStep::Answer => "反馈",
            CaseStep::FollowUp => "回访",
        }
    }
}

/// A step done: who, when, what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseStepDone {
    /// The step.
    pub step: CaseStep,
    /// The manager who recorded it (工号).
    pub by: String,
    /// When.
    pub at: Millis,
    /// What was found or done.
    pub note: String,
    /// The step's deadline it was done against.
    pub due_at: Millis,
}

/// Whether a case, or its current step, is within its deadline (computed from the clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseTiming {
    /// More than the hall's warning margin left.
    OnTime,
    /// In the last working days before a deadline (the hall's `due_soon_working_days`).
    DueSoon,
    /// A deadline (the step's or the case's) has passed.
    Overdue,
    /// Closed; nothing is due.
    Closed,
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseOutcome {
    /// All four steps done.
    Resolved,
    /// The appeal was upheld: the rating was false or malicious; nothing to put right.
    AppealUpheld,
}

/// An appeal (申诉复核) of a 差评 by the staff member concerned, and its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appeal {
    /// Pending, upheld or rejected.
    pub state: AppealState,
    /// The staff member who appealed.
    pub by: String,
    /// When.
    pub at: Millis,
    /// Why the rating is false or malicious.
    pub reason: String,
    /// The manager who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<Millis>,
    /// Why.
    pub decision_note: Option<String>,
}

/// A bad-rating case (差评整改, R22).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    /// Database identity.
    pub id: CaseId,
    /// The 差评 that opened it.
    pub rating: Rating,
    /// When it opened (the rating's time).
    pub opened_at: Millis,
    /// The steps done, in order.
    pub steps: Vec<CaseStepDone>,
    /// The step to do next; `None` once closed.
    pub next_step: Option<CaseStep>,
    /// The next step's deadline.
    pub step_due_at: Option<Millis>,
    /// The whole case's deadline.
    pub due_at: Millis,
    /// On time, due soon, overdue or closed, as of `as_of`.
    pub timing: CaseTiming,
    /// When `timing` was worked out.
    pub as_of: Millis,
    /// The appeal, if the staff member concerned made one.
    pub appeal: Option<Appeal>,
    /// When it closed.
    pub closed_at: Option<Millis>,
    /// How it closed.
    pub outcome: Option<CaseOutcome>,
}

/// `GET /cases`: a page of cases, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CasePage {
    /// The cases.
    pub cases: Vec<Case>,
    /// Pass as `before` for the next (older) page; `None` at the end.
    pub next_before: Option<CaseId>,
}

/// `POST /cases/{id}/steps`: a manager records the case's next step.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseStepRequest {
    /// Idempotency key.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: Option<String>,
    /// The step being recorded: must be the case's next step.
    pub step: CaseStep,
    /// What was found or done: 1–500 characters, not blank.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"[^\s\x85]")
    )]
    pub note: String,
}

/// `POST /ratings/{id}/appeal`: the staff member concerned appeals a 差评 (申诉).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppealRequest {
    /// Idempotency key.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: Option<String>,
    /// Why the rating is false or malicious: 1–500 characters, not blank.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"[^\s\x85]")
    )]
    pub reason: String,
}

/// `POST /ratings/{id}/appeal-decision`: a manager decides an appeal (复核).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppealDecisionRequest {
    /// Idempotency key.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: Option<String>,
    /// `true`: the rating is false or malicious and leaves the satisfaction figures (the case
    /// closes); `false`: it stands and the case goes on.
    pub uphold: bool,
    /// Why: 1–500 characters, not blank.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"[^\s\x85]")
    )]
    pub note: String,
}

/// Ratings by level, upheld appeals left out (R23: satisfaction = the three good levels / rated).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingCounts {
    /// 非常满意.
    pub very_satisfied: u32,
    /// 满意.
    pub satisfied: u32,
    /// 基本满意.
    pub basic: u32,
    /// 不满意.
    pub dissatisfied: u32,
    /// 非常不满意.
    pub very_dissatisfied: u32,
    /// Ratings whose appeal was upheld: on record, in none of the figures above.
    pub excluded: u32,
}

impl RatingCounts {
    /// Counts one rating.
    pub fn add(&mut self, level: RatingLevel, appeal: AppealState) {
        if appeal == AppealState::Upheld {
            self.excluded += 1;
            return;
        }
        *match level {
            RatingLevel::VerySatisfied => &mut self.very_satisfied,
            RatingLevel::Satisfied => &mut self.satisfied,
            RatingLevel::Basic => &mut self.basic,
            RatingLevel::Dissatisfied => &mut self.dissatisfied,
            RatingLevel::VeryDissatisfied => &mut self.very_dissatisfied,
        } += 1;
    }

    /// Ratings that count.
    pub fn rated(&self) -> u32 {
        self.very_satisfied
            + self.satisfied
            + self.basic
            + self.dissatisfied
            + self.very_dissatisfied
    }

    /// Satisfaction in tenths of a percent ((非常满意 + 满意 + 基本满意) / rated), rounded half up;
    /// `None` with nothing rated.
    pub fn satisfaction_permille(&self) -> Option<u32> {
        let rated = self.rated();
        (rated > 0).then(|| {
            let good = self.very_satisfied + self.satisfied + self.basic;
            ((u64::from(good) * 2000 + u64::from(rated)) / (2 * u64::from(rated))) as u32
        })
    }
}

/// One row of the export for a provincial 好差评 platform (CSV columns in this order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingExportRow {
    /// The hall's name.
    pub hall: String,
    /// The rating.
    pub rating_id: RatingId,
    /// The business day of the service.
    pub business_day: String,
    /// The window number.
    pub window: WindowNo,
    /// 工号 of who served.
    pub staff_no: String,
    /// The service id.
    pub service_id: String,
    /// The service's Chinese name.
    pub service_name: String,
    /// 办件编号, when staff entered one at finish.
    pub case_no: String,
    /// The ticket number.
    pub ticket_number: String,
    /// The level's wire name.
    pub level: RatingLevel,
    /// The level in Chinese.
    pub level_name: String,
    /// 5 (非常满意) … 1 (非常不满意).
    pub score: u8,
    /// The reasons in Chinese, joined with `、`.
    pub reasons: String,
    /// The citizen's words (masked).
    pub text: String,
    /// When it was given, hall local time `YYYY-MM-DD HH:MM:SS`.
    pub rated_at: String,
    /// pad or phone.
    pub source: RatingSource,
    /// The appeal: an `upheld` row is on record but in no satisfaction figure.
    pub appeal: AppealState,
}

/// `GET /ratings/export?format=json`: the rows of a day or date range, for upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingExport {
    /// The hall's name.
    pub hall: String,
    /// The first business day, `YYYY-MM-DD`.
    pub from: String,
    /// The last business day, inclusive.
    pub to: String,
    /// One row per rating, oldest first.
    pub rows: Vec<RatingExportRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_levels_only_with_stable_names() {
        let names: Vec<&str> = RatingLevel::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(
            names,
            [
                "very_satisfied",
                "satisfied",
                "basic",
                "dissatisfied",
                "very_dissatisfied"
            ]
        );
        for l in RatingLevel::ALL {
            let wire = serde_json::to_value(l).expect("json");
            assert_eq!(wire, l.as_str());
            assert_eq!(RatingLevel::parse(l.as_str()), Some(l));
        }
        // Anything else is not a level: out of range is unrepresentable past the wire.
        for bad in [r#""excellent""#, "6", "0", r#""VERY_SATISFIED""#, "null"] {
            assert!(
                serde_json::from_str::<RatingLevel>(bad).is_err(),
                "{bad} is not a level"
            );
        }
        let bad: Vec<RatingLevel> = RatingLevel::ALL
            .into_iter()
            .filter(|l| l.is_bad())
            .collect();
        assert_eq!(
            bad,
            [RatingLevel::Dissatisfied, RatingLevel::VeryDissatisfied]
        );
    }

    #[test]
    fn satisfaction_counts_the_three_good_levels_and_leaves_upheld_out() {
        let mut c = RatingCounts::default();
        assert_eq!(c.satisfaction_permille(), None);
        c.add(RatingLevel::Basic, AppealState::None);
        c.add(RatingLevel::VeryDissatisfied, AppealState::Rejected);
        assert_eq!(c.satisfaction_permille(), Some(500));
        c.add(RatingLevel::Dissatisfied, AppealState::Upheld);
        assert_eq!((c.rated(), c.excluded), (2, 1));
        assert_eq!(c.satisfaction_permille(), Some(500));
        c.add(RatingLevel::Satisfied, AppealState::Pending);
        // 2 of 3: 666.67 rounds to 667.
        assert_eq!(c.satisfaction_permille(), Some(667));
    }
}

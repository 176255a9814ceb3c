//! Ratings and cases (R21, R22): the rating pad's routes, what staff and managers read (managers
//! all; staff their own), appeals and their decisions, case steps, and the export for a provincial
//! 好差评 platform. The citizen's own rating is in `public`.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use qcall_protocol::*;
use serde::Deserialize;

use super::extract::{
    ApiJson, ApiPath, ApiQuery, ManagerCaller, PadCaller, RawJson, StaffCaller, WindowStaff,
};
use super::{Answer, Failure, check_request_id, command, fail, json};
use crate::core::{Actor, Command, RateCmd, RateVia, RatingCmd};
use crate::engine::Gate;
use crate::state::App;
use crate::store::{CaseFilter, RatingFilter};

/// The longest date range of one export, in days.
const EXPORT_MAX_DAYS: i64 = 31;

fn storage(e: impl std::fmt::Display) -> Failure {
    fail(ErrorCode::Internal, e.to_string())
}

/// A business day `YYYY-MM-DD`, checked.
fn day(text: &str, what: &str) -> Result<jiff::civil::Date, Failure> {
    let ok = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    text.parse::<jiff::civil::Date>()
        .ok()
        .filter(|_| ok)
        .ok_or_else(|| {
            fail(
                ErrorCode::BadRequest,
                format!("{what} must be a date YYYY-MM-DD"),
            )
        })
}

/// The page size: 1–500, 100 by default.
fn page_limit(limit: Option<u32>) -> Result<u32, Failure> {
    match limit.unwrap_or(100) {
        n @ 1..=500 => Ok(n),
        _ => Err(fail(ErrorCode::BadRequest, "limit must be 1–500")),
    }
}

// ---- The rating pad --------------------------------------------------------------------------

/// What a rating pad needs besides its WebSocket (R33), asked at every (re)connect: its window, idle
/// time, the window's staff card and the invite still on offer.
#[utoipa::path(get, path = "/api/v1/rating-pad", tag = "ratings", security(("bearer" = [])),
    responses((status = 200, body = RatingPadState), (status = 403, body = ErrorBody)))]
pub(super) async fn pad_state(State(app): State<App>, pad: PadCaller) -> Answer {
    let window = pad.window;
    json(
        &app.engine
            .read(move |hall, _, now| hall.pad_state(window, now))
            .await?,
    )
}

/// Rate a leg served at this pad's window (R21): once per leg, within the hall's 评价时效; a 差评
/// needs a reason and opens a case. Idempotent by `request_id`; a flood from one pad is refused
/// (`rate_limited`, with `retry_after_s`).
#[utoipa::path(post, path = "/api/v1/rating-pad/ratings", tag = "ratings", request_body = RatingRequest, security(("bearer" = [])),
    responses((status = 200, body = Rating), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn pad_rate(
    State(app): State<App>,
    pad: PadCaller,
    ApiJson(req): ApiJson<RatingRequest>,
) -> Answer {
    check_request_id(&req.request_id)?;
    let (auth, device, now) = (app.auth.clone(), pad.name.clone(), app.clock.now());
    let gate: Gate = Box::new(move || auth.take_rating_token(&device, now));
    let cmd = Command::Rating(RatingCmd::Rate(Box::new(RateCmd {
        via: RateVia::Pad { window: pad.window },
        ticket_id: req.ticket_id,
        leg: Some(req.leg),
        level: req.level,
        reasons: req.reasons,
        text: req.text,
        closed: None,
    })));
    Ok(RawJson(
        app.engine
            .command_gated(Actor::Pad(pad.name), Some(req.request_id), cmd, Some(gate))
            .await?,
    ))
}

// ---- Reading ratings ---------------------------------------------------------------------------

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct RatingsQuery {
    /// First business day of the service, `YYYY-MM-DD` (inclusive).
    #[param(
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
        example = "2026-11-02"
    )]
    from: Option<String>,
    /// Last business day, inclusive.
    #[param(
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
        example = "2026-11-02"
    )]
    to: Option<String>,
    /// Only this window.
    window: Option<WindowNo>,
    /// Only this staff member (managers; staff always see their own only).
    staff_no: Option<String>,
    /// Only this level.
    level: Option<RatingLevel>,
    /// Only this appeal state.
    appeal: Option<AppealState>,
    /// Ratings older than this id (the next page).
    before: Option<RatingId>,
    /// Page size, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// Ratings, newest first (managers: all; staff: the legs they served, with their appeals).
#[utoipa::path(get, path = "/api/v1/ratings", tag = "ratings", params(RatingsQuery), security(("bearer" = [])),
    responses((status = 200, body = RatingPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn ratings(
    State(app): State<App>,
    StaffCaller { staff_no, role }: StaffCaller,
    ApiQuery(q): ApiQuery<RatingsQuery>,
) -> Answer {
    let limit = page_limit(q.limit)?;
    for (d, what) in [(&q.from, "from"), (&q.to, "to")] {
        if let Some(d) = d {
            day(d, what)?;
        }
    }
    let staff_no = match (role, q.staff_no) {
        (Role::Staff, Some(other)) if other != staff_no => {
            return Err(fail(
                ErrorCode::Forbidden,
                "staff see their own ratings only",
            ));
        }
        (Role::Staff, _) => Some(staff_no),
        (_, wanted) => wanted,
    };
    let filter = RatingFilter {
        from_day: q.from,
        to_day: q.to,
        window: q.window,
        staff_no,
        level: q.level,
        appeal: q.appeal,
        before: q.before,
        limit,
    };
    let ratings = app
        .engine
        .read(move |_, store, _| store.ratings(&filter))
        .await?
        .map_err(storage)?;
    let next_before = (ratings.len() == limit as usize)
        .then(|| ratings.last().map(|r| r.id))
        .flatten();
    json(&RatingPage {
        ratings,
        next_before,
    })
}

// ---- Appeals -----------------------------------------------------------------------------------

/// 申诉: the staff member who served appeals a 差评 as false or malicious, while its case is open
/// and within the hall's appeal days.
#[utoipa::path(post, path = "/api/v1/ratings/{id}/appeal", tag = "ratings", params(("id" = u64, Path, description = "rating id")),
    request_body = AppealRequest, security(("bearer" = [])),
    responses((status = 200, body = Case), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn appeal(
    State(app): State<App>,
    WindowStaff(staff_no): WindowStaff,
    ApiPath(id): ApiPath<RatingId>,
    ApiJson(req): ApiJson<AppealRequest>,
) -> Answer {
    let me = staff_no.clone();
    app.engine
        .read(move |_, store, _| match store.rating(id) {
            Ok(Some(r)) if r.staff_no.as_deref() == Some(me.as_str()) => Ok(()),
            Ok(Some(_)) => Err(fail(
                ErrorCode::Forbidden,
                "only the staff member who served may appeal this rating",
            )),
            Ok(None) => Err(fail(ErrorCode::UnknownRating, format!("no rating {id}"))),
            Err(e) => Err(storage(e)),
        })
        .await??;
    command(
        &app,
        Actor::Staff(staff_no),
        req.request_id,
        Command::Rating(RatingCmd::Appeal {
            rating_id: id,
            reason: req.reason,
        }),
    )
    .await
}

/// 复核: a manager upholds an appeal (the rating stays on record but leaves every satisfaction
/// figure; its case closes) or rejects it (the case goes on).
#[utoipa::path(post, path = "/api/v1/ratings/{id}/appeal-decision", tag = "ratings", params(("id" = u64, Path, description = "rating id")),
    request_body = AppealDecisionRequest, security(("bearer" = [])),
    responses((status = 200, body = Case), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn decide_appeal(
    State(app): State<App>,
    ManagerCaller(staff_no): ManagerCaller,
    ApiPath(id): ApiPath<RatingId>,
    ApiJson(req): ApiJson<AppealDecisionRequest>,
) -> Answer {
    let known = app
        .engine
        .read(move |_, store, _| store.rating(id).map(|r| r.is_some()))
        .await?
        .map_err(storage)?;
    if !known {
        return Err(fail(ErrorCode::UnknownRating, format!("no rating {id}")));
    }
    command(
        &app,
        Actor::Staff(staff_no),
        req.request_id,
        Command::Rating(RatingCmd::DecideAppeal {
            rating_id: id,
            uphold: req.uphold,
            note: req.note,
        }),
    )
    .await
}

// ---- Cases -------------------------------------------------------------------------------------

/// Which cases `GET /cases` lists.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum CaseState {
    /// Not closed yet (default).
    Open,
    /// Closed: resolved, or the appeal upheld.
    Closed,
    /// Both.
    All,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct CasesQuery {
    /// Open (default), closed or all.
    #[param(inline)]
    state: Option<CaseState>,
    /// Only this window.
    window: Option<WindowNo>,
    /// Only this staff member (managers; staff always see their own only).
    staff_no: Option<String>,
    /// Cases older than this id (the next page).
    before: Option<CaseId>,
    /// Page size, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// 差评 cases, newest first, with their steps, deadlines and timing now (managers: all; staff: the
/// cases of their own ratings).
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CasesQuery), security(("bearer" = [])),
    responses((status = 200, body = CasePage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn cases(
    State(app): State<App>,
    StaffCaller { staff_no, role }: StaffCaller,
    ApiQuery(q): ApiQuery<CasesQuery>,
) -> Answer {
    let limit = page_limit(q.limit)?;
    let staff_no = match (role, q.staff_no) {
        (Role::Staff, Some(other)) if other != staff_no => {
            return Err(fail(ErrorCode::Forbidden, "staff see their own cases only"));
        }
        (Role::Staff, _) => Some(staff_no),
        (_, wanted) => wanted,
    };
    let filter = CaseFilter {
        open: match q.state.unwrap_or(CaseState::Open) {
            CaseState::Open => Some(true),
            CaseState::Closed => Some(false),
            CaseState::All => None,
        },
        staff_no,
        window: q.window,
        before: q.before,
        limit,
    };
    let cases = app
        .engine
        .read(move |_, store, now| {
            store
                .cases(&filter)
                .map(|cs| cs.iter().map(|c| c.view(now)).collect::<Vec<Case>>())
        })
        .await?
        .map_err(storage)?;
    let next_before = (cases.len() == limit as usize)
        .then(|| cases.last().map(|c| c.id))
        .flatten();
    json(&CasePage { cases, next_before })
}

/// One case (managers: any; staff: the cases of their own ratings).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = u64, Path, description = "case id")), security(("bearer" = [])),
    responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn case(
    State(app): State<App>,
    StaffCaller { staff_no, role }: StaffCaller,
    ApiPath(id): ApiPath<CaseId>,
) -> Answer {
    let found = app
        .engine
        .read(move |_, store, now| store.case(id).map(|c| c.map(|c| c.view(now))))
        .await?
        .map_err(storage)?
        .ok_or_else(|| fail(ErrorCode::UnknownCase, format!("no case {id}")))?;
    if role == Role::Staff && found.rating.staff_no.as_deref() != Some(staff_no.as_str()) {
        return Err(fail(ErrorCode::Forbidden, "staff see their own cases only"));
    }
    json(&found)
}

/// Record the case's next step (managers): 核实 → 整改 → 反馈 → 回访, each with a note; 回访
/// closes the case (not while its appeal waits for a decision).
#[utoipa::path(post, path = "/api/v1/cases/{id}/steps", tag = "cases", params(("id" = u64, Path, description = "case id")),
    request_body = CaseStepRequest, security(("bearer" = [])),
    responses((status = 200, body = Case), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn case_step(
    State(app): State<App>,
    ManagerCaller(staff_no): ManagerCaller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(req): ApiJson<CaseStepRequest>,
) -> Answer {
    let closed = app
        .engine
        .read(move |_, store, _| store.case(id).map(|c| c.map(|c| c.closed_at.is_some())))
        .await?
        .map_err(storage)?
        .ok_or_else(|| fail(ErrorCode::UnknownCase, format!("no case {id}")))?;
    if closed {
        return Err(fail(ErrorCode::WrongState, format!("case {id} is closed")));
    }
    command(
        &app,
        Actor::Staff(staff_no),
        req.request_id,
        Command::Rating(RatingCmd::MoveCase {
            case_id: id,
            step: req.step,
            note: req.note,
        }),
    )
    .await
}

// ---- Export ------------------------------------------------------------------------------------

/// The export's format.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum ExportFormat {
    /// UTF-8 with a byte-order mark (Excel opens it in Chinese), one header row.
    Csv,
    /// A [`RatingExport`].
    Json,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ExportQuery {
    /// First business day, `YYYY-MM-DD`.
    #[param(
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
        example = "2026-11-02"
    )]
    from: String,
    /// Last business day, inclusive; at most 31 days after `from` (default: `from`).
    #[param(
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
        example = "2026-11-02"
    )]
    to: Option<String>,
    /// `csv` (default) or `json`.
    #[param(inline)]
    format: Option<ExportFormat>,
}

/// The ratings of a business day or range (at most 31 days), for upload to a provincial 好差评
/// platform: hall, window, staff number, service, 办件编号, level, reasons, text, time (managers).
/// Ratings whose appeal was upheld are listed with `appeal = upheld`.
#[utoipa::path(get, path = "/api/v1/ratings/export", tag = "ratings", params(ExportQuery), security(("bearer" = [])),
    responses((status = 200, description = "CSV (text/csv) or JSON", content(
            (RatingExport = "application/json"),
            (String = "text/csv"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn export(
    State(app): State<App>,
    _manager: ManagerCaller,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, Failure> {
    let from = day(&q.from, "from")?;
    let to = match &q.to {
        Some(t) => day(t, "to")?,
        None => from,
    };
    let days = (to - from).get_days();
    if to < from || i64::from(days) >= EXPORT_MAX_DAYS {
        return Err(fail(
            ErrorCode::BadRequest,
            format!("export 1–{EXPORT_MAX_DAYS} business days: `to` on or after `from`"),
        ));
    }
    let filter = RatingFilter {
        from_day: Some(from.to_string()),
        to_day: Some(to.to_string()),
        limit: u32::MAX,
        ..RatingFilter::default()
    };
    let mut ratings = app
        .engine
        .read(move |_, store, _| store.ratings(&filter))
        .await?
        .map_err(storage)?;
    ratings.reverse();
    let cfg = &app.config;
    let rows: Vec<RatingExportRow> = ratings
        .iter()
        .map(|r| RatingExportRow {
            hall: cfg.name_zh.clone(),
            rating_id: r.id,
            business_day: r.business_day.clone(),
            window: r.window,
            staff_no: r.staff_no.clone().unwrap_or_default(),
            service_id: r.service_id.clone(),
            service_name: cfg
                .service(&r.service_id)
                .map(|s| s.info.name_zh.clone())
                .unwrap_or_default(),
            case_no: r.case_no.clone().unwrap_or_default(),
            ticket_number: r.number.clone(),
            level: r.level,
            level_name: r.level.name_zh().into(),
            score: r.level.score(),
            reasons: r
                .reasons
                .iter()
                .map(|x| x.name_zh())
                .collect::<Vec<_>>()
                .join("、"),
            text: r.text.clone().unwrap_or_default(),
            rated_at: local_time(cfg, r.at),
            source: r.source,
            appeal: r.appeal,
        })
        .collect();
    match q.format.unwrap_or(ExportFormat::Csv) {
        ExportFormat::Json => Ok(json(&RatingExport {
            hall: cfg.name_zh.clone(),
            from: from.to_string(),
            to: to.to_string(),
            rows,
        })?
        .into_response()),
        ExportFormat::Csv => {
            let body = csv_of(rows).map_err(storage)?;
            let name = format!("attachment; filename=\"ratings-{from}-{to}.csv\"");
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/csv; charset=utf-8"),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_str(&name).map_err(storage)?,
                    ),
                ],
                body,
            )
                .into_response())
        }
    }
}

/// Hall local time `YYYY-MM-DD HH:MM:SS`.
fn local_time(cfg: &crate::config::HallConfig, at: Millis) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|ts| {
            ts.to_zoned(cfg.calendar.tz.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// The rows as CSV with a UTF-8 byte-order mark. A citizen's text that starts like a spreadsheet
/// formula (`=`, `+`, `-`, `@`) gets a leading `'`, so opening the file never runs it.
fn csv_of(rows: Vec<RatingExportRow>) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    let defuse = |s: String| {
        if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s
        }
    };
    if rows.is_empty() {
        out.write_record(EXPORT_COLUMNS)?;
    }
    for mut row in rows {
        row.text = defuse(row.text);
        out.serialize(row)?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The CSV header, in the order of [`RatingExportRow`]'s fields (written by serde when there are
/// rows; spelled out for an empty export).
const EXPORT_COLUMNS: [&str; 17] = [
    "hall",
    "rating_id",
    "business_day",
    "window",
    "staff_no",
    "service_id",
    "service_name",
    "case_no",
    "ticket_number",
    "level",
    "level_name",
    "score",
    "reasons",
    "text",
    "rated_at",
    "source",
    "appeal",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_text_defuses_formulas_and_names_every_column() {
        let row = RatingExportRow {
            hall: "大厅".into(),
            rating_id: 1,
            business_day: "2026-11-23".into(),
            window: 1,
            staff_no: "1001".into(),
            service_id: "tax".into(),
            service_name: "税务".into(),
            case_no: "BJ-1".into(),
            ticket_number: "T001".into(),
            level: RatingLevel::Dissatisfied,
            level_name: "不满意".into(),
            score: 2,
            reasons: "态度、效率".into(),
            text: "=HYPERLINK(\"x\"), 说\n\"好\"".into(),
            rated_at: "2026-11-23 10:00:00".into(),
            source: RatingSource::Pad,
            appeal: AppealState::None,
        };
        let bytes = csv_of(vec![row]).expect("csv");
        let text = String::from_utf8(bytes).expect("utf-8");
        let text = text.strip_prefix('\u{feff}').expect("byte-order mark");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(header, EXPORT_COLUMNS);
        let record = reader.records().next().expect("a row").expect("parses");
        assert_eq!(&record[13], "'=HYPERLINK(\"x\"), 说\n\"好\"");
        assert_eq!(&record[9], "dissatisfied");
        let empty = String::from_utf8(csv_of(vec![]).expect("csv")).expect("utf-8");
        assert_eq!(
            empty.trim_start_matches('\u{feff}').trim(),
            EXPORT_COLUMNS.join(",")
        );
    }
}

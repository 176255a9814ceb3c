//! The manager's reports (R23): `GET /api/v1/reports` as JSON, CSV or XLSX, and the ranking of
//! windows or staff (红旗窗口, 高效之星). Managers and admins only. Facts are read through a
//! read-only connection on a blocking thread, so a report over years never holds up the engine.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use qcall_protocol::*;

use super::extract::{ApiQuery, ManagerCaller};
use super::{fail, json};
use crate::report::{self, Dim, RankRow, RawQuery, Report};
use crate::state::App;
use crate::store::FactReader;

/// Reads the facts of the query's range and adds them up.
async fn make(app: &App, raw: &RawQuery) -> Result<Report, super::Failure> {
    let q = raw.parse(&app.config).map_err(super::Failure)?;
    let (cfg, path, now) = (app.config.clone(), app.db_path.clone(), app.clock.now());
    tokio::task::spawn_blocking(move || {
        let input = FactReader::open(&path)
            .and_then(|mut r| r.input(&cfg, &q.from, &q.to))
            .map_err(|e| fail(ErrorCode::Internal, format!("cannot read the facts: {e}")))?;
        Ok(report::build(&cfg, &q, &input, now))
    })
    .await
    .map_err(|e| fail(ErrorCode::Internal, e.to_string()))?
}

fn file(content_type: &'static str, name: String, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// A report for any range of business days (at most 3 years), grouped and filtered (managers).
/// `format=csv` gives one table (a 分组 column per grouping), `format=xlsx` a workbook with one
/// sheet per grouping; durations there are minutes with one decimal.
#[utoipa::path(get, path = "/api/v1/reports", tag = "manage", params(RawQuery), security(("bearer" = [])),
    responses((status = 200, body = Report, description = "JSON; with format=csv text/csv, with format=xlsx an XLSX workbook"),
        (status = 400, body = ErrorBody, description = "bad range (from > to, over 3 years), unknown grouping, filter or format"),
        (status = 403, body = ErrorBody)))]
pub(super) async fn reports(
    State(app): State<App>,
    _manager: ManagerCaller,
    ApiQuery(raw): ApiQuery<RawQuery>,
) -> Result<Response, super::Failure> {
    let format = raw.format.clone().unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "csv" | "xlsx") {
        return Err(fail(
            ErrorCode::BadRequest,
            format!("format: {format:?} is not json, csv or xlsx"),
        ));
    }
    let r = make(&app, &raw).await?;
    let name = format!("qcall-report-{}-{}.{format}", r.from, r.to);
    match format.as_str() {
        "csv" => {
            let bytes =
                report::export::csv(&r).map_err(|e| fail(ErrorCode::Internal, e.to_string()))?;
            Ok(file("text/csv; charset=utf-8", name, bytes))
        }
        "xlsx" => {
            let cfg = app.config.clone();
            let bytes = tokio::task::spawn_blocking(move || report::export::xlsx(&cfg, &r))
                .await
                .map_err(|e| fail(ErrorCode::Internal, e.to_string()))?
                .map_err(|e| fail(ErrorCode::Internal, e.to_string()))?;
            Ok(file(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                name,
                bytes,
            ))
        }
        _ => Ok(json(&r)?.into_response()),
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct RankingQuery {
    /// First business day, `YYYY-MM-DD`.
    #[param(
        required = true,
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
        example = "2026-11-02"
    )]
    from: Option<String>,
    /// Last business day, inclusive; on or after `from`, at most 3 years after it.
    #[param(
        required = true,
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
        example = "2026-11-02"
    )]
    to: Option<String>,
    /// `window` (红旗窗口, default) or `staff` (高效之星).
    #[param(pattern = r"^(window|staff)$")]
    of: Option<String>,
}

/// Windows or staff ranked by served count, mean handling, satisfaction and over-limit rate
/// (managers), best first by served count.
#[utoipa::path(get, path = "/api/v1/reports/ranking", tag = "manage", params(RankingQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<RankRow>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn ranking(
    State(app): State<App>,
    _manager: ManagerCaller,
    ApiQuery(q): ApiQuery<RankingQuery>,
) -> Result<Response, super::Failure> {
    let of = match q.of.as_deref().unwrap_or("window") {
        "window" => Dim::Window,
        "staff" => Dim::Staff,
        other => {
            return Err(fail(
                ErrorCode::BadRequest,
                format!("of: {other:?} is not window or staff"),
            ));
        }
    };
    let raw = RawQuery {
        from: q.from,
        to: q.to,
        by: Some(of.as_str().into()),
        ..RawQuery::default()
    };
    let r = make(&app, &raw).await?;
    let rows: Vec<_> = r
        .groupings
        .iter()
        .flat_map(|g| &g.rows)
        .filter(|row| row.key.first().is_some_and(|k| !k.is_empty()))
        .cloned()
        .collect();
    Ok(json(&report::ranking(&rows))?.into_response())
}

#[cfg(test)]
mod tests {
    /// The document describes the report's JSON, not just its route.
    #[test]
    fn the_openapi_document_has_the_report_schemas() {
        let (_, doc) = super::super::router();
        let schemas = doc.components.expect("components").schemas;
        for name in [
            "Report",
            "Figures",
            "Durations",
            "Ratings",
            "Grouping",
            "RankRow",
            "Dim",
        ] {
            assert!(schemas.contains_key(name), "no schema {name}");
        }
        let params = serde_json::to_string(&doc.paths.paths["/api/v1/reports"]).expect("json");
        for p in ["from", "to", "by", "format", "service", "weekday"] {
            assert!(
                params.contains(&format!("\"name\":\"{p}\"")),
                "no parameter {p}"
            );
        }
    }
}

//! The manager's routes: live changes (notices, window services) and the audit log (R28).

use serde::Deserialize;

use axum::extract::State;
use qcall_protocol::*;

use super::extract::{ApiJson, ApiPath, ApiQuery, ManagerCaller};
use super::{Answer, command, fail, json};
use crate::core::{Actor, Command};
use crate::state::App;
use crate::store::AuditFilter;

/// Change what a window serves, live (managers).
#[utoipa::path(put, path = "/api/v1/windows/{no}/services", tag = "manage", params(("no" = u32, Path, description = "window number")), request_body = WindowServicesRequest, security(("bearer" = [])),
    responses((status = 200, body = WindowView), (status = 403, body = ErrorBody)))]
pub(super) async fn window_services(
    State(app): State<App>,
    ManagerCaller(staff_no): ManagerCaller,
    ApiPath(no): ApiPath<WindowNo>,
    ApiJson(req): ApiJson<WindowServicesRequest>,
) -> Answer {
    command(
        &app,
        Actor::Staff(staff_no),
        None,
        Command::SetWindowServices {
            window: no,
            primary: req.primary,
            secondary: req.secondary,
        },
    )
    .await
}

/// Replace the hall board's marquee notices, live (managers).
#[utoipa::path(put, path = "/api/v1/notices", tag = "manage", request_body = NoticesRequest, security(("bearer" = [])),
    responses((status = 200, body = NoticesRequest), (status = 403, body = ErrorBody)))]
pub(super) async fn notices(
    State(app): State<App>,
    ManagerCaller(staff_no): ManagerCaller,
    ApiJson(req): ApiJson<NoticesRequest>,
) -> Answer {
    command(
        &app,
        Actor::Staff(staff_no),
        None,
        Command::SetNotices {
            notices: req.notices,
        },
    )
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AuditQuery {
    /// Entries after this sequence number (default 0).
    after: Option<u64>,
    /// Page size (default 100, at most 1000).
    limit: Option<u32>,
    /// Only this business day, `YYYY-MM-DD`.
    #[param(
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
        example = "2026-11-02"
    )]
    day: Option<String>,
    /// Only at this window.
    window: Option<WindowNo>,
    /// Only what this staff member did (工号).
    staff: Option<String>,
    /// Only this action, e.g. `call_number`.
    action: Option<String>,
    /// Only calls that jumped the queue (R13).
    out_of_order: Option<bool>,
}

/// The append-only audit log (R28), page by page (managers): every call, and every jump of the queue;
/// narrowed to a day, a window, a staff member, an action or the out-of-order calls.
#[utoipa::path(get, path = "/api/v1/audit", tag = "manage", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
pub(super) async fn audit(
    State(app): State<App>,
    _manager: ManagerCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Answer {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let after = q.after.unwrap_or(0);
    if let Some(day) = &q.day
        && day.parse::<jiff::civil::Date>().is_err()
    {
        return Err(fail(ErrorCode::BadRequest, "day must be YYYY-MM-DD"));
    }
    let filter = AuditFilter {
        day: q.day,
        window: q.window,
        staff: q.staff,
        action: q.action,
        out_of_order: q.out_of_order.unwrap_or(false),
    };
    let entries = app
        .engine
        .read(move |_, store, _| store.audit(after, limit, &filter))
        .await?
        .map_err(|e| fail(ErrorCode::Internal, e.to_string()))?;
    let next_after = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    json(&AuditPage {
        entries,
        next_after,
    })
}

/// Every staff account with its role and the window it is signed in to now (managers).
#[utoipa::path(get, path = "/api/v1/staff", tag = "manage", security(("bearer" = [])),
    responses((status = 200, body = [StaffEntry]), (status = 403, body = ErrorBody)))]
pub(super) async fn staff(State(app): State<App>, _manager: ManagerCaller) -> Answer {
    let cfg = app.config.clone();
    let list = app
        .engine
        .read(move |hall, _, _| {
            let windows = hall.window_views();
            cfg.staff
                .iter()
                .map(|s| StaffEntry {
                    card: s.card(),
                    role: s.role,
                    window: windows
                        .iter()
                        .find(|w| w.staff.as_ref().is_some_and(|c| c.staff_no == s.staff_no))
                        .map(|w| w.number),
                    windows: s.windows.clone(),
                })
                .collect::<Vec<_>>()
        })
        .await?;
    json(&list)
}

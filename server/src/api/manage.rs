//! The manager's routes: live changes (notices, window services) and the audit log (R28).

use serde::Deserialize;

use axum::extract::State;
use qcall_protocol::*;

use super::extract::{ApiJson, ApiPath, ApiQuery, ManagerCaller};
use super::{Answer, command, fail, json};
use crate::core::{Actor, Command};
use crate::state::App;

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
pub(super) struct AuditQuery {
    /// Entries after this sequence number (default 0).
    after: Option<u64>,
    /// Page size (default 100, at most 1000).
    limit: Option<u32>,
}

/// The append-only audit log (R28), page by page (managers): every call, and every jump of the queue.
#[utoipa::path(get, path = "/api/v1/audit", tag = "manage", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
pub(super) async fn audit(
    State(app): State<App>,
    _manager: ManagerCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Answer {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let after = q.after.unwrap_or(0);
    let entries = app
        .engine
        .read(move |_, store, _| store.audit(after, limit))
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

//! The window staff's routes: one per action (R14, R9–R13), the window's calling order and today's
//! figures, and a ticket's details.

use serde::Deserialize;

use axum::extract::State;
use qcall_protocol::*;

use super::extract::{ApiJson, ApiPath, ApiQuery, Failure, StaffCaller, WindowStaff};
use super::{Answer, command, fail, json};
use crate::core::{Actor, Command, TicketRef};
use crate::state::App;

/// A ticket with all its legs (staff).
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path, description = "ticket id")), security(("bearer" = [])),
    responses((status = 200, body = Ticket), (status = 404, body = ErrorBody)))]
pub(super) async fn ticket(
    State(app): State<App>,
    _staff: StaffCaller,
    ApiPath(id): ApiPath<TicketId>,
) -> Answer {
    let found = app
        .engine
        .read(move |hall, store, _| match hall.ticket(id) {
            Some(t) => Ok(Some(t.ticket.clone())),
            None => store.ticket(id).map(|t| t.map(|t| t.ticket)),
        })
        .await?
        .map_err(|e| fail(ErrorCode::Internal, e.to_string()))?;
    json(&found.ok_or_else(|| fail(ErrorCode::UnknownTicket, format!("no ticket {id}")))?)
}

/// Cancel a waiting ticket (staff).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/cancel", tag = "tickets", params(("id" = i64, Path, description = "ticket id")), request_body = ActionRequest, security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 409, body = ErrorBody)))]
pub(super) async fn cancel(
    State(app): State<App>,
    StaffCaller { staff_no, .. }: StaffCaller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> Answer {
    command(
        &app,
        Actor::Staff(staff_no),
        req.request_id,
        Command::Cancel {
            ticket: TicketRef::Id(id),
        },
    )
    .await
}

/// A window action by the staff member signed in there.
pub(super) async fn at_window(
    app: &App,
    staff: WindowStaff,
    request_id: Option<String>,
    cmd: Command,
) -> Answer {
    command(app, Actor::Staff(staff.0), request_id, cmd).await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PreviewQuery {
    /// How many tickets to list (default 20, at most 200).
    limit: Option<usize>,
}

/// Who this window would call next, in order (R11), plus its held and no-show tickets. Staff see only
/// the window they are signed in at; managers see every window.
#[utoipa::path(get, path = "/api/v1/windows/{no}/preview", tag = "windows", params(("no" = u32, Path, description = "window number"), PreviewQuery), security(("bearer" = [])),
    responses((status = 200, body = PreviewResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn preview(
    State(app): State<App>,
    StaffCaller { staff_no, role }: StaffCaller,
    ApiPath(no): ApiPath<WindowNo>,
    ApiQuery(q): ApiQuery<PreviewQuery>,
) -> Answer {
    let limit = q.limit.unwrap_or(20).min(200);
    let result = app
        .engine
        .read(move |hall, _, _| {
            may_see_window(hall, no, role, &staff_no)?;
            hall.preview(no, limit)
                .ok_or_else(|| fail(ErrorCode::UnknownWindow, format!("no window {no}")))
        })
        .await??;
    json(&result)
}

/// Today's figures of a window: served, no-show, mean waiting and handling, pause time, and the
/// ratings of the legs served here today with the satisfaction rate (upheld appeals left out).
#[utoipa::path(get, path = "/api/v1/windows/{no}/today", tag = "windows", params(("no" = u32, Path, description = "window number")), security(("bearer" = [])),
    responses((status = 200, body = WindowToday), (status = 404, body = ErrorBody)))]
pub(super) async fn today(
    State(app): State<App>,
    StaffCaller { staff_no, role }: StaffCaller,
    ApiPath(no): ApiPath<WindowNo>,
) -> Answer {
    let result = app
        .engine
        .read(move |hall, store, _| {
            may_see_window(hall, no, role, &staff_no)?;
            let s = hall.stat(&format!("window:{no}"));
            let ratings = store
                .rating_counts(hall.business_day(), no)
                .map_err(|e| fail(ErrorCode::Internal, e.to_string()))?;
            let mean = |total: i64, n: u32| {
                (n > 0).then(|| u32::try_from(total / i64::from(n) / 1000).unwrap_or(u32::MAX))
            };
            Ok::<_, Failure>(WindowToday {
                window: no,
                served: s.served,
                no_show: s.no_show,
                mean_wait_s: mean(s.wait_ms, s.served),
                mean_handle_s: mean(s.handle_ms, s.served),
                pause_s: s
                    .pause_ms
                    .iter()
                    .map(|(k, v)| (k.clone(), u32::try_from(v / 1000).unwrap_or(u32::MAX)))
                    .collect(),
                satisfaction_permille: ratings.satisfaction_permille(),
                ratings,
            })
        })
        .await?;
    json(&result?)
}

macro_rules! window_action {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, |$no:ident, $req:ident| $cmd:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "windows", params(("no" = u32, Path, description = "window number")), request_body = $body, security(("bearer" = [])),
            responses((status = 200, body = ActionResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        pub(super) async fn $name(State(app): State<App>, staff: WindowStaff, ApiPath($no): ApiPath<WindowNo>, ApiJson($req): ApiJson<$body>) -> Answer {
            let request_id = $req.request_id.clone();
            at_window(&app, staff, request_id, $cmd).await
        }
    };
}

window_action!(
    /// Sign in at a window: it opens (R14).
    sign_in, "/api/v1/windows/{no}/sign-in", ActionRequest, |no, _req| Command::SignIn { window: no });
window_action!(
    /// Sign out: the window closes.
    sign_out, "/api/v1/windows/{no}/sign-out", ActionRequest, |no, _req| Command::SignOut { window: no });
window_action!(
    /// Call the next ticket by R11 (叫号).
    call_next, "/api/v1/windows/{no}/call-next", ActionRequest, |no, _req| Command::CallNext { window: no });
window_action!(
    /// Call a specific waiting number (特呼, R13): allowed, recorded as out of order.
    call_number, "/api/v1/windows/{no}/call-number", CallNumberRequest, |no, req| Command::CallNumber { window: no, number: req.number });
window_action!(
    /// Announce the called ticket again (重呼).
    recall, "/api/v1/windows/{no}/recall", ActionRequest, |no, _req| Command::Recall { window: no });
window_action!(
    /// The citizen arrived: start handling.
    start, "/api/v1/windows/{no}/start", ActionRequest, |no, _req| Command::Start { window: no });
window_action!(
    /// Finish (办结) a called or serving ticket, with the matter's 办件编号 when there is one. The
    /// window's rating pad is invited to rate the leg (R21).
    finish, "/api/v1/windows/{no}/finish", FinishRequest, |no, req| Command::Finish { window: no, case_no: req.case_no });
window_action!(
    /// 办结并叫下一位: finish the current ticket and call the next by R11 in one command (one request id,
    /// one transaction). When nobody waits, the finish stands and the answer has no call.
    finish_and_call_next, "/api/v1/windows/{no}/finish-and-call-next", FinishRequest, |no, req| Command::FinishAndCallNext { window: no, case_no: req.case_no });
window_action!(
    /// The called citizen did not come (过号).
    no_show, "/api/v1/windows/{no}/no-show", ActionRequest, |no, _req| Command::NoShow { window: no });
window_action!(
    /// Requeue a no-show behind the next N tickets its window would call (顺延, R9).
    requeue, "/api/v1/windows/{no}/requeue", TicketActionRequest, |no, req| Command::Requeue { window: no, ticket_id: req.ticket_id });
window_action!(
    /// Transfer the current ticket to a service or a window (转移, R10).
    transfer, "/api/v1/windows/{no}/transfer", TransferRequest, |no, req| Command::Transfer { window: no, to: req.to, note: req.note });
window_action!(
    /// Set the current ticket aside (挂起).
    hold, "/api/v1/windows/{no}/hold", ActionRequest, |no, _req| Command::Hold { window: no });
window_action!(
    /// Call a held ticket again (回呼).
    unhold, "/api/v1/windows/{no}/unhold", TicketActionRequest, |no, req| Command::Unhold { window: no, ticket_id: req.ticket_id });
window_action!(
    /// Pause the window with a reason (暂停, R14).
    pause, "/api/v1/windows/{no}/pause", PauseRequest, |no, req| Command::Pause { window: no, reason: req.reason });
window_action!(
    /// Resume after a pause (恢复).
    resume, "/api/v1/windows/{no}/resume", ActionRequest, |no, _req| Command::Resume { window: no });

/// R27: staff see only the window they are signed in at; managers and admins every window.
fn may_see_window(
    hall: &crate::core::Hall,
    no: WindowNo,
    role: Role,
    staff_no: &str,
) -> Result<(), Failure> {
    let view = hall
        .window_view(no)
        .ok_or_else(|| fail(ErrorCode::UnknownWindow, format!("no window {no}")))?;
    if role == Role::Staff && view.staff.as_ref().map(|s| s.staff_no.as_str()) != Some(staff_no) {
        return Err(fail(
            ErrorCode::NotSignedIn,
            format!("sign in at window {no} to see its queue and figures"),
        ));
    }
    Ok(())
}

//! Credentials under guard and sessions that end early (issues 16 and 21): every password and PIN
//! check goes through [`check_secret`] (locks per staff number and per address, the bounded gate,
//! the audit row of a failure); sign-out of a token, a manager ending someone's sessions, an admin
//! disabling an account; and what managers see of the protection.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::{HeaderMap, header, request::Parts};
use qcall_protocol::*;
use tracing::warn;

use super::extract::{AdminCaller, ApiJson, ApiPath, Failure, ManagerCaller, StaffCaller};
use super::{Answer, fail, json};
use crate::core::{Actor, Command, Failure as Failed, Revocation, SecurityCmd};
use crate::guard::{MAX_KEYS, Secret};
use crate::state::App;

/// The client's address (the TCP peer; behind a reverse proxy, the proxy's).
pub(crate) struct ClientAddr(pub(crate) IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Failure> {
        Ok(ClientAddr(peer(parts)))
    }
}

/// The TCP peer of a request (unspecified when the server runs without connection info).
pub(crate) fn peer(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// Checks a password or PIN under guard: refused at once while the staff number or the address is
/// locked; run in the bounded gate (`busy` when full); a wrong one counts against both, may lock
/// them, and leaves an audit row; a right one clears the staff number's count.
pub(super) async fn check_secret<T: Send + 'static>(
    app: &App,
    secret: Secret,
    staff_no: &str,
    addr: IpAddr,
    check: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, Failure> {
    let locked = |seconds: u32| {
        let (code, what) = match secret {
            Secret::Password => (ErrorCode::LoginLocked, "passwords"),
            Secret::Pin => (ErrorCode::PinLocked, "PINs"),
        };
        Failure(
            ApiError::new(
                code,
                format!(
                    "too many wrong {what} for this staff number or from this device; try again in {} min",
                    seconds.div_ceil(60)
                ),
            )
            .with_retry_after(seconds),
        )
    };
    if let Some(seconds) = app.guard.locked(secret, staff_no, addr, app.clock.now()) {
        return Err(locked(seconds));
    }
    match app.guard.checks.run(check).await? {
        Ok(value) => {
            app.guard.succeeded(secret, staff_no);
            Ok(value)
        }
        Err(e) if matches!(e.code, ErrorCode::BadCredentials | ErrorCode::BadPin) => {
            let counted = app.guard.failed(secret, staff_no, addr, app.clock.now());
            let kind = match (secret, counted.locked_for_s.is_some()) {
                (Secret::Password, false) => Failed::LoginFailed,
                (Secret::Password, true) => Failed::LoginLocked,
                (Secret::Pin, false) => Failed::PinFailed,
                (Secret::Pin, true) => Failed::PinLocked,
            };
            let detail = serde_json::json!({ "failures": counted.failures });
            audit_failure(app, kind, staff_no, addr, detail).await;
            Err(counted.locked_for_s.map_or(Failure(e), locked))
        }
        Err(e) => Err(Failure(e)),
    }
}

/// Writes a failure to the audit log and the log, unless a flood has used up the minute's rows (the
/// next row written says how many were left out).
pub(crate) async fn audit_failure(
    app: &App,
    kind: Failed,
    claimed: &str,
    addr: IpAddr,
    detail: serde_json::Value,
) {
    let Some(left_out) = app.guard.audit_slot(app.clock.now()) else {
        return;
    };
    let claimed: String = claimed.chars().take(32).collect();
    warn!(action = kind.action(), claimed = %claimed, addr = %addr, left_out, "refused credentials or action");
    let detail = if left_out > 0 {
        serde_json::json!({ "detail": detail, "left_out_before": left_out })
    } else {
        detail
    };
    let cmd = Command::Security(SecurityCmd::Failed {
        kind,
        claimed,
        addr: addr.to_string(),
        detail,
    });
    if let Err(e) = app.engine.command(Actor::Public, None, cmd).await {
        warn!(cause = %e, "a failure could not be written to the audit log");
    }
}

/// Stores a revocation, then applies it: a session ends only once that is durable, and then at once
/// for every request and (within a second) every open WebSocket.
async fn end(app: &App, actor: Actor, r: Revocation) -> Result<(), Failure> {
    app.engine
        .command(
            actor,
            None,
            Command::Security(SecurityCmd::Revoke(r.clone())),
        )
        .await?;
    app.auth.revoke(&r);
    Ok(())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Sign out: this token stops working at once, on REST and on its open WebSockets, and stays so
/// after a restart. Other sessions of the same person go on.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = SessionsEnded), (status = 401, body = ErrorBody)))]
pub(super) async fn logout(
    State(app): State<App>,
    StaffCaller { staff_no, .. }: StaffCaller,
    headers: HeaderMap,
) -> Answer {
    let r = bearer(&headers)
        .and_then(|t| app.auth.token_revocation(t))
        .ok_or_else(|| fail(ErrorCode::Unauthorized, "send the staff token to sign out"))?;
    end(&app, Actor::Staff(staff_no.clone()), r).await?;
    json(&SessionsEnded {
        staff_no,
        disabled: false,
    })
}

fn check_staff_no(app: &App, staff_no: &str) -> Result<(), Failure> {
    match app.config.staff(staff_no) {
        Some(_) => Ok(()),
        None => Err(fail(
            ErrorCode::NotFound,
            format!("no staff member {staff_no:?} in this hall's config"),
        )),
    }
}

/// End every session of a staff member now (managers): their tokens stop working on REST and their
/// WebSockets close; they can sign in again.
#[utoipa::path(post, path = "/api/v1/staff/{staff_no}/end-sessions", tag = "manage",
    params(("staff_no" = String, Path, description = "staff number", max_length = 32)), security(("bearer" = [])),
    responses((status = 200, body = SessionsEnded), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn end_sessions(
    State(app): State<App>,
    ManagerCaller(by): ManagerCaller,
    ApiPath(staff_no): ApiPath<String>,
) -> Answer {
    check_staff_no(&app, &staff_no)?;
    let r = Revocation::Sessions {
        staff_no: staff_no.clone(),
        at: app.clock.now(),
    };
    end(&app, Actor::Staff(by), r).await?;
    sessions_ended(&app, staff_no)
}

fn sessions_ended(app: &App, staff_no: String) -> Answer {
    json(&SessionsEnded {
        disabled: app.auth.is_disabled(&staff_no),
        staff_no,
    })
}

/// Disable (or enable again) a staff account (admins): disabling ends every session at once and
/// refuses its logins, also after a restart. An account disabled in the config stays disabled.
#[utoipa::path(put, path = "/api/v1/staff/{staff_no}/disabled", tag = "manage",
    params(("staff_no" = String, Path, description = "staff number", max_length = 32)), request_body = SetDisabledRequest, security(("bearer" = [])),
    responses((status = 200, body = SessionsEnded), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn set_disabled(
    State(app): State<App>,
    AdminCaller(by): AdminCaller,
    ApiPath(staff_no): ApiPath<String>,
    ApiJson(req): ApiJson<SetDisabledRequest>,
) -> Answer {
    check_staff_no(&app, &staff_no)?;
    if req.disabled && by == staff_no {
        return Err(fail(
            ErrorCode::BadRequest,
            "an admin cannot disable their own account",
        ));
    }
    let r = Revocation::Disabled {
        staff_no: staff_no.clone(),
        disabled: req.disabled,
    };
    end(&app, Actor::Staff(by.clone()), r).await?;
    if req.disabled {
        let r = Revocation::Sessions {
            staff_no: staff_no.clone(),
            at: app.clock.now(),
        };
        end(&app, Actor::Staff(by), r).await?;
    }
    sessions_ended(&app, staff_no)
}

/// What the server keeps against guessing and floods, with its bounds (managers).
#[utoipa::path(get, path = "/api/v1/security", tag = "manage", security(("bearer" = [])),
    responses((status = 200, body = SecurityStatus), (status = 403, body = ErrorBody)))]
pub(super) async fn status(State(app): State<App>, _m: ManagerCaller) -> Answer {
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    let (running, running_max, waiting, waiting_max, refused) = app.guard.checks.figures();
    let conns = app.limits.figures();
    json(&SecurityStatus {
        tracked_failures: n(app.guard.entries()),
        tracked_failures_max: n(crate::guard::TABLES * MAX_KEYS),
        checks_running: n(running),
        checks_running_max: n(running_max),
        checks_waiting: n(waiting),
        checks_waiting_max: n(waiting_max),
        checks_refused: refused,
        revoked_tokens: n(app.auth.revoked_tokens()),
        websockets: n(conns.websockets),
        connections: n(conns.connections),
        connections_max: n(conns.connections_max),
        connections_refused: conns.refused,
        public_sockets: n(conns.public_sockets),
        public_sockets_max: n(conns.public_sockets_max),
    })
}

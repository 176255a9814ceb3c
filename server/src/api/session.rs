//! Staff sign-in: staff number and password for a bearer token.

use axum::extract::State;
use qcall_protocol::*;

use super::extract::ApiJson;
use super::security::{ClientAddr, check_secret};
use super::{Answer, fail, json};
use crate::guard::Secret;
use crate::state::App;

/// Staff sign in with staff number and password and get a bearer token. Wrong passwords lock the
/// staff number (and, more of them, the client address) for a while: `login_locked` with
/// `retry_after_s`; `busy` when too many checks run at once.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(super) async fn login(
    State(app): State<App>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Answer {
    if req.staff_no.is_empty()
        || req.staff_no.chars().count() > 32
        || req.password.chars().count() > 256
    {
        return Err(fail(
            ErrorCode::BadRequest,
            "staff_no has 1–32 characters, password at most 256",
        ));
    }
    let auth = app.auth.clone();
    let (staff_no, password) = (req.staff_no.clone(), req.password);
    let role = check_secret(&app, Secret::Password, &req.staff_no, addr, move || {
        auth.check_password(&staff_no, &password)
    })
    .await?;
    let staff = app
        .config
        .staff(&req.staff_no)
        .ok_or_else(|| fail(ErrorCode::BadCredentials, "wrong staff number or password"))?;
    let (token, expires_at) = app.auth.issue_token(&req.staff_no, role, app.clock.now());
    let windows = if staff.windows.is_empty() {
        app.config.windows.iter().map(|w| w.number).collect()
    } else {
        staff.windows.clone()
    };
    json(&LoginResponse {
        token,
        expires_at,
        role,
        staff: staff.card(),
        windows,
    })
}

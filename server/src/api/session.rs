//! Staff sign-in: staff number and password for a bearer token.

use axum::extract::State;
use qcall_protocol::*;

use super::extract::ApiJson;
use super::{Answer, blocking, fail, json};
use crate::state::App;

/// Staff sign in with staff number and password and get a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)))]
pub(super) async fn login(State(app): State<App>, ApiJson(req): ApiJson<LoginRequest>) -> Answer {
    let auth = app.auth.clone();
    let (staff_no, password) = (req.staff_no.clone(), req.password);
    let role = blocking(move || auth.check_password(&staff_no, &password)).await?;
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

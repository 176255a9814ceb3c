//! The extractors every handler uses: our error shape for bodies, paths and queries, and who is asking
//! (R27) — each role extractor refuses before the body is read, so a caller without the right role
//! learns nothing about the body's shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use qcall_protocol::*;
use serde::de::DeserializeOwned;

use super::security::{audit_failure, peer};
use super::{fail, forbidden};
use crate::auth::Principal;
use crate::core::Failure as Failed;
use crate::state::App;

/// A refusal on its way to the client.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) ApiError);

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure(e)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&ErrorBody { error: self.0 }).unwrap_or_default();
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    }
}

/// A JSON body already serialised (by the engine, or for a retry from the database).
pub(crate) struct RawJson(pub(crate) String);

impl IntoResponse for RawJson {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}

/// A JSON body with our error shape for every way it can be wrong; an empty body reads as `{}`.
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                fail(ErrorCode::PayloadTooLarge, "the request body is too large")
            } else {
                fail(ErrorCode::BadRequest, rejection.body_text())
            }
        })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(bytes)
            .map(ApiJson)
            .map_err(|e| fail(ErrorCode::BadRequest, format!("invalid JSON body: {e}")))
    }
}

/// A path parameter with our error shape.
pub(crate) struct ApiPath<T>(pub(crate) T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|e| fail(ErrorCode::BadRequest, e.body_text()))
    }
}

/// A query string with our error shape.
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| fail(ErrorCode::BadRequest, e.body_text()))
    }
}

/// A request refused for its role (R27): written to the audit log with who it was and from where
/// (issue 21), rate-limited like every failure row.
async fn refused(app: &App, parts: &Parts, who: &Principal, failure: Failure) -> Failure {
    let claimed = match who {
        Principal::Kiosk { name } | Principal::Display { name, .. } => format!("device:{name}"),
        Principal::Staff { staff_no, .. } => format!("staff:{staff_no}"),
    };
    let detail = serde_json::json!({ "method": parts.method.as_str(), "path": parts.uri.path() });
    audit_failure(app, Failed::Forbidden, &claimed, peer(parts), detail).await;
    failure
}

/// The authenticated caller, from `Authorization: Bearer …`.
pub(crate) struct Caller(pub(crate) Principal);

impl FromRequestParts<App> for Caller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Failure> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let Some(bearer) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
            return Err(fail(
                ErrorCode::Unauthorized,
                "send `Authorization: Bearer <device key or staff token>`",
            ));
        };
        Ok(Caller(app.auth.principal(bearer.trim(), app.clock.now())?))
    }
}

/// A staff member, manager or admin. As an extractor it refuses everyone else before the body is read,
/// so a caller without the right role learns nothing about the body's shape (R27).
pub(crate) struct StaffCaller {
    pub(crate) staff_no: String,
    pub(crate) role: Role,
}

impl FromRequestParts<App> for StaffCaller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Failure> {
        match Caller::from_request_parts(parts, app).await?.0 {
            Principal::Staff { staff_no, role } => Ok(StaffCaller { staff_no, role }),
            other => Err(refused(app, parts, &other, forbidden()).await),
        }
    }
}

/// Window staff (role `staff`), who act at the window they signed in to; managers and admins read
/// every window but act at none (R27). Checked before the body.
pub(crate) struct WindowStaff(pub(crate) String);

impl FromRequestParts<App> for WindowStaff {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Failure> {
        match StaffCaller::from_request_parts(parts, app).await? {
            StaffCaller {
                staff_no,
                role: Role::Staff,
            } => Ok(WindowStaff(staff_no)),
            StaffCaller { staff_no, role } => {
                let who = Principal::Staff { staff_no, role };
                let no = fail(
                    ErrorCode::Forbidden,
                    "managers and admins do not act at windows: sign in with a staff account",
                );
                Err(refused(app, parts, &who, no).await)
            }
        }
    }
}

/// A manager or admin (like [`StaffCaller`], checked before the body).
pub(crate) struct ManagerCaller(pub(crate) String);

impl FromRequestParts<App> for ManagerCaller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Failure> {
        match StaffCaller::from_request_parts(parts, app).await? {
            StaffCaller {
                staff_no,
                role: Role::Manager | Role::Admin,
            } => Ok(ManagerCaller(staff_no)),
            StaffCaller { staff_no, role } => {
                let who = Principal::Staff { staff_no, role };
                Err(refused(app, parts, &who, forbidden()).await)
            }
        }
    }
}

/// Who may take a ticket: a kiosk or staff (checked before the body).
pub(crate) struct Issuer(pub(crate) Principal);

impl FromRequestParts<App> for Issuer {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Failure> {
        match Caller::from_request_parts(parts, app).await?.0 {
            p @ Principal::Display { .. } => Err(refused(app, parts, &p, forbidden()).await),
            p => Ok(Issuer(p)),
        }
    }
}

/// A rating pad (a display device in `rating_pad` mode), with the window it faces (checked before
/// the body).
pub(crate) struct PadCaller {
    pub(crate) name: String,
    pub(crate) window: WindowNo,
}

impl FromRequestParts<App> for PadCaller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Failure> {
        match Caller::from_request_parts(parts, app).await?.0 {
            Principal::Display {
                name,
                mode: DisplayMode::RatingPad { window },
            } => Ok(PadCaller { name, window }),
            other => {
                let failure = fail(
                    ErrorCode::Forbidden,
                    "only a rating pad (a display in rating_pad mode) may do this",
                );
                Err(refused(app, parts, &other, failure).await)
            }
        }
    }
}

/// An admin (checked before the body).
pub(crate) struct AdminCaller(pub(crate) String);

impl FromRequestParts<App> for AdminCaller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Failure> {
        match StaffCaller::from_request_parts(parts, app).await? {
            StaffCaller {
                staff_no,
                role: Role::Admin,
            } => Ok(AdminCaller(staff_no)),
            StaffCaller { staff_no, role } => {
                let who = Principal::Staff { staff_no, role };
                Err(refused(app, parts, &who, forbidden()).await)
            }
        }
    }
}

/// A kiosk (checked before the body).
pub(crate) struct KioskCaller;

impl FromRequestParts<App> for KioskCaller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Failure> {
        match Caller::from_request_parts(parts, app).await?.0 {
            Principal::Kiosk { .. } => Ok(KioskCaller),
            other => Err(refused(app, parts, &other, forbidden()).await),
        }
    }
}

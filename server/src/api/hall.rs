//! What every signed-in client reads: the hall, the kiosk tiles, the windows; and liveness.

use axum::extract::State;
use qcall_protocol::*;

use super::extract::{ApiPath, Caller, Failure};
use super::{Answer, fail, json};
use crate::state::App;

/// Liveness for monitoring: `ok` when the engine answers.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub(super) async fn healthz(State(app): State<App>) -> Answer {
    let health = app
        .engine
        .read(|hall, _, _| Health {
            status: "ok".into(),
            business_day: hall.business_day().to_string(),
            open_tickets: u32::try_from(hall.open_count()).unwrap_or(u32::MAX),
            seq: hall.seq(),
        })
        .await?;
    json(&health)
}

/// The hall: name, business day, rules, groups, services, windows.
#[utoipa::path(get, path = "/api/v1/hall", tag = "hall", security(("bearer" = [])), responses((status = 200, body = HallResponse), (status = 401, body = ErrorBody)))]
pub(super) async fn hall(State(app): State<App>, _caller: Caller) -> Answer {
    let cfg = app.config.clone();
    let body = app
        .engine
        .read(move |hall, _, now| HallResponse {
            hall: hall.hall_info(now),
            groups: cfg.groups.clone(),
            services: cfg.services.iter().map(|s| s.info.clone()).collect(),
            windows: hall.window_views(),
        })
        .await?;
    json(&body)
}

/// Every service's waiting count, estimated wait (R8) and whether it can issue now (R5).
#[utoipa::path(get, path = "/api/v1/availability", tag = "hall", security(("bearer" = [])), responses((status = 200, body = AvailabilityResponse), (status = 401, body = ErrorBody)))]
pub(super) async fn availability(State(app): State<App>, _caller: Caller) -> Answer {
    let body = app
        .engine
        .read(|hall, _, _| AvailabilityResponse {
            issuing_open: hall.issuing_open(),
            services: hall.tiles(),
        })
        .await?;
    json(&body)
}

/// Every window with its live state.
#[utoipa::path(get, path = "/api/v1/windows", tag = "hall", security(("bearer" = [])), responses((status = 200, body = [WindowView]), (status = 401, body = ErrorBody)))]
pub(super) async fn windows(State(app): State<App>, _caller: Caller) -> Answer {
    json(&app.engine.read(|hall, _, _| hall.window_views()).await?)
}

/// The photo of a staff member for window screens (亮身份, R19), from the hall's data folder.
#[utoipa::path(get, path = "/api/v1/staff/{staff_no}/photo", tag = "hall", params(("staff_no" = String, Path, description = "工号")), security(("bearer" = [])),
    responses((status = 200, description = "the photo, PNG or JPEG", content_type = "image/*"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn staff_photo(
    State(app): State<App>,
    _caller: Caller,
    ApiPath(staff_no): ApiPath<String>,
) -> Result<axum::response::Response, Failure> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let missing = || fail(ErrorCode::NotFound, format!("no photo of staff {staff_no}"));
    let path = app
        .config
        .staff(&staff_no)
        .and_then(|s| s.photo.as_ref())
        .map(|p| app.data_dir.join(p))
        .ok_or_else(missing)?;
    let read = path.clone();
    let bytes = match tokio::task::spawn_blocking(move || std::fs::read(read))
        .await
        .map_err(|e| fail(ErrorCode::Internal, e.to_string()))?
    {
        Ok(bytes) if bytes.len() <= MAX_PHOTO_BYTES => bytes,
        Ok(_) => {
            tracing::warn!(path = %path.display(), "staff photo is over 4 MiB; not served");
            return Err(missing());
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), cause = %e, "staff photo cannot be read");
            return Err(missing());
        }
    };
    let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        tracing::warn!(path = %path.display(), "staff photo is neither PNG nor JPEG; not served");
        return Err(missing());
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The largest staff photo served.
const MAX_PHOTO_BYTES: usize = 4 * 1024 * 1024;

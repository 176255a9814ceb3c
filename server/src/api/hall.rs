//! What every signed-in client reads: the hall, the kiosk tiles, the windows; and liveness.

use axum::extract::State;
use qcall_protocol::*;

use super::extract::Caller;
use super::{Answer, json};
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
    let issuing = app.config.clone();
    let body = app
        .engine
        .read(move |hall, _, now| AvailabilityResponse {
            issuing_open: issuing.calendar.issuing(now).is_ok(),
            services: hall.availability_all(now),
        })
        .await?;
    json(&body)
}

/// Every window with its live state.
#[utoipa::path(get, path = "/api/v1/windows", tag = "hall", security(("bearer" = [])), responses((status = 200, body = [WindowView]), (status = 401, body = ErrorBody)))]
pub(super) async fn windows(State(app): State<App>, _caller: Caller) -> Answer {
    json(&app.engine.read(|hall, _, _| hall.window_views()).await?)
}

//! What anyone may read (R27): public hall information, and a citizen's own ticket by its token (R7),
//! which the citizen may also cancel; and the status page the slip's QR code opens.

use axum::extract::State;
use qcall_protocol::*;

use super::extract::{ApiPath, RawJson};
use super::{Answer, fail, json};
use crate::core::{Actor, Command, TicketRef, token_id};
use crate::state::App;

/// Public hall information for the citizen's phone: name, notices, services and their queues.
#[utoipa::path(get, path = "/api/v1/public/hall", tag = "public", responses((status = 200, body = HallResponse)))]
pub(super) async fn public_hall(State(app): State<App>) -> Answer {
    let cfg = app.config.clone();
    let body = app
        .engine
        .read(move |hall, _, now| HallResponse {
            hall: hall.hall_info(now),
            groups: cfg.groups.clone(),
            services: cfg.services.iter().map(|s| s.info.clone()).collect(),
            windows: Vec::new(),
        })
        .await?;
    json(&body)
}

/// A citizen's ticket by the token on the slip's QR code (R7): position, estimate, state.
#[utoipa::path(get, path = "/api/v1/public/tickets/{token}", tag = "public", params(("token" = String, Path, description = "ticket token")),
    responses((status = 200, body = PublicTicket), (status = 404, body = ErrorBody)))]
pub(super) async fn public_ticket(
    State(app): State<App>,
    ApiPath(token): ApiPath<String>,
) -> Answer {
    json(&app.public_status(token).await?)
}

/// The citizen cancels their own waiting ticket.
#[utoipa::path(post, path = "/api/v1/public/tickets/{token}/cancel", tag = "public", params(("token" = String, Path, description = "ticket token")),
    responses((status = 200, body = TicketResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn public_cancel(
    State(app): State<App>,
    ApiPath(token): ApiPath<String>,
) -> Answer {
    if token_id(&token).is_none() {
        return Err(fail(ErrorCode::UnknownTicket, "no ticket with this token"));
    }
    Ok(RawJson(
        app.engine
            .command(
                Actor::Public,
                None,
                Command::Cancel {
                    ticket: TicketRef::Token(token),
                },
            )
            .await?,
    ))
}

/// The citizen's status page (R7), opened by the QR code on the slip; it reads its ticket live over
/// the WebSocket as a public client.
pub(crate) async fn status_page() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("../status.html"))
}

//! What anyone may read (R27): public hall information, and a citizen's own ticket by its token (R7),
//! which the citizen may also cancel and rate (R21); and the status page the slip's QR code opens.

use axum::extract::State;
use qcall_protocol::*;

use super::extract::{ApiJson, ApiPath, RawJson};
use super::security::ClientAddr;
use super::{Answer, check_request_id, fail, json};
use crate::core::{Actor, Command, RateCmd, RateVia, RatingCmd, TicketRef, rating, token_id};
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
    ClientAddr(addr): ClientAddr,
    ApiPath(token): ApiPath<String>,
) -> Answer {
    json(&app.public_status_for(token, addr).await?)
}

/// The citizen cancels their own waiting ticket.
#[utoipa::path(post, path = "/api/v1/public/tickets/{token}/cancel", tag = "public", params(("token" = String, Path, description = "ticket token")),
    responses((status = 200, body = TicketResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn public_cancel(
    State(app): State<App>,
    ClientAddr(addr): ClientAddr,
    ApiPath(token): ApiPath<String>,
) -> Answer {
    app.guard.token_reads(addr, app.clock.now())?;
    if token_id(&token).is_none() {
        app.guard.token_missed(addr, app.clock.now());
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

/// The rating of the citizen's own ticket (R21): which leg the page rates (the last served one),
/// whether it can be rated now and until when, and the rating if one was given.
#[utoipa::path(get, path = "/api/v1/public/tickets/{token}/rating", tag = "public", params(("token" = String, Path, description = "ticket token")),
    responses((status = 200, body = PublicRatingStatus), (status = 404, body = ErrorBody)))]
pub(super) async fn public_rating(
    State(app): State<App>,
    ApiPath(token): ApiPath<String>,
) -> Answer {
    let unknown = || fail(ErrorCode::UnknownTicket, "no ticket with this token");
    let id = token_id(&token).ok_or_else(unknown)?;
    let cfg = app.config.clone();
    let status = app
        .engine
        .read(move |hall, store, now| {
            let internal = |e: crate::store::StoreError| fail(ErrorCode::Internal, e.to_string());
            let t = match hall.by_token(&token) {
                Some(t) => t.clone(),
                None => match store.ticket(id).map_err(internal)? {
                    Some(t) if t.token == token => t,
                    _ => return Err(unknown()),
                },
            };
            let given = match rating::last_served(&t.ticket) {
                Some(leg) => store
                    .rating_of_leg(id, leg)
                    .map_err(internal)?
                    .map(|r| rating::given(&r)),
                None => None,
            };
            Ok(rating::public_status(&cfg, &t.ticket, given, now))
        })
        .await??;
    json(&status)
}

/// The citizen rates their own ticket from the status page (R21): by default its last served
/// leg, once, within the hall's 评价时效; a 差评 needs a reason. Idempotent by `request_id`.
#[utoipa::path(post, path = "/api/v1/public/tickets/{token}/rating", tag = "public", params(("token" = String, Path, description = "ticket token")),
    request_body = PublicRatingRequest,
    responses((status = 200, body = PublicRatingStatus), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(super) async fn public_rate(
    State(app): State<App>,
    ApiPath(token): ApiPath<String>,
    ApiJson(req): ApiJson<PublicRatingRequest>,
) -> Answer {
    let id = token_id(&token)
        .ok_or_else(|| fail(ErrorCode::UnknownTicket, "no ticket with this token"))?;
    check_request_id(&req.request_id)?;
    // Every citizen is `public`: the ticket keeps one citizen's request ids apart from another's.
    let request_id = format!("t{id}:{}", req.request_id);
    let cmd = Command::Rating(RatingCmd::Rate(Box::new(RateCmd {
        via: RateVia::Token(token),
        ticket_id: id,
        leg: req.leg,
        level: req.level,
        reasons: req.reasons,
        text: req.text,
        closed: None,
    })));
    Ok(RawJson(
        app.engine
            .command(Actor::Public, Some(request_id), cmd)
            .await?,
    ))
}

/// The status page's Content-Security-Policy: only its own inline script and style (by their SHA-256)
/// run, and it talks only to this server (issue 21).
pub(crate) static STATUS_PAGE_CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let page = include_str!("../status.html");
    let inline = |open: &str, close: &str| -> String {
        let body = page
            .split_once(open)
            .and_then(|(_, rest)| rest.split_once(close))
            .map_or("", |(body, _)| body);
        use sha2::Digest;
        format!(
            "'sha256-{}'",
            base64(&sha2::Sha256::digest(body.as_bytes()))
        )
    };
    format!(
        "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; img-src 'self' data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        inline("<script>", "</script>"),
        inline("<style>", "</style>")
    )
});

/// Standard base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The citizen's status page (R7), opened by the QR code on the slip; it reads its ticket live over
/// the WebSocket as a public client.
pub(crate) async fn status_page() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("../status.html"))
}

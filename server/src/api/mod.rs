//! REST under `/api/v1`: thin handlers that check who is asking (R27), turn the request into a core
//! command or a read, and send it to the engine. Every refusal is `{ "error": { code, message } }`.
//! The OpenAPI document is generated from these handlers' annotations, and the router from the same
//! list, so the two cannot disagree.
//!
//! One file per audience: `hall` (every signed-in client), `session` (login), `kiosk` (issuing),
//! `window` (the staff at a window), `manage` (managers), `public` (anyone: a citizen's own ticket),
//! `rating` (the rating pad; ratings, appeals, cases and their export for staff and managers).
//! `booking` (appointments: public booking, staff booking, the kiosk's check-in).
//! `extract` holds the extractors: our error shape, and the role checks done before a body is read.

mod book_page;
mod booking;
mod extract;
mod hall;
mod kiosk;
mod manage;
mod public;
mod rating;
mod report;
mod security;
mod session;
mod window;

use qcall_protocol::*;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::core::{Actor, Command};
use crate::state::App;
pub(crate) use book_page::{book_csp, book_page, book_submit, lookup_page, lookup_submit};
pub(crate) use extract::{Failure, RawJson};
pub(crate) use public::status_page;
pub(crate) use security::ClientAddr;

fn fail(code: ErrorCode, message: impl Into<String>) -> Failure {
    Failure(ApiError::new(code, message))
}

fn json<T: serde::Serialize>(value: &T) -> Result<RawJson, Failure> {
    serde_json::to_string(value)
        .map(RawJson)
        .map_err(|e| fail(ErrorCode::Internal, e.to_string()))
}

type Answer = Result<RawJson, Failure>;

fn forbidden() -> Failure {
    fail(ErrorCode::Forbidden, "this role may not do this")
}

fn check_request_id(id: &str) -> Result<(), Failure> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(fail(
            ErrorCode::BadRequest,
            "request_id must be 1–64 visible ASCII characters",
        ));
    }
    Ok(())
}

fn random_hex(bytes: usize) -> Result<String, Failure> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| fail(ErrorCode::Internal, format!("no randomness: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Headers on every response (issue 21): no sniffing, no framing, no referrer; nothing with ticket or
/// personal data cached; HTML pages only run their own inline script (by its hash) and talk only to
/// this server.
pub(crate) async fn security_headers(
    mut response: axum::response::Response,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // A page that set its own policy (the manager's console, the booking page) keeps it.
    if h.contains_key(header::CONTENT_SECURITY_POLICY) {
        return response;
    }
    if html && let Ok(csp) = HeaderValue::from_str(public::STATUS_PAGE_CSP.as_str()) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    } else {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    response
}

// ---- Routes ------------------------------------------------------------------------------------

#[derive(OpenApi)]
#[openapi(
    info(title = "qcall", description = "Queue-ticket and window-calling server of a government service hall. \
        Authenticate with `Authorization: Bearer <token>`: a device key (kiosk, display) or a staff token from \
        /api/v1/auth/login. Live updates: WebSocket /api/v1/ws (send a Hello, receive a Snapshot, then Events and \
        Heartbeats)."),
    modifiers(&BearerAuth),
    components(schemas(Hello, ServerMsg, Snapshot, Event, Identity, DisplaySettings, DisplayMode))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The router and the OpenAPI document, built from the same list.
pub(crate) fn router() -> (axum::Router<App>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(hall::healthz))
        .routes(routes!(session::login))
        .routes(routes!(hall::hall))
        .routes(routes!(hall::availability))
        .routes(routes!(hall::windows))
        .routes(routes!(hall::staff_photo))
        .routes(routes!(kiosk::issue))
        .routes(routes!(window::ticket))
        .routes(routes!(window::cancel))
        .routes(routes!(window::preview))
        .routes(routes!(window::today))
        .routes(routes!(window::sign_in))
        .routes(routes!(window::sign_out))
        .routes(routes!(window::call_next))
        .routes(routes!(window::call_number))
        .routes(routes!(window::recall))
        .routes(routes!(window::start))
        .routes(routes!(window::finish))
        .routes(routes!(window::finish_and_call_next))
        .routes(routes!(window::no_show))
        .routes(routes!(window::requeue))
        .routes(routes!(window::transfer))
        .routes(routes!(window::hold))
        .routes(routes!(window::unhold))
        .routes(routes!(window::pause))
        .routes(routes!(window::resume))
        .routes(routes!(manage::window_services))
        .routes(routes!(manage::notices))
        .routes(routes!(manage::audit))
        .routes(routes!(manage::staff))
        .routes(routes!(report::reports))
        .routes(routes!(report::ranking))
        .routes(routes!(public::public_hall))
        .routes(routes!(public::public_ticket))
        .routes(routes!(public::public_cancel))
        .routes(routes!(security::logout))
        .routes(routes!(security::end_sessions))
        .routes(routes!(security::set_disabled))
        .routes(routes!(security::status))
        .routes(routes!(kiosk::check_pin))
        .routes(routes!(booking::slots))
        .routes(routes!(booking::public_book))
        .routes(routes!(booking::public_lookup))
        .routes(routes!(booking::public_cancel))
        .routes(routes!(booking::staff_book, booking::list))
        .routes(routes!(booking::staff_cancel))
        .routes(routes!(booking::check_in))
        .routes(routes!(crate::ws::ws))
        .routes(routes!(rating::pad_state))
        .routes(routes!(rating::pad_rate))
        .routes(routes!(rating::ratings))
        .routes(routes!(rating::export))
        .routes(routes!(rating::appeal))
        .routes(routes!(rating::decide_appeal))
        .routes(routes!(rating::cases))
        .routes(routes!(rating::case))
        .routes(routes!(rating::case_step))
        .routes(routes!(public::public_rating, public::public_rate))
        .routes(routes!(openapi_json))
        .split_for_parts()
}

/// Served as written by [`router`]; set once at start.
pub(crate) static OPENAPI: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document")))]
async fn openapi_json() -> RawJson {
    RawJson(OPENAPI.get().cloned().unwrap_or_default())
}

async fn command(app: &App, actor: Actor, request_id: Option<String>, cmd: Command) -> Answer {
    if let Some(id) = &request_id {
        check_request_id(id)?;
    }
    Ok(RawJson(app.engine.command(actor, request_id, cmd).await?))
}

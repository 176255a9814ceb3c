//! REST under `/api/v1`: thin handlers that check who is asking (R27), turn the request into a core
//! command or a read, and send it to the engine. Every refusal is `{ "error": { code, message } }`.
//! The OpenAPI document is generated from these handlers' annotations.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use qcall_protocol::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Principal, mask_phone};
use crate::clock::Clock;
use crate::config::HallConfig;
use crate::core::{Actor, Command, IssueCmd, TicketRef, token_id};
use crate::engine::Engine;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) engine: Engine,
    pub(crate) auth: Arc<Auth>,
    pub(crate) config: Arc<HallConfig>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ws: crate::ws::WsControl,
}

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

fn fail(code: ErrorCode, message: impl Into<String>) -> Failure {
    Failure(ApiError::new(code, message))
}

/// A JSON body already serialised (by the engine, or for a retry from the database).
pub(crate) struct RawJson(String);

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

fn json<T: serde::Serialize>(value: &T) -> Result<RawJson, Failure> {
    serde_json::to_string(value)
        .map(RawJson)
        .map_err(|e| fail(ErrorCode::Internal, e.to_string()))
}

type Answer = Result<RawJson, Failure>;

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

fn forbidden() -> Failure {
    fail(ErrorCode::Forbidden, "this role may not do this")
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
            _ => Err(forbidden()),
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
            _ => Err(forbidden()),
        }
    }
}

/// Who may take a ticket: a kiosk or staff (checked before the body).
pub(crate) struct Issuer(pub(crate) Principal);

impl FromRequestParts<App> for Issuer {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Failure> {
        match Caller::from_request_parts(parts, app).await?.0 {
            Principal::Display { .. } => Err(forbidden()),
            p => Ok(Issuer(p)),
        }
    }
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

/// Runs a blocking check (argon2) off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| fail(ErrorCode::Internal, e.to_string()))?
        .map_err(Failure)
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
        .routes(routes!(healthz))
        .routes(routes!(login))
        .routes(routes!(hall))
        .routes(routes!(availability))
        .routes(routes!(windows))
        .routes(routes!(issue))
        .routes(routes!(ticket))
        .routes(routes!(cancel))
        .routes(routes!(preview))
        .routes(routes!(today))
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(call_next))
        .routes(routes!(call_number))
        .routes(routes!(recall))
        .routes(routes!(start))
        .routes(routes!(finish))
        .routes(routes!(no_show))
        .routes(routes!(requeue))
        .routes(routes!(transfer))
        .routes(routes!(hold))
        .routes(routes!(unhold))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(window_services))
        .routes(routes!(notices))
        .routes(routes!(audit))
        .routes(routes!(public_hall))
        .routes(routes!(public_ticket))
        .routes(routes!(public_cancel))
        .routes(routes!(crate::ws::ws))
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

/// Liveness for monitoring: `ok` when the engine answers.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
async fn healthz(State(app): State<App>) -> Answer {
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

/// Staff sign in with staff number and password and get a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)))]
async fn login(State(app): State<App>, ApiJson(req): ApiJson<LoginRequest>) -> Answer {
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
        staff: StaffCard {
            staff_no: staff.staff_no.clone(),
            name: staff.name.clone(),
            badges: staff.badges.clone(),
            photo: staff.photo.clone(),
        },
        windows,
    })
}

/// The hall: name, business day, rules, groups, services, windows.
#[utoipa::path(get, path = "/api/v1/hall", tag = "hall", security(("bearer" = [])), responses((status = 200, body = HallResponse), (status = 401, body = ErrorBody)))]
async fn hall(State(app): State<App>, _caller: Caller) -> Answer {
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
async fn availability(State(app): State<App>, _caller: Caller) -> Answer {
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
async fn windows(State(app): State<App>, _caller: Caller) -> Answer {
    json(&app.engine.read(|hall, _, _| hall.window_views()).await?)
}

/// Take a ticket (kiosks and staff). Idempotent by `request_id` (R6).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = IssueRequest, security(("bearer" = [])),
    responses((status = 200, body = IssueResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn issue(
    State(app): State<App>,
    Issuer(p): Issuer,
    ApiJson(req): ApiJson<IssueRequest>,
) -> Answer {
    check_request_id(&req.request_id)?;
    let actor = match &p {
        Principal::Kiosk { name } => {
            app.auth.take_issue_token(name, app.clock.now())?;
            Actor::Kiosk(name.clone())
        }
        Principal::Staff { staff_no, .. } => Actor::Staff(staff_no.clone()),
        Principal::Display { .. } => return Err(forbidden()), // Refused by `Issuer` already.
    };
    let citizen_hash = match req
        .citizen_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => Some(app.auth.citizen_hash(id)?),
        None => None,
    };
    let phone_masked = match req
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(phone) => Some(mask_phone(phone)?),
        None => None,
    };
    let helper = match (req.class, req.helper, &actor) {
        (TicketClass::Priority, Some(h), Actor::Kiosk(_)) => {
            let auth = app.auth.clone();
            let staff_no = h.staff_no.clone();
            blocking(move || auth.check_pin(&h.staff_no, &h.pin)).await?;
            Some(staff_no)
        }
        _ => None,
    };
    let cmd = Command::Issue(IssueCmd {
        service_id: req.service_id,
        class: req.class,
        citizen_hash,
        phone_masked,
        helper,
        secret: random_hex(16)?,
    });
    Ok(RawJson(
        app.engine.command(actor, Some(req.request_id), cmd).await?,
    ))
}

/// A ticket with all its legs (staff).
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path, description = "ticket id")), security(("bearer" = [])),
    responses((status = 200, body = Ticket), (status = 404, body = ErrorBody)))]
async fn ticket(
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
async fn cancel(
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

async fn command(app: &App, actor: Actor, request_id: Option<String>, cmd: Command) -> Answer {
    if let Some(id) = &request_id {
        check_request_id(id)?;
    }
    Ok(RawJson(app.engine.command(actor, request_id, cmd).await?))
}

/// A window action by the staff member signed in there.
async fn at_window(
    app: &App,
    staff: StaffCaller,
    request_id: Option<String>,
    cmd: Command,
) -> Answer {
    command(app, Actor::Staff(staff.staff_no), request_id, cmd).await
}

#[derive(Deserialize, utoipa::IntoParams)]
struct PreviewQuery {
    /// How many tickets to list (default 20, at most 200).
    limit: Option<usize>,
}

/// Who this window would call next, in order (R11), plus its held and no-show tickets. Staff see only
/// the window they are signed in at; managers see every window.
#[utoipa::path(get, path = "/api/v1/windows/{no}/preview", tag = "windows", params(("no" = u32, Path, description = "window number"), PreviewQuery), security(("bearer" = [])),
    responses((status = 200, body = PreviewResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn preview(
    State(app): State<App>,
    StaffCaller { staff_no, role }: StaffCaller,
    ApiPath(no): ApiPath<WindowNo>,
    ApiQuery(q): ApiQuery<PreviewQuery>,
) -> Answer {
    let limit = q.limit.unwrap_or(20).min(200);
    let result = app
        .engine
        .read(move |hall, _, _| {
            let view = hall
                .window_view(no)
                .ok_or_else(|| fail(ErrorCode::UnknownWindow, format!("no window {no}")))?;
            if role == Role::Staff && view.staff.as_ref().map(|s| &s.staff_no) != Some(&staff_no) {
                return Err(fail(
                    ErrorCode::NotSignedIn,
                    format!("sign in at window {no} to see its queue"),
                ));
            }
            hall.preview(no, limit)
                .ok_or_else(|| fail(ErrorCode::UnknownWindow, format!("no window {no}")))
        })
        .await??;
    json(&result)
}

/// Today's figures of a window: served, no-show, mean waiting and handling, pause time.
#[utoipa::path(get, path = "/api/v1/windows/{no}/today", tag = "windows", params(("no" = u32, Path, description = "window number")), security(("bearer" = [])),
    responses((status = 200, body = WindowToday), (status = 404, body = ErrorBody)))]
async fn today(
    State(app): State<App>,
    _staff: StaffCaller,
    ApiPath(no): ApiPath<WindowNo>,
) -> Answer {
    let result = app
        .engine
        .read(move |hall, _, _| {
            hall.window_view(no)
                .ok_or_else(|| fail(ErrorCode::UnknownWindow, format!("no window {no}")))?;
            let s = hall.stat(&format!("window:{no}"));
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
        async fn $name(State(app): State<App>, staff: StaffCaller, ApiPath($no): ApiPath<WindowNo>, ApiJson($req): ApiJson<$body>) -> Answer {
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
    /// Finish (办结).
    finish, "/api/v1/windows/{no}/finish", ActionRequest, |no, _req| Command::Finish { window: no });
window_action!(
    /// The called citizen did not come (过号).
    no_show, "/api/v1/windows/{no}/no-show", ActionRequest, |no, _req| Command::NoShow { window: no });
window_action!(
    /// Requeue a no-show behind the next N (顺延, R9).
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

/// Change what a window serves, live (managers).
#[utoipa::path(put, path = "/api/v1/windows/{no}/services", tag = "manage", params(("no" = u32, Path, description = "window number")), request_body = WindowServicesRequest, security(("bearer" = [])),
    responses((status = 200, body = WindowView), (status = 403, body = ErrorBody)))]
async fn window_services(
    State(app): State<App>,
    ManagerCaller(staff_no): ManagerCaller,
    ApiPath(no): ApiPath<WindowNo>,
    ApiJson(req): ApiJson<WindowServicesRequest>,
) -> Answer {
    command(
        &app,
        Actor::Staff(staff_no),
        None,
        Command::SetWindowServices {
            window: no,
            primary: req.primary,
            secondary: req.secondary,
        },
    )
    .await
}

/// Replace the hall board's marquee notices, live (managers).
#[utoipa::path(put, path = "/api/v1/notices", tag = "manage", request_body = NoticesRequest, security(("bearer" = [])),
    responses((status = 200, body = NoticesRequest), (status = 403, body = ErrorBody)))]
async fn notices(
    State(app): State<App>,
    ManagerCaller(staff_no): ManagerCaller,
    ApiJson(req): ApiJson<NoticesRequest>,
) -> Answer {
    command(
        &app,
        Actor::Staff(staff_no),
        None,
        Command::SetNotices {
            notices: req.notices,
        },
    )
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
struct AuditQuery {
    /// Entries after this sequence number (default 0).
    after: Option<u64>,
    /// Page size (default 100, at most 1000).
    limit: Option<u32>,
}

/// The append-only audit log (R28), page by page (managers): every call, and every jump of the queue.
#[utoipa::path(get, path = "/api/v1/audit", tag = "manage", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
async fn audit(
    State(app): State<App>,
    _manager: ManagerCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Answer {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let after = q.after.unwrap_or(0);
    let entries = app
        .engine
        .read(move |_, store, _| store.audit(after, limit))
        .await?
        .map_err(|e| fail(ErrorCode::Internal, e.to_string()))?;
    let next_after = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    json(&AuditPage {
        entries,
        next_after,
    })
}

/// Public hall information for the citizen's phone: name, notices, services and their queues.
#[utoipa::path(get, path = "/api/v1/public/hall", tag = "public", responses((status = 200, body = HallResponse)))]
async fn public_hall(State(app): State<App>) -> Answer {
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

/// The public status of one ticket by its token (R7).
pub(crate) async fn public_status(app: &App, token: String) -> Result<PublicTicket, Failure> {
    let unknown = || fail(ErrorCode::UnknownTicket, "no ticket with this token");
    let id = token_id(&token).ok_or_else(unknown)?;
    app.engine
        .read(move |hall, store, _| {
            if let Some(t) = hall.by_token(&token) {
                return Ok(hall.public_ticket(t));
            }
            // A closed ticket: from the database, without a place in the queue.
            match store.ticket(id) {
                Ok(Some(t)) if t.token == token => Ok(hall.public_ticket(&t)),
                Ok(_) => Err(unknown()),
                Err(e) => Err(fail(ErrorCode::Internal, e.to_string())),
            }
        })
        .await?
}

/// A citizen's ticket by the token on the slip's QR code (R7): position, estimate, state.
#[utoipa::path(get, path = "/api/v1/public/tickets/{token}", tag = "public", params(("token" = String, Path, description = "ticket token")),
    responses((status = 200, body = PublicTicket), (status = 404, body = ErrorBody)))]
async fn public_ticket(State(app): State<App>, ApiPath(token): ApiPath<String>) -> Answer {
    json(&public_status(&app, token).await?)
}

/// The citizen cancels their own waiting ticket.
#[utoipa::path(post, path = "/api/v1/public/tickets/{token}/cancel", tag = "public", params(("token" = String, Path, description = "ticket token")),
    responses((status = 200, body = TicketResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn public_cancel(State(app): State<App>, ApiPath(token): ApiPath<String>) -> Answer {
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

//! REST calls to the hall server: typed requests and answers from [`qcall_protocol`], a timeout on
//! every call, errors that carry the server's [`ErrorCode`], and automatic retries that are safe
//! because every command carries a [`RequestId`] (R6).
//!
//! The rule for request ids: **one id per user intent, reused on every retry**. A touch on 取号 or a
//! press of F1 makes one [`RequestId`]; if the answer is lost (timeout, network), the same request
//! with the same id is sent again and the server answers it from its record instead of acting
//! twice. A new touch is a new intent and gets a new id.
//!
//! These are async functions; apps run them on the network thread with [`crate::Requests`], never on
//! the UI thread. This module does not depend on egui.

use std::sync::Arc;
use std::time::Duration;

use qcall_protocol::{
    API_PREFIX, ActionRequest, ActionResponse, ApiError, AvailabilityResponse, BookRequest,
    BookingResponse, BookingsResponse, CallNumberRequest, ErrorBody, ErrorCode, FinishRequest,
    HallResponse, Health, IssueRequest, IssueResponse, LoginRequest, LoginResponse, PauseReason,
    PauseRequest, PreviewResponse, PublicTicket, Rating, RatingPadState, RatingRequest,
    SlotsResponse, Ticket, TicketActionRequest, TicketId, TicketResponse, TransferRequest,
    TransferTarget, WindowNo, WindowToday, WindowView,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::debug;

use crate::ServerAddr;

/// Longest wait for one attempt of one request, from dialling to the last byte of the answer. The
/// server answers commands in milliseconds; 5 s means it is gone, not slow.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a REST call failed. The UI shows [`crate::i18n::client_error_text`] of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The server refused, with its stable code and an English message (for logs).
    #[error("{0}")]
    Api(ApiError),
    /// No complete answer within the timeout, on every attempt.
    #[error("the server did not answer in time")]
    Timeout,
    /// The server could not be reached (refused, unreachable, reset).
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// The TLS handshake with an `https://` server failed: its certificate is not trusted (see
    /// `ca_file`) or names another host, or it does not speak TLS. Not retried: the same
    /// certificate fails the same way.
    #[error("secure connection failed: {0} (check the server's certificate and `ca_file`)")]
    Tls(String),
    /// An answer arrived but is not what the protocol says (a proxy page, a version mismatch).
    #[error("unreadable answer from the server: {0}")]
    Decode(String),
}

impl ClientError {
    /// The server's code, for refusals.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api(e) => Some(e.code),
            _ => None,
        }
    }

    /// Whether the server refused the credential itself (HTTP 401 `unauthorized`): a staff token
    /// that expired or was revoked, or an unknown key. Neither a retry nor another action can
    /// succeed with it; a staff app takes the person back to sign-in.
    pub fn credential_refused(&self) -> bool {
        self.code() == Some(ErrorCode::Unauthorized)
    }

    /// Whether sending the same request again (same request id) may succeed: the answer was lost,
    /// or the server said nothing changed and to retry.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Timeout | ClientError::Network(_) => true,
            ClientError::Api(e) => e.code == ErrorCode::Unavailable,
            ClientError::Decode(_) | ClientError::Tls(_) => false,
        }
    }
}

impl From<ApiError> for ClientError {
    fn from(e: ApiError) -> Self {
        ClientError::Api(e)
    }
}

/// The idempotency key of one user intent (R6): made once per touch or key press, sent with every
/// retry of that intent, so the server acts once however often the request arrives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh id: 32 random hex digits (128 bits), so ids of different kiosks never collide.
    pub fn new() -> RequestId {
        let mut bytes = [0u8; 16];
        if getrandom::fill(&mut bytes).is_err() {
            // No OS randomness (never seen in practice): fall back to time and a seeded PRNG,
            // still unique enough per device.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            let mut rng = fastrand::Rng::with_seed(nanos as u64);
            rng.fill(&mut bytes);
        }
        RequestId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for RequestId {
    fn default() -> Self {
        RequestId::new()
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<RequestId> for String {
    fn from(id: RequestId) -> String {
        id.0
    }
}

/// What a staff member does at their window (SPEC §6 caller). One variant per route under
/// `/windows/{no}/…`, so the caller's views return one of these and one function sends them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowAction {
    /// 签到: open the window (R14).
    SignIn,
    /// 签退: close the window.
    SignOut,
    /// 叫号 (F1): call the next ticket by R11.
    CallNext,
    /// 特呼: call a specific waiting number (R13).
    CallNumber {
        /// The number, e.g. `A017`.
        number: String,
    },
    /// 重呼 (F2): announce the called ticket again.
    Recall,
    /// 开始办理 (F3): the citizen arrived.
    Start,
    /// 办结 (F4), from `called` (service not started separately) or `serving`.
    Finish,
    /// 办结并叫下一位 (F9): finish the current ticket and call the next by R11, in one server
    /// command (one request id, one transaction).
    FinishAndCallNext,
    /// 过号 (F5): the called citizen did not come.
    NoShow,
    /// 顺延: requeue a no-show behind the next N (R9).
    Requeue {
        /// The no-show ticket.
        ticket_id: TicketId,
    },
    /// 转移 (F6): to a service or a window (R10).
    Transfer {
        /// Where to.
        to: TransferTarget,
        /// Why, for the next window.
        note: Option<String>,
    },
    /// 挂起 (F7): set the current ticket aside.
    Hold,
    /// 回呼: call a held ticket again.
    Unhold {
        /// The held ticket.
        ticket_id: TicketId,
    },
    /// 暂停 (F8) with a reason (R14).
    Pause {
        /// Why.
        reason: PauseReason,
    },
    /// 恢复 (F8 again).
    Resume,
}

impl WindowAction {
    /// The last segment of the route, e.g. `call-next`.
    pub fn route(&self) -> &'static str {
        match self {
            WindowAction::SignIn => "sign-in",
            WindowAction::SignOut => "sign-out",
            WindowAction::CallNext => "call-next",
            WindowAction::CallNumber { .. } => "call-number",
            WindowAction::Recall => "recall",
            WindowAction::Start => "start",
            WindowAction::Finish => "finish",
            WindowAction::FinishAndCallNext => "finish-and-call-next",
            WindowAction::NoShow => "no-show",
            WindowAction::Requeue { .. } => "requeue",
            WindowAction::Transfer { .. } => "transfer",
            WindowAction::Hold => "hold",
            WindowAction::Unhold { .. } => "unhold",
            WindowAction::Pause { .. } => "pause",
            WindowAction::Resume => "resume",
        }
    }

    /// The JSON body, with the request id.
    fn body(&self, id: &RequestId) -> Result<Vec<u8>, ClientError> {
        let request_id = Some(id.to_string());
        let json = match self {
            WindowAction::CallNumber { number } => serde_json::to_vec(&CallNumberRequest {
                request_id,
                number: number.clone(),
            }),
            WindowAction::Requeue { ticket_id } | WindowAction::Unhold { ticket_id } => {
                serde_json::to_vec(&TicketActionRequest {
                    request_id,
                    ticket_id: *ticket_id,
                })
            }
            WindowAction::Transfer { to, note } => serde_json::to_vec(&TransferRequest {
                request_id,
                to: to.clone(),
                note: note.clone(),
            }),
            WindowAction::Pause { reason } => serde_json::to_vec(&PauseRequest {
                request_id,
                reason: *reason,
            }),
            _ => serde_json::to_vec(&ActionRequest { request_id }),
        };
        json.map_err(|e| ClientError::Decode(e.to_string()))
    }
}

/// How often a request is sent before its error is returned. Only transient failures
/// ([`ClientError::is_transient`]) are retried, always with the same body and request id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, at least 1.
    pub attempts: u32,
    /// Pause between attempts.
    pub pause: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts 300 ms apart: rides out a server restart or a dropped answer, and gives up
    /// before a citizen at the kiosk gives up.
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            pause: Duration::from_millis(300),
        }
    }
}

/// A client for one server and one credential. Cheap to clone (the HTTP pool is shared), so each
/// request future takes its own copy to the network thread.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    base: Arc<str>,
    bearer: Option<Arc<str>>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the bearer: it is a device key or a staff token.
        f.debug_struct("RestClient")
            .field("base", &self.base)
            .field("authenticated", &self.bearer.is_some())
            .field("retry", &self.retry)
            .finish()
    }
}

enum Method {
    Get,
    Post,
}

impl RestClient {
    /// A client for `server` with [`REQUEST_TIMEOUT`] and the default [`RetryPolicy`], without
    /// credentials (see [`RestClient::with_bearer`]).
    pub fn new(server: &ServerAddr) -> Result<RestClient, ClientError> {
        RestClient::with_timeout(server, REQUEST_TIMEOUT)
    }

    /// Like [`RestClient::new`] with another per-attempt timeout (tests use short ones).
    pub fn with_timeout(server: &ServerAddr, timeout: Duration) -> Result<RestClient, ClientError> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // The hall server is on the LAN: a proxy from the environment would only get in the way.
            .no_proxy()
            .tcp_nodelay(true);
        if let Some(tls) = server.tls() {
            // The same rustls configuration the WebSocket uses (reqwest wants it by value).
            builder = builder.tls_backend_preconfigured(tls.client_config().as_ref().clone());
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok(RestClient {
            http,
            base: Arc::from(server.http_base()),
            bearer: None,
            retry: RetryPolicy::default(),
        })
    }

    /// The same client with a device key or staff token for `Authorization: Bearer …`.
    pub fn with_bearer(&self, bearer: impl Into<String>) -> RestClient {
        RestClient {
            bearer: Some(Arc::from(bearer.into())),
            ..self.clone()
        }
    }

    /// The same client with another retry policy.
    pub fn with_retry(&self, retry: RetryPolicy) -> RestClient {
        RestClient {
            retry: RetryPolicy {
                attempts: retry.attempts.max(1),
                ..retry
            },
            ..self.clone()
        }
    }

    /// Staff log in with staff number and password; the answer's token is the bearer for the rest.
    pub async fn login(
        &self,
        staff_no: &str,
        password: &str,
    ) -> Result<LoginResponse, ClientError> {
        let body = LoginRequest {
            staff_no: staff_no.into(),
            password: password.into(),
        };
        self.send(Method::Post, "/auth/login", Some(json(&body)?))
            .await
    }

    /// Ends this client's staff session on the server: its token stops working at once, on REST
    /// and open WebSockets (a sign-out, issue 16).
    pub async fn logout(&self) -> Result<qcall_protocol::SessionsEnded, ClientError> {
        self.send(
            Method::Post,
            "/auth/logout",
            Some(json(&serde_json::json!({}))?),
        )
        .await
    }

    /// What can be booked: each bookable service's free slots (R25).
    pub async fn booking_slots(&self) -> Result<SlotsResponse, ClientError> {
        self.send(Method::Get, "/public/booking/slots", None).await
    }

    /// Books for a caller on the phone (staff): the booking with its code.
    pub async fn book_for_caller(
        &self,
        request: &BookRequest,
    ) -> Result<BookingResponse, ClientError> {
        self.send(Method::Post, "/bookings", Some(json(request)?))
            .await
    }

    /// The bookings of a date (`YYYY-MM-DD`; staff).
    pub async fn bookings(&self, date: &str) -> Result<BookingsResponse, ClientError> {
        self.send(Method::Get, &format!("/bookings?date={date}"), None)
            .await
    }

    /// Hall, groups, services and windows.
    pub async fn hall(&self) -> Result<HallResponse, ClientError> {
        self.send(Method::Get, "/hall", None).await
    }

    /// Every service's waiting count, estimate and refusal (the kiosk's tiles).
    pub async fn availability(&self) -> Result<AvailabilityResponse, ClientError> {
        self.send(Method::Get, "/availability", None).await
    }

    /// Every window with its live state.
    pub async fn windows(&self) -> Result<Vec<WindowView>, ClientError> {
        self.send(Method::Get, "/windows", None).await
    }

    /// 取号. `request.request_id` must be one [`RequestId`] per touch, kept for retries (R6).
    pub async fn issue(&self, request: &IssueRequest) -> Result<IssueResponse, ClientError> {
        self.send(Method::Post, "/tickets", Some(json(request)?))
            .await
    }

    /// 预约签到 (R26): a booking checked in at a kiosk; `request.request_id` one per touch, kept for
    /// retries (R6).
    pub async fn check_in(
        &self,
        request: &qcall_protocol::CheckInRequest,
    ) -> Result<qcall_protocol::CheckInResponse, ClientError> {
        self.send(Method::Post, "/bookings/check-in", Some(json(request)?))
            .await
    }

    /// A window action; `id` is the intent's request id (one per key press, reused on retry).
    pub async fn window_action(
        &self,
        window: WindowNo,
        action: &WindowAction,
        id: &RequestId,
    ) -> Result<ActionResponse, ClientError> {
        let path = format!("/windows/{window}/{}", action.route());
        self.send(Method::Post, &path, Some(action.body(id)?)).await
    }

    /// A window action with the 办件编号 of the matter handled: for 办结 and 办结并叫下一位 a
    /// non-empty `case_no` goes with the request (exported with the leg's rating, R21); every other
    /// action, or no number, is [`RestClient::window_action`].
    pub async fn window_action_with_case_no(
        &self,
        window: WindowNo,
        action: &WindowAction,
        id: &RequestId,
        case_no: Option<&str>,
    ) -> Result<ActionResponse, ClientError> {
        let finishing = matches!(
            action,
            WindowAction::Finish | WindowAction::FinishAndCallNext
        );
        match case_no.map(str::trim).filter(|n| !n.is_empty()) {
            Some(no) if finishing => {
                let body = FinishRequest {
                    request_id: Some(id.to_string()),
                    case_no: Some(no.to_owned()),
                };
                let path = format!("/windows/{window}/{}", action.route());
                self.send(Method::Post, &path, Some(json(&body)?)).await
            }
            _ => self.window_action(window, action, id).await,
        }
    }

    /// Sends a window action until the server answers it (done, or a refusal), however long the
    /// link is down: the same request id every time, so the server acts once (R6), with `backoff`
    /// between tries. For an action that must reach the server in the end, such as a sign-out
    /// made offline; it may run for hours, so run it on the network thread.
    pub async fn window_action_until_answered(
        &self,
        window: WindowNo,
        action: &WindowAction,
        id: &RequestId,
        mut backoff: crate::connection::Backoff,
    ) -> Result<ActionResponse, ClientError> {
        loop {
            match self.window_action(window, action, id).await {
                Err(e) if e.is_transient() => {
                    debug!(window, route = action.route(), cause = %e, "waiting for the server");
                    tokio::time::sleep(backoff.next_delay()).await;
                }
                answer => return answer,
            }
        }
    }

    /// Who this window would call next, in order (R11), with its held and no-show tickets. `limit`
    /// defaults to 20 on the server.
    pub async fn preview(
        &self,
        window: WindowNo,
        limit: Option<usize>,
    ) -> Result<PreviewResponse, ClientError> {
        let path = match limit {
            Some(n) => format!("/windows/{window}/preview?limit={n}"),
            None => format!("/windows/{window}/preview"),
        };
        self.send(Method::Get, &path, None).await
    }

    /// Today's figures of a window (the caller's footer).
    pub async fn today(&self, window: WindowNo) -> Result<WindowToday, ClientError> {
        self.send(Method::Get, &format!("/windows/{window}/today"), None)
            .await
    }

    /// A ticket with all its legs (staff).
    pub async fn ticket(&self, id: TicketId) -> Result<Ticket, ClientError> {
        self.send(Method::Get, &format!("/tickets/{id}"), None)
            .await
    }

    /// Cancel a waiting ticket (staff).
    pub async fn cancel_ticket(
        &self,
        id: TicketId,
        request_id: &RequestId,
    ) -> Result<TicketResponse, ClientError> {
        let body = ActionRequest {
            request_id: Some(request_id.to_string()),
        };
        self.send(
            Method::Post,
            &format!("/tickets/{id}/cancel"),
            Some(json(&body)?),
        )
        .await
    }

    /// A citizen's ticket by its token (the status page's data).
    pub async fn public_ticket(&self, token: &str) -> Result<PublicTicket, ClientError> {
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ClientError::Api(ApiError::new(
                ErrorCode::UnknownTicket,
                "not a ticket token",
            )));
        }
        self.send(Method::Get, &format!("/public/tickets/{token}"), None)
            .await
    }

    /// What a rating pad needs at every (re)connect: idle time, staff card, the invite on offer.
    pub async fn rating_pad(&self) -> Result<RatingPadState, ClientError> {
        self.send(Method::Get, "/rating-pad", None).await
    }

    /// A rating from the pad (R21). `request.request_id` is one per citizen's choice, kept for
    /// retries: a rating sent twice is one rating (R6).
    pub async fn rate_at_pad(&self, request: &RatingRequest) -> Result<Rating, ClientError> {
        self.send(Method::Post, "/rating-pad/ratings", Some(json(request)?))
            .await
    }

    /// Whether the server takes commands (not under `/api/v1`).
    pub async fn health(&self) -> Result<Health, ClientError> {
        let url = format!("{}/healthz", self.base);
        self.send_url(Method::Get, &url, None).await
    }

    /// The bytes at `path` on the server (a server-relative URL such as the staff photo's
    /// `/api/v1/staff/{staff_no}/photo`), with the bearer; retried like every GET. A refusal
    /// comes back with the server's code (`not_found` for a missing file).
    pub async fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 1;
        loop {
            match self.bytes_once(&url).await {
                Err(e) if e.is_transient() && attempt < self.retry.attempts => {
                    debug!(url, attempt, cause = %e, "retrying");
                    attempt += 1;
                    tokio::time::sleep(self.retry.pause).await;
                }
                other => return other,
            }
        }
    }

    async fn bytes_once(&self, url: &str) -> Result<Vec<u8>, ClientError> {
        let mut request = self.http.get(url);
        if let Some(bearer) = &self.bearer {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(ClientError::Api(body.error)),
            Err(_) => Err(ClientError::Decode(format!("{url}: HTTP {status}"))),
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{API_PREFIX}{path}", self.base);
        self.send_url(method, &url, body).await
    }

    /// Sends with retries on transient failures: the same bytes each time, so the same request id.
    async fn send_url<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T, ClientError> {
        let mut attempt = 1;
        loop {
            match self.once(&method, url, body.clone()).await {
                Err(e) if e.is_transient() && attempt < self.retry.attempts => {
                    debug!(url, attempt, cause = %e, "retrying");
                    attempt += 1;
                    tokio::time::sleep(self.retry.pause).await;
                }
                other => return other,
            }
        }
    }

    async fn once<T: DeserializeOwned>(
        &self,
        method: &Method,
        url: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T, ClientError> {
        let mut request = match method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
        };
        if let Some(bearer) = &self.bearer {
            request = request.bearer_auth(bearer);
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| ClientError::Decode(format!("{url}: {e}")));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(ClientError::Api(body.error)),
            // A 401 is about the credential whoever wrote the page (a proxy in front, say).
            Err(_) if status == reqwest::StatusCode::UNAUTHORIZED => Err(ClientError::Api(
                ApiError::new(ErrorCode::Unauthorized, format!("{url}: HTTP 401")),
            )),
            Err(_) => Err(ClientError::Decode(format!(
                "{url}: HTTP {status} without an error body: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            ))),
        }
    }
}

fn json(value: &impl Serialize) -> Result<Vec<u8>, ClientError> {
    serde_json::to_vec(value).map_err(|e| ClientError::Decode(e.to_string()))
}

fn transport(e: reqwest::Error) -> ClientError {
    if e.is_timeout() {
        ClientError::Timeout
    } else if let Some(tls) = crate::tls::tls_failure(&e) {
        ClientError::Tls(tls.to_string())
    } else {
        // The whole chain: reqwest's own message is only "error sending request".
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        ClientError::Network(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_fresh_and_valid_for_the_server() {
        let a = RequestId::new();
        let b = RequestId::new();
        assert_ne!(a, b);
        // The server accepts 1–64 visible ASCII characters.
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
        let cloned = a.clone();
        assert_eq!(cloned, a, "a retry sends the same id");
    }

    #[test]
    fn every_action_has_its_route_and_carries_the_request_id() {
        let id = RequestId::new();
        let actions = [
            (WindowAction::SignIn, "sign-in"),
            (WindowAction::SignOut, "sign-out"),
            (WindowAction::CallNext, "call-next"),
            (
                WindowAction::CallNumber {
                    number: "A017".into(),
                },
                "call-number",
            ),
            (WindowAction::Recall, "recall"),
            (WindowAction::Start, "start"),
            (WindowAction::Finish, "finish"),
            (WindowAction::FinishAndCallNext, "finish-and-call-next"),
            (WindowAction::NoShow, "no-show"),
            (WindowAction::Requeue { ticket_id: 5 }, "requeue"),
            (
                WindowAction::Transfer {
                    to: TransferTarget::Window(3),
                    note: Some("材料".into()),
                },
                "transfer",
            ),
            (WindowAction::Hold, "hold"),
            (WindowAction::Unhold { ticket_id: 6 }, "unhold"),
            (
                WindowAction::Pause {
                    reason: PauseReason::Meeting,
                },
                "pause",
            ),
            (WindowAction::Resume, "resume"),
        ];
        for (action, route) in actions {
            assert_eq!(action.route(), route);
            let body: serde_json::Value =
                serde_json::from_slice(&action.body(&id).expect("body")).expect("json");
            assert_eq!(body["request_id"], id.as_str(), "{route}");
        }
        let body: serde_json::Value = serde_json::from_slice(
            &WindowAction::Pause {
                reason: PauseReason::Consultation,
            }
            .body(&id)
            .expect("body"),
        )
        .expect("json");
        assert_eq!(body["reason"], "consultation");
    }

    #[test]
    fn only_lost_answers_and_unavailable_are_retried() {
        assert!(ClientError::Timeout.is_transient());
        assert!(ClientError::Network("reset".into()).is_transient());
        assert!(ClientError::Api(ApiError::new(ErrorCode::Unavailable, "x")).is_transient());
        assert!(!ClientError::Api(ApiError::new(ErrorCode::QueueEmpty, "x")).is_transient());
        assert!(!ClientError::Api(ApiError::new(ErrorCode::RateLimited, "x")).is_transient());
        assert!(!ClientError::Decode("x".into()).is_transient());
        assert!(
            !ClientError::Tls("UnknownIssuer".into()).is_transient(),
            "an untrusted certificate stays untrusted"
        );
        assert_eq!(
            ClientError::Api(ApiError::new(ErrorCode::WindowBusy, "x")).code(),
            Some(ErrorCode::WindowBusy)
        );
        assert!(ClientError::Api(ApiError::new(ErrorCode::Unauthorized, "x")).credential_refused());
        assert!(
            !ClientError::Api(ApiError::new(ErrorCode::BadCredentials, "x")).credential_refused()
        );
        assert!(!ClientError::Timeout.credential_refused());
    }

    #[test]
    fn debug_never_shows_the_credential() {
        let server = ServerAddr::parse("127.0.0.1:8700").expect("addr");
        let client = RestClient::new(&server)
            .expect("client")
            .with_bearer("demo-kiosk-1-key-0000");
        assert!(!format!("{client:?}").contains("demo-kiosk"));
    }
}

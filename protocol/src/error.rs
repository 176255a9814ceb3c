//! Errors on the wire: a stable machine code plus a human message (R30).

use serde::{Deserialize, Serialize};

/// The stable machine codes of every refusal. Clients branch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body or query is malformed or a field is invalid.
    BadRequest,
    /// The body is over the size limit.
    PayloadTooLarge,
    /// No credentials, or unknown or expired ones.
    Unauthorized,
    /// The credentials are valid but this role may not do this (R27).
    Forbidden,
    /// No such route.
    NotFound,
    /// The route exists but not with this HTTP method.
    MethodNotAllowed,
    /// Unknown service id.
    UnknownService,
    /// Unknown window number.
    UnknownWindow,
    /// Unknown ticket id, number or token.
    UnknownTicket,
    /// The ticket is not in a state that allows this (R3).
    WrongState,
    /// The hall is closed now (R5).
    HallClosed,
    /// Past today's ticket cut-off (取号截止, R5).
    PastCutoff,
    /// The service is disabled (R5).
    ServiceDisabled,
    /// The service reached its daily cap (每日限号, R5).
    DailyCapReached,
    /// The current time slot's quota is used up (分时段限号, R5).
    SlotQuotaReached,
    /// This citizen already holds an open ticket for this service (R5).
    DuplicateCitizen,
    /// This class needs staff, or a staff PIN at the kiosk (R2).
    ClassNotAllowed,
    /// The staff PIN is wrong.
    BadPin,
    /// Too many requests from this device; retry later.
    RateLimited,
    /// No ticket waits that this window may serve (当前无人等候).
    QueueEmpty,
    /// The window has a called or serving ticket; finish, no-show, hold or transfer it first.
    WindowBusy,
    /// The window has no called or serving ticket.
    NoCurrentTicket,
    /// The window is paused (R14).
    WindowPaused,
    /// The window is closed: nobody is signed in (R14).
    WindowClosed,
    /// Someone else is signed in at this window (R14).
    WindowTaken,
    /// The staff member is signed in at another window.
    SignedInElsewhere,
    /// The staff member is not signed in at this window.
    NotSignedIn,
    /// The no-show is older than the requeue limit (R9).
    RequeueExpired,
    /// The transfer target is this same window.
    TransferToSelf,
    /// Wrong staff number or password.
    BadCredentials,
    /// The same request id was already used by this client for a different request (R6); choose a new
    /// id for a new request.
    RequestIdReused,
    /// Too many wrong passwords for this staff number or from this address; `retry_after_s` says when.
    LoginLocked,
    /// Too many wrong kiosk PINs; `retry_after_s` says when.
    PinLocked,
    /// The server is busy checking other credentials; retry in a moment.
    Busy,
    /// The server is shutting down or could not store the change; nothing changed, retry.
    Unavailable,
    /// A bug on the server. Nothing changed.
    Internal,
    /// The ticket has no leg with this index.
    UnknownLeg,
    /// No rating with this id (or not one this caller may see).
    UnknownRating,
    /// No case with this id (or not one this caller may see).
    UnknownCase,
    /// The leg was not served (it is still open, or ended cancelled or expired): nothing to rate.
    NotServed,
    /// The leg was rated already: one rating per leg, the first one stands (一次一评, R21).
    AlreadyRated,
    /// The hall's time for rating a leg after it ended (评价时效) has passed.
    RatingExpired,
    /// 不满意 and 非常不满意 need at least one reason (态度, 效率, 水平, 环境, 其他).
    ReasonRequired,
    /// The rating cannot be appealed (not a 差评, its case is closed, or past the hall's time for
    /// appeals), or its appeal was already made or decided.
    AppealClosed,
}

impl ErrorCode {
    /// The HTTP status this code is sent with.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            BadRequest | TransferToSelf | ReasonRequired => 400,
            Unauthorized | BadCredentials => 401,
            Forbidden | BadPin | ClassNotAllowed => 403,
            NotFound | UnknownService | UnknownWindow | UnknownTicket | UnknownLeg
            | UnknownRating | UnknownCase => 404,
            MethodNotAllowed => 405,
            PayloadTooLarge => 413,
            RateLimited | LoginLocked | PinLocked => 429,
            Unavailable | Busy => 503,
            Internal => 500,
            WrongState | HallClosed | PastCutoff | ServiceDisabled | DailyCapReached
            | SlotQuotaReached | DuplicateCitizen | QueueEmpty | WindowBusy | NoCurrentTicket
            | WindowPaused | WindowClosed | WindowTaken | SignedInElsewhere | NotSignedIn
            | RequeueExpired | RequestIdReused | NotServed | AlreadyRated | RatingExpired
            | AppealClosed => 409,
        }
    }
}

/// The body of every error response: `{ "error": { "code": "...", "message": "..." } }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}

/// A refusal: what went wrong, for machines and for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable machine code.
    pub code: ErrorCode,
    /// A sentence for the person at the screen or in the log (English; apps translate by code).
    pub message: String,
    /// The ticket number concerned, e.g. the number a citizen already holds (`duplicate_citizen`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Seconds until a retry can succeed (`rate_limited`, `login_locked`, `pin_locked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u32>,
}

impl ApiError {
    /// An error with a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            ticket: None,
            retry_after_s: None,
        }
    }

    /// The same error naming the ticket number concerned.
    pub fn with_ticket(mut self, number: impl Into<String>) -> Self {
        self.ticket = Some(number.into());
        self
    }

    /// The same error saying when a retry can succeed.
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after_s = Some(seconds);
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = serde_json_free_name(self.code);
        write!(f, "{code}: {}", self.message)
    }
}

impl std::error::Error for ApiError {}

/// The snake_case name of a code without pulling in a JSON library.
fn serde_json_free_name(code: ErrorCode) -> String {
    let debug = format!("{code:?}");
    let mut out = String::with_capacity(debug.len() + 4);
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_uses_the_wire_code() {
        let err = ApiError::new(ErrorCode::DailyCapReached, "cap");
        let wire = serde_json::to_value(err.code).expect("serialise");
        assert_eq!(wire, "daily_cap_reached");
        assert_eq!(err.to_string(), "daily_cap_reached: cap");
    }
}

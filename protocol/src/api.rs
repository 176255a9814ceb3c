//! REST request and response bodies under `/api/v1`.

use serde::{Deserialize, Serialize};

use crate::{
    Availability, Call, HallInfo, Millis, PauseReason, Service, ServiceGroup, StaffCard, Ticket,
    TicketClass, TicketId, TicketState, WindowNo, WindowView,
};

/// Who a staff account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Window staff: acts only at the window signed in to.
    Staff,
    /// Hall manager: reads everything, changes notices and window services.
    Manager,
    /// Hall IT: everything a manager may, plus configuration.
    Admin,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// 工号.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32))]
    pub staff_no: String,
    /// Password.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub password: String,
}

/// The answer to a successful login.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// When the token stops working.
    pub expires_at: Millis,
    /// The account's role.
    pub role: Role,
    /// What window screens show of this person.
    pub staff: StaffCard,
    /// Windows this person may sign in to (all windows when the config names none).
    pub windows: Vec<WindowNo>,
}

/// A staff member's PIN, typed on the kiosk to unlock 爱心优先 tickets (helper mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HelperPin {
    /// The helper's staff number.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32))]
    pub staff_no: String,
    /// The helper's PIN.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub pin: String,
}

/// `POST /tickets`: take a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueRequest {
    /// Chosen by the client per touch; a retry with the same id returns the same ticket (R6). 1–64
    /// visible ASCII characters.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: String,
    /// The service.
    pub service_id: String,
    /// The class; `normal` when absent.
    #[serde(default)]
    pub class: TicketClass,
    /// The citizen's id number, when given; stored only as a keyed hash (R29): 15 or 18 characters,
    /// digits, the last may be X (surrounding spaces are ignored; empty means none).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^ *([0-9]{15}|[0-9]{17}[0-9Xx])? *$")
    )]
    pub citizen_id: Option<String>,
    /// The citizen's phone, when given; stored masked only: 7 to 15 digits with an optional leading
    /// `+` (the server also takes spaces or dashes between them).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^ *(\+?[0-9]{7,15})? *$"))]
    pub phone: Option<String>,
    /// Needed for `priority` from a kiosk.
    #[serde(default)]
    pub helper: Option<HelperPin>,
    /// Near-turn notices to `phone` (R32): a notice when the ticket is a few places or minutes away
    /// and when it is called. Needs `phone`; ignored when the hall sends no notices
    /// (`HallInfo::notify`). The full number is kept apart only while the ticket is open.
    #[serde(default)]
    pub notify: bool,
}

/// The answer to an issue: the ticket, its token and the wait ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueResponse {
    /// The new ticket.
    pub ticket: Ticket,
    /// Unguessable; opens the citizen's status page (R7). Shown only to the issuer.
    pub token: String,
    /// Path of the status page for the QR code, relative to the server's address.
    pub status_path: String,
    /// Tickets ahead of this one at issue.
    pub ahead: u32,
    /// Estimated wait in minutes; `None` when no window serves the service now (R8).
    pub estimated_wait_minutes: Option<u32>,
}

/// The body of every window action that needs nothing else: only the idempotency key.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionRequest {
    /// One per key press; a retry with the same id gets the same answer and changes nothing more.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: Option<String>,
}

/// `POST /windows/{no}/call-number`: 特呼 (R13).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallNumberRequest {
    /// Idempotency key.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: Option<String>,
    /// The waiting number to call, e.g. `A017`.
    pub number: String,
}

/// Acting on one ticket that is not the window's current one (回呼 a held ticket, requeue a no-show).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketActionRequest {
    /// Idempotency key.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: Option<String>,
    /// The ticket.
    pub ticket_id: TicketId,
}

/// Where a transferred ticket goes (R10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferTarget {
    /// The head of a service's queue, among its class.
    Service(String),
    /// One window, which calls it before anything else.
    Window(WindowNo),
}

/// `POST /windows/{no}/transfer`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferRequest {
    /// Idempotency key.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: Option<String>,
    /// Where to.
    pub to: TransferTarget,
    /// Why, for the next window (at most 200 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub note: Option<String>,
}

/// `POST /windows/{no}/pause`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PauseRequest {
    /// Idempotency key.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: Option<String>,
    /// Why.
    pub reason: PauseReason,
}

/// `PUT /windows/{no}/services`: a manager changes what a window serves, live.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowServicesRequest {
    /// Served first: at least one service. A service is listed once, in one of the two lists.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub primary: Vec<String>,
    /// Served when the primary queues have nobody of a class.
    #[serde(default)]
    pub secondary: Vec<String>,
}

/// `PUT /notices`: the hall board's marquee lines.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticesRequest {
    /// The lines, in order: at most 20, each 1–200 characters and not blank.
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_items = 20,
            min_length = 1,
            max_length = 200,
            pattern = r"[^\s\x85]"
        )
    )]
    pub notices: Vec<String>,
}

/// The answer to every window action: the ticket it touched (if any) and the window after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionResponse {
    /// The ticket acted on.
    pub ticket: Option<Ticket>,
    /// The window after the action.
    pub window: WindowView,
    /// The call this action made, for calls and recalls.
    pub call: Option<Call>,
    /// The ticket finished by `finish-and-call-next` (then `ticket` and `call` are the next call, or
    /// `None` when nobody waited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<Ticket>,
}

/// The answer to a ticket cancel or other action with no window involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketResponse {
    /// The ticket after the action.
    pub ticket: Ticket,
}

/// `GET /hall`: everything fairly static about the hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HallResponse {
    /// Name, time zone, today, rules.
    pub hall: HallInfo,
    /// Kiosk groups in display order.
    pub groups: Vec<ServiceGroup>,
    /// Services in display order.
    pub services: Vec<Service>,
    /// Windows by number.
    pub windows: Vec<WindowView>,
}

/// `GET /windows/{no}/preview`: who this window would call next, in order (R11), computed by the server
/// so that clients never re-implement the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewResponse {
    /// The window.
    pub window: WindowNo,
    /// The next tickets in calling order, at most the requested number.
    pub next: Vec<Ticket>,
    /// How many tickets this window may serve are waiting in all.
    pub waiting: u32,
    /// Held tickets at this window.
    pub held: Vec<Ticket>,
    /// No-show tickets of the services this window serves, newest first.
    pub no_show: Vec<Ticket>,
}

/// The citizen's status page (R7): only this ticket, by its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicTicket {
    /// The number.
    pub number: String,
    /// The service of the current leg.
    pub service_id: String,
    /// Its Chinese name.
    pub service_name_zh: String,
    /// Its English name.
    pub service_name_en: String,
    /// The class.
    pub class: TicketClass,
    /// The state.
    pub state: TicketState,
    /// When it was issued.
    pub issued_at: Millis,
    /// Tickets ahead while waiting.
    pub ahead: Option<u32>,
    /// Estimated wait while waiting (R8).
    pub estimated_wait_minutes: Option<u32>,
    /// The window it is called to, when called.
    pub window: Option<WindowNo>,
    /// When it was issued, `HH:MM` in the hall's time.
    #[serde(default)]
    pub issued_time: String,
    /// The hall's opening hours today, `HH:MM-HH:MM` each (empty: closed today).
    #[serde(default)]
    pub hours_today: Vec<String>,
    /// The hall's offset from UTC now, in minutes: a page shows the hall's time from the server's
    /// `at`, never the phone's own clock.
    #[serde(default)]
    pub utc_offset_minutes: i32,
}

/// One line of the append-only audit log (R28): who did what, when, where, to which ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Position in the log, gap-free and increasing.
    pub seq: u64,
    /// When.
    pub at: Millis,
    /// The business day.
    pub business_day: String,
    /// Who: `staff:1001`, `device:kiosk-1`, `public`, `system`.
    pub actor: String,
    /// What: the command's name, e.g. `call_next`, `call_number`, `issue`.
    pub action: String,
    /// At which window.
    pub window: Option<WindowNo>,
    /// Which ticket.
    pub ticket_id: Option<TicketId>,
    /// Its number.
    pub number: Option<String>,
    /// Set on calls that jumped the queue (R13).
    pub out_of_order: bool,
    /// Details as JSON text.
    pub detail: String,
}

/// `GET /audit`: a page of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    /// Entries in order.
    pub entries: Vec<AuditEntry>,
    /// Pass as `after` for the next page; `None` at the end.
    pub next_after: Option<u64>,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` when the server takes commands.
    pub status: String,
    /// The business day.
    pub business_day: String,
    /// Open tickets in memory.
    pub open_tickets: u32,
    /// Last committed audit sequence number.
    pub seq: u64,
}

/// `GET /availability`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityResponse {
    /// Whether tickets can be issued now at all.
    pub issuing_open: bool,
    /// One per service, in display order.
    pub services: Vec<Availability>,
}

/// `GET /windows/{no}/today`: the window's figures for the business day (caller's footer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowToday {
    /// The window.
    pub window: WindowNo,
    /// Tickets finished (办结) here today.
    pub served: u32,
    /// Tickets marked no-show here today.
    pub no_show: u32,
    /// Mean wait from queueing to call of the served tickets, in seconds.
    pub mean_wait_s: Option<u32>,
    /// Mean handling time from start to finish, in seconds.
    pub mean_handle_s: Option<u32>,
    /// Seconds paused today, by reason (`break`, `meeting`, `consultation`, `other`).
    pub pause_s: std::collections::BTreeMap<String, u32>,
    /// Ratings of legs served here today (the business day of the service), by level; ratings
    /// whose appeal was upheld are counted apart, in no figure (R21, R22).
    #[serde(default)]
    pub ratings: crate::RatingCounts,
    /// Satisfaction in tenths of a percent ((非常满意 + 满意 + 基本满意) / rated); `None` with
    /// nothing rated.
    #[serde(default)]
    pub satisfaction_permille: Option<u32>,
}

/// `POST /windows/{no}/finish` and `/finish-and-call-next`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FinishRequest {
    /// One per key press; a retry with the same id gets the same answer and changes nothing more.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: Option<String>,
    /// 办件编号 of the matter handled, when the hall's case system gave one: exported with the
    /// leg's rating to the provincial 好差评 platform. 1–64 characters, no control characters.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")
    )]
    pub case_no: Option<String>,
}

//! Sessions and protection (issues 16 and 21): what a kiosk learns of a helper's PIN, what ends staff
//! sessions, and what managers see of the server's protection against guessing and floods.

use serde::{Deserialize, Serialize};

use crate::StaffCard;

/// `POST /api/v1/kiosk/check-pin`: the PIN was right; the ticket can be issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinCheckResponse {
    /// The helper whose PIN it is.
    pub staff: StaffCard,
}

/// `PUT /api/v1/staff/{staff_no}/disabled` (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetDisabledRequest {
    /// `true` ends every session of the account at once and refuses its logins.
    pub disabled: bool,
}

/// The answer when sessions were ended (sign-out, end-sessions, disabled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsEnded {
    /// The staff member.
    pub staff_no: String,
    /// Whether the account is disabled now.
    pub disabled: bool,
}

/// `GET /api/v1/security` (managers): the state the server keeps against guessing and floods, all
/// of it bounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityStatus {
    /// Staff numbers and addresses with failed passwords or PINs remembered.
    pub tracked_failures: u32,
    /// The most the server remembers (older entries go first).
    pub tracked_failures_max: u32,
    /// Password and PIN checks running now, and the most at once.
    pub checks_running: u32,
    /// The most checks that run at once.
    pub checks_running_max: u32,
    /// Checks waiting for a place, and the most that may wait.
    pub checks_waiting: u32,
    /// The most checks that may wait.
    pub checks_waiting_max: u32,
    /// Checks refused with `busy` since start.
    pub checks_refused: u64,
    /// Signed-out tokens remembered until their expiry.
    pub revoked_tokens: u32,
    /// Open HTTP connections (WebSockets included), and the most allowed.
    pub connections: u32,
    /// The most connections allowed at once.
    pub connections_max: u32,
    /// Connections refused by a cap since start.
    pub connections_refused: u64,
    /// WebSockets open, of every kind.
    pub websockets: u32,
    /// Public (citizen) WebSockets open, and the most allowed.
    pub public_sockets: u32,
    /// The most public WebSockets allowed at once.
    pub public_sockets_max: u32,
}

//! The manager's console (R24, R31): what devices report about themselves over their WebSocket, and
//! what the server pushes to managers — warnings it computed, the health of every configured device,
//! and the hall's figures of the day. Warnings are worked out once, on the server; a console only
//! shows them.

use serde::{Deserialize, Serialize};

use crate::{Millis, Role, StaffCard, WindowNo};

/// What a client may send on its WebSocket after the hello.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// A kiosk or display says how it is (R31): after the hello and whenever it changes.
    DeviceStatus {
        /// Its state now.
        status: DeviceStatus,
    },
}

/// A device's own view of its health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceStatus {
    /// The app and its version, e.g. `qcall-kiosk 0.1.0`.
    pub app_version: String,
    /// The ticket printer (kiosks); `None` where the device has none.
    #[serde(default)]
    pub printer: Option<PrinterHealth>,
    /// The sound output (hall boards); `None` where the device plays nothing.
    #[serde(default)]
    pub audio: Option<AudioHealth>,
    /// The screen mode, e.g. `kiosk`, `hall_board`, `window_screen 3`.
    pub mode: String,
    /// When the screen last drew a frame (device clock; informative).
    #[serde(default)]
    pub last_frame_at: Option<Millis>,
    /// What a board cannot say as configured, one plain sentence each: a language of the voice
    /// pack with missing clips (not spoken), an announcement template or setting it cannot follow
    /// (what it does instead). Each is a device fault on the manager's console.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub voice_problems: Vec<String>,
}

/// The printer as the kiosk last found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PrinterHealth {
    /// The last slip printed, or the printer answered its status query without a fault.
    Ok,
    /// The last slip failed or the printer reports a fault.
    Fault {
        /// Why, as the kiosk logged it (no paper, cover open, timeout, …).
        reason: String,
    },
}

/// The sound output of a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AudioHealth {
    /// Announcements play.
    Ok,
    /// No sound device (the board shows 无音频).
    None,
}

/// A configured device as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceHealth {
    /// The device's name from the hall config.
    pub name: String,
    /// `kiosk` or `display`.
    pub kind: String,
    /// Whether a WebSocket of this device is open now.
    pub online: bool,
    /// Since when it is online or offline; `None` when it was not seen since the server started.
    pub since: Option<Millis>,
    /// When the server last heard from it.
    pub last_seen: Option<Millis>,
    /// What it last reported.
    pub status: Option<DeviceStatus>,
    /// Its faults now, as short texts (the printer's reason, `no_audio`).
    pub faults: Vec<String>,
}

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A service has at least `warn_waiting_count` tickets waiting.
    WaitingCount,
    /// A ticket of a service has waited at least `warn_waiting_minutes`.
    WaitingMinutes,
    /// A ticket is handled longer than its service's time limit (限时办结, `expected_minutes`).
    OverTimeLimit,
    /// A window is paused longer than the hall's `rules.warn_pause_minutes`.
    PausedTooLong,
    /// A configured device has no open WebSocket.
    DeviceOffline,
    /// A device reports a fault (printer, audio).
    DeviceFault,
    /// A 差评 case (R22), or its current step, is past its deadline.
    CaseOverdue,
    /// A 差评 case, or its current step, is in its last working days before the deadline.
    CaseDueSoon,
    /// Near-turn notices (R32) are failing: `value` is how many wait for a retry or were given up
    /// in the last 24 hours, `detail` says how many of each (the server log has the errors).
    NoticesFailing,
}

/// One warning on the manager's console. It appears when its condition starts and goes when it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warning {
    /// Stable while the condition lasts, e.g. `waiting_count:tax` (the console keys its rows by it).
    pub key: String,
    /// What it is about.
    pub kind: WarningKind,
    /// Since when the condition holds.
    pub since: Millis,
    /// The service concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The window concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowNo>,
    /// The device concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The ticket number concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The 差评 case concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<u64>,
    /// The measured value (tickets or minutes), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<u32>,
    /// The limit it passed (tickets or minutes), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Free text (a device fault's reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A service's queue on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceFigures {
    /// The service.
    pub service_id: String,
    /// Tickets waiting now.
    pub waiting: u32,
    /// When the longest-waiting ticket joined the queue.
    pub longest_since: Option<Millis>,
    /// Estimated wait for a new normal ticket (R8).
    pub estimated_wait_minutes: Option<u32>,
    /// Issued today.
    pub issued: u32,
    /// Served (办结) today.
    pub served: u32,
    /// No-shows today.
    pub no_show: u32,
}

/// The hall's figures of the business day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TodayFigures {
    /// Tickets issued.
    pub issued: u32,
    /// Tickets served (办结).
    pub served: u32,
    /// No-shows.
    pub no_show: u32,
    /// Calls that jumped the queue (R13).
    pub out_of_order: u32,
    /// Ratings given today (R21), appeals upheld as false left out.
    #[serde(default)]
    pub rated: u32,
    /// (非常满意 + 满意 + 基本满意) / rated, in ‰; `None` before the first rating.
    #[serde(default)]
    pub satisfaction_permille: Option<u32>,
}

/// Everything the console shows beyond the snapshot's windows: pushed to managers as
/// [`crate::ServerMsg::Console`] after the snapshot and whenever any of it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsoleState {
    /// Server time when computed.
    pub at: Millis,
    /// Active warnings, oldest first.
    pub warnings: Vec<Warning>,
    /// Every configured device, in config order.
    pub devices: Vec<DeviceHealth>,
    /// Every service, in config order.
    pub services: Vec<ServiceFigures>,
    /// The day's totals.
    pub today: TodayFigures,
}

/// `GET /staff`: a staff account and where it is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffEntry {
    /// What screens show of them.
    pub card: StaffCard,
    /// Their role.
    pub role: Role,
    /// The window they are signed in to now.
    pub window: Option<WindowNo>,
    /// The windows they may sign in to (empty: all).
    pub windows: Vec<WindowNo>,
}

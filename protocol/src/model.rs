//! The hall's nouns as clients see them: tickets, services, windows, staff.

use serde::{Deserialize, Serialize};

use crate::{Millis, TicketId, WindowNo};

/// How a ticket is prioritised (R2). The class is shown on slips and screens, never in the number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketClass {
    /// First come, first served.
    #[default]
    Normal,
    /// 爱心优先: elderly 70+, disabled, pregnant. Issued by staff or at the kiosk with a staff PIN.
    Priority,
    /// 绿色通道: key projects, urgent cases. Always called first. Issued by staff only.
    Green,
    /// 预约: a checked-in appointment. Ranked with `priority`.
    Appointment,
}

impl TicketClass {
    /// Every class, for tables and tests.
    pub const ALL: [TicketClass; 4] = [
        TicketClass::Normal,
        TicketClass::Priority,
        TicketClass::Green,
        TicketClass::Appointment,
    ];

    /// The wire name, also used in the database and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketClass::Normal => "normal",
            TicketClass::Priority => "priority",
            TicketClass::Green => "green",
            TicketClass::Appointment => "appointment",
        }
    }
}

/// Where a ticket is in its life (R3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// In a queue (also after a requeue or a transfer: the new leg waits).
    Waiting,
    /// Called to a window, the citizen is on the way.
    Called,
    /// The citizen is at the window.
    Serving,
    /// 挂起: set aside at a window while the citizen fetches a document; 回呼 calls it again.
    Held,
    /// 过号: did not come when called; may be requeued within the hall's limit.
    NoShow,
    /// 办结.
    Done,
    /// Withdrawn by the citizen or staff before being called.
    Cancelled,
    /// Still open when the business day ended.
    Expired,
}

impl TicketState {
    /// Open states can still change today; the others are final.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            TicketState::Waiting
                | TicketState::Called
                | TicketState::Serving
                | TicketState::Held
                | TicketState::NoShow
        )
    }

    /// The wire name, also used in the database and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Waiting => "waiting",
            TicketState::Called => "called",
            TicketState::Serving => "serving",
            TicketState::Held => "held",
            TicketState::NoShow => "no_show",
            TicketState::Done => "done",
            TicketState::Cancelled => "cancelled",
            TicketState::Expired => "expired",
        }
    }
}

/// How a leg of a ticket ended. A ticket has one leg per queue it waited in (R4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LegOutcome {
    /// Served to the end at this leg's window.
    Done,
    /// Sent on to another service or window; the next leg waits there (R10).
    Transferred,
    /// Cancelled while waiting.
    Cancelled,
    /// Open at the end of the business day.
    Expired,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A hold (挂起) of a leg: from `at` until `until` (`None` while held).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    /// When the ticket was set aside.
    pub at: Millis,
    /// When it was called again or returned to the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Millis>,
}

/// One stretch of a ticket's life: waiting in one queue, then called and served at one window (R4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Leg {
    /// The service this leg queued for.
    pub service_id: String,
    /// Set when the leg was transferred to one window rather than to a service's queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_window: Option<WindowNo>,
    /// When this leg started waiting (issue or transfer); a requeue does not move it, so the leg's
    /// wait is exact (R4).
    pub queued_at: Millis,
    /// The window of the latest call (also after a no-show, which is the window that marked it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowNo>,
    /// The staff number of whoever made the latest call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_no: Option<String>,
    /// When it was first called on this leg; never overwritten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called_at: Option<Millis>,
    /// Every later call on this leg: recalls (重呼), 回呼 after a hold, and calls after a requeue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recalls: Vec<Millis>,
    /// Every requeue after a no-show (顺延, R9), and every return to the queue of a held ticket
    /// when its window signed out: the leg waited again from then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requeues: Vec<Millis>,
    /// When service started (开始办理, or the call when the hall starts service at the call); the
    /// first start, never overwritten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Millis>,
    /// Every hold (挂起) with its end (回呼 or a return to the queue): the citizen was away, so
    /// handling time leaves these intervals out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holds: Vec<Hold>,
    /// When the leg ended, with [`Leg::outcome`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Millis>,
    /// How the leg ended; `None` while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<LegOutcome>,
    /// Called by number (特呼) rather than by "call next".
    #[serde(default, skip_serializing_if = "is_false")]
    pub special_call: bool,
    /// Called ahead of the ticket "call next" would have chosen: a jump of the queue (R13).
    #[serde(default, skip_serializing_if = "is_false")]
    pub out_of_order: bool,
    /// When it was last marked no-show (过号) on this leg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_show_at: Option<Millis>,
    /// How many times it was marked no-show on this leg.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub no_shows: u32,
    /// Why the ticket was transferred into this leg (free text from staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A ticket as staff, managers and screens see it. Never carries the citizen's id or full phone.
///
/// Fields that are `None`, empty or `false` are left out of the JSON (tickets are the bulk of what is
/// stored and sent); readers treat a missing field as its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    /// Database identity.
    pub id: TicketId,
    /// `{prefix}{n:03}`, e.g. `A001` (R1). Unique within the business day.
    pub number: String,
    /// The business day it belongs to, `YYYY-MM-DD`.
    pub business_day: String,
    /// Its class (R2).
    pub class: TicketClass,
    /// Its state (R3).
    pub state: TicketState,
    /// The service it was issued for.
    pub origin_service_id: String,
    /// The service of its current leg.
    pub service_id: String,
    /// When it was issued; kept through transfers (R10).
    pub issued_at: Millis,
    /// The window it is called to, served at or held at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowNo>,
    /// The phone, masked (`138****1234`), when the citizen gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_masked: Option<String>,
    /// Its legs, oldest first; the last one is current.
    pub legs: Vec<Leg>,
}

impl Leg {
    /// A leg that has only just joined the queue of `service_id` at `queued_at`: no window, no
    /// call yet. What issuing and transferring start with.
    pub fn queued(service_id: impl Into<String>, queued_at: Millis) -> Leg {
        Leg {
            service_id: service_id.into(),
            target_window: None,
            queued_at,
            window: None,
            staff_no: None,
            called_at: None,
            recalls: Vec::new(),
            requeues: Vec::new(),
            started_at: None,
            holds: Vec::new(),
            finished_at: None,
            outcome: None,
            special_call: false,
            out_of_order: false,
            no_show_at: None,
            no_shows: 0,
            note: None,
        }
    }
}

impl Leg {
    /// Milliseconds from joining the queue to the first call (R4): the wait a citizen felt.
    pub fn wait_ms(&self) -> Option<Millis> {
        self.called_at.map(|c| (c - self.queued_at).max(0))
    }

    /// Milliseconds of service: from the start (or the first call when service was not started
    /// separately) to the end, without the time the ticket was held (R4).
    pub fn handle_ms(&self) -> Option<Millis> {
        let end = self.finished_at?;
        let start = self.started_at.or(self.called_at)?;
        let held: Millis = self
            .holds
            .iter()
            .map(|h| (h.until.unwrap_or(end).min(end) - h.at.max(start)).max(0))
            .sum();
        Some((end - start - held).max(0))
    }

    /// Whether the citizen was served on this leg: it ended done, or it was transferred from the
    /// window (a transfer needs the citizen at the window: 首问负责).
    pub fn served(&self) -> bool {
        matches!(
            self.outcome,
            Some(LegOutcome::Done | LegOutcome::Transferred)
        )
    }
}

impl Ticket {
    /// The current leg. Every ticket has at least one.
    pub fn leg(&self) -> &Leg {
        &self.legs[self.legs.len() - 1]
    }
}

/// A first-level kiosk menu entry that groups services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceGroup {
    /// Stable id from the config.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A service (业务/事项) citizens queue for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Service {
    /// Stable id from the config.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The group it is listed under on the kiosk.
    pub group_id: String,
    /// The ticket number prefix, 1–2 capital letters, unique in the hall.
    pub prefix: String,
    /// Disabled services show on the kiosk but cannot issue.
    pub enabled: bool,
    /// 每日限号: at most this many tickets per business day.
    pub daily_cap: Option<u32>,
    /// 限时办结 baseline, and the estimate used before enough tickets were served today (R8).
    pub expected_minutes: u32,
    /// 一次性告知: the materials to bring, shown on the kiosk and printed on the slip.
    pub materials: Vec<String>,
    /// The kiosk asks for the citizen's id number (optional for the citizen).
    pub ask_citizen_id: bool,
    /// The kiosk asks for a phone number (optional for the citizen).
    pub ask_phone: bool,
    /// Managers are warned when this many tickets wait (R24).
    pub warn_waiting_count: Option<u32>,
    /// Managers are warned when a ticket has waited this many minutes (R24).
    pub warn_waiting_minutes: Option<u32>,
}

/// Why a window is paused (暂停, R14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// 休息.
    Break,
    /// 会议.
    Meeting,
    /// 业务咨询.
    Consultation,
    /// 其他.
    Other,
}

/// Whether a window takes calls (R14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WindowStatus {
    /// No one signed in: 窗口关闭.
    Closed,
    /// Signed in and taking calls.
    Open,
    /// Signed in but paused: 暂停服务.
    Paused,
}

/// What a window screen shows of the staff member at the window (亮身份, R19).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffCard {
    /// 工号.
    pub staff_no: String,
    /// Display name.
    pub name: String,
    /// Badges such as 党员示范岗 or 红旗窗口.
    pub badges: Vec<String>,
    /// Server-relative URL of the staff photo (`/api/v1/staff/{staff_no}/photo`), when the hall
    /// configured one; fetched with the client's own bearer credential.
    pub photo: Option<String>,
}

/// A window with its configuration and live state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowView {
    /// The number shown and spoken.
    pub number: WindowNo,
    /// Its name, e.g. 综合窗口 or 办不成事反映窗口.
    pub name: String,
    /// The text of its window screen when idle.
    pub screen_text: String,
    /// Services it serves first (R11 step 3).
    pub primary: Vec<String>,
    /// Services it serves when its primary queues are empty of a class.
    pub secondary: Vec<String>,
    /// Open, paused or closed.
    pub status: WindowStatus,
    /// Set while paused.
    pub pause_reason: Option<PauseReason>,
    /// Since when it is paused.
    pub paused_since: Option<Millis>,
    /// Who is signed in.
    pub staff: Option<StaffCard>,
    /// The ticket called to or served at this window.
    pub current: Option<CurrentTicket>,
    /// Tickets held (挂起) at this window, waiting for 回呼.
    pub held: Vec<String>,
}

/// The ticket at a window, as screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrentTicket {
    /// Database identity.
    pub id: TicketId,
    /// The number.
    pub number: String,
    /// Its class.
    pub class: TicketClass,
    /// `called` or `serving`.
    pub state: TicketState,
    /// The service of the current leg.
    pub service_id: String,
    /// When it was called on this leg.
    pub called_at: Millis,
    /// When service started, once the citizen arrived.
    pub started_at: Option<Millis>,
}

/// Whether a service can issue now, and how long the queue is (the kiosk tile, R5, R8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Availability {
    /// The service.
    pub service_id: String,
    /// Tickets waiting in its queue now.
    pub waiting: u32,
    /// Tickets issued today.
    pub issued_today: u32,
    /// Estimated wait in minutes for a new normal ticket; `None` ("—") when no window serves it now.
    pub estimated_wait_minutes: Option<u32>,
    /// `None` when a ticket can be issued now; otherwise why not (the kiosk shows it on the tile).
    pub refusal: Option<crate::ErrorCode>,
}

/// A call or recall, with everything a display needs to show and announce it (R15, R16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Call {
    /// Unique per call or recall; a display announces each id once.
    pub call_id: u64,
    /// The ticket.
    pub ticket_id: TicketId,
    /// The number to show and read out.
    pub number: String,
    /// Its class, shown on screens.
    pub class: TicketClass,
    /// The service of the current leg.
    pub service_id: String,
    /// The window number to show and read out.
    pub window: WindowNo,
    /// The window's name.
    pub window_name: String,
    /// When it was called.
    pub at: Millis,
    /// A recall (重呼) or 回呼 rather than a first call.
    pub recall: bool,
}

/// The hall's identity and rules that clients show or follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HallInfo {
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// The current business day, `YYYY-MM-DD`.
    pub business_day: String,
    /// Whether tickets can be issued now (open and before cut-off).
    pub issuing_open: bool,
    /// Today's opening hours as `HH:MM-HH:MM` ranges (empty when closed all day).
    pub hours_today: Vec<String>,
    /// Marquee notices of the hall board.
    pub notices: Vec<String>,
    /// Minutes after a no-show within which the ticket may be requeued (R9).
    pub requeue_limit_minutes: u32,
    /// How many waiting tickets a requeued ticket goes behind (顺延, R9).
    pub requeue_behind: u32,
    /// Calls of priority/appointment in a row before a normal ticket gets its turn (R11); 0 = strict.
    pub priority_ratio: u32,
    /// Whether a call also starts service (the leg's `started_at` is the call), so windows need no
    /// separate 开始办理.
    #[serde(default)]
    pub start_on_call: bool,
    /// Whether the hall sends near-turn notices (R32): kiosks and the booking page offer them.
    #[serde(default)]
    pub notify: bool,
    /// Whether a service takes bookings (R25): kiosks show 预约签到 only then.
    #[serde(default)]
    pub check_in: bool,
}

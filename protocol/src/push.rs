//! The WebSocket at `/api/v1/ws`: the client says who it is, the server answers with a full snapshot
//! of what that client may see, then events with increasing sequence numbers, and heartbeats. A client
//! that reconnects simply gets a new snapshot (R20): there is no "events since".

use serde::{Deserialize, Serialize};

use crate::{
    ApiError, Availability, Call, Case, HallInfo, Millis, PublicTicket, RatingInvite, RatingNotice,
    Role, Service, ServiceGroup, Ticket, WindowNo, WindowView,
};

/// How often the server sends a heartbeat when nothing else happens.
pub const HEARTBEAT_INTERVAL_MS: u64 = 10_000;

/// The first (and only) message a client sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum Hello {
    /// A kiosk or display, with its device key.
    Device {
        /// The device's secret key from the hall config.
        key: String,
    },
    /// A signed-in staff member, manager or admin, with the login token.
    Staff {
        /// Bearer token from `/auth/login`.
        token: String,
    },
    /// A citizen's status page, with the ticket's token.
    Public {
        /// The ticket token from the slip's QR code.
        ticket_token: String,
    },
}

/// What a display device is, from the hall config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DisplayMode {
    /// 综合屏: all calls, waiting counts, notices; plays announcements.
    HallBoard,
    /// 窗口屏 of one window.
    WindowScreen {
        /// The window.
        window: WindowNo,
    },
    /// 评价器 of one window (R33): a touch screen facing the citizen. It sees what a window screen
    /// sees, plus [`Event::RatingInvite`] and [`Event::Rated`] of its own window only, and rates
    /// with `POST /api/v1/rating-pad/ratings`; `GET /api/v1/rating-pad` gives its idle time and
    /// the invite still on offer after a (re)connect.
    RatingPad {
        /// The window.
        window: WindowNo,
    },
}

/// How a hall board lays out its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BoardLayout {
    /// The latest call large, the recent calls below it as large rows (number → window).
    #[default]
    Calls,
    /// One cell per open window with the number it called, for halls with many windows.
    Windows,
}

/// A display's settings, from the hall config, sent in its snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisplaySettings {
    /// The device's name.
    pub name: String,
    /// Hall board or window screen.
    pub mode: DisplayMode,
    /// Whether this display plays announcements.
    pub audio: bool,
    /// Chinese template, e.g. `请{number}号到{window}号窗口办理`.
    pub template_zh: String,
    /// English template, e.g. `Number {number}, please go to window {window}`.
    pub template_en: String,
    /// Languages spoken, in order, e.g. `["zh", "en"]`.
    pub languages: Vec<String>,
    /// How many times each call is spoken.
    pub repeat: u32,
    /// Play the chime before each announcement.
    pub chime: bool,
    /// 0.0 – 1.0.
    pub volume: f32,
    /// `HH:MM-HH:MM` ranges in hall time when nothing is spoken (calls are still shown).
    pub quiet_hours: Vec<String>,
    /// A hall board's layout (window screens ignore it).
    #[serde(default)]
    pub board_layout: BoardLayout,
}

/// Who the server recognised, sent in every snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Identity {
    /// A kiosk device.
    Kiosk {
        /// The device's name.
        name: String,
    },
    /// A display device.
    Display {
        /// The device's name.
        name: String,
    },
    /// A staff account.
    Staff {
        /// 工号.
        staff_no: String,
        /// The role.
        role: Role,
        /// The window this person is signed in to.
        window: Option<WindowNo>,
    },
    /// A citizen's status page.
    Public,
}

/// Everything a client may see, as of sequence number `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    /// The last event included; later events have larger numbers.
    pub seq: u64,
    /// Server time when taken.
    pub at: Millis,
    /// Who the server recognised.
    pub identity: Identity,
    /// Hall name, business day, rules, notices. Public clients get it too.
    pub hall: HallInfo,
    /// Kiosk groups (empty for public clients).
    pub groups: Vec<ServiceGroup>,
    /// Services (for public clients: only the ticket's own).
    pub services: Vec<Service>,
    /// Windows with their live state (empty for public clients).
    pub windows: Vec<WindowView>,
    /// Waiting counts, estimates and refusals per service (empty for public clients).
    pub availability: Vec<Availability>,
    /// The latest calls, newest first (for displays and staff): every call of the last 60 s of server
    /// time (so a display that reconnects can announce what it missed, R16), and at least the last 20.
    pub recent_calls: Vec<Call>,
    /// Open tickets of the day (staff and managers only; empty for others).
    pub open_tickets: Vec<Ticket>,
    /// Set for display devices.
    pub display: Option<DisplaySettings>,
    /// Set for public clients.
    pub ticket: Option<PublicTicket>,
}

/// What changed. Each committed command yields one [`ServerMsg::Events`] with one or more of these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A ticket was issued or changed; the whole ticket after the change (staff and managers).
    Ticket {
        /// The ticket after the change.
        ticket: Ticket,
    },
    /// A ticket was called or recalled: show and announce it (R15, R16).
    Called {
        /// The call.
        call: Call,
    },
    /// A window changed: sign-in, pause, current ticket, services.
    Window {
        /// The window after the change.
        window: WindowView,
    },
    /// Queue lengths, estimates or issuing refusals changed for these services.
    Availability {
        /// Whether tickets can be issued now at all.
        issuing_open: bool,
        /// The services that changed.
        services: Vec<Availability>,
    },
    /// The marquee notices changed.
    Notices {
        /// The new lines.
        notices: Vec<String>,
    },
    /// A new business day began: open tickets expired, numbering restarts. Clients should treat their
    /// state as stale; a fresh snapshot follows.
    DayRollover {
        /// The new business day.
        business_day: String,
    },
    /// The status of the public client's own ticket changed (public clients only).
    PublicTicket {
        /// The ticket's new status.
        ticket: PublicTicket,
    },
    /// A served leg ended at a window (finish, or a transfer from the window): its rating pad asks
    /// the citizen to rate it (R21, R33). To staff, managers and the rating pad of that window
    /// only; no other display sees it.
    RatingInvite {
        /// What to rate and until when.
        invite: RatingInvite,
    },
    /// A rating was given, or its appeal was made or decided (申诉复核). To staff and managers;
    /// new ratings also to the rating pad of the leg's window (it leaves its invite). Figures only:
    /// no reasons, no text.
    Rated {
        /// The rating.
        rating: RatingNotice,
    },
    /// A 差评 case opened, moved a step, had an appeal made or decided, or its timing changed by
    /// the clock (due soon, overdue). Managers and admins only.
    Case {
        /// The case after the change.
        case: Box<Case>,
    },
}

/// Everything the server sends on the WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// The full state; the first message after a good hello, and again after a day rollover.
    Snapshot(Box<Snapshot>),
    /// What one committed command changed.
    Events {
        /// The audit sequence number of the command; increasing.
        seq: u64,
        /// When it was committed.
        at: Millis,
        /// The changes.
        events: Vec<Event>,
    },
    /// Sent every [`HEARTBEAT_INTERVAL_MS`] of silence; a client that hears nothing for 25 s
    /// should reconnect.
    Heartbeat {
        /// Server time.
        at: Millis,
        /// The last event sequence number sent.
        seq: u64,
    },
    /// The hello was refused; the server closes the socket after this.
    Refused {
        /// Why.
        error: ApiError,
    },
    /// Managers only: the console's warnings, device health and figures of the day, after the
    /// snapshot and whenever they change (R24, R31).
    Console(Box<crate::ConsoleState>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_shapes_are_stable() {
        let hello: Hello = serde_json::from_str(r#"{"as":"device","key":"k"}"#).expect("device");
        assert!(matches!(hello, Hello::Device { key } if key == "k"));
        let hello: Hello =
            serde_json::from_str(r#"{"as":"public","ticket_token":"t"}"#).expect("public");
        assert!(matches!(hello, Hello::Public { ticket_token } if ticket_token == "t"));
    }

    #[test]
    fn heartbeat_is_tagged() {
        let json = serde_json::to_string(&ServerMsg::Heartbeat { at: 5, seq: 7 }).expect("json");
        assert_eq!(json, r#"{"type":"heartbeat","at":5,"seq":7}"#);
    }
}

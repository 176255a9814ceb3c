//! Appointments (预约, R25, R26): the slots a service offers, a booking and its code, the check-in at
//! a kiosk. A booking's personal data crosses the wire masked only (R29): the full phone, name and id
//! are sent by the citizen once, when booking, and never come back.

use serde::{Deserialize, Serialize};

use crate::{IssueResponse, Millis};

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BookingState {
    /// Booked, not checked in yet.
    Booked,
    /// Checked in: an `appointment` ticket was issued.
    CheckedIn,
    /// Cancelled by the citizen or staff.
    Cancelled,
    /// Not checked in by the end of the check-in window (recorded, counted in reports).
    Missed,
}

impl BookingState {
    /// The wire name, also used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingState::Booked => "booked",
            BookingState::CheckedIn => "checked_in",
            BookingState::Cancelled => "cancelled",
            BookingState::Missed => "missed",
        }
    }
}

/// A booking as its holder and staff see it: masked name and phone, never the id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booking {
    /// The booking code (6 characters without look-alikes): the kiosk takes it, the QR code holds it.
    pub code: String,
    /// The service booked.
    pub service_id: String,
    /// The slot's local date, `YYYY-MM-DD`.
    pub date: String,
    /// The slot, `HH:MM-HH:MM` local time.
    pub slot: String,
    /// When the slot starts (UTC).
    pub starts_at: Millis,
    /// Check-in opens at this instant (slot start − the hall's early minutes).
    pub check_in_from: Millis,
    /// Check-in gives an appointment ticket until this instant (slot end + the hall's late minutes).
    pub check_in_until: Millis,
    /// The citizen may cancel until this instant.
    pub cancel_until: Millis,
    /// 张* — masked.
    pub name_masked: String,
    /// 138****1234 — masked.
    pub phone_masked: String,
    /// Where it stands.
    pub state: BookingState,
    /// The ticket number issued at check-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<String>,
    /// The hall's config no longer offers this slot: the booking is honoured, and the manager sees it
    /// flagged.
    #[serde(default)]
    pub slot_removed: bool,
}

/// One slot of a service on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotInfo {
    /// `HH:MM-HH:MM` local time.
    pub slot: String,
    /// Bookings the slot takes.
    pub quota: u32,
    /// How many are still free; 0 when full (a slot that has started is not listed).
    pub free: u32,
}

/// A date's slots for one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingDay {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// The hall takes appointments only on this date (节假日预约服务): no walk-in tickets.
    pub appointments_only: bool,
    /// The slots not yet started, in time order.
    pub slots: Vec<SlotInfo>,
}

/// A bookable service and its dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookableService {
    /// Service id.
    pub service_id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Today and the days ahead that may be booked, dates with no slot left out.
    pub days: Vec<BookingDay>,
}

/// `GET /public/booking/slots`: what can be booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotsResponse {
    /// Every service that takes bookings.
    pub services: Vec<BookableService>,
}

/// `POST /public/bookings` (a citizen) or `POST /bookings` (staff for a caller on the phone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookRequest {
    /// Service to book.
    pub service_id: String,
    /// Local date, `YYYY-MM-DD`: a day that exists (the pattern leaves out 29 February, which the
    /// server takes in a leap year).
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
            example = "2026-12-07"
        )
    )]
    pub date: String,
    /// The slot's start, `HH:MM`, or the whole slot `HH:MM-HH:MM`.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^ *([01][0-9]|2[0-3]):[0-5][0-9](-([01][0-9]|2[0-3]):[0-5][0-9])? *$",
            example = "09:00"
        )
    )]
    pub slot: String,
    /// The citizen's name (1–40 characters, not blank, no control characters); stored masked only.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 40,
            pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
        )
    )]
    pub name: String,
    /// Phone: 7 to 15 digits with an optional leading `+` (the server also takes spaces or dashes
    /// between them); stored masked and as a keyed hash, for the lookup.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^ *\+?[0-9]{7,15} *$", example = "13800138000")
    )]
    pub phone: String,
    /// Optional citizen id: 17 digits and a check digit (0–9 or X) that must be valid (GB 11643,
    /// ISO 7064 MOD 11-2; the format `gb11643-resident-id`); stored as a keyed hash only.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^ *[0-9]{17}[0-9Xx] *$",
            format = "gb11643-resident-id",
            example = "11010519491231002X"
        )
    )]
    pub citizen_id: Option<String>,
    /// Optional idempotency key: a retry gets the same booking. 1–64 visible ASCII characters.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: Option<String>,
    /// A reminder the day before and near-turn notices after the check-in, to `phone` (R32);
    /// ignored when the hall sends no notices (`HallInfo::notify`). The full number is kept apart
    /// only while the booking (then its ticket) is open.
    #[serde(default)]
    pub notify: bool,
}

/// `POST /public/bookings/lookup` and `/public/bookings/cancel`: a booking named by its code and the
/// phone it was made with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingLookup {
    /// The booking code (case and spaces ignored).
    pub code: String,
    /// The phone given when booking: 7 to 15 digits, optional leading `+`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^ *\+?[0-9]{7,15} *$", example = "13800138000")
    )]
    pub phone: String,
}

/// The answer carrying one booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingResponse {
    /// The booking.
    pub booking: Booking,
}

/// `GET /bookings?date=`: the day's bookings for staff and managers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingsResponse {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// The bookings of that date, by slot.
    pub bookings: Vec<Booking>,
}

/// `POST /bookings/check-in` (kiosk): the code, or the phone and the id's last 4 characters.
/// One of the two is required: a body with neither is refused with 400.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"request_id": "k1-0001", "code": "ACEFHJ"}))
)]
pub struct CheckInRequest {
    /// One per touch of 签到 (R6): a retry gets the same ticket. 1–64 visible ASCII characters.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")
    )]
    pub request_id: String,
    /// The booking code, typed or scanned from its QR code.
    #[serde(default)]
    pub code: Option<String>,
    /// Instead of the code: the phone given when booking…
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^ *\+?[0-9]{7,15} *$", example = "13800138000")
    )]
    pub phone: Option<String>,
    /// …and the last 4 characters of the citizen id given when booking.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^ *[0-9Xx]{4} *$", example = "002X")
    )]
    pub id_last4: Option<String>,
}

/// The answer to a check-in: the ticket, and whether it is an appointment ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInResponse {
    /// The ticket issued (class `appointment` on time, `normal` when late).
    pub issued: IssueResponse,
    /// The booking, now checked in (or missed, when late).
    pub booking: Booking,
    /// False: the check-in window had passed, so this is a normal ticket (the kiosk says so).
    pub on_time: bool,
}

//! The types that cross the wire between the qcall server and its clients (kiosk, caller, display, the
//! citizen's status page). No I/O lives here: only data and its JSON shape, so every party agrees on it
//! by construction.
//!
//! Times are milliseconds since the Unix epoch (UTC) in [`Millis`]; the server alone knows the hall's
//! time zone and business day, and sends the business day as text (`2026-11-23`) where it matters.

mod api;
mod booking;
mod console;
mod error;
mod model;
mod push;
mod rating;
mod security;
pub mod time_of_day;
pub mod voice;

pub use api::*;
pub use booking::*;
pub use console::*;
pub use error::*;
pub use model::*;
pub use push::*;
pub use rating::*;
pub use security::*;

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// A ticket's identity in the database. Stable across restarts, unique across days.
pub type TicketId = i64;

/// A window's number as shown on screens and spoken ("3号窗口").
pub type WindowNo = u32;

/// The path prefix of every REST route and of the WebSocket.
pub const API_PREFIX: &str = "/api/v1";

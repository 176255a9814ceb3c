//! The touch kiosk (取号机): citizens pick a service and take a ticket. This crate is the kiosk's
//! library; the thin binary and the egui screens come with their issue.
//!
//! For now it holds [`print`](mod@print): the ticket slip, its ESC/POS bytes and the transports to the thermal
//! printer. None of it touches egui or the server connection, so it is tested without a window, a
//! server or a printer.

pub mod print;

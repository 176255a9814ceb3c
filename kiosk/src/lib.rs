//! The touch kiosk (取号机): citizens pick a service group, then a service, read its 一次性告知 and
//! take a ticket, shown on screen with a QR code of its status page and printed on the thermal
//! printer.
//!
//! Model, view, glue (see STYLE.md): [`model`] is the kiosk's state and rules, plain Rust tested
//! without a window; [`view`](mod@view) draws it with egui and returns the citizen's [`model::Intent`];
//! [`app`] is the eframe glue that runs the network (through `qcall_client`) and the printer
//! thread. [`print`](mod@print) is the ticket slip, its ESC/POS bytes and the transports to the
//! printer; it touches neither egui nor the server connection.

pub mod app;
pub mod cli;
pub mod model;
pub mod print;
pub mod view;

pub use app::{KioskApp, KioskConfig};
pub use model::{Intent, Model};

//! The hall board, window screens and rating pads (综合屏, 窗口屏, 评价器), and the hall board's voice.
//!
//! - [`model`]: what a screen shows, as plain data built from the live hall (R18, R19, R20);
//!   pure and unit-tested.
//! - [`view`]: draws a [`model::Model`] with egui; no I/O. It hands the hall board's marquee out
//!   as a [`view::Strip`] for a window of its own, or draws it inline; [`still`] keeps the
//!   board's still part as a texture while only an inline marquee moves (OpenGL).
//! - [`pad`]: the rating pad's steps (评价器, R21, R33): idle, ask, reasons, thanks; pure.
//! - [`app`]: the eframe glue: connection, player, repaint policy. The binary `qcall-display`
//!   is a thin wrapper around it.
//! - [`announce`]: the composer, a pure function from a call and the display's settings to the
//!   clips, pauses and chime that say it (R15).
//! - [`player`]: the voice pack in memory and the thread that plays announcements one at a time,
//!   in call order, through rodio (R16, R17).

pub mod announce;
pub mod app;
pub mod cli;
pub mod model;
pub mod pad;
pub mod pad_view;
pub mod photo;
pub mod player;
pub mod still;
pub mod view;

pub use app::{DisplayApp, DisplayOptions, Voice};
pub use model::{Model, Screen};

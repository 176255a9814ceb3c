//! The window staff's caller app (叫号器, SPEC §6): sign in at a window, then call, recall, start,
//! finish, no-show, transfer, hold and pause with large buttons or F1–F8; see the window's calling
//! order, its held and no-show tickets and today's figures.
//!
//! Model, view, glue (STYLE.md): [`model`] is the plain state and every rule of what input and
//! server messages do to it, [`view`] draws it and returns an [`model::Intent`], [`app`] is the
//! eframe glue that runs the model's [`model::Command`]s on the client kit's network thread.
//! The binary `qcall-caller` is a thin `main.rs` over [`app::CallerApp`].

pub mod app;
pub mod cli;
pub mod model;
pub mod state_file;
pub mod view;

pub use app::{AppConfig, CallerApp};
pub use model::{Command, Intent, Model, Reply, Screen};

//! The qcall server: the hall's single source of truth.
//!
//! `core` holds the queue rules as a pure state machine; `engine` runs it on its own thread with the
//! SQLite `store`, committing batches of commands with one fsync; `api` and `ws` serve REST and
//! WebSocket clients on tokio. See `ARCHITECTURE.md` at the repository root.

mod calendar;
pub mod config;
mod core;

//! The caller against a real server: egui_kittest flows, the race of two windows, snapshots and the
//! key-to-screen figure.

#![allow(unreachable_pub, missing_docs)]

mod flows;
mod keys;
mod perf;
mod race;
mod resilience;
mod session;
mod snapshots;
mod util;

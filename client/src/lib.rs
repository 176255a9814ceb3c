//! What the kiosk, caller and display apps share: the link to the hall server, the live model built
//! from it, REST calls, and the look of every screen (fonts, theme, words).
//!
//! The network runs on one thread of its own ([`NetThread`], a single-threaded tokio runtime), so no
//! UI thread ever waits on it. From there, a [`Connection`] keeps the WebSocket up (reconnect with
//! backoff, dead-link detection, a full resync on every connect) and a [`Requests`] executor runs REST
//! calls ([`RestClient`]); both hand their results to the UI through channels that it drains without
//! blocking, and call a [`Wake`] hook (the apps set it to `ctx.request_repaint()`) only when something
//! arrived. [`LiveState`] applies snapshots and events to a local copy of the hall, so that every app
//! shares one correct "apply an event".
//!
//! An `https://` server address (a TLS reverse proxy in front of the hall server) makes both speak
//! TLS with one rustls configuration, the address's [`Tls`] ([`tls`]).
//!
//! Only [`ui`] touches egui: [`connection`], [`live`], [`rest`], [`i18n`], [`settings`] and [`tls`]
//! are plain Rust, testable without a window.

pub mod connection;
pub mod i18n;
pub mod live;
pub mod logging;
pub mod net;
pub mod rest;
pub mod settings;
pub mod tls;
pub mod ui;

use std::sync::Arc;

pub use connection::{Connection, ConnectionConfig, ConnectionState, LinkError, Update};
pub use i18n::{Lang, Text};
pub use live::LiveState;
pub use net::{NetThread, Requests};
pub use rest::{ClientError, RequestId, RestClient, WindowAction};
pub use settings::{ClientArgs, ServerAddr, Settings};
pub use tls::Tls;

/// Called on the network thread whenever something arrives for the UI (an update, a REST answer), never
/// on a timer: the apps set it to `ctx.request_repaint()`, so an idle screen costs nothing.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// A [`Wake`] that does nothing, for tests and tools without a UI.
pub fn no_wake() -> Wake {
    Arc::new(|| {})
}

/// Local wall-clock time in [`qcall_protocol::Millis`], the unit of every time on the wire. Used to
/// stamp when updates arrived, so [`LiveState`] can estimate the server's clock.
pub fn local_now() -> qcall_protocol::Millis {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    qcall_protocol::Millis::try_from(since.as_millis()).unwrap_or(qcall_protocol::Millis::MAX)
}

#[cfg(test)]
mod tests {
    /// The crate's invariant: only `ui` touches egui, so the connection, the model, REST, words and
    /// settings stay testable (and usable) without a UI.
    #[test]
    fn only_the_ui_module_uses_egui() {
        // Every source file of the crate, found by walking its tree: a new module is checked too.
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("src dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        walk(&src, &mut files);
        assert!(files.len() >= 8, "found the sources: {files:?}");
        let mut ui_uses_egui = false;
        for path in files {
            let source = std::fs::read_to_string(&path).expect("read");
            let uses = ["egui::", "use egui", "egui;"]
                .iter()
                .any(|p| source.contains(p));
            let name = path
                .strip_prefix(&src)
                .expect("under src")
                .display()
                .to_string();
            match name.as_str() {
                "ui.rs" => ui_uses_egui = uses,
                // This file names the patterns it looks for.
                "lib.rs" => {}
                _ => assert!(!uses, "{name} uses egui: only ui.rs may"),
            }
        }
        assert!(ui_uses_egui, "the check looks for the right thing");
    }
}

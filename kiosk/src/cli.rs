//! The command line of `qcall-kiosk`, shared with the `qcall` launcher (`qcall kiosk`).
//!
//! ```text
//! qcall-kiosk --config /etc/qcall/kiosk.toml
//! qcall-kiosk --windowed --server http://127.0.0.1:8700 --key demo-kiosk-1-key-0000
//! ```

use crate::{KioskApp, KioskConfig};
use clap::Parser;
use qcall_client::ClientArgs;

/// The kiosk's command line: the shared client options and the window mode.
#[derive(Debug, Parser)]
#[command(version, about = "qcall touch kiosk (取号机)")]
pub struct Cli {
    /// The server, this device's key, the language and the config file.
    #[command(flatten)]
    pub client: ClientArgs,
    /// Run in a window instead of full screen (for trying it out).
    #[arg(long)]
    pub windowed: bool,
}

/// Runs the app until its window closes. Logging is the caller's.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let config = KioskConfig::load(&cli.client)?;
    tracing::info!(server = %config.server, printer = ?config.printer.as_ref().map(|p| p.destination.to_string()), "starting the kiosk");
    let app = KioskApp::start(config)?;
    let mut viewport = egui::ViewportBuilder::default().with_title("qcall 取号机");
    viewport = if cli.windowed {
        viewport.with_inner_size([1080.0, 1800.0])
    } else {
        viewport.with_fullscreen(true)
    };
    let options = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    eframe::run_native(
        "qcall-kiosk",
        options,
        Box::new(move |cc| {
            qcall_client::ui::install_fonts(&cc.egui_ctx);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the kiosk window: {e}"))
}

//! The command line of `qcall-kiosk`, shared with the `qcall` launcher (`qcall kiosk`).
//!
//! ```text
//! qcall-kiosk --config /etc/qcall/kiosk.toml
//! qcall-kiosk --windowed --demo --server http://127.0.0.1:8700 --key demo-kiosk-1-key-0000
//! ```

use crate::{KioskApp, KioskConfig};
use clap::Parser;
use qcall_client::ClientArgs;

/// The `--windowed` window's inner size in logical pixels: a portrait window that fits a
/// 1920×1080 desktop beside the other apps.
pub const WINDOW_SIZE: [f32; 2] = [600.0, 960.0];

/// The kiosk's command line: the shared client options and the window mode.
#[derive(Debug, Parser)]
#[command(version, about = "qcall touch kiosk (取号机)")]
pub struct Cli {
    /// The server, this device's key, the language and the config file.
    #[command(flatten)]
    pub client: ClientArgs,
    /// Run in a 600×960 window instead of full screen (for trying it out beside other apps).
    #[arg(long)]
    pub windowed: bool,
    /// A demo on one computer: allow a status address (the QR code's) of this computer's own,
    /// which no phone can open. Without it the kiosk refuses to start with such an address.
    #[arg(long)]
    pub demo: bool,
}

/// Runs the app until its window closes. Logging is the caller's.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = KioskConfig::load(&cli.client)?;
    config.demo = cli.demo;
    config.check_status_address(cli.client.config.as_deref())?;
    if config.demo && crate::app::is_loopback_url(&config.slip.status_base_url) {
        tracing::warn!(
            status = %config.slip.status_base_url,
            "demo: the QR codes point to this computer; phones cannot open them"
        );
    }
    tracing::info!(server = %config.server, printer = ?config.printer.as_ref().map(|p| p.destination.to_string()), "starting the kiosk");
    let mut viewport = egui::ViewportBuilder::default().with_title("qcall 取号机");
    let app = if cli.windowed {
        // Beside the other apps on an ordinary 1920×1080 desktop, title bar and task bar included;
        // the content shrinks to fit and follows the window when it is resized.
        viewport = viewport
            .with_inner_size(WINDOW_SIZE)
            .with_min_inner_size([360.0, 560.0]);
        KioskApp::start(config)?.with_fit(0.4, 2.0)
    } else {
        // A portrait kiosk screen (1080×1920) gets zoom 1.5; a landscape one keeps 1.
        viewport = viewport.with_fullscreen(true);
        KioskApp::start(config)?.with_fit(1.0, 3.0)
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
            // The kiosk sets its own zoom; Ctrl± on a card reader's keyboard must not change it.
            cc.egui_ctx.options_mut(|o| o.zoom_with_keyboard = false);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the kiosk window: {e}"))
}

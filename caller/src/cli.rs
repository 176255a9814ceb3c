//! The command line of `qcall-caller`, shared with the `qcall` launcher (`qcall caller`).

use std::path::PathBuf;
use std::sync::Arc;

use crate::{AppConfig, CallerApp, state_file};
use anyhow::anyhow;
use clap::Parser;
use qcall_client::{ClientArgs, Settings};
use qcall_protocol::WindowNo;

/// The environment variable that holds the password for signing in without typing it (a demo
/// launcher, a kiosk-mode window PC). Never a command-line argument: other users can read those.
pub const PASSWORD_ENV: &str = "QCALL_PASSWORD";

/// The caller (叫号器) of one window: F1 叫号, F2 重呼, F3 开始办理, F4 办结, F5 过号, F6 转移,
/// F7 挂起, F8 暂停/恢复.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Environment:\n  QCALL_PASSWORD  The staff password. With --key (the staff number) the caller logs in \
                  at start,\n                  and with --window it also signs in at that window; when \
                  the server refuses,\n                  the login screen shows why. The password is \
                  never taken from the command line.\n\n\
                  Example (demo hall):\n  QCALL_PASSWORD=demo-staff qcall-caller --server \
                  http://127.0.0.1:8700 --key 1001 --window 1"
)]
pub struct Cli {
    /// The server, this device's key, the language and the config file.
    #[command(flatten)]
    pub client: ClientArgs,
    /// Where the server, staff number and window of the last session are remembered.
    #[arg(long, value_name = "FILE")]
    pub state_file: Option<PathBuf>,
    /// Sign in at this window right after logging in (with QCALL_PASSWORD: at start).
    #[arg(long, value_name = "N")]
    pub window: Option<WindowNo>,
    /// Start full screen.
    #[arg(long)]
    pub fullscreen: bool,
}

/// Runs the app until its window closes. Logging is the caller's.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let state_path = cli.state_file.unwrap_or_else(state_file::default_path);
    let remembered = state_file::load(&state_path);
    let mut args = cli.client;
    if args.server.is_none() && args.config.is_none() {
        // The server of the last session, unless told otherwise.
        args.server = remembered.server.clone();
    }
    let settings = Settings::load(&args)?;
    let config = AppConfig {
        server: settings.server,
        lang: settings.lang,
        staff_no: settings.key,
        state_file: Some(state_path),
        remembered,
        window: cli.window,
        password: std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()),
    };
    let viewport = egui::ViewportBuilder::default()
        .with_title("qcall 叫号器")
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([1024.0, 640.0])
        .with_fullscreen(cli.fullscreen);
    let options = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    eframe::run_native(
        "qcall-caller",
        options,
        Box::new(move |cc| {
            CallerApp::setup(&cc.egui_ctx);
            let ctx = cc.egui_ctx.clone();
            let wake: qcall_client::Wake = Arc::new(move || ctx.request_repaint());
            let app = CallerApp::new(config, wake)?;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow!("cannot open the window: {e}"))
}

//! `qcall-caller`: the window staff's app. A thin wrapper over the `qcall_caller` library.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::anyhow;
use clap::Parser;
use qcall_caller::{AppConfig, CallerApp, state_file};
use qcall_client::{ClientArgs, Settings};

/// The caller (叫号器) of one window: F1 叫号, F2 重呼, F3 开始办理, F4 办结, F5 过号, F6 转移,
/// F7 挂起, F8 暂停/恢复.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    client: ClientArgs,
    /// Where the server, staff number and window of the last session are remembered.
    #[arg(long, value_name = "FILE")]
    state_file: Option<PathBuf>,
    /// Start full screen.
    #[arg(long)]
    fullscreen: bool,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
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

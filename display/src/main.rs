//! `qcall-display`: the hall board or a window screen. Everything is in the library.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use qcall_client::{ClientArgs, Settings};
use qcall_display::player::{PlayerOptions, VoicePack};
use qcall_display::{DisplayApp, DisplayOptions, Screen, Voice};

/// The hall board (综合屏) or a window screen (窗口屏), per this device's config on the server.
#[derive(Debug, Parser)]
#[command(name = "qcall-display", version)]
struct Cli {
    #[command(flatten)]
    client: ClientArgs,
    /// Show this screen whatever the server's config says: `hall` or `window:N`.
    #[arg(long, value_name = "hall|window:N", value_parser = qcall_display::model::parse_screen)]
    mode: Option<Screen>,
    /// The voice pack folder (default: the shipped `assets/voice`).
    #[arg(long, value_name = "DIR")]
    voice_pack: Option<PathBuf>,
    /// No announcements at all (the screen still shows every call).
    #[arg(long)]
    silent: bool,
    /// A normal window instead of full screen (for trying it out).
    #[arg(long)]
    windowed: bool,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,wgpu=warn,naga=warn,eframe=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let settings = Settings::load(&cli.client)?;
    let key = settings
        .key
        .clone()
        .context("no device key: pass --key or set `key` in the --config file")?;
    let voice = if cli.silent {
        None
    } else {
        let dir = cli
            .voice_pack
            .clone()
            .unwrap_or_else(VoicePack::default_dir);
        match VoicePack::load(&dir) {
            Ok(pack) => Some(Voice {
                pack,
                options: PlayerOptions::default(),
            }),
            // A broken pack must not darken the board: it runs silent and shows 无音频.
            Err(e) => {
                tracing::error!(pack = %dir.display(), cause = %e, "voice pack unusable; no announcements");
                None
            }
        }
    };
    let options = DisplayOptions {
        server: settings.server.clone(),
        key,
        lang: settings.lang,
        screen: cli.mode,
        voice,
    };
    let mut viewport = egui::ViewportBuilder::default().with_title("qcall-display");
    viewport = if cli.windowed {
        viewport.with_inner_size([1280.0, 720.0])
    } else {
        viewport.with_fullscreen(true)
    };
    let native = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    eframe::run_native(
        "qcall-display",
        native,
        Box::new(move |cc| Ok(Box::new(DisplayApp::new(&cc.egui_ctx, options)?))),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

//! The command line of `qcall-display`, shared with the `qcall` launcher (`qcall display`).

use std::path::PathBuf;

use crate::model::BoardLayout;
use crate::player::{PlayerOptions, VoicePack};
use crate::{DisplayApp, DisplayOptions, Screen, Voice};
use anyhow::Context as _;
use clap::Parser;
use qcall_client::{ClientArgs, Settings};

/// The hall board (综合屏) or a window screen (窗口屏), per this device's config on the server.
#[derive(Debug, Parser)]
#[command(name = "qcall-display", version)]
pub struct Cli {
    /// The server, this device's key, the language and the config file.
    #[command(flatten)]
    pub client: ClientArgs,
    /// Show this screen whatever the server's config says: `hall` or `window:N`.
    #[arg(long, value_name = "hall|window:N", value_parser = crate::model::parse_screen)]
    pub mode: Option<Screen>,
    /// The hall board's layout: `calls` (the latest call large, the recent calls as rows) or
    /// `windows` (one cell per open window).
    #[arg(long, value_name = "calls|windows", value_parser = crate::model::parse_layout)]
    pub layout: Option<BoardLayout>,
    /// The voice pack folder (default: `voice/` beside the program, `../share/qcall/voice`, or the
    /// repository's `assets/voice`).
    #[arg(long, value_name = "DIR")]
    pub voice_pack: Option<PathBuf>,
    /// No announcements at all (the screen still shows every call).
    #[arg(long)]
    pub silent: bool,
    /// A normal window instead of full screen (for trying it out).
    #[arg(long)]
    pub windowed: bool,
    /// How frames are drawn. `glow` (OpenGL, the default) costs a third of `wgpu`'s CPU on a PC
    /// without a GPU, where Mesa renders in software; see `display/tools/idle_cpu.sh`.
    #[arg(long, value_enum, default_value_t = Renderer::Glow)]
    pub renderer: Renderer,
}

/// Runs the app until its window closes. Logging is the caller's.
pub fn run(cli: Cli) -> anyhow::Result<()> {
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
        layout: cli.layout,
        voice,
        silent: cli.silent,
    };
    let mut viewport = egui::ViewportBuilder::default().with_title("qcall-display");
    viewport = if cli.windowed {
        viewport.with_inner_size([1280.0, 720.0])
    } else {
        viewport.with_fullscreen(true)
    };
    let native = eframe::NativeOptions {
        viewport,
        renderer: match cli.renderer {
            Renderer::Glow => eframe::Renderer::Glow,
            Renderer::Wgpu => eframe::Renderer::Wgpu,
        },
        // Dithering hides banding in gradients; the screens have none, and in software rendering
        // it costs a fifth of every frame.
        dithering: false,
        ..Default::default()
    };
    eframe::run_native(
        "qcall-display",
        native,
        Box::new(move |cc| Ok(Box::new(DisplayApp::new(&cc.egui_ctx, options)?))),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The renderers eframe is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Renderer {
    /// OpenGL.
    Glow,
    /// wgpu (Vulkan, or OpenGL as its fallback).
    Wgpu,
}

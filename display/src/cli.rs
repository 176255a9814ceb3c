//! The command line of `qcall-display`, shared with the `qcall` launcher (`qcall display`).

use std::path::PathBuf;

use crate::model::BoardLayout;
use crate::player::{PlayerOptions, VoicePack};
use crate::{DisplayApp, DisplayOptions, Screen, Voice};
use anyhow::Context as _;
use clap::Parser;
use qcall_client::{ClientArgs, Settings};
use qcall_protocol::{DisplayMode, DisplaySettings, WindowNo};

/// The hall board (综合屏), a window screen (窗口屏) or a rating pad (评价器), per this device's
/// config on the server.
#[derive(Debug, Parser)]
#[command(name = "qcall-display", version)]
pub struct Cli {
    /// `say`: preview an announcement instead of running a screen.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The server, this device's key, the language and the config file.
    #[command(flatten)]
    pub client: ClientArgs,
    /// Show this screen whatever the server's config says: `hall`, `window:N` or `pad:N` (the
    /// rating pad of window N).
    #[arg(long, value_name = "hall|window:N|pad:N", value_parser = crate::model::parse_screen)]
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
    /// Where the hall board's marquee is drawn: `window` (a small window of its own over the
    /// board's bottom band, the default: a marquee frame redraws that strip only, which on a PC
    /// without a GPU costs a fraction of redrawing the whole screen) or `inline` (in the board's
    /// own frame, for a window manager that will not keep the strip on top of a full-screen
    /// board).
    #[arg(long, value_enum, default_value_t = Marquee::Window)]
    pub marquee: Marquee,
}

/// `--marquee`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Marquee {
    /// A window of its own over the board's band.
    Window,
    /// In the board's frame.
    Inline,
}

/// What else `qcall-display` does.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Renders one announcement exactly as the hall board plays it (same voice pack, template,
    /// languages, chime, repeat, fades and volume) and plays it, or writes it to a WAV file:
    /// `qcall display say --number A001 --window 3 [--lang zh,en] [--wav out.wav]`. With a
    /// device key (`--key` or `--config`), the settings are the board's own from the server;
    /// otherwise the server's defaults. Options below override them.
    Say(SayArgs),
}

/// `qcall display say`.
#[derive(Debug, clap::Args)]
pub struct SayArgs {
    /// The ticket number, e.g. `A001`.
    #[arg(long)]
    pub number: String,
    /// The window number.
    #[arg(long)]
    pub window: WindowNo,
    /// Languages in order, e.g. `zh,en`.
    #[arg(long, value_delimiter = ',', value_name = "zh,en")]
    pub lang: Option<Vec<String>>,
    /// How many times the phrases are spoken.
    #[arg(long)]
    pub repeat: Option<u32>,
    /// Without the chime.
    #[arg(long)]
    pub no_chime: bool,
    /// 0.0–1.0.
    #[arg(long)]
    pub volume: Option<f32>,
    /// The Chinese template, e.g. `请{number}号到{window}号窗口办理`.
    #[arg(long)]
    pub template_zh: Option<String>,
    /// The English template.
    #[arg(long)]
    pub template_en: Option<String>,
    /// The voice pack folder (default: as the board finds it).
    #[arg(long, value_name = "DIR")]
    pub voice_pack: Option<PathBuf>,
    /// Write the announcement to this WAV file (22050 Hz mono, 32-bit float: the samples the
    /// board hands to the sound card) instead of playing it.
    #[arg(long, value_name = "FILE")]
    pub wav: Option<PathBuf>,
}

/// The server's built-in announcement settings (`[announce]` of the demo hall), for `say`
/// without a device key.
pub fn default_settings() -> DisplaySettings {
    DisplaySettings {
        board_layout: Default::default(),
        name: "say".into(),
        mode: DisplayMode::HallBoard,
        audio: true,
        template_zh: crate::announce::DEFAULT_TEMPLATE_ZH.into(),
        template_en: crate::announce::DEFAULT_TEMPLATE_EN.into(),
        languages: vec!["zh".into()],
        repeat: 2,
        chime: true,
        volume: 0.8,
        quiet_hours: Vec::new(),
    }
}

/// The board's display settings from the server's snapshot for its device key, within 5 s.
fn settings_from_server(settings: &Settings, key: &str) -> anyhow::Result<DisplaySettings> {
    use qcall_client::connection::{Connection, ConnectionConfig, Update};
    let net = qcall_client::NetThread::start()?;
    let config = ConnectionConfig::to_server(
        &settings.server,
        qcall_protocol::Hello::Device { key: key.into() },
    );
    let connection = Connection::start(&net, config, std::sync::Arc::new(|| {}));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        for update in connection.drain() {
            if let Update::Snapshot { snapshot, .. } = update {
                return snapshot
                    .display
                    .context("the server sent no display settings for this key");
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    anyhow::bail!(
        "no answer from {} within 5 s (or the key was refused); pass no key to use the defaults",
        settings.server.http_base()
    )
}

/// `say`: renders the announcement and writes or plays it. Prints the clips, the length and
/// every setting it could not follow.
pub fn say(client: &ClientArgs, args: &SayArgs) -> anyhow::Result<()> {
    let settings = Settings::load(client)?;
    let mut display = match &settings.key {
        Some(key) => settings_from_server(&settings, key)?,
        None => default_settings(),
    };
    if let Some(lang) = &args.lang {
        display.languages = lang.iter().map(|l| l.trim().to_owned()).collect();
    }
    if let Some(repeat) = args.repeat {
        display.repeat = repeat;
    }
    if args.no_chime {
        display.chime = false;
    }
    if let Some(volume) = args.volume {
        display.volume = volume;
    }
    if let Some(t) = &args.template_zh {
        display.template_zh = t.clone();
    }
    if let Some(t) = &args.template_en {
        display.template_en = t.clone();
    }
    // A preview speaks whatever the hour: quiet hours are the board's business.
    display.quiet_hours.clear();
    display.audio = true;
    let dir = args
        .voice_pack
        .clone()
        .unwrap_or_else(VoicePack::default_dir);
    let pack = VoicePack::load(&dir)?;
    for warning in pack.warnings() {
        eprintln!("warning: {warning}");
    }
    for missing in pack.missing() {
        eprintln!("warning: {}: {missing}", dir.display());
    }
    let announcement =
        crate::player::render_announcement(&pack, &display, &args.number, args.window)
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.number))?;
    for problem in &announcement.problems {
        eprintln!("warning: announcement settings: {problem}");
    }
    let duration = announcement.rendered.duration();
    println!("{} ({:.2} s)", announcement.clips, duration.as_secs_f32());
    match &args.wav {
        Some(path) => {
            write_wav(path, &announcement.rendered.samples)?;
            println!("wrote {}", path.display());
        }
        None => play(pack, &display, &args.number, args.window, duration)?,
    }
    Ok(())
}

/// Writes samples as a 22050 Hz mono 32-bit float WAV file.
pub fn write_wav(path: &std::path::Path, samples: &[f32]) -> anyhow::Result<()> {
    let spec = hound::WavSpec {
        channels: crate::player::CHANNELS,
        sample_rate: crate::player::SAMPLE_RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec)
        .with_context(|| format!("cannot write {}", path.display()))?;
    for &s in samples {
        writer.write_sample(s)?;
    }
    writer.finalize()?;
    Ok(())
}

/// Plays the announcement through the board's own player on the default sound device.
fn play(
    pack: VoicePack,
    display: &DisplaySettings,
    number: &str,
    window: WindowNo,
    duration: std::time::Duration,
) -> anyhow::Result<()> {
    use crate::player::{AudioStatus, Outcome, Player};
    let player = Player::start(pack, display, PlayerOptions::default())?;
    let opening = std::time::Instant::now();
    while player.audio_status() == AudioStatus::Opening
        && opening.elapsed() < std::time::Duration::from_secs(5)
    {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    if let AudioStatus::NoDevice { reason, .. } = player.audio_status() {
        anyhow::bail!("no sound device ({reason}); use --wav FILE to write it instead");
    }
    let now = qcall_client::local_now();
    player.submit(
        qcall_protocol::Call {
            call_id: 1,
            ticket_id: 1,
            number: number.into(),
            class: qcall_protocol::TicketClass::Normal,
            service_id: String::new(),
            window,
            window_name: String::new(),
            at: now,
            recall: false,
        },
        now,
    );
    if !player.wait_idle(duration + std::time::Duration::from_secs(10)) {
        if let AudioStatus::NoDevice { reason, .. } = player.audio_status() {
            anyhow::bail!("no sound device ({reason}); use --wav FILE to write it instead");
        }
        anyhow::bail!("the announcement did not finish playing");
    }
    match player.log().pop().map(|e| e.outcome) {
        Some(Outcome::Spoken { .. }) => Ok(()),
        Some(Outcome::Silent(why)) => anyhow::bail!("not played: {why:?}"),
        None => anyhow::bail!("not played"),
    }
}

/// Runs the app until its window closes, or the subcommand. Logging is the caller's.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Say(args)) = &cli.command {
        return say(&cli.client, args);
    }
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
        marquee: match cli.marquee {
            Marquee::Window => crate::view::MarqueePlace::OwnWindow,
            Marquee::Inline => crate::view::MarqueePlace::Inline,
        },
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

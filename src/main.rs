//! `qcall`: the whole hall in one binary.
//!
//! ```text
//! qcall                      # a demo hall on this machine: server, kiosk, caller, board, window screen
//! qcall --headless           # the demo server only; prints its URLs and demo keys
//! qcall server --config /etc/qcall/hall.toml
//! qcall kiosk --server http://10.0.0.2:8700 --key …
//! ```
//!
//! The roles are the same code as the `qcall-server`, `qcall-kiosk`, `qcall-caller` and
//! `qcall-display` binaries (each app's command line lives in its library). The demo runs every app in
//! its own process, started from this same executable, because a process can open only one eframe
//! event loop.

mod demo;

use clap::{Parser, Subcommand};

/// qcall: queue tickets and window calling for a government service hall (排队叫号系统).
#[derive(Debug, Parser)]
#[command(name = "qcall", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    role: Option<Role>,
    #[command(flatten)]
    demo: demo::DemoArgs,
}

/// One part of the hall, with the same options as its own binary.
#[derive(Debug, Subcommand)]
enum Role {
    /// A demo hall on this machine (the default).
    Demo(demo::DemoArgs),
    /// The hall server (like `qcall-server`).
    Server(qcall_server::cli::Cli),
    /// The touch kiosk 取号机 (like `qcall-kiosk`).
    Kiosk(qcall_kiosk::cli::Cli),
    /// The window staff's caller 叫号器 (like `qcall-caller`).
    Caller(qcall_caller::cli::Cli),
    /// The hall board 综合屏 or a window screen 窗口屏 (like `qcall-display`).
    Display(qcall_display::cli::Cli),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    qcall_client::logging::init(match cli.role {
        None | Some(Role::Demo(_)) | Some(Role::Server(_)) => "info",
        Some(_) => qcall_client::logging::APP_FILTER,
    });
    match cli.role {
        None => demo::run(cli.demo),
        Some(Role::Demo(args)) => demo::run(args),
        Some(Role::Server(args)) => qcall_server::cli::run(args),
        Some(Role::Kiosk(args)) => qcall_kiosk::cli::run(args),
        Some(Role::Caller(args)) => qcall_caller::cli::run(args),
        Some(Role::Display(args)) => qcall_display::cli::run(args),
    }
}

//! `qcall-kiosk`: the touch kiosk, full screen. Everything but the command line is in the library.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,wgpu=warn,naga=warn,eframe=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    qcall_kiosk::cli::run(qcall_kiosk::cli::Cli::parse())
}

//! `qcall-server`: the hall server binary. All behaviour lives in the library.

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,qcall_server=info")),
        )
        .init();
    qcall_server::cli::run(qcall_server::cli::Cli::parse())
}

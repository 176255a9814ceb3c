//! `qcall-display`: the hall board or a window screen. Everything is in the library.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    qcall_client::logging::init(qcall_client::logging::APP_FILTER);
    qcall_display::cli::run(qcall_display::cli::Cli::parse())
}

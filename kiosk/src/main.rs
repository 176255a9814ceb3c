//! `qcall-kiosk`: the touch kiosk, full screen. Everything but the command line is in the library.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    qcall_client::logging::init(qcall_client::logging::APP_FILTER);
    qcall_kiosk::cli::run(qcall_kiosk::cli::Cli::parse())
}

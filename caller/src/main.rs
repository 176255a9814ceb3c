//! `qcall-caller`: the window staff's app. A thin wrapper over the `qcall_caller` library.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    qcall_client::logging::init(qcall_client::logging::APP_FILTER);
    qcall_caller::cli::run(qcall_caller::cli::Cli::parse())
}

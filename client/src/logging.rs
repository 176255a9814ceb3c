//! Logs of an app process: to stderr, `RUST_LOG` when set, else [`APP_FILTER`].

/// Info for qcall; only warnings from the rendering stack, which is chatty at info.
pub const APP_FILTER: &str = "info,wgpu=warn,naga=warn,eframe=warn";

/// Starts logging to stderr with `RUST_LOG`, or `default_filter` when it is unset. Call once, at
/// the start of `main`.
pub fn init(default_filter: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
}

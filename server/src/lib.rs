//! The qcall server: the hall's single source of truth.
//!
//! `core` holds the queue rules as a pure state machine; `engine` runs it on its own thread with the
//! SQLite `store`, committing batches of commands with one fsync; `api` and `ws` serve REST and
//! WebSocket clients on tokio. See `ARCHITECTURE.md` at the repository root.

mod api;
mod auth;
mod calendar;
pub mod cli;
pub mod clock;
pub mod config;
mod console;
mod core;
mod engine;
pub mod sim;
mod state;
mod store;
mod ws;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::serve::ListenerExt;
use qcall_protocol::ErrorCode;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tower_http::catch_panic::CatchPanicLayer;
use tracing::{error, info, warn};

pub use auth::hash_password;
use clock::Clock;
pub use config::HallConfig;

/// How a server runs, beyond the hall's config.
pub struct Options {
    /// The SQLite database file; created when missing.
    pub db_path: PathBuf,
    /// The time the hall runs on: the system clock, or a manual one in tests.
    pub clock: Arc<dyn Clock>,
}

/// Timings and sizes a deployment keeps at their defaults; tests shorten them to see their effect.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// A quiet WebSocket gets a heartbeat this often (default 10 s).
    pub heartbeat: Duration,
    /// How many pushes a WebSocket may fall behind before it is resynced with a snapshot.
    pub push_capacity: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            heartbeat: Duration::from_millis(qcall_protocol::HEARTBEAT_INTERVAL_MS),
            push_capacity: 4096,
        }
    }
}

/// Serves the hall on `listener` until `shutdown` completes, then closes WebSockets, finishes the
/// engine's last batch and closes the database before returning.
pub async fn run(
    listener: TcpListener,
    config: HallConfig,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_tuned(listener, config, options, Tuning::default(), shutdown).await
}

/// [`run`] with other [`Tuning`].
pub async fn run_tuned(
    listener: TcpListener,
    config: HallConfig,
    options: Options,
    tuning: Tuning,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let db = options.db_path.clone();
    let data_dir = options
        .db_path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    for s in &config.staff {
        if let Some(photo) = &s.photo
            && !data_dir.join(photo).is_file()
        {
            warn!(staff = %s.staff_no, photo = %data_dir.join(photo).display(), "staff photo not found; window screens show the initial");
        }
    }
    // Opening, migrating and restoring block on SQLite: off the async workers.
    let (cfg, clock, capacity) = (config.clone(), options.clock.clone(), tuning.push_capacity);
    let (engine, secret, engine_thread) = tokio::task::spawn_blocking(move || {
        let store = store::Store::open(&db)?;
        engine::Engine::start_with(cfg, store, clock, capacity)
    })
    .await?
    .with_context(|| format!("cannot open the database {}", options.db_path.display()))?;
    // The console's watcher holds an engine handle: it is aborted before the engine stops.
    let (console, watcher) = console::start(
        engine.clone(),
        config.clone(),
        Arc::new(console::Devices::default()),
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let app = state::App {
        engine: engine.clone(),
        auth: Arc::new(auth::Auth::new(config.clone(), secret)),
        config: config.clone(),
        clock: options.clock.clone(),
        data_dir: data_dir.clone(),
        heartbeat: tuning.heartbeat,
        console,
        ws: state::WsControl {
            stop: stop_rx,
            alive: alive_tx,
        },
    };
    let (router, openapi) = api::router();
    let _ = api::OPENAPI.set(openapi.to_pretty_json().unwrap_or_default());
    let router = router
        .route("/t/{token}", axum::routing::get(api::status_page))
        .merge(console::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(config.limits.max_body_bytes))
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(app);

    // The day boundary passes even when nobody sends a command.
    let ticker_engine = engine.clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            ticker_engine.tick().await;
        }
    });
    drop(engine);

    info!(addr = %listener.local_addr()?, db = %options.db_path.display(), "qcall server ready");
    // Small writes (pushes, short answers) go out at once: Nagle's algorithm would hold a second
    // WebSocket frame until the peer's delayed ACK, tens of milliseconds later.
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            warn!(cause = %err, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            info!("shutting down");
            let _ = stop_tx.send(true);
        })
        .await?;
    ticker.abort();
    let _ = ticker.await;
    watcher.abort();
    let _ = watcher.await;
    // Every WebSocket task holds a sender; they end on the stop signal.
    if tokio::time::timeout(Duration::from_secs(5), alive_rx.recv())
        .await
        .is_err()
    {
        warn!("some WebSocket connections did not close within 5 s");
    }
    // With every engine handle dropped, the engine finishes its batch and closes the database.
    let joined = tokio::task::spawn_blocking(move || engine_thread.join()).await;
    if !matches!(joined, Ok(Ok(()))) {
        error!("the engine thread ended abnormally");
    }
    info!("stopped");
    Ok(())
}

async fn not_found() -> impl IntoResponse {
    api::Failure(qcall_protocol::ApiError::new(
        ErrorCode::NotFound,
        "no such route; see /api/v1/openapi.json",
    ))
}

async fn method_not_allowed() -> impl IntoResponse {
    api::Failure(qcall_protocol::ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not take that method; see /api/v1/openapi.json",
    ))
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    error!("a request handler panicked");
    api::Failure(qcall_protocol::ApiError::new(
        ErrorCode::Internal,
        "internal error; nothing changed",
    ))
    .into_response()
}

/// Fills a database with `count` tickets of past days (for the history benchmark), then closes it.
#[doc(hidden)]
pub fn seed_history(
    db_path: &std::path::Path,
    config: &HallConfig,
    count: u64,
    before: qcall_protocol::Millis,
) -> anyhow::Result<()> {
    let mut store = store::Store::open(db_path)?;
    let services: Vec<(String, String)> = config
        .services
        .iter()
        .map(|s| (s.info.id.clone(), s.info.prefix.clone()))
        .collect();
    store.seed_history(count, &services, before, |at| {
        config.calendar.business_day(at).to_string()
    })?;
    Ok(())
}

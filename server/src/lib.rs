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
mod guard;
mod notify;
mod report;
mod serve;
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
use qcall_protocol::ErrorCode;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tower_http::catch_panic::CatchPanicLayer;
use tracing::{error, info, warn};

pub use auth::hash_password;
use clock::Clock;
pub use config::HallConfig;
pub use serve::ConnLimits;
pub use store::backup::CopyInfo;

/// A consistent copy of the database at `db` into `dest` (a new file), safe while a server runs on
/// it, checked after writing (issue 16).
pub fn backup(db: &std::path::Path, dest: &std::path::Path) -> anyhow::Result<CopyInfo> {
    store::backup::backup(db, dest)
        .with_context(|| format!("backup of {} to {} failed", db.display(), dest.display()))
}

/// Puts the checked copy `copy` in place of the database `db`. Refused while a server runs on it
/// (it holds the data folder's lock) and when the copy fails its check; the replaced database is
/// kept beside it, and its path returned.
pub fn restore(
    copy: &std::path::Path,
    db: &std::path::Path,
) -> anyhow::Result<(CopyInfo, Option<PathBuf>)> {
    let _lock = lock_data(db)?;
    store::backup::restore(copy, db).with_context(|| {
        format!(
            "restore of {} failed; {} is unchanged",
            copy.display(),
            db.display()
        )
    })
}

/// The lock a running server holds on its database (`hall.db.lock` beside it): one server per
/// database, and no restore under a running server.
fn lock_data(db: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let path = db.with_extension("db.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "a qcall server is running on {} (it holds {}); stop it first",
            db.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

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
    /// Connection caps and the header-read timeout (issue 21).
    pub conns: ConnLimits,
    /// A WebSocket write that waits longer (the client stopped reading) drops the client (default
    /// 5 s); it also bounds how long shutdown waits for WebSockets.
    pub write_timeout: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            heartbeat: Duration::from_millis(qcall_protocol::HEARTBEAT_INTERVAL_MS),
            push_capacity: 4096,
            conns: ConnLimits::default(),
            write_timeout: Duration::from_secs(5),
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
    // The data folder holds the database and the hall's secret: its user's only (issue 21).
    #[cfg(unix)]
    if data_dir.is_dir() {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o700))
        {
            warn!(dir = %data_dir.display(), cause = %e, "cannot make the data folder private");
        }
    }
    for s in &config.staff {
        if let Some(photo) = &s.photo
            && !data_dir.join(photo).is_file()
        {
            warn!(staff = %s.staff_no, photo = %data_dir.join(photo).display(), "staff photo not found; window screens show the initial");
        }
    }
    let _lock = lock_data(&options.db_path)?;
    // Opening, migrating and restoring block on SQLite: off the async workers.
    let (cfg, clock, capacity) = (config.clone(), options.clock.clone(), tuning.push_capacity);
    let (engine, secret, engine_thread) = tokio::task::spawn_blocking(move || {
        let mut store = store::Store::open(&db)?;
        let backfilled = store.backfill_facts(&cfg)?;
        if backfilled > 0 {
            info!(
                legs = backfilled,
                "report facts built for the tickets stored before them"
            );
        }
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
    // A hall may keep the root secret outside the database (issue 21): then a copy of hall.db alone
    // neither forges a token nor matches a citizen id to its hash.
    let secret = match std::env::var_os("QCALL_SECRET_FILE") {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read QCALL_SECRET_FILE {}", path.display()))?;
            let secret = text.trim().as_bytes().to_vec();
            anyhow::ensure!(
                secret.len() >= 32,
                "QCALL_SECRET_FILE {} holds {} bytes; give at least 32 random characters (e.g. `head -c 32 /dev/urandom | xxd -p -c 64`)",
                path.display(),
                secret.len()
            );
            info!(file = %std::path::Path::new(&path).display(), "the hall's root secret comes from a file, not the database");
            secret
        }
        None => secret,
    };
    let auth = Arc::new(auth::Auth::new(config.clone(), secret));
    // Sessions ended before a restart stay ended.
    let now = options.clock.now();
    for r in engine
        .read(move |_, store, _| store.revocations(now))
        .await?
        .context("cannot read the session revocations")?
    {
        auth.revoke(&r);
    }
    let conns = serve::Conns::new(tuning.conns.clone());
    let public_hub = Arc::new(ws::PublicHub::default());
    let hub_task = tokio::spawn(public_hub.clone().run(engine.clone()));
    let ticker_auth = auth.clone();
    let app = state::App {
        engine: engine.clone(),
        auth,
        guard: Arc::new(guard::Guard::new(&config.limits)),
        limits: conns.clone(),
        public: public_hub.clone(),
        config: config.clone(),
        clock: options.clock.clone(),
        data_dir: data_dir.clone(),
        db_path: options.db_path.clone(),
        heartbeat: tuning.heartbeat,
        console,
        write_timeout: tuning.write_timeout,
        ws: state::WsControl {
            stop: stop_rx,
            alive: alive_tx,
        },
    };
    let (router, openapi) = api::router();
    let _ = api::OPENAPI.set(openapi.to_pretty_json().unwrap_or_default());
    let router = router
        .route("/t/{token}", axum::routing::get(api::status_page))
        .route(
            "/book",
            axum::routing::get(api::book_page)
                .post(api::book_submit)
                .layer(axum::middleware::map_response(api::book_csp)),
        )
        .route(
            "/book/lookup",
            axum::routing::get(api::lookup_page)
                .post(api::lookup_submit)
                .layer(axum::middleware::map_response(api::book_csp)),
        )
        .merge(console::routes())
        .layer(axum::middleware::map_response(api::security_headers))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(config.limits.max_body_bytes))
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(app);

    // The day boundary passes even when nobody sends a command.
    let ticker_engine = engine.clone();
    let ticker_clock = options.clock.clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            ticker_engine.tick().await;
            ticker_auth.forget_expired(ticker_clock.now());
        }
    });
    // Near-turn notices (R32): delivered from the outbox by a task of their own.
    let notices = config
        .notify
        .enabled
        .then(|| tokio::spawn(notify::run(engine.clone(), config.notify.clone())));
    let stopper = engine.clone();
    drop(engine);

    info!(addr = %listener.local_addr()?, db = %options.db_path.display(), "qcall server ready");
    serve::serve(
        listener,
        router,
        conns,
        async move {
            shutdown.await;
            info!("shutting down");
            let _ = stop_tx.send(true);
        },
        Duration::from_secs(5),
    )
    .await?;
    ticker.abort();
    let _ = ticker.await;
    if let Some(task) = notices {
        task.abort();
        let _ = task.await;
    }
    watcher.abort();
    let _ = watcher.await;
    hub_task.abort();
    let _ = hub_task.await;
    // Every WebSocket task holds a sender; they end on the stop signal, and a write to a client that
    // does not read gives up after the write limit, so this wait is bounded.
    let ws_wait = tuning.write_timeout + Duration::from_secs(1);
    if tokio::time::timeout(ws_wait, alive_rx.recv())
        .await
        .is_err()
    {
        warn!(
            waited_ms = ws_wait.as_millis() as u64,
            "some WebSocket connections did not close in time; stopping anyway"
        );
    }
    // The engine finishes what it was sent and closes the database, even if a task still holds a
    // handle: shutdown takes a bounded time whatever clients do.
    stopper.stop().await;
    drop(stopper);
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

/// Fills a database with `days` weekdays of `per_day` synthetic report facts up to `last_day` (for
/// the reports benchmark), then closes it. Returns how many legs it wrote.
#[doc(hidden)]
pub fn seed_facts(
    db_path: &std::path::Path,
    config: &HallConfig,
    days: u32,
    per_day: u32,
    last_day: &str,
) -> anyhow::Result<u64> {
    let mut store = store::Store::open(db_path)?;
    let last: jiff::civil::Date = last_day.parse()?;
    let mut written = 0u64;
    let mut failed = None;
    report::fact::synthetic(config, days, per_day, last, |legs| {
        if failed.is_none() {
            written += legs.len() as u64;
            failed = store.seed_facts(&legs).err();
        }
    });
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(written),
    }
}

/// A phase's wall and CPU milliseconds.
#[doc(hidden)]
pub type Phase = (f64, f64);

/// One report straight from a database, timed in its two phases (for the reports benchmark): reading
/// the facts, and adding them up. Returns the legs read and, per phase, (wall ms, CPU ms of this
/// thread; NaN where the system does not say), so a busy shared machine can be told apart from
/// slow code.
#[doc(hidden)]
pub fn time_report(
    db_path: &std::path::Path,
    config: &HallConfig,
    from: &str,
    to: &str,
    by: &str,
) -> anyhow::Result<(usize, Phase, Phase)> {
    // utime + stime of this thread, in clock ticks (100 per second on Linux).
    fn cpu_ms() -> f64 {
        std::fs::read_to_string("/proc/thread-self/stat")
            .ok()
            .and_then(|s| {
                let rest = s.rsplit_once(')')?.1;
                let f: Vec<&str> = rest.split_whitespace().collect();
                Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) * 10.0)
            })
            .unwrap_or(f64::NAN)
    }
    let raw = report::RawQuery {
        from: Some(from.into()),
        to: Some(to.into()),
        by: Some(by.into()),
        ..Default::default()
    };
    let q = raw
        .parse(config)
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let (t0, c0) = (std::time::Instant::now(), cpu_ms());
    let input = store::FactReader::open(db_path)?.input(config, &q.from, &q.to)?;
    let (t1, c1) = (std::time::Instant::now(), cpu_ms());
    let r = report::build(config, &q, &input, 0);
    let (t2, c2) = (std::time::Instant::now(), cpu_ms());
    std::hint::black_box(r);
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    Ok((
        input.legs.len(),
        (ms(t1 - t0), c1 - c0),
        (ms(t2 - t1), c2 - c1),
    ))
}

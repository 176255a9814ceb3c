//! The server's command line, shared by `qcall-server` and the `qcall` launcher (`qcall server`).

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::{HallConfig, Options, clock::SystemClock};
use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing::{info, warn};

/// The qcall hall server: tickets, calls, screens and the audit trail, on one SQLite file.
#[derive(Debug, Parser)]
#[command(name = "qcall-server", version)]
pub struct Cli {
    /// Hall config (TOML). Without it the built-in demo hall runs.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Folder of the database (created when missing).
    #[arg(long, default_value = "qcall-data")]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8700")]
    pub listen: SocketAddr,
    /// A tool instead of the server.
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// The server binary's tools.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Read a password (or PIN) on standard input and print its argon2 hash for the config file.
    HashPassword,
    /// Validate a config file and exit.
    CheckConfig {
        /// The file.
        file: PathBuf,
    },
    /// Simulate a hall day in seconds (the real queue rules, a simulated clock) and print the
    /// waits per service and class, the windows' utilisation and how far the estimate given at
    /// issue was from the wait that happened. A planning tool: change the windows and compare.
    Simulate {
        /// The day: arrivals, handling times, class mix, no-shows, transfers, windows open and
        /// their pauses (TOML, see server/profiles/). Without it the demo hall's ordinary weekday.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Seed of the random arrivals and handling times: one seed, one day.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Only these windows open, e.g. `1-4,6` ("what if window 5 is closed?").
        #[arg(long)]
        windows: Option<String>,
        /// Also write every ticket (service, class, issued, estimate, wait) to this CSV file.
        #[arg(long)]
        tickets: Option<PathBuf>,
        /// Do not tell the hall the profile's window plan: its estimate learns of pauses and
        /// windows signing in only when they happen (what announcing the plan is worth).
        #[arg(long)]
        unannounced: bool,
        /// Also print the estimate's floor: from each issue on, the hall runs N more times with other
        /// handling times, no-shows and transfers; the mean wait there is what someone knowing all
        /// but that luck would have said (slower: N forks per ticket).
        #[arg(long, value_name = "N")]
        floor: Option<usize>,
    },
    /// Write a consistent copy of the database (`DATA_DIR/hall.db`) to DEST, safe while the server
    /// runs, and check it.
    Backup {
        /// The new file.
        dest: PathBuf,
    },
    /// Put a checked copy in place of `DATA_DIR/hall.db` (the server must be stopped). The replaced
    /// database is kept beside it.
    Restore {
        /// The copy.
        copy: PathBuf,
    },
    /// Write a report (R23) from the data folder, read-only: safe beside a running server.
    /// E.g. `report --from 2026-11-01 --to 2026-11-30 --by window --format xlsx -o nov.xlsx`.
    Report {
        /// First business day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last business day, YYYY-MM-DD (inclusive; at most 3 years after --from).
        #[arg(long)]
        to: String,
        /// Groupings, comma-separated; a cross joined by `*` (e.g. `window,staff*hour`). Dims: day,
        /// service, window, staff, hour, weekday, class.
        #[arg(long, default_value = "")]
        by: String,
        /// Only these services (comma-separated ids).
        #[arg(long)]
        service: Option<String>,
        /// Only these windows (comma-separated numbers).
        #[arg(long)]
        window: Option<String>,
        /// Only these staff numbers (comma-separated).
        #[arg(long)]
        staff: Option<String>,
        /// json, csv or xlsx.
        #[arg(long, default_value = "csv")]
        format: String,
        /// The file to write; standard output when left out (not for xlsx).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// Runs the server (or one of its tools) until Ctrl-C or SIGTERM. Logging is the caller's.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Cmd::HashPassword) => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            anyhow::ensure!(!password.is_empty(), "no password on standard input");
            println!(
                "{}",
                crate::hash_password(password).map_err(anyhow::Error::msg)?
            );
            return Ok(());
        }
        Some(Cmd::CheckConfig { file }) => {
            HallConfig::load(&file)?;
            println!("{}: ok", file.display());
            return Ok(());
        }
        Some(Cmd::Simulate {
            profile,
            seed,
            windows,
            tickets,
            unannounced,
            floor,
        }) => {
            let config = match &cli.config {
                Some(path) => HallConfig::load(path)?,
                None => HallConfig::demo(),
            };
            let (src, name) = match &profile {
                Some(path) => (
                    std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))?,
                    path.display().to_string(),
                ),
                None => (crate::sim::DEMO_DAY.to_string(), "demo-day.toml".into()),
            };
            let mut profile = crate::sim::Profile::parse(&src, &name, &config)?;
            if let Some(list) = windows {
                profile.only_windows(&crate::sim::parse_window_list(&list)?)?;
            }
            if unannounced {
                profile.unannounced();
            }
            if let Some(runs) = floor {
                profile.floor(runs.max(1));
            }
            let report = crate::sim::simulate(config, profile, seed)?;
            if let Some(path) = tickets {
                std::fs::write(&path, report.tickets_csv())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            print!("{report}");
            return Ok(());
        }
        Some(Cmd::Backup { dest }) => {
            let info = crate::backup(&cli.data_dir.join("hall.db"), &dest)?;
            println!(
                "{}: ok ({} tickets, audit up to {}, schema {})",
                dest.display(),
                info.tickets,
                info.last_seq,
                info.schema
            );
            return Ok(());
        }
        Some(Cmd::Restore { copy }) => {
            let (info, kept) = crate::restore(&copy, &cli.data_dir.join("hall.db"))?;
            println!(
                "restored {} ({} tickets, audit up to {}); the previous database is kept as {}",
                copy.display(),
                info.tickets,
                info.last_seq,
                kept.map_or("(none)".into(), |k| k.display().to_string())
            );
            return Ok(());
        }
        Some(Cmd::Report { .. }) | None => {}
    }
    let config = match &cli.config {
        Some(path) => HallConfig::load(path)?,
        None => {
            warn!(
                "no --config given: running the built-in DEMO hall (public demo passwords and keys; not for a real hall)"
            );
            HallConfig::demo()
        }
    };
    if let Some(Cmd::Report {
        from,
        to,
        by,
        service,
        window,
        staff,
        format,
        output,
    }) = cli.command
    {
        let raw = crate::report::RawQuery {
            from: Some(from),
            to: Some(to),
            by: Some(by),
            service,
            window,
            staff,
            format: Some(format),
            ..Default::default()
        };
        return report(&config, &cli.data_dir.join("hall.db"), &raw, output);
    }
    std::fs::create_dir_all(&cli.data_dir)
        .with_context(|| format!("cannot create {}", cli.data_dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cli.data_dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot make {} private", cli.data_dir.display()))?;
    }
    let db_path = cli.data_dir.join("hall.db");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(cli.listen)
            .await
            .with_context(|| format!("cannot listen on {}", cli.listen))?;
        let addr = listener.local_addr()?;
        info!(data = %db_path.display(), "database");
        if config.is_demo() {
            print_demo(addr);
        }
        let options = Options {
            db_path,
            clock: Arc::new(SystemClock),
        };
        crate::run(listener, config, options, shutdown_signal()).await
    })
}

/// `qcall-server report`: the report as the API makes it, from a read-only connection.
fn report(
    config: &HallConfig,
    db: &std::path::Path,
    raw: &crate::report::RawQuery,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    use crate::report::{self, export};
    let format = raw.format.as_deref().unwrap_or("csv");
    anyhow::ensure!(
        matches!(format, "json" | "csv" | "xlsx"),
        "--format {format:?}: use json, csv or xlsx"
    );
    anyhow::ensure!(
        format != "xlsx" || output.is_some(),
        "an XLSX report needs -o FILE"
    );
    anyhow::ensure!(db.is_file(), "no database at {}", db.display());
    let q = raw
        .parse(config)
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let input = crate::store::FactReader::open(db)
        .and_then(|mut r| r.input(config, &q.from, &q.to))
        .with_context(|| format!("cannot read the facts in {}", db.display()))?;
    let r = report::build(config, &q, &input, crate::clock::Clock::now(&SystemClock));
    let bytes = match format {
        "json" => serde_json::to_vec_pretty(&r)?,
        "xlsx" => export::xlsx(config, &r)?,
        _ => export::csv(&r)?,
    };
    match output {
        Some(path) => {
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("{}: {} to {}", path.display(), r.from, r.to);
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}

/// Logs where the demo hall is and its public demo credentials.
pub fn print_demo(addr: SocketAddr) {
    let host = if addr.ip().is_unspecified() {
        format!("127.0.0.1:{}", addr.port())
    } else {
        addr.to_string()
    };
    info!(
        "demo hall at http://{host}  (API: http://{host}/api/v1/openapi.json, live: ws://{host}/api/v1/ws)"
    );
    info!(
        "DEMO ONLY — staff 1001…1008 password demo-staff (1001's kiosk PIN 2580); manager 9001 demo-manager; admin 9901 demo-admin"
    );
    info!(
        "DEMO ONLY — device keys: kiosk demo-kiosk-1-key-0000, hall board demo-hall-board-key-0000, window screens demo-window-1-key-0000 / demo-window-2-key-0000"
    );
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

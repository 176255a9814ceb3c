//! The demo hall: the server on an embedded SQLite database with the built-in demo config, and one
//! kiosk, one caller signed in at window 1, the hall board and window 1's screen, each in its own
//! window. Ctrl-C (or closing every window) stops them all.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;

use anyhow::Context as _;
use qcall_server::clock::SystemClock;
use qcall_server::{HallConfig, Options};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use tracing::{info, warn};

/// The demo's options.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DemoArgs {
    /// Start the server only, without windows; print its URLs and the demo keys.
    #[arg(long)]
    headless: bool,
    /// The folder of the demo's database (created when missing; delete it to start afresh).
    #[arg(long, value_name = "DIR", default_value = "qcall-data")]
    data_dir: PathBuf,
    /// Where the demo server listens. Loopback by default: the demo's passwords are public.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8700")]
    listen: SocketAddr,
}

/// One app of the demo, started from this executable.
struct App {
    /// What the user calls it.
    name: &'static str,
    /// The arguments after `qcall`.
    args: Vec<String>,
    /// Extra environment.
    env: Vec<(&'static str, &'static str)>,
}

/// Runs the demo hall until Ctrl-C, SIGTERM, or every window closed.
pub(crate) fn run(args: DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create the data folder {}", args.data_dir.display()))?;
    let data_dir = std::fs::canonicalize(&args.data_dir)
        .with_context(|| format!("cannot open {}", args.data_dir.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(hall(args, data_dir))
}

async fn hall(args: DemoArgs, data_dir: PathBuf) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (is another qcall running? pass --listen 127.0.0.1:8800 to use another port)",
                args.listen
            )
        })?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let options = Options {
        db_path: data_dir.join("hall.db"),
        clock: Arc::new(SystemClock),
    };
    let mut server = tokio::spawn(qcall_server::run(
        listener,
        HallConfig::demo(),
        options,
        async move {
            let _ = stopped.await;
        },
    ));
    let url = base_url(addr);
    let exe = std::env::current_exe().context("cannot find this program's path")?;
    print_banner(&url, &data_dir, &exe);

    let mut children = Vec::new();
    if args.headless {
        println!("Headless: no windows. Press Ctrl-C to stop.");
    } else if !has_display() {
        println!(
            "No display found (DISPLAY and WAYLAND_DISPLAY are unset): running the server only, as with --headless. Press Ctrl-C to stop."
        );
    } else {
        for app in apps(&url, &data_dir) {
            match spawn(&exe, &app) {
                Ok(child) => children.push((app.name, child)),
                Err(e) => warn!(app = app.name, cause = %e, "cannot start"),
            }
        }
        println!("Close every window or press Ctrl-C to stop the hall.");
    }

    let server_only = children.is_empty();
    let ended = watch(&mut children, server_only, &mut server).await;
    for (name, child) in &mut children {
        if child.id().is_some() {
            let _ = child.start_kill();
        }
        let _ = child.wait().await;
        info!(app = name, "stopped");
    }
    let _ = stop.send(());
    match ended {
        Some(result) => result.context("the server task failed")??,
        None => server.await.context("the server task failed")??,
    }
    println!("Stopped. The day's data stays in {}", data_dir.display());
    Ok(())
}

/// The five apps of the demo.
fn apps(url: &str, data_dir: &Path) -> Vec<App> {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        App {
            name: "kiosk",
            args: strings(&[
                "kiosk",
                "--windowed",
                // Everything on one computer: the QR codes point to it, and the kiosk says so.
                "--demo",
                "--server",
                url,
                "--key",
                "demo-kiosk-1-key-0000",
            ]),
            env: vec![],
        },
        App {
            name: "caller",
            args: {
                let mut a = strings(&["caller", "--server", url, "--key", "1001", "--window", "1"]);
                a.push("--state-file".into());
                a.push(data_dir.join("caller-1001.json").display().to_string());
                a
            },
            // The demo staff password is public (see the banner); a real one never goes on a command line.
            env: vec![("QCALL_PASSWORD", "demo-staff")],
        },
        App {
            name: "hall board",
            args: strings(&[
                "display",
                "--windowed",
                "--server",
                url,
                "--key",
                "demo-hall-board-key-0000",
            ]),
            env: vec![],
        },
        App {
            name: "window screen",
            // One voice per hall: the board speaks, the window screen is silent.
            args: strings(&[
                "display",
                "--windowed",
                "--silent",
                "--server",
                url,
                "--key",
                "demo-window-1-key-0000",
            ]),
            env: vec![],
        },
        App {
            name: "rating pad",
            // 评价器 of window 1: its mode (rating_pad) comes from the device's config in the hall.
            args: strings(&[
                "display",
                "--windowed",
                "--silent",
                "--server",
                url,
                "--key",
                "demo-rating-pad-1-key-0000",
            ]),
            env: vec![],
        },
    ]
}

fn spawn(exe: &Path, app: &App) -> std::io::Result<Child> {
    let mut cmd = Command::new(exe);
    cmd.args(&app.args).stdin(Stdio::null()).kill_on_drop(true);
    for (k, v) in &app.env {
        cmd.env(k, v);
    }
    if std::env::var_os("RUST_LOG").is_none() {
        // The apps' warnings and errors only: the launcher's terminal is shared by five processes.
        cmd.env(
            "RUST_LOG",
            "warn,wgpu=error,naga=error,eframe=error,egui_wgpu=error,egui_glow=error,winit=error",
        );
    }
    cmd.spawn()
}

/// The server task: its result says why it stopped.
type ServerTask = tokio::task::JoinHandle<anyhow::Result<()>>;

/// Waits for Ctrl-C or SIGTERM, the server stopping on its own (its result is returned), or, with
/// windows, the last one closing.
async fn watch(
    children: &mut [(&'static str, Child)],
    server_only: bool,
    server: &mut ServerTask,
) -> Option<Result<anyhow::Result<()>, tokio::task::JoinError>> {
    let mut open: Vec<bool> = vec![true; children.len()];
    loop {
        let next_exit = async {
            if server_only {
                return std::future::pending::<(usize, std::io::Result<ExitStatus>)>().await;
            }
            let waits = children
                .iter_mut()
                .enumerate()
                .filter(|(i, _)| open[*i])
                .map(|(i, (_, c))| Box::pin(async move { (i, c.wait().await) }));
            futures_util::future::select_all(waits).await.0
        };
        tokio::select! {
            _ = qcall_server::cli::shutdown_signal() => {
                println!("Stopping the hall…");
                return None;
            }
            result = &mut *server => {
                println!("The server stopped: stopping the hall.");
                return Some(result);
            }
            (i, status) = next_exit => {
                open[i] = false;
                let name = children[i].0;
                match status {
                    Ok(s) if s.success() => info!(app = name, "window closed"),
                    Ok(s) => warn!(app = name, status = %s, "exited with an error (see its messages above)"),
                    Err(e) => warn!(app = name, cause = %e, "cannot wait for it"),
                }
                if open.iter().all(|o| !o) {
                    println!("Every window is closed: stopping the hall.");
                    return None;
                }
            }
        }
    }
}

fn has_display() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

fn base_url(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("http://127.0.0.1:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

fn print_banner(url: &str, data_dir: &Path, exe: &Path) {
    let ws = url.replacen("http://", "ws://", 1);
    println!(
        "\
qcall demo hall (示范政务服务中心) — DEMO ONLY: the passwords and keys below are public.
  data folder   {data}  (delete it to start afresh)
  server        {url}
  API           {url}/api/v1/openapi.json
  live updates  {ws}/api/v1/ws
  staff         1001…1008, password demo-staff (1001's kiosk helper PIN 2580)
  manager       9001, password demo-manager;  admin 9901, password demo-admin
  device keys   kiosk demo-kiosk-1-key-0000; hall board demo-hall-board-key-0000;
                window screens demo-window-1-key-0000, demo-window-2-key-0000;
                rating pad (window 1) demo-rating-pad-1-key-0000
  one app alone {exe} kiosk --windowed --demo --server {url} --key demo-kiosk-1-key-0000",
        data = data_dir.display(),
        exe = exe.display()
    );
}

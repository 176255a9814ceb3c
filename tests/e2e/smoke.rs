//! The real binaries under Xvfb. First the demo server headless, then the kiosk, the caller (signed
//! in by itself), the hall board and a window screen, each on its own virtual screen: each must draw,
//! its screenshot must not be blank. Then the demo launcher as `cargo run` starts it, stopped with
//! Ctrl-C. The screenshots stay in `target/tmp/smoke/` to look at.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a debug build may take to open its window and draw on a software renderer, with the
/// other tests running on the same two cores.
const DRAW_TIMEOUT: Duration = Duration::from_secs(120);

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An Xvfb server on a free display number.
struct Xvfb {
    _proc: Proc,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        // `-displayfd 1`: Xvfb picks a free display and writes its number on stdout when ready.
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1920x1080x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "Xvfb is needed for this test: apt-get install xvfb (see the README's quick start)",
            );
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read Xvfb's display number");
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb did not start");
        Xvfb {
            _proc: Proc(child),
            display: format!(":{number}"),
        }
    }
}

/// The demo server, headless, on a free port; returns it with its URL.
fn start_server(data: &Path) -> (Proc, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qcall"))
        .args(["--headless", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start qcall --headless");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut url = None;
    for line in (&mut reader).lines() {
        let line = line.expect("read the banner");
        if let Some(rest) = line.trim_start().strip_prefix("server ") {
            url = Some(rest.trim().to_string());
            break;
        }
    }
    // Keep reading what it prints, so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in reader.lines() {});
    (Proc(child), url.expect("the banner names the server URL"))
}

/// The number of distinct colours of a PNG (ImageMagick's `%k`).
fn colours(png: &Path) -> u32 {
    let out = Command::new("convert")
        .arg(png)
        .args(["-format", "%k", "info:"])
        .output()
        .expect("ImageMagick is needed for this test: apt-get install imagemagick");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Takes screenshots of `display` until one has at least `min_colours` colours; returns the count
/// of the last one.
fn wait_for_drawing(display: &str, shot: &Path, min_colours: u32, app: &mut Proc) -> u32 {
    let started = Instant::now();
    loop {
        if let Some(status) = app.0.try_wait().expect("poll the app") {
            panic!("{} exited before drawing: {status}", shot.display());
        }
        let ok = Command::new("import")
            .args(["-display", display, "-window", "root"])
            .arg(shot)
            .status()
            .expect("ImageMagick's import is needed for this test: apt-get install imagemagick")
            .success();
        let n = if ok { colours(shot) } else { 0 };
        if n >= min_colours || started.elapsed() > DRAW_TIMEOUT {
            return n;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn every_app_binary_draws_its_window() {
    let data = tempfile::tempdir().expect("tmp");
    let (_server, url) = start_server(data.path());
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("smoke");
    std::fs::create_dir_all(&shots).expect("screenshot folder");

    let state = data.path().join("caller.json").display().to_string();
    let apps: [(&str, Vec<&str>); 4] = [
        (
            "kiosk",
            vec![
                "kiosk",
                "--windowed",
                "--demo",
                "--key",
                "demo-kiosk-1-key-0000",
            ],
        ),
        (
            "caller",
            vec![
                "caller",
                "--key",
                "1001",
                "--window",
                "1",
                "--state-file",
                &state,
            ],
        ),
        (
            "board",
            vec![
                "display",
                "--windowed",
                "--silent",
                "--key",
                "demo-hall-board-key-0000",
            ],
        ),
        (
            "window-screen",
            vec![
                "display",
                "--windowed",
                "--silent",
                "--key",
                "demo-window-1-key-0000",
            ],
        ),
    ];
    // Start them all, then look at each: they draw in parallel.
    let mut running = Vec::new();
    for (name, args) in apps {
        let x = Xvfb::start();
        let child = Command::new(env!("CARGO_BIN_EXE_qcall"))
            .args(&args)
            .args(["--server", &url])
            .env("DISPLAY", &x.display)
            .env("QCALL_PASSWORD", "demo-staff")
            .env("RUST_LOG", "warn,wgpu=error,naga=error,eframe=error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn();
        running.push((name, x, Proc(child.expect("start the app"))));
    }
    let mut blank = Vec::new();
    for (name, x, mut app) in running {
        let shot = shots.join(format!("{name}.png"));
        // A blank or failed window has one or two colours; a screen of text, anti-aliased, has
        // hundreds.
        let n = wait_for_drawing(&x.display, &shot, 64, &mut app);
        eprintln!("smoke: {name} drew {n} colours ({})", shot.display());
        if n < 64 {
            blank.push(format!("{name} ({n} colours)"));
        }
    }
    assert!(blank.is_empty(), "blank windows: {blank:?}");
}

/// `qcall` as a newcomer runs it (`cargo run`), on a virtual display: the server comes up, the
/// caller signs itself in at window 1, the windows draw, and SIGINT (Ctrl-C) stops every app and
/// then the server, cleanly.
#[test]
fn the_demo_launcher_runs_the_hall_and_ctrl_c_stops_it() {
    let x = Xvfb::start();
    let data = tempfile::tempdir().expect("tmp");
    let mut launcher = Command::new(env!("CARGO_BIN_EXE_qcall"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("DISPLAY", &x.display)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start qcall");
    let pid = launcher.id();
    let mut out = BufReader::new(launcher.stdout.take().expect("stdout")).lines();
    let mut url = None;
    for line in &mut out {
        let line = line.expect("read the banner");
        if let Some(rest) = line.trim_start().strip_prefix("server ") {
            url = Some(rest.trim().to_string());
            break;
        }
    }
    let url = url.expect("the banner names the server URL");
    let launcher = Proc(launcher);

    // The caller, started by the launcher with the demo password, signs in at window 1.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let windows: Option<serde_json::Value> = rt.block_on(async {
            let resp = http
                .get(format!("{url}/api/v1/windows"))
                .bearer_auth("demo-hall-board-key-0000")
                .send()
                .await
                .ok()?;
            resp.json().await.ok()
        });
        let staff_at_1 = windows.as_ref().and_then(|w| {
            w.as_array()?
                .iter()
                .find(|w| w["number"] == 1)
                .map(|w| w["staff"]["staff_no"].clone())
        });
        if staff_at_1 == Some(serde_json::json!("1001")) {
            break;
        }
        assert!(
            started.elapsed() < DRAW_TIMEOUT,
            "the demo caller never signed in at window 1: {windows:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("smoke");
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    let shot = shots.join("demo.png");
    let mut launcher = launcher;
    let n = wait_for_drawing(&x.display, &shot, 64, &mut launcher);
    assert!(n >= 64, "the demo's windows are blank ({n} colours)");

    // Ctrl-C: the launcher stops its apps, then the server, and says where the data stays.
    let children = children_of(pid);
    assert_eq!(
        children.len(),
        5,
        "five apps run under the launcher: {children:?}"
    );
    // The shell's own `kill`: no procps needed.
    let sent = Command::new("sh")
        .args(["-c", &format!("kill -INT {pid}")])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    let mut launcher = launcher;
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = launcher.0.try_wait().expect("poll qcall") {
            break status;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(30),
            "qcall did not stop within 30 s of Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let rest: Vec<String> = out.map_while(Result::ok).collect();
    assert!(
        status.success(),
        "qcall exited with {status}; it printed {rest:?}"
    );
    assert!(
        rest.iter().any(|l| l.starts_with("Stopped.")),
        "it says it stopped: {rest:?}"
    );
    // Orphans would live on under init; the launcher waited for each, so none is left.
    let left: Vec<&String> = children
        .iter()
        .filter(|c| Path::new(&format!("/proc/{c}")).exists())
        .collect();
    assert!(left.is_empty(), "apps left running: {left:?}");
}

/// The processes whose parent is `pid`, from `/proc/*/stat` (field 4 is the parent's id).
fn children_of(pid: u32) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (name) state ppid …`; the name may hold spaces, so split after its `)`.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            found.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

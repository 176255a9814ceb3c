//! What one manager's console tab costs the server (issue 13): `cargo bench -p qcall-server --bench console`.
//!
//! Starts the release `qcall-server` binary on a hall of 30 windows and 20 services and drives a busy
//! hour through it, ten times faster than real (a citizen every second; each window calls, starts
//! after 3 s and finishes after 30 s: a five-minute service at ten times the speed). It reads the
//! server process's CPU time (`/proc/PID/stat`) over two equal spans: without a console, then with one
//! console connected the way the browser's tab is (a manager's WebSocket reading every message). It
//! prints, as its last lines, `server_cpu_pct_no_console`, `server_cpu_pct_one_console`,
//! `console_tab_cpu_pct` (the difference, in % of one core) and `console_msgs_per_s` (what the tab
//! received). At ten times a real busy hour's rate the per-change part is overstated tenfold, so the
//! figure is an upper bound. `QCALL_BENCH_SECS` sets each span's length (30).

#![allow(unreachable_pub, missing_docs, dead_code)]

#[path = "../tests/it/util.rs"]
mod util;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use qcall_protocol::*;
use tokio_tungstenite::tungstenite::Message;
use util::*;

const WINDOWS: u32 = 30;
const SERVICES: usize = 20;

/// 30 windows, 20 services: the three of `round_the_clock` and 17 more; every window serves its
/// primary service and all others as secondary.
fn config() -> String {
    let extra: Vec<String> = (0..SERVICES - 3).map(|i| format!("s{i}")).collect();
    let mut toml = round_the_clock(WINDOWS);
    let all: Vec<String> = ["a", "b", "green"]
        .iter()
        .map(|s| format!("\"{s}\""))
        .chain(extra.iter().map(|s| format!("\"{s}\"")))
        .collect();
    toml = toml
        .replace(
            "secondary = [\"b\", \"green\"]",
            &format!("secondary = [{}]", all.join(", ").replace("\"a\", ", "")),
        )
        .replace(
            "secondary = [\"a\", \"green\"]",
            &format!("secondary = [{}]", all.join(", ").replace("\"b\", ", "")),
        );
    for (i, id) in extra.iter().enumerate() {
        let prefix = format!("{}{}", (b'C' + i as u8) as char, 'Q');
        toml += &format!(
            "[[services]]\nid = \"{id}\"\nname_zh = \"业务{i}\"\nname_en = \"Service {i}\"\ngroup = \"g\"\nprefix = \"{prefix}\"\nexpected_minutes = 5\nwarn_waiting_count = 10\nwarn_waiting_minutes = 20\n"
        );
    }
    toml
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("proc stat");
    // After the command name in parentheses: fields 14 and 15 are utime and stime.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime")
}

fn ticks_per_s() -> f64 {
    // The kernel's USER_HZ, 100 on every Linux this runs on.
    100.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let secs: u64 = std::env::var("QCALL_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("hall.toml"), config()).expect("config");
    let (server, _) = Binary::start(dir.path()).await;
    let pid = server.child.id();
    let stop = Arc::new(AtomicBool::new(false));
    let services: Vec<String> = ["a", "b", "green"]
        .iter()
        .map(|s| s.to_string())
        .chain((0..SERVICES - 3).map(|i| format!("s{i}")))
        .collect();

    // Arrivals: one citizen a second, round the services.
    let kiosk = server.client(Some(KIOSK));
    let arrivals = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let _ = kiosk
                    .issue(&services[n % services.len()], TicketClass::Normal)
                    .await;
                n += 1;
                tokio::time::sleep(Duration::from_millis(1000)).await;
            }
        })
    };
    // Windows: call, start after 3 s, finish after 30 s; wait 2 s when nobody waits.
    let mut windows = Vec::new();
    for w in 1..=WINDOWS {
        let staff = server.client(None);
        let login: LoginResponse = staff
            .post(
                "/api/v1/auth/login",
                &LoginRequest {
                    staff_no: format!("s{w}"),
                    password: PASSWORD.into(),
                },
            )
            .await
            .expect("login");
        let c = server.client(Some(&login.token));
        let _ = c.act(w, "sign-in").await;
        let stop = stop.clone();
        windows.push(tokio::spawn(async move {
            // Spread the windows' rhythm.
            tokio::time::sleep(Duration::from_millis(u64::from(w) * 330)).await;
            while !stop.load(Ordering::Relaxed) {
                match c.act(w, "call-next").await {
                    Ok(a) if a.ticket.is_some() => {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        let _ = c.act(w, "start").await;
                        tokio::time::sleep(Duration::from_secs(27)).await;
                        let _ = c.act(w, "finish").await;
                    }
                    _ => tokio::time::sleep(Duration::from_secs(2)).await,
                }
            }
        }));
    }
    // Warm up: queues form, windows get busy.
    tokio::time::sleep(Duration::from_secs(secs.min(20))).await;

    let span = Duration::from_secs(secs);
    let t0 = cpu_ticks(pid);
    tokio::time::sleep(span).await;
    let without = (cpu_ticks(pid) - t0) as f64 / ticks_per_s() / span.as_secs_f64() * 100.0;

    // One console: a manager's WebSocket that reads everything, as the dashboard tab does.
    let manager = server.client(None);
    let login: LoginResponse = manager
        .post(
            "/api/v1/auth/login",
            &LoginRequest {
                staff_no: "m1".into(),
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("manager login");
    let (mut socket, _) = tokio_tungstenite::connect_async(server.ws_url())
        .await
        .expect("ws");
    socket
        .send(Message::Text(
            serde_json::to_string(&Hello::Staff { token: login.token })
                .expect("hello")
                .into(),
        ))
        .await
        .expect("hello");
    let received = Arc::new(AtomicU64::new(0));
    let counted = received.clone();
    let reader = tokio::spawn(async move {
        while let Some(Ok(msg)) = socket.next().await {
            if matches!(msg, Message::Text(_)) {
                counted.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    let t1 = cpu_ticks(pid);
    let r1 = received.load(Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(span).await;
    let with = (cpu_ticks(pid) - t1) as f64 / ticks_per_s() / span.as_secs_f64() * 100.0;
    let msgs = (received.load(Ordering::Relaxed) - r1) as f64 / started.elapsed().as_secs_f64();

    stop.store(true, Ordering::Relaxed);
    reader.abort();
    arrivals.abort();
    for w in windows {
        w.abort();
    }
    println!(
        "hall: {WINDOWS} windows, {SERVICES} services, a busy hour at 10x speed, {secs} s spans"
    );
    println!("server_cpu_pct_no_console: {without:.2}");
    println!("server_cpu_pct_one_console: {with:.2}");
    println!("console_tab_cpu_pct: {:.2}", with - without);
    println!("console_msgs_per_s: {msgs:.1}");
}

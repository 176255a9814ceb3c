//! The server's load benchmark: `cargo bench -p qcall-server`.
//!
//! Starts the release `qcall-server` binary as its own process on a temporary database and prints, as
//! its last lines:
//! `issue_per_s`, `issue_p99_ms` (64 concurrent HTTP clients taking tickets), `call_to_push_p50_ms`,
//! `call_to_push_p99_ms` (call-next sent → `called` event received by each of 1000 WebSocket displays),
//! `server_rss_mb` (with those displays connected), `issue_per_s_1m_history` (the same issue load on a
//! database holding 1,000,000 tickets of past days). `QCALL_BENCH_SECS` sets each load's length (5).

#![allow(unreachable_pub, missing_docs, dead_code)]

#[path = "../tests/it/util.rs"]
pub(crate) mod util;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use qcall_protocol::*;
use tokio_tungstenite::tungstenite::Message;
use util::*;

const CLIENTS: usize = 64;
const DISPLAYS: usize = 1000;
const CALLS: usize = 200;
const HISTORY: u64 = 1_000_000;

fn config() -> String {
    round_the_clock(4)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// 64 clients issue tickets for `secs`; returns (tickets per second, p99 ms).
pub(crate) async fn issue_load(server: &Binary, secs: u64) -> (f64, f64) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let running = Arc::new(AtomicBool::new(true));
    let measuring = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (http, url, running, measuring) = (
            http.clone(),
            format!("{}/api/v1/tickets", server.base),
            running.clone(),
            measuring.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = 0u64;
            while running.load(Ordering::Relaxed) {
                i += 1;
                let service = ["a", "b", "green"][(i % 3) as usize];
                let body = format!(r#"{{"request_id":"b{c}-{i}","service_id":"{service}"}}"#);
                let t0 = Instant::now();
                let resp = http
                    .post(&url)
                    .bearer_auth(KIOSK)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("issue");
                assert_eq!(
                    resp.status(),
                    200,
                    "{}",
                    resp.text().await.unwrap_or_default()
                );
                resp.bytes().await.expect("body");
                if measuring.load(Ordering::Relaxed) {
                    latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
                }
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await; // warm-up
    measuring.store(true, Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = t0.elapsed().as_secs_f64();
    running.store(false, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    all.sort_by(f64::total_cmp);
    (all.len() as f64 / elapsed, percentile(&all, 0.99))
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// 1000 displays; 200 paced calls; latency from sending call-next to each display's `called` event.
async fn push_load(server: &Binary) -> (f64, f64, f64) {
    let mut readers = Vec::new();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(DISPLAYS);
    for _ in 0..DISPLAYS {
        // Like the server, the display clients read with a small buffer: tungstenite's default 128 KiB
        // buffer is prepared on every read, which would make the load generator the bottleneck.
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(4 * 1024);
        // A hall's screens come from many PCs, and the server takes at most 256 connections per
        // address: the displays dial from 127.0.0.2 … 127.0.0.6 (all loopback on Linux), 200 each.
        let source = std::net::Ipv4Addr::new(127, 0, 0, 2 + (readers.len() / 200) as u8);
        let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
        tcp.bind((source, 0).into())
            .expect("bind a loopback source");
        let addr: std::net::SocketAddr = server
            .base
            .trim_start_matches("http://")
            .parse()
            .expect("server address");
        let stream = tcp.connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (mut socket, _) =
            tokio_tungstenite::client_async_with_config(server.ws_url(), stream, Some(config))
                .await
                .expect("ws");
        socket
            .send(Message::Text(
                serde_json::to_string(&Hello::Device { key: BOARD.into() })
                    .expect("hello")
                    .into(),
            ))
            .await
            .expect("hello");
        let ready = ready_tx.clone();
        readers.push(tokio::spawn(async move {
            // (call id, arrival): kept locally, so readers share no lock while measuring.
            let mut arrivals: Vec<(u64, Instant)> = Vec::with_capacity(CALLS);
            let mut first = true;
            while let Some(Ok(msg)) = socket.next().await {
                let received = Instant::now();
                let Message::Text(text) = msg else { continue };
                if first {
                    first = false;
                    let _ = ready.send(()).await;
                    continue;
                }
                // Cheap scan instead of a full parse: the load generator shares the two cores.
                if !text.contains("\"type\":\"called\"") {
                    continue;
                }
                let Some(at) = text.find("\"call_id\":") else {
                    continue;
                };
                let digits: String = text[at + 10..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if let Ok(call_id) = digits.parse::<u64>() {
                    arrivals.push((call_id, received));
                }
                if arrivals.len() == CALLS {
                    break;
                }
            }
            arrivals
        }));
    }
    drop(ready_tx);
    for _ in 0..DISPLAYS {
        ready_rx.recv().await.expect("snapshot");
    }
    let rss = rss_mb(server.child.id());
    let http = reqwest::Client::new();
    let kiosk = Client {
        base: server.base.clone(),
        http: http.clone(),
        bearer: Some(KIOSK.into()),
    };
    for _ in 0..CALLS {
        kiosk.issue("a", TicketClass::Normal).await.expect("ticket");
    }
    let login: LoginResponse = Client {
        base: server.base.clone(),
        http: http.clone(),
        bearer: None,
    }
    .post(
        "/api/v1/auth/login",
        &LoginRequest {
            staff_no: "s1".into(),
            password: PASSWORD.into(),
        },
    )
    .await
    .expect("login");
    let staff = Client {
        base: server.base.clone(),
        http,
        bearer: Some(login.token),
    };
    staff.act(1, "sign-in").await.expect("sign in");
    let mut sent = std::collections::HashMap::new();
    for _ in 0..CALLS {
        let t0 = Instant::now();
        let r = staff.act(1, "call-next").await.expect("call");
        sent.insert(r.call.expect("a call").call_id, t0);
        staff.act(1, "start").await.expect("start");
        staff.act(1, "finish").await.expect("finish");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut all = Vec::new();
    let mut per_call: std::collections::HashMap<u64, (f64, f64)> = std::collections::HashMap::new();
    for r in readers {
        let got = tokio::time::timeout(Duration::from_secs(30), r)
            .await
            .expect("displays got every call")
            .expect("reader");
        assert_eq!(got.len(), CALLS, "every display got every call");
        for (id, at) in got {
            let ms = (at - sent[&id]).as_secs_f64() * 1000.0;
            let e = per_call.entry(id).or_insert((f64::MAX, 0.0));
            *e = (e.0.min(ms), e.1.max(ms));
            all.push(ms);
        }
    }
    // Where the time goes: the first display ≈ request + commit; first to last ≈ the fan-out.
    let mut first: Vec<f64> = per_call.values().map(|v| v.0).collect();
    let mut spread: Vec<f64> = per_call.values().map(|v| v.1 - v.0).collect();
    first.sort_by(f64::total_cmp);
    spread.sort_by(f64::total_cmp);
    eprintln!(
        "first display p50 {:.2} ms p99 {:.2} ms; fan-out to {DISPLAYS} p50 {:.2} ms p99 {:.2} ms",
        percentile(&first, 0.5),
        percentile(&first, 0.99),
        percentile(&spread, 0.5),
        percentile(&spread, 0.99)
    );
    all.sort_by(f64::total_cmp);
    (percentile(&all, 0.5), percentile(&all, 0.99), rss)
}

fn main() {
    let secs: u64 = std::env::var("QCALL_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    // `QCALL_BENCH_ONLY=issue|push|history` runs one phase, for profiling.
    let only = std::env::var("QCALL_BENCH_ONLY").unwrap_or_default();
    let run = move |phase: &str| only.is_empty() || only == phase;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let fresh = || {
            let dir = tempfile::tempdir().expect("tmp");
            std::fs::write(dir.path().join("hall.toml"), config()).expect("config");
            dir
        };

        let (mut issue_per_s, mut issue_p99, mut p50, mut p99, mut rss) = (f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN);
        if run("issue") {
            let dir = fresh();
            let (server, _) = Binary::start(dir.path()).await;
            (issue_per_s, issue_p99) = issue_load(&server, secs).await;
            drop(server);
            eprintln!("issue load done");
        }
        if run("push") {
            let dir = fresh();
            let (server, _) = Binary::start(dir.path()).await;
            (p50, p99, rss) = push_load(&server).await;
            drop(server);
            eprintln!("push load done");
        }
        if !run("history") {
            println!("issue_per_s={issue_per_s:.0}\nissue_p99_ms={issue_p99:.2}\ncall_to_push_p50_ms={p50:.2}\ncall_to_push_p99_ms={p99:.2}\nserver_rss_mb={rss:.1}");
            return;
        }
        let dir = fresh();
        let seed_started = Instant::now();
        let cfg = qcall_server::HallConfig::parse(&config(), "bench.toml").expect("config");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_millis() as i64;
        qcall_server::seed_history(&dir.path().join("hall.db"), &cfg, HISTORY, now - 2 * 86_400_000).expect("seed");
        eprintln!("seeded {HISTORY} past tickets in {:.1} s", seed_started.elapsed().as_secs_f64());
        let (server, startup) = Binary::start(dir.path()).await;
        let (history_per_s, history_p99) = issue_load(&server, secs).await;
        drop(server);

        println!("startup_ms_1m_history={:.0}", startup.as_secs_f64() * 1000.0);
        println!("issue_p99_ms_1m_history={history_p99:.2}");
        println!("issue_per_s={issue_per_s:.0}");
        println!("issue_p99_ms={issue_p99:.2}");
        println!("call_to_push_p50_ms={p50:.2}");
        println!("call_to_push_p99_ms={p99:.2}");
        println!("server_rss_mb={rss:.1}");
        println!("issue_per_s_1m_history={history_per_s:.0}");
    });
}

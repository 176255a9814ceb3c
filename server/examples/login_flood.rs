//! The login flood of issue 21, measured: 32 concurrent clients send 1,280 wrong logins (unknown and
//! known staff numbers) to a server in this process, and the process's resident memory is printed
//! before, at its peak and after, with how the attempts were answered. Before the bounded gate the
//! same flood grew the server from 12 MB to about 7.4 GB.
//!
//! `cargo run --release -p qcall-server --example login_flood`

use std::sync::Arc;

use qcall_server::clock::SystemClock;
use qcall_server::{HallConfig, Options};

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // The demo hall, with address locks off so that every attempt reaches the check.
    let toml =
        include_str!("../demo-hall.toml").replace("address_failures = 20", "address_failures = 0");
    let config = HallConfig::parse(&toml, "demo-hall.toml")?;
    let server = tokio::spawn(qcall_server::run(
        listener,
        config,
        Options {
            db_path: dir.path().join("hall.db"),
            clock: Arc::new(SystemClock),
        },
        async move {
            let _ = stopped.await;
        },
    ));
    let http = reqwest::Client::new();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        tokio::task::yield_now().await;
    }
    let before = rss_kib("VmRSS:");
    let started = std::time::Instant::now();
    let mut clients = Vec::new();
    for c in 0..32 {
        let (http, base) = (http.clone(), base.clone());
        clients.push(tokio::spawn(async move {
            let mut codes = std::collections::BTreeMap::<String, u32>::new();
            for i in 0..40 {
                // Half unknown staff numbers, half real ones with a wrong password.
                let staff_no = if i % 2 == 0 {
                    format!("x{c}-{i}")
                } else {
                    format!("100{}", 1 + i % 8)
                };
                let body = serde_json::json!({ "staff_no": staff_no, "password": "guess" });
                let code = match http
                    .post(format!("{base}/api/v1/auth/login"))
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) => r
                        .json::<serde_json::Value>()
                        .await
                        .ok()
                        .and_then(|v| v["error"]["code"].as_str().map(String::from))
                        .unwrap_or_else(|| "ok".into()),
                    Err(_) => "connection_error".into(),
                };
                *codes.entry(code).or_default() += 1;
            }
            codes
        }));
    }
    let mut codes = std::collections::BTreeMap::<String, u32>::new();
    for c in clients {
        for (k, v) in c.await? {
            *codes.entry(k).or_default() += v;
        }
    }
    let took = started.elapsed();
    let peak = rss_kib("VmHWM:");
    let after = rss_kib("VmRSS:");
    println!(
        "login_flood_attempts 1280 (32 clients x 40), answered in {:.1} s: {codes:?}",
        took.as_secs_f64()
    );
    println!("server_rss_before_mb {:.1}", before as f64 / 1024.0);
    println!("server_rss_peak_mb {:.1}", peak as f64 / 1024.0);
    println!("server_rss_after_mb {:.1}", after as f64 / 1024.0);
    let _ = stop.send(());
    server.await??;
    Ok(())
}

//! The reports benchmark: `cargo bench -p qcall-server --bench reports`.
//!
//! Fills a database with three years of a busy hall's report facts (750 business days × 2,000 legs
//! = about 1,500,000 legs, 20 services, 30 windows, 60 staff; see `report::fact::synthetic`), starts
//! the release `qcall-server` on it and times, over HTTP as a manager's browser would ask (the median
//! of `QCALL_BENCH_RUNS` runs, default 5), then prints as its last lines:
//! `report_1y_by_window_ms` (one year by window, every figure incl. median/p90),
//! `report_1y_by_staff_hour_ms` (one year by staff × hour of day), `report_1d_ms` (the last day, all
//! groupings), `xlsx_1y_by_window_ms` (the XLSX of the first), and `issue_per_s` /
//! `issue_per_s_with_facts` (the load benchmark's issue load on an empty database and on this one).
//! `QCALL_BENCH_SECS` sets each issue load's length (5). `QCALL_BENCH_DB=path` keeps the filled
//! database between runs (filled when missing, about 12 s; a database made before the day packs
//! is packed by the server's start-up, whose time is printed), `QCALL_BENCH_ONLY=report` skips
//! the issue loads.

#![allow(unreachable_pub, missing_docs, dead_code)]

#[path = "load.rs"]
mod load;

use std::time::Instant;

use load::util::*;
use qcall_protocol::LoginResponse;

const DAYS: u32 = 750;
const PER_DAY: u32 = 2_000;
const LAST_DAY: &str = "2026-11-27";

/// [`round_the_clock`] with 30 windows, 20 services and 60 staff.
fn config() -> String {
    let mut s = round_the_clock(30);
    for i in 1..=17 {
        let prefix: String = [b'C' + (i / 10) as u8, b'A' + (i % 10) as u8]
            .iter()
            .map(|&b| b as char)
            .collect();
        s += &format!(
            "[[services]]\nid = \"svc{i}\"\nname_zh = \"事项{i}\"\nname_en = \"Service {i}\"\ngroup = \"g\"\nprefix = \"{prefix}\"\nexpected_minutes = {}\n",
            5 + i % 10
        );
    }
    let staff = s
        .lines()
        .find(|l| l.starts_with("password_hash"))
        .expect("a hash")
        .to_string();
    for n in 31..=60 {
        s += &format!(
            "[[staff]]\nstaff_no = \"s{n}\"\nname = \"员工{n}\"\nrole = \"staff\"\n{staff}\n"
        );
    }
    s
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let secs: u64 = std::env::var("QCALL_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let runs: usize = std::env::var("QCALL_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let cfg = qcall_server::HallConfig::parse(&config(), "bench.toml").expect("config");
        // `QCALL_BENCH_DB=path` keeps the seeded database between runs (seeded when missing).
        let keep = std::env::var("QCALL_BENCH_DB").ok().map(std::path::PathBuf::from);
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = keep
            .as_ref()
            .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
            .unwrap_or_else(|| tmp.path().to_path_buf());
        let db = keep.clone().unwrap_or_else(|| dir.join("hall.db"));
        if !db.is_file() {
            let seeding = Instant::now();
            let legs = qcall_server::seed_facts(&db, &cfg, DAYS, PER_DAY, LAST_DAY).expect("seed");
            eprintln!(
                "seeded {legs} legs over {DAYS} business days in {:.1} s",
                seeding.elapsed().as_secs_f64()
            );
        }
        let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
        eprintln!("database {:.0} MB", size as f64 / 1e6);
        let year = ("2025-11-28", "2026-11-27");
        for by in ["window", "staff*hour"] {
            let (legs, read, build) =
                qcall_server::time_report(&db, &cfg, year.0, year.1, by).expect("report");
            eprintln!(
                "in process, one year by {by}: {legs} legs; read {:.0} ms ({:.0} ms CPU), add up {:.0} ms ({:.0} ms CPU)",
                read.0, read.1, build.0, build.1
            );
        }

        // The server on that folder, asked over HTTP.
        std::fs::write(dir.join("hall.toml"), config()).expect("config");
        // Start-up packs every past day without a pack (all of them on a database made before
        // packs, once).
        let (server, ready) = Binary::start(&dir).await;
        eprintln!("server ready in {:.1} s", ready.as_secs_f64());
        let login: LoginResponse = server
            .client(None)
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({ "staff_no": "m1", "password": PASSWORD }),
            )
            .await
            .expect("login");
        let http = reqwest::Client::new();
        let time = |query: String| {
            let (http, base, token) = (http.clone(), server.base.clone(), login.token.clone());
            async move {
                let mut ms = Vec::new();
                let mut bytes = 0;
                for _ in 0..runs {
                    let t0 = Instant::now();
                    let resp = http
                        .get(format!("{base}/api/v1/reports?{query}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("report");
                    assert_eq!(resp.status(), 200, "{query}");
                    bytes = resp.bytes().await.expect("body").len();
                    ms.push(t0.elapsed().as_secs_f64() * 1000.0);
                }
                eprintln!("{query}: {bytes} bytes, runs {ms:.0?} ms");
                median(ms)
            }
        };
        let y = format!("from={}&to={}", year.0, year.1);
        let by_window = time(format!("{y}&by=window")).await;
        let by_staff_hour = time(format!("{y}&by=staff*hour")).await;
        let day = time(format!(
            "from={LAST_DAY}&to={LAST_DAY}&by=day,service,window,staff,hour,weekday,class"
        ))
        .await;
        let xlsx = time(format!("{y}&by=window&format=xlsx")).await;
        let three_years = time("from=2023-11-28&to=2026-11-27&by=window".into()).await;
        drop(server);

        // The load benchmark's issue load (its own 4-window hall), on an empty database and on this
        // one, taken in turn (twice each) so that other work on the machine weighs on both alike.
        let (mut issue_per_s, mut with_facts) = (f64::NAN, f64::NAN);
        if std::env::var("QCALL_BENCH_ONLY").as_deref() != Ok("report") {
            let empty = tempfile::tempdir().expect("tmp");
            std::fs::write(empty.path().join("hall.toml"), round_the_clock(4)).expect("config");
            std::fs::write(dir.join("hall.toml"), round_the_clock(4)).expect("config");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for _ in 0..2 {
                for (folder, out) in [(empty.path(), &mut a), (dir.as_path(), &mut b)] {
                    let (server, _) = Binary::start(folder).await;
                    out.push(load::issue_load(&server, secs).await.0);
                    drop(server);
                }
            }
            eprintln!("issue loads: empty {a:.0?}, with facts {b:.0?}");
            (issue_per_s, with_facts) = (a.iter().sum::<f64>() / 2.0, b.iter().sum::<f64>() / 2.0);
        }

        println!("report_3y_by_window_ms={three_years:.0}");
        println!("report_1y_by_window_ms={by_window:.0}");
        println!("report_1y_by_staff_hour_ms={by_staff_hour:.0}");
        println!("report_1d_ms={day:.1}");
        println!("xlsx_1y_by_window_ms={xlsx:.0}");
        println!("issue_per_s={issue_per_s:.0}");
        println!(
            "issue_per_s_with_facts={with_facts:.0} ({:.1} %)",
            with_facts / issue_per_s * 100.0
        );
    });
}

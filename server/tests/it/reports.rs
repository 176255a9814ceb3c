//! Reports (R23) over the API: tickets taken, called and finished over REST become the report's
//! figures; CSV and XLSX carry the same numbers; bad ranges are refused with a clear error.

use qcall_protocol::*;
use reqwest::Method;

use crate::util::*;

const TODAY: &str = "2026-11-23";

/// Two tickets of a served at window 1 (4 and 6 minutes after a wait of 2 and 5), one cancelled.
async fn a_morning(server: &TestServer) -> Client {
    let staff = server.at_window("s1", 1).await;
    let first = staff
        .post::<IssueResponse>(
            "/api/v1/tickets",
            &serde_json::json!({ "request_id": "r1", "service_id": "a", "phone": "13812345678" }),
        )
        .await
        .expect("issue with a phone");
    assert!(first.ticket.phone_masked.is_some());
    staff.issue("a", TicketClass::Normal).await.expect("issue");
    let third = staff.issue("a", TicketClass::Normal).await.expect("issue");
    server.clock.advance_ms(2 * 60_000);
    staff.act(1, "call-next").await.expect("call");
    server.clock.advance_ms(4 * 60_000);
    staff.act(1, "finish").await.expect("finish");
    server.clock.advance_ms(60_000);
    staff.act(1, "call-next").await.expect("call");
    server.clock.advance_ms(6 * 60_000);
    staff.act(1, "finish").await.expect("finish");
    staff
        .post::<TicketResponse>(
            &format!("/api/v1/tickets/{}/cancel", third.ticket.id),
            &serde_json::json!({}),
        )
        .await
        .expect("cancel");
    staff
}

#[tokio::test]
async fn a_served_morning_is_in_the_report_as_json_csv_and_xlsx() {
    let server = TestServer::start(2).await;
    a_morning(&server).await;
    let manager = server.staff("m1").await;
    let path = format!("/api/v1/reports?from={TODAY}&to={TODAY}&by=window,service");
    let (status, r) = manager.raw(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{r}");
    let t = &r["total"];
    assert_eq!(t["issued"], 3);
    assert_eq!(
        (t["served"].as_u64(), t["cancelled"].as_u64()),
        (Some(2), Some(1))
    );
    // Waits 2 and 7 minutes (the second waited until the first was done): median 4.5 min.
    assert_eq!(t["wait"]["median_s"], 270.0);
    assert_eq!(t["wait"]["max_s"], 420.0);
    // Handling 4 and 6 minutes; a's limit is 5: one over.
    assert_eq!(t["handle"]["mean_s"], 300.0);
    assert_eq!(t["over_limit"], 1);
    let w1 = r["groupings"][0]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["key"][0] == "1")
        .expect("window 1");
    assert_eq!(w1["figures"]["served"], 2);
    // R29: not the phone, not the ticket numbers.
    let text = r.to_string();
    assert!(!text.contains("5678") && !text.contains("A001"), "{text}");

    let resp = manager
        .http
        .get(format!("{}{path}&format=csv", manager.base))
        .bearer_auth(manager.bearer.as_deref().unwrap_or_default())
        .send()
        .await
        .expect("csv");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = resp.text().await.expect("text");
    assert!(
        csv.contains("合计") && csv.contains("按窗口") && csv.contains("甲业务"),
        "{csv}"
    );
    assert!(!csv.contains("5678"));

    let resp = manager
        .http
        .get(format!("{}{path}&format=xlsx", manager.base))
        .bearer_auth(manager.bearer.as_deref().unwrap_or_default())
        .send()
        .await
        .expect("xlsx");
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.expect("bytes").to_vec();
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("opens");
    assert_eq!(book.sheet_names(), ["合计", "按窗口", "按事项"]);
    let total = book.worksheet_range("合计").expect("sheet");
    assert_eq!(
        total.get_value((1, 0)).map(|v| v.to_string()),
        Some("取号数".into())
    );
    assert_eq!(total.get_value((2, 0)), Some(&Data::Float(3.0)));
    server.stop().await;
}

#[tokio::test]
async fn facts_survive_a_restart_and_the_ranking_ranks_windows() {
    let server = TestServer::start(2).await;
    a_morning(&server).await;
    let (clock, dir) = server.stop().await;
    let server = TestServer::start_with(&hall_toml(2, ""), clock, Some(dir)).await;
    let manager = server.staff("m1").await;
    let r: serde_json::Value = manager
        .get(&format!("/api/v1/reports?from={TODAY}&to={TODAY}"))
        .await
        .expect("report");
    assert_eq!(r["total"]["served"], 2);
    let rank: serde_json::Value = manager
        .get(&format!(
            "/api/v1/reports/ranking?from={TODAY}&to={TODAY}&of=staff"
        ))
        .await
        .expect("ranking");
    assert_eq!(rank[0]["key"], "s1");
    assert_eq!(rank[0]["served"], 2);
    assert_eq!(rank[0]["served_rank"], 1);
    server.stop().await;
}

#[tokio::test]
async fn bad_ranges_groupings_and_formats_are_refused_clearly() {
    let server = TestServer::start(1).await;
    let manager = server.staff("m1").await;
    for (query, words) in [
        ("from=2026-11-30&to=2026-11-01", "is after to"),
        ("from=2020-01-01&to=2026-11-30", "at most 1098 days"),
        (
            "from=2026-11-01&to=2026-11-30&by=windows",
            "unknown grouping",
        ),
        (
            "from=2026-11-01&to=2026-11-30&format=pdf",
            "not json, csv or xlsx",
        ),
        ("from=yesterday&to=2026-11-30", "not a date"),
        ("to=2026-11-30", "from is required"),
    ] {
        let err = manager
            .get::<serde_json::Value>(&format!("/api/v1/reports?{query}"))
            .await
            .expect_err(query);
        assert_eq!(err.code, ErrorCode::BadRequest, "{query}");
        assert!(err.message.contains(words), "{query}: {}", err.message);
    }
    let err = manager
        .get::<serde_json::Value>(
            "/api/v1/reports/ranking?from=2026-11-01&to=2026-11-30&of=service",
        )
        .await
        .expect_err("ranking of services");
    assert_eq!(err.code, ErrorCode::BadRequest);
    server.stop().await;
}

#[tokio::test]
async fn the_report_command_reads_a_running_servers_folder_read_only() {
    let server = TestServer::start(2).await;
    a_morning(&server).await;
    let config = server.dir.path().join("hall.toml");
    std::fs::write(&config, hall_toml(2, "")).expect("config");
    let out = server.dir.path().join("nov.xlsx");
    let run = |args: Vec<String>| {
        std::process::Command::new(env!("CARGO_BIN_EXE_qcall-server"))
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(server.dir.path())
            .arg("report")
            .args(args)
            .output()
            .expect("runs")
    };
    let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    // While the server runs: WAL lets the read-only connection read what was committed.
    let done = run(args(&format!(
        "--from {TODAY} --to {TODAY} --by window --format xlsx -o {}",
        out.display()
    )));
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&out).expect("opens");
    assert_eq!(book.sheet_names(), ["合计", "按窗口"]);
    let total = book.worksheet_range("合计").expect("sheet");
    assert_eq!(total.get_value((2, 1)), Some(&Data::Float(2.0)), "办理数");
    let csv = run(args(&format!("--from {TODAY} --to {TODAY}")));
    let text = String::from_utf8(csv.stdout).expect("utf-8");
    assert!(text.contains("合计"), "{text}");
    let bad = run(args(&format!("--from {TODAY} --to 2026-11-01")));
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is after to"));
    // The server was not disturbed: it still takes and serves tickets.
    let staff = server.at_window("s2", 2).await;
    staff
        .issue("a", TicketClass::Normal)
        .await
        .expect("issue after the report");
    server.stop().await;
}

#[tokio::test]
async fn a_pads_ratings_are_in_the_report_per_window() {
    let server = TestServer::start(2).await;
    let staff = server.at_window("s1", 1).await;
    for (i, (level, reasons)) in [
        ("very_satisfied", vec![]),
        ("dissatisfied", vec!["attitude"]),
    ]
    .into_iter()
    .enumerate()
    {
        staff.issue("a", TicketClass::Normal).await.expect("issue");
        staff.act(1, "call-next").await.expect("call");
        server.clock.advance_ms(3 * 60_000);
        let done = staff.act(1, "finish").await.expect("finish");
        let ticket = done.ticket.expect("finished");
        server
            .client(PAD1)
            .post::<serde_json::Value>(
                "/api/v1/rating-pad/ratings",
                &serde_json::json!({
                    "request_id": format!("pad-{i}"),
                    "ticket_id": ticket.id,
                    "leg": 0,
                    "level": level,
                    "reasons": reasons,
                }),
            )
            .await
            .expect("rated");
    }
    let manager = server.staff("m1").await;
    let r: serde_json::Value = manager
        .get(&format!(
            "/api/v1/reports?from={TODAY}&to={TODAY}&by=window"
        ))
        .await
        .expect("report");
    let g = &r["total"]["ratings"];
    assert_eq!(
        (
            g["rated"].as_u64(),
            g["very_satisfied"].as_u64(),
            g["dissatisfied"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(g["satisfaction_rate"], 0.5);
    let w1 = &r["groupings"][0]["rows"][0];
    assert_eq!(w1["key"][0], "1");
    assert_eq!(w1["figures"]["ratings"]["rated"], 2);
    server.stop().await;
}

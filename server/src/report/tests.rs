//! The report engine on a small fixed day whose figures were worked out by hand, the exact
//! percentiles against a sort on random data, the query's refusals, and the CSV and XLSX read back.

use super::*;
use crate::calendar::tests::at;
use crate::core::tests::test_config;

const DAY: &str = "2026-11-23";

/// A closed leg of service `service` at `window` (staff `s{window}`), waiting `wait_s` and
/// handled `handle_s` (both `None` when not called / not served).
fn leg(
    ticket: i64,
    leg: u32,
    service: &str,
    window: Option<u32>,
    wait_s: Option<i64>,
    handle_s: Option<i64>,
    outcome: LegOutcome,
) -> LegFact {
    let limit = if service == "a" { 6 } else { 10 };
    let queued = at("2026-11-23 09:00") + ticket * 60_000;
    let called = wait_s.map(|w| queued + w * 1000);
    LegFact {
        ticket_id: ticket,
        leg,
        business_day: DAY.into(),
        weekday: 1,
        hour: 9,
        service_id: service.into(),
        class: TicketClass::Normal,
        window,
        staff_no: window.map(|w| format!("s{w}")),
        issued_at: queued,
        queued_at: queued,
        called_at: called,
        started_at: called,
        finished_at: called.unwrap_or(queued) + handle_s.unwrap_or(0) * 1000,
        wait_ms: wait_s.map(|w| w * 1000),
        handle_ms: handle_s.map(|h| h * 1000),
        recalls: 0,
        requeues: 0,
        no_shows: 0,
        outcome,
        special_call: false,
        out_of_order: false,
        limit_minutes: limit,
        over_limit: handle_s.is_some_and(|h| h > i64::from(limit) * 60),
    }
}

/// One served leg, for tests elsewhere that need any fact.
pub(super) fn a_fact() -> LegFact {
    leg(1, 0, "a", Some(1), Some(60), Some(300), LegOutcome::Done)
}

fn rating(ticket: i64, leg: u32, level: &str, upheld: bool) -> RatingFact {
    RatingFact {
        ticket_id: ticket,
        leg,
        level: level.into(),
        upheld_as_false: upheld,
    }
}

/// The fixed day: seven tickets, one transferred (two legs), one special call out of order, one
/// cancelled, one no-show, one never called; four ratings (one upheld as false); two pauses.
fn day() -> Input {
    use LegOutcome::*;
    let mut special = leg(4, 0, "a", Some(1), Some(600), Some(100), Done);
    special.special_call = true;
    special.out_of_order = true;
    let mut no_show = leg(6, 0, "a", Some(1), Some(240), None, Expired);
    no_show.no_shows = 1;
    let pause = |window: u32, reason: &str, from: &str, minutes: i64| PauseFact {
        business_day: DAY.into(),
        weekday: 1,
        hour: 10,
        window,
        staff_no: Some(format!("s{window}")),
        reason: reason.into(),
        since: at(from),
        until: at(from) + minutes * 60_000,
    };
    Input {
        legs: Legs::from(vec![
            leg(1, 0, "a", Some(1), Some(60), Some(300), Done),
            leg(2, 0, "a", Some(1), Some(120), Some(420), Done),
            leg(3, 0, "a", Some(1), Some(180), Some(200), Transferred),
            leg(3, 1, "b", Some(2), Some(30), Some(700), Done),
            special,
            leg(5, 0, "a", None, None, None, Cancelled),
            no_show,
            leg(7, 0, "a", None, None, None, Expired),
        ]),
        pauses: vec![
            pause(1, "break", "2026-11-23 10:00", 15),
            pause(2, "meeting", "2026-11-23 10:30", 10),
        ],
        ratings: vec![
            rating(1, 0, "very_satisfied", false),
            rating(2, 0, "satisfied", false),
            rating(4, 0, "dissatisfied", false),
            rating(3, 1, "very_dissatisfied", true),
        ],
        open: vec![],
    }
}

fn query(by: &str) -> Query {
    RawQuery {
        from: Some(DAY.into()),
        to: Some(DAY.into()),
        by: Some(by.into()),
        ..RawQuery::default()
    }
    .parse(&test_config(""))
    .expect("query")
}

fn report(by: &str) -> Report {
    build(&test_config(""), &query(by), &day(), at("2026-11-23 18:00"))
}

fn row<'a>(r: &'a Report, g: usize, key: &[&str]) -> &'a Figures {
    &r.groupings[g]
        .rows
        .iter()
        .find(|row| row.key == key)
        .unwrap_or_else(|| panic!("no row {key:?} in {:?}", r.groupings[g].rows))
        .figures
}

#[test]
fn the_fixed_day_adds_up_to_the_hand_computed_figures() {
    let r = report("");
    let t = &r.total;
    // Seven tickets; the transfer's second leg is not a new ticket.
    assert_eq!(t.issued, 7);
    // A transferred ticket counts once per leg: its first leg (transferred) and its second (done).
    assert_eq!((t.served, t.done, t.transferred), (5, 4, 1));
    assert_eq!((t.no_show, t.cancelled, t.expired, t.open), (1, 1, 1, 0));
    // Waits 30, 60, 120, 180, 240, 600 s: median (120 + 180) / 2, p90 the 6th of 6.
    assert_eq!(
        t.wait,
        Durations {
            count: 6,
            mean_s: Some(205.0),
            median_s: Some(150.0),
            p90_s: Some(600.0),
            max_s: Some(600.0),
        }
    );
    // Handling 100, 200, 300, 420, 700 s: median 300, p90 the 5th of 5 (rank ⌈4.5⌉).
    assert_eq!(
        t.handle,
        Durations {
            count: 5,
            mean_s: Some(344.0),
            median_s: Some(300.0),
            p90_s: Some(700.0),
            max_s: None,
        }
    );
    // Over the limit: 420 s > a's 6 min, 700 s > b's 10 min; 200 s of a is within.
    assert_eq!(t.over_limit, 2);
    assert_eq!(t.over_limit_rate, Some(0.4));
    // The special call is out of order.
    assert_eq!((t.out_of_order, t.special_calls), (1, 1));
    assert_eq!(
        t.pause_s,
        Some(BTreeMap::from([
            ("break".to_string(), 900.0),
            ("meeting".to_string(), 600.0)
        ]))
    );
    // 非常满意 + 满意 of three counted ratings; the upheld one is on record only.
    let g = &t.ratings;
    assert_eq!((g.rated, g.upheld_as_false), (3, 1));
    assert_eq!(
        (
            g.very_satisfied,
            g.satisfied,
            g.dissatisfied,
            g.very_dissatisfied
        ),
        (1, 1, 1, 0)
    );
    assert_eq!(g.satisfaction_rate, Some(2.0 / 3.0));
}

#[test]
fn by_window_splits_the_legs_where_they_were_served() {
    let r = report("window");
    let keys: Vec<Vec<String>> = r.groupings[0].rows.iter().map(|r| r.key.clone()).collect();
    assert_eq!(
        keys,
        [[""], ["1"], ["2"]].map(|k| k.map(String::from).to_vec())
    );
    let w1 = row(&r, 0, &["1"]);
    assert_eq!((w1.issued, w1.served, w1.no_show), (5, 4, 1));
    // Waits 60, 120, 180, 240, 600: median 180, p90 rank ⌈4.5⌉ = 5th.
    assert_eq!(
        (w1.wait.median_s, w1.wait.p90_s),
        (Some(180.0), Some(600.0))
    );
    // Handling 100, 200, 300, 420: median (200 + 300) / 2, p90 rank ⌈3.6⌉ = 4th.
    assert_eq!(
        (w1.handle.median_s, w1.handle.p90_s),
        (Some(250.0), Some(420.0))
    );
    assert_eq!(
        w1.pause_s.as_ref().and_then(|p| p.get("break")),
        Some(&900.0)
    );
    let w2 = row(&r, 0, &["2"]);
    assert_eq!((w2.issued, w2.served, w2.over_limit), (0, 1, 1));
    // The only rating at window 2 was upheld as false: nothing rated there.
    assert_eq!((w2.ratings.rated, w2.ratings.satisfaction_rate), (0, None));
    let none = row(&r, 0, &[""]);
    assert_eq!((none.issued, none.cancelled, none.expired), (2, 1, 1));
    assert_eq!(r.groupings[0].rows[1].label, ["1号 综合窗口"]);
}

#[test]
fn pauses_are_not_attributed_to_services_and_a_cross_keys_both_dims() {
    let r = report("service,staff*hour");
    assert_eq!(row(&r, 0, &["a"]).pause_s, None);
    assert_eq!(row(&r, 0, &["b"]).served, 1);
    assert_eq!(r.groupings[1].by, [Dim::Staff, Dim::Hour]);
    let s1 = row(&r, 1, &["s1", "9"]);
    assert_eq!(s1.served, 4);
    // Pauses start at 10:00, so they make rows of their own hour.
    let p = row(&r, 1, &["s1", "10"]);
    assert_eq!(
        (p.served, p.pause_s.as_ref().map(|p| p["break"])),
        (0, Some(900.0))
    );
    assert_eq!(r.groupings[1].rows[0].label[1], "09:00–10:00");
}

#[test]
fn filters_keep_only_matching_legs() {
    let cfg = test_config("");
    let q = RawQuery {
        from: Some(DAY.into()),
        to: Some(DAY.into()),
        service: Some("b".into()),
        ..RawQuery::default()
    }
    .parse(&cfg)
    .expect("query");
    let r = build(&cfg, &q, &day(), 0);
    assert_eq!((r.total.served, r.total.issued), (1, 0));
    assert_eq!(r.total.pause_s, None);
    let q = RawQuery {
        from: Some("2026-11-24".into()),
        to: Some("2026-11-30".into()),
        ..RawQuery::default()
    }
    .parse(&cfg)
    .expect("query");
    let r = build(&cfg, &q, &day(), 0);
    assert_eq!(
        r.total,
        Acc::default().finish(true),
        "another range: nothing"
    );
}

#[test]
fn open_legs_count_as_issued_and_open() {
    let cfg = test_config("");
    let mut input = day();
    input.open.push(OpenLeg {
        first: true,
        business_day: DAY.into(),
        weekday: 1,
        hour: 11,
        service_id: "a".into(),
        class: TicketClass::Priority,
        window: None,
        staff_no: None,
    });
    let r = build(&cfg, &query("class"), &input, 0);
    assert_eq!((r.total.issued, r.total.open), (8, 1));
    let p = row(&r, 0, &["priority"]);
    assert_eq!((p.issued, p.open, p.wait.count), (1, 1, 0));
}

#[test]
fn the_ranking_puts_the_most_served_first_and_ranks_each_figure() {
    let r = report("window");
    let rows: Vec<Row> = r.groupings[0]
        .rows
        .iter()
        .filter(|r| !r.key[0].is_empty())
        .cloned()
        .collect();
    let rank = ranking(&rows);
    assert_eq!(rank[0].key, "1");
    assert_eq!((rank[0].served_rank, rank[1].served_rank), (1, 2));
    // Window 2's one leg took 700 s against window 1's mean of 255 s.
    assert_eq!(
        (rank[0].handle_rank, rank[1].handle_rank),
        (Some(1), Some(2))
    );
    assert_eq!(rank[1].satisfaction_rank, None, "nothing rated at window 2");
    assert_eq!(rank[1].over_limit_rank, Some(2));
}

/// A tiny deterministic generator, so the check is the same on every run.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

#[test]
fn percentiles_are_exact_against_a_sort() {
    let mut seed = 7;
    for n in 1..200 {
        let mut values: Vec<i64> = (0..n)
            .map(|_| (lcg(&mut seed) % 3_600_000) as i64)
            .collect();
        let mut sorted = values.clone();
        sorted.sort();
        let d = durations(&mut values, true);
        let median = if n % 2 == 1 {
            sorted[n / 2] as f64
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0
        };
        let p90 = sorted[((n as f64 * 0.9).ceil() as usize).max(1) - 1] as f64;
        assert_eq!(d.median_s, Some(median / 1000.0), "n = {n}");
        assert_eq!(d.p90_s, Some(p90 / 1000.0), "n = {n}");
        assert_eq!(d.max_s, Some(sorted[n - 1] as f64 / 1000.0), "n = {n}");
        assert_eq!(d.count, n as u64);
    }
}

fn raw(from: &str, to: &str, by: &str) -> RawQuery {
    RawQuery {
        from: Some(from.into()),
        to: Some(to.into()),
        by: Some(by.into()),
        ..RawQuery::default()
    }
}

#[test]
fn bad_queries_are_refused_with_what_to_send() {
    let cfg = test_config("");
    let refused = |q: RawQuery, words: &str| {
        let e = q.parse(&cfg).expect_err("refused");
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert!(
            e.message.contains(words),
            "{words:?} not in {:?}",
            e.message
        );
    };
    refused(raw("2026-11-30", "2026-11-01", ""), "is after to");
    refused(raw("2020-01-01", "2026-11-30", ""), "at most 1098 days");
    refused(
        raw("2026-11-01", "2026-11-30", "windows"),
        "unknown grouping \"windows\"",
    );
    refused(
        raw("2026-11-01", "2026-11-30", "staff*staff"),
        "three different",
    );
    refused(raw("2026-13-01", "2026-11-30", ""), "not a date");
    refused(raw("2026-11-1", "2026-11-30", ""), "not a date");
    refused(RawQuery::default(), "from is required");
    refused(
        RawQuery {
            hour: Some("24".into()),
            ..raw("2026-11-01", "2026-11-30", "")
        },
        "hour",
    );
    refused(
        RawQuery {
            service: Some("nope".into()),
            ..raw("2026-11-01", "2026-11-30", "")
        },
        "no service \"nope\"",
    );
    refused(
        RawQuery {
            class: Some("vip".into()),
            ..raw("2026-11-01", "2026-11-30", "")
        },
        "unknown class",
    );
    // Exactly three years of days is allowed; a cross of three too.
    raw("2024-01-01", "2026-12-31", "staff*hour*class")
        .parse(&cfg)
        .expect("three years");
}

#[test]
fn the_csv_has_the_json_figures_under_chinese_headers() {
    let r = report("window");
    let bytes = export::csv(&r).expect("csv");
    let mut rd = csv::Reader::from_reader(&bytes[..]);
    let headers: Vec<String> = rd
        .headers()
        .expect("headers")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(headers[0].trim_start_matches('\u{feff}'), "分组");
    assert_eq!(headers[3], "窗口");
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let records: Vec<csv::StringRecord> = rd.records().map(|r| r.expect("record")).collect();
    assert_eq!(records.len(), 1 + 3, "the totals and three windows");
    assert_eq!(&records[0][0], "合计");
    assert_eq!(
        records[0][col("取号数")].parse::<u64>().ok(),
        Some(r.total.issued)
    );
    // 150 s = 2.5 min; 205 s = 3.4 min (one decimal).
    assert_eq!(&records[0][col("等候中位数(分)")], "2.5");
    assert_eq!(&records[0][col("平均等候(分)")], "3.4");
    assert_eq!(&records[0][col("满意率(%)")], "66.7");
    let w1 = records
        .iter()
        .find(|r| &r[3] == "1号 综合窗口")
        .expect("window 1");
    assert_eq!(&w1[0], "按窗口");
    assert_eq!(&w1[col("办理数")], "4");
    assert_eq!(&w1[col("暂停·休息(分)")], "15.0");
}

#[test]
fn the_xlsx_opens_with_one_sheet_per_grouping_and_numbers_as_numbers() {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    let cfg = test_config("");
    let r = report("window,staff*hour");
    let bytes = export::xlsx(&cfg, &r).expect("xlsx");
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("opens");
    assert_eq!(book.sheet_names(), ["合计", "按窗口", "按工作人员×时段"]);
    let total = book.worksheet_range("合计").expect("sheet");
    let title = total.get_value((0, 0)).expect("title").to_string();
    assert!(
        title.contains("测试大厅") && title.contains("2026-11-23 至 2026-11-23"),
        "{title}"
    );
    assert!(title.contains("生成于 2026-11-23 18:00"), "{title}");
    let header = |range: &calamine::Range<Data>, name: &str| -> u32 {
        (0..range.width() as u32)
            .find(|&c| {
                range
                    .get_value((1, c))
                    .is_some_and(|v| *v == Data::String(name.into()))
            })
            .unwrap_or_else(|| panic!("no header {name}"))
    };
    let c = header(&total, "取号数");
    assert_eq!(total.get_value((2, c)), Some(&Data::Float(7.0)));
    let c = header(&total, "办理P90(分)");
    // 700 s = 11.666… min, one decimal.
    assert_eq!(total.get_value((2, c)), Some(&Data::Float(11.7)));
    let c = header(&total, "满意率");
    assert_eq!(total.get_value((2, c)), Some(&Data::Float(2.0 / 3.0)));
    let windows = book.worksheet_range("按窗口").expect("sheet");
    assert_eq!(
        windows.get_value((1, 0)).map(|v| v.to_string()),
        Some("窗口".into())
    );
    let c = header(&windows, "办理数");
    let w1 = (2..windows.height() as u32)
        .find(|&row| {
            windows
                .get_value((row, 0))
                .is_some_and(|v| *v == Data::String("1号 综合窗口".into()))
        })
        .expect("window 1 row");
    assert_eq!(windows.get_value((w1, c)), Some(&Data::Float(4.0)));
}

#[test]
fn a_report_carries_no_personal_data() {
    let input = day();
    let r = build(&test_config(""), &query("window,staff,service"), &input, 0);
    let json = serde_json::to_string(&r).expect("json");
    let csv = String::from_utf8(export::csv(&r).expect("csv")).expect("utf-8");
    for text in [&json, &csv] {
        assert!(!text.contains("A001"), "a ticket number in {text}");
        assert!(!text.contains("****"), "a phone in {text}");
    }
}

use std::time::Instant;

use qcall_client::connection::LinkError;
use qcall_protocol::{
    Availability, CurrentTicket, Event, HallInfo, Identity, Service, ServiceGroup, Snapshot,
    TicketState, WindowView,
};

use super::*;

/// 2026-11-23 10:00 in Shanghai (a Monday), server time.
const T0: Millis = 1_795_399_200_000;

fn call(call_id: u64, ticket_id: i64, number: &str, window: WindowNo, at: Millis) -> Call {
    Call {
        call_id,
        ticket_id,
        number: number.into(),
        class: TicketClass::Normal,
        service_id: "tax".into(),
        window,
        window_name: format!("{window}号窗口"),
        at,
        recall: false,
    }
}

fn window(number: WindowNo, status: WindowStatus) -> WindowView {
    WindowView {
        number,
        name: "综合窗口".into(),
        screen_text: "税务 社保".into(),
        primary: vec!["tax".into()],
        secondary: Vec::new(),
        status,
        pause_reason: (status == WindowStatus::Paused).then_some(PauseReason::Meeting),
        paused_since: None,
        staff: (status != WindowStatus::Closed).then(|| StaffCard {
            staff_no: "1001".into(),
            name: "张敏".into(),
            badges: vec!["党员示范岗".into()],
            photo: None,
        }),
        current: (status == WindowStatus::Open).then(|| CurrentTicket {
            id: 7,
            number: "A007".into(),
            class: TicketClass::Normal,
            state: TicketState::Called,
            service_id: "tax".into(),
            called_at: T0,
            started_at: None,
        }),
        held: Vec::new(),
    }
}

fn service(id: &str, group: &str) -> Service {
    Service {
        id: id.into(),
        name_zh: id.into(),
        name_en: id.into(),
        group_id: group.into(),
        prefix: "A".into(),
        enabled: true,
        daily_cap: None,
        expected_minutes: 10,
        materials: Vec::new(),
        ask_citizen_id: false,
        ask_phone: false,
        warn_waiting_count: None,
        warn_waiting_minutes: None,
    }
}

fn waiting(id: &str, n: u32) -> Availability {
    Availability {
        service_id: id.into(),
        waiting: n,
        issued_today: n,
        estimated_wait_minutes: None,
        refusal: None,
    }
}

fn snapshot(seq: u64, at: Millis, calls: Vec<Call>) -> Snapshot {
    Snapshot {
        seq,
        at,
        identity: Identity::Display {
            name: "board".into(),
        },
        hall: HallInfo {
            notify: false,
            check_in: false,
            start_on_call: false,
            name_zh: "示范政务服务中心".into(),
            name_en: "Demo Service Centre".into(),
            time_zone: "Asia/Shanghai".into(),
            business_day: "2026-11-23".into(),
            issuing_open: true,
            hours_today: Vec::new(),
            notices: vec!["清廉大厅".into(), " ".into()],
            requeue_limit_minutes: 30,
            requeue_behind: 3,
            priority_ratio: 3,
        },
        groups: vec![
            ServiceGroup {
                id: "g1".into(),
                name_zh: "税务".into(),
                name_en: "Tax".into(),
            },
            ServiceGroup {
                id: "g2".into(),
                name_zh: "社保".into(),
                name_en: "Social".into(),
            },
        ],
        services: vec![
            service("tax", "g1"),
            service("vat", "g1"),
            service("pension", "g2"),
        ],
        windows: vec![
            window(1, WindowStatus::Open),
            window(2, WindowStatus::Paused),
            window(3, WindowStatus::Closed),
        ],
        availability: vec![waiting("tax", 4), waiting("vat", 1), waiting("pension", 2)],
        recent_calls: calls,
        open_tickets: Vec::new(),
        display: Some(qcall_protocol::DisplaySettings {
            board_layout: Default::default(),
            name: "board".into(),
            mode: DisplayMode::WindowScreen { window: 2 },
            audio: true,
            template_zh: String::new(),
            template_en: String::new(),
            languages: vec!["zh".into()],
            repeat: 2,
            chime: true,
            volume: 1.0,
            quiet_hours: Vec::new(),
        }),
        ticket: None,
    }
}

/// A model that received `snap` at local time `local` (clocks agree unless a test says otherwise).
fn model_with(snap: Snapshot, local: Millis) -> Model {
    let mut m = Model::new(None, Lang::Zh);
    m.apply(
        &Update::Snapshot {
            snapshot: Box::new(snap),
            received_at: local,
        },
        local,
    );
    m.apply(
        &Update::State(ConnectionState::Connected {
            since: Instant::now(),
        }),
        local,
    );
    m
}

fn events(m: &mut Model, seq: u64, at: Millis, events: Vec<Event>) -> Applied {
    m.apply(
        &Update::Events {
            seq,
            at,
            events,
            received_at: at,
        },
        at,
    )
}

#[test]
fn screen_option_parses_hall_window_n_and_pad_n() {
    assert_eq!(parse_screen("hall"), Ok(Screen::HallBoard));
    assert_eq!(parse_screen("window:12"), Ok(Screen::Window(12)));
    assert_eq!(parse_screen("pad:3"), Ok(Screen::RatingPad(3)));
    assert!(parse_screen("pad:0").is_err());
    assert!(parse_screen("window:0").is_err());
    assert!(parse_screen("window:x").is_err());
    assert!(parse_screen("board").is_err());
}

#[test]
fn the_override_wins_over_the_device_config() {
    let m = model_with(snapshot(1, T0, Vec::new()), T0);
    assert_eq!(m.screen(), Some(Screen::Window(2)), "the server's config");
    let mut o = Model::new(Some(Screen::HallBoard), Lang::Zh);
    assert_eq!(o.screen(), Some(Screen::HallBoard), "before any snapshot");
    o.apply(
        &Update::Snapshot {
            snapshot: Box::new(snapshot(1, T0, Vec::new())),
            received_at: T0,
        },
        T0,
    );
    assert_eq!(o.screen(), Some(Screen::HallBoard));
    assert_eq!(
        Model::new(None, Lang::Zh).screen(),
        None,
        "nothing known yet"
    );
}

#[test]
fn the_board_shows_hall_time_latest_call_recent_tickets_once_and_waiting_per_group() {
    let mut calls: Vec<Call> = (1..=12)
        .map(|i| call(i, i as i64, &format!("A{i:03}"), 1, T0 - 1000 * i as i64))
        .collect();
    // A recall of ticket 3 is the newest call: ticket 3 is shown once, large.
    calls.push(Call {
        recall: true,
        ..call(13, 3, "A003", 1, T0)
    });
    let m = model_with(snapshot(20, T0, calls), T0);
    let b = m.board(T0 + 30_000);
    assert_eq!(b.hall_name, "示范政务服务中心");
    assert_eq!(b.date, "2026年11月23日 星期一");
    assert_eq!(b.time, "10:00");
    let latest = b.latest.expect("a latest call");
    assert_eq!((latest.number.as_str(), latest.recall), ("A003", true));
    let numbers: Vec<&str> = b.recent.iter().map(|c| c.number.as_str()).collect();
    assert_eq!(
        numbers,
        ["A003", "A012", "A011", "A010", "A009", "A008"],
        "newest (the latest) first, each ticket once, capped"
    );
    assert!(b.recent[0].recall);
    assert_eq!(
        b.waiting,
        vec![
            ("tax".to_string(), 4),
            ("vat".to_string(), 1),
            ("pension".to_string(), 2)
        ],
        "per service, named as on the ticket"
    );
    assert_eq!(b.layout, BoardLayout::Calls);
    let cells: Vec<(WindowNo, bool)> = b.windows.iter().map(|c| (c.number, c.paused)).collect();
    assert_eq!(
        cells,
        [(1, false), (2, true)],
        "open and paused windows, not closed"
    );
    assert_eq!(b.speaking, None);
    assert_eq!(
        b.notices,
        vec!["清廉大厅".to_string()],
        "blank lines dropped"
    );
}

#[test]
fn a_live_call_is_highlighted_for_a_few_seconds_with_a_blink() {
    let mut snap = snapshot(1, T0, Vec::new());
    if let Some(d) = snap.display.as_mut() {
        d.mode = DisplayMode::HallBoard;
    }
    let mut m = model_with(snap, T0);
    assert!(!m.board(T0).highlight_on, "nothing called yet");
    let at = T0 + 5_000;
    let applied = events(
        &mut m,
        2,
        at,
        vec![Event::Called {
            call: call(2, 1, "A001", 3, at),
        }],
    );
    assert_eq!(applied.new_calls.len(), 1, "goes to the player");
    assert!(m.board(at).highlight_on);
    assert!(!m.board(at + BLINK_MS).highlight_on, "blinks");
    assert!(m.board(at + 2 * BLINK_MS).highlight_on);
    assert_eq!(m.highlight_next_change(at + 100), Some(BLINK_MS - 100));
    assert!(m.highlight_running(at + HIGHLIGHT_MS - 1));
    assert!(!m.highlight_running(at + HIGHLIGHT_MS));
    assert!(!m.board(at + HIGHLIGHT_MS).highlight_on, "then steady");
    assert_eq!(m.highlight_next_change(at + HIGHLIGHT_MS), None);
    assert_eq!(
        m.board(at + HIGHLIGHT_MS).latest.map(|c| c.number),
        Some("A001".into()),
        "still shown large"
    );
}

#[test]
fn old_calls_from_a_reconnect_are_shown_but_not_highlighted() {
    let mut m = model_with(snapshot(1, T0, Vec::new()), T0);
    m.apply(
        &Update::State(ConnectionState::Reconnecting {
            since: Instant::now(),
            last_error: LinkError::Closed,
        }),
        T0 + 1_000,
    );
    let back = T0 + 300_000;
    let applied = m.apply(
        &Update::Snapshot {
            snapshot: Box::new(snapshot(9, back, vec![call(5, 5, "B005", 2, T0 + 2_000)])),
            received_at: back,
        },
        back,
    );
    assert_eq!(
        applied.new_calls.len(),
        1,
        "the player decides what to speak"
    );
    let b = m.board(back);
    assert_eq!(b.latest.map(|c| c.number), Some("B005".into()));
    assert!(!b.highlight_on, "a call missed 5 minutes ago is not news");
}

#[test]
fn losing_the_server_shows_a_mark_with_the_last_update_time_and_keeps_the_state() {
    let mut m = model_with(snapshot(1, T0, vec![call(1, 1, "A001", 1, T0)]), T0);
    assert_eq!(m.link("Asia/Shanghai"), LinkMark::Live);
    m.apply(
        &Update::State(ConnectionState::Reconnecting {
            since: Instant::now(),
            last_error: LinkError::Closed,
        }),
        T0 + 125_000,
    );
    assert_eq!(
        m.link("Asia/Shanghai"),
        LinkMark::Lost {
            last_update: Some("10:02".into())
        }
    );
    assert_eq!(
        m.board(T0 + 600_000).latest.map(|c| c.number),
        Some("A001".into()),
        "never a blank screen"
    );
    m.apply(
        &Update::State(ConnectionState::Reconnecting {
            since: Instant::now(),
            last_error: LinkError::Closed,
        }),
        T0 + 900_000,
    );
    assert_eq!(
        m.link("Asia/Shanghai"),
        LinkMark::Lost {
            last_update: Some("10:02".into())
        },
        "failed retries do not move the last update"
    );
    assert_eq!(
        Model::new(None, Lang::Zh).link("Asia/Shanghai"),
        LinkMark::Connecting
    );
}

#[test]
fn window_screens_show_serving_paused_and_closed() {
    let m = model_with(snapshot(1, T0, Vec::new()), T0);
    let open = m.window_screen(1, T0);
    assert_eq!(
        open.state,
        WindowState::Open {
            current: Some("A007".into())
        }
    );
    let staff = open.staff.expect("亮身份");
    assert_eq!(
        (staff.name.as_str(), staff.staff_no.as_str()),
        ("张敏", "1001")
    );
    assert_eq!(staff.badges, vec!["党员示范岗".to_string()]);
    assert_eq!(open.name, "综合窗口");
    let paused = m.window_screen(2, T0);
    assert_eq!(
        paused.state,
        WindowState::Paused {
            reason: Some(PauseReason::Meeting)
        }
    );
    assert_eq!(
        pause_line(Some(PauseReason::Meeting), Lang::Zh).as_deref(),
        Some("暂停原因：会议")
    );
    let closed = m.window_screen(3, T0);
    assert_eq!(closed.state, WindowState::Closed);
    assert_eq!(closed.staff, None, "no one to show");
    assert_eq!(m.window_screen(9, T0).state, WindowState::Unknown);
}

#[test]
fn a_window_event_updates_the_window_screen() {
    let mut m = model_with(snapshot(1, T0, Vec::new()), T0);
    events(
        &mut m,
        2,
        T0 + 1,
        vec![Event::Window {
            window: window(1, WindowStatus::Paused),
        }],
    );
    assert!(matches!(
        m.window_screen(1, T0 + 2).state,
        WindowState::Paused { .. }
    ));
}

#[test]
fn the_clock_changes_at_the_minute() {
    assert_eq!(until_next_minute(T0), 60_000);
    assert_eq!(until_next_minute(T0 + 59_500), 500);
}

#[test]
fn notices_edited_on_the_server_replace_the_marquee_lines() {
    let mut m = model_with(snapshot(1, T0, Vec::new()), T0);
    assert_eq!(
        m.board(T0).notices,
        ["清廉大厅"],
        "blank lines are left out"
    );
    events(
        &mut m,
        2,
        T0 + 1_000,
        vec![Event::Notices {
            notices: vec!["今日下午系统维护".into(), "请保管好随身物品".into()],
        }],
    );
    assert_eq!(
        m.board(T0 + 1_000).notices,
        ["今日下午系统维护", "请保管好随身物品"]
    );
    events(
        &mut m,
        3,
        T0 + 2_000,
        vec![Event::Notices {
            notices: Vec::new(),
        }],
    );
    assert!(m.board(T0 + 2_000).notices.is_empty(), "marquee off");
}

#[test]
fn a_window_screen_highlights_its_own_new_call_and_says_calling_until_service_starts() {
    let mut m = Model::new(Some(Screen::Window(1)), Lang::Zh);
    let mut snap = snapshot(1, T0, Vec::new());
    snap.windows[0].current = None;
    m.apply(
        &Update::Snapshot {
            snapshot: Box::new(snap),
            received_at: T0,
        },
        T0,
    );
    let quiet = m.window_screen(1, T0);
    assert_eq!(quiet.state, WindowState::Open { current: None });
    assert!(!quiet.highlight_on && !quiet.calling);
    assert_eq!(m.highlight_next_change(T0), None, "nothing to repaint for");

    let at = T0 + 5_000;
    let mut called = window(1, WindowStatus::Open);
    events(
        &mut m,
        2,
        at,
        vec![
            Event::Called {
                call: call(2, 7, "A007", 1, at),
            },
            Event::Window {
                window: called.clone(),
            },
        ],
    );
    let s = m.window_screen(1, at);
    assert_eq!(
        s.state,
        WindowState::Open {
            current: Some("A007".into())
        }
    );
    assert!(s.calling, "called, the citizen not yet at the window");
    assert!(s.highlight_on);
    assert!(!m.window_screen(1, at + BLINK_MS).highlight_on, "blinks");
    assert_eq!(m.highlight_next_change(at + 100), Some(BLINK_MS - 100));
    assert!(
        !m.window_screen(1, at + HIGHLIGHT_MS).highlight_on,
        "then steady"
    );
    assert_eq!(m.highlight_next_change(at + HIGHLIGHT_MS), None);

    // A call at another window does not make this screen blink.
    let other = at + 20_000;
    events(
        &mut m,
        3,
        other,
        vec![Event::Called {
            call: call(3, 8, "A008", 2, other),
        }],
    );
    assert!(!m.window_screen(1, other).highlight_on);
    assert_eq!(m.highlight_next_change(other), None);

    // Service starts: 正在办理.
    if let Some(current) = called.current.as_mut() {
        current.state = TicketState::Serving;
        current.started_at = Some(other);
    }
    events(&mut m, 4, other + 1, vec![Event::Window { window: called }]);
    assert!(!m.window_screen(1, other + 1).calling);
}

#[test]
fn the_voice_marks_say_no_sound_missing_languages_and_faulty_settings_only_when_speaking() {
    use crate::announce::{Lang as Voice, TemplateError};
    let mut v = VoiceState {
        wanted: false,
        no_sound: true,
        missing: vec![MissingLanguage {
            lang: Voice::En,
            files: vec!["en/window.wav".into()],
        }],
        problems: vec![SettingsProblem::Template {
            lang: Voice::Zh,
            template: "请{number}号前往{window}号窗口".into(),
            error: TemplateError::UnknownWord {
                word: "前往".into(),
                known: "",
            },
            default: crate::announce::DEFAULT_TEMPLATE_ZH,
        }],
        speaking: None,
    };
    assert!(
        v.marks(Lang::Zh).is_empty(),
        "--silent or audio off: no marks"
    );
    assert!(v.health_problems().is_empty(), "nor faults reported");
    v.wanted = true;
    assert_eq!(
        v.marks(Lang::Zh),
        ["无音频", "语音不全（en）", "播报设置有误"]
    );
    // The manager sees the same as device faults, in full sentences.
    let reported = v.health_problems();
    assert_eq!(reported.len(), 2, "{reported:?}");
    assert!(reported[0].contains("en/window.wav"), "{reported:?}");
    assert!(reported[1].contains("前往"), "{reported:?}");
    v.no_sound = false;
    v.problems = vec![SettingsProblem::LanguageNotInPack(Voice::En)];
    assert_eq!(
        v.marks(Lang::Zh),
        ["语音不全（en）"],
        "a language the pack lacks is the missing-clips mark alone"
    );
    assert_eq!(
        v.health_problems().len(),
        1,
        "and one fault: the missing clips"
    );
    v.missing.clear();
    v.problems.clear();
    assert!(v.marks(Lang::En).is_empty());
}

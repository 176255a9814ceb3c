//! The demo hall and every refusal of a broken config.

use super::*;

#[test]
fn demo_hall_is_valid_and_as_promised() {
    let demo = HallConfig::demo();
    assert!(demo.is_demo);
    assert!(demo.services.len() >= 6);
    assert_eq!(demo.groups.len(), 3);
    assert_eq!(demo.windows.len(), 8);
    assert!(demo.services.iter().any(|s| s.info.id == "green"));
    assert!(
        demo.services
            .iter()
            .any(|s| s.info.name_zh == "办不成事反映")
    );
    assert!(demo.windows.iter().any(|w| w.primary.len() > 1), "综合窗口");
    assert!(
        demo.windows
            .iter()
            .any(|w| w.primary.len() == 1 && w.secondary.is_empty()),
        "special window"
    );
    for role in [Role::Staff, Role::Manager, Role::Admin] {
        assert!(demo.staff.iter().any(|s| s.role == role), "{role:?}");
    }
    assert!(demo.devices.iter().any(|d| d.kind == DeviceKind::Kiosk));
    assert!(
        demo.devices
            .iter()
            .any(|d| d.kind == DeviceKind::Display(DisplayMode::HallBoard))
    );
    let pad = demo
        .devices
        .iter()
        .find(|d| d.kind == DeviceKind::Display(DisplayMode::RatingPad { window: 1 }))
        .expect("a rating pad for window 1");
    assert_eq!(pad.key, "demo-rating-pad-1-key-0000");
    assert!(!pad.audio, "a pad does not speak");
    assert_eq!(demo.ratings.valid_hours, 24);
    assert_eq!(demo.cases.working_days, 15);
    let steps: u32 = qcall_protocol::CaseStep::ALL
        .into_iter()
        .map(|s| demo.cases.step_days(s))
        .sum();
    assert_eq!(
        steps, demo.cases.working_days,
        "the demo's steps fill the case"
    );
}

#[test]
fn ratings_cases_and_rating_pads_are_checked_with_their_line() {
    let err = broken("working_days = 15 ", "working_days = 0 ");
    assert_eq!(err.line, line_of("working_days = 15 "));
    assert!(err.fix.contains("1 – 250"), "{err}");
    let err = broken("rectify_working_days = 5 ", "rectify_working_days = 16 ");
    assert_eq!(err.line, line_of("rectify_working_days = 5 "));
    let err = broken("due_soon_working_days = 1 ", "due_soon_working_days = 15 ");
    assert_eq!(err.line, line_of("due_soon_working_days = 1 "));
    let err = broken("appeal_working_days = 5 ", "appeal_working_days = 0 ");
    assert_eq!(err.line, line_of("appeal_working_days = 5 "));
    let err = broken("valid_hours = 24", "valid_hours = 0");
    assert_eq!(err.line, line_of("valid_hours = 24"));
    let err = broken("pad_idle_seconds = 30", "pad_idle_seconds = 1");
    assert_eq!(err.line, line_of("pad_idle_seconds = 30"));
    let err = broken("verify_working_days = 2 ", "verfy_working_days = 2 ");
    assert!(err.message.contains("unknown field"), "{err}");
    // A rating pad faces one configured window.
    let err = broken(
        "mode = \"rating_pad\"           # 评价器 facing the citizen at the window: the staff card, then the five\nwindow = 1 ",
        "mode = \"rating_pad\"\nwindo = 1 ",
    );
    assert!(err.message.contains("unknown field"), "{err}");
    let err = broken(
        "window = 1                    # levels",
        "window = 99                   # levels",
    );
    assert!(err.message.contains("unknown window 99"), "{err}");
    let err = broken(
        "key = \"demo-rating-pad-1-key-0000\"\nmode = \"rating_pad\"",
        "key = \"demo-rating-pad-1-key-0000\"\nlayout = \"calls\"\nmode = \"rating_pad\"",
    );
    assert!(
        err.message.contains("only hall boards take a layout"),
        "{err}"
    );
}

/// The demo file with one line replaced; the error must name that line.
fn broken(find: &str, replace: &str) -> ConfigError {
    assert!(DEMO_HALL.contains(find), "{find}");
    let src = DEMO_HALL.replacen(find, replace, 1);
    HallConfig::parse(&src, "hall.toml").expect_err("must be refused")
}

fn line_of(needle: &str) -> usize {
    DEMO_HALL
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle")
        + 1
}

#[test]
fn errors_name_file_line_and_fix() {
    let err = broken("prefix = \"F\"", "prefix = \"S\"");
    assert_eq!(err.file, "hall.toml");
    assert_eq!(err.line, line_of("prefix = \"F\""));
    assert!(
        err.message.contains("already used by service \"social\""),
        "{err}"
    );
    assert!(err.to_string().contains("fix:"));

    let err = broken("primary = [\"green\"]", "primary = [\"gren\"]");
    assert_eq!(err.line, line_of("primary = [\"green\"]"));
    assert!(err.message.contains("unknown service \"gren\""), "{err}");
    assert!(err.fix.contains("social"), "{err}");

    let err = broken("number = 8\n", "number = 7\n");
    assert!(
        err.message.contains("window 7 is configured twice"),
        "{err}"
    );

    let err = broken("group = \"business\"", "group = \"biz\"");
    assert!(err.message.contains("unknown group"), "{err}");

    let err = broken("mon = [\"00:00-24:00\"]", "mon = [\"9:00-17:00\"]");
    assert_eq!(err.line, line_of("mon = [\"00:00-24:00\"]"));

    let err = broken(
        "time_zone = \"Asia/Shanghai\"",
        "time_zone = \"Mars/Olympus\"",
    );
    assert!(err.message.contains("unknown time zone"), "{err}");

    let err = broken("key = \"demo-kiosk-1-key-0000\"", "key = \"short\"");
    assert!(err.message.contains("too short"), "{err}");

    let err = broken("role = \"manager\"", "role = \"boss\"");
    assert!(err.line > 0, "{err}");

    let err = broken("expected_minutes = 8 ", "expectd_minutes = 8 ");
    assert!(err.message.contains("unknown field"), "{err}");
    assert_eq!(err.line, line_of("expected_minutes = 8 "));
}

#[test]
fn error_messages_never_show_secrets() {
    let err = broken("key = \"demo-kiosk-1-key-0000\"", "key = \"short secret\"");
    assert!(!err.to_string().contains("short secret"), "{err}");
    let err = broken(
        "$argon2id$v=19$m=19456,t=2,p=1$5R7KKKggxTiicLQJ+mvHcA",
        "not-a-hash",
    );
    assert!(!err.to_string().contains("not-a-hash"), "{err}");
}

#[test]
fn announcement_templates_the_voice_pack_cannot_speak_are_refused_with_their_line() {
    // A word with no clip (欢迎), in zh.
    let err = broken(
        "template_zh = \"请{number}号到{window}号窗口办理\"",
        "template_zh = \"欢迎！请{number}号到{window}号窗口办理\"",
    );
    assert_eq!(err.line, line_of("template_zh ="));
    assert!(err.message.contains("“欢迎”"), "{err}");
    assert!(err.fix.contains("请 号 到 窗口 办理"), "{err}");
    // An English word with no clip, and a template that never says the window.
    let err = broken(
        "template_en = \"Number {number}, please go to window {window}\"",
        "template_en = \"Ticket {number}, please go to window {window}\"",
    );
    assert_eq!(err.line, line_of("template_en ="));
    assert!(err.message.contains("“ticket”"), "{err}");
    let err = broken(
        "template_zh = \"请{number}号到{window}号窗口办理\"",
        "template_zh = \"请{number}号办理\"",
    );
    assert!(err.message.contains("no {window}"), "{err}");
    // Reordered and punctuated, it is speakable.
    let src = DEMO_HALL.replacen(
        "template_zh = \"请{number}号到{window}号窗口办理\"",
        "template_zh = \"请{number}号，到{window}号窗口办理。\"",
        1,
    );
    assert!(HallConfig::parse(&src, "hall.toml").is_ok());
}

#[test]
fn a_repeat_outside_one_to_five_is_refused_with_its_line() {
    for bad in ["repeat = 0", "repeat = 20"] {
        let err = broken("repeat = 2 ", &format!("{bad} "));
        assert_eq!(err.line, line_of("repeat = 2 "), "{bad}");
        assert!(err.message.contains("outside 1–5"), "{err}");
    }
    let src = DEMO_HALL.replacen("repeat = 2 ", "repeat = 5 ", 1);
    assert!(HallConfig::parse(&src, "hall.toml").is_ok());
}

#[test]
fn a_windows_plan_is_read_and_a_bad_range_refused_with_its_line() {
    let src = DEMO_HALL.replacen(
        "secondary = [\"property\"]\n",
        "secondary = [\"property\"]\nhours = [\"13:00-17:00\", \"09:00-12:00\"]\nbreaks = [\"10:30-10:40\"]\n",
        1,
    );
    let cfg = HallConfig::parse(&src, "hall.toml").expect("valid");
    let plan = &cfg.window(1).expect("window 1").plan;
    assert_eq!(plan.hours, vec![(540, 720), (780, 1020)], "sorted");
    assert_eq!(plan.breaks, vec![(630, 640)]);
    assert_eq!(cfg.window(2).expect("window 2").plan, Default::default());

    let err = broken(
        "secondary = [\"property\"]\n",
        "secondary = [\"property\"]\nbreaks = [\"12-13\"]\n",
    );
    assert_eq!(err.line, line_of("secondary = [\"property\"]") + 1);
    assert!(err.message.contains("\"12-13\""), "{err}");
    assert!(err.fix.contains("HH:MM-HH:MM"), "{err}");
}

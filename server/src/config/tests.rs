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

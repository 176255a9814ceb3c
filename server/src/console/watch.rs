//! The console's state, worked out once on the server for every console (R24, R31): the hall's own
//! warnings, a warning per offline or faulty device, and the figures of the day. Pure: the watcher
//! task feeds it the hall's figures, the devices and `now`.

use std::collections::HashMap;

use qcall_protocol::{
    ConsoleState, DeviceHealth, Millis, RatingCounts, ServiceFigures, TodayFigures, Warning,
    WarningKind,
};

/// The warning of failing notices (R32): some wait for a retry, or were given up in the last day.
pub(crate) fn notice_warning(
    c: &crate::store::outbox::OutboxCounts,
    now: Millis,
) -> Option<Warning> {
    let stuck = c.retrying + c.failed;
    (stuck > 0).then(|| Warning {
        key: "notices_failing".into(),
        kind: WarningKind::NoticesFailing,
        since: now,
        service_id: None,
        window: None,
        device: None,
        number: None,
        case_id: None,
        value: Some(u32::try_from(stuck).unwrap_or(u32::MAX)),
        limit: None,
        detail: Some(format!(
            "{} waiting for a retry, {} given up in the last 24 h ({} delivered); see the server log",
            c.retrying, c.failed, c.delivered
        )),
    })
}

/// The device warnings: offline since when, or a fault since it was reported (the last report).
pub(crate) fn device_warnings(devices: &[DeviceHealth], now: Millis) -> Vec<Warning> {
    let mut out = Vec::new();
    for d in devices {
        let base = |key: String, kind, since| Warning {
            key,
            kind,
            since,
            service_id: None,
            window: None,
            device: Some(d.name.clone()),
            number: None,
            case_id: None,
            value: None,
            limit: None,
            detail: None,
        };
        if !d.online {
            // A device not seen since the server started is offline since then (`since` unknown: now,
            // kept by `merge` while it lasts).
            out.push(base(
                format!("offline:{}", d.name),
                WarningKind::DeviceOffline,
                d.since.unwrap_or(now),
            ));
            continue;
        }
        for fault in &d.faults {
            out.push(Warning {
                detail: Some(fault.clone()),
                ..base(
                    format!("fault:{}:{fault}", d.name),
                    WarningKind::DeviceFault,
                    d.last_seen.unwrap_or(now),
                )
            });
        }
    }
    out
}

/// A warning that was already active keeps the `since` it had; the list is ordered oldest first.
pub(crate) fn merge(previous: &[Warning], mut now_active: Vec<Warning>) -> Vec<Warning> {
    let before: HashMap<&str, Millis> =
        previous.iter().map(|w| (w.key.as_str(), w.since)).collect();
    for w in &mut now_active {
        if let Some(since) = before.get(w.key.as_str()) {
            w.since = w.since.min(*since);
        }
    }
    now_active.sort_by(|a, b| a.since.cmp(&b.since).then_with(|| a.key.cmp(&b.key)));
    now_active
}

/// The whole console state from its parts.
pub(crate) fn state(
    previous: Option<&ConsoleState>,
    hall_warnings: Vec<Warning>,
    devices: Vec<DeviceHealth>,
    services: Vec<ServiceFigures>,
    out_of_order: u32,
    ratings: &RatingCounts,
    now: Millis,
) -> ConsoleState {
    let mut active = hall_warnings;
    active.extend(device_warnings(&devices, now));
    let warnings = merge(previous.map_or(&[][..], |p| &p.warnings), active);
    let today = TodayFigures {
        issued: services.iter().map(|s| s.issued).sum(),
        served: services.iter().map(|s| s.served).sum(),
        no_show: services.iter().map(|s| s.no_show).sum(),
        out_of_order,
        rated: ratings.rated(),
        satisfaction_permille: ratings.satisfaction_permille(),
    };
    ConsoleState {
        at: now,
        warnings,
        devices,
        services,
        today,
    }
}

/// The day's ratings of every window, added up.
pub(crate) fn add_counts(total: &mut RatingCounts, c: &RatingCounts) {
    total.very_satisfied += c.very_satisfied;
    total.satisfied += c.satisfied;
    total.basic += c.basic;
    total.dissatisfied += c.dissatisfied;
    total.very_dissatisfied += c.very_dissatisfied;
    total.excluded += c.excluded;
}

/// Whether two states differ in anything a console shows (the time they were taken aside).
pub(crate) fn differs(a: &ConsoleState, b: &ConsoleState) -> bool {
    a.warnings != b.warnings
        || a.devices != b.devices
        || a.services != b.services
        || a.today != b.today
}

#[cfg(test)]
mod tests {
    use super::*;
    use qcall_protocol::{DeviceStatus, PrinterHealth};

    fn device(name: &str, online: bool, since: Option<Millis>, faults: &[&str]) -> DeviceHealth {
        DeviceHealth {
            name: name.into(),
            kind: "kiosk".into(),
            online,
            since,
            last_seen: since,
            status: Some(DeviceStatus {
                app_version: "qcall-kiosk 0.1.0".into(),
                printer: Some(PrinterHealth::Ok),
                audio: None,
                mode: "kiosk".into(),
                last_frame_at: None,
                voice_problems: Vec::new(),
            }),
            faults: faults.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn an_offline_device_warns_since_it_went_and_a_fault_only_while_online() {
        let w = device_warnings(
            &[
                device("k1", false, Some(100), &[]),
                device("k2", true, Some(50), &["printer: no paper"]),
                device("k3", true, Some(50), &[]),
                device("k4", false, None, &[]),
            ],
            1000,
        );
        let keys: Vec<(&str, WarningKind, Millis)> = w
            .iter()
            .map(|w| (w.key.as_str(), w.kind, w.since))
            .collect();
        assert_eq!(
            keys,
            [
                ("offline:k1", WarningKind::DeviceOffline, 100),
                ("fault:k2:printer: no paper", WarningKind::DeviceFault, 50),
                ("offline:k4", WarningKind::DeviceOffline, 1000),
            ]
        );
        assert_eq!(w[1].detail.as_deref(), Some("printer: no paper"));
    }

    #[test]
    fn a_lasting_warning_keeps_its_first_since_and_an_ended_one_goes() {
        let first = device_warnings(&[device("k4", false, None, &[])], 1000);
        let later = merge(
            &first,
            device_warnings(&[device("k4", false, None, &[])], 5000),
        );
        assert_eq!(later[0].since, 1000);
        let back = merge(
            &later,
            device_warnings(&[device("k4", true, Some(6000), &[])], 6000),
        );
        assert!(back.is_empty());
    }

    #[test]
    fn totals_add_the_services_and_differs_ignores_the_time() {
        let fig = |id: &str, issued, served, no_show| ServiceFigures {
            service_id: id.into(),
            waiting: 0,
            longest_since: None,
            estimated_wait_minutes: None,
            issued,
            served,
            no_show,
        };
        let ratings = RatingCounts {
            very_satisfied: 3,
            dissatisfied: 1,
            ..Default::default()
        };
        let a = state(
            None,
            Vec::new(),
            Vec::new(),
            vec![fig("a", 5, 3, 1), fig("b", 2, 1, 0)],
            2,
            &ratings,
            10,
        );
        assert_eq!(
            a.today,
            TodayFigures {
                issued: 7,
                served: 4,
                no_show: 1,
                out_of_order: 2,
                rated: 4,
                satisfaction_permille: Some(750),
            }
        );
        let b = ConsoleState {
            at: 99,
            ..a.clone()
        };
        assert!(!differs(&a, &b));
        let c = ConsoleState {
            today: TodayFigures::default(),
            ..a.clone()
        };
        assert!(differs(&a, &c));
    }
}

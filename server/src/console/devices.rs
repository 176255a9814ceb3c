//! Device health (R31): which configured kiosks and displays have a WebSocket open, since when, and
//! what each last reported about itself. Live only: after a restart every device is "not seen yet"
//! until it reconnects, which it does within seconds.

use std::collections::HashMap;
use std::sync::Mutex;

use qcall_protocol::{AudioHealth, DeviceHealth, DeviceStatus, Millis, PrinterHealth};
use tokio::sync::Notify;

use crate::config::{DeviceKind, HallConfig};

#[derive(Debug, Default)]
struct Entry {
    sockets: u32,
    since: Option<Millis>,
    last_seen: Option<Millis>,
    status: Option<DeviceStatus>,
}

/// Every device's link and last report; the console's watcher is woken on each change.
#[derive(Debug, Default)]
pub(crate) struct Devices {
    entries: Mutex<HashMap<String, Entry>>,
    pub(crate) changed: Notify,
}

impl Devices {
    fn update(&self, name: &str, f: impl FnOnce(&mut Entry)) {
        if let Ok(mut entries) = self.entries.lock() {
            f(entries.entry(name.to_string()).or_default());
        }
        self.changed.notify_one();
    }

    /// A WebSocket of `name` passed its hello.
    pub(crate) fn connected(&self, name: &str, now: Millis) {
        self.update(name, |e| {
            if e.sockets == 0 {
                e.since = Some(now);
            }
            e.sockets += 1;
            e.last_seen = Some(now);
        });
    }

    /// A WebSocket of `name` closed.
    pub(crate) fn disconnected(&self, name: &str, now: Millis) {
        self.update(name, |e| {
            e.sockets = e.sockets.saturating_sub(1);
            if e.sockets == 0 {
                e.since = Some(now);
            }
            e.last_seen = Some(now);
        });
    }

    /// `name` reported its state.
    pub(crate) fn report(&self, name: &str, status: DeviceStatus, now: Millis) {
        self.update(name, |e| {
            e.last_seen = Some(now);
            e.status = Some(status);
        });
    }

    /// Every configured device, in config order.
    pub(crate) fn list(&self, cfg: &HallConfig) -> Vec<DeviceHealth> {
        let Ok(entries) = self.entries.lock() else {
            return Vec::new();
        };
        cfg.devices
            .iter()
            .map(|d| {
                let e = entries.get(&d.name);
                let status = e.and_then(|e| e.status.clone());
                let online = e.is_some_and(|e| e.sockets > 0);
                DeviceHealth {
                    name: d.name.clone(),
                    kind: match d.kind {
                        DeviceKind::Kiosk => "kiosk",
                        DeviceKind::Display(_) => "display",
                    }
                    .to_string(),
                    online,
                    since: e.and_then(|e| e.since),
                    last_seen: e.and_then(|e| e.last_seen),
                    // A device that is gone has no faults to report: it is offline.
                    faults: if online {
                        status.as_ref().map(faults).unwrap_or_default()
                    } else {
                        Vec::new()
                    },
                    status,
                }
            })
            .collect()
    }
}

/// The faults in a report, as short texts.
pub(crate) fn faults(status: &DeviceStatus) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(PrinterHealth::Fault { reason }) = &status.printer {
        out.push(format!("printer: {reason}"));
    }
    if status.audio == Some(AudioHealth::None) {
        out.push("no_audio".to_string());
    }
    // Bounded: a device cannot fill the console with its words.
    for p in status.voice_problems.iter().take(8) {
        out.push(format!(
            "voice: {}",
            p.chars().take(300).collect::<String>()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_board_that_cannot_say_its_announcements_is_faulty_in_words() {
        let mut status = DeviceStatus {
            app_version: "qcall-display 0.1.0".into(),
            printer: None,
            audio: Some(AudioHealth::Ok),
            mode: "hall_board".into(),
            last_frame_at: None,
            voice_problems: vec![
                "language en is not spoken: missing 1 clip(s): en/window.wav".into(),
            ],
        };
        assert_eq!(
            faults(&status),
            ["voice: language en is not spoken: missing 1 clip(s): en/window.wav"]
        );
        status.voice_problems = vec!["x".repeat(1000); 20];
        let f = faults(&status);
        assert_eq!(f.len(), 8, "bounded");
        assert!(f.iter().all(|x| x.chars().count() <= 307));
        status.voice_problems.clear();
        status.audio = Some(AudioHealth::None);
        assert_eq!(faults(&status), ["no_audio"]);
    }
}

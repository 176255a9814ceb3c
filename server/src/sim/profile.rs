//! A simulated day as the manager writes it: who arrives when, how long each service takes, and
//! which windows are open (with their pauses). TOML, checked with clear errors.

use jiff::civil::Date;
use qcall_protocol::WindowNo;
use serde::Deserialize;

use crate::calendar::{self, Range};
use crate::config::HallConfig;

/// The demo hall's ordinary weekday, shipped with the server.
pub const DEMO_DAY: &str = include_str!("../../profiles/demo-day.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: Option<String>,
    date: String,
    #[serde(default)]
    priority_share: f64,
    #[serde(default)]
    no_show_share: f64,
    #[serde(default = "default_no_show_after")]
    no_show_after_minutes: f64,
    #[serde(default = "default_walk")]
    walk_minutes: f64,
    #[serde(default)]
    transfer_share: f64,
    #[serde(default)]
    services: Vec<RawService>,
    #[serde(default)]
    windows: Vec<RawWindow>,
}

fn default_no_show_after() -> f64 {
    3.0
}
fn default_walk() -> f64 {
    0.5
}
fn default_spread() -> f64 {
    0.5
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: String,
    /// `"HH:MM-HH:MM N"`: N arrivals an hour, at random (Poisson), in that range.
    #[serde(default)]
    arrivals: Vec<String>,
    /// `"HH:MM"`: one arrival at exactly that time (for hand-made days).
    #[serde(default)]
    arrive_at: Vec<String>,
    handle_minutes: Option<f64>,
    #[serde(default = "default_spread")]
    handle_spread: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    number: WindowNo,
    open: Vec<String>,
    #[serde(default)]
    pauses: Vec<String>,
}

/// A checked profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub(super) name: String,
    pub(super) date: Date,
    pub(super) priority_share: f64,
    pub(super) no_show_share: f64,
    pub(super) no_show_after_minutes: f64,
    pub(super) walk_minutes: f64,
    pub(super) transfer_share: f64,
    pub(super) services: Vec<ServiceProfile>,
    pub(super) windows: Vec<WindowProfile>,
    /// Whether the hall knows the windows' plan of the day (hours and pauses) for its forecast.
    pub(super) announced: bool,
    /// Other days of luck each ticket is run through for the estimate's floor (0: none).
    pub(super) floor_runs: usize,
}

/// Arrivals and handling of one service.
#[derive(Debug, Clone)]
pub(super) struct ServiceProfile {
    pub(super) id: String,
    /// (minutes of the day, arrivals per hour).
    pub(super) rates: Vec<(Range, f64)>,
    /// Fixed arrivals, minutes of the day.
    pub(super) arrive_at: Vec<u32>,
    pub(super) handle_minutes: f64,
    pub(super) handle_spread: f64,
}

/// When one window is staffed.
#[derive(Debug, Clone)]
pub(super) struct WindowProfile {
    pub(super) number: WindowNo,
    pub(super) open: Vec<Range>,
    pub(super) pauses: Vec<Range>,
}

fn share(name: &str, value: f64) -> anyhow::Result<f64> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&value),
        "{name} = {value} is not a share between 0 and 1"
    );
    Ok(value)
}

fn ranges(what: &str, list: &[String]) -> anyhow::Result<Vec<Range>> {
    list.iter()
        .map(|r| {
            calendar::parse_range(r)
                .ok_or_else(|| anyhow::anyhow!("{what} has {r:?}: write \"HH:MM-HH:MM\""))
        })
        .collect()
}

impl Profile {
    /// Parses and checks a profile against the hall it runs in (every service and window must
    /// exist there). `file` names it in errors.
    pub fn parse(src: &str, file: &str, cfg: &HallConfig) -> anyhow::Result<Profile> {
        let raw: RawProfile =
            toml::from_str(src).map_err(|e| anyhow::anyhow!("{file}: {}", e.message()))?;
        let date: Date = raw
            .date
            .parse()
            .map_err(|_| anyhow::anyhow!("{file}: date {:?}: write YYYY-MM-DD", raw.date))?;
        let positive = |name: &str, v: f64| {
            anyhow::ensure!(
                v.is_finite() && v >= 0.0,
                "{file}: {name} = {v} must be 0 or more"
            );
            Ok(v)
        };
        let mut services = Vec::new();
        for s in raw.services {
            let Some(cfg_service) = cfg.service(&s.id) else {
                anyhow::bail!("{file}: service {:?} is not in the hall config", s.id);
            };
            let mut rates = Vec::new();
            for a in &s.arrivals {
                let (range, n) = a.split_once(' ').ok_or_else(|| {
                    anyhow::anyhow!(
                        "{file}: service {}: arrivals {a:?}: write \"HH:MM-HH:MM N\" (N an hour)",
                        s.id
                    )
                })?;
                let range = calendar::parse_range(range.trim()).ok_or_else(|| {
                    anyhow::anyhow!("{file}: service {}: {range:?} is not HH:MM-HH:MM", s.id)
                })?;
                let n: f64 = n.trim().parse().map_err(|_| {
                    anyhow::anyhow!("{file}: service {}: {n:?} is not a number an hour", s.id)
                })?;
                rates.push((range, positive("arrivals an hour", n)?));
            }
            let arrive_at = s
                .arrive_at
                .iter()
                .map(|t| {
                    calendar::parse_hhmm(t).ok_or_else(|| {
                        anyhow::anyhow!("{file}: service {}: arrive_at {t:?} is not HH:MM", s.id)
                    })
                })
                .collect::<anyhow::Result<Vec<u32>>>()?;
            let handle = s
                .handle_minutes
                .unwrap_or(f64::from(cfg_service.info.expected_minutes));
            anyhow::ensure!(
                handle > 0.0 && handle.is_finite(),
                "{file}: service {}: handle_minutes must be above 0",
                s.id
            );
            services.push(ServiceProfile {
                id: s.id,
                rates,
                arrive_at,
                handle_minutes: handle,
                handle_spread: positive("handle_spread", s.handle_spread)?,
            });
        }
        let mut windows = Vec::new();
        for w in raw.windows {
            anyhow::ensure!(
                cfg.windows.iter().any(|c| c.number == w.number),
                "{file}: window {} is not in the hall config",
                w.number
            );
            windows.push(WindowProfile {
                number: w.number,
                open: ranges(&format!("{file}: window {} open", w.number), &w.open)?,
                pauses: ranges(&format!("{file}: window {} pauses", w.number), &w.pauses)?,
            });
        }
        anyhow::ensure!(
            !services.is_empty(),
            "{file}: no [[services]]: nobody arrives"
        );
        anyhow::ensure!(!windows.is_empty(), "{file}: no [[windows]]: nobody serves");
        Ok(Profile {
            name: raw.name.unwrap_or_else(|| file.to_string()),
            date,
            priority_share: share("priority_share", raw.priority_share)?,
            no_show_share: share("no_show_share", raw.no_show_share)?,
            no_show_after_minutes: positive("no_show_after_minutes", raw.no_show_after_minutes)?,
            walk_minutes: positive("walk_minutes", raw.walk_minutes)?,
            transfer_share: share("transfer_share", raw.transfer_share)?,
            services,
            windows,
            announced: true,
            floor_runs: 0,
        })
    }

    /// The hall is not told the day's plan: its forecast (R8) sees pauses and windows signing in
    /// only when they happen, and keeps the windows' plan of its own config.
    pub fn unannounced(&mut self) {
        self.announced = false;
    }

    /// Also measure the estimate's floor over `runs` other draws of luck per ticket (slower).
    pub fn floor(&mut self, runs: usize) {
        self.floor_runs = runs;
    }

    /// Only these windows open (a "what if" for the manager); the others stay closed all day.
    pub fn only_windows(&mut self, keep: &[WindowNo]) -> anyhow::Result<()> {
        for w in keep {
            anyhow::ensure!(
                self.windows.iter().any(|p| p.number == *w),
                "window {w} has no opening hours in the profile"
            );
        }
        self.windows.retain(|p| keep.contains(&p.number));
        Ok(())
    }
}

/// Parses `1,2,5-7` into window numbers.
pub fn parse_window_list(text: &str) -> anyhow::Result<Vec<WindowNo>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || anyhow::anyhow!("--windows {text:?}: write numbers and ranges, e.g. 1,2,5-7");
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (WindowNo, WindowNo) = (
                    a.trim().parse().map_err(|_| bad())?,
                    b.trim().parse().map_err(|_| bad())?,
                );
                anyhow::ensure!(a <= b, bad());
                out.extend(a..=b);
            }
            None => out.push(part.parse().map_err(|_| bad())?),
        }
    }
    anyhow::ensure!(!out.is_empty(), "--windows is empty");
    Ok(out)
}

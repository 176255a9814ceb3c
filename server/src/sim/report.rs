//! What a simulated day measured: waits per service and class, the windows' utilisation, and the
//! estimate given at issue against the wait that then happened.

use std::collections::BTreeMap;
use std::fmt;

use qcall_protocol::{Millis, TicketClass, WindowNo};

use super::profile::Profile;

/// One issued ticket's story, as far as the estimate is concerned.
#[derive(Debug, Clone)]
pub(super) struct TicketOutcome {
    pub(super) number: String,
    pub(super) service_id: String,
    pub(super) class: TicketClass,
    pub(super) issued_at: Millis,
    /// Minutes, as the kiosk showed it.
    pub(super) estimate: Option<u32>,
    /// The first call.
    pub(super) called_at: Option<Millis>,
    /// The mean wait over other days of luck from the moment of issue (the estimate's floor).
    pub(super) oracle: Option<f64>,
}

/// A window's day.
#[derive(Debug, Clone, Default)]
pub(super) struct WindowFigures {
    pub(super) open_ms: Millis,
    pub(super) busy_ms: Millis,
    pub(super) served: u32,
}

/// Figures of one group of tickets (a service and class, or all).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Service id, or `all`.
    pub service: String,
    /// `normal`, `priority`, or `all`.
    pub class: String,
    /// Tickets issued.
    pub tickets: usize,
    /// Tickets never called before the day ended.
    pub never_called: usize,
    /// Waits of the called tickets, minutes: mean, p50, p90, max.
    pub wait: Option<[f64; 4]>,
    /// |estimate − wait| in minutes, p50 and p90, and the bias (mean of estimate − wait).
    pub error: Option<[f64; 3]>,
    /// Called tickets that were given no estimate (no open window served them at issue).
    pub no_estimate: usize,
}

/// A simulated day's report.
#[derive(Debug, Clone)]
pub struct Report {
    /// The profile's name.
    pub profile: String,
    /// The day simulated.
    pub date: String,
    /// The seed.
    pub seed: u64,
    /// Per service and class, then per class over all services, then everything.
    pub rows: Vec<Row>,
    /// Per window: (number, open minutes, busy minutes, served).
    pub windows: Vec<(WindowNo, f64, f64, u32)>,
    /// Issues refused, by error code.
    pub refused: BTreeMap<String, u32>,
    /// Transfers made.
    pub transfers: u32,
    /// No-shows.
    pub no_shows: u32,
    /// Every ticket, in the order issued, and the start of the day.
    pub(super) tickets: Vec<TicketOutcome>,
    midnight: Millis,
    /// The estimate's floor, when asked for: the days of other luck each ticket was run through,
    /// and |error| p50, p90 and bias of their mean wait against the wait that happened.
    pub floor: Option<(usize, [f64; 3])>,
}

/// The nearest-rank percentile `p` (0–100) of sorted values.
pub(super) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// |error| p50 and p90 and the bias (mean error) of estimate − wait errors; `None` if there are none.
pub(super) fn error_figures(errors: &[f64]) -> Option<[f64; 3]> {
    (!errors.is_empty()).then(|| {
        let bias = errors.iter().sum::<f64>() / errors.len() as f64;
        let mut abs: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
        abs.sort_by(f64::total_cmp);
        [percentile(&abs, 50.0), percentile(&abs, 90.0), bias]
    })
}

impl TicketOutcome {
    /// Minutes from issue to the first call.
    pub(super) fn wait(&self) -> Option<f64> {
        self.called_at
            .map(|c| (c - self.issued_at) as f64 / 60_000.0)
    }
}

fn class_name(class: TicketClass) -> &'static str {
    match class {
        TicketClass::Normal => "normal",
        TicketClass::Priority => "priority",
        _ => "other",
    }
}

fn row(service: &str, class: &str, tickets: &[&TicketOutcome]) -> Row {
    let mut waits = Vec::new();
    let mut errors = Vec::new();
    let mut no_estimate = 0;
    for t in tickets {
        let Some(wait) = t.wait() else { continue };
        waits.push(wait);
        match t.estimate {
            Some(e) => errors.push(f64::from(e) - wait),
            None => no_estimate += 1,
        }
    }
    let never_called = tickets.len() - waits.len();
    let wait = (!waits.is_empty()).then(|| {
        let mean = waits.iter().sum::<f64>() / waits.len() as f64;
        waits.sort_by(f64::total_cmp);
        [
            mean,
            percentile(&waits, 50.0),
            percentile(&waits, 90.0),
            *waits.last().unwrap_or(&0.0),
        ]
    });
    let error = error_figures(&errors);
    Row {
        service: service.to_string(),
        class: class.to_string(),
        tickets: tickets.len(),
        never_called,
        wait,
        error,
        no_estimate,
    }
}

impl Report {
    pub(super) fn new(
        profile: &Profile,
        seed: u64,
        mut tickets: Vec<TicketOutcome>,
        windows: BTreeMap<WindowNo, WindowFigures>,
        refused: BTreeMap<String, u32>,
        transfers: u32,
        no_shows: u32,
    ) -> Report {
        tickets.sort_by_key(|t| t.issued_at);
        let mut rows = Vec::new();
        let classes = [TicketClass::Normal, TicketClass::Priority];
        for s in &profile.services {
            for class in classes {
                let group: Vec<&TicketOutcome> = tickets
                    .iter()
                    .filter(|t| t.service_id == s.id && t.class == class)
                    .collect();
                if !group.is_empty() {
                    rows.push(row(&s.id, class_name(class), &group));
                }
            }
        }
        for class in classes {
            let group: Vec<&TicketOutcome> = tickets.iter().filter(|t| t.class == class).collect();
            if !group.is_empty() {
                rows.push(row("all", class_name(class), &group));
            }
        }
        rows.push(row("all", "all", &tickets.iter().collect::<Vec<_>>()));
        Report {
            profile: profile.name.clone(),
            date: profile.date.to_string(),
            seed,
            rows,
            windows: windows
                .into_iter()
                .map(|(w, f)| {
                    (
                        w,
                        f.open_ms as f64 / 60_000.0,
                        f.busy_ms as f64 / 60_000.0,
                        f.served,
                    )
                })
                .collect(),
            refused,
            transfers,
            no_shows,
            tickets,
            midnight: 0,
            floor: None,
        }
    }

    /// Times in the CSV count from `midnight`, the start of the profile's day.
    pub(super) fn with_midnight(mut self, midnight: Millis) -> Report {
        self.midnight = midnight;
        self
    }

    /// The estimate's floor from the tickets' oracles, when each was run through `forks` days.
    pub(super) fn with_floor(mut self, forks: usize) -> Report {
        let errors: Vec<f64> = self
            .tickets
            .iter()
            .filter(|t| t.estimate.is_some())
            .filter_map(|t| Some(t.oracle? - t.wait()?))
            .collect();
        self.floor = error_figures(&errors)
            .filter(|_| forks > 0)
            .map(|e| (forks, e));
        self
    }

    /// Every ticket as CSV: number, service, class, issued (local time), the estimate given at
    /// issue and the wait until the first call (minutes; empty when none).
    pub fn tickets_csv(&self) -> String {
        let clock = |at: Millis| {
            let s = (at - self.midnight).max(0) / 1000;
            format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
        };
        let mut out = String::from("number,service,class,issued,estimate_min,wait_min\n");
        for t in &self.tickets {
            let wait = t.wait().map_or_else(String::new, |w| format!("{w:.1}"));
            let estimate = t.estimate.map_or_else(String::new, |e| e.to_string());
            out.push_str(&format!(
                "{},{},{},{},{estimate},{wait}\n",
                t.number,
                t.service_id,
                class_name(t.class),
                clock(t.issued_at)
            ));
        }
        out
    }

    /// The row of everything.
    pub fn total(&self) -> &Row {
        self.rows.last().expect("the total row is always there")
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.1}"))
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "qcall simulate: profile {}, {} , seed {}",
            self.profile, self.date, self.seed
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<12} {:<9} {:>7} {:>6} | {:>6} {:>6} {:>6} {:>6} | {:>7} {:>7} {:>6} {:>6}",
            "service",
            "class",
            "tickets",
            "uncld",
            "mean",
            "p50",
            "p90",
            "max",
            "|err|50",
            "|err|90",
            "bias",
            "no-est"
        )?;
        writeln!(
            f,
            "{:<12} {:<9} {:>7} {:>6} | {:^27} | {:^29} {:>6}",
            "", "", "", "", "wait (min)", "estimate − wait (min)", ""
        )?;
        for r in &self.rows {
            let w = r.wait;
            let e = r.error;
            writeln!(
                f,
                "{:<12} {:<9} {:>7} {:>6} | {:>6} {:>6} {:>6} {:>6} | {:>7} {:>7} {:>6} {:>6}",
                r.service,
                r.class,
                r.tickets,
                r.never_called,
                opt(w.map(|w| w[0])),
                opt(w.map(|w| w[1])),
                opt(w.map(|w| w[2])),
                opt(w.map(|w| w[3])),
                opt(e.map(|e| e[0])),
                opt(e.map(|e| e[1])),
                opt(e.map(|e| e[2])),
                r.no_estimate
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:<8} {:>9} {:>9} {:>11} {:>7}",
            "window", "open min", "busy min", "utilisation", "served"
        )?;
        for (w, open, busy, served) in &self.windows {
            let util = if *open > 0.0 {
                format!("{:.0} %", 100.0 * busy / open)
            } else {
                "—".into()
            };
            writeln!(f, "{w:<8} {open:>9.0} {busy:>9.0} {util:>11} {served:>7}")?;
        }
        writeln!(f)?;
        let refused: Vec<String> = self
            .refused
            .iter()
            .map(|(code, n)| format!("{n} {code}"))
            .collect();
        writeln!(
            f,
            "no-shows {}, transfers {}, issues refused: {}",
            self.no_shows,
            self.transfers,
            if refused.is_empty() {
                "none".into()
            } else {
                refused.join(", ")
            }
        )?;
        let total = self.total();
        if let Some([_, p90, bias]) = total.error {
            let met = p90 <= 5.0 && bias.abs() <= 1.0;
            writeln!(
                f,
                "estimate goal (p90 |err| ≤ 5 min, |bias| ≤ 1 min): p90 {p90:.1}, bias {bias:+.1} → {}",
                if met { "met" } else { "NOT met" }
            )?;
        }
        if let Some((runs, [p50, p90, bias])) = self.floor {
            writeln!(
                f,
                "estimate floor (the mean wait over {runs} other draws of handling times, no-shows and transfers from each issue on): |err| p50 {p50:.1}, p90 {p90:.1}, bias {bias:+.1}"
            )?;
        }
        Ok(())
    }
}

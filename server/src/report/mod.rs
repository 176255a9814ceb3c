//! Reports (R23): for any range of business days, any groupings by day, service, window, staff, hour
//! of day, weekday or class, and any filter on those, the figures an inspector asks for. Pure over
//! facts ([`fact`]): the store reads them (as [`Legs`]: compact, texts numbered; past days from
//! their packs, [`legs::encode`]), this module adds them up, [`export`] writes CSV and XLSX.
//!
//! Medians and p90s are **exact**: each group keeps its durations and selects the ranks. The median
//! of an even count is the mean of the two middle values; p90 is the nearest rank (the value at rank
//! ⌈0.9·n⌉). On a busy hall's year (500,000 legs) that is a few megabytes and well under the read
//! itself (see the README's figures), so no histogram error needs explaining.

pub(crate) mod export;
pub(crate) mod fact;
pub(crate) mod legs;

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;

use qcall_protocol::{ApiError, ErrorCode, LegOutcome, TicketClass, WindowNo};
use serde::Serialize;

use crate::config::HallConfig;
pub(crate) use fact::{LegFact, PauseFact};
pub(crate) use legs::{Leg, Legs};

/// The longest range a report covers: three years of business days.
pub(crate) const MAX_DAYS: i32 = 3 * 366;

/// What a report can be grouped and filtered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Dim {
    Day,
    Service,
    Window,
    Staff,
    Hour,
    Weekday,
    Class,
}

impl Dim {
    const ALL: [Dim; 7] = [
        Dim::Day,
        Dim::Service,
        Dim::Window,
        Dim::Staff,
        Dim::Hour,
        Dim::Weekday,
        Dim::Class,
    ];

    /// The wire name (`by=window`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Dim::Day => "day",
            Dim::Service => "service",
            Dim::Window => "window",
            Dim::Staff => "staff",
            Dim::Hour => "hour",
            Dim::Weekday => "weekday",
            Dim::Class => "class",
        }
    }

    /// The column header in exports.
    pub(crate) fn name_zh(self) -> &'static str {
        match self {
            Dim::Day => "日期",
            Dim::Service => "事项",
            Dim::Window => "窗口",
            Dim::Staff => "工作人员",
            Dim::Hour => "时段",
            Dim::Weekday => "星期",
            Dim::Class => "类别",
        }
    }

    fn parse(text: &str) -> Option<Dim> {
        Dim::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// A rating of a leg, as the ratings family stores it (R21): its level and whether an appeal upheld
/// it as false (then it is on record but in no satisfaction figure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RatingFact {
    pub(crate) ticket_id: i64,
    pub(crate) leg: u32,
    /// `very_satisfied`, `satisfied`, `basic`, `dissatisfied` or `very_dissatisfied`.
    pub(crate) level: String,
    pub(crate) upheld_as_false: bool,
}

/// A leg still open when the report was made (today's waiting and served-now tickets): counted as
/// issued (first legs) and open, in no duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenLeg {
    pub(crate) first: bool,
    pub(crate) business_day: String,
    pub(crate) weekday: u8,
    pub(crate) hour: u8,
    pub(crate) service_id: String,
    pub(crate) class: TicketClass,
    pub(crate) window: Option<WindowNo>,
    pub(crate) staff_no: Option<String>,
}

/// Which facts a report looks at, and how it groups them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Query {
    /// First business day, `YYYY-MM-DD`, inclusive.
    pub(crate) from: String,
    /// Last business day, inclusive.
    pub(crate) to: String,
    /// Each grouping is one table (one XLSX sheet); a grouping of two dims is a cross (staff × hour).
    pub(crate) groupings: Vec<Vec<Dim>>,
    pub(crate) filter: Filter,
}

/// Only facts matching every given list (an empty list matches everything).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub(crate) struct Filter {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) service: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) window: Vec<WindowNo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) staff: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) class: Vec<TicketClass>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) hour: Vec<u8>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) weekday: Vec<u8>,
}

impl Filter {
    /// Whether pauses can be attributed under this filter: a pause belongs to a window, not to a
    /// service or class.
    fn pauses_apply(&self) -> bool {
        self.service.is_empty() && self.class.is_empty()
    }
}

/// The query string of `GET /api/v1/reports`, as sent.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RawQuery {
    /// First business day, `YYYY-MM-DD` (required).
    #[param(
        required = true,
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
        example = "2026-11-02"
    )]
    pub(crate) from: Option<String>,
    /// Last business day, `YYYY-MM-DD`, inclusive (required; at most 3 years after `from`).
    #[param(
        required = true,
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
        example = "2026-11-02"
    )]
    pub(crate) to: Option<String>,
    /// Groupings, comma-separated; each one dim or a cross of up to three joined by `*` (e.g.
    /// `window,staff*hour`). Dims: day, service, window, staff, hour, weekday, class. Empty: totals only.
    pub(crate) by: Option<String>,
    /// Only these services (comma-separated ids).
    pub(crate) service: Option<String>,
    /// Only these windows (comma-separated numbers).
    pub(crate) window: Option<String>,
    /// Only these staff numbers (comma-separated).
    pub(crate) staff: Option<String>,
    /// Only these classes: normal, priority, green, appointment.
    pub(crate) class: Option<String>,
    /// Only these hours of day, 0–23 (comma-separated).
    pub(crate) hour: Option<String>,
    /// Only these weekdays, 1 (Monday) – 7 (Sunday).
    pub(crate) weekday: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub(crate) format: Option<String>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, message)
}

fn list(text: &Option<String>) -> impl Iterator<Item = &str> {
    text.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn numbers<T: std::str::FromStr + PartialOrd>(
    name: &str,
    text: &Option<String>,
    range: std::ops::RangeInclusive<T>,
) -> Result<Vec<T>, ApiError> {
    list(text)
        .map(|s| match s.parse::<T>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(bad(format!("{name}: {s:?} is not a valid {name}"))),
        })
        .collect()
}

impl RawQuery {
    /// The checked query: days that exist, `from ≤ to`, at most [`MAX_DAYS`], known groupings and
    /// filters. Every refusal says what to send instead.
    pub(crate) fn parse(&self, cfg: &HallConfig) -> Result<Query, ApiError> {
        let day = |name: &str, v: &Option<String>| -> Result<jiff::civil::Date, ApiError> {
            let text = v
                .as_deref()
                .ok_or_else(|| bad(format!("{name} is required (YYYY-MM-DD)")))?;
            text.parse::<jiff::civil::Date>()
                .ok()
                .filter(|_| text.len() == 10)
                .ok_or_else(|| bad(format!("{name}: {text:?} is not a date (YYYY-MM-DD)")))
        };
        let from = day("from", &self.from)?;
        let to = day("to", &self.to)?;
        if from > to {
            return Err(bad(format!(
                "from ({from}) is after to ({to}): give the earlier day first"
            )));
        }
        let span = (to - from).get_days() + 1;
        if span > MAX_DAYS {
            return Err(bad(format!(
                "the range covers {span} days; a report covers at most {MAX_DAYS} days (3 years)"
            )));
        }
        let mut groupings = Vec::new();
        for g in list(&self.by) {
            let dims: Vec<Dim> = g
                .split(['*', '+', ' '])
                .filter(|s| !s.is_empty())
                .map(|d| {
                    Dim::parse(d).ok_or_else(|| {
                        bad(format!(
                            "by: unknown grouping {d:?}; use day, service, window, staff, hour, weekday or class (a cross as staff*hour)"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?;
            let mut seen = dims.clone();
            seen.sort();
            seen.dedup();
            if dims.len() > 3 || seen.len() != dims.len() {
                return Err(bad(format!(
                    "by: {g:?} crosses at most three different dims"
                )));
            }
            groupings.push(dims);
        }
        if groupings.len() > 8 {
            return Err(bad("by: at most 8 groupings in one report"));
        }
        let class = list(&self.class)
            .map(|c| {
                TicketClass::ALL
                    .into_iter()
                    .find(|k| k.as_str() == c)
                    .ok_or_else(|| {
                        bad(format!(
                            "class: unknown class {c:?}; use normal, priority, green or appointment"
                        ))
                    })
            })
            .collect::<Result<_, _>>()?;
        let service: Vec<String> = list(&self.service).map(str::to_string).collect();
        if let Some(s) = service.iter().find(|s| cfg.service(s).is_none()) {
            return Err(bad(format!("service: no service {s:?} in this hall")));
        }
        Ok(Query {
            from: from.to_string(),
            to: to.to_string(),
            groupings,
            filter: Filter {
                service,
                window: numbers("window", &self.window, 0..=u32::MAX)?,
                staff: list(&self.staff).map(str::to_string).collect(),
                class,
                hour: numbers("hour", &self.hour, 0..=23)?,
                weekday: numbers("weekday", &self.weekday, 1..=7)?,
            },
        })
    }
}

// ---- The report ---------------------------------------------------------------------------------

/// Durations of a group, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub(crate) struct Durations {
    /// How many legs have this duration.
    pub(crate) count: u64,
    pub(crate) mean_s: Option<f64>,
    /// Exact: the mean of the two middle values for an even count.
    pub(crate) median_s: Option<f64>,
    /// Exact, nearest rank: the value at rank ⌈0.9·count⌉.
    pub(crate) p90_s: Option<f64>,
    pub(crate) max_s: Option<f64>,
}

/// Ratings of a group (R21): per level, and the satisfaction rate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub(crate) struct Ratings {
    /// Ratings counted (upheld-as-false ones left out).
    pub(crate) rated: u64,
    /// 非常满意.
    pub(crate) very_satisfied: u64,
    /// 满意.
    pub(crate) satisfied: u64,
    /// 基本满意.
    pub(crate) basic: u64,
    /// 不满意.
    pub(crate) dissatisfied: u64,
    /// 非常不满意.
    pub(crate) very_dissatisfied: u64,
    /// Ratings an appeal upheld as false: on record, in no figure above.
    pub(crate) upheld_as_false: u64,
    /// (非常满意 + 满意 + 基本满意) / rated; `None` when nothing was rated.
    pub(crate) satisfaction_rate: Option<f64>,
}

/// Every figure of one group (or of the whole report).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub(crate) struct Figures {
    /// Tickets issued (first legs; a transfer is not a new ticket).
    pub(crate) issued: u64,
    /// Legs served: done, or transferred on from the window. A transferred ticket counts once per leg.
    pub(crate) served: u64,
    /// Legs done (办结).
    pub(crate) done: u64,
    /// Legs transferred on (转办).
    pub(crate) transferred: u64,
    /// Legs that ended without service after a no-show (过号).
    pub(crate) no_show: u64,
    /// Legs cancelled while waiting.
    pub(crate) cancelled: u64,
    /// Legs still waiting (never called) at the end of their day.
    pub(crate) expired: u64,
    /// Legs still open when the report was made (today).
    pub(crate) open: u64,
    /// First call to … joining the queue.
    pub(crate) wait: Durations,
    /// Service without holds.
    pub(crate) handle: Durations,
    /// Served legs whose handling took longer than the service's time limit (限时办结).
    pub(crate) over_limit: u64,
    /// over_limit / served.
    pub(crate) over_limit_rate: Option<f64>,
    /// Calls that jumped the queue (R13).
    pub(crate) out_of_order: u64,
    /// Calls by number (特呼).
    pub(crate) special_calls: u64,
    /// Recalls (重呼, 回呼).
    pub(crate) recalls: u64,
    /// Pause seconds by reason (break, meeting, consultation, other); `None` where pauses cannot be
    /// attributed (a grouping or filter by service or class: a pause belongs to a window).
    pub(crate) pause_s: Option<BTreeMap<String, f64>>,
    pub(crate) ratings: Ratings,
}

/// One row of a grouping.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub(crate) struct Row {
    /// The group's key, one value per dim of the grouping (`"3"`, `"S01"`, `"2026-11-02"`, `"9"`).
    pub(crate) key: Vec<String>,
    /// The same, for people: service and staff names, 周一, 09:00–10:00, 普通.
    pub(crate) label: Vec<String>,
    pub(crate) figures: Figures,
}

/// One grouping's table.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub(crate) struct Grouping {
    pub(crate) by: Vec<Dim>,
    pub(crate) rows: Vec<Row>,
}

/// A window or staff member in the ranking (红旗窗口, 高效之星): served count, mean handling,
/// satisfaction and over-limit rates, each with its rank (1 = best).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub(crate) struct RankRow {
    pub(crate) key: String,
    pub(crate) label: String,
    pub(crate) served: u64,
    pub(crate) served_rank: u32,
    pub(crate) handle_mean_s: Option<f64>,
    pub(crate) handle_rank: Option<u32>,
    pub(crate) satisfaction_rate: Option<f64>,
    pub(crate) satisfaction_rank: Option<u32>,
    pub(crate) over_limit_rate: Option<f64>,
    pub(crate) over_limit_rank: Option<u32>,
}

/// A report as `GET /api/v1/reports` answers it. Carries no personal data (R29): no ticket numbers,
/// citizen ids, phones or names of citizens.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub(crate) struct Report {
    /// The hall's name.
    pub(crate) hall: String,
    pub(crate) from: String,
    pub(crate) to: String,
    /// When it was made (UTC epoch milliseconds).
    pub(crate) generated_at: i64,
    pub(crate) filter: Filter,
    pub(crate) total: Figures,
    pub(crate) groupings: Vec<Grouping>,
}

/// What a report is made from, as the store read it.
#[derive(Debug, Default)]
pub(crate) struct Input {
    /// The closed legs ([`LegFact`]s as [`Legs`]).
    pub(crate) legs: Legs,
    pub(crate) pauses: Vec<PauseFact>,
    pub(crate) ratings: Vec<RatingFact>,
    pub(crate) open: Vec<OpenLeg>,
}

/// A group's running sums, turned into [`Figures`] at the end.
#[derive(Default)]
struct Acc {
    f: Figures,
    waits: Vec<i64>,
    handles: Vec<i64>,
    pause_ms: BTreeMap<String, i64>,
}

impl Acc {
    fn leg(&mut self, l: &Leg, rating: Option<&RatingFact>) {
        let f = &mut self.f;
        f.issued += u64::from(l.leg == 0);
        match l.outcome {
            LegOutcome::Done => f.done += 1,
            LegOutcome::Transferred => f.transferred += 1,
            LegOutcome::Cancelled => f.cancelled += 1,
            LegOutcome::Expired if l.no_show() => f.no_show += 1,
            LegOutcome::Expired if l.served() => {}
            LegOutcome::Expired => f.expired += 1,
        }
        if let Some(h) = l.handle_ms {
            f.served += 1;
            self.handles.push(h);
            f.over_limit += u64::from(l.over_limit);
        }
        if let Some(w) = l.wait_ms {
            self.waits.push(w);
        }
        f.out_of_order += u64::from(l.out_of_order);
        f.special_calls += u64::from(l.special_call);
        f.recalls += u64::from(l.recalls);
        if let Some(r) = rating {
            let g = &mut f.ratings;
            if r.upheld_as_false {
                g.upheld_as_false += 1;
            } else {
                match r.level.as_str() {
                    "very_satisfied" => g.very_satisfied += 1,
                    "satisfied" => g.satisfied += 1,
                    "basic" => g.basic += 1,
                    "dissatisfied" => g.dissatisfied += 1,
                    "very_dissatisfied" => g.very_dissatisfied += 1,
                    _ => return,
                }
                g.rated += 1;
            }
        }
    }

    fn finish(mut self, pauses: bool) -> Figures {
        let mut f = self.f;
        f.wait = durations(&mut self.waits, true);
        f.handle = durations(&mut self.handles, false);
        f.over_limit_rate = ratio(f.over_limit, f.served);
        let g = &mut f.ratings;
        g.satisfaction_rate = ratio(g.very_satisfied + g.satisfied + g.basic, g.rated);
        f.pause_s = pauses.then(|| {
            self.pause_ms
                .into_iter()
                .map(|(k, ms)| (k, ms as f64 / 1000.0))
                .collect()
        });
        f
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Exact mean, median, p90 and max of `values` (milliseconds), in seconds. Reorders `values`.
pub(crate) fn durations(values: &mut [i64], with_max: bool) -> Durations {
    let n = values.len();
    if n == 0 {
        return Durations::default();
    }
    let s = |ms: f64| ms / 1000.0;
    let sum: i128 = values.iter().map(|&v| i128::from(v)).sum();
    let p90_rank = (n * 9).div_ceil(10).max(1) - 1;
    let (_, p90, _) = values.select_nth_unstable(p90_rank);
    let p90 = *p90;
    let upper = n / 2;
    let (below, mid, _) = values.select_nth_unstable(upper);
    let mid = *mid;
    let median = if n % 2 == 1 {
        mid as f64
    } else {
        // The largest value below the upper middle is the lower middle.
        let lower = below.iter().copied().max().unwrap_or(mid);
        (lower as f64 + mid as f64) / 2.0
    };
    Durations {
        count: n as u64,
        mean_s: Some(s(sum as f64 / n as f64)),
        median_s: Some(s(median)),
        p90_s: Some(s(p90 as f64)),
        max_s: with_max.then(|| s(values.iter().copied().max().unwrap_or(0) as f64)),
    }
}

/// What an open leg or a pause is grouped and filtered by. A pause has no service or class.
struct Dims<'a> {
    day: &'a str,
    service: Option<&'a str>,
    class: Option<TicketClass>,
    window: Option<WindowNo>,
    staff: Option<&'a str>,
    hour: u8,
    weekday: u8,
}

impl OpenLeg {
    fn dims(&self) -> Dims<'_> {
        Dims {
            day: &self.business_day,
            service: Some(&self.service_id),
            class: Some(self.class),
            window: self.window,
            staff: self.staff_no.as_deref(),
            hour: self.hour,
            weekday: self.weekday,
        }
    }
}

impl PauseFact {
    fn dims(&self) -> Dims<'_> {
        Dims {
            day: &self.business_day,
            service: None,
            class: None,
            window: Some(self.window),
            staff: self.staff_no.as_deref(),
            hour: self.hour,
            weekday: self.weekday,
        }
    }
}

/// Small numbers for the texts of a report's keys (days, services, staff): the closed legs' own
/// ([`Legs`]), then those of texts only open legs or pauses have. Finding a group allocates nothing.
struct Texts<'a> {
    ids: HashMap<&'a str, u32>,
    names: Vec<&'a str>,
}

impl<'a> Texts<'a> {
    fn new(legs: &'a Legs) -> Texts<'a> {
        let names: Vec<&str> = legs.texts().iter().map(String::as_str).collect();
        let ids = names
            .iter()
            .enumerate()
            .map(|(i, &t)| (t, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        Texts { ids, names }
    }

    fn id(&mut self, text: &'a str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(text);
        self.ids.insert(text, id);
        id
    }
}

/// A group's key: one number per dim of the grouping (at most three).
type Key = [u32; 3];

/// Hashes group keys (a few small numbers) with FxHash's multiply and rotate: a year's report
/// looks up a group for each of half a million legs, and keys come from our own facts, not from
/// a client, so the default hasher's protection against chosen collisions buys nothing here.
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// The groups of a grouping, by key.
type Groups = HashMap<Key, Acc, BuildHasherDefault<KeyHasher>>;

/// A class as a key part: its place in [`TicketClass::ALL`].
fn class_part(class: TicketClass) -> u32 {
    TicketClass::ALL
        .iter()
        .position(|&c| c == class)
        .and_then(|i| u32::try_from(i).ok())
        .unwrap_or(0)
}

impl Leg {
    /// The value of dim `d` as a number; texts are the legs' own numbers, which [`Texts::new`]
    /// keeps.
    fn part(&self, d: Dim) -> u32 {
        match d {
            Dim::Day => self.day,
            Dim::Service => self.service,
            Dim::Window => self.window.map_or(0, |w| w.saturating_add(1)),
            Dim::Staff => self.staff,
            Dim::Hour => u32::from(self.hour),
            Dim::Weekday => u32::from(self.weekday),
            Dim::Class => class_part(self.class),
        }
    }

    fn key(&self, by: &[Dim]) -> Key {
        let mut key = [0; 3];
        for (k, &d) in key.iter_mut().zip(by) {
            *k = self.part(d);
        }
        key
    }
}

/// Which closed legs a query keeps; the text filters (day range, services, staff) worked out once
/// per text rather than once per leg.
struct LegFilter<'q> {
    filter: &'q Filter,
    day: Vec<bool>,
    service: Vec<bool>,
    staff: Vec<bool>,
}

impl<'q> LegFilter<'q> {
    fn new(q: &'q Query, legs: &Legs) -> LegFilter<'q> {
        let f = &q.filter;
        let texts = legs.texts();
        let any = |list: &[String], t: &str| list.is_empty() || list.iter().any(|x| x == t);
        LegFilter {
            filter: f,
            day: texts.iter().map(|t| in_range(q, t)).collect(),
            service: texts.iter().map(|t| any(&f.service, t)).collect(),
            // A leg without staff has the empty text, which no staff filter names.
            staff: texts
                .iter()
                .map(|t| f.staff.is_empty() || (!t.is_empty() && any(&f.staff, t)))
                .collect(),
        }
    }

    fn keeps(&self, l: &Leg) -> bool {
        let f = self.filter;
        let text = |v: &[bool], id: u32| v.get(id as usize).copied().unwrap_or(false);
        text(&self.day, l.day)
            && text(&self.service, l.service)
            && text(&self.staff, l.staff)
            && (f.window.is_empty() || l.window.is_some_and(|w| f.window.contains(&w)))
            && (f.class.is_empty() || f.class.contains(&l.class))
            && (f.hour.is_empty() || f.hour.contains(&l.hour))
            && (f.weekday.is_empty() || f.weekday.contains(&l.weekday))
    }
}

impl<'a> Dims<'a> {
    /// The value of dim `d` as a number (texts through `texts`); `None` where it has none (a
    /// pause's service or class).
    fn part(&self, d: Dim, texts: &mut Texts<'a>) -> Option<u32> {
        Some(match d {
            Dim::Day => texts.id(self.day),
            Dim::Service => texts.id(self.service?),
            Dim::Window => self.window.map_or(0, |w| w.saturating_add(1)),
            Dim::Staff => texts.id(self.staff.unwrap_or_default()),
            Dim::Hour => u32::from(self.hour),
            Dim::Weekday => u32::from(self.weekday),
            Dim::Class => class_part(self.class?),
        })
    }

    fn key(&self, by: &[Dim], texts: &mut Texts<'a>) -> Option<Key> {
        let mut key = [0; 3];
        for (k, &d) in key.iter_mut().zip(by) {
            *k = self.part(d, texts)?;
        }
        Some(key)
    }

    fn matches(&self, q: &Query) -> bool {
        let f = &q.filter;
        let service = |s: &str| f.service.iter().any(|x| x == s);
        in_range(q, self.day)
            && (f.service.is_empty() || self.service.is_some_and(service))
            && (f.window.is_empty() || self.window.is_some_and(|w| f.window.contains(&w)))
            && (f.staff.is_empty() || self.staff.is_some_and(|s| f.staff.iter().any(|x| x == s)))
            && (f.class.is_empty() || self.class.is_some_and(|c| f.class.contains(&c)))
            && (f.hour.is_empty() || f.hour.contains(&self.hour))
            && (f.weekday.is_empty() || f.weekday.contains(&self.weekday))
    }
}

/// A key part back as the text the report shows (`"3"`, `"s1"`, `"normal"`; `""` for none).
fn part_text(d: Dim, part: u32, texts: &Texts<'_>) -> String {
    match d {
        Dim::Day | Dim::Service | Dim::Staff => texts
            .names
            .get(part as usize)
            .map(|s| s.to_string())
            .unwrap_or_default(),
        Dim::Window if part == 0 => String::new(),
        Dim::Window => (part - 1).to_string(),
        Dim::Hour | Dim::Weekday => part.to_string(),
        Dim::Class => TicketClass::ALL
            .get(part as usize)
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
    }
}

fn in_range(q: &Query, day: &str) -> bool {
    q.from.as_str() <= day && day <= q.to.as_str()
}

/// Adds up `input` as `q` asks. Pure: the same facts give the same report.
pub(crate) fn build(cfg: &HallConfig, q: &Query, input: &Input, generated_at: i64) -> Report {
    let ratings: HashMap<(i64, u32), &RatingFact> = input
        .ratings
        .iter()
        .map(|r| ((r.ticket_id, r.leg), r))
        .collect();
    let keep = LegFilter::new(q, &input.legs);
    let legs: Vec<(&Leg, Option<&RatingFact>)> = input
        .legs
        .iter()
        .filter(|l| keep.keeps(l))
        .map(|l| {
            let rating = (!ratings.is_empty())
                .then(|| ratings.get(&(l.ticket_id, l.leg)).copied())
                .flatten();
            (l, rating)
        })
        .collect();
    let open: Vec<&OpenLeg> = input.open.iter().filter(|l| l.dims().matches(q)).collect();
    // A pause belongs to a window, not to a service or class.
    let pauses: Vec<&PauseFact> = input
        .pauses
        .iter()
        .filter(|p| q.filter.pauses_apply() && p.dims().matches(q))
        .collect();

    let group = |by: &[Dim]| -> Vec<Row> {
        let mut texts = Texts::new(&input.legs);
        let mut accs = Groups::default();
        for (l, r) in &legs {
            accs.entry(l.key(by)).or_default().leg(l, *r);
        }
        for l in &open {
            if let Some(key) = l.dims().key(by, &mut texts) {
                let acc = accs.entry(key).or_default();
                acc.f.open += 1;
                acc.f.issued += u64::from(l.first);
            }
        }
        let pauses_apply =
            !by.iter().any(|d| matches!(d, Dim::Service | Dim::Class)) && q.filter.pauses_apply();
        if pauses_apply {
            for p in &pauses {
                if let Some(key) = p.dims().key(by, &mut texts) {
                    *accs
                        .entry(key)
                        .or_default()
                        .pause_ms
                        .entry(p.reason.clone())
                        .or_default() += p.until - p.since;
                }
            }
        }
        let mut rows: Vec<Row> = accs
            .into_iter()
            .map(|(parts, acc)| {
                (
                    by.iter()
                        .zip(parts)
                        .map(|(&d, p)| part_text(d, p, &texts))
                        .collect::<Vec<_>>(),
                    acc,
                )
            })
            .map(|(key, acc)| Row {
                label: by
                    .iter()
                    .zip(&key)
                    .map(|(&d, k)| label(cfg, d, k))
                    .collect(),
                key,
                figures: acc.finish(pauses_apply),
            })
            .collect();
        // Numbers sort as numbers (window 10 after window 9).
        rows.sort_by(|a, b| {
            by.iter()
                .zip(a.key.iter().zip(&b.key))
                .map(|(d, (x, y))| match d {
                    Dim::Window | Dim::Hour | Dim::Weekday => x
                        .parse::<i64>()
                        .unwrap_or(-1)
                        .cmp(&y.parse::<i64>().unwrap_or(-1)),
                    _ => x.cmp(y),
                })
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        rows
    };
    let total = group(&[])
        .pop()
        .map(|r| r.figures)
        .unwrap_or_else(|| Acc::default().finish(q.filter.pauses_apply()));
    Report {
        hall: cfg.name_zh.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        generated_at,
        filter: q.filter.clone(),
        total,
        groupings: q
            .groupings
            .iter()
            .map(|by| Grouping {
                by: by.clone(),
                rows: group(by),
            })
            .collect(),
    }
}

/// A dim's value for people.
pub(crate) fn label(cfg: &HallConfig, d: Dim, key: &str) -> String {
    if key.is_empty() {
        return "—".into();
    }
    match d {
        Dim::Service => cfg
            .service(key)
            .map(|s| s.info.name_zh.clone())
            .unwrap_or_else(|| key.to_string()),
        Dim::Window => cfg
            .windows
            .iter()
            .find(|w| w.number.to_string() == key)
            .map(|w| format!("{key}号 {}", w.name))
            .unwrap_or_else(|| format!("{key}号")),
        Dim::Staff => cfg
            .staff(key)
            .map(|s| format!("{key} {}", s.name))
            .unwrap_or_else(|| key.to_string()),
        Dim::Hour => {
            let h: u32 = key.parse().unwrap_or(0);
            format!("{h:02}:00–{:02}:00", h + 1)
        }
        Dim::Weekday => match key {
            "1" => "周一",
            "2" => "周二",
            "3" => "周三",
            "4" => "周四",
            "5" => "周五",
            "6" => "周六",
            "7" => "周日",
            _ => "—",
        }
        .into(),
        Dim::Class => match key {
            "normal" => "普通",
            "priority" => "爱心优先",
            "green" => "绿色通道",
            "appointment" => "预约",
            other => other,
        }
        .into(),
        Dim::Day => key.to_string(),
    }
}

/// The ranking of the rows of a one-dim grouping by window or staff (红旗窗口, 高效之星): most
/// served, shortest mean handling, highest satisfaction, lowest over-limit rate. Rows without the
/// figure get no rank; ties share the better rank.
pub(crate) fn ranking(rows: &[Row]) -> Vec<RankRow> {
    fn ranks(values: &[Option<f64>], higher_is_better: bool) -> Vec<Option<u32>> {
        values
            .iter()
            .map(|v| {
                let v = (*v)?;
                let better = values
                    .iter()
                    .flatten()
                    .filter(|&&o| if higher_is_better { o > v } else { o < v })
                    .count();
                Some(u32::try_from(better).unwrap_or(u32::MAX) + 1)
            })
            .collect()
    }
    let served: Vec<Option<f64>> = rows.iter().map(|r| Some(r.figures.served as f64)).collect();
    let handle: Vec<Option<f64>> = rows.iter().map(|r| r.figures.handle.mean_s).collect();
    let sat: Vec<Option<f64>> = rows
        .iter()
        .map(|r| r.figures.ratings.satisfaction_rate)
        .collect();
    let over: Vec<Option<f64>> = rows.iter().map(|r| r.figures.over_limit_rate).collect();
    let (rs, rh, ra, ro) = (
        ranks(&served, true),
        ranks(&handle, false),
        ranks(&sat, true),
        ranks(&over, false),
    );
    let mut out: Vec<RankRow> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| RankRow {
            key: r.key.first().cloned().unwrap_or_default(),
            label: r.label.first().cloned().unwrap_or_default(),
            served: r.figures.served,
            served_rank: rs[i].unwrap_or(0),
            handle_mean_s: handle[i],
            handle_rank: rh[i],
            satisfaction_rate: sat[i],
            satisfaction_rank: ra[i],
            over_limit_rate: over[i],
            over_limit_rank: ro[i],
        })
        .collect();
    out.sort_by_key(|r| r.served_rank);
    out
}

#[cfg(test)]
mod tests;

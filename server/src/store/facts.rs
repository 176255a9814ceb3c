//! Report facts in SQLite (R23): written by [`Store::commit`] with the change that closed them, filled
//! once for tickets stored before facts existed ([`Store::backfill_facts`]), and read by reports
//! through their own read-only connection ([`FactReader`]), so a year's report never holds up the
//! engine: WAL lets it read the last committed state while the engine writes.
//!
//! Past days are also kept *packed* (migration 9): one `leg_packs` row per business day holding
//! all its legs as one blob ([`crate::report::legs::encode`]). Stepping SQLite through half a
//! million rows and decoding their columns was what made a year's report slow; a year of packs is
//! 250 rows. A pack is built when the first fact of a later day is written (so each day once, in
//! that commit) and at start-up for any day without one; a fact written for a day that has a pack
//! deletes the pack (a trigger), so a pack always holds exactly its day's facts, and a report reads
//! the facts themselves for every day without one (today, or a pack of another format).

use std::ops::Bound;
use std::path::Path;

use qcall_protocol::{LegOutcome, TicketClass};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, Transaction, params};

use super::{Store, StoreError};
use crate::config::HallConfig;
use crate::core::StoredTicket;
use crate::report::{Input, Leg, LegFact, Legs, OpenLeg, PauseFact, RatingFact, fact, legs};

const INSERT_LEG: &str = "INSERT OR IGNORE INTO leg_facts (business_day, hall_id, ticket_id, leg, weekday, hour,
    service_id, class, window, staff_no, issued_at, queued_at, called_at, started_at, finished_at, wait_ms,
    handle_ms, recalls, requeues, no_shows, outcome, special_call, out_of_order, limit_minutes, over_limit)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
    ?22, ?23, ?24, ?25)";

const INSERT_PAUSE: &str =
    "INSERT OR IGNORE INTO pause_facts (business_day, hall_id, window, since, until, weekday,
    hour, staff_no, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

fn outcome_str(o: LegOutcome) -> &'static str {
    match o {
        LegOutcome::Done => "done",
        LegOutcome::Transferred => "transferred",
        LegOutcome::Cancelled => "cancelled",
        LegOutcome::Expired => "expired",
    }
}

fn outcome_of(s: &str) -> LegOutcome {
    match s {
        "done" => LegOutcome::Done,
        "transferred" => LegOutcome::Transferred,
        "cancelled" => LegOutcome::Cancelled,
        _ => LegOutcome::Expired,
    }
}

fn class_of(s: &str) -> TicketClass {
    TicketClass::ALL
        .into_iter()
        .find(|c| c.as_str() == s)
        .unwrap_or_default()
}

/// Writes one leg fact. A fact is a function of a closed leg, which never changes: writing it twice
/// (two commands of one batch touching the ticket in the same millisecond) keeps the first. The
/// first fact of a day packs the day before it.
pub(super) fn write_leg(tx: &Transaction<'_>, hall: &str, f: &LegFact) -> Result<(), StoreError> {
    let written = tx.prepare_cached(INSERT_LEG)?.execute(params![
        f.business_day,
        hall,
        f.ticket_id,
        f.leg,
        f.weekday,
        f.hour,
        f.service_id,
        f.class.as_str(),
        f.window,
        f.staff_no,
        f.issued_at,
        f.queued_at,
        f.called_at,
        f.started_at,
        f.finished_at,
        f.wait_ms,
        f.handle_ms,
        f.recalls,
        f.requeues,
        f.no_shows,
        outcome_str(f.outcome),
        f.special_call,
        f.out_of_order,
        f.limit_minutes,
        f.over_limit,
    ])?;
    if written > 0 {
        // Two index lookups; a day's first fact finds the day before unpacked and packs it.
        let before: Option<String> = tx
            .prepare_cached(
                "SELECT d FROM (SELECT business_day AS d FROM leg_facts WHERE business_day < ?1
                    ORDER BY business_day DESC LIMIT 1)
                 WHERE NOT EXISTS (SELECT 1 FROM leg_packs WHERE business_day = d)",
            )?
            .query_row(params![f.business_day], |r| r.get(0))
            .optional()?;
        if let Some(day) = before {
            pack_day(tx, &day)?;
        }
    }
    Ok(())
}

/// Packs the leg facts of `day` into its `leg_packs` row.
fn pack_day(conn: &Connection, day: &str) -> Result<(), StoreError> {
    let mut legs = Legs::default();
    read_legs(conn, Bound::Included(day), Bound::Included(day), &mut legs)?;
    if legs.is_empty() {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT OR REPLACE INTO leg_packs (business_day, legs, data) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        day,
        i64::try_from(legs.len()).unwrap_or(i64::MAX),
        legs::encode(&legs)
    ])?;
    Ok(())
}

/// Column `i` as text, without copying it.
fn text<'r>(r: &'r Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    r.get_ref(i)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Adds the leg facts of the business days between `lo` and `hi` to `legs`, read in key order
/// with nothing allocated per row (texts are numbered by `legs`).
fn read_legs(
    conn: &Connection,
    lo: Bound<&str>,
    hi: Bound<&str>,
    legs: &mut Legs,
) -> Result<(), StoreError> {
    let (lo_op, lo) = match lo {
        Bound::Included(d) => (">=", d),
        Bound::Excluded(d) => (">", d),
        Bound::Unbounded => (">=", ""),
    };
    let (hi_op, hi, hi_none) = match hi {
        Bound::Included(d) => ("<=", d, false),
        Bound::Excluded(d) => ("<", d, false),
        Bound::Unbounded => ("<=", "", true),
    };
    let hi_cond = if hi_none {
        String::new()
    } else {
        format!("AND business_day {hi_op} ?2")
    };
    let sql = format!(
        "SELECT business_day, ticket_id, leg, weekday, hour, service_id, class, window, staff_no,
            wait_ms, handle_ms, recalls, no_shows, outcome, special_call, out_of_order, over_limit
         FROM leg_facts WHERE business_day {lo_op} ?1 {hi_cond}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = if hi_none {
        stmt.query(params![lo])?
    } else {
        stmt.query(params![lo, hi])?
    };
    let mut day: Option<u32> = None;
    while let Some(r) = rows.next()? {
        let d = text(r, 0)?;
        let day = match day {
            Some(id) if legs.texts().get(id as usize).is_some_and(|t| t == d) => id,
            _ => *day.insert(legs.id(d)),
        };
        let service = legs.id(text(r, 5)?);
        let staff = match r.get_ref(8)?.as_str_or_null() {
            Ok(s) => legs.id(s.unwrap_or_default()),
            Err(_) => legs.id(""),
        };
        legs.push(Leg {
            ticket_id: r.get(1)?,
            wait_ms: r.get(9)?,
            handle_ms: r.get(10)?,
            window: r.get(7)?,
            leg: r.get(2)?,
            recalls: r.get(11)?,
            day,
            service,
            staff,
            hour: r.get(4)?,
            weekday: r.get(3)?,
            class: class_of(text(r, 6)?),
            outcome: outcome_of(text(r, 13)?),
            no_shows: r.get::<_, u32>(12)? > 0,
            special_call: r.get(14)?,
            out_of_order: r.get(15)?,
            over_limit: r.get(16)?,
        });
    }
    Ok(())
}

/// Adds the packs of the days `from..=to` to `legs` and returns their days, in order. A pack that
/// does not decode is left out (its day's facts are read instead).
fn read_packs(
    conn: &Connection,
    from: &str,
    to: &str,
    legs: &mut Legs,
) -> Result<Vec<String>, StoreError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leg_packs')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT business_day, data FROM leg_packs WHERE business_day BETWEEN ?1 AND ?2
         ORDER BY business_day",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    let mut days = Vec::new();
    while let Some(r) = rows.next()? {
        let data = r.get_ref(1)?.as_blob().unwrap_or_default();
        if legs::decode(data, legs).is_some() {
            days.push(text(r, 0)?.to_string());
        }
    }
    Ok(days)
}

/// Writes one pause fact.
pub(super) fn write_pause(
    tx: &Transaction<'_>,
    hall: &str,
    p: &PauseFact,
) -> Result<(), StoreError> {
    tx.prepare_cached(INSERT_PAUSE)?.execute(params![
        p.business_day,
        hall,
        p.window,
        p.since,
        p.until,
        p.weekday,
        p.hour,
        p.staff_no,
        p.reason,
    ])?;
    Ok(())
}

/// The hall's id in its facts: made once, kept in `meta`, so facts combined from several halls
/// stay apart.
pub(super) fn hall_id(conn: &Connection) -> Result<String, StoreError> {
    let found: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'hall_id'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    let id = crate::auth::hex(&bytes);
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('hall_id', ?1)",
        params![id],
    )?;
    Ok(id)
}

impl Store {
    /// The facts of every closed leg of tickets stored before facts existed, once (a `meta` mark
    /// says it was done). Idempotent: facts already written are kept. Pauses before facts existed
    /// were kept only as daily sums and cannot be rebuilt as intervals.
    pub(crate) fn backfill_facts(&mut self, cfg: &HallConfig) -> Result<u64, StoreError> {
        let done: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'facts_backfilled'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_some() {
            self.pack_days()?;
            return Ok(0);
        }
        let hall = self.hall_id.clone();
        let tx = self.conn.transaction()?;
        let mut written = 0;
        {
            let mut stmt = tx.prepare("SELECT data FROM tickets ORDER BY id")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let data: String = row.get(0)?;
                let t: StoredTicket = serde_json::from_str(&data)?;
                for f in fact::all_closed(cfg, &t.ticket) {
                    write_leg(&tx, &hall, &f)?;
                    written += 1;
                }
            }
        }
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('facts_backfilled', ?1)",
            params![written.to_string()],
        )?;
        tx.commit()?;
        self.pack_days()?;
        Ok(written)
    }

    /// Packs every day that has facts and no pack, but the latest (today's, most likely still
    /// growing), in one transaction; returns how many. At start-up: after an upgrade every past
    /// day, otherwise none or the few a crash left.
    pub(crate) fn pack_days(&mut self) -> Result<u64, StoreError> {
        let tx = self.conn.transaction()?;
        let mut packed = 0;
        {
            let mut next = tx.prepare(
                "SELECT business_day FROM leg_facts WHERE business_day > ?1
                 ORDER BY business_day LIMIT 1",
            )?;
            let mut has =
                tx.prepare("SELECT EXISTS (SELECT 1 FROM leg_packs WHERE business_day = ?1)")?;
            let mut day: Option<String> = next.query_row([""], |r| r.get(0)).optional()?;
            while let Some(d) = day {
                let after: Option<String> = next.query_row([&d], |r| r.get(0)).optional()?;
                if after.is_some() && !has.query_row([&d], |r| r.get::<_, bool>(0))? {
                    pack_day(&tx, &d)?;
                    packed += 1;
                }
                day = after;
            }
        }
        tx.commit()?;
        Ok(packed)
    }
}

impl Store {
    /// Writes synthetic facts in one transaction (the reports benchmark).
    pub(crate) fn seed_facts(&mut self, facts: &[LegFact]) -> Result<(), StoreError> {
        let hall = self.hall_id.clone();
        let tx = self.conn.transaction()?;
        for f in facts {
            write_leg(&tx, &hall, f)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// A read-only connection for reports: the API's (on a blocking thread, never the engine's) and
/// the `report` command's against a running server's data folder.
pub(crate) struct FactReader {
    conn: Connection,
}

impl FactReader {
    /// Opens the database read-only. It must already exist (the server made it).
    pub(crate) fn open(path: &Path) -> Result<FactReader, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(FactReader { conn })
    }

    /// Everything a report of business days `from..=to` is made of, from one read transaction (one
    /// consistent state of the database).
    pub(crate) fn input(
        &mut self,
        cfg: &HallConfig,
        from: &str,
        to: &str,
    ) -> Result<Input, StoreError> {
        let tx = self.conn.transaction()?;
        let mut input = Input::default();
        {
            // Packed days, then the days between them from their facts.
            let packed = read_packs(&tx, from, to, &mut input.legs)?;
            let mut lo = Bound::Included(from);
            for day in &packed {
                read_legs(&tx, lo, Bound::Excluded(day.as_str()), &mut input.legs)?;
                lo = Bound::Excluded(day.as_str());
            }
            read_legs(&tx, lo, Bound::Included(to), &mut input.legs)?;
            let mut stmt = tx.prepare_cached(
                "SELECT business_day, window, since, until, weekday, hour, staff_no, reason
                 FROM pause_facts WHERE business_day BETWEEN ?1 AND ?2",
            )?;
            let mut rows = stmt.query(params![from, to])?;
            while let Some(r) = rows.next()? {
                input.pauses.push(PauseFact {
                    business_day: r.get(0)?,
                    window: r.get(1)?,
                    since: r.get(2)?,
                    until: r.get(3)?,
                    weekday: r.get(4)?,
                    hour: r.get(5)?,
                    staff_no: r.get(6)?,
                    reason: r.get(7)?,
                });
            }
            input.ratings = ratings(&tx, from, to)?;
            // Open tickets (today's): their first legs are issued, their open legs open.
            let mut stmt = tx.prepare_cached(
                "SELECT data FROM tickets
                 WHERE state IN ('waiting','called','serving','held','no_show')
                   AND business_day BETWEEN ?1 AND ?2",
            )?;
            let mut rows = stmt.query(params![from, to])?;
            while let Some(r) = rows.next()? {
                let t: StoredTicket = serde_json::from_str(r.get_ref(0)?.as_str().unwrap_or(""))?;
                input.open.extend(open_legs(cfg, &t));
            }
        }
        tx.finish()?;
        Ok(input)
    }
}

/// The legs of an open ticket that are still open.
fn open_legs(cfg: &HallConfig, t: &StoredTicket) -> Vec<OpenLeg> {
    let t = &t.ticket;
    t.legs
        .iter()
        .enumerate()
        .filter(|(_, l)| l.outcome.is_none())
        .map(|(i, l)| OpenLeg {
            first: i == 0,
            business_day: t.business_day.clone(),
            weekday: fact::weekday_of(&t.business_day),
            hour: u8::try_from(
                cfg.calendar
                    .local_minute(l.called_at.unwrap_or(l.queued_at))
                    / 60,
            )
            .unwrap_or(0),
            service_id: l.service_id.clone(),
            class: t.class,
            window: l.window,
            staff_no: l.staff_no.clone(),
        })
        .collect()
}

/// The ratings of the range's legs (R21: the ratings family's table, migration 3); none on a
/// database without that table. The one place reports read ratings.
fn ratings(conn: &Connection, from: &str, to: &str) -> Result<Vec<RatingFact>, StoreError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ratings')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT ticket_id, leg, level, appeal FROM ratings WHERE business_day BETWEEN ?1 AND ?2",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok(RatingFact {
            ticket_id: r.get(0)?,
            leg: r.get(1)?,
            level: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            upheld_as_false: r.get::<_, Option<String>>(3)?.as_deref() == Some("upheld"),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::tests::test_config;
    use crate::report::{RawQuery, Report, build};

    fn report(
        cfg: &HallConfig,
        input: &Input,
        from: &str,
        to: &str,
        by: &str,
        window: &str,
    ) -> Report {
        let q = RawQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            by: Some(by.into()),
            window: (!window.is_empty()).then(|| window.into()),
            ..RawQuery::default()
        }
        .parse(cfg)
        .expect("query");
        build(cfg, &q, input, 0)
    }

    fn packs(store: &Store) -> Vec<String> {
        let mut stmt = store
            .conn
            .prepare("SELECT business_day FROM leg_packs ORDER BY business_day")
            .expect("packs");
        stmt.query_map([], |r| r.get(0))
            .expect("packs")
            .collect::<Result<_, _>>()
            .expect("packs")
    }

    /// The fast path against the exact one: reports over packed days (with the facts of the days
    /// between) equal the reports over the facts as they were made, for every grouping, part
    /// ranges and a filter; a late fact unpacks its day, and start-up packs what is missing.
    #[test]
    fn reports_over_packs_equal_reports_over_the_facts() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("p.db");
        let cfg = test_config("");
        let mut store = Store::open(&path).expect("open");
        let mut all: Vec<LegFact> = Vec::new();
        let last: jiff::civil::Date = "2026-11-27".parse().expect("day");
        fact::synthetic(&cfg, 12, 150, last, |legs| {
            store.seed_facts(&legs).expect("seed");
            all.extend(legs);
        });
        let days: Vec<String> = {
            let mut d: Vec<String> = all.iter().map(|f| f.business_day.clone()).collect();
            d.dedup();
            d
        };
        assert_eq!(days.len(), 12);
        assert_eq!(
            packs(&store),
            days[..11],
            "each day packed when the next began"
        );
        // Ratings, some upheld as false, joined on (ticket, leg) over packs too.
        for f in all.iter().step_by(7) {
            let level = ["very_satisfied", "basic", "dissatisfied"][f.ticket_id as usize % 3];
            let appeal = if f.ticket_id % 5 == 0 {
                "upheld"
            } else {
                "none"
            };
            store
                .conn
                .execute(
                    "INSERT INTO ratings (ticket_id, leg, business_day, level, appeal) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![f.ticket_id, f.leg, f.business_day, level, appeal],
                )
                .expect("rating");
        }
        let mut reader = FactReader::open(&path).expect("reader");
        let by = "day,service,window,staff,hour,weekday,class,service*class*window";
        let ranges = [
            (days[0].as_str(), days[11].as_str()),
            (days[2].as_str(), days[8].as_str()),
            (days[11].as_str(), days[11].as_str()),
            (days[5].as_str(), days[5].as_str()),
        ];
        let check = |reader: &mut FactReader, all: &[LegFact]| {
            for (from, to) in ranges {
                let exact = Input {
                    legs: Legs::from(all),
                    ratings: reader.input(&cfg, from, to).expect("read").ratings,
                    ..Input::default()
                };
                let read = reader.input(&cfg, from, to).expect("read");
                for window in ["", "1,3"] {
                    assert_eq!(
                        report(&cfg, &read, from, to, by, window),
                        report(&cfg, &exact, from, to, by, window),
                        "{from}..{to} window {window:?}"
                    );
                }
                assert!(report(&cfg, &read, from, to, "", "").total.ratings.rated > 0);
            }
        };
        check(&mut reader, &all);

        // A late fact of a packed day: the pack goes, the day's facts are read instead.
        let mut late = all[3].clone();
        late.ticket_id = 1_000_000;
        store.seed_facts(std::slice::from_ref(&late)).expect("late");
        assert!(!packs(&store).contains(&days[0]));
        all.push(late);
        check(&mut reader, &all);

        // Start-up packs it again, and every other day but the last.
        store
            .conn
            .execute("DELETE FROM leg_packs WHERE business_day = ?1", [&days[4]])
            .expect("drop");
        assert_eq!(store.pack_days().expect("pack"), 2);
        assert_eq!(packs(&store), days[..11]);
        check(&mut reader, &all);
    }
}

//! Report facts in SQLite (R23): written by [`Store::commit`] with the change that closed them, filled
//! once for tickets stored before facts existed ([`Store::backfill_facts`]), and read by reports
//! through their own read-only connection ([`FactReader`]), so a year's report never holds up the
//! engine: WAL lets it read the last committed state while the engine writes.

use std::path::Path;

use qcall_protocol::{LegOutcome, TicketClass};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use super::{Store, StoreError};
use crate::config::HallConfig;
use crate::core::StoredTicket;
use crate::report::{Input, LegFact, OpenLeg, PauseFact, RatingFact, fact};

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
/// (two commands of one batch touching the ticket in the same millisecond) keeps the first.
pub(super) fn write_leg(tx: &Transaction<'_>, hall: &str, f: &LegFact) -> Result<(), StoreError> {
    tx.prepare_cached(INSERT_LEG)?.execute(params![
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
    Ok(())
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
        Ok(written)
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
            let mut stmt = tx.prepare_cached(
                "SELECT business_day, ticket_id, leg, weekday, hour, service_id, class, window,
                    staff_no, issued_at, queued_at, called_at, started_at, finished_at, wait_ms, handle_ms,
                    recalls, requeues, no_shows, outcome, special_call, out_of_order, limit_minutes, over_limit
                 FROM leg_facts WHERE business_day BETWEEN ?1 AND ?2",
            )?;
            let mut rows = stmt.query(params![from, to])?;
            while let Some(r) = rows.next()? {
                input.legs.push(LegFact {
                    business_day: r.get(0)?,
                    ticket_id: r.get(1)?,
                    leg: r.get(2)?,
                    weekday: r.get(3)?,
                    hour: r.get(4)?,
                    service_id: r.get(5)?,
                    class: class_of(r.get_ref(6)?.as_str().unwrap_or("")),
                    window: r.get(7)?,
                    staff_no: r.get(8)?,
                    issued_at: r.get(9)?,
                    queued_at: r.get(10)?,
                    called_at: r.get(11)?,
                    started_at: r.get(12)?,
                    finished_at: r.get(13)?,
                    wait_ms: r.get(14)?,
                    handle_ms: r.get(15)?,
                    recalls: r.get(16)?,
                    requeues: r.get(17)?,
                    no_shows: r.get(18)?,
                    outcome: outcome_of(r.get_ref(19)?.as_str().unwrap_or("")),
                    special_call: r.get(20)?,
                    out_of_order: r.get(21)?,
                    limit_minutes: r.get(22)?,
                    over_limit: r.get(23)?,
                });
            }
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

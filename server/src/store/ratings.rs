//! Ratings and cases in SQLite (R21, R22): the writes of the batch commit, the reads of the API
//! (pages, one rating or case, a window's figures of the day, the export) and what the hall needs
//! after a restart (the ratings of the last 评价时效, the open cases).
//!
//! A rating's row holds what reports join on; the number, the leg's times and the 办件编号 come
//! from the ticket's row, so a [`Rating`] is read back with a join, never stored twice.

use qcall_protocol::{
    AppealState, CaseId, CaseStep, CaseStepDone, Millis, Rating, RatingCounts, RatingId,
    RatingLevel, RatingReason, RatingSource, TicketId, WindowNo,
};
use rusqlite::{OptionalExtension, Row, Transaction, params, params_from_iter, types::Value};

use super::{Store, StoreError};
use crate::core::{CaseLive, RatingsRestored, StoredTicket};

/// Which ratings a page or an export holds.
#[derive(Debug, Clone, Default)]
pub(crate) struct RatingFilter {
    /// Business days of the service, inclusive (`YYYY-MM-DD`).
    pub(crate) from_day: Option<String>,
    pub(crate) to_day: Option<String>,
    pub(crate) window: Option<WindowNo>,
    pub(crate) staff_no: Option<String>,
    pub(crate) level: Option<RatingLevel>,
    pub(crate) appeal: Option<AppealState>,
    /// Only ratings with a smaller id (the next page).
    pub(crate) before: Option<RatingId>,
    pub(crate) limit: u32,
}

/// Which cases a page holds.
#[derive(Debug, Clone, Default)]
pub(crate) struct CaseFilter {
    /// `Some(true)`: open only; `Some(false)`: closed only.
    pub(crate) open: Option<bool>,
    pub(crate) staff_no: Option<String>,
    pub(crate) window: Option<WindowNo>,
    pub(crate) before: Option<CaseId>,
    pub(crate) limit: u32,
}

const RATING_COLUMNS: &str = "r.id, r.ticket_id, r.leg, r.business_day, r.service_id, r.window, \
     r.staff_no, r.level, r.reasons, r.text, r.source, r.at, r.appeal, t.data, c.id";
const RATING_FROM: &str =
    "FROM ratings r JOIN tickets t ON t.id = r.ticket_id LEFT JOIN cases c ON c.rating_id = r.id";

fn corrupt(what: &str) -> StoreError {
    StoreError::Sqlite(rusqlite::Error::InvalidColumnType(
        0,
        what.into(),
        rusqlite::types::Type::Text,
    ))
}

/// A rating from a row of [`RATING_COLUMNS`].
fn rating_of_row(row: &Row<'_>) -> Result<Result<Rating, StoreError>, rusqlite::Error> {
    let level: String = row.get(7)?;
    let reasons: String = row.get(8)?;
    let source: String = row.get(10)?;
    let appeal: String = row.get(12)?;
    let data: String = row.get(13)?;
    let leg: u32 = row.get(2)?;
    let id: i64 = row.get(0)?;
    let case_id: Option<i64> = row.get(14)?;
    let ticket_id: TicketId = row.get(1)?;
    let business_day: Option<String> = row.get(3)?;
    let service_id: Option<String> = row.get(4)?;
    let window: Option<WindowNo> = row.get(5)?;
    let staff_no: Option<String> = row.get(6)?;
    let text: Option<String> = row.get(9)?;
    let at: Option<Millis> = row.get(11)?;
    Ok((|| {
        let ticket: StoredTicket = serde_json::from_str(&data)?;
        let l = ticket
            .ticket
            .legs
            .get(leg as usize)
            .ok_or_else(|| corrupt("rating of a leg the ticket does not have"))?;
        Ok(Rating {
            id: u64::try_from(id).unwrap_or(0),
            ticket_id,
            number: ticket.ticket.number.clone(),
            leg,
            business_day: business_day.unwrap_or_default(),
            service_id: service_id.unwrap_or_default(),
            window: window.unwrap_or(0),
            staff_no,
            case_no: ticket.case_nos.get(&leg).cloned(),
            level: RatingLevel::parse(&level).ok_or_else(|| corrupt("rating level"))?,
            reasons: serde_json::from_str::<Vec<RatingReason>>(&reasons)?,
            text,
            source: match source.as_str() {
                "pad" => RatingSource::Pad,
                _ => RatingSource::Phone,
            },
            at: at.unwrap_or(0),
            called_at: l.called_at,
            started_at: l.started_at,
            finished_at: l.finished_at.unwrap_or(0),
            appeal: parse_appeal(&appeal),
            case_id: case_id.and_then(|c| u64::try_from(c).ok()),
        })
    })())
}

fn parse_appeal(text: &str) -> AppealState {
    match text {
        "pending" => AppealState::Pending,
        "upheld" => AppealState::Upheld,
        "rejected" => AppealState::Rejected,
        _ => AppealState::None,
    }
}

fn step_of(text: &str) -> Option<CaseStep> {
    CaseStep::ALL.into_iter().find(|s| s.as_str() == text)
}

/// The batch commit's writes (called inside its transaction).
pub(super) fn insert_rating(tx: &Transaction<'_>, r: &Rating) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO ratings (id, ticket_id, leg, business_day, service_id, window, staff_no, level, reasons, text, source, at, appeal)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        r.id as i64,
        r.ticket_id,
        r.leg,
        r.business_day,
        r.service_id,
        r.window,
        r.staff_no,
        r.level.as_str(),
        serde_json::to_string(&r.reasons)?,
        r.text,
        r.source.as_str(),
        r.at,
        r.appeal.as_str(),
    ])?;
    Ok(())
}

pub(super) fn set_appeal(
    tx: &Transaction<'_>,
    id: RatingId,
    appeal: AppealState,
) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE ratings SET appeal = ?2 WHERE id = ?1")?
        .execute(params![id as i64, appeal.as_str()])?;
    Ok(())
}

/// The personal-data purge (R29): the rating keeps its level and reasons, the citizen's words go,
/// from the rating's row and from its (closed) case's copy of it.
pub(super) fn remove_text(tx: &Transaction<'_>, id: RatingId) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE ratings SET text = NULL WHERE id = ?1")?
        .execute([id as i64])?;
    tx.prepare_cached(
        "UPDATE cases SET data = json_set(data, '$.rating.text', json('null')) WHERE rating_id = ?1",
    )?
    .execute([id as i64])?;
    Ok(())
}

pub(super) fn upsert_case(tx: &Transaction<'_>, c: &CaseLive) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO cases (id, rating_id, opened_at, business_day, window, staff_no, state, due_at, closed_at, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, closed_at = excluded.closed_at, data = excluded.data",
    )?
    .execute(params![
        c.id as i64,
        c.rating.id as i64,
        c.opened_at,
        c.rating.business_day,
        c.rating.window,
        c.rating.staff_no,
        if c.closed_at.is_some() { "closed" } else { "open" },
        c.due_at,
        c.closed_at,
        serde_json::to_string(c)?,
    ])?;
    Ok(())
}

pub(super) fn insert_step(
    tx: &Transaction<'_>,
    case_id: CaseId,
    d: &CaseStepDone,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO case_steps (case_id, step, by_staff, at, due_at, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        case_id as i64,
        d.step.as_str(),
        d.by,
        d.at,
        d.due_at,
        d.note
    ])?;
    Ok(())
}

impl Store {
    /// Ratings matching a filter, newest first.
    pub(crate) fn ratings(&self, f: &RatingFilter) -> Result<Vec<Rating>, StoreError> {
        let mut sql = format!("SELECT {RATING_COLUMNS} {RATING_FROM} WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, v: Value| {
            args.push(v);
            sql.push_str(&format!(" AND {clause} ?{}", args.len()));
        };
        if let Some(d) = &f.from_day {
            arg(&mut sql, "r.business_day >=", Value::Text(d.clone()));
        }
        if let Some(d) = &f.to_day {
            arg(&mut sql, "r.business_day <=", Value::Text(d.clone()));
        }
        if let Some(w) = f.window {
            arg(&mut sql, "r.window =", Value::Integer(i64::from(w)));
        }
        if let Some(s) = &f.staff_no {
            arg(&mut sql, "r.staff_no =", Value::Text(s.clone()));
        }
        if let Some(l) = f.level {
            arg(&mut sql, "r.level =", Value::Text(l.as_str().into()));
        }
        if let Some(a) = f.appeal {
            arg(&mut sql, "r.appeal =", Value::Text(a.as_str().into()));
        }
        if let Some(b) = f.before {
            arg(&mut sql, "r.id <", Value::Integer(b as i64));
        }
        args.push(Value::Integer(i64::from(f.limit)));
        sql.push_str(&format!(" ORDER BY r.id DESC LIMIT ?{}", args.len()));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), rating_of_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    /// One rating by id.
    pub(crate) fn rating(&self, id: RatingId) -> Result<Option<Rating>, StoreError> {
        let sql = format!("SELECT {RATING_COLUMNS} {RATING_FROM} WHERE r.id = ?1");
        self.conn
            .prepare_cached(&sql)?
            .query_row([id as i64], rating_of_row)
            .optional()?
            .transpose()
    }

    /// The rating of one leg, if it was rated.
    pub(crate) fn rating_of_leg(
        &self,
        ticket_id: TicketId,
        leg: u32,
    ) -> Result<Option<Rating>, StoreError> {
        let sql =
            format!("SELECT {RATING_COLUMNS} {RATING_FROM} WHERE r.ticket_id = ?1 AND r.leg = ?2");
        self.conn
            .prepare_cached(&sql)?
            .query_row(params![ticket_id, leg], rating_of_row)
            .optional()?
            .transpose()
    }

    /// A window's ratings of one business day (of the service), by level.
    pub(crate) fn rating_counts(
        &self,
        day: &str,
        window: WindowNo,
    ) -> Result<RatingCounts, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT level, appeal, COUNT(*) FROM ratings WHERE business_day = ?1 AND window = ?2 GROUP BY level, appeal",
        )?;
        let mut counts = RatingCounts::default();
        let rows = stmt.query_map(params![day, window], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })?;
        for row in rows {
            let (level, appeal, n) = row?;
            let level = RatingLevel::parse(&level).ok_or_else(|| corrupt("rating level"))?;
            for _ in 0..n {
                counts.add(level, parse_appeal(&appeal));
            }
        }
        Ok(counts)
    }

    /// The steps done of a case, in order.
    fn case_steps(&self, case_id: CaseId) -> Result<Vec<CaseStepDone>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT step, by_staff, at, due_at, note FROM case_steps WHERE case_id = ?1 ORDER BY at",
        )?;
        let rows = stmt.query_map([case_id as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Millis>(2)?,
                r.get::<_, Millis>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut steps = Vec::new();
        for row in rows {
            let (step, by, at, due_at, note) = row?;
            steps.push(CaseStepDone {
                step: step_of(&step).ok_or_else(|| corrupt("case step"))?,
                by,
                at,
                note,
                due_at,
            });
        }
        steps.sort_by_key(|s| s.step);
        Ok(steps)
    }

    fn case_of_data(&self, id: i64, data: &str) -> Result<CaseLive, StoreError> {
        let mut case: CaseLive = serde_json::from_str(data)?;
        case.steps = self.case_steps(u64::try_from(id).unwrap_or(0))?;
        Ok(case)
    }

    /// Cases matching a filter, newest first.
    pub(crate) fn cases(&self, f: &CaseFilter) -> Result<Vec<CaseLive>, StoreError> {
        let mut sql = String::from("SELECT id, data FROM cases WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        match f.open {
            Some(true) => sql.push_str(" AND state = 'open'"),
            Some(false) => sql.push_str(" AND state = 'closed'"),
            None => {}
        }
        if let Some(s) = &f.staff_no {
            args.push(Value::Text(s.clone()));
            sql.push_str(&format!(" AND staff_no = ?{}", args.len()));
        }
        if let Some(w) = f.window {
            args.push(Value::Integer(i64::from(w)));
            sql.push_str(&format!(" AND window = ?{}", args.len()));
        }
        if let Some(b) = f.before {
            args.push(Value::Integer(b as i64));
            sql.push_str(&format!(" AND id < ?{}", args.len()));
        }
        args.push(Value::Integer(i64::from(f.limit)));
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ?{}", args.len()));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows: Vec<(i64, String)> = stmt
            .query_map(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        rows.iter()
            .map(|(id, data)| self.case_of_data(*id, data))
            .collect()
    }

    /// One case by id.
    pub(crate) fn case(&self, id: CaseId) -> Result<Option<CaseLive>, StoreError> {
        let data: Option<String> = self
            .conn
            .prepare_cached("SELECT data FROM cases WHERE id = ?1")?
            .query_row([id as i64], |r| r.get(0))
            .optional()?;
        data.map(|d| self.case_of_data(id as i64, &d)).transpose()
    }

    /// Ratings given before `before` that still carry a text and whose case, if any, is closed
    /// (R29), at most `limit`.
    pub(crate) fn rating_texts_before(
        &self,
        before: Millis,
        limit: u32,
    ) -> Result<Vec<RatingId>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.id FROM ratings r WHERE r.at < ?1 AND r.text IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.rating_id = r.id AND c.state = 'open')
             ORDER BY r.id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![before, limit], |r| r.get::<_, i64>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(u64::try_from(row?).unwrap_or(0));
        }
        Ok(out)
    }

    /// What the hall needs of ratings after a restart: the next ids, the ratings of the last 30
    /// days (the longest 评价时效 a hall may set; the hall keeps those of its own), open cases.
    pub(super) fn ratings_restored(&self) -> Result<RatingsRestored, StoreError> {
        let c = &self.conn;
        let max_rating: Option<i64> =
            c.query_row("SELECT MAX(id) FROM ratings", [], |r| r.get(0))?;
        let max_case: Option<i64> = c.query_row("SELECT MAX(id) FROM cases", [], |r| r.get(0))?;
        let mut stmt = c.prepare(
            "SELECT ticket_id, leg, id, at FROM ratings
             WHERE at >= (SELECT MAX(at) FROM ratings) - 30 * 86400000",
        )?;
        let recent = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, TicketId>(0)?,
                    r.get::<_, u32>(1)?,
                    u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    r.get::<_, Millis>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut stmt = c.prepare("SELECT id, data FROM cases WHERE state = 'open' ORDER BY id")?;
        let rows: Vec<(i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let open_cases = rows
            .iter()
            .map(|(id, data)| self.case_of_data(*id, data))
            .collect::<Result<_, _>>()?;
        Ok(RatingsRestored {
            next_rating_id: u64::try_from(max_rating.unwrap_or(0) + 1).unwrap_or(1),
            next_case_id: u64::try_from(max_case.unwrap_or(0) + 1).unwrap_or(1),
            recent,
            open_cases,
        })
    }
}

//! The reads that rebuild the live hall after a restart: open tickets, windows, today's counters and
//! figures, the recent calls and the notices, and what ratings and cases need (`ratings`).

use std::collections::HashMap;

use qcall_protocol::Call;
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::core::{Restored, Stat, StoredTicket, WindowLive};

impl Store {
    /// Everything the live hall needs after a restart: open tickets and the state of the last
    /// business day that saw activity.
    pub(crate) fn restore(&mut self) -> Result<Restored, StoreError> {
        let c = &self.conn;
        let seq: Option<i64> = c.query_row("SELECT MAX(seq) FROM audit", [], |r| r.get(0))?;
        let max_id: Option<i64> = c.query_row("SELECT MAX(id) FROM tickets", [], |r| r.get(0))?;
        let day: Option<String> = c
            .query_row(
                "SELECT business_day FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let mut tickets = Vec::new();
        let mut stmt = c.prepare(
            "SELECT data FROM tickets WHERE state IN ('waiting','called','serving','held','no_show') ORDER BY id",
        )?;
        for data in stmt.query_map([], |r| r.get::<_, String>(0))? {
            tickets.push(serde_json::from_str::<StoredTicket>(&data?)?);
        }
        let mut windows = Vec::new();
        let mut stmt = c.prepare("SELECT data FROM windows ORDER BY number")?;
        for data in stmt.query_map([], |r| r.get::<_, String>(0))? {
            windows.push(serde_json::from_str::<WindowLive>(&data?)?);
        }
        let mut counters = HashMap::new();
        let mut stats = HashMap::new();
        let mut recent_calls = Vec::new();
        if let Some(day) = &day {
            let mut stmt = c.prepare("SELECT key, value FROM counters WHERE business_day = ?1")?;
            for row in
                stmt.query_map([day], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?
            {
                let (k, v) = row?;
                counters.insert(k, v);
            }
            let mut stmt = c.prepare("SELECT key, data FROM stats WHERE business_day = ?1")?;
            for row in stmt.query_map([day], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })? {
                let (k, v) = row?;
                stats.insert(k, serde_json::from_str::<Stat>(&v)?);
            }
            let mut stmt = c.prepare(
                "SELECT detail FROM audit WHERE business_day = ?1
                 AND action IN ('call_next', 'call_number', 'recall', 'unhold') ORDER BY seq DESC LIMIT ?2",
            )?;
            for detail in stmt.query_map(params![day, crate::core::RECENT_CALLS as i64], |r| {
                r.get::<_, String>(0)
            })? {
                let detail: serde_json::Value = serde_json::from_str(&detail?)?;
                if let Some(call) = detail.get("call") {
                    recent_calls.push(serde_json::from_value::<Call>(call.clone())?);
                }
            }
        }
        let notices: Option<String> = c
            .query_row(
                "SELECT value FROM settings WHERE key = 'notices'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(Restored {
            seq: u64::try_from(seq.unwrap_or(0)).unwrap_or(0),
            next_ticket_id: max_id.unwrap_or(0) + 1,
            business_day: day,
            tickets,
            windows,
            counters,
            stats,
            notices: notices.map(|n| serde_json::from_str(&n)).transpose()?,
            recent_calls,
            ratings: self.ratings_restored()?,
        })
    }
}

//! SQLite storage: schema migrations, the group-committed write of a batch of applied commands, and
//! the reads that rebuild the live hall after a restart.
//!
//! Only the engine thread owns a `Store`: SQLite calls block, so they never run on tokio's workers.
//! WAL with `synchronous=FULL` makes every commit durable before anyone is told about it (R28); one
//! commit (one fsync) covers every command of a batch, which is what lets durability keep up with load.

use std::collections::HashMap;
use std::path::Path;

use qcall_protocol::{AuditEntry, Call, Millis, TicketId};
use rusqlite::{Connection, OptionalExtension, params};

use crate::auth::{hex, unhex};
use crate::core::{Applied, Change, Restored, Stat, StoredTicket, WindowLive};

/// Schema versions, applied in order; `PRAGMA user_version` says how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        business_day TEXT NOT NULL,
        number TEXT NOT NULL,
        service_id TEXT NOT NULL,
        class TEXT NOT NULL,
        state TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    -- R1: a number is never given twice in a business day, whatever the code does.
    CREATE UNIQUE INDEX tickets_day_number ON tickets(business_day, number);
    -- Start-up reads only open tickets, however long the history.
    CREATE INDEX tickets_open ON tickets(state) WHERE state IN ('waiting','called','serving','held','no_show');
    CREATE TABLE counters (business_day TEXT NOT NULL, key TEXT NOT NULL, value INTEGER NOT NULL,
        PRIMARY KEY (business_day, key)) WITHOUT ROWID;
    CREATE TABLE stats (business_day TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (business_day, key)) WITHOUT ROWID;
    CREATE TABLE windows (number INTEGER PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    -- R6: the answer to every command but issue sent with a request id, for retries; purged each new day.
    CREATE TABLE requests (principal TEXT NOT NULL, request_id TEXT NOT NULL, business_day TEXT NOT NULL,
        response TEXT NOT NULL, PRIMARY KEY (principal, request_id)) WITHOUT ROWID;
    -- R28: append-only audit log; triggers refuse any change to what was written.
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        business_day TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        window INTEGER,
        ticket_id INTEGER,
        number TEXT,
        out_of_order INTEGER NOT NULL,
        detail TEXT NOT NULL,
        -- The client's request id (R6): an issue's retry finds its ticket through this row.
        request_id TEXT
    );
    CREATE INDEX audit_day_action ON audit(business_day, action);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    ",
];

/// Why the store failed. The engine answers `unavailable` and rebuilds from what was committed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON is unreadable: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the system has no randomness: {0}")]
    Random(String),
    #[error("the database was written by a newer qcall (schema {found}, this build knows {known})")]
    TooNew { found: i64, known: usize },
}

/// A command's answer kept for retries with the same request id (R6).
pub(crate) struct SavedRequest {
    pub(crate) principal: String,
    pub(crate) request_id: String,
    pub(crate) response: String,
}

/// Who sent a request id, and the id: `("device:kiosk-1", "touch-17")`.
pub(crate) type RequestKey = (String, String);

/// The first answer to a request id, kept for the business day (R6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Saved {
    /// An issue: the answer is rebuilt from the ticket, so only its id is kept; the issue's audit row
    /// is what persists it.
    Issued(TicketId),
    /// Any other command: its answer as sent, persisted in the `requests` table.
    Json(std::sync::Arc<str>),
}

/// The hall's database.
pub(crate) struct Store {
    conn: Connection,
    path: std::path::PathBuf,
}

/// Checkpoints the WAL into the database file from its own thread and connection, so the engine
/// thread never pays for it; a last full checkpoint runs when it is dropped.
pub(crate) struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Moves WAL checkpoints off this connection onto a thread of their own.
    pub(crate) fn checkpointer(&self) -> Option<Checkpointer> {
        let conn = Connection::open(&self.path).ok()?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("qcall-checkpoint".into())
            .spawn(move || {
                use std::sync::mpsc::RecvTimeoutError;
                loop {
                    match stopped.recv_timeout(std::time::Duration::from_millis(500)) {
                        Err(RecvTimeoutError::Timeout) => {
                            if let Err(err) =
                                conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                            {
                                tracing::warn!(cause = %err, "checkpoint failed; retrying");
                            }
                        }
                        _ => {
                            let _ =
                                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
                            return;
                        }
                    }
                }
            })
            .ok()?;
        // Only now that someone else checkpoints may this connection stop doing it.
        self.conn
            .pragma_update(None, "wal_autocheckpoint", 0)
            .ok()?;
        Some(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The answers to today's request ids (R6), for retries after a restart.
    pub(crate) fn requests(&self, day: &str) -> Result<Vec<(RequestKey, Saved)>, StoreError> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT actor, request_id, ticket_id FROM audit
             WHERE business_day = ?1 AND action = 'issue' AND request_id IS NOT NULL",
        )?;
        for row in stmt.query_map([day], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, TicketId>(2)?,
            ))
        })? {
            let (actor, rid, id) = row?;
            out.push(((actor, rid), Saved::Issued(id)));
        }
        let mut stmt = self.conn.prepare(
            "SELECT principal, request_id, response FROM requests WHERE business_day = ?1",
        )?;
        for row in stmt.query_map([day], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (actor, rid, json) = row?;
            out.push(((actor, rid), Saved::Json(json.into())));
        }
        Ok(out)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew {
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The hall's secret for keyed hashes and staff tokens, made on first start.
    pub(crate) fn secret(&mut self) -> Result<Vec<u8>, StoreError> {
        let found: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'secret'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(hex) = found.and_then(|h| unhex(&h)) {
            return Ok(hex);
        }
        let mut secret = vec![0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| StoreError::Random(e.to_string()))?;
        self.conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('secret', ?1)",
            params![hex(&secret)],
        )?;
        Ok(secret)
    }

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
        })
    }

    /// Writes a batch of applied commands in one transaction: one fsync for all of them.
    pub(crate) fn commit(
        &mut self,
        batch: &[Applied],
        requests: &[SavedRequest],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut audit = tx.prepare_cached(
                "INSERT INTO audit (seq, at, business_day, actor, action, window, ticket_id, number, out_of_order, detail, request_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            let mut ticket = tx.prepare_cached(
                "INSERT INTO tickets (id, business_day, number, service_id, class, state, issued_at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(id) DO UPDATE SET state = excluded.state, data = excluded.data",
            )?;
            let mut counter = tx.prepare_cached(
                "INSERT INTO counters (business_day, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT(business_day, key) DO UPDATE SET value = excluded.value",
            )?;
            let mut stat = tx.prepare_cached(
                "INSERT INTO stats (business_day, key, data) VALUES (?1, ?2, ?3)
                 ON CONFLICT(business_day, key) DO UPDATE SET data = excluded.data",
            )?;
            let mut window = tx.prepare_cached(
                "INSERT INTO windows (number, data) VALUES (?1, ?2)
                 ON CONFLICT(number) DO UPDATE SET data = excluded.data",
            )?;
            for a in batch {
                let day = &a.business_day;
                audit.execute(params![
                    a.seq as i64,
                    a.at,
                    day,
                    a.audit.actor,
                    a.audit.action,
                    a.audit.window,
                    a.audit.ticket_id,
                    a.audit.number,
                    a.audit.out_of_order,
                    a.audit.detail.to_string(),
                    a.audit.request_id,
                ])?;
                for change in &a.changes {
                    match change {
                        Change::Ticket(t) => {
                            let x = &t.ticket;
                            ticket.execute(params![
                                x.id,
                                x.business_day,
                                x.number,
                                x.origin_service_id,
                                x.class.as_str(),
                                x.state.as_str(),
                                x.issued_at,
                                serde_json::to_string(&**t)?,
                            ])?;
                        }
                        Change::Counter { key, value } => {
                            counter.execute(params![day, key, value])?;
                        }
                        Change::Stat { key, stat: s } => {
                            stat.execute(params![day, key, serde_json::to_string(s)?])?;
                        }
                        Change::Window(w) => {
                            window.execute(params![w.number, serde_json::to_string(w)?])?;
                        }
                        Change::Notices(n) => {
                            tx.execute(
                                "INSERT OR REPLACE INTO settings (key, value) VALUES ('notices', ?1)",
                                params![serde_json::to_string(n)?],
                            )?;
                        }
                    }
                }
                if a.audit.action == "day_rollover" {
                    tx.execute("DELETE FROM requests WHERE business_day < ?1", params![day])?;
                }
            }
            let day = batch
                .last()
                .map(|a| a.business_day.as_str())
                .unwrap_or_default();
            let mut request = tx.prepare_cached(
                "INSERT OR IGNORE INTO requests (principal, request_id, business_day, response) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for r in requests {
                request.execute(params![r.principal, r.request_id, day, r.response])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Any ticket by id, open or closed.
    pub(crate) fn ticket(&self, id: TicketId) -> Result<Option<StoredTicket>, StoreError> {
        let data: Option<String> = self
            .conn
            .prepare_cached("SELECT data FROM tickets WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    /// A page of the audit log after `after`.
    pub(crate) fn audit(&self, after: u64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, business_day, actor, action, window, ticket_id, number, out_of_order, detail
             FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after as i64, limit], |r| {
            Ok(AuditEntry {
                seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                at: r.get(1)?,
                business_day: r.get(2)?,
                actor: r.get(3)?,
                action: r.get(4)?,
                window: r.get(5)?,
                ticket_id: r.get(6)?,
                number: r.get(7)?,
                out_of_order: r.get(8)?,
                detail: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Fills the database with `count` served tickets of past days, for the history benchmark.
    pub(crate) fn seed_history(
        &mut self,
        count: u64,
        services: &[(String, String)],
        days_before: Millis,
        day_of: impl Fn(Millis) -> String,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut ticket = tx.prepare(
                "INSERT INTO tickets (id, business_day, number, service_id, class, state, issued_at, data)
                 VALUES (?1, ?2, ?3, ?4, 'normal', 'done', ?5, ?6)",
            )?;
            let mut audit = tx.prepare(
                "INSERT INTO audit (seq, at, business_day, actor, action, window, ticket_id, number, out_of_order, detail)
                 VALUES (?1, ?2, ?3, 'device:seed', 'issue', NULL, ?4, ?5, 0, '{}')",
            )?;
            let per_day = 2_000u64;
            let start_ms = days_before - (count / per_day + 1) as i64 * 86_400_000;
            for i in 0..count {
                let id = i as i64 + 1;
                let day_index = i / per_day;
                let at = start_ms + day_index as i64 * 86_400_000 + (i % per_day) as i64 * 10_000;
                let day = day_of(at);
                let (service, prefix) = &services[(i % services.len() as u64) as usize];
                let number = format!("{prefix}{:03}", i % per_day / services.len() as u64 + 1);
                let data = format!(
                    r#"{{"ticket":{{"id":{id},"number":"{number}","business_day":"{day}","class":"normal","state":"done","origin_service_id":"{service}","service_id":"{service}","issued_at":{at},"window":1,"phone_masked":null,"legs":[]}},"token":"{id:012x}00000000000000000000000000000000","citizen_hash":null,"pos":{{"tier":1,"key":0}},"transfer_seq":0}}"#
                );
                ticket.execute(params![id, day, number, service, at, data])?;
                audit.execute(params![id, at, day, id, number])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::at;
    use crate::core::tests::test_config;
    use crate::core::{Actor, Command, Hall, IssueCmd};
    use qcall_protocol::TicketClass;
    use std::sync::Arc;

    #[test]
    fn a_restart_rebuilds_the_same_hall() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("hall.db");
        let cfg = Arc::new(test_config(""));
        let now = at("2026-11-23 09:30");
        let mut store = Store::open(&path).expect("open");
        let mut hall = Hall::new(cfg.clone(), store.restore().expect("restore"), now);
        let staff = Actor::Staff("s1".into());
        let mut batch = Vec::new();
        batch.push(
            hall.apply(&staff, Command::SignIn { window: 1 }, now)
                .expect("sign in"),
        );
        for i in 0..5 {
            let cmd = Command::Issue(IssueCmd {
                service_id: "a".into(),
                class: if i == 2 {
                    TicketClass::Priority
                } else {
                    TicketClass::Normal
                },
                citizen_hash: None,
                phone_masked: Some("138****0000".into()),
                helper: None,
                secret: format!("{i:032x}"),
            });
            batch.push(hall.apply(&staff, cmd, now).expect("issue"));
        }
        batch.push(
            hall.apply(&staff, Command::CallNext { window: 1 }, now)
                .expect("call"),
        );
        batch.push(
            hall.apply(
                &Actor::System,
                Command::SetNotices {
                    notices: vec!["新".into()],
                },
                now,
            )
            .expect("notices"),
        );
        store.commit(&batch, &[]).expect("commit");
        drop(store);

        let mut store = Store::open(&path).expect("reopen");
        let again = Hall::new(cfg, store.restore().expect("restore"), now);
        assert_eq!(again.open_tickets(), hall.open_tickets());
        assert_eq!(again.window_views(), hall.window_views());
        assert_eq!(again.preview(1, 10), hall.preview(1, 10));
        assert_eq!(again.availability_all(now), hall.availability_all(now));
        assert_eq!(again.recent_calls(), hall.recent_calls());
        assert_eq!(again.seq(), hall.seq());
        assert_eq!(again.hall_info(now).notices, ["新".to_string()]);
    }

    #[test]
    fn the_audit_log_cannot_be_rewritten() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("a.db")).expect("open");
        let cfg = Arc::new(test_config(""));
        let now = at("2026-11-23 09:30");
        let mut hall = Hall::new(cfg, Restored::default(), now);
        let a = hall
            .apply(
                &Actor::Staff("s1".into()),
                Command::SignIn { window: 1 },
                now,
            )
            .expect("sign in");
        store.commit(&[a], &[]).expect("commit");
        let update = store
            .conn
            .execute("UPDATE audit SET actor = 'someone else'", []);
        assert!(update.is_err(), "update refused");
        assert!(
            store.conn.execute("DELETE FROM audit", []).is_err(),
            "delete refused"
        );
        assert_eq!(store.audit(0, 10).expect("audit").len(), 1);
    }

    #[test]
    fn a_number_cannot_be_stored_twice_in_a_day() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("n.db")).expect("open");
        store
            .seed_history(
                3,
                &[("a".into(), "A".into())],
                at("2026-11-23 09:00"),
                |_| "2026-11-20".into(),
            )
            .expect("seed");
        let dup = store.conn.execute(
            "INSERT INTO tickets (id, business_day, number, service_id, class, state, issued_at, data)
             SELECT 100, business_day, number, service_id, class, state, issued_at, data FROM tickets WHERE id = 1",
            [],
        );
        assert!(dup.is_err());
    }
}

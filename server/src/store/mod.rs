//! SQLite storage: schema migrations, the group-committed write of a batch of applied commands, and
//! the reads that rebuild the live hall after a restart.
//!
//! Only the engine thread owns a `Store`: SQLite calls block, so they never run on tokio's workers.
//! WAL with `synchronous=FULL` makes every commit durable before anyone is told about it (R28); one
//! commit (one fsync) covers every command of a batch, which is what lets durability keep up with load.
//!
//! The schema is in [`migrations`], the start-up reads in [`restore`], WAL checkpoints in [`checkpoint`],
//! ratings and cases in [`ratings`].

pub(crate) mod backup;
mod checkpoint;
mod facts;
mod migrations;
pub(crate) mod outbox;
mod ratings;
mod restore;

pub(crate) use ratings::{CaseFilter, RatingFilter};

use std::path::Path;

use qcall_protocol::{AuditEntry, Millis, TicketId};
use rusqlite::{Connection, OptionalExtension, params};

use crate::auth::{hex, unhex};
use crate::core::{Applied, Change, Revocation, StoredBooking, StoredTicket};
pub(crate) use facts::FactReader;

/// What `GET /audit` may narrow the log to; `None` matches everything.
#[derive(Debug, Default, Clone)]
pub(crate) struct AuditFilter {
    pub(crate) day: Option<String>,
    pub(crate) window: Option<u32>,
    pub(crate) staff: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) out_of_order: bool,
}

/// Why the store failed. The engine answers `unavailable` and rebuilds from what was committed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON is unreadable: {0}")]
    Json(#[from] serde_json::Error),
    #[error("database file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the system has no randomness: {0}")]
    Random(String),
    #[error("the database was written by a newer qcall (schema {found}, this build knows {known})")]
    TooNew { found: i64, known: usize },
}

/// A command's answer kept for retries with the same request id (R6).
pub(crate) struct SavedRequest {
    pub(crate) principal: String,
    pub(crate) request_id: String,
    /// What was asked ([`crate::core::Command::fingerprint`]), so a reused id is told apart.
    pub(crate) fingerprint: String,
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
    /// Any other command: what it asked and its answer as sent, persisted in the `requests` table.
    Json {
        /// `None` for answers stored before fingerprints were kept.
        fingerprint: Option<std::sync::Arc<str>>,
        json: std::sync::Arc<str>,
    },
}

/// The hall's database.
pub(crate) struct Store {
    conn: Connection,
    path: std::path::PathBuf,
    /// The hall's id in its report facts.
    hall_id: String,
    /// Tests set it to make the next commits fail after writing, as a full disk would.
    #[cfg(test)]
    pub(crate) fail_commits: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Store, StoreError> {
        // Readable by the server's user only (issue 21); SQLite gives the WAL and shared-memory files
        // the database file's mode.
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)?;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            for extra in ["-wal", "-shm"] {
                let mut p = path.as_os_str().to_owned();
                p.push(extra);
                let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
            }
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Purged personal data (R29) and deleted rows are overwritten, not left in free space.
        conn.pragma_update(None, "secure_delete", "ON")?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            hall_id: String::new(),
            #[cfg(test)]
            fail_commits: Default::default(),
        };
        migrations::migrate(&mut store.conn)?;
        store.hall_id = facts::hall_id(&store.conn)?;
        Ok(store)
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
            "SELECT principal, request_id, response, fingerprint FROM requests WHERE business_day = ?1",
        )?;
        for row in stmt.query_map([day], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })? {
            let (actor, rid, json, fingerprint) = row?;
            out.push((
                (actor, rid),
                Saved::Json {
                    fingerprint: fingerprint.map(Into::into),
                    json: json.into(),
                },
            ));
        }
        Ok(out)
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
                        Change::Fact(f) => facts::write_leg(&tx, &self.hall_id, f)?,
                        Change::Pause(p) => facts::write_pause(&tx, &self.hall_id, p)?,
                        Change::Rating(r) => ratings::insert_rating(&tx, r)?,
                        Change::RatingAppeal { id, appeal } => {
                            ratings::set_appeal(&tx, *id, *appeal)?;
                        }
                        Change::Case(c) => ratings::upsert_case(&tx, c)?,
                        Change::CaseStep { case_id, done } => {
                            ratings::insert_step(&tx, *case_id, done)?;
                        }
                        Change::Revocation(r) => {
                            let (kind, key, value) = revocation_row(r);
                            tx.execute(
                                "INSERT OR REPLACE INTO revocations (kind, key, value) VALUES (?1, ?2, ?3)",
                                params![kind, key, value],
                            )?;
                        }
                        Change::RatingTextRemoved(id) => ratings::remove_text(&tx, *id)?,
                        Change::NoticePhone { .. }
                        | Change::NoticePhoneMoved { .. }
                        | Change::Notice(_) => {}
                        Change::Booking(b) => {
                            tx.prepare_cached(
                                "INSERT INTO bookings (id, service_id, date, slot_start, state, booked_at, closed_at, ticket_id, data)
                                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                                 ON CONFLICT(id) DO UPDATE SET state = excluded.state, closed_at = excluded.closed_at,
                                 ticket_id = excluded.ticket_id, data = excluded.data",
                            )?
                            .execute(params![
                                b.id,
                                b.service_id,
                                b.date,
                                b.slot.0,
                                b.state.as_str(),
                                b.booked_at,
                                b.closed_at,
                                b.ticket_id,
                                serde_json::to_string(&**b)?,
                            ])?;
                        }
                    }
                    // Notices (R32): phones kept, moved and dropped with their owner, the outbox.
                    outbox::write(&tx, &self.hall_id, change)?;
                }
                if a.audit.action == "day_rollover" {
                    tx.execute("DELETE FROM requests WHERE business_day < ?1", params![day])?;
                    tx.execute(
                        "DELETE FROM revocations WHERE kind = 'token' AND value <= ?1",
                        params![a.at],
                    )?;
                    outbox::forget_settled_before(&tx, a.at - 30 * 86_400_000)?;
                }
            }
            let day = batch
                .last()
                .map(|a| a.business_day.as_str())
                .unwrap_or_default();
            let mut request = tx.prepare_cached(
                "INSERT OR IGNORE INTO requests (principal, request_id, business_day, response, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for r in requests {
                request.execute(params![
                    r.principal,
                    r.request_id,
                    day,
                    r.response,
                    r.fingerprint
                ])?;
            }
        }
        #[cfg(test)]
        if self.fail_commits.load(std::sync::atomic::Ordering::SeqCst) {
            // Everything above was written; the transaction is dropped, so it rolls back.
            return Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
                Some("injected: database or disk is full".into()),
            )));
        }
        tx.commit()?;
        Ok(())
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Up to `limit` tickets issued before `before` that still hold personal data (R29), oldest first.
    pub(crate) fn personal_before(
        &self,
        before: Millis,
        limit: u32,
    ) -> Result<Vec<StoredTicket>, StoreError> {
        self.data_rows(
            r#"SELECT data FROM tickets WHERE issued_at < ?1
               AND (data LIKE '%"citizen_hash":"%' OR data LIKE '%"phone_masked":"%' OR data LIKE '%"note":"%')
               ORDER BY id LIMIT ?2"#,
            before,
            limit,
        )
    }

    /// Closed bookings made before `before` that still hold a name, phone or hash (R29), at most
    /// `limit`.
    pub(crate) fn bookings_personal_before(
        &self,
        before: Millis,
        limit: u32,
    ) -> Result<Vec<StoredBooking>, StoreError> {
        self.data_rows(
            r#"SELECT data FROM bookings WHERE booked_at < ?1 AND state <> 'booked'
               AND (data LIKE '%"phone_hash":"_%' OR data LIKE '%"name_masked":"_%')
               ORDER BY id LIMIT ?2"#,
            before,
            limit,
        )
    }

    /// The JSON `data` column of the rows `sql` selects with `?1 = before` and `?2 = limit`, read back.
    fn data_rows<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        before: Millis,
        limit: u32,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![before, limit], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?)?);
        }
        Ok(out)
    }

    /// Every session revocation still in force at `now` (a signed-out token past its expiry needs
    /// none; such rows go at the day rollover).
    pub(crate) fn revocations(&self, now: Millis) -> Result<Vec<Revocation>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT kind, key, value FROM revocations
             WHERE NOT (kind = 'token' AND value <= ?1) ORDER BY kind, key",
        )?;
        let rows = stmt.query_map([now], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, key, value) = row?;
            out.push(match kind.as_str() {
                "token" => Revocation::Token {
                    mac: key,
                    expires: value,
                },
                "sessions" => Revocation::Sessions {
                    staff_no: key,
                    at: value,
                },
                _ => Revocation::Disabled {
                    staff_no: key,
                    disabled: value != 0,
                },
            });
        }
        Ok(out)
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
    pub(crate) fn audit(
        &self,
        after: u64,
        limit: u32,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // Each filter is one fixed clause; a missing one matches everything (`?N IS NULL`).
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, business_day, actor, action, window, ticket_id, number, out_of_order, detail
             FROM audit WHERE seq > ?1
               AND (?3 IS NULL OR business_day = ?3)
               AND (?4 IS NULL OR window = ?4)
               AND (?5 IS NULL OR actor = ?5)
               AND (?6 IS NULL OR action = ?6)
               AND (?7 = 0 OR out_of_order = 1)
             ORDER BY seq LIMIT ?2",
        )?;
        let actor = filter.staff.as_ref().map(|s| format!("staff:{s}"));
        let args = params![
            after as i64,
            limit,
            filter.day,
            filter.window,
            actor,
            filter.action,
            filter.out_of_order
        ];
        let rows = stmt.query_map(args, |r| {
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

    /// How many calls of `business_day` jumped the queue (R13), for the console's figures.
    pub(crate) fn out_of_order_calls(&self, business_day: &str) -> Result<u32, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT COUNT(*) FROM audit WHERE business_day = ?1 AND action = 'call_number' AND out_of_order = 1",
        )?;
        Ok(stmt.query_row(params![business_day], |r| r.get(0))?)
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
            let mut next_number: std::collections::HashMap<(String, String), u64> =
                std::collections::HashMap::new();
            let start_ms = days_before - (count / per_day + 1) as i64 * 86_400_000;
            for i in 0..count {
                let id = i as i64 + 1;
                let day_index = i / per_day;
                let at = start_ms + day_index as i64 * 86_400_000 + (i % per_day) as i64 * 10_000;
                let day = day_of(at);
                let (service, prefix) = &services[(i % services.len() as u64) as usize];
                // Numbered per business day as the hall would: a seeded day may cross the day
                // boundary (04:00), whatever the time of day the benchmark runs.
                let n = next_number
                    .entry((day.clone(), service.clone()))
                    .and_modify(|n| *n += 1)
                    .or_insert(1u64);
                let number = format!("{prefix}{n:03}");
                let data = format!(
                    r#"{{"ticket":{{"id":{id},"number":"{number}","business_day":"{day}","class":"normal","state":"done","origin_service_id":"{service}","service_id":"{service}","issued_at":{at},"window":1,"phone_masked":null,"legs":[]}},"token":"{id:012x}00000000000000000000000000000000","citizen_hash":null,"pos":{{"tier":1,"key":0}},"transfer_seq":0}}"#
                );
                ticket.execute(params![id, day, number, service, at, data])?;
                audit.execute(params![id, at, day, id, number])?;
            }
        }
        // A hall that ran this version all along: its facts were written live (these seeded tickets
        // have no legs, so there are none), and the one-off backfill for older databases is done.
        tx.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('facts_backfilled', '0')",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// How a revocation is stored: `(kind, key, value)`.
fn revocation_row(r: &Revocation) -> (&'static str, &str, i64) {
    match r {
        Revocation::Token { mac, expires } => ("token", mac, *expires),
        Revocation::Sessions { staff_no, at } => ("sessions", staff_no, *at),
        Revocation::Disabled { staff_no, disabled } => ("disabled", staff_no, i64::from(*disabled)),
    }
}

#[cfg(test)]
mod tests;

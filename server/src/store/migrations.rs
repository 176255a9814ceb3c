//! The schema: migrations applied in order, `PRAGMA user_version` saying how many ran. A database
//! written by a newer qcall is refused, never guessed at.

use rusqlite::Connection;

use super::StoreError;

/// Schema versions, applied in order; `PRAGMA user_version` says how many ran.
pub(super) const MIGRATIONS: &[&str] = &[
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
    // 2: what a request asked, so a request id reused for another request is refused (R6).
    "ALTER TABLE requests ADD COLUMN fingerprint TEXT;",
    // 4: facts. (Numbered 4: migration 3, ratings, lands from the `ratings` branch; the lead orders
    // the two at merge.) Report facts (R23): one row per closed leg and per ended pause, written with
    // the change that closed it, never changed or deleted (triggers). Keyed by the hall's id so the
    // facts of several halls combine as they are; clustered by business day, so a report's range is
    // one contiguous read. No personal data (R29). `Store::backfill_facts` fills them for tickets
    // stored before this migration.
    "
    CREATE TABLE leg_facts (
        business_day TEXT NOT NULL,
        hall_id TEXT NOT NULL,
        ticket_id INTEGER NOT NULL,
        leg INTEGER NOT NULL,
        weekday INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        service_id TEXT NOT NULL,
        class TEXT NOT NULL,
        window INTEGER,
        staff_no TEXT,
        issued_at INTEGER NOT NULL,
        queued_at INTEGER NOT NULL,
        called_at INTEGER,
        started_at INTEGER,
        finished_at INTEGER NOT NULL,
        wait_ms INTEGER,
        handle_ms INTEGER,
        recalls INTEGER NOT NULL,
        requeues INTEGER NOT NULL,
        no_shows INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        special_call INTEGER NOT NULL,
        out_of_order INTEGER NOT NULL,
        limit_minutes INTEGER NOT NULL,
        over_limit INTEGER NOT NULL,
        PRIMARY KEY (business_day, hall_id, ticket_id, leg)
    ) WITHOUT ROWID;
    CREATE TRIGGER leg_facts_no_update BEFORE UPDATE ON leg_facts BEGIN SELECT RAISE(ABORT, 'facts are append-only'); END;
    CREATE TRIGGER leg_facts_no_delete BEFORE DELETE ON leg_facts BEGIN SELECT RAISE(ABORT, 'facts are append-only'); END;
    CREATE TABLE pause_facts (
        business_day TEXT NOT NULL,
        hall_id TEXT NOT NULL,
        window INTEGER NOT NULL,
        since INTEGER NOT NULL,
        until INTEGER NOT NULL,
        weekday INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        staff_no TEXT,
        reason TEXT NOT NULL,
        PRIMARY KEY (business_day, hall_id, window, since)
    ) WITHOUT ROWID;
    CREATE TRIGGER pause_facts_no_update BEFORE UPDATE ON pause_facts BEGIN SELECT RAISE(ABORT, 'facts are append-only'); END;
    CREATE TRIGGER pause_facts_no_delete BEFORE DELETE ON pause_facts BEGIN SELECT RAISE(ABORT, 'facts are append-only'); END;
    ",
];

/// Runs the migrations this database has not seen, each in its own transaction.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
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
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

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
    // 7: bookings (预约, R25, R26): one row per booking, its state kept current; `data` is the whole
    // stored booking (masked name and phone, keyed hashes only: R29). Reports count `missed` here.
    "
    CREATE TABLE bookings (
        id INTEGER PRIMARY KEY,
        service_id TEXT NOT NULL,
        date TEXT NOT NULL,
        slot_start INTEGER NOT NULL,
        state TEXT NOT NULL,
        booked_at INTEGER NOT NULL,
        closed_at INTEGER,
        ticket_id INTEGER,
        data TEXT NOT NULL
    );
    CREATE INDEX bookings_date ON bookings(date, service_id);
    CREATE INDEX bookings_open ON bookings(state) WHERE state = 'booked';
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

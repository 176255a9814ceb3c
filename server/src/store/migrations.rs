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
    // 3: ratings (好差评, R21) and bad-rating cases with their steps (差评整改, R22).
    "
    -- One row per rated leg; the reports engine joins it with tickets on ticket_id. `leg` is the
    -- 0-based index into the ticket's legs; `business_day` is the ticket's (the day of service);
    -- `reasons` a JSON array of reason names; `text` the citizen's words with phone- and id-like
    -- numbers masked. Levels: very_satisfied|satisfied|basic|dissatisfied|very_dissatisfied;
    -- source: pad|phone; appeal: none|pending|upheld (on record, in no satisfaction figure)|rejected.
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL,
        leg INTEGER NOT NULL,
        business_day TEXT,
        service_id TEXT,
        window INTEGER,
        staff_no TEXT,
        level TEXT,
        reasons TEXT,
        text TEXT,
        source TEXT,
        at INTEGER,
        appeal TEXT NOT NULL DEFAULT 'none',
        UNIQUE(ticket_id, leg)
    );
    CREATE INDEX ratings_day_window ON ratings(business_day, window);
    CREATE INDEX ratings_staff ON ratings(staff_no, id);
    CREATE INDEX ratings_at ON ratings(at);
    -- A rating is a fact: only its appeal state changes, and it is never deleted (an upheld appeal
    -- leaves it on record).
    CREATE TRIGGER ratings_fixed BEFORE UPDATE OF id, ticket_id, leg, business_day, service_id, window,
        staff_no, level, reasons, text, source, at ON ratings
        BEGIN SELECT RAISE(ABORT, 'a rating never changes; only its appeal state does'); END;
    CREATE TRIGGER ratings_kept BEFORE DELETE ON ratings
        BEGIN SELECT RAISE(ABORT, 'ratings are kept'); END;
    -- One case per 差评: indexed columns plus the case as JSON (its rating, deadlines, appeal).
    CREATE TABLE cases (
        id INTEGER PRIMARY KEY,
        rating_id INTEGER NOT NULL UNIQUE REFERENCES ratings(id),
        opened_at INTEGER NOT NULL,
        business_day TEXT NOT NULL,
        window INTEGER NOT NULL,
        staff_no TEXT,
        state TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        closed_at INTEGER,
        data TEXT NOT NULL
    );
    CREATE INDEX cases_open ON cases(state) WHERE state = 'open';
    CREATE INDEX cases_staff ON cases(staff_no, id);
    -- The steps done (核实 verify, 整改 rectify, 反馈 answer, 回访 follow_up): who, when, a note,
    -- and the deadline it was done against. Append-only.
    CREATE TABLE case_steps (
        case_id INTEGER NOT NULL REFERENCES cases(id),
        step TEXT NOT NULL,
        by_staff TEXT NOT NULL,
        at INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        note TEXT NOT NULL,
        PRIMARY KEY (case_id, step)
    ) WITHOUT ROWID;
    CREATE TRIGGER case_steps_no_update BEFORE UPDATE ON case_steps
        BEGIN SELECT RAISE(ABORT, 'case steps are append-only'); END;
    CREATE TRIGGER case_steps_no_delete BEFORE DELETE ON case_steps
        BEGIN SELECT RAISE(ABORT, 'case steps are append-only'); END;
    ",
    // 4: staff sessions ended before their expiry (issue 16): one signed-out token (its signature,
    // until its expiry), every token of a staff member issued before a time, a disabled account.
    "
    CREATE TABLE revocations (kind TEXT NOT NULL, key TEXT NOT NULL, value INTEGER NOT NULL,
        PRIMARY KEY (kind, key)) WITHOUT ROWID;
    ",
    // 5: report facts (R23): one row per closed leg and per ended pause, written with
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
    // 6: bookings (预约, R25, R26): one row per booking, its state kept current; `data` is the whole
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
    // 7: the personal-data purge (R29) removes a rating's free text after the retention period:
    // the text may become NULL, never anything else; every other column stays fixed.
    "
    DROP TRIGGER ratings_fixed;
    CREATE TRIGGER ratings_fixed BEFORE UPDATE OF id, ticket_id, leg, business_day, service_id, window,
        staff_no, level, reasons, source, at ON ratings
        BEGIN SELECT RAISE(ABORT, 'a rating never changes; only its appeal state does'); END;
    CREATE TRIGGER ratings_text_purged_only BEFORE UPDATE OF text ON ratings WHEN NEW.text IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'a rating''s text is only ever removed (R29 purge)'); END;
    ",
    // 8: near-turn notices (R32). `notice_phones`: the full phone of a ticket (`t:<id>`) or booking
    // (`b:<id>`) that asked for notices, deleted when it closes. `notice_outbox`: one row per
    // notice, written with the change that made it due; `body` is the exact JSON posted (with the
    // phone) and is cleared once delivered or given up, the row staying as the delivery's record.
    "
    CREATE TABLE notice_phones (owner TEXT PRIMARY KEY, phone TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE notice_outbox (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        last_error TEXT,
        done_at INTEGER,
        body TEXT
    );
    CREATE INDEX notice_outbox_pending ON notice_outbox(next_at) WHERE state = 'pending';
    CREATE INDEX notice_outbox_done ON notice_outbox(state, done_at);
    ",
    // 9: report packs (R23): one row per business day holding that day's leg facts as one blob
    // (`report::legs::encode`), so a report over months reads a row a day instead of a row a leg.
    // Derived, never the only copy: a leg fact written for a day deletes that day's pack (the
    // trigger), and reports read the facts of every day without a pack. `store::facts` builds packs
    // in Rust: for the day before when a later day's first fact is written, and at start-up for any
    // day missing one. Self-contained: run again (the store tests' downgrade) it starts empty.
    "
    CREATE TABLE IF NOT EXISTS leg_packs (
        business_day TEXT PRIMARY KEY,
        legs INTEGER NOT NULL,
        data BLOB NOT NULL
    );
    DELETE FROM leg_packs;
    CREATE TRIGGER IF NOT EXISTS leg_facts_unpack AFTER INSERT ON leg_facts
        BEGIN DELETE FROM leg_packs WHERE business_day = NEW.business_day; END;
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

//! Near-turn notices (R32) in the database: the phones kept for them, the durable outbox, and what
//! the delivery task reads and records. Rows are written in the batch's transaction
//! ([`write`]), so a notice exists exactly when the change that made it due does; delivery results
//! are small transactions of their own, run on the engine thread like every write.

use qcall_protocol::{BookingState, Millis};
use rusqlite::{Transaction, params};

use super::{Store, StoreError};
use crate::core::{Change, Notice, NoticeOwner, StoredBooking, StoredTicket};

/// One notice due for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutboxRow {
    pub(crate) id: i64,
    pub(crate) key: String,
    pub(crate) kind: String,
    /// The exact JSON to post and sign.
    pub(crate) body: String,
    /// Tries before this one.
    pub(crate) attempts: u32,
}

/// What became of one try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Delivered,
    /// Failed; tried again at `retry_at`, or given up when `None`.
    Failed {
        error: String,
        retry_at: Option<Millis>,
    },
}

/// The outbox's figures, for the console and the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OutboxCounts {
    pub(crate) pending: i64,
    /// Pending notices that failed at least once.
    pub(crate) retrying: i64,
    pub(crate) failed: i64,
    pub(crate) delivered: i64,
}

/// Writes what a change means for notices: a phone kept or moved, a notice queued, a phone dropped
/// because its ticket or booking closed. Other changes write nothing here.
pub(super) fn write(
    tx: &Transaction<'_>,
    hall_id: &str,
    change: &Change,
) -> Result<(), StoreError> {
    match change {
        Change::NoticePhone { owner, phone } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO notice_phones (owner, phone) VALUES (?1, ?2)",
            )?
            .execute(params![owner.key(), phone])?;
        }
        Change::NoticePhoneMoved { from, to } => {
            tx.prepare_cached("UPDATE OR REPLACE notice_phones SET owner = ?2 WHERE owner = ?1")?
                .execute(params![from.key(), to.key()])?;
        }
        Change::Notice(n) => queue(tx, hall_id, n)?,
        Change::Ticket(t) => ticket_closed(tx, t)?,
        Change::Booking(b) => booking_closed(tx, b)?,
        _ => {}
    }
    Ok(())
}

fn ticket_closed(tx: &Transaction<'_>, t: &StoredTicket) -> Result<(), StoreError> {
    if t.notify.is_some() && !t.ticket.state.is_open() {
        forget(tx, NoticeOwner::Ticket(t.ticket.id))?;
    }
    Ok(())
}

fn booking_closed(tx: &Transaction<'_>, b: &StoredBooking) -> Result<(), StoreError> {
    if b.notify && b.state != BookingState::Booked {
        forget(tx, NoticeOwner::Booking(b.id))?;
    }
    Ok(())
}

/// At a day's rollover: the records of notices settled before `before` go (they hold no phone;
/// this keeps the table small).
pub(super) fn forget_settled_before(
    tx: &Transaction<'_>,
    before: Millis,
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM notice_outbox WHERE state IN ('delivered','failed') AND done_at < ?1",
        params![before],
    )?;
    Ok(())
}

fn forget(tx: &Transaction<'_>, owner: NoticeOwner) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM notice_phones WHERE owner = ?1")?
        .execute(params![owner.key()])?;
    Ok(())
}

/// Puts a notice in the outbox with its phone; a notice whose phone is gone (it cannot be: the
/// phone is deleted only when its owner closes) is not queued. A key already queued is kept as
/// it was (a notice is queued once).
fn queue(tx: &Transaction<'_>, hall_id: &str, n: &Notice) -> Result<(), StoreError> {
    let phone: Option<String> = tx
        .prepare_cached("SELECT phone FROM notice_phones WHERE owner = ?1")?
        .query_row(params![n.owner.key()], |r| r.get(0))
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(other),
        })?;
    let Some(phone) = phone else {
        tracing::warn!(key = %n.key, "notice not queued: its phone is no longer kept");
        return Ok(());
    };
    let key = format!("{hall_id}:{}", n.key);
    let mut body = serde_json::json!({
        "event": n.kind.as_str(),
        "key": key,
        "hall_id": hall_id,
        "phone": phone,
        "created_at": n.at,
    });
    if let (Some(map), Some(extra)) = (body.as_object_mut(), n.payload.as_object()) {
        for (k, v) in extra {
            map.insert(k.clone(), v.clone());
        }
    }
    tx.prepare_cached(
        "INSERT INTO notice_outbox (key, kind, created_at, state, next_at, body)
         VALUES (?1, ?2, ?3, 'pending', ?3, ?4) ON CONFLICT(key) DO NOTHING",
    )?
    .execute(params![key, n.kind.as_str(), n.at, body.to_string()])?;
    Ok(())
}

impl Store {
    /// Up to `limit` pending notices due at `now`, oldest first.
    pub(crate) fn outbox_due(&self, now: Millis, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, key, kind, body, attempts FROM notice_outbox
             WHERE state = 'pending' AND next_at <= ?1 AND body IS NOT NULL ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![now, limit], |r| {
                Ok(OutboxRow {
                    id: r.get(0)?,
                    key: r.get(1)?,
                    kind: r.get(2)?,
                    body: r.get(3)?,
                    attempts: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records a try. A delivered or given-up notice loses its body (the phone with it); its row
    /// stays as the record of the delivery.
    pub(crate) fn outbox_record(
        &mut self,
        id: i64,
        now: Millis,
        outcome: &Outcome,
    ) -> Result<(), StoreError> {
        match outcome {
            Outcome::Delivered => self.conn.execute(
                "UPDATE notice_outbox SET state = 'delivered', attempts = attempts + 1, done_at = ?2,
                 body = NULL WHERE id = ?1",
                params![id, now],
            )?,
            Outcome::Failed {
                error,
                retry_at: Some(at),
            } => self.conn.execute(
                "UPDATE notice_outbox SET attempts = attempts + 1, last_error = ?2, next_at = ?3 WHERE id = ?1",
                params![id, error, at],
            )?,
            Outcome::Failed {
                error,
                retry_at: None,
            } => self.conn.execute(
                "UPDATE notice_outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2,
                 done_at = ?3, body = NULL WHERE id = ?1",
                params![id, error, now],
            )?,
        };
        Ok(())
    }

    /// How many notices are pending and retrying now, and failed and delivered since `since`.
    pub(crate) fn outbox_counts(&self, since: Millis) -> Result<OutboxCounts, StoreError> {
        let (pending, retrying) = self
            .conn
            .prepare_cached(
                "SELECT count(*), coalesce(sum(attempts > 0), 0) FROM notice_outbox WHERE state = 'pending'",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut done = self.conn.prepare_cached(
            "SELECT count(*) FROM notice_outbox WHERE state = ?1 AND done_at >= ?2",
        )?;
        let failed = done.query_row(params!["failed", since], |r| r.get(0))?;
        let delivered = done.query_row(params!["delivered", since], |r| r.get(0))?;
        Ok(OutboxCounts {
            pending,
            retrying,
            failed,
            delivered,
        })
    }

    /// At start: phones whose ticket or booking is no longer open are deleted (they should not
    /// exist; this keeps R29 true whatever happened).
    pub(crate) fn forget_closed_phones(&mut self) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM notice_phones WHERE NOT (
               (owner LIKE 't:%' AND EXISTS (SELECT 1 FROM tickets WHERE id = CAST(substr(owner, 3) AS INTEGER)
                  AND state IN ('waiting','called','serving','held','no_show')))
               OR (owner LIKE 'b:%' AND EXISTS (SELECT 1 FROM bookings WHERE id = CAST(substr(owner, 3) AS INTEGER)
                  AND state = 'booked')))",
            [],
        )?)
    }
}

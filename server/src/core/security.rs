//! What the audit log keeps of credentials (issues 16 and 21): failed and locked logins and PINs, and
//! forbidden requests, with who they claimed to be and from which address; and staff sessions ended
//! before their expiry (a sign-out, a manager ending someone's sessions, an admin disabling an
//! account). The hall's queue state is not touched: these commands only write.
//!
//! Which tokens are revoked is checked by `auth` on every request; what is written here is what it
//! restores at start (`Change::Revocation`).

use qcall_protocol::{ApiError, ErrorCode, Millis};

use super::{Actor, Change, Effects, Hall, Reply, StoredBooking, StoredTicket, err, json};

/// What a failure was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    LoginFailed,
    LoginLocked,
    PinFailed,
    PinLocked,
    Forbidden,
}

impl Failure {
    pub(crate) fn action(self) -> &'static str {
        match self {
            Failure::LoginFailed => "login_failed",
            Failure::LoginLocked => "login_locked",
            Failure::PinFailed => "pin_failed",
            Failure::PinLocked => "pin_locked",
            Failure::Forbidden => "forbidden",
        }
    }
}

/// A revocation as stored: what it names, and until when it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Revocation {
    /// One token (by its signature's hex), until it would have expired anyway.
    Token { mac: String, expires: Millis },
    /// Every token of a staff member issued before `at`.
    Sessions { staff_no: String, at: Millis },
    /// An account disabled (or enabled again) by an admin.
    Disabled { staff_no: String, disabled: bool },
}

/// The security family's commands.
#[derive(Debug, Clone)]
pub(crate) enum SecurityCmd {
    /// A failure worth a trace: `claimed` is the staff number as sent (or the role that was refused),
    /// `addr` the client's address, `detail` anything else (never a password or PIN).
    Failed {
        kind: Failure,
        claimed: String,
        addr: String,
        detail: serde_json::Value,
    },
    Revoke(Revocation),
    /// R29: closed tickets issued before `before`, as stored, lose their personal data (citizen id
    /// hash, masked phone, transfer notes); their times, services, windows and staff stay for reports.
    /// Closed bookings made before it lose the name, phone and the hashes they were found by; ratings
    /// given before it lose the citizen's words (their level and reasons stay).
    Purge {
        before: Millis,
        tickets: Vec<StoredTicket>,
        bookings: Vec<StoredBooking>,
        /// Ratings given before `before` that still carry a text, none of an open case.
        rating_texts: Vec<qcall_protocol::RatingId>,
    },
}

impl SecurityCmd {
    pub(crate) fn action(&self) -> &'static str {
        match self {
            SecurityCmd::Failed { kind, .. } => kind.action(),
            SecurityCmd::Revoke(Revocation::Token { .. }) => "sign_out_token",
            SecurityCmd::Revoke(Revocation::Sessions { .. }) => "end_sessions",
            SecurityCmd::Revoke(Revocation::Disabled { disabled: true, .. }) => "disable_staff",
            SecurityCmd::Revoke(Revocation::Disabled { .. }) => "enable_staff",
            SecurityCmd::Purge { .. } => "purge_personal_data",
        }
    }
}

impl Hall {
    pub(super) fn security(
        &mut self,
        _actor: &Actor,
        cmd: SecurityCmd,
        _now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        match cmd {
            SecurityCmd::Failed {
                kind,
                claimed,
                addr,
                detail,
            } => {
                // A claimed staff number is what a person typed: kept short, never a secret.
                let claimed: String = claimed.chars().take(32).collect();
                fx.detail = json(serde_json::json!({
                    "claimed": claimed, "addr": addr, "kind": kind.action(), "detail": detail,
                }));
            }
            SecurityCmd::Revoke(r) => {
                match &r {
                    Revocation::Token { .. } => {
                        // The token's signature is not put in the audit log: it is half a secret.
                        fx.detail = json(serde_json::json!({ "token": "revoked" }));
                    }
                    Revocation::Sessions { staff_no, .. }
                    | Revocation::Disabled { staff_no, .. }
                        if self.cfg.staff(staff_no).is_none() =>
                    {
                        return Err(err(
                            ErrorCode::NotFound,
                            format!("no staff member {staff_no:?} in this hall's config"),
                        ));
                    }
                    Revocation::Sessions { staff_no, .. } => {
                        fx.detail = json(serde_json::json!({ "staff_no": staff_no }));
                    }
                    Revocation::Disabled { staff_no, disabled } => {
                        fx.detail =
                            json(serde_json::json!({ "staff_no": staff_no, "disabled": disabled }));
                    }
                }
                fx.changes.push(Change::Revocation(r));
            }
            SecurityCmd::Purge {
                before,
                tickets,
                bookings,
                rating_texts,
            } => self.purge(before, tickets, bookings, rating_texts, fx),
        }
        Ok(Reply::None)
    }
}

impl Hall {
    /// Clears the personal data of closed tickets, closed bookings and ratings from before `before`
    /// (what the hall still holds is left alone: it is recent) and says in the audit row how much
    /// went.
    fn purge(
        &mut self,
        before: Millis,
        tickets: Vec<StoredTicket>,
        bookings: Vec<StoredBooking>,
        rating_texts: Vec<qcall_protocol::RatingId>,
        fx: &mut Effects,
    ) {
        let (mut purged, mut ids, mut phones, mut notes) = (0u32, 0u32, 0u32, 0u32);
        for mut t in tickets {
            if self.tickets.contains_key(&t.ticket.id) || t.ticket.issued_at >= before {
                continue;
            }
            let mut changed = false;
            if t.citizen_hash.take().is_some() {
                ids += 1;
                changed = true;
            }
            if t.ticket.phone_masked.take().is_some() {
                phones += 1;
                changed = true;
            }
            for leg in &mut t.ticket.legs {
                if leg.note.take().is_some() {
                    notes += 1;
                    changed = true;
                }
            }
            if changed {
                purged += 1;
                fx.changes.push(Change::Ticket(Box::new(t)));
            }
        }
        let mut booking_count = 0u32;
        for mut b in bookings {
            let open = b.state == qcall_protocol::BookingState::Booked;
            if open || self.bookings.contains_key(&b.id) || b.booked_at >= before {
                continue;
            }
            let before_purge = b.clone();
            b.name_masked.clear();
            b.phone_masked.clear();
            b.phone_hash.clear();
            b.person_hash.clear();
            b.citizen_hash = None;
            b.phone_id_hash = None;
            if b != before_purge {
                booking_count += 1;
                fx.changes.push(Change::Booking(Box::new(b)));
            }
        }
        let mut texts = 0u32;
        for id in rating_texts {
            // An open 差评 case still works on the citizen's words.
            if self.ratings.cases.values().any(|c| c.rating.id == id) {
                continue;
            }
            texts += 1;
            fx.changes.push(Change::RatingTextRemoved(id));
        }
        fx.detail = json(serde_json::json!({
            "issued_before": before, "tickets": purged, "citizen_ids": ids, "phones": phones, "notes": notes,
            "bookings": booking_count, "rating_texts": texts,
        }));
    }
}

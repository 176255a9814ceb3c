//! The business day: rolling over to a new one (every open ticket expires, windows close, R3) and
//! today's running figures per window and service.

use qcall_protocol::{Event, LegOutcome, Millis, TicketId, TicketState};

use super::{
    Actor, Applied, Audit, Change, Effects, Hall, Reply, Stat, WindowLive, json, last_leg,
};

impl Hall {
    /// Whether `now` is in a later business day than the hall's. A clock that steps back (NTP) never
    /// turns the hall back to an earlier day.
    pub(crate) fn rollover_due(&self, now: Millis) -> bool {
        self.cfg.calendar.business_day(now).to_string() > self.day
    }

    /// Expires every open ticket and starts the new business day (R3, R1).
    pub(crate) fn rollover(&mut self, now: Millis) -> Applied {
        let new_day = self.cfg.calendar.business_day(now).to_string();
        let old_day = std::mem::replace(&mut self.day, new_day.clone());
        let mut changes = Vec::new();
        let ids: Vec<TicketId> = self.tickets.keys().copied().collect();
        let expired = ids.len();
        for id in ids {
            if let Some(mut t) = self.close(id) {
                t.ticket.state = TicketState::Expired;
                let leg = last_leg(&mut t.ticket);
                leg.outcome = Some(LegOutcome::Expired);
                leg.finished_at = Some(now);
                changes.push(Change::Ticket(Box::new(t)));
            }
        }
        self.lanes.clear();
        self.to_window.clear();
        self.waiting.clear();
        self.counters.clear();
        self.stats.clear();
        self.recent.clear();
        for w in self.windows.values_mut() {
            *w = WindowLive {
                number: w.number,
                primary: std::mem::take(&mut w.primary),
                secondary: std::mem::take(&mut w.secondary),
                staff: None,
                paused: None,
                current: None,
                held: Vec::new(),
                streak: 0,
            };
            changes.push(Change::Window(w.clone()));
        }
        self.seq += 1;
        Applied {
            seq: self.seq,
            at: now,
            business_day: new_day.clone(),
            reply: Reply::Rollover {
                business_day: new_day.clone(),
            },
            events: vec![Event::DayRollover {
                business_day: new_day.clone(),
            }],
            changes,
            audit: Audit {
                actor: Actor::System.label(),
                action: "day_rollover",
                window: None,
                ticket_id: None,
                number: None,
                out_of_order: false,
                detail: json(
                    serde_json::json!({ "from": old_day, "to": new_day, "expired": expired }),
                ),
                request_id: None,
            },
        }
    }

    pub(super) fn bump_stat(&mut self, key: &str, fx: &mut Effects, f: impl FnOnce(&mut Stat)) {
        let stat = self.stats.entry(key.to_string()).or_default();
        f(stat);
        fx.changes.push(Change::Stat {
            key: key.to_string(),
            stat: stat.clone(),
        });
    }
}

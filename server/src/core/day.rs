//! What the clock alone changes: the business day rolling over (every open ticket expires, windows
//! close, R3), the kiosk tiles at an opening, closing, cut-off or slot edge (R5), a no-show past its
//! requeue limit (R9); and today's running figures per window and service.

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
        self.arrivals.clear();
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
        // A pause still running when the day ends counts until the end of its day (R14, R23).
        for w in self.windows.values() {
            if let Some((reason, since)) = w.paused {
                let reason = json(reason).as_str().unwrap_or("other").to_string();
                changes.push(Change::Pause(crate::report::fact::pause_fact(
                    &self.cfg,
                    &old_day,
                    w.number,
                    w.staff.clone(),
                    &reason,
                    since,
                    now,
                )));
            }
        }
        self.add_facts(&mut changes, now);
        // Bookings of the old day not checked in are missed; then they leave memory (R26).
        for (_, fx) in self.missed_bookings(now) {
            changes.extend(fx.changes);
        }
        self.lanes.clear();
        self.requeued.clear();
        self.waiting.clear();
        self.counters.clear();
        self.stats.clear();
        self.recent.clear();
        self.forget_old_bookings();
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

    /// What the clock changed since the last look, as applied commands of the system: each no-show
    /// past the requeue limit expires (so it no longer counts as the citizen's open ticket, R5 × R9),
    /// and at a clock edge the kiosk tiles that changed are pushed. Empty when nothing changed.
    pub(crate) fn clock(&mut self, now: Millis) -> Vec<Applied> {
        let mut out = Vec::new();
        let overdue: Vec<TicketId> = self
            .tickets
            .values()
            .filter(|t| self.no_show_overdue(t, now))
            .map(|t| t.ticket.id)
            .collect();
        for id in overdue {
            let mut fx = Effects::default();
            self.expire_no_show(id, now, &mut fx);
            out.push(self.record(&Actor::System, "no_show_expired", Reply::None, fx, now));
        }
        for (_, fx) in self.missed_bookings(now) {
            out.push(self.record(&Actor::System, "booking_missed", Reply::None, fx, now));
        }
        let edge = self.next_edge.is_none_or(|e| now >= e);
        // At an edge every tile may change; once a minute too, as estimates age with the clock.
        let minute = now / 60_000 != self.last_clock / 60_000;
        self.last_clock = now;
        if edge {
            self.next_edge = self.cfg.calendar.next_edge(now, &self.cfg.slot_edges());
        }
        if edge || minute {
            self.dirty
                .extend(self.cfg.services.iter().map(|s| s.info.id.clone()));
        }
        let open = self.published_open;
        if let Some(event) = self.take_availability(now) {
            let changed: Vec<&str> = match &event {
                Event::Availability { services, .. } => {
                    services.iter().map(|s| s.service_id.as_str()).collect()
                }
                _ => Vec::new(),
            };
            let fx = Effects {
                detail: json(serde_json::json!({
                    "issuing_open": self.published_open,
                    "was_open": open,
                    "services": changed,
                })),
                events: vec![event],
                ..Effects::default()
            };
            out.push(self.record(&Actor::System, "availability", Reply::None, fx, now));
        }
        out.extend(self.rating_clock(now));
        out
    }

    /// Whether a ticket is a no-show past the hall's requeue limit.
    pub(super) fn no_show_overdue(&self, t: &super::StoredTicket, now: Millis) -> bool {
        let limit = i64::from(self.cfg.rules.requeue_limit_minutes) * 60_000;
        t.ticket.state == TicketState::NoShow
            && t.ticket.leg().no_show_at.is_some_and(|at| now - at > limit)
    }

    /// Closes a no-show past its limit as expired (R9).
    pub(super) fn expire_no_show(&mut self, id: TicketId, now: Millis, fx: &mut Effects) {
        let Some(mut t) = self.close(id) else {
            return;
        };
        t.ticket.state = TicketState::Expired;
        let leg = last_leg(&mut t.ticket);
        leg.outcome = Some(LegOutcome::Expired);
        leg.finished_at = Some(now);
        fx.services.insert(t.ticket.service_id.clone());
        fx.ticket_changed(&t);
        fx.detail = json(serde_json::json!({ "no_show_at": t.ticket.leg().no_show_at }));
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

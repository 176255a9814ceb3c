//! What the manager's console reads of the live hall (R24): each service's queue figures and the
//! warnings the hall itself raises — a queue over its `warn_waiting_count`, a ticket waiting over
//! `warn_waiting_minutes`, a ticket handled past its service's time limit (限时办结, the service's
//! `expected_minutes`), a window paused longer than `rules.warn_pause_minutes`. Read-only and pure:
//! `now` comes from the caller. Device warnings are added by `console::watch`.

use std::collections::HashMap;

use qcall_protocol::{Millis, ServiceFigures, TicketState, Warning, WarningKind};

use super::Hall;

const MINUTE: Millis = 60_000;

/// Whole minutes from `from` to `now` (0 when `from` is later).
fn minutes(from: Millis, now: Millis) -> u32 {
    u32::try_from(((now - from) / MINUTE).max(0)).unwrap_or(u32::MAX)
}

impl Hall {
    /// Every service's queue figures, in config order.
    pub(crate) fn service_figures(&self) -> Vec<ServiceFigures> {
        let mut longest: HashMap<&str, Millis> = HashMap::new();
        for t in self.tickets.values() {
            if t.ticket.state == TicketState::Waiting {
                let leg = t.ticket.leg();
                let e = longest
                    .entry(leg.service_id.as_str())
                    .or_insert(leg.queued_at);
                *e = (*e).min(leg.queued_at);
            }
        }
        self.cfg
            .services
            .iter()
            .map(|s| {
                let id = s.info.id.as_str();
                let tile = self.published.get(id);
                let stat = self.stat(&format!("service:{id}"));
                ServiceFigures {
                    service_id: id.to_string(),
                    waiting: self.waiting.get(id).copied().unwrap_or(0),
                    longest_since: longest.get(id).copied(),
                    estimated_wait_minutes: tile.and_then(|t| t.estimated_wait_minutes),
                    issued: tile.map_or(0, |t| t.issued_today),
                    served: stat.served,
                    no_show: stat.no_show,
                }
            })
            .collect()
    }

    /// The warnings the hall's own state raises at `now`. A condition that has no instant of its
    /// own (a queue's length) starts `now`; the console keeps the first `since` while it lasts.
    pub(crate) fn hall_warnings(&self, figures: &[ServiceFigures], now: Millis) -> Vec<Warning> {
        let blank = |key: String, kind, since| Warning {
            key,
            kind,
            since,
            service_id: None,
            window: None,
            device: None,
            number: None,
            case_id: None,
            value: None,
            limit: None,
            detail: None,
        };
        let mut out = Vec::new();
        for f in figures {
            let Some(s) = self.cfg.service(&f.service_id) else {
                continue;
            };
            if let Some(limit) = s.info.warn_waiting_count
                && f.waiting >= limit
            {
                out.push(Warning {
                    service_id: Some(f.service_id.clone()),
                    value: Some(f.waiting),
                    limit: Some(limit),
                    ..blank(
                        format!("waiting_count:{}", f.service_id),
                        WarningKind::WaitingCount,
                        now,
                    )
                });
            }
            if let (Some(limit), Some(since)) = (s.info.warn_waiting_minutes, f.longest_since) {
                let from = since + Millis::from(limit) * MINUTE;
                if now >= from {
                    out.push(Warning {
                        service_id: Some(f.service_id.clone()),
                        value: Some(minutes(since, now)),
                        limit: Some(limit),
                        ..blank(
                            format!("waiting_minutes:{}", f.service_id),
                            WarningKind::WaitingMinutes,
                            from,
                        )
                    });
                }
            }
        }
        for w in self.windows.values() {
            if let Some((_, paused_at)) = w.paused {
                let limit = self.cfg.rules.warn_pause_minutes;
                let from = paused_at + Millis::from(limit) * MINUTE;
                if now >= from {
                    out.push(Warning {
                        window: Some(w.number),
                        value: Some(minutes(paused_at, now)),
                        limit: Some(limit),
                        ..blank(
                            format!("paused:{}", w.number),
                            WarningKind::PausedTooLong,
                            from,
                        )
                    });
                }
            }
            let Some(t) = w.current.and_then(|id| self.tickets.get(&id)) else {
                continue;
            };
            let leg = t.ticket.leg();
            // Handling runs from the start, or from the call where service is not started apart.
            let start = match (t.ticket.state, leg.started_at, leg.called_at) {
                (TicketState::Serving, Some(s), _) => s,
                (TicketState::Called, _, Some(c)) if self.cfg.rules.start_on_call => c,
                _ => continue,
            };
            let Some(limit) = self
                .cfg
                .service(&leg.service_id)
                .map(|s| s.info.expected_minutes)
            else {
                continue;
            };
            let from = start + Millis::from(limit) * MINUTE;
            if now >= from {
                out.push(Warning {
                    service_id: Some(leg.service_id.clone()),
                    window: Some(w.number),
                    number: Some(t.ticket.number.clone()),
                    value: Some(minutes(start, now)),
                    limit: Some(limit),
                    ..blank(
                        format!("over_limit:{}:{}", w.number, t.ticket.id),
                        WarningKind::OverTimeLimit,
                        from,
                    )
                });
            }
        }
        for c in self.ratings.cases.values() {
            // The deadline that makes it due soon or overdue: the step's when it is the earlier.
            let (kind, from) = match c.timing(now) {
                qcall_protocol::CaseTiming::Overdue => {
                    let passed = [Some(c.due_at), c.step_due_at]
                        .into_iter()
                        .flatten()
                        .filter(|at| now > *at)
                        .min();
                    (WarningKind::CaseOverdue, passed.unwrap_or(c.due_at))
                }
                qcall_protocol::CaseTiming::DueSoon => {
                    let passed = [Some(c.due_soon_at), c.step_due_soon_at]
                        .into_iter()
                        .flatten()
                        .filter(|at| now > *at)
                        .min();
                    (WarningKind::CaseDueSoon, passed.unwrap_or(c.due_soon_at))
                }
                _ => continue,
            };
            out.push(Warning {
                case_id: Some(c.id),
                window: Some(c.rating.window),
                number: c.rating.case_no.clone(),
                detail: c.next_step().map(|s| s.as_str().to_string()),
                ..blank(format!("case:{}:{kind:?}", c.id), kind, from)
            });
        }
        out
    }
}

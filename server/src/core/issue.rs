//! Taking and withdrawing a ticket: R1 numbering, R2 who may issue which class, the R5 refusals with
//! daily caps and time-slot quotas, each service's kiosk tile, and cancelling a waiting ticket.

use qcall_protocol::{
    ApiError, Availability, ErrorCode, LegOutcome, Millis, Ticket, TicketClass, TicketResponse,
    TicketState,
};

use super::{
    Actor, Change, Effects, Hall, IssueCmd, QueuePos, Reply, StoredTicket, TicketRef, err, json,
    last_leg, new_leg,
};

impl Hall {
    /// Why a service cannot issue now, if it cannot (R5), before looking at the citizen.
    pub(super) fn issue_refusal(&self, service: &str, now: Millis) -> Option<ApiError> {
        let Some(s) = self.cfg.service(service) else {
            return Some(err(
                ErrorCode::UnknownService,
                format!("no service {service:?} in this hall"),
            ));
        };
        if !s.info.enabled {
            return Some(err(
                ErrorCode::ServiceDisabled,
                format!("{} is not taking tickets now", s.info.name_en),
            ));
        }
        if let Err(code) = self.cfg.calendar.issuing(now) {
            let message = match code {
                ErrorCode::PastCutoff => {
                    "ticket issue has closed for today (cut-off before closing time)"
                }
                _ => "the hall is closed now",
            };
            return Some(err(code, message));
        }
        let issued = self
            .counters
            .get(&format!("num:{service}"))
            .copied()
            .unwrap_or(0);
        if s.info.daily_cap.is_some_and(|cap| issued >= cap) {
            return Some(err(
                ErrorCode::DailyCapReached,
                format!("{} has reached today's limit of tickets", s.info.name_en),
            ));
        }
        if let Some((index, slot)) = self.current_slot(service, now)
            && self
                .counters
                .get(&slot_key(service, index))
                .copied()
                .unwrap_or(0)
                >= slot.quota
        {
            return Some(err(
                ErrorCode::SlotQuotaReached,
                format!("{} has no tickets left in this time slot", s.info.name_en),
            ));
        }
        None
    }

    pub(super) fn current_slot(
        &self,
        service: &str,
        now: Millis,
    ) -> Option<(usize, crate::config::Slot)> {
        let minute = self.cfg.calendar.local_minute(now);
        let s = self.cfg.service(service)?;
        s.slots
            .iter()
            .enumerate()
            .find(|(_, sl)| (sl.range.0..sl.range.1).contains(&minute))
            .map(|(i, sl)| (i, sl.clone()))
    }

    /// A service's kiosk tile.
    pub(crate) fn availability(&self, service: &str, now: Millis) -> Availability {
        let waiting = self.waiting.get(service).copied().unwrap_or(0);
        Availability {
            service_id: service.to_string(),
            waiting,
            issued_today: self
                .counters
                .get(&format!("num:{service}"))
                .copied()
                .unwrap_or(0),
            estimated_wait_minutes: self.forecast_new(service, now).minutes(),
            refusal: self.issue_refusal(service, now).map(|e| e.code),
        }
    }

    /// Every service's tile, in display order.
    pub(crate) fn availability_all(&self, now: Millis) -> Vec<Availability> {
        self.cfg
            .services
            .iter()
            .map(|s| self.availability(&s.info.id, now))
            .collect()
    }

    pub(super) fn issue(
        &mut self,
        actor: &Actor,
        cmd: IssueCmd,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        if let Some(refusal) = self.issue_refusal(&cmd.service_id, now) {
            return Err(refusal);
        }
        match (actor, cmd.class) {
            (Actor::Staff(_), _) | (Actor::Kiosk(_), TicketClass::Normal) => {}
            (Actor::Kiosk(_), TicketClass::Priority) if cmd.helper.is_some() => {}
            (Actor::Kiosk(_), TicketClass::Priority) => {
                return Err(err(
                    ErrorCode::ClassNotAllowed,
                    "priority tickets at a kiosk need a staff member's PIN",
                ));
            }
            _ => {
                return Err(err(
                    ErrorCode::ClassNotAllowed,
                    format!("{} tickets are issued by staff only", cmd.class.as_str()),
                ));
            }
        }
        if let Some(refusal) = self.duplicate_refusal(&cmd, now) {
            return Err(refusal);
        }
        let stored = self.create_ticket(&cmd, true, now, fx)?;
        let response = self.issue_response(&stored, now);
        fx.detail = json(
            serde_json::json!({ "service": cmd.service_id, "class": cmd.class, "helper": cmd.helper }),
        );
        fx.services.insert(cmd.service_id);
        Ok(Reply::Issued(Box::new(response)))
    }

    /// R5 anti 恶意占号: the refusal when this citizen already holds an open ticket for the service.
    pub(super) fn duplicate_refusal(&self, cmd: &IssueCmd, now: Millis) -> Option<ApiError> {
        let hash = cmd.citizen_hash.as_ref()?;
        let held = self.held_by_citizen(&cmd.service_id, hash, now)?;
        let number = held.ticket.number.clone();
        let message = if held.ticket.state == TicketState::NoShow {
            format!(
                "this citizen missed the call of ticket {number}; a window can requeue it within {} minutes of the call",
                self.cfg.rules.requeue_limit_minutes
            )
        } else {
            format!("this citizen already holds ticket {number} for this service")
        };
        Some(err(ErrorCode::DuplicateCitizen, message).with_ticket(number))
    }

    /// Numbers and queues a new ticket once every check has passed (R1): the issue's and a booking's
    /// check-in's one path. `count_slot`: it takes a place of the current time-slot quota (a walk-in
    /// does; a booked appointment was counted when it was booked).
    pub(super) fn create_ticket(
        &mut self,
        cmd: &IssueCmd,
        count_slot: bool,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<StoredTicket, ApiError> {
        let service = self
            .cfg
            .service(&cmd.service_id)
            .ok_or_else(|| err(ErrorCode::UnknownService, "unknown service"))?;
        let prefix = service.info.prefix.clone();
        let num_key = format!("num:{}", cmd.service_id);
        let n = self.counters.get(&num_key).copied().unwrap_or(0) + 1;
        let id = self.next_id;
        self.next_id += 1;
        self.counters.insert(num_key.clone(), n);
        fx.changes.push(Change::Counter {
            key: num_key,
            value: n,
        });
        if let Some((index, _)) = self
            .current_slot(&cmd.service_id, now)
            .filter(|_| count_slot)
        {
            let key = slot_key(&cmd.service_id, index);
            let used = self.counters.get(&key).copied().unwrap_or(0) + 1;
            self.counters.insert(key.clone(), used);
            fx.changes.push(Change::Counter { key, value: used });
        }
        let ticket = Ticket {
            id,
            number: format!("{prefix}{n:03}"),
            business_day: self.day.clone(),
            class: cmd.class,
            state: TicketState::Waiting,
            origin_service_id: cmd.service_id.clone(),
            service_id: cmd.service_id.clone(),
            issued_at: now,
            window: None,
            phone_masked: cmd.phone_masked.clone(),
            legs: vec![new_leg(&cmd.service_id, None, now, None)],
        };
        let stored = StoredTicket {
            token: format!("{id:012x}{}", cmd.secret),
            ticket,
            citizen_hash: cmd.citizen_hash.clone(),
            pos: QueuePos::issued(id),
            transfer_seq: 0,
            behind: Vec::new(),
            case_nos: Default::default(),
            notify: cmd.notice.as_ref().map(|_| super::NotifyMark::default()),
        };
        match &cmd.notice {
            Some(super::NoticePhone::Given(phone)) => fx.changes.push(Change::NoticePhone {
                owner: super::NoticeOwner::Ticket(id),
                phone: phone.clone(),
            }),
            Some(super::NoticePhone::OfBooking(booking)) => {
                fx.changes.push(Change::NoticePhoneMoved {
                    from: super::NoticeOwner::Booking(*booking),
                    to: super::NoticeOwner::Ticket(id),
                });
            }
            None => {}
        }
        self.note_arrival(
            super::queue::LaneKey::Service(cmd.service_id.clone(), cmd.class),
            now,
            now,
        );
        self.insert_open(stored.clone());
        fx.ticket_changed(&stored);
        Ok(stored)
    }

    pub(super) fn cancel(
        &mut self,
        actor: &Actor,
        ticket: TicketRef,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let id = match &ticket {
            TicketRef::Id(id) => *id,
            TicketRef::Token(token) => self
                .by_token(token)
                .map(|t| t.ticket.id)
                .ok_or_else(|| err(ErrorCode::UnknownTicket, "no open ticket with this token"))?,
        };
        let t = self
            .tickets
            .get(&id)
            .ok_or_else(|| err(ErrorCode::UnknownTicket, format!("no open ticket {id}")))?;
        if t.ticket.state != TicketState::Waiting {
            return Err(err(
                ErrorCode::WrongState,
                format!(
                    "ticket {} is {}; only a waiting ticket can be cancelled",
                    t.ticket.number,
                    t.ticket.state.as_str()
                ),
            ));
        }
        self.may_cancel(actor, t)?;
        let mut t = self
            .close(id)
            .ok_or_else(|| err(ErrorCode::Internal, "ticket vanished"))?;
        t.ticket.state = TicketState::Cancelled;
        let leg = last_leg(&mut t.ticket);
        leg.finished_at = Some(now);
        leg.outcome = Some(LegOutcome::Cancelled);
        fx.services.insert(t.ticket.service_id.clone());
        if let Some(w) = t.ticket.leg().target_window {
            fx.windows.push(w);
        }
        fx.ticket_changed(&t);
        Ok(Reply::Ticket(Box::new(TicketResponse { ticket: t.ticket })))
    }
}

impl Hall {
    /// The open ticket a citizen holds for a service now (R5), if any. A no-show past the requeue
    /// limit does not count: it can no longer be called, and the clock is about to expire it (R9).
    fn held_by_citizen(&self, service: &str, hash: &str, now: Millis) -> Option<&StoredTicket> {
        self.citizens
            .get(&(service.to_string(), hash.to_string()))?
            .iter()
            .filter_map(|id| self.tickets.get(id))
            .find(|t| !self.no_show_overdue(t, now))
    }

    /// R27 for cancel: the citizen with the ticket's token, a manager anywhere, staff only for a
    /// ticket their signed-in window could call.
    fn may_cancel(&self, actor: &Actor, t: &StoredTicket) -> Result<(), ApiError> {
        let Actor::Staff(staff_no) = actor else {
            return match actor {
                Actor::Public | Actor::System => Ok(()),
                _ => Err(err(ErrorCode::Forbidden, "only staff cancel tickets")),
            };
        };
        if self
            .cfg
            .staff(staff_no)
            .is_some_and(|s| s.role != qcall_protocol::Role::Staff)
        {
            return Ok(());
        }
        let leg = t.ticket.leg();
        let mine = self.windows.values().any(|w| {
            w.staff.as_deref() == Some(staff_no.as_str())
                && match leg.target_window {
                    Some(n) => n == w.number,
                    None => w
                        .primary
                        .iter()
                        .chain(&w.secondary)
                        .any(|s| *s == leg.service_id),
                }
        });
        if mine {
            Ok(())
        } else {
            Err(err(
                ErrorCode::Forbidden,
                format!(
                    "ticket {} is not in a queue of your window: sign in at a window that serves it, or ask a manager",
                    t.ticket.number
                ),
            ))
        }
    }
}

pub(super) fn slot_key(service: &str, index: usize) -> String {
    format!("slot:{service}:{index}")
}

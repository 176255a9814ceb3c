//! A ticket's way through a window: call (R11, R13 special call), recall, start, finish, no-show and
//! requeue (R9), transfer (R10), hold and unhold. Each checks everything before it changes anything.

use qcall_protocol::{
    ApiError, Call, ErrorCode, Event, LegOutcome, Millis, TicketId, TicketState, TransferTarget,
    WindowNo,
};

use super::order;
use super::{
    Actor, Effects, Hall, QueuePos, Reply, StoredTicket, WindowLive, err, json, last_leg, new_leg,
    staff_no,
};

impl Hall {
    pub(super) fn current(&self, w: &WindowLive) -> Result<TicketId, ApiError> {
        w.current.ok_or_else(|| {
            err(
                ErrorCode::NoCurrentTicket,
                format!("window {} has no current ticket", w.number),
            )
        })
    }

    pub(super) fn call_next(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        check_can_call(w)?;
        let picked = self.next_for(w).ok_or_else(|| {
            err(
                ErrorCode::QueueEmpty,
                "no ticket is waiting for this window",
            )
        })?;
        let streak = order::next_streak(w.streak, &picked);
        if let Some(w) = self.windows.get_mut(&number) {
            w.streak = streak;
        }
        self.do_call(actor, number, picked.id, now, false, false, fx)
    }

    pub(super) fn call_number(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        ticket_number: &str,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        check_can_call(w)?;
        let wanted = ticket_number.trim().to_ascii_uppercase();
        let id = *self.by_number.get(&wanted).ok_or_else(|| {
            err(
                ErrorCode::UnknownTicket,
                format!("no open ticket {wanted} today"),
            )
        })?;
        let state = self.tickets.get(&id).map(|t| t.ticket.state);
        if state != Some(TicketState::Waiting) {
            return Err(err(
                ErrorCode::WrongState,
                format!("ticket {wanted} is not waiting"),
            ));
        }
        let out_of_order = self.next_for(w).map(|c| c.id) != Some(id);
        self.do_call(actor, number, id, now, true, out_of_order, fx)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn do_call(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        id: TicketId,
        now: Millis,
        special: bool,
        out_of_order: bool,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        self.dequeue(id);
        let staff = staff_no(actor);
        let Some(t) = self.tickets.get_mut(&id) else {
            return Err(err(ErrorCode::Internal, "picked ticket vanished"));
        };
        let service = t.ticket.service_id.clone();
        t.ticket.state = TicketState::Called;
        t.ticket.window = Some(number);
        let leg = last_leg(&mut t.ticket);
        leg.window = Some(number);
        leg.staff_no = staff;
        leg.called_at = Some(now);
        leg.special_call = special;
        leg.out_of_order = out_of_order;
        let t = t.clone();
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = Some(id);
        }
        fx.out_of_order = out_of_order;
        fx.services.insert(service);
        fx.detail = json(serde_json::json!({ "special": special }));
        Ok(self.called(number, &t, now, false, fx))
    }

    /// Records a call or recall: the event, the window's change, the reply.
    pub(super) fn called(
        &mut self,
        number: WindowNo,
        t: &StoredTicket,
        now: Millis,
        recall: bool,
        fx: &mut Effects,
    ) -> Reply {
        let call = Call {
            call_id: 0,
            ticket_id: t.ticket.id,
            number: t.ticket.number.clone(),
            class: t.ticket.class,
            service_id: t.ticket.service_id.clone(),
            window: number,
            window_name: self
                .cfg
                .windows
                .iter()
                .find(|w| w.number == number)
                .map(|w| w.name.clone())
                .unwrap_or_default(),
            at: now,
            recall,
        };
        fx.events.push(Event::Called { call: call.clone() });
        fx.audit_call = Some(call.clone());
        fx.ticket_changed(t);
        fx.window = Some(number);
        fx.windows.push(number);
        self.action_reply(number, Some(t.ticket.clone()), Some(call))
    }

    pub(super) fn recall(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        let id = self.current(w)?;
        let t = self
            .tickets
            .get_mut(&id)
            .ok_or_else(|| err(ErrorCode::Internal, "current ticket missing"))?;
        if t.ticket.state != TicketState::Called {
            return Err(err(
                ErrorCode::WrongState,
                format!(
                    "ticket {} is already being served; only a called ticket is recalled",
                    t.ticket.number
                ),
            ));
        }
        last_leg(&mut t.ticket).recalls.push(now);
        let t = t.clone();
        fx.detail = json(serde_json::json!({ "recalls": t.ticket.leg().recalls.len() }));
        Ok(self.called(number, &t, now, true, fx))
    }

    /// Changes the current ticket of a window from one state to another.
    pub(super) fn step_current(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        from: &[TicketState],
        fx: &mut Effects,
    ) -> Result<StoredTicket, ApiError> {
        let w = self.my_window(actor, number)?;
        let id = self.current(w)?;
        let t = self
            .tickets
            .get(&id)
            .ok_or_else(|| err(ErrorCode::Internal, "current ticket missing"))?;
        if !from.contains(&t.ticket.state) {
            return Err(err(
                ErrorCode::WrongState,
                format!("ticket {} is {}", t.ticket.number, t.ticket.state.as_str()),
            ));
        }
        fx.window = Some(number);
        fx.windows.push(number);
        Ok(t.clone())
    }

    pub(super) fn start(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let mut t = self.step_current(actor, number, &[TicketState::Called], fx)?;
        t.ticket.state = TicketState::Serving;
        last_leg(&mut t.ticket).started_at = Some(now);
        fx.ticket_changed(&t);
        let ticket = t.ticket.clone();
        self.tickets.insert(t.ticket.id, t);
        Ok(self.action_reply(number, Some(ticket), None))
    }

    pub(super) fn finish(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let t = self.step_current(actor, number, &[TicketState::Serving], fx)?;
        let mut t = self.close(t.ticket.id).unwrap_or(t);
        t.ticket.state = TicketState::Done;
        let leg = last_leg(&mut t.ticket);
        leg.finished_at = Some(now);
        leg.outcome = Some(LegOutcome::Done);
        let wait = leg.called_at.unwrap_or(now) - leg.queued_at;
        let handle = now - leg.started_at.unwrap_or(now);
        let service = leg.service_id.clone();
        self.bump_stat(&format!("window:{number}"), fx, |s| {
            s.served += 1;
            s.wait_ms += wait;
            s.handle_ms += handle;
        });
        self.bump_stat(&format!("service:{service}"), fx, |s| {
            s.served += 1;
            s.wait_ms += wait;
            s.handle_ms += handle;
        });
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
        }
        fx.services.insert(service);
        fx.ticket_changed(&t);
        Ok(self.action_reply(number, Some(t.ticket), None))
    }

    pub(super) fn no_show(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let mut t = self.step_current(actor, number, &[TicketState::Called], fx)?;
        t.ticket.state = TicketState::NoShow;
        t.ticket.window = None;
        last_leg(&mut t.ticket).no_show_at = Some(now);
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
        }
        self.bump_stat(&format!("window:{number}"), fx, |s| s.no_show += 1);
        fx.ticket_changed(&t);
        let ticket = t.ticket.clone();
        self.tickets.insert(t.ticket.id, t);
        Ok(self.action_reply(number, Some(ticket), None))
    }

    pub(super) fn requeue(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        id: TicketId,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        self.my_window(actor, number)?;
        let t = self
            .tickets
            .get(&id)
            .ok_or_else(|| err(ErrorCode::UnknownTicket, format!("no open ticket {id}")))?;
        if t.ticket.state != TicketState::NoShow {
            return Err(err(
                ErrorCode::WrongState,
                format!(
                    "ticket {} is {}, not a no-show",
                    t.ticket.number,
                    t.ticket.state.as_str()
                ),
            ));
        }
        let limit_ms = i64::from(self.cfg.rules.requeue_limit_minutes) * 60_000;
        let marked = t.ticket.leg().no_show_at.unwrap_or(now);
        if now - marked > limit_ms {
            return Err(err(
                ErrorCode::RequeueExpired,
                format!(
                    "ticket {} missed its call more than {} minutes ago: take a new ticket",
                    t.ticket.number, self.cfg.rules.requeue_limit_minutes
                ),
            ));
        }
        // R9: behind the next N waiting tickets of its queue (same service, same class).
        let lane = (t.ticket.service_id.clone(), t.ticket.class);
        let n = self.cfg.rules.requeue_behind as usize;
        let pos = match self.lanes.get(&lane) {
            Some(set) if n > 0 && set.len() >= n => {
                let mut iter = set.iter().skip(n - 1);
                let anchor = iter.next().map(|(p, _)| *p);
                let next = iter.next().map(|(p, _)| *p);
                anchor.map_or(QueuePos::issued(self.next_id), |a| {
                    QueuePos::between(a, next)
                })
            }
            Some(set) if n > 0 => set
                .iter()
                .next_back()
                .map_or(QueuePos::issued(self.next_id), |(p, _)| {
                    QueuePos::between(*p, None)
                }),
            // N = 0: back to its place at the head of what waits.
            _ => self
                .lanes
                .get(&lane)
                .and_then(|s| s.iter().next())
                .map_or(t.pos, |(p, _)| QueuePos {
                    tier: p.tier,
                    key: p.key - 1,
                }),
        };
        let mut t = t.clone();
        t.ticket.state = TicketState::Waiting;
        t.pos = pos;
        let service = t.ticket.service_id.clone();
        let leg = last_leg(&mut t.ticket);
        leg.target_window = None;
        leg.queued_at = now;
        leg.window = None;
        leg.called_at = None;
        self.tickets.insert(id, t.clone());
        self.enqueue(&t);
        fx.window = Some(number);
        fx.services.insert(service);
        fx.ticket_changed(&t);
        Ok(self.action_reply(number, Some(t.ticket), None))
    }

    pub(super) fn transfer(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        to: TransferTarget,
        note: Option<String>,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        // Check the target before touching anything.
        let (service, target_window) = match &to {
            TransferTarget::Service(s) => {
                let cfg = self
                    .cfg
                    .service(s)
                    .ok_or_else(|| err(ErrorCode::UnknownService, format!("no service {s:?}")))?;
                if !cfg.info.enabled {
                    return Err(err(
                        ErrorCode::ServiceDisabled,
                        format!("{} is disabled", cfg.info.name_en),
                    ));
                }
                (Some(s.clone()), None)
            }
            TransferTarget::Window(w) if *w == number => {
                return Err(err(
                    ErrorCode::TransferToSelf,
                    "a ticket cannot be transferred to its own window",
                ));
            }
            TransferTarget::Window(w) => {
                if !self.windows.contains_key(w) {
                    return Err(err(ErrorCode::UnknownWindow, format!("no window {w}")));
                }
                (None, Some(*w))
            }
        };
        if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
            return Err(err(
                ErrorCode::BadRequest,
                "the transfer note is longer than 200 characters",
            ));
        }
        let mut t = self.step_current(
            actor,
            number,
            &[TicketState::Called, TicketState::Serving],
            fx,
        )?;
        let seq = self.seq + 1;
        let leg = last_leg(&mut t.ticket);
        leg.finished_at = Some(now);
        leg.outcome = Some(LegOutcome::Transferred);
        let from_service = leg.service_id.clone();
        let service = service.unwrap_or_else(|| from_service.clone());
        t.ticket
            .legs
            .push(new_leg(&service, target_window, now, note.clone()));
        t.ticket.state = TicketState::Waiting;
        t.ticket.window = None;
        t.ticket.service_id = service.clone();
        t.pos = QueuePos::transferred(seq);
        t.transfer_seq = seq;
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
        }
        self.tickets.insert(t.ticket.id, t.clone());
        self.enqueue(&t);
        if let Some(target) = target_window {
            fx.windows.push(target);
        }
        fx.services.insert(from_service);
        fx.services.insert(service);
        fx.ticket_changed(&t);
        fx.detail = json(serde_json::json!({ "to": to, "note": note }));
        Ok(self.action_reply(number, Some(t.ticket), None))
    }

    pub(super) fn hold(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        _now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let mut t = self.step_current(
            actor,
            number,
            &[TicketState::Called, TicketState::Serving],
            fx,
        )?;
        t.ticket.state = TicketState::Held;
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
            w.held.push(t.ticket.id);
        }
        fx.ticket_changed(&t);
        let ticket = t.ticket.clone();
        self.tickets.insert(t.ticket.id, t);
        Ok(self.action_reply(number, Some(ticket), None))
    }

    pub(super) fn unhold(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        id: TicketId,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        if w.current.is_some() {
            return Err(err(
                ErrorCode::WindowBusy,
                "finish, hold or transfer the current ticket first",
            ));
        }
        if !w.held.contains(&id) {
            let what = match self.tickets.get(&id) {
                Some(t) if t.ticket.state == TicketState::Held => format!(
                    "ticket {} is held at window {}",
                    t.ticket.number,
                    t.ticket.window.unwrap_or(0)
                ),
                Some(t) => format!(
                    "ticket {} is {}, not held",
                    t.ticket.number,
                    t.ticket.state.as_str()
                ),
                None => format!("no open ticket {id}"),
            };
            let code = if self.tickets.contains_key(&id) {
                ErrorCode::WrongState
            } else {
                ErrorCode::UnknownTicket
            };
            return Err(err(code, what));
        }
        let t = self
            .tickets
            .get_mut(&id)
            .ok_or_else(|| err(ErrorCode::Internal, "held ticket missing"))?;
        t.ticket.state = TicketState::Called;
        last_leg(&mut t.ticket).recalls.push(now);
        let t = t.clone();
        if let Some(w) = self.windows.get_mut(&number) {
            w.held.retain(|h| *h != id);
            w.current = Some(id);
        }
        Ok(self.called(number, &t, now, true, fx))
    }
}

pub(super) fn check_can_call(w: &WindowLive) -> Result<(), ApiError> {
    if w.paused.is_some() {
        return Err(err(
            ErrorCode::WindowPaused,
            format!("window {} is paused: resume first", w.number),
        ));
    }
    if w.current.is_some() {
        return Err(err(
            ErrorCode::WindowBusy,
            "finish, mark no-show, hold or transfer the current ticket first",
        ));
    }
    Ok(())
}

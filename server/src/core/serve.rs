//! A ticket's way through a window: call (R11, R13 special call), recall, start, finish, no-show and
//! requeue (R9), transfer (R10), hold and unhold. Each checks everything before it changes anything.
//!
//! A leg keeps every instant (R4): its first call, every later call (recall, 回呼, a call after a
//! requeue), every requeue, its first start and every hold, so waiting and handling times are exact.

use qcall_protocol::{
    ActionResponse, ApiError, Call, ErrorCode, Event, Hold, LegOutcome, Millis, TicketId,
    TicketState, TransferTarget, WindowNo, WindowStatus,
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
        self.call_picked(actor, number, picked, now, fx)
    }

    /// Calls the ticket R11 picked for a window, counting it for the window's K-ratio streak.
    fn call_picked(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        picked: order::Candidate,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        if let Some(w) = self.windows.get_mut(&number) {
            w.streak = order::next_streak(w.streak, &picked);
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
        let Some(t) = self.tickets.get(&id) else {
            return Err(err(
                ErrorCode::UnknownTicket,
                format!("no open ticket {wanted}"),
            ));
        };
        if t.ticket.state != TicketState::Waiting {
            return Err(err(
                ErrorCode::WrongState,
                format!("ticket {wanted} is not waiting"),
            ));
        }
        let next = self.next_for(w);
        let out_of_order = next.map(|c| c.id) != Some(id);
        // A special call counts for the K-ratio like the call it replaces (R11): a normal ticket
        // ends a priority streak.
        let lane = match t.ticket.leg().target_window {
            Some(_) => order::Lane::ToWindow {
                seq: t.transfer_seq,
            },
            None => order::Lane::Service {
                primary: w.primary.contains(&t.ticket.service_id),
                pos: t.pos,
            },
        };
        let streak = order::next_streak(
            w.streak,
            &order::Candidate {
                id,
                class: t.ticket.class,
                lane,
            },
        );
        if let Some(w) = self.windows.get_mut(&number) {
            w.streak = streak;
        }
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
        let start_on_call = self.cfg.rules.start_on_call;
        let Some(t) = self.tickets.get_mut(&id) else {
            return Err(err(ErrorCode::Internal, "picked ticket vanished"));
        };
        let service = t.ticket.service_id.clone();
        t.ticket.state = TicketState::Called;
        t.ticket.window = Some(number);
        t.behind.clear();
        let leg = last_leg(&mut t.ticket);
        leg.window = Some(number);
        leg.staff_no = staff;
        match leg.called_at {
            None => leg.called_at = Some(now),
            // Called again after a requeue: the first call stays.
            Some(_) => leg.recalls.push(now),
        }
        if start_on_call && leg.started_at.is_none() {
            leg.started_at = Some(now);
        }
        leg.special_call |= special;
        leg.out_of_order |= out_of_order;
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
        check_not_paused(w)?;
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
        let leg = last_leg(&mut t.ticket);
        // After a hold the first start stays: the hold is left out of handling time instead.
        leg.started_at.get_or_insert(now);
        fx.ticket_changed(&t);
        let ticket = t.ticket.clone();
        self.tickets.insert(t.ticket.id, t);
        Ok(self.action_reply(number, Some(ticket), None))
    }

    /// 办结 of a called or serving ticket (R3: a called ticket finished directly was not started
    /// separately; its handling time runs from the call).
    pub(super) fn finish(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        case_no: Option<String>,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let case_no = check_case_no(case_no)?;
        let t = self.step_current(
            actor,
            number,
            &[TicketState::Called, TicketState::Serving],
            fx,
        )?;
        let mut t = self.close(t.ticket.id).unwrap_or(t);
        t.ticket.state = TicketState::Done;
        let index = t.ticket.legs.len() - 1;
        if let (Some(no), Ok(i)) = (case_no, u32::try_from(index)) {
            t.case_nos.insert(i, no);
        }
        let leg = last_leg(&mut t.ticket);
        leg.finished_at = Some(now);
        leg.outcome = Some(LegOutcome::Done);
        let wait = leg.wait_ms().unwrap_or(0);
        let handle = leg.handle_ms().unwrap_or(0);
        // From the call: the walk to the window is the window's time too.
        let at_window = handle
            + leg
                .started_at
                .zip(leg.called_at)
                .map_or(0, |(s, c)| (s - c).max(0));
        let service = leg.service_id.clone();
        self.bump_stat(&format!("window:{number}"), fx, |s| {
            s.served += 1;
            s.wait_ms += wait;
            s.handle_ms += handle;
            s.window_ms += at_window;
        });
        self.bump_stat(&format!("service:{service}"), fx, |s| {
            s.served += 1;
            s.wait_ms += wait;
            s.handle_ms += handle;
            s.window_ms += at_window;
        });
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
        }
        fx.services.insert(service);
        fx.ticket_changed(&t);
        self.invite_rating(&t, index, now, fx);
        Ok(self.action_reply(number, Some(t.ticket), None))
    }

    /// 办结并叫下一位: finishes the current ticket, then calls the next by R11, in one command. When
    /// nobody waits, the finish stands and the answer has no call.
    pub(super) fn finish_and_call_next(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        case_no: Option<String>,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        check_not_paused(w)?;
        let Reply::Action(done) = self.finish(actor, number, case_no, now, fx)? else {
            return Err(err(ErrorCode::Internal, "finish answered oddly"));
        };
        let finished = done.ticket;
        let Some(w) = self.windows.get(&number) else {
            return Err(err(ErrorCode::UnknownWindow, format!("no window {number}")));
        };
        let Some(picked) = self.next_for(w) else {
            return Ok(Reply::Action(Box::new(ActionResponse {
                ticket: None,
                call: None,
                finished,
                ..*done
            })));
        };
        match self.call_picked(actor, number, picked, now, fx)? {
            Reply::Action(mut called) => {
                called.finished = finished;
                Ok(Reply::Action(called))
            }
            other => Ok(other),
        }
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
        let leg = last_leg(&mut t.ticket);
        leg.no_show_at = Some(now);
        leg.no_shows += 1;
        let waited = leg.called_at.map_or(0, |c| (now - c).max(0));
        let service = leg.service_id.clone();
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
        }
        self.bump_stat(&format!("window:{number}"), fx, |s| s.no_show += 1);
        self.bump_stat(&format!("service:{service}"), fx, |s| {
            s.no_show += 1;
            s.window_ms += waited;
        });
        fx.ticket_changed(&t);
        let ticket = t.ticket.clone();
        self.tickets.insert(t.ticket.id, t);
        Ok(self.action_reply(number, Some(ticket), None))
    }

    /// 顺延 (R9): a no-show back in its queue, behind the next N tickets the window that marked it
    /// would call (by R11, whatever their service or class). It keeps its place and its leg's target
    /// window, so once those N were called it is next; a restart keeps the N it waits behind.
    pub(super) fn requeue(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        id: TicketId,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let here = self.my_window(actor, number)?;
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
        let leg = t.ticket.leg();
        let marked_by = leg.window;
        let serves = match leg.target_window {
            Some(w) => w == number,
            None => here
                .primary
                .iter()
                .chain(&here.secondary)
                .any(|s| *s == leg.service_id),
        };
        if marked_by != Some(number) && !serves {
            return Err(err(
                ErrorCode::Forbidden,
                format!(
                    "ticket {} is not in a queue of window {number}: requeue it at window {}",
                    t.ticket.number,
                    marked_by.unwrap_or(0)
                ),
            ));
        }
        if self.no_show_overdue(t, now) {
            return Err(err(
                ErrorCode::RequeueExpired,
                format!(
                    "ticket {} missed its call more than {} minutes ago and has closed: take a new ticket",
                    t.ticket.number, self.cfg.rules.requeue_limit_minutes
                ),
            ));
        }
        let n = self.cfg.rules.requeue_behind as usize;
        let marker = marked_by.and_then(|m| self.windows.get(&m)).unwrap_or(here);
        let behind: Vec<TicketId> = self.order_for(marker, n).iter().map(|c| c.id).collect();
        let mut t = t.clone();
        t.ticket.state = TicketState::Waiting;
        t.behind = behind.clone();
        let service = t.ticket.service_id.clone();
        last_leg(&mut t.ticket).requeues.push(now);
        self.tickets.insert(id, t.clone());
        self.enqueue(&t);
        fx.window = Some(number);
        fx.services.insert(service);
        if let Some(w) = t.ticket.leg().target_window {
            fx.windows.push(w);
        }
        fx.ticket_changed(&t);
        fx.detail = json(serde_json::json!({ "behind": behind }));
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
                let target = self
                    .window_view(*w)
                    .ok_or_else(|| err(ErrorCode::UnknownWindow, format!("no window {w}")))?;
                // Nobody would call it there (R14): the citizen would wait for nothing.
                if target.status == WindowStatus::Closed {
                    return Err(err(
                        ErrorCode::WindowClosed,
                        format!(
                            "window {w} is closed: nobody would call the ticket there; transfer to a service or an open window"
                        ),
                    ));
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
        t.behind.clear();
        if let Some(w) = self.windows.get_mut(&number) {
            w.current = None;
        }
        self.tickets.insert(t.ticket.id, t.clone());
        self.move_citizen(&t, &from_service);
        self.enqueue(&t);
        if let Some(target) = target_window {
            fx.windows.push(target);
        }
        fx.services.insert(from_service);
        fx.services.insert(service);
        fx.ticket_changed(&t);
        // The leg served here ended: the citizen may rate it at this window's pad.
        self.invite_rating(&t, t.ticket.legs.len() - 2, now, fx);
        // The note is free text (R29): it stays on the ticket, which the purge clears; the
        // append-only audit log says only that there was one.
        fx.detail = json(serde_json::json!({ "to": to, "note": note.is_some() }));
        Ok(self.action_reply(number, Some(t.ticket), None))
    }

    pub(super) fn hold(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let mut t = self.step_current(
            actor,
            number,
            &[TicketState::Called, TicketState::Serving],
            fx,
        )?;
        t.ticket.state = TicketState::Held;
        last_leg(&mut t.ticket).holds.push(Hold {
            at: now,
            until: None,
        });
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
        check_not_paused(w)?;
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
        let leg = last_leg(&mut t.ticket);
        leg.recalls.push(now);
        end_hold(leg, now);
        let t = t.clone();
        if let Some(w) = self.windows.get_mut(&number) {
            w.held.retain(|h| *h != id);
            w.current = Some(id);
        }
        Ok(self.called(number, &t, now, true, fx))
    }
}

/// 办件编号 as given at finish: trimmed, 1–64 characters, no control characters; blank is none.
fn check_case_no(case_no: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(no) = case_no
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    if no.chars().count() > qcall_protocol::CASE_NO_MAX_CHARS || no.chars().any(char::is_control) {
        return Err(err(
            ErrorCode::BadRequest,
            format!(
                "case_no (办件编号) must be 1–{} characters without control characters",
                qcall_protocol::CASE_NO_MAX_CHARS
            ),
        ));
    }
    Ok(Some(no))
}

/// Ends a leg's open hold at `now`.
pub(super) fn end_hold(leg: &mut qcall_protocol::Leg, now: Millis) {
    if let Some(h) = leg.holds.last_mut()
        && h.until.is_none()
    {
        h.until = Some(now);
    }
}

/// A paused window gets no calls of any kind (R14): not call-next, a special call, a recall or 回呼.
pub(super) fn check_not_paused(w: &WindowLive) -> Result<(), ApiError> {
    if w.paused.is_some() {
        return Err(err(
            ErrorCode::WindowPaused,
            format!("window {} is paused: resume first", w.number),
        ));
    }
    Ok(())
}

pub(super) fn check_can_call(w: &WindowLive) -> Result<(), ApiError> {
    check_not_paused(w)?;
    if w.current.is_some() {
        return Err(err(
            ErrorCode::WindowBusy,
            "finish, mark no-show, hold or transfer the current ticket first",
        ));
    }
    Ok(())
}

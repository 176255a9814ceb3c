//! A window's session (R14): who is signed in, pauses with their reason and counted time, and the
//! answer every window action sends back.

use qcall_protocol::{
    ActionResponse, ApiError, Call, ErrorCode, Millis, PauseReason, Ticket, WindowNo, WindowStatus,
    WindowView,
};

use qcall_protocol::{Role, TicketId, TicketState};

use super::serve::end_hold;
use super::{Actor, Change, Effects, Hall, QueuePos, Reply, WindowLive, err, json, last_leg};

impl Hall {
    /// The window, checked to be signed in by this actor and not paused when `need_open`.
    pub(super) fn my_window(
        &self,
        actor: &Actor,
        number: WindowNo,
    ) -> Result<&WindowLive, ApiError> {
        let w = self
            .windows
            .get(&number)
            .ok_or_else(|| err(ErrorCode::UnknownWindow, format!("no window {number}")))?;
        let Actor::Staff(staff_no) = actor else {
            return Err(err(ErrorCode::Forbidden, "only staff act at windows"));
        };
        match &w.staff {
            None => Err(err(
                ErrorCode::WindowClosed,
                format!("window {number} is closed: sign in first"),
            )),
            Some(s) if s != staff_no => Err(err(
                ErrorCode::NotSignedIn,
                format!("window {number} is signed in by staff {s}"),
            )),
            Some(_) => Ok(w),
        }
    }

    pub(super) fn action_reply(
        &self,
        number: WindowNo,
        ticket: Option<Ticket>,
        call: Option<Call>,
    ) -> Reply {
        let window = self.window_view(number).unwrap_or_else(|| WindowView {
            number,
            name: String::new(),
            screen_text: String::new(),
            primary: vec![],
            secondary: vec![],
            status: WindowStatus::Closed,
            pause_reason: None,
            paused_since: None,
            staff: None,
            current: None,
            held: vec![],
        });
        Reply::Action(Box::new(ActionResponse {
            ticket,
            window,
            call,
            finished: None,
        }))
    }

    pub(super) fn pause(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        reason: PauseReason,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        if w.paused.is_some() {
            return Err(err(
                ErrorCode::WindowPaused,
                format!("window {number} is already paused"),
            ));
        }
        let services: Vec<String> = w.primary.iter().chain(&w.secondary).cloned().collect();
        if let Some(w) = self.windows.get_mut(&number) {
            w.paused = Some((reason, now));
        }
        fx.window = Some(number);
        fx.windows.push(number);
        fx.services.extend(services);
        fx.detail = json(serde_json::json!({ "reason": reason }));
        Ok(self.action_reply(number, None, None))
    }

    pub(super) fn resume(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        let Some((reason, since)) = w.paused else {
            return Err(err(
                ErrorCode::WrongState,
                format!("window {number} is not paused"),
            ));
        };
        let services: Vec<String> = w.primary.iter().chain(&w.secondary).cloned().collect();
        self.end_pause(number, reason, since, now, fx);
        fx.window = Some(number);
        fx.windows.push(number);
        fx.services.extend(services);
        Ok(self.action_reply(number, None, None))
    }

    /// Counts a pause's time by reason (R14) and clears it.
    pub(super) fn end_pause(
        &mut self,
        number: WindowNo,
        reason: PauseReason,
        since: Millis,
        now: Millis,
        fx: &mut Effects,
    ) {
        let staff = self.windows.get(&number).and_then(|w| w.staff.clone());
        if let Some(w) = self.windows.get_mut(&number) {
            w.paused = None;
        }
        let reason = json(reason).as_str().unwrap_or("other").to_string();
        fx.changes
            .push(Change::Pause(crate::report::fact::pause_fact(
                &self.cfg, &self.day, number, staff, &reason, since, now,
            )));
        self.bump_stat(&format!("window:{number}"), fx, |s| {
            *s.pause_ms.entry(reason).or_default() += (now - since).max(0);
        });
    }

    pub(super) fn sign_in(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        _now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let Actor::Staff(staff_no) = actor else {
            return Err(err(ErrorCode::Forbidden, "only staff sign in at windows"));
        };
        let w = self
            .windows
            .get(&number)
            .ok_or_else(|| err(ErrorCode::UnknownWindow, format!("no window {number}")))?;
        let staff = self
            .cfg
            .staff(staff_no)
            .ok_or_else(|| err(ErrorCode::Unauthorized, "unknown staff"))?;
        // R27: windows are for window staff; a manager who also serves signs in with a staff account.
        if staff.role != Role::Staff {
            return Err(err(
                ErrorCode::Forbidden,
                format!(
                    "{staff_no} is a {} account; managers and admins do not serve at windows: sign in with a staff account",
                    match staff.role {
                        Role::Admin => "admin",
                        _ => "manager",
                    }
                ),
            ));
        }
        if !staff.windows.is_empty() && !staff.windows.contains(&number) {
            return Err(err(
                ErrorCode::Forbidden,
                format!("staff {staff_no} may not sign in at window {number}"),
            ));
        }
        match &w.staff {
            Some(s) if s == staff_no => return Ok(self.action_reply(number, None, None)),
            Some(s) => {
                return Err(err(
                    ErrorCode::WindowTaken,
                    format!("staff {s} is signed in at window {number}"),
                ));
            }
            None => {}
        }
        if let Some(other) = self
            .windows
            .values()
            .find(|w| w.staff.as_deref() == Some(staff_no))
        {
            return Err(err(
                ErrorCode::SignedInElsewhere,
                format!(
                    "staff {staff_no} is signed in at window {}: sign out there first",
                    other.number
                ),
            ));
        }
        let services: Vec<String> = w.primary.iter().chain(&w.secondary).cloned().collect();
        if let Some(w) = self.windows.get_mut(&number) {
            w.staff = Some(staff_no.clone());
            w.paused = None;
            w.streak = 0;
        }
        fx.window = Some(number);
        fx.windows.push(number);
        fx.services.extend(services);
        Ok(self.action_reply(number, None, None))
    }

    pub(super) fn sign_out(
        &mut self,
        actor: &Actor,
        number: WindowNo,
        now: Millis,
        fx: &mut Effects,
    ) -> Result<Reply, ApiError> {
        let w = self.my_window(actor, number)?;
        if w.current.is_some() {
            return Err(err(
                ErrorCode::WindowBusy,
                "finish, hold or transfer the current ticket before signing out",
            ));
        }
        let services: Vec<String> = w.primary.iter().chain(&w.secondary).cloned().collect();
        let held = w.held.clone();
        if let Some((reason, since)) = w.paused {
            self.end_pause(number, reason, since, now, fx);
        }
        if let Some(w) = self.windows.get_mut(&number) {
            w.staff = None;
            w.streak = 0;
            w.held.clear();
        }
        // Held tickets go back to the head of their service's queue, so another window can call the
        // citizen when they return (R14: nobody calls at a closed window).
        for id in held {
            self.return_held(id, now, fx);
        }
        fx.window = Some(number);
        fx.windows.push(number);
        fx.services.extend(services);
        Ok(self.action_reply(number, None, None))
    }

    /// A held ticket back in its service's queue, ahead of its class like a transfer (R10).
    fn return_held(&mut self, id: TicketId, now: Millis, fx: &mut Effects) {
        let seq = self.seq + 1;
        let Some(t) = self.tickets.get_mut(&id) else {
            return;
        };
        if t.ticket.state != TicketState::Held {
            return;
        }
        t.ticket.state = TicketState::Waiting;
        t.ticket.window = None;
        t.pos = QueuePos::transferred(seq);
        t.transfer_seq = seq;
        let leg = last_leg(&mut t.ticket);
        end_hold(leg, now);
        leg.target_window = None;
        leg.requeues.push(now);
        let t = t.clone();
        self.enqueue(&t);
        fx.services.insert(t.ticket.service_id.clone());
        fx.ticket_changed(&t);
    }
}

//! How clients see the hall: hall info, windows, a citizen's ticket (R7), the answer to an issue, and
//! a window's calling order (the preview: R11 replayed, so clients never re-implement it).

use std::collections::BTreeSet;

use qcall_protocol::{
    CurrentTicket, HallInfo, IssueResponse, Millis, PreviewResponse, PublicTicket, StaffCard,
    Ticket, TicketClass, TicketState, WindowNo, WindowStatus, WindowView,
};

use super::order;
use super::{Hall, StoredTicket};
use crate::calendar::format_range;

impl Hall {
    /// The hall as clients see it.
    pub(crate) fn hall_info(&self, now: Millis) -> HallInfo {
        let cal = &self.cfg.calendar;
        HallInfo {
            name_zh: self.cfg.name_zh.clone(),
            name_en: self.cfg.name_en.clone(),
            time_zone: cal.tz_name.clone(),
            business_day: self.day.clone(),
            issuing_open: cal.issuing(now).is_ok(),
            hours_today: cal
                .hours_today(now)
                .iter()
                .map(|r| format_range(*r))
                .collect(),
            notices: self.notices.clone(),
            requeue_limit_minutes: self.cfg.rules.requeue_limit_minutes,
            requeue_behind: self.cfg.rules.requeue_behind,
            priority_ratio: self.cfg.rules.priority_ratio,
        }
    }

    /// A window as screens see it.
    pub(crate) fn window_view(&self, number: WindowNo) -> Option<WindowView> {
        let w = self.windows.get(&number)?;
        let cfg = self.cfg.windows.iter().find(|c| c.number == number)?;
        let current = w
            .current
            .and_then(|id| self.tickets.get(&id))
            .map(|t| CurrentTicket {
                id: t.ticket.id,
                number: t.ticket.number.clone(),
                class: t.ticket.class,
                state: t.ticket.state,
                service_id: t.ticket.service_id.clone(),
                called_at: t.ticket.leg().called_at.unwrap_or(t.ticket.issued_at),
                started_at: t.ticket.leg().started_at,
            });
        let staff = w
            .staff
            .as_ref()
            .and_then(|no| self.cfg.staff(no))
            .map(|s| StaffCard {
                staff_no: s.staff_no.clone(),
                name: s.name.clone(),
                badges: s.badges.clone(),
                photo: s.photo.clone(),
            });
        let status = match (&w.staff, &w.paused) {
            (None, _) => WindowStatus::Closed,
            (Some(_), Some(_)) => WindowStatus::Paused,
            (Some(_), None) => WindowStatus::Open,
        };
        Some(WindowView {
            number,
            name: cfg.name.clone(),
            screen_text: cfg.screen_text.clone(),
            primary: w.primary.clone(),
            secondary: w.secondary.clone(),
            status,
            pause_reason: w.paused.map(|(r, _)| r),
            paused_since: w.paused.map(|(_, t)| t),
            staff,
            current,
            held: w
                .held
                .iter()
                .filter_map(|id| self.tickets.get(id))
                .map(|t| t.ticket.number.clone())
                .collect(),
        })
    }

    /// Every window.
    pub(crate) fn window_views(&self) -> Vec<WindowView> {
        self.windows
            .keys()
            .filter_map(|n| self.window_view(*n))
            .collect()
    }

    /// The citizen's view of their ticket (R7).
    pub(crate) fn public_ticket(&self, t: &StoredTicket) -> PublicTicket {
        let service = self.cfg.service(&t.ticket.service_id);
        let waiting = t.ticket.state == TicketState::Waiting;
        let ahead = waiting.then(|| self.ahead(t));
        PublicTicket {
            number: t.ticket.number.clone(),
            service_id: t.ticket.service_id.clone(),
            service_name_zh: service.map(|s| s.info.name_zh.clone()).unwrap_or_default(),
            service_name_en: service.map(|s| s.info.name_en.clone()).unwrap_or_default(),
            class: t.ticket.class,
            state: t.ticket.state,
            issued_at: t.ticket.issued_at,
            ahead,
            estimated_wait_minutes: ahead.and_then(|a| self.estimate(&t.ticket.service_id, a)),
            window: t.ticket.window,
        }
    }

    /// The answer to an issue, also rebuilt for a retry of it (R6): the ticket now, its token, and the
    /// wait ahead of it now.
    pub(crate) fn issue_response(&self, t: &StoredTicket) -> IssueResponse {
        let ahead = self.ahead(t);
        IssueResponse {
            status_path: format!("/t/{}", t.token),
            token: t.token.clone(),
            ahead,
            estimated_wait_minutes: (t.ticket.state == TicketState::Waiting)
                .then(|| self.estimate(&t.ticket.service_id, ahead))
                .flatten(),
            ticket: t.ticket.clone(),
        }
    }

    /// Who a window would call next, in order (R11), with its held and no-show lists.
    pub(crate) fn preview(&self, number: WindowNo, limit: usize) -> Option<PreviewResponse> {
        let w = self.windows.get(&number)?;
        let lanes = self.lanes_for(w, limit);
        let order = order::replay(lanes, w.streak, self.cfg.rules.priority_ratio, limit);
        let mut waiting = self.to_window.get(&number).map_or(0, BTreeSet::len);
        for service in w.primary.iter().chain(&w.secondary) {
            for class in TicketClass::ALL {
                waiting += self
                    .lanes
                    .get(&(service.clone(), class))
                    .map_or(0, BTreeSet::len);
            }
        }
        let serves = |t: &Ticket| {
            w.primary
                .iter()
                .chain(&w.secondary)
                .any(|s| *s == t.service_id)
        };
        let mut no_show: Vec<Ticket> = self
            .tickets
            .values()
            .filter(|t| t.ticket.state == TicketState::NoShow && serves(&t.ticket))
            .map(|t| t.ticket.clone())
            .collect();
        no_show.sort_by_key(|t| std::cmp::Reverse(t.leg().no_show_at));
        Some(PreviewResponse {
            window: number,
            next: order
                .iter()
                .filter_map(|c| self.tickets.get(&c.id))
                .map(|t| t.ticket.clone())
                .collect(),
            waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
            held: w
                .held
                .iter()
                .filter_map(|id| self.tickets.get(id))
                .map(|t| t.ticket.clone())
                .collect(),
            no_show,
        })
    }
}

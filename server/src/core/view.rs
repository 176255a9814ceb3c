//! How clients see the hall: hall info, windows, a citizen's ticket (R7), the answer to an issue, and
//! a window's calling order (the preview: R11 replayed, so clients never re-implement it).

use qcall_protocol::{
    CurrentTicket, HallInfo, IssueResponse, Millis, PreviewResponse, PublicTicket, Ticket,
    TicketState, WindowNo, WindowStatus, WindowView,
};

use super::{Hall, StoredTicket};
use crate::calendar::format_range;

impl Hall {
    /// The hall as clients see it.
    pub(crate) fn hall_info(&self, now: Millis) -> HallInfo {
        let cal = &self.cfg.calendar;
        HallInfo {
            notify: self.notices_on(),
            check_in: self
                .cfg
                .services
                .iter()
                .any(|s| s.info.enabled && s.booking.is_some()),
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
            start_on_call: self.cfg.rules.start_on_call,
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
            .map(|s| s.card());
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

    /// The citizen's view of their ticket (R7): tickets ahead and the wait from the forecast (R8).
    pub(crate) fn public_ticket(&self, t: &StoredTicket, now: Millis) -> PublicTicket {
        let service = self.cfg.service(&t.ticket.service_id);
        let forecast = self.forecast(t, now);
        PublicTicket {
            number: t.ticket.number.clone(),
            service_id: t.ticket.service_id.clone(),
            service_name_zh: service.map(|s| s.info.name_zh.clone()).unwrap_or_default(),
            service_name_en: service.map(|s| s.info.name_en.clone()).unwrap_or_default(),
            class: t.ticket.class,
            state: t.ticket.state,
            issued_at: t.ticket.issued_at,
            ahead: forecast.map(|f| f.ahead),
            estimated_wait_minutes: forecast.and_then(|f| f.minutes()),
            window: t.ticket.window,
            issued_time: self.cfg.calendar.local_hhmm(t.ticket.issued_at),
            hours_today: self
                .cfg
                .calendar
                .hours_today(now)
                .iter()
                .map(|&r| crate::calendar::format_range(r))
                .collect(),
            utc_offset_minutes: self.cfg.calendar.utc_offset_minutes(now),
        }
    }

    /// The answer to an issue, also rebuilt for a retry of it (R6): the ticket now, its token, and the
    /// wait ahead of it now.
    pub(crate) fn issue_response(&self, t: &StoredTicket, now: Millis) -> IssueResponse {
        let forecast = self.forecast(t, now);
        IssueResponse {
            status_path: format!("/t/{}", t.token),
            token: t.token.clone(),
            ahead: forecast.map_or(0, |f| f.ahead),
            estimated_wait_minutes: forecast.and_then(|f| f.minutes()),
            ticket: t.ticket.clone(),
        }
    }

    /// Who a window would call next, in order (R11), with its held and no-show lists.
    pub(crate) fn preview(&self, number: WindowNo, limit: usize) -> Option<PreviewResponse> {
        let w = self.windows.get(&number)?;
        let order = self.order_for(w, limit);
        let waiting = self.waiting_for(w);
        let serves = |t: &Ticket| {
            w.primary
                .iter()
                .chain(&w.secondary)
                .any(|s| *s == t.service_id)
        };
        // A no-show belongs to the window that marked it, and to the windows serving its service.
        let mut no_show: Vec<Ticket> = self
            .tickets
            .values()
            .filter(|t| {
                t.ticket.state == TicketState::NoShow
                    && (serves(&t.ticket) || t.ticket.leg().window == Some(number))
            })
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

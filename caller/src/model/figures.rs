//! What the main screen shows that is worked out from the live hall rather than stored: the
//! current ticket with its timers and time limit, who waits for this window per service and per
//! class, whether a no-show may still be requeued, and the timer formats.

use qcall_client::Text;
use qcall_protocol::{Millis, Ticket, TicketClass, TicketId, TicketState};

use super::Model;

/// The ticket at the window, with the figures the screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentView {
    /// Its id.
    pub id: TicketId,
    /// The number, e.g. `A001`.
    pub number: String,
    /// Its class.
    pub class: TicketClass,
    /// `called` or `serving`.
    pub state: TicketState,
    /// The service's Chinese name (its id when unknown).
    pub service_name: String,
    /// How long it waited from queueing (this leg) to the call.
    pub waited_ms: Option<Millis>,
    /// Since the call.
    pub since_call_ms: Millis,
    /// Handling time so far, once started.
    pub handling_ms: Option<Millis>,
    /// Recalls on this leg.
    pub recalls: usize,
    /// The service's expected handling minutes (限时办结).
    pub expected_minutes: Option<u32>,
    /// Handling time is past the expected minutes (限时办结); the timer turns to the warning colour.
    pub over_limit: bool,
}

/// How many tickets wait for this window, per service and per class (the queue panel's counts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitingCounts {
    /// Service name (Chinese) and count, in the window's order: primary, then secondary
    /// services, then tickets transferred to this window itself. Services with none are left out.
    pub by_service: Vec<(String, u32)>,
    /// Class and count, green first as R11 calls them. Classes with none are left out.
    pub by_class: Vec<(TicketClass, u32)>,
}

impl Model {
    /// The window's current ticket with its timers, or `None` when it has none.
    pub fn current(&self) -> Option<CurrentView> {
        let c = self.my_window()?.current.as_ref()?;
        let now = self.server_now();
        let service = self.live.service(&c.service_id);
        let leg = self.ticket(c.id).map(|t| t.leg());
        let handling_ms = c.started_at.map(|s| (now - s).max(0));
        let since_call_ms = (now - c.called_at).max(0);
        let expected_minutes = service.map(|s| s.expected_minutes);
        let over_limit = match expected_minutes {
            Some(m) if m > 0 => handling_ms.unwrap_or(0) > Millis::from(m) * 60_000,
            _ => false,
        };
        Some(CurrentView {
            id: c.id,
            number: c.number.clone(),
            class: c.class,
            state: c.state,
            service_name: service.map_or_else(|| c.service_id.clone(), |s| s.name_zh.clone()),
            waited_ms: leg.map(|l| (c.called_at - l.queued_at).max(0)),
            since_call_ms,
            handling_ms,
            recalls: leg.map_or(0, |l| l.recalls.len()),
            expected_minutes,
            over_limit,
        })
    }

    /// Who waits for this window, counted from the hall's open tickets: waiting tickets of the
    /// window's services that are not transferred to another window, and tickets transferred to
    /// this window (R10). The same set the server's preview counts in `waiting`.
    pub fn waiting_counts(&self) -> WaitingCounts {
        let Some(n) = self.window else {
            return WaitingCounts::default();
        };
        let services = self.my_services();
        let mut per_service = vec![0u32; services.len()];
        let mut to_me = 0;
        let mut per_class = [0u32; 4];
        for t in self.live.open_tickets() {
            if t.state != TicketState::Waiting {
                continue;
            }
            match t.leg().target_window {
                Some(w) if w == n => to_me += 1,
                Some(_) => continue,
                None => match services.iter().position(|s| *s == t.service_id) {
                    Some(i) => per_service[i] += 1,
                    None => continue,
                },
            }
            per_class[class_rank(t.class)] += 1;
        }
        let mut by_service: Vec<(String, u32)> = services
            .iter()
            .zip(per_service)
            .filter(|(_, c)| *c > 0)
            .map(|(id, c)| {
                let name = self
                    .live
                    .service(id)
                    .map_or_else(|| id.clone(), |s| s.name_zh.clone());
                (name, c)
            })
            .collect();
        if to_me > 0 {
            let me = Text::WindowNumber.fill(self.lang, &[("n", &n)]);
            by_service.push((me, to_me));
        }
        let classes = [
            TicketClass::Green,
            TicketClass::Priority,
            TicketClass::Appointment,
            TicketClass::Normal,
        ];
        WaitingCounts {
            by_service,
            by_class: classes
                .into_iter()
                .zip(per_class)
                .filter(|(_, c)| *c > 0)
                .collect(),
        }
    }

    /// Whether a no-show ticket may still be requeued (R9): within the hall's requeue limit of its
    /// no-show time, by the server's clock. Past it the server would refuse, so the button is off
    /// and says why.
    pub fn requeue_allowed(&self, ticket: &Ticket) -> bool {
        let Some(limit) = self.live.hall().map(|h| h.requeue_limit_minutes) else {
            return true;
        };
        match ticket.leg().no_show_at {
            Some(at) => self.server_now() - at <= Millis::from(limit) * 60_000,
            None => true,
        }
    }
}

/// R11's class order, green first: the index of a class in the queue panel's counts.
fn class_rank(class: TicketClass) -> usize {
    match class {
        TicketClass::Green => 0,
        TicketClass::Priority => 1,
        TicketClass::Appointment => 2,
        TicketClass::Normal => 3,
    }
}

/// `mm:ss` (or `h:mm:ss` past an hour) for timers.
pub fn clock_text(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Whole minutes, rounded down, for "已等候 n 分钟".
pub fn minutes(ms: Millis) -> i64 {
    ms.max(0) / 60_000
}

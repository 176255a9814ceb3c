//! 取号 at the window (R2): staff issue a 绿色通道, 爱心优先 or 预约 ticket for the citizen in front of
//! them (帮办代办), shown as a number in the dialog; the server records who issued it (the audit
//! line's actor is the staff member). One confirm is one request id, reused if it is pressed again
//! after a lost answer (R6).

use qcall_client::i18n::client_error_text;
use qcall_client::{ClientError, RequestId, Text};
use qcall_protocol::{IssueRequest, IssueResponse, TicketClass};

use super::{Command, Dialog, Model};

/// The classes staff issue here.
pub const STAFF_CLASSES: [TicketClass; 3] = [
    TicketClass::Green,
    TicketClass::Priority,
    TicketClass::Appointment,
];

/// The 取号 dialog's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueDraft {
    /// The service chosen.
    pub service: Option<String>,
    /// The class (绿色通道 first: the usual reason to issue at a window).
    pub class: TicketClass,
    /// Optional citizen id (R5: one open ticket per citizen and service).
    pub citizen_id: String,
    /// Optional phone.
    pub phone: String,
    /// The request on its way, or sent without an answer: confirming again resends it.
    pub request: Option<IssueRequest>,
    /// Whether `request` is on its way now.
    pub in_flight: bool,
    /// The ticket issued: its number and class on screen.
    pub issued: Option<IssueResponse>,
    /// Why it was refused.
    pub error: Option<Text>,
}

impl Default for IssueDraft {
    fn default() -> Self {
        IssueDraft {
            service: None,
            class: TicketClass::Green,
            citizen_id: String::new(),
            phone: String::new(),
            request: None,
            in_flight: false,
            issued: None,
            error: None,
        }
    }
}

impl Model {
    /// Opens the 取号 dialog, the window's first primary service chosen.
    pub(super) fn open_issue(&mut self) {
        if self.session.is_none() {
            return;
        }
        let service = self.my_window().and_then(|w| w.primary.first().cloned());
        self.dialog = Some(Dialog::Issue(Box::new(IssueDraft {
            service,
            ..IssueDraft::default()
        })));
    }

    /// The dialog's fields changed: a new request next time (the old one was for other input).
    pub(super) fn edit_issue(&mut self, mut draft: Box<IssueDraft>) {
        let Some(Dialog::Issue(old)) = &self.dialog else {
            return;
        };
        if old.in_flight {
            return;
        }
        let changed = old.service != draft.service
            || old.class != draft.class
            || old.citizen_id != draft.citizen_id
            || old.phone != draft.phone;
        if changed {
            draft.request = None;
            draft.issued = None;
            draft.error = None;
        }
        self.dialog = Some(Dialog::Issue(draft));
    }

    /// 确定: the issue request.
    pub(super) fn confirm_issue(&mut self) -> Vec<Command> {
        let can = self.can_act();
        let Some(Dialog::Issue(draft)) = &mut self.dialog else {
            return vec![];
        };
        if draft.in_flight || !can {
            return vec![];
        }
        let Some(service) = draft.service.clone() else {
            return vec![];
        };
        let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let request = draft.request.clone().unwrap_or_else(|| IssueRequest {
            notify: false,
            request_id: RequestId::new().into(),
            service_id: service,
            class: draft.class,
            citizen_id: optional(&draft.citizen_id),
            phone: optional(&draft.phone),
            helper: None,
        });
        draft.request = Some(request.clone());
        draft.in_flight = true;
        draft.error = None;
        draft.issued = None;
        vec![Command::Issue(request)]
    }

    /// The answer to the dialog's issue request.
    pub(super) fn issued(&mut self, request_id: &str, result: Result<IssueResponse, ClientError>) {
        let Some(Dialog::Issue(draft)) = &mut self.dialog else {
            return;
        };
        if draft
            .request
            .as_ref()
            .is_none_or(|r| r.request_id != request_id)
        {
            return;
        }
        draft.in_flight = false;
        match result {
            Ok(issue) => {
                tracing::info!(number = %issue.ticket.number, class = ?issue.ticket.class, "issued at the window");
                draft.issued = Some(issue);
                // Issued: the next confirm is a new ticket.
                draft.request = None;
            }
            Err(e) => {
                if !e.is_transient() {
                    draft.request = None;
                }
                draft.error = Some(client_error_text(&e));
            }
        }
    }
}

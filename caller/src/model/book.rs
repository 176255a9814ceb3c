//! 电话预约 (R25): staff book an appointment for a citizen on the phone — a service, a free slot
//! from the server's list, the name and phone (the id optional) — and read the booking code back to
//! them. One confirm is one request id, reused if it is pressed again after a lost answer (R6).

use qcall_client::i18n::client_error_text;
use qcall_client::{ClientError, RequestId, Text};
use qcall_protocol::{BookRequest, BookableService, Booking, BookingResponse, SlotsResponse};

use super::{Command, Dialog, Model};

/// The 电话预约 dialog's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookDraft {
    /// What can be booked, once the server answered.
    pub slots: Option<Vec<BookableService>>,
    /// The service chosen.
    pub service: Option<String>,
    /// The slot chosen: its date and `HH:MM-HH:MM`.
    pub slot: Option<(String, String)>,
    /// The citizen's name.
    pub name: String,
    /// The citizen's phone.
    pub phone: String,
    /// Optional citizen id.
    pub citizen_id: String,
    /// The request on its way, or sent without an answer: confirming again resends it.
    pub request: Option<BookRequest>,
    /// Whether `request` is on its way now.
    pub in_flight: bool,
    /// The booking made: its code on screen, to read to the caller.
    pub booked: Option<Booking>,
    /// Why it was refused, or why it cannot be sent yet.
    pub error: Option<Text>,
}

impl Model {
    /// Opens the dialog and asks the server what can be booked.
    pub(super) fn open_book(&mut self) -> Vec<Command> {
        if self.session.is_none() {
            return vec![];
        }
        self.dialog = Some(Dialog::Book(Box::default()));
        vec![Command::Slots]
    }

    /// The dialog's fields changed: a new request next time (the old one was for other input).
    pub(super) fn edit_book(&mut self, mut draft: Box<BookDraft>) {
        let Some(Dialog::Book(old)) = &self.dialog else {
            return;
        };
        if old.in_flight {
            return;
        }
        if old.service != draft.service {
            draft.slot = None;
        }
        let changed = old.service != draft.service
            || old.slot != draft.slot
            || old.name != draft.name
            || old.phone != draft.phone
            || old.citizen_id != draft.citizen_id;
        if changed {
            draft.request = None;
            draft.booked = None;
            draft.error = None;
        }
        // The server's list is the dialog's own, not the view's copy.
        draft.slots.clone_from(&old.slots);
        self.dialog = Some(Dialog::Book(draft));
    }

    /// 预约: the booking request, once a slot, a name and a phone are there.
    pub(super) fn confirm_book(&mut self) -> Vec<Command> {
        let can = self.can_act();
        let Some(Dialog::Book(draft)) = &mut self.dialog else {
            return vec![];
        };
        if draft.in_flight || !can {
            return vec![];
        }
        let (Some(service), Some((date, slot))) = (draft.service.clone(), draft.slot.clone())
        else {
            draft.error = Some(Text::BookFieldsMissing);
            return vec![];
        };
        if draft.name.trim().is_empty() || draft.phone.trim().is_empty() {
            draft.error = Some(Text::BookFieldsMissing);
            return vec![];
        }
        let id = draft.citizen_id.trim();
        let request = draft.request.clone().unwrap_or_else(|| BookRequest {
            notify: false,
            service_id: service,
            date,
            slot,
            name: draft.name.trim().to_string(),
            phone: draft.phone.trim().to_string(),
            citizen_id: (!id.is_empty()).then(|| id.to_string()),
            request_id: Some(RequestId::new().into()),
        });
        draft.request = Some(request.clone());
        draft.in_flight = true;
        draft.error = None;
        draft.booked = None;
        vec![Command::Book(request)]
    }

    /// What can be booked, from the server.
    pub(super) fn slots_loaded(&mut self, result: Result<SlotsResponse, ClientError>) {
        let Some(Dialog::Book(draft)) = &mut self.dialog else {
            return;
        };
        match result {
            Ok(r) => {
                if draft.service.is_none() {
                    draft.service = r.services.first().map(|s| s.service_id.clone());
                }
                draft.slots = Some(r.services);
            }
            Err(e) => draft.error = Some(client_error_text(&e)),
        }
    }

    /// The answer to the dialog's booking request. A new list of slots is asked for either way
    /// (the quota moved, or the slot was taken meanwhile).
    pub(super) fn booked(
        &mut self,
        request_id: &str,
        result: Result<BookingResponse, ClientError>,
    ) -> Vec<Command> {
        let Some(Dialog::Book(draft)) = &mut self.dialog else {
            return vec![];
        };
        if draft
            .request
            .as_ref()
            .is_none_or(|r| r.request_id.as_deref() != Some(request_id))
        {
            return vec![];
        }
        draft.in_flight = false;
        match result {
            Ok(r) => {
                tracing::info!(service = %r.booking.service_id, date = %r.booking.date, slot = %r.booking.slot, "booked for a caller");
                draft.booked = Some(r.booking);
                // Booked: the next confirm is a new booking.
                draft.request = None;
                draft.name.clear();
                draft.phone.clear();
                draft.citizen_id.clear();
            }
            Err(e) => {
                if !e.is_transient() {
                    draft.request = None;
                }
                draft.error = Some(client_error_text(&e));
            }
        }
        vec![Command::Slots]
    }
}

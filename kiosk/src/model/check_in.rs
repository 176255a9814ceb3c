//! 预约签到 (R26): the check-in page's rules. The citizen types or scans the booking code, or gives
//! the phone and the last 4 characters of the id; the server decides the rest (on time: an
//! `appointment` ticket; late: a `normal` one and the kiosk says so; early: when to come back). One
//! touch is one request id, and a request whose answer was lost is sent again as it was by the next
//! 签到 (R6), so a check-in is never two tickets.

use std::time::Instant;

use qcall_client::i18n::{self, Text};
use qcall_client::{ClientError, RequestId};
use qcall_protocol::{CheckInRequest, CheckInResponse, ErrorCode};

use super::{Command, Field, Model, Screen, answer_lost, local_time, phone_ok};

/// The characters of a booking code (the server's alphabet: no look-alikes); the keypad offers
/// these only.
pub const CODE_CHARS: &str = "ACEFHJKMNPRTWXY3479";
/// A booking code's length.
pub const CODE_LEN: usize = 6;

/// The check-in page's state.
#[derive(Debug, Clone, Default)]
pub struct CheckInForm {
    /// The booking code as typed or scanned.
    pub code: String,
    /// The phone given when booking.
    pub phone: String,
    /// The last 4 characters of the id given when booking.
    pub id_last4: String,
    /// The field the keypad types into.
    pub active: CheckInField,
    /// Why the last check-in did not give a ticket, in the screen's language.
    pub error: Option<String>,
    /// The request in flight, or sent without an answer: the next 签到 resends it (R6).
    pub request: Option<CheckInRequest>,
    /// Whether `request` is on its way now (签到 is disabled meanwhile).
    pub in_flight: bool,
}

/// A field of the check-in page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckInField {
    /// The booking code.
    #[default]
    Code,
    /// The phone.
    Phone,
    /// The id's last 4 characters.
    IdLast4,
}

impl CheckInField {
    /// The keypad's field kind for digits (the code has its own keypad).
    pub fn keypad(self) -> Option<Field> {
        match self {
            CheckInField::Code => None,
            CheckInField::Phone => Some(Field::Phone),
            CheckInField::IdLast4 => Some(Field::CitizenId),
        }
    }
}

/// What a scanner or a keyboard typed into the code field, as a code: a scanned URL's last part,
/// upper case, code characters only, at most 6.
pub fn code_characters(text: &str) -> String {
    let tail = text.rsplit(['/', '=', '#']).next().unwrap_or(text);
    tail.chars()
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| CODE_CHARS.contains(*c))
        .take(CODE_LEN)
        .collect()
}

impl Model {
    /// Opens the check-in page.
    pub(super) fn open_check_in(&mut self) {
        if self.offers_check_in() {
            self.screen = Screen::CheckIn(CheckInForm::default());
        }
    }

    /// Whether the home screen offers 预约签到: only where some service takes bookings (R26).
    pub fn offers_check_in(&self) -> bool {
        self.live.hall().is_some_and(|h| h.check_in)
    }

    /// Text typed into a field of the check-in page (the keypad, a keyboard or a scanner).
    pub(super) fn set_check_in_text(&mut self, field: CheckInField, text: &str) {
        let Screen::CheckIn(form) = &mut self.screen else {
            return;
        };
        match field {
            CheckInField::Code => form.code = code_characters(text),
            CheckInField::Phone => {
                form.phone = text.chars().filter(char::is_ascii_digit).take(15).collect()
            }
            CheckInField::IdLast4 => {
                form.id_last4 = text
                    .chars()
                    .map(|c| c.to_ascii_uppercase())
                    .filter(|c| c.is_ascii_digit() || *c == 'X')
                    .take(4)
                    .collect()
            }
        }
        form.active = field;
        form.error = None;
        // New input is a new request (a kept one was for other input).
        if !form.in_flight {
            form.request = None;
        }
    }

    /// The keypad's key on the check-in page.
    pub(super) fn check_in_key(&mut self, key: super::Key) {
        let Screen::CheckIn(form) = &self.screen else {
            return;
        };
        let field = form.active;
        let mut value = match field {
            CheckInField::Code => form.code.clone(),
            CheckInField::Phone => form.phone.clone(),
            CheckInField::IdLast4 => form.id_last4.clone(),
        };
        match key {
            super::Key::Char(c) => value.push(c),
            super::Key::Delete => {
                value.pop();
            }
            super::Key::Clear => value.clear(),
        }
        self.set_check_in_text(field, &value);
    }

    /// Whether a check-in is on its way (no idle return meanwhile).
    pub fn checking_in(&self) -> bool {
        matches!(&self.screen, Screen::CheckIn(form) if form.in_flight)
    }

    /// 签到取号: the request for what was typed, or the kept one resent as it was.
    pub(super) fn check_in(&mut self) -> Option<Command> {
        let lang = self.lang;
        let Screen::CheckIn(form) = &mut self.screen else {
            return None;
        };
        if form.in_flight {
            return None;
        }
        if let Some(request) = &form.request {
            form.in_flight = true;
            form.error = None;
            return Some(Command::CheckIn(request.clone()));
        }
        let request_id: String = RequestId::new().into();
        let request = if form.code.len() == CODE_LEN {
            CheckInRequest {
                request_id,
                code: Some(form.code.clone()),
                phone: None,
                id_last4: None,
            }
        } else if phone_ok(&form.phone) && form.id_last4.len() == 4 {
            CheckInRequest {
                request_id,
                code: None,
                phone: Some(form.phone.clone()),
                id_last4: Some(form.id_last4.clone()),
            }
        } else {
            form.error = Some(Text::CheckInIncomplete.get(lang).to_string());
            return None;
        };
        form.request = Some(request.clone());
        form.in_flight = true;
        form.error = None;
        Some(Command::CheckIn(request))
    }

    /// The answer to a check-in: the ticket screen (marked 预约, or saying it is a normal ticket
    /// after a late check-in) and its slip; or the reason on the check-in page.
    pub fn check_in_done(
        &mut self,
        request_id: &str,
        result: Result<CheckInResponse, ClientError>,
        now: Instant,
    ) -> Option<Command> {
        let lang = self.lang;
        let tz = self
            .live
            .hall()
            .map_or_else(|| "Asia/Shanghai".to_string(), |h| h.time_zone.clone());
        let server_now = self.server_now();
        let Screen::CheckIn(form) = &mut self.screen else {
            return None;
        };
        if form
            .request
            .as_ref()
            .is_none_or(|r| r.request_id != request_id)
        {
            return None;
        }
        form.in_flight = false;
        match result {
            Ok(answer) => {
                tracing::info!(
                    number = %answer.issued.ticket.number,
                    on_time = answer.on_time,
                    "booking checked in"
                );
                self.last_touch = now;
                self.remember(&answer.issued);
                let command = self.show_ticket(answer.issued, false);
                if let Screen::Ticket(ticket) = &mut self.screen {
                    ticket.late_booking = !answer.on_time;
                }
                command
            }
            Err(error) => {
                let lost = answer_lost(&error);
                tracing::warn!(cause = %error, kept = lost, "check-in failed");
                if !lost {
                    form.request = None;
                }
                let text = match &error {
                    ClientError::Api(e) if e.code == ErrorCode::CheckInTooEarly => {
                        match e.retry_after_s {
                            Some(s) => {
                                let at = local_time(server_now + i64::from(s) * 1000, &tz);
                                let today = local_time(server_now, &tz);
                                // The same day: the time only.
                                let at = match (at.split_once(' '), today.split_once(' ')) {
                                    (Some((d, t)), Some((d0, _))) if d == d0 => t.to_string(),
                                    _ => at,
                                };
                                Text::CheckInTooEarlyAt.fill(lang, &[("time", &at)])
                            }
                            None => Text::ErrCheckInTooEarly.get(lang).to_string(),
                        }
                    }
                    ClientError::Api(e) if e.code == ErrorCode::BookingUsed => {
                        // This kiosk's own ticket is shown again; another is named.
                        if let Some(number) = &e.ticket
                            && let Some(issue) = self
                                .issued
                                .iter()
                                .rev()
                                .find(|i| &i.ticket.number == number)
                                .cloned()
                        {
                            self.last_touch = now;
                            return self.show_ticket(issue, true);
                        }
                        let mut text = Text::ErrBookingUsed.get(lang).to_string();
                        if let Some(number) = &e.ticket {
                            text = format!("{text}: {number}");
                        }
                        text
                    }
                    _ if lost => Text::IssueNoAnswer.get(lang).to_string(),
                    _ => i18n::client_error_text(&error).get(lang).to_string(),
                };
                if let Screen::CheckIn(form) = &mut self.screen {
                    form.error = Some(text);
                }
                None
            }
        }
    }
}

//! The caller's state and every rule of what a key press, a click or a server message does to it.
//!
//! [`Model`] is plain data: no egui, no I/O, no clock. The view turns input into an [`Intent`], the
//! glue feeds it to [`Model::intent`], and every server message to [`Model::on_update`] or
//! [`Model::on_reply`]. Each of these returns the [`Command`]s the glue must run (REST calls, the
//! WebSocket, the state file), so every rule here is a unit test.
//!
//! The rules that matter most at a window:
//!
//! - **One action per press.** A key repeat never reaches the model (the view drops it), an action
//!   is refused while another is in flight, and the same action again within
//!   [`Model::debounce_ms`] of the last press is a bounce, not a second press.
//! - **One [`RequestId`] per press, reused on every retry**, so the server acts once (R6).
//! - **Offline means no actions**, with the reason on screen; after a reconnect the snapshot
//!   replaces everything and the queue preview and today's figures are fetched again (R20).
//! - **Every refusal is shown in words** from the catalog, never as a code.
//! - **A key that cannot apply is greyed** with the reason ([`keys`]); pressed anyway, it shows
//!   the reason instead of asking the server. The server still decides.
//! - **An ended login goes back to sign-in**: a staff token the server refuses (expired, revoked)
//!   over the WebSocket or REST shows the sign-in screen with the reason, keeping the staff number
//!   and the window to return to.
//! - **Signing out offline is queued**: the sign-out is sent (same request id) as soon as the
//!   server answers, and a new login waits for it, so it can never close a window signed in again.

use qcall_client::i18n::client_error_text;
use qcall_client::{ClientError, LiveState, RequestId, Text, Update, WindowAction};
use qcall_protocol::{
    ActionResponse, AppealState, Event, LoginResponse, Millis, PauseReason, PreviewResponse,
    RatingNotice, Ticket, TicketId, TransferTarget, WindowNo, WindowStatus, WindowToday,
    WindowView,
};
use serde::{Deserialize, Serialize};

mod book;
mod figures;
mod issue;
pub mod keys;

pub use book::BookDraft;
pub use figures::{CurrentView, WaitingCounts, clock_text, minutes};
pub use issue::{IssueDraft, STAFF_CLASSES};
pub use keys::{Action, Unavailable};

/// How many tickets of the window's calling order are fetched and shown.
pub const PREVIEW_LIMIT: usize = 12;

/// The same action pressed again within this many milliseconds of the previous press is taken for
/// a bounce or an accidental double press and ignored.
pub const DEBOUNCE_MS: Millis = 300;

/// What the caller remembers between runs (the state file): never a password or a token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    /// The server used last time, e.g. `http://192.168.1.10:8700`.
    #[serde(default)]
    pub server: Option<String>,
    /// The staff number typed last time, to prefill.
    #[serde(default)]
    pub staff_no: Option<String>,
    /// The window signed in at last time, offered first.
    #[serde(default)]
    pub last_window: Option<WindowNo>,
}

/// Which screen is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Staff number and password.
    Login,
    /// Logged in: pick one of the allowed windows.
    ChooseWindow,
    /// Signed in at a window: the calling screen.
    Main,
}

/// Where a transfer goes and why, while the dialog is open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferDraft {
    /// The chosen target; confirming needs one.
    pub to: Option<TransferTarget>,
    /// Optional note for the next window.
    pub note: String,
}

/// A dialog over the main screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    /// F6: to a service or a window, with an optional note.
    Transfer(TransferDraft),
    /// F8 while open: pick a reason.
    Pause,
    /// 取号: a 绿色通道, 爱心优先 or 预约 ticket for the citizen at the window.
    Issue(Box<IssueDraft>),
    /// 电话预约: a booking for a citizen on the phone.
    Book(Box<BookDraft>),
}

/// What the person at the window asked for, as the view reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// The staff number field changed.
    StaffNo(String),
    /// The password field changed.
    Password(String),
    /// 登录.
    LogIn,
    /// Sign in at this window.
    ChooseWindow(WindowNo),
    /// 签退 and back to the login screen.
    LogOut,
    /// A window action (a button or an F-key).
    Act(WindowAction),
    /// F6: open the transfer dialog.
    OpenTransfer,
    /// The transfer dialog changed.
    EditTransfer(TransferDraft),
    /// Confirm the transfer dialog.
    ConfirmTransfer,
    /// F8: pause (opens the reason dialog) or resume, whichever applies.
    PauseOrResume,
    /// A reason was picked in the pause dialog.
    PauseWith(PauseReason),
    /// Close any dialog (Esc, 取消).
    CloseDialog,
    /// The 特呼 field changed.
    SpecialNumber(String),
    /// 特呼 the number in the field.
    SpecialCall,
    /// Send the failed action again, with its request id.
    Retry,
    /// Hide the message.
    Dismiss,
    /// Hide the 差评 notice.
    DismissBadRating,
    /// The 办件编号 field changed.
    CaseNo(String),
    /// Open the 取号 dialog.
    OpenIssue,
    /// Open the 电话预约 dialog.
    OpenBook,
    /// The 电话预约 dialog changed.
    EditBook(Box<BookDraft>),
    /// Confirm the 电话预约 dialog.
    ConfirmBook,
    /// The 取号 dialog changed.
    EditIssue(Box<IssueDraft>),
    /// Confirm the 取号 dialog.
    ConfirmIssue,
}

/// Work for the glue: the model never does I/O itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `POST /auth/login`.
    Login {
        /// 工号.
        staff_no: String,
        /// Password, sent once and not kept.
        password: String,
    },
    /// Open the WebSocket with this staff token (replacing any open one).
    Connect {
        /// Bearer token from the login.
        token: String,
    },
    /// Close the WebSocket.
    Disconnect,
    /// `POST /windows/{window}/{action}` with the press's request id.
    Act {
        /// The window.
        window: WindowNo,
        /// What.
        action: WindowAction,
        /// One per press; the same on every retry.
        id: RequestId,
        /// 办件编号 with a finish, when staff typed one.
        case_no: Option<String>,
    },
    /// `POST /tickets` with this request (the 取号 dialog).
    Issue(qcall_protocol::IssueRequest),
    /// `GET /public/booking/slots` (the 电话预约 dialog).
    Slots,
    /// `POST /bookings` with this request (the 电话预约 dialog).
    Book(qcall_protocol::BookRequest),
    /// `GET /windows/{window}/preview`.
    Preview {
        /// The window.
        window: WindowNo,
    },
    /// `GET /windows/{window}/today`.
    Today {
        /// The window.
        window: WindowNo,
    },
    /// Write the state file.
    Save(Remembered),
    /// `POST /auth/logout` with this token: the session ends on the server too, so the token is
    /// worth nothing once the clerk signed out (kept in memory only, and dropped now).
    Logout {
        /// The staff token of the session that ended.
        token: String,
    },
    /// `POST /windows/{window}/sign-out` with this token, sent again (same id) until the server
    /// answers: the staff member signed out while the link was down.
    SignOutLater {
        /// The window.
        window: WindowNo,
        /// The staff token of the session that signed out (kept in memory only).
        token: String,
        /// The press's request id.
        id: RequestId,
    },
}

/// An answer from the network thread.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // One value per request through a channel: boxing buys nothing.
pub enum Reply {
    /// The login's answer.
    Login(Result<LoginResponse, ClientError>),
    /// A window action's answer.
    Act {
        /// The press it answers.
        id: RequestId,
        /// The window it was sent to.
        window: WindowNo,
        /// The action.
        action: WindowAction,
        /// The server's answer.
        result: Result<ActionResponse, ClientError>,
    },
    /// The calling order of a window.
    Preview(WindowNo, Result<PreviewResponse, ClientError>),
    /// Today's figures of a window.
    Today(WindowNo, Result<WindowToday, ClientError>),
    /// The answer to a [`Command::SignOutLater`].
    SignOutLater(WindowNo, Result<ActionResponse, ClientError>),
    /// The answer to a [`Command::Issue`]: its request id and the ticket.
    Issued(String, Result<qcall_protocol::IssueResponse, ClientError>),
    /// The answer to a [`Command::Slots`].
    Slots(Result<qcall_protocol::SlotsResponse, ClientError>),
    /// The answer to a [`Command::Book`]: its request id and the booking.
    Booked(String, Result<qcall_protocol::BookingResponse, ClientError>),
}

/// A sign-out made while the link was down, on its way to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredSignOut {
    /// The window it closes.
    pub window: WindowNo,
    /// The held tickets of the window when it was pressed (they go back to the queue, C6).
    pub held: Vec<String>,
}

/// An action on its way (or failed and retryable), with the id of the press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The window.
    pub window: WindowNo,
    /// The action.
    pub action: WindowAction,
    /// The press's request id.
    pub id: RequestId,
    /// The 办件编号 sent with a finish (the same on a retry: it is part of the request).
    pub case_no: Option<String>,
}

/// Everything the caller shows, and the bookkeeping of what is on its way.
#[derive(Debug, Clone)]
pub struct Model {
    /// Screen language.
    pub lang: qcall_client::Lang,
    /// The server, as shown on the login screen.
    pub server: String,
    /// What the state file holds.
    pub remembered: Remembered,
    /// Which screen is up.
    pub screen: Screen,
    /// The staff number field.
    pub staff_no: String,
    /// The password field (cleared after each login attempt is answered).
    pub password: String,
    /// A login is on its way.
    pub logging_in: bool,
    /// The logged-in account.
    pub session: Option<LoginResponse>,
    /// The window signed in at.
    pub window: Option<WindowNo>,
    /// The hall as the WebSocket tells it.
    pub live: LiveState,
    /// The window's calling order, held and no-show tickets.
    pub preview: Option<PreviewResponse>,
    /// A preview request is on its way.
    pub preview_in_flight: bool,
    /// Something changed while it was on its way: ask again when it arrives.
    pub preview_dirty: bool,
    /// Today's figures.
    pub today: Option<WindowToday>,
    /// The latest 差评 of a leg this staff member served here, until dismissed: a discreet notice,
    /// not a dialog (R21, R22).
    pub bad_rating: Option<RatingNotice>,
    /// The action on its way.
    pub pending: Option<Pending>,
    /// The last action, when it failed in a way that a retry (same id) may fix.
    pub failed: Option<Pending>,
    /// The message on screen: a refusal or a failure, in words.
    pub message: Option<Text>,
    /// A calm line that is not an error: what a sign-out did, that a finish left nobody waiting.
    pub notice: Option<String>,
    /// The held tickets of the window when 签退 was pressed, to say where they went.
    pub held_at_sign_out: Vec<String>,
    /// A sign-out queued while offline, until the server answers it.
    pub deferred_sign_out: Option<DeferredSignOut>,
    /// 登录 was pressed while a queued sign-out is on its way: it is sent once that is answered.
    pub login_waits: bool,
    /// The open dialog.
    pub dialog: Option<Dialog>,
    /// The 特呼 field.
    pub special_number: String,
    /// The 办件编号 field: sent with the next 办结 (F4 or F9), then cleared.
    pub case_no: String,
    /// The window as the last action's answer described it, until the WebSocket says more: the
    /// new ticket is on screen as soon as the answer arrives.
    pub window_override: Option<WindowView>,
    /// The ticket the last action touched, for its legs until the WebSocket has it.
    pub last_ticket: Option<Ticket>,
    /// The last press: which action (its route) and when (local ms), for the bounce rule.
    pub last_press: Option<(&'static str, Millis)>,
    /// See [`DEBOUNCE_MS`]; tests set 0.
    pub debounce_ms: Millis,
    /// Local time now, set by the glue before each frame.
    pub now: Millis,
    /// A fixed server time instead of the estimate, for snapshot images.
    pub fixed_server_now: Option<Millis>,
    /// Sign in at this window as soon as the next login succeeds (`--window`), once; when the
    /// window is not allowed or refuses, the window choice shows why.
    pub auto_window: Option<WindowNo>,
}

impl Model {
    /// The login screen, prefilled from the state file (and the staff number from settings).
    pub fn new(
        lang: qcall_client::Lang,
        server: String,
        remembered: Remembered,
        staff_no: Option<String>,
    ) -> Model {
        let staff_no = staff_no
            .or_else(|| remembered.staff_no.clone())
            .unwrap_or_default();
        Model {
            lang,
            server,
            remembered,
            screen: Screen::Login,
            staff_no,
            password: String::new(),
            logging_in: false,
            session: None,
            window: None,
            live: LiveState::new(),
            preview: None,
            preview_in_flight: false,
            preview_dirty: false,
            today: None,
            bad_rating: None,
            pending: None,
            failed: None,
            message: None,
            notice: None,
            held_at_sign_out: Vec::new(),
            deferred_sign_out: None,
            login_waits: false,
            dialog: None,
            special_number: String::new(),
            case_no: String::new(),
            window_override: None,
            last_ticket: None,
            last_press: None,
            debounce_ms: DEBOUNCE_MS,
            now: 0,
            fixed_server_now: None,
            auto_window: None,
        }
    }

    /// Whether window actions can be sent now: signed in, the link live, nothing on its way. The
    /// view greys out every action button when this is false.
    pub fn can_act(&self) -> bool {
        self.screen == Screen::Main
            && self.window.is_some()
            && self.live.is_live()
            && self.pending.is_none()
    }

    /// Why actions are unavailable because of the link, or `None` when it is up.
    pub fn offline_reason(&self) -> Option<Text> {
        if self.live.is_live() {
            None
        } else {
            Some(
                qcall_client::i18n::connection_text(self.live.connection())
                    .unwrap_or(Text::Connecting),
            )
        }
    }

    /// The window signed in at, freshest of the WebSocket and the last action's answer.
    pub fn my_window(&self) -> Option<&WindowView> {
        let n = self.window?;
        self.window_override
            .as_ref()
            .filter(|w| w.number == n)
            .or_else(|| self.live.window(n))
    }

    /// Whether a call also starts service in this hall (`rules.start_on_call`): then 开始办理 is
    /// never needed, and F9 is one key per citizen.
    pub fn start_on_call(&self) -> bool {
        self.live.hall().is_some_and(|h| h.start_on_call)
    }

    /// Whether the window is paused now.
    pub fn is_paused(&self) -> bool {
        self.my_window()
            .is_some_and(|w| w.status == WindowStatus::Paused)
    }

    /// The server's clock now (estimated from the link, or fixed for images).
    pub fn server_now(&self) -> Millis {
        self.fixed_server_now
            .unwrap_or_else(|| self.live.server_now(self.now))
    }

    /// A ticket by id, from the live list or the last action's answer.
    pub fn ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.live
            .open_ticket(id)
            .or(self.last_ticket.as_ref().filter(|t| t.id == id))
    }

    /// The services the window serves, primary first.
    fn my_services(&self) -> Vec<String> {
        self.my_window()
            .map(|w| w.primary.iter().chain(&w.secondary).cloned().collect())
            .unwrap_or_default()
    }

    /// Applies what the person asked for.
    pub fn intent(&mut self, intent: Intent) -> Vec<Command> {
        match intent {
            Intent::StaffNo(s) => {
                self.staff_no = s;
                vec![]
            }
            Intent::Password(s) => {
                self.password = s;
                vec![]
            }
            Intent::LogIn => self.log_in(),
            Intent::ChooseWindow(n) => self.choose_window(n),
            Intent::LogOut => self.log_out(),
            Intent::Act(action) => self.act(action),
            Intent::OpenTransfer => {
                if self.allowed(Action::Transfer) {
                    self.dialog = Some(Dialog::Transfer(TransferDraft::default()));
                }
                vec![]
            }
            Intent::EditTransfer(draft) => {
                if matches!(self.dialog, Some(Dialog::Transfer(_))) {
                    self.dialog = Some(Dialog::Transfer(draft));
                }
                vec![]
            }
            Intent::ConfirmTransfer => {
                let Some(Dialog::Transfer(draft)) = &self.dialog else {
                    return vec![];
                };
                let Some(to) = draft.to.clone() else {
                    return vec![];
                };
                let note = Some(draft.note.trim().to_string()).filter(|n| !n.is_empty());
                let commands = self.act(WindowAction::Transfer { to, note });
                if !commands.is_empty() {
                    self.dialog = None;
                }
                commands
            }
            Intent::PauseOrResume => {
                if self.is_paused() {
                    self.act(WindowAction::Resume)
                } else {
                    if self.can_act() {
                        self.dialog = Some(Dialog::Pause);
                    }
                    vec![]
                }
            }
            Intent::PauseWith(reason) => {
                let commands = self.act(WindowAction::Pause { reason });
                if !commands.is_empty() {
                    self.dialog = None;
                }
                commands
            }
            Intent::CloseDialog => {
                self.dialog = None;
                vec![]
            }
            Intent::OpenIssue => {
                self.open_issue();
                vec![]
            }
            Intent::EditIssue(draft) => {
                self.edit_issue(draft);
                vec![]
            }
            Intent::ConfirmIssue => self.confirm_issue(),
            Intent::OpenBook => self.open_book(),
            Intent::EditBook(draft) => {
                self.edit_book(draft);
                vec![]
            }
            Intent::ConfirmBook => self.confirm_book(),
            Intent::SpecialNumber(s) => {
                self.special_number = s;
                vec![]
            }
            Intent::SpecialCall => {
                let number = self.special_number.trim().to_uppercase();
                if number.is_empty() {
                    return vec![];
                }
                self.act(WindowAction::CallNumber { number })
            }
            Intent::Retry => {
                let Some(failed) = self.failed.clone() else {
                    return vec![];
                };
                if !self.live.is_live() || self.pending.is_some() {
                    return vec![];
                }
                self.failed = None;
                self.message = None;
                self.pending = Some(failed.clone());
                vec![Command::Act {
                    window: failed.window,
                    action: failed.action,
                    id: failed.id,
                    case_no: failed.case_no,
                }]
            }
            Intent::Dismiss => {
                self.message = None;
                self.notice = None;
                vec![]
            }
            Intent::DismissBadRating => {
                self.bad_rating = None;
                vec![]
            }
            Intent::CaseNo(no) => {
                self.case_no = no.chars().take(qcall_protocol::CASE_NO_MAX_CHARS).collect();
                vec![]
            }
        }
    }

    fn log_in(&mut self) -> Vec<Command> {
        let staff_no = self.staff_no.trim().to_string();
        if self.screen != Screen::Login
            || self.logging_in
            || staff_no.is_empty()
            || self.password.is_empty()
        {
            return vec![];
        }
        self.logging_in = true;
        self.message = None;
        if self.deferred_sign_out.is_some() {
            // The queued sign-out goes first, or it could close the window this login signs in at.
            self.login_waits = true;
            return vec![];
        }
        vec![Command::Login {
            staff_no,
            password: self.password.clone(),
        }]
    }

    fn choose_window(&mut self, n: WindowNo) -> Vec<Command> {
        let allowed = self
            .session
            .as_ref()
            .is_some_and(|s| s.windows.contains(&n));
        if self.screen != Screen::ChooseWindow || !allowed || self.pending.is_some() {
            return vec![];
        }
        self.message = None;
        self.send(n, WindowAction::SignIn)
    }

    fn log_out(&mut self) -> Vec<Command> {
        match self.screen {
            Screen::Login => vec![],
            Screen::ChooseWindow => {
                let token = self.session.as_ref().map(|s| s.token.clone());
                self.back_to_login();
                token
                    .map(|token| Command::Logout { token })
                    .into_iter()
                    .chain([Command::Disconnect])
                    .collect()
            }
            Screen::Main => {
                let Some(n) = self.window else {
                    return vec![];
                };
                if !self.allowed(Action::SignOut) {
                    return vec![];
                }
                self.held_at_sign_out =
                    self.my_window().map(|w| w.held.clone()).unwrap_or_default();
                if self.live.is_live() {
                    return self.send(n, WindowAction::SignOut);
                }
                // Offline: leave now and close the window on the server as soon as it answers.
                let Some(token) = self.session.as_ref().map(|s| s.token.clone()) else {
                    return vec![];
                };
                let held = std::mem::take(&mut self.held_at_sign_out);
                self.deferred_sign_out = Some(DeferredSignOut { window: n, held });
                self.back_to_login();
                self.notice = Some(Text::SignOutQueued.fill(self.lang, &[("n", &n)]));
                vec![
                    Command::Disconnect,
                    Command::SignOutLater {
                        window: n,
                        token,
                        id: RequestId::new(),
                    },
                ]
            }
        }
    }

    /// Whether `action` may be sent now; when the window's state rules it out, the reason
    /// becomes the message (a greyed key pressed anyway).
    fn allowed(&mut self, action: Action) -> bool {
        match self.unavailable(action) {
            None => true,
            Some(Unavailable::State(reason)) => {
                self.message = Some(reason);
                self.failed = None;
                false
            }
            Some(_) => false,
        }
    }

    /// The login ended (token expired or revoked): back to sign-in with the reason, keeping the
    /// staff number and the window to return to.
    fn end_session(&mut self) -> Vec<Command> {
        if self.screen == Screen::Login {
            return vec![];
        }
        if self.screen == Screen::Main {
            self.auto_window = self.window;
        }
        self.back_to_login();
        self.message = Some(Text::SessionEnded);
        vec![Command::Disconnect]
    }

    /// What a sign-out did, for the sign-in screen: the window closed, and where its held
    /// tickets went (back to the head of their queue, CONTRACT C6).
    fn signed_out(&mut self, window: WindowNo, held_before: &[String], answer: &ActionResponse) {
        let lang = self.lang;
        let mut lines = vec![Text::SignedOut.fill(lang, &[("n", &window)])];
        let returned: Vec<&str> = held_before
            .iter()
            .filter(|n| !answer.window.held.contains(n))
            .map(String::as_str)
            .collect();
        if !returned.is_empty() {
            lines.push(Text::HeldReturned.fill(lang, &[("numbers", &returned.join("、"))]));
        }
        self.notice = Some(lines.join("\n"));
    }

    fn back_to_login(&mut self) {
        let lang = self.lang;
        let server = std::mem::take(&mut self.server);
        let remembered = std::mem::take(&mut self.remembered);
        let staff_no = std::mem::take(&mut self.staff_no);
        let debounce_ms = self.debounce_ms;
        let now = self.now;
        let fixed = self.fixed_server_now;
        let message = self.message.take();
        let notice = self.notice.take();
        let deferred = self.deferred_sign_out.take();
        let auto_window = self.auto_window.take();
        *self = Model::new(lang, server, remembered, Some(staff_no));
        self.notice = notice;
        self.deferred_sign_out = deferred;
        self.auto_window = auto_window;
        self.debounce_ms = debounce_ms;
        self.now = now;
        self.fixed_server_now = fixed;
        self.message = message;
    }

    /// A window action from a button or a key: sent once per press, if the link and the window allow.
    fn act(&mut self, action: WindowAction) -> Vec<Command> {
        let Some(n) = self.window else {
            return vec![];
        };
        if !self.can_act() {
            return vec![];
        }
        let route = action.route();
        if let Some((last, at)) = self.last_press
            && last == route
            && self.now - at < self.debounce_ms
        {
            return vec![];
        }
        if let Some(button) = Action::of(&action)
            && !self.allowed(button)
        {
            return vec![];
        }
        self.last_press = Some((route, self.now));
        self.send(n, action)
    }

    fn send(&mut self, window: WindowNo, action: WindowAction) -> Vec<Command> {
        let id = RequestId::new();
        let finishing = matches!(
            action,
            WindowAction::Finish | WindowAction::FinishAndCallNext
        );
        let case_no = Some(self.case_no.trim().to_owned()).filter(|n| finishing && !n.is_empty());
        self.pending = Some(Pending {
            window,
            action: action.clone(),
            id: id.clone(),
            case_no: case_no.clone(),
        });
        self.failed = None;
        self.notice = None;
        vec![Command::Act {
            window,
            action,
            id,
            case_no,
        }]
    }

    /// Applies an update from the WebSocket.
    pub fn on_update(&mut self, update: &Update) -> Vec<Command> {
        let applied = self.live.apply(update);
        if let Update::State(state) = update
            && state.needs_sign_in()
        {
            return self.end_session();
        }
        let Some(n) = self.window else {
            return vec![];
        };
        let mut commands = Vec::new();
        if applied.resynced {
            // The snapshot is the truth now: drop what the last answer said, fetch the rest again.
            self.window_override = None;
            commands.extend(self.request_preview());
            commands.push(Command::Today { window: n });
            return commands;
        }
        let Update::Events { events, .. } = update else {
            return commands;
        };
        let services = self.my_services();
        let mut touched = false;
        for event in events {
            match event {
                Event::Window { window } if window.number == n => {
                    self.window_override = None;
                    touched = true;
                }
                Event::Ticket { ticket } => {
                    let leg = ticket.leg();
                    touched |= services.contains(&ticket.service_id)
                        || ticket.window == Some(n)
                        || leg.target_window == Some(n);
                }
                Event::Availability {
                    services: changed, ..
                } => {
                    touched |= changed.iter().any(|a| services.contains(&a.service_id));
                }
                _ => {}
            }
        }
        if touched {
            commands.extend(self.request_preview());
        }
        // A rating of a leg served here: today's figures change; a new 差评 of this staff member's
        // own service is told to them, discreetly.
        let me = self.session.as_ref().map(|s| s.staff.staff_no.as_str());
        let mut rated_here = false;
        for rating in applied.ratings.iter().filter(|r| r.window == n) {
            rated_here = true;
            if rating.level.is_bad()
                && rating.appeal == AppealState::None
                && rating.staff_no.as_deref() == me
            {
                self.bad_rating = Some(rating.clone());
            }
        }
        if rated_here {
            commands.push(Command::Today { window: n });
        }
        commands
    }

    /// Asks for the preview, or marks it dirty when one is already on its way.
    fn request_preview(&mut self) -> Vec<Command> {
        let Some(window) = self.window else {
            return vec![];
        };
        if self.preview_in_flight {
            self.preview_dirty = true;
            return vec![];
        }
        self.preview_in_flight = true;
        self.preview_dirty = false;
        vec![Command::Preview { window }]
    }

    /// Applies an answer from the network thread.
    pub fn on_reply(&mut self, reply: Reply) -> Vec<Command> {
        match reply {
            Reply::Issued(id, result) => {
                self.issued(&id, result);
                vec![]
            }
            Reply::Slots(result) => {
                self.slots_loaded(result);
                vec![]
            }
            Reply::Booked(id, result) => self.booked(&id, result),
            Reply::Login(result) => {
                self.logging_in = false;
                self.password.clear();
                match result {
                    Ok(session) => {
                        let token = session.token.clone();
                        self.remembered.staff_no = Some(self.staff_no.trim().to_string());
                        self.session = Some(session);
                        self.screen = Screen::ChooseWindow;
                        self.message = None;
                        let mut commands = vec![
                            Command::Connect { token },
                            Command::Save(self.remembered.clone()),
                        ];
                        if let Some(n) = self.auto_window.take() {
                            let sign_in = self.choose_window(n);
                            if sign_in.is_empty() {
                                self.message = Some(Text::WindowNotAllowed);
                            }
                            commands.extend(sign_in);
                        }
                        commands
                    }
                    Err(e) => {
                        self.message = Some(client_error_text(&e));
                        vec![]
                    }
                }
            }
            Reply::Act {
                id,
                window,
                action,
                result,
            } => self.on_action(id, window, action, result),
            Reply::Preview(_, Err(e)) | Reply::Today(_, Err(e)) if e.credential_refused() => {
                self.preview_in_flight = false;
                self.end_session()
            }
            Reply::SignOutLater(n, result) => self.on_deferred_sign_out(n, result),
            Reply::Preview(n, result) => {
                self.preview_in_flight = false;
                if self.window != Some(n) {
                    return vec![];
                }
                if let Ok(preview) = result {
                    self.preview = Some(preview);
                }
                if self.preview_dirty {
                    return self.request_preview();
                }
                vec![]
            }
            Reply::Today(n, result) => {
                if self.window == Some(n)
                    && let Ok(today) = result
                {
                    self.today = Some(today);
                }
                vec![]
            }
        }
    }

    fn on_deferred_sign_out(
        &mut self,
        window: WindowNo,
        result: Result<ActionResponse, ClientError>,
    ) -> Vec<Command> {
        let Some(deferred) = self.deferred_sign_out.take_if(|d| d.window == window) else {
            return vec![];
        };
        match result {
            Ok(answer) => self.signed_out(window, &deferred.held, &answer),
            Err(e) => {
                self.message = Some(if e.credential_refused() {
                    Text::SessionEnded
                } else {
                    client_error_text(&e)
                });
                self.notice = Some(Text::SignOutNotDone.fill(self.lang, &[("n", &window)]));
            }
        }
        if std::mem::take(&mut self.login_waits) && self.screen == Screen::Login && self.logging_in
        {
            return vec![Command::Login {
                staff_no: self.staff_no.trim().to_string(),
                password: self.password.clone(),
            }];
        }
        vec![]
    }

    fn on_action(
        &mut self,
        id: RequestId,
        window: WindowNo,
        action: WindowAction,
        result: Result<ActionResponse, ClientError>,
    ) -> Vec<Command> {
        if self.pending.as_ref().map(|p| &p.id) != Some(&id) {
            // Not the answer we wait for (the screen moved on): nothing to do.
            return vec![];
        }
        let pending = self.pending.take();
        match result {
            Ok(answer) => {
                self.message = None;
                self.failed = None;
                match action {
                    WindowAction::SignIn => {
                        self.window = Some(window);
                        self.screen = Screen::Main;
                        self.remembered.last_window = Some(window);
                        self.window_override = Some(answer.window);
                        let mut commands = vec![Command::Save(self.remembered.clone())];
                        commands.extend(self.request_preview());
                        commands.push(Command::Today { window });
                        commands
                    }
                    WindowAction::SignOut => {
                        let held = std::mem::take(&mut self.held_at_sign_out);
                        let token = self.session.as_ref().map(|s| s.token.clone());
                        self.back_to_login();
                        self.signed_out(window, &held, &answer);
                        token
                            .map(|token| Command::Logout { token })
                            .into_iter()
                            .chain([Command::Disconnect])
                            .collect()
                    }
                    _ => {
                        if matches!(action, WindowAction::CallNumber { .. }) {
                            self.special_number.clear();
                        }
                        // The number went with this finish: the next citizen's matter is another.
                        if pending.as_ref().is_some_and(|p| p.case_no.is_some()) {
                            self.case_no.clear();
                        }
                        if action == WindowAction::FinishAndCallNext
                            && answer.ticket.is_none()
                            && let Some(done) = &answer.finished
                        {
                            // The finish happened; nobody waited to be called.
                            self.notice = Some(
                                Text::FinishedNobodyWaits
                                    .fill(self.lang, &[("number", &done.number)]),
                            );
                        }
                        self.window_override = Some(answer.window);
                        if answer.ticket.is_some() {
                            self.last_ticket = answer.ticket;
                        }
                        let mut commands = self.request_preview();
                        commands.push(Command::Today { window });
                        commands
                    }
                }
            }
            Err(e) => {
                if e.credential_refused() {
                    return self.end_session();
                }
                self.message = Some(client_error_text(&e));
                if e.is_transient() {
                    self.failed = pending;
                }
                vec![]
            }
        }
    }
}

#[cfg(test)]
mod tests;

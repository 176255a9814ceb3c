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

use qcall_client::i18n::client_error_text;
use qcall_client::{ClientError, LiveState, RequestId, Text, Update, WindowAction};
use qcall_protocol::{
    ActionResponse, ErrorCode, Event, LoginResponse, Millis, PauseReason, PreviewResponse, Ticket,
    TicketClass, TicketId, TicketState, TransferTarget, WindowNo, WindowStatus, WindowToday,
    WindowView,
};
use serde::{Deserialize, Serialize};

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
    },
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
}

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
    /// The action on its way.
    pub pending: Option<Pending>,
    /// The last action, when it failed in a way that a retry (same id) may fix.
    pub failed: Option<Pending>,
    /// The message on screen: a refusal or a failure, in words.
    pub message: Option<Text>,
    /// The open dialog.
    pub dialog: Option<Dialog>,
    /// The 特呼 field.
    pub special_number: String,
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
            pending: None,
            failed: None,
            message: None,
            dialog: None,
            special_number: String::new(),
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
                if self.can_act() {
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
                }]
            }
            Intent::Dismiss => {
                self.message = None;
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
                self.back_to_login();
                vec![Command::Disconnect]
            }
            Screen::Main => match self.window {
                Some(n) if self.can_act() => self.send(n, WindowAction::SignOut),
                // Offline: leave locally; the server keeps the window signed in until the staff
                // member signs out from a working link (or another caller takes over later).
                _ if self.pending.is_none() => {
                    self.back_to_login();
                    vec![Command::Disconnect]
                }
                _ => vec![],
            },
        }
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
        let auto_window = self.auto_window.take();
        *self = Model::new(lang, server, remembered, Some(staff_no));
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
        self.last_press = Some((route, self.now));
        self.send(n, action)
    }

    fn send(&mut self, window: WindowNo, action: WindowAction) -> Vec<Command> {
        let id = RequestId::new();
        self.pending = Some(Pending {
            window,
            action: action.clone(),
            id: id.clone(),
        });
        self.failed = None;
        vec![Command::Act { window, action, id }]
    }

    /// Applies an update from the WebSocket.
    pub fn on_update(&mut self, update: &Update) -> Vec<Command> {
        let applied = self.live.apply(update);
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
                        self.back_to_login();
                        vec![Command::Disconnect]
                    }
                    _ => {
                        if matches!(action, WindowAction::CallNumber { .. }) {
                            self.special_number.clear();
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
                self.message = Some(client_error_text(&e));
                if e.code() == Some(ErrorCode::Unauthorized) {
                    // The token expired or the server forgot it: log in again.
                    self.back_to_login();
                    return vec![Command::Disconnect];
                }
                if e.is_transient() {
                    self.failed = pending;
                }
                vec![]
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use qcall_client::Lang;
    use qcall_client::connection::ConnectionState;
    use qcall_protocol::*;

    const NOW: Millis = 1_795_399_200_000;

    fn staff_card() -> StaffCard {
        StaffCard {
            staff_no: "1001".into(),
            name: "张三".into(),
            badges: vec![],
            photo: None,
        }
    }

    fn window(number: WindowNo, current: Option<CurrentTicket>, paused: bool) -> WindowView {
        WindowView {
            number,
            name: "综合窗口".into(),
            screen_text: String::new(),
            primary: vec!["tax".into()],
            secondary: vec![],
            status: if paused {
                WindowStatus::Paused
            } else {
                WindowStatus::Open
            },
            pause_reason: paused.then_some(PauseReason::Meeting),
            paused_since: None,
            staff: Some(staff_card()),
            current,
            held: vec![],
        }
    }

    fn service(id: &str, expected_minutes: u32) -> Service {
        Service {
            id: id.into(),
            name_zh: "税务登记".into(),
            name_en: "Tax".into(),
            group_id: "g".into(),
            prefix: "T".into(),
            enabled: true,
            daily_cap: None,
            expected_minutes,
            materials: vec![],
            ask_citizen_id: false,
            ask_phone: false,
            warn_waiting_count: None,
            warn_waiting_minutes: None,
        }
    }

    fn ticket(id: TicketId, service_id: &str, state: TicketState) -> Ticket {
        Ticket {
            id,
            number: format!("T{id:03}"),
            business_day: "2026-11-23".into(),
            class: TicketClass::Normal,
            state,
            origin_service_id: service_id.into(),
            service_id: service_id.into(),
            issued_at: NOW - 600_000,
            window: None,
            phone_masked: None,
            legs: vec![Leg {
                recalls: vec![NOW - 1000],
                ..Leg::queued(service_id, NOW - 600_000)
            }],
        }
    }

    fn snapshot(seq: u64, windows: Vec<WindowView>, tickets: Vec<Ticket>) -> Snapshot {
        Snapshot {
            seq,
            at: NOW,
            identity: Identity::Staff {
                staff_no: "1001".into(),
                role: Role::Staff,
                window: Some(1),
            },
            hall: HallInfo {
                start_on_call: false,
                name_zh: "政务服务大厅".into(),
                name_en: "Hall".into(),
                time_zone: "Asia/Shanghai".into(),
                business_day: "2026-11-23".into(),
                issuing_open: true,
                hours_today: vec![],
                notices: vec![],
                requeue_limit_minutes: 30,
                requeue_behind: 3,
                priority_ratio: 3,
            },
            groups: vec![],
            services: vec![service("tax", 15)],
            windows,
            availability: vec![],
            recent_calls: vec![],
            open_tickets: tickets,
            display: None,
            ticket: None,
        }
    }

    fn login() -> LoginResponse {
        LoginResponse {
            token: "tok".into(),
            expires_at: NOW + 3_600_000,
            role: Role::Staff,
            staff: staff_card(),
            windows: vec![1, 2],
        }
    }

    fn answer(window_view: WindowView, ticket: Option<Ticket>) -> ActionResponse {
        ActionResponse {
            finished: None,
            ticket,
            window: window_view,
            call: None,
        }
    }

    fn refusal(code: ErrorCode) -> ClientError {
        ClientError::Api(ApiError::new(code, "refused"))
    }

    fn connected() -> Update {
        Update::State(ConnectionState::Connected {
            since: std::time::Instant::now(),
        })
    }

    /// The only `Act` command of `commands`, with its id.
    fn act(commands: &[Command]) -> (WindowAction, RequestId) {
        let acts: Vec<_> = commands
            .iter()
            .filter_map(|c| match c {
                Command::Act { action, id, .. } => Some((action.clone(), id.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(acts.len(), 1, "one action: {commands:?}");
        acts[0].clone()
    }

    /// A model signed in at window 1, live, with nothing on its way.
    fn signed_in() -> Model {
        let mut m = Model::new(
            Lang::Zh,
            "http://h:8700".into(),
            Remembered::default(),
            None,
        );
        m.now = NOW;
        m.debounce_ms = 0;
        m.intent(Intent::StaffNo("1001".into()));
        m.intent(Intent::Password("demo-staff".into()));
        m.on_reply(Reply::Login(Ok(login())));
        let commands = m.intent(Intent::ChooseWindow(1));
        let (action, id) = act(&commands);
        m.on_reply(Reply::Act {
            id,
            window: 1,
            action,
            result: Ok(answer(window(1, None, false), None)),
        });
        m.on_update(&Update::Snapshot {
            snapshot: Box::new(snapshot(5, vec![window(1, None, false)], vec![])),
            received_at: NOW,
        });
        m.on_update(&connected());
        m.preview_in_flight = false;
        assert!(m.can_act());
        m
    }

    /// Sends `intent`, answers it with `result`, returns the action that went out.
    fn round_trip(
        m: &mut Model,
        intent: Intent,
        result: Result<ActionResponse, ClientError>,
    ) -> (WindowAction, Vec<Command>) {
        let (action, id) = act(&m.intent(intent));
        let commands = m.on_reply(Reply::Act {
            id,
            window: 1,
            action: action.clone(),
            result,
        });
        (action, commands)
    }

    #[test]
    fn login_then_window_choice_signs_in_and_remembers() {
        let mut m = Model::new(
            Lang::Zh,
            "http://h:8700".into(),
            Remembered::default(),
            None,
        );
        assert!(m.intent(Intent::LogIn).is_empty(), "nothing typed yet");
        m.intent(Intent::StaffNo(" 1001 ".into()));
        m.intent(Intent::Password("demo-staff".into()));
        let commands = m.intent(Intent::LogIn);
        assert_eq!(
            commands,
            vec![Command::Login {
                staff_no: "1001".into(),
                password: "demo-staff".into()
            }]
        );
        assert!(m.intent(Intent::LogIn).is_empty(), "one login at a time");
        let commands = m.on_reply(Reply::Login(Ok(login())));
        assert_eq!(m.screen, Screen::ChooseWindow);
        assert!(m.password.is_empty(), "the password is not kept");
        assert!(commands.contains(&Command::Connect {
            token: "tok".into()
        }));
        assert!(
            m.intent(Intent::ChooseWindow(7)).is_empty(),
            "only allowed windows"
        );
        let commands = m.intent(Intent::ChooseWindow(2));
        let (action, id) = act(&commands);
        assert_eq!(action, WindowAction::SignIn);
        let commands = m.on_reply(Reply::Act {
            id,
            window: 2,
            action,
            result: Ok(answer(window(2, None, false), None)),
        });
        assert_eq!(m.screen, Screen::Main);
        assert_eq!(m.window, Some(2));
        let saved = commands.iter().find_map(|c| match c {
            Command::Save(r) => Some(r.clone()),
            _ => None,
        });
        assert_eq!(
            saved,
            Some(Remembered {
                server: None,
                staff_no: Some("1001".into()),
                last_window: Some(2)
            })
        );
        assert!(commands.contains(&Command::Preview { window: 2 }));
        assert!(commands.contains(&Command::Today { window: 2 }));
    }

    #[test]
    fn a_refused_login_says_why_in_chinese() {
        let mut m = Model::new(
            Lang::Zh,
            "h".into(),
            Remembered::default(),
            Some("1001".into()),
        );
        m.intent(Intent::Password("wrong".into()));
        m.intent(Intent::LogIn);
        m.on_reply(Reply::Login(Err(refusal(ErrorCode::BadCredentials))));
        assert_eq!(m.screen, Screen::Login);
        assert_eq!(m.message.map(|t| t.get(Lang::Zh)), Some("工号或密码错误"));
        assert!(!m.logging_in);
    }

    #[test]
    fn every_key_action_sends_one_request_with_its_own_id() {
        let mut m = signed_in();
        let mut ids = std::collections::HashSet::new();
        for action in [
            WindowAction::CallNext,
            WindowAction::Recall,
            WindowAction::Start,
            WindowAction::Finish,
            WindowAction::NoShow,
            WindowAction::Hold,
            WindowAction::Unhold { ticket_id: 4 },
            WindowAction::Requeue { ticket_id: 5 },
        ] {
            let (sent, id) = act(&m.intent(Intent::Act(action.clone())));
            assert_eq!(sent, action);
            assert!(ids.insert(id.clone()), "a fresh id per press");
            assert!(
                m.intent(Intent::Act(action.clone())).is_empty(),
                "{action:?}: nothing while the first is on its way"
            );
            assert!(!m.can_act());
            let commands = m.on_reply(Reply::Act {
                id,
                window: 1,
                action,
                result: Ok(answer(window(1, None, false), None)),
            });
            assert!(m.can_act());
            assert!(commands.contains(&Command::Today { window: 1 }));
        }
    }

    #[test]
    fn a_bounce_of_the_same_key_is_ignored_but_a_later_press_counts() {
        let mut m = signed_in();
        m.debounce_ms = DEBOUNCE_MS;
        round_trip(
            &mut m,
            Intent::Act(WindowAction::CallNext),
            Err(refusal(ErrorCode::QueueEmpty)),
        );
        m.now += 100;
        assert!(m.intent(Intent::Act(WindowAction::CallNext)).is_empty());
        // Another key is another press.
        assert!(!m.intent(Intent::Act(WindowAction::Recall)).is_empty());
        m.pending = None;
        m.now += DEBOUNCE_MS;
        assert!(!m.intent(Intent::Act(WindowAction::CallNext)).is_empty());
    }

    #[test]
    fn every_refusal_is_shown_in_words_and_nothing_is_retried() {
        let cases = [
            (ErrorCode::QueueEmpty, "当前无人等候"),
            (
                ErrorCode::WindowBusy,
                "请先处理当前号码（办结、过号、挂起或转移）",
            ),
            (ErrorCode::NoCurrentTicket, "当前没有叫号或办理中的号"),
            (ErrorCode::WindowPaused, "窗口已暂停，请先恢复"),
            (ErrorCode::WrongState, "此号码当前不能进行该操作"),
            (ErrorCode::RequeueExpired, "过号时间过长，不能重新排队"),
            (ErrorCode::TransferToSelf, "不能转移到本窗口"),
            (ErrorCode::UnknownTicket, "没有此号码"),
        ];
        for (code, words) in cases {
            let mut m = signed_in();
            round_trip(
                &mut m,
                Intent::Act(WindowAction::CallNext),
                Err(refusal(code)),
            );
            assert_eq!(m.message.map(|t| t.get(Lang::Zh)), Some(words), "{code:?}");
            assert!(m.failed.is_none(), "{code:?} is final");
            assert!(m.intent(Intent::Retry).is_empty());
            assert!(m.can_act(), "the next press works");
            m.intent(Intent::Dismiss);
            assert!(m.message.is_none());
        }
    }

    #[test]
    fn a_lost_answer_is_retried_with_the_same_id() {
        let mut m = signed_in();
        let (action, id) = act(&m.intent(Intent::Act(WindowAction::CallNext)));
        m.on_reply(Reply::Act {
            id: id.clone(),
            window: 1,
            action,
            result: Err(ClientError::Timeout),
        });
        assert_eq!(m.message, Some(Text::ErrTimeout));
        let (again, again_id) = act(&m.intent(Intent::Retry));
        assert_eq!(again, WindowAction::CallNext);
        assert_eq!(
            again_id, id,
            "the server answers the retry from its record (R6)"
        );
    }

    #[test]
    fn offline_disables_actions_with_a_reason_and_a_resync_refetches() {
        let mut m = signed_in();
        m.on_update(&Update::State(ConnectionState::Reconnecting {
            since: std::time::Instant::now(),
            last_error: qcall_client::LinkError::Closed,
        }));
        assert!(!m.can_act());
        assert_eq!(m.offline_reason(), Some(Text::Reconnecting));
        assert!(m.intent(Intent::Act(WindowAction::CallNext)).is_empty());
        assert!(m.intent(Intent::OpenTransfer).is_empty() && m.dialog.is_none());
        // Back: the snapshot is the truth, the preview and today's figures are fetched again.
        let current = CurrentTicket {
            id: 9,
            number: "T009".into(),
            class: TicketClass::Green,
            state: TicketState::Serving,
            service_id: "tax".into(),
            called_at: NOW - 120_000,
            started_at: Some(NOW - 60_000),
        };
        let commands = m.on_update(&Update::Snapshot {
            snapshot: Box::new(snapshot(
                9,
                vec![window(1, Some(current), false)],
                vec![ticket(9, "tax", TicketState::Serving)],
            )),
            received_at: NOW,
        });
        assert!(commands.contains(&Command::Preview { window: 1 }));
        assert!(commands.contains(&Command::Today { window: 1 }));
        m.on_update(&connected());
        assert!(m.can_act());
        assert_eq!(m.offline_reason(), None);
        assert_eq!(m.current().map(|c| c.number), Some("T009".into()));
    }

    #[test]
    fn the_current_ticket_has_its_timers_and_turns_late_past_the_limit() {
        let mut m = signed_in();
        m.fixed_server_now = Some(NOW);
        let current = |started: Millis| CurrentTicket {
            id: 3,
            number: "T003".into(),
            class: TicketClass::Normal,
            state: TicketState::Serving,
            service_id: "tax".into(),
            called_at: NOW - 17 * 60_000,
            started_at: Some(started),
        };
        let mut t = ticket(3, "tax", TicketState::Serving);
        t.legs[0].queued_at = NOW - 30 * 60_000;
        m.on_update(&Update::Snapshot {
            snapshot: Box::new(snapshot(
                20,
                vec![window(1, Some(current(NOW - 14 * 60_000)), false)],
                vec![t.clone()],
            )),
            received_at: NOW,
        });
        let c = m.current().expect("current");
        assert_eq!(
            c.waited_ms.map(minutes),
            Some(13),
            "queued 30 min ago, called 17 min ago"
        );
        assert_eq!(c.handling_ms.map(clock_text), Some("14:00".into()));
        assert_eq!(c.recalls, 1);
        assert_eq!(c.service_name, "税务登记");
        assert!(!c.over_limit, "14 of 15 minutes");
        m.fixed_server_now = Some(NOW + 2 * 60_000);
        assert!(m.current().expect("current").over_limit, "16 of 15 minutes");
        assert_eq!(clock_text(3_725_000), "1:02:05");
    }

    #[test]
    fn events_on_the_windows_services_refresh_the_preview_once_at_a_time() {
        let mut m = signed_in();
        let event = |seq, service: &str| Update::Events {
            seq,
            at: NOW,
            events: vec![Event::Ticket {
                ticket: ticket(seq as i64, service, TicketState::Waiting),
            }],
            received_at: NOW,
        };
        assert!(
            m.on_update(&event(10, "other")).is_empty(),
            "not this window's service"
        );
        assert_eq!(
            m.on_update(&event(11, "tax")),
            vec![Command::Preview { window: 1 }]
        );
        assert!(
            m.on_update(&event(12, "tax")).is_empty(),
            "one on its way already"
        );
        let preview = PreviewResponse {
            window: 1,
            next: vec![ticket(11, "tax", TicketState::Waiting)],
            waiting: 1,
            held: vec![],
            no_show: vec![],
        };
        let commands = m.on_reply(Reply::Preview(1, Ok(preview.clone())));
        assert_eq!(
            commands,
            vec![Command::Preview { window: 1 }],
            "the missed change"
        );
        assert_eq!(m.preview.as_ref(), Some(&preview));
        assert!(m.on_reply(Reply::Preview(1, Ok(preview))).is_empty());
    }

    #[test]
    fn the_answer_shows_the_new_ticket_before_the_push_arrives() {
        let mut m = signed_in();
        let called = CurrentTicket {
            id: 11,
            number: "T011".into(),
            class: TicketClass::Normal,
            state: TicketState::Called,
            service_id: "tax".into(),
            called_at: NOW,
            started_at: None,
        };
        round_trip(
            &mut m,
            Intent::Act(WindowAction::CallNext),
            Ok(answer(
                window(1, Some(called), false),
                Some(ticket(11, "tax", TicketState::Called)),
            )),
        );
        assert_eq!(m.current().map(|c| c.number), Some("T011".into()));
        // The push then takes over.
        m.on_update(&Update::Events {
            seq: 30,
            at: NOW,
            events: vec![Event::Window {
                window: window(1, None, false),
            }],
            received_at: NOW,
        });
        assert!(m.window_override.is_none());
        assert_eq!(m.current(), None);
    }

    #[test]
    fn transfer_needs_a_target_and_sends_the_note() {
        let mut m = signed_in();
        m.intent(Intent::OpenTransfer);
        assert!(matches!(m.dialog, Some(Dialog::Transfer(_))));
        assert!(
            m.intent(Intent::ConfirmTransfer).is_empty(),
            "no target yet"
        );
        m.intent(Intent::EditTransfer(TransferDraft {
            to: Some(TransferTarget::Window(2)),
            note: "  材料已收  ".into(),
        }));
        let (action, _) = act(&m.intent(Intent::ConfirmTransfer));
        assert_eq!(
            action,
            WindowAction::Transfer {
                to: TransferTarget::Window(2),
                note: Some("材料已收".into())
            }
        );
        assert!(m.dialog.is_none());
    }

    #[test]
    fn f8_pauses_with_a_reason_and_resumes_when_paused() {
        let mut m = signed_in();
        assert!(m.intent(Intent::PauseOrResume).is_empty());
        assert_eq!(m.dialog, Some(Dialog::Pause));
        m.intent(Intent::CloseDialog);
        assert!(m.dialog.is_none());
        m.intent(Intent::PauseOrResume);
        let (action, commands) = round_trip(
            &mut m,
            Intent::PauseWith(PauseReason::Consultation),
            Ok(answer(window(1, None, true), None)),
        );
        assert_eq!(
            action,
            WindowAction::Pause {
                reason: PauseReason::Consultation
            }
        );
        assert!(!commands.is_empty());
        assert!(m.is_paused() && m.dialog.is_none());
        let (action, _) = act(&m.intent(Intent::PauseOrResume));
        assert_eq!(action, WindowAction::Resume);
    }

    #[test]
    fn special_call_takes_the_typed_number() {
        let mut m = signed_in();
        assert!(m.intent(Intent::SpecialCall).is_empty(), "empty field");
        m.intent(Intent::SpecialNumber(" t017 ".into()));
        let (action, _) = round_trip(
            &mut m,
            Intent::SpecialCall,
            Ok(answer(window(1, None, false), None)),
        );
        assert_eq!(
            action,
            WindowAction::CallNumber {
                number: "T017".into()
            }
        );
        assert!(m.special_number.is_empty(), "cleared after the call");
    }

    #[test]
    fn an_expired_token_goes_back_to_the_login() {
        let mut m = signed_in();
        let (_, commands) = round_trip(
            &mut m,
            Intent::Act(WindowAction::CallNext),
            Err(refusal(ErrorCode::Unauthorized)),
        );
        assert_eq!(commands, vec![Command::Disconnect]);
        assert_eq!(m.screen, Screen::Login);
        assert_eq!(m.staff_no, "1001", "prefilled");
        assert!(m.message.is_some());
    }

    #[test]
    fn sign_out_returns_to_the_login() {
        let mut m = signed_in();
        let (action, commands) = round_trip(
            &mut m,
            Intent::LogOut,
            Ok(answer(window(1, None, false), None)),
        );
        assert_eq!(action, WindowAction::SignOut);
        assert_eq!(commands, vec![Command::Disconnect]);
        assert_eq!(m.screen, Screen::Login);
        assert!(m.session.is_none() && m.window.is_none());
    }

    #[test]
    fn counts_per_service_and_class_leave_out_other_windows_transfers() {
        let mut m = signed_in();
        let mut green = ticket(1, "tax", TicketState::Waiting);
        green.class = TicketClass::Green;
        let normal = ticket(2, "tax", TicketState::Waiting);
        let called = ticket(3, "tax", TicketState::Called);
        let elsewhere = ticket(4, "other", TicketState::Waiting);
        let mut to_me = ticket(5, "other", TicketState::Waiting);
        to_me.legs[0].target_window = Some(1);
        let mut to_two = ticket(6, "tax", TicketState::Waiting);
        to_two.legs[0].target_window = Some(2);
        m.on_update(&Update::Snapshot {
            snapshot: Box::new(snapshot(
                8,
                vec![window(1, None, false)],
                vec![green, normal, called, elsewhere, to_me, to_two],
            )),
            received_at: NOW,
        });
        assert_eq!(
            m.waiting_counts(),
            WaitingCounts {
                by_service: vec![("税务登记".into(), 2), ("1号窗口".into(), 1)],
                by_class: vec![(TicketClass::Green, 1), (TicketClass::Normal, 2)],
            }
        );
    }

    #[test]
    fn requeue_is_offered_only_within_the_halls_limit() {
        let mut m = signed_in();
        m.fixed_server_now = Some(NOW);
        let mut t = ticket(7, "tax", TicketState::NoShow);
        t.legs[0].no_show_at = Some(NOW - 30 * 60_000);
        assert!(m.requeue_allowed(&t), "30 of 30 minutes");
        t.legs[0].no_show_at = Some(NOW - 30 * 60_000 - 1000);
        assert!(
            !m.requeue_allowed(&t),
            "past the limit: the server would refuse"
        );
    }

    #[test]
    fn a_window_given_at_start_is_signed_in_after_the_login_or_refused_in_words() {
        let mut m = Model::new(
            Lang::Zh,
            "h".into(),
            Remembered::default(),
            Some("1001".into()),
        );
        m.auto_window = Some(2);
        m.intent(Intent::Password("demo-staff".into()));
        m.intent(Intent::LogIn);
        let (action, _) = act(&m.on_reply(Reply::Login(Ok(login()))));
        assert_eq!(action, WindowAction::SignIn);
        assert_eq!(m.auto_window, None, "once");

        let mut m = Model::new(
            Lang::Zh,
            "h".into(),
            Remembered::default(),
            Some("1001".into()),
        );
        m.auto_window = Some(7);
        m.intent(Intent::Password("demo-staff".into()));
        m.intent(Intent::LogIn);
        let commands = m.on_reply(Reply::Login(Ok(login())));
        assert!(!commands.iter().any(|c| matches!(c, Command::Act { .. })));
        assert_eq!(m.screen, Screen::ChooseWindow);
        assert_eq!(m.message, Some(Text::WindowNotAllowed));
    }
}

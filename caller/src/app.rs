//! The eframe glue: runs the model's [`Command`]s on the client kit's network thread, drains the
//! WebSocket and the REST answers into the model each frame, and draws the view.
//!
//! **The UI thread never waits on the network**: every call goes through [`Requests`] and comes
//! back through a channel, and the network thread calls the [`Wake`] hook (`ctx.request_repaint()`)
//! only when something arrived. Beyond that, the screen repaints once a second while a ticket's
//! timer is shown, and never otherwise.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qcall_client::connection::{Backoff, ConnectionConfig};
use qcall_client::{
    Connection, Lang, NetThread, Requests, RestClient, ServerAddr, Wake, WindowAction,
};
use qcall_protocol::{Hello, WindowNo};
use tracing::warn;

use crate::model::{Command, Intent, Model, PREVIEW_LIMIT, Remembered, Reply};
use crate::state_file;
use crate::view::view;

/// How the app starts.
#[derive(Clone)]
pub struct AppConfig {
    /// The hall server.
    pub server: ServerAddr,
    /// The screen language.
    pub lang: Lang,
    /// The staff number to prefill (`--key`), over the remembered one.
    pub staff_no: Option<String>,
    /// Where to remember server, staff number and window; `None` remembers nothing (tests).
    pub state_file: Option<PathBuf>,
    /// What the state file held at start.
    pub remembered: Remembered,
    /// Sign in at this window right after the login (`--window`), once.
    pub window: Option<WindowNo>,
    /// Log in at start with the staff number and this password (`QCALL_PASSWORD`, for a demo
    /// launcher). Sent once, never kept, never logged; a refusal leaves the login screen up with
    /// the reason.
    pub password: Option<String>,
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("server", &self.server.http_base())
            .field("lang", &self.lang)
            .field("staff_no", &self.staff_no)
            .field("state_file", &self.state_file)
            .field("remembered", &self.remembered)
            .field("window", &self.window)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// The caller app: the model plus the network it drives.
pub struct CallerApp {
    /// Everything shown; public so that tests can look at it.
    pub model: Model,
    conn: Option<Connection>,
    requests: Requests<Reply>,
    rest: RestClient,
    authed: Option<RestClient>,
    server: ServerAddr,
    state_file: Option<PathBuf>,
    /// The newest state waiting to be written, and the lock a write holds: see [`Command::Save`].
    to_save: Arc<(Mutex<Option<Remembered>>, Mutex<()>)>,
    wake: Wake,
    // Dropped last: stopping it cancels whatever still runs on it.
    net: NetThread,
}

impl std::fmt::Debug for CallerApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallerApp")
            .field("server", &self.server.http_base())
            .field("screen", &self.model.screen)
            .finish_non_exhaustive()
    }
}

impl CallerApp {
    /// Starts the network thread and shows the login screen; `wake` is called whenever something
    /// arrives from the server (set it to `ctx.request_repaint()`).
    pub fn new(config: AppConfig, wake: Wake) -> anyhow::Result<CallerApp> {
        let net = NetThread::start()?;
        let requests = Requests::new(&net, wake.clone());
        let rest = RestClient::new(&config.server)?;
        let mut remembered = config.remembered;
        remembered.server = Some(config.server.http_base().to_string());
        let mut model = Model::new(
            config.lang,
            config.server.http_base().to_string(),
            remembered,
            config.staff_no,
        );
        model.auto_window = config.window;
        let mut app = CallerApp {
            model,
            conn: None,
            requests,
            rest,
            authed: None,
            server: config.server,
            state_file: config.state_file,
            to_save: Arc::default(),
            wake,
            net,
        };
        if let Some(password) = config.password.filter(|p| !p.is_empty()) {
            let commands = app
                .model
                .intent(Intent::Password(password))
                .into_iter()
                .chain(app.model.intent(Intent::LogIn))
                .collect();
            app.run(commands);
            if !app.model.logging_in {
                // No staff number to log in with: forget the password, show the login screen.
                app.model.password.clear();
            }
        }
        Ok(app)
    }

    /// Fonts and the light look, once per egui context.
    pub fn setup(ctx: &egui::Context) {
        qcall_client::ui::install_fonts(ctx);
        qcall_client::ui::apply_look(ctx, qcall_client::ui::Look::Light, 1.0);
    }

    /// Takes everything that arrived (WebSocket updates, REST answers) into the model. Never blocks.
    pub fn pump(&mut self) {
        self.model.now = qcall_client::local_now();
        loop {
            let update = self.conn.as_ref().and_then(|c| c.try_recv());
            let Some(update) = update else { break };
            let commands = self.model.on_update(&update);
            self.run(commands);
        }
        while let Some(reply) = self.requests.try_recv() {
            let commands = self.model.on_reply(reply);
            self.run(commands);
        }
    }

    /// Draws one frame and acts on what the person asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.model.now = qcall_client::local_now();
        if let Some(intent) = view(&self.model, ui) {
            let commands = self.model.intent(intent);
            self.run(commands);
            // Show the intent's effect (a dialog, "请稍候") on the next frame.
            ui.ctx().request_repaint();
        }
        if self.model.current().is_some() {
            ui.ctx().request_repaint_after(Duration::from_secs(1));
        }
    }

    /// Whether no request is on its way (the action, the preview, today's figures): the screen
    /// shows all the app knows. Tests wait for this between measured presses.
    pub fn is_idle(&self) -> bool {
        self.requests.in_flight() == 0
    }

    /// Runs commands from the model (public for tests that drive the model directly).
    pub fn run(&mut self, commands: Vec<Command>) {
        for command in commands {
            self.run_one(command);
        }
    }

    fn run_one(&mut self, command: Command) {
        match command {
            Command::Login { staff_no, password } => {
                let rest = self.rest.clone();
                self.requests
                    .spawn(async move { Reply::Login(rest.login(&staff_no, &password).await) });
            }
            Command::Connect { token } => {
                self.authed = Some(self.rest.with_bearer(token.clone()));
                let config = ConnectionConfig::to_server(&self.server, Hello::Staff { token });
                // Replacing the old connection drops it, which closes its socket.
                self.conn = Some(Connection::start(&self.net, config, self.wake.clone()));
            }
            Command::Disconnect => {
                self.conn = None;
                self.authed = None;
            }
            Command::Act {
                window,
                action,
                id,
                case_no,
            } => {
                let rest = self.authed_client();
                self.requests.spawn(async move {
                    let result = rest
                        .window_action_with_case_no(window, &action, &id, case_no.as_deref())
                        .await;
                    Reply::Act {
                        id,
                        window,
                        action,
                        result,
                    }
                });
            }
            Command::Issue(request) => {
                let rest = self.authed_client();
                self.requests.spawn(async move {
                    let result = rest.issue(&request).await;
                    Reply::Issued(request.request_id, result)
                });
            }
            Command::Slots => {
                let rest = self.authed_client();
                self.requests
                    .spawn(async move { Reply::Slots(rest.booking_slots().await) });
            }
            Command::Book(request) => {
                let rest = self.authed_client();
                self.requests.spawn(async move {
                    let result = rest.book_for_caller(&request).await;
                    Reply::Booked(request.request_id.clone().unwrap_or_default(), result)
                });
            }
            Command::Preview { window } => {
                let rest = self.authed_client();
                self.requests.spawn(async move {
                    Reply::Preview(window, rest.preview(window, Some(PREVIEW_LIMIT)).await)
                });
            }
            Command::Today { window } => {
                let rest = self.authed_client();
                self.requests
                    .spawn(async move { Reply::Today(window, rest.today(window).await) });
            }
            Command::SignOutLater { window, token, id } => {
                // The connection's backoff (0.5 s up to 5 s) between tries, one request id.
                let rest = self.rest.with_bearer(token);
                let backoff = Backoff::standard();
                self.requests.spawn(async move {
                    let answer = rest
                        .window_action_until_answered(window, &WindowAction::SignOut, &id, backoff)
                        .await;
                    // Signed out of the window: the session ends too (its token revoked).
                    if answer.is_ok()
                        && let Err(e) = rest.logout().await
                    {
                        tracing::warn!(cause = %e, "the session was not ended on the server; it expires on its own");
                    }
                    Reply::SignOutLater(window, answer)
                });
            }
            Command::Logout { token } => {
                let rest = self.rest.with_bearer(token);
                self.net.handle().spawn(async move {
                    if let Err(e) = rest.logout().await {
                        tracing::warn!(cause = %e, "the session was not ended on the server; it expires on its own");
                    }
                });
            }
            Command::Save(remembered) => {
                let Some(path) = self.state_file.clone() else {
                    return;
                };
                // Disk I/O stays off the UI thread. Each write takes the newest state under the
                // write lock, so writes finishing in any order still leave the newest on disk.
                *lock(&self.to_save.0) = Some(remembered);
                let to_save = self.to_save.clone();
                self.net.handle().spawn_blocking(move || {
                    let _writing = lock(&to_save.1);
                    let Some(remembered) = lock(&to_save.0).take() else {
                        return;
                    };
                    if let Err(e) = state_file::save(&path, &remembered) {
                        warn!(path = %path.display(), cause = %e, "cannot write the state file");
                    }
                });
            }
        }
    }

    /// The client with the staff token; without one (cannot happen after login) the server refuses
    /// and the model shows it.
    fn authed_client(&self) -> RestClient {
        self.authed.clone().unwrap_or_else(|| self.rest.clone())
    }
}

impl Drop for CallerApp {
    fn drop(&mut self) {
        if let Some(d) = &self.model.deferred_sign_out {
            // The queued sign-out dies with the app: say so where hall IT will look.
            warn!(
                window = d.window,
                "the caller closes before its sign-out reached the server: the window stays signed in"
            );
        }
    }
}

impl eframe::App for CallerApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.pump();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// A poisoned lock still holds usable data: a failed write panicked, not the data.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

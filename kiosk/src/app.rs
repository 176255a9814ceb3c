//! The eframe glue: the network thread (connection and issue requests via `qcall_client`), the
//! printer thread, and one frame = drain what arrived → tick → view → handle the intent. Nothing
//! here blocks the UI thread, and the screen repaints only when something arrives or for the idle
//! countdown.

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use qcall_client::connection::ConnectionConfig;
use qcall_client::i18n::Lang;
use qcall_client::{
    ClientArgs, ClientError, Connection, NetThread, Requests, RestClient, ServerAddr, Settings,
    Wake,
};
use qcall_protocol::{DeviceStatus, Hello, IssueResponse, PrinterHealth};
use serde::Deserialize;

use crate::model::{Command, DEFAULT_IDLE, Model, ModelConfig};
use crate::print::{Destination, Paper, PrintError, Printer, SlipSettings, TicketSlip};
use crate::view::view;

/// The size, in points, the kiosk's screens are laid out for: a portrait kiosk at half its
/// resolution. [`fit_zoom`] scales this to the real screen or window.
pub const DESIGN_SIZE: egui::Vec2 = egui::vec2(720.0, 1200.0);

/// The zoom factor that fits [`DESIGN_SIZE`] into a screen of `native` size (in the system's
/// points, before zoom), kept within `min..=max`: a 600×960 window gets 0.8, a 1080×1920 portrait
/// kiosk 1.5.
pub fn fit_zoom(native: egui::Vec2, min: f32, max: f32) -> f32 {
    let fit = (native.x / DESIGN_SIZE.x).min(native.y / DESIGN_SIZE.y);
    if fit.is_finite() && fit > 0.0 {
        fit.clamp(min, max)
    } else {
        1.0
    }
}

/// Everything the kiosk runs with, from the settings file and the command line.
#[derive(Debug, Clone)]
pub struct KioskConfig {
    /// The hall server.
    pub server: ServerAddr,
    /// This kiosk's device key.
    pub key: String,
    /// The language of the home screen.
    pub lang: Lang,
    /// Back home after this long without a touch.
    pub idle: Duration,
    /// The printer, `None` for a kiosk without one.
    pub printer: Option<Printer>,
    /// Base of the status URL (as phones reach the server) and the slip's notes.
    pub slip: SlipSettings,
    /// A demo on one computer (`--demo`): a status address of this computer's own is allowed, and
    /// the ticket says so under its QR code.
    pub demo: bool,
}

/// `[kiosk]` in the settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KioskSection {
    /// Seconds without a touch before the kiosk goes home (default 30).
    idle_seconds: Option<u64>,
    /// The server's address as citizens' phones reach it, for the QR code; default: `server`.
    status_base_url: Option<String>,
}

/// `[printer]` in the settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrinterSection {
    /// `tcp:HOST[:PORT]`, a device path, `file:PATH` or `none` (default `none`).
    destination: Option<String>,
    /// `80mm` (default) or `58mm`.
    paper: Option<String>,
    /// Also print English names.
    english: Option<bool>,
    /// Notes printed on every slip (default: [`crate::print::DEFAULT_NOTES`]).
    notes: Option<Vec<String>>,
    /// Seconds per printer step (default 3).
    timeout_seconds: Option<u64>,
}

impl KioskConfig {
    /// Reads the settings (`--config` file under the command line) and the kiosk's own sections
    /// `[kiosk]` and `[printer]`. Errors name the file and the fix.
    pub fn load(args: &ClientArgs) -> anyhow::Result<KioskConfig> {
        let settings = Settings::load(args)?;
        KioskConfig::from_settings(&settings)
    }

    /// The same, from settings already read.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<KioskConfig> {
        let key = settings.key.clone().ok_or_else(|| {
            anyhow::anyhow!("no device key: give `key = \"…\"` in the config file or --key")
        })?;
        let kiosk: KioskSection = settings.section("kiosk")?.unwrap_or_default();
        let printer: PrinterSection = settings.section("printer")?.unwrap_or_default();
        let destination: Destination = printer.destination.as_deref().unwrap_or("none").parse()?;
        let paper: Paper = printer.paper.as_deref().unwrap_or("80mm").parse()?;
        let printer_config = destination.prints().then(|| {
            let mut p = Printer::new(destination, paper);
            if let Some(s) = printer.timeout_seconds {
                p.timeout = Duration::from_secs(s.max(1));
            }
            p
        });
        let mut slip = SlipSettings::new(
            kiosk
                .status_base_url
                .unwrap_or_else(|| settings.server.http_base().to_string()),
        );
        if let Some(notes) = printer.notes {
            slip.notes = notes;
        }
        slip.english = printer.english.unwrap_or(false);
        Ok(KioskConfig {
            server: settings.server.clone(),
            key,
            lang: settings.lang,
            idle: kiosk
                .idle_seconds
                .map_or(DEFAULT_IDLE, |s| Duration::from_secs(s.max(5))),
            printer: printer_config,
            slip,
            demo: false,
        })
    }

    /// Refuses a status address that no phone can open, unless this is a demo: the QR code on
    /// every slip would lead nowhere, and nobody at the kiosk would notice. Hall IT, starting the
    /// kiosk, gets the fix instead; `config` names the settings file, if there is one.
    pub fn check_status_address(&self, config: Option<&Path>) -> anyhow::Result<()> {
        let url = &self.slip.status_base_url;
        if self.demo || !is_loopback_url(url) {
            return Ok(());
        }
        let file = config.map_or(
            "the kiosk's settings file (--config FILE)".to_string(),
            |p| p.display().to_string(),
        );
        anyhow::bail!(
            "the status address {url} is this computer's own address: citizens' phones cannot \
             open the QR code on the tickets. Give the server's address on the hall network: \
             `status_base_url = \"http://192.168.1.10:8700\"` under [kiosk] in {file}, or \
             --server with that address; or start with --demo to try the kiosk on one computer"
        )
    }
}

/// Whether `url`'s host is this computer itself (`localhost`, `127.0.0.0/8`, `::1`) or no address
/// at all (`0.0.0.0`): an address the citizens' phones cannot reach.
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.trim();
    let rest = rest.split_once("://").map_or(rest, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip.is_unspecified(),
        Err(_) => false,
    }
}

/// An answer from the network thread.
#[derive(Debug)]
pub struct Issued {
    /// The request's id.
    pub request_id: String,
    /// The server's answer.
    pub result: Result<IssueResponse, ClientError>,
}

/// The answer to a check-in (R26), for [`crate::model::Model::check_in_done`].
pub struct CheckedIn {
    /// The request's id.
    pub request_id: String,
    /// The server's answer.
    pub result: Result<qcall_protocol::CheckInResponse, ClientError>,
}

/// What the kiosk tells the server about itself (R31): its version and its printer.
fn device_status(printer: Option<PrinterHealth>) -> DeviceStatus {
    DeviceStatus {
        app_version: concat!("qcall-kiosk ", env!("CARGO_PKG_VERSION")).to_string(),
        printer,
        audio: None,
        mode: "kiosk".to_string(),
        last_frame_at: None,
        voice_problems: Vec::new(),
    }
}

/// The printer thread: takes slips, prints them one at a time, reports each result.
struct PrintWorker {
    jobs: mpsc::Sender<(i64, TicketSlip)>,
    results: mpsc::Receiver<(i64, Result<(), PrintError>)>,
}

impl PrintWorker {
    fn start(printer: Printer, wake: Wake) -> std::io::Result<PrintWorker> {
        let (jobs, rx) = mpsc::channel::<(i64, TicketSlip)>();
        let (tx, results) = mpsc::channel();
        std::thread::Builder::new()
            .name("qcall-print".into())
            .spawn(move || {
                // Ends when the app drops the job sender.
                for (ticket_id, slip) in rx {
                    let result = printer.print(&slip).map(|status| {
                        // Still printing: worth a warning for whoever changes the rolls.
                        if status.is_some_and(|s| s.paper_near_end) {
                            tracing::warn!(
                                printer = %printer.destination,
                                "the paper roll is nearly used up"
                            );
                        }
                    });
                    if tx.send((ticket_id, result)).is_err() {
                        break;
                    }
                    wake();
                }
            })?;
        Ok(PrintWorker { jobs, results })
    }
}

/// The running kiosk: model, network and printer. [`KioskApp::frame`] is one whole frame, so tests
/// drive it through `egui_kittest` exactly as eframe does.
pub struct KioskApp {
    /// The state the screens show.
    pub model: Model,
    conn: Connection,
    rest: RestClient,
    requests: Requests<Issued>,
    check_ins: Requests<CheckedIn>,
    printer: Option<PrintWorker>,
    ctx: Arc<OnceLock<egui::Context>>,
    applied_scale: Option<f32>,
    fit: Option<(f32, f32)>,
    // Last: dropping it joins the network thread, after the connection and requests are gone.
    _net: NetThread,
}

impl KioskApp {
    /// Starts the network thread, the connection and the printer thread. Returns at once: the first
    /// frame shows 连接中 / 暂停取号 until the snapshot arrives.
    pub fn start(config: KioskConfig) -> anyhow::Result<KioskApp> {
        let ctx: Arc<OnceLock<egui::Context>> = Arc::new(OnceLock::new());
        let cell = ctx.clone();
        let wake: Wake = Arc::new(move || {
            if let Some(ctx) = cell.get() {
                ctx.request_repaint();
            }
        });
        let net = NetThread::start()?;
        let conn = Connection::start(
            &net,
            ConnectionConfig::to_server(
                &config.server,
                Hello::Device {
                    key: config.key.clone(),
                },
            ),
            wake.clone(),
        );
        conn.report(device_status(
            config.printer.as_ref().map(|_| PrinterHealth::Ok),
        ));
        let rest = RestClient::new(&config.server)?.with_bearer(config.key.clone());
        let requests = Requests::new(&net, wake.clone());
        let check_ins = Requests::new(&net, wake.clone());
        let printer = match &config.printer {
            Some(p) => Some(PrintWorker::start(p.clone(), wake)?),
            None => None,
        };
        let mut model = Model::new(
            config.lang,
            ModelConfig {
                idle: config.idle,
                prints: printer.is_some(),
                slip: config.slip,
            },
            Instant::now(),
        );
        model.demo = config.demo;
        Ok(KioskApp {
            model,
            conn,
            rest,
            requests,
            check_ins,
            printer,
            ctx,
            applied_scale: None,
            fit: None,
            _net: net,
        })
    }

    /// Scales the content to the window on every frame, with a zoom factor within `min..=max`
    /// (see [`fit_zoom`]). Without it (tests) the zoom stays 1.
    pub fn with_fit(mut self, min: f32, max: f32) -> KioskApp {
        self.fit = Some((min, max));
        self
    }

    /// Takes everything that arrived (updates, answers, print results), lets time pass, and asks for
    /// the next repaint only when the idle countdown needs one.
    pub fn logic(&mut self, ctx: &egui::Context) {
        if self.ctx.get().is_none() {
            // Fonts are installed by whoever made the context (main, or the test harness).
            let _ = self.ctx.set(ctx.clone());
        }
        for update in self.conn.drain().collect::<Vec<_>>() {
            self.model.apply_update(&update);
        }
        let answers: Vec<Issued> = self.requests.drain().collect();
        for answer in answers {
            let command = self
                .model
                .issue_done(&answer.request_id, answer.result, Instant::now());
            self.run(command);
        }
        let answers: Vec<CheckedIn> = self.check_ins.drain().collect();
        for answer in answers {
            let command =
                self.model
                    .check_in_done(&answer.request_id, answer.result, Instant::now());
            self.run(command);
        }
        if let Some(printer) = &self.printer {
            let done: Vec<_> = printer.results.try_iter().collect();
            for (ticket_id, result) in done {
                // The console sees the printer as the last slip left it (R31).
                self.conn.report(device_status(Some(match &result {
                    Ok(()) => PrinterHealth::Ok,
                    Err(e) => PrinterHealth::Fault {
                        reason: e.to_string(),
                    },
                })));
                self.model.print_done(ticket_id, result);
            }
        }
        let now = Instant::now();
        self.model.tick(now);
        if let Some(after) = self.model.next_tick(now) {
            let countdown = matches!(self.model.screen, crate::model::Screen::Ticket(_));
            ctx.request_repaint_after(if countdown {
                after.min(Duration::from_secs(1))
            } else {
                after
            });
        }
        if let Some((min, max)) = self.fit {
            // The window's size before zoom does not depend on the zoom: no feedback loop.
            let native = ctx.content_rect().size() * ctx.zoom_factor();
            let zoom = fit_zoom(native, min, max);
            if (zoom - ctx.zoom_factor()).abs() > 0.005 {
                ctx.set_zoom_factor(zoom);
            }
        }
        let scale = self.model.scale();
        if self.applied_scale != Some(scale) {
            qcall_client::ui::apply_look(ctx, qcall_client::ui::Look::Light, scale);
            self.applied_scale = Some(scale);
        }
    }

    /// One frame: [`KioskApp::logic`], the view, and the intent it returned.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.logic(&ctx);
        self.show(ui);
    }

    /// The view and its intent; any touch restarts the idle countdown.
    fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        // A press or typing (the id card reader types); a mouse merely moving is not a citizen.
        let touched = ctx.input(|i| {
            i.pointer.any_pressed()
                || i.events
                    .iter()
                    .any(|e| matches!(e, egui::Event::Key { .. } | egui::Event::Text(_)))
        });
        let intent = view(&self.model, ui);
        let now = Instant::now();
        match intent {
            Some(intent) => {
                let command = self.model.handle(intent, now);
                self.run(command);
                ctx.request_repaint();
            }
            None if touched => {
                self.model.handle(crate::model::Intent::Touch, now);
            }
            None => {}
        }
    }

    fn run(&mut self, command: Option<Command>) {
        match command {
            None => {}
            Some(Command::Issue(request)) => {
                let rest = self.rest.clone();
                self.requests.spawn(async move {
                    let result = rest.issue(&request).await;
                    Issued {
                        request_id: request.request_id,
                        result,
                    }
                });
            }
            Some(Command::CheckIn(request)) => {
                let rest = self.rest.clone();
                self.check_ins.spawn(async move {
                    let result = rest.check_in(&request).await;
                    CheckedIn {
                        request_id: request.request_id,
                        result,
                    }
                });
            }
            Some(Command::Print { ticket_id, slip }) => {
                if let Some(printer) = &self.printer
                    && printer.jobs.send((ticket_id, *slip)).is_err()
                {
                    tracing::error!(ticket_id, "the printer thread is gone");
                }
            }
        }
    }
}

impl eframe::App for KioskApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        KioskApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        // `logic` already ran this frame.
        self.show(ui);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config(text: &str) -> anyhow::Result<KioskConfig> {
        let settings = Settings::merge(
            &ClientArgs::default(),
            Some((text, Path::new("kiosk.toml"))),
        )?;
        KioskConfig::from_settings(&settings)
    }

    #[test]
    fn the_idle_return_is_thirty_seconds_unless_configured() {
        let base = "server = \"http://127.0.0.1:8700\"\nkey = \"k\"\n";
        assert_eq!(config(base).expect("valid").idle, Duration::from_secs(30));
        let set = config(&format!("{base}[kiosk]\nidle_seconds = 45\n")).expect("valid");
        assert_eq!(set.idle, Duration::from_secs(45));
        // Too short to read a ticket: raised to 5 s.
        let short = config(&format!("{base}[kiosk]\nidle_seconds = 1\n")).expect("valid");
        assert_eq!(short.idle, Duration::from_secs(5));
        let err = config(&format!("{base}[printer]\ndestination = \"lp0\"\n"))
            .expect_err("not a destination");
        assert!(format!("{err:#}").contains("lp0"), "{err:#}");
    }

    #[test]
    fn a_loopback_status_address_stops_the_kiosk_unless_it_is_a_demo() {
        let with = |server: &str, kiosk: &str| {
            config(&format!("server = \"{server}\"\nkey = \"k\"\n{kiosk}")).expect("valid")
        };
        // The default: the server's address, here this computer's.
        let mut local = with("http://127.0.0.1:8700", "");
        let err = local
            .check_status_address(Some(Path::new("/etc/qcall/kiosk.toml")))
            .expect_err("no phone can open it");
        let said = format!("{err:#}");
        for part in [
            "http://127.0.0.1:8700",
            "status_base_url",
            "/etc/qcall/kiosk.toml",
            "--demo",
        ] {
            assert!(said.contains(part), "{part:?} missing from: {said}");
        }
        local.demo = true;
        local.check_status_address(None).expect("a demo may");
        // A LAN address, given or taken from the server's, is fine.
        with("http://192.168.1.10:8700", "")
            .check_status_address(None)
            .expect("the server's LAN address");
        with(
            "http://127.0.0.1:8700",
            "[kiosk]\nstatus_base_url = \"http://10.0.0.5:8700\"\n",
        )
        .check_status_address(None)
        .expect("set for phones");
    }

    #[test]
    fn loopback_addresses_are_told_from_hall_addresses() {
        for url in [
            "http://127.0.0.1:8700",
            "http://127.1.2.3",
            "http://localhost:8700/",
            "https://LOCALHOST",
            "http://kiosk.localhost:8700",
            "http://[::1]:8700",
            "http://0.0.0.0:8700",
            "127.0.0.1:8700",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://192.168.1.10:8700",
            "https://hall.example.gov.cn/q",
            "http://[fe80::1]:8700",
            "http://10.0.0.1",
            "http://localhost.example.com",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn the_content_is_zoomed_to_fit_the_screen() {
        let check = |w: f32, h: f32, min: f32, max: f32, expected: f32| {
            let got = fit_zoom(egui::vec2(w, h), min, max);
            assert!(
                (got - expected).abs() < 1e-3,
                "{w}×{h}: {got}, expected {expected}"
            );
        };
        check(600.0, 960.0, 0.4, 2.0, 0.8);
        check(1080.0, 1920.0, 1.0, 3.0, 1.5);
        check(1920.0, 1080.0, 1.0, 3.0, 1.0);
        check(100.0, 100.0, 0.4, 2.0, 0.4);
        check(0.0, 0.0, 0.4, 2.0, 1.0);
    }
}

//! A full day of the demo hall over real sockets. Tickets of every class are taken, three windows
//! call, recall, mark no-shows and requeue, transfer, hold and resume, pause, call a number by hand;
//! the server restarts in the middle and the business day rolls over at the end. After each step
//! the test looks at what each party sees through its own app's model: the kiosk's waiting
//! counts, each caller's current ticket, the hall board's recent calls, window 1's screen and what
//! the board says, in call order, with nothing missed or doubled.

use std::time::{Duration, Instant};

use qcall_caller::{AppConfig, CallerApp, Intent};
use qcall_client::{Lang, NetThread, RequestId, RestClient, WindowAction};
use qcall_protocol::*;

use crate::util::{Announcements, Server, Watcher, at, until};

const KIOSK_KEY: &str = "demo-kiosk-1-key-0000";
const BOARD_KEY: &str = "demo-hall-board-key-0000";
const SCREEN_1_KEY: &str = "demo-window-1-key-0000";

/// The whole hall: server, kiosk, board, window 1's screen and three callers.
struct Hall {
    server: Server,
    _net: NetThread,
    kiosk: Watcher<qcall_kiosk::Model>,
    board: Watcher<qcall_display::Model>,
    screen1: Watcher<qcall_display::Model>,
    /// Windows 1 (1001), 3 (1003) and 7 (1007, 绿色通道).
    callers: Vec<CallerApp>,
    voice: Announcements,
    /// Every call and recall the callers made, in order: (number, window).
    calls_made: Vec<(String, WindowNo)>,
}

impl Hall {
    fn open() -> Hall {
        let server = Server::start(at("2026-11-23T08:30"));
        let addr = server.addr();
        let net = NetThread::start().expect("net thread");
        let kiosk_model = qcall_kiosk::Model::new(
            Lang::Zh,
            qcall_kiosk::model::ModelConfig {
                idle: Duration::from_secs(30),
                prints: false,
                slip: qcall_kiosk::print::SlipSettings::new(addr.http_base()),
            },
            Instant::now(),
        );
        let kiosk = Watcher::device(&net, &addr, KIOSK_KEY, kiosk_model);
        let board = Watcher::device(
            &net,
            &addr,
            BOARD_KEY,
            qcall_display::Model::new(None, Lang::Zh),
        );
        let screen1 = Watcher::device(
            &net,
            &addr,
            SCREEN_1_KEY,
            qcall_display::Model::new(None, Lang::Zh),
        );
        let callers = [("1001", 1), ("1003", 3), ("1007", 7)]
            .into_iter()
            .map(|(staff, window)| {
                let config = AppConfig {
                    server: addr.clone(),
                    lang: Lang::Zh,
                    staff_no: Some(staff.into()),
                    state_file: None,
                    remembered: Default::default(),
                    window: Some(window),
                    password: Some("demo-staff".into()),
                };
                let mut app = CallerApp::new(config, std::sync::Arc::new(|| {})).expect("caller");
                // The test presses faster than a hand: no key debounce.
                app.model.debounce_ms = 0;
                app
            })
            .collect();
        let mut hall = Hall {
            server,
            _net: net,
            kiosk,
            board,
            screen1,
            callers,
            voice: Announcements::default(),
            calls_made: Vec::new(),
        };
        hall.wait("every party is live and the callers are signed in", |h| {
            h.kiosk.model.live.is_live()
                && h.board.model.live().is_live()
                && h.screen1.model.live().is_live()
                && h.callers.iter().all(|c| c.model.can_act())
        });
        hall
    }

    /// Takes in everything that arrived, as each app's frame would.
    fn pump(&mut self) {
        for u in self.kiosk.drain() {
            self.kiosk.model.apply_update(&u);
        }
        for u in self.board.drain() {
            let applied = self.board.model.apply(&u, qcall_client::local_now());
            if !applied.new_calls.is_empty() {
                let server_now = self.board.model.server_time().expect("server time");
                self.voice
                    .hear(&applied.new_calls, server_now, &self.board.model);
            }
        }
        for u in self.screen1.drain() {
            self.screen1.model.apply(&u, qcall_client::local_now());
        }
        for c in &mut self.callers {
            c.pump();
        }
    }

    fn wait(&mut self, what: &str, done: impl Fn(&Hall) -> bool) {
        until(what, || {
            self.pump();
            done(self)
        });
    }

    /// Waits until every party has seen the server's latest change.
    fn settle(&mut self) {
        let seq = self
            .server
            .rt
            .block_on(self.rest().health())
            .expect("health")
            .seq;
        // A kiosk hears only of changes to what it shows (tiles, windows, notices): it has caught up
        // when its tiles are the server's.
        let tiles = self
            .server
            .rt
            .block_on(self.rest().with_bearer(KIOSK_KEY).availability())
            .expect("availability")
            .services;
        self.wait("every party has caught up", move |h| {
            h.kiosk.model.live.availability() == tiles.as_slice()
                && h.board.model.live().seq() >= seq
                && h.screen1.model.live().seq() >= seq
                // A clerk whose session ended (C7) hears nothing more until they sign in again.
                && h.callers.iter().filter(|c| !session_ended(c)).all(|c| {
                    c.model.live.seq() >= seq
                        // The answer, and the queue and figures it fetches after each change.
                        && c.model.pending.is_none()
                        && c.is_idle()
                        && !c.model.preview_in_flight
                        && !c.model.preview_dirty
                })
        });
    }

    fn rest(&self) -> RestClient {
        RestClient::new(&self.server.addr()).expect("rest")
    }

    /// Takes a ticket at the kiosk (or, for the classes only staff issue, as staff 9001).
    fn take(&mut self, service: &str, class: TicketClass) -> Ticket {
        let bearer = match class {
            TicketClass::Normal | TicketClass::Priority => KIOSK_KEY.to_string(),
            TicketClass::Green | TicketClass::Appointment => self.callers[2]
                .model
                .session
                .as_ref()
                .expect("1007 is logged in")
                .token
                .clone(),
        };
        let helper = (class == TicketClass::Priority).then(|| HelperPin {
            staff_no: "1001".into(),
            pin: "2580".into(),
        });
        let request = IssueRequest {
            notify: false,
            request_id: RequestId::new().as_str().to_string(),
            service_id: service.into(),
            class,
            citizen_id: None,
            phone: None,
            helper,
        };
        let rest = self.rest().with_bearer(bearer);
        let issued = self
            .server
            .rt
            .block_on(rest.issue(&request))
            .unwrap_or_else(|e| panic!("issue {service} {class:?}: {e}"));
        self.settle();
        issued.ticket
    }

    /// A press at caller `c`; waits for the server's answer to reach every party. Returns the
    /// caller's message (a refusal in plain Chinese), if any.
    fn press(&mut self, c: usize, intent: Intent) -> Option<String> {
        self.callers[c].model.message = None;
        let commands = self.callers[c].model.intent(intent);
        assert!(!commands.is_empty(), "the press did nothing");
        self.callers[c].run(commands);
        self.wait("the caller has its answer", move |h| {
            h.callers[c].model.pending.is_none()
        });
        self.settle();
        self.callers[c]
            .model
            .message
            .map(|m| m.get(Lang::Zh).to_string())
    }

    /// A window action that must succeed; a call or recall is noted for the voice check.
    fn act(&mut self, c: usize, action: WindowAction) {
        let is_call = matches!(
            action,
            WindowAction::CallNext
                | WindowAction::Recall
                | WindowAction::CallNumber { .. }
                | WindowAction::Unhold { .. }
        );
        if let Some(refusal) = self.press(c, Intent::Act(action.clone())) {
            panic!("caller {c}: {action:?} refused: {refusal}");
        }
        if is_call {
            let current = self.current(c).expect("a current ticket after a call");
            let window = self.callers[c].model.window.expect("window");
            self.calls_made.push((current, window));
        }
    }

    /// The number on caller `c`'s screen.
    fn current(&self, c: usize) -> Option<String> {
        self.callers[c].model.current().map(|t| t.number)
    }

    /// The kiosk's waiting count on a service's tile.
    fn kiosk_waiting(&self, service: &str) -> u32 {
        let s = self
            .kiosk
            .model
            .live
            .service(service)
            .expect("service on the kiosk")
            .clone();
        self.kiosk.model.service_tile(&s).waiting
    }

    /// The hall board's numbers: the big one, then the recent ones.
    fn board_numbers(&self) -> Vec<String> {
        let board = self.board.model.board(qcall_client::local_now());
        board
            .latest
            .iter()
            .chain(board.recent.iter())
            .map(|l| format!("{}→{}", l.number, l.window))
            .collect()
    }

    /// Window 1's screen, as text.
    fn screen1_text(&self) -> String {
        format!(
            "{:?}",
            self.screen1
                .model
                .window_screen(1, qcall_client::local_now())
        )
    }
}

#[test]
fn a_full_hall_day() {
    let mut h = Hall::open();
    h.server.clock.advance_ms(60_000);

    // Morning: tickets of every class. Window 1 serves company (A…) and tax, window 3 social and
    // fund, window 7 the green channel.
    let company: Vec<Ticket> = (0..3)
        .map(|_| h.take("company", TicketClass::Normal))
        .collect();
    h.take("tax", TicketClass::Normal);
    let social: Vec<Ticket> = (0..2)
        .map(|_| h.take("social", TicketClass::Normal))
        .collect();
    let elder = h.take("social", TicketClass::Priority);
    let appointment = h.take("tax", TicketClass::Appointment);
    let green = h.take("green", TicketClass::Green);
    assert_eq!(h.kiosk_waiting("company"), 3, "kiosk: company waiting");
    assert_eq!(h.kiosk_waiting("tax"), 2, "kiosk: tax waiting");
    assert_eq!(h.kiosk_waiting("social"), 3, "kiosk: social waiting");
    assert_eq!(h.kiosk_waiting("green"), 1, "kiosk: green waiting");
    let numbers: Vec<&str> = company.iter().map(|t| t.number.as_str()).collect();
    assert_eq!(numbers.len(), 3);
    assert!(
        company.windows(2).all(|w| w[0].number < w[1].number),
        "numbers rise: {numbers:?}"
    );

    // Window 1 calls: the appointment ranks before normal tickets (R11), as the caller's own
    // queue preview said.
    let first_in_preview = h.callers[0]
        .model
        .preview
        .as_ref()
        .and_then(|p| p.next.first())
        .map(|t| t.number.clone());
    h.act(0, WindowAction::CallNext);
    assert_eq!(h.current(0), Some(appointment.number.clone()));
    assert_eq!(
        h.current(0),
        first_in_preview,
        "called what the preview showed"
    );
    assert_eq!(h.kiosk_waiting("tax"), 1);
    assert_eq!(
        h.board_numbers().first(),
        Some(&format!("{}→1", appointment.number))
    );
    assert!(
        h.screen1_text().contains(&appointment.number),
        "window 1's screen: {}",
        h.screen1_text()
    );
    h.server.clock.advance_ms(30_000);
    h.act(0, WindowAction::Start);
    h.server.clock.advance_ms(5 * 60_000);
    h.act(0, WindowAction::Finish);
    assert_eq!(h.current(0), None, "window 1 is free after finishing");

    // Window 1: the next company ticket is called, recalled, then marked no-show and requeued.
    h.act(0, WindowAction::CallNext);
    let absent = h.current(0).expect("called");
    assert_eq!(absent, company[0].number);
    h.server.clock.advance_ms(40_000);
    h.act(0, WindowAction::Recall);
    assert_eq!(
        h.callers[0].model.current().map(|t| t.recalls),
        Some(1),
        "the recall count"
    );
    h.server.clock.advance_ms(60_000);
    h.act(0, WindowAction::NoShow);
    assert_eq!(h.current(0), None);
    assert_eq!(h.kiosk_waiting("company"), 2);
    let no_show_id = company[0].id;
    assert!(
        h.callers[0]
            .model
            .preview
            .as_ref()
            .is_some_and(|p| p.no_show.iter().any(|t| t.id == no_show_id)),
        "the caller lists the no-show"
    );
    h.server.clock.advance_ms(2 * 60_000);
    h.act(
        0,
        WindowAction::Requeue {
            ticket_id: no_show_id,
        },
    );
    assert_eq!(h.kiosk_waiting("company"), 3, "requeued: waiting again");

    // Window 3 calls the priority ticket first, starts it, and transfers it to tax without the
    // citizen taking a new ticket (首问负责).
    h.act(1, WindowAction::CallNext);
    assert_eq!(h.current(1), Some(elder.number.clone()), "爱心优先 first");
    h.act(1, WindowAction::Start);
    h.server.clock.advance_ms(3 * 60_000);
    h.act(
        1,
        WindowAction::Transfer {
            to: TransferTarget::Service("tax".into()),
            note: Some("需办理税务登记".into()),
        },
    );
    assert_eq!(h.current(1), None);
    assert_eq!(
        h.kiosk_waiting("tax"),
        2,
        "the transferred ticket waits for tax"
    );

    // Window 1 calls it by its number (特呼).
    h.act(
        0,
        WindowAction::CallNumber {
            number: elder.number.clone(),
        },
    );
    assert_eq!(h.current(0), Some(elder.number.clone()));
    h.act(0, WindowAction::Start);
    h.server.clock.advance_ms(4 * 60_000);
    h.act(0, WindowAction::Finish);

    // Window 7 (绿色通道) calls the green ticket, holds it while materials are fetched, finds
    // nobody else waiting (a refusal in plain Chinese), then resumes and finishes it.
    h.act(2, WindowAction::CallNext);
    assert_eq!(h.current(2), Some(green.number.clone()));
    h.act(2, WindowAction::Start);
    h.act(2, WindowAction::Hold);
    assert_eq!(h.current(2), None);
    assert!(
        h.callers[2]
            .model
            .preview
            .as_ref()
            .is_some_and(|p| p.held.iter().any(|t| t.id == green.id)),
        "the caller lists the held ticket"
    );
    let refusal = h
        .press(2, Intent::Act(WindowAction::CallNext))
        .expect("a refusal when nobody waits");
    assert!(refusal.contains("无人等候"), "refusal: {refusal}");
    h.act(
        2,
        WindowAction::Unhold {
            ticket_id: green.id,
        },
    );
    assert_eq!(h.current(2), Some(green.number.clone()), "回呼");
    h.act(2, WindowAction::Start);
    h.server.clock.advance_ms(10 * 60_000);
    h.act(2, WindowAction::Finish);

    // Window 1 pauses: its screen says 暂停服务; the kiosk still issues.
    h.act(
        0,
        WindowAction::Pause {
            reason: PauseReason::Break,
        },
    );
    assert!(h.callers[0].model.is_paused());
    assert!(
        h.screen1_text().contains("暂停服务") || h.screen1_text().contains("Paused"),
        "window 1's screen while paused: {}",
        h.screen1_text()
    );
    h.server.clock.advance_ms(10 * 60_000);
    h.act(0, WindowAction::Resume);
    assert!(!h.callers[0].model.is_paused());

    // Window 1 calls the next ticket, then the server restarts in the middle of the day.
    h.act(0, WindowAction::CallNext);
    let before_restart = h.current(0).expect("called");
    let board_before = h.board_numbers();
    h.server.down();
    h.wait("every party sees the server is gone", |h| {
        !h.kiosk.model.live.is_live()
            && !h.board.model.live().is_live()
            && h.callers.iter().all(|c| !c.model.can_act())
    });
    assert!(
        h.kiosk.model.issuing_paused(),
        "the kiosk pauses issuing while the server is down"
    );
    assert!(
        h.callers[0].model.offline_reason().is_some(),
        "the caller says why its keys are off"
    );
    h.server.clock.advance_ms(60_000);
    h.server.up();
    h.wait("every party is live again", |h| {
        h.kiosk.model.live.is_live()
            && h.board.model.live().is_live()
            && h.screen1.model.live().is_live()
            && h.callers.iter().all(|c| c.model.can_act())
    });
    h.settle();
    assert_eq!(
        h.current(0),
        Some(before_restart.clone()),
        "same ticket after resync"
    );
    assert_eq!(
        h.board_numbers(),
        board_before,
        "the board shows the same calls"
    );
    assert!(!h.kiosk.model.issuing_paused());

    // The afternoon goes on after the restart.
    h.act(0, WindowAction::Start);
    h.act(0, WindowAction::Finish);
    h.act(1, WindowAction::CallNext);
    let social_called = h.current(1).expect("window 3 calls");
    assert_eq!(social_called, social[0].number);
    h.act(1, WindowAction::Start);
    h.act(1, WindowAction::Finish);
    let late = h.take("company", TicketClass::Normal);
    assert!(
        late.number > company[2].number,
        "numbering goes on after the restart"
    );

    // What the board said: every call and recall once, in call order, nothing after a restart
    // said twice.
    let spoken_ids: Vec<u64> = h.voice.spoken.iter().map(|(id, _)| *id).collect();
    assert!(
        spoken_ids.windows(2).all(|w| w[0] < w[1]),
        "spoken in call order, none twice: {spoken_ids:?}"
    );
    assert_eq!(
        h.voice.spoken.len(),
        h.calls_made.len(),
        "one announcement per call: spoken {:#?}, made {:?}",
        h.voice.spoken,
        h.calls_made
    );
    let settings = h.board.model.live().display().cloned().expect("settings");
    let (composer, _) = qcall_display::announce::Composer::new(
        &settings,
        &[
            qcall_display::announce::Lang::Zh,
            qcall_display::announce::Lang::En,
        ],
    );
    for ((_, said), (number, window)) in h.voice.spoken.iter().zip(&h.calls_made) {
        let expected =
            qcall_display::announce::describe(&composer.compose(number, *window).expect("compose"));
        assert_eq!(
            said, &expected,
            "the announcement of {number} at window {window}"
        );
    }
    eprintln!(
        "full day: {} announcements, first: {}",
        h.voice.spoken.len(),
        h.voice.spoken[0].1
    );

    // The clerks' 12-hour logins (08:30) end at 20:30: the server closes their sockets and refuses
    // the old token (C7), so no screen of a clerk keeps receiving tickets overnight; each caller is
    // back at the sign-in with the reason, keeping its window.
    h.server.clock.set(at("2026-11-23T20:31"));
    h.wait("every clerk's session has ended", |h| {
        h.callers.iter().all(session_ended)
    });
    assert!(h.callers.iter().all(|c| c.model.auto_window.is_some()));

    // The business day rolls over at 04:00: queues empty, the board clears, numbering restarts.
    // The clerks' first login of the day takes each straight back to their window.
    h.server.clock.set(at("2026-11-24T04:01"));
    for c in &mut h.callers {
        let commands = c
            .model
            .intent(Intent::Password("demo-staff".into()))
            .into_iter()
            .chain(c.model.intent(Intent::LogIn))
            .collect();
        c.run(commands);
    }
    h.wait("every party is in the new business day", |h| {
        // The new day's name comes first, then the fresh snapshot that replaces the stale state.
        let day = |live: &qcall_client::LiveState| {
            live.hall()
                .filter(|_| !live.is_stale())
                .map(|hall| hall.business_day.clone())
        };
        let next = Some("2026-11-24".to_string());
        day(&h.kiosk.model.live) == next
            && day(h.board.model.live()) == next
            && h.callers
                .iter()
                .all(|c| day(&c.model.live) == next && c.model.can_act())
    });
    assert_eq!(h.kiosk_waiting("company"), 0, "yesterday's queue is gone");
    assert!(
        h.board_numbers().is_empty(),
        "the board starts the day empty"
    );
    assert_eq!(h.current(0), None);
    let first_of_day = h.take("company", TicketClass::Normal);
    assert_eq!(first_of_day.number, company[0].number, "numbering restarts");
}

/// Whether the server ended this clerk's session (C7): the caller is back at the sign-in and says
/// why.
fn session_ended(c: &CallerApp) -> bool {
    c.model.screen == qcall_caller::Screen::Login
        && c.model.message == Some(qcall_client::Text::SessionEnded)
}

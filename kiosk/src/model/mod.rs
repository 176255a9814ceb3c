//! The kiosk's state and every rule of its screens, without egui, threads or sockets: a [`Model`] is
//! changed only by server updates ([`Model::apply_update`]), the citizen's [`Intent`]s
//! ([`Model::handle`]), answers ([`Model::issue_done`], [`Model::print_done`]) and the passing of
//! time ([`Model::tick`]). What it wants done outside (send an issue request, print a slip) comes
//! back as a [`Command`] for the glue to run.

use std::time::{Duration, Instant};

use qcall_client::connection::{ConnectionState, Update};
use qcall_client::i18n::{self, Lang, Text};
use qcall_client::{ClientError, LiveState, RequestId};
use qcall_protocol::{
    ErrorCode, HelperPin, IssueRequest, IssueResponse, Millis, Service, ServiceGroup, TicketClass,
    WindowNo, WindowStatus,
};

use crate::print::{PrintError, SlipSettings, TicketSlip};

mod check_in;
pub use check_in::{CODE_CHARS, CODE_LEN, CheckInField, CheckInForm, code_characters};

/// Back to the home screen after this long without a touch (SPEC §6), unless configured otherwise.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(30);

/// Service tiles per page in the standard layout.
pub const TILES_PER_PAGE: usize = 8;
/// Service tiles per page in elder mode: larger text, fewer items (适老化).
pub const ELDER_TILES_PER_PAGE: usize = 4;

/// A hall with at most this many services shows them on the home screen, without the group level:
/// one page of tiles that name what citizens come for is better than office words in front of it.
pub const FLAT_MAX_SERVICES: usize = TILES_PER_PAGE;

/// How many of a group's services its tile names (社保医保 · 公积金 · 户籍).
pub const GROUP_TILE_SERVICES: usize = 3;

/// Tickets of this business day that this kiosk keeps, to show one again to the citizen who holds it
/// (a `duplicate_citizen` refusal); the oldest go first.
pub const REMEMBERED_TICKETS: usize = 500;

/// Which screen the kiosk shows.
#[derive(Debug, Clone)]
pub enum Screen {
    /// The service groups (`group: None`) or the services of one group, a page at a time.
    Home {
        /// The open group, if any.
        group: Option<String>,
        /// The page of tiles shown, from 0.
        page: usize,
    },
    /// One service: its 一次性告知 (materials), the optional id and phone fields, and 取号.
    Service(ServiceForm),
    /// A staff member unlocks 爱心优先 with their staff number and PIN (R2).
    Helper {
        /// The staff number typed so far.
        staff_no: String,
        /// The PIN typed so far (never shown).
        pin: String,
        /// The field the on-screen keypad types into.
        active: Field,
    },
    /// The issued ticket.
    Ticket(Box<IssuedTicket>),
    /// 预约签到: a booking's code, or its phone and the id's last 4 (R26).
    CheckIn(CheckInForm),
}

/// The service page's state.
#[derive(Debug, Clone)]
pub struct ServiceForm {
    /// The service.
    pub service_id: String,
    /// 身份证号 as typed (or as the card reader typed it).
    pub citizen_id: String,
    /// 手机号 as typed.
    pub phone: String,
    /// The last refusal or failure of an issue request from this page, or a field that is wrong.
    pub error: Option<Text>,
    /// A calm word about the fields (an id moved from the phone field to its own).
    pub notice: Option<Text>,
    /// The number this citizen already holds for the service (a `duplicate_citizen` refusal), when
    /// the server names it and this kiosk cannot show the whole ticket.
    pub holds: Option<String>,
    /// The field the on-screen keypad (and the card reader) types into; `None` when the service
    /// asks for neither.
    pub active: Option<Field>,
}

/// A field typed on the kiosk's own keypad: a touch kiosk has no keyboard (the id card reader,
/// which types like one, aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// 身份证号: digits, and X as the check character.
    CitizenId,
    /// 手机号: digits.
    Phone,
    /// The helper's staff number.
    HelperStaffNo,
    /// The helper's PIN.
    HelperPin,
}

impl Field {
    /// Whether the keypad offers X (the check character of a 身份证号).
    pub fn takes_x(self) -> bool {
        self == Field::CitizenId
    }
}

/// A key of the on-screen keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A digit, or X in a citizen id.
    Char(char),
    /// Remove the last character.
    Delete,
    /// Empty the field.
    Clear,
}

/// A ticket on screen, with everything the view and the printer need.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedTicket {
    /// The server's answer.
    pub issue: IssueResponse,
    /// The service's Chinese and English names.
    pub service_name: (String, String),
    /// Issue time in the hall's local time, `2026-11-23 09:15`.
    pub issued_at: String,
    /// The status page (R7), `server base + status_path`.
    pub status_url: String,
    /// The QR code of `status_url`: `qr_width × qr_width` modules, row by row, `true` = dark.
    pub qr: Vec<bool>,
    /// The QR code's width in modules (0 when the URL could not be encoded).
    pub qr_width: usize,
    /// Whether the slip was printed.
    pub print: PrintStatus,
    /// Shown again: the citizen already held this ticket (a `duplicate_citizen` refusal). Its
    /// position at issue is old news; the QR code's page has the live one.
    pub again: bool,
    /// A booking checked in after its window: a normal ticket, and the screen says so (R26).
    pub late_booking: bool,
}

/// Where the slip of the ticket on screen is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintStatus {
    /// This kiosk has no printer.
    NoPrinter,
    /// Sent to the printer thread.
    Printing,
    /// The printer took it.
    Printed,
    /// A ticket shown again is not printed again: its slip came out when it was taken.
    NotAgain,
    /// It failed: the citizen's sentence in both languages. The ticket stands.
    Failed {
        /// [`PrintError::message_zh`].
        zh: &'static str,
        /// [`PrintError::message_en`].
        en: &'static str,
    },
}

/// Why a tile cannot issue now, shown greyed on the tile (R5, SPEC §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 已满: daily cap or time-slot quota reached.
    Full,
    /// 已截止: past the cut-off.
    PastCutoff,
    /// 暂停: the service is disabled.
    Paused,
    /// 休息: the hall is closed between two opening ranges of today (lunch break).
    Break,
    /// The hall is closed now (before, after hours or a closed day).
    Closed,
    /// Another reason, in the server's words.
    Other(ErrorCode),
}

impl Refusal {
    /// The tile's words.
    pub fn text(self) -> Text {
        match self {
            Refusal::Full => Text::TileFull,
            Refusal::PastCutoff => Text::TilePastCutoff,
            Refusal::Paused => Text::TilePaused,
            Refusal::Break => Text::TileBreak,
            Refusal::Closed => Text::TileClosed,
            Refusal::Other(code) => i18n::refusal_tile_text(code),
        }
    }
}

/// What a tile opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    /// A service group: its services.
    Group,
    /// A service: its page.
    Service,
}

/// One tile of the home screen: a group or a service.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    /// Group or service.
    pub kind: TileKind,
    /// Group or service id.
    pub id: String,
    /// The name in the screen language.
    pub name: String,
    /// A group's first services, by name ([`GROUP_TILE_SERVICES`] at most), so that the tile says
    /// where 社保 or 户籍 is; empty for a service.
    pub services: Vec<String>,
    /// Whether the group has more services than [`Tile::services`] names.
    pub more: bool,
    /// Tickets waiting.
    pub waiting: u32,
    /// Estimated wait in minutes (services only; `None` is "—", R8).
    pub estimate: Option<u32>,
    /// Why it cannot issue (services only), greyed out.
    pub refusal: Option<Refusal>,
}

/// What the citizen (or the helper) asked for, returned by the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Open a group's services.
    OpenGroup(String),
    /// Open a service's page.
    OpenService(String),
    /// One screen back.
    Back,
    /// Straight to the home screen.
    Home,
    /// Next page of tiles.
    NextPage,
    /// Previous page of tiles.
    PrevPage,
    /// The 身份证号 field changed.
    SetCitizenId(String),
    /// The phone field changed.
    SetPhone(String),
    /// The helper's staff number field changed.
    SetHelperStaffNo(String),
    /// The helper's PIN field changed.
    SetHelperPin(String),
    /// The citizen touched a field: the keypad types into it now.
    Focus(Field),
    /// A key of the on-screen keypad, for the active field.
    Key(Key),
    /// 取号 on the service page.
    TakeTicket,
    /// 长者模式 on or off.
    ToggleElder,
    /// 中文 / English.
    ToggleLang,
    /// Open the helper's unlock screen (or leave helper mode).
    Helper,
    /// Confirm the helper's staff number and PIN.
    UnlockHelper,
    /// Any touch at all: restarts the idle countdown.
    Touch,
    /// Open 预约签到.
    OpenCheckIn,
    /// Text typed into a field of the check-in page (a keyboard, or a scanner that types like one).
    SetCheckInText(CheckInField, String),
    /// Make this field of the check-in page the keypad's.
    FocusCheckIn(CheckInField),
    /// 签到取号.
    CheckIn,
}

/// What the model wants done outside it.
#[derive(Debug, Clone)]
pub enum Command {
    /// Send this issue request (with its request id, reused on retries).
    Issue(IssueRequest),
    /// Send this check-in (with its request id, reused on retries).
    CheckIn(qcall_protocol::CheckInRequest),
    /// Print this slip on the printer thread; the answer goes to [`Model::print_done`] with the
    /// ticket id.
    Print {
        /// The ticket.
        ticket_id: i64,
        /// The slip.
        slip: Box<TicketSlip>,
    },
}

/// An issue request on its way.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The request, with its request id.
    pub request: IssueRequest,
    /// When the citizen touched 取号 (for `touch_to_ticket`).
    pub touched: Instant,
}

/// The kiosk's configuration that the model needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    /// Back home after this long without a touch.
    pub idle: Duration,
    /// Whether the kiosk has a printer.
    pub prints: bool,
    /// Base of the status URL and the slip's notes.
    pub slip: SlipSettings,
}

/// An issue request that was sent and never answered: the server may have issued its ticket (R6).
/// Until an answer comes, every 取号 for its service sends it again, with its request id.
#[derive(Debug, Clone)]
pub struct Unanswered {
    /// The request as sent, request id and all.
    pub request: IssueRequest,
    /// The business day it was sent on: the server forgets request ids at the day's end.
    pub business_day: String,
}

/// The kiosk's whole state.
#[derive(Debug)]
pub struct Model {
    /// The hall as the server last told it.
    pub live: LiveState,
    /// The screen language.
    pub lang: Lang,
    /// 长者模式: larger text, fewer tiles per page.
    pub elder: bool,
    /// The screen shown.
    pub screen: Screen,
    /// The helper who unlocked 爱心优先: the next ticket is a priority ticket.
    pub helper: Option<HelperPin>,
    /// The issue request in flight: while it is set, 取号 is disabled (never two tickets per touch).
    pub pending: Option<Pending>,
    /// Requests whose answer was lost (at most one per service), kept across the idle return: the
    /// next 取号 for the service resends it, so a ticket issued without an answer is shown, never
    /// doubled (R6).
    pub unanswered: Vec<Unanswered>,
    /// Tickets this kiosk issued today (newest last, at most [`REMEMBERED_TICKETS`]): a citizen told
    /// they already hold one sees it again.
    pub issued: Vec<IssueResponse>,
    /// A demo on one computer: the status address may be this computer's own (the ticket says so).
    pub demo: bool,
    /// The last touch, for the idle return.
    pub last_touch: Instant,
    /// Touch to ticket on screen of the last ticket.
    pub last_touch_to_ticket: Option<Duration>,
    /// Configuration.
    pub config: ModelConfig,
    /// The language the kiosk starts in and returns to when idle.
    pub default_lang: Lang,
    /// The time of the latest [`Model::tick`], for the view's countdown.
    pub now: Instant,
    /// A fixed wall clock (UTC epoch ms) instead of the system's, for tests of the time rules.
    pub wall_clock: Option<Millis>,
}

impl Model {
    /// A kiosk on its home screen, not yet connected.
    pub fn new(lang: Lang, config: ModelConfig, now: Instant) -> Model {
        Model {
            live: LiveState::new(),
            lang,
            elder: false,
            screen: Screen::Home {
                group: None,
                page: 0,
            },
            helper: None,
            pending: None,
            unanswered: Vec::new(),
            issued: Vec::new(),
            demo: false,
            last_touch: now,
            last_touch_to_ticket: None,
            config,
            default_lang: lang,
            now,
            wall_clock: None,
        }
    }

    /// A snapshot, events or a change of the link. A new business day forgets yesterday's
    /// unanswered requests and tickets: the server no longer knows their request ids.
    pub fn apply_update(&mut self, update: &Update) {
        self.live.apply(update);
        if let Some(day) = self.live.hall().map(|h| h.business_day.clone()) {
            self.unanswered.retain(|u| u.business_day == day);
            self.issued.retain(|i| i.ticket.business_day == day);
        }
    }

    /// The unanswered request for `service_id`, if one waits to be sent again.
    pub fn unanswered_for(&self, service_id: &str) -> Option<&IssueRequest> {
        self.unanswered
            .iter()
            .find(|u| u.request.service_id == service_id)
            .map(|u| &u.request)
    }

    /// The windows that serve `service_id` now (signed in, open or on a short pause), by number:
    /// where the citizen will be called (请在等候区留意 3号、4号窗口叫号).
    pub fn windows_serving(&self, service_id: &str) -> Vec<WindowNo> {
        let id = service_id.to_string();
        self.live
            .windows()
            .iter()
            .filter(|w| w.status != WindowStatus::Closed)
            .filter(|w| w.primary.contains(&id) || w.secondary.contains(&id))
            .map(|w| w.number)
            .collect()
    }

    /// 暂停取号: the kiosk cannot issue now because the server is unreachable (or the state is stale
    /// after a day rollover). It recovers on its own with the next snapshot.
    pub fn issuing_paused(&self) -> bool {
        !self.live.is_live()
    }

    /// The link's state, for the small status line.
    pub fn connection(&self) -> &ConnectionState {
        self.live.connection()
    }

    /// The text scale: 1, or [`qcall_client::ui::ELDER_SCALE`] in elder mode.
    pub fn scale(&self) -> f32 {
        if self.elder {
            qcall_client::ui::ELDER_SCALE
        } else {
            1.0
        }
    }

    /// Tiles per page in the current mode.
    pub fn tiles_per_page(&self) -> usize {
        if self.elder {
            ELDER_TILES_PER_PAGE
        } else {
            TILES_PER_PAGE
        }
    }

    fn name<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::En if !en.trim().is_empty() => en,
            _ => zh,
        }
    }

    /// A group's name in the screen language.
    pub fn group_name(&self, group: &ServiceGroup) -> String {
        self.name(&group.name_zh, &group.name_en).to_string()
    }

    /// A service's name in the screen language.
    pub fn service_name(&self, service: &Service) -> String {
        self.name(&service.name_zh, &service.name_en).to_string()
    }

    /// Why `service` cannot issue now, if it cannot.
    pub fn refusal(&self, service: &Service) -> Option<Refusal> {
        let code = self
            .live
            .availability_of(&service.id)
            .and_then(|a| a.refusal);
        match code {
            Some(ErrorCode::DailyCapReached | ErrorCode::SlotQuotaReached) => Some(Refusal::Full),
            Some(ErrorCode::PastCutoff) => Some(Refusal::PastCutoff),
            Some(ErrorCode::ServiceDisabled) => Some(Refusal::Paused),
            Some(ErrorCode::HallClosed) => Some(if self.in_break() {
                Refusal::Break
            } else {
                Refusal::Closed
            }),
            Some(other) => Some(Refusal::Other(other)),
            None if !service.enabled => Some(Refusal::Paused),
            None => None,
        }
    }

    /// Whether the hall's local time now lies between two of today's opening ranges (午休).
    fn in_break(&self) -> bool {
        let Some(hall) = self.live.hall() else {
            return false;
        };
        let Some(minute) = local_minute(self.server_now(), &hall.time_zone) else {
            return false;
        };
        in_break(&hall.hours_today, minute)
    }

    /// Whether the home screen shows the services themselves, without the group level: a hall
    /// with few services ([`FLAT_MAX_SERVICES`]) or with one group only.
    pub fn flat(&self) -> bool {
        let groups = self
            .live
            .groups()
            .iter()
            .filter(|g| self.live.services().iter().any(|s| s.group_id == g.id))
            .count();
        self.live.services().len() <= FLAT_MAX_SERVICES || groups <= 1
    }

    /// The tiles of the home screen: every group (each naming its first services), the services of
    /// the open group, or every service in a [`Model::flat`] hall.
    pub fn tiles(&self) -> Vec<Tile> {
        let services = self.live.services().iter();
        match &self.screen {
            Screen::Home { group: Some(g), .. } => services
                .filter(|s| &s.group_id == g)
                .map(|s| self.service_tile(s))
                .collect(),
            _ if self.flat() => services.map(|s| self.service_tile(s)).collect(),
            _ => self
                .live
                .groups()
                .iter()
                .filter_map(|g| {
                    let names: Vec<String> = self
                        .live
                        .services()
                        .iter()
                        .filter(|s| s.group_id == g.id)
                        .map(|s| self.service_name(s))
                        .collect();
                    (!names.is_empty()).then(|| Tile {
                        kind: TileKind::Group,
                        id: g.id.clone(),
                        name: self.group_name(g),
                        more: names.len() > GROUP_TILE_SERVICES,
                        services: names.into_iter().take(GROUP_TILE_SERVICES).collect(),
                        waiting: self.live.waiting_in_group(&g.id),
                        estimate: None,
                        refusal: None,
                    })
                })
                .collect(),
        }
    }

    /// One service's tile.
    pub fn service_tile(&self, service: &Service) -> Tile {
        let availability = self.live.availability_of(&service.id);
        Tile {
            kind: TileKind::Service,
            id: service.id.clone(),
            name: self.service_name(service),
            services: Vec::new(),
            more: false,
            waiting: availability.map_or(0, |a| a.waiting),
            estimate: availability.and_then(|a| a.estimated_wait_minutes),
            refusal: self.refusal(service),
        }
    }

    /// Why a service cannot issue and what the citizen can do instead, in a sentence for the tile
    /// and the service page (今日号源已满，可预约或明日再来).
    pub fn refusal_sentence(&self, refusal: Refusal) -> String {
        let lang = self.lang;
        let opens = || {
            let hall = self.live.hall()?;
            let minute = local_minute(self.server_now(), &hall.time_zone)?;
            next_opening(&hall.hours_today, minute)
        };
        match refusal {
            Refusal::Full => Text::FullNextStep.get(lang).to_string(),
            Refusal::PastCutoff => Text::CutoffNextStep.get(lang).to_string(),
            Refusal::Paused => Text::PausedNextStep.get(lang).to_string(),
            Refusal::Break | Refusal::Closed => match opens() {
                Some(at) => {
                    let time = format!("{:02}:{:02}", at / 60, at % 60);
                    let text = if refusal == Refusal::Break {
                        Text::BreakUntil
                    } else {
                        Text::OpensAt
                    };
                    text.fill(lang, &[("time", &time)])
                }
                None => Text::ClosedNextStep.get(lang).to_string(),
            },
            Refusal::Other(code) => i18n::error_text(code).get(lang).to_string(),
        }
    }

    /// The server's clock now, as well as this kiosk knows it.
    fn server_now(&self) -> Millis {
        self.live
            .server_now(self.wall_clock.unwrap_or_else(qcall_client::local_now))
    }

    /// The tiles of the current page, and the number of pages.
    pub fn page_tiles(&self) -> (Vec<Tile>, usize) {
        let tiles = self.tiles();
        let per = self.tiles_per_page();
        let pages = tiles.len().div_ceil(per).max(1);
        let page = match self.screen {
            Screen::Home { page, .. } => page.min(pages - 1),
            _ => 0,
        };
        (
            tiles.into_iter().skip(page * per).take(per).collect(),
            pages,
        )
    }

    /// Whether 取号 on the service page is possible now: connected, nothing in flight, and the
    /// service open or an unanswered request of it to send again (its ticket may be the one that
    /// made the service full).
    pub fn can_take(&self) -> bool {
        let Screen::Service(form) = &self.screen else {
            return false;
        };
        !self.issuing_paused()
            && self.pending.is_none()
            && self
                .live
                .service(&form.service_id)
                .is_some_and(|s| self.unanswered_for(&s.id).is_some() || self.refusal(s).is_none())
    }

    /// Applies the citizen's intent; returns what the glue must do.
    pub fn handle(&mut self, intent: Intent, now: Instant) -> Option<Command> {
        self.last_touch = now;
        match intent {
            Intent::Touch => {}
            Intent::OpenGroup(id) => {
                self.screen = Screen::Home {
                    group: Some(id),
                    page: 0,
                }
            }
            Intent::OpenService(id) => {
                if self.live.service(&id).is_some() {
                    let service = self.live.service(&id);
                    let active = if service.is_some_and(|s| s.ask_citizen_id) {
                        Some(Field::CitizenId)
                    } else if service.is_some_and(|s| s.ask_phone) {
                        Some(Field::Phone)
                    } else {
                        None
                    };
                    self.screen = Screen::Service(ServiceForm {
                        service_id: id,
                        citizen_id: String::new(),
                        phone: String::new(),
                        error: None,
                        notice: None,
                        holds: None,
                        active,
                    });
                }
            }
            Intent::Back => {
                self.screen = match &self.screen {
                    Screen::Service(form) => Screen::Home {
                        group: self
                            .live
                            .service(&form.service_id)
                            .filter(|_| !self.flat())
                            .map(|s| s.group_id.clone()),
                        page: 0,
                    },
                    _ => Screen::Home {
                        group: None,
                        page: 0,
                    },
                }
            }
            Intent::Home => self.go_home(false),
            Intent::NextPage | Intent::PrevPage => {
                let (_, pages) = self.page_tiles();
                if let Screen::Home { page, .. } = &mut self.screen {
                    *page = if intent == Intent::NextPage {
                        (*page + 1).min(pages - 1)
                    } else {
                        page.saturating_sub(1)
                    };
                }
            }
            Intent::SetCitizenId(text) => {
                if let Screen::Service(form) = &mut self.screen {
                    form.citizen_id = id_characters(&text);
                    form.error = None;
                    form.notice = None;
                }
            }
            Intent::SetPhone(text) => {
                let Model { screen, live, .. } = self;
                if let Screen::Service(form) = screen {
                    // Up to an id's length, X included: a card swiped into this field is an id, to
                    // be put where it belongs, not cut to 11 digits and taken for a phone.
                    form.phone = id_characters(&text);
                    form.error = None;
                    form.notice = None;
                    if form.phone.len() == 18
                        && let Some(service) = live.service(&form.service_id)
                    {
                        sort_fields(form, service);
                    }
                }
            }
            Intent::SetHelperStaffNo(text) => {
                if let Screen::Helper { staff_no, .. } = &mut self.screen {
                    *staff_no = text
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .take(16)
                        .collect();
                }
            }
            Intent::SetHelperPin(text) => {
                if let Screen::Helper { pin, .. } = &mut self.screen {
                    *pin = text
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .take(16)
                        .collect();
                }
            }
            Intent::Focus(field) => match &mut self.screen {
                Screen::Service(form) => {
                    if let Some(service) = self.live.service(&form.service_id)
                        && match field {
                            Field::CitizenId => service.ask_citizen_id,
                            Field::Phone => service.ask_phone,
                            _ => false,
                        }
                    {
                        form.active = Some(field);
                    }
                }
                Screen::Helper { active, .. }
                    if matches!(field, Field::HelperStaffNo | Field::HelperPin) =>
                {
                    *active = field;
                }
                _ => {}
            },
            Intent::OpenCheckIn => self.open_check_in(),
            Intent::SetCheckInText(field, text) => self.set_check_in_text(field, &text),
            Intent::FocusCheckIn(field) => {
                if let Screen::CheckIn(form) = &mut self.screen {
                    form.active = field;
                }
            }
            Intent::CheckIn => return self.check_in(),
            Intent::Key(key) if matches!(self.screen, Screen::CheckIn(_)) => self.check_in_key(key),
            Intent::Key(key) => {
                let (field, value) = match &self.screen {
                    Screen::Service(ServiceForm {
                        active: Some(Field::CitizenId),
                        citizen_id,
                        ..
                    }) => (Field::CitizenId, citizen_id),
                    Screen::Service(ServiceForm {
                        active: Some(Field::Phone),
                        phone,
                        ..
                    }) => (Field::Phone, phone),
                    Screen::Helper {
                        active: Field::HelperStaffNo,
                        staff_no,
                        ..
                    } => (Field::HelperStaffNo, staff_no),
                    Screen::Helper {
                        active: Field::HelperPin,
                        pin,
                        ..
                    } => (Field::HelperPin, pin),
                    _ => return None,
                };
                let mut value = value.clone();
                match key {
                    Key::Char(c) if c.is_ascii_digit() || (field.takes_x() && c == 'X') => {
                        value.push(c)
                    }
                    Key::Char(_) => return None,
                    Key::Delete => {
                        value.pop();
                    }
                    Key::Clear => value.clear(),
                }
                // The same rules as typing on a keyboard (length, characters).
                let set = match field {
                    Field::CitizenId => Intent::SetCitizenId(value),
                    Field::Phone => Intent::SetPhone(value),
                    Field::HelperStaffNo => Intent::SetHelperStaffNo(value),
                    Field::HelperPin => Intent::SetHelperPin(value),
                };
                return self.handle(set, now);
            }
            Intent::TakeTicket => return self.take_ticket(now),
            Intent::ToggleElder => {
                self.elder = !self.elder;
                if let Screen::Home { page, .. } = &mut self.screen {
                    *page = 0;
                }
            }
            Intent::ToggleLang => self.lang = self.lang.other(),
            Intent::Helper => {
                if self.helper.take().is_none() {
                    self.screen = Screen::Helper {
                        staff_no: String::new(),
                        pin: String::new(),
                        active: Field::HelperStaffNo,
                    };
                }
            }
            Intent::UnlockHelper => {
                if let Screen::Helper { staff_no, pin, .. } = &self.screen
                    && !staff_no.is_empty()
                    && !pin.is_empty()
                {
                    // The server checks the PIN when the ticket is issued (R2); a wrong one is
                    // refused there and shown on the service page.
                    self.helper = Some(HelperPin {
                        staff_no: staff_no.clone(),
                        pin: pin.clone(),
                    });
                    self.screen = Screen::Home {
                        group: None,
                        page: 0,
                    };
                }
            }
        }
        None
    }

    /// 取号 (and, after a lost answer, 取号 again: one path). A request of this service whose
    /// answer never came is sent again as it was, request id and all, whoever touches: if the server
    /// issued its ticket, that ticket is what comes back, never a second one (R6).
    fn take_ticket(&mut self, now: Instant) -> Option<Command> {
        if !self.can_take() {
            return None;
        }
        let Model {
            screen,
            live,
            unanswered,
            pending,
            helper,
            ..
        } = self;
        let Screen::Service(form) = screen else {
            return None;
        };
        let resend = unanswered
            .iter()
            .find(|u| u.request.service_id == form.service_id);
        if let Some(held) = resend {
            form.error = None;
            form.notice = None;
            form.holds = None;
            *pending = Some(Pending {
                request: held.request.clone(),
                touched: now,
            });
            return Some(Command::Issue(held.request.clone()));
        }
        let service = live.service(&form.service_id)?;
        // An id in the phone field or a phone in the id field: put where it belongs, then shown
        // for the citizen to check before anything is sent.
        if sort_fields(form, service) {
            return None;
        }
        // Checked here so that a typo gets a precise word at once, not the server's 输入有误.
        if service.ask_citizen_id && !form.citizen_id.is_empty() && !citizen_id_ok(&form.citizen_id)
        {
            form.error = Some(Text::ErrCitizenIdFormat);
            form.active = Some(Field::CitizenId);
            return None;
        }
        if service.ask_phone && !form.phone.is_empty() && !phone_ok(&form.phone) {
            form.error = Some(Text::ErrPhoneFormat);
            form.active = Some(Field::Phone);
            return None;
        }
        let optional = |ask: bool, text: &str| (ask && !text.is_empty()).then(|| text.to_string());
        let phone = optional(service.ask_phone, &form.phone);
        let request = IssueRequest {
            // The phone field's label says it is for near-turn notices when the hall sends them.
            notify: phone.is_some() && live.hall().is_some_and(|h| h.notify),
            request_id: RequestId::new().into(),
            service_id: form.service_id.clone(),
            class: if helper.is_some() {
                TicketClass::Priority
            } else {
                TicketClass::Normal
            },
            citizen_id: optional(service.ask_citizen_id, &form.citizen_id),
            phone,
            helper: helper.clone(),
        };
        form.error = None;
        form.notice = None;
        form.holds = None;
        *pending = Some(Pending {
            request: request.clone(),
            touched: now,
        });
        Some(Command::Issue(request))
    }

    /// The answer to the pending issue request. On success the ticket screen opens and the slip is
    /// to be printed; on failure the service page says why. A request whose answer was lost is kept
    /// in [`Model::unanswered`] for the next 取号 of its service; any answer of the server settles
    /// it.
    pub fn issue_done(
        &mut self,
        request_id: &str,
        result: Result<IssueResponse, ClientError>,
        now: Instant,
    ) -> Option<Command> {
        let pending = self
            .pending
            .take_if(|p| p.request.request_id == request_id)?;
        match result {
            Ok(issue) => {
                let elapsed = now.saturating_duration_since(pending.touched);
                self.last_touch_to_ticket = Some(elapsed);
                tracing::info!(
                    number = %issue.ticket.number,
                    class = ?issue.ticket.class,
                    touch_to_ticket_ms = elapsed.as_secs_f64() * 1000.0,
                    "ticket issued"
                );
                // A priority ticket uses up the helper's unlock.
                if pending.request.helper.is_some() {
                    self.helper = None;
                }
                // Answered: the held request of this service, if any, was this one.
                self.unanswered
                    .retain(|u| u.request.service_id != pending.request.service_id);
                self.remember(&issue);
                self.last_touch = now;
                self.show_ticket(issue, false)
            }
            Err(error) => {
                let lost = answer_lost(&error);
                tracing::warn!(cause = %error, service = %pending.request.service_id, kept = lost, "issue failed");
                if error.code() == Some(ErrorCode::BadPin) {
                    self.helper = None;
                }
                let service_id = pending.request.service_id.clone();
                self.unanswered
                    .retain(|u| u.request.service_id != service_id);
                if lost {
                    let business_day = self
                        .live
                        .hall()
                        .map(|h| h.business_day.clone())
                        .unwrap_or_default();
                    self.unanswered.push(Unanswered {
                        request: pending.request,
                        business_day,
                    });
                }
                // One open ticket per citizen id (R5): the server names the number held. A ticket
                // this kiosk issued today is shown again, QR code and all; another is named.
                let held = match &error {
                    ClientError::Api(e) if e.code == ErrorCode::DuplicateCitizen => {
                        e.ticket.clone()
                    }
                    _ => None,
                };
                if let Some(number) = &held
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
                if let Screen::Service(form) = &mut self.screen
                    && form.service_id == service_id
                {
                    form.error = match (&error, &held) {
                        (_, Some(_)) => None,
                        (ClientError::Api(_), None) => Some(i18n::client_error_text(&error)),
                        _ => Some(Text::IssueNoAnswer),
                    };
                    form.holds = held;
                }
                None
            }
        }
    }

    /// Keeps `issue` among today's tickets of this kiosk.
    fn remember(&mut self, issue: &IssueResponse) {
        self.issued.retain(|i| i.ticket.id != issue.ticket.id);
        self.issued.push(issue.clone());
        if self.issued.len() > REMEMBERED_TICKETS {
            self.issued.remove(0);
        }
    }

    /// The ticket screen for `issue`, and its slip to print unless it is shown `again`.
    fn show_ticket(&mut self, issue: IssueResponse, again: bool) -> Option<Command> {
        let service = self.live.service(&issue.ticket.service_id).cloned();
        let hall = self.live.hall().cloned();
        let tz = hall
            .as_ref()
            .map_or("Asia/Shanghai", |h| h.time_zone.as_str());
        let issued_at = local_time(issue.ticket.issued_at, tz);
        let status_url = join_url(&self.config.slip.status_base_url, &issue.status_path);
        let (qr, qr_width) = qr_modules(&status_url);
        let ticket_id = issue.ticket.id;
        let windows = self.windows_serving(&issue.ticket.service_id);
        let slip = match (&hall, &service) {
            (Some(hall), Some(service)) if self.config.prints && !again => {
                Some(TicketSlip::from_issue(
                    &issue,
                    hall,
                    service,
                    &issued_at,
                    &windows,
                    &self.config.slip,
                ))
            }
            _ => None,
        };
        self.screen = Screen::Ticket(Box::new(IssuedTicket {
            service_name: service
                .as_ref()
                .map(|s| (s.name_zh.clone(), s.name_en.clone()))
                .unwrap_or_default(),
            issue,
            issued_at,
            status_url,
            qr,
            qr_width,
            print: if slip.is_some() {
                PrintStatus::Printing
            } else if again {
                PrintStatus::NotAgain
            } else {
                PrintStatus::NoPrinter
            },
            again,
            late_booking: false,
        }));
        slip.map(|slip| Command::Print {
            ticket_id,
            slip: Box::new(slip),
        })
    }

    /// The printer thread's answer for `ticket_id`. A failure is logged and shown kindly; the
    /// ticket stands.
    pub fn print_done(&mut self, ticket_id: i64, result: Result<(), PrintError>) {
        if let Err(e) = &result {
            tracing::error!(cause = %e, ticket_id, "printing failed");
        }
        if let Screen::Ticket(ticket) = &mut self.screen
            && ticket.issue.ticket.id == ticket_id
        {
            ticket.print = match result {
                Ok(()) => PrintStatus::Printed,
                Err(e) => PrintStatus::Failed {
                    zh: e.message_zh(),
                    en: e.message_en(),
                },
            };
        }
    }

    /// Back home, forgetting what the citizen typed and the helper's unlock; after idle (`reset`)
    /// also elder mode and the language, ready for the next citizen.
    fn go_home(&mut self, reset: bool) {
        self.screen = Screen::Home {
            group: None,
            page: 0,
        };
        self.helper = None;
        if reset {
            self.elder = false;
            self.lang = self.default_lang;
        }
    }

    /// Time passes: after the idle time without a touch the kiosk goes home (not while a request is
    /// in flight: its answer must reach the citizen who touched).
    pub fn tick(&mut self, now: Instant) {
        self.now = now;
        if self.at_rest() || self.pending.is_some() || self.checking_in() {
            return;
        }
        if now.saturating_duration_since(self.last_touch) >= self.config.idle {
            self.go_home(true);
        }
    }

    /// On the first page of the home screen as a new citizen finds it: nothing to time out.
    pub fn at_rest(&self) -> bool {
        matches!(
            self.screen,
            Screen::Home {
                group: None,
                page: 0
            }
        ) && self.helper.is_none()
            && !self.elder
            && self.lang == self.default_lang
    }

    /// How long until [`Model::tick`] may change something: the glue repaints then, not before.
    pub fn next_tick(&self, now: Instant) -> Option<Duration> {
        if self.at_rest() {
            return None;
        }
        let deadline = self.last_touch + self.config.idle;
        Some(deadline.saturating_duration_since(now) + Duration::from_millis(10))
    }

    /// Seconds left before the idle return, for the countdown on the ticket screen.
    pub fn idle_left(&self, now: Instant) -> u64 {
        let left = (self.last_touch + self.config.idle).saturating_duration_since(now);
        left.as_secs() + u64::from(left.subsec_nanos() > 0)
    }
}

/// Whether `error` leaves open whether the server issued the ticket, or says "nothing happened,
/// send it again": the request is then kept and sent again as it was. Every other answer settles
/// it.
pub fn answer_lost(error: &ClientError) -> bool {
    match error {
        ClientError::Timeout
        | ClientError::Network(_)
        | ClientError::Decode(_)
        | ClientError::Tls(_) => true,
        ClientError::Api(e) => matches!(
            e.code,
            ErrorCode::Unavailable | ErrorCode::RateLimited | ErrorCode::Busy | ErrorCode::Internal
        ),
    }
}

/// What the id and phone fields keep of typed text: digits and X (upper case), at most the 18
/// characters of an id. A card reader types the number and Enter.
fn id_characters(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
        .map(|c| c.to_ascii_uppercase())
        .take(18)
        .collect()
}

/// Whether `text` has the shape of a 身份证号 (18 characters, the last a digit or X, or an old one of
/// 15 digits), whatever its check character.
pub fn id_shaped(text: &str) -> bool {
    let b = text.as_bytes();
    match b.len() {
        15 => b.iter().all(u8::is_ascii_digit),
        18 => b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17] == b'X'),
        _ => false,
    }
}

/// Whether `text` has the shape of a mobile number (11 digits from 1), which no 身份证号 has.
pub fn mobile_shaped(text: &str) -> bool {
    text.len() == 11 && text.starts_with('1') && text.bytes().all(|b| b.is_ascii_digit())
}

/// Puts an id typed into the phone field, or a mobile number typed into the id field, where it
/// belongs, and says so; an id is never kept as a phone. Returns whether something was moved or
/// refused, so that the citizen checks before anything is sent.
pub fn sort_fields(form: &mut ServiceForm, service: &Service) -> bool {
    if service.ask_phone && id_shaped(&form.phone) {
        let id = std::mem::take(&mut form.phone);
        if service.ask_citizen_id && (form.citizen_id.is_empty() || form.citizen_id == id) {
            form.citizen_id = id;
            form.active = Some(Field::CitizenId);
            form.notice = Some(Text::IdMovedFromPhone);
        } else {
            form.active = Some(Field::Phone);
            form.error = Some(Text::ErrIdInPhone);
        }
        return true;
    }
    if service.ask_citizen_id && mobile_shaped(&form.citizen_id) {
        let phone = std::mem::take(&mut form.citizen_id);
        if service.ask_phone && (form.phone.is_empty() || form.phone == phone) {
            form.phone = phone;
            form.active = Some(Field::Phone);
            form.notice = Some(Text::PhoneMovedFromId);
        } else {
            form.active = Some(Field::CitizenId);
            form.error = Some(Text::ErrPhoneInId);
        }
        return true;
    }
    false
}

/// Whether `id` is a 身份证号 as the server takes it: 18 characters with a correct check character
/// (GB 11643: weights 2^(17-i) mod 11), or an old 15-digit one.
pub fn citizen_id_ok(id: &str) -> bool {
    let bytes = id.as_bytes();
    match bytes.len() {
        15 => bytes.iter().all(u8::is_ascii_digit),
        18 if bytes[..17].iter().all(u8::is_ascii_digit) => {
            const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = bytes[..17]
                .iter()
                .zip(WEIGHTS)
                .map(|(b, w)| u32::from(b - b'0') * w)
                .sum();
            bytes[17] == b"10X98765432"[(sum % 11) as usize]
        }
        _ => false,
    }
}

/// Whether `phone` (digits only) can be a phone number: a mobile number has 11 digits and starts
/// with 1; a fixed line 7 to 11 digits (with or without the area code).
pub fn phone_ok(phone: &str) -> bool {
    let digits = phone.bytes().all(|b| b.is_ascii_digit());
    match phone.as_bytes().first() {
        Some(b'1') => digits && phone.len() == 11,
        Some(_) => digits && (7..=11).contains(&phone.len()),
        None => false,
    }
}

/// `base` + `path` with exactly one slash between them.
pub fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim().trim_end_matches('/'),
        path.trim().trim_start_matches('/')
    )
}

/// The QR code of `text` as dark/light modules, row by row, and its width; empty when it does not fit.
pub fn qr_modules(text: &str) -> (Vec<bool>, usize) {
    match qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M) {
        Ok(code) => {
            let width = code.width();
            let modules = code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            (modules, width)
        }
        Err(e) => {
            tracing::error!(cause = %e, "status URL does not fit a QR code");
            (Vec::new(), 0)
        }
    }
}

/// `2026-11-23 09:15` for an instant in the hall's time zone (UTC if the zone is unknown).
pub fn local_time(at: Millis, time_zone: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(at) else {
        return String::new();
    };
    let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string()
}

/// Minutes since local midnight of an instant in the hall's time zone.
fn local_minute(at: Millis, time_zone: &str) -> Option<u32> {
    let ts = jiff::Timestamp::from_millisecond(at).ok()?;
    let tz = jiff::tz::TimeZone::get(time_zone).ok()?;
    let dt = ts.to_zoned(tz);
    Some(dt.hour() as u32 * 60 + dt.minute() as u32)
}

/// The start of the next opening range of `hours` (`"HH:MM-HH:MM"`) after `minute` (since local
/// midnight), if one comes later today.
pub fn next_opening(hours: &[String], minute: u32) -> Option<u32> {
    hours
        .iter()
        .filter_map(|r| qcall_protocol::time_of_day::parse_hhmm_range(r))
        .map(|(start, _)| start)
        .filter(|&start| start > minute)
        .min()
}

/// Whether `minute` (since local midnight) lies after the end of one of `hours` (`"HH:MM-HH:MM"`)
/// and before the start of a later one: a break between two opening ranges.
pub fn in_break(hours: &[String], minute: u32) -> bool {
    let ranges: Vec<(u32, u32)> = hours
        .iter()
        .filter_map(|r| qcall_protocol::time_of_day::parse_hhmm_range(r))
        .collect();
    let ended_before = ranges.iter().any(|&(_, end)| end <= minute);
    let starts_after = ranges.iter().any(|&(start, _)| start > minute);
    let inside = ranges
        .iter()
        .any(|&(start, end)| start <= minute && minute < end);
    ended_before && starts_after && !inside
}

#[cfg(test)]
mod tests;

//! Every word the apps show, in Chinese (the default) and English.
//!
//! The catalog is a plain typed table: one `enum Text` with a variant per string, and one function
//! per language (`zh.rs`, `en.rs`) that is an exhaustive `match` over it. We chose this over message
//! files (Fluent, gettext, JSON) because a missing translation is then a compile error rather than a
//! blank or a fallback on a hall screen, a typo in a key cannot exist, and nothing has to be found,
//! parsed or shipped at run time. Each language is still one file a translator can read top to
//! bottom, and the tests check every entry is non-empty, its `{placeholders}` agree between
//! languages, and every Chinese character is in the embedded font. The cost — a rebuild to change
//! a word — is right for a kiosk, whose words change with a release, not at a hall.

mod en;
mod zh;

use qcall_protocol::{
    ErrorCode, PauseReason, RatingLevel, RatingReason, TicketClass, TicketState, WindowStatus,
};

use crate::connection::{ConnectionState, LinkError};
use crate::rest::{ClientError, WindowAction};

/// A screen language.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 简体中文, the default everywhere.
    #[default]
    Zh,
    /// English, for the zh/en switch on the kiosk and for halls that show both.
    En,
}

impl Lang {
    /// Both languages, Chinese first.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The other one, for the kiosk's 中文/English button.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The code used in settings and in the server's display settings (`zh`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// Defines `Text` and `Text::ALL` from one list, so the list used by tests is complete by
/// construction.
macro_rules! texts {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// One user-visible string. Look it up with [`Text::get`] (or [`Text::fill`] for the ones with
        /// `{placeholders}`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Text {
            $($(#[$doc])* $name,)*
        }

        impl Text {
            /// Every string, in declaration order.
            pub const ALL: &'static [Text] = &[$(Text::$name,)*];
        }
    };
}

texts! {
    // ---- Shared -------------------------------------------------------------------------------
    /// The link is being set up for the first time.
    Connecting,
    /// R20: the screen lost the server and keeps trying; calm, not an error box.
    Reconnecting,
    /// The TLS handshake with an `https://` server failed (untrusted certificate, wrong host):
    /// the link and REST calls ([`LinkError::Tls`], [`ClientError::Tls`]). Retrying cannot help
    /// until an admin fixes the certificate or `ca_file`, so the screen says so.
    TlsFailed,
    /// The server refused this device's key: an admin must fix the config.
    DeviceRefused,
    /// The hall board has no working audio output.
    NoAudio,
    /// Confirm a dialog.
    Confirm,
    /// Close a dialog without acting.
    Cancel,
    /// One screen back.
    Back,
    /// Back to the kiosk's home screen.
    Home,
    /// Try a failed request again.
    Retry,
    /// A request is on its way.
    PleaseWait,
    /// The button that switches to the other language, in that language.
    OtherLanguage,
    /// A duration, `{n}` minutes.
    Minutes,
    /// No estimate (no window serves the service now, R8).
    NoEstimate,
    /// A window by number, `{n}`.
    WindowNumber,
    /// Column or label: the ticket number.
    NumberLabel,
    /// Column or label: the window.
    WindowLabel,
    /// Column or label: the service.
    ServiceLabel,

    // ---- Ticket classes (R2) ------------------------------------------------------------------
    /// `normal`.
    ClassNormal,
    /// `priority`: 爱心优先.
    ClassPriority,
    /// `green`: 绿色通道.
    ClassGreen,
    /// `appointment`: 预约.
    ClassAppointment,

    // ---- Ticket states (R3) -------------------------------------------------------------------
    /// `waiting`.
    StateWaiting,
    /// `called`.
    StateCalled,
    /// `serving`.
    StateServing,
    /// `held`.
    StateHeld,
    /// `no_show`.
    StateNoShow,
    /// `done`.
    StateDone,
    /// `cancelled`.
    StateCancelled,
    /// `expired`.
    StateExpired,

    // ---- Window status (R14, R19) -------------------------------------------------------------
    /// Signed in and taking calls.
    WindowOpen,
    /// 暂停服务.
    WindowPaused,
    /// 窗口关闭.
    WindowClosed,
    /// Before the pause reason on a window screen.
    PauseReasonLabel,

    // ---- Pause reasons (R14) ------------------------------------------------------------------
    /// 休息.
    PauseBreak,
    /// 会议.
    PauseMeeting,
    /// 业务咨询.
    PauseConsultation,
    /// 其他.
    PauseOther,

    // ---- Kiosk (SPEC §6) ----------------------------------------------------------------------
    /// The home screen's greeting.
    Welcome,
    /// 取号: the kiosk's main action.
    TakeTicket,
    /// Heading of the group menu.
    ChooseGroup,
    /// Heading of a group's services.
    ChooseService,
    /// A tile's queue, `{n}` waiting.
    WaitingCount,
    /// A tile's estimate, `{n}` minutes.
    EstimatedWait,
    /// A tile's estimate when there is none (R8 "—").
    EstimatedWaitUnknown,
    /// Tile: daily cap or slot quota reached (R5).
    TileFull,
    /// Tile: past the cut-off (R5).
    TilePastCutoff,
    /// Tile: the service is disabled (R5).
    TilePaused,
    /// Tile: the hall is closed now (R5).
    TileClosed,
    /// The whole kiosk while the server is unreachable (SPEC §6).
    IssuingPaused,
    /// Under 暂停取号: why, without alarming.
    IssuingPausedHint,
    /// While the issue request is on its way.
    Issuing,
    /// Above the issued number.
    YourNumber,
    /// `{n}` tickets ahead.
    AheadOfYou,
    /// When the ticket was taken, `{time}`.
    IssuedAt,
    /// Next to the QR code (R7).
    ScanForProgress,
    /// What to do after a no-show (R9).
    NoShowHint,
    /// 一次性告知: the heading of the materials list.
    OneTimeNotice,
    /// The materials list itself.
    Materials,
    /// Optional id card number field (R5 anti 占号).
    CitizenIdOptional,
    /// Optional phone field.
    PhoneOptional,
    /// The optional phone field in a hall that sends near-turn notices (R32): giving it asks for them.
    PhoneForNotices,
    /// 适老化: the switch to large text.
    ElderMode,
    /// The helper's staff number.
    HelperStaffNo,
    /// The helper's PIN.
    HelperPin,
    /// Printer fault: the ticket exists anyway (SPEC §6 printing).
    PrinterFault,
    /// The printer is out of paper.
    PrinterNoPaper,
    /// Take the printed slip.
    TakeYourSlip,
    /// The kiosk's finish button.
    Done,
    // kiosk
    /// Tile: the hall is in a break between two opening ranges today (午休).
    TileBreak,
    /// Next page of tiles.
    NextPage,
    /// Previous page of tiles.
    PrevPage,
    /// Banner while a helper has unlocked 爱心优先 for the next ticket.
    HelperActive,
    /// Leave helper mode without issuing.
    HelperExit,
    /// On the ticket screen of a kiosk without a printer.
    NoPrinterHint,
    /// The slip is being printed.
    PrintingSlip,
    /// Countdown on the ticket screen, `{n}` seconds.
    BackHomeIn,
    /// On-screen keypad: remove the last character.
    KeyDelete,
    /// On-screen keypad: empty the field.
    KeyClear,
    /// The home screen's tile for 预约签到 (R26).
    CheckInTile,
    /// Under the tile: what it is for.
    CheckInTileHint,
    /// Caller: 取号 for the citizen at the window (绿色通道, 帮办代办, 预约).
    IssueAtWindow,
    /// Caller's 取号 dialog: the service.
    IssueService,
    /// Caller's 取号 dialog: the class.
    IssueClass,
    /// Caller's 取号 dialog: the optional id.
    IssueCitizenId,
    /// Caller's 取号 dialog: the optional phone.
    IssuePhone,
    /// Caller's 取号 dialog: the number issued.
    IssuedNumber,
    /// Caller's 取号 dialog: confirm.
    IssueConfirm,
    /// Caller: 电话预约, a booking for a citizen on the phone (R25).
    BookForCaller,
    /// 电话预约: the slot.
    BookSlot,
    /// 电话预约: the citizen's name.
    BookName,
    /// 电话预约: confirm.
    BookConfirm,
    /// 电话预约: the booking made; its code follows.
    BookedCode,
    /// 电话预约: no free slot for the service.
    BookNoSlots,
    /// 电话预约: what is missing before it can be sent.
    BookFieldsMissing,
    /// Close a dialog that is done.
    Close,
    /// The check-in page's heading.
    CheckInTitle,
    /// How to check in: the code, or the phone and the id's last 4.
    CheckInHint,
    /// The booking code field.
    BookingCode,
    /// The phone field of the check-in page.
    BookingPhone,
    /// The last 4 characters of the citizen id.
    IdLast4,
    /// The check-in button.
    CheckInButton,
    /// Neither a whole code nor phone + last 4 were given.
    CheckInIncomplete,
    /// Too early: `{time}` is when check-in opens.
    CheckInTooEarlyAt,
    /// On the ticket of a late check-in: a normal ticket instead of an appointment.
    CheckInLate,
    /// The citizen id typed is not a valid 身份证号 (length, characters or check digit).
    ErrCitizenIdFormat,
    /// The phone number typed is too short or not a mobile number.
    ErrPhoneFormat,
    /// An issue request got no answer (timeout, network): 取号 again sends the same request.
    IssueNoAnswer,
    /// On the service page while a request of it waits for its answer.
    ResendHint,
    /// An id card number typed into the phone field was moved to the id field.
    IdMovedFromPhone,
    /// A mobile number typed into the id field was moved to the phone field.
    PhoneMovedFromId,
    /// An id card number in the phone field, and no id field to put it in.
    ErrIdInPhone,
    /// A mobile number in the id field, and no phone field to put it in.
    ErrPhoneInId,
    /// A full service: why, and what to do next.
    FullNextStep,
    /// Past the cut-off: why, and what to do next.
    CutoffNextStep,
    /// A disabled service: why, and what to do next.
    PausedNextStep,
    /// The hall's break, with the time tickets start again, `{time}`.
    BreakUntil,
    /// The hall opens later today, at `{time}`.
    OpensAt,
    /// The hall is closed for the rest of today.
    ClosedNextStep,
    /// Nobody ahead, and a window serves the service: instead of "0 ahead".
    CallingSoon,
    /// Nobody ahead, but no window serves the service now.
    NextWhenOpen,
    /// Where to wait, and the windows that call this service, `{windows}` (3号、5号).
    WaitAtWindows,
    /// Where to wait when no window serves the service now.
    WaitWatchScreens,
    /// The home screen's line for 爱心优先: what a citizen should do (staff touch it to enter their PIN).
    PriorityAskStaff,
    /// Heading of the staff's PIN screen for a 爱心优先 ticket.
    HelperTitle,
    /// Under 长者模式 on its toggle while it is off.
    ElderModeHint,
    /// Under 长者模式 on its toggle while it is on.
    ElderModeOnHint,
    /// A ticket shown again: the citizen already held it.
    AlreadyHeld,
    /// A ticket shown again is not printed again.
    NotPrintedAgain,
    /// Demo only: the QR code points to this computer's own address.
    DemoLoopback,

    // ---- Caller (SPEC §6) ---------------------------------------------------------------------
    /// 工号.
    StaffNo,
    /// Password field.
    Password,
    /// Log in.
    LogIn,
    /// Log out.
    LogOut,
    /// Pick the window to sign in at.
    ChooseWindow,
    /// 签到: open the window.
    SignIn,
    /// 签退: close the window.
    SignOut,
    /// 叫号 (F1).
    CallNext,
    /// 重呼 (F2).
    Recall,
    /// 开始办理 (F3).
    StartService,
    /// 办结 (F4).
    Finish,
    /// 过号 (F5).
    NoShow,
    /// 顺延 / 重新排队 (R9).
    Requeue,
    /// 转移 (F6).
    Transfer,
    /// 挂起 (F7).
    Hold,
    /// 回呼.
    Unhold,
    /// 特呼 (R13).
    SpecialCall,
    /// 暂停 (F8).
    Pause,
    /// 恢复 (F8).
    Resume,
    /// The pause dialog's question.
    ChoosePauseReason,
    /// Transfer to a service's queue.
    TransferToService,
    /// Transfer to one window.
    TransferToWindow,
    /// The note that goes with a transfer.
    TransferNote,
    /// The special-call dialog's field.
    EnterNumber,
    /// Above the window's current ticket.
    CurrentTicket,
    /// The window has no called or serving ticket.
    NoTicketAtWindow,
    /// `{n}` minutes waited before the call.
    WaitedMinutes,
    /// Handling time so far, `{time}`.
    HandlingTime,
    /// The handling timer passed the service's limit.
    OverTimeLimit,
    /// The queue this window would serve, in R11 order.
    WindowQueue,
    /// `{n}` waiting for this window in all.
    WaitingTotal,
    /// Held tickets at this window.
    HeldTickets,
    /// No-show tickets that may be requeued.
    NoShowTickets,
    /// Today's finished count, `{n}`.
    TodayServed,
    /// Today's no-show count, `{n}`.
    TodayNoShow,
    /// Today's mean wait, `{n}` minutes.
    MeanWait,
    /// Today's mean handling, `{n}` minutes.
    MeanHandling,
    // caller
    /// Label of the server address on the caller's sign-in screen.
    ServerAddress,
    /// Who is signed in: `{name}` and `{staff_no}`.
    SignedInAs,
    /// Marks the window used last time on the window choice.
    LastUsed,
    /// Why the caller's actions are greyed out while the link is down.
    ActionsOffline,
    /// A called ticket, not yet started: time since the call, `{time}`.
    CalledFor,
    /// How often the current ticket was recalled, `{n}`.
    RecallCount,
    /// An empty list (queue, held, no-show).
    NoneNow,
    /// Today's pause time, `{n}` minutes.
    TodayPaused,
    /// The caller's `--window` is not one this staff member may sign in at.
    WindowNotAllowed,
    /// Today's mean wait when nothing was served yet.
    MeanWaitUnknown,
    /// Today's mean handling when nothing was served yet.
    MeanHandlingUnknown,
    /// The one key for the common case: finish the current ticket and call the next (`finish-and-call-next`).
    FinishAndCallNext,
    /// Why 开始办理 is greyed: service has started.
    AlreadyServing,
    /// Why 开始办理 is greyed in a hall whose calls start service (`start_on_call`).
    StartedOnCall,
    /// Why 重呼 is greyed: the citizen is already at the window.
    RecallOnlyCalled,
    /// Why 过号 is greyed: the citizen came and service started.
    NoShowOnlyCalled,
    /// The service's handling time limit (限时办结), `{n}` minutes, beside the timer.
    TimeLimit,
    /// The queue panel's counts per service, `{list}`.
    ByService,
    /// The queue panel's counts per ticket class, `{list}`.
    ByClass,
    /// The staff token expired or was revoked: back to sign-in with this reason.
    SessionEnded,
    /// On the sign-in screen when the login goes straight to window `{n}` (the login ended there, or `--window`).
    ReturnToWindow,
    /// Signed out while offline: the sign-out of window `{n}` is sent when the link is back.
    SignOutQueued,
    /// The sign-out of window `{n}` went through.
    SignedOut,
    /// A queued sign-out of window `{n}` was refused: the window stays open on the server.
    SignOutNotDone,
    /// After a sign-out: the held tickets `{numbers}` went back to the head of their queue.
    HeldReturned,
    /// 办结并叫下一位 finished `{number}` and nobody waits.
    FinishedNobodyWaits,

    // ---- Display (R18, R19) -------------------------------------------------------------------
    /// Over the latest call on the hall board.
    NowCalling,
    /// Over the list of recent calls.
    RecentCalls,
    /// Over the waiting counts per group.
    WaitingByGroup,
    /// On a window screen, over the ticket being served.
    NowServing,
    /// The call as shown (and spoken when the server sends no template): `{number}`, `{window}`.
    CallAnnouncement,
    /// A recall's caption.
    RecallTag,
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
    // display
    /// Next to the lost-link mark of a screen: when its data was last known current, `{time}`.
    LastUpdated,
    /// A window screen whose window is open but has no called or serving ticket.
    WindowAwaitingCall,
    /// A mark on the hall board: the voice pack lacks clips of these languages, `{langs}`; they are not spoken.
    VoiceIncomplete,
    /// A mark on the hall board: an announcement setting (e.g. the template) cannot be followed as written.
    AnnounceSettingsFault,
    /// The hall board's list of calls before the first call of the day.
    NoCallsYet,
    /// On a window screen under the called number: `{number}`.
    ComeToThisWindow,
    /// On a window screen: what the window handles (its configured text), `{services}`.
    WindowServices,
    /// A tag on the call being announced now.
    Announcing,
    // rating pad (评价器, R21, R33)
    /// The pad while nothing is to be rated: what it is for.
    PadIdle,
    /// The question after a leg ends.
    PadAsk,
    /// Under the question: the number served, `{number}`.
    PadYourNumber,
    /// 非常满意.
    LevelVerySatisfied,
    /// 满意.
    LevelSatisfied,
    /// 基本满意.
    LevelBasic,
    /// 不满意.
    LevelDissatisfied,
    /// 非常不满意.
    LevelVeryDissatisfied,
    /// 态度.
    ReasonAttitude,
    /// 效率.
    ReasonEfficiency,
    /// 水平.
    ReasonSkill,
    /// 环境.
    ReasonEnvironment,
    /// 其他.
    ReasonOther,
    /// Above the reason chips of a 差评, with the level chosen, `{level}`.
    PadReasonsAsk,
    /// The placeholder of the optional words of a 差评, `{max}` characters.
    PadTextHint,
    /// Send a 差评 with its reasons.
    PadSubmit,
    /// After a rating was stored.
    PadThanks,
    /// Under the thanks.
    PadThanksSub,
    /// The pad has no link to the server: nothing can be rated now.
    PadOffline,
    /// A rating could not be sent (the network); the choice is kept, `{reason}`.
    PadNotSent,
    /// The leg was rated already elsewhere (the phone).
    PadAlreadyRated,
    // caller: ratings (R21)
    /// Today's ratings at this window in the figures bar: `{n}` rated, `{rate}` satisfaction.
    TodayRatings,
    /// Today's ratings when nothing was rated yet.
    TodayRatingsNone,
    /// The discreet notice of a 差评 to the staff member: `{number}`, `{level}`.
    BadRatingNotice,
    /// Dismiss a notice.
    Dismiss,
    /// The caller's 办件编号 field, sent with the next finish.
    CaseNoLabel,
    /// Its placeholder.
    CaseNoHint,

    // ---- Refusals: one sentence per `ErrorCode` (R30) ------------------------------------------
    /// `bad_request`.
    ErrBadRequest,
    /// `payload_too_large`.
    ErrPayloadTooLarge,
    /// `unauthorized`.
    ErrUnauthorized,
    /// `forbidden`.
    ErrForbidden,
    /// `not_found`.
    ErrNotFound,
    /// `method_not_allowed`.
    ErrMethodNotAllowed,
    /// `unknown_service`.
    ErrUnknownService,
    /// `unknown_window`.
    ErrUnknownWindow,
    /// `unknown_ticket`.
    ErrUnknownTicket,
    /// `wrong_state`.
    ErrWrongState,
    /// `hall_closed`.
    ErrHallClosed,
    /// `past_cutoff`.
    ErrPastCutoff,
    /// `service_disabled`.
    ErrServiceDisabled,
    /// `daily_cap_reached`.
    ErrDailyCapReached,
    /// `slot_quota_reached`.
    ErrSlotQuotaReached,
    /// `duplicate_citizen`.
    ErrDuplicateCitizen,
    /// `class_not_allowed`.
    ErrClassNotAllowed,
    /// `bad_pin`.
    ErrBadPin,
    /// `rate_limited`.
    ErrRateLimited,
    /// `queue_empty`: 当前无人等候.
    ErrQueueEmpty,
    /// `window_busy`.
    ErrWindowBusy,
    /// `no_current_ticket`.
    ErrNoCurrentTicket,
    /// `window_paused`.
    ErrWindowPaused,
    /// `window_closed`.
    ErrWindowClosed,
    /// `window_taken`.
    ErrWindowTaken,
    /// `signed_in_elsewhere`.
    ErrSignedInElsewhere,
    /// `not_signed_in`.
    ErrNotSignedIn,
    /// `requeue_expired`.
    ErrRequeueExpired,
    /// `transfer_to_self`.
    ErrTransferToSelf,
    /// `bad_credentials`.
    ErrBadCredentials,
    /// `request_id_reused`.
    ErrRequestIdReused,
    /// `login_locked`.
    ErrLoginLocked,
    /// `pin_locked`.
    ErrPinLocked,
    /// `busy`.
    ErrBusy,
    /// `unavailable`.
    ErrUnavailable,
    /// `internal`.
    ErrInternal,
    /// `unknown_leg`.
    ErrUnknownLeg,
    /// `unknown_rating`.
    ErrUnknownRating,
    /// `unknown_case`.
    ErrUnknownCase,
    /// `not_served`.
    ErrNotServed,
    /// `already_rated`.
    ErrAlreadyRated,
    /// `rating_expired`.
    ErrRatingExpired,
    /// `reason_required`.
    ErrReasonRequired,
    /// `appeal_closed`.
    ErrAppealClosed,
    /// `unknown_booking`.
    ErrUnknownBooking,
    /// `slot_unavailable`.
    ErrSlotUnavailable,
    /// `slot_past`.
    ErrSlotPast,
    /// `slot_full`.
    ErrSlotFull,
    /// `duplicate_booking`.
    ErrDuplicateBooking,
    /// `cancel_closed`.
    ErrCancelClosed,
    /// `check_in_too_early`.
    ErrCheckInTooEarly,
    /// `booking_used`.
    ErrBookingUsed,
    /// `booking_closed`.
    ErrBookingClosed,
    /// No answer in time ([`ClientError::Timeout`]).
    ErrTimeout,
    /// Server unreachable ([`ClientError::Network`]).
    ErrNetwork,
    /// Unreadable answer ([`ClientError::Decode`]).
    ErrDecode,
}

impl Text {
    /// The string in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => zh::zh(self),
            Lang::En => en::en(self),
        }
    }

    /// The string in `lang` with each `{name}` replaced by its value, e.g.
    /// `Text::AheadOfYou.fill(lang, &[("n", &3)])` → "您前面还有 3 人".
    pub fn fill(self, lang: Lang, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        fill(self.get(lang), args)
    }
}

/// Replaces each `{name}` in `template` by its value; unknown names stay as written, so a mistake
/// shows on screen instead of silently vanishing.
pub fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(&value.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{names}` a template uses, for the tests that compare languages.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    names.sort_unstable();
    names
}

/// The sentence for a refusal code: what the person at the screen reads (the server's English
/// message is for logs). Exhaustive, so a new code does not compile until it has words.
pub fn error_text(code: ErrorCode) -> Text {
    use ErrorCode::*;
    match code {
        BadRequest => Text::ErrBadRequest,
        PayloadTooLarge => Text::ErrPayloadTooLarge,
        Unauthorized => Text::ErrUnauthorized,
        Forbidden => Text::ErrForbidden,
        NotFound => Text::ErrNotFound,
        MethodNotAllowed => Text::ErrMethodNotAllowed,
        UnknownService => Text::ErrUnknownService,
        UnknownWindow => Text::ErrUnknownWindow,
        UnknownTicket => Text::ErrUnknownTicket,
        WrongState => Text::ErrWrongState,
        HallClosed => Text::ErrHallClosed,
        PastCutoff => Text::ErrPastCutoff,
        ServiceDisabled => Text::ErrServiceDisabled,
        DailyCapReached => Text::ErrDailyCapReached,
        SlotQuotaReached => Text::ErrSlotQuotaReached,
        DuplicateCitizen => Text::ErrDuplicateCitizen,
        ClassNotAllowed => Text::ErrClassNotAllowed,
        BadPin => Text::ErrBadPin,
        RateLimited => Text::ErrRateLimited,
        QueueEmpty => Text::ErrQueueEmpty,
        WindowBusy => Text::ErrWindowBusy,
        NoCurrentTicket => Text::ErrNoCurrentTicket,
        WindowPaused => Text::ErrWindowPaused,
        WindowClosed => Text::ErrWindowClosed,
        WindowTaken => Text::ErrWindowTaken,
        SignedInElsewhere => Text::ErrSignedInElsewhere,
        NotSignedIn => Text::ErrNotSignedIn,
        RequeueExpired => Text::ErrRequeueExpired,
        TransferToSelf => Text::ErrTransferToSelf,
        BadCredentials => Text::ErrBadCredentials,
        RequestIdReused => Text::ErrRequestIdReused,
        LoginLocked => Text::ErrLoginLocked,
        PinLocked => Text::ErrPinLocked,
        Busy => Text::ErrBusy,
        Unavailable => Text::ErrUnavailable,
        Internal => Text::ErrInternal,
        UnknownLeg => Text::ErrUnknownLeg,
        UnknownRating => Text::ErrUnknownRating,
        UnknownCase => Text::ErrUnknownCase,
        NotServed => Text::ErrNotServed,
        AlreadyRated => Text::ErrAlreadyRated,
        RatingExpired => Text::ErrRatingExpired,
        ReasonRequired => Text::ErrReasonRequired,
        AppealClosed => Text::ErrAppealClosed,
        UnknownBooking => Text::ErrUnknownBooking,
        SlotUnavailable => Text::ErrSlotUnavailable,
        SlotPast => Text::ErrSlotPast,
        SlotFull => Text::ErrSlotFull,
        DuplicateBooking => Text::ErrDuplicateBooking,
        CancelClosed => Text::ErrCancelClosed,
        CheckInTooEarly => Text::ErrCheckInTooEarly,
        BookingUsed => Text::ErrBookingUsed,
        BookingClosed => Text::ErrBookingClosed,
    }
}

/// The sentence for a failed REST call.
pub fn client_error_text(error: &ClientError) -> Text {
    match error {
        ClientError::Api(e) => error_text(e.code),
        ClientError::Timeout => Text::ErrTimeout,
        ClientError::Network(_) => Text::ErrNetwork,
        ClientError::Decode(_) => Text::ErrDecode,
        ClientError::Tls(_) => Text::TlsFailed,
    }
}

/// The short tile label for why a service cannot issue (SPEC §6: 已满, 已截止, 暂停), or the full
/// sentence for rarer reasons.
pub fn refusal_tile_text(code: ErrorCode) -> Text {
    match code {
        ErrorCode::DailyCapReached | ErrorCode::SlotQuotaReached => Text::TileFull,
        ErrorCode::PastCutoff => Text::TilePastCutoff,
        ErrorCode::ServiceDisabled => Text::TilePaused,
        ErrorCode::HallClosed => Text::TileClosed,
        other => error_text(other),
    }
}

/// What a screen says about its link, or `None` when connected (nothing to say).
pub fn connection_text(state: &ConnectionState) -> Option<Text> {
    match state {
        ConnectionState::Connected { .. } => None,
        ConnectionState::Connecting { .. } => Some(Text::Connecting),
        ConnectionState::Reconnecting {
            last_error: LinkError::Tls(_),
            ..
        } => Some(Text::TlsFailed),
        ConnectionState::Reconnecting { .. } => Some(Text::Reconnecting),
        ConnectionState::Refused {
            retrying: false, ..
        } => Some(Text::SessionEnded),
        ConnectionState::Refused { reason, .. } => Some(match reason.code {
            ErrorCode::Unauthorized => Text::DeviceRefused,
            other => error_text(other),
        }),
    }
}

/// A rating level's words (R21): the pad's buttons and the caller's notice.
pub fn level_text(level: RatingLevel) -> Text {
    match level {
        RatingLevel::VerySatisfied => Text::LevelVerySatisfied,
        RatingLevel::Satisfied => Text::LevelSatisfied,
        RatingLevel::Basic => Text::LevelBasic,
        RatingLevel::Dissatisfied => Text::LevelDissatisfied,
        RatingLevel::VeryDissatisfied => Text::LevelVeryDissatisfied,
    }
}

/// A 差评 reason's word (R21).
pub fn reason_text(reason: RatingReason) -> Text {
    match reason {
        RatingReason::Attitude => Text::ReasonAttitude,
        RatingReason::Efficiency => Text::ReasonEfficiency,
        RatingReason::Skill => Text::ReasonSkill,
        RatingReason::Environment => Text::ReasonEnvironment,
        RatingReason::Other => Text::ReasonOther,
    }
}

/// A ticket class's name (R2).
pub fn class_text(class: TicketClass) -> Text {
    match class {
        TicketClass::Normal => Text::ClassNormal,
        TicketClass::Priority => Text::ClassPriority,
        TicketClass::Green => Text::ClassGreen,
        TicketClass::Appointment => Text::ClassAppointment,
    }
}

/// A ticket state's name (R3).
pub fn state_text(state: TicketState) -> Text {
    match state {
        TicketState::Waiting => Text::StateWaiting,
        TicketState::Called => Text::StateCalled,
        TicketState::Serving => Text::StateServing,
        TicketState::Held => Text::StateHeld,
        TicketState::NoShow => Text::StateNoShow,
        TicketState::Done => Text::StateDone,
        TicketState::Cancelled => Text::StateCancelled,
        TicketState::Expired => Text::StateExpired,
    }
}

/// A pause reason's name (R14).
pub fn pause_text(reason: PauseReason) -> Text {
    match reason {
        PauseReason::Break => Text::PauseBreak,
        PauseReason::Meeting => Text::PauseMeeting,
        PauseReason::Consultation => Text::PauseConsultation,
        PauseReason::Other => Text::PauseOther,
    }
}

/// A window status's name (R14, R19).
pub fn window_status_text(status: WindowStatus) -> Text {
    match status {
        WindowStatus::Open => Text::WindowOpen,
        WindowStatus::Paused => Text::WindowPaused,
        WindowStatus::Closed => Text::WindowClosed,
    }
}

/// A caller button's label.
pub fn action_text(action: &WindowAction) -> Text {
    match action {
        WindowAction::SignIn => Text::SignIn,
        WindowAction::SignOut => Text::SignOut,
        WindowAction::CallNext => Text::CallNext,
        WindowAction::CallNumber { .. } => Text::SpecialCall,
        WindowAction::Recall => Text::Recall,
        WindowAction::Start => Text::StartService,
        WindowAction::Finish => Text::Finish,
        WindowAction::FinishAndCallNext => Text::FinishAndCallNext,
        WindowAction::NoShow => Text::NoShow,
        WindowAction::Requeue { .. } => Text::Requeue,
        WindowAction::Transfer { .. } => Text::Transfer,
        WindowAction::Hold => Text::Hold,
        WindowAction::Unhold { .. } => Text::Unhold,
        WindowAction::Pause { .. } => Text::Pause,
        WindowAction::Resume => Text::Resume,
    }
}

/// A weekday's name, Monday = 0 (ISO order), for the hall board's date line.
pub fn weekday_text(days_from_monday: u8) -> Text {
    match days_from_monday % 7 {
        0 => Text::Monday,
        1 => Text::Tuesday,
        2 => Text::Wednesday,
        3 => Text::Thursday,
        4 => Text::Friday,
        5 => Text::Saturday,
        _ => Text::Sunday,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `ErrorCode` variant, read from the protocol's source so a new code cannot be missed:
    /// the exhaustive match in `error_text` makes it compile only with words, and this list makes
    /// the test look at it.
    fn all_error_codes() -> Vec<ErrorCode> {
        let source = include_str!("../../../protocol/src/error.rs");
        let start = source.find("pub enum ErrorCode {").expect("the enum");
        let body = &source[start..];
        let body = &body[..body.find("\n}").expect("its end")];
        body.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("///") && !l.starts_with("pub enum") && l.ends_with(','))
            .map(|l| {
                let name = l.trim_end_matches(',');
                let mut snake = String::new();
                for (i, c) in name.chars().enumerate() {
                    if c.is_ascii_uppercase() && i > 0 {
                        snake.push('_');
                    }
                    snake.push(c.to_ascii_lowercase());
                }
                serde_json::from_value(serde_json::Value::String(snake.clone()))
                    .unwrap_or_else(|e| panic!("{name} → {snake}: {e}"))
            })
            .collect()
    }

    #[test]
    fn every_text_is_present_in_both_languages() {
        for &text in Text::ALL {
            for lang in Lang::ALL {
                let s = text.get(lang);
                assert!(!s.trim().is_empty(), "{text:?} is empty in {lang:?}");
                assert_eq!(s, s.trim(), "{text:?} in {lang:?} has stray spaces");
            }
        }
        assert!(Text::ALL.len() > 150, "the catalog covers the three apps");
    }

    #[test]
    fn placeholders_agree_between_languages() {
        for &text in Text::ALL {
            assert_eq!(
                placeholders(text.get(Lang::Zh)),
                placeholders(text.get(Lang::En)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn chinese_is_chinese_and_english_is_ascii() {
        for &text in Text::ALL {
            let en = text.get(Lang::En);
            assert!(
                text == Text::OtherLanguage
                    || en.chars().all(|c| c.is_ascii() || "—–…’·".contains(c)),
                "{text:?} in English has {en:?}"
            );
            let zh = text.get(Lang::Zh);
            if text != Text::OtherLanguage && text != Text::NoEstimate {
                assert!(
                    zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{text:?} in Chinese has no hanzi: {zh:?}"
                );
            }
        }
    }

    #[test]
    fn every_error_code_has_a_sentence_in_both_languages() {
        let codes = all_error_codes();
        assert!(codes.len() >= 32, "read {} codes", codes.len());
        let mut seen = std::collections::HashSet::new();
        for code in codes {
            let text = error_text(code);
            assert!(
                seen.insert(text),
                "{code:?} shares its words with another code"
            );
            for lang in Lang::ALL {
                assert!(!text.get(lang).is_empty(), "{code:?} in {lang:?}");
            }
        }
        assert_eq!(
            error_text(ErrorCode::QueueEmpty).get(Lang::Zh),
            "当前无人等候"
        );
    }

    #[test]
    fn the_spec_words_are_the_catalog_words() {
        let zh = |t: Text| t.get(Lang::Zh);
        let expected = [
            (Text::TakeTicket, "取号"),
            (Text::CallNext, "叫号"),
            (Text::Recall, "重呼"),
            (Text::NoShow, "过号"),
            (Text::Transfer, "转移"),
            (Text::Hold, "挂起"),
            (Text::Unhold, "回呼"),
            (Text::SpecialCall, "特呼"),
            (Text::Pause, "暂停"),
            (Text::Resume, "恢复"),
            (Text::Finish, "办结"),
            (Text::IssuingPaused, "暂停取号"),
            (Text::TileFull, "已满"),
            (Text::TilePastCutoff, "已截止"),
            (Text::WindowPaused, "暂停服务"),
            (Text::WindowClosed, "窗口关闭"),
            (Text::Connecting, "连接中"),
            (Text::Reconnecting, "网络已断开 正在重新连接"),
            (Text::NoAudio, "无音频"),
            (Text::PauseBreak, "休息"),
            (Text::PauseMeeting, "会议"),
            (Text::PauseConsultation, "业务咨询"),
            (Text::PauseOther, "其他"),
            (Text::ClassNormal, "普通"),
            (Text::ClassPriority, "爱心优先"),
            (Text::ClassGreen, "绿色通道"),
            (Text::ClassAppointment, "预约"),
        ];
        for (text, word) in expected {
            assert_eq!(zh(text), word, "{text:?}");
        }
        assert!(zh(Text::Requeue).contains("顺延") && zh(Text::Requeue).contains("重新排队"));
    }

    #[test]
    fn fill_replaces_named_placeholders() {
        assert_eq!(
            Text::AheadOfYou.fill(Lang::Zh, &[("n", &3)]),
            "您前面还有 3 人"
        );
        assert_eq!(
            Text::CallAnnouncement.fill(Lang::Zh, &[("number", &"A001"), ("window", &3)]),
            "请A001号到3号窗口办理"
        );
        assert_eq!(
            Text::CallAnnouncement.fill(Lang::En, &[("number", &"A001"), ("window", &3)]),
            "Number A001, please go to window 3"
        );
        assert_eq!(
            fill("{a} {b} {", &[("a", &1)]),
            "1 {b} {",
            "unknown names stay visible"
        );
        assert_eq!(
            placeholders("请{number}号到{window}号"),
            vec!["number", "window"]
        );
    }

    #[test]
    fn mapping_helpers_cover_the_protocol_enums() {
        for class in TicketClass::ALL {
            assert!(!class_text(class).get(Lang::Zh).is_empty());
        }
        assert_eq!(
            refusal_tile_text(ErrorCode::SlotQuotaReached),
            Text::TileFull
        );
        assert_eq!(
            refusal_tile_text(ErrorCode::DuplicateCitizen),
            Text::ErrDuplicateCitizen
        );
        assert_eq!(
            client_error_text(&ClientError::Api(qcall_protocol::ApiError::new(
                ErrorCode::QueueEmpty,
                "x"
            )))
            .get(Lang::Zh),
            "当前无人等候"
        );
        assert_eq!(weekday_text(6).get(Lang::Zh), "星期日");
        assert_eq!(Lang::Zh.other(), Lang::En);
        let refused = ConnectionState::Refused {
            reason: qcall_protocol::ApiError::new(ErrorCode::Unauthorized, "bad key"),
            since: std::time::Instant::now(),
            retrying: true,
        };
        assert_eq!(connection_text(&refused), Some(Text::DeviceRefused));
        let ended = ConnectionState::Refused {
            reason: qcall_protocol::ApiError::new(ErrorCode::Unauthorized, "token expired"),
            since: std::time::Instant::now(),
            retrying: false,
        };
        assert_eq!(connection_text(&ended), Some(Text::SessionEnded));
        let down = |last_error| ConnectionState::Reconnecting {
            since: std::time::Instant::now(),
            last_error,
        };
        assert_eq!(
            connection_text(&down(LinkError::Closed)),
            Some(Text::Reconnecting)
        );
        assert_eq!(
            connection_text(&down(LinkError::Tls("UnknownIssuer".into()))),
            Some(Text::TlsFailed),
            "an untrusted certificate is not a network blip"
        );
        assert_eq!(
            client_error_text(&ClientError::Tls("UnknownIssuer".into())),
            Text::TlsFailed
        );
    }
}

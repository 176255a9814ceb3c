//! The rating pad (评价器, R21, R33) as plain data: a touch screen facing the citizen at one window.
//! No egui, no I/O, no clock: the glue passes the local time and the answers, so every rule here
//! is a unit test.
//!
//! The steps: **idle** (the window and its staff card, 亮身份) → a served leg of this window ends and
//! the server pushes its invite → **ask** (请对本次服务进行评价, five large buttons with their words)
//! → a good level is sent at once; 不满意 or 非常不满意 go to **reasons** (the five reason chips, at
//! least one, and optional words) and are sent with 提交评价 → **thanks** (感谢您的评价) → idle.
//!
//! Rules:
//! - Ask and reasons return to idle after the hall's idle time (`pad_idle_seconds`, 30 s by
//!   default) without a touch, and **nothing is recorded**: only a tap on a level or 提交评价 sends.
//! - **One choice is one request id**, kept while the answer is unknown: tapping again after a
//!   lost answer sends the same rating with the same id, and the server stores it once (R6).
//!   A changed choice is a new request.
//! - While a rating is on its way every button is inert, and while the link is down nothing can
//!   be sent (the screen says so): nothing is ever half-sent.
//! - A leg rated elsewhere (the citizen's phone) takes the pad back to idle.

use qcall_client::ClientError;
use qcall_client::i18n::{Text, client_error_text};
use qcall_protocol::{
    ErrorCode, Millis, Rating, RatingInvite, RatingLevel, RatingNotice, RatingReason,
    RatingRequest, WindowNo,
};

/// How long 感谢您的评价 (or why a rating was not taken) stays before the pad is idle again.
pub const THANKS_MS: Millis = 6_000;
/// The idle time before the server has said the hall's (`pad_idle_seconds`).
pub const DEFAULT_IDLE_SECONDS: u32 = 30;
/// The longest words of a 差评, in characters (the server's limit).
pub const TEXT_MAX_CHARS: usize = qcall_protocol::RATING_TEXT_MAX_CHARS;

/// Where the pad is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PadStep {
    /// Nothing to rate: the window and its staff card.
    Idle,
    /// 请对本次服务进行评价 with the five levels.
    Ask {
        /// The leg to rate.
        invite: RatingInvite,
    },
    /// A 差评: the reason chips and the optional words.
    Reasons {
        /// The leg to rate.
        invite: RatingInvite,
        /// 不满意 or 非常不满意.
        level: RatingLevel,
        /// The chips chosen, in the order of [`RatingReason::ALL`].
        reasons: Vec<RatingReason>,
        /// The words typed so far.
        text: String,
    },
    /// The rating was stored (or the leg was rated already, or can no longer be rated: `note`).
    Done {
        /// Why the pad did not take it, when it did not: said instead of the thanks' second line.
        note: Option<Text>,
        /// Local time it was shown.
        since: Millis,
    },
}

/// What the user did on the pad (the view returns it; it never changes the model itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PadIntent {
    /// A tap on one of the five levels.
    Level(RatingLevel),
    /// A tap on a reason chip (chooses or un-chooses it).
    Reason(RatingReason),
    /// The words changed.
    Text(String),
    /// 提交评价 on the reasons step.
    Submit,
    /// 返回: from the reasons back to the five levels.
    Back,
    /// The 长者模式 switch.
    Elder,
    /// The 中文/English switch.
    Language,
}

/// What the glue must do for the pad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PadCommand {
    /// `POST /rating-pad/ratings` with this body.
    Send(RatingRequest),
}

/// The rating pad's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pad {
    /// The pad's window.
    pub window: WindowNo,
    /// The step shown.
    pub step: PadStep,
    /// Seconds without a touch before ask or reasons go back to idle.
    idle_seconds: u32,
    /// Local time of the last touch, or when the step began.
    last_touch: Millis,
    /// The rating on its way: every button is inert until it is answered.
    sending: Option<RatingRequest>,
    /// The last rating sent whose answer was lost: the same choice is sent again with its id.
    unanswered: Option<RatingRequest>,
    /// Why the last send failed, shown above the buttons until the next touch.
    pub problem: Option<String>,
    /// 长者模式: larger type.
    pub elder: bool,
}

impl Pad {
    /// An idle pad at `window`.
    pub fn new(window: WindowNo) -> Pad {
        Pad {
            window,
            step: PadStep::Idle,
            idle_seconds: DEFAULT_IDLE_SECONDS,
            last_touch: 0,
            sending: None,
            unanswered: None,
            problem: None,
            elder: false,
        }
    }

    /// The hall's idle time, from `GET /rating-pad`.
    pub fn set_idle_seconds(&mut self, seconds: u32) {
        self.idle_seconds = seconds.max(1);
    }

    /// The idle time in force.
    pub fn idle_seconds(&self) -> u32 {
        self.idle_seconds
    }

    /// A rating is on its way.
    pub fn is_sending(&self) -> bool {
        self.sending.is_some()
    }

    /// The leg on offer, on the ask and reasons steps.
    pub fn invite(&self) -> Option<&RatingInvite> {
        match &self.step {
            PadStep::Ask { invite } | PadStep::Reasons { invite, .. } => Some(invite),
            PadStep::Idle | PadStep::Done { .. } => None,
        }
    }

    /// A served leg of this window ended (a pushed invite, or the one `GET /rating-pad` still
    /// offers after a reconnect): ask the citizen. Another window's invite, one already on screen
    /// or arriving while a rating is on its way changes nothing.
    pub fn invited(&mut self, invite: &RatingInvite, local_now: Millis) {
        if invite.window != self.window || self.sending.is_some() {
            return;
        }
        if self.invite().is_some_and(|i| same_leg(i, invite)) {
            return;
        }
        self.step = PadStep::Ask {
            invite: invite.clone(),
        };
        self.last_touch = local_now;
        self.problem = None;
        self.unanswered = None;
    }

    /// A rating was given somewhere (pushed): if it is the leg on screen (rated on the phone),
    /// there is nothing left to ask.
    pub fn rated(&mut self, notice: &RatingNotice) {
        let on_screen = self
            .invite()
            .is_some_and(|i| i.ticket_id == notice.ticket_id && i.leg == notice.leg);
        if on_screen && self.sending.is_none() {
            self.go_idle();
        }
    }

    /// What the clock alone changes at `local_now`: ask and reasons go idle after the idle time
    /// without a touch (nothing is sent), the thanks after [`THANKS_MS`].
    pub fn tick(&mut self, local_now: Millis) {
        if self.sending.is_some() {
            return;
        }
        match &self.step {
            PadStep::Ask { .. } | PadStep::Reasons { .. }
                if local_now - self.last_touch >= self.idle_ms() =>
            {
                self.go_idle()
            }
            PadStep::Done { since, .. } if local_now - since >= THANKS_MS => self.go_idle(),
            _ => {}
        }
    }

    /// When the clock next changes the screen, if it will: the glue repaints then.
    pub fn next_change(&self, local_now: Millis) -> Option<Millis> {
        if self.sending.is_some() {
            return None;
        }
        let at = match &self.step {
            PadStep::Ask { .. } | PadStep::Reasons { .. } => self.last_touch + self.idle_ms(),
            PadStep::Done { since, .. } => since + THANKS_MS,
            PadStep::Idle => return None,
        };
        Some((at - local_now).max(0))
    }

    /// Applies a touch at `local_now`. `online`: the link is up (nothing is sent otherwise);
    /// `new_id` makes a request id when a new rating is sent.
    pub fn intent(
        &mut self,
        intent: PadIntent,
        local_now: Millis,
        online: bool,
        new_id: impl FnOnce() -> String,
    ) -> Option<PadCommand> {
        if self.sending.is_some() {
            return None;
        }
        self.last_touch = local_now;
        match intent {
            PadIntent::Elder => {
                self.elder = !self.elder;
                None
            }
            // The language lives in the display's model; only the touch counts here.
            PadIntent::Language => None,
            PadIntent::Level(level) => {
                let invite = self.invite()?.clone();
                if level.is_bad() {
                    self.step = PadStep::Reasons {
                        invite,
                        level,
                        reasons: Vec::new(),
                        text: String::new(),
                    };
                    self.problem = None;
                    None
                } else {
                    self.send(&invite, level, Vec::new(), None, online, new_id)
                }
            }
            PadIntent::Reason(reason) => {
                if let PadStep::Reasons { reasons, .. } = &mut self.step {
                    if let Some(i) = reasons.iter().position(|r| *r == reason) {
                        reasons.remove(i);
                    } else {
                        reasons.push(reason);
                        reasons.sort();
                    }
                }
                None
            }
            PadIntent::Text(words) => {
                if let PadStep::Reasons { text, .. } = &mut self.step {
                    *text = words.chars().take(TEXT_MAX_CHARS).collect();
                }
                None
            }
            PadIntent::Back => {
                if let PadStep::Reasons { invite, .. } = &self.step {
                    self.step = PadStep::Ask {
                        invite: invite.clone(),
                    };
                    self.problem = None;
                }
                None
            }
            PadIntent::Submit => {
                let PadStep::Reasons {
                    invite,
                    level,
                    reasons,
                    text,
                } = &self.step
                else {
                    return None;
                };
                if reasons.is_empty() {
                    return None;
                }
                let (invite, level, reasons) = (invite.clone(), *level, reasons.clone());
                let text = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
                self.send(&invite, level, reasons, text, online, new_id)
            }
        }
    }

    /// 提交评价 can be tapped: a reason is chosen and nothing is on its way.
    pub fn can_submit(&self) -> bool {
        self.sending.is_none()
            && matches!(&self.step, PadStep::Reasons { reasons, .. } if !reasons.is_empty())
    }

    fn send(
        &mut self,
        invite: &RatingInvite,
        level: RatingLevel,
        reasons: Vec<RatingReason>,
        text: Option<String>,
        online: bool,
        new_id: impl FnOnce() -> String,
    ) -> Option<PadCommand> {
        // Offline the screen says so and nothing leaves: the choice stays for when it is back.
        if !online {
            return None;
        }
        let mut request = RatingRequest {
            request_id: String::new(),
            ticket_id: invite.ticket_id,
            leg: invite.leg,
            level,
            reasons,
            text,
        };
        // The same choice after a lost answer is the same rating: the same id (R6).
        request.request_id = match &self.unanswered {
            Some(old) if same_rating(old, &request) => old.request_id.clone(),
            _ => new_id(),
        };
        self.sending = Some(request.clone());
        self.problem = None;
        Some(PadCommand::Send(request))
    }

    /// The server's answer to the rating on its way, at `local_now`. `lang` words the problem.
    pub fn answered(
        &mut self,
        answer: Result<Rating, ClientError>,
        local_now: Millis,
        lang: qcall_client::Lang,
    ) {
        let Some(sent) = self.sending.take() else {
            return;
        };
        self.last_touch = local_now;
        match answer {
            Ok(_) => {
                self.unanswered = None;
                self.step = PadStep::Done {
                    note: None,
                    since: local_now,
                };
            }
            Err(e) => {
                let done_with = match e.code() {
                    Some(ErrorCode::AlreadyRated) => Some(Text::PadAlreadyRated),
                    Some(
                        ErrorCode::RatingExpired
                        | ErrorCode::NotServed
                        | ErrorCode::UnknownTicket
                        | ErrorCode::UnknownLeg,
                    ) => Some(client_error_text(&e)),
                    _ => None,
                };
                if let Some(note) = done_with {
                    self.unanswered = None;
                    self.step = PadStep::Done {
                        note: Some(note),
                        since: local_now,
                    };
                    return;
                }
                // Not taken, or the answer lost: the choice stays on screen, and the same tap
                // sends it again with the same id.
                if e.is_transient() || e.code().is_none() {
                    self.unanswered = Some(sent);
                }
                let reason = client_error_text(&e).get(lang);
                self.problem = Some(Text::PadNotSent.fill(lang, &[("reason", &reason)]));
            }
        }
    }

    fn idle_ms(&self) -> Millis {
        Millis::from(self.idle_seconds) * 1000
    }

    fn go_idle(&mut self) {
        self.step = PadStep::Idle;
        self.problem = None;
        self.unanswered = None;
    }
}

fn same_leg(a: &RatingInvite, b: &RatingInvite) -> bool {
    a.ticket_id == b.ticket_id && a.leg == b.leg
}

fn same_rating(a: &RatingRequest, b: &RatingRequest) -> bool {
    (a.ticket_id, a.leg, a.level, &a.reasons, &a.text)
        == (b.ticket_id, b.leg, b.level, &b.reasons, &b.text)
}

#[cfg(test)]
mod tests;

//! Which of the window's keys can apply now, and why not: the rule behind every greyed button
//! and the sentence on hover (issue 17). It reads only what the caller already knows of its
//! window (current ticket and its state, paused, the link, a press on its way); **the server still
//! decides**, and a press it refuses is shown in words as before. A key pressed while greyed for
//! the window's state shows the same sentence instead of asking the server.

use qcall_client::{Text, WindowAction};
use qcall_protocol::TicketState;

use super::Model;

/// One thing the person can press on the main screen: a main key (F1–F9) or a list button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// F1 叫号.
    CallNext,
    /// F2 重呼.
    Recall,
    /// F3 开始办理.
    Start,
    /// F4 办结.
    Finish,
    /// F5 过号.
    NoShow,
    /// F6 转移 (opens the dialog).
    Transfer,
    /// F7 挂起.
    Hold,
    /// F8 暂停 or 恢复.
    PauseOrResume,
    /// F9 办结并叫下一位.
    FinishAndCallNext,
    /// 回呼 of a held ticket.
    Unhold,
    /// 顺延 of a no-show (its time limit is shown on the row itself).
    Requeue,
    /// 特呼 of a typed number.
    SpecialCall,
    /// 退出登录 (签退) from the main screen.
    SignOut,
}

impl Action {
    /// Every action, in the order of the screen.
    pub const ALL: [Action; 13] = [
        Action::CallNext,
        Action::Recall,
        Action::Start,
        Action::Finish,
        Action::NoShow,
        Action::Transfer,
        Action::Hold,
        Action::PauseOrResume,
        Action::FinishAndCallNext,
        Action::Unhold,
        Action::Requeue,
        Action::SpecialCall,
        Action::SignOut,
    ];

    /// The button a window action comes from (sign-in has none on the main screen).
    pub fn of(action: &WindowAction) -> Option<Action> {
        Some(match action {
            WindowAction::SignIn => return None,
            WindowAction::SignOut => Action::SignOut,
            WindowAction::CallNext => Action::CallNext,
            WindowAction::CallNumber { .. } => Action::SpecialCall,
            WindowAction::Recall => Action::Recall,
            WindowAction::Start => Action::Start,
            WindowAction::Finish => Action::Finish,
            WindowAction::FinishAndCallNext => Action::FinishAndCallNext,
            WindowAction::NoShow => Action::NoShow,
            WindowAction::Requeue { .. } => Action::Requeue,
            WindowAction::Transfer { .. } => Action::Transfer,
            WindowAction::Hold => Action::Hold,
            WindowAction::Unhold { .. } => Action::Unhold,
            WindowAction::Pause { .. } | WindowAction::Resume => Action::PauseOrResume,
        })
    }
}

/// Why an action cannot apply now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// The link is down; the text says how. A press does nothing: the screen already says why, and
    /// nothing is sent that could fail.
    Offline(Text),
    /// Another action is on its way; a press is dropped (one action per press, R6).
    InFlight,
    /// The window's state rules it out (no current ticket, paused, …); a press shows this
    /// sentence instead of asking the server.
    State(Text),
}

impl Unavailable {
    /// The sentence on hover.
    pub fn text(self) -> Text {
        match self {
            Unavailable::Offline(text) | Unavailable::State(text) => text,
            Unavailable::InFlight => Text::PleaseWait,
        }
    }
}

impl Model {
    /// Why `action` cannot apply now, or `None` when it can.
    pub fn unavailable(&self, action: Action) -> Option<Unavailable> {
        // Not at a window (yet): nothing on the main screen applies; a sign-in is on its way.
        if self.screen != super::Screen::Main || self.window.is_none() {
            return Some(Unavailable::InFlight);
        }
        // Signing out works offline too: it is sent when the link is back.
        if action != Action::SignOut
            && let Some(reason) = self.offline_reason()
        {
            return Some(Unavailable::Offline(reason));
        }
        if self.pending.is_some() {
            return Some(Unavailable::InFlight);
        }
        self.ruled_out(action).map(Unavailable::State)
    }

    /// Whether `action` can apply now (its button is drawn enabled).
    pub fn may(&self, action: Action) -> bool {
        self.unavailable(action).is_none()
    }

    /// What the window's own state rules out, with the sentence the server would answer.
    fn ruled_out(&self, action: Action) -> Option<Text> {
        let window = self.my_window()?;
        let current = window.current.as_ref().map(|c| c.state);
        let paused = self.is_paused();
        let no_current = current.is_none().then_some(Text::ErrNoCurrentTicket);
        let busy = current.is_some().then_some(Text::ErrWindowBusy);
        let paused = paused.then_some(Text::ErrWindowPaused);
        let serving = current == Some(TicketState::Serving);
        match action {
            Action::CallNext | Action::SpecialCall => paused.or(busy),
            // A paused window gets no calls of any kind (CONTRACT C5).
            Action::Recall => no_current
                .or(paused)
                .or(serving.then_some(Text::RecallOnlyCalled)),
            Action::Unhold => busy.or(paused),
            // In a hall whose calls start service (the leg's start is the call), F3 has nothing
            // left to record.
            Action::Start => no_current
                .or(self.start_on_call().then_some(Text::StartedOnCall))
                .or(serving.then_some(Text::AlreadyServing)),
            Action::NoShow => no_current.or(serving.then_some(Text::NoShowOnlyCalled)),
            Action::Finish | Action::Transfer | Action::Hold => no_current,
            // Finishing is allowed while paused; calling the next is not.
            Action::FinishAndCallNext => no_current.or(paused),
            Action::SignOut => busy,
            Action::PauseOrResume | Action::Requeue => None,
        }
    }
}

//! The caller's rules without a window or a server: sign-in, one request per press, refusals in
//! words, the offline rule, the current ticket's timers and the queue panel's counts.

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
            notify: false,
            check_in: false,
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

/// A current ticket at window 1.
fn current(id: TicketId, state: TicketState) -> CurrentTicket {
    CurrentTicket {
        id,
        number: format!("T{id:03}"),
        class: TicketClass::Normal,
        state,
        service_id: "tax".into(),
        called_at: NOW - 60_000,
        started_at: (state == TicketState::Serving).then_some(NOW - 30_000),
    }
}

/// Window 1 as the WebSocket pushes it: its current ticket, paused or not, its held tickets.
fn window_is(m: &mut Model, current: Option<CurrentTicket>, paused: bool, held: &[&str]) {
    let mut w = window(1, current, paused);
    w.held = held.iter().map(|n| n.to_string()).collect();
    let seq = m.live.seq() + 1;
    m.on_update(&Update::Events {
        seq,
        at: NOW,
        events: vec![Event::Window { window: w }],
        received_at: NOW,
    });
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
    let called = Some(TicketState::Called);
    // Each in a state of the window where it applies.
    for (action, at) in [
        (WindowAction::CallNext, None),
        (WindowAction::Recall, called),
        (WindowAction::Start, called),
        (WindowAction::Finish, called),
        (WindowAction::Finish, Some(TicketState::Serving)),
        (WindowAction::FinishAndCallNext, called),
        (WindowAction::NoShow, called),
        (WindowAction::Hold, called),
        (WindowAction::Unhold { ticket_id: 4 }, None),
        (WindowAction::Requeue { ticket_id: 5 }, None),
    ] {
        window_is(&mut m, at.map(|s| current(3, s)), false, &[]);
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
    window_is(&mut m, Some(current(3, TicketState::Called)), false, &[]);
    round_trip(
        &mut m,
        Intent::Act(WindowAction::Recall),
        Err(refusal(ErrorCode::Unavailable)),
    );
    m.now += 100;
    assert!(m.intent(Intent::Act(WindowAction::Recall)).is_empty());
    // Another key is another press.
    assert!(!m.intent(Intent::Act(WindowAction::NoShow)).is_empty());
    m.pending = None;
    m.now += DEBOUNCE_MS;
    assert!(!m.intent(Intent::Act(WindowAction::Recall)).is_empty());
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
    assert_eq!(m.dialog, None, "nothing to transfer");
    assert_eq!(m.message, Some(Text::ErrNoCurrentTicket));
    window_is(&mut m, Some(current(3, TicketState::Serving)), false, &[]);
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
    assert_eq!(m.message, Some(Text::SessionEnded));
    assert_eq!(m.auto_window, Some(1), "the window to go back to");
}

#[test]
fn a_refused_staff_socket_goes_back_to_sign_in_and_the_login_returns_to_the_window() {
    let mut m = signed_in();
    let commands = m.on_update(&Update::State(ConnectionState::Refused {
        reason: ApiError::new(ErrorCode::Unauthorized, "token expired"),
        since: std::time::Instant::now(),
        retrying: false,
    }));
    assert_eq!(commands, vec![Command::Disconnect], "stop, do not redial");
    assert_eq!(m.screen, Screen::Login);
    assert_eq!(
        m.message.map(|t| t.get(Lang::Zh)),
        Some("登录已失效（已过期或已被注销），请重新登录")
    );
    assert_eq!(m.staff_no, "1001");
    assert!(m.session.is_none(), "the token is gone");
    // Logging in again goes straight back to window 1.
    m.intent(Intent::Password("demo-staff".into()));
    let commands = m.intent(Intent::LogIn);
    assert!(matches!(commands.as_slice(), [Command::Login { .. }]));
    assert_eq!(m.message, None);
    let (action, _) = act(&m.on_reply(Reply::Login(Ok(login()))));
    assert_eq!(action, WindowAction::SignIn);
}

#[test]
fn a_refusal_that_is_retried_keeps_the_session() {
    let mut m = signed_in();
    let commands = m.on_update(&Update::State(ConnectionState::Refused {
        reason: ApiError::new(ErrorCode::Unavailable, "starting"),
        since: std::time::Instant::now(),
        retrying: true,
    }));
    assert!(commands.is_empty());
    assert_eq!(m.screen, Screen::Main);
    assert!(!m.can_act(), "offline meanwhile");
}

#[test]
fn figures_refused_for_the_credential_end_the_session_too() {
    for reply in [
        Reply::Preview(1, Err(refusal(ErrorCode::Unauthorized))),
        Reply::Today(1, Err(refusal(ErrorCode::Unauthorized))),
    ] {
        let mut m = signed_in();
        assert_eq!(m.on_reply(reply), vec![Command::Disconnect]);
        assert_eq!((m.screen, m.auto_window), (Screen::Login, Some(1)));
        assert_eq!(m.message, Some(Text::SessionEnded));
    }
    let mut m = signed_in();
    assert!(
        m.on_reply(Reply::Today(1, Err(ClientError::Timeout)))
            .is_empty()
    );
    assert_eq!(
        m.screen,
        Screen::Main,
        "a lost answer is not an ended login"
    );
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
    assert_eq!(
        commands,
        vec![
            Command::Logout {
                token: "tok".into()
            },
            Command::Disconnect
        ],
        "the session ends on the server too"
    );
    assert_eq!(m.screen, Screen::Login);
    assert!(m.session.is_none() && m.window.is_none());
    assert_eq!(m.notice.as_deref(), Some("1号窗口已签退"));
    assert_eq!(m.auto_window, None, "a sign-out is not coming back");
}

#[test]
fn sign_out_says_that_held_tickets_went_back_to_the_queue() {
    let mut m = signed_in();
    window_is(&mut m, None, false, &["T004", "T006"]);
    // The server put them back (CONTRACT C6): the answer's window holds none.
    round_trip(
        &mut m,
        Intent::LogOut,
        Ok(answer(window(1, None, false), None)),
    );
    assert_eq!(
        m.notice.as_deref(),
        Some("1号窗口已签退\n挂起的 T004、T006 已回到队首，可由其他窗口叫号")
    );
    // A server that kept one says only what happened.
    let mut m = signed_in();
    window_is(&mut m, None, false, &["T004", "T006"]);
    let mut kept = window(1, None, false);
    kept.held = vec!["T006".into()];
    round_trip(&mut m, Intent::LogOut, Ok(answer(kept, None)));
    assert_eq!(
        m.notice.as_deref(),
        Some("1号窗口已签退\n挂起的 T004 已回到队首，可由其他窗口叫号")
    );
}

#[test]
fn sign_out_waits_for_the_current_ticket() {
    let mut m = signed_in();
    window_is(&mut m, Some(current(3, TicketState::Called)), false, &[]);
    assert_eq!(
        m.unavailable(Action::SignOut),
        Some(Unavailable::State(Text::ErrWindowBusy))
    );
    assert!(m.intent(Intent::LogOut).is_empty());
    assert_eq!(m.screen, Screen::Main);
    assert_eq!(m.message, Some(Text::ErrWindowBusy));
}

fn offline(m: &mut Model) {
    m.on_update(&Update::State(ConnectionState::Reconnecting {
        since: std::time::Instant::now(),
        last_error: qcall_client::LinkError::Closed,
    }));
}

#[test]
fn signing_out_offline_is_sent_when_the_server_is_back_and_a_new_login_waits_for_it() {
    let mut m = signed_in();
    window_is(&mut m, None, false, &["T004"]);
    offline(&mut m);
    let commands = m.intent(Intent::LogOut);
    let [
        Command::Disconnect,
        Command::SignOutLater {
            window: n, token, ..
        },
    ] = commands.as_slice()
    else {
        panic!("{commands:?}")
    };
    assert_eq!((*n, token.as_str()), (1, "tok"));
    assert_eq!(m.screen, Screen::Login);
    assert_eq!(
        m.notice.as_deref(),
        Some("网络断开：1号窗口将在网络恢复后自动签退，请勿关闭本程序")
    );
    // Someone logs in meanwhile: the login waits, so the sign-out cannot close their window.
    m.intent(Intent::Password("demo-staff".into()));
    assert!(m.intent(Intent::LogIn).is_empty());
    assert!(m.logging_in);
    let commands = m.on_reply(Reply::SignOutLater(
        1,
        Ok(answer(window(1, None, false), None)),
    ));
    assert_eq!(
        commands,
        vec![Command::Login {
            staff_no: "1001".into(),
            password: "demo-staff".into()
        }]
    );
    assert_eq!(
        m.notice.as_deref(),
        Some("1号窗口已签退\n挂起的 T004 已回到队首，可由其他窗口叫号")
    );
    assert!(m.deferred_sign_out.is_none());
}

#[test]
fn a_queued_sign_out_that_is_refused_says_the_window_is_still_open() {
    let mut m = signed_in();
    offline(&mut m);
    m.intent(Intent::LogOut);
    assert!(
        m.on_reply(Reply::SignOutLater(
            1,
            Err(refusal(ErrorCode::Unauthorized))
        ))
        .is_empty()
    );
    assert_eq!(m.message, Some(Text::SessionEnded));
    assert_eq!(
        m.notice.as_deref(),
        Some("1号窗口未能签退，仍为签到状态，请登录后重新签退")
    );
    // Nothing waits any more: the next login goes out at once.
    m.intent(Intent::Password("demo-staff".into()));
    assert!(matches!(
        m.intent(Intent::LogIn).as_slice(),
        [Command::Login { .. }]
    ));
}

/// Why each action is greyed in each state of the window, in the server's words.
#[test]
fn keys_are_greyed_by_the_windows_state_with_the_reason() {
    use TicketState::{Called, Serving};
    let none = None;
    let busy = Some(Text::ErrWindowBusy);
    let no_ticket = Some(Text::ErrNoCurrentTicket);
    let paused = Some(Text::ErrWindowPaused);
    let actions = Action::ALL;
    // (current, paused) → one expected reason per action, in the order of `Action::ALL`:
    // CallNext, Recall, Start, Finish, NoShow, Transfer, Hold, PauseOrResume, FinishAndCallNext,
    // Unhold, Requeue, SpecialCall, SignOut.
    type Row = ((Option<TicketState>, bool), [Option<Text>; 13]);
    let table: [Row; 6] = [
        (
            (None, false),
            [
                none, no_ticket, no_ticket, no_ticket, no_ticket, no_ticket, no_ticket, none,
                no_ticket, none, none, none, none,
            ],
        ),
        (
            (Some(Called), false),
            [
                busy, none, none, none, none, none, none, none, none, busy, none, busy, busy,
            ],
        ),
        (
            (Some(Serving), false),
            [
                busy,
                Some(Text::RecallOnlyCalled),
                Some(Text::AlreadyServing),
                none,
                Some(Text::NoShowOnlyCalled),
                none,
                none,
                none,
                none,
                busy,
                none,
                busy,
                busy,
            ],
        ),
        (
            (None, true),
            [
                paused, no_ticket, no_ticket, no_ticket, no_ticket, no_ticket, no_ticket, none,
                no_ticket, paused, none, paused, none,
            ],
        ),
        (
            (Some(Called), true),
            [
                paused, paused, none, none, none, none, none, none, paused, busy, none, paused,
                busy,
            ],
        ),
        (
            (Some(Serving), true),
            [
                paused,
                paused,
                Some(Text::AlreadyServing),
                none,
                Some(Text::NoShowOnlyCalled),
                none,
                none,
                none,
                paused,
                busy,
                none,
                paused,
                busy,
            ],
        ),
    ];
    for ((state, is_paused), expected) in table {
        let mut m = signed_in();
        window_is(&mut m, state.map(|s| current(3, s)), is_paused, &[]);
        for (action, want) in actions.into_iter().zip(expected) {
            assert_eq!(
                m.unavailable(action),
                want.map(Unavailable::State),
                "{action:?} at {state:?}, paused {is_paused}"
            );
            assert_eq!(m.may(action), want.is_none());
        }
    }
}

#[test]
fn a_greyed_key_pressed_anyway_says_why_and_sends_nothing() {
    let mut m = signed_in();
    for (intent, why) in [
        (Intent::Act(WindowAction::Recall), Text::ErrNoCurrentTicket),
        (
            Intent::Act(WindowAction::FinishAndCallNext),
            Text::ErrNoCurrentTicket,
        ),
        (Intent::OpenTransfer, Text::ErrNoCurrentTicket),
    ] {
        assert!(m.intent(intent).is_empty());
        assert_eq!(m.message, Some(why));
        assert!(m.pending.is_none());
    }
    window_is(
        &mut m,
        Some(current(3, TicketState::Serving)),
        true,
        &["T004"],
    );
    for (intent, why) in [
        (Intent::Act(WindowAction::CallNext), Text::ErrWindowPaused),
        (Intent::Act(WindowAction::Recall), Text::ErrWindowPaused),
        (Intent::Act(WindowAction::NoShow), Text::NoShowOnlyCalled),
        (
            Intent::Act(WindowAction::Unhold { ticket_id: 4 }),
            Text::ErrWindowBusy,
        ),
    ] {
        assert!(m.intent(intent).is_empty());
        assert_eq!(m.message, Some(why));
    }
    // What does apply still goes out.
    let (action, _) = act(&m.intent(Intent::Act(WindowAction::Finish)));
    assert_eq!(action, WindowAction::Finish);
}

#[test]
fn offline_or_in_flight_greys_every_key_without_a_message_but_sign_out_stays() {
    let mut m = signed_in();
    window_is(&mut m, Some(current(3, TicketState::Called)), false, &[]);
    act(&m.intent(Intent::Act(WindowAction::Recall)));
    assert_eq!(m.unavailable(Action::Start), Some(Unavailable::InFlight));
    assert_eq!(m.unavailable(Action::SignOut), Some(Unavailable::InFlight));
    assert!(m.intent(Intent::Act(WindowAction::Start)).is_empty());
    assert_eq!(m.message, None, "the press in flight is answer enough");
    m.pending = None;
    window_is(&mut m, None, false, &[]);
    offline(&mut m);
    assert_eq!(
        m.unavailable(Action::CallNext),
        Some(Unavailable::Offline(Text::Reconnecting))
    );
    assert_eq!(m.unavailable(Action::SignOut), None, "queued when offline");
    assert!(m.intent(Intent::Act(WindowAction::CallNext)).is_empty());
    assert_eq!(m.message, None);
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

#[test]
fn f9_finishes_and_calls_the_next_and_says_when_nobody_waits() {
    let mut m = signed_in();
    window_is(&mut m, Some(current(3, TicketState::Serving)), false, &[]);
    let next = current(4, TicketState::Called);
    let mut called = answer(
        window(1, Some(next), false),
        Some(ticket(4, "tax", TicketState::Called)),
    );
    called.finished = Some(ticket(3, "tax", TicketState::Done));
    let (action, commands) = round_trip(
        &mut m,
        Intent::Act(WindowAction::FinishAndCallNext),
        Ok(called),
    );
    assert_eq!(action, WindowAction::FinishAndCallNext);
    assert!(commands.contains(&Command::Today { window: 1 }));
    assert_eq!(m.current().map(|c| c.number), Some("T004".into()));
    assert_eq!(m.notice, None);
    // The last one: finished, and nobody to call.
    let mut done = answer(window(1, None, false), None);
    done.finished = Some(ticket(4, "tax", TicketState::Done));
    round_trip(
        &mut m,
        Intent::Act(WindowAction::FinishAndCallNext),
        Ok(done),
    );
    assert_eq!(m.current(), None);
    assert_eq!(m.notice.as_deref(), Some("T004 已办结，当前无人等候"));
    assert_eq!(m.message, None, "not a refusal");
}

#[test]
fn in_a_hall_that_starts_on_call_start_is_greyed_for_that_reason() {
    let mut m = signed_in();
    // The call started service: the ticket is 已叫号 with its handling time running.
    let mut called = current(3, TicketState::Called);
    called.started_at = Some(called.called_at);
    let mut s = snapshot(9, vec![window(1, Some(called), false)], vec![]);
    s.hall.start_on_call = true;
    m.on_update(&Update::Snapshot {
        snapshot: Box::new(s),
        received_at: NOW,
    });
    assert!(m.start_on_call());
    assert_eq!(
        m.unavailable(Action::Start),
        Some(Unavailable::State(Text::StartedOnCall))
    );
    assert_eq!(m.unavailable(Action::FinishAndCallNext), None);
    assert_eq!(
        m.unavailable(Action::Recall),
        None,
        "the citizen may not have come yet"
    );
    assert!(m.current().is_some_and(|c| c.handling_ms.is_some()));
}

#[test]
fn ratings_here_refresh_the_figures_and_a_bad_one_of_my_own_service_is_a_dismissable_notice() {
    let mut m = signed_in();
    let rated =
        |seq: u64, window: WindowNo, staff: &str, level: RatingLevel, appeal| Update::Events {
            seq,
            at: NOW,
            events: vec![Event::Rated {
                rating: RatingNotice {
                    id: seq,
                    ticket_id: seq as i64,
                    number: format!("A{seq:03}"),
                    leg: 0,
                    business_day: "2026-11-23".into(),
                    window,
                    staff_no: Some(staff.into()),
                    service_id: "tax".into(),
                    level,
                    source: RatingSource::Pad,
                    at: NOW,
                    appeal,
                    case_id: None,
                },
            }],
            received_at: NOW,
        };
    // Another window's rating: nothing here.
    assert!(
        m.on_update(&rated(
            10,
            2,
            "1002",
            RatingLevel::VeryDissatisfied,
            AppealState::None
        ))
        .is_empty()
    );
    assert_eq!(m.bad_rating, None);
    // A good rating here: the figures are fetched again, no notice.
    assert_eq!(
        m.on_update(&rated(
            11,
            1,
            "1001",
            RatingLevel::Satisfied,
            AppealState::None
        )),
        vec![Command::Today { window: 1 }]
    );
    assert_eq!(m.bad_rating, None);
    // A 差评 of a colleague who sat here earlier: figures only.
    m.on_update(&rated(
        12,
        1,
        "1003",
        RatingLevel::Dissatisfied,
        AppealState::None,
    ));
    assert_eq!(m.bad_rating, None);
    // My own 差评: the notice, until dismissed.
    assert_eq!(
        m.on_update(&rated(
            13,
            1,
            "1001",
            RatingLevel::Dissatisfied,
            AppealState::None
        )),
        vec![Command::Today { window: 1 }]
    );
    assert_eq!(
        m.bad_rating.as_ref().map(|r| r.number.as_str()),
        Some("A013")
    );
    // Its appeal being decided later is a figure change, not a new notice.
    m.intent(Intent::DismissBadRating);
    assert_eq!(m.bad_rating, None);
    assert_eq!(
        m.on_update(&rated(
            14,
            1,
            "1001",
            RatingLevel::Dissatisfied,
            AppealState::Upheld
        )),
        vec![Command::Today { window: 1 }]
    );
    assert_eq!(m.bad_rating, None);
}

#[test]
fn the_case_number_goes_with_a_finish_only_is_kept_on_a_retry_and_cleared_after() {
    let mut m = signed_in();
    window_is(&mut m, Some(current(7, TicketState::Called)), false, &[]);
    m.intent(Intent::CaseNo("x".repeat(100)));
    assert_eq!(
        m.case_no.chars().count(),
        CASE_NO_MAX_CHARS,
        "capped as typed"
    );
    m.intent(Intent::CaseNo(" BJ-1 ".into()));
    // Not with another action.
    let commands = m.intent(Intent::Act(WindowAction::Recall));
    assert!(matches!(
        &commands[..],
        [Command::Act { case_no: None, .. }]
    ));
    m.on_reply(Reply::Act {
        id: act(&commands).1,
        window: 1,
        action: WindowAction::Recall,
        result: Err(refusal(ErrorCode::WrongState)),
    });
    // With the finish, and again on its retry after a lost answer.
    let commands = m.intent(Intent::Act(WindowAction::Finish));
    let [Command::Act { id, case_no, .. }] = &commands[..] else {
        panic!("{commands:?}");
    };
    assert_eq!(case_no.as_deref(), Some("BJ-1"));
    let id = id.clone();
    m.on_reply(Reply::Act {
        id: id.clone(),
        window: 1,
        action: WindowAction::Finish,
        result: Err(ClientError::Timeout),
    });
    let retry = m.intent(Intent::Retry);
    assert!(
        matches!(&retry[..], [Command::Act { id: again, case_no: Some(no), .. }] if *again == id && no == "BJ-1"),
        "{retry:?}"
    );
    assert_eq!(m.case_no, " BJ-1 ", "kept until the finish is done");
    m.on_reply(Reply::Act {
        id,
        window: 1,
        action: WindowAction::Finish,
        result: Ok(answer(window(1, None, false), None)),
    });
    assert_eq!(m.case_no, "");
}

fn slots() -> SlotsResponse {
    SlotsResponse {
        services: vec![BookableService {
            service_id: "social".into(),
            name_zh: "社保医保".into(),
            name_en: "Social insurance".into(),
            days: vec![BookingDay {
                date: "2026-11-24".into(),
                appointments_only: false,
                slots: vec![SlotInfo {
                    slot: "09:00-09:30".into(),
                    quota: 2,
                    free: 2,
                }],
            }],
        }],
    }
}

fn booking(code: &str) -> BookingResponse {
    BookingResponse {
        booking: Booking {
            code: code.into(),
            service_id: "social".into(),
            date: "2026-11-24".into(),
            slot: "09:00-09:30".into(),
            starts_at: 0,
            check_in_from: 0,
            check_in_until: 0,
            cancel_until: 0,
            name_masked: "王*".into(),
            phone_masked: "137****7000".into(),
            state: BookingState::Booked,
            ticket_number: None,
            slot_removed: false,
        },
    }
}

fn draft(m: &Model) -> BookDraft {
    match &m.dialog {
        Some(Dialog::Book(d)) => (**d).clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_booking_for_a_caller_on_the_phone_needs_a_slot_a_name_and_a_phone_and_is_one_request() {
    let mut m = signed_in();
    assert_eq!(m.intent(Intent::OpenBook), vec![Command::Slots]);
    m.on_reply(Reply::Slots(Ok(slots())));
    let mut d = draft(&m);
    assert_eq!(
        d.service.as_deref(),
        Some("social"),
        "the first service chosen"
    );
    // Nothing chosen yet: said, nothing sent.
    assert!(m.intent(Intent::ConfirmBook).is_empty());
    assert_eq!(draft(&m).error, Some(Text::BookFieldsMissing));
    d.slot = Some(("2026-11-24".into(), "09:00-09:30".into()));
    d.name = " 王五 ".into();
    d.phone = "13700137000".into();
    m.intent(Intent::EditBook(Box::new(d)));
    let commands = m.intent(Intent::ConfirmBook);
    let [Command::Book(request)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(
        (
            request.date.as_str(),
            request.slot.as_str(),
            request.name.as_str()
        ),
        ("2026-11-24", "09:00-09:30", "王五")
    );
    assert!(m.intent(Intent::ConfirmBook).is_empty(), "in flight: once");
    // A lost answer: the next confirm sends the same request again (R6).
    let id = request.request_id.clone().expect("request id");
    m.on_reply(Reply::Booked(
        id.clone(),
        Err(ClientError::Network("reset".into())),
    ));
    let again = m.intent(Intent::ConfirmBook);
    assert_eq!(again, vec![Command::Book(request.clone())]);
    let after = m.on_reply(Reply::Booked(id, Ok(booking("ACE347"))));
    assert_eq!(
        after,
        vec![Command::Slots],
        "the free counts are asked for again"
    );
    let d = draft(&m);
    assert_eq!(d.booked.map(|b| b.code).as_deref(), Some("ACE347"));
    assert!(
        d.name.is_empty() && d.phone.is_empty(),
        "ready for the next caller"
    );
}

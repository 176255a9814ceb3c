//! R20 against the real server: a client that loses the server finds it again on its own and ends up
//! with exactly the server's state, including changes it never received as events.

use std::time::Duration;

use qcall_client::connection::{ConnectionConfig, ConnectionState, LinkError};
use qcall_client::{NetThread, RequestId, RestClient, WindowAction};
use qcall_protocol::*;
use qcall_server::clock::ManualClock;

use crate::util::*;

const WAIT: Duration = Duration::from_secs(15);

/// Waits until the watcher's state equals a fresh snapshot taken with the same hello, then asserts
/// it field by field (so a failure names the field).
async fn assert_matches_server(w: &mut Watcher, ws_url: &str, hello: &Hello) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        w.pump();
        let server = view(&fresh_snapshot(ws_url, hello).await);
        let mine = view(w.live.snapshot().expect("a snapshot"));
        if mine == server {
            return;
        }
        if std::time::Instant::now() > deadline {
            assert_eq!(mine.identity, server.identity, "identity");
            assert_eq!(mine.hall, server.hall, "hall");
            assert_eq!(mine.windows, server.windows, "windows");
            assert_eq!(mine.availability, server.availability, "availability");
            assert_eq!(mine.recent_calls, server.recent_calls, "recent calls");
            assert_eq!(mine.open_tickets, server.open_tickets, "open tickets");
            assert_eq!(mine, server, "the rest");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn current(live: &qcall_client::LiveState, window: WindowNo) -> Option<String> {
    live.window(window)?
        .current
        .as_ref()
        .map(|c| c.number.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_resyncs_to_the_exact_server_state_after_a_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let clock = ManualClock::new(START);
    let port = free_port();
    let server = Server::start(port, dir.path(), clock.clone()).await;
    let addr = addr(port);
    let ws_url = addr.ws_url().to_string();

    let rest = RestClient::new(&addr).expect("rest");
    let kiosk = rest.with_bearer(KIOSK);
    let login = rest.login("1001", PASSWORD).await.expect("login 1001");
    let s1 = rest.with_bearer(login.token.clone());
    let board_hello = Hello::Device { key: BOARD.into() };
    let staff_hello = Hello::Staff {
        token: login.token.clone(),
    };

    // Two apps: the hall board and staff 1001's caller, with production timings.
    let net = NetThread::start().expect("net");
    let mut board = Watcher::start(&net, ConnectionConfig::new(&ws_url, board_hello.clone()));
    let mut caller = Watcher::start(&net, ConnectionConfig::new(&ws_url, staff_hello.clone()));
    board
        .until("the board's first snapshot", WAIT, |l| l.is_live())
        .await;
    caller
        .until("the caller's first snapshot", WAIT, |l| l.is_live())
        .await;
    assert!(
        board.live.display().is_some(),
        "a display gets its settings"
    );
    assert_eq!(board.live.windows().len(), 8, "the demo hall");

    // The morning: window 1 opens, two tickets, the first is called.
    let act = |c: &RestClient, w, a| {
        let c = c.clone();
        async move { c.window_action(w, &a, &RequestId::new()).await }
    };
    act(&s1, 1, WindowAction::SignIn).await.expect("sign in");
    let t1 = kiosk.issue(&issue("tax")).await.expect("T001").ticket;
    let t2 = kiosk.issue(&issue("tax")).await.expect("T002").ticket;
    act(&s1, 1, WindowAction::CallNext)
        .await
        .expect("call T001");
    board
        .until("T001 on the board", WAIT, |l| {
            current(l, 1) == Some(t1.number.clone())
        })
        .await;
    caller
        .until("T001 at my window", WAIT, |l| {
            l.my_window().and_then(|w| w.current.as_ref()).map(|c| c.id) == Some(t1.id)
        })
        .await;
    assert_eq!(board.live.recent_calls()[0].number, t1.number);
    assert_matches_server(&mut board, &ws_url, &board_hello).await;
    assert_matches_server(&mut caller, &ws_url, &staff_hello).await;

    // The server goes away: both apps say so, calmly, and keep trying.
    server.stop().await;
    for w in [&mut board, &mut caller] {
        w.until("reconnecting", WAIT, |l| {
            matches!(l.connection(), ConnectionState::Reconnecting { .. })
        })
        .await;
        assert!(!w.live.is_live());
        assert_eq!(
            current(&w.live, 1),
            Some(t1.number.clone()),
            "the last state stays shown"
        );
    }
    if let ConnectionState::Reconnecting { last_error, .. } = board.live.connection() {
        assert!(
            matches!(
                last_error,
                LinkError::Closed | LinkError::Io(_) | LinkError::Connect(_)
            ),
            "{last_error:?}"
        );
    }

    // Meanwhile the hall moves on where these clients cannot see it: the same database served on
    // another port. T001 is finished, T002 called, window 2 opens, one more ticket is taken.
    let away_port = free_port();
    let away = Server::start(away_port, dir.path(), clock.clone()).await;
    let away_rest = RestClient::new(&addr_of(away_port)).expect("rest");
    let s1_away = away_rest.with_bearer(login.token.clone());
    act(&s1_away, 1, WindowAction::Start)
        .await
        .expect("start T001");
    act(&s1_away, 1, WindowAction::Finish)
        .await
        .expect("finish T001");
    act(&s1_away, 1, WindowAction::CallNext)
        .await
        .expect("call T002");
    let login2 = away_rest.login("1002", PASSWORD).await.expect("login 1002");
    let s2_away = away_rest.with_bearer(login2.token.clone());
    act(&s2_away, 2, WindowAction::SignIn)
        .await
        .expect("window 2 opens");
    let t3 = away_rest
        .with_bearer(KIOSK)
        .issue(&issue("company"))
        .await
        .expect("A001")
        .ticket;
    away.stop().await;
    assert_eq!(
        current(&board.live, 1),
        Some(t1.number.clone()),
        "nothing of that reached the board"
    );

    // The server is back on its address: the apps reconnect by themselves and take a full
    // snapshot, so they show what happened while they were away.
    let server = Server::start(port, dir.path(), clock.clone()).await;
    for w in [&mut board, &mut caller] {
        w.until("resynced after the restart", WAIT, |l| {
            l.is_live() && current(l, 1) == Some(t2.number.clone())
        })
        .await;
        assert_eq!(
            w.live.window(2).map(|w| w.status),
            Some(WindowStatus::Open),
            "window 2 opened while away"
        );
    }
    assert!(
        caller.live.open_ticket(t1.id).is_none(),
        "the finished ticket left the caller's open tickets"
    );
    assert!(
        caller.live.open_ticket(t3.id).is_some(),
        "the ticket taken while away is there"
    );

    // And the hall goes on live: a recall at 1, a call at 2, a new ticket.
    let s2 = rest.with_bearer(login2.token.clone());
    act(&s1, 1, WindowAction::Recall)
        .await
        .expect("recall T002");
    act(&s2, 2, WindowAction::CallNext)
        .await
        .expect("window 2 calls A001");
    kiosk.issue(&issue("social")).await.expect("S001");
    board
        .until("window 2's call", WAIT, |l| {
            current(l, 2) == Some(t3.number.clone())
        })
        .await;
    assert_matches_server(&mut board, &ws_url, &board_hello).await;
    assert_matches_server(&mut caller, &ws_url, &staff_hello).await;
    assert_eq!(
        board.live.windows(),
        kiosk.windows().await.expect("windows").as_slice(),
        "REST agrees too"
    );
    assert_eq!(caller.live.my_window().map(|w| w.number), Some(1));

    // Every call was news exactly once, in call order, including the one made while away.
    let ids: Vec<u64> = board.new_calls.iter().map(|c| c.call_id).collect();
    assert!(
        ids.windows(2).all(|p| p[0] < p[1]),
        "once each, in order: {ids:?}"
    );
    let numbers: Vec<(&str, bool)> = board
        .new_calls
        .iter()
        .map(|c| (c.number.as_str(), c.recall))
        .collect();
    assert_eq!(
        numbers,
        vec![
            (t1.number.as_str(), false),
            (t2.number.as_str(), false),
            (t2.number.as_str(), true),
            (t3.number.as_str(), false)
        ]
    );
    // Two (re)connects, two snapshots, and a wake for every update.
    let connects = board
        .updates
        .iter()
        .filter(|u| {
            matches!(
                u,
                qcall_client::Update::State(ConnectionState::Connected { .. })
            )
        })
        .count();
    assert_eq!(connects, 2);
    assert!(board.wakes() as usize >= board.updates.len());

    drop(board);
    drop(caller);
    server.stop().await;
}

fn addr_of(port: u16) -> qcall_client::ServerAddr {
    addr(port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_key_is_refused_with_the_servers_reason_and_retried() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let server = Server::start(port, dir.path(), ManualClock::new(START)).await;
    let net = NetThread::start().expect("net");
    let mut config = ConnectionConfig::new(
        addr(port).ws_url(),
        Hello::Device {
            key: "not-a-real-device-key".into(),
        },
    );
    config.refused_retry = Duration::from_millis(200);
    let mut w = Watcher::start(&net, config);
    w.until("refused", WAIT, |l| {
        matches!(l.connection(), ConnectionState::Refused { .. })
    })
    .await;
    let ConnectionState::Refused { reason, .. } = w.live.connection().clone() else {
        unreachable!()
    };
    assert_eq!(reason.code, ErrorCode::Unauthorized);
    assert!(
        !reason.message.is_empty(),
        "the server's own words, for the log"
    );
    assert!(!w.live.has_snapshot());
    // Retried every 200 ms (counted: three more hellos), it stays refused without flapping
    // through "reconnecting".
    let first_refusal = w.live.connection().since();
    let deadline = std::time::Instant::now() + WAIT;
    while w.conn.attempts() < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "no retry: {} attempts",
            w.conn.attempts()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        first_refusal.elapsed() >= 3 * Duration::from_millis(200),
        "slowly, not hammering"
    );
    w.pump();
    assert!(matches!(
        w.live.connection(),
        ConnectionState::Refused { retrying: true, .. }
    ));
    assert!(
        !w.conn.is_stopped(),
        "a device key may be fixed by an admin"
    );
    let states = w
        .updates
        .iter()
        .filter(|u| matches!(u, qcall_client::Update::State(_)))
        .count();
    assert_eq!(
        states, 1,
        "one state change, not one per retry: {:?}",
        w.updates
    );
    drop(w);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_business_day_is_a_full_resync_on_the_same_link() {
    let dir = tempfile::tempdir().expect("tmp");
    let clock = ManualClock::new(START);
    let port = free_port();
    let server = Server::start(port, dir.path(), clock.clone()).await;
    let addr = addr(port);
    let rest = RestClient::new(&addr).expect("rest");
    let login = rest.login("1001", PASSWORD).await.expect("login");
    let s1 = rest.with_bearer(login.token);
    let net = NetThread::start().expect("net");
    let hello = Hello::Device { key: BOARD.into() };
    let mut board = Watcher::start(&net, ConnectionConfig::new(addr.ws_url(), hello.clone()));
    board.until("connected", WAIT, |l| l.is_live()).await;
    s1.window_action(1, &WindowAction::SignIn, &RequestId::new())
        .await
        .expect("sign in");
    rest.with_bearer(KIOSK)
        .issue(&issue("tax"))
        .await
        .expect("T001");
    board
        .until("T001 waiting", WAIT, |l| {
            l.availability_of("tax").map(|a| a.waiting) == Some(1)
        })
        .await;

    // A day later (past the 04:00 boundary): open tickets expire, numbering restarts, windows close.
    clock.advance_ms(24 * 3600 * 1000);
    board
        .until("the new day", WAIT, |l| {
            l.is_live() && l.hall().map(|h| h.business_day.as_str()) == Some("2026-11-24")
        })
        .await;
    assert_eq!(
        board.live.availability_of("tax").map(|a| a.waiting),
        Some(0)
    );
    assert_eq!(
        board.live.window(1).map(|w| w.status),
        Some(WindowStatus::Closed)
    );
    let count =
        |f: fn(&qcall_client::Update) -> bool| board.updates.iter().filter(|u| f(u)).count();
    assert_eq!(
        count(|u| matches!(u, qcall_client::Update::Snapshot { .. })),
        2
    );
    assert_eq!(
        count(|u| matches!(u, qcall_client::Update::State(_))),
        1,
        "the link stayed up: no reconnect"
    );
    assert_matches_server(&mut board, addr.ws_url(), &hello).await;
    drop(board);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_staff_token_is_refused_for_good_over_rest_and_the_socket() {
    let dir = tempfile::tempdir().expect("tmp");
    let clock = ManualClock::new(START);
    let port = free_port();
    let server = Server::start(port, dir.path(), clock.clone()).await;
    let addr = addr(port);
    let rest = RestClient::new(&addr).expect("rest");
    let login = rest.login("1001", PASSWORD).await.expect("login");
    let staff = rest.with_bearer(login.token.clone());
    staff
        .window_action(1, &WindowAction::SignIn, &RequestId::new())
        .await
        .expect("sign in");
    let net = NetThread::start().expect("net");
    let hello = Hello::Staff {
        token: login.token.clone(),
    };
    let mut caller = Watcher::start(&net, ConnectionConfig::new(addr.ws_url(), hello));
    caller.until("connected", WAIT, |l| l.is_live()).await;

    // The login's hours pass: the open socket is refused (C7), and so is REST.
    clock.set(login.expires_at + 60_000);
    caller
        .until("told to sign in again", WAIT, |l| {
            l.connection().needs_sign_in()
        })
        .await;
    stopped(&caller).await;
    assert_eq!(
        caller.conn.attempts(),
        1,
        "refused on its open socket, never redialled"
    );
    let refused = staff.preview(1, None).await.expect_err("an expired token");
    assert!(refused.credential_refused(), "{refused:?}");
    // A new connection with the old token (an app restarted with it) is refused at its hello,
    // once.
    let mut late = Watcher::start(
        &net,
        ConnectionConfig::new(
            addr.ws_url(),
            Hello::Staff {
                token: login.token.clone(),
            },
        ),
    );
    late.until("refused at the hello", WAIT, |l| {
        l.connection().needs_sign_in()
    })
    .await;
    stopped(&late).await;
    assert_eq!(late.conn.attempts(), 1);
    assert!(!late.live.has_snapshot());
    drop(late);
    let attempts = caller.conn.attempts();
    // The last state the caller had stays on screen; the window stays signed in on the server.
    assert_eq!(caller.live.my_window().map(|w| w.number), Some(1));
    let relogin = rest.login("1001", PASSWORD).await.expect("log in again");
    let windows = rest
        .with_bearer(relogin.token)
        .windows()
        .await
        .expect("windows");
    assert_eq!(
        windows.iter().find(|w| w.number == 1).map(|w| w.status),
        Some(WindowStatus::Open)
    );
    assert_eq!(
        caller.conn.attempts(),
        attempts,
        "the stopped task dials no more"
    );
    drop(caller);
    server.stop().await;
}

/// Waits until the connection's task has ended for good (it will dial no more).
async fn stopped(w: &Watcher) {
    eventually("the connection to stop", WAIT, || {
        w.conn.is_stopped().then_some(())
    })
    .await;
}

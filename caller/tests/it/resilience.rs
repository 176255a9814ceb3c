//! The server goes away and comes back (restart on the same database and port): while it is away
//! every action is greyed out with the reason on screen and a key press sends nothing; once it is
//! back the screen shows exactly what the server has, including what changed meanwhile (R20).

use std::time::Duration;

use egui::Key;
use egui_kittest::kittest::Queryable;
use qcall_client::WindowAction;
use qcall_protocol::TicketState;

use crate::util::*;

#[test]
fn a_server_restart_disables_actions_then_resyncs_to_the_exact_state() {
    let mut hall = Hall::start();
    let first = hall.issue("company").ticket;
    let second = hall.issue("company").ticket;
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    press(&mut h, Key::F1);
    wait(&mut h, "the call", |app| {
        current(app) == Some(first.number.clone())
    });
    press(&mut h, Key::F3);
    wait(&mut h, "serving", |app| {
        app.model.current().map(|c| c.state) == Some(TicketState::Serving)
    });
    assert!(!disabled(&h, "F4 办结"));

    hall.stop();
    wait(&mut h, "the link lost", |app| !app.model.live.is_live());
    assert!(
        h.query_by_label("网络已断开 正在重新连接 · 网络断开，暂时不能操作")
            .is_some(),
        "the reason is on screen"
    );
    for label in ["F1 叫号", "F4 办结", "F8 暂停"] {
        assert!(disabled(&h, label), "{label} is greyed out while offline");
    }
    // The ticket stays on screen, and a key press sends nothing (so nothing fails either).
    assert!(h.query_by_label(&first.number).is_some());
    press(&mut h, Key::F4);
    assert!(h.state().model.pending.is_none() && h.state().model.message.is_none());

    hall.restart();
    // While this caller is still away: a kiosk issues a ticket, and window 2 calls the next
    // company ticket.
    let third = hall.issue("tax").ticket;
    let other = hall.staff_at("1002", 2);
    let called = hall.act(&other, 2, WindowAction::CallNext);
    assert_eq!(called.ticket.map(|t| t.number), Some(second.number.clone()));

    wait_for(
        &mut h,
        Duration::from_secs(20),
        "back and resynced",
        |app| {
            app.model.live.is_live()
                && app.model.preview.as_ref().is_some_and(|p| {
                    p.next.iter().map(|t| &t.number).collect::<Vec<_>>() == vec![&third.number]
                })
        },
    );
    assert!(h.query_by_label_contains("网络断开").is_none());
    assert!(!disabled(&h, "F4 办结"));
    let c = h.state().model.current().expect("still serving");
    assert_eq!(
        (c.number.as_str(), c.state),
        (first.number.as_str(), TicketState::Serving)
    );
    assert!(
        h.query_by_label(&third.number).is_some(),
        "issued meanwhile"
    );
    assert!(
        h.query_by_label(&second.number).is_none(),
        "called at window 2 meanwhile: gone from this queue"
    );
    // And work goes on where it stopped.
    press(&mut h, Key::F4);
    wait(&mut h, "finished and counted", |app| {
        current(app).is_none() && app.model.today.as_ref().is_some_and(|t| t.served == 1)
    });
    assert!(h.state().model.message.is_none());
    let token = token(h.state());
    assert_eq!(hall.ticket(&token, first.id).state, TicketState::Done);
}

//! The edge cases of a real day (issue 19): each was met from outside and disagreed with SPEC.

use super::*;

fn requeue(t: &mut T, w: WindowNo, id: TicketId) -> Result<ActionResponse, ApiError> {
    t.window(
        w,
        Command::Requeue {
            window: w,
            ticket_id: id,
        },
    )
}

fn transfer(t: &mut T, w: WindowNo, to: TransferTarget) -> Result<ActionResponse, ApiError> {
    t.window(
        w,
        Command::Transfer {
            window: w,
            to,
            note: None,
        },
    )
}

fn order(t: &T, w: WindowNo) -> Vec<String> {
    t.hall
        .preview(w, 20)
        .expect("preview")
        .next
        .iter()
        .map(|x| x.number.clone())
        .collect()
}

#[test]
fn a_no_show_past_the_limit_expires_and_the_citizen_may_take_a_new_ticket() {
    let mut t = T::new();
    t.sign_in(3);
    let held = t
        .try_issue_as(&kiosk(), "a", Normal, Some("c1"))
        .expect("A001");
    t.call(3).expect("call");
    t.window(3, Command::NoShow { window: 3 }).expect("no-show");
    // Within the limit the citizen is told which number they hold and what to do.
    t.minutes(10);
    let refused = t
        .try_issue_as(&kiosk(), "a", Normal, Some("c1"))
        .expect_err("still open");
    assert_eq!(
        (refused.code, refused.ticket.as_deref()),
        (DuplicateCitizen, Some("A001"))
    );
    assert!(refused.message.contains("requeue"), "{}", refused.message);
    // Past the limit the clock closes it (R9), and the citizen is no longer locked out (R5).
    t.minutes(21);
    let now = t.now;
    let applied = t.hall.clock(now);
    let expiry = applied
        .iter()
        .find(|a| a.audit.action == "no_show_expired")
        .expect("expired by the clock");
    assert_eq!(expiry.audit.number.as_deref(), Some("A001"));
    assert!(t.hall.ticket(held.ticket.id).is_none());
    t.try_issue_as(&kiosk(), "a", Normal, Some("c1"))
        .expect("a new ticket");
    // Even before the clock's next look, an overdue no-show does not lock anyone out.
    t.call(3).expect("call");
    t.window(3, Command::NoShow { window: 3 }).expect("no-show");
    t.minutes(31);
    t.try_issue_as(&kiosk(), "a", Normal, Some("c1"))
        .expect("not locked out by an overdue no-show");
}

#[test]
fn a_requeue_keeps_the_window_a_ticket_was_transferred_to() {
    let mut t = T::new();
    t.sign_in(1);
    t.sign_in(2);
    let a1 = t.issue("a", Normal);
    t.call(1).expect("call at 1");
    transfer(&mut t, 1, TransferTarget::Window(2)).expect("to window 2");
    assert_eq!(t.call(2).expect("window 2 calls it"), "A001");
    t.window(2, Command::NoShow { window: 2 }).expect("no-show");
    assert_eq!(
        t.hall.preview(2, 10).expect("p").no_show[0].id,
        a1,
        "window 2's no-show list"
    );
    requeue(&mut t, 2, a1).expect("requeue at 2");
    let leg = t.hall.ticket(a1).expect("open").ticket.leg().clone();
    assert_eq!(leg.target_window, Some(2), "still for window 2");
    t.refused(&staff(1), Command::CallNext { window: 1 }, QueueEmpty);
    assert_eq!(t.call(2).expect("window 2 again"), "A001");
}

#[test]
fn a_transfer_to_a_closed_window_is_refused() {
    let mut t = T::new();
    t.sign_in(1);
    t.issue("a", Normal);
    t.call(1).expect("call");
    let before = t.fingerprint();
    let refused = transfer(&mut t, 1, TransferTarget::Window(2)).expect_err("closed");
    assert_eq!(refused.code, WindowClosed);
    assert_eq!(before, t.fingerprint(), "nothing changed");
    // Once someone signs in there, it is accepted, and only that window calls it.
    t.sign_in(2);
    transfer(&mut t, 1, TransferTarget::Window(2)).expect("open now");
}

#[test]
fn a_requeue_waits_behind_the_next_n_its_window_would_call_whatever_their_class_or_service() {
    // Window 1 serves a (primary) and b (secondary); N = 3.
    let mut t = T::new();
    t.sign_in(1);
    let p = t.issue("a", Priority);
    let normals: Vec<TicketId> = (0..2).map(|_| t.issue("a", Normal)).collect();
    let bs: Vec<TicketId> = (0..2).map(|_| t.issue("b", Normal)).collect();
    assert_eq!(t.call(1).expect("priority first"), t.number(p));
    t.window(1, Command::NoShow { window: 1 }).expect("no-show");
    requeue(&mut t, 1, p).expect("requeue");
    // Not called next for its class: A002, A003 and B001 (the next three of window 1) go first.
    assert_eq!(order(&t, 1), ["A002", "A003", "B001", "A001", "B002"]);
    let _ = (normals, bs);
    for want in ["A002", "A003", "B001", "A001"] {
        assert_eq!(t.serve(1), want);
    }
}

#[test]
fn a_requeue_with_n_zero_goes_back_to_its_place_and_ties_never_jump_ahead() {
    let cfg = test_config("").with_rules(|r| r.requeue_behind = 0);
    let mut t = T::with(cfg);
    t.sign_in(3);
    let first = t.issue("a", Normal);
    t.issue("a", Normal);
    t.call(3).expect("call");
    t.window(3, Command::NoShow { window: 3 }).expect("no-show");
    requeue(&mut t, 3, first).expect("requeue");
    assert_eq!(order(&t, 3), ["A001", "A002"], "back at its place");
}

#[test]
fn a_requeue_survives_a_restart() {
    let mut t = T::new();
    t.sign_in(3);
    let first = t.issue("a", Normal);
    for _ in 0..4 {
        t.issue("a", Normal);
    }
    t.call(3).expect("call");
    t.window(3, Command::NoShow { window: 3 }).expect("no-show");
    // The store keeps what the hall holds; a hall rebuilt from it has the same order.
    let again = t.rebuilt();
    assert_eq!(again.preview(3, 10), t.hall.preview(3, 10));
    requeue(&mut t, 3, first).expect("requeue");
    assert_eq!(order(&t, 3), ["A002", "A003", "A004", "A001", "A005"]);
    let again = t.rebuilt();
    assert_eq!(
        again.preview(3, 10),
        t.hall.preview(3, 10),
        "after a restart"
    );
}

#[test]
fn legs_keep_every_call_both_service_intervals_and_the_hold() {
    let mut t = T::new();
    t.sign_in(3);
    let id = t.issue("a", Normal);
    let issued = t.now;
    t.minutes(25);
    t.call(3).expect("first call");
    let first_call = t.now;
    t.window(3, Command::NoShow { window: 3 }).expect("no-show");
    t.minutes(5);
    requeue(&mut t, 3, id).expect("requeue");
    let requeued = t.now;
    t.minutes(2);
    t.call(3).expect("called again");
    let second_call = t.now;
    t.window(3, Command::Start { window: 3 }).expect("start");
    let started = t.now;
    t.minutes(4);
    t.window(3, Command::Hold { window: 3 }).expect("hold");
    let held = t.now;
    t.minutes(10);
    t.window(
        3,
        Command::Unhold {
            window: 3,
            ticket_id: id,
        },
    )
    .expect("unhold");
    let unheld = t.now;
    t.window(3, Command::Start { window: 3 })
        .expect("start again");
    t.minutes(3);
    let done = t
        .window(
            3,
            Command::Finish {
                window: 3,
                case_no: None,
            },
        )
        .expect("finish")
        .ticket
        .expect("ticket");
    let leg = done.leg();
    assert_eq!(leg.queued_at, issued);
    assert_eq!(leg.called_at, Some(first_call), "the first call stays");
    assert_eq!(leg.recalls, vec![second_call, unheld]);
    assert_eq!(leg.requeues, vec![requeued]);
    assert_eq!(leg.started_at, Some(started), "the first start stays");
    assert_eq!(
        leg.holds,
        vec![Hold {
            at: held,
            until: Some(unheld)
        }]
    );
    assert_eq!(leg.no_shows, 1);
    // The wait a citizen felt is to the first call; service is 4 + 3 minutes, the hold left out.
    assert_eq!(leg.wait_ms(), Some(25 * 60_000));
    assert_eq!(leg.handle_ms(), Some(7 * 60_000));
    assert_eq!(t.hall.stat("window:3").handle_ms, 7 * 60_000);
}

#[test]
fn a_held_ticket_goes_back_to_the_queue_head_when_its_window_signs_out() {
    let mut t = T::new();
    t.sign_in(3);
    let held = t.issue("a", Normal);
    t.issue("a", Normal);
    t.call(3).expect("call");
    t.window(3, Command::Hold { window: 3 }).expect("hold");
    let out = t
        .window(3, Command::SignOut { window: 3 })
        .expect("sign out with a held ticket");
    assert!(out.window.held.is_empty());
    let leg = t.hall.ticket(held).expect("open").ticket.leg().clone();
    assert_eq!(t.state(held), TicketState::Waiting);
    assert!(
        leg.holds[0].until.is_some(),
        "the hold ended at the sign-out"
    );
    // Window 1 (serving a too) calls the citizen first when they return.
    t.sign_in(1);
    assert_eq!(t.call(1).expect("call"), "A001");
}

#[test]
fn a_paused_window_gets_no_calls_of_any_kind() {
    let mut t = T::new();
    t.sign_in(3);
    let id = t.issue("a", Normal);
    t.issue("a", Normal);
    t.call(3).expect("call");
    let pause = |t: &mut T| {
        t.window(
            3,
            Command::Pause {
                window: 3,
                reason: PauseReason::Break,
            },
        )
        .expect("pause");
    };
    pause(&mut t);
    t.refused(&staff(3), Command::Recall { window: 3 }, WindowPaused);
    t.refused(
        &staff(3),
        Command::FinishAndCallNext {
            window: 3,
            case_no: None,
        },
        WindowPaused,
    );
    t.window(3, Command::Resume { window: 3 }).expect("resume");
    t.window(3, Command::Hold { window: 3 }).expect("hold");
    pause(&mut t);
    t.refused(
        &staff(3),
        Command::Unhold {
            window: 3,
            ticket_id: id,
        },
        WindowPaused,
    );
    t.refused(&staff(3), Command::CallNext { window: 3 }, WindowPaused);
}

#[test]
fn only_window_staff_act_at_windows_and_staff_cancel_only_in_their_queues() {
    let mut t = T::new();
    let manager = Actor::Staff("m1".into());
    t.refused(&manager, Command::SignIn { window: 1 }, Forbidden);
    let a = t.issue("a", Normal);
    let b = t.issue("b", Normal);
    let cancel = |id| Command::Cancel {
        ticket: TicketRef::Id(id),
    };
    // Not signed in anywhere: no cancel.
    t.refused(&staff(3), cancel(a), Forbidden);
    t.sign_in(3);
    // Window 3 serves a, not b.
    t.refused(&staff(3), cancel(b), Forbidden);
    t.apply(&staff(3), cancel(a))
        .expect("a is in window 3's queue");
    // A manager cancels anywhere.
    t.apply(&manager, cancel(b)).expect("manager");
}

#[test]
fn a_special_call_of_a_normal_ticket_ends_the_priority_streak() {
    let mut t = T::new();
    t.sign_in(3);
    for _ in 0..4 {
        t.issue("a", Priority);
    }
    for _ in 0..3 {
        t.issue("a", Normal);
    }
    for _ in 0..3 {
        t.serve(3);
    }
    // K = 3 priority calls in a row; a special call of the normal A006 counts as the normal turn.
    t.apply(
        &staff(3),
        Command::CallNumber {
            window: 3,
            number: "A006".into(),
        },
    )
    .expect("special call");
    t.window(
        3,
        Command::Finish {
            window: 3,
            case_no: None,
        },
    )
    .expect("finish");
    assert_eq!(t.call(3).expect("next"), "A004", "priority again, not A005");
}

#[test]
fn one_open_ticket_per_citizen_follows_the_service_a_ticket_is_in_now() {
    let mut t = T::new();
    t.sign_in(1);
    t.try_issue_as(&kiosk(), "a", Normal, Some("c1"))
        .expect("A001");
    t.call(1).expect("call");
    transfer(&mut t, 1, TransferTarget::Service("b".into())).expect("to b");
    // The ticket is in b now: a second b ticket is refused, an a ticket allowed.
    let refused = t
        .try_issue_as(&kiosk(), "b", Normal, Some("c1"))
        .expect_err("already in b");
    assert_eq!(refused.code, DuplicateCitizen);
    t.try_issue_as(&kiosk(), "a", Normal, Some("c1"))
        .expect("a again");
}

#[test]
fn finish_and_call_next_is_one_command() {
    let mut t = T::new();
    t.sign_in(3);
    t.issue("a", Normal);
    t.issue("a", Normal);
    t.call(3).expect("call");
    let seq = t.hall.seq();
    let a = t
        .window(
            3,
            Command::FinishAndCallNext {
                window: 3,
                case_no: None,
            },
        )
        .expect("finish and next");
    assert_eq!(t.hall.seq(), seq + 1, "one command, one sequence number");
    assert_eq!(a.finished.expect("finished").state, TicketState::Done);
    assert_eq!(a.ticket.expect("next").number, "A002");
    assert_eq!(a.call.expect("call").number, "A002");
    // Nobody waits: the finish stands, no call.
    let a = t
        .window(
            3,
            Command::FinishAndCallNext {
                window: 3,
                case_no: None,
            },
        )
        .expect("finish");
    assert!(a.finished.is_some() && a.ticket.is_none() && a.call.is_none());
    assert_eq!(t.hall.stat("window:3").served, 2);
}

#[test]
fn start_on_call_starts_service_at_the_call() {
    let cfg = test_config("").with_rules(|r| r.start_on_call = true);
    let mut t = T::with(cfg);
    t.sign_in(3);
    t.issue("a", Normal);
    t.call(3).expect("call");
    let called = t.now;
    t.minutes(5);
    let done = t
        .window(
            3,
            Command::Finish {
                window: 3,
                case_no: None,
            },
        )
        .expect("finish from called")
        .ticket
        .expect("ticket");
    assert_eq!(done.leg().started_at, Some(called));
    assert_eq!(done.leg().handle_ms(), Some(5 * 60_000));
    assert!(t.hall.hall_info(t.now).start_on_call);
}

//! A ticket at a window: R9 no-show and requeue, R10 transfer, R12, R13 special call, hold.

use super::*;

// ---- R9 no-show and requeue ---------------------------------------------------------------------

#[test]
fn r9_requeued_ticket_waits_behind_the_next_three() {
    let mut t = T::new();
    t.sign_in(3);
    let first = t.issue("a", Normal);
    let others: Vec<TicketId> = (0..5).map(|_| t.issue("a", Normal)).collect();
    assert_eq!(t.call(3).expect("call"), t.number(first));
    t.window(3, Command::NoShow { window: 3 }).expect("no-show");
    t.minutes(10);
    t.window(
        3,
        Command::Requeue {
            window: 3,
            ticket_id: first,
        },
    )
    .expect("requeue");
    let order: Vec<String> = t
        .hall
        .preview(3, 10)
        .expect("preview")
        .next
        .iter()
        .map(|x| x.number.clone())
        .collect();
    let mut want: Vec<String> = others.iter().map(|id| t.number(*id)).collect();
    want.insert(3, t.number(first));
    assert_eq!(order, want);
}

#[test]
fn r9_requeue_with_fewer_than_n_waiting_goes_last_and_expires_after_the_limit() {
    let mut t = T::new();
    t.sign_in(3);
    let a = t.issue("a", Normal);
    let b = t.issue("a", Normal);
    t.call(3).expect("call a");
    t.window(3, Command::NoShow { window: 3 }).expect("no-show");
    t.window(
        3,
        Command::Requeue {
            window: 3,
            ticket_id: a,
        },
    )
    .expect("requeue");
    let order: Vec<TicketId> = t
        .hall
        .preview(3, 10)
        .expect("preview")
        .next
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(order, vec![b, a]);
    // Again a no-show, and this time the citizen is back too late.
    t.serve(3);
    t.call(3).expect("call a again");
    t.window(3, Command::NoShow { window: 3 }).expect("no-show");
    t.minutes(31);
    t.refused(
        &staff(3),
        Command::Requeue {
            window: 3,
            ticket_id: a,
        },
        RequeueExpired,
    );
    t.minutes(-2);
    t.window(
        3,
        Command::Requeue {
            window: 3,
            ticket_id: a,
        },
    )
    .expect("29 minutes is in time");
}

// ---- R10 transfer ------------------------------------------------------------------------------

#[test]
fn r10_transfer_to_a_service_goes_to_the_head_of_its_class_keeping_number_and_issue_time() {
    let mut t = T::new();
    t.sign_in(3);
    let b1 = t.issue("b", Normal);
    let b2 = t.issue("b", Normal);
    let bp = t.issue("b", Priority);
    let a1 = t.issue("a", Normal);
    let a2 = t.issue("a", Normal);
    t.call(3).expect("call a1");
    t.window(
        3,
        Command::Transfer {
            window: 3,
            to: TransferTarget::Service("b".into()),
            note: Some("缺材料".into()),
        },
    )
    .expect("transfer");
    t.call(3).expect("call a2");
    t.window(
        3,
        Command::Transfer {
            window: 3,
            to: TransferTarget::Service("b".into()),
            note: None,
        },
    )
    .expect("transfer");
    let moved = t.hall.ticket(a1).expect("open").ticket.clone();
    assert_eq!(moved.number, "A001");
    assert_eq!(moved.service_id, "b");
    assert_eq!(moved.origin_service_id, "a");
    assert_eq!(moved.legs.len(), 2);
    assert_eq!(moved.legs[0].outcome, Some(LegOutcome::Transferred));
    assert_eq!(moved.leg().note.as_deref(), Some("缺材料"));
    // Window 2 serves b: the priority ticket first (class), then the transfers in transfer order.
    let order: Vec<TicketId> = t
        .hall
        .preview(2, 10)
        .expect("preview")
        .next
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(order, vec![bp, a1, a2, b1, b2]);
    assert_eq!(
        t.hall
            .public_ticket(t.hall.ticket(a1).expect("open"), t.now)
            .ahead,
        Some(1)
    );
}

#[test]
fn r10_r11_transfer_to_a_window_is_called_there_first_and_nowhere_else() {
    let mut t = T::new();
    t.sign_in(1);
    t.sign_in(2);
    t.sign_in(3);
    let a1 = t.issue("a", Normal);
    let green = t.issue("b", Green);
    t.call(3).expect("a1 at 3");
    t.window(
        3,
        Command::Transfer {
            window: 3,
            to: TransferTarget::Window(1),
            note: None,
        },
    )
    .expect("transfer");
    t.refused(
        &staff(3),
        Command::Transfer {
            window: 3,
            to: TransferTarget::Window(2),
            note: None,
        },
        NoCurrentTicket,
    );
    // Window 2 serves b but never sees a ticket transferred to window 1.
    assert_eq!(t.call(2).expect("call"), t.number(green));
    t.serve(1);
    assert!(t.hall.ticket(a1).is_none(), "a1 served at window 1");
    assert_eq!(
        t.call(1),
        Err(ApiError::new(
            QueueEmpty,
            "no ticket is waiting for this window"
        ))
    );
}

#[test]
fn r10_transfer_to_own_window_or_unknown_target_is_refused() {
    let mut t = T::new();
    ticket_in(&mut t, TicketState::Called);
    t.refused(
        &staff(1),
        Command::Transfer {
            window: 1,
            to: TransferTarget::Window(1),
            note: None,
        },
        TransferToSelf,
    );
    t.refused(
        &staff(1),
        Command::Transfer {
            window: 1,
            to: TransferTarget::Window(9),
            note: None,
        },
        UnknownWindow,
    );
    t.refused(
        &staff(1),
        Command::Transfer {
            window: 1,
            to: TransferTarget::Service("zz".into()),
            note: None,
        },
        UnknownService,
    );
    t.refused(
        &staff(1),
        Command::Transfer {
            window: 1,
            to: TransferTarget::Service("off".into()),
            note: None,
        },
        ServiceDisabled,
    );
}

// ---- R12 (single core) and R13 special call ------------------------------------------------------

#[test]
fn r12_a_called_ticket_is_not_called_again_elsewhere() {
    let mut t = T::new();
    t.sign_in(1);
    t.sign_in(3);
    t.issue("a", Normal);
    t.issue("a", Normal);
    let first = t.call(1).expect("1");
    let second = t.call(3).expect("3");
    assert_ne!(first, second);
    t.sign_in(2);
    assert_eq!(t.call(2).map_err(|e| e.code), Err(QueueEmpty));
}

#[test]
fn r13_special_call_is_allowed_and_recorded_out_of_order() {
    let mut t = T::new();
    t.sign_in(3);
    t.issue("a", Normal);
    t.issue("a", Normal);
    t.issue("a", Normal);
    let applied = t
        .apply(
            &staff(3),
            Command::CallNumber {
                window: 3,
                number: "a003".into(),
            },
        )
        .expect("special call");
    assert!(applied.audit.out_of_order);
    assert_eq!(applied.audit.actor, "staff:s3");
    assert_eq!(applied.audit.number.as_deref(), Some("A003"));
    let Reply::Action(a) = applied.reply else {
        panic!("action reply")
    };
    let leg = a.ticket.expect("ticket").leg().clone();
    assert!(leg.special_call && leg.out_of_order);
    t.window(3, Command::Start { window: 3 }).expect("start");
    t.window(
        3,
        Command::Finish {
            window: 3,
            case_no: None,
        },
    )
    .expect("finish");
    // Calling the ticket that was next anyway is a special call, but not a jump of the queue.
    let applied = t
        .apply(
            &staff(3),
            Command::CallNumber {
                window: 3,
                number: "A001".into(),
            },
        )
        .expect("in order");
    assert!(!applied.audit.out_of_order);
    t.window(3, Command::Start { window: 3 }).expect("start");
    t.refused(
        &staff(3),
        Command::CallNumber {
            window: 3,
            number: "A002".into(),
        },
        WindowBusy,
    );
    t.window(
        3,
        Command::Finish {
            window: 3,
            case_no: None,
        },
    )
    .expect("finish");
    t.refused(
        &staff(3),
        Command::CallNumber {
            window: 3,
            number: "A001".into(),
        },
        UnknownTicket,
    );
    t.refused(
        &staff(3),
        Command::CallNumber {
            window: 3,
            number: "Z999".into(),
        },
        UnknownTicket,
    );
}

#[test]
fn hold_and_unhold_only_at_the_holding_window() {
    let mut t = T::new();
    t.sign_in(1);
    t.sign_in(3);
    let a = t.issue("a", Normal);
    t.issue("a", Normal);
    t.call(1).expect("call");
    t.window(1, Command::Hold { window: 1 }).expect("hold");
    assert_eq!(
        t.hall.window_view(1).expect("w").held,
        vec!["A001".to_string()]
    );
    // The window is free for the next citizen meanwhile.
    assert_eq!(t.call(1).expect("next"), "A002");
    t.refused(
        &staff(1),
        Command::Unhold {
            window: 1,
            ticket_id: a,
        },
        WindowBusy,
    );
    t.refused(
        &staff(3),
        Command::Unhold {
            window: 3,
            ticket_id: a,
        },
        WrongState,
    );
    t.window(1, Command::Start { window: 1 }).expect("start");
    t.window(
        1,
        Command::Finish {
            window: 1,
            case_no: None,
        },
    )
    .expect("finish");
    let back = t
        .window(
            1,
            Command::Unhold {
                window: 1,
                ticket_id: a,
            },
        )
        .expect("unhold");
    let call = back.call.expect("回呼 is announced");
    assert!(call.recall);
    assert_eq!((call.number.as_str(), call.window), ("A001", 1));
}

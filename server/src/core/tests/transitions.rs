//! R3: every transition not in the rules is refused; R4: legs keep exact times.

use super::*;

// ---- R3 transitions ----------------------------------------------------------------------------

#[test]
fn r3_every_transition_not_in_the_rules_is_refused() {
    use TicketState::*;
    let w = 1;
    type MakeCommand = Box<dyn Fn(TicketId, String) -> Command>;
    let actions: Vec<(&str, MakeCommand)> = vec![
        (
            "call_next",
            Box::new(move |_, _| Command::CallNext { window: w }),
        ),
        (
            "call_number",
            Box::new(move |_, number| Command::CallNumber { window: w, number }),
        ),
        (
            "recall",
            Box::new(move |_, _| Command::Recall { window: w }),
        ),
        ("start", Box::new(move |_, _| Command::Start { window: w })),
        (
            "finish",
            Box::new(move |_, _| Command::Finish {
                window: w,
                case_no: None,
            }),
        ),
        (
            "finish_next",
            Box::new(move |_, _| Command::FinishAndCallNext {
                window: w,
                case_no: None,
            }),
        ),
        (
            "no_show",
            Box::new(move |_, _| Command::NoShow { window: w }),
        ),
        ("hold", Box::new(move |_, _| Command::Hold { window: w })),
        (
            "transfer",
            Box::new(move |_, _| Command::Transfer {
                window: w,
                to: TransferTarget::Service("b".into()),
                note: None,
            }),
        ),
        (
            "unhold",
            Box::new(move |id, _| Command::Unhold {
                window: w,
                ticket_id: id,
            }),
        ),
        (
            "requeue",
            Box::new(move |id, _| Command::Requeue {
                window: w,
                ticket_id: id,
            }),
        ),
        (
            "cancel",
            Box::new(|id, _| Command::Cancel {
                ticket: TicketRef::Id(id),
            }),
        ),
        (
            "pause",
            Box::new(move |_, _| Command::Pause {
                window: w,
                reason: PauseReason::Break,
            }),
        ),
        (
            "sign_out",
            Box::new(move |_, _| Command::SignOut { window: w }),
        ),
    ];
    // (state, action) → the ticket's state after, or the refusal.
    let table: &[(TicketState, &str, Result<TicketState, ErrorCode>)] = &[
        (Waiting, "call_next", Ok(Called)),
        (Waiting, "call_number", Ok(Called)),
        (Waiting, "recall", Err(NoCurrentTicket)),
        (Waiting, "start", Err(NoCurrentTicket)),
        (Waiting, "finish", Err(NoCurrentTicket)),
        (Waiting, "finish_next", Err(NoCurrentTicket)),
        (Waiting, "no_show", Err(NoCurrentTicket)),
        (Waiting, "hold", Err(NoCurrentTicket)),
        (Waiting, "transfer", Err(NoCurrentTicket)),
        (Waiting, "unhold", Err(WrongState)),
        (Waiting, "requeue", Err(WrongState)),
        (Waiting, "cancel", Ok(Cancelled)),
        (Waiting, "pause", Ok(Waiting)),
        (Waiting, "sign_out", Ok(Waiting)),
        (Called, "call_next", Err(WindowBusy)),
        (Called, "call_number", Err(WindowBusy)),
        (Called, "recall", Ok(Called)),
        (Called, "start", Ok(Serving)),
        (Called, "finish", Ok(Done)),
        (Called, "finish_next", Ok(Done)),
        (Called, "no_show", Ok(NoShow)),
        (Called, "hold", Ok(Held)),
        (Called, "transfer", Ok(Waiting)),
        (Called, "unhold", Err(WindowBusy)),
        (Called, "requeue", Err(WrongState)),
        (Called, "cancel", Err(WrongState)),
        (Called, "pause", Ok(Called)),
        (Called, "sign_out", Err(WindowBusy)),
        (Serving, "call_next", Err(WindowBusy)),
        (Serving, "call_number", Err(WindowBusy)),
        (Serving, "recall", Err(WrongState)),
        (Serving, "start", Err(WrongState)),
        (Serving, "finish", Ok(Done)),
        (Serving, "finish_next", Ok(Done)),
        (Serving, "no_show", Err(WrongState)),
        (Serving, "hold", Ok(Held)),
        (Serving, "transfer", Ok(Waiting)),
        (Serving, "unhold", Err(WindowBusy)),
        (Serving, "requeue", Err(WrongState)),
        (Serving, "cancel", Err(WrongState)),
        (Serving, "pause", Ok(Serving)),
        (Serving, "sign_out", Err(WindowBusy)),
        (Held, "call_next", Err(QueueEmpty)),
        (Held, "call_number", Err(WrongState)),
        (Held, "recall", Err(NoCurrentTicket)),
        (Held, "start", Err(NoCurrentTicket)),
        (Held, "finish", Err(NoCurrentTicket)),
        (Held, "finish_next", Err(NoCurrentTicket)),
        (Held, "no_show", Err(NoCurrentTicket)),
        (Held, "hold", Err(NoCurrentTicket)),
        (Held, "transfer", Err(NoCurrentTicket)),
        (Held, "unhold", Ok(Called)),
        (Held, "requeue", Err(WrongState)),
        (Held, "cancel", Err(WrongState)),
        (Held, "pause", Ok(Held)),
        // C6: a held ticket goes back to the head of its queue when its window signs out.
        (Held, "sign_out", Ok(Waiting)),
        (NoShow, "call_next", Err(QueueEmpty)),
        (NoShow, "call_number", Err(WrongState)),
        (NoShow, "recall", Err(NoCurrentTicket)),
        (NoShow, "start", Err(NoCurrentTicket)),
        (NoShow, "finish", Err(NoCurrentTicket)),
        (NoShow, "finish_next", Err(NoCurrentTicket)),
        (NoShow, "no_show", Err(NoCurrentTicket)),
        (NoShow, "hold", Err(NoCurrentTicket)),
        (NoShow, "transfer", Err(NoCurrentTicket)),
        (NoShow, "unhold", Err(WrongState)),
        (NoShow, "requeue", Ok(Waiting)),
        (NoShow, "cancel", Err(WrongState)),
        (NoShow, "pause", Ok(NoShow)),
        (NoShow, "sign_out", Ok(NoShow)),
        // A no-show past the requeue limit has expired (R9): closed, it takes part in nothing.
        (Expired, "call_next", Err(QueueEmpty)),
        (Expired, "call_number", Err(UnknownTicket)),
        (Expired, "recall", Err(NoCurrentTicket)),
        (Expired, "start", Err(NoCurrentTicket)),
        (Expired, "finish", Err(NoCurrentTicket)),
        (Expired, "finish_next", Err(NoCurrentTicket)),
        (Expired, "no_show", Err(NoCurrentTicket)),
        (Expired, "hold", Err(NoCurrentTicket)),
        (Expired, "transfer", Err(NoCurrentTicket)),
        (Expired, "unhold", Err(UnknownTicket)),
        (Expired, "requeue", Err(UnknownTicket)),
        (Expired, "cancel", Err(UnknownTicket)),
        (Expired, "pause", Ok(Expired)),
        (Expired, "sign_out", Ok(Expired)),
    ];
    assert_eq!(table.len(), 6 * actions.len(), "every state × action");
    for (state, action, expected) in table {
        let mut t = T::new();
        let id = ticket_in(&mut t, *state);
        let number = "A001".to_string();
        let make = &actions.iter().find(|(n, _)| n == action).expect("action").1;
        match expected {
            Ok(after) => {
                t.apply(&staff(1), make(id, number))
                    .unwrap_or_else(|e| panic!("{state:?} {action}: {e}"));
                let now = t.hall.ticket(id).map(|x| x.ticket.state);
                let closed_ok = matches!(after, Done | Cancelled | Expired) && now.is_none();
                assert!(
                    closed_ok || now == Some(*after),
                    "{state:?} {action}: now {now:?}, want {after:?}"
                );
            }
            Err(code) => t.refused(&staff(1), make(id, "A001".to_string()), *code),
        }
    }
}

#[test]
fn r3_closed_tickets_refuse_everything() {
    let mut t = T::new();
    let done = ticket_in(&mut t, TicketState::Serving);
    t.window(
        1,
        Command::Finish {
            window: 1,
            case_no: None,
        },
    )
    .expect("finish");
    t.refused(
        &staff(1),
        Command::Requeue {
            window: 1,
            ticket_id: done,
        },
        UnknownTicket,
    );
    t.refused(
        &staff(1),
        Command::Unhold {
            window: 1,
            ticket_id: done,
        },
        UnknownTicket,
    );
    t.refused(
        &staff(1),
        Command::Cancel {
            ticket: TicketRef::Id(done),
        },
        UnknownTicket,
    );
}

#[test]
fn r3_r4_legs_keep_exact_times() {
    let mut t = T::new();
    t.sign_in(1);
    let id = t.issue("a", Normal);
    t.minutes(5);
    t.call(1).expect("call");
    t.minutes(1);
    t.window(1, Command::Recall { window: 1 }).expect("recall");
    t.minutes(1);
    t.window(1, Command::Start { window: 1 }).expect("start");
    t.minutes(7);
    let done = t
        .window(
            1,
            Command::Finish {
                window: 1,
                case_no: None,
            },
        )
        .expect("finish")
        .ticket
        .expect("ticket");
    assert_eq!(done.id, id);
    let leg = done.leg();
    let issued = done.issued_at;
    assert_eq!(leg.called_at, Some(issued + 5 * 60_000));
    assert_eq!(leg.recalls, vec![issued + 6 * 60_000]);
    assert_eq!(leg.started_at, Some(issued + 7 * 60_000));
    assert_eq!(leg.finished_at, Some(issued + 14 * 60_000));
    assert_eq!(leg.outcome, Some(LegOutcome::Done));
    assert_eq!((leg.window, leg.staff_no.as_deref()), (Some(1), Some("s1")));
    let stat = t.hall.stat("window:1");
    assert_eq!(
        (stat.served, stat.wait_ms, stat.handle_ms),
        (1, 5 * 60_000, 7 * 60_000)
    );
}

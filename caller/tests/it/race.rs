//! Two windows pressing F1 at the same moment, again and again, on one queue: no ticket is called
//! twice, none is lost, and the loser of the last race hears 当前无人等候 (R12).

use std::collections::BTreeSet;

use egui::Key;

use crate::util::*;

#[test]
fn two_callers_racing_on_one_queue_never_call_a_ticket_twice() {
    const TICKETS: usize = 16;
    let hall = Hall::start();
    let issued: BTreeSet<String> = (0..TICKETS)
        .map(|_| hall.issue("company").ticket.number)
        .collect();
    // Windows 1 and 2 both serve `company` first.
    let mut a = caller(&hall);
    sign_in(&mut a, "1001", 1);
    let mut b = caller(&hall);
    sign_in(&mut b, "1002", 2);
    for h in [&mut a, &mut b] {
        h.state_mut().model.debounce_ms = 0;
    }
    let mut called = Vec::new();
    let mut empty = 0;
    for _round in 0..TICKETS {
        // Both press F1 in the same instant; their requests race at the server.
        a.key_press(Key::F1);
        b.key_press(Key::F1);
        a.step();
        b.step();
        settle(&mut a);
        settle(&mut b);
        let mut any = false;
        for h in [&mut a, &mut b] {
            match current(h.state()) {
                Some(number) => {
                    called.push(number);
                    any = true;
                    // Not here: next.
                    h.key_press(Key::F5);
                    h.step();
                    settle(h);
                }
                None => {
                    assert_eq!(
                        h.state()
                            .model
                            .message
                            .map(|t| t.get(qcall_client::Lang::Zh)),
                        Some("当前无人等候")
                    );
                    empty += 1;
                }
            }
        }
        if !any {
            break;
        }
    }
    let unique: BTreeSet<String> = called.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        called.len(),
        "a ticket was called twice: {called:?}"
    );
    assert_eq!(unique, issued, "every ticket called once");
    assert!(empty >= 1, "the queue ran empty for somebody");
}

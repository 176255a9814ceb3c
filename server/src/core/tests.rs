//! Every rule of R1–R14 and every refused transition, on the pure core with an injected clock.

use super::*;
use crate::calendar::tests::at;
use crate::config::HallConfig;
use qcall_protocol::ErrorCode::*;
use qcall_protocol::TicketClass::*;

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$rVY2ktGCAmp1U2PsDzpe4w$kbBwJXDfFxGKXRRMHsyr+cCcozfQMjrb7dZOFolp6/A";

/// A small hall: services a (A) and b (B); window 1 serves a then b, window 2 b, window 3 a.
pub(crate) fn test_config(extra_service_keys: &str) -> HallConfig {
    let src = format!(
        r#"
[hall]
name_zh = "测试大厅"
name_en = "Test hall"
cutoff_minutes = 30
[hall.hours]
mon = ["09:00-12:00", "13:30-17:00"]
tue = ["09:00-12:00", "13:30-17:00"]
wed = ["09:00-12:00", "13:30-17:00"]
thu = ["09:00-12:00", "13:30-17:00"]
fri = ["09:00-12:00", "13:30-17:00"]
[[groups]]
id = "g"
name_zh = "组"
name_en = "Group"
[[services]]
id = "a"
name_zh = "甲"
name_en = "Alpha"
group = "g"
prefix = "A"
expected_minutes = 6
{extra_service_keys}
[[services]]
id = "b"
name_zh = "乙"
name_en = "Beta"
group = "g"
prefix = "B"
expected_minutes = 10
[[services]]
id = "off"
name_zh = "停"
name_en = "Off"
group = "g"
prefix = "O"
expected_minutes = 10
enabled = false
[[windows]]
number = 1
name = "综合窗口"
primary = ["a"]
secondary = ["b"]
[[windows]]
number = 2
name = "二"
primary = ["b"]
[[windows]]
number = 3
name = "三"
primary = ["a"]
[[staff]]
staff_no = "s1"
name = "一"
role = "staff"
password_hash = "{HASH}"
[[staff]]
staff_no = "s2"
name = "二"
role = "staff"
password_hash = "{HASH}"
[[staff]]
staff_no = "s3"
name = "三"
role = "staff"
password_hash = "{HASH}"
windows = [3]
"#
    );
    HallConfig::parse(&src, "test.toml").expect("test config")
}

/// A hall under test with its clock.
struct T {
    hall: Hall,
    now: Millis,
    secrets: u64,
}

fn staff(w: WindowNo) -> Actor {
    Actor::Staff(format!("s{w}"))
}

fn kiosk() -> Actor {
    Actor::Kiosk("kiosk-1".into())
}

impl T {
    fn new() -> T {
        T::with(test_config(""))
    }

    fn with(cfg: HallConfig) -> T {
        let now = at("2026-11-23 09:30");
        T {
            hall: Hall::new(Arc::new(cfg), Restored::default(), now),
            now,
            secrets: 0,
        }
    }

    fn at(&mut self, local: &str) -> &mut Self {
        self.now = at(local);
        self
    }

    fn minutes(&mut self, m: i64) -> &mut Self {
        self.now += m * 60_000;
        self
    }

    fn apply(&mut self, actor: &Actor, cmd: Command) -> Result<Applied, ApiError> {
        if self.hall.rollover_due(self.now) {
            self.hall.rollover(self.now);
        }
        self.hall.apply(actor, cmd, self.now)
    }

    fn try_issue_as(
        &mut self,
        actor: &Actor,
        service: &str,
        class: TicketClass,
        citizen: Option<&str>,
    ) -> Result<IssueResponse, ApiError> {
        self.secrets += 1;
        let cmd = Command::Issue(IssueCmd {
            service_id: service.into(),
            class,
            citizen_hash: citizen.map(String::from),
            phone_masked: None,
            helper: None,
            secret: format!("{:032x}", self.secrets),
        });
        match self.apply(actor, cmd)?.reply {
            Reply::Issued(r) => Ok(*r),
            other => panic!("unexpected reply {other:?}"),
        }
    }

    /// Issues as staff at window 1 (any class allowed); returns the ticket id.
    fn issue(&mut self, service: &str, class: TicketClass) -> TicketId {
        self.try_issue_as(&staff(1), service, class, None)
            .expect("issue")
            .ticket
            .id
    }

    fn number(&self, id: TicketId) -> String {
        self.hall
            .ticket(id)
            .map(|t| t.ticket.number.clone())
            .expect("open ticket")
    }

    fn state(&self, id: TicketId) -> TicketState {
        self.hall
            .ticket(id)
            .map(|t| t.ticket.state)
            .expect("open ticket")
    }

    fn sign_in(&mut self, w: WindowNo) {
        self.apply(&staff(w), Command::SignIn { window: w })
            .expect("sign in");
    }

    fn window(&mut self, w: WindowNo, cmd: Command) -> Result<ActionResponse, ApiError> {
        match self.apply(&staff(w), cmd)?.reply {
            Reply::Action(a) => Ok(*a),
            other => panic!("unexpected reply {other:?}"),
        }
    }

    /// Calls next at window `w` and returns the called number.
    fn call(&mut self, w: WindowNo) -> Result<String, ApiError> {
        Ok(self
            .window(w, Command::CallNext { window: w })?
            .ticket
            .expect("ticket")
            .number)
    }

    /// Calls, starts and finishes at `w`, returning the number served.
    fn serve(&mut self, w: WindowNo) -> String {
        let n = self.call(w).expect("call");
        self.window(w, Command::Start { window: w }).expect("start");
        self.window(w, Command::Finish { window: w })
            .expect("finish");
        n
    }

    /// Everything a client could observe, to prove a refusal changed nothing.
    fn fingerprint(&self) -> String {
        format!(
            "{:?}|{:?}|{:?}|{:?}|{}",
            self.hall.open_tickets(),
            self.hall.window_views(),
            self.hall.availability_all(self.now),
            (1..=3)
                .map(|w| self.hall.preview(w, 50))
                .collect::<Vec<_>>(),
            self.hall.seq()
        )
    }

    /// Applies a command that must be refused with `code` and change nothing.
    fn refused(&mut self, actor: &Actor, cmd: Command, code: ErrorCode) {
        let before = self.fingerprint();
        let got = self.apply(actor, cmd.clone());
        match got {
            Err(e) => assert_eq!(e.code, code, "{cmd:?}: {e}"),
            Ok(a) => panic!("{cmd:?} was accepted: {:?}", a.reply),
        }
        assert_eq!(
            before,
            self.fingerprint(),
            "{cmd:?} was refused but changed the hall"
        );
    }
}

// ---- R1 numbering ------------------------------------------------------------------------------

#[test]
fn r1_numbers_per_service_per_day_never_reused() {
    let mut t = T::new();
    let a1 = t.issue("a", Normal);
    let a2 = t.issue("a", Normal);
    let b1 = t.issue("b", Priority);
    assert_eq!(
        [t.number(a1), t.number(a2), t.number(b1)],
        ["A001", "A002", "B001"]
    );
    // A cancelled number is not given out again the same day.
    t.apply(
        &staff(1),
        Command::Cancel {
            ticket: TicketRef::Id(a2),
        },
    )
    .expect("cancel");
    let a3 = t.issue("a", Normal);
    assert_eq!(t.number(a3), "A003");
    // The next business day starts at 04:00 and at 1.
    t.at("2026-11-24 03:59");
    assert_eq!(t.hall.business_day(), "2026-11-23");
    t.at("2026-11-24 09:00");
    let next = t.issue("a", Normal);
    assert_eq!(t.number(next), "A001");
    assert_eq!(
        t.hall.ticket(next).expect("open").ticket.business_day,
        "2026-11-24"
    );
}

#[test]
fn r1_numbers_go_past_999() {
    let mut t = T::new();
    t.hall.counters.insert("num:a".into(), 998);
    let n999 = t.issue("a", Normal);
    let n1000 = t.issue("a", Normal);
    assert_eq!(
        (t.number(n999), t.number(n1000)),
        ("A999".into(), "A1000".into())
    );
}

// ---- R2 classes --------------------------------------------------------------------------------

#[test]
fn r2_kiosks_issue_normal_and_priority_only_with_a_helper() {
    let mut t = T::new();
    assert!(t.try_issue_as(&kiosk(), "a", Normal, None).is_ok());
    let before = t.fingerprint();
    for class in [Priority, Green, Appointment] {
        let e = t
            .try_issue_as(&kiosk(), "a", class, None)
            .expect_err("refused");
        assert_eq!(e.code, ClassNotAllowed, "{class:?}");
    }
    assert_eq!(before, t.fingerprint());
    let cmd = Command::Issue(IssueCmd {
        service_id: "a".into(),
        class: Priority,
        citizen_hash: None,
        phone_masked: None,
        helper: Some("s1".into()),
        secret: format!("{:032x}", 99),
    });
    let applied = t.apply(&kiosk(), cmd).expect("helper unlocks priority");
    assert_eq!(applied.audit.detail["helper"], "s1");
    // Staff issue every class; the class is not in the number.
    for class in TicketClass::ALL {
        let id = t.issue("b", class);
        assert!(t.number(id).starts_with('B'));
        assert_eq!(t.hall.ticket(id).expect("open").ticket.class, class);
    }
}

// ---- R5 refusals -------------------------------------------------------------------------------

#[test]
fn r5_issue_refusals_change_nothing() {
    let mut t = T::with(test_config(
        "daily_cap = 3\nslots = [{ from = \"13:30\", to = \"15:00\", quota = 1 }]",
    ));
    let issue = |service: &str| {
        Command::Issue(IssueCmd {
            service_id: service.into(),
            class: Normal,
            citizen_hash: Some("citizen-x".into()),
            phone_masked: None,
            helper: None,
            secret: format!("{:032x}", 7),
        })
    };
    t.at("2026-11-23 08:00");
    t.refused(&kiosk(), issue("a"), HallClosed);
    t.at("2026-11-23 11:45");
    t.refused(&kiosk(), issue("a"), PastCutoff);
    t.at("2026-11-22 10:00"); // Sunday
    t.refused(&kiosk(), issue("a"), HallClosed);
    t.at("2026-11-23 10:00");
    t.refused(&kiosk(), issue("off"), ServiceDisabled);
    t.refused(&kiosk(), issue("nope"), UnknownService);
    // Same citizen, same service: refused while the first ticket is open; another service is fine.
    t.apply(&kiosk(), issue("a")).expect("first");
    t.refused(&kiosk(), issue("a"), DuplicateCitizen);
    t.apply(&kiosk(), issue("b")).expect("other service");
    // Time-slot quota: one in 13:30–15:00.
    t.at("2026-11-23 13:40");
    t.try_issue_as(&kiosk(), "a", Normal, None)
        .expect("slot ticket");
    t.refused(&kiosk(), issue("a"), SlotQuotaReached);
    assert_eq!(
        t.hall.availability("a", t.now).refusal,
        Some(SlotQuotaReached)
    );
    // Outside the slot there is no slot quota; the third ticket reaches the daily cap of 3.
    t.at("2026-11-23 15:10");
    t.try_issue_as(&kiosk(), "a", Normal, None).expect("third");
    t.refused(&kiosk(), issue("a"), DailyCapReached);
    assert_eq!(
        t.hall.availability("a", t.now).refusal,
        Some(DailyCapReached)
    );
    assert_eq!(t.hall.availability("b", t.now).refusal, None);
}

#[test]
fn r5_citizen_may_take_a_new_ticket_once_the_old_one_is_closed() {
    let mut t = T::new();
    t.sign_in(3);
    t.try_issue_as(&kiosk(), "a", Normal, Some("c1"))
        .expect("first");
    t.serve(3);
    t.try_issue_as(&kiosk(), "a", Normal, Some("c1"))
        .expect("again after done");
}

// ---- R3 transitions ----------------------------------------------------------------------------

/// Puts one ticket of service a into `state` at window 1 and returns it.
fn ticket_in(t: &mut T, state: TicketState) -> TicketId {
    t.sign_in(1);
    let id = t.issue("a", Normal);
    let w = 1;
    match state {
        TicketState::Waiting => {}
        TicketState::Called => {
            t.call(w).expect("call");
        }
        TicketState::Serving => {
            t.call(w).expect("call");
            t.window(w, Command::Start { window: w }).expect("start");
        }
        TicketState::Held => {
            t.call(w).expect("call");
            t.window(w, Command::Hold { window: w }).expect("hold");
        }
        TicketState::NoShow => {
            t.call(w).expect("call");
            t.window(w, Command::NoShow { window: w }).expect("no-show");
        }
        other => panic!("not set up here: {other:?}"),
    }
    assert_eq!(t.state(id), state);
    id
}

#[test]
fn r3_every_transition_not_in_the_rules_is_refused() {
    use TicketState::*;
    let w = 1;
    type MakeCommand = Box<dyn Fn(TicketId) -> Command>;
    let actions: Vec<(&str, MakeCommand)> = vec![
        ("recall", Box::new(move |_| Command::Recall { window: w })),
        ("start", Box::new(move |_| Command::Start { window: w })),
        ("finish", Box::new(move |_| Command::Finish { window: w })),
        ("no_show", Box::new(move |_| Command::NoShow { window: w })),
        ("hold", Box::new(move |_| Command::Hold { window: w })),
        (
            "transfer",
            Box::new(move |_| Command::Transfer {
                window: w,
                to: TransferTarget::Service("b".into()),
                note: None,
            }),
        ),
        (
            "unhold",
            Box::new(move |id| Command::Unhold {
                window: w,
                ticket_id: id,
            }),
        ),
        (
            "requeue",
            Box::new(move |id| Command::Requeue {
                window: w,
                ticket_id: id,
            }),
        ),
        (
            "cancel",
            Box::new(|id| Command::Cancel {
                ticket: TicketRef::Id(id),
            }),
        ),
    ];
    // (state, action) → the state after, or the refusal.
    let table: &[(TicketState, &str, Result<TicketState, ErrorCode>)] = &[
        (Waiting, "recall", Err(NoCurrentTicket)),
        (Waiting, "start", Err(NoCurrentTicket)),
        (Waiting, "finish", Err(NoCurrentTicket)),
        (Waiting, "no_show", Err(NoCurrentTicket)),
        (Waiting, "hold", Err(NoCurrentTicket)),
        (Waiting, "transfer", Err(NoCurrentTicket)),
        (Waiting, "unhold", Err(WrongState)),
        (Waiting, "requeue", Err(WrongState)),
        (Waiting, "cancel", Ok(Cancelled)),
        (Called, "recall", Ok(Called)),
        (Called, "start", Ok(Serving)),
        (Called, "finish", Err(WrongState)),
        (Called, "no_show", Ok(NoShow)),
        (Called, "hold", Ok(Held)),
        (Called, "transfer", Ok(Waiting)),
        (Called, "unhold", Err(WindowBusy)),
        (Called, "requeue", Err(WrongState)),
        (Called, "cancel", Err(WrongState)),
        (Serving, "recall", Err(WrongState)),
        (Serving, "start", Err(WrongState)),
        (Serving, "finish", Ok(Done)),
        (Serving, "no_show", Err(WrongState)),
        (Serving, "hold", Ok(Held)),
        (Serving, "transfer", Ok(Waiting)),
        (Serving, "unhold", Err(WindowBusy)),
        (Serving, "requeue", Err(WrongState)),
        (Serving, "cancel", Err(WrongState)),
        (Held, "recall", Err(NoCurrentTicket)),
        (Held, "start", Err(NoCurrentTicket)),
        (Held, "finish", Err(NoCurrentTicket)),
        (Held, "no_show", Err(NoCurrentTicket)),
        (Held, "hold", Err(NoCurrentTicket)),
        (Held, "transfer", Err(NoCurrentTicket)),
        (Held, "unhold", Ok(Called)),
        (Held, "requeue", Err(WrongState)),
        (Held, "cancel", Err(WrongState)),
        (NoShow, "recall", Err(NoCurrentTicket)),
        (NoShow, "start", Err(NoCurrentTicket)),
        (NoShow, "finish", Err(NoCurrentTicket)),
        (NoShow, "no_show", Err(NoCurrentTicket)),
        (NoShow, "hold", Err(NoCurrentTicket)),
        (NoShow, "transfer", Err(NoCurrentTicket)),
        (NoShow, "unhold", Err(WrongState)),
        (NoShow, "requeue", Ok(Waiting)),
        (NoShow, "cancel", Err(WrongState)),
    ];
    assert_eq!(table.len(), 5 * actions.len(), "every state × action");
    for (state, action, expected) in table {
        let mut t = T::new();
        let id = ticket_in(&mut t, *state);
        let make = &actions.iter().find(|(n, _)| n == action).expect("action").1;
        match expected {
            Ok(after) => {
                t.apply(&staff(1), make(id))
                    .unwrap_or_else(|e| panic!("{state:?} {action}: {e}"));
                let now = t.hall.ticket(id).map(|x| x.ticket.state);
                let closed_ok = matches!(after, Done | Cancelled) && now.is_none();
                assert!(
                    closed_ok || now == Some(*after),
                    "{state:?} {action}: now {now:?}, want {after:?}"
                );
            }
            Err(code) => t.refused(&staff(1), make(id), *code),
        }
    }
}

#[test]
fn r3_closed_tickets_refuse_everything() {
    let mut t = T::new();
    let done = ticket_in(&mut t, TicketState::Serving);
    t.window(1, Command::Finish { window: 1 }).expect("finish");
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
        .window(1, Command::Finish { window: 1 })
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
        t.hall.public_ticket(t.hall.ticket(a1).expect("open")).ahead,
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

// ---- R11 calling order -------------------------------------------------------------------------

#[test]
fn r11_call_next_follows_class_ratio_primary_and_fifo() {
    let mut t = T::new();
    t.sign_in(1); // primary a, secondary b; K = 3
    t.issue("a", Normal); // A001
    t.issue("b", Normal); // B001
    for _ in 0..4 {
        t.issue("a", Priority); // A002 … A005
    }
    t.issue("a", Normal); // A006
    t.issue("b", Green); // B002
    let preview: Vec<String> = t
        .hall
        .preview(1, 20)
        .expect("preview")
        .next
        .iter()
        .map(|x| x.number.clone())
        .collect();
    let mut called = Vec::new();
    while let Ok(n) = t.call(1) {
        t.window(1, Command::Start { window: 1 }).expect("start");
        t.window(1, Command::Finish { window: 1 }).expect("finish");
        called.push(n);
    }
    // Green first even from a secondary service; three priority; then a normal (K = 3), primary
    // first; priority again; the remaining normal of the primary, then of the secondary service.
    assert_eq!(
        called,
        [
            "B002", "A002", "A003", "A004", "A001", "A005", "A006", "B001"
        ]
    );
    assert_eq!(preview, called, "the preview is the calling order");
}

#[test]
fn r11_strict_priority_with_k_zero() {
    let mut t = T::with({
        let mut c = test_config("");
        c.rules.priority_ratio = 0;
        c
    });
    t.sign_in(3);
    t.issue("a", Normal);
    for _ in 0..4 {
        t.issue("a", Priority);
    }
    let called: Vec<String> = (0..5).map(|_| t.serve(3)).collect();
    assert_eq!(called, ["A002", "A003", "A004", "A005", "A001"]);
}

#[test]
fn r11_appointment_ranks_with_priority_fifo_between_them() {
    let mut t = T::new();
    t.sign_in(3);
    t.issue("a", Normal);
    t.issue("a", Appointment);
    t.issue("a", Priority);
    let called: Vec<String> = (0..3).map(|_| t.serve(3)).collect();
    assert_eq!(called, ["A002", "A003", "A001"]);
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
    t.window(3, Command::Finish { window: 3 }).expect("finish");
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
    t.window(3, Command::Finish { window: 3 }).expect("finish");
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

// ---- R14 windows -------------------------------------------------------------------------------

#[test]
fn r14_one_staff_per_window_and_one_window_per_staff() {
    let mut t = T::new();
    t.sign_in(1);
    t.refused(&staff(2), Command::SignIn { window: 1 }, WindowTaken);
    t.refused(&staff(1), Command::SignIn { window: 2 }, SignedInElsewhere);
    t.refused(&staff(3), Command::SignIn { window: 1 }, Forbidden); // s3 may use window 3 only
    t.refused(&staff(1), Command::SignIn { window: 9 }, UnknownWindow);
    // Signing in again where one already is changes nothing and is not an error.
    t.apply(&staff(1), Command::SignIn { window: 1 })
        .expect("idempotent");
    t.refused(&staff(2), Command::CallNext { window: 1 }, NotSignedIn);
    t.refused(&staff(2), Command::CallNext { window: 2 }, WindowClosed);
    t.refused(
        &Actor::Kiosk("k".into()),
        Command::CallNext { window: 1 },
        Forbidden,
    );
}

#[test]
fn r14_paused_window_gets_no_calls_and_pause_time_is_counted() {
    let mut t = T::new();
    t.sign_in(3);
    t.issue("a", Normal);
    assert_eq!(t.hall.estimate("a", 3), Some(18)); // 3 × 6 min ÷ 1 window
    t.window(
        3,
        Command::Pause {
            window: 3,
            reason: PauseReason::Meeting,
        },
    )
    .expect("pause");
    assert_eq!(
        t.hall.window_view(3).expect("w").status,
        WindowStatus::Paused
    );
    assert_eq!(t.hall.estimate("a", 3), None, "no open window serves a");
    t.refused(&staff(3), Command::CallNext { window: 3 }, WindowPaused);
    t.refused(
        &staff(3),
        Command::Pause {
            window: 3,
            reason: PauseReason::Break,
        },
        WindowPaused,
    );
    t.minutes(12);
    t.window(3, Command::Resume { window: 3 }).expect("resume");
    t.refused(&staff(3), Command::Resume { window: 3 }, WrongState);
    assert_eq!(
        t.hall.stat("window:3").pause_ms.get("meeting"),
        Some(&(12 * 60_000))
    );
    t.call(3).expect("calls again");
    t.refused(&staff(3), Command::SignOut { window: 3 }, WindowBusy);
    t.window(3, Command::Start { window: 3 }).expect("start");
    t.window(3, Command::Finish { window: 3 }).expect("finish");
    t.apply(&staff(3), Command::SignOut { window: 3 })
        .expect("sign out");
    assert_eq!(
        t.hall.window_view(3).expect("w").status,
        WindowStatus::Closed
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
    t.window(1, Command::Finish { window: 1 }).expect("finish");
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

// ---- R8 estimate, R7 token, rollover -----------------------------------------------------------

#[test]
fn r8_estimate_uses_expected_minutes_then_todays_mean() {
    let mut t = T::new();
    assert_eq!(t.hall.estimate("a", 4), None, "no window open");
    t.sign_in(1);
    t.sign_in(3);
    assert_eq!(t.hall.estimate("a", 4), Some(12)); // 4 × 6 ÷ 2
    assert_eq!(t.hall.estimate("a", 0), Some(0));
    for _ in 0..6 {
        t.issue("a", Normal);
    }
    for _ in 0..5 {
        t.call(3).expect("call");
        t.window(3, Command::Start { window: 3 }).expect("start");
        t.minutes(2);
        t.window(3, Command::Finish { window: 3 }).expect("finish");
    }
    assert_eq!(t.hall.estimate("a", 4), Some(4)); // 4 × 2 ÷ 2
    let a = t.hall.availability("a", t.now);
    assert_eq!(
        (a.waiting, a.issued_today, a.estimated_wait_minutes),
        (1, 6, Some(1))
    );
}

#[test]
fn r7_token_finds_only_its_ticket() {
    let mut t = T::new();
    let issued = t.try_issue_as(&kiosk(), "a", Normal, None).expect("issue");
    assert_eq!(issued.token.len(), 44);
    assert_eq!(
        t.hall.by_token(&issued.token).map(|x| x.ticket.id),
        Some(issued.ticket.id)
    );
    let mut forged = issued.token.clone();
    forged.replace_range(43.., if forged.ends_with('0') { "1" } else { "0" });
    assert!(t.hall.by_token(&forged).is_none());
    assert!(t.hall.by_token("not-a-token").is_none());
    let status = t
        .hall
        .public_ticket(t.hall.by_token(&issued.token).expect("t"));
    assert_eq!((status.number.as_str(), status.ahead), ("A001", Some(0)));
    // The citizen cancels with the token.
    t.apply(
        &Actor::Public,
        Command::Cancel {
            ticket: TicketRef::Token(issued.token.clone()),
        },
    )
    .expect("cancel");
    assert!(t.hall.by_token(&issued.token).is_none());
}

#[test]
fn rollover_expires_open_tickets_and_closes_windows() {
    let mut t = T::new();
    t.sign_in(1);
    let waiting = t.issue("a", Normal);
    t.issue("a", Normal);
    t.call(1).expect("call");
    t.at("2026-11-24 04:00");
    assert!(t.hall.rollover_due(t.now));
    let applied = t.hall.rollover(t.now);
    assert_eq!(
        applied.events,
        vec![Event::DayRollover {
            business_day: "2026-11-24".into()
        }]
    );
    let expired: Vec<&StoredTicket> = applied
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Ticket(t) => Some(&**t),
            _ => None,
        })
        .collect();
    assert_eq!(expired.len(), 2);
    assert!(
        expired
            .iter()
            .all(|x| x.ticket.state == TicketState::Expired
                && x.ticket.leg().outcome == Some(LegOutcome::Expired))
    );
    assert!(t.hall.ticket(waiting).is_none());
    assert_eq!(t.hall.open_count(), 0);
    assert!(
        t.hall
            .window_views()
            .iter()
            .all(|w| w.status == WindowStatus::Closed && w.current.is_none())
    );
    assert!(!t.hall.rollover_due(t.now));
}

#[test]
fn notices_and_window_services_change_live() {
    let mut t = T::new();
    t.sign_in(2);
    let a = t.issue("a", Normal);
    assert_eq!(
        t.call(2).map_err(|e| e.code),
        Err(QueueEmpty),
        "window 2 serves b only"
    );
    let applied = t
        .apply(
            &Actor::Staff("m".into()),
            Command::SetWindowServices {
                window: 2,
                primary: vec!["b".into()],
                secondary: vec!["a".into()],
            },
        )
        .expect("set");
    assert!(
        applied
            .events
            .iter()
            .any(|e| matches!(e, Event::Window { window } if window.secondary == ["a"]))
    );
    assert_eq!(t.call(2).expect("now serves a"), t.number(a));
    t.refused(
        &Actor::System,
        Command::SetWindowServices {
            window: 2,
            primary: vec![],
            secondary: vec![],
        },
        BadRequest,
    );
    t.refused(
        &Actor::System,
        Command::SetWindowServices {
            window: 2,
            primary: vec!["x".into()],
            secondary: vec![],
        },
        UnknownService,
    );
    t.refused(
        &Actor::System,
        Command::SetNotices {
            notices: vec![" ".into()],
        },
        BadRequest,
    );
    let applied = t
        .apply(
            &Actor::System,
            Command::SetNotices {
                notices: vec!["欢迎".into()],
            },
        )
        .expect("notices");
    assert_eq!(
        applied.events,
        vec![Event::Notices {
            notices: vec!["欢迎".into()]
        }]
    );
    assert_eq!(t.hall.hall_info(t.now).notices, ["欢迎".to_string()]);
}

#[test]
fn calls_carry_what_a_display_announces_and_sequence_numbers_increase() {
    let mut t = T::new();
    t.sign_in(1);
    t.issue("a", Normal);
    let applied = t
        .apply(&staff(1), Command::CallNext { window: 1 })
        .expect("call");
    let call = applied
        .events
        .iter()
        .find_map(|e| match e {
            Event::Called { call } => Some(call.clone()),
            _ => None,
        })
        .expect("called event");
    assert_eq!(
        (
            call.number.as_str(),
            call.window,
            call.window_name.as_str(),
            call.recall
        ),
        ("A001", 1, "综合窗口", false)
    );
    assert_eq!(call.call_id, applied.seq);
    assert_eq!(call.at, t.now);
    let recall = t
        .apply(&staff(1), Command::Recall { window: 1 })
        .expect("recall");
    assert!(recall.seq > applied.seq);
    assert_eq!(t.hall.recent_calls().len(), 2);
    assert!(t.hall.recent_calls()[0].recall, "newest first");
}

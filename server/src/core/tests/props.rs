//! Generated histories (issue 16): long random sequences of commands from several windows, kiosks,
//! staff and the citizens' pages, with the clock moving (day rollovers included), checking after every
//! step what must always hold:
//!
//! - no ticket is current at two windows, and a window's current ticket is called or served there;
//! - numbers per service and business day strictly increase and are never given twice;
//! - every refused command changed nothing (the fingerprint of `refused()`);
//! - the preview's first ticket is the one call-next then calls;
//! - the kiosk tiles' waiting counts match the waiting tickets;
//! - every event and reply a command produced reads back as itself from its JSON (the wire types'
//!   round trip, over the values real histories make), and so do the previews.
//!
//! The suite runs 32 histories of up to 160 steps (a few seconds). The longer run:
//! `PROPTEST_CASES=2000 cargo test -p qcall-server --lib props -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;

/// One step of a history.
#[derive(Debug, Clone)]
enum Op {
    Issue {
        by_kiosk: bool,
        service: usize,
        class: usize,
        citizen: Option<u8>,
    },
    /// `action` at window `w`, sent by staff `by` (usually the window's own).
    Window {
        w: WindowNo,
        by: WindowNo,
        action: u8,
        pick: usize,
    },
    Cancel {
        pick: usize,
        public: bool,
    },
    Minutes(i64),
    NextDay,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (
            any::<bool>(),
            prop_oneof![3 => Just(0usize), 3 => Just(1), 1 => Just(2)],
            prop_oneof![6 => Just(0usize), 1 => Just(1), 1 => Just(2), 1 => Just(3)],
            proptest::option::of(0..3u8),
        )
            .prop_map(
            |(by_kiosk, service, class, citizen)| Op::Issue { by_kiosk, service, class, citizen }
        ),
        10 => (1..=3u32, prop_oneof![12 => Just(0u32), 1 => 1..=3u32], action(), 0..8usize).prop_map(
            |(w, other, action, pick)| Op::Window { w, by: if other == 0 { w } else { other }, action, pick }
        ),
        1 => (0..8usize, any::<bool>()).prop_map(|(pick, public)| Op::Cancel { pick, public }),
        3 => prop_oneof![
            90 => (0..5i64).prop_map(Op::Minutes),
            4 => (30..120i64).prop_map(Op::Minutes),
            3 => Just(Op::NextDay),
        ],
    ]
}

/// A window action, weighted like a working day: calls, starts and finishes most, sign-outs rarely.
fn action() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => Just(0u8),  // sign in
        1 => Just(1),    // sign out
        5 => Just(2),    // call next
        1 => Just(4),    // recall
        4 => Just(5),    // start
        4 => Just(6),    // finish
        3 => Just(7),    // finish and call next
        2 => Just(8),    // no-show
        2 => Just(9),    // hold
        3 => Just(10),   // unhold
        1 => Just(11),   // pause
        2 => Just(12),   // resume
        2 => Just(13),   // requeue
        3 => Just(14),   // call a number, transfer to a window or a service
    ]
}

/// Every wire value a command produced reads back as itself from its JSON: the events pushed, the
/// reply, and what clients read after it.
fn round_trips(applied: &Applied) {
    fn same<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
        v: &T,
    ) {
        let text = serde_json::to_string(v).expect("serialises");
        let back: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(&back, v, "{text}");
    }
    for e in &applied.events {
        same(e);
    }
    match &applied.reply {
        Reply::Issued(r) => same(&**r),
        Reply::Action(r) => same(&**r),
        Reply::Ticket(r) => same(&**r),
        Reply::Window(r) => same(&**r),
        _ => {}
    }
}

/// What the history has seen, for the checks across steps.
#[derive(Default)]
struct Seen {
    /// Accepted and refused commands by action, to show what the histories exercised.
    tally: BTreeMap<&'static str, (u32, u32)>,
    /// Refusals by action and code.
    codes: BTreeMap<(&'static str, String), u32>,
    /// (business day, prefix) → the last number given.
    last: BTreeMap<(String, String), u32>,
    /// Every (business day, number) ever given.
    numbers: BTreeSet<(String, String)>,
}

fn split_number(number: &str) -> (String, u32) {
    let digits = number.trim_start_matches(|c: char| !c.is_ascii_digit());
    let prefix = number[..number.len() - digits.len()].to_string();
    (prefix, digits.parse().expect("a number ends in digits"))
}

impl T {
    fn open_ids(&self) -> Vec<TicketId> {
        let mut ids: Vec<TicketId> = self.hall.tickets.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// The clock moves as the engine's tick would see it.
    fn tick(&mut self) {
        if self.hall.rollover_due(self.now) {
            self.hall.rollover(self.now);
        }
        let now = self.now;
        self.hall.clock(now);
        self.hall.take_availability(now);
    }

    fn command_for(&self, w: WindowNo, action: u8, pick: usize) -> Command {
        // Mostly a ticket the action could apply to (held here, a no-show), sometimes any.
        let pick_in = |state: TicketState| {
            let mut ids: Vec<TicketId> = self
                .hall
                .tickets
                .values()
                .filter(|t| pick.is_multiple_of(4) || t.ticket.state == state)
                .map(|t| t.ticket.id)
                .collect();
            ids.sort_unstable();
            if ids.is_empty() {
                424_242
            } else {
                ids[pick % ids.len()]
            }
        };
        let waiting_number = self
            .hall
            .tickets
            .values()
            .filter(|t| t.ticket.state == TicketState::Waiting)
            .map(|t| t.ticket.number.clone())
            .min()
            .unwrap_or_else(|| "A999".into());
        match action {
            0 => Command::SignIn { window: w },
            1 => Command::SignOut { window: w },
            2 | 3 => Command::CallNext { window: w },
            4 => Command::Recall { window: w },
            5 => Command::Start { window: w },
            6 => Command::Finish {
                window: w,
                case_no: None,
            },
            7 => Command::FinishAndCallNext {
                window: w,
                case_no: None,
            },
            8 => Command::NoShow { window: w },
            9 => Command::Hold { window: w },
            10 => Command::Unhold {
                window: w,
                ticket_id: pick_in(TicketState::Held),
            },
            11 => Command::Pause {
                window: w,
                reason: PauseReason::Break,
            },
            12 => Command::Resume { window: w },
            13 => Command::Requeue {
                window: w,
                ticket_id: pick_in(TicketState::NoShow),
            },
            _ => match pick % 3 {
                0 => Command::CallNumber {
                    window: w,
                    number: waiting_number,
                },
                1 => Command::Transfer {
                    window: w,
                    to: TransferTarget::Window(w % 3 + 1),
                    note: None,
                },
                _ => Command::Transfer {
                    window: w,
                    to: TransferTarget::Service(if w == 2 { "a" } else { "b" }.into()),
                    note: None,
                },
            },
        }
    }

    /// Runs one step and checks every invariant after it.
    fn run_op(&mut self, op: &Op, seen: &mut Seen) {
        let (actor, cmd) = match *op {
            Op::Minutes(m) => {
                self.minutes(m);
                self.tick();
                return self.check(seen);
            }
            Op::NextDay => {
                self.minutes(24 * 60);
                self.tick();
                return self.check(seen);
            }
            Op::Issue {
                by_kiosk,
                service,
                class,
                citizen,
            } => {
                self.secrets += 1;
                let class = [Normal, Priority, Green, Appointment][class];
                let actor = if by_kiosk { kiosk() } else { staff(1) };
                let cmd = Command::Issue(IssueCmd {
                    service_id: ["a", "b", "off"][service].into(),
                    class,
                    citizen_hash: citizen.map(|c| format!("citizen-{c}")),
                    phone_masked: None,
                    helper: None,
                    notice: None,
                    secret: format!("{:032x}", self.secrets),
                });
                (actor, cmd)
            }
            Op::Window {
                w,
                by,
                action,
                pick,
            } => (staff(by), self.command_for(w, action, pick)),
            Op::Cancel { pick, public } => {
                let ids = self.open_ids();
                let Some(&id) = ids.get(pick % ids.len().max(1)) else {
                    return self.check(seen);
                };
                if public {
                    let token = self.hall.tickets[&id].token.clone();
                    (
                        Actor::Public,
                        Command::Cancel {
                            ticket: TicketRef::Token(token),
                        },
                    )
                } else {
                    (
                        staff(1),
                        Command::Cancel {
                            ticket: TicketRef::Id(id),
                        },
                    )
                }
            }
        };
        // The preview's first ticket is what call-next calls.
        let preview_first = match &cmd {
            Command::CallNext { window } => self
                .hall
                .preview(*window, 1)
                .and_then(|p| p.next.first().map(|t| t.id)),
            _ => None,
        };
        let before = self.fingerprint();
        let result = self.apply(&actor, cmd.clone());
        if let Err(e) = &result {
            *seen
                .codes
                .entry((cmd.action(), format!("{:?}", e.code)))
                .or_default() += 1;
        }
        let entry = seen.tally.entry(cmd.action()).or_default();
        if result.is_ok() {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        match result {
            Err(e) => {
                assert_eq!(
                    before,
                    self.fingerprint(),
                    "{cmd:?} by {actor:?} was refused ({e}) but changed the hall"
                );
            }
            Ok(applied) => {
                round_trips(&applied);
                if let (Command::CallNext { .. }, Reply::Action(a)) = (&cmd, &applied.reply) {
                    assert_eq!(
                        a.ticket.as_ref().map(|t| t.id),
                        preview_first,
                        "call-next called what the preview did not show first"
                    );
                }
                if let Reply::Issued(r) = &applied.reply {
                    let t = &r.ticket;
                    let (prefix, n) = split_number(&t.number);
                    let key = (t.business_day.clone(), prefix);
                    if let Some(last) = seen.last.get(&key) {
                        assert!(n > *last, "{} after {last} on {}", t.number, t.business_day);
                    }
                    seen.last.insert(key, n);
                    assert!(
                        seen.numbers
                            .insert((t.business_day.clone(), t.number.clone())),
                        "{} given twice on {}",
                        t.number,
                        t.business_day
                    );
                }
            }
        }
        self.check(seen);
    }

    fn check(&self, _seen: &Seen) {
        let h = &self.hall;
        // No ticket current at two windows; a window's current ticket is called or served there.
        let mut current = BTreeSet::new();
        for (w, live) in &h.windows {
            if let Some(id) = live.current {
                assert!(current.insert(id), "ticket {id} is current at two windows");
                let t = &h.tickets[&id].ticket;
                assert!(
                    matches!(t.state, TicketState::Called | TicketState::Serving)
                        && t.window == Some(*w),
                    "window {w}'s current ticket {id} is {:?} at {:?}",
                    t.state,
                    t.window
                );
            }
        }
        for t in h.tickets.values() {
            if matches!(t.ticket.state, TicketState::Called | TicketState::Serving) {
                assert!(
                    current.contains(&t.ticket.id),
                    "{} is {:?} but no window has it",
                    t.ticket.number,
                    t.ticket.state
                );
            }
        }
        for w in 1..=3 {
            if let Some(p) = h.preview(w, 20) {
                let text = serde_json::to_string(&p).expect("json");
                assert_eq!(
                    serde_json::from_str::<qcall_protocol::PreviewResponse>(&text).expect("back"),
                    p
                );
            }
        }
        // Waiting counts match the tickets.
        for a in h.availability_all(self.now) {
            let waiting = h
                .tickets
                .values()
                .filter(|t| {
                    t.ticket.state == TicketState::Waiting && t.ticket.service_id == a.service_id
                })
                .count();
            assert_eq!(
                a.waiting as usize, waiting,
                "waiting count of {}",
                a.service_id
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(32),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_histories_keep_the_queue_invariants(ops in proptest::collection::vec(op(), 1..160)) {
        let mut t = open_hall();
        let mut seen = Seen::default();
        for op in &ops {
            t.run_op(op, &mut seen);
        }
    }
}

/// The test hall open 08:00–20:00 every day with its three windows signed in, so that histories
/// spend most steps where something can happen.
fn open_hall() -> T {
    let src =
        test_config_src("").replace(r#"["09:00-12:00", "13:30-17:00"]"#, r#"["08:00-20:00"]"#) + "";
    let src = src.replacen(
        "[hall.hours]\n",
        "[hall.hours]\nsat = [\"08:00-20:00\"]\nsun = [\"08:00-20:00\"]\n",
        1,
    );
    let mut t = T::with(HallConfig::parse(&src, "props.toml").expect("config"));
    // The day starts with its windows open; histories sign them out and in again.
    for w in 1..=3 {
        t.sign_in(w);
    }
    t
}

/// The generator is worth something only if every family of command is both accepted and refused
/// in its histories and tickets are issued on several business days: checked over 16 of them.
#[test]
fn the_histories_exercise_every_command_both_ways() {
    let cases = 16;
    // A fixed seed: this checks the generator, so it must not depend on luck.
    let mut runner = proptest::test_runner::TestRunner::new_with_rng(
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let tally: std::cell::RefCell<BTreeMap<&'static str, (u32, u32)>> = Default::default();
    let days = std::cell::Cell::new(0);
    let codes: std::cell::RefCell<BTreeMap<(&'static str, String), u32>> = Default::default();
    runner
        .run(&proptest::collection::vec(op(), 100..160), |ops| {
            let mut t = open_hall();
            let mut seen = Seen::default();
            for op in &ops {
                t.run_op(op, &mut seen);
            }
            for (action, (ok, refused)) in seen.tally {
                let mut tally = tally.borrow_mut();
                let e = tally.entry(action).or_default();
                e.0 += ok;
                e.1 += refused;
            }
            for (k, n) in seen.codes {
                *codes.borrow_mut().entry(k).or_default() += n;
            }
            let n = seen
                .numbers
                .iter()
                .map(|(d, _)| d)
                .collect::<BTreeSet<_>>()
                .len();
            days.set(days.get().max(n));
            Ok(())
        })
        .expect("histories hold");
    let (tally, days) = (tally.into_inner(), days.get());
    println!("refusals by code: {:?}", codes.into_inner());
    println!(
        "generated histories ({cases} × 100–160 steps), accepted/refused: {tally:?}; most business days with tickets in one history: {days}"
    );
    for action in [
        "issue",
        "call_next",
        "finish",
        "sign_in",
        "transfer",
        "cancel",
        "no_show",
        "hold",
        "unhold",
        "requeue",
        "pause",
    ] {
        let (ok, refused) = tally.get(action).copied().unwrap_or_default();
        assert!(
            ok > 0 && refused > 0,
            "{action}: {ok} accepted, {refused} refused"
        );
    }
    assert!(
        days >= 2,
        "day rollovers happened with tickets on both sides"
    );
}

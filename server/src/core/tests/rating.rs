//! R21 ratings and R22 cases: one rating per served leg, within the 评价时效, reasons for a 差评;
//! the four steps of a case with working-day deadlines of the hall's calendar, the clock flagging
//! due-soon and overdue cases, and appeals. Every refusal changes nothing.

use super::*;
use qcall_protocol::{
    AppealState, CaseOutcome, CaseStep, CaseTiming, RATING_TEXT_MAX_CHARS, Rating, RatingLevel,
    RatingLevel::*, RatingReason, RatingReason::*, RatingSource,
};

use crate::core::rating::{clean_text, mask_digits};

/// The test hall with Wednesday 2026-11-25 closed and Saturday 2026-11-28 open 09:00–12:00, so
/// working days skip a weekend and a closed date and count an extra open date.
fn hall() -> T {
    let mut cfg = test_config("");
    cfg.calendar
        .closed
        .insert("2026-11-25".parse().expect("date"));
    cfg.calendar
        .extra_open
        .insert("2026-11-28".parse().expect("date"), vec![(9 * 60, 12 * 60)]);
    T::with(cfg)
}

fn pad(w: WindowNo) -> Actor {
    Actor::Pad(format!("pad-{w}"))
}

fn manager() -> Actor {
    Actor::Staff("m1".into())
}

/// A rating command as the engine hands it to the core: `closed` is the ticket when it is no
/// longer open (the engine reads it from the batch or the store).
fn rate_cmd(
    via: RateVia,
    closed: Option<&StoredTicket>,
    ticket_id: TicketId,
    leg: Option<u32>,
    level: RatingLevel,
    reasons: &[RatingReason],
    text: Option<&str>,
) -> Command {
    Command::Rating(RatingCmd::Rate(Box::new(RateCmd {
        via,
        ticket_id,
        leg,
        level,
        reasons: reasons.to_vec(),
        text: text.map(String::from),
        closed: closed.map(|t| Box::new(t.clone())),
    })))
}

/// A pad's rating of a leg, without reasons or text.
fn by_pad(
    w: WindowNo,
    closed: Option<&StoredTicket>,
    ticket_id: TicketId,
    leg: u32,
    level: RatingLevel,
) -> Command {
    rate_cmd(
        RateVia::Pad { window: w },
        closed,
        ticket_id,
        Some(leg),
        level,
        &[],
        None,
    )
}

/// The ticket a command closed, as the store will hold it.
fn closed_in(applied: &Applied, id: TicketId) -> StoredTicket {
    applied
        .changes
        .iter()
        .rev()
        .find_map(|c| match c {
            Change::Ticket(t) if t.ticket.id == id => Some((**t).clone()),
            _ => None,
        })
        .expect("the ticket was written")
}

/// Finishes the current ticket `id` at window `w`; returns it as closed, and the finish's events.
fn finish(
    t: &mut T,
    w: WindowNo,
    id: TicketId,
    case_no: Option<&str>,
) -> (StoredTicket, Vec<Event>) {
    let finished = t
        .apply(
            &staff(w),
            Command::Finish {
                window: w,
                case_no: case_no.map(String::from),
            },
        )
        .expect("finish");
    (closed_in(&finished, id), finished.events)
}

/// Serves one ticket of service a at window `w` (1 or 3) to the end; returns it as closed, and the
/// finish's events.
fn served_at(t: &mut T, w: WindowNo) -> (StoredTicket, Vec<Event>) {
    if t.hall.windows[&w].staff.is_none() {
        t.sign_in(w);
    }
    let id = t.issue("a", Normal);
    t.call(w).expect("call");
    t.window(w, Command::Start { window: w }).expect("start");
    finish(t, w, id, Some("BJ-2026-0001"))
}

impl T {
    /// Moves the clock to `local` and lets a new business day begin, as the engine's tick would,
    /// so that a refusal there is compared with the hall of that day.
    fn on(&mut self, local: &str) {
        self.at(local);
        if self.hall.rollover_due(self.now) {
            self.hall.rollover(self.now);
        }
    }

    fn rate_pad(
        &mut self,
        w: WindowNo,
        closed: &StoredTicket,
        leg: u32,
        level: RatingLevel,
        reasons: &[RatingReason],
    ) -> Result<Rating, ApiError> {
        let cmd = rate_cmd(
            RateVia::Pad { window: w },
            Some(closed),
            closed.ticket.id,
            Some(leg),
            level,
            reasons,
            None,
        );
        match self.apply(&pad(w), cmd)?.reply {
            Reply::Rating(r) => Ok(*r),
            other => panic!("unexpected reply {other:?}"),
        }
    }

    fn case_cmd(
        &mut self,
        actor: &Actor,
        cmd: RatingCmd,
    ) -> Result<qcall_protocol::Case, ApiError> {
        match self.apply(actor, Command::Rating(cmd))?.reply {
            Reply::Case(c) => Ok(*c),
            other => panic!("unexpected reply {other:?}"),
        }
    }

    fn step(&mut self, case_id: u64, step: CaseStep) -> Result<qcall_protocol::Case, ApiError> {
        self.case_cmd(
            &manager(),
            RatingCmd::MoveCase {
                case_id,
                step,
                note: format!("{} done", step.name_zh()),
            },
        )
    }
}

// ---- R21 ratings -------------------------------------------------------------------------------

#[test]
fn r21_a_finished_leg_invites_its_pad_which_rates_it_once_and_the_first_rating_stands() {
    let mut t = hall();
    let (done, events) = served_at(&mut t, 1);
    let invite = events
        .iter()
        .find_map(|e| match e {
            Event::RatingInvite { invite } => Some(invite.clone()),
            _ => None,
        })
        .expect("an invite for the window's pad");
    let leg = done.ticket.leg().clone();
    assert_eq!(
        (
            invite.window,
            invite.ticket_id,
            invite.leg,
            invite.number.as_str()
        ),
        (1, done.ticket.id, 0, done.ticket.number.as_str())
    );
    assert_eq!(
        invite.valid_until,
        leg.finished_at.expect("ended") + 24 * 3_600_000
    );
    assert_eq!(t.hall.pad_state(1, t.now).invite, Some(invite.clone()));
    t.minutes(1);
    let rating = t
        .rate_pad(1, &done, 0, Satisfied, &[])
        .expect("the pad rates");
    // The rating carries the leg's window, staff, service, times and 办件编号.
    assert_eq!(rating.window, 1);
    assert_eq!(rating.staff_no.as_deref(), Some("s1"));
    assert_eq!(rating.service_id, "a");
    assert_eq!(rating.case_no.as_deref(), Some("BJ-2026-0001"));
    assert_eq!(
        (
            rating.called_at,
            rating.started_at,
            Some(rating.finished_at)
        ),
        (leg.called_at, leg.started_at, leg.finished_at)
    );
    assert_eq!((rating.source, rating.case_id), (RatingSource::Pad, None));
    assert_eq!(rating.business_day, "2026-11-23");
    // The pad's invite is used up.
    assert_eq!(t.hall.pad_state(1, t.now).invite, None);
    // One rating per leg: a second one, from the pad or the phone, is refused; the first stands.
    t.refused(
        &pad(1),
        rate_cmd(
            RateVia::Pad { window: 1 },
            Some(&done),
            done.ticket.id,
            Some(0),
            VeryDissatisfied,
            &[Attitude],
            None,
        ),
        AlreadyRated,
    );
    t.refused(
        &Actor::Public,
        rate_cmd(
            RateVia::Token(done.token.clone()),
            Some(&done),
            done.ticket.id,
            None,
            Basic,
            &[],
            None,
        ),
        AlreadyRated,
    );
}

#[test]
fn r21_the_status_page_rates_the_last_served_leg_by_its_token() {
    let mut t = hall();
    let (done, _) = served_at(&mut t, 3);
    let cmd = rate_cmd(
        RateVia::Token(done.token.clone()),
        Some(&done),
        done.ticket.id,
        None,
        Dissatisfied,
        &[Efficiency, Attitude, Other],
        Some("  等了很久，电话13812345678  "),
    );
    let applied = t.apply(&Actor::Public, cmd).expect("rated by phone");
    let Reply::PublicRating(status) = &applied.reply else {
        panic!("{:?}", applied.reply);
    };
    assert_eq!(status.leg, Some(0));
    assert!(!status.open, "rated: the page shows thanks");
    let given = status.rating.as_ref().expect("the rating");
    assert_eq!(given.level, Dissatisfied);
    assert_eq!(
        given.reasons,
        vec![Attitude, Efficiency, Other],
        "each once, in order"
    );
    assert_eq!(given.text.as_deref(), Some("等了很久，电话138****5678"));
    let Some(Change::Rating(rating)) = applied.changes.first() else {
        panic!("{:?}", applied.changes);
    };
    assert_eq!((rating.source, rating.window), (RatingSource::Phone, 3));
    // Another ticket's token (the right id, a wrong secret) is no ticket at all.
    let mut forged = done.token.clone();
    forged.replace_range(20..24, "ffff");
    t.refused(
        &Actor::Public,
        rate_cmd(
            RateVia::Token(forged),
            Some(&done),
            done.ticket.id,
            None,
            Satisfied,
            &[],
            None,
        ),
        UnknownTicket,
    );
}

#[test]
fn r21_a_leg_that_was_not_served_is_not_rated() {
    let mut t = hall();
    t.sign_in(1);
    let waiting = t.issue("a", Normal);
    let token = t.hall.ticket(waiting).expect("open").token.clone();
    let by_token = |leg| {
        rate_cmd(
            RateVia::Token(token.clone()),
            None,
            waiting,
            leg,
            Satisfied,
            &[],
            None,
        )
    };
    t.refused(&Actor::Public, by_token(None), NotServed);
    t.refused(&Actor::Public, by_token(Some(0)), NotServed);
    t.call(1).expect("call");
    t.refused(&Actor::Public, by_token(Some(0)), NotServed);
    t.refused(&pad(1), by_pad(1, None, waiting, 0, Satisfied), NotServed);
    // A leg index the ticket does not have.
    t.refused(&Actor::Public, by_token(Some(1)), UnknownLeg);
    t.refused(&Actor::Public, by_token(Some(u32::MAX)), UnknownLeg);
    // A no-show that closed, and a cancelled ticket: closed, never served.
    t.window(1, Command::NoShow { window: 1 }).expect("no-show");
    t.minutes(31);
    let now = t.now;
    let expired = t.hall.clock(now);
    let gone = expired
        .iter()
        .find(|a| a.audit.action == "no_show_expired")
        .expect("expired");
    let gone = closed_in(gone, waiting);
    assert_eq!(gone.ticket.state, TicketState::Expired);
    t.refused(
        &pad(1),
        by_pad(1, Some(&gone), waiting, 0, Satisfied),
        NotServed,
    );
    let other = t.issue("a", Normal);
    let cancel = t
        .apply(
            &staff(1),
            Command::Cancel {
                ticket: TicketRef::Id(other),
            },
        )
        .expect("cancel");
    let cancelled = closed_in(&cancel, other);
    t.refused(
        &Actor::Public,
        rate_cmd(
            RateVia::Token(cancelled.token.clone()),
            Some(&cancelled),
            other,
            None,
            Satisfied,
            &[],
            None,
        ),
        NotServed,
    );
    // A ticket nobody knows (not open, nothing read from the store).
    t.refused(&pad(1), by_pad(1, None, 4242, 0, Satisfied), UnknownTicket);
}

#[test]
fn r21_a_transfer_from_the_window_is_a_served_leg_rated_at_that_window() {
    let mut t = hall();
    t.sign_in(1);
    t.sign_in(2);
    let id = t.issue("a", Normal);
    t.call(1).expect("call");
    let moved = t
        .apply(
            &staff(1),
            Command::Transfer {
                window: 1,
                to: TransferTarget::Service("b".into()),
                note: None,
            },
        )
        .expect("transfer");
    assert!(
        moved.events.iter().any(
            |e| matches!(e, Event::RatingInvite { invite } if invite.window == 1 && invite.leg == 0)
        ),
        "the pad of window 1 invites the citizen"
    );
    // Still open (waiting at b): the hall's own copy is used.
    assert!(t.hall.ticket(id).is_some());
    t.refused(&pad(2), by_pad(2, None, id, 0, Satisfied), Forbidden);
    t.refused(&pad(1), by_pad(1, None, id, 1, Satisfied), NotServed);
    let first = match t
        .apply(&pad(1), by_pad(1, None, id, 0, Basic))
        .expect("leg 0 rated")
        .reply
    {
        Reply::Rating(r) => *r,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (first.leg, first.window, first.service_id.as_str()),
        (0, 1, "a")
    );
    // Served to the end at window 2: the status page rates that last leg.
    t.call(2).expect("call at 2");
    let (done, _) = finish(&mut t, 2, id, None);
    let applied = t
        .apply(
            &Actor::Public,
            rate_cmd(
                RateVia::Token(done.token.clone()),
                Some(&done),
                id,
                None,
                VerySatisfied,
                &[],
                None,
            ),
        )
        .expect("leg 1 rated");
    let Some(Change::Rating(second)) = applied.changes.first() else {
        panic!("{:?}", applied.changes);
    };
    assert_eq!(
        (second.leg, second.window, second.service_id.as_str()),
        (1, 2, "b")
    );
}

#[test]
fn r21_a_rating_is_accepted_only_within_the_halls_time_after_the_leg_ended() {
    let mut t = hall();
    let (a, _) = served_at(&mut t, 1);
    let (b, _) = served_at(&mut t, 1);
    let ended_a = a.ticket.leg().finished_at.expect("ended");
    let ended_b = b.ticket.leg().finished_at.expect("ended");
    // Exactly at the end of the 24 h: still accepted; a millisecond later: refused.
    t.now = ended_a + 24 * 3_600_000;
    t.rate_pad(1, &a, 0, Satisfied, &[])
        .expect("on the last instant");
    t.now = ended_b + 24 * 3_600_000 + 1;
    t.refused(
        &pad(1),
        by_pad(1, Some(&b), b.ticket.id, 0, Satisfied),
        RatingExpired,
    );
    // Per hall: a hall with a 2-hour 评价时效.
    let mut cfg = test_config("");
    cfg.ratings.valid_hours = 2;
    let mut t = T::with(cfg);
    let (c, _) = served_at(&mut t, 1);
    t.minutes(121);
    t.refused(
        &Actor::Public,
        rate_cmd(
            RateVia::Token(c.token.clone()),
            Some(&c),
            c.ticket.id,
            None,
            Satisfied,
            &[],
            None,
        ),
        RatingExpired,
    );
}

#[test]
fn r21_five_levels_the_two_lowest_need_a_reason_and_open_a_case() {
    let mut t = hall();
    for level in RatingLevel::ALL {
        let (done, _) = served_at(&mut t, 1);
        let cmd = |reasons: &[RatingReason], text: Option<&str>| {
            rate_cmd(
                RateVia::Pad { window: 1 },
                Some(&done),
                done.ticket.id,
                Some(0),
                level,
                reasons,
                text,
            )
        };
        if level.is_bad() {
            t.refused(&pad(1), cmd(&[], None), ReasonRequired);
            t.refused(&pad(1), cmd(&[], Some("态度不好")), ReasonRequired);
            t.refused(&pad(1), cmd(&[Attitude, Attitude], None), BadRequest);
        } else {
            t.refused(&pad(1), cmd(&[Environment], None), BadRequest);
        }
        let too_long = "慢".repeat(RATING_TEXT_MAX_CHARS + 1);
        let reasons: &[RatingReason] = if level.is_bad() { &[Skill] } else { &[] };
        t.refused(&pad(1), cmd(reasons, Some(&too_long)), BadRequest);
        let longest = "慢".repeat(RATING_TEXT_MAX_CHARS);
        let applied = t
            .apply(&pad(1), cmd(reasons, Some(&longest)))
            .expect("rated");
        let Reply::Rating(r) = &applied.reply else {
            panic!("{:?}", applied.reply);
        };
        assert_eq!(r.level, level);
        assert_eq!(r.case_id.is_some(), level.is_bad(), "{level:?}");
        let case_events = applied
            .events
            .iter()
            .filter(|e| matches!(e, Event::Case { .. }))
            .count();
        assert_eq!(case_events, usize::from(level.is_bad()));
    }
    assert_eq!(t.hall.ratings.cases.len(), 2, "two 差评, two open cases");
}

#[test]
fn r21_only_the_windows_own_pad_or_the_tickets_page_rates() {
    let mut t = hall();
    let (done, _) = served_at(&mut t, 1);
    let cmd = |via| {
        rate_cmd(
            via,
            Some(&done),
            done.ticket.id,
            Some(0),
            Satisfied,
            &[],
            None,
        )
    };
    t.refused(&pad(3), cmd(RateVia::Pad { window: 3 }), Forbidden);
    // A pad's command from anyone but a pad, or a token rating from anyone but the public.
    t.refused(&staff(1), cmd(RateVia::Pad { window: 1 }), Forbidden);
    t.refused(&kiosk(), cmd(RateVia::Token(done.token.clone())), Forbidden);
    t.refused(&pad(1), cmd(RateVia::Token(done.token.clone())), Forbidden);
    // A pad names the leg it rates.
    t.refused(
        &pad(1),
        rate_cmd(
            RateVia::Pad { window: 1 },
            Some(&done),
            done.ticket.id,
            None,
            Satisfied,
            &[],
            None,
        ),
        BadRequest,
    );
}

#[test]
fn r21_a_rating_keeps_no_citizen_data_and_its_words_stay_out_of_the_audit_log() {
    let mut t = hall();
    t.sign_in(1);
    let issued = t
        .apply(
            &staff(1),
            Command::Issue(IssueCmd {
                service_id: "a".into(),
                class: Normal,
                citizen_hash: Some("c1t1zenhash".into()),
                phone_masked: Some("138****1234".into()),
                helper: None,
                notice: None,
                secret: format!("{:032x}", 99),
            }),
        )
        .expect("issue");
    let Reply::Issued(issued) = issued.reply else {
        panic!()
    };
    let id = issued.ticket.id;
    t.call(1).expect("call");
    let (done, _) = finish(&mut t, 1, id, None);
    let applied = t
        .apply(
            &pad(1),
            rate_cmd(
                RateVia::Pad { window: 1 },
                Some(&done),
                id,
                Some(0),
                VeryDissatisfied,
                &[Attitude],
                Some("我叫王小明，身份证110101199001011234"),
            ),
        )
        .expect("rated");
    let everything = format!(
        "{:?}{:?}{:?}",
        applied.reply, applied.events, applied.changes
    );
    for secret in ["c1t1zenhash", "138****1234", "110101199001011234", "王小明"] {
        assert!(
            !format!("{}", applied.audit.detail).contains(secret),
            "{secret} in the audit log"
        );
    }
    for secret in ["c1t1zenhash", "138****1234", "110101199001011234"] {
        assert!(!everything.contains(secret), "{secret} stored or pushed");
    }
    assert!(everything.contains("110***********1234"), "the id masked");
    assert_eq!(applied.audit.detail["text_chars"], 27);
}

#[test]
fn r21_text_is_trimmed_masked_and_bounded() {
    assert_eq!(clean_text(None), Ok(None));
    assert_eq!(clean_text(Some("  \n ")), Ok(None));
    assert_eq!(
        clean_text(Some(" 好\t评 ")).map(|t| t.unwrap_or_default()),
        Ok("好 评".into())
    );
    let check = |input: &str, expected: &str| assert_eq!(mask_digits(input), expected, "{input}");
    check("窗口3号 A001 等了20分钟", "窗口3号 A001 等了20分钟");
    check("电话13812345678", "电话138****5678");
    check("座机 6543210", "座机 *****10");
    check("0755-1234567", "0755-*****67");
    check("身份证11010119900101123X。", "身份证110***********123X。");
    check("全角１３８１２３４５６７８", "全角１３８****５６７８");
    check("123456", "123456");
    assert!(clean_text(Some(&"a".repeat(RATING_TEXT_MAX_CHARS))).is_ok());
    assert_eq!(
        clean_text(Some(&"a".repeat(RATING_TEXT_MAX_CHARS + 1))).map_err(|e| e.code),
        Err(BadRequest)
    );
}

// ---- R22 cases ---------------------------------------------------------------------------------

/// A 差评 given at `local` (window 1) and its case id.
fn bad_rating_at(t: &mut T, local: &str) -> (Rating, u64) {
    t.at(local);
    let (done, _) = served_at(t, 1);
    let r = t
        .rate_pad(1, &done, 0, VeryDissatisfied, &[Attitude])
        .expect("差评");
    let id = r.case_id.expect("a case");
    (r, id)
}

#[test]
fn r22_a_case_gets_deadlines_in_working_days_across_a_weekend_a_closed_date_and_an_extra_open_date()
{
    let mut t = hall();
    let (rating, id) = bad_rating_at(&mut t, "2026-11-23 10:00");
    let case = t.hall.ratings.cases[&id].clone();
    assert_eq!(case.rating, rating);
    // The whole case: 15 working days after Monday 11-23, skipping Wednesday 11-25 (closed) and the
    // Sunday, counting Saturday 11-28 (extra open): 24, 26, 27, 28, 30, 1, 2, 3, 4, 7, 8, 9, 10,
    // 11, 14 December.
    assert_eq!(case.due_at, at("2026-12-14 17:00"));
    assert_eq!(case.due_soon_at, at("2026-12-11 17:00"));
    // 核实: 2 working days (Tuesday 24, Thursday 26 — Wednesday is closed).
    assert_eq!(case.step_due_at, Some(at("2026-11-26 17:00")));
    assert_eq!(case.step_due_soon_at, Some(at("2026-11-24 17:00")));
    // 整改 counts its 5 days from the 核实: done Thursday 11-26, it is due Wednesday 12-02 (27,
    // 28 extra open, 30, 1, 2).
    t.at("2026-11-26 11:00");
    let after = t.step(id, CaseStep::Verify).expect("核实");
    assert_eq!(after.next_step, Some(CaseStep::Rectify));
    assert_eq!(after.step_due_at, Some(at("2026-12-02 17:00")));
    assert_eq!(
        after.steps[0].due_at,
        at("2026-11-26 17:00"),
        "done against its deadline"
    );
    // A 差评 on Friday: its 核实 counts the extra open Saturday.
    let mut t = hall();
    let (_, id) = bad_rating_at(&mut t, "2026-11-27 10:00");
    assert_eq!(
        t.hall.ratings.cases[&id].step_due_at,
        Some(at("2026-11-30 17:00")),
        "Saturday 11-28 (12:00) and Monday 11-30"
    );
    // The policy is the hall's own.
    let mut cfg = test_config("");
    cfg.cases.working_days = 3;
    cfg.cases.verify_working_days = 1;
    let mut t = T::with(cfg);
    let (_, id) = bad_rating_at(&mut t, "2026-11-27 16:00");
    let case = &t.hall.ratings.cases[&id];
    assert_eq!(case.due_at, at("2026-12-02 17:00"), "Mon, Tue, Wed");
    assert_eq!(case.step_due_at, Some(at("2026-11-30 17:00")));
}

#[test]
fn r22_the_clock_flags_a_case_due_soon_then_overdue_once_each() {
    let mut t = hall();
    let (_, id) = bad_rating_at(&mut t, "2026-11-23 10:00");
    let timing_events = |t: &mut T, local: &str| -> Vec<CaseTiming> {
        t.at(local);
        let now = t.now;
        t.hall
            .clock(now)
            .iter()
            .filter(|a| a.audit.action == "case_timing")
            .flat_map(|a| a.events.clone())
            .filter_map(|e| match e {
                Event::Case { case } => Some(case.timing),
                _ => None,
            })
            .collect()
    };
    assert_eq!(timing_events(&mut t, "2026-11-23 16:00"), vec![]);
    assert_eq!(timing_events(&mut t, "2026-11-24 16:59"), vec![]);
    // 核实 is due Thursday 17:00; its last working day starts after Tuesday's close (Wednesday is
    // closed).
    assert_eq!(
        timing_events(&mut t, "2026-11-24 17:01"),
        vec![CaseTiming::DueSoon]
    );
    assert_eq!(
        timing_events(&mut t, "2026-11-25 12:00"),
        vec![],
        "said once"
    );
    assert_eq!(
        timing_events(&mut t, "2026-11-26 17:01"),
        vec![CaseTiming::Overdue]
    );
    assert_eq!(t.hall.ratings.cases[&id].timing(t.now), CaseTiming::Overdue);
    // Doing the overdue step puts the case back on time (the whole case is far from due).
    t.at("2026-11-27 09:00");
    let case = t.step(id, CaseStep::Verify).expect("核实, late");
    assert_eq!(case.timing, CaseTiming::OnTime);
    assert_eq!(
        timing_events(&mut t, "2026-11-27 09:01"),
        vec![],
        "pushed with the step"
    );
    // The whole case's deadline flags it even between steps' deadlines.
    let mut cfg = test_config("");
    cfg.cases.working_days = 2;
    cfg.cases.verify_working_days = 1;
    cfg.cases.rectify_working_days = 2;
    cfg.cases.answer_working_days = 2;
    cfg.cases.follow_up_working_days = 2;
    let mut t = T::with(cfg);
    let (_, id) = bad_rating_at(&mut t, "2026-11-23 10:00");
    t.at("2026-11-24 10:00");
    t.step(id, CaseStep::Verify).expect("核实");
    // 整改 is due Thursday 11-26, the whole case Wednesday 11-25 17:00.
    assert_eq!(
        timing_events(&mut t, "2026-11-25 17:01"),
        vec![CaseTiming::Overdue]
    );
}

#[test]
fn r22_managers_move_a_case_through_its_four_steps_in_order() {
    let mut t = hall();
    let (rating, id) = bad_rating_at(&mut t, "2026-11-23 10:00");
    let step = |step: CaseStep, note: &str| RatingCmd::MoveCase {
        case_id: id,
        step,
        note: note.into(),
    };
    let cmd = |step_: CaseStep, note: &str| Command::Rating(step(step_, note));
    // Staff do not move cases, even their own; steps go in order; a note is required.
    t.refused(&staff(1), cmd(CaseStep::Verify, "核实"), Forbidden);
    t.refused(&kiosk(), cmd(CaseStep::Verify, "核实"), Forbidden);
    t.refused(&manager(), cmd(CaseStep::Rectify, "整改"), WrongState);
    t.refused(&manager(), cmd(CaseStep::Verify, "   "), BadRequest);
    t.refused(
        &manager(),
        cmd(CaseStep::Verify, &"很".repeat(501)),
        BadRequest,
    );
    t.refused(
        &manager(),
        Command::Rating(RatingCmd::MoveCase {
            case_id: id + 1,
            step: CaseStep::Verify,
            note: "x".into(),
        }),
        UnknownCase,
    );
    let mut seen = Vec::new();
    for (i, s) in CaseStep::ALL.into_iter().enumerate() {
        t.minutes(60);
        let case = t
            .case_cmd(
                &manager(),
                step(s, &format!("{}：已电话联系13912345678", s.name_zh())),
            )
            .expect("step");
        seen.push(case.steps.last().expect("recorded").clone());
        assert_eq!(case.steps.len(), i + 1);
        assert_eq!(case.next_step, s.next());
        let done = &case.steps[i];
        assert_eq!((done.step, done.by.as_str(), done.at), (s, "m1", t.now));
        assert!(
            done.note.ends_with("139****5678"),
            "numbers masked: {}",
            done.note
        );
    }
    let steps: Vec<CaseStep> = seen.iter().map(|d| d.step).collect();
    assert_eq!(steps, CaseStep::ALL);
    // 回访 closed it: it left the hall, and nothing more can be recorded.
    assert!(!t.hall.ratings.cases.contains_key(&id));
    t.refused(&manager(), cmd(CaseStep::FollowUp, "again"), UnknownCase);
    assert_eq!(rating.case_id, Some(id));
}

#[test]
fn r22_an_upheld_appeal_keeps_the_rating_on_record_and_closes_the_case() {
    let mut t = hall();
    let (rating, case_id) = bad_rating_at(&mut t, "2026-11-23 10:00");
    let appeal = |reason: &str| {
        Command::Rating(RatingCmd::Appeal {
            rating_id: rating.id,
            reason: reason.into(),
        })
    };
    // Only the staff member who served appeals, with a reason.
    t.refused(&staff(3), appeal("不是我"), Forbidden);
    t.refused(&manager(), appeal("不实"), Forbidden);
    t.refused(&Actor::Public, appeal("不实"), Forbidden);
    t.refused(&staff(1), appeal(""), BadRequest);
    // Nothing to decide yet.
    t.refused(
        &manager(),
        Command::Rating(RatingCmd::DecideAppeal {
            rating_id: rating.id,
            uphold: true,
            note: "成立".into(),
        }),
        WrongState,
    );
    t.minutes(30);
    let applied = t
        .apply(&staff(1), appeal("监控显示办理正常，评价不实"))
        .expect("appealed");
    assert!(applied.changes.iter().any(|c| matches!(
        c,
        Change::RatingAppeal { id, appeal: AppealState::Pending } if *id == rating.id
    )));
    assert!(
        applied
            .events
            .iter()
            .any(|e| matches!(e, Event::Rated { rating: n } if n.appeal == AppealState::Pending))
    );
    t.refused(&staff(1), appeal("again"), AppealClosed);
    // Only managers decide.
    let decide = |uphold| {
        Command::Rating(RatingCmd::DecideAppeal {
            rating_id: rating.id,
            uphold,
            note: "经核实，评价与事实不符".into(),
        })
    };
    t.refused(&staff(1), decide(true), Forbidden);
    let applied = t.apply(&manager(), decide(true)).expect("upheld");
    let Reply::Case(case) = &applied.reply else {
        panic!("{:?}", applied.reply);
    };
    assert_eq!(case.outcome, Some(CaseOutcome::AppealUpheld));
    assert_eq!(case.timing, CaseTiming::Closed);
    let a = case.appeal.as_ref().expect("appeal");
    assert_eq!(
        (a.state, a.by.as_str(), a.decided_by.as_deref()),
        (AppealState::Upheld, "s1", Some("m1"))
    );
    assert_eq!(case.rating.appeal, AppealState::Upheld, "on record, marked");
    assert!(applied.changes.iter().any(|c| matches!(
        c,
        Change::RatingAppeal {
            appeal: AppealState::Upheld,
            ..
        }
    )));
    assert_eq!(applied.audit.action, "decide_appeal");
    assert!(!t.hall.ratings.cases.contains_key(&case_id));
    t.refused(&manager(), decide(false), AppealClosed);
    // The rating itself still counts as given: a second one for the leg is refused.
    assert!(t.hall.ratings.recent.contains_key(&(rating.ticket_id, 0)));
}

#[test]
fn r22_a_rejected_appeal_lets_the_case_go_on_and_a_pending_one_blocks_its_close() {
    let mut t = hall();
    let (rating, id) = bad_rating_at(&mut t, "2026-11-23 10:00");
    t.case_cmd(
        &staff(1),
        RatingCmd::Appeal {
            rating_id: rating.id,
            reason: "评价不实".into(),
        },
    )
    .expect("appealed");
    for s in [CaseStep::Verify, CaseStep::Rectify, CaseStep::Answer] {
        t.step(id, s).expect("steps go on while the appeal waits");
    }
    t.refused(
        &manager(),
        Command::Rating(RatingCmd::MoveCase {
            case_id: id,
            step: CaseStep::FollowUp,
            note: "回访".into(),
        }),
        WrongState,
    );
    let case = t
        .case_cmd(
            &manager(),
            RatingCmd::DecideAppeal {
                rating_id: rating.id,
                uphold: false,
                note: "评价属实".into(),
            },
        )
        .expect("rejected");
    assert_eq!(case.rating.appeal, AppealState::Rejected);
    assert_eq!(case.next_step, Some(CaseStep::FollowUp));
    let closed = t.step(id, CaseStep::FollowUp).expect("回访");
    assert_eq!(closed.outcome, Some(CaseOutcome::Resolved));
}

#[test]
fn r22_appeals_only_for_an_open_case_within_the_halls_working_days() {
    let mut t = hall();
    // A good rating has no case to appeal.
    t.at("2026-11-23 09:30");
    let (done, _) = served_at(&mut t, 1);
    let good = t.rate_pad(1, &done, 0, Basic, &[]).expect("rated");
    t.refused(
        &staff(1),
        Command::Rating(RatingCmd::Appeal {
            rating_id: good.id,
            reason: "x".into(),
        }),
        AppealClosed,
    );
    let (rating, _) = bad_rating_at(&mut t, "2026-11-23 10:00");
    let appeal = Command::Rating(RatingCmd::Appeal {
        rating_id: rating.id,
        reason: "不实".into(),
    });
    // 5 working days after Monday 11-23: 24, 26, 27, 28, 30 → Monday 11-30 17:00.
    t.on("2026-11-30 17:01");
    t.refused(&staff(1), appeal.clone(), AppealClosed);
    t.at("2026-11-30 16:59");
    t.apply(&staff(1), appeal).expect("on the last working day");
}

#[test]
fn r22_the_book_after_a_restart_refuses_a_second_rating_and_keeps_open_cases() {
    let mut t = hall();
    let (rating, id) = bad_rating_at(&mut t, "2026-11-23 10:00");
    let case = t.hall.ratings.cases[&id].clone();
    let restored = RatingsRestored {
        next_rating_id: rating.id + 1,
        next_case_id: id + 1,
        recent: vec![
            (rating.ticket_id, 0, rating.id, rating.at),
            // Older than the 评价时效: forgotten (such a leg can no longer be rated anyway).
            (999, 0, 1, rating.at - 25 * 3_600_000),
        ],
        open_cases: vec![case.clone()],
    };
    let book = crate::core::rating::Book::restore(restored, t.now, 24 * 3_600_000);
    assert!(book.recent.contains_key(&(rating.ticket_id, 0)));
    assert!(!book.recent.contains_key(&(999, 0)));
    assert_eq!(book.cases.get(&id), Some(&case));
    assert_eq!(book.timing.get(&id), Some(&CaseTiming::OnTime));
    assert_eq!((book.next_rating, book.next_case), (rating.id + 1, id + 1));
}

//! R8: tickets ahead and the wait, from one forecast of the order the open windows will call in.

use super::*;

/// The forecast of a waiting ticket: (ahead, minutes).
fn of(t: &T, id: TicketId) -> (u32, Option<u32>) {
    let f = t
        .hall
        .forecast(t.hall.ticket(id).expect("open"), t.now)
        .expect("waiting");
    (f.ahead, f.minutes())
}

#[test]
fn r8_expected_minutes_until_enough_were_served_then_todays_mean() {
    let mut t = T::new();
    for _ in 0..4 {
        t.issue("a", Normal);
    }
    let closed = t.hall.forecast_new("a", t.now);
    assert_eq!(
        (closed.ahead, closed.minutes()),
        (4, None),
        "no window open"
    );
    t.sign_in(1);
    t.sign_in(3);
    // Two windows of 6 minutes each take the four: the new ticket is called after 12 minutes.
    let f = t.hall.forecast_new("a", t.now);
    assert_eq!((f.ahead, f.minutes()), (4, Some(12)));
    for _ in 0..2 {
        t.issue("a", Normal);
    }
    for _ in 0..5 {
        t.call(3).expect("call");
        t.window(3, Command::Start { window: 3 }).expect("start");
        t.minutes(2);
        t.window(
            3,
            Command::Finish {
                window: 3,
                case_no: None,
            },
        )
        .expect("finish");
    }
    // Five served at 2 minutes each: the mean moves from 6 to (5 × 6 + 5 × 2) / 10 = 4. One waits; both
    // windows are free, so one takes it and the other the new ticket at the same instant: nobody
    // is called before it.
    let f = t.hall.forecast_new("a", t.now);
    assert_eq!((f.ahead, f.minutes()), (0, Some(0)));
    let a = t.hall.availability("a", t.now);
    assert_eq!(
        (a.waiting, a.issued_today, a.estimated_wait_minutes),
        (1, 6, Some(0))
    );
}

#[test]
fn r8_a_window_busy_with_a_ticket_counts_its_remaining_time() {
    let mut t = T::new();
    t.sign_in(3);
    t.issue("a", Normal);
    t.call(3).expect("call");
    t.window(3, Command::Start { window: 3 }).expect("start");
    t.minutes(2);
    // 6 minutes expected, 2 gone: the next ticket is called in about 4.
    assert_eq!(t.hall.forecast_new("a", t.now).minutes(), Some(4));
}

#[test]
fn r8_ahead_follows_the_calling_order_with_classes_and_the_k_ratio() {
    // Window 3 serves only a; K = 3.
    let mut t = T::new();
    t.sign_in(3);
    let normals: Vec<TicketId> = (0..3).map(|_| t.issue("a", Normal)).collect();
    let prio: Vec<TicketId> = (0..4).map(|_| t.issue("a", Priority)).collect();
    let appt = t.issue("a", Appointment);
    // R11 at window 3: P P P (K reached) N P P(appt ranks with priority, FIFO) ...
    let order: Vec<TicketId> = t
        .hall
        .preview(3, 20)
        .expect("preview")
        .next
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(
        order,
        vec![
            prio[0], prio[1], prio[2], normals[0], prio[3], appt, normals[1], normals[2]
        ]
    );
    // "Ahead" of every ticket is its place in that order, appointments ranked with priority.
    for (place, id) in order.iter().enumerate() {
        assert_eq!(of(&t, *id).0, place as u32, "ticket {}", t.number(*id));
    }
    assert_eq!(of(&t, appt), (5, Some(30)));
}

/// Window 1 (a primary, b secondary) open; six a tickets and then one b, all now.
fn six_a_then_b() -> (T, TicketId) {
    let mut t = T::new();
    t.sign_in(1);
    for _ in 0..6 {
        t.issue("a", Normal);
    }
    let b = t.issue("b", Normal);
    (t, b)
}

#[test]
fn r8_a_window_serving_two_services_counts_both() {
    // Window 1 serves a (primary) and b (secondary); window 2 serves b only and is closed.
    let (mut t, b) = six_a_then_b();
    // Window 1 takes its primary a tickets first, so b is 7th there: 36 minutes of a. Six a
    // tickets came in the last hour, so more are expected, one every ten minutes (at 5, 15, 25,
    // …), and each one there when window 1 is free goes before b as well (R11: primary first):
    // those of 5–35 minutes at 36–54, of 45 and 55 at 60 and 66, of 65 at 72, of 75 at 78; at 84
    // nothing of a has come, so b: shown as 80 (from 60 minutes on, to 10). Only issued tickets
    // count as ahead.
    assert_eq!(of(&t, b), (6, Some(80)));
    // Window 2 opens for b: it is next there.
    t.sign_in(2);
    assert_eq!(of(&t, b), (0, Some(0)));
}

#[test]
fn r8_a_paused_window_does_not_count_and_a_transfer_to_a_window_waits_for_that_window() {
    let mut t = T::new();
    t.sign_in(1);
    t.sign_in(3);
    let first = t.issue("a", Normal);
    let later: Vec<TicketId> = (0..3).map(|_| t.issue("a", Normal)).collect();
    t.window(
        3,
        Command::Pause {
            window: 3,
            reason: PauseReason::Break,
        },
    )
    .expect("pause");
    // Only window 1: the last of four is called after three of 6 minutes.
    assert_eq!(of(&t, later[2]), (3, Some(18)));
    // Window 1 calls the first and transfers it to window 3 (paused, not closed): only window 3
    // can call it, and it is paused, so the wait is unknown, the place first.
    assert_eq!(t.call(1).expect("call"), t.number(first));
    t.window(
        1,
        Command::Transfer {
            window: 1,
            to: TransferTarget::Window(3),
            note: None,
        },
    )
    .expect("transfer");
    assert_eq!(of(&t, first), (0, None));
    t.window(3, Command::Resume { window: 3 }).expect("resume");
    assert_eq!(of(&t, first), (0, Some(0)));
}

/// Serves one ticket at window `w`: called, started and finished `minutes` later.
fn serve(t: &mut T, w: WindowNo, minutes: i64) {
    t.call(w).expect("call");
    t.window(w, Command::Start { window: w }).expect("start");
    t.minutes(minutes);
    t.window(
        w,
        Command::Finish {
            window: w,
            case_no: None,
        },
    )
    .expect("finish");
}

#[test]
fn r8_the_expected_minutes_weigh_as_estimate_min_served_tickets_against_todays() {
    // Window 3 serves only a (expected 6 minutes; estimate_min_served = 5).
    let mut t = T::new();
    t.sign_in(3);
    for _ in 0..5 {
        t.issue("a", Normal);
        serve(&mut t, 3, 2);
    }
    // (5 × 6 + 5 × 2) / 10 = 4 minutes a ticket: three ahead, 12 minutes.
    for _ in 0..3 {
        t.issue("a", Normal);
    }
    assert_eq!(t.hall.forecast_new("a", t.now).minutes(), Some(12));
    // Fifteen more at 2 minutes: (30 + 40) / 25 = 2.8 minutes, 8.4 for three.
    for _ in 0..15 {
        serve(&mut t, 3, 2);
        t.issue("a", Normal);
    }
    assert_eq!(t.hall.forecast_new("a", t.now).minutes(), Some(8));
}

#[test]
fn r8_a_current_ticket_counts_its_time_so_far_and_one_past_the_mean_has_a_quarter_to_go() {
    let mut t = T::new();
    t.sign_in(3);
    t.issue("a", Normal);
    t.call(3).expect("call");
    t.window(3, Command::Start { window: 3 }).expect("start");
    t.minutes(10);
    // The 10 minutes so far weigh in the mean: (5 × 6 + 10) / 5 = 8 minutes a ticket, and the
    // current one, past it, still has a quarter of it to go.
    assert_eq!(t.hall.forecast_new("a", t.now).minutes(), Some(2));
    t.issue("a", Normal);
    assert_eq!(t.hall.forecast_new("a", t.now).minutes(), Some(10));
}

#[test]
fn r8_long_waits_are_rounded_to_5_from_30_minutes_and_to_10_from_60() {
    let m = |min: f64| crate::core::estimate::round_minutes((min * 60_000.0) as Millis);
    assert_eq!(
        [
            0.0, 0.4, 12.6, 29.4, 29.6, 32.0, 33.0, 57.4, 57.6, 64.0, 65.0, 124.0
        ]
        .map(m),
        [0, 0, 13, 29, 30, 30, 35, 55, 60, 60, 70, 120]
    );
}

#[test]
fn r8_no_window_calls_in_the_lunch_break_of_the_opening_hours() {
    // The test hall is open 09:00-12:00 and 13:30-17:00 (issuing closes 30 minutes before 12:00).
    // Four a tickets taken at 11:00; at 11:40 window 3 (a only) calls them at 11:40, 11:46, 11:52
    // and 11:58; the next call would be at 12:04, in the break, so at 13:30: 110 minutes for a
    // new ticket instead of 24.
    let mut t = T::new();
    t.at("2026-11-23 11:00");
    t.sign_in(3);
    let tickets: Vec<TicketId> = (0..4).map(|_| t.issue("a", Normal)).collect();
    t.at("2026-11-23 11:40");
    assert_eq!(of(&t, tickets[3]), (3, Some(18)));
    assert_eq!(t.hall.forecast_new("a", t.now).minutes(), Some(110));
    // In the afternoon the break is past: 4 × 6 minutes.
    t.at("2026-11-23 14:00");
    assert_eq!(t.hall.forecast_new("a", t.now).minutes(), Some(24));
}

#[test]
fn r8_later_arrivals_at_todays_rate_go_ahead_only_where_r11_calls_them_first() {
    // Window 3 serves a only. Four normal a tickets in the last hour, and two priority ones.
    let mut t = T::new();
    t.sign_in(3);
    let normals: Vec<TicketId> = (0..4).map(|_| t.issue("a", Normal)).collect();
    let mut priority = Vec::new();
    for _ in 0..2 {
        priority.push(t.issue("a", Priority));
    }
    // The priority tickets first (0, 6), then the normal ones, 6 minutes each. Priority a
    // tickets are expected one every 30 minutes (at 15, 45, …): the one of 15 is there when the
    // window is free at 18, so it goes before the second normal one: normals at 12, 24, 30 and
    // 36 (shown as 35). Later normal tickets never go ahead of a normal one (they queue behind
    // it), and the expected priority ticket does not count as ahead: it is not issued.
    assert_eq!(of(&t, normals[3]), (5, Some(35)));
    assert_eq!(of(&t, normals[0]), (2, Some(12)));
    // The priority tickets are not overtaken by later priority tickets.
    assert_eq!(of(&t, priority[1]), (1, Some(6)));
}

#[test]
fn r8_a_windows_plan_its_breaks_and_hours_are_forecast() {
    // Window 3 (a only) plans a break at 10:00-10:30; window 1 (a primary) plans to sign in at
    // 10:15 only.
    let mut cfg = test_config("");
    for w in &mut cfg.windows {
        match w.number {
            3 => w.plan.breaks = vec![(600, 630)],
            1 => w.plan.hours = vec![(615, 1020)],
            _ => {}
        }
    }
    let mut t = T::with(cfg);
    t.at("2026-11-23 09:50");
    t.sign_in(3);
    let first = t.issue("a", Normal);
    let ids: Vec<TicketId> = (0..3).map(|_| t.issue("a", Normal)).collect();
    assert_eq!(t.call(3).expect("call"), t.number(first));
    // Window 3 is busy with the first until 09:56, calls the next then, and pauses at 10:00
    // until 10:30 once that one is done (10:02); window 1 signs in at 10:15 and calls the
    // third, and the fourth when done at 10:21 (31 minutes, shown as 30), before window 3 is back.
    assert_eq!(of(&t, ids[0]), (0, Some(6)));
    assert_eq!(of(&t, ids[1]), (1, Some(25)));
    assert_eq!(of(&t, ids[2]), (2, Some(30)));
    // Paused in its planned break, window 3 still counts from the break's end: at 10:05 with
    // window 1 not signed in, the next is called at 10:15 (window 1's planned start).
    t.at("2026-11-23 10:05");
    t.window(
        3,
        Command::Finish {
            window: 3,
            case_no: None,
        },
    )
    .expect("finish");
    t.window(
        3,
        Command::Pause {
            window: 3,
            reason: PauseReason::Break,
        },
    )
    .expect("pause");
    assert_eq!(of(&t, ids[0]), (0, Some(10)));
    // A pause outside the plan may last any time: the wait is unknown if no other window is in.
    t.at("2026-11-23 10:40");
    assert_eq!(of(&t, ids[0]), (0, None));
}

#[test]
fn r8_the_later_arrivals_expected_survive_a_restart_from_the_open_tickets() {
    // As in the two-services case: six a tickets make more a expected, which go before b.
    let (mut t, b) = six_a_then_b();
    assert_eq!(of(&t, b), (6, Some(80)));
    t.hall = t.rebuilt();
    assert_eq!(of(&t, b), (6, Some(80)), "after a restart");
}

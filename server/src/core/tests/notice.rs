//! R32 near-turn notices: when a waiting ticket is near (places or minutes, once per leg, only
//! while a window can call it), each call and recall, the day-before reminder of a booking, the
//! phone's path (kept apart, moved at check-in), and nothing at all in a hall without notices.

use super::booking::{HOURS, book_cmd, booking_config};
use super::*;
use crate::config::NotifyCfg;
use crate::core::notice::{NoticeKind, NoticeOwner, NoticePhone};
use crate::core::{BookingCmd, Notice};

const PHONE: &str = "13800138000";

fn notify_hall(f: impl FnOnce(&mut NotifyCfg)) -> T {
    T::with(test_config("").with_notify(f))
}

impl T {
    /// Issues a normal ticket of `service` at the kiosk, with notices to [`PHONE`] when `notify`.
    fn issue_notify(&mut self, service: &str, notify: bool) -> (TicketId, Applied) {
        self.secrets += 1;
        let cmd = Command::Issue(IssueCmd {
            service_id: service.into(),
            class: Normal,
            citizen_hash: None,
            phone_masked: Some("138****8000".into()),
            helper: None,
            notice: notify.then(|| NoticePhone::Given(PHONE.into())),
            secret: format!("{:032x}", self.secrets),
        });
        let applied = self.apply(&kiosk(), cmd).expect("issue");
        let Reply::Issued(r) = &applied.reply else {
            panic!("{:?}", applied.reply)
        };
        (r.ticket.id, applied)
    }

    /// What the engine asks after a batch.
    fn take_notices(&mut self) -> Vec<Notice> {
        let now = self.now;
        self.hall
            .take_notices(now)
            .map(|a| {
                assert_eq!(a.audit.action, "notices_queued");
                assert!(
                    !a.changes.iter().any(|c| matches!(c, Change::Fact(_))),
                    "a notice closes no leg: {:?}",
                    a.changes
                );
                notices(&a)
            })
            .unwrap_or_default()
    }
}

fn notices(a: &Applied) -> Vec<Notice> {
    a.changes
        .iter()
        .filter_map(|c| match c {
            Change::Notice(n) => Some((**n).clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_waiting_ticket_is_told_once_when_three_are_ahead() {
    let mut t = notify_hall(|n| {
        n.ahead = 3;
        n.minutes = 0;
    });
    t.sign_in(1);
    for _ in 0..5 {
        t.issue_notify("a", false);
    }
    let (id, issued) = t.issue_notify("a", true);
    // The phone goes to the store once, with the issue, and nowhere else.
    let phones: Vec<&Change> = issued
        .changes
        .iter()
        .filter(|c| matches!(c, Change::NoticePhone { .. }))
        .collect();
    assert_eq!(
        phones,
        [&Change::NoticePhone {
            owner: NoticeOwner::Ticket(id),
            phone: PHONE.into()
        }]
    );
    let ticket_json = serde_json::to_string(t.hall.ticket(id).expect("open")).expect("json");
    assert!(!ticket_json.contains(PHONE), "{ticket_json}");
    assert!(!format!("{:?}{:?}", issued.events, issued.audit).contains(PHONE));
    assert!(t.take_notices().is_empty(), "5 ahead");
    t.serve(1);
    assert!(t.take_notices().is_empty(), "4 ahead");
    t.call(1).expect("call");
    let sent = t.take_notices();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let n = &sent[0];
    assert_eq!(n.kind, NoticeKind::NearTurn);
    assert_eq!(n.owner, NoticeOwner::Ticket(id));
    assert_eq!(n.key, format!("near_turn:{id}:1"));
    assert_eq!(n.payload["ahead"], 3);
    assert_eq!(n.payload["number"], "A006");
    assert_eq!(n.payload["service"], "甲");
    assert!(!n.payload.to_string().contains(PHONE));
    // Once per leg: nearer still is not another notice, nor is the next look.
    assert_eq!(
        t.hall
            .ticket(id)
            .and_then(|x| x.notify)
            .map(|m| m.near_legs),
        Some(1)
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
    t.serve(1);
    assert!(t.take_notices().is_empty());
    assert!(t.take_notices().is_empty());
}

#[test]
fn an_estimate_within_the_minutes_is_near_too() {
    // Service a takes 6 minutes a ticket; the notice at an estimate of at most 10 minutes.
    let mut t = notify_hall(|n| {
        n.ahead = 0;
        n.minutes = 10;
    });
    t.sign_in(3);
    t.issue_notify("a", false);
    t.issue_notify("a", false);
    let (id, _) = t.issue_notify("a", true);
    assert!(t.take_notices().is_empty(), "about 12 minutes");
    t.call(3).expect("call");
    assert!(t.take_notices().is_empty(), "still about 12 minutes");
    // The clock alone brings it within 10 minutes: the current ticket is nearly done.
    t.minutes(3);
    let sent = t.take_notices();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].owner, NoticeOwner::Ticket(id));
    assert!(sent[0].payload["wait_minutes"].as_u64().expect("minutes") <= 10);
}

#[test]
fn a_queue_no_window_can_call_is_not_near() {
    let mut t = notify_hall(|_| {});
    let (id, _) = t.issue_notify("a", true);
    assert!(t.take_notices().is_empty(), "no window open");
    t.sign_in(1);
    t.apply(
        &staff(1),
        Command::Pause {
            window: 1,
            reason: PauseReason::Break,
        },
    )
    .expect("pause");
    assert!(t.take_notices().is_empty(), "the only window is paused");
    t.apply(&staff(1), Command::Resume { window: 1 })
        .expect("resume");
    let sent = t.take_notices();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].owner, NoticeOwner::Ticket(id));
    assert_eq!(sent[0].payload["ahead"], 0);
}

#[test]
fn a_transfer_starts_a_new_wait_worth_a_new_notice() {
    let mut t = notify_hall(|_| {});
    t.sign_in(1);
    t.sign_in(2);
    let (id, _) = t.issue_notify("a", true);
    assert_eq!(t.take_notices().len(), 1);
    t.call(1).expect("call");
    t.window(1, Command::Start { window: 1 }).expect("start");
    t.window(
        1,
        Command::Transfer {
            window: 1,
            to: TransferTarget::Service("b".into()),
            note: None,
        },
    )
    .expect("transfer");
    let sent = t.take_notices();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].key, format!("near_turn:{id}:2"));
}

#[test]
fn each_call_and_recall_is_a_notice_with_the_window() {
    let mut t = notify_hall(|_| {});
    t.sign_in(1);
    let (id, _) = t.issue_notify("a", true);
    let other = t.issue_notify("a", false).0;
    let called = t
        .apply(&staff(1), Command::CallNext { window: 1 })
        .expect("call");
    let sent = notices(&called);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].kind, NoticeKind::Called);
    assert_eq!(sent[0].key, format!("called:{}", called.seq));
    assert_eq!(sent[0].owner, NoticeOwner::Ticket(id));
    assert_eq!(sent[0].payload["window"], 1);
    assert_eq!(sent[0].payload["window_name"], "综合窗口");
    assert_eq!(sent[0].payload["recall"], false);
    let recalled = t
        .apply(&staff(1), Command::Recall { window: 1 })
        .expect("recall");
    let again = notices(&recalled);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].key, format!("called:{}", recalled.seq));
    assert_eq!(again[0].payload["recall"], true);
    // A ticket without notices is called without one.
    t.window(1, Command::Start { window: 1 }).expect("start");
    t.window(
        1,
        Command::Finish {
            window: 1,
            case_no: None,
        },
    )
    .expect("finish");
    let next = t
        .apply(&staff(1), Command::CallNext { window: 1 })
        .expect("call");
    assert_eq!(
        next.audit.ticket_id,
        Some(other),
        "the second ticket was called"
    );
    assert!(notices(&next).is_empty());
}

#[test]
fn a_hall_without_notices_queues_none() {
    let mut t = T::new();
    t.sign_in(1);
    let (id, _) = t.issue_notify("a", true);
    assert!(t.hall.take_notices(t.now).is_none());
    let called = t
        .apply(&staff(1), Command::CallNext { window: 1 })
        .expect("call");
    assert_eq!(called.audit.ticket_id, Some(id));
    assert!(notices(&called).is_empty());
    assert!(!t.hall.hall_info(t.now).notify);
}

fn booking_hall() -> T {
    let mut t = T::with(booking_config(HOURS).with_notify(|n| n.reminder_time = 18 * 60));
    t.at("2026-11-23 08:00");
    t
}

/// A booking with notices to [`PHONE`]: its code and its id.
fn book_notify(t: &mut T, date: &str, start: &str, who: &str) -> (String, i64) {
    let mut cmd = book_cmd(date, start, who);
    if let Command::Booking(BookingCmd::Book(b)) = &mut cmd {
        b.notice_phone = Some(PHONE.into());
    }
    let applied = t.apply(&Actor::Public, cmd).expect("book");
    let Reply::Booking(r) = &applied.reply else {
        panic!("{:?}", applied.reply)
    };
    let code = r.booking.code.clone();
    let id = t
        .hall
        .bookings
        .values()
        .find(|b| b.code == code)
        .map(|b| b.id)
        .expect("stored");
    assert!(applied.changes.contains(&Change::NoticePhone {
        owner: NoticeOwner::Booking(id),
        phone: PHONE.into()
    }));
    (code, id)
}

#[test]
fn bookings_are_reminded_once_at_the_reminder_time_the_day_before() {
    let mut t = booking_hall();
    let tomorrow = book_notify(&mut t, "2026-11-24", "10:00", "p1");
    let later = book_notify(&mut t, "2026-11-26", "10:00", "p2");
    let cancelled = book_notify(&mut t, "2026-11-24", "14:00", "p3");
    t.apply(
        &Actor::Staff("s1".into()),
        Command::Booking(BookingCmd::Cancel {
            code: cancelled.0.clone(),
            phone_hash: None,
        }),
    )
    .expect("cancel");
    t.at("2026-11-23 17:59");
    assert!(t.take_notices().is_empty(), "before 18:00");
    t.at("2026-11-23 18:00");
    let sent = t.take_notices();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let n = &sent[0];
    assert_eq!(n.kind, NoticeKind::BookingReminder);
    assert_eq!(n.owner, NoticeOwner::Booking(tomorrow.1));
    assert_eq!(n.key, format!("booking_reminder:{}", tomorrow.1));
    assert_eq!(n.payload["date"], "2026-11-24");
    assert_eq!(n.payload["slot"], "10:00-10:30");
    assert_eq!(n.payload["code"], tomorrow.0.as_str());
    assert!(t.take_notices().is_empty(), "once");
    // Booked after the reminder time: just made, no reminder.
    t.at("2026-11-23 19:00");
    book_notify(&mut t, "2026-11-24", "10:30", "p4");
    assert!(t.take_notices().is_empty());
    // Two days later, the other booking's turn.
    t.at("2026-11-25 18:00");
    let sent = t.take_notices();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].owner, NoticeOwner::Booking(later.1));
}

#[test]
fn a_checked_in_booking_hands_its_phone_to_the_ticket() {
    let mut t = booking_hall();
    let b = book_notify(&mut t, "2026-11-23", "10:00", "p1");
    t.at("2026-11-23 09:45");
    let cmd = t.check_in_cmd(&b.0);
    let applied = t.apply(&kiosk(), cmd).expect("check in");
    let Reply::CheckIn(r) = &applied.reply else {
        panic!("{:?}", applied.reply)
    };
    let id = r.issued.ticket.id;
    let moved = Change::NoticePhoneMoved {
        from: NoticeOwner::Booking(b.1),
        to: NoticeOwner::Ticket(id),
    };
    let at_move = applied.changes.iter().position(|c| *c == moved);
    let at_booking = applied
        .changes
        .iter()
        .position(|c| matches!(c, Change::Booking(_)));
    assert!(
        at_move.is_some() && at_move < at_booking,
        "moved before the booking closes: {:?}",
        applied.changes
    );
    assert!(t.hall.ticket(id).is_some_and(|x| x.notify.is_some()));
    t.sign_in(1);
    let sent = t.take_notices();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].owner, NoticeOwner::Ticket(id));
}

#[test]
fn what_was_sent_survives_a_restart() {
    let mut t = notify_hall(|_| {});
    t.sign_in(1);
    let (id, _) = t.issue_notify("a", true);
    assert_eq!(t.take_notices().len(), 1);
    let stored = t.hall.ticket(id).expect("open").clone();
    let back: StoredTicket =
        serde_json::from_str(&serde_json::to_string(&stored).expect("json")).expect("back");
    assert_eq!(back.notify, stored.notify);
    let restored = Restored {
        tickets: vec![back],
        windows: t.hall.windows.values().cloned().collect(),
        next_ticket_id: id + 1,
        business_day: Some(t.hall.business_day().to_string()),
        ..Restored::default()
    };
    let mut again = T {
        hall: Hall::new(t.hall.cfg.clone(), restored, t.now),
        now: t.now,
        secrets: 100,
    };
    assert!(again.take_notices().is_empty(), "not sent twice");
}

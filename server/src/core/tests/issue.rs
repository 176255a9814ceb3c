//! Issuing: R1 numbering, R2 classes, R5 refusals, R7 tokens.

use super::*;

// ---- R1 numbering ------------------------------------------------------------------------------

#[test]
fn r1_numbers_per_service_per_day_never_reused() {
    let mut t = T::new();
    t.sign_in(1);
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
        notice: None,
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
            notice: None,
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

// ---- R7 token ---------------------------------------------------------------------------------

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
        .public_ticket(t.hall.by_token(&issued.token).expect("t"), t.now);
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
fn the_public_ticket_tells_the_hall_time_it_was_taken_and_todays_hours() {
    let mut t = T::new();
    t.at("2026-11-23 10:05");
    let id = t.issue("a", Normal);
    let stored = t.hall.ticket(id).expect("open").clone();
    let public = t.hall.public_ticket(&stored, t.now);
    assert_eq!(public.issued_time, "10:05");
    assert_eq!(public.hours_today, ["09:00-12:00", "13:30-17:00"]);
    // Asia/Shanghai: the page shows the hall's time from the server's instant with it.
    assert_eq!(public.utc_offset_minutes, 480);
    // A Saturday the test hall is closed: no hours.
    t.at("2026-11-28 10:00");
    assert!(t.hall.public_ticket(&stored, t.now).hours_today.is_empty());
}

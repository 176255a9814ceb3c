use qcall_client::{ClientError, Lang};
use qcall_protocol::{
    ApiError, AppealState, ErrorCode, Millis, Rating, RatingInvite, RatingLevel, RatingNotice,
    RatingReason, RatingRequest, RatingSource,
};

use super::*;

const T0: Millis = 1_795_399_200_000;

fn invite(ticket_id: i64, window: u32) -> RatingInvite {
    RatingInvite {
        window,
        ticket_id,
        leg: 0,
        number: format!("A{ticket_id:03}"),
        service_id: "tax".into(),
        staff_no: Some("1001".into()),
        ended_at: T0,
        valid_until: T0 + 86_400_000,
    }
}

fn stored(r: &RatingRequest) -> Rating {
    Rating {
        id: 1,
        ticket_id: r.ticket_id,
        number: "A001".into(),
        leg: r.leg,
        business_day: "2026-11-23".into(),
        service_id: "tax".into(),
        window: 1,
        staff_no: Some("1001".into()),
        case_no: None,
        level: r.level,
        reasons: r.reasons.clone(),
        text: r.text.clone(),
        source: RatingSource::Pad,
        at: T0,
        called_at: None,
        started_at: None,
        finished_at: T0,
        appeal: AppealState::None,
        case_id: None,
    }
}

/// A pad at window 1 asking about ticket 1.
fn asking() -> Pad {
    let mut pad = Pad::new(1);
    pad.invited(&invite(1, 1), T0);
    pad
}

fn sent(cmd: Option<PadCommand>) -> RatingRequest {
    match cmd {
        Some(PadCommand::Send(r)) => r,
        None => panic!("nothing was sent"),
    }
}

fn id(n: u32) -> impl FnOnce() -> String {
    move || format!("id-{n}")
}

#[test]
fn a_good_level_is_sent_at_once_thanked_and_the_pad_is_idle_again() {
    let mut pad = Pad::new(1);
    assert_eq!(pad.step, PadStep::Idle);
    // Another window's invite is not this pad's.
    pad.invited(&invite(9, 2), T0);
    assert_eq!(pad.step, PadStep::Idle);
    pad.invited(&invite(1, 1), T0);
    assert!(matches!(pad.step, PadStep::Ask { .. }));
    let r = sent(pad.intent(
        PadIntent::Level(RatingLevel::Satisfied),
        T0 + 1_000,
        true,
        id(1),
    ));
    assert_eq!(
        (r.request_id.as_str(), r.ticket_id, r.leg, r.level),
        ("id-1", 1, 0, RatingLevel::Satisfied)
    );
    assert!(r.reasons.is_empty() && r.text.is_none());
    // In flight: every tap is inert, the clock does not send it idle, a new invite waits.
    assert!(pad.is_sending());
    assert_eq!(
        pad.intent(
            PadIntent::Level(RatingLevel::Basic),
            T0 + 2_000,
            true,
            id(2)
        ),
        None
    );
    pad.tick(T0 + 120_000);
    assert!(matches!(pad.step, PadStep::Ask { .. }));
    pad.answered(Ok(stored(&r)), T0 + 3_000, Lang::Zh);
    assert_eq!(
        pad.step,
        PadStep::Done {
            note: None,
            since: T0 + 3_000
        }
    );
    assert_eq!(pad.next_change(T0 + 3_000), Some(THANKS_MS));
    pad.tick(T0 + 3_000 + THANKS_MS - 1);
    assert!(matches!(pad.step, PadStep::Done { .. }));
    pad.tick(T0 + 3_000 + THANKS_MS);
    assert_eq!(pad.step, PadStep::Idle);
    assert_eq!(pad.next_change(T0 + 10_000), None);
}

#[test]
fn a_bad_level_needs_a_reason_and_sends_the_chips_and_trimmed_words() {
    let mut pad = asking();
    assert_eq!(
        pad.intent(
            PadIntent::Level(RatingLevel::VeryDissatisfied),
            T0,
            true,
            id(1)
        ),
        None,
        "a 差评 is not sent without its reason"
    );
    assert!(matches!(
        pad.step,
        PadStep::Reasons {
            level: RatingLevel::VeryDissatisfied,
            ..
        }
    ));
    assert!(!pad.can_submit());
    assert_eq!(pad.intent(PadIntent::Submit, T0, true, id(1)), None);
    for r in [
        RatingReason::Other,
        RatingReason::Attitude,
        RatingReason::Skill,
    ] {
        pad.intent(PadIntent::Reason(r), T0, true, id(0));
    }
    // A second tap un-chooses.
    pad.intent(PadIntent::Reason(RatingReason::Skill), T0, true, id(0));
    let long: String = "慢".repeat(300);
    pad.intent(PadIntent::Text(long), T0, true, id(0));
    let PadStep::Reasons { text, .. } = &pad.step else {
        panic!("reasons");
    };
    assert_eq!(text.chars().count(), TEXT_MAX_CHARS, "capped as typed");
    pad.intent(PadIntent::Text("  等了很久  ".into()), T0, true, id(0));
    assert!(pad.can_submit());
    let r = sent(pad.intent(PadIntent::Submit, T0, true, id(7)));
    assert_eq!(r.level, RatingLevel::VeryDissatisfied);
    assert_eq!(
        r.reasons,
        vec![RatingReason::Attitude, RatingReason::Other],
        "in the order of the chips"
    );
    assert_eq!(r.text.as_deref(), Some("等了很久"));
    assert_eq!(r.request_id, "id-7");
}

#[test]
fn back_from_the_reasons_keeps_the_leg_and_blank_words_are_none() {
    let mut pad = asking();
    pad.intent(PadIntent::Level(RatingLevel::Dissatisfied), T0, true, id(0));
    pad.intent(PadIntent::Back, T0, true, id(0));
    assert_eq!(
        pad.step,
        PadStep::Ask {
            invite: invite(1, 1)
        }
    );
    pad.intent(PadIntent::Level(RatingLevel::Dissatisfied), T0, true, id(0));
    pad.intent(PadIntent::Reason(RatingReason::Efficiency), T0, true, id(0));
    pad.intent(PadIntent::Text("   ".into()), T0, true, id(0));
    assert_eq!(
        sent(pad.intent(PadIntent::Submit, T0, true, id(1))).text,
        None
    );
}

#[test]
fn without_a_touch_for_the_idle_time_the_pad_goes_idle_and_sends_nothing() {
    let mut pad = asking();
    pad.set_idle_seconds(30);
    pad.tick(T0 + 29_999);
    assert!(matches!(pad.step, PadStep::Ask { .. }));
    assert_eq!(pad.next_change(T0 + 29_000), Some(1_000));
    // A touch starts the 30 s again.
    pad.intent(
        PadIntent::Level(RatingLevel::Dissatisfied),
        T0 + 20_000,
        true,
        id(0),
    );
    pad.intent(
        PadIntent::Reason(RatingReason::Attitude),
        T0 + 25_000,
        true,
        id(0),
    );
    pad.tick(T0 + 54_999);
    assert!(matches!(pad.step, PadStep::Reasons { .. }));
    pad.tick(T0 + 55_000);
    assert_eq!(pad.step, PadStep::Idle, "the half-made 差评 is dropped");
    assert!(!pad.is_sending());
    // The hall's own idle time.
    let mut pad = asking();
    pad.set_idle_seconds(60);
    pad.tick(T0 + 59_999);
    assert!(matches!(pad.step, PadStep::Ask { .. }));
    pad.tick(T0 + 60_000);
    assert_eq!(pad.step, PadStep::Idle);
}

#[test]
fn a_lost_answer_is_sent_again_with_the_same_id_and_a_new_choice_gets_a_new_one() {
    let mut pad = asking();
    let first = sent(pad.intent(PadIntent::Level(RatingLevel::Basic), T0, true, id(1)));
    pad.answered(Err(ClientError::Timeout), T0 + 10_000, Lang::Zh);
    assert!(matches!(pad.step, PadStep::Ask { .. }), "the choice stays");
    assert_eq!(
        pad.problem.as_deref(),
        Some("评价未提交：服务器无响应，请稍后重试。请再点一次")
    );
    let again = sent(pad.intent(PadIntent::Level(RatingLevel::Basic), T0, true, id(2)));
    assert_eq!(again, first, "one rating, one id (R6)");
    pad.answered(
        Err(ClientError::Network("down".into())),
        T0 + 11_000,
        Lang::En,
    );
    let other = sent(pad.intent(
        PadIntent::Level(RatingLevel::VerySatisfied),
        T0,
        true,
        id(3),
    ));
    assert_eq!(other.request_id, "id-3");
}

#[test]
fn offline_nothing_is_sent_and_the_choice_waits() {
    let mut pad = asking();
    assert_eq!(
        pad.intent(PadIntent::Level(RatingLevel::Satisfied), T0, false, id(1)),
        None
    );
    assert!(!pad.is_sending());
    assert!(matches!(pad.step, PadStep::Ask { .. }));
    assert!(sent(pad.intent(PadIntent::Level(RatingLevel::Satisfied), T0, true, id(1))).leg == 0);
}

#[test]
fn refusals_end_the_rating_with_their_reason_and_a_rating_on_the_phone_ends_the_ask() {
    let refused = |code: ErrorCode| ClientError::Api(ApiError::new(code, "no"));
    let mut pad = asking();
    sent(pad.intent(PadIntent::Level(RatingLevel::Satisfied), T0, true, id(1)));
    pad.answered(Err(refused(ErrorCode::AlreadyRated)), T0, Lang::Zh);
    assert_eq!(
        pad.step,
        PadStep::Done {
            note: Some(Text::PadAlreadyRated),
            since: T0
        }
    );
    let mut pad = asking();
    sent(pad.intent(PadIntent::Level(RatingLevel::Satisfied), T0, true, id(1)));
    pad.answered(Err(refused(ErrorCode::RatingExpired)), T0, Lang::Zh);
    assert_eq!(
        pad.step,
        PadStep::Done {
            note: Some(Text::ErrRatingExpired),
            since: T0
        }
    );
    // A flood refusal keeps the choice, says why, and a new tap is a new request.
    let mut pad = asking();
    sent(pad.intent(PadIntent::Level(RatingLevel::Satisfied), T0, true, id(1)));
    pad.answered(Err(refused(ErrorCode::RateLimited)), T0, Lang::Zh);
    assert!(matches!(pad.step, PadStep::Ask { .. }));
    assert!(pad.problem.is_some());
    // Rated on the phone: the pad stops asking; another leg's rating changes nothing.
    let mut pad = asking();
    let notice = |ticket_id| RatingNotice {
        id: 1,
        ticket_id,
        number: "A001".into(),
        leg: 0,
        business_day: "2026-11-23".into(),
        window: 1,
        staff_no: None,
        service_id: "tax".into(),
        level: RatingLevel::Satisfied,
        source: RatingSource::Phone,
        at: T0,
        appeal: AppealState::None,
        case_id: None,
    };
    pad.rated(&notice(5));
    assert!(matches!(pad.step, PadStep::Ask { .. }));
    pad.rated(&notice(1));
    assert_eq!(pad.step, PadStep::Idle);
}

#[test]
fn the_next_citizens_invite_replaces_the_question_and_the_same_one_again_does_not_restart_it() {
    let mut pad = asking();
    pad.intent(
        PadIntent::Level(RatingLevel::Dissatisfied),
        T0 + 5_000,
        true,
        id(0),
    );
    // The same invite again (GET /rating-pad after a reconnect) keeps the citizen's progress.
    pad.invited(&invite(1, 1), T0 + 6_000);
    assert!(matches!(pad.step, PadStep::Reasons { .. }));
    pad.invited(&invite(2, 1), T0 + 7_000);
    assert_eq!(
        pad.step,
        PadStep::Ask {
            invite: invite(2, 1)
        }
    );
    pad.intent(PadIntent::Elder, T0, true, id(0));
    assert!(pad.elder);
}

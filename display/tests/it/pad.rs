//! The rating pad (评价器, R21, R33) against a real server: a finished leg asks the citizen, a tap
//! on a level is one rating, a 差评 takes its reasons and words, the pad returns to idle after the
//! hall's idle time on an injected clock without recording anything, and offline it says so; and
//! snapshot images of every step in Chinese and English, and in 长者模式.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use egui::{Vec2, vec2};
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotResults};
use qcall_client::ui::{Look, apply_look, install_fonts};
use qcall_client::{Lang, RestClient, Update, WindowAction};
use qcall_display::pad::{PadIntent, PadStep, THANKS_MS};
use qcall_display::pad_view::level_words;
use qcall_display::{DisplayApp, DisplayOptions, Model, Screen};
use qcall_protocol::{
    Event, RatingCounts, RatingInvite, RatingLevel, RatingReason, StaffCard, WindowNo,
};

use crate::screens::{connect, hall_snapshot};
use crate::server::*;

/// A 10-inch touch screen, landscape.
const PAD: Vec2 = vec2(1280.0, 800.0);

/// The pad of window 1 as its device config says, on a local clock that is the wall clock plus
/// `offset` ms (tests move it forward instead of waiting).
fn pad_display(hall: &Hall, offset: Arc<AtomicI64>) -> Harness<'static, Option<DisplayApp>> {
    let mut options = Some(DisplayOptions {
        server: hall.addr(),
        key: PAD_1.into(),
        lang: Lang::Zh,
        screen: None,
        layout: None,
        marquee: qcall_display::view::MarqueePlace::Inline,
        silent: true,
        voice: None,
    });
    Harness::builder().with_size(PAD).build_ui_state(
        move |ui, app: &mut Option<DisplayApp>| {
            let app = app.get_or_insert_with(|| {
                let mut app = DisplayApp::new(ui.ctx(), options.take().expect("options once"))
                    .expect("display starts");
                let offset = offset.clone();
                app.set_clock(move || qcall_client::local_now() + offset.load(Ordering::SeqCst));
                app
            });
            app.pump();
            app.show(ui);
        },
        None,
    )
}

fn step(app: &DisplayApp) -> PadStep {
    app.model().pad().map_or(PadStep::Idle, |p| p.step.clone())
}

fn is_asking(app: &DisplayApp) -> bool {
    matches!(step(app), PadStep::Ask { .. })
}

fn is_done(app: &DisplayApp) -> bool {
    matches!(step(app), PadStep::Done { .. })
}

/// Calls, starts and finishes the next ticket at `window`.
fn serve_one(hall: &Hall, staff: &RestClient, window: WindowNo) {
    for action in [
        WindowAction::CallNext,
        WindowAction::Start,
        WindowAction::Finish,
    ] {
        hall.act(staff, window, action);
    }
}

fn today_ratings(hall: &Hall, staff: &RestClient) -> RatingCounts {
    hall.rt.block_on(staff.today(1)).expect("today").ratings
}

#[test]
fn a_finished_leg_asks_a_tap_is_one_rating_and_an_untouched_question_goes_idle_recording_nothing() {
    let hall = Hall::start();
    let offset = Arc::new(AtomicI64::new(0));
    let mut pad = pad_display(&hall, offset.clone());
    until(&mut pad, "the snapshot", |a| {
        a.model().live().has_snapshot()
    });
    assert_eq!(
        pad.state().as_ref().and_then(|a| a.model().screen()),
        Some(Screen::RatingPad(1)),
        "the device's mode from the hall config"
    );
    let staff = hall.staff_at("1001", 1);
    until(&mut pad, "the staff card", |a| {
        a.model()
            .live()
            .window(1)
            .is_some_and(|w| w.staff.is_some())
    });
    pad.get_by_label("办理结束后，请在此对本次服务进行评价");
    pad.get_by_label("工号 1001");
    assert!(pad.query_by_label("满意").is_none(), "idle: no buttons");
    assert_eq!(
        level_words(RatingLevel::VeryDissatisfied, Lang::Zh),
        "非常\n不满意"
    );

    let number = hall.issue("tax");
    serve_one(&hall, &staff, 1);
    until(&mut pad, "the question", is_asking);
    pad.get_by_label("请对本次服务进行评价");
    pad.get_by_label_contains(&format!("您的号码：{number}"));
    // Five buttons with their words (two lines where long), no faces alone.
    for level in RatingLevel::ALL {
        pad.get_by_label(&level_words(level, Lang::Zh));
    }
    pad.get_by_label("满意").click();
    until(&mut pad, "the thanks", is_done);
    pad.get_by_label("感谢您的评价");
    let counts = today_ratings(&hall, &staff);
    assert_eq!((counts.satisfied, counts.rated()), (1, 1), "{counts:?}");
    // The thanks go after a few seconds.
    offset.store(THANKS_MS, Ordering::SeqCst);
    until(&mut pad, "idle after the thanks", |a| {
        step(a) == PadStep::Idle
    });
    pad.get_by_label("办理结束后，请在此对本次服务进行评价");

    // The next citizen walks away: 30 s (the demo hall's pad_idle_seconds) later the pad is idle
    // and nothing was recorded.
    hall.issue("tax");
    serve_one(&hall, &staff, 1);
    until(&mut pad, "the second question", is_asking);
    pad.get_by_label("不满意").click();
    until(&mut pad, "the reasons", |a| {
        matches!(step(a), PadStep::Reasons { .. })
    });
    offset.fetch_add(29_000, Ordering::SeqCst);
    pad.run_steps(2);
    assert!(matches!(
        step(pad.state().as_ref().expect("app")),
        PadStep::Reasons { .. }
    ));
    offset.fetch_add(1_000, Ordering::SeqCst);
    until(&mut pad, "idle after 30 s untouched", |a| {
        step(a) == PadStep::Idle
    });
    assert_eq!(
        today_ratings(&hall, &staff).rated(),
        1,
        "an untouched question records nothing"
    );
}

#[test]
fn a_bad_rating_in_english_takes_its_reasons_and_words_and_offline_the_pad_says_so() {
    let mut hall = Hall::start();
    let mut pad = pad_display(&hall, Arc::new(AtomicI64::new(0)));
    until(&mut pad, "the snapshot", |a| {
        a.model().live().has_snapshot()
    });
    let staff = hall.staff_at("1001", 1);
    hall.issue("tax");
    serve_one(&hall, &staff, 1);
    until(&mut pad, "the question", is_asking);
    pad.get_by_label("English").click();
    pad.run_steps(2);
    pad.get_by_label("Please rate this service");
    pad.get_by_label("Very\ndissatisfied").click();
    until(&mut pad, "the reasons", |a| {
        matches!(step(a), PadStep::Reasons { .. })
    });
    pad.get_by_label_contains("What was wrong?");
    // Submit waits for a reason.
    pad.get_by_label("Submit").click();
    pad.run_steps(2);
    assert!(matches!(
        step(pad.state().as_ref().expect("app")),
        PadStep::Reasons { .. }
    ));
    pad.get_by_label("Speed").click();
    pad.get_by_label("Attitude").click();
    pad.run_steps(2);
    let text = pad.get_by_role(egui::accesskit::Role::MultilineTextInput);
    text.click();
    pad.run_steps(1);
    pad.get_by_role(egui::accesskit::Role::MultilineTextInput)
        .type_text("Waited 40 min");
    pad.run_steps(2);
    pad.get_by_label("Submit").click();
    until(&mut pad, "the thanks", is_done);
    pad.get_by_label("Thank you for your rating");
    let counts = today_ratings(&hall, &staff);
    assert_eq!(
        (counts.very_dissatisfied, counts.rated()),
        (1, 1),
        "{counts:?}"
    );

    // The server goes away: the pad keeps its screen and says it cannot take ratings.
    hall.stop();
    until(&mut pad, "the lost link", |a| !a.model().online());
    pad.get_by_label("This rating pad is offline; ratings cannot be given now");
}

// ---- Snapshot images -------------------------------------------------------------------------

/// A connected pad of window 1 whose window has a staff member signed in.
fn pad_model(lang: Lang) -> Model {
    let mut snapshot = hall_snapshot(1, "A039");
    snapshot.windows[0].staff = Some(StaffCard {
        staff_no: "1001".into(),
        name: "张敏".into(),
        badges: vec!["党员示范岗".into()],
        photo: None,
    });
    snapshot.windows[0].current = None;
    let mut model = Model::new(Some(Screen::RatingPad(1)), lang);
    connect(&mut model, snapshot);
    model
}

/// The pad asked to rate A039 at `local_now`.
fn invited(mut model: Model, local_now: i64) -> Model {
    let at = model.live().snapshot().map_or(0, |s| s.at);
    let invite = RatingInvite {
        window: 1,
        ticket_id: 100,
        leg: 0,
        number: "A039".into(),
        service_id: "company".into(),
        staff_no: Some("1001".into()),
        ended_at: at,
        valid_until: at + 86_400_000,
    };
    model.apply(
        &Update::Events {
            seq: 6,
            at,
            events: vec![Event::RatingInvite { invite }],
            received_at: local_now,
        },
        local_now,
    );
    model
}

fn snapshot(results: &mut SnapshotResults, model: Model, now: i64, name: &str) {
    let mut harness = Harness::builder()
        .with_size(PAD)
        .wgpu()
        .with_context_setup(|ctx| {
            install_fonts(ctx);
            apply_look(ctx, Look::Dark, 1.0);
        })
        .build_ui(move |ui| {
            qcall_display::view::view(&model, ui, now);
        });
    harness.run_steps(3);
    results.add(harness.try_snapshot(name));
}

#[test]
fn snapshot_images_of_the_rating_pad_idle_levels_reasons_and_thanks_in_both_languages() {
    let mut results = SnapshotResults::new();
    for lang in Lang::ALL {
        let code = lang.code();
        // The hall time on screen from the snapshot's server time, whatever the wall clock says.
        let base = pad_model(lang);
        let now = base.live().snapshot().map_or(0, |s| s.at) - base.live().server_now(0) + 20_000;
        snapshot(&mut results, base.clone(), now, &format!("pad_idle_{code}"));
        let asking = invited(base, now);
        assert!(matches!(
            asking.pad().map(|p| &p.step),
            Some(PadStep::Ask { .. })
        ));
        snapshot(
            &mut results,
            asking.clone(),
            now,
            &format!("pad_levels_{code}"),
        );
        let mut reasons = asking.clone();
        let id = || "snapshot".to_string();
        reasons.pad_intent(PadIntent::Level(RatingLevel::Dissatisfied), now, id);
        reasons.pad_intent(PadIntent::Reason(RatingReason::Efficiency), now, id);
        reasons.pad_intent(PadIntent::Text("等候时间太长".into()), now, id);
        snapshot(&mut results, reasons, now, &format!("pad_reasons_{code}"));
        let mut thanks = asking.clone();
        let sent = thanks.pad_intent(PadIntent::Level(RatingLevel::VerySatisfied), now, id);
        let Some(qcall_display::pad::PadCommand::Send(request)) = sent else {
            panic!("a good level is sent at once");
        };
        thanks.pad_answered(Ok(rating_of(&request)), now);
        snapshot(&mut results, thanks, now, &format!("pad_thanks_{code}"));
        if lang == Lang::Zh {
            let mut elder = asking;
            elder.pad_intent(PadIntent::Elder, now, id);
            snapshot(&mut results, elder, now, "pad_levels_elder_zh");
        }
    }
}

fn rating_of(r: &qcall_protocol::RatingRequest) -> qcall_protocol::Rating {
    qcall_protocol::Rating {
        id: 1,
        ticket_id: r.ticket_id,
        number: "A039".into(),
        leg: r.leg,
        business_day: "2026-11-23".into(),
        service_id: "company".into(),
        window: 1,
        staff_no: Some("1001".into()),
        case_no: None,
        level: r.level,
        reasons: r.reasons.clone(),
        text: r.text.clone(),
        source: qcall_protocol::RatingSource::Pad,
        at: 0,
        called_at: None,
        started_at: None,
        finished_at: 0,
        appeal: qcall_protocol::AppealState::None,
        case_id: None,
    }
}

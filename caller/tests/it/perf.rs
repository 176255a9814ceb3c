//! Key press → the new ticket on the caller's own screen, with a local server: prints
//! `key_to_screen_p99_ms=<n>` (a figure, not a timed assertion). Debug builds spend most of it in
//! unoptimised egui; the figure to quote is the release one:
//! `cargo test --release -p qcall-caller --test it perf -- --nocapture`.

use std::time::{Duration, Instant};

use egui::Key;

use crate::util::*;

/// The same path as the app takes it: a plain egui context (no accessibility tree, which only the
/// test harness builds), a key event, `pump` + `show` each pass, and the pass's shapes tessellated
/// as a renderer would. Stops when a pass has drawn the new number: a text shape with exactly the
/// new ticket's number is in the pass's output. Each press comes when the app is quiet (the
/// previous no-show's follow-up requests answered), as a press at a real window does.
#[test]
fn key_to_screen_latency_plain_context() {
    const SAMPLES: usize = 100;
    let hall = Hall::start();
    for _ in 0..SAMPLES {
        hall.issue("company");
    }
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    let mut app = h.into_state();
    app.model.debounce_ms = 0;
    let ctx = egui::Context::default();
    qcall_caller::CallerApp::setup(&ctx);
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(SIZE[0], SIZE[1]));
    // Returns the texts the pass drew.
    let pass = |app: &mut qcall_caller::CallerApp, events: Vec<egui::Event>| -> Vec<String> {
        let input = egui::RawInput {
            screen_rect: Some(screen),
            events,
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| {
            app.pump();
            app.show(ui);
        });
        let texts = output
            .shapes
            .iter()
            .filter_map(|s| match &s.shape {
                egui::Shape::Text(t) => Some(t.galley.text().to_string()),
                _ => None,
            })
            .collect();
        // A renderer would upload these; here they are only let go.
        output.textures_delta.clear();
        let _ = ctx.tessellate(output.shapes, output.pixels_per_point);
        texts
    };
    let key = |pressed| egui::Event::Key {
        key: Key::F1,
        physical_key: None,
        pressed,
        repeat: false,
        modifiers: Default::default(),
    };
    pass(&mut app, vec![]);
    let mut samples = Vec::with_capacity(SAMPLES);
    let mut answers = Vec::with_capacity(SAMPLES);
    let mut passes = Vec::new();
    for _ in 0..SAMPLES {
        let before = current(&app);
        let pressed = Instant::now();
        pass(&mut app, vec![key(true)]);
        pass(&mut app, vec![key(false)]);
        let mut drawn = false;
        let mut answered = None;
        while !drawn {
            if answered.is_none() && app.model.pending.is_none() {
                answered = Some(pressed.elapsed());
            }
            // The app sleeps until the network thread wakes it; poll finely instead.
            std::thread::sleep(Duration::from_micros(100));
            let t = Instant::now();
            let texts = pass(&mut app, vec![]);
            passes.push(t.elapsed());
            if answered.is_none() && app.model.pending.is_none() {
                answered = Some(pressed.elapsed());
            }
            let shown = current(&app);
            drawn = shown.is_some()
                && shown != before
                && texts.iter().any(|t| Some(t) == shown.as_ref());
            assert!(
                pressed.elapsed() < Duration::from_secs(10),
                "no call: pending {:?}, message {:?}, current {:?}, screen {:?}, can_act {}",
                app.model.pending,
                app.model.message,
                current(&app),
                app.model.screen,
                app.model.can_act()
            );
        }
        samples.push(pressed.elapsed());
        // The number can be drawn from the push before the call's own answer is in; a press
        // while an action is on its way is ignored, so let the answer land first (not measured).
        let answering = Instant::now();
        while app.model.pending.is_some() {
            std::thread::sleep(Duration::from_millis(1));
            pass(&mut app, vec![]);
            assert!(answering.elapsed() < Duration::from_secs(10), "no answer");
        }
        answers.push(answered.unwrap_or_else(|| pressed.elapsed()));
        assert!(app.model.message.is_none());
        let commands = app.model.intent(qcall_caller::Intent::Act(
            qcall_client::WindowAction::NoShow,
        ));
        assert!(!commands.is_empty(), "the no-show was not sent");
        app.run(commands);
        // Quiet again: the no-show, the preview and today's figures answered, the pushes taken.
        let quiet = Instant::now();
        while !(app.model.pending.is_none() && app.is_idle())
            || quiet.elapsed() < Duration::from_millis(30)
        {
            std::thread::sleep(Duration::from_millis(1));
            pass(&mut app, vec![]);
            assert!(quiet.elapsed() < Duration::from_secs(10), "never quiet");
        }
        assert_eq!(
            app.model.message, None,
            "the no-show was refused; the next press would find the window busy"
        );
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    answers.sort();
    passes.sort();
    println!(
        "plain key_to_answer_p50_ms={:.2} pass_p50_ms={:.2}",
        ms(answers[SAMPLES / 2]),
        ms(passes[passes.len() / 2])
    );
    println!("plain key_to_screen_p50_ms={:.2}", ms(samples[SAMPLES / 2]));
    println!(
        "key_to_screen_p99_ms={:.2}",
        ms(samples[(SAMPLES * 99).div_ceil(100) - 1])
    );
}

/// The floor under the figures above: the call-next request alone, from a plain REST client.
#[test]
fn call_next_round_trip_alone() {
    const SAMPLES: usize = 50;
    let hall = Hall::start();
    for _ in 0..SAMPLES {
        hall.issue("company");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let rest = qcall_client::RestClient::new(&hall.addr).expect("client");
    let login = rt.block_on(rest.login("1001", PASSWORD)).expect("login");
    let rest = rest.with_bearer(login.token);
    let act = |action: qcall_client::WindowAction| {
        rt.block_on(rest.window_action(1, &action, &qcall_client::RequestId::new()))
            .expect("action")
    };
    act(qcall_client::WindowAction::SignIn);
    let mut samples = Vec::new();
    for _ in 0..SAMPLES {
        let t = Instant::now();
        act(qcall_client::WindowAction::CallNext);
        samples.push(t.elapsed());
        act(qcall_client::WindowAction::NoShow);
    }
    samples.sort();
    println!(
        "call_next_rest_p50_ms={:.2} p99_ms={:.2}",
        samples[SAMPLES / 2].as_secs_f64() * 1000.0,
        samples[SAMPLES - 1].as_secs_f64() * 1000.0
    );
}

//! Key press → the new ticket on the caller's own screen, with a local server: prints
//! `key_to_screen_p99_ms=<n>` (a figure, not a timed assertion).

use std::time::{Duration, Instant};

use egui::Key;
use egui_kittest::kittest::Queryable;

use crate::util::*;

#[test]
fn key_to_screen_latency() {
    const SAMPLES: usize = 100;
    let hall = Hall::start();
    for _ in 0..SAMPLES {
        hall.issue("company");
    }
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;
    let mut samples = Vec::with_capacity(SAMPLES);
    let mut answers = Vec::with_capacity(SAMPLES);
    let mut frames = Vec::new();
    for _ in 0..SAMPLES {
        let before = current(h.state());
        let pressed = Instant::now();
        h.key_press(Key::F1);
        let mut answered = None;
        loop {
            let frame = Instant::now();
            h.step();
            frames.push(frame.elapsed());
            if answered.is_none() && h.state().model.pending.is_none() {
                answered = Some(pressed.elapsed());
            }
            // On screen: the frame just drawn has the new number as a label.
            if let Some(number) = current(h.state())
                && Some(&number) != before.as_ref()
                && h.query_all_by_label(&number).next().is_some()
            {
                break;
            }
            assert!(pressed.elapsed() < Duration::from_secs(10), "no call");
            std::thread::sleep(Duration::from_micros(200));
        }
        samples.push(pressed.elapsed());
        answers.push(answered.unwrap_or_default());
        assert!(h.state().model.message.is_none());
        // Clear the window for the next call (not measured).
        h.key_press(Key::F5);
        h.step();
        settle(&mut h);
    }
    samples.sort();
    answers.sort();
    frames.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p50 = ms(samples[SAMPLES / 2]);
    let p99 = ms(samples[(SAMPLES * 99).div_ceil(100) - 1]);
    println!("key_to_screen_p50_ms={p50:.2}");
    println!("key_to_screen_p99_ms={p99:.2}");
    println!("key_to_screen_max_ms={:.2}", ms(samples[SAMPLES - 1]));
    // Where the time goes: the answer (request, server, commit, reply) and the frames around it.
    println!("key_to_answer_p50_ms={:.2}", ms(answers[SAMPLES / 2]));
    println!(
        "key_to_answer_p99_ms={:.2}",
        ms(answers[(SAMPLES * 99).div_ceil(100) - 1])
    );
    println!("frame_p50_ms={:.2}", ms(frames[frames.len() / 2]));
}

/// The same path as the app takes it: a plain egui context (no accessibility tree, which only the
/// test harness builds), a key event, `pump` + `show` each pass, and the pass's shapes tessellated
/// as a renderer would. Stops when a pass has drawn the new number.
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
    let pass = |app: &mut qcall_caller::CallerApp, events: Vec<egui::Event>| {
        let input = egui::RawInput {
            screen_rect: Some(screen),
            events,
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| {
            app.pump();
            app.show(ui);
        });
        // A renderer would upload these; here they are only let go.
        output.textures_delta.clear();
        let _ = ctx.tessellate(output.shapes, output.pixels_per_point);
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
            let shown = current(&app);
            let t = Instant::now();
            pass(&mut app, vec![]);
            passes.push(t.elapsed());
            drawn = shown.is_some() && shown != before;
            assert!(pressed.elapsed() < Duration::from_secs(10), "no call");
        }
        samples.push(pressed.elapsed());
        answers.push(answered.unwrap_or_default());
        assert!(app.model.message.is_none());
        let commands = app.model.intent(qcall_caller::Intent::Act(
            qcall_client::WindowAction::NoShow,
        ));
        app.run(commands);
        while app.model.pending.is_some() {
            std::thread::sleep(Duration::from_millis(1));
            app.pump();
        }
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

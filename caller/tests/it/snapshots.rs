//! Images of the sign-in and main screens (egui_kittest snapshots, rendered by wgpu; on a machine
//! without a GPU, lavapipe renders them on the CPU). Regenerate with `UPDATE_SNAPSHOTS=1`.

use egui::Key;

use crate::util::*;

#[test]
fn sign_in_screen() {
    let hall = Hall::start();
    let mut h = caller(&hall);
    // The test server's port changes every run; the image shows a typical hall address.
    h.state_mut().model.server = "http://192.168.1.10:8700".into();
    type_into(&mut h, "工号", "1001");
    h.step();
    h.snapshot("caller_sign_in");
}

#[test]
fn main_screen_serving_with_a_queue() {
    let hall = Hall::start();
    let first = hall.issue("company").ticket;
    for service in ["company", "tax", "company", "tax", "company"] {
        hall.issue(service);
    }
    let mut h = caller(&hall);
    sign_in(&mut h, "1001", 1);
    h.state_mut().model.debounce_ms = 0;
    // One ticket served earlier for today's figures, then the next one called after 5 minutes'
    // wait and started a minute later.
    hall.clock.advance_ms(4 * 60_000);
    press(&mut h, Key::F1);
    wait(&mut h, "the first call", |app| {
        current(app) == Some(first.number.clone())
    });
    press(&mut h, Key::F3);
    settle(&mut h);
    hall.clock.advance_ms(6 * 60_000);
    press(&mut h, Key::F4);
    settle(&mut h);
    press(&mut h, Key::F1);
    wait(&mut h, "the second call", |app| {
        current(app).is_some_and(|n| n != first.number)
    });
    hall.clock.advance_ms(60_000);
    press(&mut h, Key::F3);
    wait(&mut h, "serving", |app| {
        app.model.current().is_some_and(|c| c.handling_ms.is_some())
            && app.model.today.as_ref().is_some_and(|t| t.served == 1)
            && app
                .model
                .preview
                .as_ref()
                .is_some_and(|p| p.next.len() == 4)
    });
    // Handling for 3 minutes 25 seconds, as the hall's clock says.
    h.state_mut().model.fixed_server_now = Some(hall_now(&hall) + 205_000);
    h.step();
    h.step();
    h.snapshot("caller_main_serving");
}

fn hall_now(hall: &Hall) -> qcall_protocol::Millis {
    use qcall_server::clock::Clock;
    hall.clock.now()
}

//! R11: the calling order through call-next.

use super::*;

// ---- R11 calling order -------------------------------------------------------------------------

#[test]
fn r11_call_next_follows_class_ratio_primary_and_fifo() {
    let mut t = T::new();
    t.sign_in(1); // primary a, secondary b; K = 3
    t.issue("a", Normal); // A001
    t.issue("b", Normal); // B001
    for _ in 0..4 {
        t.issue("a", Priority); // A002 … A005
    }
    t.issue("a", Normal); // A006
    t.issue("b", Green); // B002
    let preview: Vec<String> = t
        .hall
        .preview(1, 20)
        .expect("preview")
        .next
        .iter()
        .map(|x| x.number.clone())
        .collect();
    let mut called = Vec::new();
    while let Ok(n) = t.call(1) {
        t.window(1, Command::Start { window: 1 }).expect("start");
        t.window(
            1,
            Command::Finish {
                window: 1,
                case_no: None,
            },
        )
        .expect("finish");
        called.push(n);
    }
    // Green first even from a secondary service; three priority; then a normal (K = 3), primary
    // first; priority again; the remaining normal of the primary, then of the secondary service.
    assert_eq!(
        called,
        [
            "B002", "A002", "A003", "A004", "A001", "A005", "A006", "B001"
        ]
    );
    assert_eq!(preview, called, "the preview is the calling order");
}

#[test]
fn r11_strict_priority_with_k_zero() {
    let mut t = T::with({
        let mut c = test_config("");
        c.rules.priority_ratio = 0;
        c
    });
    t.sign_in(3);
    t.issue("a", Normal);
    for _ in 0..4 {
        t.issue("a", Priority);
    }
    let called: Vec<String> = (0..5).map(|_| t.serve(3)).collect();
    assert_eq!(called, ["A002", "A003", "A004", "A005", "A001"]);
}

#[test]
fn r11_appointment_ranks_with_priority_fifo_between_them() {
    let mut t = T::new();
    t.sign_in(3);
    t.issue("a", Normal);
    t.issue("a", Appointment);
    t.issue("a", Priority);
    let called: Vec<String> = (0..3).map(|_| t.serve(3)).collect();
    assert_eq!(called, ["A002", "A003", "A001"]);
}

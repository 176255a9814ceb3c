//! Issue 19's edge cases where they cross the API: each as a hall met it from outside.

use qcall_protocol::*;

use crate::util::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edges_of_a_real_day_over_the_api() {
    let server = TestServer::start(2).await;
    let kiosk = server.client(KIOSK);
    let w1 = server.at_window("s1", 1).await;

    // A transfer to a window nobody is signed in at is refused with the reason.
    kiosk.issue("a", TicketClass::Normal).await.expect("A001");
    w1.act(1, "call-next").await.expect("call");
    let refused = w1
        .post::<ActionResponse>(
            "/api/v1/windows/1/transfer",
            &serde_json::json!({ "to": { "window": 2 } }),
        )
        .await
        .expect_err("window 2 is closed");
    assert_eq!(refused.code, ErrorCode::WindowClosed);

    // Hold it and sign out: the citizen goes back to the head of the queue, not stranded.
    w1.act(1, "hold").await.expect("hold");
    let out = w1
        .act(1, "sign-out")
        .await
        .expect("sign out with a held ticket");
    assert!(out.window.held.is_empty());
    let w2 = server.at_window("s2", 2).await;
    let called = w2.act(2, "call-next").await.expect("window 2 calls it");
    assert_eq!(called.ticket.expect("ticket").number, "A001");

    // Staff cancel only in their window's queues; a manager anywhere; a manager acts at no window.
    let b = kiosk.issue("b", TicketClass::Normal).await.expect("B001");
    let a = kiosk.issue("a", TicketClass::Normal).await.expect("A002");
    let idle = server.staff("s1").await;
    let not_mine = idle
        .post::<TicketResponse>(
            &format!("/api/v1/tickets/{}/cancel", a.ticket.id),
            &serde_json::json!({}),
        )
        .await
        .expect_err("not signed in anywhere");
    assert_eq!(not_mine.code, ErrorCode::Forbidden);
    let manager = server.staff("m1").await;
    manager
        .post::<TicketResponse>(
            &format!("/api/v1/tickets/{}/cancel", b.ticket.id),
            &serde_json::json!({}),
        )
        .await
        .expect("a manager cancels anywhere");
    let manager_call = manager
        .act(2, "call-next")
        .await
        .expect_err("managers do not act at windows");
    assert_eq!(manager_call.code, ErrorCode::Forbidden);
    // And /today of another window is not a staff member's to read.
    assert_eq!(
        idle.get::<WindowToday>("/api/v1/windows/2/today")
            .await
            .expect_err("not my window")
            .code,
        ErrorCode::NotSignedIn
    );
    server.stop().await;
}

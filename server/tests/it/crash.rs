//! R1, R28: kill the server binary with SIGKILL in the middle of a load, restart it, and every ticket
//! a client was told about is there with the same number; numbering continues without reuse.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use qcall_protocol::*;

use crate::util::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_load_loses_no_acknowledged_ticket() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("hall.toml"), round_the_clock_for_now(2)).expect("config");
    // request id → (ticket id, number) for every answer a client got.
    let mut acknowledged: HashMap<String, (TicketId, String)> = HashMap::new();
    for cycle in 0..3 {
        let (mut server, _) = Binary::start(dir.path()).await;
        let mut tasks = Vec::new();
        for c in 0..6 {
            let kiosk = server.client(Some(KIOSK));
            tasks.push(tokio::spawn(async move {
                let mut got = Vec::new();
                for i in 0.. {
                    let request_id = format!("c{cycle}-k{c}-{i}");
                    let req = IssueRequest {
                        notify: false,
                        request_id: request_id.clone(),
                        service_id: "a".into(),
                        class: TicketClass::Normal,
                        citizen_id: None,
                        phone: None,
                        helper: None,
                    };
                    let sent = kiosk
                        .http
                        .post(format!("{}/api/v1/tickets", kiosk.base))
                        .bearer_auth(KIOSK)
                        .json(&req)
                        .send()
                        .await;
                    let Ok(resp) = sent else { break };
                    if resp.status() != 200 {
                        break;
                    }
                    let Ok(issued) = resp.json::<IssueResponse>().await else {
                        break;
                    };
                    got.push((request_id, issued.ticket.id, issued.ticket.number));
                }
                got
            }));
        }
        tokio::time::sleep(Duration::from_millis(400 + 150 * cycle)).await;
        server.child.kill().expect("SIGKILL");
        server.child.wait().expect("reaped");
        let mut this_cycle = 0;
        for t in tasks {
            for (rid, id, number) in t.await.expect("client") {
                acknowledged.insert(rid, (id, number));
                this_cycle += 1;
            }
        }
        assert!(
            this_cycle > 20,
            "cycle {cycle}: the load ran ({this_cycle} tickets)"
        );

        let (mut server, _) = Binary::start(dir.path()).await;
        let manager = server.staff("m1").await;
        let mut numbers = std::collections::HashSet::new();
        for (id, number) in acknowledged.values() {
            let t: Ticket = manager
                .get(&format!("/api/v1/tickets/{id}"))
                .await
                .unwrap_or_else(|e| panic!("ticket {id} {number} lost: {e}"));
            assert_eq!(&t.number, number, "same number after the crash");
            assert!(numbers.insert(number.clone()), "{number} given twice");
        }
        // A kiosk retry of an acknowledged touch still gets its ticket, not a new one (R6).
        // (One of this cycle's touches: the "fresh-" entries below were issued with other ids.)
        let (rid, (id, _)) = acknowledged
            .iter()
            .find(|(rid, _)| rid.starts_with(&format!("c{cycle}-")))
            .expect("a touch of this cycle");
        let kiosk = server.client(Some(KIOSK));
        let retry: IssueResponse = kiosk
            .post(
                "/api/v1/tickets",
                &IssueRequest {
                    notify: false,
                    request_id: rid.clone(),
                    service_id: "a".into(),
                    class: TicketClass::Normal,
                    citizen_id: None,
                    phone: None,
                    helper: None,
                },
            )
            .await
            .expect("retry");
        assert_eq!(retry.ticket.id, *id);
        // Numbering continues past every number ever acknowledged.
        let fresh = kiosk
            .issue("a", TicketClass::Normal)
            .await
            .expect("after restart");
        let n = |s: &str| s[1..].parse::<u32>().expect("number");
        let max = acknowledged
            .values()
            .map(|(_, num)| n(num))
            .max()
            .expect("max");
        assert!(
            n(&fresh.ticket.number) > max,
            "{} after {max}",
            fresh.ticket.number
        );
        acknowledged.insert(
            format!("fresh-{cycle}"),
            (fresh.ticket.id, fresh.ticket.number),
        );
        server.child.kill().expect("stop");
        server.child.wait().expect("reaped");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_websockets_and_exits_cleanly() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("hall.toml"), round_the_clock_for_now(2)).expect("config");
    let (mut server, _) = Binary::start(dir.path()).await;
    let kiosk = server.client(Some(KIOSK));
    let issued = kiosk
        .issue("a", TicketClass::Normal)
        .await
        .expect("a ticket before the stop");
    let (mut board, _) = tokio_tungstenite::connect_async(server.ws_url())
        .await
        .expect("ws");
    board
        .send(Message::Text(
            serde_json::to_string(&Hello::Device { key: BOARD.into() })
                .expect("hello")
                .into(),
        ))
        .await
        .expect("hello");
    let first = board.next().await.expect("snapshot").expect("ok");
    assert!(
        first
            .to_text()
            .expect("text")
            .contains("\"type\":\"snapshot\"")
    );

    let pid = server.child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    // The board is told goodbye with a Close frame, not left with a reset or a silent end.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(msg) = board.next().await {
            match msg {
                Ok(Message::Close(_)) => return Ok(()),
                Ok(_) => continue,
                Err(e) => return Err(format!("the socket failed instead: {e}")),
            }
        }
        Err("the stream ended without a Close frame".to_string())
    })
    .await
    .expect("the WebSocket closes within 5 s of SIGTERM");
    assert_eq!(closed, Ok(()));
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the server exits within 10 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "clean exit: {exit:?}");
    // And the ticket is there after the restart.
    let (mut again, _) = Binary::start(dir.path()).await;
    let login: LoginResponse = again
        .client(None)
        .post(
            "/api/v1/auth/login",
            &LoginRequest {
                staff_no: "m1".into(),
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("login");
    let t: Ticket = again
        .client(Some(&login.token))
        .get(&format!("/api/v1/tickets/{}", issued.ticket.id))
        .await
        .expect("ticket");
    assert_eq!(t.number, issued.ticket.number);
    again.child.kill().expect("stop");
    again.child.wait().expect("reaped");
}

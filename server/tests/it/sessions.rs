//! Staff sessions (C7, R27): a token works across a restart, and a staff socket closes when its
//! token expires, against the hall's clock.

use qcall_protocol::*;

use crate::util::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_survives_a_restart_and_a_staff_socket_closes_when_it_expires() {
    let server = TestServer::start(2).await;
    let login: LoginResponse = server
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &LoginRequest {
                staff_no: "s1".into(),
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("login");
    let (clock, dir) = server.stop().await;
    clock.advance_ms(60_000);
    let server = TestServer::start_with(&hall_toml(2, ""), clock.clone(), Some(dir)).await;
    let staff = server.client(&login.token);
    staff
        .get::<HallResponse>("/api/v1/hall")
        .await
        .expect("the token still works after a restart");
    let mut live = Live::connect(
        &server.ws_url,
        Hello::Staff {
            token: login.token.clone(),
        },
    )
    .await
    .expect("the socket opens after a restart");
    assert!(matches!(
        live.snapshot.identity,
        Identity::Staff { ref staff_no, .. } if staff_no == "s1"
    ));
    // Past its expiry, the open socket is told and closed; a new hello is refused; REST is 401.
    server.clock.set(login.expires_at + 1);
    loop {
        match live.next().await {
            ServerMsg::Refused { error } => {
                assert_eq!(error.code, ErrorCode::Unauthorized);
                break;
            }
            ServerMsg::Events { .. } => continue,
            other => panic!("expected the session to end, got {other:?}"),
        }
    }
    let again = Live::connect(
        &server.ws_url,
        Hello::Staff {
            token: login.token.clone(),
        },
    )
    .await
    .err()
    .expect("refused");
    assert_eq!(again.code, ErrorCode::Unauthorized);
    assert_eq!(
        staff
            .get::<HallResponse>("/api/v1/hall")
            .await
            .expect_err("expired")
            .code,
        ErrorCode::Unauthorized
    );
    server.stop().await;
}

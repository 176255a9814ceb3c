//! `https://` and `wss://` server addresses, the way a hall runs them: the real server behind a TLS
//! terminator (the README's reverse proxy) whose certificate is signed by a CA of the hall's own,
//! made here at test time. With that CA as `ca_file`, REST and the WebSocket work through it; with
//! the machine's store alone, both fail as a TLS failure, which the apps name as such.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use qcall_client::connection::{ConnectionConfig, ConnectionState, LinkError};
use qcall_client::i18n::{self, Lang, Text};
use qcall_client::{ClientArgs, ClientError, NetThread, RestClient, ServerAddr, Settings};
use qcall_protocol::*;
use qcall_server::clock::ManualClock;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};

use crate::util::*;

const WAIT: Duration = Duration::from_secs(15);

/// A hall CA and a certificate it signed for 127.0.0.1, as an admin would make them.
struct Pki {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

fn hall_pki() -> Pki {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "qcall test hall CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key")).expect("CA");
    let leaf_key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf");
    Pki {
        ca_pem: ca.pem(),
        chain: vec![leaf.der().clone(), ca.der().clone()],
        key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()),
    }
}

/// A TLS terminator on 127.0.0.1 in front of `backend`, like the README's nginx: each connection's
/// TLS ends here and the bytes go on to the server in plain HTTP. Runs until the test ends.
async fn tls_proxy(pki: &Pki, backend: u16) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), PrivateKeyDer::Pkcs8(pki.key.clone_key()))
        .expect("server certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let local = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that does not trust the certificate ends the handshake here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(("127.0.0.1", backend)).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    local
}

#[derive(clap::Parser)]
struct Cli {
    #[command(flatten)]
    client: ClientArgs,
}

/// The settings an app loads from `--server URL [--ca-file FILE]`.
fn settings(server: &str, ca_file: Option<&Path>) -> Settings {
    let mut argv = vec![
        "app".to_string(),
        "--server".to_string(),
        server.to_string(),
    ];
    if let Some(path) = ca_file {
        argv.push("--ca-file".into());
        argv.push(path.display().to_string());
    }
    let cli = Cli::try_parse_from(argv).expect("command line");
    Settings::load(&cli.client).expect("settings")
}

fn write_ca(dir: &Path, pki: &Pki) -> PathBuf {
    let path = dir.join("hall-ca.pem");
    std::fs::write(&path, &pki.ca_pem).expect("write CA");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_and_the_websocket_work_over_tls_with_the_halls_ca() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let server = Server::start(port, dir.path(), ManualClock::new(START)).await;
    let pki = hall_pki();
    let proxy = tls_proxy(&pki, port).await;
    let ca_file = write_ca(dir.path(), &pki);
    let settings = settings(&format!("https://{proxy}"), Some(&ca_file));
    assert_eq!(settings.server.http_base(), format!("https://{proxy}"));
    assert_eq!(settings.server.ws_url(), format!("wss://{proxy}/api/v1/ws"));

    // REST over https, as the kiosk makes it.
    let kiosk = RestClient::new(&settings.server)
        .expect("rest")
        .with_bearer(KIOSK);
    let hall = kiosk.hall().await.expect("the hall over https");
    assert_eq!(hall.windows.len(), 8, "the demo hall");

    // The WebSocket over wss, as the hall board makes it: hello, snapshot, then live events.
    let net = NetThread::start().expect("net");
    let mut board = Watcher::start(
        &net,
        ConnectionConfig::to_server(&settings.server, Hello::Device { key: BOARD.into() }),
    );
    board
        .until("the board's snapshot over wss", WAIT, |l| l.is_live())
        .await;
    assert!(board.live.display().is_some(), "a display's snapshot");
    assert_eq!(board.live.windows().len(), 8);
    let waiting = board.live.availability_of("tax").expect("tax").waiting;
    kiosk.issue(&issue("tax")).await.expect("issue over https");
    board
        .until("the issue's event over wss", WAIT, |l| {
            l.availability_of("tax").map(|a| a.waiting) == Some(waiting + 1)
        })
        .await;
    drop(board);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_halls_ca_the_apps_say_the_secure_connection_failed() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let server = Server::start(port, dir.path(), ManualClock::new(START)).await;
    let pki = hall_pki();
    let proxy = tls_proxy(&pki, port).await;
    // The machine's store alone: it has never heard of this hall's CA.
    let settings = settings(&format!("https://{proxy}"), None);

    let rest = RestClient::new(&settings.server)
        .expect("rest")
        .with_bearer(KIOSK);
    let error = rest.hall().await.expect_err("an untrusted certificate");
    let ClientError::Tls(detail) = &error else {
        panic!("a TLS failure, not {error:?}");
    };
    assert!(
        detail.contains("UnknownIssuer") || detail.to_lowercase().contains("issuer"),
        "{detail}"
    );
    assert_eq!(i18n::client_error_text(&error), Text::TlsFailed);

    let net = NetThread::start().expect("net");
    let mut board = Watcher::start(
        &net,
        ConnectionConfig::to_server(&settings.server, Hello::Device { key: BOARD.into() }),
    );
    board
        .until("a TLS link error", WAIT, |l| {
            matches!(
                l.connection(),
                ConnectionState::Reconnecting {
                    last_error: LinkError::Tls(_),
                    ..
                }
            )
        })
        .await;
    assert!(!board.live.has_snapshot(), "nothing got through");
    assert_eq!(
        i18n::connection_text(board.live.connection()).map(|t| t.get(Lang::Zh)),
        Some(Text::TlsFailed.get(Lang::Zh))
    );
    drop(board);

    // A ca_file with some other CA does not help either.
    let other = hall_pki();
    let wrong = dir.path().join("other-ca.pem");
    std::fs::write(&wrong, &other.ca_pem).expect("write");
    let wrong_ca = settings_with(&proxy, &wrong);
    let error = RestClient::new(&wrong_ca)
        .expect("rest")
        .with_bearer(KIOSK)
        .hall()
        .await
        .expect_err("another hall's CA");
    assert!(matches!(error, ClientError::Tls(_)), "{error:?}");
    server.stop().await;
}

fn settings_with(proxy: &SocketAddr, ca_file: &Path) -> ServerAddr {
    settings(&format!("https://{proxy}"), Some(ca_file)).server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_address_for_a_plain_http_server_is_a_tls_failure_too() {
    // `https://` typed for a server that speaks plain HTTP (no proxy in front): the handshake gets
    // an HTTP answer. That is the address's fault, not the network's.
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let server = Server::start(port, dir.path(), ManualClock::new(START)).await;
    let addr = ServerAddr::parse(&format!("https://127.0.0.1:{port}")).expect("address");
    let error = RestClient::new(&addr)
        .expect("rest")
        .health()
        .await
        .expect_err("not TLS");
    assert!(matches!(error, ClientError::Tls(_)), "{error:?}");
    let net = NetThread::start().expect("net");
    let mut board = Watcher::start(
        &net,
        ConnectionConfig::to_server(&addr, Hello::Device { key: BOARD.into() }),
    );
    board
        .until("a TLS link error", WAIT, |l| {
            matches!(
                l.connection(),
                ConnectionState::Reconnecting {
                    last_error: LinkError::Tls(_),
                    ..
                }
            )
        })
        .await;
    // The same server over plain http is fine: the failure was the scheme.
    let plain = RestClient::new(&crate::util::addr(port)).expect("rest");
    assert_eq!(plain.health().await.expect("health").status, "ok");
    drop(board);
    server.stop().await;
}

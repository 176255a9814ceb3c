//! The live link to the hall server: one WebSocket, kept up for as long as the app runs (R20).
//!
//! A [`Connection`] runs on the [`NetThread`]: it connects to `ws://HOST/api/v1/ws` (or `wss://`,
//! with the server address's [`Tls`]), sends the
//! [`Hello`], and forwards every [`ServerMsg::Snapshot`] and [`ServerMsg::Events`] to the UI as an
//! [`Update`]. It reconnects on its own, with jittered exponential backoff (0.5 s doubling up to
//! 5 s), after any failure, including a link that went silent: the server sends a heartbeat every
//! 10 s, so 25 s without any message means the link is dead even if TCP has not noticed. Every
//! (re)connect starts with a full snapshot that replaces the client's state: the server never sends
//! "events since", so there is nothing to get wrong. A refused device key is retried slowly, every
//! 5 s, because an admin may fix the config meanwhile. A refused staff token (expired after its
//! hours, or revoked) is different: that token can never become valid again, so the connection
//! **stops** and reports it ([`ConnectionState::Refused`] with `retrying: false`), and the app takes
//! the person back to sign-in. The server may refuse a staff socket at any time, also after the
//! snapshot, when its token expires or is revoked.
//!
//! This module does not depend on egui: the UI sees only a channel, a state and a [`Wake`] hook.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use qcall_protocol::{
    ApiError, ClientMsg, DeviceStatus, ErrorCode, Event, Hello, Millis, ServerMsg, Snapshot,
};
use tokio::sync::watch;
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tracing::{debug, info, warn};

use crate::{NetThread, ServerAddr, Tls, Wake};

/// Silence after which the link counts as dead: two and a half server heartbeat intervals
/// ([`qcall_protocol::HEARTBEAT_INTERVAL_MS`] is 10 s), so one lost heartbeat is not enough.
pub const DEAD_LINK_TIMEOUT: Duration = Duration::from_secs(25);
/// The first reconnect waits about this long (jittered down to half of it).
pub const BACKOFF_MIN: Duration = Duration::from_millis(500);
/// Reconnect waits double up to this: a restarted server is found within 5 s.
pub const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How often a refused hello is tried again, in case an admin fixed the key or the config.
pub const REFUSED_RETRY: Duration = Duration::from_secs(5);
/// Longest wait for TCP, the WebSocket handshake and the first message (the snapshot).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// tungstenite reads in chunks of this size. Its 128 KiB default is zeroed on every read, which was
/// measured to be costly; messages here are small, and larger ones (a snapshot) still arrive whole.
const READ_BUFFER: usize = 4 * 1024;

/// How to connect, and how patient to be. `Default` values are for production; tests shorten them.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// The WebSocket URL, e.g. `ws://192.168.1.10:8700/api/v1/ws` (see [`crate::ServerAddr::ws_url`]).
    pub url: String,
    /// The trust for a `wss://` URL; the machine's store when `None`. Unused for `ws://`.
    pub tls: Option<Tls>,
    /// Who this client is: a device key, a staff token or a public ticket token.
    pub hello: Hello,
    /// Silence after which the link is dropped and redialled ([`DEAD_LINK_TIMEOUT`]).
    pub dead_link_timeout: Duration,
    /// First reconnect delay ([`BACKOFF_MIN`]).
    pub backoff_min: Duration,
    /// Largest reconnect delay ([`BACKOFF_MAX`]).
    pub backoff_max: Duration,
    /// Delay between tries after a refused hello ([`REFUSED_RETRY`]).
    pub refused_retry: Duration,
    /// Longest wait from dialling to the snapshot ([`CONNECT_TIMEOUT`]).
    pub connect_timeout: Duration,
}

impl ConnectionConfig {
    /// Production settings for `server`'s WebSocket with its TLS trust, and `hello`: what the apps
    /// use.
    pub fn to_server(server: &ServerAddr, hello: Hello) -> ConnectionConfig {
        ConnectionConfig {
            tls: server.tls(),
            ..ConnectionConfig::new(server.ws_url(), hello)
        }
    }

    /// Production settings for `url` and `hello`; a `wss://` URL trusts the machine's store.
    pub fn new(url: impl Into<String>, hello: Hello) -> ConnectionConfig {
        ConnectionConfig {
            url: url.into(),
            tls: None,
            hello,
            dead_link_timeout: DEAD_LINK_TIMEOUT,
            backoff_min: BACKOFF_MIN,
            backoff_max: BACKOFF_MAX,
            refused_retry: REFUSED_RETRY,
            connect_timeout: CONNECT_TIMEOUT,
        }
    }
}

/// Why the link is down, for logs and for a detail line under the friendly message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// TCP or the WebSocket handshake failed (server down, wrong address).
    Connect(String),
    /// The TLS handshake failed: the server's certificate is not trusted (unknown CA: see
    /// `ca_file`), names another host, or the address is `wss://` but the server speaks plain HTTP.
    /// Retried like any failure, since an admin may fix it, but shown as what it is.
    Tls(String),
    /// Dialling, the handshake or the snapshot took longer than [`ConnectionConfig::connect_timeout`].
    Timeout,
    /// No message for [`ConnectionConfig::dead_link_timeout`]: the link died without closing.
    Silent,
    /// The server closed the socket (restart, shutdown).
    Closed,
    /// Reading or writing the socket failed.
    Io(String),
    /// The server sent something this client cannot read; a fresh snapshot is the safe answer.
    Protocol(String),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Connect(e) => write!(f, "cannot connect: {e}"),
            LinkError::Tls(e) => write!(
                f,
                "secure connection failed: {e} (check the server's certificate and `ca_file`)"
            ),
            LinkError::Timeout => f.write_str("the server did not answer in time"),
            LinkError::Silent => f.write_str("no message from the server: the link is dead"),
            LinkError::Closed => f.write_str("the server closed the connection"),
            LinkError::Io(e) => write!(f, "connection failed: {e}"),
            LinkError::Protocol(e) => write!(f, "unreadable message from the server: {e}"),
        }
    }
}

impl std::error::Error for LinkError {}

/// Where the link stands. Screens show it without alarming citizens (R20): a small
/// "网络已断开 正在重新连接" rather than an error box, and the kiosk says 暂停取号.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionState {
    /// The first attempt since start, not yet answered: "连接中".
    Connecting {
        /// When the connection was started.
        since: Instant,
    },
    /// Snapshot received; events flow. The client's state is the server's.
    Connected {
        /// When the snapshot arrived.
        since: Instant,
    },
    /// The link is down and the client keeps trying. What the screen shows may be stale.
    Reconnecting {
        /// When the link was lost (or the first attempt failed); kept across failed retries, so a
        /// screen can tell a blip from an outage.
        since: Instant,
        /// The latest failure.
        last_error: LinkError,
    },
    /// The server refused this client: an unknown device key (retried slowly), or a staff token
    /// that expired or was revoked (not retried: see [`ConnectionState::needs_sign_in`]).
    Refused {
        /// The server's reason; apps translate it by its code.
        reason: ApiError,
        /// Since when.
        since: Instant,
        /// Whether the connection keeps trying (every [`ConnectionConfig::refused_retry`]). `false`
        /// means it has stopped for good: only a new credential (a new sign-in) can help.
        retrying: bool,
    },
}

impl ConnectionState {
    /// Whether the client's state is live (the snapshot arrived and the link is up).
    pub fn is_connected(&self) -> bool {
        matches!(self, ConnectionState::Connected { .. })
    }

    /// Whether the server refused the staff token for good (expired or revoked): the connection
    /// has stopped, and the app must take the person back to sign-in with the reason.
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self,
            ConnectionState::Refused {
                retrying: false,
                ..
            }
        )
    }

    /// When this state began.
    pub fn since(&self) -> Instant {
        match self {
            ConnectionState::Connecting { since }
            | ConnectionState::Connected { since }
            | ConnectionState::Reconnecting { since, .. }
            | ConnectionState::Refused { since, .. } => *since,
        }
    }

    /// The same state, ignoring when it began: what decides whether the UI hears of a change.
    fn same_as(&self, other: &ConnectionState) -> bool {
        use ConnectionState::*;
        match (self, other) {
            (Connecting { .. }, Connecting { .. }) | (Connected { .. }, Connected { .. }) => true,
            (Reconnecting { last_error: a, .. }, Reconnecting { last_error: b, .. }) => a == b,
            (
                Refused {
                    reason: a,
                    retrying: x,
                    ..
                },
                Refused {
                    reason: b,
                    retrying: y,
                    ..
                },
            ) => a == b && x == y,
            _ => false,
        }
    }
}

/// What the connection hands to the UI, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The link changed state. Comes after the [`Update::Snapshot`] of a (re)connect, so a UI that
    /// shows "connected" already has the fresh state.
    State(ConnectionState),
    /// Everything this client may see; replaces the local state entirely (R20).
    Snapshot {
        /// The snapshot.
        snapshot: Box<Snapshot>,
        /// Local wall-clock time when it arrived, to estimate the server's clock.
        received_at: Millis,
    },
    /// What one committed command changed.
    Events {
        /// The command's sequence number; increasing.
        seq: u64,
        /// When the server committed it (server clock).
        at: Millis,
        /// The changes, in order.
        events: Vec<Event>,
        /// Local wall-clock time when they arrived.
        received_at: Millis,
    },
}

/// Shared between the connection task and the handle the UI holds.
struct Shared {
    state: Mutex<ConnectionState>,
    tx: mpsc::Sender<Update>,
    wake: Wake,
    /// Dials so far (the first connect included).
    attempts: AtomicU64,
    /// The connection gave up for good (a refused staff token); set as its task ends.
    stopped: AtomicBool,
    /// A device's health report (R31), sent after each hello and whenever it changes.
    status: watch::Sender<Option<DeviceStatus>>,
}

impl Shared {
    fn send(&self, update: Update) {
        if self.tx.send(update).is_ok() {
            (self.wake)();
        }
    }

    /// Records a new state and tells the UI, unless only the time would change.
    fn set_state(&self, next: ConnectionState) {
        {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if state.same_as(&next) {
                return;
            }
            *state = next.clone();
        }
        self.send(Update::State(next));
    }

    fn state(&self) -> ConnectionState {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The UI's handle on the live link. Created with [`Connection::start`], which returns at once;
/// dropping it closes the socket and stops reconnecting.
pub struct Connection {
    shared: Arc<Shared>,
    rx: mpsc::Receiver<Update>,
    stop: watch::Sender<bool>,
}

impl Connection {
    /// Starts connecting in the background on `net` and returns immediately, in state
    /// [`ConnectionState::Connecting`]: an app shows its first frame without waiting for the server.
    /// `wake` is called on the network thread after each [`Update`] is queued.
    pub fn start(net: &NetThread, config: ConnectionConfig, wake: Wake) -> Connection {
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared {
            state: Mutex::new(ConnectionState::Connecting {
                since: Instant::now(),
            }),
            tx,
            wake,
            attempts: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            status: watch::channel(None).0,
        });
        let (stop, stopped) = watch::channel(false);
        net.handle().spawn(run(config, shared.clone(), stopped));
        Connection { shared, rx, stop }
    }

    /// The link's state now (also delivered as [`Update::State`] when it changes).
    pub fn state(&self) -> ConnectionState {
        self.shared.state()
    }

    /// How many times it has dialled the server so far, the first attempt included: retries are
    /// counted, not timed (logs, tests).
    pub fn attempts(&self) -> u64 {
        self.shared.attempts.load(Ordering::SeqCst)
    }

    /// Whether the connection has stopped for good and will not dial again: the server refused
    /// its staff token ([`ConnectionState::needs_sign_in`]). Set after that state is delivered.
    pub fn is_stopped(&self) -> bool {
        self.shared.stopped.load(Ordering::SeqCst)
    }

    /// A device's health as the server should see it (R31): sent after every hello and again
    /// whenever it changes. Never blocks; an unchanged report sends nothing.
    pub fn report(&self, status: DeviceStatus) {
        self.shared.status.send_if_modified(|current| {
            let changed = current.as_ref() != Some(&status);
            *current = Some(status);
            changed
        });
    }

    /// The next update, if one is waiting. Never blocks.
    pub fn try_recv(&self) -> Option<Update> {
        self.rx.try_recv().ok()
    }

    /// Every update waiting now, oldest first. Never blocks: call it once per frame.
    pub fn drain(&self) -> impl Iterator<Item = Update> + '_ {
        self.rx.try_iter()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// Reconnect delays: exponential from `min` to `max`, each drawn at random from the upper half of
/// its step ("equal jitter"), so that screens restarted together by a power cut do not all redial in
/// the same instant, and none waits less than half the step.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    step: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    /// Delays from `min` doubling to `max`, with jitter from `rng`.
    pub fn new(min: Duration, max: Duration, rng: fastrand::Rng) -> Backoff {
        Backoff {
            min,
            max: max.max(min),
            step: 0,
            rng,
        }
    }

    /// The connection's own delays, [`BACKOFF_MIN`] doubling to [`BACKOFF_MAX`], with fresh
    /// randomness: for anything else that waits for the server to come back.
    pub fn standard() -> Backoff {
        Backoff::new(BACKOFF_MIN, BACKOFF_MAX, fastrand::Rng::new())
    }

    /// The delay before the next attempt; each call moves one step up.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.step = self.step.saturating_add(1);
        let half = ceiling / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(self.rng.u64(0..=nanos))
    }

    /// The upper bound of the next delay.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.step.min(16)).unwrap_or(u32::MAX);
        self.min.saturating_mul(factor).min(self.max)
    }

    /// Back to the shortest delay, after a connection that worked.
    pub fn reset(&mut self) {
        self.step = 0;
    }
}

/// How one session (dial, hello, read until it fails) ended.
enum Ended {
    /// The link failed; `connected` says whether it got as far as a snapshot.
    Lost { error: LinkError, connected: bool },
    /// The server refused the hello.
    Refused(ApiError),
}

async fn run(config: ConnectionConfig, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut backoff = Backoff::new(config.backoff_min, config.backoff_max, fastrand::Rng::new());
    // Since when the link has been down: the start, then each loss of a working link.
    let mut down_since = shared.state().since();
    loop {
        let ended = tokio::select! {
            ended = session(&config, &shared) => ended,
            _ = stop.changed() => return,
        };
        let delay = match ended {
            Ended::Refused(reason) if refusal_is_final(&config.hello, &reason) => {
                info!(code = ?reason.code, reason = %reason.message, "the server refused the staff token; not retrying");
                shared.set_state(ConnectionState::Refused {
                    reason,
                    since: Instant::now(),
                    retrying: false,
                });
                shared.stopped.store(true, Ordering::SeqCst);
                return;
            }
            Ended::Refused(reason) => {
                warn!(code = ?reason.code, reason = %reason.message, "the server refused this client");
                shared.set_state(ConnectionState::Refused {
                    reason,
                    since: down_since,
                    retrying: true,
                });
                backoff.reset();
                config.refused_retry
            }
            Ended::Lost { error, connected } => {
                if connected {
                    info!(cause = %error, "link lost; reconnecting");
                    backoff.reset();
                    down_since = Instant::now();
                }
                let next = ConnectionState::Reconnecting {
                    since: down_since,
                    last_error: error.clone(),
                };
                match &error {
                    _ if connected => {}
                    // An admin's job, not a blip: said once, not at every retry.
                    LinkError::Tls(_) if !shared.state().same_as(&next) => {
                        warn!(url = %config.url, cause = %error, "TLS failed; retrying");
                    }
                    _ => debug!(cause = %error, "connect failed"),
                }
                shared.set_state(next);
                backoff.next_delay()
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Whether a refusal ends the connection: a staff token the server refuses as `unauthorized` has
/// expired or been revoked and cannot become valid again, so redialling with it would only hammer
/// the server and keep the person from signing in again. A refused device key may be fixed in the
/// config by an admin, and other codes are the server's passing state: those are retried.
fn refusal_is_final(hello: &Hello, reason: &ApiError) -> bool {
    matches!(hello, Hello::Staff { .. }) && reason.code == ErrorCode::Unauthorized
}

/// One connection from dial to failure. Returns only when the link is gone.
async fn session(config: &ConnectionConfig, shared: &Shared) -> Ended {
    shared.attempts.fetch_add(1, Ordering::SeqCst);
    let lost = |error| Ended::Lost {
        error,
        connected: false,
    };
    let ws_config = WebSocketConfig::default().read_buffer_size(READ_BUFFER);
    // tokio-tungstenite picks TLS from the URL's scheme; the connector only says with which trust.
    let secure = config
        .url
        .split_once("://")
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("wss"));
    let connector = match &config.tls {
        _ if !secure => Connector::Plain,
        Some(tls) => Connector::Rustls(tls.client_config()),
        None => Connector::Rustls(Tls::system().client_config()),
    };
    let dial = tokio_tungstenite::connect_async_tls_with_config(
        config.url.as_str(),
        Some(ws_config),
        true,
        Some(connector),
    );
    let mut socket = match tokio::time::timeout(config.connect_timeout, dial).await {
        Err(_) => return lost(LinkError::Timeout),
        Ok(Err(e)) => {
            return lost(match crate::tls::tls_failure(&e) {
                Some(tls) => LinkError::Tls(tls.to_string()),
                None => LinkError::Connect(e.to_string()),
            });
        }
        Ok(Ok((socket, _response))) => socket,
    };
    let hello = match serde_json::to_string(&config.hello) {
        Ok(text) => text,
        Err(e) => return lost(LinkError::Protocol(e.to_string())),
    };
    if let Err(e) = socket.send(Message::text(hello)).await {
        return lost(LinkError::Io(e.to_string()));
    }
    // The device's report goes after the hello, then on each change.
    let mut status = shared.status.subscribe();
    status.mark_changed();

    // Until the snapshot arrives, the connect timeout applies; after it, the dead-link timeout.
    let mut connected = false;
    let silence = tokio::time::sleep(config.connect_timeout);
    tokio::pin!(silence);
    let error = loop {
        let message = tokio::select! {
            message = socket.next() => Some(message),
            _ = &mut silence => None,
            Ok(()) = status.changed() => {
                let report = status.borrow_and_update().clone();
                if let Some(status) = report
                    && let Ok(text) = serde_json::to_string(&ClientMsg::DeviceStatus { status })
                    && let Err(e) = socket.send(Message::text(text)).await
                {
                    break LinkError::Io(e.to_string());
                }
                continue;
            }
        };
        let Some(message) = message else {
            break if connected {
                LinkError::Silent
            } else {
                LinkError::Timeout
            };
        };
        let text = match message {
            None | Some(Ok(Message::Close(_))) => break LinkError::Closed,
            Some(Err(e)) => break LinkError::Io(e.to_string()),
            Some(Ok(Message::Text(text))) => text,
            // Pings are answered by tungstenite itself; any frame shows the link is alive.
            Some(Ok(_)) => {
                if connected {
                    silence
                        .as_mut()
                        .reset(tokio::time::Instant::now() + config.dead_link_timeout);
                }
                continue;
            }
        };
        let msg = match serde_json::from_str::<ServerMsg>(&text) {
            Ok(msg) => msg,
            Err(e) => break LinkError::Protocol(e.to_string()),
        };
        let received_at = crate::local_now();
        match msg {
            ServerMsg::Snapshot(snapshot) => {
                shared.send(Update::Snapshot {
                    snapshot,
                    received_at,
                });
                if !connected {
                    connected = true;
                    info!(url = %config.url, "connected");
                    shared.set_state(ConnectionState::Connected {
                        since: Instant::now(),
                    });
                }
            }
            // Events before the snapshot cannot happen; treat them as a broken link, not as state.
            ServerMsg::Events { .. } if !connected => {
                break LinkError::Protocol("events before the snapshot".into());
            }
            ServerMsg::Events { seq, at, events } => shared.send(Update::Events {
                seq,
                at,
                events,
                received_at,
            }),
            ServerMsg::Heartbeat { .. } | ServerMsg::Console(_) => {}
            ServerMsg::Refused { error } => return Ended::Refused(error),
        }
        if connected {
            silence
                .as_mut()
                .reset(tokio::time::Instant::now() + config.dead_link_timeout);
        }
    };
    if !matches!(error, LinkError::Closed | LinkError::Io(_)) {
        // Say goodbye when the socket still works; don't wait long for it.
        let _ = tokio::time::timeout(Duration::from_millis(200), socket.close(None)).await;
    }
    Ended::Lost { error, connected }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(seed: u64) -> Backoff {
        Backoff::new(BACKOFF_MIN, BACKOFF_MAX, fastrand::Rng::with_seed(seed))
    }

    #[test]
    fn backoff_doubles_from_half_a_second_to_five_with_jitter() {
        for seed in 0..50 {
            let mut b = backoff(seed);
            let ceilings = [500, 1000, 2000, 4000, 5000, 5000, 5000];
            for (step, ms) in ceilings.iter().enumerate() {
                let ceiling = Duration::from_millis(*ms);
                assert_eq!(b.ceiling(), ceiling, "step {step}");
                let d = b.next_delay();
                assert!(
                    d >= ceiling / 2 && d <= ceiling,
                    "seed {seed} step {step}: {d:?} not in [{:?}, {ceiling:?}]",
                    ceiling / 2
                );
            }
        }
    }

    #[test]
    fn backoff_is_jittered_and_resets() {
        let firsts: std::collections::BTreeSet<Duration> =
            (0..20).map(|seed| backoff(seed).next_delay()).collect();
        assert!(
            firsts.len() > 10,
            "delays differ between clients: {firsts:?}"
        );
        let mut b = backoff(1);
        for _ in 0..10 {
            b.next_delay();
        }
        assert_eq!(b.ceiling(), BACKOFF_MAX);
        b.reset();
        assert_eq!(b.ceiling(), BACKOFF_MIN);
        assert!(b.next_delay() <= BACKOFF_MIN);
    }

    #[test]
    fn backoff_never_overflows() {
        let mut b = Backoff::new(
            Duration::from_secs(1),
            Duration::from_secs(u64::MAX / 4),
            fastrand::Rng::with_seed(3),
        );
        for _ in 0..100 {
            b.next_delay();
        }
        assert!(b.ceiling() >= Duration::from_secs(1 << 16));
    }

    #[test]
    fn a_state_change_is_news_only_when_more_than_the_time_changed() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(3);
        let down = |e: LinkError, since| ConnectionState::Reconnecting {
            since,
            last_error: e,
        };
        assert!(down(LinkError::Closed, t0).same_as(&down(LinkError::Closed, t1)));
        assert!(!down(LinkError::Closed, t0).same_as(&down(LinkError::Silent, t0)));
        assert!(
            !ConnectionState::Connecting { since: t0 }
                .same_as(&ConnectionState::Connected { since: t0 })
        );
        let refused = |code| ConnectionState::Refused {
            reason: ApiError::new(code, "x"),
            since: t0,
            retrying: true,
        };
        assert!(
            !refused(qcall_protocol::ErrorCode::Unauthorized)
                .same_as(&refused(qcall_protocol::ErrorCode::Forbidden))
        );
    }

    #[test]
    fn a_refused_staff_token_is_final_and_a_refused_device_key_is_not() {
        let unauthorized = ApiError::new(ErrorCode::Unauthorized, "expired");
        let staff = Hello::Staff { token: "t".into() };
        let device = Hello::Device { key: "k".into() };
        assert!(refusal_is_final(&staff, &unauthorized));
        assert!(
            !refusal_is_final(&device, &unauthorized),
            "an admin may fix a device key"
        );
        assert!(!refusal_is_final(
            &staff,
            &ApiError::new(ErrorCode::Unavailable, "starting")
        ));
        let t0 = Instant::now();
        let refused = |retrying| ConnectionState::Refused {
            reason: unauthorized.clone(),
            since: t0,
            retrying,
        };
        assert!(refused(false).needs_sign_in());
        assert!(!refused(true).needs_sign_in());
        assert!(!refused(true).same_as(&refused(false)), "news for the UI");
    }

    #[test]
    fn start_returns_at_once_in_connecting_state() {
        // A server that takes the TCP connection and never answers the WebSocket handshake: had
        // `start` waited for the outcome, it would come back after the connect timeout with the
        // state `Reconnecting { Timeout }`.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = silent.local_addr().expect("addr").port();
        let net = NetThread::start().expect("net");
        let mut config = ConnectionConfig::new(
            format!("ws://127.0.0.1:{port}/api/v1/ws"),
            Hello::Device { key: "k".into() },
        );
        config.connect_timeout = Duration::from_secs(30);
        let conn = Connection::start(&net, config, crate::no_wake());
        assert!(
            matches!(conn.state(), ConnectionState::Connecting { .. }),
            "no waiting for the network: {:?}",
            conn.state()
        );
        assert!(conn.try_recv().is_none(), "nothing happened yet");
        let (_tcp, _) = silent
            .accept()
            .expect("the connection dials in the background");
        drop(conn);

        // Refused TCP becomes Reconnecting with a connect error.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let conn = Connection::start(
            &net,
            ConnectionConfig::new(
                format!("ws://127.0.0.1:{closed}/api/v1/ws"),
                Hello::Device { key: "k".into() },
            ),
            crate::no_wake(),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        let state = loop {
            if let Some(Update::State(s)) = conn.try_recv() {
                break s;
            }
            assert!(Instant::now() < deadline, "no state change within 30 s");
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(
            matches!(
                state,
                ConnectionState::Reconnecting {
                    last_error: LinkError::Connect(_),
                    ..
                }
            ),
            "{state:?}"
        );
        assert!(!conn.state().is_connected());
        assert!(conn.attempts() >= 1);
        assert!(!conn.is_stopped(), "a dead server is retried");
    }
}

//! The front door (issue 21): the server's own accept loop on hyper, so that one client cannot hold
//! the hall's connections. Connections are capped in total and per client address (a refused one is
//! closed at once and logged); a request's header must arrive within a bound (a half-sent header is
//! not waited for); each request learns its peer's address (`ConnectInfo`); public WebSockets are
//! capped in total and per ticket token. At shutdown every connection is asked to finish and the
//! server stops waiting after a bound, whatever the clients do.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use qcall_protocol::{ApiError, ErrorCode};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;
use tracing::{info, warn};

/// How many connections and public sockets the server takes.
#[derive(Debug, Clone)]
pub struct ConnLimits {
    /// Open connections in total (WebSockets included).
    pub total: usize,
    /// Open connections from one client address.
    pub per_addr: usize,
    /// Public (citizen) WebSockets in total.
    pub public_sockets: usize,
    /// Public WebSockets for one ticket token.
    pub per_ticket: usize,
    /// A request's header must be complete this long after the connection is ready for it.
    pub header_timeout: Duration,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            // A hall has tens of screens and kiosks, and citizens' phones; the systemd example raises
            // the open-file limit well above this.
            total: 4096,
            per_addr: 256,
            public_sockets: 2048,
            per_ticket: 4,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// Places taken, in total and per key (a client address, a ticket token); a [`Place`] gives its
/// own back when dropped.
pub(crate) struct Places<K: Eq + Hash + Clone> {
    total: AtomicUsize,
    max_total: usize,
    per: Mutex<HashMap<K, usize>>,
    max_per: usize,
}

/// Why no place was free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    Total,
    Key,
}

/// One place taken in [`Places`].
pub(crate) struct Place<K: Eq + Hash + Clone> {
    places: Arc<Places<K>>,
    key: K,
}

impl<K: Eq + Hash + Clone> Drop for Place<K> {
    fn drop(&mut self) {
        self.places.total.fetch_sub(1, Ordering::SeqCst);
        let mut per = lock(&self.places.per);
        if let Some(n) = per.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                per.remove(&self.key);
            }
        }
    }
}

impl<K: Eq + Hash + Clone> Places<K> {
    fn new(max_total: usize, max_per: usize) -> Arc<Places<K>> {
        Arc::new(Places {
            total: AtomicUsize::new(0),
            max_total,
            per: Mutex::new(HashMap::new()),
            max_per,
        })
    }

    fn take(self: &Arc<Self>, key: &K) -> Result<Place<K>, Full> {
        // Under the lock, so that two takers cannot both pass the total.
        let mut per = lock(&self.per);
        if self.total.load(Ordering::SeqCst) >= self.max_total {
            return Err(Full::Total);
        }
        let n = per.entry(key.clone()).or_insert(0);
        if *n >= self.max_per {
            return Err(Full::Key);
        }
        *n += 1;
        self.total.fetch_add(1, Ordering::SeqCst);
        Ok(Place {
            places: self.clone(),
            key: key.clone(),
        })
    }

    fn taken(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }
}

/// What is open now, against [`ConnLimits`]: connections per client address, public WebSockets per
/// ticket token.
pub(crate) struct Conns {
    header_timeout: Duration,
    connections: Arc<Places<IpAddr>>,
    public: Arc<Places<String>>,
    refused: AtomicU64,
    /// WebSockets past their hello, of every kind.
    websockets: Arc<AtomicUsize>,
}

/// One open WebSocket, counted while it lives.
pub(crate) struct WsCount(Arc<AtomicUsize>);

impl Drop for WsCount {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Figures for the security status.
pub(crate) struct ConnFigures {
    pub(crate) websockets: usize,
    pub(crate) connections: usize,
    pub(crate) connections_max: usize,
    pub(crate) refused: u64,
    pub(crate) public_sockets: usize,
    pub(crate) public_sockets_max: usize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A connection's stream holding its place: it moves into an upgraded WebSocket with it, so a
/// WebSocket counts as long as it is open.
struct Counted {
    io: TcpStream,
    _place: Place<IpAddr>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// One open public WebSocket.
pub(crate) type PublicPlace = Place<String>;

impl Conns {
    pub(crate) fn new(limits: ConnLimits) -> Arc<Conns> {
        Arc::new(Conns {
            header_timeout: limits.header_timeout,
            connections: Places::new(limits.total, limits.per_addr),
            public: Places::new(limits.public_sockets, limits.per_ticket),
            refused: AtomicU64::new(0),
            websockets: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Counts a WebSocket until the returned value is dropped.
    pub(crate) fn websocket(&self) -> WsCount {
        self.websockets.fetch_add(1, Ordering::SeqCst);
        WsCount(self.websockets.clone())
    }

    pub(crate) fn figures(&self) -> ConnFigures {
        ConnFigures {
            websockets: self.websockets.load(Ordering::SeqCst),
            connections: self.connections.taken(),
            connections_max: self.connections.max_total,
            refused: self.refused.load(Ordering::SeqCst),
            public_sockets: self.public.taken(),
            public_sockets_max: self.public.max_total,
        }
    }

    /// A place for a new connection from `addr`, or `None` (the connection is then closed, and
    /// that is logged at the first refusal and then once per thousand: a flood does not fill the
    /// disk).
    fn open(&self, addr: IpAddr) -> Option<Place<IpAddr>> {
        let full = match self.connections.take(&addr) {
            Ok(place) => return Some(place),
            Err(full) => full,
        };
        if self
            .refused
            .fetch_add(1, Ordering::SeqCst)
            .is_multiple_of(1000)
        {
            let why = match full {
                Full::Total => "the server's connection limit is reached",
                Full::Key => "this address has too many connections",
            };
            warn!(%addr, why, refused = self.refused.load(Ordering::SeqCst), "connection refused by a cap");
        }
        None
    }

    /// A place for a public WebSocket following `token`, or the refusal to send.
    pub(crate) fn public(&self, token: &str) -> Result<PublicPlace, ApiError> {
        match self.public.take(&token.to_string()) {
            Ok(place) => Ok(place),
            Err(Full::Total) => Err(ApiError::new(
                ErrorCode::Busy,
                "too many status pages are open; try again in a moment",
            )
            .with_retry_after(5)),
            Err(Full::Key) => Err(ApiError::new(
                ErrorCode::RateLimited,
                format!(
                    "this ticket is already followed on {} pages; close one",
                    self.public.max_per
                ),
            )
            .with_retry_after(5)),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves; then asks every connection to finish and
/// waits `grace` at most for them.
pub(crate) async fn serve(
    listener: TcpListener,
    router: axum::Router,
    conns: Arc<Conns>,
    shutdown: impl std::future::Future<Output = ()> + Send,
    grace: Duration,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(1);
    let header_timeout = conns.header_timeout;
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    warn!(cause = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(place) = conns.open(peer.ip()) else {
            drop(tcp);
            continue;
        };
        // Small writes (pushes, short answers) go out at once: Nagle's algorithm would hold a second
        // WebSocket frame until the peer's delayed ACK, tens of milliseconds later.
        if let Err(err) = tcp.set_nodelay(true) {
            warn!(cause = %err, "cannot set TCP_NODELAY");
        }
        let router = router.clone();
        let mut stop = stop_rx.clone();
        let done = done_tx.clone();
        let io = Counted {
            io: tcp,
            _place: place,
        };
        tokio::spawn(async move {
            let _done = done;
            let service = router.map_request(move |mut req: axum::extract::Request| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                req
            });
            let service = TowerToHyperService::new(service.map_request(
                |req: hyper::Request<hyper::body::Incoming>| req.map(axum::body::Body::new),
            ));
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(io), service)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = stop.changed() => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(done_tx);
    if tokio::time::timeout(grace, done_rx.recv()).await.is_err() {
        warn!(
            open = conns.connections.taken(),
            "some connections did not finish within the shutdown bound; stopping anyway"
        );
    } else {
        info!("every connection finished");
    }
    Ok(())
}

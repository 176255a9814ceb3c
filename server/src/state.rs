//! What every request handler and WebSocket task shares: the engine, credentials, the config, the
//! clock, the WebSockets' stop signal; and the one read both REST and the WebSocket make of a
//! citizen's ticket.

use std::sync::Arc;

use qcall_protocol::{ApiError, ErrorCode, PublicTicket};
use tokio::sync::{mpsc, watch};

use crate::auth::Auth;
use crate::clock::Clock;
use crate::config::HallConfig;
use crate::core::token_id;
use crate::engine::Engine;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) engine: Engine,
    pub(crate) auth: Arc<Auth>,
    /// Locks against guessing, the bounded credential checks.
    pub(crate) guard: Arc<crate::guard::Guard>,
    /// Open connections and public sockets against their caps.
    pub(crate) limits: Arc<crate::serve::Conns>,
    /// Citizens' tickets followed over WebSockets, each worked out once per change.
    pub(crate) public: Arc<crate::ws::PublicHub>,
    pub(crate) config: Arc<HallConfig>,
    pub(crate) clock: Arc<dyn Clock>,
    /// The server's data folder (database, staff photos).
    pub(crate) data_dir: std::path::PathBuf,
    /// The database file, for readers with their own read-only connection (reports).
    pub(crate) db_path: std::path::PathBuf,
    /// How often a quiet WebSocket gets a heartbeat.
    pub(crate) heartbeat: std::time::Duration,
    /// The manager's console: device registry and the warnings' watcher (R24, R31).
    pub(crate) console: crate::console::Console,
    /// How long one WebSocket write may wait for a client that does not read.
    pub(crate) write_timeout: std::time::Duration,
    pub(crate) ws: WsControl,
}

/// Stops WebSocket tasks at shutdown and lets the server wait for them.
#[derive(Clone)]
pub(crate) struct WsControl {
    pub(crate) stop: watch::Receiver<bool>,
    pub(crate) alive: mpsc::Sender<()>,
}

impl App {
    /// The public status of one ticket by its token (R7), for a citizen at `addr`: an address that
    /// tried too many unknown tokens is refused for a while (issue 21).
    pub(crate) async fn public_status_for(
        &self,
        token: String,
        addr: std::net::IpAddr,
    ) -> Result<PublicTicket, ApiError> {
        self.guard.token_reads(addr, self.clock.now())?;
        let found = self.public_status(token).await;
        if matches!(&found, Err(e) if e.code == ErrorCode::UnknownTicket) {
            self.guard.token_missed(addr, self.clock.now());
        }
        found
    }

    /// The public status of one ticket by its token (R7).
    pub(crate) async fn public_status(&self, token: String) -> Result<PublicTicket, ApiError> {
        self.engine
            .read(move |hall, store, now| public_view(hall, store, now, &token))
            .await?
    }
}

/// A citizen's ticket by its token, on the engine thread: open ones from the hall, closed ones from
/// the database (without a place in the queue).
pub(crate) fn public_view(
    hall: &crate::core::Hall,
    store: &crate::store::Store,
    now: qcall_protocol::Millis,
    token: &str,
) -> Result<PublicTicket, ApiError> {
    let unknown = || ApiError::new(ErrorCode::UnknownTicket, "no ticket with this token");
    let id = token_id(token).ok_or_else(unknown)?;
    if let Some(t) = hall.by_token(token) {
        return Ok(hall.public_ticket(t, now));
    }
    match store.ticket(id) {
        Ok(Some(t)) if crate::auth::ct_eq(t.token.as_bytes(), token.as_bytes()) => {
            Ok(hall.public_ticket(&t, now))
        }
        Ok(_) => Err(unknown()),
        Err(e) => Err(ApiError::new(ErrorCode::Internal, e.to_string())),
    }
}

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
    pub(crate) config: Arc<HallConfig>,
    pub(crate) clock: Arc<dyn Clock>,
    /// The server's data folder (database, staff photos).
    pub(crate) data_dir: std::path::PathBuf,
    /// How often a quiet WebSocket gets a heartbeat.
    pub(crate) heartbeat: std::time::Duration,
    /// The manager's console: device registry and the warnings' watcher (R24, R31).
    pub(crate) console: crate::console::Console,
    pub(crate) ws: WsControl,
}

/// Stops WebSocket tasks at shutdown and lets the server wait for them.
#[derive(Clone)]
pub(crate) struct WsControl {
    pub(crate) stop: watch::Receiver<bool>,
    pub(crate) alive: mpsc::Sender<()>,
}

impl App {
    /// The public status of one ticket by its token (R7).
    pub(crate) async fn public_status(&self, token: String) -> Result<PublicTicket, ApiError> {
        let unknown = || ApiError::new(ErrorCode::UnknownTicket, "no ticket with this token");
        let id = token_id(&token).ok_or_else(unknown)?;
        self.engine
            .read(move |hall, store, now| {
                if let Some(t) = hall.by_token(&token) {
                    return Ok(hall.public_ticket(t, now));
                }
                // A closed ticket: from the database, without a place in the queue.
                match store.ticket(id) {
                    Ok(Some(t)) if t.token == token => Ok(hall.public_ticket(&t, now)),
                    Ok(_) => Err(unknown()),
                    Err(e) => Err(ApiError::new(ErrorCode::Internal, e.to_string())),
                }
            })
            .await?
    }
}

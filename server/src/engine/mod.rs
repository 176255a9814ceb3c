//! The engine: one thread that owns the live hall and the database.
//!
//! Commands arrive on a channel. The thread takes every command waiting (a batch), applies each to the
//! pure core, writes the whole batch in one SQLite transaction (one fsync: group commit), and only
//! then answers the clients and pushes the events (R28). One thread applying commands in order is also
//! what makes R12 hold: two windows calling at once are two commands, one after the other.
//!
//! Reads run on the same thread after the batch's commit, so they see only committed state, and a
//! WebSocket's snapshot and its subscription to later events are taken at the same point.
//!
//! What is pushed, to whom, and its JSON made once per audience: [`push`].

mod push;

use std::collections::HashMap;
use std::sync::Arc;

use qcall_protocol::{ApiError, ErrorCode, Millis};
use tokio::sync::{broadcast, mpsc, oneshot};
use tracing::{error, info, warn};

use crate::clock::Clock;
use crate::config::HallConfig;
use crate::core::{Actor, Applied, Change, Command, Hall, RatingCmd, Reply, SecurityCmd};
pub(crate) use push::{Audience, Pushed};

use crate::store::{RequestKey, Saved, SavedRequest, Store, StoreError};

/// The most commands one commit carries.
const MAX_BATCH: usize = 1024;

type ReadFn = Box<dyn FnOnce(&Hall, &Store, Millis) + Send>;
type WriteFn = Box<dyn FnOnce(&mut Store, Millis) + Send>;

/// A check run on the engine thread only when a command is not the retry of an earlier request (a
/// kiosk's rate limit: a retry must get its ticket even when the burst is used up, R6).
pub(crate) type Gate = Box<dyn FnOnce() -> Result<(), ApiError> + Send>;

enum Job {
    Command {
        actor: Actor,
        request_id: Option<String>,
        cmd: Box<Command>,
        gate: Option<Gate>,
        reply: oneshot::Sender<Result<String, ApiError>>,
    },
    Read(ReadFn),
    /// A write outside the hall's state (the outbox's delivery records), after the batch's commit.
    Write(WriteFn),
    Tick,
    /// Finish this batch and stop, whoever still holds a handle (shutdown is bounded).
    Stop,
}

/// A handle to the engine thread; cheap to clone.
#[derive(Clone)]
pub(crate) struct Engine {
    tx: mpsc::Sender<Job>,
    push: broadcast::Sender<Arc<Pushed>>,
    /// Woken after a commit that queued notices (R32): the delivery task waits on it.
    outbox: Arc<tokio::sync::Notify>,
}

impl Engine {
    /// Opens the store, rebuilds the hall and starts the engine thread.
    #[cfg(test)]
    pub(crate) fn start(
        config: Arc<HallConfig>,
        store: Store,
        clock: Arc<dyn Clock>,
    ) -> Result<(Engine, Vec<u8>, std::thread::JoinHandle<()>), StoreError> {
        Engine::start_with(config, store, clock, 4096)
    }

    /// Like `start`, keeping up to `push_capacity` pushes for slow WebSockets.
    pub(crate) fn start_with(
        config: Arc<HallConfig>,
        mut store: Store,
        clock: Arc<dyn Clock>,
        push_capacity: usize,
    ) -> Result<(Engine, Vec<u8>, std::thread::JoinHandle<()>), StoreError> {
        let secret = store.secret()?;
        let restored = store.restore()?;
        let dropped = store.forget_closed_phones()?;
        if dropped > 0 {
            warn!(
                phones = dropped,
                "notice phones of closed tickets or bookings deleted at start"
            );
        }
        let open = restored.tickets.len();
        let hall = Hall::new(config.clone(), restored, clock.now());
        let requests = store.requests(hall.business_day())?.into_iter().collect();
        info!(
            business_day = hall.business_day(),
            open_tickets = open,
            seq = hall.seq(),
            "hall restored"
        );
        let flagged = hall.bookings_flagged();
        if flagged > 0 {
            warn!(
                bookings = flagged,
                "open bookings are for slots the config no longer offers: they are honoured; see GET /api/v1/bookings (slot_removed)"
            );
        }
        let (tx, rx) = mpsc::channel(16 * 1024);
        let (push, _) = broadcast::channel(push_capacity.max(1));
        let outbox = Arc::new(tokio::sync::Notify::new());
        let engine = Engine {
            tx,
            push: push.clone(),
            outbox: outbox.clone(),
        };
        let runner = Runner {
            hall,
            store,
            config,
            clock,
            push,
            requests,
            purge_pending: true,
            outbox,
        };
        let thread = std::thread::Builder::new()
            .name("qcall-engine".into())
            .spawn(move || runner.run(rx))
            .map_err(|e| StoreError::Random(format!("cannot start the engine thread: {e}")))?;
        Ok((engine, secret, thread))
    }

    /// Applies a command; the answer is the reply's JSON, sent only once the change is durable. A
    /// command with a request id that this actor already used today gets the first answer again and
    /// changes nothing (R6).
    pub(crate) async fn command(
        &self,
        actor: Actor,
        request_id: Option<String>,
        cmd: Command,
    ) -> Result<String, ApiError> {
        self.command_gated(actor, request_id, cmd, None).await
    }

    /// Like [`Engine::command`], running `gate` first unless the command is a retry of a request
    /// already answered (which then gets its first answer whatever the gate would say).
    pub(crate) async fn command_gated(
        &self,
        actor: Actor,
        request_id: Option<String>,
        cmd: Command,
        gate: Option<Gate>,
    ) -> Result<String, ApiError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Command {
                actor,
                request_id,
                cmd: Box::new(cmd),
                gate,
                reply,
            })
            .await
            .map_err(|_| shutting_down())?;
        rx.await.map_err(|_| shutting_down())?
    }

    /// Runs `f` on the engine thread against committed state.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Hall, &Store, Millis) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (reply, rx) = oneshot::channel();
        let job = Job::Read(Box::new(move |hall, store, now| {
            let _ = reply.send(f(hall, store, now));
        }));
        self.tx.send(job).await.map_err(|_| shutting_down())?;
        rx.await.map_err(|_| shutting_down())
    }

    /// Runs `f` on the engine thread with the store, after the current batch's commit: for writes
    /// that are not the hall's state (the notice outbox's delivery records).
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store, Millis) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (reply, rx) = oneshot::channel();
        let job = Job::Write(Box::new(move |store, now| {
            let _ = reply.send(f(store, now));
        }));
        self.tx.send(job).await.map_err(|_| shutting_down())?;
        rx.await.map_err(|_| shutting_down())
    }

    /// What the notice delivery task waits on: woken after a commit that queued notices.
    pub(crate) fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.outbox.clone()
    }

    /// Like [`Engine::read`], also subscribing to every later push at the same point.
    pub(crate) async fn subscribe<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Hall, &Store, Millis) -> T + Send + 'static,
    ) -> Result<(T, broadcast::Receiver<Arc<Pushed>>), ApiError> {
        let push = self.push.clone();
        self.read(move |hall, store, now| (f(hall, store, now), push.subscribe()))
            .await
    }

    /// Asks the engine to check the day boundary.
    pub(crate) async fn tick(&self) {
        let _ = self.tx.send(Job::Tick).await;
    }

    /// Asks the engine to finish what it was sent and stop; later commands are answered
    /// `unavailable`.
    pub(crate) async fn stop(&self) {
        let _ = self.tx.send(Job::Stop).await;
    }
}

fn shutting_down() -> ApiError {
    ApiError::new(
        ErrorCode::Unavailable,
        "the server is shutting down; retry shortly",
    )
}

struct Runner {
    hall: Hall,
    store: Store,
    config: Arc<HallConfig>,
    clock: Arc<dyn Clock>,
    push: broadcast::Sender<Arc<Pushed>>,
    /// (actor, request id) → first answer, for today.
    requests: HashMap<RequestKey, Saved>,
    /// Old tickets may still hold personal data past the retention period (R29): looked at on the
    /// ticks after a start or a rollover, a bounded chunk each, until none is left.
    purge_pending: bool,
    outbox: Arc<tokio::sync::Notify>,
}

type Pending = (
    oneshot::Sender<Result<String, ApiError>>,
    Result<String, ApiError>,
);

impl Runner {
    fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        let _checkpointer = self.store.checkpointer();
        let mut jobs = Vec::with_capacity(MAX_BATCH);
        while let Some(first) = rx.blocking_recv() {
            jobs.push(first);
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            let stop = jobs.iter().any(|j| matches!(j, Job::Stop));
            self.batch(&mut jobs);
            if stop {
                break;
            }
        }
        info!("engine stopped");
    }

    /// The earlier answer to this request, as JSON.
    /// The earlier answer to this request id, when there is one; a different request sent with the
    /// same id is refused (R6), never answered with the other request's answer.
    fn earlier(
        &self,
        key: &RequestKey,
        cmd: &Command,
        now: Millis,
    ) -> Option<Result<String, ApiError>> {
        let reused = || {
            Err(ApiError::new(
                ErrorCode::RequestIdReused,
                format!(
                    "request id {:?} was already used for a different request; use a new id for a new request",
                    key.1
                ),
            ))
        };
        Some(match self.requests.get(key)? {
            Saved::Json { fingerprint, json } => {
                if fingerprint
                    .as_deref()
                    .is_some_and(|f| *f != *cmd.fingerprint())
                {
                    return Some(reused());
                }
                Ok(json.to_string())
            }
            Saved::Issued(id) => {
                let found = match self.hall.ticket(*id) {
                    Some(t) => Ok(Some(t.clone())),
                    None => self.store.ticket(*id),
                };
                match found {
                    Ok(Some(t)) if !cmd.is_issue_of(&t.ticket) => reused(),
                    Ok(Some(t)) => serde_json::to_string(&self.hall.issue_response(&t, now))
                        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string())),
                    Ok(None) => Err(ApiError::new(
                        ErrorCode::Internal,
                        "an issued ticket is missing",
                    )),
                    Err(err) => {
                        error!(cause = %err, "ticket lookup failed");
                        Err(ApiError::new(
                            ErrorCode::Unavailable,
                            "storage is not answering; retry",
                        ))
                    }
                }
            }
        })
    }

    /// Gives a command what the pure core cannot know: the ticket of a rating when it is no longer
    /// open — from this batch's changes (finished a moment ago, not committed yet) or else from the
    /// store. An ended leg never changes, so that copy is as good as a live one.
    fn load(&self, mut cmd: Command, applied: &[Applied]) -> Result<Command, ApiError> {
        if let Command::Rating(RatingCmd::Rate(r)) = &mut cmd
            && self.hall.ticket(r.ticket_id).is_none()
        {
            let id = r.ticket_id;
            let batch = applied.iter().rev().find_map(|a| {
                a.changes.iter().rev().find_map(|c| match c {
                    Change::Ticket(t) if t.ticket.id == id => Some(t.clone()),
                    _ => None,
                })
            });
            r.closed = match batch {
                Some(t) => Some(t),
                None => self
                    .store
                    .ticket(id)
                    .map_err(|err| {
                        error!(cause = %err, "ticket lookup failed");
                        ApiError::new(ErrorCode::Unavailable, "storage is not answering; retry")
                    })?
                    .map(Box::new),
            };
        }
        Ok(cmd)
    }

    /// One chunk of the personal-data purge (R29), as an applied command, or nothing left to do.
    fn purge(&mut self, now: Millis) -> Option<Applied> {
        let days = i64::from(self.config.privacy.retention_days);
        let before = now - days * 86_400_000;
        let mut tickets = match self.store.personal_before(before, 5_000) {
            Ok(t) => t,
            Err(err) => {
                error!(cause = %err, "personal data purge: cannot read old tickets; retried after the next rollover");
                self.purge_pending = false;
                return None;
            }
        };
        tickets.retain(|t| self.hall.ticket(t.ticket.id).is_none());
        let old = self
            .store
            .bookings_personal_before(before, 5_000)
            .and_then(|b| Ok((b, self.store.rating_texts_before(before, 5_000)?)));
        let (bookings, rating_texts) = match old {
            Ok(o) => o,
            Err(err) => {
                error!(cause = %err, "personal data purge: cannot read old bookings or ratings; retried after the next rollover");
                self.purge_pending = false;
                return None;
            }
        };
        if tickets.is_empty() && bookings.is_empty() && rating_texts.is_empty() {
            self.purge_pending = false;
            return None;
        }
        let cmd = Command::Security(SecurityCmd::Purge {
            before,
            tickets,
            bookings,
            rating_texts,
        });
        match self.hall.apply(&Actor::System, cmd, now) {
            Ok(a) => {
                if a.changes.is_empty() {
                    self.purge_pending = false;
                }
                info!(detail = %a.audit.detail, "personal data past the retention period removed");
                Some(a)
            }
            Err(err) => {
                error!(cause = %err, "personal data purge refused");
                self.purge_pending = false;
                None
            }
        }
    }

    /// The day's copy of the database into the configured folder, on a thread of its own (its own
    /// read connection: the engine goes on). Failures are logged.
    fn daily_backup(&self) {
        let cfg = &self.config.backup;
        if cfg.folder.trim().is_empty() {
            return;
        }
        let db = self.store.path().to_path_buf();
        let folder = db
            .parent()
            .map_or_else(|| cfg.folder.clone().into(), |d| d.join(&cfg.folder));
        let (day, keep) = (self.hall.business_day().to_string(), cfg.keep);
        let spawned = std::thread::Builder::new()
            .name("qcall-backup".into())
            .spawn(move || match crate::store::backup::daily(&db, &folder, &day, keep) {
                Ok(info) => info!(folder = %folder.display(), day, tickets = info.tickets, seq = info.last_seq, "daily backup made"),
                Err(err) => error!(folder = %folder.display(), cause = %err, "daily backup FAILED"),
            });
        if let Err(err) = spawned {
            error!(cause = %err, "cannot start the backup thread");
        }
    }

    fn batch(&mut self, jobs: &mut Vec<Job>) {
        let now = self.clock.now();
        let mut applied: Vec<Applied> = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        let mut reads: Vec<ReadFn> = Vec::new();
        let mut writes: Vec<WriteFn> = Vec::new();
        let mut saved: Vec<SavedRequest> = Vec::new();
        let mut added: Vec<RequestKey> = Vec::new();
        // A batch of reads alone can start the day (the console's watcher reads every second): what
        // the clock changes at the new day is then applied with it, not a tick later.
        let rolled = self.hall.rollover_due(now);
        if rolled {
            let a = self.hall.rollover(now);
            info!(business_day = a.business_day, "new business day");
            self.requests.clear();
            applied.push(a);
            self.purge_pending = true;
            self.daily_backup();
        }
        // What the clock alone changed (opening, cut-off, slot edges, expired no-shows), once a tick.
        let ticked = rolled || jobs.iter().any(|j| matches!(j, Job::Tick));
        if ticked {
            applied.extend(self.hall.clock(now));
            if self.purge_pending {
                applied.extend(self.purge(now));
            }
        }
        for job in jobs.drain(..) {
            match job {
                Job::Command {
                    actor,
                    request_id,
                    cmd,
                    gate,
                    reply,
                } => {
                    let key = request_id.map(|rid| (actor.label(), rid));
                    if let Some(answer) = key.as_ref().and_then(|k| self.earlier(k, &cmd, now)) {
                        pending.push((reply, answer));
                        continue;
                    }
                    if let Some(Err(e)) = gate.map(|g| g()) {
                        pending.push((reply, Err(e)));
                        continue;
                    }
                    let fingerprint = cmd.fingerprint();
                    let cmd = match self.load(*cmd, &applied) {
                        Ok(cmd) => cmd,
                        Err(e) => {
                            pending.push((reply, Err(e)));
                            continue;
                        }
                    };
                    match self.hall.apply(&actor, cmd, now) {
                        Ok(mut a) => {
                            let json = reply_json(&a.reply);
                            if let Some(key) = key {
                                let kept = match &a.reply {
                                    Reply::Issued(r) => Saved::Issued(r.ticket.id),
                                    _ => {
                                        saved.push(SavedRequest {
                                            principal: key.0.clone(),
                                            request_id: key.1.clone(),
                                            fingerprint: fingerprint.clone(),
                                            response: json.clone(),
                                        });
                                        Saved::Json {
                                            fingerprint: Some(Arc::from(fingerprint.as_str())),
                                            json: Arc::from(json.as_str()),
                                        }
                                    }
                                };
                                a.audit.request_id = Some(key.1.clone());
                                self.requests.insert(key.clone(), kept);
                                added.push(key);
                            }
                            pending.push((reply, Ok(json)));
                            applied.push(a);
                        }
                        Err(e) => pending.push((reply, Err(e))),
                    }
                }
                Job::Read(f) => reads.push(f),
                Job::Write(f) => writes.push(f),
                Job::Tick | Job::Stop => {}
            }
        }
        // Near-turn notices and reminders the batch or the clock made due (R32), in the same commit.
        if (ticked || !applied.is_empty())
            && let Some(a) = self.hall.take_notices(now)
        {
            applied.push(a);
        }
        // The kiosk tiles the batch changed, worked out once for the whole batch.
        if let Some(event) = self.hall.take_availability(now)
            && let Some(last) = applied.last_mut()
        {
            last.events.push(event);
        }
        if !applied.is_empty()
            && let Err(err) = self.store.commit(&applied, &saved)
        {
            // Nothing of this batch is durable: nobody is told it happened, and the live hall goes back
            // to what the database holds.
            error!(cause = %err, commands = applied.len(), "commit failed; rebuilding from the database");
            for (reply, result) in pending {
                let result = result.and(Err(ApiError::new(
                    ErrorCode::Unavailable,
                    "the change could not be stored; nothing changed, retry",
                )));
                let _ = reply.send(result);
            }
            for key in added {
                self.requests.remove(&key);
            }
            match self.store.restore() {
                Ok(restored) => {
                    self.hall = Hall::new(self.config.clone(), restored, now);
                    match self.store.requests(self.hall.business_day()) {
                        Ok(requests) => self.requests = requests.into_iter().collect(),
                        Err(err) => error!(cause = %err, "request ids not restored"),
                    }
                }
                Err(err) => {
                    error!(cause = %err, "rebuild failed; the hall may be stale until restart")
                }
            }
            for f in reads {
                f(&self.hall, &self.store, now);
            }
            for f in writes {
                f(&mut self.store, now);
            }
            return;
        }
        for (reply, result) in pending {
            let _ = reply.send(result);
        }
        // Nobody listening (no WebSocket client): nothing to build.
        if self.push.receiver_count() > 0 {
            for a in &applied {
                let _ = self.push.send(Arc::new(Pushed::new(a)));
            }
        }
        for f in reads {
            f(&self.hall, &self.store, now);
        }
        for f in writes {
            f(&mut self.store, now);
        }
        if applied
            .iter()
            .any(|a| a.changes.iter().any(|c| matches!(c, Change::Notice(_))))
        {
            self.outbox.notify_one();
        }
        if self.push.len() > 3000 {
            warn!(
                queued = self.push.len(),
                "push queue is long: slow WebSocket clients will resync"
            );
        }
    }
}

/// The reply's JSON; each reply type serialises without failure.
fn reply_json(reply: &Reply) -> String {
    let value = match reply {
        Reply::Issued(r) => serde_json::to_string(r),
        Reply::Action(r) => serde_json::to_string(r),
        Reply::Ticket(r) => serde_json::to_string(r),
        Reply::Window(r) => serde_json::to_string(r),
        Reply::Booking(r) => serde_json::to_string(r),
        Reply::CheckIn(r) => serde_json::to_string(r),
        Reply::Notices(n) => {
            serde_json::to_string(&qcall_protocol::NoticesRequest { notices: n.clone() })
        }
        Reply::Rating(r) => serde_json::to_string(r),
        Reply::PublicRating(r) => serde_json::to_string(r),
        Reply::Case(c) => serde_json::to_string(c),
        Reply::Rollover { business_day } => {
            serde_json::to_string(&serde_json::json!({ "business_day": business_day }))
        }
        Reply::None => Ok("{}".to_string()),
    };
    value.unwrap_or_else(|e| format!(r#"{{"error":{{"code":"internal","message":"{e}"}}}}"#))
}

#[cfg(test)]
mod tests;

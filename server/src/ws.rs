//! The WebSocket at `/api/v1/ws`: hello → snapshot → events and heartbeats (R20).
//!
//! Each connection is one task selecting over the server's pushes, its heartbeat timer, the socket's
//! incoming side and the server's stop signal: axum's graceful shutdown does not reach upgraded
//! connections, so they get their own. Heartbeats go out every 10 s whatever else was sent: resetting
//! the timer on every push would touch tokio's timer wheel a thousand times per call.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::StreamExt;
use qcall_protocol::*;
use std::collections::HashMap;

use tokio::sync::{broadcast, watch};
use tracing::debug;

use crate::api::ClientAddr;
use crate::auth::Principal;
use crate::core::Hall;
use crate::engine::{Audience, Pushed};
use crate::state::App;

/// Live updates. Send one `Hello` text message; receive a `Snapshot`, then `Events` and `Heartbeat`s.
#[utoipa::path(get, path = "/api/v1/ws", tag = "live", responses((status = 101, description = "WebSocket: first send a Hello, then read ServerMsg messages")))]
pub(crate) async fn ws(
    State(app): State<App>,
    ClientAddr(addr): ClientAddr,
    upgrade: WebSocketUpgrade,
) -> Response {
    // A hall has a thousand screens at most; tungstenite's default 128 KiB read buffer per socket would
    // cost 128 MB for them. Clients send one small hello, so 4 KiB is plenty. Writes go out at once.
    upgrade
        .max_message_size(64 * 1024)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve(app, socket, addr))
}

/// Who is on the other end, once the hello checked out. Made once per connection and taken apart
/// at once, so the size of its large variant costs nothing.
#[allow(clippy::large_enum_variant)]
enum Who {
    Member {
        audience: Audience,
        identity: Identity,
        display: Option<DisplaySettings>,
        /// A staff token, checked again every second: the socket closes when it expires.
        session: Option<String>,
        /// A manager or admin: also gets the console's state (R24).
        console: bool,
        /// A kiosk or display: its link and reports go to the device registry (R31).
        device: Option<String>,
    },
    Public {
        token: String,
    },
}

/// Writes one message, or gives up after the write limit: a client whose socket stays unwritable
/// (a frozen screen with its connection open) is dropped and resyncs when it wakes (issue 16), and
/// no task waits on it at shutdown.
async fn write(app: &App, socket: &mut WebSocket, msg: Message) -> bool {
    match tokio::time::timeout(app.write_timeout, socket.send(msg)).await {
        Ok(sent) => sent.is_ok(),
        Err(_) => {
            debug!("a WebSocket stayed unwritable past the limit; dropping it");
            false
        }
    }
}

async fn send(app: &App, socket: &mut WebSocket, msg: &ServerMsg) -> bool {
    match serde_json::to_string(msg) {
        Ok(text) => write(app, socket, Message::Text(text.into())).await,
        Err(_) => false,
    }
}

async fn refuse(app: &App, mut socket: WebSocket, error: ApiError) {
    let _ = send(app, &mut socket, &ServerMsg::Refused { error }).await;
    let _ = write(app, &mut socket, Message::Close(None)).await;
}

async fn serve(app: App, mut socket: WebSocket, addr: std::net::IpAddr) {
    let _alive = app.ws.alive.clone();
    let _counted = app.limits.websocket();
    let hello = match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<Hello>(&text).map_err(|e| {
            ApiError::new(
                ErrorCode::BadRequest,
                format!("the first message must be a Hello: {e}"),
            )
        }),
        Ok(_) => Err(ApiError::new(
            ErrorCode::BadRequest,
            "the first message must be a Hello as text",
        )),
        Err(_) => Err(ApiError::new(
            ErrorCode::BadRequest,
            "no Hello within 10 seconds",
        )),
    };
    let who = match hello.and_then(|h| identify(&app, h)) {
        Ok(who) => who,
        Err(e) => return refuse(&app, socket, e).await,
    };
    match who {
        Who::Member {
            audience,
            identity,
            display,
            session,
            console,
            device,
        } => {
            let extras = Extras { console, device };
            member(app, socket, audience, identity, display, session, extras).await
        }
        Who::Public { token } => public(app, socket, token, addr).await,
    }
}

fn identify(app: &App, hello: Hello) -> Result<Who, ApiError> {
    let now = app.clock.now();
    let (principal, session) = match hello {
        Hello::Public { ticket_token } => {
            return Ok(Who::Public {
                token: ticket_token,
            });
        }
        Hello::Device { key } => (app.auth.principal(&key, now)?, None),
        Hello::Staff { token } => (app.auth.principal(&token, now)?, Some(token)),
    };
    Ok(match principal {
        Principal::Kiosk { name } => Who::Member {
            audience: Audience::Kiosk,
            device: Some(name.clone()),
            identity: Identity::Kiosk { name },
            display: None,
            session: None,
            console: false,
        },
        Principal::Display { name, mode } => {
            let cfg = &app.config;
            let device = cfg.devices.iter().find(|d| d.name == name);
            let audio = device.is_some_and(|d| d.audio);
            let a = &cfg.announce;
            let display = DisplaySettings {
                name: name.clone(),
                mode,
                audio,
                template_zh: a.template_zh.get_ref().clone(),
                template_en: a.template_en.get_ref().clone(),
                languages: a.languages.clone(),
                repeat: *a.repeat.get_ref(),
                chime: a.chime,
                volume: a.volume,
                quiet_hours: a.quiet_hours.clone(),
                board_layout: device.map(|d| d.layout).unwrap_or_default(),
            };
            Who::Member {
                audience: match mode {
                    DisplayMode::RatingPad { window } => Audience::RatingPad(window),
                    _ => Audience::Display,
                },
                device: Some(name.clone()),
                identity: Identity::Display { name },
                display: Some(display),
                session: None,
                console: false,
            }
        }
        Principal::Staff { staff_no, role } => Who::Member {
            audience: match role {
                Role::Staff => Audience::Staff,
                Role::Manager | Role::Admin => Audience::Manager,
            },
            identity: Identity::Staff {
                staff_no,
                role,
                window: None,
            },
            display: None,
            session,
            console: matches!(role, Role::Manager | Role::Admin),
            device: None,
        },
    })
}

/// The snapshot a member client may see.
fn snapshot(
    app: &App,
    hall: &Hall,
    now: Millis,
    audience: Audience,
    identity: &Identity,
    display: &Option<DisplaySettings>,
) -> ServerMsg {
    let identity = match identity {
        Identity::Staff { staff_no, role, .. } => Identity::Staff {
            staff_no: staff_no.clone(),
            role: *role,
            window: hall
                .window_views()
                .iter()
                .find(|w| w.staff.as_ref().is_some_and(|s| &s.staff_no == staff_no))
                .map(|w| w.number),
        },
        other => other.clone(),
    };
    ServerMsg::Snapshot(Box::new(Snapshot {
        seq: hall.seq(),
        at: now,
        identity,
        hall: hall.hall_info(now),
        groups: app.config.groups.clone(),
        services: app.config.services.iter().map(|s| s.info.clone()).collect(),
        windows: hall.window_views(),
        availability: hall.tiles(),
        recent_calls: if audience == Audience::Kiosk {
            Vec::new()
        } else {
            hall.recent_calls()
        },
        open_tickets: if matches!(audience, Audience::Staff | Audience::Manager) {
            hall.open_tickets()
        } else {
            Vec::new()
        },
        display: display.clone(),
        ticket: None,
    }))
}

/// What a member socket carries beyond the hall's pushes.
struct Extras {
    console: bool,
    device: Option<String>,
}

/// Marks a device offline when its socket's task ends, however it ends.
struct Online<'a> {
    app: &'a App,
    name: String,
}

impl Drop for Online<'_> {
    fn drop(&mut self) {
        self.app
            .console
            .devices
            .disconnected(&self.name, self.app.clock.now());
    }
}

/// A device's message after the hello: its health report (R31). Anything else is ignored.
fn device_message(app: &App, name: &str, text: &str) {
    match serde_json::from_str::<ClientMsg>(text) {
        Ok(ClientMsg::DeviceStatus { status }) => {
            app.console.devices.report(name, status, app.clock.now())
        }
        Err(e) => debug!(device = name, cause = %e, "unreadable device message ignored"),
    }
}

async fn member(
    app: App,
    mut socket: WebSocket,
    audience: Audience,
    identity: Identity,
    display: Option<DisplaySettings>,
    session: Option<String>,
    extras: Extras,
) {
    let mut stop = app.ws.stop.clone();
    let subscribe = |app: &App| {
        let (a, i, d) = (app.clone(), identity.clone(), display.clone());
        let engine = app.engine.clone();
        async move {
            engine
                .subscribe(move |hall, _, now| snapshot(&a, hall, now, audience, &i, &d))
                .await
        }
    };
    let Ok((first, mut rx)) = subscribe(&app).await else {
        return;
    };
    let mut seq = if let ServerMsg::Snapshot(s) = &first {
        s.seq
    } else {
        0
    };
    if !send(&app, &mut socket, &first).await {
        return;
    }
    let _online = extras.device.as_ref().map(|name| {
        app.console.devices.connected(name, app.clock.now());
        Online {
            app: &app,
            name: name.clone(),
        }
    });
    let mut console = app.console.state.clone();
    if extras.console {
        let json = console.borrow_and_update().json.clone();
        if socket.send(Message::Text(json)).await.is_err() {
            return;
        }
    }
    let mut heartbeat = tokio::time::interval(app.heartbeat);
    heartbeat.reset();
    // A staff socket lives only as long as its token (C7): checked every second against the hall's
    // clock, so an expired or revoked session stops receiving tickets.
    let mut session_check = tokio::time::interval(Duration::from_secs(1));
    session_check.reset();
    loop {
        tokio::select! {
            _ = stop.changed() => {
                let _ = write(&app, &mut socket, Message::Close(None)).await;
                break;
            }
            _ = session_check.tick(), if session.is_some() => {
                if let Some(token) = &session
                    && let Err(error) = app.auth.principal(token, app.clock.now())
                {
                    debug!("staff session ended; closing its socket");
                    return refuse(&app, socket, error).await;
                }
            }
            pushed = rx.recv() => {
                let resync = match pushed {
                    Ok(p) => {
                        seq = p.seq;
                        if let Some(text) = p.json_for(audience) && !write(&app, &mut socket, Message::Text(text)).await {
                            break;
                        }
                        p.is_rollover()
                    }
                    // Fell behind: a full resync, never a partial one (R20).
                    Err(broadcast::error::RecvError::Lagged(n)) => { debug!(missed = n, "slow client resyncs"); true }
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                if resync {
                    let Ok((again, new_rx)) = subscribe(&app).await else { break };
                    rx = new_rx;
                    if let ServerMsg::Snapshot(s) = &again { seq = s.seq; }
                    if !send(&app, &mut socket, &again).await { break; }
                }
            }
            _ = heartbeat.tick() => {
                if !send(&app, &mut socket, &ServerMsg::Heartbeat { at: app.clock.now(), seq }).await { break; }
            }
            changed = console.changed(), if extras.console => {
                if changed.is_err() { break; }
                let json = console.borrow_and_update().json.clone();
                if socket.send(Message::Text(json)).await.is_err() { break; }
            }
            incoming = socket.next() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(Message::Text(text))) => {
                    if let Some(name) = &extras.device { device_message(&app, name, &text); }
                }
                Some(Ok(_)) => {}
            },
        }
    }
}

/// The tickets citizens follow over WebSockets (issue 21): one task looks at every push and, when
/// it may change a position or state, works out the view of every followed ticket in one engine
/// read, however many sockets follow them; each socket waits on its ticket's watch.
#[derive(Default)]
pub(crate) struct PublicHub {
    followed: std::sync::Mutex<HashMap<String, Followed>>,
    /// The last push's sequence number, for heartbeats.
    seq: std::sync::atomic::AtomicU64,
}

struct Followed {
    tx: watch::Sender<(u64, PublicTicket)>,
    sockets: usize,
}

/// A socket's hold on a followed ticket; the last one to go stops the following.
struct Following {
    hub: Arc<PublicHub>,
    token: String,
    rx: watch::Receiver<(u64, PublicTicket)>,
}

impl Drop for Following {
    fn drop(&mut self) {
        let mut followed = self.hub.lock();
        if let Some(f) = followed.get_mut(&self.token) {
            f.sockets -= 1;
            if f.sockets == 0 {
                followed.remove(&self.token);
            }
        }
    }
}

impl PublicHub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Followed>> {
        self.followed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn follow(self: &Arc<Self>, token: &str, seq: u64, now: PublicTicket) -> Following {
        let mut followed = self.lock();
        let f = followed
            .entry(token.to_string())
            .or_insert_with(|| Followed {
                tx: watch::channel((seq, now)).0,
                sockets: 0,
            });
        f.sockets += 1;
        Following {
            hub: self.clone(),
            token: token.to_string(),
            rx: f.tx.subscribe(),
        }
    }

    /// Follows the hall's pushes until the engine stops.
    pub(crate) async fn run(self: Arc<Self>, engine: crate::engine::Engine) {
        let Ok(((), mut rx)) = engine.subscribe(|_, _, _| ()).await else {
            return;
        };
        loop {
            let relevant = match rx.recv().await {
                Ok(p) => {
                    self.seq.store(p.seq, std::sync::atomic::Ordering::SeqCst);
                    touches_queue(&p)
                }
                Err(broadcast::error::RecvError::Lagged(_)) => true,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            let tokens: Vec<String> = self.lock().keys().cloned().collect();
            if !relevant || tokens.is_empty() {
                continue;
            }
            let Ok((seq, views)) = engine
                .read(move |hall, store, now| {
                    let views: Vec<(String, Option<PublicTicket>)> = tokens
                        .into_iter()
                        .map(|t| {
                            let view = crate::state::public_view(hall, store, now, &t).ok();
                            (t, view)
                        })
                        .collect();
                    (hall.seq(), views)
                })
                .await
            else {
                return;
            };
            let followed = self.lock();
            for (token, view) in views {
                if let (Some(f), Some(view)) = (followed.get(&token), view) {
                    f.tx.send_if_modified(|(s, v)| {
                        if *v == view {
                            return false;
                        }
                        (*s, *v) = (seq, view);
                        true
                    });
                }
            }
        }
    }
}

async fn public(app: App, mut socket: WebSocket, token: String, addr: std::net::IpAddr) {
    let mut stop = app.ws.stop.clone();
    // Capped per ticket and in total (issue 21): a page that opens 600 sockets gets 4.
    let _place = match app.limits.public(&token) {
        Ok(place) => place,
        Err(e) => return refuse(&app, socket, e).await,
    };
    let status = match app.public_status_for(token.clone(), addr).await {
        Ok(status) => status,
        Err(e) => return refuse(&app, socket, e).await,
    };
    // Followed from here on; the snapshot's view is read after, so no change falls in between.
    let mut following = app.public.follow(&token, 0, status.clone());
    let (hall, services, seq, status) = match app
        .engine
        .read({
            let service = status.service_id.clone();
            let cfg = app.config.clone();
            let token = token.clone();
            move |hall, store, now| {
                (
                    hall.hall_info(now),
                    cfg.service(&service)
                        .map(|s| vec![s.info.clone()])
                        .unwrap_or_default(),
                    hall.seq(),
                    crate::state::public_view(hall, store, now, &token),
                )
            }
        })
        .await
    {
        Ok((hall, services, seq, Ok(status))) => (hall, services, seq, status),
        Ok((.., Err(e))) => return refuse(&app, socket, e).await,
        Err(_) => return,
    };
    let mut last = status.clone();
    let snap = ServerMsg::Snapshot(Box::new(Snapshot {
        seq,
        at: app.clock.now(),
        identity: Identity::Public,
        hall,
        groups: Vec::new(),
        services,
        windows: Vec::new(),
        availability: Vec::new(),
        recent_calls: Vec::new(),
        open_tickets: Vec::new(),
        display: None,
        ticket: Some(status),
    }));
    if !send(&app, &mut socket, &snap).await {
        return;
    }
    let mut heartbeat = tokio::time::interval(app.heartbeat);
    heartbeat.reset();
    loop {
        tokio::select! {
            _ = stop.changed() => {
                let _ = write(&app, &mut socket, Message::Close(None)).await;
                break;
            }
            changed = following.rx.changed() => {
                if changed.is_err() { break; }
                let (changed_at, now) = following.rx.borrow_and_update().clone();
                // Older than the snapshot: already in it.
                if changed_at > seq && now != last {
                    last = now.clone();
                    let msg = ServerMsg::Events { seq: changed_at, at: app.clock.now(), events: vec![Event::PublicTicket { ticket: now }] };
                    if !send(&app, &mut socket, &msg).await { break; }
                }
            }
            _ = heartbeat.tick() => {
                let seq = app.public.seq.load(std::sync::atomic::Ordering::SeqCst).max(seq);
                if !send(&app, &mut socket, &ServerMsg::Heartbeat { at: app.clock.now(), seq }).await { break; }
            }
            incoming = socket.next() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// Whether a push may change a citizen's position, estimate or state.
fn touches_queue(p: &Arc<Pushed>) -> bool {
    p.events.iter().any(|e| {
        matches!(
            e,
            Event::Ticket { .. } | Event::Window { .. } | Event::DayRollover { .. }
        )
    })
}

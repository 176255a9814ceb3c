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
use tokio::sync::broadcast;
use tracing::debug;

use crate::auth::Principal;
use crate::core::Hall;
use crate::engine::{Audience, Pushed};
use crate::state::App;

/// Live updates. Send one `Hello` text message; receive a `Snapshot`, then `Events` and `Heartbeat`s.
#[utoipa::path(get, path = "/api/v1/ws", tag = "live", responses((status = 101, description = "WebSocket: first send a Hello, then read ServerMsg messages")))]
pub(crate) async fn ws(State(app): State<App>, upgrade: WebSocketUpgrade) -> Response {
    // A hall has a thousand screens at most; tungstenite's default 128 KiB read buffer per socket would
    // cost 128 MB for them. Clients send one small hello, so 4 KiB is plenty. Writes go out at once.
    upgrade
        .max_message_size(64 * 1024)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve(app, socket))
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

async fn send(socket: &mut WebSocket, msg: &ServerMsg) -> bool {
    match serde_json::to_string(msg) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

async fn refuse(mut socket: WebSocket, error: ApiError) {
    let _ = send(&mut socket, &ServerMsg::Refused { error }).await;
    let _ = socket.send(Message::Close(None)).await;
}

async fn serve(app: App, mut socket: WebSocket) {
    let _alive = app.ws.alive.clone();
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
        Err(e) => return refuse(socket, e).await,
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
        Who::Public { token } => public(app, socket, token).await,
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
    if !send(&mut socket, &first).await {
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
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
            _ = session_check.tick(), if session.is_some() => {
                if let Some(token) = &session
                    && let Err(error) = app.auth.principal(token, app.clock.now())
                {
                    debug!("staff session ended; closing its socket");
                    return refuse(socket, error).await;
                }
            }
            pushed = rx.recv() => {
                let resync = match pushed {
                    Ok(p) => {
                        seq = p.seq;
                        if let Some(text) = p.json_for(audience) && socket.send(Message::Text(text)).await.is_err() {
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
                    if !send(&mut socket, &again).await { break; }
                }
            }
            _ = heartbeat.tick() => {
                if !send(&mut socket, &ServerMsg::Heartbeat { at: app.clock.now(), seq }).await { break; }
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

async fn public(app: App, mut socket: WebSocket, token: String) {
    let mut stop = app.ws.stop.clone();
    let (status, mut rx) = match app.engine.subscribe(|_, _, _| ()).await {
        Ok(((), rx)) => match app.public_status(token.clone()).await {
            Ok(status) => (status, rx),
            Err(e) => return refuse(socket, e).await,
        },
        Err(_) => return,
    };
    let (hall, services, seq) = match app
        .engine
        .read({
            let service = status.service_id.clone();
            let cfg = app.config.clone();
            move |hall, _, now| {
                (
                    hall.hall_info(now),
                    cfg.service(&service)
                        .map(|s| vec![s.info.clone()])
                        .unwrap_or_default(),
                    hall.seq(),
                )
            }
        })
        .await
    {
        Ok(x) => x,
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
    if !send(&mut socket, &snap).await {
        return;
    }
    let mut seq = seq;
    let mut heartbeat = tokio::time::interval(app.heartbeat);
    heartbeat.reset();
    loop {
        tokio::select! {
            _ = stop.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
            pushed = rx.recv() => {
                let relevant = match &pushed {
                    Ok(p) => { seq = p.seq; touches_queue(p) }
                    Err(broadcast::error::RecvError::Lagged(_)) => true,
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                if relevant && let Ok(now) = app.public_status(token.clone()).await && now != last {
                    last = now.clone();
                    let msg = ServerMsg::Events { seq, at: app.clock.now(), events: vec![Event::PublicTicket { ticket: now }] };
                    if !send(&mut socket, &msg).await { break; }
                }
            }
            _ = heartbeat.tick() => {
                if !send(&mut socket, &ServerMsg::Heartbeat { at: app.clock.now(), seq }).await { break; }
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

//! The manager's console in the browser (issue 13, R24, R31): pages rendered on the server from
//! templates compiled into the binary (`pages`, maud), one script of our own (`static/console.js`)
//! that signs in over REST, keeps the token in the tab's `sessionStorage` (never a cookie, so no
//! request can be forged from another site) and follows the hall over the WebSocket; and the
//! watcher that works out the console's warnings once for every console (`watch`), from the live
//! hall and the device registry (`devices`).
//!
//! The pages carry no hall data: everything comes over the same REST routes and role checks as for
//! any other client, and the script writes it with `textContent` only. Every console response has
//! a Content-Security-Policy that allows the console's own script and style and nothing else.

pub(crate) mod devices;
mod pages;
pub(crate) mod watch;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qcall_protocol::{ConsoleState, RatingCounts, ServerMsg};
use tokio::sync::{broadcast, watch as tokio_watch};

use crate::config::HallConfig;
use crate::engine::Engine;
pub(crate) use devices::Devices;

/// What the WebSocket tasks share of the console: the device registry and the latest state.
#[derive(Clone)]
pub(crate) struct Console {
    pub(crate) devices: Arc<Devices>,
    pub(crate) state: tokio_watch::Receiver<Arc<Published>>,
}

/// The console state and its `ServerMsg::Console` JSON, made once for every console listening.
#[derive(Debug)]
pub(crate) struct Published {
    pub(crate) state: ConsoleState,
    pub(crate) json: Utf8Bytes,
}

impl Published {
    fn new(state: ConsoleState) -> Published {
        let json = serde_json::to_string(&ServerMsg::Console(Box::new(state.clone())))
            .unwrap_or_default()
            .into();
        Published { state, json }
    }
}

fn empty_state() -> ConsoleState {
    ConsoleState {
        at: 0,
        warnings: Vec::new(),
        devices: Vec::new(),
        services: Vec::new(),
        today: Default::default(),
    }
}

/// Starts the watcher: it works out the console state after every push, every second (the clock
/// alone makes waits long and pauses too long) and on every device change, and publishes it when
/// anything a console shows changed. It holds an engine handle: abort it before the engine stops.
pub(crate) fn start(
    engine: Engine,
    config: Arc<HallConfig>,
    devices: Arc<Devices>,
) -> (Console, tokio::task::JoinHandle<()>) {
    let (tx, rx) = tokio_watch::channel(Arc::new(Published::new(empty_state())));
    let registry = devices.clone();
    let task = tokio::spawn(async move {
        let Ok(((), mut pushes)) = engine.subscribe(|_, _, _| ()).await else {
            return;
        };
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                pushed = pushes.recv() => {
                    if matches!(pushed, Err(broadcast::error::RecvError::Closed)) {
                        break;
                    }
                }
                _ = every.tick() => {}
                _ = registry.changed.notified() => {}
            }
            // A burst of pushes is one recomputation.
            while !matches!(
                pushes.try_recv(),
                Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed)
            ) {}
            let listed = registry.list(&config);
            let previous = tx.borrow().clone();
            let Ok(next) = engine
                .read(move |hall, store, now| {
                    let figures = hall.service_figures();
                    let mut warnings = hall.hall_warnings(&figures, now);
                    if hall.notices_on() {
                        match store.outbox_counts(now - 86_400_000) {
                            Ok(c) => warnings.extend(watch::notice_warning(&c, now)),
                            Err(e) => tracing::warn!(cause = %e, "notice outbox not read"),
                        }
                    }
                    let mut ratings = RatingCounts::default();
                    for w in &hall.cfg.windows {
                        match store.rating_counts(hall.business_day(), w.number) {
                            Ok(c) => watch::add_counts(&mut ratings, &c),
                            Err(e) => tracing::warn!(cause = %e, "ratings not read"),
                        }
                    }
                    let out_of_order = store
                        .out_of_order_calls(hall.business_day())
                        .unwrap_or_else(|e| {
                            tracing::warn!(cause = %e, "out-of-order count not read");
                            previous.state.today.out_of_order
                        });
                    watch::state(
                        Some(&previous.state),
                        warnings,
                        listed,
                        figures,
                        out_of_order,
                        &ratings,
                        now,
                    )
                })
                .await
            else {
                break;
            };
            tx.send_if_modified(|current| {
                if watch::differs(&current.state, &next) {
                    *current = Arc::new(Published::new(next));
                    true
                } else {
                    false
                }
            });
        }
    });
    (Console { devices, state: rx }, task)
}

// ---- Pages ---------------------------------------------------------------------------------------

/// The console's pages and files, mounted beside the API.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    axum::Router::new()
        .route("/console", axum::routing::get(sign_in))
        .route("/console/", axum::routing::get(sign_in))
        .route("/console/static/{file}", axum::routing::get(asset))
        .route("/console/{page}", axum::routing::get(page))
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// What every console response carries: only our own script, style and WebSocket; no frames.
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |name: HeaderName, value: &'static str| (name, HeaderValue::from_static(value));
    for (name, value) in [
        set(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        set(header::REFERRER_POLICY, "no-referrer"),
        set(header::X_FRAME_OPTIONS, "DENY"),
        set(header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, value);
    }
    response
}

fn html(markup: maud::Markup) -> Response {
    secured(
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            markup.into_string(),
        )
            .into_response(),
    )
}

async fn sign_in(Query(q): Query<LangQuery>) -> Response {
    html(pages::sign_in(pages::Lang::from_query(q.lang.as_deref())))
}

async fn page(Path(name): Path<String>, Query(q): Query<LangQuery>) -> Response {
    let lang = pages::Lang::from_query(q.lang.as_deref());
    match pages::Page::from_path(&name) {
        Some(p) => html(pages::page(p, lang)),
        None => secured(
            (
                StatusCode::NOT_FOUND,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                )],
                "no such console page",
            )
                .into_response(),
        ),
    }
}

const SCRIPT: &str = include_str!("static/console.js");
const STYLE: &str = include_str!("static/console.css");

async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "console.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "console.css" => (STYLE, "text/css; charset=utf-8"),
        _ => {
            return secured((StatusCode::NOT_FOUND, "no such file").into_response());
        }
    };
    secured(
        (
            [(header::CONTENT_TYPE, HeaderValue::from_static(kind))],
            body,
        )
            .into_response(),
    )
}

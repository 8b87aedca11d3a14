//! `GET /api/v1/events`: the caller's tenant's live events over a WebSocket, one JSON text
//! message per event (see `wasmphony_events::LiveEvent`), for operator screens.
//!
//! The tenant is the key's, never one from the request. Browsers cannot set headers on a
//! WebSocket, so this route (and only this one) also takes the key as `?key=`. Whatever the
//! client does, the server's side stays bounded: a fixed number of sockets per tenant, a
//! bounded channel per tenant (a slow socket lags, publishers never wait), small client
//! frames, a deadline on every send, and pings that find dead peers.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{AUTHORIZATION, UPGRADE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::time::{Instant, MissedTickBehavior};
use wasmphony_events::Subscription;

use crate::auth::TenantCaller;
use crate::error::ApiError;
use crate::state::ApiState;

/// Live event WebSockets one tenant may hold at once; beyond, the upgrade is refused with
/// 429. Generous for a call centre's screens (one or two per operator), small enough that
/// one tenant's leaked tabs cannot hold the server's sockets and memory.
pub const MAX_EVENT_SUBSCRIBERS_PER_TENANT: usize = 64;

/// Largest message (and frame) a client may send. Clients have nothing to say on this
/// socket but pings, pongs and close; anything bigger closes the socket.
const MAX_CLIENT_MESSAGE: usize = 4 * 1024;

/// How often the server pings an idle client.
const PING_INTERVAL: Duration = Duration::from_secs(30);

/// A client not heard from (no frame at all, pongs included) for this long is gone: two
/// missed pings and some slack.
const IDLE_TIMEOUT: Duration = Duration::from_secs(75);

/// Longest one send may wait on a client that does not read (a full TCP window); past it
/// the socket is closed rather than letting its events pile up behind it.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

// A peer that misses one ping (or is slow to read once) is not yet declared gone.
const _: () = assert!(IDLE_TIMEOUT.as_secs() > 2 * PING_INTERVAL.as_secs());
const _: () = assert!(SEND_TIMEOUT.as_secs() < PING_INTERVAL.as_secs());

/// A tenant caller whose key may also come from `?key=` (WebSocket clients in browsers
/// cannot set the Authorization header).
pub(crate) struct EventsCaller(TenantCaller);

#[derive(Deserialize)]
struct KeyParam {
    key: Option<String>,
}

impl FromRequestParts<ApiState> for EventsCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        if !parts.headers.contains_key(AUTHORIZATION) {
            // The query key becomes the bearer header, so it is resolved by exactly the
            // same code as every other route's key (hash, revocation, tenant).
            let key = Query::<KeyParam>::try_from_uri(&parts.uri)
                .ok()
                .and_then(|Query(param)| param.key)
                .filter(|key| !key.trim().is_empty())
                .ok_or(ApiError::Unauthenticated(
                    "missing Authorization: Bearer <key> (or ?key=<key> on this route)",
                ))?;
            let bearer = HeaderValue::from_str(&format!("Bearer {}", key.trim()))
                .map_err(|_| ApiError::Unauthenticated("unknown or revoked API key"))?;
            parts.headers.insert(AUTHORIZATION, bearer);
        }
        TenantCaller::from_request_parts(parts, state)
            .await
            .map(EventsCaller)
    }
}

/// `GET /api/v1/events`. Checks, in order: the key (401), that this is a WebSocket upgrade
/// (the rejection's status, as JSON), the tenant's socket limit (429); then upgrades.
pub(crate) async fn stream(
    EventsCaller(caller): EventsCaller,
    State(state): State<ApiState>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return not_a_websocket(&rejection),
    };
    // Subscribed before the upgrade is answered: a client that has its 101 misses nothing
    // published after it.
    let subscription = match state
        .events
        .try_subscribe(&caller.tenant.slug, MAX_EVENT_SUBSCRIBERS_PER_TENANT)
    {
        Ok(subscription) => subscription,
        Err(full) => {
            let message = format!("{full}; close one before opening another");
            return json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_subscribers",
                message,
            );
        }
    };
    let open = state.metrics.gauge(
        "wasmphony_api_event_sockets",
        "Live event WebSockets open.",
        &[],
    );
    upgrade
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| async move {
            open.add(1);
            forward(socket, subscription).await;
            open.add(-1);
        })
}

/// A request that is no WebSocket handshake: 426 (with `Upgrade: websocket`) when it does
/// not ask for an upgrade at all, axum's status (400 mostly) when the handshake is malformed.
fn not_a_websocket(rejection: &WebSocketUpgradeRejection) -> Response {
    let status = match rejection {
        WebSocketUpgradeRejection::InvalidConnectionHeader(_)
        | WebSocketUpgradeRejection::InvalidUpgradeHeader(_)
        | WebSocketUpgradeRejection::ConnectionNotUpgradable(_) => StatusCode::UPGRADE_REQUIRED,
        other => other.status(),
    };
    let message = format!(
        "GET /api/v1/events is a WebSocket: {}",
        rejection.body_text()
    );
    let mut response = json_error(status, "websocket_required", message);
    if status == StatusCode::UPGRADE_REQUIRED {
        response
            .headers_mut()
            .insert(UPGRADE, HeaderValue::from_static("websocket"));
    }
    response
}

/// Our JSON error shape, for the statuses `ApiError` has no variant for (426, 429).
fn json_error(status: StatusCode, code: &str, message: String) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

/// Sends the subscription's events to the socket until either side ends.
async fn forward(mut socket: WebSocket, mut events: Subscription) {
    let mut ping = tokio::time::interval_at(Instant::now() + PING_INTERVAL, PING_INTERVAL);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    // The client sent Close: the reply is queued, the next read flushes it and then ends.
    let mut closing = false;
    loop {
        tokio::select! {
            event = events.recv(), if !closing => {
                let Some(event) = event else {
                    // The bus is gone: the server is shutting down.
                    close(&mut socket, "server shutting down").await;
                    return;
                };
                let text = match serde_json::to_string(&*event) {
                    Ok(text) => text,
                    Err(error) => {
                        tracing::warn!(%error, "live event not serialisable; skipped");
                        continue;
                    }
                };
                if !send(&mut socket, Message::Text(text.into())).await {
                    return;
                }
            }
            message = socket.recv() => match message {
                // Closed (after the close handshake), reset, or a protocol error.
                None | Some(Err(_)) => return,
                Some(Ok(message)) => {
                    last_heard = Instant::now();
                    // Pings are answered by the WebSocket layer itself; text, binary and
                    // pongs from the client carry nothing for us.
                    if matches!(message, Message::Close(_)) {
                        closing = true;
                    }
                }
            },
            _ = ping.tick() => {
                if last_heard.elapsed() >= IDLE_TIMEOUT {
                    close(&mut socket, "no answer to pings").await;
                    return;
                }
                if !send(&mut socket, Message::Ping(Default::default())).await {
                    return;
                }
            }
        }
    }
}

/// Sends one message within [`SEND_TIMEOUT`]; false if the socket is done for.
async fn send(socket: &mut WebSocket, message: Message) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await,
        Ok(Ok(()))
    )
}

/// Starts the close handshake from our side ("going away"); the client may not answer.
async fn close(socket: &mut WebSocket, reason: &'static str) {
    let frame = CloseFrame {
        code: close_code::AWAY,
        reason: reason.into(),
    };
    let _ = send(socket, Message::Close(Some(frame))).await;
}

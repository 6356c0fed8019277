//! `/ws/v1/metrics`: a `scopeon.live.v1` snapshot when a client connects and again after
//! every change the ingestion thread stores (docs/serve.md, "Live stream"). The snapshot is
//! what the TUI's Live view shows: today's report totals and the active blocks.

use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::Response;
use scopeon_core::{BlocksRequest, ReportRequest, Scopeon};
use serde_json::{Value, json};

use super::error::{Problem, refusal};
use super::listener::Slot;
use super::state::AppState;

/// The subprotocol a client may ask for (the dashboard does, beside its token protocol).
pub const LIVE_PROTOCOL: &str = "scopeon.live.v1";
/// A ping this often keeps an idle stream inside the connections' idle timeout.
pub const PING_EVERY: Duration = Duration::from_secs(20);
/// Blocks end and burn rates age without new requests: the snapshot is looked at again this
/// often and sent when it differs.
const RECHECK_EVERY: Duration = Duration::from_secs(60);
/// Clients send nothing but control frames; a larger message is a misbehaving client.
const MAX_CLIENT_MESSAGE: usize = 4096;

/// The upgrade; a request that is not a WebSocket handshake is answered 400.
pub async fn upgrade(
    State(state): State<AppState>,
    slot: Option<Extension<Slot>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(ws) = ws else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "this endpoint is a WebSocket: connect with a WebSocket client",
        );
    };
    ws.protocols([LIVE_PROTOCOL])
        .max_message_size(MAX_CLIENT_MESSAGE)
        // Frames are read whole before the message size is checked: bound them too.
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| async move {
            stream(socket, state).await;
            // The stream counts among the connections until it ends.
            drop(slot);
        })
}

async fn stream(mut socket: WebSocket, state: AppState) {
    let mut changes = state.freshness.changes();
    let mut stopping = state.stopping.clone();
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut recheck = tokio::time::interval(RECHECK_EVERY);
    // Both fire at once at first; the snapshot at connect is sent below.
    ping.tick().await;
    recheck.tick().await;
    let mut sent: Option<Value> = None;
    let mut force = true;
    loop {
        match current(&state).await {
            Ok(doc) => {
                let differs = sent.as_ref().is_none_or(|s| figures(s) != figures(&doc));
                if force || differs {
                    let text = serde_json::to_string(&doc).expect("a JSON value serializes");
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                    sent = Some(doc);
                }
            }
            // Logged by the conversion; the stream goes on with the next change.
            Err(Problem::Internal | Problem::BadQuery(_) | Problem::AboveTier(_)) => {}
        }
        force = loop {
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() { return; }
                    break true;
                }
                _ = recheck.tick() => break false,
                _ = ping.tick() => {
                    if socket.send(Message::Ping(Vec::new().into())).await.is_err() { return; }
                }
                message = socket.recv() => match message {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                    Some(Ok(_)) => {}
                },
                _ = stopping.changed() => {
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
            }
        };
    }
}

/// The parts of a snapshot that are figures (not when it was made).
fn figures(doc: &Value) -> (&Value, &Value) {
    (&doc["today"], &doc["blocks"])
}

async fn current(state: &AppState) -> Result<Value, Problem> {
    let tz = state.settings.tz.clone();
    let mut doc = state
        .query(move |scopeon| snapshot(scopeon, tz).map_err(Problem::from))
        .await?;
    doc["data_as_of"] = state.data_as_of();
    Ok(doc)
}

/// The `scopeon.live.v1` document (without `data_as_of`): today's totals as `scopeon report
/// --since 1d --until 1d --by ''` and the active blocks as `scopeon blocks --active
/// --token-limit max`.
pub fn snapshot(scopeon: &Scopeon, tz: Option<String>) -> scopeon_core::Result<Value> {
    let mut today = ReportRequest::new().since("1d").until("1d").by::<&str>([]);
    today.tz = tz;
    let today = scopeon.report(&today)?;
    let now = today.generated_at();
    let report = today.to_document(None);
    let blocks = scopeon
        .blocks(
            &BlocksRequest::new()
                .active(true)
                .now(now)
                .token_limit("max"),
        )?
        .to_document();
    Ok(json!({
        "schema": LIVE_PROTOCOL,
        "generated_at": report["generated_at"],
        "timezone": report["timezone"],
        "data_as_of": null,
        "today": report["totals"],
        "blocks": blocks["blocks"],
    }))
}

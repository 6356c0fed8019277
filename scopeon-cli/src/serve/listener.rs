//! Accepting and serving connections with bounds (docs/serve.md, "Limits"): at most
//! `--max-connections` at once (more wait in the kernel's backlog), request headers of at
//! most [`MAX_HEADER_BYTES`] read within [`HEADER_TIMEOUT`] (a slow-loris client is cut
//! off), and no connection idle longer than [`IDLE_TIMEOUT`]. On stop, no new connection is
//! accepted, open ones finish their request, live streams are closed, and the server waits
//! at most [`DRAIN_TIMEOUT`] for them.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use super::guard::Peer;
use super::limits::IdleTimeout;

/// The largest request head (request line and headers) read; larger ones are answered 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// How long a client may take to send a request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may send and receive nothing (live streams are pinged more often).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a stop waits for open connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection's slot among `--max-connections`, held by the connection and by a live
/// stream it was upgraded to, so that WebSockets count too.
#[derive(Debug, Clone)]
pub struct Slot(#[allow(dead_code)] Arc<OwnedSemaphorePermit>);

/// Serves `listeners` until `stopping` turns true, then drains.
pub async fn serve(
    listeners: Vec<TcpListener>,
    router: Router,
    max_connections: usize,
    stopping: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(max_connections));
    let accepting: Vec<_> = listeners
        .into_iter()
        .map(|l| {
            tokio::spawn(accept(
                l,
                router.clone(),
                Arc::clone(&slots),
                stopping.clone(),
            ))
        })
        .collect();
    for task in accepting {
        let _ = task.await;
    }
    // Every slot back: every connection and stream closed.
    let drained = slots.acquire_many(max_connections as u32);
    if tokio::time::timeout(DRAIN_TIMEOUT, drained).await.is_err() {
        eprintln!("scopeon serve: some connections did not close in time; stopping anyway");
    }
}

async fn accept(
    listener: TcpListener,
    router: Router,
    slots: Arc<Semaphore>,
    mut stopping: watch::Receiver<bool>,
) {
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(s) => Slot(Arc::new(s)),
                Err(_) => return,
            },
            _ = stopped(&mut stopping) => return,
        };
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, say: wait a little instead of spinning.
                    eprintln!("scopeon serve: warning: accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stopped(&mut stopping) => return,
        };
        let Ok(local) = stream.local_addr() else {
            continue;
        };
        let peer = Peer { client, local };
        tokio::spawn(connection(
            stream,
            peer,
            router.clone(),
            slot,
            stopping.clone(),
        ));
    }
}

async fn connection(
    stream: TcpStream,
    peer: Peer,
    router: Router,
    slot: Slot,
    mut stopping: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(IdleTimeout::new(stream, IDLE_TIMEOUT));
    let router = TowerToHyperService::new(router);
    let request_slot = slot.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(peer);
        request.extensions_mut().insert(request_slot.clone());
        hyper::service::Service::call(&router, request)
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_HEADER_BYTES)
        .keep_alive(true);
    let served = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(served);
    tokio::select! {
        _ = served.as_mut() => {}
        _ = stopped(&mut stopping) => {
            served.as_mut().graceful_shutdown();
            let _ = served.await;
        }
    }
    drop(slot);
}

/// Resolves once the server is asked to stop (or the sender is gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|s| *s).await;
}

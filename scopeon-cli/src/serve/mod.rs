//! `scopeon serve`: a local, read-only HTTP and WebSocket API with privacy tiers, and a web
//! dashboard (docs/serve.md).
//!
//! Settings are checked before anything listens (`config.rs`); every request passes the
//! guard (`guard.rs`: rate, method, Host, token, tier, Origin) before a handler; handlers ask
//! the front door for the CLI's documents (`api.rs`, `live.rs`), so the API, the dashboard
//! and `scopeon report --json` show the same numbers. A background thread scans and follows
//! the logs as `scopeon mcp` does (`crate::ingest`), so answers are fresh and live streams
//! are told of every change.
//!
//! One job per file: `config.rs` (settings), `guard.rs` (per-request checks), `limits.rs`
//! (rate limit, idle timeout), `listener.rs` (accepting, connection bounds, draining),
//! `routes.rs` (the route table), `query.rs` (query strings), `api.rs` (JSON endpoints),
//! `live.rs` (the WebSocket stream), `metrics_endpoint.rs` (`/metrics`, docs/teams.md), `openapi.rs` (the API description), `dashboard.rs`
//! (the page), `error.rs` (error answers), `state.rs` (what handlers share).

mod api;
mod config;
mod dashboard;
mod error;
mod guard;
mod limits;
mod listener;
mod live;
mod metrics_endpoint;
mod openapi;
mod query;
mod routes;
mod state;

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use scopeon_core::env::Env;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Failure;
use crate::args::{Global, ServeArgs};
use config::Settings;
use state::Shared;

/// Runs the server until SIGINT or SIGTERM.
pub fn run(global: &Global, args: &ServeArgs, env: &Env) -> Result<(), Failure> {
    if global.json || global.csv {
        return Err(Failure::usage(
            "serve answers JSON over HTTP; it has no --json or --csv",
        ));
    }
    let settings = Settings::from_args(args, global.tz.clone(), env)?;
    let pusher = crate::metrics::Pusher::from_args(args, env)?;
    // Both handles are opened before listening, so a database or configuration problem is
    // an error message and exit code, not a server that fails every request.
    let answering = crate::open(global, env)?;
    let ingesting = crate::open(global, env)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            message: format!("cannot start the server's runtime: {e}"),
            code: 1,
        })?;
    runtime.block_on(async move {
        let listeners = bind(&settings.addrs, settings.port)?;
        let freshness = crate::ingest::Freshness::default();
        crate::ingest::start(ingesting, env.clone(), freshness.clone(), "scopeon serve");
        let (stop, stopping) = watch::channel(false);
        let max_connections = settings.max_connections;
        let tier = settings.tier.number();
        let table = routes::table();
        let state = Arc::new(Shared {
            limiter: limits::RateLimiter::new(settings.rate_limit),
            settings,
            db: Arc::new(Mutex::new(answering)),
            freshness,
            routes: routes::tiers(&table),
            stopping: stopping.clone(),
            metrics: Arc::new(crate::metrics::Served::new(args.metrics_projects)),
        });
        if let Some(pusher) = pusher {
            // Counters of its own, never split by project: OTLP points carry provider and
            // model only, and two points with the same attributes would contradict each other.
            pusher.start(
                Arc::clone(&state.db),
                Arc::new(crate::metrics::Served::new(false)),
            );
        }
        let router = routes::router(table, state);
        announce(&listeners, tier);
        tokio::spawn(async move {
            stop_signal().await;
            eprintln!("scopeon serve: stopping");
            let _ = stop.send(true);
        });
        listener::serve(listeners, router, max_connections, stopping).await;
        Ok(())
    })
}

/// Binds every address on `port` (the port the first one got, when `port` is 0).
fn bind(addrs: &[IpAddr], port: u16) -> Result<Vec<TcpListener>, Failure> {
    let mut listeners: Vec<TcpListener> = Vec::new();
    for &ip in addrs {
        let port = listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .map_or(port, |a| a.port());
        let addr = SocketAddr::new(ip, port);
        match std::net::TcpListener::bind(addr) {
            Ok(l) => {
                l.set_nonblocking(true)?;
                listeners.push(TcpListener::from_std(l)?);
            }
            // With `--lan`, `[::]` usually takes IPv4 too (a dual-stack socket), and then
            // 0.0.0.0 on the same port is taken by it.
            Err(e)
                if e.kind() == std::io::ErrorKind::AddrInUse
                    && ip.is_unspecified()
                    && !listeners.is_empty() => {}
            // No IPv6 on this machine: IPv4 alone.
            Err(_) if ip.is_ipv6() && ip.is_unspecified() && addrs.len() > 1 => {}
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(Failure {
                    message: format!(
                        "cannot listen on {addr}: the port is in use (another scopeon serve?); stop that process or choose another port with --port"
                    ),
                    code: 1,
                });
            }
            Err(e) => {
                return Err(Failure {
                    message: format!("cannot listen on {addr}: {e}"),
                    code: 1,
                });
            }
        }
    }
    Ok(listeners)
}

/// The URL on stdout (what `--port 0` chose), one line per listener.
fn announce(listeners: &[TcpListener], tier: u8) {
    let mut out = std::io::stdout().lock();
    for l in listeners {
        if let Ok(addr) = l.local_addr() {
            let _ = writeln!(
                out,
                "scopeon serve: listening on http://{addr}/ (tier {tier})"
            );
        }
    }
    let _ = out.flush();
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

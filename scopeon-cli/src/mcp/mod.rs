//! `scopeon mcp`: a Model Context Protocol server on stdin and stdout, so that an agent can
//! ask Scopeon about its own usage (docs/mcp.md).
//!
//! It answers `initialize` at once from what is stored; a background thread scans what is
//! new and then follows the logs (`crate::ingest`, shared with `scopeon serve`), and every
//! result says `data_as_of`. Tools are read-only and go through the front door, so an agent
//! and a person see the same numbers. Logs go to stderr; stdout carries protocol messages
//! only; the server ends, exit 0, when its standard input does.
//!
//! One job per file: `args.rs` (tool arguments), `tools.rs` (the catalogue), `schemas.rs`
//! (output schemas), `calls.rs` (answering a call), `page.rs` (paged lists), `stdio.rs` (the
//! line filter), `server.rs` (rmcp's handler).

mod args;
mod calls;
mod page;
mod schemas;
mod server;
mod stdio;
mod tools;

use rmcp::ServiceExt;
use scopeon_core::env::Env;

use crate::Failure;
use crate::args::Global;

/// Runs the server until standard input ends.
pub fn run(global: &Global, env: &Env) -> Result<(), Failure> {
    if global.json || global.csv {
        return Err(Failure::usage(
            "mcp speaks JSON-RPC on stdin and stdout; it has no --json or --csv",
        ));
    }
    // Both handles are opened before anything is read from stdin, so a database or
    // configuration problem is an error message and exit code, not a server that fails
    // every call.
    let tools_handle = crate::open(global, env)?;
    let ingest_handle = crate::open(global, env)?;
    let freshness = crate::ingest::Freshness::default();
    crate::ingest::start(ingest_handle, env.clone(), freshness.clone(), "scopeon mcp");
    // rmcp times its handshake and requests: the runtime needs its timer.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| Failure {
            message: format!("cannot start the MCP server's runtime: {e}"),
            code: 1,
        })?;
    runtime.block_on(serve(server::ScopeonServer::new(tools_handle, freshness)));
    Ok(())
}

/// Serves `server` over the filtered stdio until the client closes its side.
async fn serve(server: server::ScopeonServer) {
    let io = stdio::start();
    match server.serve((io.to_server, io.from_server)).await {
        Ok(running) => {
            if let Err(e) = running.waiting().await {
                eprintln!("scopeon mcp: the server stopped: {e}");
            }
        }
        // Standard input ended (or the client misbehaved) before `initialize` completed.
        Err(e) => eprintln!("scopeon mcp: no session: {e}"),
    }
    // Whatever was answered is written before exit.
    let _ = io.writer.await;
    io.reader.abort();
}

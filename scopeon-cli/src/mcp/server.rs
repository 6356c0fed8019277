//! The MCP server proper: what `initialize` answers, the tool list, and tool calls routed to
//! `calls.rs` (docs/mcp.md). The protocol itself (framing, versions, `initialize`,
//! `server/discover`, notifications, which are never answered) is rmcp's.

use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use scopeon_core::Scopeon;

use super::calls::{UnknownTool, call};
use super::tools;
use crate::ingest::Freshness;

/// What an agent is told about the server when it connects.
const INSTRUCTIONS: &str = "Scopeon reads the AI coding agents' own logs (token counts, models, \
timestamps; never prompt text) and answers about usage and cost. Use blocks for how much of the \
five-hour window is used and when it resets, context for how full a session's context is, \
session_usage for what a session cost, usage_report for totals over time. Every result says \
data_as_of: when the data was last brought up to date with the logs.";

/// The server: a handle on the database for the tools, and the ingestion thread's freshness.
#[derive(Debug)]
pub struct ScopeonServer {
    /// Tool calls take turns on it; the ingestion thread has a handle of its own.
    scopeon: Arc<Mutex<Scopeon>>,
    freshness: Freshness,
    tools: Vec<Tool>,
}

impl ScopeonServer {
    /// A server answering from `scopeon`, reporting `freshness`.
    pub fn new(scopeon: Scopeon, freshness: Freshness) -> ScopeonServer {
        ScopeonServer {
            scopeon: Arc::new(Mutex::new(scopeon)),
            freshness,
            tools: tools::all(),
        }
    }
}

impl ServerHandler for ScopeonServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("scopeon", env!("CARGO_PKG_VERSION")).with_title("Scopeon"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let scopeon = self.scopeon.lock().unwrap_or_else(|e| e.into_inner());
        match call(&scopeon, &self.freshness, &request.name, request.arguments) {
            Ok(result) => Ok(result.into()),
            // The specification's error for a tool that does not exist: invalid params.
            Err(UnknownTool) => Err(ErrorData::invalid_params(
                format!(
                    "unknown tool {:?}; tools/list names the tools",
                    request.name
                ),
                None,
            )),
        }
    }
}

//! The tools `scopeon mcp` offers: name, description, input schema (derived from the argument
//! type that parses the call, `args.rs`), output schema (`schemas.rs`), and `readOnlyHint`
//! (docs/mcp.md, "Tools").
//!
//! The catalogue is written out here rather than with rmcp's tool-router macros: their
//! argument extractor answers arguments that do not parse with a JSON-RPC error, while the
//! MCP specification asks for a tool result with `isError: true` that the model can read and
//! correct (the server decides that in `calls.rs`).

use std::sync::Arc;

use rmcp::handler::server::tool::schema_for_type;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;

use super::args::{
    BlocksArgs, ContextArgs, ListSessionsArgs, PriceArgs, ProvidersArgs, SessionUsageArgs,
    UsageReportArgs,
};
use super::schemas;

/// Every tool, in the order `tools/list` shows them.
pub fn all() -> Vec<Tool> {
    vec![
        tool::<UsageReportArgs>(
            "usage_report",
            "Usage report",
            "Tokens and cost of the AI coding agents' requests, grouped by day, week, month, \
             model, project, session or provider, over a time window (the numbers of \
             `scopeon report`). Rows are paged (offset, limit); totals cover all rows.",
            schemas::report_paged(),
        ),
        tool::<BlocksArgs>(
            "blocks",
            "Five-hour blocks",
            "Five-hour usage blocks per provider (official where the agent reported its window, \
             else estimated), with burn rate and projection, and the longer official windows: \
             how much of the current window is used and when it resets.",
            schemas::blocks(),
        ),
        tool::<ContextArgs>(
            "context",
            "Context fill",
            "How full the context window of each recently active session is: tokens in the \
             latest request against the model's context window.",
            schemas::context(),
        ),
        tool::<ListSessionsArgs>(
            "list_sessions",
            "Sessions",
            "Sessions with their tokens and cost (one row per session, with its provider and \
             project), paged with offset and limit.",
            schemas::report_paged(),
        ),
        tool::<SessionUsageArgs>(
            "session_usage",
            "Session usage",
            "One session's tokens and cost, by model, by its session id as logged.",
            schemas::report(),
        ),
        tool::<PriceArgs>(
            "price",
            "Model price",
            "How a model id resolves in Scopeon's price table (built-in, alias or override) and \
             its rates now, in USD per million tokens.",
            schemas::price(),
        ),
        tool::<ProvidersArgs>(
            "providers",
            "Providers",
            "Which agents were detected, where their logs are looked for, the files found, the \
             requests stored and the lines skipped by reason.",
            schemas::providers(),
        ),
    ]
}

fn tool<A: JsonSchema + 'static>(
    name: &'static str,
    title: &str,
    description: &'static str,
    output: Arc<JsonObject>,
) -> Tool {
    Tool::new(name, description, input_schema::<A>())
        .with_title(title)
        .with_raw_output_schema(output)
        .with_annotations(
            ToolAnnotations::with_title(title)
                .read_only(true)
                .destructive(false)
                .idempotent(true)
                .open_world(false),
        )
}

/// The argument type's schema. A tool without arguments still gets an object schema.
fn input_schema<A: JsonSchema + 'static>() -> Arc<JsonObject> {
    schema_for_type::<A>()
}

//! Answering a tool call: arguments parsed (`args.rs`), the request put to the front door
//! (`scopeon_core::Scopeon`, the same documents as the CLI's `--json`), the list paged
//! (`page.rs`) and `data_as_of` added (docs/mcp.md). A mistake in the arguments, or a value
//! the front door refuses, is a tool result with `isError: true` and a message saying what
//! is accepted, so that the model can correct the call.

use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use scopeon_core::{BlocksRequest, ContextRequest, ReportRequest, Scopeon};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::args::{
    BlocksArgs, ContextArgs, ListSessionsArgs, Paging, PriceArgs, ProvidersArgs, SessionUsageArgs,
    UsageReportArgs,
};
use super::page;
use crate::ingest::Freshness;

/// Why a call has no answer: the tool does not exist (a JSON-RPC error, not a result).
#[derive(Debug)]
pub struct UnknownTool;

/// The result of calling `name` with `arguments`.
pub fn call(
    scopeon: &Scopeon,
    freshness: &Freshness,
    name: &str,
    arguments: Option<JsonObject>,
) -> Result<CallToolResult, UnknownTool> {
    let answer = match name {
        "usage_report" => parse(name, arguments).and_then(|a| usage_report(scopeon, a)),
        "blocks" => parse(name, arguments).and_then(|a| blocks(scopeon, a)),
        "context" => parse(name, arguments).and_then(|a| context(scopeon, a)),
        "list_sessions" => parse(name, arguments).and_then(|a| list_sessions(scopeon, a)),
        "session_usage" => parse(name, arguments).and_then(|a| session_usage(scopeon, a)),
        "price" => parse(name, arguments)
            .and_then(|a: PriceArgs| scopeon.price_document(&a.model).map_err(|e| e.to_string())),
        "providers" => parse::<ProvidersArgs>(name, arguments)
            .and_then(|_| scopeon.providers_document().map_err(|e| e.to_string())),
        _ => return Err(UnknownTool),
    };
    Ok(match answer {
        Ok(mut doc) => {
            doc["data_as_of"] = match freshness.data_as_of() {
                Some(t) => Value::from(t.to_string()),
                None => Value::Null,
            };
            CallToolResult::structured(doc)
        }
        Err(message) => CallToolResult::error(vec![ContentBlock::text(message)]),
    })
}

/// The arguments as the tool's type; a missing object is an empty one.
fn parse<A: DeserializeOwned>(tool: &str, arguments: Option<JsonObject>) -> Result<A, String> {
    serde_json::from_value(Value::Object(arguments.unwrap_or_default())).map_err(|e| {
        format!("invalid arguments for {tool}: {e}; the tool's inputSchema lists the accepted ones")
    })
}

fn usage_report(scopeon: &Scopeon, a: UsageReportArgs) -> Result<Value, String> {
    let paging = Paging::new(a.offset, a.limit)?;
    let mut request = ReportRequest::new()
        .providers(&a.provider)
        .projects(a.project)
        .models(a.model);
    if let Some(by) = a.by {
        request = request.by(by);
    }
    if let Some(cost) = a.cost {
        request = request.cost(cost.as_str());
    }
    request.since = a.since;
    request.until = a.until;
    request.tz = a.tz;
    report(scopeon, &request, Some(paging))
}

fn list_sessions(scopeon: &Scopeon, a: ListSessionsArgs) -> Result<Value, String> {
    let paging = Paging::new(a.offset, a.limit)?;
    let mut request = ReportRequest::new()
        .by(["session", "provider", "project"])
        .providers(&a.provider)
        .projects(a.project);
    request.since = a.since;
    report(scopeon, &request, Some(paging))
}

fn session_usage(scopeon: &Scopeon, a: SessionUsageArgs) -> Result<Value, String> {
    let request = ReportRequest::new()
        .sessions([a.session_id.clone()])
        .by(["model"]);
    let answer = scopeon.report(&request).map_err(|e| e.to_string())?;
    if answer.report().totals.requests == 0 {
        return Err(format!(
            "no stored requests of session {:?}; list_sessions shows the session ids",
            a.session_id
        ));
    }
    Ok(answer.to_document(None))
}

fn report(
    scopeon: &Scopeon,
    request: &ReportRequest,
    paging: Option<Paging>,
) -> Result<Value, String> {
    let answer = scopeon.report(request).map_err(|e| e.to_string())?;
    let mut doc = answer.to_document(None);
    if let Some(paging) = paging {
        page::cut(&mut doc, "rows", paging);
    }
    Ok(doc)
}

fn blocks(scopeon: &Scopeon, a: BlocksArgs) -> Result<Value, String> {
    let paging = Paging::new(a.offset, a.limit)?;
    // Without a range, the last three days: all of a long history would be pages of blocks
    // nobody asked about.
    let recent = !a.active && a.since.is_none() && a.until.is_none();
    let mut request = BlocksRequest::new()
        .providers(&a.provider)
        .active(a.active)
        .recent(recent);
    request.since = a.since;
    request.until = a.until;
    request.token_limit = a.token_limit;
    request.tz = a.tz;
    let answer = scopeon.blocks(&request).map_err(|e| e.to_string())?;
    let mut doc = answer.to_document();
    page::cut(&mut doc, "blocks", paging);
    Ok(doc)
}

fn context(scopeon: &Scopeon, a: ContextArgs) -> Result<Value, String> {
    let paging = Paging::new(a.offset, a.limit)?;
    let mut request = ContextRequest::new().providers(&a.provider);
    if let Some(id) = a.session_id {
        request = request.session(id);
    }
    if let Some(minutes) = a.active_minutes {
        request = request.active_minutes(minutes);
    }
    let answer = scopeon.context(&request).map_err(|e| e.to_string())?;
    let mut doc = answer.to_document();
    page::cut(&mut doc, "sessions", paging);
    Ok(doc)
}

//! The output schema of each tool (docs/mcp.md, "Tools"). Tools that return a document with a
//! published schema (`schemas/` at the repository's root: report, blocks, context) use that
//! schema, with the two properties the server adds: `data_as_of` and, for paged lists,
//! `page`. The price and providers documents have no published schema; theirs are here,
//! written from docs/documents.md.

use std::sync::Arc;

use rmcp::model::JsonObject;
use serde_json::{Value, json};

use super::page;

const REPORT: &str = include_str!("../../../schemas/scopeon.report.v1.schema.json");
const BLOCKS: &str = include_str!("../../../schemas/scopeon.blocks.v1.schema.json");
const CONTEXT: &str = include_str!("../../../schemas/scopeon.context.v1.schema.json");

/// `scopeon.report.v1` with `data_as_of` and `page` (usage_report, list_sessions).
pub fn report_paged() -> Arc<JsonObject> {
    extend(published(REPORT), true)
}

/// `scopeon.report.v1` with `data_as_of` (session_usage).
pub fn report() -> Arc<JsonObject> {
    extend(published(REPORT), false)
}

/// `scopeon.blocks.v1` with `data_as_of` and `page`.
pub fn blocks() -> Arc<JsonObject> {
    extend(published(BLOCKS), true)
}

/// `scopeon.context.v1` with `data_as_of` and `page`.
pub fn context() -> Arc<JsonObject> {
    extend(published(CONTEXT), true)
}

/// `scopeon.price.v1`.
pub fn price() -> Arc<JsonObject> {
    let rates = json!({
        "type": "object",
        "description": "USD per million tokens, each an exact decimal string.",
        "required": ["input", "output", "cache_write_5m", "cache_write_1h", "cache_read"],
        "properties": {
            "input": { "type": "string" },
            "output": { "type": "string" },
            "cache_write_5m": { "type": "string" },
            "cache_write_1h": { "type": "string" },
            "cache_read": { "type": "string" }
        }
    });
    extend(
        json!({
            "type": "object",
            "title": "scopeon.price.v1",
            "description": "How a model id as logged resolves in the price table, and its rates now.",
            "required": ["schema", "model", "canonical", "source", "at", "unit", "rates", "long_context", "pricing_version"],
            "properties": {
                "schema": { "const": "scopeon.price.v1" },
                "model": { "type": "string", "description": "As given." },
                "canonical": { "type": "string", "description": "The price table entry's id." },
                "source": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": { "kind": { "enum": ["builtin", "alias", "override"] } }
                },
                "regional_uplift": { "type": "boolean" },
                "at": { "type": "string", "format": "date-time" },
                "unit": { "const": "USD per million tokens" },
                "rates": rates,
                "long_context": {
                    "type": ["object", "null"],
                    "required": ["above_tokens", "rates"],
                    "properties": {
                        "above_tokens": { "type": "integer", "minimum": 0 },
                        "rates": rates
                    }
                },
                "pricing_version": { "type": "string" },
                "prices_checked": { "type": "string" },
                "cost_basis": { "type": "string" }
            }
        }),
        false,
    )
}

/// `scopeon.providers.v1`.
pub fn providers() -> Arc<JsonObject> {
    let count = json!({ "type": "integer", "minimum": 0 });
    extend(
        json!({
            "type": "object",
            "title": "scopeon.providers.v1",
            "description": "Each agent: detected or not, where it looks, what it found on disk, what is stored, and skipped lines by reason.",
            "required": ["schema", "providers"],
            "properties": {
                "schema": { "const": "scopeon.providers.v1" },
                "providers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["provider", "enabled", "detected", "roots", "files", "bytes", "records", "last_activity", "skipped_lines"],
                        "properties": {
                            "provider": { "type": "string" },
                            "enabled": { "type": "boolean" },
                            "detected": { "type": "boolean" },
                            "roots_from": { "enum": ["config", "default"] },
                            "roots": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["path", "exists"],
                                    "properties": { "path": { "type": "string" }, "exists": { "type": "boolean" } }
                                }
                            },
                            "files": count,
                            "bytes": count,
                            "files_tracked": count,
                            "records": count,
                            "last_activity": { "type": ["string", "null"], "format": "date-time" },
                            "skipped_lines": { "type": "object", "additionalProperties": count }
                        }
                    }
                }
            }
        }),
        false,
    )
}

/// A published schema; the files are part of the build, so a parse failure is a bug.
fn published(text: &str) -> Value {
    serde_json::from_str(text).expect("schemas/*.schema.json are valid JSON")
}

/// The schema with `data_as_of` (required) and, when `paged`, `page` (required).
fn extend(mut schema: Value, paged: bool) -> Arc<JsonObject> {
    let properties = schema["properties"]
        .as_object_mut()
        .expect("an output schema describes an object");
    properties.insert(
        "data_as_of".into(),
        json!({
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When the stored data was last brought up to date with the agents' logs (RFC 3339); null while the server's first scan is still running."
        }),
    );
    let mut required = vec!["data_as_of"];
    if paged {
        properties.insert("page".into(), page::schema());
        required.push("page");
    }
    let list = schema["required"]
        .as_array_mut()
        .expect("an output schema lists its required properties");
    list.extend(required.into_iter().map(Value::from));
    match schema {
        Value::Object(map) => Arc::new(map),
        _ => unreachable!("checked above"),
    }
}

//! `/openapi.json`: an OpenAPI 3.1 description of what this server answers, written by hand
//! beside the route table. It lists only the endpoints and parameters the running tier
//! serves, so the document reveals nothing above the tier (docs/serve.md, "OpenAPI").

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use scopeon_core::record::ProviderId;
use scopeon_core::store::GroupKey;

use super::config::Tier;
use super::error::json_answer;
use super::query::PRIVATE_KEYS;
use super::state::AppState;

pub async fn document(State(state): State<AppState>) -> Response {
    json_answer(
        StatusCode::OK,
        &describe(state.settings.tier, state.settings.secret.is_some()),
    )
}

/// The document for a server at `tier`, with or without a secret.
pub fn describe(tier: Tier, secret: bool) -> Value {
    let mut paths = Map::new();
    for (path, needs, item) in endpoints(tier) {
        if needs <= tier {
            paths.insert(path.to_owned(), with_responses(item, needs, secret));
        }
    }
    let mut components = json!({
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": { "error": { "type": "string" } },
                "additionalProperties": false
            },
            "Document": {
                "type": "object",
                "required": ["schema", "data_as_of"],
                "properties": {
                    "schema": { "type": "string" },
                    "data_as_of": { "type": ["string", "null"], "format": "date-time" }
                }
            }
        }
    });
    if secret {
        components["securitySchemes"] = json!({
            "token": { "type": "apiKey", "in": "header", "name": "x-scopeon-token" },
            "bearer": { "type": "http", "scheme": "bearer" }
        });
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Scopeon",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Read-only usage and cost of AI coding agents, from their logs. Documents are those of `scopeon ... --json` (docs/documents.md) plus data_as_of."
        },
        "paths": paths,
        "components": components,
    })
}

fn param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false,
            "description": description, "schema": schema })
}

fn flag(name: &str, description: &str) -> Value {
    param(
        name,
        description,
        json!({ "type": "string", "enum": ["true", "false"] }),
    )
}

/// A comma list (`provider=a,b`): OpenAPI's form style without explode.
fn list(name: &str, description: &str, values: Vec<&str>, min_items: usize) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description,
            "style": "form", "explode": false,
            "schema": { "type": "array", "minItems": min_items, "items": { "type": "string", "enum": values } } })
}

/// `--since` forms: a date or a number of days, weeks or hours (RFC 3339 instants and
/// YYYYMMDD are accepted too, docs/windows.md; not described, so that generated examples
/// stay valid).
fn when(name: &str) -> Value {
    param(
        name,
        WHEN,
        json!({ "anyOf": [
        { "type": "string", "format": "date" },
        { "type": "string", "pattern": "^[1-9][0-9]{0,2}[dwh]$" } ] }),
    )
}

fn providers() -> Value {
    let ids = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
    list(
        "provider",
        "Provider ids (custom providers of the configuration too)",
        ids,
        1,
    )
}

fn tz() -> Value {
    param(
        "tz",
        "An IANA time zone name (any; a few are listed)",
        json!({
        "type": "string", "enum": ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"] }),
    )
}

const WHEN: &str = "YYYY-MM-DD, YYYYMMDD, Nd, Nw, Nh or RFC 3339";

/// Every endpoint with the tier it needs and its operation (responses added later).
fn endpoints(tier: Tier) -> Vec<(&'static str, Tier, Value)> {
    let keys = GroupKey::ALL
        .iter()
        .map(|k| k.as_str())
        .filter(|k| tier >= Tier::Sessions || !PRIVATE_KEYS.contains(k))
        .collect();
    let repeated = |name, description| {
        json!({ "name": name, "in": "query", "required": false, "description": description,
                "style": "form", "explode": true,
                "schema": { "type": "array", "items": { "type": "string" } } })
    };
    let mut report_params = vec![
        when("since"),
        when("until"),
        list(
            "by",
            "Grouping keys in order; empty for totals only [default: day]",
            keys,
            0,
        ),
        providers(),
        repeated("model", "Model ids as logged"),
        tz(),
        param(
            "cost",
            "Which cost",
            json!({ "type": "string", "enum": ["calculated", "reported", "auto"] }),
        ),
    ];
    if tier >= Tier::Sessions {
        report_params.push(repeated("project", "Projects as reports show them"));
    }
    vec![
        (
            "/",
            Tier::Health,
            json!({
                "summary": "The dashboard page (HTML)",
                "responses": { "200": { "description": "The page",
                    "content": { "text/html": { "schema": { "type": "string" } } } } }
            }),
        ),
        (
            "/health",
            Tier::Health,
            json!({
                "summary": "Server status",
                "responses": { "200": { "description": "Status", "content": { "application/json": {
                    "schema": { "type": "object", "required": ["status", "version", "tier", "data_as_of"],
                        "properties": { "status": { "const": "ok" }, "version": { "type": "string" },
                            "tier": { "type": "integer", "minimum": 0, "maximum": 2 },
                            "data_as_of": { "type": ["string", "null"] } } } } } } }
            }),
        ),
        (
            "/openapi.json",
            Tier::Health,
            json!({
                "summary": "This document",
                "responses": { "200": { "description": "OpenAPI 3.1",
                    "content": { "application/json": { "schema": { "type": "object" } } } } }
            }),
        ),
        (
            "/api/v1/report",
            Tier::Aggregate,
            json!({
                "summary": "Usage and cost (scopeon.report.v1), as `scopeon report --json`",
                "parameters": report_params,
                "responses": ok_document("scopeon.report.v1")
            }),
        ),
        (
            "/api/v1/blocks",
            Tier::Aggregate,
            json!({
                "summary": "Five-hour blocks (scopeon.blocks.v1), as `scopeon blocks --json`",
                "parameters": [when("since"), when("until"), providers(),
                    flag("active", "Only blocks containing now"), flag("recent", "Only the last 3 days"),
                    param("token_limit", "A number of tokens, or max",
                        json!({ "type": "string", "pattern": "^([1-9][0-9]{0,11}|max)$" })),
                    flag("floor_hour", "Estimated blocks start at the UTC hour"),
                    flag("gaps", "List gaps too"), tz()],
                "responses": ok_document("scopeon.blocks.v1")
            }),
        ),
        (
            "/ws/v1/metrics",
            Tier::Aggregate,
            json!({
                "summary": "WebSocket: a scopeon.live.v1 snapshot at connect and after every change",
                "description": "Subprotocol scopeon.live.v1; a browser sends its token as the subprotocol scopeon.token.<hex of the secret> (docs/serve.md).",
                "responses": { "101": { "description": "Switching to the WebSocket protocol" } }
            }),
        ),
        (
            "/metrics",
            Tier::Aggregate,
            json!({
                "summary": "Usage counters in the Prometheus text format 0.0.4 (docs/teams.md)",
                "responses": { "200": { "description": "The exposition",
                    "content": { "text/plain": { "schema": { "type": "string" } } } } }
            }),
        ),
        (
            "/api/v1/sessions",
            Tier::Sessions,
            json!({
                "summary": "Sessions with provider and project (scopeon.report.v1 by session, provider, project)",
                "parameters": [when("since"), when("until"), providers(),
                    json!({ "name": "project", "in": "query", "required": false, "style": "form",
                            "explode": true, "schema": { "type": "array", "items": { "type": "string" } } }),
                    tz()],
                "responses": ok_document("scopeon.report.v1")
            }),
        ),
        (
            "/api/v1/context",
            Tier::Sessions,
            json!({
                "summary": "Context fill of active sessions (scopeon.context.v1), as `scopeon context --json`",
                "parameters": [providers()],
                "responses": ok_document("scopeon.context.v1")
            }),
        ),
    ]
}

fn ok_document(schema: &str) -> Value {
    json!({ "200": { "description": schema, "content": { "application/json": { "schema": {
        "allOf": [ { "$ref": "#/components/schemas/Document" },
                   { "properties": { "schema": { "const": schema } } } ] } } } } })
}

/// `item` as a GET operation with the refusals every endpoint may answer.
fn with_responses(mut item: Value, needs: Tier, secret: bool) -> Value {
    let error = |description: &str| {
        json!({ "description": description, "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/Error" } } } })
    };
    let responses = item["responses"].as_object_mut().expect("responses");
    responses.insert(
        "403".into(),
        error("Host not allowed, or above the server's tier"),
    );
    responses.insert("429".into(), error("Too many requests from this address"));
    if needs > Tier::Health {
        responses.insert("400".into(), error("A query parameter is not accepted"));
        responses.insert("500".into(), error("The database could not answer"));
        if secret {
            responses.insert("401".into(), error("Missing or wrong token"));
        }
    }
    if secret && needs > Tier::Health {
        item["security"] = json!([{ "token": [] }, { "bearer": [] }]);
    }
    json!({ "get": item })
}

#[cfg(test)]
mod tests {
    use super::{Tier, describe};

    #[test]
    fn nothing_above_the_tier_is_described() {
        let paths = |tier| {
            describe(tier, false)["paths"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(paths(Tier::Health), ["/", "/health", "/openapi.json"]);
        assert!(
            !paths(Tier::Aggregate)
                .iter()
                .any(|p| p.contains("session") || p.contains("context"))
        );
        assert_eq!(paths(Tier::Sessions).len(), 9);
        let tier1 = describe(Tier::Aggregate, false).to_string();
        assert!(!tier1.contains("\"project\""));
    }
}

//! The JSON endpoints: each asks the front door (`scopeon_core::Scopeon`) for the document
//! the CLI's `--json` prints for the same parameters, and adds `data_as_of` (docs/serve.md,
//! "Endpoints").

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{Problem, json_answer};
use super::query::{self, Params};
use super::state::AppState;

/// `/health`: that the server runs, its version and tier, and how fresh its data is.
pub async fn health(State(state): State<AppState>) -> Response {
    json_answer(
        StatusCode::OK,
        &json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "tier": state.settings.tier.number(),
            "data_as_of": state.data_as_of(),
        }),
    )
}

/// `/api/v1/report`: `scopeon report --json --no-scan` (`scan` is null: the server's own
/// ingestion keeps the data fresh).
pub async fn report(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let request = Params::parse(raw.as_deref(), query::REPORT)
        .and_then(|p| query::report(&p, state.settings.tier, state.settings.tz.as_deref()));
    answer(&state, request, |scopeon, r| {
        Ok(scopeon.report(&r)?.to_document(None))
    })
    .await
}

/// `/api/v1/sessions`: the report by session, provider and project.
pub async fn sessions(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let request = Params::parse(raw.as_deref(), query::SESSIONS)
        .and_then(|p| query::sessions(&p, state.settings.tz.as_deref()));
    answer(&state, request, |scopeon, r| {
        Ok(scopeon.report(&r)?.to_document(None))
    })
    .await
}

/// `/api/v1/blocks`: `scopeon blocks --json --no-scan`.
pub async fn blocks(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let request = Params::parse(raw.as_deref(), query::BLOCKS)
        .and_then(|p| query::blocks(&p, state.settings.tz.as_deref()));
    answer(&state, request, |scopeon, r| {
        Ok(scopeon.blocks(&r)?.to_document())
    })
    .await
}

/// `/api/v1/context`: `scopeon context --json --no-scan`.
pub async fn context(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let request = Params::parse(raw.as_deref(), query::CONTEXT).and_then(|p| query::context(&p));
    answer(&state, request, |scopeon, r| {
        Ok(scopeon.context(&r)?.to_document())
    })
    .await
}

/// Runs `make` with the parsed request on the database and answers its document with
/// `data_as_of`, or the problem.
async fn answer<R, F>(state: &AppState, request: Result<R, Problem>, make: F) -> Response
where
    R: Send + 'static,
    F: FnOnce(&scopeon_core::Scopeon, R) -> Result<Value, scopeon_core::Error> + Send + 'static,
{
    let request = match request {
        Ok(r) => r,
        Err(problem) => return problem.into_response(),
    };
    match state
        .query(move |scopeon| make(scopeon, request).map_err(Problem::from))
        .await
    {
        Ok(mut doc) => {
            doc["data_as_of"] = state.data_as_of();
            json_answer(StatusCode::OK, &doc)
        }
        Err(problem) => problem.into_response(),
    }
}

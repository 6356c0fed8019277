//! `/metrics`: the usage counters in the Prometheus text format, for a team's Prometheus to
//! scrape (docs/teams.md). Tier 1: aggregates only; projects only with `--metrics-projects`.
//! The counters are held up by the server's `Served` state, so they never go down while it
//! runs.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::error::Problem;
use super::state::AppState;
use crate::metrics::prometheus;

pub async fn exposition(State(state): State<AppState>) -> Response {
    let served = Arc::clone(&state.metrics);
    let projects = served.projects;
    let snapshot = state
        .query(move |scopeon| served.snapshot(scopeon).map_err(Problem::from))
        .await;
    match snapshot {
        Ok(snapshot) => {
            let body = prometheus::exposition(&snapshot, projects, env!("CARGO_PKG_VERSION"));
            let mut response = (StatusCode::OK, body).into_response();
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(prometheus::CONTENT_TYPE),
            );
            response
        }
        Err(problem) => problem.into_response(),
    }
}

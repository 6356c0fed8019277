//! The route table: each path, the tier it needs and its handler, in one line each. The
//! guard (`guard.rs`) reads the tiers from the same table, so a new endpoint is one line here.

use std::collections::HashMap;

use axum::Router;
use axum::routing::{MethodRouter, get};

use super::config::Tier;
use super::state::{AppState, RouteTiers};
use super::{api, dashboard, live, metrics_endpoint, openapi};

/// One endpoint.
pub struct Route {
    pub path: &'static str,
    pub tier: Tier,
    pub handler: MethodRouter<AppState>,
}

fn route(path: &'static str, tier: Tier, handler: MethodRouter<AppState>) -> Route {
    Route {
        path,
        tier,
        handler,
    }
}

/// Every endpoint (docs/serve.md, "Endpoints"). `get` answers HEAD too.
pub fn table() -> Vec<Route> {
    vec![
        route("/", Tier::Health, get(dashboard::page)),
        route("/health", Tier::Health, get(api::health)),
        route("/openapi.json", Tier::Health, get(openapi::document)),
        route("/api/v1/report", Tier::Aggregate, get(api::report)),
        route("/api/v1/blocks", Tier::Aggregate, get(api::blocks)),
        route("/ws/v1/metrics", Tier::Aggregate, get(live::upgrade)),
        route(
            "/metrics",
            Tier::Aggregate,
            get(metrics_endpoint::exposition),
        ),
        route("/api/v1/sessions", Tier::Sessions, get(api::sessions)),
        route("/api/v1/context", Tier::Sessions, get(api::context)),
    ]
}

async fn not_found() -> axum::response::Response {
    super::error::refusal(
        axum::http::StatusCode::NOT_FOUND,
        "no such endpoint; see /openapi.json",
    )
}

/// The tiers of `table`'s paths, for the guard.
pub fn tiers(table: &[Route]) -> RouteTiers {
    RouteTiers(
        table
            .iter()
            .map(|r| (r.path, r.tier))
            .collect::<HashMap<_, _>>(),
    )
}

/// The router of `table`, with the guard in front of every route.
pub fn router(table: Vec<Route>, state: AppState) -> Router {
    let routes = table
        .into_iter()
        .fold(Router::new(), |router, r| router.route(r.path, r.handler));
    // The guard answers unknown paths first; the fallback is there so that it runs for them.
    routes
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::guard::check,
        ))
        .with_state(state)
}

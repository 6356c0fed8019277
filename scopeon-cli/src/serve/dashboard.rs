//! `/`: the dashboard, one self-contained page embedded in the binary (docs/serve.md,
//! "Dashboard"). It carries no data: its script fetches the tier 1 and 2 endpoints and
//! listens on the live stream, with the token the user typed kept in the tab's
//! sessionStorage and sent in a header, never in a URL.

use axum::http::header::{CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("dashboard.html");

pub async fn page() -> Response {
    let mut response = PAGE.into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

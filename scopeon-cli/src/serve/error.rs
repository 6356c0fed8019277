//! Error answers: JSON `{"error": "..."}` with a fixed message chosen by the server, never
//! text taken from the request (docs/serve.md, "Errors").

use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An answer with `status` and `message` (a constant or the server's own words).
pub fn refusal(status: StatusCode, message: &str) -> Response {
    json_answer(status, &json!({ "error": message }))
}

/// `document` as an `application/json` answer.
pub fn json_answer(status: StatusCode, document: &Value) -> Response {
    let body = serde_json::to_vec(document).expect("a JSON value serializes");
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Why a handler has no document.
#[derive(Debug)]
pub enum Problem {
    /// The query string was refused; the message names the parameter, never its value.
    BadQuery(String),
    /// The query asks for more than the tier allows.
    AboveTier(&'static str),
    /// The database could not answer; the details go to the server's log only.
    Internal,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        match self {
            Problem::BadQuery(message) => refusal(StatusCode::BAD_REQUEST, &message),
            Problem::AboveTier(message) => refusal(StatusCode::FORBIDDEN, message),
            Problem::Internal => refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the database could not answer; the server's log says why",
            ),
        }
    }
}

impl From<scopeon_core::Error> for Problem {
    fn from(e: scopeon_core::Error) -> Problem {
        match e {
            // The core's message may quote the value it refused: it stays out of the answer.
            scopeon_core::Error::InvalidQuery(_) | scopeon_core::Error::Config { .. } => {
                Problem::BadQuery(
                    "a query parameter's value is not accepted; /openapi.json and docs/serve.md list the accepted values"
                        .into(),
                )
            }
            e => {
                eprintln!("scopeon serve: warning: a query failed: {e}");
                Problem::Internal
            }
        }
    }
}

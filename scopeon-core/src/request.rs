//! JSON requests: a report query (`scopeon.query.v1`) and a scan (`scopeon.scan_request.v1`),
//! the `scopeon report` and `scopeon scan` flags as JSON, for front-ends without a command
//! line (the C ABI and its Python and Swift wrappers).
//!
//! Parsing is strict where a mistake would silently change the answer (unknown fields, unknown
//! providers, group keys or cost modes are errors) and lenient where the CLI is (a list may be
//! one string or an array; `by` and `provider` entries may be comma-separated). Schemas are
//! committed in `scopeon-ffi/schemas/`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::Error;
use crate::scopeon::{ReportRequest, ScanRequest};

/// The `schema` a query request may carry.
pub const QUERY_SCHEMA: &str = "scopeon.query.v1";
/// The `schema` a scan request may carry.
pub const SCAN_REQUEST_SCHEMA: &str = "scopeon.scan_request.v1";

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The text is not a JSON object of the request's shape (bad JSON, an unknown field, a
    /// value of the wrong type).
    #[error("invalid {what} request: {message}")]
    Json {
        /// `query` or `scan`.
        what: &'static str,
        /// What serde_json said.
        message: String,
    },
    /// Well-formed, but a value is not one Scopeon knows (a provider, a group key, a time
    /// zone, a date, a cost mode, a schema).
    #[error(transparent)]
    Invalid(#[from] Error),
}

/// A `scopeon.query.v1` request: the `scopeon report` flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct QueryRequest {
    schema: Option<String>,
    since: Option<String>,
    until: Option<String>,
    #[serde(deserialize_with = "optional_strings")]
    by: Option<Vec<String>>,
    tz: Option<String>,
    #[serde(alias = "provider", deserialize_with = "strings")]
    providers: Vec<String>,
    #[serde(alias = "project", deserialize_with = "strings")]
    projects: Vec<String>,
    #[serde(alias = "model", deserialize_with = "strings")]
    models: Vec<String>,
    cost: Option<String>,
}

/// Parses a `scopeon.query.v1` request into the report request `scopeon report` makes of the
/// same flags (`by` day when absent; an empty list asks for the totals alone). Its values are
/// checked when [`Scopeon::report`](crate::Scopeon::report) runs it.
pub fn parse_query_request(text: &str) -> Result<ReportRequest, RequestError> {
    let req: QueryRequest = parse_object(text, "query")?;
    check_schema(req.schema.as_deref(), QUERY_SCHEMA)?;
    let mut out = ReportRequest::new()
        .providers(req.providers)
        .projects(req.projects)
        .models(req.models);
    if let Some(by) = req.by {
        out = out.by(by);
    }
    out.since = req.since;
    out.until = req.until;
    out.tz = req.tz;
    out.cost = req.cost;
    Ok(out)
}

/// A `scopeon.scan_request.v1` request: every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ScanRequestJson {
    schema: Option<String>,
    #[serde(deserialize_with = "strings")]
    providers: Vec<String>,
    rebuild: bool,
    roots: BTreeMap<String, Vec<String>>,
}

/// Parses a `scopeon.scan_request.v1` request (`None`: no request, a scan of every enabled
/// provider). `providers` narrows the enabled ones, `roots` replace a provider's roots,
/// `rebuild` re-reads every log; see [`ScanRequest`].
pub fn parse_scan_request(text: Option<&str>) -> Result<ScanRequest, RequestError> {
    let req: ScanRequestJson = match text {
        Some(text) => parse_object(text, "scan")?,
        None => ScanRequestJson::default(),
    };
    check_schema(req.schema.as_deref(), SCAN_REQUEST_SCHEMA)?;
    let mut out = ScanRequest::new()
        .providers(req.providers)
        .rebuild(req.rebuild);
    for (provider, roots) in req.roots {
        out = out.roots(provider, roots);
    }
    Ok(out)
}

/// Parses a JSON object of the request's shape.
fn parse_object<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T, RequestError> {
    let bad = |message: String| RequestError::Json { what, message };
    let value: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if !value.is_object() {
        return Err(bad("expected a JSON object".into()));
    }
    T::deserialize(value).map_err(|e| bad(e.to_string()))
}

fn check_schema(found: Option<&str>, expected: &str) -> Result<(), Error> {
    match found {
        Some(s) if s != expected => Err(Error::InvalidQuery(format!(
            "unsupported request schema {s:?}; this library reads {expected}"
        ))),
        _ => Ok(()),
    }
}

/// Deserializes `null`, a string or an array of strings into a list.
struct StringsVisitor;

impl<'de> Visitor<'de> for StringsVisitor {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, an array of strings, or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Vec<String>, E> {
        Ok(vec![s.to_owned()])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut out = Vec::new();
        while let Some(s) = seq.next_element::<String>()? {
            out.push(s);
        }
        Ok(out)
    }
}

/// A string or an array of strings. Entries of `by` and `provider` may be comma lists: the
/// request builders ([`ReportRequest::by`], [`ScanRequest::providers`]) split them.
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    d.deserialize_any(StringsVisitor)
}

/// [`strings`], with `null` (or absence) kept apart from an empty list.
fn optional_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => strings(v).map(Some).map_err(de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_request_is_the_report_flags() {
        let r = parse_query_request(
            r#"{"schema":"scopeon.query.v1","since":"7d","by":"provider,day","provider":["codex","aider"],"project":"/a,b","cost":"auto"}"#,
        )
        .unwrap();
        assert_eq!(r.by, ["provider", "day"]);
        assert_eq!(r.providers, ["codex", "aider"]);
        assert_eq!(r.projects, ["/a,b"]);
        assert_eq!(r.since.as_deref(), Some("7d"));
        assert_eq!(r.cost.as_deref(), Some("auto"));
        assert_eq!(parse_query_request("{}").unwrap(), ReportRequest::new());
        assert!(parse_query_request(r#"{"by":[]}"#).unwrap().by.is_empty());
    }

    #[test]
    fn malformed_requests_say_what_is_wrong() {
        let err = |text: &str| parse_query_request(text).unwrap_err().to_string();
        assert!(err("[1]").contains("expected a JSON object"));
        assert!(err("{").contains("invalid query request"));
        assert!(err(r#"{"color":1}"#).contains("color"));
        assert!(err(r#"{"schema":"scopeon.query.v9"}"#).contains("v9"));
        assert!(matches!(
            parse_query_request("{"),
            Err(RequestError::Json { .. })
        ));
        assert!(matches!(
            parse_query_request(r#"{"schema":"x"}"#),
            Err(RequestError::Invalid(_))
        ));
    }

    #[test]
    fn a_scan_request_is_the_scan_flags() {
        let r = parse_scan_request(Some(
            r#"{"providers":"aider,codex","rebuild":true,"roots":{"codex":["~/c"]}}"#,
        ))
        .unwrap();
        assert_eq!(r.providers, ["aider", "codex"]);
        assert!(r.rebuild);
        assert_eq!(r.roots["codex"], ["~/c"]);
        assert_eq!(parse_scan_request(None).unwrap(), ScanRequest::new());
        assert!(parse_scan_request(Some(r#"{"rebuild":1}"#)).is_err());
    }
}

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

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde_json::Value;

use crate::config::Config;
use crate::env::Env;
use crate::error::Error;
use crate::record::ProviderId;
use crate::scan::ScanOptions;
use crate::store::{CostMode, GroupKey, ReportQuery};
use crate::window::{Bound, Zone, parse_bound};

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

/// A query request parsed into the query it asks for.
#[derive(Debug, Clone)]
pub struct QueryPlan {
    /// The report query.
    pub query: ReportQuery,
    /// A warning to pass on (no time zone could be determined, so UTC is used).
    pub warning: Option<String>,
}

/// A `scopeon.query.v1` request: the `scopeon report` flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct QueryRequest {
    schema: Option<String>,
    since: Option<String>,
    until: Option<String>,
    #[serde(deserialize_with = "optional_comma_strings")]
    by: Option<Vec<String>>,
    tz: Option<String>,
    #[serde(alias = "provider", deserialize_with = "comma_strings")]
    providers: Vec<String>,
    #[serde(alias = "project", deserialize_with = "strings")]
    projects: Vec<String>,
    #[serde(alias = "model", deserialize_with = "strings")]
    models: Vec<String>,
    cost: Option<String>,
}

/// Parses a `scopeon.query.v1` request into the query `scopeon report` would run with the same
/// flags: windows relative to `now` in the request's zone (else the environment's), `by` day
/// when absent (an empty list asks for the totals alone).
pub fn parse_query_request(
    text: &str,
    env: &Env,
    now: Timestamp,
) -> Result<QueryPlan, RequestError> {
    let req: QueryRequest = parse_object(text, "query")?;
    check_schema(req.schema.as_deref(), QUERY_SCHEMA)?;
    let zone = Zone::resolve(req.tz.as_deref(), env)?;
    let bound = |spec: &Option<String>, which| {
        spec.as_deref()
            .map(|s| parse_bound(s, which, &zone, now))
            .transpose()
    };
    let since = bound(&req.since, Bound::Since)?;
    let until = bound(&req.until, Bound::Until)?;
    let by = req.by.unwrap_or_else(|| vec!["day".to_owned()]);
    let group_by = GroupKey::parse_list(&by)?;
    let cost_mode = match req.cost.as_deref() {
        None => CostMode::Calculated,
        Some(s) => CostMode::parse(s).ok_or_else(|| {
            Error::InvalidQuery(format!(
                "unknown cost mode {s:?}; use calculated, reported or auto"
            ))
        })?,
    };
    let warning = zone.warning.clone();
    let query = ReportQuery {
        group_by,
        since_ms: since.map(|t| t.as_millisecond()),
        until_ms: until.map(|t| t.as_millisecond()),
        zone,
        providers: parse_providers(&req.providers)?.unwrap_or_default(),
        projects: req.projects,
        models: req.models,
        cost_mode,
    };
    query.validate()?;
    Ok(QueryPlan { query, warning })
}

/// A `scopeon.scan_request.v1` request: every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ScanRequest {
    schema: Option<String>,
    #[serde(deserialize_with = "comma_strings")]
    providers: Vec<String>,
    rebuild: bool,
    roots: BTreeMap<String, Vec<String>>,
}

/// The scan options a `scopeon.scan_request.v1` request asks for (`None`: no request, the
/// configuration's options), on top of `config`: `providers` narrows the enabled ones (it never
/// enables one the configuration disables), `roots` replace a provider's roots, `rebuild`
/// re-reads every log.
pub fn parse_scan_request(
    text: Option<&str>,
    config: &Config,
    env: &Env,
) -> Result<ScanOptions, RequestError> {
    let req: ScanRequest = match text {
        Some(text) => parse_object(text, "scan")?,
        None => ScanRequest::default(),
    };
    check_schema(req.schema.as_deref(), SCAN_REQUEST_SCHEMA)?;
    let mut options = ScanOptions::from_config(config, env).rebuild(req.rebuild);
    // A provider the configuration disables stays disabled (ScanOptions::enabled).
    if let Some(asked) = parse_providers(&req.providers)? {
        options = options.only(asked);
    }
    for (id, roots) in &req.roots {
        let id = parse_provider(id)?;
        options = options.roots(id, roots.iter().map(|r| env.expand_home(r)));
    }
    Ok(options)
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

fn parse_provider(s: &str) -> Result<ProviderId, Error> {
    ProviderId::parse(s.trim()).ok_or_else(|| {
        let known: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
        Error::InvalidQuery(format!(
            "unknown provider {s:?}; known providers: {}",
            known.join(", ")
        ))
    })
}

/// Provider ids, `None` when the list is empty (no filter), as the CLI's `--provider`.
fn parse_providers(ids: &[String]) -> Result<Option<Vec<ProviderId>>, Error> {
    if ids.is_empty() {
        return Ok(None);
    }
    ids.iter()
        .map(|s| parse_provider(s))
        .collect::<Result<_, _>>()
        .map(Some)
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

/// A string or an array of strings (`project`, `model`: values may contain commas).
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    d.deserialize_any(StringsVisitor)
}

/// A string or an array of strings, each split at commas (`by`, `provider`), as the CLI's
/// comma-separated or repeated flags.
fn comma_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items = d.deserialize_any(StringsVisitor)?;
    Ok(items
        .iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
        .collect())
}

/// [`comma_strings`], with `null` (or absence) kept apart from an empty list.
fn optional_comma_strings<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => comma_strings(v).map(Some).map_err(de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env::for_tests("/h", &[("TZ", "UTC")])
    }

    fn now() -> Timestamp {
        "2026-11-27T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_query_request_is_the_report_flags() {
        let plan = parse_query_request(
            r#"{"schema":"scopeon.query.v1","since":"7d","by":"provider,day","provider":["codex","aider"],"project":"/a,b","cost":"auto"}"#,
            &env(),
            now(),
        )
        .unwrap();
        let q = plan.query;
        assert_eq!(q.group_by, [GroupKey::Provider, GroupKey::Day]);
        assert_eq!(q.providers, [ProviderId::Codex, ProviderId::Aider]);
        assert_eq!(q.projects, ["/a,b"]);
        assert_eq!(q.cost_mode, CostMode::Auto);
        // 7 calendar days including today, from 00:00 UTC of the first.
        assert_eq!(
            q.since_ms,
            Some(
                "2026-11-21T00:00:00Z"
                    .parse::<Timestamp>()
                    .unwrap()
                    .as_millisecond()
            )
        );
        let defaults = parse_query_request("{}", &env(), now()).unwrap().query;
        assert_eq!(defaults.group_by, [GroupKey::Day]);
        let totals = parse_query_request(r#"{"by":[]}"#, &env(), now())
            .unwrap()
            .query;
        assert!(totals.group_by.is_empty());
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        let err = |text: &str| {
            parse_query_request(text, &env(), now())
                .unwrap_err()
                .to_string()
        };
        assert!(err("[1]").contains("expected a JSON object"));
        assert!(err("{").contains("invalid query request"));
        assert!(err(r#"{"color":1}"#).contains("color"));
        assert!(err(r#"{"provider":"cursorr"}"#).contains("cursorr"));
        assert!(err(r#"{"by":"hue"}"#).contains("hue"));
        assert!(err(r#"{"cost":"cheap"}"#).contains("cheap"));
        assert!(err(r#"{"schema":"scopeon.query.v9"}"#).contains("v9"));
        // Found by the query_request fuzz target: a window ending before it starts is refused
        // when parsed, not when run.
        assert!(err(r#"{"since":"28261101","until":"2026-11-30T23:59:59Z"}"#).contains("earlier"));
        assert!(matches!(
            parse_query_request("{", &env(), now()),
            Err(RequestError::Json { .. })
        ));
        assert!(matches!(
            parse_query_request(r#"{"tz":"Mars/Olympus"}"#, &env(), now()),
            Err(RequestError::Invalid(_))
        ));
    }

    #[test]
    fn a_scan_request_narrows_the_configuration() {
        let config = Config::parse("[providers.aider]\nenabled = false\n").unwrap();
        let o = parse_scan_request(
            Some(r#"{"providers":"aider,codex","rebuild":true,"roots":{"codex":["~/c"]}}"#),
            &config,
            &env(),
        )
        .unwrap();
        assert!(o.enabled(ProviderId::Codex));
        assert!(!o.enabled(ProviderId::Aider) && !o.enabled(ProviderId::ClaudeCode));
        assert!(o.rebuild);
        assert_eq!(o.roots[&ProviderId::Codex], ["/h/c"]);
        let none = parse_scan_request(None, &Config::default(), &env()).unwrap();
        assert!(ProviderId::ALL.iter().all(|id| none.enabled(*id)));
        assert!(parse_scan_request(Some(r#"{"roots":{"x":[]}}"#), &config, &env()).is_err());
    }
}

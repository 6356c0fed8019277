//! JSON requests: a report query (`scopeon.query.v1`), blocks (`scopeon.blocks_request.v1`),
//! context (`scopeon.context_request.v1`) and a scan (`scopeon.scan_request.v1`), the flags of
//! `scopeon report`, `blocks`, `context` and `scan` as JSON, for front-ends without a command
//! line (the C ABI and its Python and Swift wrappers; docs/documents.md).
//!
//! Parsing is strict where a mistake would silently change the answer (unknown fields, unknown
//! providers, group keys or cost modes are errors) and lenient where the CLI is (a list may be
//! one string or an array; `by` and `provider` entries may be comma-separated). An error names
//! the field it is about. Schemas are committed in `scopeon-ffi/schemas/`.
//!
//! The three read requests share one entry ([`parse_request`], the C ABI's `scopeon_query`),
//! told apart by their `schema` field, so a new document needs no new C function; each answers
//! with the very document the command's `--json` prints ([`Request::answer`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde_json::Value;

use jiff::Timestamp;

use crate::error::Error;
use crate::live::{BlocksRequest, ContextRequest};
use crate::scopeon::{ReportRequest, ScanRequest, Scopeon};

/// The `schema` a query request may carry.
pub const QUERY_SCHEMA: &str = "scopeon.query.v1";
/// The `schema` a scan request may carry.
pub const SCAN_REQUEST_SCHEMA: &str = "scopeon.scan_request.v1";
/// The `schema` a blocks request must carry (through [`parse_request`]; optional for
/// [`parse_blocks_request`]).
pub const BLOCKS_REQUEST_SCHEMA: &str = "scopeon.blocks_request.v1";
/// The `schema` a context request must carry (through [`parse_request`]; optional for
/// [`parse_context_request`]).
pub const CONTEXT_REQUEST_SCHEMA: &str = "scopeon.context_request.v1";

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The text is not a JSON object of the request's shape (bad JSON, an unknown field, a
    /// value of the wrong type).
    #[error("invalid {what} request: {message}")]
    Json {
        /// `query`, `blocks`, `context` or `scan`.
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
    query_request(parse_object(text, "query")?)
}

fn query_request(req: QueryRequest) -> Result<ReportRequest, RequestError> {
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

/// A request `scopeon_query` answers, told apart by its `schema` (docs/documents.md).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Request {
    /// `scopeon.query.v1` (or no `schema`): a report.
    Report(ReportRequest),
    /// `scopeon.blocks_request.v1`: five-hour blocks.
    Blocks(BlocksRequest),
    /// `scopeon.context_request.v1`: the context of active sessions.
    Context(ContextRequest),
}

impl Request {
    /// Runs the request through the front door and returns the document the command's
    /// `--json` prints: `scopeon.report.v1` (as `scopeon report --json --no-scan`, with
    /// `scan` null), `scopeon.blocks.v1` or `scopeon.context.v1`. A refused value is an
    /// [`Error::InvalidQuery`] naming its field, for blocks and context requests.
    pub fn answer(&self, scopeon: &Scopeon) -> crate::Result<Value> {
        match self {
            Request::Report(r) => Ok(scopeon.report(r)?.to_document(None)),
            Request::Blocks(r) => {
                check_blocks_request(scopeon, r)?;
                Ok(scopeon.blocks(r)?.to_document())
            }
            Request::Context(r) => {
                check_context_request(scopeon, r)?;
                Ok(scopeon.context(r)?.to_document())
            }
        }
    }
}

/// Parses any request `scopeon_query` answers, by its `schema`: none or `scopeon.query.v1` is
/// a report query ([`parse_query_request`]), `scopeon.blocks_request.v1` a blocks request
/// ([`parse_blocks_request`]), `scopeon.context_request.v1` a context request
/// ([`parse_context_request`]); another schema is an [`Error::InvalidQuery`].
pub fn parse_request(text: &str) -> Result<Request, RequestError> {
    let value = parse_value(text, "query")?;
    match value.get("schema") {
        Some(Value::String(s)) if s == BLOCKS_REQUEST_SCHEMA => from_value(value, "blocks")
            .and_then(blocks_request)
            .map(Request::Blocks),
        Some(Value::String(s)) if s == CONTEXT_REQUEST_SCHEMA => from_value(value, "context")
            .and_then(context_request)
            .map(Request::Context),
        Some(Value::String(s)) if s != QUERY_SCHEMA => Err(Error::InvalidQuery(format!(
            "unsupported request schema {s:?}; this library reads {QUERY_SCHEMA}, \
             {BLOCKS_REQUEST_SCHEMA} and {CONTEXT_REQUEST_SCHEMA}"
        ))
        .into()),
        _ => from_value(value, "query")
            .and_then(query_request)
            .map(Request::Report),
    }
}

/// A `scopeon.blocks_request.v1` request: the `scopeon blocks` flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct BlocksRequestJson {
    schema: Option<String>,
    #[serde(alias = "provider", deserialize_with = "strings")]
    providers: Vec<String>,
    active: bool,
    recent: bool,
    since: Option<String>,
    until: Option<String>,
    #[serde(deserialize_with = "token_limit")]
    token_limit: Option<String>,
    floor_hour: bool,
    gaps: bool,
    tz: Option<String>,
    now: Option<String>,
}

/// Parses a `scopeon.blocks_request.v1` request into the blocks request `scopeon blocks`
/// makes of the same flags (`token_limit` may be a number or a string, `N` or `max`). `now`
/// (RFC 3339) computes as if it were then; without it, the handle's clock (`$SCOPEON_NOW`).
/// The other values are checked when [`Request::answer`] runs it.
pub fn parse_blocks_request(text: &str) -> Result<BlocksRequest, RequestError> {
    blocks_request(parse_object(text, "blocks")?)
}

fn blocks_request(req: BlocksRequestJson) -> Result<BlocksRequest, RequestError> {
    check_schema(req.schema.as_deref(), BLOCKS_REQUEST_SCHEMA)?;
    let mut out = BlocksRequest::new()
        .providers(req.providers)
        .active(req.active)
        .recent(req.recent)
        .floor_hour(req.floor_hour)
        .gaps(req.gaps);
    out.since = req.since;
    out.until = req.until;
    out.token_limit = req.token_limit;
    out.tz = req.tz;
    out.now = parse_now(req.now.as_deref())?;
    Ok(out)
}

/// A `scopeon.context_request.v1` request: the `scopeon context` flags and the narrowing
/// [`ContextRequest`] offers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ContextRequestJson {
    schema: Option<String>,
    #[serde(alias = "provider", deserialize_with = "strings")]
    providers: Vec<String>,
    session: Option<String>,
    active_minutes: u32,
    now: Option<String>,
}

impl Default for ContextRequestJson {
    fn default() -> ContextRequestJson {
        ContextRequestJson {
            schema: None,
            providers: Vec::new(),
            session: None,
            active_minutes: crate::live::context::DEFAULT_ACTIVE_MINUTES,
            now: None,
        }
    }
}

/// Parses a `scopeon.context_request.v1` request: `providers`, one `session`,
/// `active_minutes` (default 30) and `now` as in [`parse_blocks_request`].
pub fn parse_context_request(text: &str) -> Result<ContextRequest, RequestError> {
    context_request(parse_object(text, "context")?)
}

fn context_request(req: ContextRequestJson) -> Result<ContextRequest, RequestError> {
    check_schema(req.schema.as_deref(), CONTEXT_REQUEST_SCHEMA)?;
    let mut out = ContextRequest::new()
        .providers(req.providers)
        .active_minutes(req.active_minutes);
    out.session = req.session;
    out.now = parse_now(req.now.as_deref())?;
    Ok(out)
}

/// `now` as an instant; a malformed one is refused naming the field.
fn parse_now(spec: Option<&str>) -> Result<Option<Timestamp>, Error> {
    spec.map(|s| {
        s.parse::<Timestamp>().map_err(|_| {
            Error::InvalidQuery(format!(
                "field `now`: {s:?} is not an RFC 3339 time such as 2026-11-27T12:00:00Z"
            ))
        })
    })
    .transpose()
}

/// Copies one field of a request into a partial one.
type CopyField = fn(&mut BlocksRequest, &BlocksRequest);

/// Checks a blocks request's values as [`Scopeon::blocks`] would and, when one is refused,
/// names its field: the fields are added one at a time (the zone before the dates read in
/// it) until the check fails. A failure without any field (a bad `$SCOPEON_NOW`) is returned
/// as is.
pub fn check_blocks_request(scopeon: &Scopeon, request: &BlocksRequest) -> Result<(), Error> {
    let whole = match scopeon.check_blocks(request) {
        Err(Error::InvalidQuery(message)) => message,
        other => return other,
    };
    let mut partial = BlocksRequest {
        now: request.now,
        ..BlocksRequest::default()
    };
    let steps: [(&str, CopyField); 5] = [
        ("providers", |p, r| p.providers.clone_from(&r.providers)),
        ("tz", |p, r| p.tz.clone_from(&r.tz)),
        ("since", |p, r| p.since.clone_from(&r.since)),
        ("until", |p, r| p.until.clone_from(&r.until)),
        ("token_limit", |p, r| {
            p.token_limit.clone_from(&r.token_limit)
        }),
    ];
    if scopeon.check_blocks(&partial).is_err() {
        return Err(Error::InvalidQuery(whole));
    }
    for (field, add) in steps {
        add(&mut partial, request);
        if let Err(Error::InvalidQuery(message)) = scopeon.check_blocks(&partial) {
            return Err(Error::InvalidQuery(format!("field `{field}`: {message}")));
        }
    }
    Err(Error::InvalidQuery(whole))
}

/// Checks a context request's values as [`Scopeon::context`] would (its providers are the
/// only ones that can be refused) and names the field.
pub fn check_context_request(scopeon: &Scopeon, request: &ContextRequest) -> Result<(), Error> {
    scopeon
        .parse_providers(&request.providers)
        .map(|_| ())
        .map_err(|e| match e {
            Error::InvalidQuery(message) => {
                Error::InvalidQuery(format!("field `providers`: {message}"))
            }
            e => e,
        })
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
    from_value(parse_value(text, what)?, what)
}

/// Parses JSON text that must be an object.
fn parse_value(text: &str, what: &'static str) -> Result<Value, RequestError> {
    let bad = |message: String| RequestError::Json { what, message };
    let value: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if !value.is_object() {
        return Err(bad("expected a JSON object".into()));
    }
    Ok(value)
}

/// Deserializes an object into the request's shape. serde says what is wrong with a value
/// but not where, so on failure each field is tried alone (every field is optional) to name
/// the first one refused.
fn from_value<T: DeserializeOwned>(value: Value, what: &'static str) -> Result<T, RequestError> {
    let bad = |message: String| RequestError::Json { what, message };
    let whole = match T::deserialize(&value) {
        Ok(req) => return Ok(req),
        Err(e) => e.to_string(),
    };
    let Value::Object(fields) = value else {
        return Err(bad(whole));
    };
    for (key, v) in fields {
        let alone = Value::Object(std::iter::once((key.clone(), v)).collect());
        if let Err(e) = T::deserialize(&alone) {
            let message = e.to_string();
            // serde names an unknown field itself.
            return Err(bad(if message.contains(&format!("`{key}`")) {
                message
            } else {
                format!("field `{key}`: {message}")
            }));
        }
    }
    Err(bad(whole))
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

/// A token limit: a number of tokens, a string (`N` or `max`), or `null`. A number is kept
/// as its decimal text, which [`Scopeon::blocks`] reads like the command's `--token-limit`.
fn token_limit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct LimitVisitor;

    impl<'de> Visitor<'de> for LimitVisitor {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number of tokens, \"max\", or null")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Option<String>, E> {
            Ok(None)
        }

        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Option<String>, E> {
            Ok(Some(n.to_string()))
        }

        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Option<String>, E> {
            // Negative: refused by the blocks computation with the same message as the CLI.
            Ok(Some(n.to_string()))
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<String>, E> {
            Ok(Some(s.to_owned()))
        }
    }

    d.deserialize_any(LimitVisitor)
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

    /// An empty in-memory store whose clock is fixed.
    fn empty() -> Scopeon {
        Scopeon::builder()
            .env(
                crate::env::Env::isolated("/nonexistent-scopeon-test-home")
                    .with_var("TZ", Some("UTC"))
                    .with_var(crate::window::NOW_VAR, Some("2026-11-27T12:00:00Z")),
            )
            .in_memory()
            .no_config()
            .open()
            .unwrap()
    }

    #[test]
    fn a_blocks_request_is_the_blocks_flags() {
        let r = parse_blocks_request(
            r#"{"schema":"scopeon.blocks_request.v1","provider":"codex,claude_code","active":true,
                "recent":true,"since":"7d","until":"2026-11-30","token_limit":500000,
                "floor_hour":true,"gaps":true,"tz":"Europe/Berlin","now":"2026-11-27T12:00:00Z"}"#,
        )
        .unwrap();
        let expected = BlocksRequest::new()
            .providers(["codex", "claude_code"])
            .active(true)
            .recent(true)
            .since("7d")
            .until("2026-11-30")
            .token_limit("500000")
            .floor_hour(true)
            .gaps(true)
            .tz("Europe/Berlin")
            .now("2026-11-27T12:00:00Z".parse().unwrap());
        assert_eq!(r, expected);
        assert_eq!(parse_blocks_request("{}").unwrap(), BlocksRequest::new());
        let max = parse_blocks_request(r#"{"token_limit":"max"}"#).unwrap();
        assert_eq!(max.token_limit.as_deref(), Some("max"));
        let none = parse_blocks_request(r#"{"token_limit":null,"tz":null}"#).unwrap();
        assert_eq!(none, BlocksRequest::new());
    }

    #[test]
    fn a_context_request_is_the_context_flags() {
        let r = parse_context_request(
            r#"{"schema":"scopeon.context_request.v1","providers":["claude_code"],"session":"s1",
                "active_minutes":90,"now":"2026-11-27T12:00:00+01:00"}"#,
        )
        .unwrap();
        let expected = ContextRequest::new()
            .providers(["claude_code"])
            .session("s1")
            .active_minutes(90)
            .now("2026-11-27T11:00:00Z".parse().unwrap());
        assert_eq!(r, expected);
        assert_eq!(parse_context_request("{}").unwrap(), ContextRequest::new());
        assert_eq!(ContextRequest::new().active_minutes, 30);
    }

    #[test]
    fn one_entry_tells_the_requests_apart_by_schema() {
        assert!(matches!(parse_request("{}"), Ok(Request::Report(_))));
        assert!(matches!(
            parse_request(r#"{"schema":"scopeon.query.v1","by":[]}"#),
            Ok(Request::Report(r)) if r.by.is_empty()
        ));
        assert!(matches!(
            parse_request(r#"{"schema":"scopeon.blocks_request.v1","gaps":true}"#),
            Ok(Request::Blocks(r)) if r.gaps
        ));
        assert!(matches!(
            parse_request(r#"{"schema":"scopeon.context_request.v1","session":"s"}"#),
            Ok(Request::Context(r)) if r.session.as_deref() == Some("s")
        ));
        // Without its schema a blocks request is read as a query, whose fields it lacks.
        let err = parse_request(r#"{"active":true}"#).unwrap_err().to_string();
        assert!(
            err.contains("invalid query request") && err.contains("`active`"),
            "{err}"
        );
        let err = parse_request(r#"{"schema":"scopeon.blocks.v1"}"#).unwrap_err();
        assert!(matches!(err, RequestError::Invalid(Error::InvalidQuery(_))));
        let err = err.to_string();
        assert!(err.contains("\"scopeon.blocks.v1\"") && err.contains(BLOCKS_REQUEST_SCHEMA));
        // The dedicated parsers refuse another request's schema.
        assert!(parse_blocks_request(r#"{"schema":"scopeon.context_request.v1"}"#).is_err());
        assert!(parse_context_request(r#"{"schema":"scopeon.blocks_request.v1"}"#).is_err());
    }

    #[test]
    fn a_malformed_field_is_named() {
        let err = |text: &str| parse_request(text).unwrap_err().to_string();
        let blocks = |fields: &str| {
            err(&format!(
                r#"{{"schema":"{BLOCKS_REQUEST_SCHEMA}",{fields}}}"#
            ))
        };
        let e = blocks(r#""active":"yes""#);
        assert!(
            e.starts_with("invalid blocks request: field `active`: invalid type"),
            "{e}"
        );
        let e = blocks(r#""token_limit":1.5"#);
        assert!(
            e.contains("field `token_limit`") && e.contains("\"max\""),
            "{e}"
        );
        let e = blocks(r#""gap":true"#);
        assert!(
            e.contains("unknown field `gap`") && !e.contains("field `gap`:"),
            "{e}"
        );
        let e = err(r#"{"schema":"scopeon.context_request.v1","active_minutes":-1}"#);
        assert!(
            e.starts_with("invalid context request: field `active_minutes`"),
            "{e}"
        );
        assert!(err(r#"{"by":7}"#).contains("field `by`: invalid type"));
        let e = blocks(r#""now":"yesterday""#);
        assert!(
            e.starts_with("field `now`: \"yesterday\" is not an RFC 3339 time"),
            "{e}"
        );
        assert!(matches!(
            parse_request(r#"{"schema":"scopeon.context_request.v1","now":"x"}"#),
            Err(RequestError::Invalid(Error::InvalidQuery(_)))
        ));
    }

    #[test]
    fn a_refused_value_is_named() {
        let scopeon = empty();
        let refused = |text: &str| match parse_request(text).unwrap().answer(&scopeon) {
            Err(Error::InvalidQuery(message)) => message,
            other => panic!("{text}: {other:?}"),
        };
        let blocks = |fields: &str| {
            refused(&format!(
                r#"{{"schema":"{BLOCKS_REQUEST_SCHEMA}",{fields}}}"#
            ))
        };
        let e = blocks(r#""providers":["codex","codexx"]"#);
        assert!(
            e.starts_with("field `providers`: unknown provider \"codexx\""),
            "{e}"
        );
        assert!(blocks(r#""tz":"Mars/Olympus""#).starts_with("field `tz`: unknown time zone"));
        let e = blocks(r#""tz":"UTC","since":"7d","until":"last tuesday""#);
        assert!(
            e.starts_with("field `until`: invalid time \"last tuesday\""),
            "{e}"
        );
        assert!(blocks(r#""since":"soon""#).starts_with("field `since`: invalid time"));
        let e = blocks(r#""token_limit":0"#);
        assert!(
            e.starts_with("field `token_limit`: invalid token limit \"0\""),
            "{e}"
        );
        assert!(blocks(r#""token_limit":-5"#).starts_with("field `token_limit`"));
        let e = refused(r#"{"schema":"scopeon.context_request.v1","provider":"nope"}"#);
        assert!(
            e.starts_with("field `providers`: unknown provider \"nope\""),
            "{e}"
        );
    }

    #[test]
    fn answers_are_the_commands_documents() {
        let scopeon = empty();
        let answer = |text: &str| parse_request(text).unwrap().answer(&scopeon).unwrap();
        let blocks = answer(r#"{"schema":"scopeon.blocks_request.v1","token_limit":"max"}"#);
        let direct = scopeon
            .blocks(&BlocksRequest::new().token_limit("max"))
            .unwrap();
        assert_eq!(blocks, direct.to_document());
        assert_eq!(blocks["schema"], "scopeon.blocks.v1");
        assert_eq!(blocks["generated_at"], "2026-11-27T12:00:00Z");
        let context =
            answer(r#"{"schema":"scopeon.context_request.v1","now":"2026-01-01T00:00:00Z"}"#);
        assert_eq!(context["schema"], "scopeon.context.v1");
        assert_eq!(context["generated_at"], "2026-01-01T00:00:00Z");
        assert_eq!(context["sessions"], serde_json::json!([]));
        assert_eq!(answer("{}")["schema"], "scopeon.report.v1");
    }
}

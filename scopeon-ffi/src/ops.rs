//! The operations behind the C functions, in safe Rust: JSON request in, JSON document out.
//!
//! The scan and report logic mirrors `scopeon scan --json` and `scopeon report --json` in
//! `scopeon-cli`, so a binding gets the same documents as the command line (CONTRACTS §5, §7).

use std::collections::BTreeMap;
use std::fmt;

use camino::Utf8Path;
use scopeon_core::config::{Config, Env};
use scopeon_core::pricing::price_document;
use scopeon_core::record::ProviderId;
use scopeon_core::scan::{ScanOptions, scan};
use scopeon_core::store::{CostMode, GroupKey, ReportQuery, Store, run_metadata};
use scopeon_core::window::{Bound, Zone, now, parse_bound};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde_json::{Map, Value, json};

use crate::guard::Failure;
use crate::{SCOPEON_E_INTERNAL, SCOPEON_E_JSON, SCOPEON_E_UNKNOWN_MODEL};

/// The `schema` a query request may carry.
pub(crate) const QUERY_SCHEMA: &str = "scopeon.query.v1";
/// The `schema` a scan request may carry.
pub(crate) const SCAN_REQUEST_SCHEMA: &str = "scopeon.scan_request.v1";

/// Opens the database at `path`, or the default one (`$SCOPEON_DB`, else
/// `~/.scopeon/scopeon.db`); `:memory:` is a private in-memory database.
pub(crate) fn open(path: Option<&str>, env: &Env) -> Result<Store, Failure> {
    match path {
        Some("") => Err(Failure::invalid(
            "scopeon_db_open: path is empty; pass NULL for the default database",
        )),
        Some(":memory:") => Ok(Store::open_in_memory()?),
        Some(p) => open_configured(Utf8Path::new(p), env),
        None => {
            let p = env.default_db_path().ok_or(scopeon_core::Error::NoHome)?;
            open_configured(&p, env)
        }
    }
}

/// Opens a database file as the CLI does: priced with the user's overrides (config.toml
/// `[pricing]` or pricing.toml), storing projects in the form `[privacy]` asks for.
fn open_configured(path: &Utf8Path, env: &Env) -> Result<Store, Failure> {
    let config = Config::load(None, env)?;
    let mut store = Store::open_with_pricing(path, config.price_table())?;
    if let Some(mode) = config.privacy.project_paths {
        store.set_project_paths(mode)?;
    }
    Ok(store)
}

/// A scan request (`scopeon.scan_request.v1`): every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ScanRequest {
    schema: Option<String>,
    #[serde(deserialize_with = "comma_strings")]
    providers: Vec<String>,
    rebuild: bool,
    roots: BTreeMap<String, Vec<String>>,
}

/// Scans as `scopeon scan --json` does and returns its `scopeon.scan.v1` document.
pub(crate) fn scan_json(
    store: &mut Store,
    env: &Env,
    request: Option<&str>,
) -> Result<String, Failure> {
    let req: ScanRequest = match request {
        Some(text) => parse_request(text, "scan")?,
        None => ScanRequest::default(),
    };
    check_schema(req.schema.as_deref(), SCAN_REQUEST_SCHEMA)?;
    let config = Config::load(None, env)?;
    let mut options: ScanOptions = config.scan_options(env);
    if let Some(asked) = parse_providers(&req.providers)? {
        options.providers = Some(match options.providers {
            Some(enabled) => asked.into_iter().filter(|p| enabled.contains(p)).collect(),
            None => asked,
        });
    }
    options.rebuild = req.rebuild;
    for (id, roots) in &req.roots {
        let id = parse_provider(id)?;
        options
            .roots
            .insert(id, roots.iter().map(|r| env.expand_home(r)).collect());
    }
    let summary = scan(store, env, &options, &mut |_| {})?;
    let mut doc = Map::new();
    doc.insert("schema".into(), json!("scopeon.scan.v1"));
    doc.insert("files".into(), json!(summary.files()));
    match serde_json::to_value(&summary).map_err(internal)? {
        Value::Object(mut fields) => doc.append(&mut fields),
        _ => return Err(internal("the scan summary is not a JSON object")),
    }
    to_string(&Value::Object(doc))
}

/// A query request (`scopeon.query.v1`): the `scopeon report` flags as JSON.
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

/// Runs a report as `scopeon report --json --no-scan` does and returns its
/// `scopeon.report.v1` document.
pub(crate) fn query_json(store: &Store, env: &Env, request: &str) -> Result<String, Failure> {
    let req: QueryRequest = parse_request(request, "query")?;
    check_schema(req.schema.as_deref(), QUERY_SCHEMA)?;
    let zone = Zone::resolve(req.tz.as_deref(), env)?;
    let now = now(env)?;
    let bound = |spec: &Option<String>, which| {
        spec.as_deref()
            .map(|s| parse_bound(s, which, &zone, now))
            .transpose()
    };
    let since = bound(&req.since, Bound::Since)?;
    let until = bound(&req.until, Bound::Until)?;
    // No `by` means by day, as in the CLI; an empty list (or "") asks for the totals alone.
    let by = req.by.unwrap_or_else(|| vec!["day".to_owned()]);
    let group_by = GroupKey::parse_list(&by)?;
    let cost_mode = match req.cost.as_deref() {
        None => CostMode::Calculated,
        Some(s) => CostMode::parse(s).ok_or_else(|| {
            Failure::invalid(format!(
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
    let report = store.report(&query)?;
    let mut run = run_metadata(now, store.pricing(), false, None);
    // The CLI prints this warning on stderr; a library has no stderr, so it travels here.
    if let Some(w) = warning {
        run.insert("warnings".into(), json!([w]));
    }
    to_string(&report.to_document(&query, run))
}

/// Every built-in provider: whether it is enabled, the roots a scan searches and whether they
/// exist, the files it tracks and the records stored (`scopeon.providers.v1`).
pub(crate) fn providers_json(store: &Store, env: &Env) -> Result<String, Failure> {
    let options = Config::load(None, env)?.scan_options(env);
    to_string(&scopeon_core::scan::providers_document(
        store, env, &options,
    )?)
}

/// The price table's entry for a model id as logged (`scopeon.price.v1`): the built-in table
/// with the user's overrides, rates in force now (`$SCOPEON_NOW` when set).
pub(crate) fn price_json(model: &str, env: &Env) -> Result<String, Failure> {
    // The table the user's stores are priced with: built-in plus their overrides.
    let table = Config::load(None, env)?.price_table();
    let doc = price_document(&table, model, now(env)?).ok_or_else(|| {
        Failure::new(
            SCOPEON_E_UNKNOWN_MODEL,
            format!(
                "unknown model {model:?}: not in the price table (pricing version {}) nor in the overrides; its tokens are reported as unpriced",
                table.fingerprint()
            ),
        )
    })?;
    to_string(&doc)
}

/// Parses a request: a JSON object of the request's shape (`SCOPEON_E_JSON` otherwise).
fn parse_request<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, Failure> {
    let bad =
        |e: &dyn fmt::Display| Failure::new(SCOPEON_E_JSON, format!("invalid {what} request: {e}"));
    let value: Value = serde_json::from_str(text).map_err(|e| bad(&e))?;
    if !value.is_object() {
        return Err(bad(&"expected a JSON object"));
    }
    T::deserialize(value).map_err(|e| bad(&e))
}

fn check_schema(found: Option<&str>, expected: &str) -> Result<(), Failure> {
    match found {
        Some(s) if s != expected => Err(Failure::invalid(format!(
            "unsupported request schema {s:?}; this library reads {expected}"
        ))),
        _ => Ok(()),
    }
}

fn parse_provider(s: &str) -> Result<ProviderId, Failure> {
    ProviderId::parse(s.trim()).ok_or_else(|| {
        let known: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
        Failure::invalid(format!(
            "unknown provider {s:?}; known providers: {}",
            known.join(", ")
        ))
    })
}

/// Provider ids, `None` when the list is empty (no filter), as the CLI's `--provider`.
fn parse_providers(ids: &[String]) -> Result<Option<Vec<ProviderId>>, Failure> {
    if ids.is_empty() {
        return Ok(None);
    }
    ids.iter()
        .map(|s| parse_provider(s))
        .collect::<Result<_, _>>()
        .map(Some)
}

fn to_string(doc: &Value) -> Result<String, Failure> {
    serde_json::to_string(doc).map_err(internal)
}

fn internal(e: impl fmt::Display) -> Failure {
    Failure::new(SCOPEON_E_INTERNAL, format!("internal error: {e}"))
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

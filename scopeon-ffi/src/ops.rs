//! The operations behind the C functions, in safe Rust: JSON request in, JSON document out.
//!
//! The scan and report logic mirrors `scopeon scan --json` and `scopeon report --json` in
//! `scopeon-cli`, so a binding gets the same documents as the command line (CONTRACTS §5, §7).

use std::fmt;

use camino::Utf8Path;
use scopeon_core::config::Config;
use scopeon_core::env::Env;
use scopeon_core::pricing::price_document;
use scopeon_core::request::{QueryPlan, RequestError, parse_query_request, parse_scan_request};
use scopeon_core::scan::{ScanOptions, scan};
use scopeon_core::store::{Store, run_metadata};
use scopeon_core::window::now;
use serde_json::{Map, Value, json};

use crate::guard::Failure;
use crate::{SCOPEON_E_INTERNAL, SCOPEON_E_JSON, SCOPEON_E_UNKNOWN_MODEL};

impl From<RequestError> for Failure {
    fn from(e: RequestError) -> Failure {
        match e {
            RequestError::Json { .. } => Failure::new(SCOPEON_E_JSON, e.to_string()),
            RequestError::Invalid(e) => e.into(),
        }
    }
}

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

/// Scans as `scopeon scan --json` does and returns its `scopeon.scan.v1` document.
pub(crate) fn scan_json(
    store: &mut Store,
    env: &Env,
    request: Option<&str>,
) -> Result<String, Failure> {
    let config = Config::load(None, env)?;
    let options = parse_scan_request(request, &config, env)?;
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

/// Runs a report as `scopeon report --json --no-scan` does and returns its
/// `scopeon.report.v1` document.
pub(crate) fn query_json(store: &Store, env: &Env, request: &str) -> Result<String, Failure> {
    let now = now(env)?;
    let QueryPlan { query, warning } = parse_query_request(request, env, now)?;
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
    let options = ScanOptions::from_config(&Config::load(None, env)?, env);
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

fn to_string(doc: &Value) -> Result<String, Failure> {
    serde_json::to_string(doc).map_err(internal)
}

fn internal(e: impl fmt::Display) -> Failure {
    Failure::new(SCOPEON_E_INTERNAL, format!("internal error: {e}"))
}

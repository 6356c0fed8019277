//! The operations behind the C functions, in safe Rust: JSON request in, JSON document out.
//!
//! Every operation goes through the library's front door ([`Scopeon`]), as `scopeon scan
//! --json`, `scopeon report --json`, `scopeon blocks --json` and `scopeon context --json` do,
//! so a binding gets the same documents as the command line (docs/documents.md).

use std::fmt;

use scopeon_core::Scopeon;
use scopeon_core::config::Config;
use scopeon_core::env::Env;
use scopeon_core::pricing::price_document;
use scopeon_core::request::{RequestError, parse_request, parse_scan_request};
use scopeon_core::window::now;
use serde_json::Value;

use crate::guard::Failure;
use crate::{SCOPEON_E_INTERNAL, SCOPEON_E_JSON};

impl From<RequestError> for Failure {
    fn from(e: RequestError) -> Failure {
        match e {
            RequestError::Json { .. } => Failure::new(SCOPEON_E_JSON, e.to_string()),
            RequestError::Invalid(e) => e.into(),
        }
    }
}

/// Opens the database at `path`, or the default one (`$SCOPEON_DB`, else
/// `~/.scopeon/scopeon.db`); `:memory:` is a private in-memory database. The user's
/// configuration (`~/.scopeon/config.toml`) applies as it does to the CLI; without one, the
/// database keeps the price overrides and privacy form it remembers.
pub(crate) fn open(path: Option<&str>, env: &Env) -> Result<Scopeon, Failure> {
    let builder = Scopeon::builder().env(env.clone());
    let builder = match path {
        Some("") => {
            return Err(Failure::invalid(
                "scopeon_db_open: path is empty; pass NULL for the default database",
            ));
        }
        Some(":memory:") => builder.in_memory(),
        Some(p) => builder.db(p),
        None => builder,
    };
    Ok(builder.open()?)
}

/// Scans as `scopeon scan --json` does and returns its `scopeon.scan.v1` document.
pub(crate) fn scan_json(scopeon: &mut Scopeon, request: Option<&str>) -> Result<String, Failure> {
    let request = parse_scan_request(request)?;
    let summary = scopeon.scan(&request)?;
    to_string(&summary.to_document())
}

/// Answers a read request by its `schema`: a report as `scopeon report --json --no-scan`
/// (`scopeon.report.v1`; a warning the CLI prints on stderr travels in `warnings`), blocks as
/// `scopeon blocks --json --no-scan` (`scopeon.blocks.v1`) or context as `scopeon context
/// --json --no-scan` (`scopeon.context.v1`).
pub(crate) fn query_json(scopeon: &Scopeon, request: &str) -> Result<String, Failure> {
    to_string(&parse_request(request)?.answer(scopeon)?)
}

/// Every built-in provider: whether it is enabled, the roots a scan searches and whether they
/// exist, the files it tracks and the records stored (`scopeon.providers.v1`).
pub(crate) fn providers_json(scopeon: &Scopeon) -> Result<String, Failure> {
    to_string(&scopeon.providers_document()?)
}

/// The price table's entry for a model id as logged (`scopeon.price.v1`): the built-in table
/// with the user's configured overrides, rates in force now (`$SCOPEON_NOW` when set). It
/// takes no handle, so it reads no database.
pub(crate) fn price_json(model: &str, env: &Env) -> Result<String, Failure> {
    let table = Config::load(None, env)?.price_table();
    let doc = price_document(&table, model, now(env)?).ok_or_else(|| {
        scopeon_core::Error::UnknownModel {
            model: model.to_owned(),
            pricing_version: table.fingerprint(),
        }
    })?;
    to_string(&doc)
}

fn to_string(doc: &Value) -> Result<String, Failure> {
    serde_json::to_string(doc).map_err(internal)
}

fn internal(e: impl fmt::Display) -> Failure {
    Failure::new(SCOPEON_E_INTERNAL, format!("internal error: {e}"))
}

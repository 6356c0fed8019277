//! The `scopeon.providers.v1` document: what Scopeon sees of each provider on disk now and
//! in the store.

use serde::Serialize;

use super::summary::serialize_skips;
use super::{RootStatus, ScanOptions, discover_logs};
use crate::env::Env;
use crate::error::Result;
use crate::record::ProviderId;
use crate::store::{SkipCounts, Store};

/// What Scopeon sees of one provider: on disk now, and in the store.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProviderStatus {
    /// The provider id.
    pub provider: ProviderId,
    /// Whether the configuration lets it be scanned.
    pub enabled: bool,
    /// Whether any of its roots exists.
    pub detected: bool,
    /// Where its roots come from: `config` or `default` (the agent's variable or defaults).
    pub roots_from: &'static str,
    /// The roots searched.
    pub roots: Vec<RootStatus>,
    /// Log files found on disk now.
    pub files: u64,
    /// Their size in bytes.
    pub bytes: u64,
    /// Files with a checkpoint in the store.
    pub files_tracked: u64,
    /// Deduplicated requests stored.
    pub records: u64,
    /// Time of the latest stored request (RFC 3339), if any.
    pub last_activity: Option<String>,
    /// Lines skipped in the tracked files, by reason.
    #[serde(serialize_with = "serialize_skips")]
    pub skipped_lines: SkipCounts,
}

/// The status of every provider of the options' registry (built-in ones first, then those
/// registered): what `scopeon providers` shows and `scopeon_providers` returns, as the
/// `scopeon.providers.v1` document.
pub fn providers_document(
    store: &Store,
    env: &Env,
    options: &ScanOptions,
) -> Result<serde_json::Value> {
    let mut providers = Vec::new();
    for id in options.registry.ids() {
        let found = discover_logs(id, env, options);
        let stats = store.provider_stats(id)?;
        providers.push(ProviderStatus {
            provider: id,
            enabled: options.enabled(id),
            detected: found.roots.iter().any(|r| r.exists),
            roots_from: if options.roots.contains_key(&id) {
                "config"
            } else {
                "default"
            },
            roots: found.roots,
            files: found.files,
            bytes: found.bytes,
            files_tracked: stats.tracked_files,
            records: stats.records,
            last_activity: stats
                .last_activity_ms
                .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                .map(|t| t.to_string()),
            skipped_lines: stats.skipped,
        });
    }
    Ok(serde_json::json!({ "schema": "scopeon.providers.v1", "providers": providers }))
}

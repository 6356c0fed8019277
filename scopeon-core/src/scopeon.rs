//! The front door: [`Scopeon`], one handle that opens the database with the user's
//! configuration, scans, reports and answers every document the `scopeon` command prints.
//!
//! The CLI, the C ABI and embedding programs all go through it, so they open the database the
//! same way (price overrides and privacy form remembered in the database, see
//! `docs/storage.md`), read time windows the same way (`"7d"`, `"2026-11-20"`, zone names, see
//! `docs/windows.md`) and print the same documents (`docs/documents.md`).
//!
//! ```
//! use scopeon_core::{ReportRequest, ScanRequest, Scopeon};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let home = camino::Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
//! // The user's home, database and configuration: `Scopeon::open()`. Here, a home of its own.
//! let env = scopeon_core::env::Env::isolated(home.as_str());
//! let mut scopeon = Scopeon::builder().env(env).in_memory().open()?;
//! scopeon.scan(&ScanRequest::new())?;
//! let answer = scopeon.report(&ReportRequest::new().since("7d").by(["day", "model"]))?;
//! println!("{} tokens", answer.report().totals.total_tokens);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::alerts::{Alerting, BudgetAnswer};
use crate::config::Config;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::live::{BlocksAnswer, BlocksRequest, ContextAnswer, ContextRequest, RateLimitSnapshot};
use crate::metrics::{MetricsRequest, MetricsSnapshot};
use crate::pricing::{PRICES_CHECKED, PriceTable, price_document};
use crate::provider::{Provider, Providers, RegisterError};
use crate::record::ProviderId;
use crate::scan::{Progress, ScanOptions, ScanSummary};
use crate::store::{
    BackupInfo, CostMode, ForgetFilter, ForgetStats, GroupKey, Report, ReportQuery, Store,
    UnpricedModel, run_metadata,
};
use crate::window::{Bound, Zone, now, parse_bound};

/// Where the configuration comes from.
#[derive(Debug, Clone, Default)]
enum ConfigSource {
    /// `~/.scopeon/config.toml` (and `pricing.toml` beside it) of the environment; missing
    /// files mean no configuration.
    #[default]
    User,
    /// A file that must exist.
    File(Utf8PathBuf),
    /// A configuration the embedder built.
    Given(Box<Config>),
    /// None: the database's remembered price overrides and privacy form, default scan options.
    Nothing,
}

/// Where the database is.
#[derive(Debug, Clone, Default)]
enum DbLocation {
    /// `$SCOPEON_DB`, else `~/.scopeon/scopeon.db`.
    #[default]
    Default,
    /// A file.
    File(Utf8PathBuf),
    /// A private in-memory database.
    Memory,
}

/// Opens a [`Scopeon`] handle: which environment, database and configuration.
///
/// Every setting has the default the `scopeon` command uses: the process's environment, the
/// database at `$SCOPEON_DB` or `~/.scopeon/scopeon.db`, the configuration at
/// `~/.scopeon/config.toml`.
#[derive(Debug, Clone, Default)]
pub struct ScopeonBuilder {
    env: Option<Env>,
    db: DbLocation,
    config: ConfigSource,
    providers: Providers,
    demo: bool,
    queue_alerts_only: bool,
}

impl ScopeonBuilder {
    /// A builder with the defaults of the `scopeon` command.
    pub fn new() -> ScopeonBuilder {
        ScopeonBuilder::default()
    }

    /// The environment (home directory and variables) to use instead of the process's.
    pub fn env(mut self, env: Env) -> ScopeonBuilder {
        self.env = Some(env);
        self
    }

    /// The database file (created, private to the user, when missing).
    pub fn db(mut self, path: impl Into<Utf8PathBuf>) -> ScopeonBuilder {
        self.db = DbLocation::File(path.into());
        self
    }

    /// A private in-memory database, gone when the handle is dropped.
    pub fn in_memory(mut self) -> ScopeonBuilder {
        self.db = DbLocation::Memory;
        self
    }

    /// The configuration file to read (it must exist; `pricing.toml` beside it is read too).
    pub fn config_file(mut self, path: impl Into<Utf8PathBuf>) -> ScopeonBuilder {
        self.config = ConfigSource::File(path.into());
        self
    }

    /// A configuration built by the caller instead of one read from a file.
    pub fn config(mut self, config: Config) -> ScopeonBuilder {
        self.config = ConfigSource::Given(Box::new(config));
        self
    }

    /// No configuration: the database keeps the price overrides and privacy form it
    /// remembers, and scans use the default roots.
    pub fn no_config(mut self) -> ScopeonBuilder {
        self.config = ConfigSource::Nothing;
        self
    }

    /// Adds a provider for a log format of your own: it is scanned, checkpointed,
    /// deduplicated and reported like the built-in ones, under its
    /// [`ProviderId::custom`] id (see `examples/custom_provider.rs`).
    pub fn provider(
        mut self,
        provider: impl Provider + 'static,
    ) -> std::result::Result<ScopeonBuilder, RegisterError> {
        self.providers.register(provider)?;
        Ok(self)
    }

    /// Labels every document this handle makes as demo data (the `scopeon --demo` corpus).
    pub fn demo(mut self, demo: bool) -> ScopeonBuilder {
        self.demo = demo;
        self
    }

    /// Whether a scan only queues the alerts it finds due, leaving their delivery to the next
    /// command that scans (`scopeon statusline`, which must answer at once); by default a
    /// scan also delivers what is due, within the `[alerts]` deadline (docs/alerts.md).
    pub fn queue_alerts_only(mut self, only: bool) -> ScopeonBuilder {
        self.queue_alerts_only = only;
        self
    }

    /// Reads the configuration and opens the database.
    ///
    /// The configuration's price overrides and privacy form, when it sets them, become the
    /// database's (re-pricing or rewriting stored records only when they change); when it
    /// does not, the database keeps the ones it remembers, so every front-end reports the
    /// same costs.
    pub fn open(self) -> Result<Scopeon> {
        let env = self.env.unwrap_or_else(Env::from_process);
        let (config, config_path) = match self.config {
            ConfigSource::User => (
                Config::load(None, &env)?,
                env.default_config_path()
                    .unwrap_or_else(|| Utf8PathBuf::from("config.toml")),
            ),
            ConfigSource::File(path) => (Config::load(Some(&path), &env)?, path),
            ConfigSource::Given(config) => (*config, Utf8PathBuf::from("config.toml")),
            ConfigSource::Nothing => (Config::default(), Utf8PathBuf::from("config.toml")),
        };
        let mut alerting = Alerting::new(&config.alerts, &env, &config_path)?;
        alerting.deliver = !self.queue_alerts_only;
        let path = match self.db {
            DbLocation::Default => Some(env.default_db_path().ok_or(Error::NoHome)?),
            DbLocation::File(path) => Some(path),
            DbLocation::Memory => None,
        };
        let mut store = Store::open_configured(path.as_deref(), config.pricing.clone())?;
        if let Some(mode) = config.privacy.project_paths {
            store.set_project_paths(mode)?;
        }
        Ok(Scopeon {
            store,
            env,
            config,
            providers: self.providers,
            demo: self.demo,
            alerting,
            alert_problems: Vec::new(),
        })
    }
}

/// An open Scopeon database with its configuration: scan, report, and every document.
///
/// Open the user's with [`Scopeon::open`], anything else with [`Scopeon::builder`].
#[derive(Debug)]
pub struct Scopeon {
    store: Store,
    env: Env,
    config: Config,
    providers: Providers,
    demo: bool,
    alerting: Alerting,
    /// What went wrong evaluating or delivering alerts since the handle opened (never a
    /// reason to fail a scan).
    alert_problems: Vec<String>,
}

impl Scopeon {
    /// Opens the user's database with the user's configuration, as the `scopeon` command does.
    pub fn open() -> Result<Scopeon> {
        ScopeonBuilder::new().open()
    }

    /// A builder to choose the environment, database and configuration.
    pub fn builder() -> ScopeonBuilder {
        ScopeonBuilder::new()
    }

    /// The database file's path (`:memory:` for an in-memory database).
    pub fn db_path(&self) -> &Utf8Path {
        self.store.path()
    }

    /// The environment the handle was opened with.
    pub(crate) fn env(&self) -> &Env {
        &self.env
    }

    /// The store's change marks (see `Store::change_marks`), for a follower.
    pub(crate) fn change_marks(&self) -> Result<(i64, u64)> {
        self.store.change_marks()
    }

    /// The price table records are priced with: the built-in table with the database's
    /// overrides.
    pub fn price_table(&self) -> &PriceTable {
        self.store.pricing()
    }

    /// Reads what is new in the agents' logs into the database (see [`ScanRequest`]).
    pub fn scan(&mut self, request: &ScanRequest) -> Result<ScanSummary> {
        self.scan_with_progress(request, &mut |_| {})
    }

    /// [`Scopeon::scan`], calling `progress` as files are read (for a progress bar).
    pub fn scan_with_progress(
        &mut self,
        request: &ScanRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ScanSummary> {
        let options = self.scan_options(request)?;
        let summary = crate::scan::scan(&mut self.store, &self.env, &options, progress)?;
        self.after_ingest();
        Ok(summary)
    }

    /// After every ingest, whichever front-end asked for it: the alerts due now are recorded
    /// and queued, then delivered within the deadline unless this handle only queues
    /// (docs/alerts.md). A failure here is remembered, never returned: alerts do not fail
    /// the scan that found them.
    fn after_ingest(&mut self) {
        if !self.alerting.active() {
            return;
        }
        let outcome = now(&self.env).and_then(|now| {
            let due = self.alerting.due(self, now)?;
            self.alerting.queue(&mut self.store, &due, now)?;
            if self.alerting.deliver {
                self.alerting.deliver(&mut self.store, now)?;
            }
            Ok(())
        });
        if let Err(e) = outcome {
            self.alert_problems.push(format!("alerts: {e}"));
        }
    }

    /// Delivers the queued alerts that are due, within the `[alerts]` deadline; returns how
    /// many were delivered. A scan does this on its own unless the handle only queues.
    pub fn deliver_alerts(&mut self) -> Result<usize> {
        let now = now(&self.env)?;
        self.alerting.deliver(&mut self.store, now)
    }

    /// Warnings about the `[alerts]` configuration (credentials in a webhook URL, cleartext
    /// http to another machine, an unset variable), URLs shown as scheme and host only.
    pub fn config_warnings(&self) -> &[String] {
        self.alerting.warnings()
    }

    /// What went wrong evaluating or delivering alerts during this handle's scans (the scans
    /// themselves succeeded).
    pub fn alert_problems(&self) -> &[String] {
        &self.alert_problems
    }

    /// The webhooks with their state and last delivery, and the latest alerts that fired with
    /// each delivery (`scopeon.alerts.v1`, docs/alerts.md).
    pub fn alerts_document(&self) -> Result<Value> {
        self.alerting.document(&self.store, now(&self.env)?)
    }

    /// Sends a labelled test event to every webhook, or to the one at position `only`, and
    /// says how each answered (`scopeon.alerts_test.v1`).
    pub fn test_alerts(&mut self, only: Option<usize>) -> Result<Value> {
        let now = now(&self.env)?;
        if let Some(n) = only
            && n >= self.config.alerts.webhooks.len()
        {
            return Err(Error::InvalidQuery(format!(
                "there is no webhook {n}: config.toml has {} [[alerts.webhooks]] (numbered from 0)",
                self.config.alerts.webhooks.len()
            )));
        }
        let results = self.alerting.test(&mut self.store, only, now)?;
        Ok(json!({
            "schema": "scopeon.alerts_test.v1",
            "generated_at": now.to_string(),
            "results": results,
        }))
    }

    /// The scan options a request asks for, on top of the configuration's: `providers`
    /// narrows the enabled ones (never enabling one the configuration disables), `roots`
    /// replace a provider's roots.
    pub(crate) fn scan_options(&self, request: &ScanRequest) -> Result<ScanOptions> {
        let mut options = ScanOptions::from_config(&self.config, &self.env)
            .registry(self.providers.clone())
            .rebuild(request.rebuild);
        if let Some(asked) = self.parse_providers(&request.providers)? {
            options = options.only(asked);
        }
        for (id, roots) in &request.roots {
            let id = self.parse_provider(id)?;
            options = options.roots(id, roots.iter().map(|r| self.env.expand_home(r)));
        }
        if let Some(files) = &request.files {
            options = options.files(files.iter().map(Utf8PathBuf::from));
        }
        Ok(options)
    }

    /// Runs a report (see [`ReportRequest`]) over what is stored.
    pub fn report(&self, request: &ReportRequest) -> Result<ReportAnswer> {
        let generated_at = now(&self.env)?;
        let (query, warnings) = self.report_query(request, generated_at)?;
        let report = self.store.report(&query)?;
        Ok(ReportAnswer {
            query,
            report,
            generated_at,
            pricing_version: self.store.pricing().fingerprint(),
            demo: self.demo,
            warnings,
        })
    }

    /// Checks a report request without running it: `Ok` when [`Scopeon::report`] would accept
    /// its values, else the same error.
    pub fn check_report(&self, request: &ReportRequest) -> Result<()> {
        self.report_query(request, now(&self.env)?).map(|_| ())
    }

    /// The query a report request asks for, windows resolved against `now` in its zone, and
    /// the warnings to pass on.
    fn report_query(
        &self,
        request: &ReportRequest,
        now: Timestamp,
    ) -> Result<(ReportQuery, Vec<String>)> {
        let zone = self.zone(request.tz.as_deref())?;
        let bound = |spec: &Option<String>, which| {
            spec.as_deref()
                .map(|s| parse_bound(s, which, &zone, now))
                .transpose()
        };
        let since = bound(&request.since, Bound::Since)?;
        let until = bound(&request.until, Bound::Until)?;
        let group_by = GroupKey::parse_list(&request.by)?;
        let cost_mode = match request.cost.as_deref() {
            None => CostMode::Calculated,
            Some(s) => CostMode::parse(s).ok_or_else(|| {
                Error::InvalidQuery(format!(
                    "unknown cost mode {s:?}; use calculated, reported or auto"
                ))
            })?,
        };
        let warnings = zone.warning.iter().cloned().collect();
        let query = ReportQuery {
            group_by,
            since_ms: since.map(|t| t.as_millisecond()),
            until_ms: until.map(|t| t.as_millisecond()),
            zone,
            providers: self
                .parse_providers(&request.providers)?
                .unwrap_or_default(),
            projects: request.projects.clone(),
            models: request.models.clone(),
            sessions: request.sessions.clone(),
            cost_mode,
        };
        query.validate()?;
        Ok((query, warnings))
    }

    /// A time zone by IANA name, else the environment's (`$TZ`, `/etc/localtime`, UTC with a
    /// warning).
    fn zone(&self, name: Option<&str>) -> Result<Zone> {
        Zone::resolve(name, &self.env)
    }

    /// Every provider: whether it is enabled, where it looks, what it found, what is stored
    /// (`scopeon.providers.v1`).
    pub fn providers_document(&self) -> Result<Value> {
        let options =
            ScanOptions::from_config(&self.config, &self.env).registry(self.providers.clone());
        crate::scan::providers_document(&self.store, &self.env, &options)
    }

    /// How a model id as logged resolves in the price table and its rates now
    /// (`scopeon.price.v1`); an error when the table has no price for it.
    pub fn price_document(&self, model: &str) -> Result<Value> {
        let table = self.store.pricing();
        price_document(table, model, now(&self.env)?).ok_or_else(|| Error::UnknownModel {
            model: model.to_owned(),
            pricing_version: table.fingerprint(),
        })
    }

    /// Every model of the price table with its rates now (`scopeon.price_table.v1`).
    pub fn price_table_document(&self) -> Result<Value> {
        let table = self.store.pricing();
        let at = now(&self.env)?.as_millisecond();
        let models: Vec<Value> = table
            .canonical_ids()
            .filter_map(|id| {
                let r = table.resolve(id)?;
                Some(json!({
                    "model": id,
                    "rates": r.rates_at(at).to_json(),
                    "long_context_above": r.long_context_at(at).map(|t| t.above_tokens),
                    "context_window": table.context_window(id),
                }))
            })
            .collect();
        Ok(json!({
            "schema": "scopeon.price_table.v1",
            "unit": "USD per million tokens",
            "pricing_version": table.fingerprint(),
            "prices_checked": PRICES_CHECKED,
            "models": models,
        }))
    }

    /// Stored models that have no price, with their requests and tokens.
    pub fn unpriced_models(&self) -> Result<Vec<UnpricedModel>> {
        self.store.unpriced_models()
    }

    /// [`Scopeon::unpriced_models`] as the `scopeon.unpriced.v1` document.
    pub fn unpriced_document(&self) -> Result<Value> {
        Ok(json!({ "schema": "scopeon.unpriced.v1", "models": self.unpriced_models()? }))
    }

    /// Copies the database to `dest` (a consistent snapshot, private to the user).
    pub fn backup(&self, dest: &Utf8Path) -> Result<BackupInfo> {
        self.store.backup_to(dest)
    }

    /// Forgets the stored records a request names (see [`ForgetRequest`]), so that no later
    /// scan or rebuild imports them again.
    pub fn forget(&mut self, request: &ForgetRequest) -> Result<ForgetAnswer> {
        let before = match &request.before {
            Some(spec) => {
                let zone = self.zone(request.tz.as_deref())?;
                Some(parse_bound(spec, Bound::Since, &zone, now(&self.env)?)?)
            }
            None => None,
        };
        let filter = ForgetFilter {
            providers: self
                .parse_providers(&request.providers)?
                .unwrap_or_default(),
            projects: request.projects.clone(),
            before_ms: before.map(|t| t.as_millisecond()),
        };
        if filter.is_empty() {
            return Err(Error::InvalidQuery(
                "forgetting needs at least one of providers, projects or before; to forget everything, delete the database file".into(),
            ));
        }
        let stats = self.store.forget(&filter)?;
        Ok(ForgetAnswer {
            stats,
            filter,
            before,
        })
    }

    /// A provider id, built-in or registered; the error lists the known ones.
    fn parse_provider(&self, s: &str) -> Result<ProviderId> {
        self.providers.parse(s.trim()).ok_or_else(|| {
            let known: Vec<&str> = self.providers.ids().map(|p| p.as_str()).collect();
            Error::InvalidQuery(format!(
                "unknown provider {s:?}; known providers: {}",
                known.join(", ")
            ))
        })
    }

    /// Provider ids, `None` when the list is empty (no filter).
    pub(crate) fn parse_providers(&self, ids: &[String]) -> Result<Option<Vec<ProviderId>>> {
        if ids.is_empty() {
            return Ok(None);
        }
        ids.iter()
            .map(|s| self.parse_provider(s))
            .collect::<Result<_>>()
            .map(Some)
    }

    /// Five-hour blocks per provider, official where the agent reported the window, else
    /// estimated from the requests, with the longer official windows (see [`BlocksRequest`]
    /// and docs/live.md).
    pub fn blocks(&self, request: &BlocksRequest) -> Result<BlocksAnswer> {
        let resolved = self.blocks_resolved(request)?;
        crate::live::blocks_answer::answer(&self.store, request, &resolved)
    }

    /// Checks a blocks request without computing it: `Ok` when [`Scopeon::blocks`] would
    /// accept its values, else the same error.
    pub fn check_blocks(&self, request: &BlocksRequest) -> Result<()> {
        self.blocks_resolved(request)?;
        crate::live::blocks_answer::check(request)
    }

    /// A blocks request's providers, range and "now", resolved.
    fn blocks_resolved(
        &self,
        request: &BlocksRequest,
    ) -> Result<crate::live::blocks_answer::Resolved> {
        let now = match request.now {
            Some(t) => t,
            None => now(&self.env)?,
        };
        let zone = self.zone(request.tz.as_deref())?;
        let bound = |spec: &Option<String>, which| {
            spec.as_deref()
                .map(|s| parse_bound(s, which, &zone, now).map(|t| t.as_millisecond()))
                .transpose()
        };
        let resolved = crate::live::blocks_answer::Resolved {
            providers: self
                .parse_providers(&request.providers)?
                .unwrap_or_else(|| vec![ProviderId::ClaudeCode, ProviderId::Codex]),
            since_ms: bound(&request.since, Bound::Since)?,
            until_ms: bound(&request.until, Bound::Until)?,
            now,
        };
        Ok(resolved)
    }

    /// How full each active session's context is (see [`ContextRequest`] and docs/live.md).
    pub fn context(&self, request: &ContextRequest) -> Result<ContextAnswer> {
        let now = match request.now {
            Some(t) => t,
            None => now(&self.env)?,
        };
        let providers = self
            .parse_providers(&request.providers)?
            .unwrap_or_default();
        let ids: Vec<&str> = providers.iter().map(|p| p.as_str()).collect();
        crate::live::context::answer(&self.store, request, &ids, now)
    }

    /// Stores what an agent reported about its usage windows (Claude Code's statusline input,
    /// say), as [`Scopeon::scan`] does for the snapshots it finds in logs. Only the latest
    /// snapshot of each window is kept; storing the same ones again changes nothing
    /// (docs/live.md).
    pub fn record_rate_limits(&mut self, snapshots: &[RateLimitSnapshot]) -> Result<()> {
        self.store.record_rate_limits(snapshots)
    }

    /// All-time usage per provider and model (and project when asked) with the usage
    /// windows in force: the figures of `scopeon serve`'s `/metrics` and of `scopeon export
    /// otlp` (docs/teams.md). Computed by the report machinery, so the series add up to the
    /// all-time report's totals (cost: the calculated cost of priced records only). To serve
    /// counters over time, pass each snapshot through one
    /// [`MonotonicCounters`](crate::metrics::MonotonicCounters).
    pub fn metrics(&self, request: &MetricsRequest) -> Result<MetricsSnapshot> {
        crate::metrics::snapshot(&self.store, request, now(&self.env)?)
    }

    /// Each configured budget in its current calendar period: spend, limit, percent and the
    /// projected spend at the period's end (see [`BudgetRequest`] and docs/alerts.md).
    pub fn budget(&self, request: &BudgetRequest) -> Result<BudgetAnswer> {
        let now = now(&self.env)?;
        let zone = self.zone(request.tz.as_deref())?;
        let budgets =
            crate::alerts::budget::statuses(&self.store, &self.config.budget, &zone, now)?;
        Ok(BudgetAnswer {
            budgets,
            generated_at: now,
            timezone: zone.name,
        })
    }

    /// Recomputes every stored record's cost with the current prices (normally done on its
    /// own when the built-in table or the configured overrides change).
    pub fn reprice(&mut self) -> Result<()> {
        self.store.reprice()
    }
}

/// What `scopeon budget` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BudgetRequest {
    /// IANA zone of the calendar periods; default `$TZ`, `/etc/localtime`, else UTC (the
    /// report's zone).
    pub tz: Option<String>,
}

impl BudgetRequest {
    /// Budgets in the environment's zone.
    pub fn new() -> BudgetRequest {
        BudgetRequest::default()
    }

    /// Periods in this IANA zone.
    pub fn tz(mut self, zone: impl Into<String>) -> BudgetRequest {
        self.tz = Some(zone.into());
        self
    }
}

/// What a scan reads. The default reads every enabled provider's new lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanRequest {
    /// Only these provider ids (all enabled ones when empty); never enables a provider the
    /// configuration disables.
    pub providers: Vec<String>,
    /// Re-read every log from its start (stored records whose logs are gone are kept).
    pub rebuild: bool,
    /// Roots that replace a provider's (provider id → paths, `~/` expanded).
    pub roots: BTreeMap<String, Vec<String>>,
    /// Only these files, when set (see [`ScanRequest::files`]); `None` walks every root.
    pub files: Option<Vec<String>>,
}

impl ScanRequest {
    /// A scan of every enabled provider's new lines.
    pub fn new() -> ScanRequest {
        ScanRequest::default()
    }

    /// Scans only these providers (ids such as `claude_code`; comma lists are split).
    pub fn providers<S: AsRef<str>>(mut self, ids: impl IntoIterator<Item = S>) -> ScanRequest {
        self.providers = crate::comma_list::split_commas(ids);
        self
    }

    /// Re-reads every log from its start.
    pub fn rebuild(mut self, rebuild: bool) -> ScanRequest {
        self.rebuild = rebuild;
        self
    }

    /// Reads only these files (absolute paths), each one if it is a log under one of the
    /// selected providers' roots with no symlink from the root down, and nothing otherwise:
    /// no root is walked. Checkpointed like any scan, so a later full scan does not count
    /// them twice (docs/roots.md, "Named files"). An empty list reads nothing.
    pub fn files<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> ScanRequest {
        self.files = Some(paths.into_iter().map(Into::into).collect());
        self
    }

    /// Searches `paths` instead of the provider's configured or default roots.
    pub fn roots<S: Into<String>>(
        mut self,
        provider: impl Into<String>,
        paths: impl IntoIterator<Item = S>,
    ) -> ScanRequest {
        self.roots
            .insert(provider.into(), paths.into_iter().map(Into::into).collect());
        self
    }
}

/// What a report asks for, in the words of `scopeon report`'s flags. Values are checked when
/// the report runs: an unknown group key, provider, zone or cost mode, or a malformed time, is
/// an [`Error::InvalidQuery`] saying what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportRequest {
    /// First day or instant included: `YYYY-MM-DD`, `YYYYMMDD`, `Nd`, `Nw`, `Nh`, RFC 3339.
    pub since: Option<String>,
    /// Last day included (or instant excluded), in the same forms.
    pub until: Option<String>,
    /// Group keys in order: day, week, month, model, project, session, provider (empty:
    /// totals only). Default: day.
    pub by: Vec<String>,
    /// IANA zone of days and windows; default `$TZ`, `/etc/localtime`, else UTC.
    pub tz: Option<String>,
    /// Only these providers (all when empty).
    pub providers: Vec<String>,
    /// Only these projects, exactly (all when empty).
    pub projects: Vec<String>,
    /// Only these model ids, exactly (all when empty).
    pub models: Vec<String>,
    /// Only these sessions, by id as logged (all when empty).
    pub sessions: Vec<String>,
    /// `calculated` (default), `reported` or `auto`.
    pub cost: Option<String>,
}

impl Default for ReportRequest {
    fn default() -> ReportRequest {
        ReportRequest {
            since: None,
            until: None,
            by: vec!["day".to_owned()],
            tz: None,
            providers: Vec::new(),
            projects: Vec::new(),
            models: Vec::new(),
            sessions: Vec::new(),
            cost: None,
        }
    }
}

impl ReportRequest {
    /// All stored usage by day, in the environment's zone, calculated costs.
    pub fn new() -> ReportRequest {
        ReportRequest::default()
    }

    /// From this day or instant (`"7d"`, `"2026-11-20"`, `"12h"`, ...).
    pub fn since(mut self, spec: impl Into<String>) -> ReportRequest {
        self.since = Some(spec.into());
        self
    }

    /// Until this day (included) or instant.
    pub fn until(mut self, spec: impl Into<String>) -> ReportRequest {
        self.until = Some(spec.into());
        self
    }

    /// Groups by these keys in order (comma lists are split); none for totals only.
    pub fn by<S: AsRef<str>>(mut self, keys: impl IntoIterator<Item = S>) -> ReportRequest {
        self.by = crate::comma_list::split_commas(keys);
        self
    }

    /// Days and windows in this IANA zone.
    pub fn tz(mut self, zone: impl Into<String>) -> ReportRequest {
        self.tz = Some(zone.into());
        self
    }

    /// Only these providers (comma lists are split).
    pub fn providers<S: AsRef<str>>(mut self, ids: impl IntoIterator<Item = S>) -> ReportRequest {
        self.providers = crate::comma_list::split_commas(ids);
        self
    }

    /// Only these projects.
    pub fn projects<S: Into<String>>(
        mut self,
        projects: impl IntoIterator<Item = S>,
    ) -> ReportRequest {
        self.projects = projects.into_iter().map(Into::into).collect();
        self
    }

    /// Only these model ids.
    pub fn models<S: Into<String>>(mut self, models: impl IntoIterator<Item = S>) -> ReportRequest {
        self.models = models.into_iter().map(Into::into).collect();
        self
    }

    /// Only these sessions, by id as logged (a session's cost: `scopeon statusline`).
    pub fn sessions<S: Into<String>>(
        mut self,
        sessions: impl IntoIterator<Item = S>,
    ) -> ReportRequest {
        self.sessions = sessions.into_iter().map(Into::into).collect();
        self
    }

    /// Which cost to show: `calculated`, `reported` or `auto`.
    pub fn cost(mut self, mode: impl Into<String>) -> ReportRequest {
        self.cost = Some(mode.into());
        self
    }
}

/// A report with what it answered: the resolved query, the rows and totals, and the metadata
/// of its `scopeon.report.v1` document.
#[derive(Debug, Clone)]
pub struct ReportAnswer {
    query: ReportQuery,
    report: Report,
    generated_at: Timestamp,
    pricing_version: String,
    demo: bool,
    warnings: Vec<String>,
}

impl ReportAnswer {
    /// The query as resolved: windows in UTC milliseconds, the zone, parsed keys and filters.
    pub fn query(&self) -> &ReportQuery {
        &self.query
    }

    /// The rows and totals.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// When the report was made ("now", `$SCOPEON_NOW` when set).
    pub fn generated_at(&self) -> Timestamp {
        self.generated_at
    }

    /// Whether the data is the bundled demo corpus.
    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// Warnings for the user (no time zone could be determined, so UTC was used).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The `scopeon.report.v1` document, with the statistics of the scan that preceded it
    /// (if any) in its run metadata and the warnings under `warnings` when there are any.
    pub fn to_document(&self, scan: Option<&ScanSummary>) -> Value {
        let mut run = run_metadata(
            self.generated_at,
            &self.pricing_version,
            self.demo,
            scan.map(ScanSummary::run_statistics),
        );
        if !self.warnings.is_empty() {
            run.insert("warnings".into(), json!(self.warnings));
        }
        self.report.to_document(&self.query, run)
    }
}

/// What to forget; at least one field must be set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForgetRequest {
    /// Records of these providers.
    pub providers: Vec<String>,
    /// Records of these projects (by the path as reports show it, or in full).
    pub projects: Vec<String>,
    /// Records before this day or instant: what `report --since` with it would not show.
    pub before: Option<String>,
    /// The zone `before` is read in (the environment's when `None`).
    pub tz: Option<String>,
}

impl ForgetRequest {
    /// Forgets nothing until a field is set.
    pub fn new() -> ForgetRequest {
        ForgetRequest::default()
    }

    /// Records of these providers (comma lists are split).
    pub fn providers<S: AsRef<str>>(mut self, ids: impl IntoIterator<Item = S>) -> ForgetRequest {
        self.providers = crate::comma_list::split_commas(ids);
        self
    }

    /// Records of these projects.
    pub fn projects<S: Into<String>>(
        mut self,
        projects: impl IntoIterator<Item = S>,
    ) -> ForgetRequest {
        self.projects = projects.into_iter().map(Into::into).collect();
        self
    }

    /// Records before this day or instant.
    pub fn before(mut self, spec: impl Into<String>) -> ForgetRequest {
        self.before = Some(spec.into());
        self
    }

    /// Reads `before` in this IANA zone.
    pub fn tz(mut self, zone: impl Into<String>) -> ForgetRequest {
        self.tz = Some(zone.into());
        self
    }
}

/// What [`Scopeon::forget`] did.
#[derive(Debug, Clone)]
pub struct ForgetAnswer {
    stats: ForgetStats,
    filter: ForgetFilter,
    before: Option<Timestamp>,
}

impl ForgetAnswer {
    /// How many records were forgotten and how many remain.
    pub fn stats(&self) -> &ForgetStats {
        &self.stats
    }

    /// The `scopeon.forget.v1` document.
    pub fn to_document(&self) -> Value {
        json!({
            "schema": "scopeon.forget.v1",
            "forgotten": self.stats.forgotten,
            "remaining": self.stats.remaining,
            "filter": {
                "providers": self.filter.providers,
                "projects": self.filter.projects,
                "before": self.before.map(|t| t.to_string()),
            },
        })
    }
}

impl BackupInfo {
    /// The `scopeon.backup.v1` document.
    pub fn to_document(&self) -> Value {
        json!({
            "schema": "scopeon.backup.v1",
            "path": self.path,
            "bytes": self.bytes,
            "records": self.records,
        })
    }
}

impl ScanSummary {
    /// The `scopeon.scan.v1` document: totals first, then each provider's statistics.
    pub fn to_document(&self) -> Value {
        let mut doc = Map::new();
        doc.insert("schema".into(), json!("scopeon.scan.v1"));
        doc.insert("files".into(), json!(self.files()));
        if let Ok(Value::Object(mut fields)) = serde_json::to_value(self) {
            doc.append(&mut fields);
        }
        Value::Object(doc)
    }

    /// The scan's statistics as a report's run metadata holds them (`scan` of
    /// `scopeon.report.v1`).
    pub fn run_statistics(&self) -> Value {
        let skipped: Map<String, Value> = self
            .skipped()
            .iter()
            .map(|(r, n)| (r.as_str().to_owned(), json!(n)))
            .collect();
        json!({
            "elapsed_ms": self.elapsed_ms,
            "files": self.files(),
            "files_read": self.providers.iter().map(|p| p.files_read).sum::<u64>(),
            "bytes_read": self.bytes_read(),
            "new_records": self.providers.iter().map(|p| p.new_records).sum::<u64>(),
            "skipped_lines": skipped,
        })
    }
}

#[cfg(test)]
mod tests_support {
    use super::*;

    /// A home with one Claude Code request of `claude-sonnet-4-5`: 100,000 input and 10,000
    /// output tokens (under the long-context threshold).
    pub(super) fn home() -> (tempfile::TempDir, Env) {
        let dir = tempfile::tempdir().unwrap();
        let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let project = home.join(".claude/projects/-home-dev-app");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(
            project.join("s1.jsonl"),
            concat!(
                r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"r1","timestamp":"2026-11-20T10:00:00Z","#,
                r#""message":{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":100000,"output_tokens":10000}}}"#,
                "\n"
            ),
        )
        .unwrap();
        let env = Env::isolated(home).with_var("TZ", Some("UTC"));
        (dir, env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::tests_support::home;

    /// The total cost in micro-USD, rounded.
    fn cost(scopeon: &Scopeon) -> i64 {
        let answer = scopeon
            .report(&ReportRequest::new().by::<&str>([]))
            .unwrap();
        (answer.report().totals.cost_usd().unwrap() * 1e6).round() as i64
    }

    fn generation(scopeon: &Scopeon) -> i64 {
        scopeon.store.generation().unwrap()
    }

    #[test]
    fn price_overrides_belong_to_the_database() {
        let (_dir, env) = home();
        let db = env.home().unwrap().join("s.db");
        let configured = Config::parse("[pricing.\"claude-sonnet-4-5\"]\ninput = 100\n").unwrap();
        let mut first = Scopeon::builder()
            .env(env.clone())
            .db(&db)
            .config(configured)
            .open()
            .unwrap();
        first.scan(&ScanRequest::new()).unwrap();
        // 100k input at the overridden 100 USD/Mtok, 10k output at the built-in 15 USD/Mtok.
        assert_eq!(cost(&first), 10_150_000);
        let fingerprint = first.price_table().fingerprint();
        let before = generation(&first);
        drop(first);

        // Without a configuration (an embedder, a binding), and with the user's empty home
        // configuration: the same costs, and nothing was re-priced.
        for builder in [Scopeon::builder().no_config(), Scopeon::builder()] {
            let again = builder.env(env.clone()).db(&db).open().unwrap();
            assert_eq!(cost(&again), 10_150_000);
            assert_eq!(again.price_table().fingerprint(), fingerprint);
            assert_eq!(generation(&again), before, "nothing re-priced");
        }

        // An empty [pricing] table clears the overrides: built-in prices (3 and 15 USD/Mtok).
        let cleared = Scopeon::builder()
            .env(env.clone())
            .db(&db)
            .config(Config::parse("[pricing]\n").unwrap())
            .open()
            .unwrap();
        assert_eq!(cost(&cleared), 450_000);
        assert!(generation(&cleared) > before);
        drop(cleared);
        let plain = Scopeon::builder()
            .env(env)
            .db(&db)
            .no_config()
            .open()
            .unwrap();
        assert_eq!(cost(&plain), 450_000);
        assert_eq!(
            plain.price_table().fingerprint(),
            PriceTable::builtin().fingerprint()
        );
    }

    #[test]
    fn reports_read_the_cli_words_and_refuse_bad_ones() {
        let (_dir, env) = home();
        let env = env.with_var(crate::window::NOW_VAR, Some("2026-11-21T12:00:00Z"));
        let mut s = Scopeon::builder().env(env).in_memory().open().unwrap();
        s.scan(&ScanRequest::new().providers(["claude_code"]))
            .unwrap();
        let answer = s
            .report(
                &ReportRequest::new()
                    .since("2d")
                    .by(["provider,day"])
                    .tz("Europe/Berlin"),
            )
            .unwrap();
        assert_eq!(answer.query().group_by, [GroupKey::Provider, GroupKey::Day]);
        assert_eq!(answer.report().totals.requests, 1);
        let doc = answer.to_document(None);
        assert_eq!(doc["timezone"], "Europe/Berlin");
        assert_eq!(doc["since"], "2026-11-19T23:00:00Z");
        assert_eq!(
            s.report(&ReportRequest::new().since("1d"))
                .unwrap()
                .report()
                .totals
                .requests,
            0
        );
        for bad in [
            ReportRequest::new().by(["hue"]),
            ReportRequest::new().providers(["cursorr"]),
            ReportRequest::new().tz("Mars/Olympus"),
            ReportRequest::new().cost("cheap"),
            ReportRequest::new()
                .since("28261101")
                .until("2026-11-30T23:59:59Z"),
        ] {
            let e = s.report(&bad).unwrap_err();
            assert!(matches!(e, Error::InvalidQuery(_)), "{bad:?}: {e}");
            assert!(s.check_report(&bad).is_err());
        }
        let e = s.scan(&ScanRequest::new().providers(["nope"])).unwrap_err();
        assert!(e.to_string().contains("known providers"), "{e}");
    }

    /// A second Claude Code transcript, session `s2`, beside the one of [`home`].
    fn second_transcript(env: &Env) -> Utf8PathBuf {
        let path = env
            .home()
            .unwrap()
            .join(".claude/projects/-home-dev-app/s2.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"type":"assistant","sessionId":"s2","cwd":"/home/dev/app","requestId":"r2","timestamp":"2026-11-20T11:00:00Z","#,
                r#""message":{"id":"m2","model":"claude-sonnet-4-5","usage":{"input_tokens":1000,"output_tokens":100}}}"#,
                "\n"
            ),
        )
        .unwrap();
        path
    }

    fn requests(s: &Scopeon, request: ReportRequest) -> u64 {
        s.report(&request.by::<&str>([]))
            .unwrap()
            .report()
            .totals
            .requests
    }

    #[test]
    fn a_scan_of_named_files_reads_them_alone_and_a_later_scan_does_not_count_them_again() {
        let (_dir, env) = home();
        let s2 = second_transcript(&env);
        let mut s = Scopeon::builder()
            .env(env.clone())
            .in_memory()
            .open()
            .unwrap();
        let named = ScanRequest::new()
            .providers(["claude_code"])
            .files([s2.as_str()]);
        let summary = s.scan(&named).unwrap();
        assert_eq!(summary.files(), 1);
        assert_eq!(requests(&s, ReportRequest::new()), 1);
        assert_eq!(requests(&s, ReportRequest::new().sessions(["s2"])), 1);
        assert_eq!(requests(&s, ReportRequest::new().sessions(["s1"])), 0);
        // Again: unchanged, nothing new. Then a full scan reads only the other transcript.
        s.scan(&named).unwrap();
        s.scan(&ScanRequest::new()).unwrap();
        assert_eq!(requests(&s, ReportRequest::new()), 2);
        assert_eq!(requests(&s, ReportRequest::new().sessions(["s1", "s2"])), 2);
        // A scan of named files never forgets the checkpoints of the others.
        s.scan(&ScanRequest::new().files([s2.as_str()])).unwrap();
        let again = s.scan(&ScanRequest::new()).unwrap();
        assert_eq!(again.providers[0].files_read, 0, "both still checkpointed");
    }

    #[test]
    fn a_named_file_last_read_by_another_parser_version_waits_for_a_full_scan() {
        let (_dir, env) = home();
        let s2 = second_transcript(&env);
        let db = env.home().unwrap().join("s.db");
        let open = || Scopeon::builder().env(env.clone()).db(&db).open().unwrap();
        let named = ScanRequest::new().files([s2.as_str()]);
        open().scan(&named).unwrap();
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute("UPDATE sources SET parser_version = 0", [])
            .unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(&s2).unwrap();
        std::io::Write::write_all(
            &mut f,
            concat!(
                r#"{"type":"assistant","sessionId":"s2","requestId":"r3","timestamp":"2026-11-20T12:00:00Z","#,
                r#""message":{"id":"m3","model":"claude-sonnet-4-5","usage":{"input_tokens":1,"output_tokens":1}}}"#,
                "\n"
            )
            .as_bytes(),
        )
        .unwrap();
        let mut s = open();
        assert_eq!(s.scan(&named).unwrap().providers[0].files_read, 0);
        assert_eq!(requests(&s, ReportRequest::new()), 1);
        // The full scan rebuilds the provider with this parser: both transcripts, all lines.
        s.scan(&ScanRequest::new()).unwrap();
        assert_eq!(requests(&s, ReportRequest::new()), 3);
    }

    #[cfg(unix)]
    #[test]
    fn named_files_outside_the_roots_below_a_symlink_or_not_regular_are_not_read() {
        let (dir, env) = home();
        let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let s2 = second_transcript(&env);
        let outside = home.join("elsewhere/projects/x/s3.jsonl");
        std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
        std::fs::copy(&s2, &outside).unwrap();
        let projects = home.join(".claude/projects");
        std::os::unix::fs::symlink(home.join("elsewhere/projects/x"), projects.join("linked"))
            .unwrap();
        std::os::unix::fs::symlink(&s2, projects.join("-home-dev-app/link.jsonl")).unwrap();
        let fifo = projects.join("-home-dev-app/fifo.jsonl");
        let c = std::ffi::CString::new(fifo.as_str()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let not_a_log = projects.join("-home-dev-app/notes.txt");
        std::fs::copy(&s2, &not_a_log).unwrap();
        let mut s = Scopeon::builder().env(env).in_memory().open().unwrap();
        for bad in [
            outside.to_string(),
            projects.join("linked/s3.jsonl").to_string(),
            projects.join("-home-dev-app/link.jsonl").to_string(),
            fifo.to_string(),
            not_a_log.to_string(),
            format!("{projects}/-home-dev-app/../-home-dev-app/s2.jsonl"),
            "relative/s2.jsonl".to_owned(),
            String::new(),
        ] {
            let summary = s.scan(&ScanRequest::new().files([bad.as_str()])).unwrap();
            assert_eq!(summary.files(), 0, "{bad}");
        }
        assert_eq!(requests(&s, ReportRequest::new()), 0);
        let none: [&str; 0] = [];
        assert_eq!(s.scan(&ScanRequest::new().files(none)).unwrap().files(), 0);
    }

    #[test]
    fn documents_come_from_the_handle() {
        let (_dir, env) = home();
        let mut s = Scopeon::builder().env(env).in_memory().open().unwrap();
        let scan = s.scan(&ScanRequest::new()).unwrap().to_document();
        assert_eq!(scan["schema"], "scopeon.scan.v1");
        assert_eq!(scan["files"], 1);
        assert_eq!(
            s.providers_document().unwrap()["schema"],
            "scopeon.providers.v1"
        );
        assert_eq!(
            s.price_document("claude-sonnet-4-5").unwrap()["schema"],
            "scopeon.price.v1"
        );
        assert!(matches!(
            s.price_document("no-such-model"),
            Err(Error::UnknownModel { .. })
        ));
        let table = s.price_table_document().unwrap();
        assert_eq!(table["schema"], "scopeon.price_table.v1");
        assert!(table["models"].as_array().unwrap().len() > 10);
        assert_eq!(s.unpriced_document().unwrap()["models"], json!([]));
        let forget = s
            .forget(&ForgetRequest::new().providers(["claude_code"]))
            .unwrap();
        assert_eq!(forget.to_document()["forgotten"], 1);
        assert!(s.forget(&ForgetRequest::new()).is_err());
    }
}

#[cfg(test)]
mod metrics_tests {
    use super::tests_support::home;
    use super::*;
    use crate::metrics::MetricsRequest;

    fn ms(rfc3339: &str) -> i64 {
        rfc3339.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn metrics_are_the_all_time_report_by_provider_and_model() {
        let (_dir, env) = home();
        let env = env.with_var("SCOPEON_NOW", Some("2026-11-20T11:00:00Z"));
        let mut scopeon = Scopeon::builder().env(env).in_memory().open().unwrap();
        scopeon.scan(&ScanRequest::new()).unwrap();
        let window = RateLimitSnapshot::new(
            ProviderId::ClaudeCode,
            "five_hour",
            300,
            42.0,
            ms("2026-11-20T12:00:00Z"),
            ms("2026-11-20T09:00:00Z"),
        )
        .unwrap();
        scopeon.record_rate_limits(&[window]).unwrap();

        let snapshot = scopeon.metrics(&MetricsRequest::new()).unwrap();
        let report = scopeon
            .report(&ReportRequest::new().by::<&str>([]))
            .unwrap();
        let totals = &report.report().totals;
        assert_eq!(snapshot.totals().total_tokens(), totals.total_tokens);
        assert_eq!(snapshot.totals().requests, totals.requests);
        assert_eq!(Some(snapshot.totals().cost_pusd), totals.cost_pusd);
        assert_eq!(snapshot.series.len(), 1);
        let series = &snapshot.series[0];
        assert_eq!(series.key.provider, "claude_code");
        assert_eq!(series.key.model.as_deref(), Some("claude-sonnet-4-5"));
        assert_eq!(series.key.project, None);
        assert_eq!(
            snapshot.earliest_request_ms,
            Some(ms("2026-11-20T10:00:00Z"))
        );
        assert_eq!(snapshot.rate_limits.len(), 1);
        assert_eq!(snapshot.rate_limits[0].window, "five_hour");
        assert!((snapshot.rate_limits[0].used_ratio - 0.42).abs() < 1e-12);

        let by_project = scopeon
            .metrics(&MetricsRequest::new().projects(true))
            .unwrap();
        assert!(by_project.series[0].key.project.is_some());
    }
}

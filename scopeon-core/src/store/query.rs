//! Aggregate queries: totals grouped by day, week, month, model, project, session and provider.
//!
//! Aggregation happens in SQL. Local calendar keys are computed in SQL too: the query joins
//! records against a handful of rows describing the zone's UTC offsets over the queried range
//! ([`offset_spans`]), so a day in Europe/Berlin is exactly that, DST included, and no record is
//! ever loaded into memory to be bucketed.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use serde_json::{Map, json};

use super::Store;
use super::names::Dictionary;
use crate::error::{Error, Result};
use crate::record::ProviderId;
use crate::window::{Zone, offset_spans};

/// A dimension a report can be grouped by (`--by`, docs/cli.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum GroupKey {
    /// Local calendar day, `YYYY-MM-DD`.
    Day,
    /// ISO week of the local day, `YYYY-Www`.
    Week,
    /// Local calendar month, `YYYY-MM`.
    Month,
    /// Model id as logged (null when unknown).
    Model,
    /// Project (the agent's working directory).
    Project,
    /// Session id.
    Session,
    /// Provider id.
    Provider,
}

impl GroupKey {
    /// Every key, in documentation order.
    pub const ALL: &'static [GroupKey] = &[
        GroupKey::Day,
        GroupKey::Week,
        GroupKey::Month,
        GroupKey::Model,
        GroupKey::Project,
        GroupKey::Session,
        GroupKey::Provider,
    ];

    /// The key's name in `--by` and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKey::Day => "day",
            GroupKey::Week => "week",
            GroupKey::Month => "month",
            GroupKey::Model => "model",
            GroupKey::Project => "project",
            GroupKey::Session => "session",
            GroupKey::Provider => "provider",
        }
    }

    /// Parses a key name.
    pub fn parse(s: &str) -> Option<GroupKey> {
        GroupKey::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// Parses grouping keys as `--by` takes them: names, each possibly a comma list; empty
    /// entries are ignored (`--by ""` asks for totals alone) and repeats dropped.
    pub fn parse_list<S: AsRef<str>>(keys: &[S]) -> Result<Vec<GroupKey>> {
        let mut out = Vec::new();
        for key in keys.iter().flat_map(|k| k.as_ref().split(',')) {
            let key = key.trim();
            if key.is_empty() {
                continue;
            }
            let k = GroupKey::parse(key).ok_or_else(|| {
                Error::InvalidQuery(format!(
                    "unknown grouping key {key:?}; use day, week, month, model, project, session or provider"
                ))
            })?;
            if !out.contains(&k) {
                out.push(k);
            }
        }
        Ok(out)
    }

    fn is_calendar(self) -> bool {
        matches!(self, GroupKey::Day | GroupKey::Week | GroupKey::Month)
    }

    /// The SQL expression of a non-calendar key (calendar keys are labelled in Rust).
    /// The dictionary a plain key's values are names of (records hold their ids);
    /// `None` for the calendar keys.
    fn dictionary(self) -> Option<Dictionary> {
        match self {
            GroupKey::Day | GroupKey::Week | GroupKey::Month => None,
            GroupKey::Model => Some(Dictionary::Model),
            GroupKey::Project => Some(Dictionary::Project),
            GroupKey::Session => Some(Dictionary::Session),
            GroupKey::Provider => Some(Dictionary::Provider),
        }
    }
}

impl fmt::Display for GroupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which cost a report shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CostMode {
    /// Computed from tokens with the price table (the default).
    #[default]
    Calculated,
    /// The cost the agent itself logged, where it did.
    Reported,
    /// The agent's cost where logged, else the calculated one.
    Auto,
}

impl CostMode {
    /// The mode's name in `--cost` and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CostMode::Calculated => "calculated",
            CostMode::Reported => "reported",
            CostMode::Auto => "auto",
        }
    }

    /// Parses a mode name.
    pub fn parse(s: &str) -> Option<CostMode> {
        [CostMode::Calculated, CostMode::Reported, CostMode::Auto]
            .into_iter()
            .find(|m| m.as_str() == s)
    }

    fn sql(self) -> &'static str {
        match self {
            CostMode::Calculated => "r.cost_pusd",
            CostMode::Reported => "r.reported_cost_pusd",
            CostMode::Auto => "coalesce(r.reported_cost_pusd, r.cost_pusd)",
        }
    }
}

/// What to report: grouping, window and filters.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReportQuery {
    /// Keys to group by, in output order; empty for totals only.
    pub group_by: Vec<GroupKey>,
    /// First instant included (UTC milliseconds).
    pub since_ms: Option<i64>,
    /// First instant excluded (UTC milliseconds).
    pub until_ms: Option<i64>,
    /// Zone of the calendar keys.
    pub zone: Zone,
    /// Only these providers (all when empty).
    pub providers: Vec<ProviderId>,
    /// Only these projects, exactly (all when empty).
    pub projects: Vec<String>,
    /// Only these model ids, exactly (all when empty).
    pub models: Vec<String>,
    /// Only these sessions, by id as logged (all when empty).
    pub sessions: Vec<String>,
    /// Which cost to show.
    pub cost_mode: CostMode,
}

impl ReportQuery {
    /// Everything stored, by day, in UTC, with calculated costs; adjust with the setters.
    pub fn new() -> ReportQuery {
        ReportQuery::default()
    }

    /// Groups by these keys, in output order (none: totals only).
    pub fn group_by(mut self, keys: impl Into<Vec<GroupKey>>) -> ReportQuery {
        self.group_by = keys.into();
        self
    }

    /// First instant included, UTC milliseconds.
    pub fn since_ms(mut self, ms: Option<i64>) -> ReportQuery {
        self.since_ms = ms;
        self
    }

    /// First instant excluded, UTC milliseconds.
    pub fn until_ms(mut self, ms: Option<i64>) -> ReportQuery {
        self.until_ms = ms;
        self
    }

    /// The zone of day, week and month keys.
    pub fn zone(mut self, zone: Zone) -> ReportQuery {
        self.zone = zone;
        self
    }

    /// Only these providers (all when empty).
    pub fn providers(mut self, providers: impl Into<Vec<ProviderId>>) -> ReportQuery {
        self.providers = providers.into();
        self
    }

    /// Only these projects, exactly (all when empty).
    pub fn projects(mut self, projects: impl Into<Vec<String>>) -> ReportQuery {
        self.projects = projects.into();
        self
    }

    /// Only these model ids, exactly (all when empty).
    pub fn models(mut self, models: impl Into<Vec<String>>) -> ReportQuery {
        self.models = models.into();
        self
    }

    /// Only these sessions, by id as logged (all when empty).
    pub fn sessions(mut self, sessions: impl Into<Vec<String>>) -> ReportQuery {
        self.sessions = sessions.into();
        self
    }

    /// Which cost to show.
    pub fn cost_mode(mut self, mode: CostMode) -> ReportQuery {
        self.cost_mode = mode;
        self
    }
}

impl Default for ReportQuery {
    fn default() -> ReportQuery {
        ReportQuery {
            group_by: vec![GroupKey::Day],
            since_ms: None,
            until_ms: None,
            zone: Zone::utc(),
            providers: Vec::new(),
            projects: Vec::new(),
            models: Vec::new(),
            sessions: Vec::new(),
            cost_mode: CostMode::Calculated,
        }
    }
}

/// Summed fields of a group (docs/documents.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Distinct deduplicated requests.
    pub requests: u64,
    /// Fresh input tokens.
    pub input_tokens: u64,
    /// Cache write tokens.
    pub cache_creation_tokens: u64,
    /// Cache read tokens.
    pub cache_read_tokens: u64,
    /// Output tokens (reasoning included).
    pub output_tokens: u64,
    /// Reasoning tokens (a subset of output).
    pub reasoning_tokens: u64,
    /// input + cache creation + cache read + output.
    pub total_tokens: u64,
    /// Exact cost of the priced records in picodollars; `None` when no record had a price.
    pub cost_pusd: Option<i128>,
    /// Total tokens of records without a price.
    pub unpriced_tokens: u64,
    /// GitHub Copilot premium requests, in thousandths (0 where none are logged).
    pub premium_requests_milli: u64,
}

impl Totals {
    fn add(&mut self, o: &Totals) {
        self.requests += o.requests;
        self.input_tokens += o.input_tokens;
        self.cache_creation_tokens += o.cache_creation_tokens;
        self.cache_read_tokens += o.cache_read_tokens;
        self.output_tokens += o.output_tokens;
        self.reasoning_tokens += o.reasoning_tokens;
        self.total_tokens += o.total_tokens;
        self.unpriced_tokens += o.unpriced_tokens;
        self.premium_requests_milli += o.premium_requests_milli;
        self.cost_pusd = match (self.cost_pusd, o.cost_pusd) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
    }

    /// The cost in US dollars, as a JSON-ready float (exact up to f64 precision).
    pub fn cost_usd(&self) -> Option<f64> {
        self.cost_pusd.map(|p| p as f64 / 1e12)
    }

    /// The fields as a JSON object (docs/documents.md), with `premium_requests` when `premium`
    /// (the report holds Copilot premium requests; otherwise the field is left out, so
    /// documents without them are exactly as before it existed).
    pub fn to_json(&self, premium: bool) -> serde_json::Value {
        let mut fields = json!({
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "cache_creation_tokens": self.cache_creation_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": self.cost_usd(),
            "unpriced_tokens": self.unpriced_tokens,
        });
        if premium {
            fields["premium_requests"] = json!(self.premium_requests());
        }
        fields
    }

    /// GitHub Copilot premium requests (fractional: Copilot bills multiples such as 0.33).
    pub fn premium_requests(&self) -> f64 {
        self.premium_requests_milli as f64 / 1000.0
    }
}

/// One group of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    /// The group's key values, in `group_by` order (`None` for an unknown model or project).
    pub key: Vec<(GroupKey, Option<String>)>,
    /// The group's sums.
    pub totals: Totals,
}

/// A report: one row per group, sorted by key, and the grand totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The groups.
    pub rows: Vec<ReportRow>,
    /// Sums over every row.
    pub totals: Totals,
}

impl Report {
    /// The `scopeon.report.v1` document (docs/documents.md). `run` holds run metadata (scan
    /// statistics, timings, labels) placed at the top level, never inside rows or totals.
    pub fn to_document(
        &self,
        query: &ReportQuery,
        run: Map<String, serde_json::Value>,
    ) -> serde_json::Value {
        let instant = |ms: Option<i64>| {
            ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                .map(|t| t.to_string())
        };
        let premium = self.totals.premium_requests_milli > 0;
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|row| {
                let key: Map<String, serde_json::Value> = row
                    .key
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), json!(v)))
                    .collect();
                let mut obj = Map::new();
                obj.insert("key".into(), key.into());
                if let serde_json::Value::Object(fields) = row.totals.to_json(premium) {
                    obj.extend(fields);
                }
                obj.into()
            })
            .collect();
        let mut doc = Map::new();
        doc.insert("schema".into(), json!("scopeon.report.v1"));
        doc.insert(
            "group_by".into(),
            json!(
                query
                    .group_by
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
            ),
        );
        doc.insert("timezone".into(), json!(query.zone.name));
        doc.insert("since".into(), json!(instant(query.since_ms)));
        doc.insert("until".into(), json!(instant(query.until_ms)));
        doc.insert("cost_mode".into(), json!(query.cost_mode.as_str()));
        for (k, v) in run {
            doc.entry(k).or_insert(v);
        }
        doc.insert("rows".into(), rows.into());
        doc.insert("totals".into(), self.totals.to_json(premium));
        doc.into()
    }
}

pub use crate::pricing::COST_BASIS;

/// The run metadata every `scopeon.report.v1` document carries at its top level, beside (never
/// inside) its rows and totals: when and by what it was made, the price table's fingerprint
/// (its version, plus a hash of the user's overrides when there are any), whether it is the
/// demo, and the statistics of the scan that preceded it (or null).
pub fn run_metadata(
    generated_at: jiff::Timestamp,
    pricing_version: &str,
    demo: bool,
    scan: Option<serde_json::Value>,
) -> Map<String, serde_json::Value> {
    let mut run = Map::new();
    run.insert("generated_at".into(), json!(generated_at.to_string()));
    run.insert("scopeon_version".into(), json!(env!("CARGO_PKG_VERSION")));
    run.insert("pricing_version".into(), json!(pricing_version));
    run.insert("cost_basis".into(), json!(COST_BASIS));
    run.insert("demo".into(), json!(demo));
    run.insert("scan".into(), scan.unwrap_or(serde_json::Value::Null));
    run
}

impl Store {
    /// Runs a report query.
    pub fn report(&self, q: &ReportQuery) -> Result<Report> {
        q.validate()?;
        // Results are cached by query and data generation: a repeated report over unchanged
        // data (the common warm case) costs one lookup. The cache is best effort; any
        // failure to use it falls back to the computation.
        let key = cache_key(q, &self.pricing().fingerprint(), self.project_paths);
        let generation = self.generation().map_err(|e| self.db_err(e))?;
        if let Some(hit) = self.cached_report(&key, generation) {
            return Ok(hit);
        }
        let report = self.compute_report(q)?;
        self.cache_report(&key, generation, &report);
        Ok(report)
    }

    /// The data generation: bumped by every commit that changes records.
    pub(crate) fn generation(&self) -> rusqlite::Result<i64> {
        self.conn
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map(|g| g.unwrap_or(0))
    }

    fn cached_report(&self, key: &str, generation: i64) -> Option<Report> {
        self.cached_result(key, generation)
    }

    fn cache_report(&self, key: &str, generation: i64, report: &Report) {
        self.cache_result(key, generation, report);
    }

    /// A result cached under `key` for this data generation (`report_cache`), if there is
    /// one that still reads as a `T`.
    pub(crate) fn cached_result<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        generation: i64,
    ) -> Option<T> {
        let json: String = self
            .conn
            .query_row(
                "SELECT result FROM report_cache WHERE query = ?1 AND generation = ?2",
                (key, generation),
                |r| r.get(0),
            )
            .ok()?;
        serde_json::from_str(&json).ok()
    }

    /// Caches a result under `key` for this data generation, keeping the 32 latest keys.
    pub(crate) fn cache_result<T: Serialize>(&self, key: &str, generation: i64, result: &T) {
        let Ok(json) = serde_json::to_string(result) else {
            return;
        };
        // Ignored on failure (a read-only or busy database): the cache only saves time, so it
        // never waits for another writer's lock either.
        let _ = self.conn.busy_timeout(std::time::Duration::ZERO);
        let _ = self.conn.execute_batch("SAVEPOINT scopeon_cache");
        let stored = self
            .conn
            .execute(
                "INSERT INTO report_cache (query, generation, result, stored_ms)
                 VALUES (?1, ?2, ?3, CAST(unixepoch('subsec') * 1000 AS INTEGER))
                 ON CONFLICT (query) DO UPDATE SET generation = excluded.generation,
                     result = excluded.result, stored_ms = excluded.stored_ms",
                (key, generation, json),
            )
            .and_then(|_| {
                self.conn.execute(
                    "DELETE FROM report_cache WHERE query NOT IN
                     (SELECT query FROM report_cache ORDER BY stored_ms DESC LIMIT 32)",
                    [],
                )
            });
        let end = if stored.is_ok() {
            "RELEASE scopeon_cache"
        } else {
            "ROLLBACK TO scopeon_cache; RELEASE scopeon_cache"
        };
        let _ = self.conn.execute_batch(end);
        let _ = self.conn.busy_timeout(super::BUSY_TIMEOUT);
    }

    /// Runs a report query against the records, without the cache.
    ///
    /// SQL groups by the local day number (when a calendar key is asked for) and the other
    /// keys; the few resulting rows are then labelled (day, ISO week, month) and merged here,
    /// which is much cheaper than formatting a date string for every record in SQL.
    fn compute_report(&self, q: &ReportQuery) -> Result<Report> {
        // One read transaction: the bounds and the sums must see the same records, whatever
        // another process commits in between.
        let read = if self.conn.is_autocommit() {
            Some(
                self.conn
                    .unchecked_transaction()
                    .map_err(|e| self.db_err(e))?,
            )
        } else {
            None
        };
        let report = self.compute_report_in(q)?;
        if let Some(read) = read {
            read.commit().map_err(|e| self.db_err(e))?;
        }
        Ok(report)
    }

    fn compute_report_in(&self, q: &ReportQuery) -> Result<Report> {
        let (filter_sql, filter_args) = filters(q, self.project_paths);
        let err = |e| self.db_err(e);
        let calendar = q.group_by.iter().any(|k| k.is_calendar());
        let mut offset = Offset::Constant(0);
        if calendar {
            // Bounds of the window's records, from the time index alone (other filters would
            // force a scan; the offset spans only need to cover the range): one look-up at
            // each end of each provider's part of `records_provider_time`.
            let first = "SELECT ts_ms FROM records WHERE provider = p.id AND ts_ms >= ?1
                AND ts_ms < ?2 ORDER BY ts_ms";
            let bounds: (Option<i64>, Option<i64>) = self
                .conn
                .query_row(
                    &format!(
                        "SELECT min(lo), max(hi) FROM (SELECT ({first} LIMIT 1) AS lo,
                             ({first} DESC LIMIT 1) AS hi FROM providers p)"
                    ),
                    (
                        q.since_ms.unwrap_or(i64::MIN),
                        q.until_ms.unwrap_or(i64::MAX),
                    ),
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(err)?;
            let (Some(lo), Some(hi)) = bounds else {
                return Ok(Report {
                    rows: Vec::new(),
                    totals: Totals::default(),
                });
            };
            offset = self.offset_expr(q, lo, hi.saturating_add(1)).map_err(err)?;
        }
        let plain_keys: Vec<GroupKey> = q
            .group_by
            .iter()
            .copied()
            .filter(|k| !k.is_calendar())
            .collect();
        // Groups are of ids (and day numbers); each group's names are looked up once, as it
        // is output.
        let mut columns: Vec<String> = Vec::new();
        let mut group_columns: Vec<String> = Vec::new();
        let offset_sql = offset.sql();
        // Floor division, so instants before 1970 land on the right day too.
        let day_column = format!(
            "((r.ts_ms + {offset_sql}) - (((r.ts_ms + {offset_sql}) % 86400000) + 86400000) % 86400000) / 86400000"
        );
        if calendar {
            columns.push(day_column);
            group_columns.push("1".to_owned());
        }
        for dict in plain_keys.iter().filter_map(|k| k.dictionary()) {
            let id = format!("r.{}", dict.column());
            columns.push(dict.name_sql(&id));
            group_columns.push(id);
        }
        let n = columns.len();
        let cost = q.cost_mode.sql();
        let mut sql = String::from("SELECT ");
        for c in &columns {
            sql.push_str(c);
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "sum(r.requests), sum(r.input), sum(r.cache_creation), sum(r.cache_read), sum(r.output),
             sum(r.reasoning), sum(r.total), sum({cost} / 1000000), sum({cost} % 1000000),
             sum(CASE WHEN {cost} IS NULL THEN r.total ELSE 0 END), sum(r.premium_milli)
             FROM records r"
        ));
        if matches!(offset, Offset::Table) {
            sql.push_str(
                " JOIN temp.scopeon_offsets s ON r.ts_ms >= s.start_ms AND r.ts_ms < s.end_ms",
            );
        }
        sql.push_str(" WHERE ");
        sql.push_str(&filter_sql);
        if n > 0 {
            sql.push_str(&format!(" GROUP BY {}", group_columns.join(", ")));
        }
        let mut st = self.conn.prepare(&sql).map_err(err)?;
        let mut labels = CalendarLabels::default();
        let mut groups: BTreeMap<Vec<Option<String>>, Totals> = BTreeMap::new();
        let mut rows = st
            .query(rusqlite::params_from_iter(filter_args.iter()))
            .map_err(err)?;
        while let Some(r) = rows.next().map_err(err)? {
            let day_number: Option<i64> = if calendar {
                r.get(0).map_err(err)?
            } else {
                None
            };
            let mut plain = plain_keys
                .iter()
                .enumerate()
                .map(|(i, _)| r.get::<_, Option<String>>(i + usize::from(calendar)));
            let mut key = Vec::with_capacity(q.group_by.len());
            for k in &q.group_by {
                key.push(match k {
                    GroupKey::Day | GroupKey::Week | GroupKey::Month => {
                        day_number.map(|d| labels.label(*k, d))
                    }
                    _ => plain.next().transpose().map_err(err)?.flatten(),
                });
            }
            let int = |i: usize| -> rusqlite::Result<u64> {
                Ok(r.get::<_, Option<i64>>(n + i)?.unwrap_or(0).max(0) as u64)
            };
            let hi: Option<i64> = r.get(n + 7).map_err(err)?;
            let lo: Option<i64> = r.get(n + 8).map_err(err)?;
            let totals = Totals {
                requests: int(0).map_err(err)?,
                input_tokens: int(1).map_err(err)?,
                cache_creation_tokens: int(2).map_err(err)?,
                cache_read_tokens: int(3).map_err(err)?,
                output_tokens: int(4).map_err(err)?,
                reasoning_tokens: int(5).map_err(err)?,
                total_tokens: int(6).map_err(err)?,
                cost_pusd: hi.map(|hi| i128::from(hi) * 1_000_000 + i128::from(lo.unwrap_or(0))),
                unpriced_tokens: int(9).map_err(err)?,
                premium_requests_milli: int(10).map_err(err)?,
            };
            // An aggregate over no rows yields one all-null row; that is no group at all.
            if q.group_by.is_empty() && totals == Totals::default() {
                continue;
            }
            groups.entry(key).or_default().add(&totals);
        }
        let mut totals = Totals::default();
        for t in groups.values() {
            totals.add(t);
        }
        let rows = if q.group_by.is_empty() {
            Vec::new()
        } else {
            groups
                .into_iter()
                .map(|(values, totals)| ReportRow {
                    key: q.group_by.iter().copied().zip(values).collect(),
                    totals,
                })
                .collect()
        };
        Ok(Report { rows, totals })
    }

    /// How to compute a record's UTC offset in `[from_ms, to_ms)`: a constant when the zone
    /// has no transition there, a `CASE` over the transitions when they are few, else a join
    /// against a temporary table of offset spans.
    fn offset_expr(&self, q: &ReportQuery, from_ms: i64, to_ms: i64) -> rusqlite::Result<Offset> {
        let spans = offset_spans(&q.zone.tz, from_ms, to_ms);
        if let [(_, _, off)] = spans[..] {
            return Ok(Offset::Constant(off));
        }
        if spans.len() <= MAX_CASE_SPANS {
            return Ok(Offset::Case(spans));
        }
        self.conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS scopeon_offsets (
                 start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, offset_ms INTEGER NOT NULL);
             DELETE FROM temp.scopeon_offsets;",
        )?;
        let mut ins = self
            .conn
            .prepare_cached("INSERT INTO temp.scopeon_offsets VALUES (?1, ?2, ?3)")?;
        for (start, end, off) in spans {
            ins.execute((start, end, off))?;
        }
        Ok(Offset::Table)
    }
}

/// Most offset spans turned into a `CASE` expression (about two a year for DST zones).
const MAX_CASE_SPANS: usize = 256;

/// The SQL form of a record's UTC offset in milliseconds.
enum Offset {
    /// One offset for the whole range.
    Constant(i64),
    /// `(start, end, offset)` spans, tested in order.
    Case(Vec<(i64, i64, i64)>),
    /// Joined from `temp.scopeon_offsets` as `s.offset_ms`.
    Table,
}

impl Offset {
    /// The expression (only integers, computed here, are ever spliced into SQL).
    fn sql(&self) -> String {
        match self {
            Offset::Constant(off) => off.to_string(),
            Offset::Case(spans) => {
                let mut sql = String::from("(CASE");
                for (_, end, off) in &spans[..spans.len() - 1] {
                    sql.push_str(&format!(" WHEN r.ts_ms < {end} THEN {off}"));
                }
                let last = spans.last().map_or(0, |s| s.2);
                sql.push_str(&format!(" ELSE {last} END)"));
                sql
            }
            Offset::Table => "s.offset_ms".to_owned(),
        }
    }
}

/// The WHERE clause (over alias `r`) and its arguments. A project matches as given and in the
/// database's stored form, so `--project /home/dev/acme` finds it stored by basename or hash.
fn filters(q: &ReportQuery, stored_as: super::ProjectPaths) -> (String, Vec<Value>) {
    let mut sql = String::from("r.replay = 0");
    let mut args: Vec<Value> = Vec::new();
    if let Some(since) = q.since_ms {
        sql.push_str(" AND r.ts_ms >= ?");
        args.push(Value::Integer(since));
    }
    if let Some(until) = q.until_ms {
        sql.push_str(" AND r.ts_ms < ?");
        args.push(Value::Integer(until));
    }
    if q.providers.is_empty() && (q.since_ms.is_some() || q.until_ms.is_some()) {
        // Every provider, so a window is a range of each one's part of the
        // `(provider, ts_ms)` index rather than a scan of the table.
        sql.push_str(" AND r.provider IN (SELECT id FROM providers)");
    }
    let mut any_of = |dict: Dictionary, values: Vec<String>| {
        if values.is_empty() {
            return;
        }
        let marks = vec!["?"; values.len()].join(", ");
        sql.push_str(&format!(
            " AND r.{} IN (SELECT id FROM {} WHERE name IN ({marks}))",
            dict.column(),
            dict.table()
        ));
        args.extend(values.into_iter().map(Value::Text));
    };
    any_of(
        Dictionary::Provider,
        q.providers.iter().map(|p| p.as_str().to_owned()).collect(),
    );
    any_of(
        Dictionary::Project,
        stored_as.with_stored_forms(&q.projects),
    );
    any_of(Dictionary::Model, q.models.clone());
    any_of(Dictionary::Session, q.sessions.clone());
    (sql, args)
}

/// Labels of local day numbers (days since 1970-01-01), computed once per day.
#[derive(Default)]
struct CalendarLabels {
    cache: HashMap<i64, [String; 3]>,
}

impl CalendarLabels {
    fn label(&mut self, key: GroupKey, day_number: i64) -> String {
        let labels = self.cache.entry(day_number).or_insert_with(|| {
            let date = jiff::civil::Date::constant(1970, 1, 1)
                .checked_add(jiff::Span::new().days(day_number.clamp(-4_000_000, 3_000_000)))
                .unwrap_or(jiff::civil::Date::MAX);
            let week = date.iso_week_date();
            [
                date.to_string(),
                format!("{:04}-W{:02}", week.year(), week.week()),
                format!("{:04}-{:02}", date.year(), date.month()),
            ]
        });
        let i = match key {
            GroupKey::Week => 1,
            GroupKey::Month => 2,
            _ => 0,
        };
        labels[i].clone()
    }
}

/// The cache key of a query: every input of the result, including this build's version (its
/// code) and the price table's (the costs). The key is stored, so projects are in the
/// database's form: a filter naming a full path keeps it out of the database when projects
/// are stored reduced (every stored project is, so the reduced filter selects the same rows).
fn cache_key(q: &ReportQuery, pricing: &str, stored_as: super::ProjectPaths) -> String {
    let keys: Vec<&str> = q.group_by.iter().map(|k| k.as_str()).collect();
    let providers: Vec<&str> = q.providers.iter().map(|p| p.as_str()).collect();
    let projects: Vec<std::borrow::Cow<'_, str>> =
        q.projects.iter().map(|p| stored_as.apply(p)).collect();
    json!([
        env!("CARGO_PKG_VERSION"),
        pricing,
        keys,
        q.since_ms,
        q.until_ms,
        q.zone.name,
        providers,
        stored_as.as_str(),
        projects,
        q.models,
        q.sessions,
        q.cost_mode.as_str(),
    ])
    .to_string()
}

impl ReportQuery {
    /// Checks the query before it runs: a window must start before it ends.
    pub fn validate(&self) -> Result<()> {
        if let (Some(s), Some(u)) = (self.since_ms, self.until_ms)
            && s >= u
        {
            return Err(Error::InvalidQuery(
                "the window's start (--since, `since`) must be earlier than its end (--until, `until`)"
                    .into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{RecordFlags, TokenCounts, UsageRecord};
    use crate::store::Batch;

    fn record(key: &str, ts_ms: i64, model: Option<&str>, output: u64) -> UsageRecord {
        UsageRecord {
            provider: ProviderId::ClaudeCode,
            session: "s".into(),
            project: Some("/p".into()),
            model: model.map(str::to_owned),
            timestamp_ms: ts_ms,
            dedup_key: key.into(),
            message_id: None,
            flags: RecordFlags::default(),
            tokens: TokenCounts {
                input: 100_000,
                output,
                ..TokenCounts::default()
            },
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        }
    }

    #[test]
    fn premium_requests_are_summed_and_shown_only_when_present() {
        let mut store = Store::open_in_memory().unwrap();
        let q = ReportQuery {
            group_by: vec![GroupKey::Model],
            ..ReportQuery::default()
        };
        store
            .commit(&Batch {
                records: vec![record("plain", 1_764_000_000_000, Some("m"), 1)],
                sources: Vec::new(),
                rate_limits: Vec::new(),
            })
            .unwrap();
        let doc = store
            .report(&q)
            .unwrap()
            .to_document(&q, serde_json::Map::new());
        assert!(doc["totals"].get("premium_requests").is_none());
        assert!(doc["rows"][0].get("premium_requests").is_none());
        let premium = |key: &str, milli: u64| UsageRecord {
            premium_requests_milli: milli,
            ..record(key, 1_764_000_000_000, Some("n"), 1)
        };
        store
            .commit(&Batch {
                records: vec![premium("p1", 2_000), premium("p2", 330)],
                sources: Vec::new(),
                rate_limits: Vec::new(),
            })
            .unwrap();
        let report = store.report(&q).unwrap();
        assert_eq!(report.totals.premium_requests_milli, 2_330);
        let doc = report.to_document(&q, serde_json::Map::new());
        assert_eq!(doc["totals"]["premium_requests"], 2.33);
        assert_eq!(doc["rows"][0]["premium_requests"], 0.0);
        assert_eq!(doc["rows"][1]["premium_requests"], 2.33);
    }

    #[test]
    fn grouping_keys_parse_like_the_by_flag() {
        let keys = GroupKey::parse_list(&["day,model", " day ", "", "provider"]).unwrap();
        assert_eq!(keys, [GroupKey::Day, GroupKey::Model, GroupKey::Provider]);
        assert!(GroupKey::parse_list(&[""]).unwrap().is_empty());
        let err = GroupKey::parse_list(&["color"]).unwrap_err().to_string();
        assert!(err.contains("color"), "{err}");
    }

    #[test]
    fn cached_results_equal_computed_ones_and_follow_new_data() {
        let mut store = Store::open_in_memory().unwrap();
        let day = 86_400_000;
        store
            .commit(&Batch {
                records: vec![
                    record("a", 20_000 * day, Some("claude-sonnet-4-5"), 10),
                    record("b", 20_001 * day, Some("mystery-model"), 5),
                ],
                sources: Vec::new(),
                rate_limits: Vec::new(),
            })
            .unwrap();
        let q = ReportQuery {
            group_by: vec![GroupKey::Month, GroupKey::Model],
            ..ReportQuery::default()
        };
        let computed = store.compute_report(&q).unwrap();
        let first = store.report(&q).unwrap();
        let cached = store.report(&q).unwrap();
        assert_eq!(first, computed);
        assert_eq!(cached, computed);
        // Exact picodollars survive the cache: 100k input at $3 + 10 output at $15 per million.
        assert_eq!(cached.totals.cost_pusd, Some(300_000_000_000 + 150_000_000));
        assert_eq!(cached.totals.unpriced_tokens, 100_005);
        store
            .commit(&Batch {
                records: vec![record("c", 20_002 * day, Some("claude-sonnet-4-5"), 1)],
                sources: Vec::new(),
                rate_limits: Vec::new(),
            })
            .unwrap();
        let after = store.report(&q).unwrap();
        assert_eq!(after, store.compute_report(&q).unwrap());
        assert_eq!(after.totals.requests, 3);
    }
}

#[cfg(test)]
mod cost_tests {
    use super::*;
    use crate::pricing::PriceTable;
    use crate::record::{RecordFlags, TokenCounts, UsageRecord};
    use crate::store::Batch;
    use proptest::prelude::*;

    #[test]
    fn a_million_costs_sum_exactly() {
        let store = Store::open_in_memory().unwrap();
        // Costs like $0.100000000007 that no binary float holds exactly.
        store
            .conn
            .execute_batch(
                "INSERT INTO providers (id, name) VALUES (1, 'claude_code');
                 INSERT INTO sessions (id, name) VALUES (1, 's');
                 INSERT INTO models (id, name) VALUES (1, 'm');
                 WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
                 INSERT INTO records (key, provider, session, model, ts_ms, subagent,
                     sidechain, estimated, aggregate, requests, input, cache_creation, cache_5m,
                     cache_1h, cache_read, output, reasoning, cost_pusd)
                 SELECT CAST('k' || i AS BLOB), 1, 1, 1, 1764000000000 + i * 1000, 0, 0, 0, 0,
                     1, 1, 0, 0, 0, 0, 1, 0, 100000000007 + (i % 13)
                 FROM n;
                 UPDATE meta SET value = '999' WHERE key = 'generation';",
            )
            .unwrap();
        let expected: i128 = (0..1_000_000i128).map(|i| 100_000_000_007 + i % 13).sum();
        let q = ReportQuery {
            group_by: vec![GroupKey::Day],
            ..ReportQuery::default()
        };
        let report = store.report(&q).unwrap();
        assert_eq!(report.totals.cost_pusd, Some(expected));
        let by_rows: i128 = report.rows.iter().filter_map(|r| r.totals.cost_pusd).sum();
        assert_eq!(by_rows, expected);
        assert_eq!(report.totals.requests, 1_000_000);
    }

    #[test]
    fn fast_mode_costs_its_multiple() {
        let mut store = Store::open_in_memory().unwrap();
        let tokens = TokenCounts {
            input: 1000,
            output: 2000,
            ..TokenCounts::default()
        };
        let record = |key: &str, model: &str, fast: bool| UsageRecord {
            provider: ProviderId::ClaudeCode,
            session: "s".into(),
            project: None,
            model: Some(model.into()),
            timestamp_ms: 1_772_000_000_000,
            dedup_key: key.into(),
            message_id: None,
            flags: RecordFlags {
                fast,
                ..RecordFlags::default()
            },
            tokens,
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        };
        store
            .commit(&Batch {
                records: vec![
                    record("a", "claude-opus-4-6", true),
                    record("b", "gpt-5.5", true),
                    record("c", "claude-sonnet-4-5", true),
                ],
                sources: Vec::new(),
                rate_limits: Vec::new(),
            })
            .unwrap();
        let q = ReportQuery {
            group_by: vec![GroupKey::Model],
            ..ReportQuery::default()
        };
        let report = store.report(&q).unwrap();
        let cost = |model: &str| {
            report
                .rows
                .iter()
                .find(|r| r.key[0].1.as_deref() == Some(model))
                .and_then(|r| r.totals.cost_pusd)
                .unwrap()
        };
        // Opus 4.6: $5 / $25 per million, six times in fast mode.
        assert_eq!(
            cost("claude-opus-4-6"),
            6 * (1000 * 5_000_000 + 2000 * 25_000_000)
        );
        // GPT-5.5: $5 / $30 per million (table), two and a half times.
        let gpt = PriceTable::builtin()
            .cost_pusd("gpt-5.5", 1_772_000_000_000, &tokens)
            .unwrap();
        assert_eq!(cost("gpt-5.5"), i128::from(gpt) * 5 / 2);
        // No published fast price: billed at the standard rates.
        assert_eq!(
            cost("claude-sonnet-4-5"),
            1000 * 3_000_000 + 2000 * 15_000_000
        );
    }

    const MODELS: &[&str] = &[
        "claude-sonnet-4-5",
        "claude-opus-4-1-20250805",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "gpt-5.4",
        "mystery-model",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Grouped costs add up to the total, both equal the sum of each record's own price,
        /// and unpriced tokens are exactly the tokens of models without a price.
        #[test]
        fn costs_are_additive_and_unpriced_tokens_exact(
            records in proptest::collection::vec(
                (0..MODELS.len(), 0u64..400_000, 0u64..50_000, 0u64..300_000, 0u64..20_000, 0i64..30),
                1..60,
            ),
        ) {
            let table = PriceTable::builtin();
            let mut batch = Batch::default();
            let (mut expected_cost, mut priced_any, mut unpriced) = (0i128, false, 0u64);
            for (i, (m, input, cache_creation, cache_read, output, day)) in records.iter().enumerate() {
                let tokens = TokenCounts {
                    input: *input,
                    cache_creation: *cache_creation,
                    cache_creation_5m: cache_creation / 2,
                    cache_read: *cache_read,
                    output: *output,
                    ..TokenCounts::default()
                };
                let ts = 1_764_000_000_000 + day * 86_400_000;
                match table.cost_pusd(MODELS[*m], ts, &tokens) {
                    Some(c) => {
                        expected_cost += i128::from(c);
                        priced_any = true;
                    }
                    None => unpriced += tokens.total(),
                }
                batch.records.push(UsageRecord {
                    provider: ProviderId::ClaudeCode,
                    session: "s".into(),
                    project: None,
                    model: Some(MODELS[*m].into()),
                    timestamp_ms: ts,
                    dedup_key: format!("r{i}"),
                    message_id: None,
                    flags: RecordFlags::default(),
                    tokens,
                    reported_cost_pusd: None,
                    requests: 1,
                    premium_requests_milli: 0,
                });
            }
            let mut store = Store::open_in_memory().unwrap();
            store.commit(&batch).unwrap();
            for group_by in [vec![], vec![GroupKey::Model], vec![GroupKey::Day, GroupKey::Model]] {
                let q = ReportQuery { group_by: group_by.clone(), ..ReportQuery::default() };
                let report = store.report(&q).unwrap();
                prop_assert_eq!(report.totals.cost_pusd, priced_any.then_some(expected_cost));
                prop_assert_eq!(report.totals.unpriced_tokens, unpriced);
                if !group_by.is_empty() {
                    let rows: i128 = report.rows.iter().filter_map(|r| r.totals.cost_pusd).sum();
                    prop_assert_eq!(rows, expected_cost);
                    let rows_unpriced: u64 = report.rows.iter().map(|r| r.totals.unpriced_tokens).sum();
                    prop_assert_eq!(rows_unpriced, unpriced);
                }
            }
        }
    }
}

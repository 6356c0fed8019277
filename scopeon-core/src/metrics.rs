//! Counters for the monitoring engines teams already run (Prometheus, OpenTelemetry):
//! all-time usage per provider and model, and the usage windows in force (docs/teams.md).
//!
//! [`Scopeon::metrics`](crate::Scopeon::metrics) answers a [`MetricsSnapshot`] from the
//! store's report machinery grouped by provider and model, so its sums are the report's
//! all-time totals. A front-end that serves the figures over time (`scopeon serve`'s
//! `/metrics`) passes every snapshot through one [`MonotonicCounters`]: counters never go down
//! while it runs, so data forgotten meanwhile (`scopeon forget`) shows only after a restart,
//! as the counter reset that a new process start is to Prometheus and OpenTelemetry.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::error::Result;
use crate::store::{GroupKey, ReportQuery, Store, Totals};

/// What a metrics snapshot holds beyond the defaults (provider and model only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricsRequest {
    /// Split each series by project as well (more series; a project's path names it).
    pub projects: bool,
}

impl MetricsRequest {
    /// Series per provider and model.
    pub fn new() -> MetricsRequest {
        MetricsRequest::default()
    }

    /// Splits series by project too.
    pub fn projects(mut self, projects: bool) -> MetricsRequest {
        self.projects = projects;
        self
    }
}

/// All-time counts of one series. Every field only grows as logs are read; see
/// [`MonotonicCounters`] for what forgetting does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageCounts {
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
    /// Reasoning tokens (a subset of output, so never added to the total).
    pub reasoning_tokens: u64,
    /// The calculated cost of the series' priced records, in picodollars (records without a
    /// price add nothing; docs/pricing.md).
    pub cost_pusd: i128,
}

impl UsageCounts {
    fn from_totals(t: &Totals) -> UsageCounts {
        UsageCounts {
            requests: t.requests,
            input_tokens: t.input_tokens,
            cache_creation_tokens: t.cache_creation_tokens,
            cache_read_tokens: t.cache_read_tokens,
            output_tokens: t.output_tokens,
            reasoning_tokens: t.reasoning_tokens,
            cost_pusd: t.cost_pusd.unwrap_or(0),
        }
    }

    /// input + cache creation + cache read + output, as a report's `total_tokens`.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.cache_creation_tokens + self.cache_read_tokens + self.output_tokens
    }

    /// The cost in US dollars (exact up to f64 precision).
    pub fn cost_usd(&self) -> f64 {
        self.cost_pusd as f64 / 1e12
    }

    /// The four token types of a total with their names (`input`, `cache_creation`,
    /// `cache_read`, `output`), the values of the `token_type` label (docs/tokens.md).
    pub fn by_token_type(&self) -> [(&'static str, u64); 4] {
        [
            ("input", self.input_tokens),
            ("cache_creation", self.cache_creation_tokens),
            ("cache_read", self.cache_read_tokens),
            ("output", self.output_tokens),
        ]
    }

    /// Each field the larger of the two.
    fn max(self, o: UsageCounts) -> UsageCounts {
        UsageCounts {
            requests: self.requests.max(o.requests),
            input_tokens: self.input_tokens.max(o.input_tokens),
            cache_creation_tokens: self.cache_creation_tokens.max(o.cache_creation_tokens),
            cache_read_tokens: self.cache_read_tokens.max(o.cache_read_tokens),
            output_tokens: self.output_tokens.max(o.output_tokens),
            reasoning_tokens: self.reasoning_tokens.max(o.reasoning_tokens),
            cost_pusd: self.cost_pusd.max(o.cost_pusd),
        }
    }
}

/// What names a series: provider, model and (when asked) project.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    /// The provider id (`claude_code`, ...).
    pub provider: String,
    /// The model id as logged; `None` when the log did not say.
    pub model: Option<String>,
    /// The project, only in a snapshot that asked for projects; `None` otherwise or when
    /// unknown.
    pub project: Option<String>,
}

/// One series' all-time counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageSeries {
    /// Whose counts.
    pub key: SeriesKey,
    /// The counts.
    pub counts: UsageCounts,
}

/// A usage window in force, as its agent last reported it (docs/live.md).
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitGauge {
    /// The provider id.
    pub provider: String,
    /// The agent's name for the window (`five_hour`, `seven_day`, `primary`, ...).
    pub window: String,
    /// How much of it is used, 0 to 1.
    pub used_ratio: f64,
    /// When it resets, UTC milliseconds.
    pub resets_at_ms: i64,
}

/// All-time usage per series and the windows in force, at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSnapshot {
    /// When it was taken ("now", `$SCOPEON_NOW` when set).
    pub generated_at: Timestamp,
    /// When the earliest stored request was made (`None` on an empty database): a start time
    /// for cumulative sums that stays the same from one run to the next.
    pub earliest_request_ms: Option<i64>,
    /// One entry per series, sorted by key.
    pub series: Vec<UsageSeries>,
    /// The windows in force, by provider and window name.
    pub rate_limits: Vec<RateLimitGauge>,
}

impl MetricsSnapshot {
    /// The sums over every series (their `total_tokens` is the report's all-time one).
    pub fn totals(&self) -> UsageCounts {
        self.series.iter().fold(UsageCounts::default(), |a, s| {
            let c = s.counts;
            UsageCounts {
                requests: a.requests + c.requests,
                input_tokens: a.input_tokens + c.input_tokens,
                cache_creation_tokens: a.cache_creation_tokens + c.cache_creation_tokens,
                cache_read_tokens: a.cache_read_tokens + c.cache_read_tokens,
                output_tokens: a.output_tokens + c.output_tokens,
                reasoning_tokens: a.reasoning_tokens + c.reasoning_tokens,
                cost_pusd: a.cost_pusd + c.cost_pusd,
            }
        })
    }
}

/// Takes a snapshot: the all-time report grouped by provider and model (and project), so
/// the numbers are the report's, plus the windows in force at `now`.
pub(crate) fn snapshot(
    store: &Store,
    request: &MetricsRequest,
    now: Timestamp,
) -> Result<MetricsSnapshot> {
    let mut group_by = vec![GroupKey::Provider, GroupKey::Model];
    if request.projects {
        group_by.push(GroupKey::Project);
    }
    let report = store.report(&ReportQuery::new().group_by(group_by))?;
    let series: Vec<UsageSeries> = report
        .rows
        .iter()
        .map(|row| {
            let value = |k: GroupKey| {
                row.key
                    .iter()
                    .find(|(key, _)| *key == k)
                    .and_then(|(_, v)| v.clone())
            };
            UsageSeries {
                key: SeriesKey {
                    provider: value(GroupKey::Provider).unwrap_or_default(),
                    model: value(GroupKey::Model),
                    project: value(GroupKey::Project),
                },
                counts: UsageCounts::from_totals(&row.totals),
            }
        })
        .collect();
    let mut providers: Vec<&str> = series.iter().map(|s| s.key.provider.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    let earliest_request_ms = store.earliest_request_ms(&providers)?;
    let rate_limits = store.windows_in_force(now.as_millisecond())?;
    let mut snapshot = MetricsSnapshot {
        generated_at: now,
        earliest_request_ms,
        series,
        rate_limits,
    };
    snapshot.series.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(snapshot)
}

/// Holds counters up while a process serves them: a series' count that a later snapshot
/// shows lower (records forgotten) keeps its highest value, and a series that disappears
/// keeps its last counts, until the process ends. A monitoring engine reads a counter that
/// goes down as a reset and would add the whole value again; a new process start is the one
/// reset it expects, so forgetting shows there (docs/teams.md).
#[derive(Debug, Clone, Default)]
pub struct MonotonicCounters {
    held: BTreeMap<SeriesKey, UsageCounts>,
}

impl MonotonicCounters {
    /// Nothing held yet.
    pub fn new() -> MonotonicCounters {
        MonotonicCounters::default()
    }

    /// `snapshot` with every count at least what an earlier one showed, and every series an
    /// earlier one had; remembers the result for the next call. Gauges pass unchanged.
    pub fn hold(&mut self, mut snapshot: MetricsSnapshot) -> MetricsSnapshot {
        for s in &snapshot.series {
            let held = self.held.entry(s.key.clone()).or_default();
            *held = held.max(s.counts);
        }
        snapshot.series = self
            .held
            .iter()
            .map(|(key, counts)| UsageSeries {
                key: key.clone(),
                counts: *counts,
            })
            .collect();
        snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(provider: &str, model: Option<&str>, input: u64, cost: i128) -> UsageSeries {
        UsageSeries {
            key: SeriesKey {
                provider: provider.into(),
                model: model.map(Into::into),
                project: None,
            },
            counts: UsageCounts {
                requests: 1,
                input_tokens: input,
                cost_pusd: cost,
                ..UsageCounts::default()
            },
        }
    }

    fn snap(series: Vec<UsageSeries>) -> MetricsSnapshot {
        MetricsSnapshot {
            generated_at: Timestamp::UNIX_EPOCH,
            earliest_request_ms: None,
            series,
            rate_limits: Vec::new(),
        }
    }

    #[test]
    fn counters_hold_their_highest_value_and_forgotten_series() {
        let mut held = MonotonicCounters::new();
        let first = held.hold(snap(vec![
            series("codex", Some("gpt-5"), 100, 5),
            series("claude_code", None, 40, 0),
        ]));
        // Sorted by key whatever the order given.
        assert_eq!(first.series[0].key.provider, "claude_code");
        assert_eq!(first.totals().input_tokens, 140);
        // The codex series was forgotten, the claude one shrank: both keep what they had.
        let second = held.hold(snap(vec![series("claude_code", None, 30, 0)]));
        assert_eq!(second.series.len(), 2);
        assert_eq!(second.totals().input_tokens, 140);
        assert_eq!(second.totals().cost_pusd, 5);
        // Growth shows at once.
        let third = held.hold(snap(vec![series("claude_code", None, 50, 0)]));
        assert_eq!(third.totals().input_tokens, 150);
    }

    #[test]
    fn token_types_add_up_to_the_total() {
        let c = UsageCounts {
            input_tokens: 1,
            cache_creation_tokens: 20,
            cache_read_tokens: 300,
            output_tokens: 4000,
            reasoning_tokens: 3000,
            ..UsageCounts::default()
        };
        let sum: u64 = c.by_token_type().iter().map(|(_, v)| v).sum();
        assert_eq!(sum, c.total_tokens());
        assert_eq!(c.total_tokens(), 4321);
    }
}

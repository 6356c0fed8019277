//! Budgets: spend of the current calendar day, week and month against the `[budget]` limits
//! (docs/alerts.md, "Budgets").
//!
//! Spend is the calculated cost a report over the same period and filters shows, so
//! `scopeon budget` and `scopeon report` always agree. Periods are calendar periods of the
//! report time zone; a week starts on Monday, as `report --by week` (ISO weeks) groups.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::record::ProviderId;
use crate::store::{CostMode, ReportQuery, Store};
use crate::window::Zone;

use super::config::{BudgetConfig, BudgetLimits, Usd};

/// A budget's calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// A calendar day.
    Daily,
    /// Monday to Sunday.
    Weekly,
    /// A calendar month.
    Monthly,
}

impl Period {
    /// `daily`, `weekly` or `monthly`.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
        }
    }

    /// The period of this kind that contains `now` in `tz`.
    pub fn containing(self, now: Timestamp, tz: &TimeZone) -> Result<PeriodBounds> {
        let today = now.to_zoned_datetime(tz.clone()).date();
        let (first, next, label) = match self {
            Period::Daily => (today, today.checked_add(1.day()), today.to_string()),
            Period::Weekly => {
                let monday =
                    today.checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days());
                let week = today.iso_week_date();
                let label = format!("{:04}-W{:02}", week.year(), week.week());
                match monday {
                    Ok(m) => (m, m.checked_add(7.days()), label),
                    Err(e) => return Err(time_error(e)),
                }
            }
            Period::Monthly => {
                let first = today.first_of_month();
                (
                    first,
                    first.checked_add(1.month()),
                    format!("{:04}-{:02}", today.year(), today.month()),
                )
            }
        };
        let next = next.map_err(time_error)?;
        Ok(PeriodBounds {
            period: self,
            label,
            start: start_of(first, tz)?,
            end: start_of(next, tz)?,
        })
    }
}

/// The first instant of a local day (midnight, or the first instant after a DST gap).
fn start_of(date: Date, tz: &TimeZone) -> Result<Timestamp> {
    date.to_zoned_datetime(tz.clone())
        .and_then(|z| z.start_of_day())
        .map(|z| z.timestamp())
        .map_err(time_error)
}

fn time_error(e: jiff::Error) -> Error {
    Error::InvalidQuery(format!("a budget period is out of range: {e}"))
}

/// One calendar period: its kind, label (`2026-11-20`, `2026-W47`, `2026-11`) and bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodBounds {
    /// Which kind of period.
    pub period: Period,
    /// The label reports use for it.
    pub label: String,
    /// First instant included.
    pub start: Timestamp,
    /// First instant excluded.
    pub end: Timestamp,
}

/// What a budget covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BudgetScope {
    /// Everything stored.
    Overall,
    /// One provider.
    Provider(ProviderId),
    /// One project, as the configuration names it.
    Project(String),
}

impl BudgetScope {
    /// `overall`, `provider` or `project`.
    pub fn kind(&self) -> &'static str {
        match self {
            BudgetScope::Overall => "overall",
            BudgetScope::Provider(_) => "provider",
            BudgetScope::Project(_) => "project",
        }
    }

    /// A stable key naming the budget (`overall`, `provider:codex`, `project:/x`).
    pub fn key(&self) -> String {
        match self {
            BudgetScope::Overall => "overall".into(),
            BudgetScope::Provider(p) => format!("provider:{}", p.as_str()),
            BudgetScope::Project(p) => format!("project:{p}"),
        }
    }
}

/// One budget in its current period.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BudgetStatus {
    /// What it covers.
    pub scope: BudgetScope,
    /// The current period.
    pub bounds: PeriodBounds,
    /// The limit.
    pub limit: Usd,
    /// Calculated cost so far in the period, picodollars.
    pub spend_pusd: i128,
    /// Spend at the period's end if the period's average rate so far goes on, picodollars.
    pub projected_pusd: i128,
}

impl BudgetStatus {
    /// Spend as a percentage of the limit (`None` for a zero limit).
    pub fn percent(&self) -> Option<f64> {
        let limit = self.limit.picodollars();
        (limit > 0).then(|| self.spend_pusd as f64 * 100.0 / limit as f64)
    }

    /// Whether spend reached `percent` of the limit (a zero limit is reached by any spend).
    pub fn reached(&self, percent: u32) -> bool {
        self.spend_pusd * 100 >= self.limit.picodollars() * i128::from(percent)
            && (self.spend_pusd > 0 || self.limit.picodollars() > 0)
    }

    /// `ok`, `warning` (80% or more) or `exceeded` (100% or more).
    pub fn status(&self) -> &'static str {
        if self.reached(100) {
            "exceeded"
        } else if self.reached(80) {
            "warning"
        } else {
            "ok"
        }
    }

    /// The entry of `scopeon.budget.v1`.
    pub fn to_json(&self) -> Value {
        let (provider, project) = match &self.scope {
            BudgetScope::Overall => (None, None),
            BudgetScope::Provider(p) => (Some(p.as_str().to_owned()), None),
            BudgetScope::Project(p) => (None, Some(p.clone())),
        };
        let limit = self.limit.picodollars();
        json!({
            "scope": self.scope.kind(),
            "provider": provider,
            "project": project,
            "period": self.bounds.period.as_str(),
            "period_label": self.bounds.label,
            "start": self.bounds.start.to_string(),
            "end": self.bounds.end.to_string(),
            "limit_usd": self.limit.dollars(),
            "spend_usd": usd(self.spend_pusd),
            "percent": self.percent(),
            "projected_usd": usd(self.projected_pusd),
            "projected_percent": (limit > 0).then(|| self.projected_pusd as f64 * 100.0 / limit as f64),
            "status": self.status(),
        })
    }
}

fn usd(pusd: i128) -> f64 {
    pusd as f64 / 1e12
}

/// Every configured budget in the period containing `now`, in configuration order: overall,
/// then providers, then projects; daily, weekly, monthly within each.
pub(crate) fn statuses(
    store: &Store,
    config: &BudgetConfig,
    zone: &Zone,
    now: Timestamp,
) -> Result<Vec<BudgetStatus>> {
    let mut budgets: Vec<(BudgetScope, BudgetLimits)> =
        vec![(BudgetScope::Overall, config.overall())];
    budgets.extend(
        config
            .providers
            .iter()
            .map(|(p, l)| (BudgetScope::Provider(*p), l.clone())),
    );
    budgets.extend(
        config
            .projects
            .iter()
            .map(|(p, l)| (BudgetScope::Project(p.clone()), l.clone())),
    );
    let mut out = Vec::new();
    for (scope, limits) in budgets {
        for (period, limit) in [
            (Period::Daily, limits.daily_usd),
            (Period::Weekly, limits.weekly_usd),
            (Period::Monthly, limits.monthly_usd),
        ] {
            let Some(limit) = limit else { continue };
            let bounds = period.containing(now, &zone.tz)?;
            let spend_pusd = spend(store, &scope, &bounds, zone)?;
            out.push(BudgetStatus {
                projected_pusd: project(spend_pusd, &bounds, now),
                scope: scope.clone(),
                bounds,
                limit,
                spend_pusd,
            });
        }
    }
    Ok(out)
}

/// Calculated cost of a budget's records in a period, as `report` sums it.
fn spend(store: &Store, scope: &BudgetScope, bounds: &PeriodBounds, zone: &Zone) -> Result<i128> {
    let mut query = ReportQuery::new()
        .group_by(Vec::new())
        .since_ms(Some(bounds.start.as_millisecond()))
        .until_ms(Some(bounds.end.as_millisecond()))
        .zone(zone.clone())
        .cost_mode(CostMode::Calculated);
    match scope {
        BudgetScope::Overall => {}
        BudgetScope::Provider(p) => query = query.providers(vec![*p]),
        BudgetScope::Project(p) => query = query.projects(vec![p.clone()]),
    }
    Ok(store.report(&query)?.totals.cost_pusd.unwrap_or(0))
}

/// Linear projection: the period's average spending rate so far, carried on to its end. The
/// first hour counts as a whole hour, so a first request at 00:01 is not multiplied by 1440.
fn project(spend_pusd: i128, bounds: &PeriodBounds, now: Timestamp) -> i128 {
    const HOUR_MS: i64 = 3_600_000;
    let total = (bounds.end.as_millisecond() - bounds.start.as_millisecond()).max(1);
    let elapsed =
        (now.as_millisecond() - bounds.start.as_millisecond()).clamp(HOUR_MS.min(total), total);
    spend_pusd * i128::from(total) / i128::from(elapsed)
}

/// What [`Scopeon::budget`](crate::Scopeon::budget) answered.
#[derive(Debug, Clone)]
pub struct BudgetAnswer {
    pub(crate) budgets: Vec<BudgetStatus>,
    pub(crate) generated_at: Timestamp,
    pub(crate) timezone: String,
}

/// The configuration to add when no budget is set, shown with an empty answer.
pub const BUDGET_SNIPPET: &str = "[budget]\ndaily_usd = 20.0\nweekly_usd = 100.0\nmonthly_usd = 300.0\n[budget.providers.claude_code]\ndaily_usd = 10.0\n";

impl BudgetAnswer {
    /// The budgets in their current periods.
    pub fn budgets(&self) -> &[BudgetStatus] {
        &self.budgets
    }

    /// Why the answer is empty, with the configuration to add; `None` when it is not.
    pub fn empty_reason(&self) -> Option<String> {
        self.budgets.is_empty().then(|| {
            format!(
                "no budget is configured; add one to ~/.scopeon/config.toml (docs/alerts.md):\n\n{BUDGET_SNIPPET}"
            )
        })
    }

    /// The `scopeon.budget.v1` document.
    pub fn to_document(&self) -> Value {
        json!({
            "schema": "scopeon.budget.v1",
            "generated_at": self.generated_at.to_string(),
            "timezone": self.timezone,
            "week_starts": "monday",
            "projection": "linear",
            "budgets": self.budgets.iter().map(BudgetStatus::to_json).collect::<Vec<_>>(),
            "note": self.empty_reason(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_calendar_periods_of_the_zone() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        // Thursday 2026-11-19, 23:30 UTC = Friday 00:30 in Berlin.
        let now = at("2026-11-19T23:30:00Z");
        let day = Period::Daily.containing(now, &berlin).unwrap();
        assert_eq!(day.label, "2026-11-20");
        assert_eq!(day.start, at("2026-11-19T23:00:00Z"));
        assert_eq!(day.end, at("2026-11-20T23:00:00Z"));
        let week = Period::Weekly.containing(now, &berlin).unwrap();
        assert_eq!(week.label, "2026-W47");
        assert_eq!(week.start, at("2026-11-15T23:00:00Z"), "Monday 16th");
        let month = Period::Monthly.containing(now, &berlin).unwrap();
        assert_eq!(month.label, "2026-11");
        assert_eq!(month.start, at("2026-10-31T23:00:00Z"));
        assert_eq!(month.end, at("2026-11-30T23:00:00Z"));
        // A DST day is 25 hours long.
        let fall = Period::Daily
            .containing(at("2026-10-25T12:00:00Z"), &berlin)
            .unwrap();
        assert_eq!(fall.end.as_second() - fall.start.as_second(), 25 * 3600);
    }

    #[test]
    fn projection_is_linear_over_the_period() {
        let bounds = Period::Daily
            .containing(at("2026-11-20T06:00:00Z"), &TimeZone::UTC)
            .unwrap();
        assert_eq!(project(5, &bounds, at("2026-11-20T06:00:00Z")), 20);
        assert_eq!(project(5, &bounds, at("2026-11-20T00:00:10Z")), 5 * 24);
        assert_eq!(project(0, &bounds, at("2026-11-20T12:00:00Z")), 0);
    }
}

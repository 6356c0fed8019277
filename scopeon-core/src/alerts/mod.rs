//! Budgets and webhook alerts (docs/alerts.md).
//!
//! - [`config`]: the `[budget]` and `[alerts]` tables of config.toml, checked when read.
//! - [`url`]: which webhook URLs are accepted and the only part of one ever shown.
//! - [`budget`]: spend of the current calendar periods against the limits.
//! - `webhooks`: the configured webhooks with their URL and secret read from the environment.
//! - `events`: which alerts are due now; the store remembers which fired.
//! - `delivery`, `curl`, `payload`, `sign`: sending the queue through the system curl, in
//!   each kind's format, signed per Standard Webhooks for `generic`.
//!
//! [`Scopeon`](crate::Scopeon) evaluates the events after every scan, whichever command
//! scanned, and delivers what is due before the scan returns, within a deadline.

pub mod budget;
pub mod config;
mod delivery;
mod events;
mod payload;
mod sign;
pub mod url;
mod webhooks;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use camino::Utf8Path;
use jiff::Timestamp;
use serde_json::{Value, json};

pub use budget::{BudgetAnswer, BudgetScope, BudgetStatus, Period, PeriodBounds};
pub use config::{
    AlertsConfig, BudgetConfig, BudgetLimits, EventKind, Usd, WebhookConfig, WebhookKind,
};
pub use url::WebhookUrl;

use crate::env::Env;
use crate::error::Result;
use crate::store::{DueAlert, Store};

/// The default total time a command spends delivering alerts before it exits.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);

/// What a [`Scopeon`](crate::Scopeon) handle knows about alerts: the webhooks, whether it
/// delivers, and for how long.
#[derive(Debug, Clone)]
pub(crate) struct Alerting {
    hooks: webhooks::Webhooks,
    /// The events some webhook wants.
    wanted: BTreeSet<EventKind>,
    deadline: Duration,
    /// Whether a scan delivers what it queued (`false`: only queues, as `statusline`).
    pub deliver: bool,
}

impl Alerting {
    /// The alerting of a configuration read from `path`.
    pub fn new(config: &AlertsConfig, env: &Env, path: &Utf8Path) -> Result<Alerting> {
        let hooks = webhooks::Webhooks::resolve(config, env, path)?;
        let wanted = hooks
            .hooks
            .iter()
            .filter(|h| h.problem.is_none())
            .flat_map(|h| {
                if h.events.is_empty() {
                    EventKind::ALL.to_vec()
                } else {
                    h.events.clone()
                }
            })
            .collect();
        Ok(Alerting {
            hooks,
            wanted,
            deadline: config
                .deadline_ms
                .map_or(DEFAULT_DEADLINE, Duration::from_millis),
            deliver: true,
        })
    }

    /// Warnings about the configuration (credentials in a URL, cleartext http, an unset
    /// variable), URLs shown as scheme and host.
    pub fn warnings(&self) -> &[String] {
        &self.hooks.warnings
    }

    /// Whether any webhook could receive an alert.
    pub fn active(&self) -> bool {
        !self.wanted.is_empty()
    }

    /// The alerts due at `now` among the events some webhook wants.
    pub fn due(&self, s: &crate::Scopeon, now: Timestamp) -> Result<Vec<DueAlert>> {
        events::due(s, &self.wanted, now)
    }

    /// Records `due` and queues it for the webhooks that want each event.
    pub fn queue(&self, store: &mut Store, due: &[DueAlert], now: Timestamp) -> Result<usize> {
        if due.is_empty() {
            return Ok(0);
        }
        // A webhook disabled (404, 410) under this configuration gets nothing new either.
        let mut disabled = std::collections::HashSet::new();
        for h in &self.hooks.hooks {
            let state = store.endpoint_state(&h.endpoint)?;
            if state.disabled_config.as_deref() == Some(self.hooks.fingerprint.as_str()) {
                disabled.insert(h.index);
            }
        }
        let endpoints = |event: &str| {
            self.hooks
                .hooks
                .iter()
                .filter(|h| h.problem.is_none() && !disabled.contains(&h.index) && h.wants(event))
                .map(|h| (h.index, h.endpoint.clone()))
                .collect()
        };
        store.fire_alerts(due, &endpoints, now.as_millisecond())
    }

    /// Delivers what is due within this handle's deadline.
    pub fn deliver(&self, store: &mut Store, now: Timestamp) -> Result<usize> {
        delivery::deliver_due(store, &self.hooks, now, Instant::now() + self.deadline)
    }

    /// Sends the test event.
    pub fn test(
        &self,
        store: &mut Store,
        only: Option<usize>,
        now: Timestamp,
    ) -> Result<Vec<Value>> {
        delivery::send_test(
            store,
            &self.hooks,
            only,
            now,
            Instant::now() + REQUEST_DEADLINE,
        )
    }

    /// The `scopeon.alerts.v1` document: the webhooks and the latest alerts that fired.
    pub fn document(&self, store: &Store, now: Timestamp) -> Result<Value> {
        let at = crate::live::blocks::instant;
        let alerts: Vec<Value> = store
            .fired_alerts(200)?
            .into_iter()
            .map(|a| {
                json!({
                    "event": a.event,
                    "subject": a.subject,
                    "period": a.period,
                    "fired_at": at(a.fired_ms),
                    "message_id": a.message_id,
                    "figures": a.payload,
                    "deliveries": a.deliveries.iter().map(|d| json!({
                        "webhook": d.webhook,
                        "state": d.state,
                        "attempts": d.attempts,
                        "last_status": d.last_status,
                        "next_attempt": (d.state == "queued").then(|| at(d.next_attempt_ms)),
                        "delivered_at": d.delivered_ms.map(at),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(json!({
            "schema": "scopeon.alerts.v1",
            "generated_at": now.to_string(),
            "webhooks": delivery::webhook_states(store, &self.hooks)?,
            "alerts": alerts,
        }))
    }
}

/// One webhook as `scopeon doctor` shows it (docs/alerts.md, "Doctor").
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct WebhookStatus {
    /// Its position in config.toml.
    pub webhook: usize,
    /// Its payload format.
    pub kind: &'static str,
    /// `scheme://host` only.
    pub url: String,
    /// `active`, `disabled` (answered 404 or 410; until `[alerts]` changes) or
    /// `unavailable` (its URL or secret variable is not set).
    pub state: &'static str,
    /// Why it is unavailable.
    pub problem: Option<String>,
    /// When it was last sent to, RFC 3339.
    pub last_attempt: Option<String>,
    /// How that went: an HTTP status, or `network: ...`.
    pub last_status: Option<String>,
    /// When it last took an alert, RFC 3339.
    pub last_delivered: Option<String>,
}

/// Each configured webhook with its state and last delivery, read from the database at `db`
/// without changing it (`None` for the database: never tried).
pub fn webhook_statuses(
    config: &AlertsConfig,
    env: &Env,
    config_path: &Utf8Path,
    db: Option<&Utf8Path>,
) -> Result<Vec<WebhookStatus>> {
    let hooks = webhooks::Webhooks::resolve(config, env, config_path)?;
    let endpoints: Vec<String> = hooks.hooks.iter().map(|h| h.endpoint.clone()).collect();
    let states = match db {
        Some(db) => crate::store::endpoint_states_at(db, &endpoints)?,
        None => Default::default(),
    };
    let at = |ms: Option<i64>| {
        ms.and_then(|ms| Timestamp::from_millisecond(ms).ok())
            .map(|t| t.to_string())
    };
    Ok(hooks
        .hooks
        .iter()
        .map(|h| {
            let s = states.get(&h.endpoint).cloned().unwrap_or_default();
            WebhookStatus {
                webhook: h.index,
                kind: h.kind.as_str(),
                url: h.shown(),
                state: if h.problem.is_some() {
                    "unavailable"
                } else if s.disabled_config.as_deref() == Some(hooks.fingerprint.as_str()) {
                    "disabled"
                } else {
                    "active"
                },
                problem: h.problem.clone(),
                last_attempt: at(s.last_attempt_ms),
                last_status: s.last_status,
                last_delivered: at(s.last_delivered_ms),
            }
        })
        .collect())
}

/// A test send may take one request's full timeout.
const REQUEST_DEADLINE: Duration = Duration::from_secs(11);

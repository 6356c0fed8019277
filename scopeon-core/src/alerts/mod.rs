//! Budgets and webhook alerts (docs/alerts.md).
//!
//! - [`config`]: the `[budget]` and `[alerts]` tables of config.toml, checked when read.
//! - [`url`]: which webhook URLs are accepted and the only part of one ever shown.
//! - [`budget`]: spend of the current calendar periods against the limits.

pub mod budget;
pub mod config;
pub mod url;

pub use budget::{BudgetAnswer, BudgetScope, BudgetStatus, Period, PeriodBounds};
pub use config::{
    AlertsConfig, BudgetConfig, BudgetLimits, EventKind, Usd, WebhookConfig, WebhookKind,
};
pub use url::WebhookUrl;

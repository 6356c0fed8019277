//! The `[budget]` and `[alerts]` tables of config.toml (docs/alerts.md): plain data, checked
//! when the file is read.
//!
//! A limit is a non-negative number of US dollars; a webhook names its URL directly or through
//! an environment variable, a payload format (`kind`) and the events it wants. What cannot be
//! checked by the types (URL schemes, a `secret_env` on a kind that is not signed) is checked
//! by `check` when config.toml is read; its errors name the key and its line but never echo a
//! URL: a webhook URL is a secret.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::record::ProviderId;

use super::url::WebhookUrl;

/// A limit in US dollars, kept in micro-dollars so that configurations compare exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Usd {
    micro: u64,
}

impl Usd {
    /// A limit of this many micro-dollars.
    pub fn from_micro(micro: u64) -> Usd {
        Usd { micro }
    }

    /// The limit in dollars.
    pub fn dollars(self) -> f64 {
        self.micro as f64 / 1e6
    }

    /// The limit in picodollars, the unit stored costs are summed in.
    pub fn picodollars(self) -> i128 {
        i128::from(self.micro) * 1_000_000
    }
}

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Usd, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Number {
            Int(i64),
            Float(f64),
        }
        let value = match Number::deserialize(d)? {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        };
        // A negative budget could never be met; a huge one is a typo (and would overflow).
        if !value.is_finite() || !(0.0..=1e12).contains(&value) {
            return Err(serde::de::Error::custom(format!(
                "a budget is a number of US dollars from 0 to 1e12, not {value}"
            )));
        }
        Ok(Usd {
            micro: (value * 1e6).round() as u64,
        })
    }
}

/// Daily, weekly and monthly limits of one budget (any of them may be unset).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BudgetLimits {
    /// Limit of a calendar day.
    pub daily_usd: Option<Usd>,
    /// Limit of a calendar week (Monday to Sunday, as `report --by week` groups).
    pub weekly_usd: Option<Usd>,
    /// Limit of a calendar month.
    pub monthly_usd: Option<Usd>,
}

impl BudgetLimits {
    /// Whether no limit is set.
    pub fn is_empty(&self) -> bool {
        self.daily_usd.is_none() && self.weekly_usd.is_none() && self.monthly_usd.is_none()
    }
}

/// The `[budget]` table: limits on calculated cost, overall, per provider and per project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BudgetConfig {
    /// Limit of everything stored, per calendar day.
    pub daily_usd: Option<Usd>,
    /// Limit of everything stored, per calendar week.
    pub weekly_usd: Option<Usd>,
    /// Limit of everything stored, per calendar month.
    pub monthly_usd: Option<Usd>,
    /// `[budget.providers.<id>]`: limits of one provider's usage.
    #[serde(default)]
    pub providers: BTreeMap<ProviderId, BudgetLimits>,
    /// `[budget.projects."<path>"]`: limits of one project's usage (the path as reports show
    /// it, or in full).
    #[serde(default)]
    pub projects: BTreeMap<String, BudgetLimits>,
}

impl BudgetConfig {
    /// The overall limits.
    pub fn overall(&self) -> BudgetLimits {
        BudgetLimits {
            daily_usd: self.daily_usd,
            weekly_usd: self.weekly_usd,
            monthly_usd: self.monthly_usd,
        }
    }

    /// Whether no budget is set at all.
    pub fn is_empty(&self) -> bool {
        self.overall().is_empty()
            && self.providers.values().all(BudgetLimits::is_empty)
            && self.projects.values().all(BudgetLimits::is_empty)
    }
}

/// The `[alerts]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AlertsConfig {
    /// `[[alerts.webhooks]]`: where alerts are sent.
    #[serde(default)]
    pub webhooks: Vec<WebhookConfig>,
    /// How long a command may spend delivering queued alerts before it exits, in
    /// milliseconds (default 5000); what is not delivered waits for the next command.
    pub deadline_ms: Option<u64>,
}

/// One `[[alerts.webhooks]]` entry. Its `Debug` leaves the URL out: a webhook URL is a secret.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WebhookConfig {
    /// The URL (http or https), with its place in the file for error messages.
    pub url: Option<toml::Spanned<String>>,
    /// The environment variable holding the URL instead.
    pub url_env: Option<String>,
    /// The payload format.
    pub kind: WebhookKind,
    /// The events sent (all when empty).
    #[serde(default)]
    pub events: Vec<EventKind>,
    /// `generic` only: the environment variable holding the Standard Webhooks secret
    /// (`whsec_` and base64).
    pub secret_env: Option<toml::Spanned<String>>,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url.as_ref().map(|_| ".."))
            .field("url_env", &self.url_env)
            .field("kind", &self.kind)
            .field("events", &self.events)
            .field("secret_env", &self.secret_env.as_ref().map(|s| s.get_ref()))
            .finish()
    }
}

/// A webhook's payload format; any http(s) URL is accepted for any kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookKind {
    /// Slack incoming webhook: `text` and blocks.
    Slack,
    /// Discord webhook: `content` and an embed, no mentions.
    Discord,
    /// JSON signed per Standard Webhooks.
    Generic,
}

impl WebhookKind {
    /// The name used in config.toml.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::Slack => "slack",
            WebhookKind::Discord => "discord",
            WebhookKind::Generic => "generic",
        }
    }
}

/// An event an alert reports (docs/alerts.md, "Events").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A budget reached 80% of its limit.
    BudgetWarning,
    /// A budget reached 100% of its limit.
    BudgetExceeded,
    /// An official usage window reached 80%.
    LimitWarning,
    /// An official usage window reached 100%.
    LimitReached,
    /// An active block is projected past its token limit.
    BlockProjection,
    /// A session's context reached 80% of its window.
    ContextWarning,
}

impl EventKind {
    /// Every event.
    pub const ALL: [EventKind; 6] = [
        EventKind::BudgetWarning,
        EventKind::BudgetExceeded,
        EventKind::LimitWarning,
        EventKind::LimitReached,
        EventKind::BlockProjection,
        EventKind::ContextWarning,
    ];

    /// The event's name in config.toml and payloads.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::BudgetWarning => "budget_warning",
            EventKind::BudgetExceeded => "budget_exceeded",
            EventKind::LimitWarning => "limit_warning",
            EventKind::LimitReached => "limit_reached",
            EventKind::BlockProjection => "block_projection",
            EventKind::ContextWarning => "context_warning",
        }
    }

    /// The event named `s`.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// The 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Checks what the types cannot: each webhook has exactly one of `url` and `url_env`, its URL
/// is http(s), and only a `generic` one names a secret (which it must). The error names the
/// key and line, never the URL.
pub(crate) fn check(alerts: &AlertsConfig, text: &str) -> Result<(), String> {
    for (i, hook) in alerts.webhooks.iter().enumerate() {
        let key = format!("alerts.webhooks[{i}]");
        match (&hook.url, &hook.url_env) {
            (Some(_), Some(_)) => {
                return Err(format!("{key}: set url or url_env, not both"));
            }
            (None, None) => {
                return Err(format!(
                    "{key}: set url = \"https://...\" or url_env = \"VARIABLE\""
                ));
            }
            (Some(url), None) => {
                if let Err(why) = WebhookUrl::parse(url.get_ref()) {
                    return Err(format!(
                        "{key}.url (line {}): {why}",
                        line_of(text, url.span().start)
                    ));
                }
            }
            (None, Some(_)) => {}
        }
        match (&hook.secret_env, hook.kind) {
            (Some(secret), kind) if kind != WebhookKind::Generic => {
                return Err(format!(
                    "{key}.secret_env (line {}): only kind = \"generic\" payloads are signed; remove it or change the kind",
                    line_of(text, secret.span().start)
                ));
            }
            (None, WebhookKind::Generic) => {
                return Err(format!(
                    "{key}: a generic webhook is signed: set secret_env to the variable holding its whsec_ secret"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    use super::*;

    #[test]
    fn budget_and_webhook_keys() {
        let c = Config::parse(
            "[budget]\ndaily_usd = 20\nmonthly_usd = 0.5\n[budget.projects.\"/x\"]\nweekly_usd = 1e2\n\
             [[alerts.webhooks]]\nurl = \"https://h.example/p\"\nkind = \"discord\"\nevents = [\"limit_reached\"]\n",
        )
        .unwrap();
        assert_eq!(c.budget.daily_usd, Some(Usd::from_micro(20_000_000)));
        assert_eq!(c.budget.monthly_usd.unwrap().dollars(), 0.5);
        assert_eq!(c.budget.projects["/x"].weekly_usd.unwrap().dollars(), 100.0);
        assert!(!c.budget.is_empty() && Config::default().budget.is_empty());
        let hook = &c.alerts.webhooks[0];
        assert_eq!(hook.kind, WebhookKind::Discord);
        assert_eq!(hook.events, [EventKind::LimitReached]);
        for (text, expect) in [
            (
                "[[alerts.webhooks]]\nurl = \"https://a/\"\nurl_env = \"X\"\nkind = \"slack\"\n",
                "not both",
            ),
            ("[[alerts.webhooks]]\nkind = \"slack\"\n", "url_env"),
            (
                "[[alerts.webhooks]]\nurl = \"https://a/\"\nkind = \"slack\"\n\nsecret_env = \"S\"\n",
                "secret_env (line 5)",
            ),
            (
                "[[alerts.webhooks]]\nkind = \"slack\"\nurl = \"javascript://a/SECRET\"\n",
                "alerts.webhooks[0].url (line 3)",
            ),
            ("[budget]\nweekly_usd = nan\n", "weekly_usd"),
        ] {
            let e = Config::parse(text).unwrap_err().to_string();
            assert!(e.contains(expect), "{text}: {e}");
            assert!(!e.contains("SECRET"), "{e}");
        }
    }
}

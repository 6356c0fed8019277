//! The configured webhooks as a command uses them: URL and secret read from the environment,
//! checked, and named in the database by a hash (docs/alerts.md, "Webhooks").

use base64::Engine as _;
use camino::Utf8Path;
use sha2::{Digest as _, Sha256};

use crate::env::Env;
use crate::error::{Error, Result};

use super::config::{AlertsConfig, EventKind, WebhookKind};
use super::url::WebhookUrl;

/// One `[[alerts.webhooks]]` entry, ready to send to (or why it cannot be). Its `Debug` leaves
/// the signing key out.
#[derive(Clone)]
pub(crate) struct Webhook {
    /// Its position in the configuration (`alerts test --webhook N`).
    pub index: usize,
    pub kind: WebhookKind,
    /// `None` when `url_env` names an unset variable.
    pub url: Option<WebhookUrl>,
    /// The events it wants (all when empty).
    pub events: Vec<EventKind>,
    /// The Standard Webhooks key (generic only).
    pub secret: Option<Vec<u8>>,
    /// The name the database knows it by: a hash of its kind and URL (never the URL).
    pub endpoint: String,
    /// Why it cannot be sent to, when it cannot.
    pub problem: Option<String>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("index", &self.index)
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("secret", &self.secret.as_ref().map(|_| ".."))
            .field("endpoint", &self.endpoint)
            .field("problem", &self.problem)
            .finish()
    }
}

impl Webhook {
    /// Whether it wants `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e.as_str() == event)
    }

    /// `scheme://host`, or what stands in for an unknown URL.
    pub fn shown(&self) -> String {
        self.url
            .as_ref()
            .map_or_else(|| "(URL not set)".to_owned(), WebhookUrl::redacted)
    }
}

/// The webhooks of a configuration, the fingerprint of its `[alerts]` table (every key of
/// every webhook, the URL as its hash; a webhook disabled by a 404 stays disabled until the
/// fingerprint changes) and the warnings to show.
#[derive(Debug, Clone, Default)]
pub(crate) struct Webhooks {
    pub hooks: Vec<Webhook>,
    pub fingerprint: String,
    pub warnings: Vec<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Webhooks {
    /// Resolves `[alerts]` against the environment. A URL from `url_env` that is not http(s)
    /// or a secret that is not base64 is a configuration error naming the key; an unset
    /// variable leaves the webhook unusable with a warning.
    pub fn resolve(config: &AlertsConfig, env: &Env, path: &Utf8Path) -> Result<Webhooks> {
        let refuse = |message: String| Error::Config {
            path: path.to_owned(),
            message,
        };
        let mut out = Webhooks::default();
        let mut whole = Sha256::new();
        for (index, hook) in config.webhooks.iter().enumerate() {
            let key = format!("alerts.webhooks[{index}]");
            let mut problem = None;
            let url = match (&hook.url, &hook.url_env) {
                (Some(url), _) => Some(
                    WebhookUrl::parse(url.get_ref())
                        .map_err(|why| refuse(format!("{key}.url: {why}")))?,
                ),
                (None, Some(var)) => match env.var(var).filter(|v| !v.is_empty()) {
                    Some(value) => Some(
                        WebhookUrl::parse(value)
                            .map_err(|why| refuse(format!("{key}.url_env (${var}): {why}")))?,
                    ),
                    None => {
                        problem = Some(format!("{key}.url_env: ${var} is not set"));
                        None
                    }
                },
                (None, None) => None,
            };
            let secret = match &hook.secret_env {
                Some(var) => match env.var(var.get_ref()).filter(|v| !v.is_empty()) {
                    Some(value) => Some(decode_secret(value).ok_or_else(|| {
                        refuse(format!(
                            "{key}.secret_env (${}): not a Standard Webhooks secret; use whsec_ followed by base64",
                            var.get_ref()
                        ))
                    })?),
                    None => {
                        problem.get_or_insert(format!(
                            "{key}.secret_env: ${} is not set",
                            var.get_ref()
                        ));
                        None
                    }
                },
                None => None,
            };
            let mut id = Sha256::new();
            id.update(hook.kind.as_str());
            id.update([0]);
            id.update(url.as_ref().map_or("", |u| u.full()));
            let endpoint = hex(&id.finalize()[..12]);
            whole.update(format!(
                "{index}\0{endpoint}\0{:?}\0{:?}\0{:?}\n",
                hook.events,
                hook.url_env,
                hook.secret_env.as_ref().map(|s| s.get_ref())
            ));
            if let Some(url) = &url {
                out.warnings
                    .extend(url.warnings().into_iter().map(|w| format!("{key}: {w}")));
            }
            if let Some(p) = &problem {
                out.warnings
                    .push(format!("{p}; this webhook gets no alerts until it is"));
            }
            out.hooks.push(Webhook {
                index,
                kind: hook.kind,
                url,
                events: hook.events.clone(),
                secret,
                endpoint,
                problem,
            });
        }
        whole.update(format!("deadline {:?}", config.deadline_ms));
        out.fingerprint = hex(&whole.finalize()[..12]);
        Ok(out)
    }
}

/// The key of a Standard Webhooks secret: `whsec_` and base64.
fn decode_secret(s: &str) -> Option<Vec<u8>> {
    let b64 = s.strip_prefix("whsec_").unwrap_or(s);
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .ok()
        .filter(|k| !k.is_empty())
}

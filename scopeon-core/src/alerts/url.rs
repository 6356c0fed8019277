//! Webhook URLs: which are accepted, what is warned about, and the only part ever shown.
//!
//! A Slack or Discord webhook URL carries its secret in the path, so a URL is shown as its
//! scheme and host alone ([`WebhookUrl::redacted`]) in every message, log line and document
//! (docs/alerts.md, "URLs are secrets").

use std::fmt;

/// A parsed http(s) webhook URL.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    full: String,
    scheme: String,
    host: String,
    credentials: bool,
}

// Never print the URL itself, not even in a debug dump.
impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookUrl({})", self.redacted())
    }
}

impl WebhookUrl {
    /// Parses `s`; the error says what is wrong without repeating the URL.
    pub fn parse(s: &str) -> Result<WebhookUrl, String> {
        let (scheme, rest) = s
            .split_once("://")
            .ok_or("is not a URL: write it as https://host/path")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            let shown: String = scheme.chars().take(16).collect();
            return Err(format!(
                "scheme {shown:?} is not accepted; a webhook URL is http:// or https://"
            ));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("contains spaces or control characters".into());
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (credentials, host_port) = match authority.rsplit_once('@') {
            Some((_, host)) => (true, host),
            None => (false, authority),
        };
        let host = if let Some(v6) = host_port.strip_prefix('[') {
            match v6.split_once(']') {
                Some((inner, _)) => format!("[{inner}]"),
                None => return Err("has an unclosed [ in its host".into()),
            }
        } else {
            host_port.split(':').next().unwrap_or_default().to_owned()
        };
        if host.is_empty() {
            return Err("has no host".into());
        }
        Ok(WebhookUrl {
            full: s.to_owned(),
            scheme,
            host: host.to_ascii_lowercase(),
            credentials,
        })
    }

    /// The whole URL: for the HTTP client only.
    pub(crate) fn full(&self) -> &str {
        &self.full
    }

    /// `scheme://host`, the only form ever shown.
    pub fn redacted(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }

    /// Whether the host is this machine (cleartext to it does not cross a network).
    pub fn is_loopback(&self) -> bool {
        let h = self.host.as_str();
        h == "localhost"
            || h.ends_with(".localhost")
            || h == "[::1]"
            || h.parse::<std::net::Ipv4Addr>()
                .is_ok_and(|a| a.is_loopback())
    }

    /// What a user should hear about this URL: embedded credentials, cleartext to another
    /// machine.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.credentials {
            w.push(format!(
                "the webhook URL for {} embeds credentials (user:password@); anyone who reads config.toml can use them",
                self.redacted()
            ));
        }
        if self.scheme == "http" && !self.is_loopback() {
            w.push(format!(
                "the webhook URL for {} is cleartext http to another machine: alerts and the URL's secret path can be read on the way; use https",
                self.redacted()
            ));
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_shown_as_scheme_and_host() {
        let u = WebhookUrl::parse("https://hooks.slack.com/services/T0/B0/SECRET").unwrap();
        assert_eq!(u.redacted(), "https://hooks.slack.com");
        assert!(!format!("{u:?}").contains("SECRET"));
        assert!(u.warnings().is_empty());
        let u = WebhookUrl::parse("http://user:pw@Example.org:8080/x").unwrap();
        assert_eq!(u.redacted(), "http://example.org");
        let w = u.warnings().join("\n");
        assert!(w.contains("credentials") && w.contains("cleartext"), "{w}");
        assert!(!w.contains("pw"), "{w}");
        for local in [
            "http://127.0.0.1:9/x",
            "http://localhost/x",
            "http://[::1]:80/",
        ] {
            let u = WebhookUrl::parse(local).unwrap();
            assert!(u.is_loopback() && u.warnings().is_empty(), "{local}");
        }
        for bad in [
            "ftp://x/y",
            "file:///etc/passwd",
            "hooks.slack.com/x",
            "https:///x",
        ] {
            let e = WebhookUrl::parse(bad).unwrap_err();
            assert!(!e.contains("passwd") && !e.contains("/y"), "{e}");
        }
    }
}

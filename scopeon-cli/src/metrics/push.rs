//! One OTLP/HTTP push with retries, through the system `curl` (docs/teams.md, "Delivery").
//!
//! curl rather than an HTTP client crate: collectors and vendors' OTLP endpoints are mostly
//! https, the workspace has no TLS stack (hyper's client would speak plain http only, and
//! rustls would bring a dozen crates and a certificate store to keep current), and the
//! system curl uses the system's certificates and proxies. The POST itself is
//! `scopeon_core::curl::post`, which the webhook alerts use too: URL and headers on curl's
//! standard input, never in its argv. The gzipped body goes through a private (0600)
//! temporary file.
//!
//! Retries: 429, 502, 503 and 504, and no answer at all (connection refused, timeout), are
//! tried again after 1, 2, 4 and 8 seconds, or after the `Retry-After` the collector asked
//! for (at most a minute); any other status, 400 above all, is final. Re-sending is safe:
//! the points are cumulative, so a batch accepted twice counts nothing twice.

use std::io::Write as _;
use std::time::{Duration, Instant};

use scopeon_core::curl::{Answer, Body};

use super::target::{Target, redacted};

/// How often and how long to try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all (the first one included).
    pub attempts: u32,
    /// The wait before the first retry; doubled for each later one.
    pub first_backoff: Duration,
    /// The longest wait, whatever `Retry-After` asks.
    pub max_wait: Duration,
    /// One attempt's time limit.
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            first_backoff: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

/// Whether a status is worth trying again (the OTLP/HTTP specification's list).
fn retryable(code: u16) -> bool {
    matches!(code, 429 | 502 | 503 | 504)
}

/// The headers of a push: the body's type and encoding, then the target's own.
fn headers(target: &Target) -> Vec<(String, String)> {
    let mut headers = vec![
        (
            "Content-Type".to_owned(),
            target.protocol.content_type().to_owned(),
        ),
        ("Content-Encoding".to_owned(), "gzip".to_owned()),
        // No `Expect: 100-continue` round trip before a large body.
        ("Expect".to_owned(), String::new()),
        (
            "User-Agent".to_owned(),
            format!("scopeon/{}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    headers.extend(target.headers.iter().cloned());
    headers
}

/// Pushes `body` (already gzipped) to the target, retrying as the module says. `Ok` with
/// the accepting status; `Err` with a message that names the collector by scheme, host and
/// port only (never the path, a query or a header).
pub fn push(target: &Target, gzipped_body: &[u8], policy: &RetryPolicy) -> Result<u16, String> {
    let where_ = redacted(&target.url);
    let mut file = tempfile::Builder::new()
        .prefix("scopeon-otlp-")
        .tempfile()
        .map_err(|e| format!("cannot write the OTLP body to a temporary file: {e}"))?;
    file.write_all(gzipped_body)
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write the OTLP body to a temporary file: {e}"))?;
    let Some(path) = file.path().to_str() else {
        return Err("the temporary directory's path is not UTF-8; set TMPDIR to another".into());
    };
    let mut backoff = policy.first_backoff;
    let mut last = String::new();
    for attempt in 1..=policy.attempts.max(1) {
        let answer = scopeon_core::curl::post(
            &target.url,
            &headers(target),
            Body::File(path),
            policy.attempt_timeout,
            Instant::now() + policy.attempt_timeout + Duration::from_secs(5),
        );
        let wait = match &answer {
            Answer::Status { code, .. } if (200..300).contains(code) => return Ok(*code),
            Answer::Status { code, retry_after } if retryable(*code) => {
                last = format!("the collector at {where_} answered {code}");
                let wait = retry_after.map_or(backoff, Duration::from_secs);
                if wait > policy.max_wait {
                    // Honoured by not asking again before then: the next push does.
                    return Err(format!(
                        "{last} and asked to wait {} s; not retried before then (the next push sends the same totals again)",
                        wait.as_secs()
                    ));
                }
                wait
            }
            Answer::Status { code, .. } => {
                return Err(format!(
                    "the collector at {where_} refused the metrics with status {code}{}",
                    match code {
                        400 => " (a malformed request: not retried)",
                        401 | 403 =>
                            " (check the API key or headers: --header, OTEL_EXPORTER_OTLP_HEADERS)",
                        404 =>
                            " (is the endpoint the collector's OTLP/HTTP base address? /v1/metrics is appended)",
                        413 => " (the request is too large for it)",
                        _ => "",
                    }
                ));
            }
            Answer::Failed(why) => {
                last = format!("no answer from the collector at {where_}: {why}");
                backoff
            }
        };
        if attempt == policy.attempts {
            break;
        }
        std::thread::sleep(wait.min(policy.max_wait));
        backoff = (backoff * 2).min(policy.max_wait);
    }
    Err(format!(
        "{last}; gave up after {} attempts (the next push sends the same totals again)",
        policy.attempts
    ))
}

#[cfg(test)]
mod tests {
    use super::super::otlp::Protocol;
    use super::*;

    #[test]
    fn retried_statuses() {
        assert!(retryable(429) && retryable(502) && retryable(503) && retryable(504));
        assert!(!retryable(400) && !retryable(500) && !retryable(401));
    }

    #[test]
    fn a_push_says_its_type_and_encoding_then_the_targets_headers() {
        let target = Target {
            url: "https://h.example/v1/metrics".into(),
            headers: vec![("api-key".into(), "a\\b".into())],
            protocol: Protocol::Json,
        };
        let h = headers(&target);
        assert!(h.contains(&("Content-Type".into(), "application/json".into())));
        assert!(h.contains(&("Content-Encoding".into(), "gzip".into())));
        assert_eq!(h.last(), Some(&("api-key".into(), "a\\b".into())));
    }
}

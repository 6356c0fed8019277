//! One OTLP/HTTP push with retries, through the system `curl` (docs/teams.md, "Delivery").
//!
//! curl rather than an HTTP client crate: collectors and vendors' OTLP endpoints are mostly
//! https, the workspace has no TLS stack (hyper's client would speak plain http only, and
//! rustls would bring a dozen crates and a certificate store to keep current), and the
//! system curl uses the system's certificates and proxies. curl is started as `curl -q -K -`
//! and reads its whole configuration (URL, headers) on its standard input, so neither the
//! URL nor an API key in a header is in its argv, which every local user can read in /proc;
//! `-q` keeps a `~/.curlrc` out. The gzipped body goes through a private (0600) temporary
//! file. Redirects are not followed, only http and https are spoken, the response body is
//! discarded; the status line and `Retry-After` are read from the dumped headers.
//!
//! Retries: 429, 502, 503 and 504, and no answer at all (connection refused, timeout), are
//! tried again after 1, 2, 4 and 8 seconds, or after the `Retry-After` the collector asked
//! for (at most a minute); any other status, 400 above all, is final. Re-sending is safe:
//! the points are cumulative, so a batch accepted twice counts nothing twice.

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::target::{Target, redacted};

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// The collector answered with this status (and `Retry-After`, in seconds).
    Status { code: u16, retry_after: Option<u64> },
    /// No answer; the reason never holds the URL.
    Failed(String),
}

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

/// A value in curl's configuration syntax: double quotes, with `\` and `"` escaped and
/// control characters written as escapes (header values were checked for line breaks).
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The configuration curl reads on its standard input.
fn config(target: &Target, body_path: &str, timeout: Duration) -> String {
    let mut c = String::new();
    c.push_str("silent\n");
    c.push_str("proto = \"=http,https\"\n");
    c.push_str(&format!("max-time = {}\n", timeout.as_secs().max(1)));
    c.push_str("connect-timeout = 10\n");
    c.push_str("output = \"/dev/null\"\n");
    c.push_str("dump-header = \"-\"\n");
    // A proxy's `200 Connection established` is not the collector's answer.
    c.push_str("suppress-connect-headers\n");
    c.push_str(&format!("url = {}\n", quoted(&target.url)));
    let mut headers = vec![
        format!("Content-Type: {}", target.protocol.content_type()),
        "Content-Encoding: gzip".to_owned(),
        // No `Expect: 100-continue` round trip before a large body.
        "Expect:".to_owned(),
        format!("User-Agent: scopeon/{}", env!("CARGO_PKG_VERSION")),
    ];
    headers.extend(target.headers.iter().map(|(k, v)| format!("{k}: {v}")));
    for h in headers {
        c.push_str(&format!("header = {}\n", quoted(&h)));
    }
    c.push_str(&format!(
        "data-binary = {}\n",
        quoted(&format!("@{body_path}"))
    ));
    c
}

/// One POST of the body in `body_path`.
fn post_once(target: &Target, body_path: &str, timeout: Duration) -> Answer {
    let mut child = match Command::new("curl")
        .args(["-q", "-K", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // curl needs none of Scopeon's own secrets.
        .env_remove("SCOPEON_SECRET")
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Answer::Failed(
                "curl is not installed; install it (the package is curl)".into(),
            );
        }
        Err(e) => return Answer::Failed(format!("cannot run curl ({})", e.kind())),
    };
    let written = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(config(target, body_path, timeout).as_bytes()));
    if let Some(Err(e)) = written {
        let _ = child.kill();
        let _ = child.wait();
        return Answer::Failed(format!("cannot talk to curl ({})", e.kind()));
    }
    let mut headers = Vec::new();
    if let Some(out) = child.stdout.as_mut() {
        let _ = out.take(64 * 1024).read_to_end(&mut headers);
        // Whatever is beyond the cap is drained, so curl never blocks writing it.
        let _ = std::io::copy(out, &mut std::io::sink());
    }
    let status = child.wait();
    let exit = status.as_ref().ok().and_then(|s| s.code());
    match parse_headers(&String::from_utf8_lossy(&headers)) {
        // A success only counts when curl itself finished without an error.
        Some(Answer::Status { code, .. }) if (200..300).contains(&code) && exit != Some(0) => {
            Answer::Failed(format!("curl exit {}", exit.map_or(-1, i64::from)))
        }
        Some(answer) => answer,
        None => Answer::Failed(match exit {
            Some(6) => "host not found".into(),
            Some(7) => "connection refused".into(),
            Some(28) => "timed out".into(),
            Some(35 | 60) => "TLS failed".into(),
            Some(code) => format!("curl exit {code}"),
            None => "curl was stopped".into(),
        }),
    }
}

/// The status and `Retry-After` of the last response in curl's dumped headers (a `100
/// Continue` comes before the real one).
fn parse_headers(text: &str) -> Option<Answer> {
    let mut answer = None;
    for line in text.lines() {
        let line = line.trim_end();
        if line.starts_with("HTTP/") {
            let code = line.split_whitespace().nth(1)?.parse().ok()?;
            answer = Some((code, None));
        } else if let (Some((_, retry)), Some((name, value))) =
            (answer.as_mut(), line.split_once(':'))
            && name.trim().eq_ignore_ascii_case("retry-after")
        {
            *retry = retry_after_seconds(value.trim());
        }
    }
    answer.map(|(code, retry_after)| Answer::Status { code, retry_after })
}

/// `Retry-After` as seconds: a number, or an HTTP date.
fn retry_after_seconds(value: &str) -> Option<u64> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    Some(at.duration_since(jiff::Timestamp::now()).as_secs().max(0) as u64)
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
        let answer = post_once(target, path, policy.attempt_timeout);
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
    fn statuses_and_retry_after_from_dumped_headers() {
        assert_eq!(
            parse_headers(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Unavailable\r\nRetry-After: 3\r\n\r\n"
            ),
            Some(Answer::Status {
                code: 503,
                retry_after: Some(3)
            })
        );
        assert_eq!(
            parse_headers("HTTP/2 200\r\ncontent-type: application/x-protobuf\r\n\r\n"),
            Some(Answer::Status {
                code: 200,
                retry_after: None
            })
        );
        assert_eq!(parse_headers(""), None);
        assert!(retryable(429) && retryable(502) && retryable(503) && retryable(504));
        assert!(!retryable(400) && !retryable(500) && !retryable(401));
    }

    #[test]
    fn the_configuration_quotes_url_headers_and_body_path() {
        let target = Target {
            url: "https://h.example/v1/metrics?k=\"x\"".into(),
            headers: vec![("api-key".into(), "a\\b".into())],
            protocol: Protocol::Json,
        };
        let c = config(&target, "/tmp/body", Duration::from_secs(30));
        assert!(
            c.contains("url = \"https://h.example/v1/metrics?k=\\\"x\\\"\"\n"),
            "{c}"
        );
        assert!(c.contains("header = \"api-key: a\\\\b\"\n"), "{c}");
        assert!(c.contains("header = \"Content-Type: application/json\"\n"));
        assert!(c.contains("header = \"Content-Encoding: gzip\"\n"));
        assert!(c.contains("data-binary = \"@/tmp/body\"\n"));
    }
}

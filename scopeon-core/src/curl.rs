//! One HTTP POST through the system `curl`, for the webhook alerts (docs/alerts.md,
//! "Delivery") and the OTLP export (docs/teams.md); SECURITY.md says why curl.
//!
//! curl is started as `curl -q -K -`: its whole configuration, the URL, the headers (a
//! signature or an API key among them) and the body or the body's file, is written to its
//! standard input, so nothing of the request is in its argv, which every local user can read
//! in /proc. `-q` keeps a `~/.curlrc` out, and `SCOPEON_SECRET` stays out of its environment.
//! Redirects are not followed, only http and https are spoken, and the response body is
//! discarded; the status line and `Retry-After` are read from the dumped headers, a proxy's
//! `200 Connection established` left out, and a 2xx counts only when curl itself succeeded.

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a POST ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The endpoint answered with this status (and `Retry-After`, in seconds, when sent).
    Status {
        /// The HTTP status.
        code: u16,
        /// `Retry-After` in seconds (a date is turned into the seconds until it).
        retry_after: Option<u64>,
    },
    /// No answer: connection refused, timed out, DNS, TLS, curl missing. Never holds the
    /// URL.
    Failed(String),
}

impl Answer {
    /// What is recorded and shown: `200`, `503`, `network: ...`.
    pub fn describe(&self) -> String {
        match self {
            Answer::Status { code, .. } => code.to_string(),
            Answer::Failed(why) => format!("network: {why}"),
        }
    }
}

/// What is posted.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// A JSON document, sent as it is.
    Json(&'a str),
    /// The contents of this file (a gzipped body written to a private temporary file).
    File(&'a str),
}

/// A value in curl's configuration syntax: double quotes, with `\` and `"` escaped and
/// control characters written as escapes.
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
fn config(url: &str, headers: &[(String, String)], body: Body<'_>, timeout: Duration) -> String {
    let mut c = String::new();
    c.push_str("silent\n");
    c.push_str("proto = \"=http,https\"\n");
    c.push_str(&format!("max-time = {}\n", timeout.as_secs().max(1)));
    c.push_str("connect-timeout = 5\n");
    c.push_str("output = \"/dev/null\"\n");
    c.push_str("dump-header = \"-\"\n");
    // A proxy's `200 Connection established` is not the endpoint's answer.
    c.push_str("suppress-connect-headers\n");
    c.push_str(&format!("url = {}\n", quoted(url)));
    for (name, value) in headers {
        // An empty value (`Expect:`) tells curl to send no such header at all.
        let line = if value.is_empty() {
            format!("{name}:")
        } else {
            format!("{name}: {value}")
        };
        c.push_str(&format!("header = {}\n", quoted(&line)));
    }
    let data = match body {
        // A body starting with @ would be a file name to curl; a JSON object never does.
        Body::Json(text) => {
            debug_assert!(text.starts_with('{'));
            quoted(text)
        }
        Body::File(path) => quoted(&format!("@{path}")),
    };
    c.push_str(&format!("data-binary = {data}\n"));
    c
}

/// POSTs `body` to `url`, giving up at `deadline` or after `timeout`, whichever comes first.
/// Header values must hold no line break (the callers check).
pub fn post(
    url: &str,
    headers: &[(String, String)],
    body: Body<'_>,
    timeout: Duration,
    deadline: Instant,
) -> Answer {
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
    let written = child.stdin.take().map(|mut stdin| {
        stdin.write_all(config(url, headers, body, timeout).as_bytes())
        // Dropping stdin closes it: curl starts once it has read its configuration.
    });
    if let Some(Err(e)) = written {
        let _ = child.kill();
        let _ = child.wait();
        return Answer::Failed(format!("cannot talk to curl ({})", e.kind()));
    }
    // Read on a thread, whole (beyond the cap drained), so a full pipe never blocks curl.
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.take(64 * 1024).read_to_end(&mut bytes);
            let _ = std::io::copy(out, &mut std::io::sink());
        }
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let headers = reader.join().unwrap_or_default();
    let Some(status) = status else {
        return Answer::Failed("no answer before the command's deadline".into());
    };
    let exit = status.code();
    match parse_headers(&headers) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_config() {
        assert_eq!(
            parse_headers(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many\r\nRetry-After: 120\r\n\r\n"
            ),
            Some(Answer::Status {
                code: 429,
                retry_after: Some(120)
            })
        );
        assert_eq!(
            parse_headers("HTTP/2 204\r\n\r\n"),
            Some(Answer::Status {
                code: 204,
                retry_after: None
            })
        );
        assert_eq!(parse_headers(""), None);
        let c = config(
            "https://h.example/a\"b",
            &[("x".into(), "y\\z".into())],
            Body::Json("{\"a\":\"\\\"\"}"),
            Duration::from_secs(10),
        );
        assert!(c.contains("url = \"https://h.example/a\\\"b\"\n"), "{c}");
        assert!(c.contains("header = \"x: y\\\\z\"\n"), "{c}");
        assert!(
            c.contains("data-binary = \"{\\\"a\\\":\\\"\\\\\\\"\\\"}\"\n"),
            "{c}"
        );
    }

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
    }

    #[test]
    fn a_body_file_is_named_with_an_at_sign() {
        let c = config(
            "https://h.example/v1/metrics?k=\"x\"",
            &[("api-key".into(), "a\\b".into())],
            Body::File("/tmp/body"),
            Duration::from_secs(30),
        );
        assert!(
            c.contains("url = \"https://h.example/v1/metrics?k=\\\"x\\\"\"\n"),
            "{c}"
        );
        assert!(c.contains("header = \"api-key: a\\\\b\"\n"), "{c}");
        assert!(c.contains("data-binary = \"@/tmp/body\"\n"));
    }
}

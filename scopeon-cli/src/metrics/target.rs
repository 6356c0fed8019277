//! Where OTLP pushes go and with which headers: `--endpoint`, `--header` and `--protocol`, or
//! the standard `OTEL_EXPORTER_OTLP_*` variables (docs/teams.md, "OpenTelemetry").

use scopeon_core::env::Env;

use super::otlp::Protocol;

/// A resolved push target.
#[derive(Clone)]
pub struct Target {
    /// The full URL, ending `/v1/metrics` unless it came from
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` (used as given, as the specification says).
    pub url: String,
    /// Extra request headers (an API key, say).
    pub headers: Vec<(String, String)>,
    pub protocol: Protocol,
}

// Headers often hold API keys: a debug print shows their names only.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("url", &redacted(&self.url))
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("protocol", &self.protocol)
            .finish()
    }
}

/// What messages may say about a URL: its scheme, host and port. The path, query and any
/// user information can hold a key (`https://user:key@host/...?api_key=...`).
pub fn redacted(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("{scheme}://{host}")
}

/// What the command line says (each `None` falls back to the environment).
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub endpoint: Option<String>,
    pub protocol: Option<String>,
    pub headers: Vec<String>,
}

/// `base` with `/v1/metrics` appended (once, whatever the trailing slash).
fn metrics_url(base: &str) -> String {
    format!("{}/v1/metrics", base.trim_end_matches('/'))
}

/// Percent-decodes an `OTEL_EXPORTER_OTLP_HEADERS` value (W3C Baggage form: `%20` and the
/// like); a malformed escape is kept as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A header name is a token; a value must not hold a line break or NUL, which would end the
/// header early (and, through curl's configuration, add others).
fn check_header(name: &str, value: &str, from: &str) -> Result<(), String> {
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !name_ok {
        return Err(format!(
            "{from}: a header name must be letters, digits or -_. (the name is not shown here)"
        ));
    }
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(format!(
            "{from}: the value of header {name} holds a line break; remove it"
        ));
    }
    Ok(())
}

/// Resolves the target: the command line first, then `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`,
/// `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL` and
/// `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`; a `--header` of the same name wins).
pub fn resolve(given: &Given, env: &Env) -> Result<Target, String> {
    let url = match (
        &given.endpoint,
        env.var("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
    ) {
        (Some(e), _) => metrics_url(e),
        (None, Some(e)) if !e.is_empty() => e.to_owned(),
        _ => match env.var("OTEL_EXPORTER_OTLP_ENDPOINT") {
            Some(e) if !e.is_empty() => metrics_url(e),
            _ => {
                return Err(
                    "no OTLP endpoint: give --endpoint URL (a collector's OTLP/HTTP address, such as http://127.0.0.1:4318) or set OTEL_EXPORTER_OTLP_ENDPOINT".into(),
                );
            }
        },
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!(
            "the OTLP endpoint {} must start with http:// or https://",
            redacted(&url)
        ));
    }
    let protocol = match (&given.protocol, env.var("OTEL_EXPORTER_OTLP_PROTOCOL")) {
        (Some(p), _) => Protocol::parse(p)?,
        (None, Some(p)) if !p.is_empty() => {
            Protocol::parse(p).map_err(|e| format!("OTEL_EXPORTER_OTLP_PROTOCOL: {e}"))?
        }
        _ => Protocol::Protobuf,
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(list) = env.var("OTEL_EXPORTER_OTLP_HEADERS") {
        for item in list.split(',').filter(|s| !s.trim().is_empty()) {
            let Some((k, v)) = item.split_once('=') else {
                return Err(
                    "OTEL_EXPORTER_OTLP_HEADERS: each entry must be name=value, separated by commas".into(),
                );
            };
            let (k, v) = (k.trim().to_owned(), percent_decode(v.trim()));
            check_header(&k, &v, "OTEL_EXPORTER_OTLP_HEADERS")?;
            headers.push((k, v));
        }
    }
    for item in &given.headers {
        let Some((k, v)) = item.split_once('=') else {
            return Err("--header takes NAME=VALUE".into());
        };
        let (k, v) = (k.trim().to_owned(), v.to_owned());
        check_header(&k, &v, "--header")?;
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case(&k));
        headers.push((k, v));
    }
    Ok(Target {
        url,
        headers,
        protocol,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::isolated("/nonexistent").with_vars(vars)
    }

    #[test]
    fn endpoint_flag_then_variables() {
        let given = Given {
            endpoint: Some("http://c:4318/".into()),
            ..Given::default()
        };
        assert_eq!(
            resolve(&given, &env(&[])).unwrap().url,
            "http://c:4318/v1/metrics"
        );
        let e = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example/otlp")]);
        let t = resolve(&Given::default(), &e).unwrap();
        assert_eq!(t.url, "https://otel.example/otlp/v1/metrics");
        assert_eq!(t.protocol, Protocol::Protobuf);
        let e = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://a"),
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://b/custom"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ]);
        let t = resolve(&Given::default(), &e).unwrap();
        assert_eq!(t.url, "https://b/custom");
        assert_eq!(t.protocol, Protocol::Json);
        assert!(resolve(&Given::default(), &env(&[])).is_err());
        let grpc = Given {
            endpoint: Some("http://c".into()),
            protocol: Some("grpc".into()),
            ..Given::default()
        };
        assert!(resolve(&grpc, &env(&[])).unwrap_err().contains("http/json"));
    }

    #[test]
    fn headers_from_the_variable_and_the_flag() {
        let e = env(&[(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=abc%20def, x-team = core",
        )]);
        let given = Given {
            endpoint: Some("http://c".into()),
            headers: vec!["X-Team=platform".into(), "x-other=a=b".into()],
            ..Given::default()
        };
        let t = resolve(&given, &e).unwrap();
        assert_eq!(
            t.headers,
            vec![
                ("api-key".to_owned(), "abc def".to_owned()),
                ("X-Team".to_owned(), "platform".to_owned()),
                ("x-other".to_owned(), "a=b".to_owned()),
            ]
        );
        // The debug form never shows a value.
        assert!(!format!("{t:?}").contains("abc"));
        let bad = Given {
            endpoint: Some("http://c".into()),
            headers: vec!["x=a\r\nInjected: 1".into()],
            ..Given::default()
        };
        assert!(resolve(&bad, &env(&[])).is_err());
    }

    #[test]
    fn redacted_urls_keep_scheme_host_and_port_only() {
        assert_eq!(
            redacted("https://user:key@otel.example:4318/v1/metrics?api_key=s"),
            "https://otel.example:4318"
        );
        assert_eq!(redacted("http://127.0.0.1:4318"), "http://127.0.0.1:4318");
    }
}

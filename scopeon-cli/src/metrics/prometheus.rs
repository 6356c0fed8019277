//! The Prometheus text exposition format (version 0.0.4) of a metrics snapshot: the names,
//! labels and units of docs/teams.md.
//!
//! Written here rather than with the `prometheus-client` crate: the snapshot already holds
//! every value (nothing to register or update), so the format is a few lines of text whose
//! one subtle part, escaping, is tested below; the crate would bring a registry, its own
//! encoder traits and more dependencies for no number we do not already have.

use std::fmt::Write as _;

use scopeon_core::metrics::{MetricsSnapshot, RateLimitGauge};

/// The `Content-Type` of an exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A label value escaped for the exposition: backslash, double quote and line feed are the
/// three characters the format escapes; everything else (non-ASCII too) stays as UTF-8.
pub fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// One family's `# HELP` and `# TYPE` lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// One sample: `name{k="v",...} value`.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    out.push_str(name);
    out.push('{');
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{k}=\"{}\"", escape_label_value(v));
    }
    let _ = writeln!(out, "}} {value}");
}

/// One counter's value in a series' counts, as the format writes it.
type CountOf = fn(&scopeon_core::metrics::UsageCounts) -> String;

/// Owned labels as the pairs `sample` takes.
fn pairs<'a>(labels: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    labels.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A float as the format writes it: Rust's shortest round-tripping form, which Prometheus
/// parses (`1e-7`, `0.25`, `12`).
fn float(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "NaN".to_owned()
    }
}

/// The exposition of `snapshot`. Series carry `provider` and `model` (empty when the log did
/// not name one), plus `project` when the snapshot was taken with projects.
pub fn exposition(snapshot: &MetricsSnapshot, with_projects: bool, version: &str) -> String {
    let mut out = String::new();
    let labels = |s: &scopeon_core::metrics::UsageSeries| {
        let mut l: Vec<(&'static str, String)> = vec![
            ("provider", s.key.provider.clone()),
            ("model", s.key.model.clone().unwrap_or_default()),
        ];
        if with_projects {
            l.push(("project", s.key.project.clone().unwrap_or_default()));
        }
        l
    };

    family(
        &mut out,
        "scopeon_tokens_total",
        "counter",
        "Tokens used since the first stored request, by provider, model and token type (input, cache_creation, cache_read, output).",
    );
    for s in &snapshot.series {
        let mut l = labels(s);
        for (token_type, n) in s.counts.by_token_type() {
            l.push(("token_type", token_type.to_owned()));
            sample(&mut out, "scopeon_tokens_total", &pairs(&l), n);
            l.pop();
        }
    }
    let per_series: [(&str, &str, CountOf); 3] = [
        (
            "scopeon_reasoning_tokens_total",
            "Reasoning tokens (already counted in output) since the first stored request, by provider and model.",
            |c| c.reasoning_tokens.to_string(),
        ),
        (
            "scopeon_requests_total",
            "Deduplicated requests since the first stored request, by provider and model.",
            |c| c.requests.to_string(),
        ),
        (
            "scopeon_cost_usd_total",
            "Calculated cost in US dollars of the priced requests since the first stored request, by provider and model (requests without a price add nothing).",
            |c| float(c.cost_usd()),
        ),
    ];
    for (name, help, value) in per_series {
        family(&mut out, name, "counter", help);
        for s in &snapshot.series {
            sample(&mut out, name, &pairs(&labels(s)), value(&s.counts));
        }
    }

    // The usage windows in force: one gauge family each, by provider and window.
    type Gauge = fn(&RateLimitGauge) -> String;
    let windows: [(&str, &str, Gauge); 2] = [
        (
            "scopeon_rate_limit_used_ratio",
            "How much of a usage window in force its agent reported used, 0 to 1, by provider and window.",
            |g| float(g.used_ratio),
        ),
        (
            "scopeon_rate_limit_resets_timestamp_seconds",
            "When a usage window in force resets, Unix time in seconds, by provider and window.",
            |g| float(g.resets_at_ms as f64 / 1000.0),
        ),
    ];
    for (name, help, value) in windows {
        family(&mut out, name, "gauge", help);
        for g in &snapshot.rate_limits {
            let l = [
                ("provider", g.provider.as_str()),
                ("window", g.window.as_str()),
            ];
            sample(&mut out, name, &l, value(g));
        }
    }

    family(
        &mut out,
        "scopeon_build_info",
        "gauge",
        "Always 1; the version label says which scopeon serves these metrics.",
    );
    sample(&mut out, "scopeon_build_info", &[("version", version)], 1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use scopeon_core::metrics::{SeriesKey, UsageCounts, UsageSeries};

    fn snapshot(model: Option<&str>) -> MetricsSnapshot {
        MetricsSnapshot {
            generated_at: jiff::Timestamp::UNIX_EPOCH,
            earliest_request_ms: None,
            series: vec![UsageSeries {
                key: SeriesKey {
                    provider: "claude_code".into(),
                    model: model.map(Into::into),
                    project: Some("/home/dev/app".into()),
                },
                counts: UsageCounts {
                    requests: 3,
                    input_tokens: 10,
                    cache_creation_tokens: 20,
                    cache_read_tokens: 30,
                    output_tokens: 40,
                    reasoning_tokens: 5,
                    cost_pusd: 1_250_000_000_000,
                },
            }],
            rate_limits: vec![RateLimitGauge {
                provider: "codex".into(),
                window: "primary".into(),
                used_ratio: 0.25,
                resets_at_ms: 1_800_000_000_500,
            }],
        }
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline_and_keep_utf8() {
        assert_eq!(escape_label_value(r#"a"b"#), r#"a\"b"#);
        assert_eq!(escape_label_value(r"C:\models\x"), r"C:\\models\\x");
        assert_eq!(escape_label_value("two\nlines"), r"two\nlines");
        assert_eq!(escape_label_value("modèle-日本語"), "modèle-日本語");
        // A backslash before a quote: each escaped on its own, so the quote stays escaped.
        assert_eq!(escape_label_value(r#"\""#), r#"\\\""#);
        // Tabs and carriage returns are not escaped by the format.
        assert_eq!(escape_label_value("a\tb\rc"), "a\tb\rc");
    }

    #[test]
    fn a_hostile_model_name_stays_inside_its_label() {
        let text = exposition(&snapshot(Some("evil\"} 999\n# x\\")), false, "0.1.0");
        let line = text
            .lines()
            .find(|l| l.starts_with("scopeon_requests_total{"))
            .unwrap();
        assert_eq!(
            line,
            r#"scopeon_requests_total{provider="claude_code",model="evil\"} 999\n# x\\"} 3"#
        );
        // Every sample line is one line: as many as the series need, no more.
        let samples = text.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(samples, 4 + 3 + 2 + 1);
    }

    #[test]
    fn families_have_help_type_and_the_documented_samples() {
        let text = exposition(&snapshot(None), true, "0.1.0");
        for (name, kind) in [
            ("scopeon_tokens_total", "counter"),
            ("scopeon_reasoning_tokens_total", "counter"),
            ("scopeon_requests_total", "counter"),
            ("scopeon_cost_usd_total", "counter"),
            ("scopeon_rate_limit_used_ratio", "gauge"),
            ("scopeon_rate_limit_resets_timestamp_seconds", "gauge"),
            ("scopeon_build_info", "gauge"),
        ] {
            assert!(text.contains(&format!("# TYPE {name} {kind}\n")), "{name}");
            assert!(text.contains(&format!("# HELP {name} ")), "{name}");
        }
        let want = [
            r#"scopeon_tokens_total{provider="claude_code",model="",project="/home/dev/app",token_type="cache_read"} 30"#,
            r#"scopeon_reasoning_tokens_total{provider="claude_code",model="",project="/home/dev/app"} 5"#,
            r#"scopeon_cost_usd_total{provider="claude_code",model="",project="/home/dev/app"} 1.25"#,
            r#"scopeon_rate_limit_used_ratio{provider="codex",window="primary"} 0.25"#,
            r#"scopeon_rate_limit_resets_timestamp_seconds{provider="codex",window="primary"} 1800000000.5"#,
            r#"scopeon_build_info{version="0.1.0"} 1"#,
        ];
        for line in want {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        // Without projects, no project label anywhere.
        assert!(!exposition(&snapshot(None), false, "0.1.0").contains("project="));
    }
}

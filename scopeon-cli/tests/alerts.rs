//! Budgets and webhook alerts end to end (docs/alerts.md): `scopeon budget` against its
//! schema, configuration errors, and webhooks delivered to a receiver on 127.0.0.1.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Planted in every text field of the fixtures; must never come out of Scopeon.
const MARKER: &str = "SCOPEON-PRIVACY-MARKER-9a2e";

/// Friday 2026-11-20, 18:00 UTC.
const NOW: &str = "2026-11-20T18:00:00Z";

struct Home {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

/// A Claude Code request of `claude-sonnet-4-5` at `ts`: 100,000 input and 10,000 output
/// tokens, $0.45 at the built-in prices.
fn request(i: usize, ts: &str) -> String {
    format!(
        r#"{{"type":"assistant","sessionId":"s1","cwd":"/home/dev/acme","requestId":"r{i}","timestamp":"{ts}","message":{{"id":"m{i}","model":"claude-sonnet-4-5","content":[{{"type":"text","text":"{MARKER}"}}],"usage":{{"input_tokens":100000,"output_tokens":10000}}}}}}"#
    ) + "\n"
}

impl Home {
    /// Requests at 09:00 and 10:00 today ($0.90) and one on Monday 16th ($0.45).
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let home = Home {
            root: dir.path().to_owned(),
            _dir: dir,
        };
        let log: String = [
            "2026-11-16T12:00:00Z",
            "2026-11-20T09:00:00Z",
            "2026-11-20T10:00:00Z",
        ]
        .iter()
        .enumerate()
        .map(|(i, ts)| request(i, ts))
        .collect();
        home.write(".claude/projects/-home-dev-acme/s1.jsonl", &log);
        home
    }

    fn write(&self, rel: &str, contents: &str) {
        let p = self.root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, contents).unwrap();
    }

    fn config(&self, text: &str) {
        self.write(".scopeon/config.toml", text);
    }

    fn command(&self, now: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_scopeon"));
        c.env_clear()
            .env("HOME", &self.root)
            .env("TZ", "UTC")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SCOPEON_NOW", now)
            .env("SCOPEON_TEST_SECRET", SECRET)
            .args(args);
        c
    }

    fn run_at(&self, now: &str, args: &[&str]) -> Output {
        let out = self.command(now, args).output().unwrap();
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !String::from_utf8_lossy(stream).contains(MARKER),
                "privacy marker leaked into output"
            );
        }
        out
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_at(NOW, args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "scopeon {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

/// A Standard Webhooks secret: `whsec_` and the base64 of the key bytes.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn validate(doc: &Value, schema: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas")
        .join(schema);
    let schema: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

#[test]
fn budget_shows_spend_limit_percent_and_projection_of_the_current_periods() {
    let home = Home::new();
    // Without a budget: an empty answer that says what to add.
    let doc = home.json(&["budget", "--json"]);
    validate(&doc, "scopeon.budget.v1.schema.json");
    assert_eq!(doc["budgets"], serde_json::json!([]));
    assert!(doc["note"].as_str().unwrap().contains("[budget]"));
    assert!(home.ok(&["budget"]).contains("daily_usd = "));

    home.config(
        "[budget]\ndaily_usd = 1.0\nweekly_usd = 10\n[budget.providers.codex]\nmonthly_usd = 5\n[budget.projects.\"/home/dev/acme\"]\ndaily_usd = 0.5\n",
    );
    let doc = home.json(&["budget", "--json"]);
    validate(&doc, "scopeon.budget.v1.schema.json");
    let b = doc["budgets"].as_array().unwrap();
    assert_eq!(b.len(), 4, "{doc:#}");
    // Today: $0.90 of $1.00 by 18:00, so $1.20 at the day's end.
    assert_eq!(b[0]["scope"], "overall");
    assert_eq!(b[0]["period"], "daily");
    assert_eq!(b[0]["period_label"], "2026-11-20");
    assert!((b[0]["spend_usd"].as_f64().unwrap() - 0.90).abs() < 1e-9);
    assert!((b[0]["percent"].as_f64().unwrap() - 90.0).abs() < 1e-9);
    assert!((b[0]["projected_usd"].as_f64().unwrap() - 1.20).abs() < 1e-9);
    assert_eq!(b[0]["status"], "warning");
    // The week started on Monday 16th: $1.35.
    assert_eq!(b[1]["period"], "weekly");
    assert_eq!(b[1]["period_label"], "2026-W47");
    assert_eq!(b[1]["start"], "2026-11-16T00:00:00Z");
    assert!((b[1]["spend_usd"].as_f64().unwrap() - 1.35).abs() < 1e-9);
    assert_eq!(b[2]["provider"], "codex");
    assert_eq!(b[2]["spend_usd"], 0.0);
    assert_eq!(b[3]["project"], "/home/dev/acme");
    assert_eq!(b[3]["status"], "exceeded");
    let table = home.ok(&["budget", "--no-scan"]);
    assert!(
        table.contains("provider codex") && table.contains("exceeded"),
        "{table}"
    );
    // The report's zone: in Tokyo the day of 18:00 UTC is the 21st, which has no spend yet.
    let tokyo = home.json(&["budget", "--json", "--tz", "Asia/Tokyo"]);
    assert_eq!(tokyo["budgets"][0]["period_label"], "2026-11-21");
    assert_eq!(tokyo["budgets"][0]["spend_usd"], 0.0);
}

#[test]
fn bad_budget_and_webhook_keys_are_usage_errors_naming_the_key_and_line() {
    let home = Home::new();
    for (config, expect) in [
        ("[budget]\ndaily_usd = -1\n", vec!["daily_usd", "line 2"]),
        ("[budget]\nhourly_usd = 1\n", vec!["hourly_usd", "line 2"]),
        (
            "[budget.providers.claude_code]\n\nmonthly = 3\n",
            vec!["monthly", "line 3"],
        ),
        (
            "[[alerts.webhooks]]\nkind = \"slack\"\nurl = \"ftp://hooks.example/SECRETPATH\"\n",
            vec!["alerts.webhooks[0].url", "line 3", "ftp"],
        ),
        (
            "[[alerts.webhooks]]\nkind = \"teams\"\nurl = \"https://x.example/\"\n",
            vec!["teams", "line 2"],
        ),
        (
            "[[alerts.webhooks]]\nkind = \"slack\"\nurl = \"https://x.example/\"\nevents = [\"budget_exceded\"]\n",
            vec!["budget_exceded", "line 4"],
        ),
        (
            "[[alerts.webhooks]]\nkind = \"generic\"\nurl = \"https://x.example/\"\n",
            vec!["secret_env"],
        ),
    ] {
        home.config(config);
        let out = home.run(&["budget"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{config}: {err}");
        for e in expect {
            assert!(err.contains(e), "{config}: {e:?} not in {err}");
        }
        assert!(!err.contains("SECRETPATH"), "{err}");
    }
}

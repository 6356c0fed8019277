//! `scopeon blocks` and `scopeon context` end to end: tables and JSON (insta), the documents
//! against their schemas in `schemas/`, flags refused before any log is read, and the privacy
//! marker never coming out.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Planted in every text field of the fixtures; must never come out of Scopeon.
const MARKER: &str = "SCOPEON-PRIVACY-MARKER-4f1c";

const NOW: &str = "2026-11-21T03:00:00Z";

struct Home {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Home {
    /// Claude Code requests at 10:17, 12:00, 15:17 (a new block), 15:47 and, the next day,
    /// 02:00 and 02:30 (the active block at `NOW`); a Codex rollout with an official
    /// five-hour window reported at 02:50 and a weekly one.
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let home = Home {
            root: dir.path().to_owned(),
            _dir: dir,
        };
        let claude: String = [
            "2026-11-20T10:17:00Z",
            "2026-11-20T12:00:00Z",
            "2026-11-20T15:17:00Z",
            "2026-11-20T15:47:00Z",
            "2026-11-21T02:00:00Z",
            "2026-11-21T02:30:00Z",
        ]
        .iter()
        .enumerate()
        .map(|(i, ts)| {
            format!(
                r#"{{"type":"assistant","sessionId":"s1","cwd":"/home/dev/acme","requestId":"r{i}","timestamp":"{ts}","message":{{"id":"m{i}","model":"claude-sonnet-4-5","content":[{{"type":"text","text":"{MARKER}"}}],"usage":{{"input_tokens":1000,"cache_read_input_tokens":20000,"output_tokens":500}}}}}}"#
            ) + "\n"
        })
        .collect();
        home.write(".claude/projects/-home-dev-acme/s1.jsonl", &claude);
        let codex = [
            format!(
                r#"{{"timestamp":"2026-11-21T02:10:00.000Z","type":"session_meta","payload":{{"id":"019aa000-0000-7000-8000-000000000001","cwd":"/home/dev/api","instructions":"{MARKER}"}}}}"#
            ),
            r#"{"timestamp":"2026-11-21T02:10:01.000Z","type":"turn_context","payload":{"cwd":"/home/dev/api","model":"gpt-5-codex"}}"#.to_owned(),
            r#"{"timestamp":"2026-11-21T02:50:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":50000,"cached_input_tokens":40000,"output_tokens":2000,"reasoning_output_tokens":500,"total_tokens":52000}},"rate_limits":{"primary":{"used_percent":37.0,"window_minutes":300,"resets_at":1795240800},"secondary":{"used_percent":12.0,"window_minutes":10080,"resets_at":1795564800}}}}"#.to_owned(),
        ];
        home.write(
            ".codex/sessions/2026/11/21/rollout-2026-11-21T02-10-00-019aa000-0000-7000-8000-000000000001.jsonl",
            &(codex.join("\n") + "\n"),
        );
        home
    }

    fn write(&self, rel: &str, contents: &str) {
        let p = self.root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, contents).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_scopeon"))
            .env_clear()
            .env("HOME", &self.root)
            .env("TZ", "UTC")
            .env("SCOPEON_NOW", NOW)
            .args(args)
            .output()
            .unwrap();
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !String::from_utf8_lossy(stream).contains(MARKER),
                "privacy marker leaked into output"
            );
        }
        out
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

fn validate(doc: &Value, schema: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas")
        .join(schema);
    let schema: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

#[test]
fn blocks_table_and_json() {
    let home = Home::new();
    let table = home.ok(&["blocks", "--token-limit", "max", "--gaps"]);
    insta::assert_snapshot!("blocks_table", table);
    let doc = home.json(&["blocks", "--json", "--token-limit", "max", "--gaps"]);
    validate(&doc, "scopeon.blocks.v1.schema.json");
    insta::assert_json_snapshot!("blocks_json", doc);
    let active = home.json(&["blocks", "--json", "--active", "--no-scan"]);
    validate(&active, "scopeon.blocks.v1.schema.json");
    let sources: Vec<(&str, &str)> = active["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["provider"].as_str().unwrap(),
                b["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sources,
        [("claude_code", "estimated"), ("codex", "official")]
    );
    // Only the terminal gets the active block in bold.
    assert!(!table.contains('\u{1b}'));
}

#[test]
fn context_table_and_json() {
    let home = Home::new();
    let doc = home.json(&["context", "--json"]);
    validate(&doc, "scopeon.context.v1.schema.json");
    insta::assert_json_snapshot!("context_json", doc);
    insta::assert_snapshot!("context_table", home.ok(&["context", "--no-scan"]));
}

#[test]
fn bad_flags_are_usage_errors_before_any_log_is_read() {
    let home = Home::new();
    for args in [
        &["blocks", "--token-limit", "lots"][..],
        &["blocks", "--provider", "nope"],
        &["blocks", "--since", "yesterday-ish"],
        &["blocks", "--csv"],
        &["context", "--provider", "nope"],
    ] {
        let out = home.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    assert!(
        !home.root.join(".scopeon/scopeon.db").exists() || {
            // The database may exist (opened to check), but nothing was scanned into it.
            let doc = home.json(&["blocks", "--json", "--no-scan"]);
            doc["blocks"].as_array().unwrap().is_empty()
        }
    );
}

#[test]
fn an_empty_home_says_what_to_try() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_scopeon"))
        .env_clear()
        .env("HOME", dir.path())
        .env("TZ", "UTC")
        .env("SCOPEON_NOW", NOW)
        .args(["blocks"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("scopeon providers"), "{stderr}");
    assert!(stderr.contains("--demo"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("No blocks."));
}

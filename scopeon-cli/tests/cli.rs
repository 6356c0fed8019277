//! End-to-end tests of the `scopeon` binary over fixture homes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Planted in every text field of the fixtures; must never come out of Scopeon.
const MARKER: &str = "SCOPEON-PRIVACY-MARKER-4f1c";

const NOW: &str = "2026-11-27T12:00:00Z";

struct Home {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        Home { _dir: dir, root }
    }

    fn write(&self, rel: &str, contents: &str) {
        let p = self.root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, contents).unwrap();
    }

    fn append(&self, rel: &str, contents: &str) {
        use std::io::Write;
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(self.root.join(rel))
            .unwrap();
        f.write_all(contents.as_bytes()).unwrap();
    }

    fn db(&self) -> PathBuf {
        self.root.join(".scopeon").join("scopeon.db")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_scopeon"));
        c.env_clear()
            .env("HOME", &self.root)
            .env("TZ", "UTC")
            .env("SCOPEON_NOW", NOW)
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.cmd(args).output().unwrap();
        assert_no_marker(&out);
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

fn assert_no_marker(out: &Output) {
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !String::from_utf8_lossy(stream).contains(MARKER),
            "privacy marker leaked into output"
        );
    }
}

fn assert_marker_not_in_files(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let bytes = fs::read(&p).unwrap();
            assert!(
                !bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
                "privacy marker found in {}",
                p.display()
            );
        }
    }
}

/// An assistant line with the marker in every text field the agent writes.
fn assistant(
    session: &str,
    msg: &str,
    req: Option<&str>,
    ts: &str,
    model: &str,
    usage: &str,
) -> String {
    let req = req
        .map(|r| format!(r#","requestId":"{r}""#))
        .unwrap_or_default();
    format!(
        r#"{{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/home/dev/acme","sessionId":"{session}","version":"2.0.14","gitBranch":"main","message":{{"id":"{msg}","type":"message","role":"assistant","model":"{model}","content":[{{"type":"thinking","thinking":"{MARKER}"}},{{"type":"text","text":"{MARKER}"}},{{"type":"tool_use","id":"t","name":"Bash","input":{{"command":"{MARKER}"}}}}],"stop_reason":"end_turn","usage":{usage}}}{req},"type":"assistant","uuid":"u-{msg}","timestamp":"{ts}","toolUseResult":{{"stdout":"{MARKER}"}}}}"#
    )
}

fn user_line(session: &str, ts: &str) -> String {
    format!(
        r#"{{"type":"user","cwd":"/home/dev/acme","sessionId":"{session}","message":{{"role":"user","content":"{MARKER}"}},"timestamp":"{ts}"}}"#
    )
}

const U1: &str = r#"{"input_tokens":6,"cache_creation_input_tokens":2048,"cache_read_input_tokens":18230,"cache_creation":{"ephemeral_5m_input_tokens":2048,"ephemeral_1h_input_tokens":0},"output_tokens":311}"#;
const U1_EARLY: &str = r#"{"input_tokens":6,"cache_creation_input_tokens":2048,"cache_read_input_tokens":18230,"cache_creation":{"ephemeral_5m_input_tokens":2048,"ephemeral_1h_input_tokens":0},"output_tokens":2}"#;
const U2: &str = r#"{"input_tokens":3,"cache_creation_input_tokens":5120,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":1024,"ephemeral_1h_input_tokens":4096},"output_tokens":57}"#;
const U3: &str = r#"{"input_tokens":12,"cache_creation_input_tokens":350,"cache_read_input_tokens":40100,"output_tokens":95}"#;

/// The worked example of docs/providers/claude_code.md (identity: docs/identity.md), marker
/// planted everywhere.
fn claude_fixture(home: &Home) {
    let s1 = "3f0c9a2e-5b1d-4c7e-9a10-2d4e6f8a0b1c";
    let main = [
        user_line(s1, "2026-11-25T09:15:02.118Z"),
        // Content-block split: placeholder output first, final output last.
        assistant(
            s1,
            "msg_A",
            Some("req_A"),
            "2026-11-25T09:15:05.402Z",
            "claude-sonnet-4-5-20250929",
            U1_EARLY,
        ),
        assistant(
            s1,
            "msg_A",
            Some("req_A"),
            "2026-11-25T09:15:07.950Z",
            "claude-sonnet-4-5-20250929",
            U1,
        ),
        // A <synthetic> error line: no usage.
        format!(
            r#"{{"type":"assistant","sessionId":"{s1}","message":{{"id":"msg_err","model":"<synthetic>","content":[{{"type":"text","text":"{MARKER}"}}],"usage":{{"input_tokens":0,"output_tokens":0}}}},"isApiErrorMessage":true,"timestamp":"2026-11-25T09:16:40.001Z"}}"#
        ),
        format!(r#"{{"type":"summary","summary":"{MARKER}","leafUuid":"x"}}"#),
        format!(
            r#"{{"type":"queue-operation","content":"{MARKER}","timestamp":"2026-11-25T09:16:41.000Z"}}"#
        ),
        // A line cut mid-write: a counted skip, with the marker inside.
        format!(r#"{{"type":"assistant","message":{{"content":"{MARKER}","usage":{{"input_tok"#),
        // Legacy line with costUSD and no cache split; a different day.
        format!(
            r#"{{"type":"assistant","cwd":"/Users/sam/widget","sessionId":"0d3c","version":"1.0.8","message":{{"id":"msg_L","model":"claude-opus-4-20250514","content":[{{"type":"text","text":"{MARKER}"}}],"usage":{U3}}},"costUSD":0.0913,"requestId":"req_L","timestamp":"2026-11-26T17:02:44.870Z"}}"#
        ),
    ];
    home.write(
        &format!(".claude/projects/-home-dev-acme/{s1}.jsonl"),
        &(main.join("\n") + "\n"),
    );
    // A resumed session replays msg_A under a new session id: not counted again.
    let s2 = "9b1e7c44-2222-4a3b-8c5d-6e7f8091a2b3";
    home.write(
        &format!(".claude/projects/-home-dev-acme/{s2}.jsonl"),
        &(assistant(
            s2,
            "msg_A",
            Some("req_A"),
            "2026-11-25T09:15:07.950Z",
            "claude-sonnet-4-5-20250929",
            U1,
        ) + "\n"),
    );
    // New-layout subagent without requestId, 1-hour cache; plus a sidechain replay of msg_A
    // (same message id, new request id) that must not count.
    let sub = [
        assistant(
            s1,
            "msg_S",
            None,
            "2026-11-27T10:00:09.333Z",
            "claude-haiku-4-5-20251001",
            U2,
        )
        .replace(r#""isSidechain":false"#, r#""isSidechain":true"#),
        assistant(
            s1,
            "msg_A",
            Some("req_SIDE"),
            "2026-11-27T10:00:10.000Z",
            "claude-sonnet-4-5-20250929",
            U1,
        )
        .replace(r#""isSidechain":false"#, r#""isSidechain":true"#),
    ];
    home.write(
        &format!(".claude/projects/-home-dev-acme/{s1}/subagents/agent-a51f.jsonl"),
        &(sub.join("\n") + "\n"),
    );
    // Workflow journal: not a transcript.
    home.write(
        &format!(".claude/projects/-home-dev-acme/{s1}/subagents/workflows/w1/journal.jsonl"),
        &(assistant(
            s1,
            "msg_J",
            Some("r"),
            "2026-11-27T10:00:00Z",
            "claude-haiku-4-5",
            U2,
        ) + "\n"),
    );
    // A partial trailing line is not consumed.
    home.append(
        &format!(".claude/projects/-home-dev-acme/{s1}.jsonl"),
        r#"{"type":"assistant","message":{"id":"msg_T","model":"claude-sonnet-4-5","usage":{"input_tokens":4,"cache_crea"#,
    );
}

fn redact(mut v: Value) -> Value {
    v["generated_at"] = Value::from("[now]");
    // Versions change with releases and price-table revisions, not with what is tested here.
    v["scopeon_version"] = Value::from("[version]");
    v["pricing_version"] = Value::from("[version]");
    if v["scan"].is_object() {
        v["scan"]["elapsed_ms"] = Value::from(0);
    }
    v
}

fn validate_report_schema(doc: &Value) {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/scopeon.report.v1.schema.json");
    let schema: Value = serde_json::from_str(&fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

#[test]
fn claude_rules_end_to_end() {
    let home = Home::new();
    claude_fixture(&home);
    let scan = home.json(&["scan", "--json"]);
    let cc = &scan["providers"][0];
    assert_eq!(cc["provider"], "claude_code");
    assert_eq!(cc["files"], 3, "journal.jsonl is not a transcript");
    assert_eq!(cc["skipped"]["invalid_json"], 1);
    assert_eq!(cc["new_records"], 4); // msg_A, msg_L, msg_S, and the sidechain replay (marked)

    let report = home.json(&["report", "--json", "--no-scan", "--by", "day"]);
    validate_report_schema(&report);
    insta::assert_json_snapshot!("report_by_day", redact(report.clone()));
    let totals = &report["totals"];
    // msg_A once (largest output), msg_L, msg_S; the sidechain replay of msg_A excluded.
    assert_eq!(totals["requests"], 3);
    assert_eq!(totals["output_tokens"], 311 + 95 + 57);
    assert_eq!(totals["input_tokens"], 6 + 12 + 3);
    assert_eq!(totals["cache_creation_tokens"], 2048 + 350 + 5120);
    assert_eq!(totals["cache_read_tokens"], 18230 + 40100);
    // Hand-computed list prices (USD per million tokens):
    // msg_A sonnet 4.5: 6×3 + 2048×3.75 + 18230×0.3 + 311×15
    // msg_L opus 4: 12×15 + 350×18.75 (unsplit → 5m) + 40100×1.5 + 95×75
    // msg_S haiku 4.5: 3×1 + 1024×1.25 + 4096×2 + 57×5
    let pusd: i64 = (6 * 3_000_000 + 2048 * 3_750_000 + 18230 * 300_000 + 311 * 15_000_000)
        + (12 * 15_000_000 + 350 * 18_750_000 + 40100 * 1_500_000 + 95 * 75_000_000)
        + (3 * 1_000_000 + 1024 * 1_250_000 + 4096 * 2_000_000 + 57 * 5_000_000);
    assert_eq!(totals["cost_usd"].as_f64().unwrap(), pusd as f64 / 1e12);

    // Reported cost: only the legacy line has one.
    let reported = home.json(&[
        "report",
        "--json",
        "--no-scan",
        "--by",
        "model",
        "--cost",
        "reported",
    ]);
    validate_report_schema(&reported);
    assert_eq!(reported["totals"]["cost_usd"].as_f64().unwrap(), 0.0913);

    // A warm re-run changes nothing, and the table, CSV and grouped forms agree.
    let again = home.json(&["report", "--json", "--by", "day"]);
    assert_eq!(again["rows"], report["rows"]);
    assert_eq!(again["totals"], report["totals"]);
    assert_eq!(again["scan"]["files_read"], 0);
    insta::assert_snapshot!(
        "table_by_model_project",
        home.ok(&["report", "--no-scan", "--by", "model,project"])
    );
    insta::assert_snapshot!(
        "csv_by_session",
        home.ok(&["report", "--no-scan", "--csv", "--by", "session"])
    );

    // The partial line completes: counted once, on the next scan.
    home.append(
        ".claude/projects/-home-dev-acme/3f0c9a2e-5b1d-4c7e-9a10-2d4e6f8a0b1c.jsonl",
        r#"tion_input_tokens":0,"output_tokens":10}},"timestamp":"2026-11-27T11:00:00Z"}"#,
    );
    home.append(
        ".claude/projects/-home-dev-acme/3f0c9a2e-5b1d-4c7e-9a10-2d4e6f8a0b1c.jsonl",
        "\n",
    );
    let after = home.json(&["report", "--json", "--by", "day"]);
    assert_eq!(after["totals"]["requests"], 4);
    assert_eq!(after["totals"]["output_tokens"], 311 + 95 + 57 + 10);

    // Nothing of the content reached the database files.
    assert_marker_not_in_files(home.db().parent().unwrap());
}

#[test]
fn windows_groupings_and_filters() {
    let home = Home::new();
    claude_fixture(&home);
    home.ok(&["scan"]);
    // 2d = yesterday and today (SCOPEON_NOW is 2026-11-27): the legacy line and msg_S.
    let r = home.json(&[
        "report",
        "--json",
        "--no-scan",
        "--since",
        "2d",
        "--by",
        "model",
    ]);
    validate_report_schema(&r);
    assert_eq!(r["totals"]["requests"], 2);
    assert_eq!(r["since"], "2026-11-26T00:00:00Z");
    let r = home.json(&[
        "report",
        "--json",
        "--no-scan",
        "--since",
        "20261125",
        "--until",
        "2026-11-25",
        "--by",
        "day",
    ]);
    assert_eq!(r["totals"]["requests"], 1);
    assert_eq!(r["until"], "2026-11-26T00:00:00Z");
    // Tokyo is 9 hours ahead: 2026-11-26T17:02Z is already the 27th there.
    let r = home.json(&[
        "report",
        "--json",
        "--no-scan",
        "--tz",
        "Asia/Tokyo",
        "--by",
        "day",
    ]);
    let days: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["key"]["day"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-11-25", "2026-11-27"]);
    let r = home.json(&[
        "report",
        "--json",
        "--no-scan",
        "--by",
        "week,month,provider,project,session",
    ]);
    validate_report_schema(&r);
    assert_eq!(r["rows"][0]["key"]["week"], "2026-W48");
    assert_eq!(r["rows"][0]["key"]["month"], "2026-11");
    let r = home.json(&[
        "report",
        "--json",
        "--no-scan",
        "--model",
        "claude-opus-4-20250514",
        "--project",
        "/Users/sam/widget",
    ]);
    assert_eq!(r["totals"]["requests"], 1);
    let r = home.json(&[
        "report",
        "--json",
        "--no-scan",
        "--provider",
        "claude_code",
        "--by",
        "",
    ]);
    assert_eq!(r["totals"]["requests"], 3);
}

#[test]
fn usage_errors_exit_2_and_runtime_errors_exit_1() {
    let home = Home::new();
    for args in [
        &["report", "--since", "yesterday"][..],
        &["report", "--provider", "nope"],
        &["report", "--by", "color"],
        &["report", "--tz", "Mars/Olympus"],
        &["frobnicate"],
    ] {
        let out = home.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    // A world-writable database is refused, with the fix in the message.
    home.ok(&["scan"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(home.db(), fs::Permissions::from_mode(0o666)).unwrap();
        let out = home.run(&["report"]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("chmod 600"), "{err}");
    }
}

#[test]
fn no_logs_is_an_empty_report_and_demo_is_labelled() {
    let home = Home::new();
    let r = home.json(&["report", "--json"]);
    validate_report_schema(&r);
    assert_eq!(r["totals"]["requests"], 0);
    assert_eq!(r["totals"]["cost_usd"], Value::Null);
    let demo = home.json(&["report", "--demo", "--json", "--by", "model"]);
    validate_report_schema(&demo);
    assert_eq!(demo["demo"], true);
    // 52 Claude Code requests, 4 Codex calls (a re-emitted total is not one), 3 Gemini
    // messages, 2 Copilot messages (its shutdown's requests are theirs), 2 Aider replies.
    assert_eq!(demo["totals"]["requests"], 63);
    assert_eq!(demo["totals"]["premium_requests"], 2.0);
    let by_provider = home.json(&["report", "--demo", "--json", "--by", "provider"]);
    let providers: Vec<&str> = by_provider["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"]["provider"].as_str().unwrap())
        .collect();
    assert_eq!(
        providers,
        ["aider", "claude_code", "codex", "copilot_cli", "gemini_cli"]
    );
    assert!(home.ok(&["report", "--demo"]).starts_with("DEMO DATA"));
    // The demo never touches the user's database.
    let r = home.json(&["report", "--json", "--no-scan"]);
    assert_eq!(r["totals"]["requests"], 0);
}

#[test]
fn completions_and_man_page() {
    let home = Home::new();
    assert!(home.ok(&["completions", "bash"]).contains("scopeon"));
    assert!(home.ok(&["man"]).contains(".TH scopeon"));
}

/// Writes a corpus of several files with cross-file duplicates, for the kill tests.
fn kill_corpus(home: &Home) {
    for f in 0..6 {
        let mut lines = Vec::new();
        for i in 0..40 {
            // Files 3..5 replay files 0..2 (resumed sessions): same ids, counted once.
            let id = (f % 3) * 40 + i;
            let usage = format!(
                r#"{{"input_tokens":{},"output_tokens":{}}}"#,
                id + 1,
                10 * id + f
            );
            lines.push(assistant(
                &format!("s{f}"),
                &format!("m{id}"),
                Some(&format!("r{id}")),
                &format!("2026-11-2{}T10:{:02}:00Z", f % 3, i),
                "claude-sonnet-4-5",
                &usage,
            ));
        }
        home.write(
            &format!(".claude/projects/p/f{f}.jsonl"),
            &(lines.join("\n") + "\n"),
        );
    }
}

#[test]
fn a_scan_killed_at_any_commit_loses_and_doubles_nothing() {
    let clean = Home::new();
    kill_corpus(&clean);
    let expected = clean.json(&["report", "--json", "--by", "day"]);
    assert_eq!(expected["totals"]["requests"], 120);
    for point in ["before-commit", "after-commit"] {
        for n in 1..=6 {
            let home = Home::new();
            kill_corpus(&home);
            let out = home
                .cmd(&["scan"])
                .env("SCOPEON_TEST_BATCH_RECORDS", "25")
                .env("SCOPEON_TEST_FAILPOINT", format!("{point}:{n}"))
                .output()
                .unwrap();
            assert!(!out.status.success(), "{point}:{n} should have aborted");
            let got = home.json(&["report", "--json", "--by", "day"]);
            assert_eq!(got["rows"], expected["rows"], "{point}:{n}");
            assert_eq!(got["totals"], expected["totals"], "{point}:{n}");
        }
    }
}

#[test]
fn rebuild_rereads_existing_logs_and_keeps_deleted_ones() {
    let home = Home::new();
    claude_fixture(&home);
    let before = home.json(&["report", "--json", "--by", "day"]);
    // The agent deletes an old transcript; a rebuild must keep its records.
    fs::remove_file(
        home.root
            .join(".claude/projects/-home-dev-acme/3f0c9a2e-5b1d-4c7e-9a10-2d4e6f8a0b1c.jsonl"),
    )
    .unwrap();
    home.ok(&["scan", "--rebuild"]);
    let after = home.json(&["report", "--json", "--no-scan", "--by", "day"]);
    assert_eq!(after["totals"], before["totals"]);
    // An interrupted rebuild changes nothing.
    let out = home
        .cmd(&["scan", "--rebuild"])
        .env("SCOPEON_TEST_FAILPOINT", "before-commit:1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let again = home.json(&["report", "--json", "--no-scan", "--by", "day"]);
    assert_eq!(again["totals"], before["totals"]);
}

#[test]
fn configuration_file_roots_disable_and_errors() {
    let home = Home::new();
    claude_fixture(&home);
    // Roots from the configuration replace the defaults.
    fs::rename(home.root.join(".claude"), home.root.join("elsewhere")).unwrap();
    home.write(
        ".scopeon/config.toml",
        "[providers.claude_code]\nroots = [\"~/elsewhere\"]\n",
    );
    let r = home.json(&["report", "--json", "--by", "provider"]);
    assert_eq!(r["totals"]["requests"], 3);
    // A disabled provider is not scanned.
    home.write("other.toml", "[providers.claude_code]\nenabled = false\n");
    let s = home.json(&[
        "scan",
        "--json",
        "--config",
        home.root.join("other.toml").to_str().unwrap(),
    ]);
    assert_eq!(s["files"], 0);
    // An unknown key is a usage error naming the key and the line.
    home.write(".scopeon/config.toml", "[scan]\nmax_line = 5\n");
    let out = home.run(&["report"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml") && err.contains("max_line") && err.contains("line 2"),
        "{err}"
    );
}

#[test]
fn alternating_roots_keep_each_others_checkpoints_and_symlinked_projects_are_not_followed() {
    let home = Home::new();
    claude_fixture(&home);
    home.write(
        "other/projects/p/s.jsonl",
        &(assistant(
            "s",
            "m_o",
            Some("r"),
            "2026-11-27T01:00:00Z",
            "claude-haiku-4-5",
            U2,
        ) + "\n"),
    );
    let other = home.root.join("other");
    let with_other = |args: &[&str]| -> Value {
        let out = home
            .cmd(args)
            .env("CLAUDE_CONFIG_DIR", &other)
            .output()
            .unwrap();
        assert_no_marker(&out);
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    home.json(&["scan", "--json"]);
    with_other(&["scan", "--json"]);
    // Back to the default root: its files are still known, nothing is read again.
    let again = home.json(&["scan", "--json"]);
    assert_eq!(again["providers"][0]["files_unchanged"], 3);
    assert_eq!(again["providers"][0]["files_read"], 0);
    let again = with_other(&["scan", "--json"]);
    assert_eq!(again["providers"][0]["files_unchanged"], 1);

    // A `projects` directory that is a symlink out of the root is not followed.
    #[cfg(unix)]
    {
        let trap = Home::new();
        trap.write(
            "outside/p/s.jsonl",
            &(assistant(
                "s",
                "m_x",
                Some("r"),
                "2026-11-27T01:00:00Z",
                "claude-haiku-4-5",
                U2,
            ) + "\n"),
        );
        fs::create_dir_all(trap.root.join(".claude")).unwrap();
        std::os::unix::fs::symlink(
            trap.root.join("outside"),
            trap.root.join(".claude/projects"),
        )
        .unwrap();
        let s = trap.json(&["scan", "--json"]);
        assert_eq!(s["files"], 0);
    }
}

#[test]
fn a_report_while_another_process_holds_the_write_lock_reports_stored_data() {
    let home = Home::new();
    claude_fixture(&home);
    home.ok(&["scan"]);
    home.append(
        ".claude/projects/-home-dev-acme/9b1e7c44-2222-4a3b-8c5d-6e7f8091a2b3.jsonl",
        &(assistant(
            "s2",
            "msg_NEW",
            Some("r"),
            "2026-11-27T11:00:00Z",
            "claude-haiku-4-5",
            U2,
        ) + "\n"),
    );
    // Another writer (standing in for a long `scan --rebuild`) holds the lock for 15 s.
    let mut holder = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys,time\n\
             c=sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(15)",
        )
        .arg(home.db())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    let out = home.run(&["report", "--json", "--by", ""]);
    holder.kill().ok();
    holder.wait().ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("busy"));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The stored data, without the line appended while the lock was held.
    assert_eq!(r["totals"]["requests"], 3);
    assert_eq!(r["scan"], Value::Null);
}

#[test]
fn pricing_explains_a_model_and_lists_unpriced_ones() {
    let home = Home::new();
    insta::assert_snapshot!(
        "pricing_bedrock_regional",
        home.ok(&["pricing", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"])
    );
    let p = home.json(&["pricing", "--json", "vertex_ai/claude-opus-4-1@20250805"]);
    assert_eq!(p["canonical"], "claude-opus-4-1");
    assert_eq!(p["rates"]["cache_write_1h"], "30");
    assert_eq!(p["long_context"], Value::Null);
    let out = home.run(&["pricing", "claude-opus-9"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never prices a model as another"));
    assert!(home.ok(&["pricing"]).contains("claude-sonnet-4-5"));

    // A stored model without a price is listed with the usage it leaves out of every cost.
    home.write(
        ".claude/projects/p/s.jsonl",
        &(assistant(
            "s",
            "m1",
            Some("r1"),
            "2026-11-27T01:00:00Z",
            "mystery-model-x",
            U2,
        ) + "\n"),
    );
    home.ok(&["scan"]);
    let u = home.json(&["pricing", "--unknown", "--json"]);
    assert_eq!(u["models"][0]["model"], "mystery-model-x");
    assert_eq!(u["models"][0]["tokens"], 3 + 5120 + 57);
    let r = home.json(&["report", "--json", "--no-scan", "--by", ""]);
    assert_eq!(r["totals"]["unpriced_tokens"], 3 + 5120 + 57);
    assert_eq!(r["totals"]["cost_usd"], Value::Null);
}

#[test]
fn price_overrides_reprice_stored_records_without_rereading_logs() {
    let home = Home::new();
    claude_fixture(&home);
    home.write(
        ".claude/projects/p/local.jsonl",
        &(assistant(
            "s",
            "m_local",
            Some("r"),
            "2026-11-27T01:00:00Z",
            "my-local-llama",
            U2,
        ) + "\n"),
    );
    let before = home.json(&["report", "--json", "--by", "model"]);
    assert_eq!(before["totals"]["unpriced_tokens"], 3 + 5120 + 57);
    // Sonnet 4.5 at a negotiated $1/M input, and a local model priced by glob.
    home.write(
        ".scopeon/pricing.toml",
        "[\"claude-sonnet-4-5\"]\ninput = 1\n[\"my-local-*\"]\ninput = 0\noutput = \"0.5\"\n",
    );
    let after = home.json(&["report", "--json", "--no-scan", "--by", "model"]);
    assert_eq!(after["totals"]["unpriced_tokens"], 0);
    assert_ne!(after["pricing_version"], before["pricing_version"]);
    let row = |doc: &Value, model: &str| -> f64 {
        doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"]["model"] == model)
            .unwrap()["cost_usd"]
            .as_f64()
            .unwrap()
    };
    // msg_A: 6 input at $1 instead of $3; everything else unchanged.
    let sonnet = "claude-sonnet-4-5-20250929";
    let delta = row(&before, sonnet) - row(&after, sonnet);
    assert!((delta - 6.0 * 2.0 / 1e6).abs() < 1e-12, "{delta}");
    // The local model: 57 output tokens at $0.5/M, nothing else.
    assert_eq!(row(&after, "my-local-llama"), 57.0 * 0.5 / 1e6);
    let p = home.json(&["pricing", "--json", "claude-sonnet-4-5"]);
    assert_eq!(p["source"]["kind"], "override");
    assert_eq!(p["rates"]["input"], "1");
    assert_eq!(p["rates"]["output"], "15");
    // A bad override is a usage error naming the file, the model and the field.
    home.write(".scopeon/pricing.toml", "[\"gpt-5\"]\ninput = -1\n");
    let out = home.run(&["report"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pricing.toml") && err.contains("gpt-5") && err.contains("input"),
        "{err}"
    );
}

#[test]
fn providers_shows_what_scopeon_sees() {
    let home = Home::new();
    let before = home.json(&["providers", "--json"]);
    let cc = &before["providers"][0];
    assert_eq!(cc["provider"], "claude_code");
    assert_eq!(cc["detected"], false);
    assert_eq!(cc["records"], 0);
    claude_fixture(&home);
    let scan = home.ok(&["scan"]);
    // The agent found gets its block; the others share one line.
    assert!(scan.starts_with("claude_code\n  root "), "{scan}");
    assert!(
        scan.contains(
            "not detected: codex, gemini_cli, copilot_cli, aider, cursor, opencode, generic_openai"
        ),
        "{scan}"
    );
    let after = home.json(&["providers", "--json"]);
    let cc = &after["providers"][0];
    assert_eq!(cc["detected"], true);
    assert_eq!(cc["files"], 3);
    assert_eq!(cc["records"], 3);
    assert_eq!(cc["last_activity"], "2026-11-27T10:00:09.333Z");
    assert_eq!(cc["skipped_lines"]["invalid_json"], 1);
    let text = home.ok(&["providers"]);
    assert!(text.contains("claude_code (detected)"), "{text}");
    assert!(text.contains("invalid_json: 1"), "{text}");
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The names in a directory, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    n.sort();
    n
}

#[test]
fn doctor_reports_a_healthy_setup_and_a_damaged_database() {
    let home = Home::new();
    // Nothing yet: warnings only, and the diagnosis creates nothing.
    let d = home.json(&["doctor", "--json"]);
    assert_eq!(d["schema"], "scopeon.doctor.v1");
    assert_eq!(d["ok"], true);
    assert_eq!(d["database"]["exists"], false);
    assert_eq!(d["providers"][0]["detected"], false);
    assert!(!home.root.join(".scopeon").exists());

    claude_fixture(&home);
    home.ok(&["scan"]);
    let d = home.json(&["doctor", "--json"]);
    assert_eq!(d["ok"], true, "{d:#}");
    assert_eq!(d["problems"], serde_json::json!([]));
    let db = &d["database"];
    assert_eq!(db["file"]["mode"], "0600");
    assert_eq!(db["file"]["owned_by_you"], true);
    assert_eq!(db["directory"]["mode"], "0700");
    assert_eq!(db["health"]["check"], "quick_check");
    assert_eq!(db["health"]["check_ok"], true);
    assert_eq!(db["health"]["records"]["claude_code"], 3);
    assert_eq!(db["health"]["replays"], 1);
    assert_eq!(db["health"]["sources"], 3);
    assert_eq!(db["health"]["project_paths"], "full");
    assert_eq!(
        db["health"]["schema_version"],
        db["health"]["supported_schema_version"]
    );
    let cc = &d["providers"][0];
    assert_eq!(
        (
            &cc["provider"],
            &cc["detected"],
            &cc["files"],
            &cc["records"]
        ),
        (
            &Value::from("claude_code"),
            &Value::from(true),
            &Value::from(3),
            &Value::from(3)
        )
    );
    assert_eq!(d["config"]["found"], false);
    let full = home.json(&["doctor", "--json", "--full"]);
    assert_eq!(full["database"]["health"]["check"], "integrity_check");
    assert_eq!(full["ok"], true);
    let text = home.ok(&["doctor"]);
    assert!(text.contains("quick_check: ok"), "{text}");
    assert!(text.contains("No problems found."), "{text}");
    // Doctor leaves the database directory as it found it (no -wal or -shm behind).
    assert_eq!(names(&home.root.join(".scopeon")), ["scopeon.db"]);

    // A copy with garbage written over every page but the schema's (the first, and the
    // pages it grew into), so the header and schema stay readable.
    let schema_pages: Vec<usize> = {
        let c = rusqlite::Connection::open(home.db()).unwrap();
        let mut st = c
            .prepare("SELECT pageno FROM dbstat WHERE name = 'sqlite_schema'")
            .unwrap();
        st.query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|p| p.unwrap() as usize)
            .collect()
    };
    let mut bytes = fs::read(home.db()).unwrap();
    let page = d["database"]["health"]["page_size"].as_u64().unwrap() as usize;
    for (_, chunk) in bytes
        .chunks_mut(page)
        .enumerate()
        .filter(|(i, _)| !schema_pages.contains(&(i + 1)))
    {
        for (i, b) in chunk.iter_mut().enumerate().take(200) {
            *b = (i as u8).wrapping_mul(151) ^ 0x5A;
        }
    }
    let damaged = home.root.join(".scopeon").join("damaged.db");
    fs::write(&damaged, &bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&damaged, fs::Permissions::from_mode(0o600)).unwrap();
    }
    let damaged_arg = damaged.to_str().unwrap();
    let out = home.run(&["doctor", "--db", damaged_arg]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error: the database is damaged"), "{text}");
    assert!(text.contains("fix: restore a backup"), "{text}");
    let out = home.run(&["doctor", "--json", "--db", damaged_arg]);
    assert_eq!(out.status.code(), Some(1));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["ok"], false);
    assert_eq!(d["database"]["health"]["check_ok"], false);
    assert_eq!(d["problems"][0]["severity"], "error");
    // Other commands refuse it and point at doctor.
    let out = home.run(&["report", "--no-scan", "--db", damaged_arg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scopeon doctor"));
    // The diagnosis changed neither file.
    assert_eq!(fs::read(&damaged).unwrap(), bytes);
    assert_eq!(home.json(&["doctor", "--json"])["ok"], true);

    // A configuration every other command refuses is named, with its fix, and exits 1.
    home.write(
        ".scopeon/config.toml",
        "[privacy]\nproject_path = \"hash\"\n",
    );
    let out = home.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("project_path") && text.contains("fix: correct"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn doctor_names_loose_permissions_with_their_fix() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    claude_fixture(&home);
    home.ok(&["scan"]);
    let dir = home.root.join(".scopeon");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(home.db(), fs::Permissions::from_mode(0o644)).unwrap();
    let d = home.json(&["doctor", "--json"]);
    assert_eq!(d["ok"], true, "readable is a warning");
    let fixes: Vec<&str> = d["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["fix"].as_str().unwrap())
        .collect();
    assert!(
        fixes.contains(&format!("run `chmod 600 {}`", home.db().display()).as_str()),
        "{fixes:?}"
    );
    assert!(
        fixes.contains(&format!("run `chmod 700 {}`", dir.display()).as_str()),
        "{fixes:?}"
    );
    // Writable by others: Scopeon refuses it, so doctor says so and exits 1.
    fs::set_permissions(home.db(), fs::Permissions::from_mode(0o646)).unwrap();
    let out = home.run(&["doctor", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        d["problems"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("world-writable"),
        "{d:#}"
    );
    // Doctor reports; it never repairs.
    assert_eq!(mode(&home.db()), 0o646);
    assert_eq!(mode(&dir), 0o755);
}

#[test]
fn backup_writes_a_private_complete_copy_and_never_overwrites() {
    let home = Home::new();
    claude_fixture(&home);
    let original = home.json(&["report", "--json", "--by", "day,project"]);
    let dest = home
        .root
        .join("backups")
        .join("nov")
        .join("scopeon-backup.db");
    let dest_arg = dest.to_str().unwrap();
    let b = home.json(&["backup", "--json", dest_arg]);
    assert_eq!(b["schema"], "scopeon.backup.v1");
    assert_eq!(b["records"], 3);
    assert_eq!(b["path"], dest_arg);
    assert_eq!(b["bytes"], fs::metadata(&dest).unwrap().len());
    #[cfg(unix)]
    {
        assert_eq!(mode(&dest), 0o600);
        assert_eq!(mode(&home.root.join("backups")), 0o700);
        assert_eq!(mode(dest.parent().unwrap()), 0o700);
    }
    assert_eq!(names(dest.parent().unwrap()), ["scopeon-backup.db"]);
    let copy = home.json(&[
        "report",
        "--json",
        "--no-scan",
        "--by",
        "day,project",
        "--db",
        dest_arg,
    ]);
    assert_eq!(copy["rows"], original["rows"]);
    assert_eq!(copy["totals"], original["totals"]);

    // An existing file is never replaced: a usage error naming it, the file untouched.
    let before = fs::read(&dest).unwrap();
    let out = home.run(&["backup", dest_arg]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already exists") && err.contains(dest_arg),
        "{err}"
    );
    assert_eq!(fs::read(&dest).unwrap(), before);
    let text = home.ok(&["backup", home.root.join("b2.db").to_str().unwrap()]);
    assert!(text.starts_with("Backed up 3 requests to "), "{text}");
}

#[test]
fn forget_deletes_what_matches_and_no_later_scan_brings_it_back() {
    let home = Home::new();
    claude_fixture(&home);
    let before = home.json(&["report", "--json", "--by", "project"]);
    assert_eq!(before["totals"]["requests"], 3);
    // Keep a backup to prove forgetting can be undone only with one.
    let backup = home.root.join("before-forget.db");
    home.ok(&["backup", backup.to_str().unwrap()]);

    // No filter: a usage error; nothing is opened or deleted.
    let out = home.run(&["forget"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--before"));
    let out = home.run(&["forget", "--before", "last tuesday"]);
    assert_eq!(out.status.code(), Some(2));
    let out = home.run(&["forget", "--provider", "nope"]);
    assert_eq!(out.status.code(), Some(2));

    // acme's requests before 2026-11-26: msg_A (its sidechain replay on the 27th goes with
    // it); msg_S on the 27th and widget's msg_L stay.
    let f = home.json(&[
        "forget",
        "--json",
        "--project",
        "/home/dev/acme",
        "--before",
        "2026-11-26",
    ]);
    assert_eq!(f["schema"], "scopeon.forget.v1");
    assert_eq!(f["forgotten"], 1);
    assert_eq!(f["remaining"], 2);
    assert_eq!(f["filter"]["before"], "2026-11-26T00:00:00Z");
    let after = home.json(&["report", "--json", "--no-scan", "--by", "project"]);
    assert_eq!(after["totals"]["requests"], 2);
    assert_eq!(
        after["totals"]["output_tokens"],
        before["totals"]["output_tokens"].as_u64().unwrap() - 311
    );

    // The next scan reads nothing again; a rebuild re-reads every log, and still the
    // forgotten request (and its replays in other files) is not stored again.
    let scan = home.json(&["scan", "--json"]);
    assert_eq!(scan["providers"][0]["new_records"], 0);
    assert_eq!(scan["providers"][0]["files_read"], 0);
    let rebuilt = home.json(&["scan", "--json", "--rebuild"]);
    assert_eq!(rebuilt["providers"][0]["files_read"], 3);
    let again = home.json(&["report", "--json", "--no-scan", "--by", "project"]);
    assert_eq!(again["rows"], after["rows"]);
    assert_eq!(again["totals"], after["totals"]);
    // A resumed session replaying it into a new file does not bring it back either.
    home.write(
        ".claude/projects/-home-dev-acme/resumed.jsonl",
        &(assistant(
            "s3",
            "msg_A",
            Some("req_A"),
            "2026-11-25T09:15:07.950Z",
            "claude-sonnet-4-5-20250929",
            U1,
        ) + "\n"),
    );
    let r = home.json(&["report", "--json", "--by", ""]);
    assert_eq!(r["totals"]["requests"], 2);
    // New usage in the forgotten project is stored as usual.
    home.append(
        ".claude/projects/-home-dev-acme/resumed.jsonl",
        &(assistant(
            "s3",
            "msg_NEW",
            Some("req_NEW"),
            "2026-11-27T11:00:00Z",
            "claude-haiku-4-5",
            U2,
        ) + "\n"),
    );
    let r = home.json(&["report", "--json", "--by", ""]);
    assert_eq!(r["totals"]["requests"], 3);
    let d = home.json(&["doctor", "--json"]);
    assert_eq!(d["database"]["health"]["forgotten"], 1);

    // By provider alone, in text: everything of Claude Code.
    let text = home.ok(&["forget", "--provider", "claude_code"]);
    assert!(text.starts_with("Forgot 3 requests; 0 remain."), "{text}");
    let r = home.json(&["report", "--json", "--by", ""]);
    assert_eq!(r["totals"]["requests"], 0);
    // The backup still has everything.
    let b = home.json(&[
        "report",
        "--json",
        "--no-scan",
        "--by",
        "",
        "--db",
        backup.to_str().unwrap(),
    ]);
    assert_eq!(b["totals"]["requests"], 3);
    assert_marker_not_in_files(home.db().parent().unwrap());
}

/// Whether `needle` occurs in any file of `dir`.
fn in_files(dir: &Path, needle: &str) -> bool {
    fs::read_dir(dir).unwrap().any(|e| {
        let p = e.unwrap().path();
        p.is_file()
            && fs::read(&p)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
    })
}

#[test]
fn privacy_project_paths_keep_full_paths_out_of_the_database() {
    // Hash from the first scan: no project path ever reaches the database.
    let home = Home::new();
    claude_fixture(&home);
    home.write(
        ".scopeon/config.toml",
        "[privacy]\nproject_paths = \"hash\"\n",
    );
    let r = home.json(&["report", "--json", "--by", "project"]);
    let projects: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["key"]["project"].as_str().unwrap())
        .collect();
    assert_eq!(projects.len(), 2);
    assert!(
        projects
            .iter()
            .all(|p| p.starts_with("hash:") && p.len() == 5 + 16),
        "{projects:?}"
    );
    assert_eq!(r["totals"]["requests"], 3);
    let dir = home.db().parent().unwrap().to_owned();
    for path in ["/home/dev/acme", "/Users/sam/widget"] {
        assert!(!in_files(&dir, path), "{path} reached the database");
    }
    // The same path always gives the same name, so projects still group.
    let again = home.json(&["report", "--json", "--by", "project"]);
    assert_eq!(again["rows"], r["rows"]);
    // A full path still finds its project, to report and to forget.
    let widget = home.json(&[
        "report",
        "--json",
        "--no-scan",
        "--by",
        "",
        "--project",
        "/Users/sam/widget",
    ]);
    assert_eq!(widget["totals"]["requests"], 1);
    let f = home.json(&["forget", "--json", "--project", "/Users/sam/widget"]);
    assert_eq!(f["forgotten"], 1);
    let d = home.json(&["doctor", "--json"]);
    assert_eq!(d["database"]["health"]["project_paths"], "hash");
    assert_eq!(d["config"]["project_paths"], "hash");

    // Switching an existing database to basename rewrites what is stored.
    let home = Home::new();
    claude_fixture(&home);
    let full = home.json(&["report", "--json", "--by", "project"]);
    assert_eq!(full["rows"][0]["key"]["project"], "/Users/sam/widget");
    home.write(
        ".scopeon/config.toml",
        "[privacy]\nproject_paths = \"basename\"\n",
    );
    let r = home.json(&["report", "--json", "--no-scan", "--by", "project"]);
    let projects: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["key"]["project"].as_str().unwrap())
        .collect();
    assert_eq!(projects, ["acme", "widget"]);
    assert_eq!(r["totals"], full["totals"]);
    let dir = home.db().parent().unwrap().to_owned();
    for path in ["/home/dev/acme", "/Users/sam/widget"] {
        assert!(!in_files(&dir, path), "{path} is still in the database");
    }
    // The database remembers the form: without the setting, new records are reduced too.
    fs::remove_file(home.root.join(".scopeon/config.toml")).unwrap();
    home.append(
        ".claude/projects/-home-dev-acme/9b1e7c44-2222-4a3b-8c5d-6e7f8091a2b3.jsonl",
        &(assistant(
            "s2",
            "msg_NEW",
            Some("r"),
            "2026-11-27T11:00:00Z",
            "claude-haiku-4-5",
            U2,
        ) + "\n"),
    );
    let r = home.json(&["report", "--json", "--by", "project"]);
    assert_eq!(r["rows"][0]["key"]["project"], "acme");
    assert_eq!(r["rows"][0]["requests"], 3);
    assert!(!in_files(&dir, "/home/dev/acme"));

    // An unknown form is a usage error naming the key.
    home.write(
        ".scopeon/config.toml",
        "[privacy]\nproject_paths = \"initials\"\n",
    );
    let out = home.run(&["report"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("initials") && err.contains("line 2"), "{err}");
}

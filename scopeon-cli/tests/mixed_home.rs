//! One `$HOME` with every agent Scopeon reads, each laid out where the agent writes its logs,
//! holding the worked examples of the provider pages (docs/providers/). The report by
//! provider must equal the examples' expected numbers, written out here by hand from those
//! pages, and a second scan must add nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const NOW: &str = "2026-11-27T12:00:00Z";

fn fixture(provider: &str, name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scopeon-core/tests/fixtures")
        .join(provider)
        .join(name);
    fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn write(root: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, bytes).unwrap();
    p
}

/// Cursor's `state.vscdb` with the rows of docs/providers/cursor.md's worked example (plus the
/// credentials table Scopeon must never read).
fn cursor_db(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
         CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
         INSERT INTO ItemTable VALUES ('cursorAuth/accessToken', 'secret-token');",
    )
    .unwrap();
    for line in String::from_utf8(fixture("cursor", "worked_example.jsonl"))
        .unwrap()
        .lines()
    {
        let row: Value = serde_json::from_str(line).unwrap();
        if let (Some(key), Some(value)) = (row["key"].as_str(), row.get("value")) {
            db.execute(
                "INSERT INTO cursorDiskKV (key, value) VALUES (?1, ?2)",
                (key, value.to_string()),
            )
            .unwrap();
        }
    }
}

/// A Claude Code transcript: one response split over two content-block lines (one request),
/// and a second response.
const CLAUDE: &str = concat!(
    r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"req_1","timestamp":"2026-11-20T10:00:00.000Z","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"cache_creation_input_tokens":1000,"cache_read_input_tokens":5000,"output_tokens":2}}}"#,
    "\n",
    r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"req_1","timestamp":"2026-11-20T10:00:01.000Z","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"cache_creation_input_tokens":1000,"cache_read_input_tokens":5000,"output_tokens":300}}}"#,
    "\n",
    r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"req_2","timestamp":"2026-11-20T10:01:00.000Z","message":{"id":"msg_2","model":"claude-sonnet-4-5","usage":{"input_tokens":20,"cache_read_input_tokens":6000,"output_tokens":100}}}"#,
    "\n",
);

/// Expected per provider: requests, input, cache creation, cache read, output, reasoning,
/// total (docs/tokens.md meanings).
const EXPECTED: &[(&str, [u64; 7])] = &[
    // Two requests: max of the split copies (10/1000/5000/300), then 20/0/6000/100.
    ("claude_code", [2, 30, 1000, 11_000, 400, 0, 12_430]),
    // codex.md: two events (the re-emit skipped); input 25500 of which cached 21100.
    ("codex", [2, 4_400, 0, 21_100, 1_250, 448, 26_750]),
    // gemini_cli.md: 15234-11020 + 16003-15100 fresh; output 412+230 and 88; thoughts 230.
    ("gemini_cli", [2, 5_117, 0, 26_120, 730, 230, 31_967]),
    // copilot_cli.md: outputs 214 and 96, shutdown aggregates 4500/15000/41000 (no request) and
    // 5000/4000/700 with reasoning 256 (one request).
    (
        "copilot_cli",
        [3, 9_500, 15_000, 45_000, 1_010, 256, 70_510],
    ),
    // aider.md: 14210/655 and 9003/120.
    ("aider", [2, 23_213, 0, 0, 775, 0, 23_988]),
    // cursor.md: one estimated event, 48210/1377.
    ("cursor", [1, 48_210, 0, 0, 1_377, 0, 49_587]),
    // opencode.md: 1200 input, cache write 1500, cache read 22000, output 380.
    ("opencode", [1, 1_200, 1_500, 22_000, 380, 0, 25_080]),
    // generic_openai.md: five events; fresh 1152+900+904+1200+360, cached 2048+4096+640.
    ("generic_openai", [5, 4_516, 0, 6_784, 2_394, 1_664, 13_694]),
];

#[test]
fn every_agent_in_one_home_counts_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    write(
        home,
        ".claude/projects/-home-dev-app/s1.jsonl",
        CLAUDE.as_bytes(),
    );
    write(
        home,
        ".codex/sessions/2025/10/03/rollout-2025-10-03T11-20-41-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl",
        &fixture("codex", "worked_example_reemit.jsonl"),
    );
    write(
        home,
        ".gemini/tmp/acme-api/chats/session-2026-05-04T08-00-5d7e9f10.jsonl",
        &fixture("gemini_cli", "worked_example.jsonl"),
    );
    write(
        home,
        ".gemini/tmp/acme-api/.project_root",
        b"/home/dev/acme-api\n",
    );
    write(
        home,
        ".copilot/session-state/6c1f2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f/events.jsonl",
        &fixture("copilot_cli", "worked_example.jsonl"),
    );
    write(
        home,
        ".aider/analytics.jsonl",
        &fixture("aider", "worked_example.jsonl"),
    );
    cursor_db(&home.join(".config/Cursor/User/globalStorage/state.vscdb"));
    write(
        home,
        ".local/share/opencode/storage/message/ses_01SYNTHoc000000000000000A/msg_01SYNTHoc0000000000000001.json",
        &fixture("opencode", "worked_example.json"),
    );
    write(
        home,
        "generic/usage.jsonl",
        &fixture("generic_openai", "worked_example.jsonl"),
    );
    let config = write(
        home,
        ".scopeon/config.toml",
        format!("generic_paths = [\"{}/generic/*.jsonl\"]\n", home.display()).as_bytes(),
    );

    let run = |args: &[&str]| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_scopeon"))
            .env_clear()
            .env("HOME", home)
            .env("TZ", "UTC")
            .env("SCOPEON_NOW", NOW)
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "scopeon {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };

    let first = run(&["scan", "--json"]);
    for p in first["providers"].as_array().unwrap() {
        assert!(
            p["problems"].as_array().unwrap().is_empty(),
            "{}: {}",
            p["provider"],
            p["problems"]
        );
        assert!(
            p["files"].as_u64().unwrap() >= 1,
            "{} found no file",
            p["provider"]
        );
    }
    let report = run(&["report", "--by", "provider", "--json", "--no-scan"]);
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), EXPECTED.len(), "{report:#}");
    let fields = [
        "requests",
        "input_tokens",
        "cache_creation_tokens",
        "cache_read_tokens",
        "output_tokens",
        "reasoning_tokens",
        "total_tokens",
    ];
    let mut sums = [0u64; 7];
    for (provider, want) in EXPECTED {
        let row = rows
            .iter()
            .find(|r| r["key"]["provider"] == *provider)
            .unwrap_or_else(|| panic!("no row for {provider}"));
        let got: Vec<u64> = fields.iter().map(|f| row[f].as_u64().unwrap()).collect();
        assert_eq!(got, want, "{provider}: {fields:?}");
        for (s, w) in sums.iter_mut().zip(want) {
            *s += w;
        }
    }
    let totals: Vec<u64> = fields
        .iter()
        .map(|f| report["totals"][f].as_u64().unwrap())
        .collect();
    assert_eq!(totals, sums);
    // Copilot's premium requests travel beside the dollars.
    assert_eq!(report["totals"]["premium_requests"], 2.0);

    // A second scan reads nothing new and adds nothing.
    let second = run(&["scan", "--json"]);
    for p in second["providers"].as_array().unwrap() {
        assert_eq!(p["new_records"], 0, "{}", p["provider"]);
        assert_eq!(p["files_read"], 0, "{} reopened a file", p["provider"]);
    }
    assert_eq!(
        run(&["report", "--by", "provider", "--json", "--no-scan"])["rows"],
        report["rows"]
    );
}

//! Five-hour blocks against hand-computed fixtures (docs/live.md, "Blocks"): estimated blocks
//! and their boundaries, gaps, `--floor-hour`, zones, burn rate, projection and token limits;
//! official windows from Codex logs, stale reports, dropped percentages.

use camino::{Utf8Path, Utf8PathBuf};
use jiff::Timestamp;
use scopeon_core::env::Env;
use scopeon_core::{BlocksRequest, ScanRequest, Scopeon};
use serde_json::{Value, json};

/// Claude Code requests of 100 input tokens each, at these times (UTC):
/// day 1 10:17:00, 12:00:00, 15:16:59.999, 15:17:00 (exactly start + 5h), 15:47:00;
/// day 2 02:00:00, 02:30:00.
const CLAUDE_TIMES: &[&str] = &[
    "2026-11-20T10:17:00Z",
    "2026-11-20T12:00:00Z",
    "2026-11-20T15:16:59.999Z",
    "2026-11-20T15:17:00Z",
    "2026-11-20T15:47:00Z",
    "2026-11-21T02:00:00Z",
    "2026-11-21T02:30:00Z",
];

fn claude_home() -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
    let project = home.join(".claude/projects/-home-dev-app");
    std::fs::create_dir_all(&project).unwrap();
    let lines: String = CLAUDE_TIMES
        .iter()
        .enumerate()
        .map(|(i, ts)| {
            format!(
                r#"{{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"r{i}","timestamp":"{ts}","message":{{"id":"m{i}","model":"claude-sonnet-4-5","usage":{{"input_tokens":100,"output_tokens":0}},"content":[{{"type":"text","text":"SECRET"}}]}}}}"#
            ) + "\n"
        })
        .collect();
    std::fs::write(project.join("s1.jsonl"), lines).unwrap();
    (dir, home)
}

fn open(home: &Utf8Path, tz: &str) -> Scopeon {
    let mut s = Scopeon::builder()
        .env(Env::isolated(home.as_str()).with_var("TZ", Some(tz)))
        .in_memory()
        .no_config()
        .open()
        .unwrap();
    s.scan(&ScanRequest::new()).unwrap();
    s
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The (start, end, requests, total_tokens) of each block of a document.
fn shape(doc: &Value) -> Vec<(String, String, u64, u64)> {
    doc["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["start"].as_str().unwrap().to_owned(),
                b["end"].as_str().unwrap().to_owned(),
                b["requests"].as_u64().unwrap(),
                b["total_tokens"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn row(start: &str, end: &str, requests: u64) -> (String, String, u64, u64) {
    (start.into(), end.into(), requests, requests * 100)
}

const NOW: &str = "2026-11-21T03:00:00Z";

#[test]
fn estimated_blocks_start_at_the_first_request_and_a_request_at_start_plus_5h_opens_one() {
    let (_dir, home) = claude_home();
    let s = open(&home, "UTC");
    let doc = s
        .blocks(&BlocksRequest::new().now(at(NOW)))
        .unwrap()
        .to_document();
    assert_eq!(doc["schema"], "scopeon.blocks.v1");
    assert_eq!(doc["generated_at"], NOW);
    assert_eq!(
        shape(&doc),
        [
            row("2026-11-20T10:17:00Z", "2026-11-20T15:17:00Z", 3),
            row("2026-11-20T15:17:00Z", "2026-11-20T20:17:00Z", 2),
            row("2026-11-21T02:00:00Z", "2026-11-21T07:00:00Z", 2),
        ]
    );
    let b = &doc["blocks"];
    assert_eq!(b[0]["actual_end"], "2026-11-20T15:16:59.999Z");
    assert_eq!(b[0]["source"], "estimated");
    assert_eq!(b[0]["stale"], Value::Null);
    assert_eq!(b[0]["used_percentage"], Value::Null);
    // One request in the block's last hour: no burn rate.
    assert_eq!(b[0]["burn_rate"], Value::Null);
    // 200 tokens over the 30 minutes from 15:17 to the last request at 15:47.
    let rate = b[1]["burn_rate"]["tokens_per_minute"].as_f64().unwrap();
    assert!((rate - 200.0 / 30.0).abs() < 1e-9, "{rate}");
    assert_eq!(b[1]["projection"], Value::Null, "only the active block");
    assert_eq!(
        [
            b[0]["is_active"].clone(),
            b[1]["is_active"].clone(),
            b[2]["is_active"].clone()
        ],
        [json!(false), json!(false), json!(true)]
    );
    // Active: 200 tokens over the hour to now (02:00 to 03:00), 240 minutes left.
    assert_eq!(
        b[2]["burn_rate"]["tokens_per_minute"].as_f64().unwrap(),
        200.0 / 60.0
    );
    assert_eq!(b[2]["projection"]["total_tokens"], 1000);
    // Sonnet 4.5 input at 3 USD per million tokens.
    let cost = b[2]["cost_usd"].as_f64().unwrap();
    assert!((cost - 0.0006).abs() < 1e-12, "{cost}");
    let projected = b[2]["projection"]["cost_usd"].as_f64().unwrap();
    assert!((projected - 0.003).abs() < 1e-9, "{projected}");
    assert_eq!(b[0]["token_limit"], Value::Null);
}

#[test]
fn floor_hour_rounds_starts_down_to_the_utc_hour() {
    let (_dir, home) = claude_home();
    let s = open(&home, "Asia/Kolkata");
    let doc = s
        .blocks(&BlocksRequest::new().now(at(NOW)).floor_hour(true))
        .unwrap()
        .to_document();
    assert_eq!(
        shape(&doc),
        [
            row("2026-11-20T10:00:00Z", "2026-11-20T15:00:00Z", 2),
            row("2026-11-20T15:00:00Z", "2026-11-20T20:00:00Z", 3),
            row("2026-11-21T02:00:00Z", "2026-11-21T07:00:00Z", 2),
        ]
    );
}

#[test]
fn gaps_are_listed_only_when_asked_and_zones_do_not_move_blocks() {
    let (_dir, home) = claude_home();
    let mut docs = Vec::new();
    for tz in ["UTC", "Europe/Berlin", "America/New_York"] {
        let s = open(&home, tz);
        docs.push(
            s.blocks(&BlocksRequest::new().now(at(NOW)).gaps(true))
                .unwrap()
                .to_document(),
        );
    }
    assert_eq!(docs[0], docs[1]);
    assert_eq!(docs[0], docs[2]);
    let blocks = docs[0]["blocks"].as_array().unwrap();
    // No gap between the first two blocks (one ends where the next starts).
    let gaps: Vec<_> = blocks.iter().filter(|b| b["is_gap"] == true).collect();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0]["start"], "2026-11-20T20:17:00Z");
    assert_eq!(gaps[0]["end"], "2026-11-21T02:00:00Z");
    assert_eq!(gaps[0]["requests"], 0);
}

#[test]
fn since_reads_back_to_where_blocks_start() {
    let (_dir, home) = claude_home();
    let s = open(&home, "UTC");
    // 15:30 is inside the second block: it is listed whole, as from the start of history.
    let doc = s
        .blocks(
            &BlocksRequest::new()
                .now(at(NOW))
                .since("2026-11-20T15:30:00Z"),
        )
        .unwrap()
        .to_document();
    assert_eq!(
        shape(&doc),
        [
            row("2026-11-20T15:17:00Z", "2026-11-20T20:17:00Z", 2),
            row("2026-11-21T02:00:00Z", "2026-11-21T07:00:00Z", 2),
        ]
    );
    let doc = s
        .blocks(
            &BlocksRequest::new()
                .now(at(NOW))
                .until("2026-11-20T15:17:00Z"),
        )
        .unwrap()
        .to_document();
    assert_eq!(shape(&doc).len(), 1);
}

#[test]
fn token_limit_max_comes_from_completed_blocks_before_active_filters() {
    let (_dir, home) = claude_home();
    let s = open(&home, "UTC");
    let answer = s
        .blocks(
            &BlocksRequest::new()
                .now(at(NOW))
                .active(true)
                .token_limit("max"),
        )
        .unwrap();
    let doc = answer.to_document();
    assert_eq!(
        shape(&doc),
        [row("2026-11-21T02:00:00Z", "2026-11-21T07:00:00Z", 2)]
    );
    // The largest completed block holds 300 tokens; the active one projects 1000.
    let limit = &doc["blocks"][0]["token_limit"];
    assert_eq!(limit["limit"], 300);
    assert_eq!(limit["status"], "exceeds");
    assert!((limit["projected_percent"].as_f64().unwrap() - 1000.0 / 3.0).abs() < 1e-9);

    let doc = s
        .blocks(&BlocksRequest::new().now(at(NOW)).token_limit("1100"))
        .unwrap()
        .to_document();
    let statuses: Vec<&Value> = doc["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["token_limit"]["status"])
        .collect();
    assert_eq!(statuses, [&json!("ok"), &json!("ok"), &json!("warning")]);
    assert!(s.blocks(&BlocksRequest::new().token_limit("lots")).is_err());
    assert!(s.blocks(&BlocksRequest::new().token_limit("0")).is_err());
}

#[test]
fn recent_and_empty_answers_say_what_there_is() {
    let (_dir, home) = claude_home();
    let s = open(&home, "UTC");
    let later = at("2026-12-01T00:00:00Z");
    let answer = s
        .blocks(&BlocksRequest::new().now(later).recent(true))
        .unwrap();
    assert!(answer.blocks().is_empty());
    let hint = answer.hint().unwrap();
    assert!(
        hint.contains("claude_code has requests from 2026-11-20T10:17:00Z to 2026-11-21T02:30:00Z"),
        "{hint}"
    );
    let recent = s
        .blocks(&BlocksRequest::new().now(at(NOW)).recent(true))
        .unwrap();
    assert_eq!(recent.blocks().len(), 3);
    assert!(recent.hint().is_none());

    let dir = tempfile::tempdir().unwrap();
    let empty = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
    let s = open(&empty, "UTC");
    let answer = s.blocks(&BlocksRequest::new()).unwrap();
    assert_eq!(answer.to_document()["blocks"], json!([]));
    assert!(answer.hint().unwrap().contains("scopeon providers"));
}

/// A Codex rollout: a five-hour window resetting at 12:00Z (07:00 to 12:00) reported at 09:20
/// (5 %) and 09:30 (9.5 %), a weekly window, requests at 09:20 and 09:30 inside it, and one at
/// 13:00 whose only report says 180 % (dropped), so its block is estimated.
fn codex_home() -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
    let rel = ".codex/sessions/2025/10/03/rollout-2025-10-03T11-20-41-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl";
    std::fs::create_dir_all(home.join(rel).parent().unwrap()).unwrap();
    let tc = |ts: &str, input: u64, primary: &str, secondary: &str| {
        format!(
            r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{input},"cached_input_tokens":0,"output_tokens":0,"reasoning_output_tokens":0,"total_tokens":{input}}}}},"rate_limits":{{"primary":{primary},"secondary":{secondary}}}}}}}"#
        )
    };
    let lines = [
        r#"{"timestamp":"2025-10-03T09:20:41.512Z","type":"session_meta","payload":{"id":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","cwd":"/home/dev/acme-api"}}"#.to_owned(),
        r#"{"timestamp":"2025-10-03T09:20:44.001Z","type":"turn_context","payload":{"cwd":"/home/dev/acme-api","model":"gpt-5-codex"}}"#.to_owned(),
        tc("2025-10-03T09:20:52.000Z", 1000, r#"{"used_percent":5.0,"window_minutes":300,"resets_at":1759492800}"#, r#"{"used_percent":11.0,"window_minutes":10080,"resets_at":1759900000}"#),
        tc("2025-10-03T09:30:00.000Z", 3000, r#"{"used_percent":9.5,"window_minutes":300,"resets_at":1759492800}"#, "null"),
        tc("2025-10-03T13:00:00.000Z", 6000, r#"{"used_percent":180,"window_minutes":300,"resets_at":1759510800}"#, "null"),
    ];
    std::fs::write(home.join(rel), lines.join("\n") + "\n").unwrap();
    (dir, home)
}

#[test]
fn official_windows_come_from_codex_logs_and_go_stale() {
    let (_dir, home) = codex_home();
    let s = open(&home, "UTC");
    let doc = s
        .blocks(&BlocksRequest::new().now(at("2025-10-03T09:35:00Z")))
        .unwrap()
        .to_document();
    let b = &doc["blocks"];
    assert_eq!(b.as_array().unwrap().len(), 2, "{doc:#}");
    assert_eq!(b[0]["provider"], "codex");
    assert_eq!(b[0]["source"], "official");
    assert_eq!(b[0]["start"], "2025-10-03T07:00:00Z");
    assert_eq!(b[0]["end"], "2025-10-03T12:00:00Z");
    assert_eq!(b[0]["requests"], 2);
    assert_eq!(b[0]["total_tokens"], 3000);
    assert_eq!(b[0]["used_percentage"], 9.5);
    assert_eq!(b[0]["is_active"], true);
    assert_eq!(b[0]["stale"], false, "reported 5 minutes ago");
    assert_eq!(b[1]["source"], "estimated");
    assert_eq!(b[1]["start"], "2025-10-03T13:00:00Z");
    assert_eq!(b[1]["used_percentage"], Value::Null);
    // The weekly window is a window, not a block.
    assert_eq!(
        doc["windows"],
        json!([{
            "provider": "codex", "kind": "secondary", "window_minutes": 10080,
            "used_percentage": 11.0, "resets_at": "2025-10-08T05:06:40Z",
            "captured_at": "2025-10-03T09:20:52Z", "stale": true,
        }])
    );
    // Ten minutes and more after the last report, the window's percentage is stale.
    let later = s
        .blocks(
            &BlocksRequest::new()
                .now(at("2025-10-03T09:40:01Z"))
                .active(true),
        )
        .unwrap()
        .to_document();
    assert_eq!(later["blocks"].as_array().unwrap().len(), 1);
    assert_eq!(later["blocks"][0]["stale"], true);
    assert_eq!(later["windows"].as_array().unwrap().len(), 1);
}

#[test]
fn statusline_reports_make_official_windows_too() {
    let (_dir, home) = claude_home();
    let mut s = open(&home, "UTC");
    let snapshot = scopeon_core::live::RateLimitSnapshot::new(
        scopeon_core::record::ProviderId::ClaudeCode,
        "five_hour",
        300,
        42.0,
        at("2026-11-21T06:00:00Z").as_millisecond(),
        at("2026-11-21T02:55:00Z").as_millisecond(),
    )
    .unwrap();
    s.record_rate_limits(&[snapshot]).unwrap();
    let doc = s
        .blocks(&BlocksRequest::new().now(at(NOW)).active(true))
        .unwrap()
        .to_document();
    let b = &doc["blocks"][0];
    assert_eq!(b["source"], "official");
    assert_eq!(b["start"], "2026-11-21T01:00:00Z");
    assert_eq!(b["requests"], 2);
    assert_eq!(b["used_percentage"], 42.0);
    assert_eq!(b["stale"], false);
}

/// All-history blocks are cached for one data generation (docs/live.md, "Cost"): a repeated
/// call answers exactly as a fresh database does at any "now" (before the blocks, inside each,
/// after them), and a new request or a new official window is seen at once.
#[test]
fn cached_blocks_answer_as_a_fresh_computation() {
    let (_dir, home) = claude_home();
    let mut s = open(&home, "UTC");
    let window = scopeon_core::live::RateLimitSnapshot::new(
        scopeon_core::record::ProviderId::ClaudeCode,
        "five_hour",
        300,
        42.0,
        at("2026-11-21T06:00:00Z").as_millisecond(),
        at("2026-11-21T02:55:00Z").as_millisecond(),
    )
    .unwrap();
    let fresh = |now: &str, floor: bool, windows: &[_]| {
        let mut f = open(&home, "UTC");
        f.record_rate_limits(windows).unwrap();
        f.blocks(&request(now, floor)).unwrap().to_document()
    };
    fn request(now: &str, floor: bool) -> BlocksRequest {
        BlocksRequest::new()
            .now(at(now))
            .floor_hour(floor)
            .gaps(true)
            .token_limit("max")
    }
    let nows = [
        "2026-11-20T09:00:00Z",
        "2026-11-20T11:00:00Z",
        "2026-11-20T15:30:00Z",
        "2026-11-21T02:10:00Z",
        NOW,
        "2026-11-22T00:00:00Z",
    ];
    let check = |s: &Scopeon, windows: &[_]| {
        for floor in [false, true] {
            // The first call fills the cache; the others read it.
            s.blocks(&request(NOW, floor)).unwrap();
            for now in nows {
                let cached = s.blocks(&request(now, floor)).unwrap().to_document();
                assert_eq!(
                    cached,
                    fresh(now, floor, windows),
                    "now {now}, floor {floor}"
                );
            }
        }
    };
    check(&s, &[]);

    // A new request (a new generation) ends the cached fold.
    let log = home.join(".claude/projects/-home-dev-app/s1.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"r9","timestamp":"2026-11-21T02:45:00Z","message":{"id":"m9","model":"claude-sonnet-4-5","usage":{"input_tokens":100,"output_tokens":0}}}"#);
    text.push('\n');
    std::fs::write(&log, text).unwrap();
    s.scan(&ScanRequest::new()).unwrap();
    let doc = s.blocks(&request(NOW, false)).unwrap().to_document();
    assert_eq!(
        doc["blocks"].as_array().unwrap().last().unwrap()["requests"],
        3
    );
    check(&s, &[]);

    // So does a new official window, which stores no record (the same generation).
    s.record_rate_limits(std::slice::from_ref(&window)).unwrap();
    let doc = s.blocks(&request(NOW, false)).unwrap().to_document();
    assert_eq!(
        doc["blocks"].as_array().unwrap().last().unwrap()["source"],
        "official"
    );
    check(&s, std::slice::from_ref(&window));
}

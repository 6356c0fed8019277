//! Rate-limit snapshots end to end (docs/live.md): read from Codex logs by the scan, committed
//! with their batch, stored once per window whatever the order and number of scans, forgotten
//! with their provider; and stored through `Scopeon::record_rate_limits` as the statusline does.

use camino::{Utf8Path, Utf8PathBuf};
use proptest::prelude::*;
use scopeon_core::env::Env;
use scopeon_core::live::RateLimitSnapshot;
use scopeon_core::record::ProviderId;
use scopeon_core::{ForgetRequest, ScanRequest, Scopeon};

const REL: &str = ".codex/sessions/2025/10/03/rollout-2025-10-03T11-20-41-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl";

/// A rollout with usage and windows: a rate-limit-only row, usage rows whose windows grow,
/// a re-emit, a legacy row, and a second five-hour window.
fn rollout() -> Vec<String> {
    let limits = |ts: &str, info: &str, primary: &str, secondary: &str| {
        format!(
            r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{info},"rate_limits":{{"primary":{primary},"secondary":{secondary}}}}}}}"#
        )
    };
    let usage = |input: u64, output: u64| {
        format!(
            r#"{{"total_token_usage":{{"input_tokens":{input},"cached_input_tokens":0,"output_tokens":{output},"reasoning_output_tokens":0,"total_tokens":{}}}}}"#,
            input + output
        )
    };
    let w = |pct: f64, minutes: u32, resets: i64| {
        format!(r#"{{"used_percent":{pct},"window_minutes":{minutes},"resets_at":{resets}}}"#)
    };
    vec![
        r#"{"timestamp":"2025-10-03T09:20:41.512Z","type":"session_meta","payload":{"id":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","cwd":"/home/dev/acme-api","instructions":"SECRET PROMPT"}}"#.to_owned(),
        r#"{"timestamp":"2025-10-03T09:20:44.001Z","type":"turn_context","payload":{"cwd":"/home/dev/acme-api","model":"gpt-5-codex"}}"#.to_owned(),
        limits("2025-10-03T09:20:44.310Z", "null", &w(4.0, 300, 1_759_500_000), &w(11.0, 10_080, 1_759_900_000)),
        limits("2025-10-03T09:20:52.770Z", &usage(1000, 100), &w(5.0, 300, 1_759_500_000), "null"),
        limits("2025-10-03T09:20:53.104Z", &usage(1000, 100), &w(5.0, 300, 1_759_500_000), "null"),
        limits("2025-10-03T09:30:00.000Z", &usage(3000, 300), &w(9.5, 300, 1_759_500_000), &w(12.0, 10_080, 1_759_900_000)),
        r#"{"timestamp":"2025-10-03T14:00:00.000Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{"primary":{"used_percent":1.0,"window_minutes":300,"resets_in_seconds":18000}}}}"#.to_owned(),
        limits("2025-10-03T14:10:00.000Z", &usage(5000, 500), &w(180.0, 300, 1_759_518_000), "null"),
    ]
}

fn home() -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
    std::fs::create_dir_all(home.join(REL).parent().unwrap()).unwrap();
    (dir, home)
}

fn open(home: &Utf8Path, db: &str) -> Scopeon {
    Scopeon::builder()
        .env(Env::isolated(home.as_str()).with_var("TZ", Some("UTC")))
        .db(home.join(db))
        .no_config()
        .open()
        .unwrap()
}

fn scan(s: &mut Scopeon) {
    s.scan(&ScanRequest::new().providers(["codex"])).unwrap();
}

/// Every stored snapshot row, in key order.
fn stored(home: &Utf8Path, db: &str) -> Vec<(String, String, i64, i64, f64, i64)> {
    let conn = rusqlite::Connection::open(home.join(db)).unwrap();
    let mut st = conn
        .prepare(
            "SELECT provider, kind, resets_at_ms, window_minutes, used_percentage, captured_at_ms
             FROM rate_limits ORDER BY provider, kind, resets_at_ms",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn write(home: &Utf8Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(home.join(REL), text).unwrap();
}

#[test]
fn the_latest_report_of_each_window_is_stored_once() {
    let (_dir, home) = home();
    write(&home, &rollout());
    let mut s = open(&home, "a.db");
    scan(&mut s);
    let expected = vec![
        // The first five-hour window: its latest report (09:30, 9.5 %).
        (
            "codex".to_owned(),
            "primary".to_owned(),
            1_759_500_000_000,
            300,
            9.5,
            1_759_483_800_000,
        ),
        // The legacy row: resets 18,000 s after its event (14:00Z).
        (
            "codex".into(),
            "primary".into(),
            1_759_518_000_000,
            300,
            1.0,
            1_759_500_000_000,
        ),
        (
            "codex".into(),
            "secondary".into(),
            1_759_900_000_000,
            10_080,
            12.0,
            1_759_483_800_000,
        ),
    ];
    assert_eq!(stored(&home, "a.db"), expected, "180 % was dropped");
    // Rate-limit rows are not usage: two usage rows and one re-emit make two requests.
    let report = s
        .report(&scopeon_core::ReportRequest::new().by::<&str>([]))
        .unwrap();
    assert_eq!(report.report().totals.requests, 3);

    // A rescan and a rebuild store nothing new.
    scan(&mut s);
    s.scan(&ScanRequest::new().providers(["codex"]).rebuild(true))
        .unwrap();
    assert_eq!(stored(&home, "a.db"), expected);

    // Forgetting a project leaves them; forgetting the provider forgets them.
    s.forget(&ForgetRequest::new().projects(["/home/dev/acme-api"]))
        .unwrap();
    assert_eq!(stored(&home, "a.db").len(), 3);
    s.forget(&ForgetRequest::new().providers(["codex"]))
        .unwrap();
    assert_eq!(stored(&home, "a.db"), []);
}

#[test]
fn statusline_snapshots_keep_the_latest_capture_and_repeat_harmlessly() {
    let (_dir, home) = home();
    let mut s = open(&home, "b.db");
    let snap = |pct: f64, captured: i64| {
        RateLimitSnapshot::new(
            ProviderId::ClaudeCode,
            "five_hour",
            300,
            pct,
            1_764_000_000_000,
            captured,
        )
        .unwrap()
    };
    let later = snap(40.0, 1_763_990_000_000);
    let earlier = snap(35.0, 1_763_980_000_000);
    s.record_rate_limits(std::slice::from_ref(&later)).unwrap();
    s.record_rate_limits(&[earlier.clone(), later.clone()])
        .unwrap();
    s.record_rate_limits(&[earlier]).unwrap();
    let rows = stored(&home, "b.db");
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].4, rows[0].5), (40.0, 1_763_990_000_000));
    // Two reports of one moment: the higher percentage (usage only grows in a window).
    s.record_rate_limits(&[snap(41.0, 1_763_990_000_000)])
        .unwrap();
    s.record_rate_limits(&[snap(39.0, 1_763_990_000_000)])
        .unwrap();
    assert_eq!(stored(&home, "b.db")[0].4, 41.0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A log read in pieces, a scan after each (as a scan resumed after a crash reads what
    /// the last commit left), stores exactly the snapshots one scan of the whole log stores.
    #[test]
    fn pieces_store_what_one_scan_stores(cuts in prop::collection::vec(any::<bool>(), 8)) {
        let lines = rollout();
        let (_dir, base) = home();
        write(&base, &lines);
        let mut whole = open(&base, "whole.db");
        scan(&mut whole);
        let expected = stored(&base, "whole.db");

        let (_dir2, home2) = home();
        let mut pieces = open(&home2, "pieces.db");
        for (i, cut) in cuts.iter().enumerate().take(lines.len()) {
            if *cut || i + 1 == lines.len() {
                write(&home2, &lines[..=i]);
                scan(&mut pieces);
            }
        }
        write(&home2, &lines);
        scan(&mut pieces);
        prop_assert_eq!(stored(&home2, "pieces.db"), expected);
    }
}

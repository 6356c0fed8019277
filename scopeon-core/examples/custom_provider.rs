//! Teach Scopeon a new agent's log format: define a provider, register it, scan, report.
//!
//! ```text
//! cargo run -p scopeon-core --example custom_provider
//! ```
//!
//! "Quill" is a made-up coding agent that appends one JSON object per line to
//! `~/.quill/sessions/<session>.jsonl`: its own messages (text Scopeon must never keep) and,
//! after each model call, a `turn` line with the call's usage. The example writes a sample log
//! into a temporary home, scans it into an in-memory database with Quill's provider
//! registered beside the built-in ones, and prints tokens and cost by day and model.
//!
//! What the provider declares is all Scopeon needs: where the logs are
//! ([`Provider::default_roots`], [`Provider::file_patterns`]) and how one line becomes a
//! [`UsageRecord`] ([`LineParser`]). Checkpoints, resuming after an append, deduplication by
//! [`UsageRecord::dedup_key`], pricing and reports come with the scan and the store.

use camino::Utf8PathBuf;
use scopeon_core::env::Env;
use scopeon_core::provider::{
    LineOutcome, LineParser, Provider, SkipReason, SourceContext, StateError,
};
use scopeon_core::record::{ProviderId, TokenCounts, UsageRecord, bounded_id};
use scopeon_core::{ReportRequest, ScanRequest, Scopeon};
use serde::Deserialize;

/// Quill's provider id: lowercase ASCII letters, digits and `_`, not a built-in id (checked
/// when compiled).
const QUILL: ProviderId = ProviderId::custom("quill");

/// Where Quill's logs are and how to read them.
#[derive(Debug)]
struct Quill;

impl Provider for Quill {
    fn id(&self) -> ProviderId {
        QUILL
    }

    /// Bump it when a fix changes what the parser extracts: the next scan re-reads Quill's
    /// logs from the start.
    fn parser_version(&self) -> u32 {
        1
    }

    fn default_roots(&self, env: &Env) -> Vec<Utf8PathBuf> {
        env.home()
            .map(|home| vec![home.join(".quill")])
            .unwrap_or_default()
    }

    fn file_patterns(&self) -> &'static [&'static str] {
        &["sessions/*.jsonl"]
    }

    /// Each line stands alone, so the parser has no state to resume from.
    fn parser(
        &self,
        ctx: &SourceContext,
        _state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        Ok(Box::new(QuillParser {
            session: ctx.file_stem().to_owned(),
        }))
    }
}

/// The fields of a Quill line that Scopeon reads. Every other field (the message text above
/// all) is skipped by serde without being kept.
#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    ts: Option<String>,
    model: Option<String>,
    cwd: Option<String>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Usage {
    /// Every prompt token, the cached ones included.
    prompt: u64,
    /// The prompt tokens served from the cache.
    #[serde(default)]
    cached: u64,
    completion: u64,
}

struct QuillParser {
    /// Quill names each log after its session.
    session: String,
}

impl LineParser for QuillParser {
    fn parse_line(&mut self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome {
        let Ok(line) = serde_json::from_slice::<Line>(line) else {
            return LineOutcome::Skipped(SkipReason::InvalidJson);
        };
        if line.kind != "turn" {
            return LineOutcome::Ignored;
        }
        let (Some(id), Some(ts), Some(usage)) = (line.id, line.ts, line.usage) else {
            return LineOutcome::Skipped(SkipReason::MissingField);
        };
        let Ok(ts) = ts.parse::<jiff::Timestamp>() else {
            return LineOutcome::Skipped(SkipReason::MissingField);
        };
        let cached = usage.cached.min(usage.prompt);
        out.push(UsageRecord {
            provider: QUILL,
            session: bounded_id(&self.session),
            project: line.cwd.as_deref().map(bounded_id),
            model: line.model.as_deref().map(bounded_id),
            timestamp_ms: ts.as_millisecond(),
            // Copies of a turn (a resumed session replaying it) share its id: one request.
            dedup_key: bounded_id(&id),
            message_id: None,
            flags: Default::default(),
            tokens: TokenCounts {
                input: usage.prompt - cached,
                cache_read: cached,
                output: usage.completion,
                ..TokenCounts::default()
            },
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        });
        LineOutcome::Records(1)
    }

    fn state(&self) -> Vec<u8> {
        Vec::new()
    }
}

/// A sample Quill log: two sessions over two days, one turn replayed by a resumed session.
fn write_sample_logs(home: &camino::Utf8Path) -> std::io::Result<()> {
    let sessions = home.join(".quill/sessions");
    std::fs::create_dir_all(&sessions)?;
    std::fs::write(
        sessions.join("q-101.jsonl"),
        concat!(
            r#"{"type":"message","role":"user","text":"rename the config loader"}"#,
            "\n",
            r#"{"type":"turn","id":"t-1","ts":"2026-11-20T09:15:00Z","model":"claude-sonnet-4-5","cwd":"/home/dev/acme","usage":{"prompt":12000,"cached":9000,"completion":800}}"#,
            "\n",
            r#"{"type":"message","role":"assistant","text":"done: renamed in 4 files"}"#,
            "\n",
            r#"{"type":"turn","id":"t-2","ts":"2026-11-20T09:17:30Z","model":"claude-sonnet-4-5","cwd":"/home/dev/acme","usage":{"prompt":15500,"cached":12000,"completion":1200}}"#,
            "\n",
        ),
    )?;
    std::fs::write(
        sessions.join("q-102.jsonl"),
        concat!(
            // Resumed from q-101: its last turn is replayed, and counted once.
            r#"{"type":"turn","id":"t-2","ts":"2026-11-20T09:17:30Z","model":"claude-sonnet-4-5","cwd":"/home/dev/acme","usage":{"prompt":15500,"cached":12000,"completion":1200}}"#,
            "\n",
            r#"{"type":"turn","id":"t-3","ts":"2026-11-21T14:02:00Z","model":"gpt-5","cwd":"/home/dev/acme","usage":{"prompt":4000,"completion":650}}"#,
            "\n",
            r#"{"type":"turn","id":"t-4","ts":"2026-11-21T14:05:10Z","model":"gpt-5","cwd":"/home/dev/acme","usage":{"prompt":5200,"cached":3500,"completion":900}}"#,
            "\n",
        ),
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A temporary home holding only Quill's logs (`Scopeon::open()` reads the user's own).
    let dir = tempfile::tempdir()?;
    let home = Utf8PathBuf::from_path_buf(dir.path().to_owned())
        .map_err(|p| format!("temporary directory {} is not UTF-8", p.display()))?;
    write_sample_logs(&home)?;

    // Quill registered beside the built-in providers; this scan reads Quill only.
    let mut scopeon = Scopeon::builder()
        .env(Env::isolated(home).with_var("TZ", Some("UTC")))
        .in_memory()
        .provider(Quill)?
        .open()?;
    let summary = scopeon.scan(&ScanRequest::new().providers(["quill"]))?;
    let quill = &summary.providers[0];
    println!(
        "{}: {} files, {} usage lines, {} requests stored",
        quill.provider, quill.files, quill.records_read, quill.new_records
    );

    let answer = scopeon.report(
        &ReportRequest::new()
            .by(["day", "model"])
            .providers(["quill"]),
    )?;
    let report = answer.report();
    println!(
        "{:<10}  {:<18}  {:>8}  {:>10}  {:>9}",
        "day", "model", "requests", "tokens", "cost"
    );
    for row in &report.rows {
        let key = |i: usize| row.key[i].1.as_deref().unwrap_or("?");
        let cost = row
            .totals
            .cost_usd()
            .map_or("unpriced".to_owned(), |c| format!("${c:.4}"));
        println!(
            "{:<10}  {:<18}  {:>8}  {:>10}  {:>9}",
            key(0),
            key(1),
            row.totals.requests,
            row.totals.total_tokens,
            cost
        );
    }
    let cost = report.totals.cost_usd().unwrap_or(0.0);
    println!(
        "total: {} requests, {} tokens, ${cost:.4}",
        report.totals.requests, report.totals.total_tokens
    );
    Ok(())
}

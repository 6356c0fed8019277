//! Snapshot tests: every Claude Code fixture file, framed and parsed line by line.
//!
//! Each snapshot lists, per line, its byte offset, what the parser made of it, and the records
//! it produced, so any change in what is extracted shows up in review.

use scopeon_core::provider::{LineOutcome, Provider, SourceContext, claude_code::ClaudeCode};
use scopeon_core::tail::{Frame, LineReader};
use serde::Serialize;

#[derive(Serialize)]
struct Parsed {
    offset: u64,
    outcome: String,
    records: Vec<scopeon_core::record::UsageRecord>,
}

fn parse_file(name: &str, bytes: &[u8]) -> Vec<Parsed> {
    let rel = format!("projects/p/{name}");
    let mut parser = ClaudeCode.parser(&SourceContext::new(rel), None).unwrap();
    let mut reader = LineReader::new(bytes, 0, 1 << 20);
    let mut out = Vec::new();
    while let Some(frame) = reader.next_frame().unwrap() {
        let (offset, outcome, records) = match frame {
            Frame::Line { bytes, start } => {
                let mut records = Vec::new();
                let outcome = if bytes.iter().all(u8::is_ascii_whitespace) {
                    "blank".to_owned()
                } else {
                    match parser.parse_line(bytes, &mut records) {
                        LineOutcome::Records(n) => format!("records({n})"),
                        LineOutcome::Ignored => "ignored".to_owned(),
                        LineOutcome::Skipped(r) => format!("skipped({r})"),
                    }
                };
                (start, outcome, records)
            }
            Frame::TooLong { start, .. } => (start, "too_long".to_owned(), Vec::new()),
        };
        out.push(Parsed {
            offset,
            outcome,
            records,
        });
    }
    out
}

#[test]
fn claude_fixtures() {
    insta::glob!("fixtures/claude/*.jsonl", |path| {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        insta::assert_yaml_snapshot!(parse_file(name, &bytes));
    });
}

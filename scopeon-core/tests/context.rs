//! The context of active sessions (docs/live.md, "Context"): the latest main-thread request's
//! input + cache creation + cache read over the model's window; unknown models have none.

use camino::Utf8PathBuf;
use scopeon_core::env::Env;
use scopeon_core::{ContextRequest, ScanRequest, Scopeon};
use serde_json::json;

fn line(
    session: &str,
    i: usize,
    ts: &str,
    model: &str,
    input: u64,
    read: u64,
    side: bool,
) -> String {
    format!(
        r#"{{"type":"assistant","sessionId":"{session}","cwd":"/home/dev/app","isSidechain":{side},"requestId":"r{session}{i}","timestamp":"{ts}","message":{{"id":"m{session}{i}","model":"{model}","usage":{{"input_tokens":{input},"cache_creation_input_tokens":1000,"cache_read_input_tokens":{read},"output_tokens":50}}}}}}"#
    ) + "\n"
}

#[test]
fn active_sessions_and_their_windows() {
    let dir = tempfile::tempdir().unwrap();
    let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
    let project = home.join(".claude/projects/-home-dev-app");
    std::fs::create_dir_all(&project).unwrap();
    let a = [
        line(
            "a",
            0,
            "2026-11-21T11:40:00Z",
            "claude-sonnet-4-5",
            10,
            40_000,
            false,
        ),
        line(
            "a",
            1,
            "2026-11-21T11:50:00Z",
            "claude-sonnet-4-5",
            9_000,
            90_000,
            false,
        ),
        // A subagent's request runs in a context of its own.
        line(
            "a",
            2,
            "2026-11-21T11:55:00Z",
            "claude-sonnet-4-5",
            5,
            1_000,
            true,
        ),
    ]
    .concat();
    std::fs::write(project.join("a.jsonl"), a).unwrap();
    let b = [
        line(
            "b",
            0,
            "2026-11-21T11:58:00Z",
            "claude-sonnet-4-5",
            1_000,
            249_000,
            false,
        ),
        line(
            "c",
            0,
            "2026-11-21T11:59:00Z",
            "my-local-llama",
            1_000,
            0,
            false,
        ),
        // More than 30 minutes ago: not active.
        line(
            "d",
            0,
            "2026-11-21T11:00:00Z",
            "claude-opus-4-6",
            1_000,
            0,
            false,
        ),
    ]
    .concat();
    std::fs::write(project.join("b.jsonl"), b).unwrap();
    let mut s = Scopeon::builder()
        .env(Env::isolated(home.as_str()))
        .in_memory()
        .no_config()
        .open()
        .unwrap();
    s.scan(&ScanRequest::new()).unwrap();
    let now = "2026-11-21T12:00:00Z".parse().unwrap();
    let doc = s
        .context(&ContextRequest::new().now(now))
        .unwrap()
        .to_document();
    assert_eq!(doc["schema"], "scopeon.context.v1");
    assert_eq!(
        doc["sessions"],
        json!([
            {"provider": "claude_code", "session": "a", "project": "/home/dev/app",
             "model": "claude-sonnet-4-5", "context_tokens": 100_000, "context_window": 200_000,
             "used_ratio": 0.5, "last_request": "2026-11-21T11:50:00Z"},
            // 251,000 tokens cannot fit 200k: the 1M-context variant.
            {"provider": "claude_code", "session": "b", "project": "/home/dev/app",
             "model": "claude-sonnet-4-5", "context_tokens": 251_000, "context_window": 1_000_000,
             "used_ratio": 0.251, "last_request": "2026-11-21T11:58:00Z"},
            {"provider": "claude_code", "session": "c", "project": "/home/dev/app",
             "model": "my-local-llama", "context_tokens": 2_000, "context_window": null,
             "used_ratio": null, "last_request": "2026-11-21T11:59:00Z"},
        ])
    );
    let one = s
        .context(
            &ContextRequest::new()
                .now(now)
                .session("b")
                .providers(["claude_code"]),
        )
        .unwrap();
    assert_eq!(one.sessions().len(), 1);
    let none = s
        .context(&ContextRequest::new().now(now).providers(["codex"]))
        .unwrap();
    assert!(none.sessions().is_empty());
    assert!(
        s.context(&ContextRequest::new().providers(["nope"]))
            .is_err()
    );
}

//! The bundled demo corpus behind `scopeon report --demo`.
//!
//! A few invented logs of Claude Code, Codex CLI, Gemini CLI, GitHub Copilot CLI and Aider
//! (placeholders where prompt text would be) are unpacked into a temporary home, each where
//! its agent writes, and scanned into a temporary database, so a user with no logs yet can see
//! what a report looks like. Scopeon never substitutes demo data on its own.

use camino::Utf8PathBuf;
use scopeon_core::env::Env;
use scopeon_core::record::ProviderId;
use scopeon_core::scan::ScanOptions;
use tempfile::TempDir;

use crate::Failure;

/// The corpus: (path under the temporary home, contents).
const FILES: &[(&str, &str)] = &[
    (
        ".claude/projects/-home-dev-acme-api/5b0f3c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f.jsonl",
        include_str!("../demo/acme-api-1.jsonl"),
    ),
    (
        ".claude/projects/-home-dev-acme-api/9c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f.jsonl",
        include_str!("../demo/acme-api-2.jsonl"),
    ),
    (
        ".claude/projects/-home-dev-acme-api/5b0f3c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f/subagents/agent-7f3e.jsonl",
        include_str!("../demo/acme-api-agent.jsonl"),
    ),
    (
        ".claude/projects/-home-dev-widget/0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a.jsonl",
        include_str!("../demo/widget-1.jsonl"),
    ),
    (
        ".codex/sessions/2026/11/21/rollout-2026-11-21T15-00-00-019ab000-0000-7000-8000-00000000c0de.jsonl",
        include_str!("../demo/codex-acme-api.jsonl"),
    ),
    (
        ".gemini/tmp/widget/chats/session-2026-11-23T10-00-7e8f9a0b.jsonl",
        include_str!("../demo/gemini-widget.jsonl"),
    ),
    (".gemini/tmp/widget/.project_root", "/home/dev/widget\n"),
    (
        ".copilot/session-state/4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d/events.jsonl",
        include_str!("../demo/copilot-widget.jsonl"),
    ),
    (
        ".aider/analytics.jsonl",
        include_str!("../demo/aider.jsonl"),
    ),
];

/// The agents the corpus has logs of; only these are scanned.
const PROVIDERS: &[ProviderId] = &[
    ProviderId::ClaudeCode,
    ProviderId::Codex,
    ProviderId::GeminiCli,
    ProviderId::CopilotCli,
    ProviderId::Aider,
];

/// Writes the corpus into a new temporary directory.
pub fn unpack() -> Result<TempDir, Failure> {
    let dir = tempfile::Builder::new().prefix("scopeon-demo-").tempdir()?;
    for (path, contents) in FILES {
        let target = dir.path().join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, contents)?;
    }
    Ok(dir)
}

/// The database, environment and scan options that read only the demo corpus.
pub fn setup(dir: &TempDir) -> Result<(Utf8PathBuf, Env, ScanOptions), Failure> {
    let root = Utf8PathBuf::from_path_buf(dir.path().to_owned())
        .map_err(|p| Failure::usage(format!("temporary directory {} is not UTF-8", p.display())))?;
    // The temporary directory is the home: every agent's default location is inside it, and
    // no variable of the user's environment points elsewhere.
    let env = Env::for_tests(root.as_str(), &[]);
    let options = ScanOptions::new().only(PROVIDERS.iter().copied());
    Ok((root.join("demo.db"), env, options))
}

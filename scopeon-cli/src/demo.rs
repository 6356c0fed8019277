//! The bundled demo corpus behind `scopeon report --demo`.
//!
//! A few invented Claude Code transcripts (placeholders where prompt text would be) are
//! unpacked into a temporary directory and scanned into a temporary database, so a user with
//! no logs yet can see what a report looks like. Scopeon never substitutes demo data on its own.

use std::collections::BTreeMap;

use camino::Utf8PathBuf;
use scopeon_core::config::Env;
use scopeon_core::record::ProviderId;
use scopeon_core::scan::ScanOptions;
use tempfile::TempDir;

use crate::Failure;

/// The corpus: (path under the Claude root, contents).
const FILES: &[(&str, &str)] = &[
    (
        "projects/-home-dev-acme-api/5b0f3c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f.jsonl",
        include_str!("../demo/acme-api-1.jsonl"),
    ),
    (
        "projects/-home-dev-acme-api/9c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f.jsonl",
        include_str!("../demo/acme-api-2.jsonl"),
    ),
    (
        "projects/-home-dev-acme-api/5b0f3c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f/subagents/agent-7f3e.jsonl",
        include_str!("../demo/acme-api-agent.jsonl"),
    ),
    (
        "projects/-home-dev-widget/0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a.jsonl",
        include_str!("../demo/widget-1.jsonl"),
    ),
];

/// Writes the corpus into a new temporary directory.
pub fn unpack() -> Result<TempDir, Failure> {
    let dir = tempfile::Builder::new().prefix("scopeon-demo-").tempdir()?;
    for (path, contents) in FILES {
        let target = dir.path().join("claude").join(path);
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
    let env = Env::for_tests(root.as_str(), &[]);
    let roots = BTreeMap::from([(ProviderId::ClaudeCode, vec![root.join("claude")])]);
    let options = ScanOptions {
        providers: Some(vec![ProviderId::ClaudeCode]),
        roots,
        ..ScanOptions::default()
    };
    Ok((root.join("demo.db"), env, options))
}

//! Scopeon's core: read the logs AI coding agents already write, keep only metadata, price it,
//! store it in SQLite, and answer what was spent, on what, where and when.
//!
//! The data flow is: [`scan`] discovers each [`provider`]'s log files, the [`tail`] reader frames
//! complete lines from where the last scan stopped (documents and agents' databases are read
//! whole when they change), the provider's parser turns them into metadata-only
//! [`UsageRecord`](record::UsageRecord)s, [`pricing`] prices them exactly, and the
//! [`store`] upserts them with their checkpoints in one transaction. Reports aggregate in SQL.
//!
//! Providers are open: a program can implement [`Provider`](provider::Provider) for its own
//! agent's logs and [`register`](scan::ScanOptions::register) it; it is then scanned,
//! checkpointed, deduplicated and reported like the built-in ones (see
//! `examples/custom_provider.rs`).
//!
//! No type here can hold prompt text, code or tool output: parsers declare only the fields they
//! read, so content is skipped, never allocated, and there is nothing to redact downstream.
//!
//! # Example: scan a home and print totals by day
//!
//! [`Scopeon`] is the front door: it opens the database with the user's configuration (or the
//! one you give it), scans, reports and makes every document the `scopeon` command prints.
//!
//! ```
//! use scopeon_core::env::Env;
//! use scopeon_core::{ReportRequest, ScanRequest, Scopeon};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let home = camino::Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
//! # let project = home.join(".claude/projects/-home-dev-app");
//! # std::fs::create_dir_all(&project)?;
//! # std::fs::write(project.join("s1.jsonl"), concat!(
//! #   r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"r1","timestamp":"2026-11-20T10:00:00Z","#,
//! #   r#""message":{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":20}}}"#, "\n"))?;
//! // `Scopeon::open()` opens the user's database; this one reads a home of its own into memory.
//! let mut scopeon = Scopeon::builder().env(Env::isolated(home)).in_memory().open()?;
//! let summary = scopeon.scan(&ScanRequest::new())?;
//! println!("read {} files", summary.files());
//!
//! let answer = scopeon.report(&ReportRequest::new().by(["day"]).tz("UTC"))?;
//! for row in &answer.report().rows {
//!     println!("{:?}: {} tokens, ${:.4}", row.key[0].1, row.totals.total_tokens,
//!              row.totals.cost_usd().unwrap_or(0.0));
//! }
//! assert_eq!(answer.report().totals.total_tokens, 30);
//! # Ok(())
//! # }
//! ```
//!
//! # Cargo features
//!
//! None is on by default, and a release build needs neither.
//!
//! - `failpoints`: the `SCOPEON_TEST_*` environment switches (crash points, small scan
//!   batches, injected database faults) for crash-safety tests. Without it they compile to
//!   nothing and the variables are ignored.
//! - `fuzzing`: the hidden `fuzz_checks` module, the invariant checks that the fuzz targets
//!   in `fuzz/` and the seed-replay tests run.
#![warn(missing_docs)]

pub mod alerts;
mod comma_list;
pub mod config;
pub mod curl;
pub mod doctor;
pub mod env;
pub mod error;
mod failpoint;
#[doc(hidden)]
pub mod fuzz_checks;
pub mod hash;
pub mod live;
pub mod metrics;
pub mod pricing;
pub mod privacy;
pub mod provider;
pub mod record;
pub mod request;
pub mod scan;
mod scopeon;
pub mod store;
pub mod tail;
pub mod window;

pub use error::{Error, Result};

/// Whether this build honours the `SCOPEON_TEST_*` switches (the `failpoints` feature, which
/// only test builds turn on). Front-ends ask it before reading switches of their own, so a
/// release binary ignores every one of them (SECURITY.md, "Test-only switches").
#[doc(hidden)]
pub const fn test_switches_compiled() -> bool {
    cfg!(feature = "failpoints")
}
pub use live::{
    BlocksAnswer, BlocksRequest, ContextAnswer, ContextRequest, FollowOptions, FollowUpdate,
    Follower,
};
pub use scopeon::{
    BudgetRequest, ForgetAnswer, ForgetRequest, ReportAnswer, ReportRequest, ScanRequest, Scopeon,
    ScopeonBuilder,
};

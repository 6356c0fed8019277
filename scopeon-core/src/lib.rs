//! Scopeon's core: read the logs AI coding agents already write, keep only metadata, price it,
//! store it in SQLite, and answer what was spent, on what, where and when.
//!
//! The data flow is: [`scan`] discovers each [`provider`]'s log files, the [`tail`] reader frames
//! complete lines from where the last scan stopped (documents and agents' databases are read
//! whole when they change), the provider's parser turns them into metadata-only
//! [`UsageRecord`](record::UsageRecord)s, [`pricing`] prices them exactly, and the
//! [`store`] upserts them with their checkpoints in one transaction. Reports aggregate in SQL.
//!
//! No type here can hold prompt text, code or tool output: parsers declare only the fields they
//! read, so content is skipped, never allocated, and there is nothing to redact downstream.
//!
//! # Example: scan a home and print totals by day
//!
//! ```
//! use scopeon_core::env::Env;
//! use scopeon_core::scan::{scan, ScanOptions};
//! use scopeon_core::store::{GroupKey, ReportQuery, Store};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let home = camino::Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
//! # let project = home.join(".claude/projects/-home-dev-app");
//! # std::fs::create_dir_all(&project)?;
//! # std::fs::write(project.join("s1.jsonl"), concat!(
//! #   r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"r1","timestamp":"2026-11-20T10:00:00Z","#,
//! #   r#""message":{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":20}}}"#, "\n"))?;
//! // An environment describing the home to read (Env::from_process() for the real one).
//! let env = Env::for_tests(home.as_str(), &[]);
//! let mut store = Store::open_in_memory()?;
//! let summary = scan(&mut store, &env, &ScanOptions::default(), &mut |_| {})?;
//! println!("read {} files", summary.files());
//!
//! let report = store.report(&ReportQuery { group_by: vec![GroupKey::Day], ..ReportQuery::default() })?;
//! for row in &report.rows {
//!     println!("{:?}: {} tokens, ${:.4}", row.key[0].1, row.totals.total_tokens,
//!              row.totals.cost_usd().unwrap_or(0.0));
//! }
//! assert_eq!(report.totals.total_tokens, 30);
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

pub mod config;
pub mod doctor;
pub mod env;
pub mod error;
mod failpoint;
#[doc(hidden)]
pub mod fuzz_checks;
pub mod hash;
pub mod pricing;
pub mod privacy;
pub mod provider;
pub mod record;
pub mod request;
pub mod scan;
pub mod store;
pub mod tail;
pub mod window;

pub use error::{Error, Result};

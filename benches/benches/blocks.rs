//! `Scopeon::blocks` over all history of a heavy user's database: the cached fold (a call
//! over unchanged data) and the fold itself (the first call after a new request).
//!
//! Run: `cargo bench -p scopeon-benches --bench blocks` (add `-- --quick` for a short run).
//!
//! The database is built here: `REQUESTS` Claude Code requests a minute apart, in runs of
//! `RUN` requests (five hours) separated by six idle hours, so about one block per run, like
//! the 1 GB corpus of benches/README.md (78,000 requests in 234 blocks). The file-level
//! end-to-end numbers, with the scan and against `ccusage blocks`, come from
//! `benches/blocks.sh`.

use std::hint::black_box;
use std::time::Duration;

use camino::Utf8PathBuf;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use scopeon_core::env::Env;
use scopeon_core::record::{ProviderId, RecordFlags, TokenCounts, UsageRecord};
use scopeon_core::store::{Batch, Store};
use scopeon_core::{BlocksRequest, Scopeon};

const REQUESTS: i64 = 78_000;
const RUN: i64 = 300;
const MINUTE_MS: i64 = 60_000;
const T0_MS: i64 = 1_756_000_000_000;

fn request(i: i64) -> UsageRecord {
    let ts = T0_MS + i * MINUTE_MS + (i / RUN) * 6 * 60 * MINUTE_MS;
    UsageRecord {
        provider: ProviderId::ClaudeCode,
        session: format!("s{}", i / RUN),
        project: Some("/home/dev/app".into()),
        model: Some("claude-sonnet-4-5".into()),
        timestamp_ms: ts,
        dedup_key: format!("r{i}"),
        message_id: Some(format!("m{i}")),
        flags: RecordFlags::default(),
        tokens: TokenCounts {
            input: 12,
            cache_creation: 800,
            cache_read: 42_000 + (i % 1000) as u64,
            output: 350,
            ..TokenCounts::default()
        },
        reported_cost_pusd: None,
        requests: 1,
        premium_requests_milli: 0,
    }
}

fn blocks(c: &mut Criterion) {
    let dir = Utf8PathBuf::from_path_buf(std::env::temp_dir())
        .expect("a UTF-8 temp dir")
        .join(format!("scopeon-bench-blocks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("creating the bench's temp dir");
    let db = dir.join("scopeon.db");
    let mut store = Store::open(&db).expect("opening the bench database");
    for chunk in (0..REQUESTS).collect::<Vec<_>>().chunks(10_000) {
        let records = chunk.iter().map(|&i| request(i)).collect();
        store
            .commit(&Batch {
                records,
                ..Batch::default()
            })
            .expect("storing the bench's requests");
    }
    let scopeon = Scopeon::builder()
        .env(Env::isolated(dir.as_str()))
        .db(db.clone())
        .no_config()
        .open()
        .expect("opening the bench database through the front door");
    let now = Timestamp::from_millisecond(T0_MS + 400 * 24 * 60 * MINUTE_MS).expect("a time");
    let all = BlocksRequest::new().now(now);
    let n = scopeon.blocks(&all).expect("blocks").blocks().len();
    assert!(n > 200, "{n} blocks");

    let mut group = c.benchmark_group("blocks_all_history");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("cached", |b| {
        b.iter(|| black_box(scopeon.blocks(&all).expect("blocks")))
    });
    let mut next = REQUESTS;
    group.bench_function("after_a_new_request", |b| {
        b.iter_batched(
            || {
                // A new request (committed through another connection, as a scan in another
                // process would) starts a new data generation: the next call folds again.
                store
                    .commit(&Batch {
                        records: vec![request(next)],
                        ..Batch::default()
                    })
                    .expect("storing a request");
                next += 1;
            },
            |()| black_box(scopeon.blocks(&all).expect("blocks")),
            BatchSize::PerIteration,
        )
    });
    group.finish();
    drop(scopeon);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, blocks);
criterion_main!(benches);

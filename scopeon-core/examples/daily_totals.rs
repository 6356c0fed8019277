//! Scan this user's agent logs into a database and print token and cost totals by day.
//!
//! ```text
//! cargo run -p scopeon-core --example daily_totals -- [DB_PATH]
//! ```
//! Without `DB_PATH` it uses an in-memory database, so nothing is written.

use scopeon_core::env::Env;
use scopeon_core::scan::{ScanOptions, scan};
use scopeon_core::store::{GroupKey, ReportQuery, Store};
use scopeon_core::window::Zone;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = Env::from_process();
    let mut store = match std::env::args().nth(1) {
        Some(path) => Store::open(path.as_str().into())?,
        None => Store::open_in_memory()?,
    };
    let summary = scan(&mut store, &env, &ScanOptions::default(), &mut |_| {})?;
    eprintln!(
        "scanned {} files ({} bytes) in {} ms",
        summary.files(),
        summary.bytes_read(),
        summary.elapsed_ms
    );
    let query = ReportQuery {
        group_by: vec![GroupKey::Day],
        zone: Zone::resolve(None, &env)?,
        ..ReportQuery::default()
    };
    let report = store.report(&query)?;
    for row in &report.rows {
        let day = row.key[0].1.as_deref().unwrap_or("?");
        let cost = row
            .totals
            .cost_usd()
            .map_or("-".to_owned(), |c| format!("${c:.2}"));
        println!("{day}  {:>12} tokens  {cost:>10}", row.totals.total_tokens);
    }
    println!("total {:>12} tokens", report.totals.total_tokens);
    Ok(())
}

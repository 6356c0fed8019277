//! Scan this user's agent logs and print token and cost totals by day for the last 30 days.
//!
//! ```text
//! cargo run -p scopeon-core --example daily_totals -- [DB_PATH]
//! ```
//! Without `DB_PATH` it uses an in-memory database, so nothing is written; the user's
//! configuration (`~/.scopeon/config.toml`: roots, price overrides) applies either way.

use scopeon_core::{ReportRequest, ScanRequest, Scopeon};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let builder = Scopeon::builder();
    let mut scopeon = match std::env::args().nth(1) {
        Some(path) => builder.db(path).open()?,
        None => builder.in_memory().open()?,
    };
    let summary = scopeon.scan(&ScanRequest::new())?;
    eprintln!(
        "scanned {} files ({} bytes) in {} ms",
        summary.files(),
        summary.bytes_read(),
        summary.elapsed_ms
    );
    let answer = scopeon.report(&ReportRequest::new().since("30d").by(["day"]))?;
    let report = answer.report();
    for row in &report.rows {
        let day = row.key[0].1.as_deref().unwrap_or("?");
        let cost = row
            .totals
            .cost_usd()
            .map_or("-".to_owned(), |c| format!("${c:.2}"));
        println!("{day}  {:>12} tokens  {cost:>10}", row.totals.total_tokens);
    }
    println!("total {:>12} tokens", report.totals.total_tokens);
    if report.rows.is_empty() {
        eprintln!(
            "no usage in the last 30 days: `scopeon providers` shows where logs are looked for"
        );
    }
    Ok(())
}

//! `scopeon budget`: each configured budget in its current calendar period (docs/alerts.md).

use std::io::Write;

use scopeon_core::alerts::{BudgetScope, BudgetStatus};
use scopeon_core::env::Env;
use scopeon_core::{BudgetRequest, ScanRequest};

use crate::args::{BudgetArgs, Global};
use crate::render::print_json;
use crate::{Failure, open, scan_first};

pub fn run(global: &Global, args: &BudgetArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("budget has no CSV output; use --json"));
    }
    let mut request = BudgetRequest::new();
    request.tz = global.tz.clone();
    let mut scopeon = open(global, env)?;
    scan_first(&mut scopeon, &ScanRequest::new(), args.no_scan)?;
    let answer = scopeon.budget(&request)?;
    let mut out = std::io::stdout().lock();
    if global.json {
        return Ok(print_json(&mut out, &answer.to_document())?);
    }
    if let Some(reason) = answer.empty_reason() {
        write!(out, "{reason}")?;
        return Ok(());
    }
    let rows: Vec<[String; 7]> = answer.budgets().iter().map(row).collect();
    let header = [
        "Budget",
        "Period",
        "Spend",
        "Limit",
        "Used",
        "Projected",
        "Status",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for r in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, w)) in r.iter().zip(widths).enumerate() {
            // Text columns left, figures right.
            if i < 2 || i == 6 {
                line.push_str(&format!("{cell:<w$}  "));
            } else {
                line.push_str(&format!("{cell:>w$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(
        out,
        "\nProjected: the period's average spending rate so far, carried on to its end."
    )?;
    Ok(())
}

fn row(b: &BudgetStatus) -> [String; 7] {
    let name = match &b.scope {
        BudgetScope::Overall => "overall".to_owned(),
        BudgetScope::Provider(p) => format!("provider {}", p.as_str()),
        BudgetScope::Project(p) => format!("project {}", crate::sanitize::printable(p)),
    };
    let usd = |pusd: i128| format!("${:.2}", pusd as f64 / 1e12);
    [
        name,
        format!("{} {}", b.bounds.period.as_str(), b.bounds.label),
        usd(b.spend_pusd),
        format!("${:.2}", b.limit.dollars()),
        b.percent()
            .map_or_else(|| "-".to_owned(), |p| format!("{p:.0}%")),
        usd(b.projected_pusd),
        b.status().to_owned(),
    ]
}

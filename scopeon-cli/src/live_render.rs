//! Tables of the live commands: `scopeon blocks` and `scopeon context`. Numbers come from
//! `scopeon-core`'s answers; this only lays them out. Text from logs goes through
//! [`printable`].

use std::io::{self, Write};

use scopeon_core::live::{Block, BlockSource};
use scopeon_core::window::Zone;
use scopeon_core::{BlocksAnswer, ContextAnswer};
use unicode_width::UnicodeWidthStr;

use crate::render::thousands;
use crate::sanitize::printable;

/// Bold on a terminal, for the active block.
const BOLD: &str = "\u{1b}[1m";
const RESET: &str = "\u{1b}[0m";

/// Rows laid out in columns: text left, numbers right; `bold` rows emphasized.
fn table(
    out: &mut impl Write,
    headers: &[&str],
    numeric_from: usize,
    rows: &[(Vec<String>, bool)],
) -> io::Result<()> {
    let widths: Vec<usize> = (0..headers.len())
        .map(|c| {
            rows.iter()
                .map(|(r, _)| r[c].width())
                .chain(std::iter::once(headers[c].width()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (c, cell) in cells.iter().enumerate() {
            if c > 0 {
                s.push_str("  ");
            }
            let pad = " ".repeat(widths[c] - cell.width());
            if c < numeric_from {
                s.push_str(cell);
                s.push_str(&pad);
            } else {
                s.push_str(&pad);
                s.push_str(cell);
            }
        }
        s.trim_end().to_owned()
    };
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    writeln!(out, "{}", line(&headers))?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    writeln!(out, "{}", line(&rule))?;
    for (cells, bold) in rows {
        if *bold {
            writeln!(out, "{BOLD}{}{RESET}", line(cells))?;
        } else {
            writeln!(out, "{}", line(cells))?;
        }
    }
    Ok(())
}

/// A time in the report zone, to the minute.
fn local(ms: i64, zone: &Zone) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(
        |_| "?".into(),
        |t| {
            t.to_zoned_datetime(zone.tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

/// `3h 05m`.
fn duration(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    format!("{}h {:02}m", minutes / 60, minutes % 60)
}

fn usd(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |c| format!("${c:.2}"))
}

fn block_row(b: &Block, now_ms: i64, zone: &Zone) -> Vec<String> {
    if b.is_gap {
        return vec![
            b.provider.as_str().to_owned(),
            "(gap)".into(),
            local(b.start_ms, zone),
            local(b.end_ms, zone),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
        ];
    }
    let source = match b.source {
        BlockSource::Official => "official",
        BlockSource::Estimated => "estimated",
        _ => "other",
    };
    let left = if b.is_active {
        duration(b.end_ms - now_ms)
    } else {
        "-".into()
    };
    let used = match (b.used_percentage, b.stale) {
        (Some(p), Some(true)) => format!("{p:.1}% (stale)"),
        (Some(p), _) => format!("{p:.1}%"),
        (None, _) => "-".into(),
    };
    let burn = b.burn_rate.map_or_else(
        || "-".into(),
        |r| format!("{}/min", thousands(r.tokens_per_minute.round() as u64)),
    );
    let projection = b.projection.map_or_else(
        || "-".into(),
        |p| format!("{} {}", thousands(p.total_tokens), usd(p.cost_usd)),
    );
    let limit = b.token_limit.map_or_else(
        || "-".into(),
        |l| format!("{:.0}% {}", l.projected_percent, l.status),
    );
    vec![
        b.provider.as_str().to_owned(),
        source.into(),
        local(b.start_ms, zone),
        local(b.end_ms, zone),
        left,
        used,
        thousands(b.totals.total_tokens),
        usd(b.totals.cost_usd()),
        burn,
        projection,
        limit,
    ]
}

/// `scopeon blocks` as a table: one row per block (the active one bold on a terminal), then
/// the longer official windows.
pub fn blocks_table(
    out: &mut impl Write,
    answer: &BlocksAnswer,
    zone: &Zone,
    terminal: bool,
) -> io::Result<()> {
    let now_ms = answer.generated_at().as_millisecond();
    if answer.blocks().is_empty() {
        writeln!(out, "No blocks.")?;
    } else {
        writeln!(out, "Five-hour blocks ({})", zone.name)?;
        writeln!(out)?;
        let rows: Vec<(Vec<String>, bool)> = answer
            .blocks()
            .iter()
            .map(|b| (block_row(b, now_ms, zone), terminal && b.is_active))
            .collect();
        table(
            out,
            &[
                "Provider",
                "Source",
                "Start",
                "End",
                "Left",
                "Used",
                "Tokens",
                "Cost",
                "Burn",
                "Projected",
                "Limit",
            ],
            4,
            &rows,
        )?;
    }
    if !answer.windows().is_empty() {
        writeln!(out)?;
        writeln!(out, "Longer windows")?;
        writeln!(out)?;
        let rows: Vec<(Vec<String>, bool)> = answer
            .windows()
            .iter()
            .map(|w| {
                let s = &w.snapshot;
                let used = if w.stale {
                    format!("{:.1}% (stale)", s.used_percentage)
                } else {
                    format!("{:.1}%", s.used_percentage)
                };
                (
                    vec![
                        s.provider.as_str().to_owned(),
                        printable(&s.kind).into_owned(),
                        local(s.resets_at_ms, zone),
                        used,
                    ],
                    false,
                )
            })
            .collect();
        table(out, &["Provider", "Window", "Resets", "Used"], 3, &rows)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Official: reported by the agent. Estimated: five hours from the first request. Costs are API-equivalent list prices."
    )
}

/// `scopeon context` as a table.
pub fn context_table(out: &mut impl Write, answer: &ContextAnswer) -> io::Result<()> {
    if answer.sessions().is_empty() {
        return writeln!(out, "No session had a request in the last 30 minutes.");
    }
    let rows: Vec<(Vec<String>, bool)> = answer
        .sessions()
        .iter()
        .map(|s| {
            let text = |v: Option<&str>| {
                v.map_or_else(|| "(unknown)".into(), |v| printable(v).into_owned())
            };
            (
                vec![
                    s.provider.clone(),
                    printable(&s.session).into_owned(),
                    text(s.project.as_deref()),
                    text(s.model.as_deref()),
                    thousands(s.context_tokens),
                    s.context_window.map_or_else(|| "-".into(), thousands),
                    s.used_ratio
                        .map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0)),
                ],
                false,
            )
        })
        .collect();
    table(
        out,
        &[
            "Provider", "Session", "Project", "Model", "Context", "Window", "Used",
        ],
        4,
        &rows,
    )
}

//! Tables, CSV and summaries.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use crate::sanitize::{SafeJson, csv_text, printable};

use scopeon_core::doctor::{Diagnosis, FileFacts};

use crate::init::status::{Registration, State};
use scopeon_core::scan::ScanSummary;
use scopeon_core::store::{BackupInfo, ForgetStats, ProjectPaths, Report, ReportQuery, Totals};

/// A JSON document, pretty-printed on its own line.
pub fn print_json(out: &mut impl Write, doc: &serde_json::Value) -> io::Result<()> {
    // Serialized whole, then written at once: stdout is line-buffered, so a pretty document
    // written as it is serialized costs a system call per line (6,000 for the blocks of a
    // heavy user's history, a third of `scopeon blocks --json --no-scan`).
    let mut buf = Vec::with_capacity(64 * 1024);
    // Log text in the document never reaches the terminal as raw DEL, C1 or bidi controls.
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, SafeJson::new());
    serde::Serialize::serialize(doc, &mut ser)?;
    buf.push(b'\n');
    out.write_all(&buf)
}

/// `1234567` → `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn dollars(t: &Totals) -> String {
    match t.cost_usd() {
        Some(usd) => format!("${usd:.2}"),
        None => "-".into(),
    }
}

const NUMERIC_HEADERS: [&str; 7] = [
    "Requests",
    "Input",
    "Output",
    "Cache write",
    "Cache read",
    "Total tokens",
    "Cost (USD)",
];

/// The column shown beside the cost when the report holds Copilot premium requests.
const PREMIUM_HEADER: &str = "Premium req.";

fn numeric_cells(t: &Totals, premium: bool) -> Vec<String> {
    let mut cells = vec![
        thousands(t.requests),
        thousands(t.input_tokens),
        thousands(t.output_tokens),
        thousands(t.cache_creation_tokens),
        thousands(t.cache_read_tokens),
        thousands(t.total_tokens),
        dollars(t),
    ];
    if premium {
        cells.push(premium_requests(t));
    }
    cells
}

/// Premium requests to at most three decimals, without trailing zeros (2, 0.33).
fn premium_requests(t: &Totals) -> String {
    let whole = t.premium_requests_milli / 1000;
    let frac = t.premium_requests_milli % 1000;
    if frac == 0 {
        thousands(whole)
    } else {
        let frac = format!("{frac:03}");
        format!("{}.{}", thousands(whole), frac.trim_end_matches('0'))
    }
}

/// The report as an aligned table with a totals row.
pub fn report_table(
    out: &mut impl Write,
    q: &ReportQuery,
    report: &Report,
    demo: bool,
) -> io::Result<()> {
    let mut headers: Vec<String> = q
        .group_by
        .iter()
        .map(|k| {
            let s = k.as_str();
            s[..1].to_uppercase() + &s[1..]
        })
        .collect();
    let key_cols = headers.len();
    headers.extend(NUMERIC_HEADERS.iter().map(|s| (*s).to_owned()));
    let premium = report.totals.premium_requests_milli > 0;
    if premium {
        headers.push(PREMIUM_HEADER.to_owned());
    }
    let mut rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            let mut cells: Vec<String> = r
                .key
                .iter()
                .map(|(_, v)| {
                    v.as_deref()
                        .map_or_else(|| "(unknown)".into(), |v| printable(v).into_owned())
                })
                .collect();
            cells.extend(numeric_cells(&r.totals, premium));
            cells
        })
        .collect();
    let mut total_row = vec![String::new(); key_cols];
    if let Some(first) = total_row.first_mut() {
        *first = "Total".into();
    }
    total_row.extend(numeric_cells(&report.totals, premium));
    if key_cols == 0 {
        total_row.insert(0, "Total".into());
        headers.insert(0, String::new());
    }
    let widths: Vec<usize> = (0..headers.len())
        .map(|c| {
            rows.iter()
                .chain(std::iter::once(&total_row))
                .map(|r| r[c].width())
                .chain(std::iter::once(headers[c].width()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let key_cols = key_cols.max(1);
    let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
        let mut s = String::new();
        for (c, cell) in cells.iter().enumerate() {
            if c > 0 {
                s.push_str("  ");
            }
            let pad = widths[c] - cell.width();
            if c < key_cols {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    if demo {
        writeln!(out, "DEMO DATA: a bundled sample corpus, not your logs")?;
    }
    writeln!(out, "{}", title(q))?;
    writeln!(out)?;
    line(out, &headers)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &rule)?;
    for r in rows.drain(..) {
        line(out, &r)?;
    }
    line(out, &rule)?;
    line(out, &total_row)?;
    writeln!(out)?;
    if report.totals.unpriced_tokens > 0 {
        writeln!(
            out,
            "{} tokens are from models without a known price and are not in the cost.",
            thousands(report.totals.unpriced_tokens)
        )?;
    }
    if premium {
        writeln!(
            out,
            "Premium requests are GitHub Copilot's billing unit, shown beside the cost, not in it."
        )?;
    }
    writeln!(
        out,
        "Costs are API-equivalent list prices ({} mode); subscription plans bill differently.",
        q.cost_mode.as_str()
    )?;
    Ok(())
}

fn title(q: &ReportQuery) -> String {
    let by = if q.group_by.is_empty() {
        "total".to_owned()
    } else {
        q.group_by
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let when = |ms: Option<i64>| {
        ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
            .map(|t| {
                t.to_zoned_datetime(q.zone.tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            })
    };
    let window = match (when(q.since_ms), when(q.until_ms)) {
        (None, None) => "all time".to_owned(),
        (Some(s), None) => format!("since {s}"),
        (None, Some(u)) => format!("before {u}"),
        (Some(s), Some(u)) => format!("{s} to {u}"),
    };
    format!("Usage by {by}, {window} ({})", q.zone.name)
}

/// The report as CSV: one header line, one line per row, no totals row (sum the columns).
///
/// Fields are quoted only when they must be (a comma, a quote or a line break in a project
/// path or a model name), so ordinary reports read the same with or without a CSV parser.
///
/// Text cells go through [`csv_text`]: controls shown as `?`, and, unless `raw`, a leading `'`
/// on a cell a spreadsheet would read as a formula.
pub fn report_csv(
    out: &mut impl Write,
    q: &ReportQuery,
    report: &Report,
    raw: bool,
) -> io::Result<()> {
    let mut header: Vec<&str> = q.group_by.iter().map(|k| k.as_str()).collect();
    header.extend([
        "requests",
        "input_tokens",
        "cache_creation_tokens",
        "cache_read_tokens",
        "output_tokens",
        "reasoning_tokens",
        "total_tokens",
        "cost_usd",
        "unpriced_tokens",
    ]);
    // Only reports holding Copilot premium requests get the column, like the JSON field.
    let premium = report.totals.premium_requests_milli > 0;
    if premium {
        header.push("premium_requests");
    }
    let mut csv = csv::Writer::from_writer(&mut *out);
    csv.write_record(&header).map_err(csv_io_error)?;
    for r in &report.rows {
        let mut cells: Vec<String> = r
            .key
            .iter()
            .map(|(_, v)| csv_text(v.as_deref().unwrap_or_default(), raw).into_owned())
            .collect();
        let t = &r.totals;
        cells.extend([
            t.requests.to_string(),
            t.input_tokens.to_string(),
            t.cache_creation_tokens.to_string(),
            t.cache_read_tokens.to_string(),
            t.output_tokens.to_string(),
            t.reasoning_tokens.to_string(),
            t.total_tokens.to_string(),
            t.cost_usd().map(|c| c.to_string()).unwrap_or_default(),
            t.unpriced_tokens.to_string(),
        ]);
        if premium {
            cells.push(premium_requests(t).replace(',', ""));
        }
        csv.write_record(&cells).map_err(csv_io_error)?;
    }
    csv.flush()
}

/// A CSV writer's error as the I/O error it wraps, keeping its kind: a closed pipe
/// (`scopeon report --csv | head`) must stay `BrokenPipe` to end the output quietly.
fn csv_io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        // Every record has the header's length and holds text: only I/O can fail here.
        other => io::Error::other(format!(
            "could not write the CSV report: {other:?} (please report this bug)"
        )),
    }
}

/// A human summary of a scan.
pub fn scan_summary(out: &mut impl Write, s: &ScanSummary) -> io::Result<()> {
    // Agents with no root on this machine get one line together, not a block each.
    let absent = |p: &&scopeon_core::scan::ProviderScan| {
        p.files == 0
            && p.problems.is_empty()
            && p.roots.iter().all(|r| !r.exists && r.note.is_none())
    };
    for p in s.providers.iter().filter(|p| !absent(p)) {
        writeln!(out, "{}", p.provider)?;
        for root in &p.roots {
            writeln!(
                out,
                "  root {}{}",
                printable(root.path.as_str()),
                root_state(root.exists, root.note)
            )?;
        }
        writeln!(
            out,
            "  files: {} found, {} read, {} unchanged, {} re-read from the start",
            thousands(p.files),
            thousands(p.files_read),
            thousands(p.files_unchanged),
            thousands(p.files_restarted)
        )?;
        writeln!(
            out,
            "  read {} in {} lines: {} usage records, {} new requests",
            human_bytes(p.bytes_read),
            thousands(p.lines),
            thousands(p.records_read),
            thousands(p.new_records)
        )?;
        if p.skipped.total() > 0 {
            let reasons: Vec<String> = p.skipped.iter().map(|(r, n)| format!("{r}: {n}")).collect();
            writeln!(
                out,
                "  skipped {} lines ({})",
                p.skipped.total(),
                reasons.join(", ")
            )?;
            for ex in &p.skipped_examples {
                writeln!(
                    out,
                    "    {}: byte {}: {}",
                    printable(ex.path.as_str()),
                    ex.offset,
                    ex.reason
                )?;
            }
        }
        for problem in &p.problems {
            writeln!(
                out,
                "  could not read {}: {}",
                printable(problem.path.as_str()),
                printable(&problem.problem)
            )?;
        }
        if !p.problems.is_empty() {
            writeln!(
                out,
                "  each file that could not be read is tried again on the next scan; if it keeps failing, check its permissions and that it is the agent's log"
            )?;
        }
    }
    let not_found: Vec<&str> = s
        .providers
        .iter()
        .filter(absent)
        .map(|p| p.provider.as_str())
        .collect();
    if !not_found.is_empty() {
        writeln!(
            out,
            "not detected: {} (`scopeon providers` shows where each is looked for)",
            not_found.join(", ")
        )?;
    }
    writeln!(out, "done in {} ms", s.elapsed_ms)
}

/// What follows a root's path: nothing when it is searched, else why not.
fn root_state(exists: bool, note: Option<&str>) -> String {
    match (exists, note) {
        (true, _) => String::new(),
        (false, Some(note)) => format!(" (not searched: {note})"),
        (false, None) => " (not found)".to_owned(),
    }
}

/// One provider of `scopeon providers`, from its JSON form.
pub fn provider_status(out: &mut impl Write, p: &serde_json::Value) -> io::Result<()> {
    let state = match (p["enabled"].as_bool(), p["detected"].as_bool()) {
        (Some(false), _) => "disabled in the configuration",
        (_, Some(true)) => "detected",
        _ => "not detected",
    };
    let id = p["provider"].as_str().unwrap_or("?");
    writeln!(out, "{id} ({state})")?;
    let roots = p["roots"].as_array().map_or(&[][..], Vec::as_slice);
    if roots.is_empty() {
        let hint = if id == "generic_openai" {
            "no paths: list OpenAI-style JSONL files with generic_paths in config.toml"
        } else {
            "no roots: set $HOME, the agent's variable or [providers] roots in config.toml"
        };
        writeln!(out, "  {hint}")?;
    }
    for root in roots {
        writeln!(
            out,
            "  root {}{}",
            printable(root["path"].as_str().unwrap_or("")),
            root_state(
                root["exists"].as_bool() == Some(true),
                root["note"].as_str()
            )
        )?;
    }
    writeln!(
        out,
        "  {} log files, {}; {} requests stored; last activity {}",
        thousands(p["files"].as_u64().unwrap_or(0)),
        human_bytes(p["bytes"].as_u64().unwrap_or(0)),
        thousands(p["records"].as_u64().unwrap_or(0)),
        p["last_activity"].as_str().unwrap_or("never"),
    )?;
    let skipped: Vec<String> = p["skipped_lines"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(reason, n)| format!("{reason}: {n}"))
        .collect();
    if !skipped.is_empty() {
        writeln!(
            out,
            "  skipped lines: {} (`scopeon scan` lists new ones by file and offset)",
            skipped.join(", ")
        )?;
    }
    Ok(())
}

/// What `scopeon doctor` found, problems (with their fixes) last.
pub fn doctor(
    out: &mut impl Write,
    d: &Diagnosis,
    registrations: &[Registration],
) -> io::Result<()> {
    let db = &d.database;
    writeln!(out, "Database {}", printable(db.path.as_str()))?;
    match &db.file {
        Some(f) => writeln!(out, "  file: {}", facts(f))?,
        None => writeln!(out, "  file: not found")?,
    }
    if let Some(dir) = &db.directory {
        writeln!(
            out,
            "  directory: {}, {}",
            printable(dir.path.as_str()),
            facts(dir)
        )?;
    }
    if let Some(h) = &db.health {
        writeln!(
            out,
            "  {}: {}",
            h.check.as_str(),
            match h.check_messages.len() {
                _ if h.check_ok => "ok".to_owned(),
                1 => "1 problem".to_owned(),
                n => format!("{n} problems"),
            }
        )?;
        for m in h.check_messages.iter().take(5) {
            writeln!(out, "    {}", printable(m))?;
        }
        writeln!(
            out,
            "  schema version {} (this Scopeon writes {})",
            h.schema_version, h.supported_schema_version
        )?;
        writeln!(
            out,
            "  size: {} ({} pages of {} B, {} free), write-ahead log {}",
            human_bytes(h.db_bytes),
            thousands(h.page_count),
            h.page_size,
            thousands(h.freelist_count),
            human_bytes(h.wal_bytes)
        )?;
        let n = |v: Option<u64>| v.map_or_else(|| "?".to_owned(), thousands);
        writeln!(
            out,
            "  stored: {} requests, {} log files tracked, {} requests forgotten",
            n(h.total_records()),
            n(h.sources),
            n(h.forgotten)
        )?;
        writeln!(
            out,
            "  projects stored as: {}",
            h.project_paths.map_or("?", ProjectPaths::as_str)
        )?;
    }
    let c = &d.config;
    writeln!(
        out,
        "Configuration {}{}",
        c.path
            .as_ref()
            .map_or("(no home directory)", |p| p.as_str()),
        match (c.found, c.valid) {
            (false, true) => " (not found: defaults apply)",
            (_, false) => " (unusable, see below)",
            (true, true) => "",
        }
    )?;
    if let Some(mode) = c.project_paths {
        writeln!(out, "  [privacy] project_paths = \"{mode}\"")?;
    }
    if !d.webhooks.is_empty() {
        writeln!(out, "Webhooks")?;
    }
    for w in &d.webhooks {
        writeln!(
            out,
            "  {} {} {}: {}; last attempt {} ({}), last delivered {}",
            w.webhook,
            w.kind,
            printable(&w.url),
            w.state,
            w.last_attempt.as_deref().unwrap_or("never"),
            printable(w.last_status.as_deref().unwrap_or("-")),
            w.last_delivered.as_deref().unwrap_or("never"),
        )?;
    }
    writeln!(out, "Agents")?;
    for p in &d.providers {
        let state = match (p.enabled, p.detected) {
            (false, _) => "disabled",
            (true, true) => "detected",
            (true, false) => "not detected",
        };
        let mut line = format!("  {:<15} {state}", p.provider.as_str());
        if p.detected {
            line.push_str(&format!(
                ": {} log files, {}",
                thousands(p.files),
                human_bytes(p.bytes)
            ));
        }
        if let Some(r) = p.records.filter(|r| *r > 0) {
            line.push_str(&format!("; {} requests stored", thousands(r)));
        }
        writeln!(out, "{line}")?;
    }
    writeln!(out, "MCP server (scopeon init)")?;
    for r in registrations {
        let config = r.config.as_ref().map_or("?", |p| p.as_str());
        let state = match r.state {
            State::NotRegistered => format!("not registered ({})", printable(config)),
            State::Unreadable => "unknown: the configuration cannot be read, see below".into(),
            State::Registered => format!(
                "registered in {}: {}{}",
                printable(config),
                printable(r.command.as_deref().unwrap_or("(no command)")),
                match (r.command_exists, r.this_binary) {
                    (Some(false), _) => " (missing)",
                    (_, Some(true)) => " (this binary)",
                    _ => "",
                }
            ),
        };
        writeln!(out, "  {:<15} {state}", r.agent)?;
    }
    if d.problems.is_empty() {
        return writeln!(out, "No problems found.");
    }
    writeln!(out, "Problems")?;
    for p in &d.problems {
        let severity = p.severity.as_str();
        writeln!(out, "  {severity}: {}", printable(&p.problem))?;
        writeln!(out, "    fix: {}", printable(&p.fix))?;
    }
    Ok(())
}

fn facts(f: &FileFacts) -> String {
    let owner = match (f.owner_uid, f.owned_by_you) {
        (_, true) => "owned by you".to_owned(),
        (Some(uid), false) => format!("owned by uid {uid}, not you"),
        (None, false) => "owned by another user".to_owned(),
    };
    match &f.mode {
        Some(mode) => format!("mode {mode}, {owner}"),
        None => owner,
    }
}

/// What `scopeon backup` wrote.
pub fn backup(out: &mut impl Write, info: &BackupInfo) -> io::Result<()> {
    writeln!(
        out,
        "Backed up {} requests to {} ({}).",
        thousands(info.records),
        printable(info.path.as_str()),
        human_bytes(info.bytes)
    )?;
    writeln!(
        out,
        "Read it with `scopeon --db {} report`; to restore, put it in place of the database.",
        printable(info.path.as_str())
    )
}

/// What `scopeon forget` deleted.
pub fn forget(out: &mut impl Write, stats: &ForgetStats) -> io::Result<()> {
    writeln!(
        out,
        "Forgot {} request{}; {} remain.",
        thousands(stats.forgotten),
        if stats.forgotten == 1 { "" } else { "s" },
        thousands(stats.remaining)
    )?;
    if stats.forgotten > 0 {
        writeln!(
            out,
            "Later scans will not store them again, even with --rebuild; only a backup brings them back."
        )?;
    }
    Ok(())
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A note on stderr when a scan skipped lines, so a user knows where to look.
pub fn skip_note(s: &ScanSummary) {
    let skipped = s.skipped();
    let problems: usize = s.providers.iter().map(|p| p.problems.len()).sum();
    if skipped.total() > 0 {
        let reasons: Vec<String> = skipped.iter().map(|(r, n)| format!("{r}: {n}")).collect();
        eprintln!(
            "note: skipped {} malformed log lines ({}); `scopeon scan` lists them by file and byte offset",
            skipped.total(),
            reasons.join(", ")
        );
    }
    if problems > 0 {
        eprintln!("note: {problems} log files could not be read; `scopeon scan` names them");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
    }

    use scopeon_core::store::{GroupKey, ReportRow};

    /// A report grouped by model and project with one row per (model, project), one request
    /// and ten input tokens each.
    fn report(keys: &[(Option<&str>, Option<&str>)]) -> (ReportQuery, Report) {
        let query = ReportQuery::new().group_by(vec![GroupKey::Model, GroupKey::Project]);
        let totals = Totals {
            requests: 1,
            input_tokens: 10,
            total_tokens: 10,
            cost_pusd: Some(25_000_000_000),
            ..Totals::default()
        };
        let rows: Vec<ReportRow> = keys
            .iter()
            .map(|(model, project)| ReportRow {
                key: vec![
                    (GroupKey::Model, model.map(str::to_owned)),
                    (GroupKey::Project, project.map(str::to_owned)),
                ],
                totals,
            })
            .collect();
        let n = rows.len() as u64;
        let sum = Totals {
            requests: n,
            input_tokens: 10 * n,
            total_tokens: 10 * n,
            cost_pusd: Some(25_000_000_000 * i128::from(n)),
            ..Totals::default()
        };
        (query, Report { rows, totals: sum })
    }

    fn csv_output(keys: &[(Option<&str>, Option<&str>)], raw: bool) -> String {
        let (q, r) = report(keys);
        let mut out = Vec::new();
        report_csv(&mut out, &q, &r, raw).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_quotes_only_the_fields_that_need_it() {
        let text = csv_output(
            &[
                (Some("claude-sonnet-4-5"), Some("/home/dev/app")),
                (None, Some("/home/dev/a,b")),
                (Some("say \"hi\""), Some("two\nlines")),
                (Some("cr\rhere"), None),
            ],
            false,
        );
        let numbers = "1,10,0,0,0,0,10,0.025,0";
        assert_eq!(
            text,
            format!(
                "model,project,requests,input_tokens,cache_creation_tokens,cache_read_tokens,\
                 output_tokens,reasoning_tokens,total_tokens,cost_usd,unpriced_tokens\n\
                 claude-sonnet-4-5,/home/dev/app,{numbers}\n\
                 ,\"/home/dev/a,b\",{numbers}\n\
                 \"say \"\"hi\"\"\",two?lines,{numbers}\n\
                 cr?here,,{numbers}\n"
            )
        );
    }

    #[test]
    fn csv_reads_back_as_written() {
        let keys = [
            (Some("a,b"), Some("\"quoted\", with comma")),
            (Some("=formula"), Some("-home-dev-app")),
            (Some("模型"), Some("/home/开发/🚀")),
        ];
        let text = csv_output(&keys, true);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let read: Vec<(String, String)> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_owned(), r[1].to_owned())
            })
            .collect();
        let expected: Vec<(String, String)> = keys
            .iter()
            .map(|(m, p)| (m.unwrap().to_owned(), p.unwrap().to_owned()))
            .collect();
        assert_eq!(read, expected);
    }

    #[test]
    fn table_columns_align_by_display_width() {
        // CJK characters and most emoji take two terminal cells; combining marks take none.
        let (q, r) = report(&[
            (Some("claude-sonnet-4-5"), Some("/home/dev/app")),
            (Some("通义千问-max"), Some("/home/开发/项目")),
            (Some("gpt-5"), Some("/home/dev/🚀rocket")),
            (Some("cafe\u{301}"), Some("/home/dev/x")),
        ]);
        let mut out = Vec::new();
        report_table(&mut out, &q, &r, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        // The table runs from the header line to the totals line: blank lines around it.
        let table: Vec<&str> = text.split("\n\n").nth(1).unwrap().lines().collect();
        assert_eq!(table.len(), 8, "{text}");
        assert!(table[0].starts_with("Model"), "{text}");
        // Numeric columns are right-aligned, so aligned columns end every line at one width.
        let widths: Vec<usize> = table.iter().map(|l| l.width()).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}\n{text}");
        // And the project column starts at one display offset on every row.
        let project_at = |line: &str| line[..line.find("/home").unwrap()].width();
        let starts: Vec<usize> = table[2..6].iter().map(|l| project_at(l)).collect();
        assert!(starts.iter().all(|s| *s == starts[0]), "{starts:?}\n{text}");
    }
}

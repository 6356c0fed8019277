//! `scopeon`: the command-line front-end. Parsing and rendering only; all work is in
//! `scopeon-core`.

mod args;
mod demo;
mod pricing;
mod progress;
mod render;

use std::io::Write;
use std::process::ExitCode;

use camino::Utf8PathBuf;
use clap::{CommandFactory, Parser};
use scopeon_core::config::Config;
use scopeon_core::doctor::{DoctorOptions, diagnose};
use scopeon_core::env::Env;
use scopeon_core::record::ProviderId;
use scopeon_core::scan::{ScanOptions, ScanSummary, scan};
use scopeon_core::store::{CostMode, ForgetFilter, GroupKey, ReportQuery, Store, run_metadata};
use scopeon_core::window::{Bound, Zone, now, parse_bound};
use serde_json::{Map, json};

use args::{
    BackupArgs, Cli, Command, CostArg, DoctorArgs, ForgetArgs, Global, ReportArgs, ScanArgs,
};

/// A failure and the exit code it maps to (CONTRACTS §4: 1 runtime, 2 usage).
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

impl From<scopeon_core::Error> for Failure {
    fn from(e: scopeon_core::Error) -> Failure {
        let code = match e {
            scopeon_core::Error::InvalidQuery(_) | scopeon_core::Error::Config { .. } => 2,
            _ => 1,
        };
        let mut message = e.to_string();
        if e.is_damaged_db() {
            message.push_str("; run `scopeon doctor` to see what to do");
        } else if e.is_read_only_db() {
            message.push_str(
                "; the database is read-only here: make it and its directory writable, or point --db at another file (`scopeon report --no-scan` still reads it)",
            );
        } else if e.is_full_db() {
            message.push_str(
                "; the disk is full: free some space and scan again (what was stored before is intact)",
            );
        } else if e.is_busy() {
            message.push_str(
                "; another Scopeon process is writing to it: try again when it has finished",
            );
        }
        Failure { message, code }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        // A closed pipe (`scopeon report | head`) ends the output; it is not worth a message.
        let message = if e.kind() == std::io::ErrorKind::BrokenPipe {
            String::new()
        } else {
            e.to_string()
        };
        Failure { message, code: 1 }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = Env::from_process();
    match run(cli, &env) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli, env: &Env) -> Result<(), Failure> {
    match cli.command {
        Command::Scan(args) => cmd_scan(&cli.global, &args, env),
        Command::Report(args) => cmd_report(&cli.global, &args, env),
        Command::Pricing(args) => pricing::run(&cli.global, &args, env),
        Command::Providers => cmd_providers(&cli.global, env),
        Command::Doctor(args) => cmd_doctor(&cli.global, &args, env),
        Command::Backup(args) => cmd_backup(&cli.global, &args, env),
        Command::Forget(args) => cmd_forget(&cli.global, &args, env),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "scopeon", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => {
            let man = clap_mangen::Man::new(Cli::command());
            let mut out = Vec::new();
            man.render(&mut out)?;
            std::io::stdout().write_all(&out)?;
            Ok(())
        }
    }
}

pub(crate) fn db_path(global: &Global, env: &Env) -> Result<Utf8PathBuf, Failure> {
    match &global.db {
        Some(p) => Ok(p.clone()),
        None => env
            .default_db_path()
            .ok_or_else(|| scopeon_core::Error::NoHome.into()),
    }
}

fn parse_providers(ids: &[String]) -> Result<Option<Vec<ProviderId>>, Failure> {
    if ids.is_empty() {
        return Ok(None);
    }
    ids.iter()
        .map(|s| {
            ProviderId::parse(s.trim()).ok_or_else(|| {
                let known: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
                Failure::usage(format!(
                    "unknown provider {s:?}; known providers: {}",
                    known.join(", ")
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Runs a scan with a progress bar on a terminal.
fn run_scan(store: &mut Store, env: &Env, options: &ScanOptions) -> Result<ScanSummary, Failure> {
    let mut bar = progress::Bar::new();
    let summary = scan(store, env, options, &mut |p| bar.update(p))?;
    bar.finish();
    Ok(summary)
}

/// The configuration file (`--config`, else `~/.scopeon/config.toml`), defaults if missing.
pub(crate) fn load_config(global: &Global, env: &Env) -> Result<Config, Failure> {
    Ok(Config::load(global.config.as_deref(), env)?)
}

/// Opens the database with the configuration's price table, storing projects in the form
/// its `[privacy]` table asks for (which also rewrites the stored ones when that changed).
pub(crate) fn open_store(global: &Global, env: &Env, config: &Config) -> Result<Store, Failure> {
    let mut store = Store::open_with_pricing(&db_path(global, env)?, config.price_table())?;
    if let Some(mode) = config.privacy.project_paths {
        store.set_project_paths(mode)?;
    }
    Ok(store)
}

/// Scan options from the configuration file, narrowed to the providers asked for.
fn scan_options(config: &Config, env: &Env, providers: &[String]) -> Result<ScanOptions, Failure> {
    let mut options = ScanOptions::from_config(config, env);
    if let Some(asked) = parse_providers(providers)? {
        options.providers = Some(match options.providers {
            Some(enabled) => asked.into_iter().filter(|p| enabled.contains(p)).collect(),
            None => asked,
        });
    }
    Ok(options)
}

fn cmd_scan(global: &Global, args: &ScanArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage(
            "scan has no CSV output; use --json, or `scopeon report --csv`",
        ));
    }
    let config = load_config(global, env)?;
    let options = scan_options(&config, env, &args.providers)?.rebuild(args.rebuild);
    let mut store = open_store(global, env, &config)?;
    let summary = run_scan(&mut store, env, &options)?;
    let mut out = std::io::stdout().lock();
    if global.json {
        let mut doc = serde_json::to_value(&summary).map_err(|e| Failure {
            message: e.to_string(),
            code: 1,
        })?;
        if let serde_json::Value::Object(map) = &mut doc {
            // Lead with what scripts check first.
            let mut head = Map::new();
            head.insert("schema".into(), json!("scopeon.scan.v1"));
            head.insert("files".into(), json!(summary.files()));
            head.append(map);
            *map = head;
        }
        render::print_json(&mut out, &doc)?;
    } else {
        render::scan_summary(&mut out, &summary)?;
    }
    Ok(())
}

fn cmd_providers(global: &Global, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("providers has no CSV output; use --json"));
    }
    let config = load_config(global, env)?;
    let store = open_store(global, env, &config)?;
    let doc = scopeon_core::scan::providers_document(
        &store,
        env,
        &ScanOptions::from_config(&config, env),
    )?;
    let mut out = std::io::stdout().lock();
    if global.json {
        render::print_json(&mut out, &doc)?;
        return Ok(());
    }
    for p in doc["providers"].as_array().into_iter().flatten() {
        render::provider_status(&mut out, p)?;
    }
    Ok(())
}

fn cmd_report(global: &Global, args: &ReportArgs, env: &Env) -> Result<(), Failure> {
    let zone = Zone::resolve(global.tz.as_deref(), env)?;
    if let Some(w) = &zone.warning {
        eprintln!("warning: {w}");
    }
    let now = now(env)?;
    let since = args
        .since
        .as_deref()
        .map(|s| parse_bound(s, Bound::Since, &zone, now))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_bound(s, Bound::Until, &zone, now))
        .transpose()?;
    let group_by = GroupKey::parse_list(&args.by)?;
    let providers = parse_providers(&args.providers)?;
    let query = ReportQuery {
        group_by,
        since_ms: since.map(|t| t.as_millisecond()),
        until_ms: until.map(|t| t.as_millisecond()),
        zone,
        providers: providers.clone().unwrap_or_default(),
        projects: args.projects.clone(),
        models: args.models.clone(),
        cost_mode: match args.cost {
            CostArg::Calculated => CostMode::Calculated,
            CostArg::Reported => CostMode::Reported,
            CostArg::Auto => CostMode::Auto,
        },
    };

    // The demo keeps its corpus and database in a directory removed on exit.
    let demo_dir = if args.demo {
        Some(demo::unpack()?)
    } else {
        None
    };
    // The demo is priced with the built-in table: it shows Scopeon, not the user's setup.
    let (mut store, scan_env, options) = match &demo_dir {
        Some(dir) => {
            let (db, demo_env, options) = demo::setup(dir)?;
            (Store::open(&db)?, demo_env, options)
        }
        None => {
            let config = load_config(global, env)?;
            (
                open_store(global, env, &config)?,
                env.clone(),
                scan_options(&config, env, &args.providers)?,
            )
        }
    };
    let summary = if args.no_scan {
        None
    } else {
        let mut bar = progress::Bar::new();
        let scanned = scan(&mut store, &scan_env, &options, &mut |p| bar.update(p));
        bar.finish();
        match scanned {
            Ok(summary) => Some(summary),
            // Another process holds the write lock (a long rebuild): report what is stored.
            Err(e) if e.is_busy() => {
                eprintln!(
                    "warning: the database is busy with another scan; reporting the data stored so far"
                );
                None
            }
            Err(e) => return Err(e.into()),
        }
    };
    let report = store.report(&query)?;

    let mut out = std::io::stdout().lock();
    if global.json {
        let run = run_metadata(
            now,
            store.pricing(),
            args.demo,
            summary.as_ref().map(render::scan_json),
        );
        let doc = report.to_document(&query, run);
        render::print_json(&mut out, &doc)?;
    } else if global.csv {
        if args.demo {
            eprintln!("note: DEMO DATA: a bundled sample corpus, not your logs");
        }
        render::report_csv(&mut out, &query, &report)?;
    } else {
        render::report_table(&mut out, &query, &report, args.demo)?;
    }
    if let Some(s) = &summary {
        render::skip_note(s);
    }
    Ok(())
}

fn cmd_doctor(global: &Global, args: &DoctorArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("doctor has no CSV output; use --json"));
    }
    let options = DoctorOptions {
        db: db_path(global, env)?,
        config: global.config.clone(),
        full: args.full,
    };
    let diagnosis = diagnose(env, &options);
    let mut out = std::io::stdout().lock();
    if global.json {
        render::print_json(&mut out, &diagnosis.to_document())?;
    } else {
        render::doctor(&mut out, &diagnosis)?;
    }
    if diagnosis.healthy() {
        Ok(())
    } else {
        // The problems and their fixes are the output already.
        Err(Failure {
            message: String::new(),
            code: 1,
        })
    }
}

fn cmd_backup(global: &Global, args: &BackupArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("backup has no CSV output; use --json"));
    }
    let config = load_config(global, env)?;
    let store = open_store(global, env, &config)?;
    let info = store.backup_to(&args.path)?;
    let mut out = std::io::stdout().lock();
    if global.json {
        let doc = json!({
            "schema": "scopeon.backup.v1",
            "path": info.path,
            "bytes": info.bytes,
            "records": info.records,
        });
        render::print_json(&mut out, &doc)?;
    } else {
        render::backup(&mut out, &info)?;
    }
    Ok(())
}

fn cmd_forget(global: &Global, args: &ForgetArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("forget has no CSV output; use --json"));
    }
    if args.providers.is_empty() && args.projects.is_empty() && args.before.is_none() {
        return Err(Failure::usage(
            "forget needs at least one of --provider, --project or --before; to forget everything, delete the database file",
        ));
    }
    // `--before X` forgets exactly what `report --since X` would no longer show.
    let before = match &args.before {
        Some(spec) => {
            let zone = Zone::resolve(global.tz.as_deref(), env)?;
            if let Some(w) = &zone.warning {
                eprintln!("warning: {w}");
            }
            Some(parse_bound(spec, Bound::Since, &zone, now(env)?)?)
        }
        None => None,
    };
    let filter = ForgetFilter {
        providers: parse_providers(&args.providers)?.unwrap_or_default(),
        projects: args.projects.clone(),
        before_ms: before.map(|t| t.as_millisecond()),
    };
    let config = load_config(global, env)?;
    let mut store = open_store(global, env, &config)?;
    let stats = store.forget(&filter)?;
    let mut out = std::io::stdout().lock();
    if global.json {
        let doc = json!({
            "schema": "scopeon.forget.v1",
            "forgotten": stats.forgotten,
            "remaining": stats.remaining,
            "filter": {
                "providers": filter.providers,
                "projects": filter.projects,
                "before": before.map(|t| t.to_string()),
            },
        });
        render::print_json(&mut out, &doc)?;
    } else {
        render::forget(&mut out, &stats)?;
    }
    Ok(())
}

//! `scopeon`: the command-line front-end. Parsing and rendering only; all work is in
//! `scopeon-core`.

mod alerts;
mod args;
mod budget;
mod config_file;
mod demo;
mod ingest;
mod init;
mod live_render;
mod mcp;
mod metrics;
mod pricing;
mod progress;
mod render;
mod sanitize;
mod serve;
mod statusline;
mod tui;
mod watch;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use camino::Utf8PathBuf;
use clap::{CommandFactory, Parser};
use scopeon_core::doctor::{DoctorOptions, diagnose};
use scopeon_core::env::Env;
use scopeon_core::scan::ScanSummary;
use scopeon_core::{
    BlocksRequest, ContextRequest, ForgetRequest, ReportRequest, ScanRequest, Scopeon,
};

use args::{
    BackupArgs, BlocksArgs, Cli, Command, ContextArgs, CostArg, DoctorArgs, ForgetArgs, Global,
    ReportArgs, ScanArgs, StatuslineAction,
};

/// A failure and the exit code it maps to (docs/cli.md: 1 runtime, 2 usage).
#[derive(Debug)]
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
        if matches!(
            e,
            scopeon_core::Error::UnsafeDatabase { .. }
                | scopeon_core::Error::NotScopeonDb { .. }
                | scopeon_core::Error::NewerSchema { .. }
        ) {
            message.push_str(" (--db PATH or $SCOPEON_DB names another)");
        }
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

/// Memory a scan frees goes back to the system (docs/storage.md, "Memory"). glibc serves
/// blocks from 128 KiB up with their own mappings, but raises that bound to the size of each
/// such block freed, up to 32 MiB; after that, the big buffers a scan allocates and frees come
/// from the heap, which fragments and is never given back, so peak memory grew with the size
/// of the history (57 MiB at 200 MB of logs, 69 MiB at 2 GB). A fixed bound keeps it flat.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_memory_flat() {
    // SAFETY: mallopt only changes a tunable of the allocator; called before any thread
    // starts. Its failure (0) leaves the default, which is only less frugal.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_memory_flat() {}

fn main() -> ExitCode {
    keep_memory_flat();
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
    let Some(command) = cli.command else {
        return no_command(&cli.global, env);
    };
    match command {
        Command::Scan(args) => cmd_scan(&cli.global, &args, env),
        Command::Report(args) => cmd_report(&cli.global, &args, env),
        Command::Blocks(args) => cmd_blocks(&cli.global, &args, env),
        Command::Context(args) => cmd_context(&cli.global, &args, env),
        Command::Pricing(args) => pricing::run(&cli.global, &args, env),
        Command::Budget(args) => budget::run(&cli.global, &args, env),
        Command::Alerts(args) => alerts::run(&cli.global, &args, env),
        Command::Providers => cmd_providers(&cli.global, env),
        Command::Doctor(args) => cmd_doctor(&cli.global, &args, env),
        Command::Backup(args) => cmd_backup(&cli.global, &args, env),
        Command::Forget(args) => cmd_forget(&cli.global, &args, env),
        Command::Start(args) => tui::start(&cli.global, &args, env),
        Command::Watch(args) => watch::run(&cli.global, &args, env),
        Command::Mcp => mcp::run(&cli.global, env),
        Command::Init(args) => init::run(&cli.global, &args, env),
        Command::Serve(args) => serve::run(&cli.global, &args, env),
        Command::Export(args::ExportCommand::Otlp(args)) => {
            metrics::export_otlp(&cli.global, &args, env)
        }
        Command::Statusline(args) => match &args.action {
            None => statusline::run(&cli.global, env),
            Some(StatuslineAction::Install(install)) => statusline::install::run(install, env),
        },
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

/// `scopeon` alone: the dashboard on a terminal; elsewhere (a pipe, a script, a test) the
/// help on stderr and the usage exit code, as a missing command always was.
fn no_command(global: &args::Global, env: &Env) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        let args = args::StartArgs {
            ascii: false,
            token_limit: "max".into(),
        };
        return tui::start(global, &args, env);
    }
    let help = Cli::command().render_help();
    eprintln!("{help}");
    Err(Failure {
        message: String::new(),
        code: 2,
    })
}

pub(crate) fn db_path(global: &Global, env: &Env) -> Result<Utf8PathBuf, Failure> {
    match &global.db {
        Some(p) => Ok(p.clone()),
        None => env
            .default_db_path()
            .ok_or_else(|| scopeon_core::Error::NoHome.into()),
    }
}

/// Opens the database named by `--db` (else `$SCOPEON_DB`, else `~/.scopeon/scopeon.db`) with
/// the configuration named by `--config` (else `~/.scopeon/config.toml`).
pub(crate) fn open(global: &Global, env: &Env) -> Result<Scopeon, Failure> {
    let mut builder = Scopeon::builder().env(env.clone());
    if let Some(db) = &global.db {
        builder = builder.db(db.clone());
    }
    if let Some(config) = &global.config {
        builder = builder.config_file(config.clone());
    }
    let scopeon = builder.open()?;
    for w in scopeon.config_warnings() {
        eprintln!("warning: {w}");
    }
    Ok(scopeon)
}

/// Runs a scan with a progress bar on a terminal.
pub(crate) fn run_scan(
    scopeon: &mut Scopeon,
    request: &ScanRequest,
) -> scopeon_core::Result<ScanSummary> {
    let mut bar = progress::Bar::new();
    let seen = scopeon.alert_problems().len();
    let scanned = scopeon.scan_with_progress(request, &mut |p| bar.update(p));
    bar.finish();
    // A webhook that failed does not fail the command; it is said once.
    for problem in &scopeon.alert_problems()[seen..] {
        eprintln!("warning: {problem}");
    }
    scanned
}

fn cmd_scan(global: &Global, args: &ScanArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage(
            "scan has no CSV output; use --json, or `scopeon report --csv`",
        ));
    }
    let request = ScanRequest::new()
        .providers(&args.providers)
        .rebuild(args.rebuild);
    let mut scopeon = open(global, env)?;
    let summary = run_scan(&mut scopeon, &request)?;
    let mut out = std::io::stdout().lock();
    if global.json {
        render::print_json(&mut out, &summary.to_document())?;
    } else {
        render::scan_summary(&mut out, &summary)?;
    }
    Ok(())
}

fn cmd_providers(global: &Global, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("providers has no CSV output; use --json"));
    }
    let doc = open(global, env)?.providers_document()?;
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
    let mut request = ReportRequest::new()
        .by(&args.by)
        .providers(&args.providers)
        .projects(args.projects.clone())
        .models(args.models.clone())
        .cost(match args.cost {
            CostArg::Calculated => "calculated",
            CostArg::Reported => "reported",
            CostArg::Auto => "auto",
        });
    request.since = args.since.clone();
    request.until = args.until.clone();
    request.tz = global.tz.clone();

    // The demo keeps its corpus and database in a directory removed on exit, and is priced
    // with the built-in table: it shows Scopeon, not the user's setup.
    let demo_dir = if args.demo {
        Some(demo::unpack()?)
    } else {
        None
    };
    let (mut scopeon, scan_request) = match &demo_dir {
        Some(dir) => {
            let (db, demo_env) = demo::setup(dir)?;
            let scopeon = Scopeon::builder()
                .env(demo_env)
                .db(db)
                .no_config()
                .demo(true)
                .open()?;
            (scopeon, demo::scan_request())
        }
        None => (
            open(global, env)?,
            ScanRequest::new().providers(&args.providers),
        ),
    };
    // A mistake in the flags is reported before any log is read.
    scopeon.check_report(&request)?;
    let summary = if args.no_scan {
        None
    } else {
        match run_scan(&mut scopeon, &scan_request) {
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
    let answer = scopeon.report(&request)?;
    for w in answer.warnings() {
        eprintln!("warning: {w}");
    }

    let mut out = std::io::stdout().lock();
    if global.json {
        render::print_json(&mut out, &answer.to_document(summary.as_ref()))?;
    } else if global.csv {
        if args.demo {
            eprintln!("note: DEMO DATA: a bundled sample corpus, not your logs");
        }
        render::report_csv(&mut out, answer.query(), answer.report(), global.csv_raw)?;
    } else {
        render::report_table(&mut out, answer.query(), answer.report(), args.demo)?;
    }
    if let Some(s) = &summary {
        render::skip_note(s);
    }
    Ok(())
}

/// Scans what is new (as `report` does) unless told not to; a busy database is reported on
/// and what is stored is used.
pub(crate) fn scan_first(
    scopeon: &mut Scopeon,
    request: &ScanRequest,
    no_scan: bool,
) -> Result<Option<ScanSummary>, Failure> {
    if no_scan {
        return Ok(None);
    }
    match run_scan(scopeon, request) {
        Ok(summary) => Ok(Some(summary)),
        Err(e) if e.is_busy() => {
            eprintln!(
                "warning: the database is busy with another scan; answering from the data stored so far"
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn cmd_blocks(global: &Global, args: &BlocksArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("blocks has no CSV output; use --json"));
    }
    let mut request = BlocksRequest::new()
        .providers(&args.providers)
        .active(args.active)
        .recent(args.recent)
        .floor_hour(args.floor_hour)
        .gaps(args.gaps);
    request.since = args.since.clone();
    request.until = args.until.clone();
    request.token_limit = args.token_limit.clone();
    request.tz = global.tz.clone();
    let mut scopeon = open(global, env)?;
    // A mistake in the flags is reported before any log is read.
    scopeon.check_blocks(&request)?;
    let summary = scan_first(
        &mut scopeon,
        &ScanRequest::new().providers(&args.providers),
        args.no_scan,
    )?;
    let answer = scopeon.blocks(&request)?;
    let mut out = std::io::stdout().lock();
    if global.json {
        render::print_json(&mut out, &answer.to_document())?;
    } else {
        let zone = scopeon_core::window::Zone::resolve(global.tz.as_deref(), env)?;
        live_render::blocks_table(&mut out, &answer, &zone, std::io::stdout().is_terminal())?;
    }
    if let Some(hint) = answer.hint() {
        eprintln!("note: {hint}");
    }
    if let Some(s) = &summary {
        render::skip_note(s);
    }
    Ok(())
}

fn cmd_context(global: &Global, args: &ContextArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("context has no CSV output; use --json"));
    }
    let request = ContextRequest::new().providers(&args.providers);
    let mut scopeon = open(global, env)?;
    // An unknown provider is reported before any log is read.
    scopeon.context(&request.clone().active_minutes(0))?;
    let summary = scan_first(
        &mut scopeon,
        &ScanRequest::new().providers(&args.providers),
        args.no_scan,
    )?;
    let answer = scopeon.context(&request)?;
    let mut out = std::io::stdout().lock();
    if global.json {
        render::print_json(&mut out, &answer.to_document())?;
    } else {
        live_render::context_table(&mut out, &answer)?;
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
    let mut diagnosis = diagnose(env, &options);
    // Which agents start `scopeon mcp`: the CLI's business (`scopeon init`), added to the
    // library's diagnosis as warnings and a `mcp_registrations` list before `problems`.
    let exe = config_file::this_binary().ok();
    let registrations = init::status::registrations(env, exe.as_deref());
    diagnosis
        .problems
        .extend(init::status::problems(&registrations));
    let mut out = std::io::stdout().lock();
    if global.json {
        let mut doc = diagnosis.to_document();
        if let Some(map) = doc.as_object_mut() {
            let problems = map.remove("problems");
            map.insert(
                "mcp_registrations".into(),
                serde_json::to_value(&registrations).unwrap_or_default(),
            );
            map.extend(problems.map(|p| ("problems".to_owned(), p)));
        }
        render::print_json(&mut out, &doc)?;
    } else {
        render::doctor(&mut out, &diagnosis, &registrations)?;
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
    let info = open(global, env)?.backup(&args.path)?;
    let mut out = std::io::stdout().lock();
    if global.json {
        render::print_json(&mut out, &info.to_document())?;
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
    let mut request = ForgetRequest::new()
        .providers(&args.providers)
        .projects(args.projects.clone());
    request.before = args.before.clone();
    request.tz = global.tz.clone();
    let answer = open(global, env)?.forget(&request)?;
    let mut out = std::io::stdout().lock();
    if global.json {
        render::print_json(&mut out, &answer.to_document())?;
    } else {
        render::forget(&mut out, answer.stats())?;
    }
    Ok(())
}

//! Command-line arguments (docs/cli.md).

use camino::Utf8PathBuf;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// What your AI coding agents cost, from the logs they already write.
///
/// Scopeon reads the usage metadata that agents log (token counts, model, time, session,
/// project; never prompt text or code), prices it and stores it in a local SQLite database.
#[derive(Debug, Parser)]
#[command(name = "scopeon", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// Without a command: the dashboard (`start`) on a terminal, this help otherwise.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Database file [default: $SCOPEON_DB, else ~/.scopeon/scopeon.db]
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<Utf8PathBuf>,
    /// Configuration file [default: ~/.scopeon/config.toml]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<Utf8PathBuf>,
    /// Time zone of calendar days, an IANA name such as Europe/Berlin [default: $TZ, else the system zone]
    #[arg(long, global = true, value_name = "IANA")]
    pub tz: Option<String>,
    /// Print JSON instead of a table
    #[arg(long, global = true, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV instead of a table
    #[arg(long, global = true)]
    pub csv: bool,
    /// With --csv: text cells as logged, without the leading ' that keeps a spreadsheet from
    /// reading a cell starting with =, +, -, @ as a formula (control characters stay replaced)
    #[arg(long, global = true, requires = "csv")]
    pub csv_raw: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read new log lines of every detected agent into the database
    Scan(ScanArgs),
    /// Show usage and cost, grouped and filtered (scans first)
    Report(ReportArgs),
    /// Five-hour usage blocks per agent: official windows where the agent reported them,
    /// else estimated from the first request (scans first)
    ///
    /// Each block shows its source (official or estimated), start, end, time left, used % (official)
    /// or tokens, cost, burn rate over its last hour and, for the active block, the projection
    /// to its end. Longer official windows (weekly) are listed below the blocks.
    Blocks(BlocksArgs),
    /// How full the context of each session active in the last 30 minutes is (scans first)
    Context(ContextArgs),
    /// Each budget of [budget] in config.toml in its current calendar day, week or month:
    /// spend, limit, percent used and the spend projected to the period's end (scans first)
    Budget(BudgetArgs),
    /// Webhook alerts of [[alerts.webhooks]] in config.toml: what fired, and a test send
    ///
    /// Alerts (budget_warning, budget_exceeded, limit_warning, limit_reached,
    /// block_projection, context_warning) are found after every scan, by whichever command
    /// scanned, and each fires once per budget period, window or session.
    Alerts(AlertsArgs),
    /// Each agent: detected or not, the roots searched, log files and bytes found, requests
    /// stored, last activity, and skipped lines by reason (what to check when a number looks wrong)
    Providers,
    /// Show the price of a model (where it comes from, its rates and tiers), every built-in
    /// price, or the stored models that have none
    Pricing(PricingArgs),
    /// Check the database (integrity, permissions, sizes), the configuration and each agent's
    /// logs, and say what to fix; exits 1 when the database is damaged or unusable
    Doctor(DoctorArgs),
    /// Write a consistent copy of the database to a new file (never overwrites one)
    ///
    /// Uses SQLite's online backup, so scans may run meanwhile. The copy is a complete
    /// database, private to you (0600): read it with `--db PATH`, or put it in place of the
    /// database to restore it.
    Backup(BackupArgs),
    /// Delete stored records by provider, project and/or time, for good
    ///
    /// Records matching every filter given are deleted (at least one filter is required).
    /// Forgetting is permanent: each forgotten request leaves a tombstone in the database (a
    /// hash of its id, nothing readable) and the checkpoints of its logs are kept, so no later
    /// scan stores it again: not the next scan, not `scan --rebuild`, not a resumed session
    /// that replays it into a new log. To undo, restore a backup (run `scopeon backup PATH`
    /// first); a new, empty database would also read every log that still exists again.
    Forget(ForgetArgs),
    /// The live dashboard: today's usage, current blocks, active sessions' context, the last
    /// 30 days by day, model, project and session (scans first, then follows the logs)
    ///
    /// Also what `scopeon` without a command does on a terminal. Keys: Tab or 1-5 switch
    /// views, ? shows the keys, q, Esc or Ctrl-C quit. Colors are off when NO_COLOR is set.
    Start(StartArgs),
    /// The Live view's figures as plain lines on stdout, one line per change (or per
    /// interval), for pipes and logs; scans first, then follows the logs
    Watch(WatchArgs),
    /// Claude Code's status line: reads its JSON on stdin, prints one line of figures
    ///
    /// Model, session cost, today's cost, current five-hour block, burn rate and context
    /// (configurable under [statusline] in config.toml). Ingests only the session's
    /// transcript; always prints a line and exits 0, within a deadline (150 ms by default).
    /// `scopeon statusline install` registers it in Claude Code's settings.json.
    Statusline(StatuslineArgs),
    /// A Model Context Protocol server on stdin/stdout, for an agent to ask about its usage
    ///
    /// Read-only tools: usage_report, blocks, context, list_sessions, session_usage, price,
    /// providers. Answers at once from what is stored while it scans and follows the logs in
    /// the background; logs to stderr; ends when stdin does. No network listener.
    Mcp,
    /// Register `scopeon mcp` with an agent (claude-code, codex, gemini-cli, copilot-cli)
    ///
    /// Adds a `scopeon` server starting this binary with `mcp` to the agent's MCP
    /// configuration: ~/.claude.json, ~/.codex/config.toml, ~/.gemini/settings.json or
    /// ~/.copilot/mcp-config.json (moved by CLAUDE_CONFIG_DIR, CODEX_HOME, GEMINI_CLI_HOME,
    /// COPILOT_HOME). Backup beside it first (`.scopeon-original` once, then
    /// `.scopeon-previous`), atomic replace, everything else kept; running it again changes
    /// nothing. A file that cannot be parsed is left untouched (exit 2).
    Init(InitArgs),
    /// A local read-only HTTP/WebSocket API and a web dashboard (docs/serve.md)
    ///
    /// Listens on 127.0.0.1:7771 by default; scans and follows the logs meanwhile, so answers
    /// are fresh. Tiers: 0 health only, 1 aggregate metrics (default), 2 sessions and
    /// projects. The secret (needed with --lan or a non-loopback --bind at tier 1 or 2) comes
    /// from $SCOPEON_SECRET or --secret-file; clients send it as `x-scopeon-token` or
    /// `Authorization: Bearer`. Ctrl-C or SIGTERM stops it.
    Serve(ServeArgs),
    /// Send the usage counters to a team's monitoring (docs/teams.md)
    #[command(subcommand)]
    Export(ExportCommand),
    /// Print a shell completion script
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout
    Man,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The TCP port; 0 picks a free one (the URL printed on start says which)
    #[arg(long, value_name = "PORT", default_value_t = 7771)]
    pub port: u16,
    /// The address to listen on [default: 127.0.0.1]
    #[arg(long, value_name = "ADDR", conflicts_with = "lan")]
    pub bind: Option<std::net::IpAddr>,
    /// Listen on every interface (0.0.0.0 and ::); tier 1 and 2 then need a secret
    #[arg(long)]
    pub lan: bool,
    /// What the server answers: 0 health, 1 aggregate metrics, 2 sessions and projects too
    #[arg(long, value_name = "0|1|2", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(0..=2))]
    pub tier: u8,
    /// Read the secret from this file (mode 0600; a group- or world-readable file is refused)
    #[arg(long, value_name = "PATH", conflicts_with = "secret")]
    pub secret_file: Option<Utf8PathBuf>,
    /// The secret itself: other local users can read it in the process list, so prefer
    /// $SCOPEON_SECRET or --secret-file
    #[arg(long, value_name = "VALUE", hide_env_values = true)]
    pub secret: Option<String>,
    /// Also accept requests whose Host header is this name (a DNS name of this machine that
    /// LAN clients use); repeatable
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_hosts: Vec<String>,
    /// At most this many connections at once; more wait to be accepted
    #[arg(long, value_name = "N", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub max_connections: u32,
    /// Requests per second each client address may make (bursts of twice as many); more are
    /// answered 429
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,
    /// Add a `project` label to /metrics (more series; project paths leave the machine)
    #[arg(long)]
    pub metrics_projects: bool,
    /// Also push the counters to this OpenTelemetry collector (OTLP/HTTP base URL, such as
    /// http://127.0.0.1:4318) every --otlp-interval; OTEL_EXPORTER_OTLP_* are honoured too
    #[arg(long, value_name = "URL")]
    pub otlp_endpoint: Option<String>,
    /// How often to push: 60s, 5m, 1h (at least 1s)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "60s",
        requires = "otlp_endpoint"
    )]
    pub otlp_interval: String,
    /// Encoding of the pushes [default: http/protobuf]
    #[arg(long, value_name = "PROTOCOL", requires = "otlp_endpoint")]
    pub otlp_protocol: Option<String>,
    /// A header for the pushes (an API key, say), NAME=VALUE; repeatable. Other local users
    /// can read a process's arguments: prefer OTEL_EXPORTER_OTLP_HEADERS for secrets
    #[arg(
        long = "otlp-header",
        value_name = "NAME=VALUE",
        requires = "otlp_endpoint"
    )]
    pub otlp_headers: Vec<String>,
    /// Send host.name with the pushes: this name, or the machine's when none is given
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "",
          requires = "otlp_endpoint")]
    pub resource_host_name: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Push the all-time usage counters once to an OpenTelemetry collector over OTLP/HTTP
    ///
    /// POSTs scopeon.tokens, scopeon.cost and scopeon.requests (cumulative sums per provider
    /// and model, no prompt text, no session, no project) to URL/v1/metrics, gzipped.
    /// Retries 429, 502, 503 and 504; exits 1 when the collector did not accept them.
    /// Scans first.
    Otlp(OtlpExportArgs),
}

#[derive(Debug, Args)]
pub struct OtlpExportArgs {
    /// The collector's OTLP/HTTP base URL (default: $OTEL_EXPORTER_OTLP_ENDPOINT); /v1/metrics
    /// is appended
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// http/protobuf or http/json [default: $OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf]
    #[arg(long, value_name = "PROTOCOL")]
    pub protocol: Option<String>,
    /// A request header, NAME=VALUE (repeatable; added to $OTEL_EXPORTER_OTLP_HEADERS). Other
    /// local users can read a process's arguments: prefer the variable for API keys
    #[arg(long = "header", value_name = "NAME=VALUE")]
    pub headers: Vec<String>,
    /// Send host.name: this name, or the machine's when none is given
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub resource_host_name: Option<String>,
    /// Do not scan first
    #[arg(long)]
    pub no_scan: bool,
}

#[derive(Debug, Args)]
pub struct BudgetArgs {
    /// Do not scan first
    #[arg(long)]
    pub no_scan: bool,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub action: AlertsAction,
}

#[derive(Debug, Subcommand)]
pub enum AlertsAction {
    /// The alerts that fired (event, budget or window, period, when) and each one's delivery
    /// to each webhook
    List,
    /// Send a labelled test event to every webhook (or one) now and say how each answered
    Test(AlertsTestArgs),
}

#[derive(Debug, Args)]
pub struct AlertsTestArgs {
    /// Only the webhook at this position in config.toml (0 is the first [[alerts.webhooks]])
    #[arg(long, value_name = "N")]
    pub webhook: Option<usize>,
}

#[derive(Debug, Args)]
pub struct StatuslineArgs {
    #[command(subcommand)]
    pub action: Option<StatuslineAction>,
}

#[derive(Debug, Subcommand)]
pub enum StatuslineAction {
    /// Register `scopeon statusline` as Claude Code's statusLine command in its settings.json
    /// ($CLAUDE_CONFIG_DIR, else ~/.claude): backup first, atomic replace, other keys kept; an
    /// existing status line command is kept and its output shown on the line after ours
    Install(StatuslineInstallArgs),
}

#[derive(Debug, Args)]
pub struct StatuslineInstallArgs {
    /// Print the new settings.json instead of writing it
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The agent
    #[arg(value_enum, value_name = "AGENT")]
    pub agent: crate::init::agents::Agent,
    /// Print our entry before and after instead of writing the file
    #[arg(long)]
    pub dry_run: bool,
    /// Remove our entry instead (and `mcpServers` / `mcp_servers` when it was the only server)
    #[arg(long)]
    pub remove: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Only these providers (comma-separated or repeated): claude_code, codex, gemini_cli,
    /// copilot_cli, aider, cursor, opencode, generic_openai
    #[arg(long = "provider", value_name = "ID", value_delimiter = ',')]
    pub providers: Vec<String>,
    /// Re-read every log that still exists from its start (a new parser version does this on
    /// its own); records whose logs are gone are kept
    #[arg(long)]
    pub rebuild: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Start of the window: YYYY-MM-DD, YYYYMMDD, Nd (N days including today), Nw, Nh
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// End of the window (inclusive day): YYYY-MM-DD, YYYYMMDD, Nd, Nw, Nh
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Group by day, week, month, model, project, session, provider (comma-separated or repeated)
    #[arg(
        long,
        value_name = "KEYS",
        value_delimiter = ',',
        default_value = "day"
    )]
    pub by: Vec<String>,
    /// Only these providers (comma-separated or repeated): claude_code, codex, gemini_cli,
    /// copilot_cli, aider, cursor, opencode, generic_openai
    #[arg(long = "provider", value_name = "ID", value_delimiter = ',')]
    pub providers: Vec<String>,
    /// Only this project (the agent's working directory, as reports show it; its full path
    /// also finds it when projects are stored by basename or hash); repeatable
    #[arg(long = "project", value_name = "PATH")]
    pub projects: Vec<String>,
    /// Only this model id, as logged; repeatable
    #[arg(long = "model", value_name = "ID")]
    pub models: Vec<String>,
    /// Which cost to show
    #[arg(long, value_enum, default_value_t = CostArg::Calculated)]
    pub cost: CostArg,
    /// Do not scan before reporting
    #[arg(long)]
    pub no_scan: bool,
    /// Report over a bundled demo corpus in a temporary database (output is labelled demo)
    #[arg(long, conflicts_with_all = ["db", "no_scan"])]
    pub demo: bool,
}

/// `--cost` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CostArg {
    /// Computed from tokens with the built-in price table
    Calculated,
    /// The cost the agent itself logged, where it did
    Reported,
    /// The agent's logged cost where present, calculated elsewhere
    Auto,
}

#[derive(Debug, Args)]
pub struct PricingArgs {
    /// A model id as agents log it (e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0);
    /// without one, every built-in price is listed
    pub model: Option<String>,
    /// List the models in the database that have no price, with the usage they leave out
    #[arg(long, conflicts_with = "model")]
    pub unknown: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Run SQLite's integrity_check (also compares every index with its table; slower)
    /// instead of quick_check
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to create: it must not exist yet; missing directories are created (0700)
    #[arg(value_name = "PATH")]
    pub path: Utf8PathBuf,
}

#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// Only these providers (comma-separated or repeated): claude_code, codex, gemini_cli,
    /// copilot_cli, aider, cursor, opencode, generic_openai
    #[arg(long = "provider", value_name = "ID", value_delimiter = ',')]
    pub providers: Vec<String>,
    /// Only this project (the agent's working directory, as reports show it, or its full path
    /// when projects are stored by basename or hash); repeatable
    #[arg(long = "project", value_name = "PATH")]
    pub projects: Vec<String>,
    /// Only requests made before this time, in --since syntax: YYYY-MM-DD, YYYYMMDD, Nd (keep
    /// the last N days including today), Nw, Nh, or an RFC 3339 time
    #[arg(long, value_name = "WHEN")]
    pub before: Option<String>,
}

#[derive(Debug, Args)]
pub struct BlocksArgs {
    /// Only these providers (comma-separated or repeated) [default: claude_code, codex]
    #[arg(long = "provider", value_name = "ID", value_delimiter = ',')]
    pub providers: Vec<String>,
    /// Only the blocks (and windows) that contain now
    #[arg(long)]
    pub active: bool,
    /// Only the blocks of the last 3 days
    #[arg(long)]
    pub recent: bool,
    /// Blocks that end after this time: YYYY-MM-DD, YYYYMMDD, Nd, Nw, Nh, RFC 3339
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Blocks that start before this time (a date is included whole)
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// A token limit per block: a number of tokens, or max (the largest completed block)
    #[arg(long, value_name = "N|max")]
    pub token_limit: Option<String>,
    /// Start estimated blocks at the UTC hour of their first request (as ccusage does)
    #[arg(long)]
    pub floor_hour: bool,
    /// List the gaps between blocks too
    #[arg(long)]
    pub gaps: bool,
    /// Do not scan first
    #[arg(long)]
    pub no_scan: bool,
}

#[derive(Debug, Args)]
pub struct ContextArgs {
    /// Only these providers (comma-separated or repeated)
    #[arg(long = "provider", value_name = "ID", value_delimiter = ',')]
    pub providers: Vec<String>,
    /// Do not scan first
    #[arg(long)]
    pub no_scan: bool,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Draw with ASCII characters only (borders, bars), for terminals without Unicode
    #[arg(long)]
    pub ascii: bool,
    /// Token limit of the current blocks: a number of tokens, or max (the largest completed
    /// block of the provider)
    #[arg(long, value_name = "N|max", default_value = "max")]
    pub token_limit: String,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Also print a line every S seconds when nothing changed (0: only on changes)
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub interval: u64,
    /// Token limit of the current blocks: a number of tokens, or max
    #[arg(long, value_name = "N|max", default_value = "max")]
    pub token_limit: String,
}

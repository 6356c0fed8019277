//! The optional configuration file `~/.scopeon/config.toml`: plain data, read once.
//!
//! The configuration file is optional: a missing file means defaults, an unknown key is an
//! error naming the key, and a broken file is an error saying where. The scan reads it through
//! [`ScanOptions::from_config`](crate::scan::ScanOptions::from_config). Its keys:
//!
//! ```toml
//! generic_paths = ["~/proxy-logs/**/*.jsonl"]  # OpenAI-style JSONL for generic_openai
//!
//! [scan]
//! max_line_bytes = 67108864   # longest log line kept; longer ones are skipped and counted
//! max_document_bytes = 1073741824  # largest whole JSON document or decompressed .zst read
//!
//! [providers.claude_code]
//! enabled = true              # false: never scanned
//! roots = ["~/.claude"]       # replaces $CLAUDE_CONFIG_DIR and the default roots
//!
//! [pricing."claude-sonnet-4-5"]   # or the same tables in pricing.toml beside this file
//! input = 2.5                     # USD per million tokens; see pricing::PriceOverrides
//!
//! [privacy]
//! project_paths = "full"      # or "basename" / "hash": see privacy::ProjectPaths
//!
//! [statusline]                # `scopeon statusline`, see docs/statusline.md
//! segments = ["model", "session_cost", "today_cost", "block", "burn_rate", "context"]
//! deadline_ms = 150           # after this, the last good line is printed
//! color = false               # ANSI colors (never with NO_COLOR set)
//!
//! [budget]                    # USD of calculated cost per calendar period: docs/alerts.md
//! daily_usd = 20.0            # also weekly_usd, monthly_usd; [budget.providers.<id>] and
//!                             # [budget.projects."<path>"] take the same keys
//!
//! [[alerts.webhooks]]         # where alerts go: docs/alerts.md
//! url_env = "SCOPEON_SLACK_URL"   # or url = "https://..."
//! kind = "slack"              # slack | discord | generic (signed; needs secret_env)
//! events = ["budget_exceeded"]    # absent or empty: every event
//! ```

use std::collections::BTreeMap;

use camino::Utf8Path;
use serde::Deserialize;

use crate::alerts::{AlertsConfig, BudgetConfig};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::pricing::{PriceOverrides, PriceTable};
use crate::privacy::ProjectPaths;
use crate::record::ProviderId;

/// The contents of a configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Globs (`~/` expanded) of OpenAI-style JSONL files read by the `generic_openai`
    /// provider, which has no default locations.
    #[serde(default)]
    pub generic_paths: Vec<String>,
    /// `[scan]`: how logs are read.
    #[serde(default)]
    pub scan: ScanConfig,
    /// `[providers.<id>]`: per-provider settings.
    #[serde(default)]
    pub providers: BTreeMap<ProviderId, ProviderConfig>,
    /// `[pricing]`: price overrides per model id or glob, in the format of `pricing.toml`
    /// (which may hold them instead, beside the configuration file). `None` when neither
    /// exists: the database keeps the overrides it was last given (an empty table clears them).
    #[serde(default)]
    pub pricing: Option<PriceOverrides>,
    /// `[privacy]`: what identifying metadata is stored.
    #[serde(default)]
    pub privacy: PrivacyConfig,
    /// `[statusline]`: what `scopeon statusline` shows and how long it may take.
    #[serde(default)]
    pub statusline: StatuslineConfig,
    /// `[budget]`: spending limits per calendar period (docs/alerts.md).
    #[serde(default)]
    pub budget: BudgetConfig,
    /// `[alerts]`: webhooks that hear about budgets and limits (docs/alerts.md).
    #[serde(default)]
    pub alerts: AlertsConfig,
}

/// The `[statusline]` table (docs/statusline.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StatuslineConfig {
    /// The segments shown, in order, each one of [`StatuslineConfig::SEGMENTS`]; default all
    /// of them in that order.
    pub segments: Option<Vec<String>>,
    /// How long a call may work before it prints the last good line instead, in
    /// milliseconds (default 150).
    pub deadline_ms: Option<u64>,
    /// ANSI colors in the line (default false; `NO_COLOR` turns them off whatever this says).
    pub color: Option<bool>,
}

impl StatuslineConfig {
    /// Every segment a status line can show, in the default order.
    pub const SEGMENTS: &[&str] = &[
        "model",
        "session_cost",
        "today_cost",
        "block",
        "burn_rate",
        "context",
    ];
}

/// The `[privacy]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PrivacyConfig {
    /// How projects are stored: `"full"`, `"basename"` or `"hash"` (see [`ProjectPaths`]).
    /// Unset leaves the database's form as it is (`full` for a new database); the database
    /// remembers the form it was last given, so going back to full paths takes an explicit
    /// `"full"`.
    pub project_paths: Option<ProjectPaths>,
}

/// The `[scan]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScanConfig {
    /// Longest log line kept, in bytes (default 64 MiB); longer lines are skipped and counted.
    pub max_line_bytes: Option<usize>,
    /// Largest whole document read, in bytes (default 1 GiB): a JSON file rewritten in place,
    /// or a `.jsonl.zst` archive once decompressed. Larger ones are skipped and counted.
    pub max_document_bytes: Option<u64>,
}

/// A `[providers.<id>]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ProviderConfig {
    /// Whether the provider is scanned (default true).
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// Roots replacing the agent's environment variable and default locations; `~/` expands.
    pub roots: Option<Vec<String>>,
}

fn enabled_by_default() -> bool {
    true
}

impl Config {
    /// Reads the configuration at `path`, or at [`Env::default_config_path`] when `None`.
    ///
    /// A missing default file means defaults; a missing file named explicitly is an error.
    pub fn load(path: Option<&Utf8Path>, env: &Env) -> Result<Config> {
        let (path, explicit) = match path {
            Some(p) => (p.to_owned(), true),
            None => match env.default_config_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        let mut config = match read_config_file(&path)? {
            Some(text) => Config::parse_text(&text).map_err(|message| Error::Config {
                path: path.clone(),
                message,
            })?,
            None if !explicit => Config::default(),
            None => {
                return Err(Error::Io {
                    path,
                    source: std::io::Error::from_raw_os_error(libc::ENOENT),
                });
            }
        };
        // Price overrides may also live in their own file beside the configuration.
        let pricing_path = path.with_file_name("pricing.toml");
        if let Some(text) = read_config_file(&pricing_path)? {
            let overrides = PriceOverrides::parse(&text).map_err(|e| Error::Config {
                path: pricing_path.clone(),
                message: e.to_string(),
            })?;
            if config.pricing.is_some() {
                return Err(Error::Config {
                    path: pricing_path,
                    message: format!(
                        "price overrides are also set in [pricing] of {path}; keep them in one place"
                    ),
                });
            }
            config.pricing = Some(overrides);
        }
        Ok(config)
    }

    /// The built-in price table with this configuration's overrides (none when it has none).
    pub fn price_table(&self) -> PriceTable {
        PriceTable::builtin().with_overrides(self.pricing.clone().unwrap_or_default())
    }

    /// Parses configuration text; the error says where and what is wrong.
    pub fn parse(text: &str) -> std::result::Result<Config, ConfigError> {
        Config::parse_text(text).map_err(ConfigError)
    }

    fn parse_text(text: &str) -> std::result::Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| parse_error(text, &e))?;
        if config.scan.max_line_bytes == Some(0) {
            return Err("scan.max_line_bytes must be at least 1".into());
        }
        if config.scan.max_document_bytes == Some(0) {
            return Err("scan.max_document_bytes must be at least 1".into());
        }
        if let Some(bad) = config.generic_paths.iter().find(|g| {
            globset::GlobBuilder::new(g)
                .literal_separator(true)
                .build()
                .is_err()
        }) {
            return Err(format!("generic_paths: {bad:?} is not a valid glob"));
        }
        if let Some(bad) = config
            .statusline
            .segments
            .iter()
            .flatten()
            .find(|s| !StatuslineConfig::SEGMENTS.contains(&s.as_str()))
        {
            return Err(format!(
                "statusline.segments: unknown segment {bad:?}; known: {}",
                StatuslineConfig::SEGMENTS.join(", ")
            ));
        }
        crate::alerts::config::check(&config.alerts, text)?;
        if let Some(bad) = config.generic_paths.iter().find(|g| walks_the_system(g)) {
            return Err(format!(
                "generic_paths: {bad:?} would search the whole file system or /proc, /sys or /dev; start it at the directory that holds the logs"
            ));
        }
        Ok(config)
    }
}

/// Why configuration text was refused: the message names the key and line and says what is
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// Largest configuration or `pricing.toml` file read: far above any real one.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Reads a configuration file as logs are read: never through a symlink in its last component
/// (a planted link could point at any file), never blocking on a FIFO, at most
/// [`MAX_CONFIG_BYTES`]. `None` when it does not exist.
fn read_config_file(path: &Utf8Path) -> Result<Option<String>> {
    use std::io::Read as _;
    let refuse = |message: String| Error::Config {
        path: path.to_owned(),
        message,
    };
    let (file, stat) = match crate::tail::open_regular(path) {
        Ok(opened) => opened,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(refuse(
                "is a symbolic link; Scopeon reads its configuration only from a regular file (copy it there instead of linking it)".into(),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            return Err(refuse("is not a regular file".into()));
        }
        Err(source) => {
            return Err(Error::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    if stat.size > MAX_CONFIG_BYTES {
        return Err(refuse(format!(
            "is {} bytes, larger than the {MAX_CONFIG_BYTES} a configuration may have",
            stat.size
        )));
    }
    let mut text = String::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(refuse(format!(
            "grew past the {MAX_CONFIG_BYTES} bytes a configuration may have while it was read"
        )));
    }
    Ok(Some(text))
}

/// Whether a `generic_paths` glob would walk from `/` or through the kernel's pseudo file
/// systems (endless, or files that block when read).
fn walks_the_system(glob: &str) -> bool {
    let literal: Vec<&str> = glob
        .split('/')
        .take_while(|c| !c.contains(['*', '?', '[', '{']))
        .collect();
    let prefix = literal.join("/");
    let prefix = prefix.trim_end_matches('/');
    glob.starts_with('/')
        && (prefix.is_empty()
            || ["/proc", "/sys", "/dev"]
                .iter()
                .any(|p| prefix == *p || prefix.starts_with(&format!("{p}/"))))
}

/// A TOML error as line, column and what is wrong, never quoting the text: the line may hold
/// a secret (a webhook URL whose path is the credential; docs/alerts.md, "Webhooks").
fn parse_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    match e.span() {
        Some(span) => {
            let before = &text.as_bytes()[..span.start.min(text.len())];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let column = before.len() - line_start + 1;
            // The key of that line (its value is never shown).
            let key = text[line_start..]
                .lines()
                .next()
                .and_then(|l| l.split_once('='))
                .map(|(k, _)| k.trim())
                .filter(|k| !k.is_empty());
            match key {
                Some(key) => format!("{key} (line {line}, column {column}): {message}"),
                None => format!("line {line}, column {column}: {message}"),
            }
        }
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_names_the_place_but_never_quotes_the_line() {
        for text in [
            "[[alerts.webhooks]]\nurl = https://hooks.example/services/T0/B0/SECRETPATH\n",
            "[[alerts.webhooks]]\nurl = \"https://hooks.example/services/T0/B0/SECRETPATH\n",
            "[[alerts.webhooks]]\nurl = \"https://hooks.example/SECRETPATH\"\nurl = \"https://hooks.example/SECRETPATH\"\n",
        ] {
            let e = Config::parse(text).unwrap_err().to_string();
            assert!(!e.contains("SECRETPATH"), "{e}");
            assert!(e.contains("line "), "{e}");
        }
    }

    #[test]
    fn config_file_keys() {
        let c = Config::parse(
            "[scan]\nmax_line_bytes = 100\n[providers.claude_code]\nroots = [\"~/logs\", \"/x\"]\n",
        )
        .unwrap();
        assert_eq!(c.scan.max_line_bytes, Some(100));
        let claude = &c.providers[&ProviderId::ClaudeCode];
        assert!(claude.enabled);
        assert_eq!(
            claude.roots.as_deref(),
            Some(&["~/logs".to_owned(), "/x".to_owned()][..])
        );
        let off = Config::parse("[providers.claude_code]\nenabled = false\n").unwrap();
        assert!(!off.providers[&ProviderId::ClaudeCode].enabled);
        let generic = Config::parse(
            "generic_paths = [\"~/logs/**/*.jsonl\"]\n[scan]\nmax_document_bytes = 9\n",
        )
        .unwrap();
        assert_eq!(generic.generic_paths, ["~/logs/**/*.jsonl"]);
        assert_eq!(generic.scan.max_document_bytes, Some(9));
        let e = Config::parse("generic_paths = [\"a/[b\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("generic_paths") && e.contains("a/[b"), "{e}");
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn generic_paths_that_would_walk_the_system_are_refused() {
        for bad in [
            "/**/*.jsonl",
            "/*.jsonl",
            "/proc/**/x.jsonl",
            "/sys/*",
            "/dev/fd/*",
        ] {
            let e = Config::parse(&format!("generic_paths = [\"{bad}\"]\n"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("whole file system"), "{bad}: {e}");
        }
        for good in [
            "/var/log/proxy/*.jsonl",
            "~/logs/**/*.jsonl",
            "/home/*/x/*.jsonl",
        ] {
            Config::parse(&format!("generic_paths = [\"{good}\"]\n")).unwrap();
        }
    }

    #[test]
    fn configuration_files_are_read_like_logs() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap().join(".scopeon");
        std::fs::create_dir_all(&root).unwrap();
        let env = Env::isolated(root.parent().unwrap());
        let config = root.join("config.toml");
        // A symlink in the configuration's place is refused, not followed.
        std::fs::write(root.join("real.toml"), "[scan]\nmax_line_bytes = 5\n").unwrap();
        std::os::unix::fs::symlink(root.join("real.toml"), &config).unwrap();
        let e = Config::load(None, &env).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        std::fs::remove_file(&config).unwrap();
        // A FIFO is refused without blocking.
        let c = std::ffi::CString::new(config.as_str()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = Config::load(None, &env).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        std::fs::remove_file(&config).unwrap();
        // A huge pricing.toml is refused, not read.
        let big = format!("# {}\n", "x".repeat(MAX_CONFIG_BYTES as usize));
        std::fs::write(root.join("pricing.toml"), big).unwrap();
        let e = Config::load(None, &env).unwrap_err().to_string();
        assert!(e.contains("pricing.toml") && e.contains("larger"), "{e}");
    }

    #[test]
    fn config_errors_name_the_key_and_place() {
        let e = Config::parse("[scan]\nmax_lines = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_lines") && e.contains("line 2"), "{e}");
        let e = Config::parse("[providers.cursorr]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cursorr"), "{e}");
        let e = Config::parse("[privacy]\nproject_paths = \"initials\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("initials") && e.contains("basename"), "{e}");
        let e = Config::parse("[privacy]\nprojects = \"hash\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("projects") && e.contains("line 2"), "{e}");
        assert_eq!(
            Config::parse("[privacy]\nproject_paths = \"hash\"\n")
                .unwrap()
                .privacy
                .project_paths,
            Some(ProjectPaths::Hash)
        );
        let e = Config::parse("[scan\n").unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
        assert!(Config::parse("[scan]\nmax_line_bytes = 0\n").is_err());
    }

    #[test]
    fn missing_default_file_is_defaults_but_missing_explicit_file_is_an_error() {
        let env = Env::isolated("/nonexistent-home");
        assert_eq!(Config::load(None, &env).unwrap(), Config::default());
        let err = Config::load(Some(Utf8Path::new("/nonexistent/c.toml")), &env).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/c.toml"));
    }

    #[test]
    fn xdg_defaults_and_home_expansion() {
        let env = Env::isolated("/h");
        assert_eq!(env.xdg_config_home().unwrap(), "/h/.config");
        assert_eq!(env.xdg_data_home().unwrap(), "/h/.local/share");
        assert_eq!(env.expand_home("~/x/y"), "/h/x/y");
        assert_eq!(env.expand_home("~"), "/h");
        assert_eq!(env.expand_home("~other/x"), "~other/x");
        assert_eq!(env.default_db_path().unwrap(), "/h/.scopeon/scopeon.db");
        let env = env.with_var("SCOPEON_DB", Some("~/db.sqlite"));
        assert_eq!(env.default_db_path().unwrap(), "/h/db.sqlite");
        let env = env.with_var("XDG_CONFIG_HOME", Some(""));
        assert_eq!(env.xdg_config_home().unwrap(), "/h/.config");
    }
}

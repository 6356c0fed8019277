//! What Scopeon is configured with: the environment (home directory, agents' variables) and
//! the optional configuration file `~/.scopeon/config.toml`.
//!
//! Everything that depends on the environment goes through an [`Env`] value rather than
//! `std::env`, so tests (and embedders) can describe a home without touching the real one.
//!
//! The configuration file is optional: a missing file means defaults, an unknown key is an
//! error naming the key, and a broken file is an error saying where. Its keys:
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
//! project_paths = "full"      # or "basename" / "hash": see store::ProjectPaths
//! ```

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::pricing::{PriceOverrides, PriceTable};
use crate::record::ProviderId;
use crate::scan::ScanOptions;
use crate::store::ProjectPaths;

/// A snapshot of the environment variables and home directory Scopeon uses.
#[derive(Debug, Clone, Default)]
pub struct Env {
    home: Option<Utf8PathBuf>,
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The current process's environment. `$HOME` is authoritative (CONTRACTS §3); variables
    /// that are not valid UTF-8 are ignored.
    pub fn from_process() -> Env {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = vars
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(Utf8PathBuf::from);
        Env { home, vars }
    }

    /// An environment with the given home directory and variables and nothing else.
    pub fn for_tests(home: impl Into<Utf8PathBuf>, vars: &[(&str, &str)]) -> Env {
        Env {
            home: Some(home.into()),
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// Sets (or with `None`, removes) one variable; returns the environment for chaining.
    pub fn with_var(mut self, key: &str, value: Option<&str>) -> Env {
        match value {
            Some(v) => self.vars.insert(key.to_owned(), v.to_owned()),
            None => self.vars.remove(key),
        };
        self
    }

    /// A variable's value; empty values count as unset.
    pub fn var(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The paths an agent's variable names, when it is set: a comma-separated list, `~/`
    /// expanded, empty entries dropped (CONTRACTS §3: the variable replaces the defaults).
    pub fn path_list(&self, key: &str) -> Option<Vec<Utf8PathBuf>> {
        let paths: Vec<Utf8PathBuf> = self
            .var(key)?
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| self.expand_home(s))
            .collect();
        (!paths.is_empty()).then_some(paths)
    }

    /// The home directory, when `$HOME` is set.
    pub fn home(&self) -> Option<&Utf8Path> {
        self.home.as_deref()
    }

    /// `$XDG_CONFIG_HOME`, defaulting to `$HOME/.config`.
    pub fn xdg_config_home(&self) -> Option<Utf8PathBuf> {
        self.var("XDG_CONFIG_HOME")
            .map(Utf8PathBuf::from)
            .or_else(|| self.home().map(|h| h.join(".config")))
    }

    /// `$XDG_DATA_HOME`, defaulting to `$HOME/.local/share`.
    pub fn xdg_data_home(&self) -> Option<Utf8PathBuf> {
        self.var("XDG_DATA_HOME")
            .map(Utf8PathBuf::from)
            .or_else(|| self.home().map(|h| h.join(".local").join("share")))
    }

    /// Expands a leading `~/` (or a lone `~`) to the home directory.
    pub fn expand_home(&self, path: &str) -> Utf8PathBuf {
        match (path.strip_prefix('~'), self.home()) {
            (Some(""), Some(home)) => home.to_owned(),
            (Some(rest), Some(home)) if rest.starts_with('/') => {
                home.join(rest.trim_start_matches('/'))
            }
            _ => Utf8PathBuf::from(path),
        }
    }

    /// Scopeon's own directory, `~/.scopeon`.
    pub fn scopeon_dir(&self) -> Option<Utf8PathBuf> {
        self.home().map(|h| h.join(".scopeon"))
    }

    /// The configuration file path: `~/.scopeon/config.toml` (CONTRACTS §4).
    pub fn default_config_path(&self) -> Option<Utf8PathBuf> {
        self.scopeon_dir().map(|d| d.join("config.toml"))
    }

    /// The database path: `$SCOPEON_DB`, else `~/.scopeon/scopeon.db` (CONTRACTS §4).
    pub fn default_db_path(&self) -> Option<Utf8PathBuf> {
        self.var("SCOPEON_DB")
            .map(|p| self.expand_home(p))
            .or_else(|| self.scopeon_dir().map(|d| d.join("scopeon.db")))
    }
}

/// The contents of a configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// (which may hold them instead, beside the configuration file).
    #[serde(default)]
    pub pricing: PriceOverrides,
    /// `[privacy]`: what identifying metadata is stored.
    #[serde(default)]
    pub privacy: PrivacyConfig,
}

/// The `[privacy]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
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
        let mut config = match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text).map_err(|message| Error::Config {
                path: path.clone(),
                message,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Config::default(),
            Err(source) => return Err(Error::Io { path, source }),
        };
        // Price overrides may also live in their own file beside the configuration.
        let pricing_path = path.with_file_name("pricing.toml");
        match std::fs::read_to_string(&pricing_path) {
            Ok(text) => {
                let overrides = PriceOverrides::parse(&text).map_err(|message| Error::Config {
                    path: pricing_path.clone(),
                    message,
                })?;
                if !config.pricing.is_empty() {
                    return Err(Error::Config {
                        path: pricing_path,
                        message: format!(
                            "price overrides are also set in [pricing] of {path}; keep them in one place"
                        ),
                    });
                }
                config.pricing = overrides;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(Error::Io {
                    path: pricing_path,
                    source,
                });
            }
        }
        Ok(config)
    }

    /// The built-in price table with this configuration's overrides.
    pub fn price_table(&self) -> PriceTable {
        PriceTable::builtin().with_overrides(self.pricing.clone())
    }

    /// Parses configuration text; the error says where and what is wrong.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config =
            toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
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
        Ok(config)
    }

    /// The scan options this configuration asks for.
    pub fn scan_options(&self, env: &Env) -> ScanOptions {
        let mut options = ScanOptions::default();
        if let Some(max) = self.scan.max_line_bytes {
            options.max_line = max;
        }
        if let Some(max) = self.scan.max_document_bytes {
            options.max_document = max;
        }
        options.generic_paths = self
            .generic_paths
            .iter()
            .map(|g| env.expand_home(g))
            .collect();
        let disabled: Vec<ProviderId> = self
            .providers
            .iter()
            .filter(|(_, p)| !p.enabled)
            .map(|(id, _)| *id)
            .collect();
        if !disabled.is_empty() {
            options.providers = Some(
                ProviderId::ALL
                    .iter()
                    .copied()
                    .filter(|id| !disabled.contains(id))
                    .collect(),
            );
        }
        for (id, p) in &self.providers {
            if let Some(roots) = &p.roots {
                options
                    .roots
                    .insert(*id, roots.iter().map(|r| env.expand_home(r)).collect());
            }
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_keys() {
        let env = Env::for_tests("/h", &[]);
        let c = Config::parse(
            "[scan]\nmax_line_bytes = 100\n[providers.claude_code]\nroots = [\"~/logs\", \"/x\"]\n",
        )
        .unwrap();
        let o = c.scan_options(&env);
        assert_eq!(o.max_line, 100);
        assert_eq!(o.providers, None);
        assert_eq!(
            o.roots[&ProviderId::ClaudeCode],
            vec![Utf8PathBuf::from("/h/logs"), Utf8PathBuf::from("/x")]
        );
        let off = Config::parse("[providers.claude_code]\nenabled = false\n").unwrap();
        assert_eq!(
            off.scan_options(&env).providers.unwrap(),
            &ProviderId::ALL[1..]
        );
        let generic = Config::parse(
            "generic_paths = [\"~/logs/**/*.jsonl\"]\n[scan]\nmax_document_bytes = 9\n",
        )
        .unwrap()
        .scan_options(&env);
        assert_eq!(
            generic.generic_paths,
            vec![Utf8PathBuf::from("/h/logs/**/*.jsonl")]
        );
        assert_eq!(generic.max_document, 9);
        let e = Config::parse("generic_paths = [\"a/[b\"]\n").unwrap_err();
        assert!(e.contains("generic_paths") && e.contains("a/[b"), "{e}");
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn config_errors_name_the_key_and_place() {
        let e = Config::parse("[scan]\nmax_lines = 3\n").unwrap_err();
        assert!(e.contains("max_lines") && e.contains("line 2"), "{e}");
        let e = Config::parse("[providers.cursorr]\n").unwrap_err();
        assert!(e.contains("cursorr"), "{e}");
        let e = Config::parse("[privacy]\nproject_paths = \"initials\"\n").unwrap_err();
        assert!(e.contains("initials") && e.contains("basename"), "{e}");
        let e = Config::parse("[privacy]\nprojects = \"hash\"\n").unwrap_err();
        assert!(e.contains("projects") && e.contains("line 2"), "{e}");
        assert_eq!(
            Config::parse("[privacy]\nproject_paths = \"hash\"\n")
                .unwrap()
                .privacy
                .project_paths,
            Some(ProjectPaths::Hash)
        );
        let e = Config::parse("[scan\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        assert!(Config::parse("[scan]\nmax_line_bytes = 0\n").is_err());
    }

    #[test]
    fn missing_default_file_is_defaults_but_missing_explicit_file_is_an_error() {
        let env = Env::for_tests("/nonexistent-home", &[]);
        assert_eq!(Config::load(None, &env).unwrap(), Config::default());
        let err = Config::load(Some(Utf8Path::new("/nonexistent/c.toml")), &env).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/c.toml"));
    }

    #[test]
    fn xdg_defaults_and_home_expansion() {
        let env = Env::for_tests("/h", &[]);
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

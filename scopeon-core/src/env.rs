//! The environment Scopeon runs in: the home directory and the variables it reads.
//!
//! Everything that depends on the environment goes through an [`Env`] value rather than
//! `std::env`, so tests (and embedders) can describe a home without touching the real one.

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};

/// A snapshot of the environment variables and home directory Scopeon uses.
#[derive(Debug, Clone, Default)]
pub struct Env {
    home: Option<Utf8PathBuf>,
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The current process's environment. `$HOME` is authoritative (docs/roots.md); variables
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

    /// An environment with this home directory and no variables: every agent's default log
    /// location and Scopeon's own directory are inside it, and nothing of the process's
    /// environment leaks in. Add variables with [`Env::with_var`].
    pub fn isolated(home: impl Into<Utf8PathBuf>) -> Env {
        Env {
            home: Some(home.into()),
            vars: BTreeMap::new(),
        }
    }

    /// Sets these variables; returns the environment for chaining.
    pub fn with_vars(mut self, vars: &[(&str, &str)]) -> Env {
        for (k, v) in vars {
            self.vars.insert((*k).to_owned(), (*v).to_owned());
        }
        self
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
    /// expanded, empty entries dropped (docs/roots.md: the variable replaces the defaults).
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

    /// The configuration file path: `~/.scopeon/config.toml` (docs/cli.md).
    pub fn default_config_path(&self) -> Option<Utf8PathBuf> {
        self.scopeon_dir().map(|d| d.join("config.toml"))
    }

    /// The database path: `$SCOPEON_DB`, else `~/.scopeon/scopeon.db` (docs/cli.md).
    pub fn default_db_path(&self) -> Option<Utf8PathBuf> {
        self.var("SCOPEON_DB")
            .map(|p| self.expand_home(p))
            .or_else(|| self.scopeon_dir().map(|d| d.join("scopeon.db")))
    }
}

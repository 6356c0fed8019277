//! What to scan and how: which providers (the registry of those known, and which of them),
//! where their logs are, and the size limits.
//!
//! [`ScanOptions`] is built with [`ScanOptions::new`] (defaults) or
//! [`ScanOptions::from_config`] (the configuration file's choices) and adjusted with its
//! setters, so adding an option never breaks a caller.

use std::collections::{BTreeMap, BTreeSet};

use camino::Utf8PathBuf;

use crate::config::Config;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::provider::{Provider, Providers, RegisterError};
use crate::record::ProviderId;
use crate::tail;

/// The default largest whole document read: 1 GiB.
pub const DEFAULT_MAX_DOCUMENT: u64 = 1 << 30;

/// What to scan and how.
///
/// ```
/// use scopeon_core::record::ProviderId;
/// use scopeon_core::scan::ScanOptions;
///
/// let options = ScanOptions::new()
///     .only([ProviderId::Codex])
///     .roots(ProviderId::Codex, ["/srv/codex"])
///     .max_line(1 << 20);
/// assert!(options.enabled(ProviderId::Codex) && !options.enabled(ProviderId::Aider));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScanOptions {
    /// The providers known: every built-in one, and those added with
    /// [`register`](ScanOptions::register).
    pub registry: Providers,
    /// Only these providers, in this order; every registered provider when `None`. Naming
    /// one that is not registered makes the scan fail.
    pub providers: Option<Vec<ProviderId>>,
    /// Providers never scanned, even when named in `providers` (the configuration's
    /// `enabled = false`).
    pub disabled: BTreeSet<ProviderId>,
    /// Roots per provider replacing its defaults (e.g. from configuration).
    pub roots: BTreeMap<ProviderId, Vec<Utf8PathBuf>>,
    /// Files a provider reads besides those under its roots, as globs (`~/` already
    /// expanded). Each is walked from its directories before the first wildcard, with its own
    /// pattern instead of the provider's; one without wildcards is that one file.
    /// `generic_openai`, which has no default roots, reads only these (the configuration's
    /// `generic_paths`).
    pub globs: BTreeMap<ProviderId, Vec<Utf8PathBuf>>,
    /// Longest line kept; longer lines are skipped and counted.
    pub max_line: usize,
    /// Largest whole document read (a rewritten JSON file, a decompressed `.jsonl.zst`);
    /// larger ones are skipped and counted.
    pub max_document: u64,
    /// Re-read every file that still exists from its start, keeping the records of files that
    /// are gone. Runs in one transaction: an interrupted rebuild changes nothing.
    pub rebuild: bool,
    /// Only these files, when set: each one read if it is a log under one of a selected
    /// provider's directory roots, with no symlink from the root down, and left out otherwise
    /// (see [`files`](ScanOptions::files)). No root is walked, no checkpoint of another file
    /// is touched, and a provider that would need a rebuild reads nothing.
    pub files: Option<Vec<Utf8PathBuf>>,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            registry: Providers::builtin(),
            providers: None,
            disabled: BTreeSet::new(),
            roots: BTreeMap::new(),
            globs: BTreeMap::new(),
            max_line: tail::DEFAULT_MAX_LINE,
            max_document: DEFAULT_MAX_DOCUMENT,
            rebuild: false,
            files: None,
        }
    }
}

impl ScanOptions {
    /// Every built-in provider at its default roots, with the default size limits.
    pub fn new() -> ScanOptions {
        ScanOptions::default()
    }

    /// The options the configuration asks for: its `[scan]` limits, each provider's `roots`
    /// and `enabled`, and `generic_paths` as `generic_openai`'s globs, `~/` expanded in `env`.
    pub fn from_config(config: &Config, env: &Env) -> ScanOptions {
        let mut options = ScanOptions::new();
        if let Some(max) = config.scan.max_line_bytes {
            options.max_line = max;
        }
        if let Some(max) = config.scan.max_document_bytes {
            options.max_document = max;
        }
        if !config.generic_paths.is_empty() {
            options.globs.insert(
                ProviderId::GenericOpenai,
                config
                    .generic_paths
                    .iter()
                    .map(|g| env.expand_home(g))
                    .collect(),
            );
        }
        for (id, p) in &config.providers {
            if !p.enabled {
                options.disabled.insert(*id);
            }
            if let Some(roots) = &p.roots {
                options
                    .roots
                    .insert(*id, roots.iter().map(|r| env.expand_home(r)).collect());
            }
        }
        options
    }

    /// Adds a provider defined outside Scopeon (see [`Providers::register`]).
    pub fn register(
        mut self,
        provider: impl Provider + 'static,
    ) -> std::result::Result<ScanOptions, RegisterError> {
        self.registry.register(provider)?;
        Ok(self)
    }

    /// Uses this registry of providers (e.g. one an application keeps with its own providers
    /// registered) instead of the built-in ones.
    pub fn registry(mut self, registry: Providers) -> ScanOptions {
        self.registry = registry;
        self
    }

    /// Scans only these providers, in this order (still never a disabled one).
    pub fn only(mut self, providers: impl IntoIterator<Item = ProviderId>) -> ScanOptions {
        self.providers = Some(providers.into_iter().collect());
        self
    }

    /// Never scans this provider.
    pub fn disable(mut self, provider: ProviderId) -> ScanOptions {
        self.disabled.insert(provider);
        self
    }

    /// Searches these roots for the provider instead of its defaults.
    pub fn roots<P: Into<Utf8PathBuf>>(
        mut self,
        provider: ProviderId,
        roots: impl IntoIterator<Item = P>,
    ) -> ScanOptions {
        self.roots
            .insert(provider, roots.into_iter().map(Into::into).collect());
        self
    }

    /// Reads the files these globs match for the provider, besides those under its roots
    /// (see [`globs`](ScanOptions::globs)); replaces globs set before.
    pub fn globs<P: Into<Utf8PathBuf>>(
        mut self,
        provider: ProviderId,
        globs: impl IntoIterator<Item = P>,
    ) -> ScanOptions {
        self.globs
            .insert(provider, globs.into_iter().map(Into::into).collect());
        self
    }

    /// Keeps lines up to this many bytes; longer ones are skipped and counted.
    pub fn max_line(mut self, bytes: usize) -> ScanOptions {
        self.max_line = bytes;
        self
    }

    /// Reads whole documents up to this many bytes; larger ones are skipped and counted.
    pub fn max_document(mut self, bytes: u64) -> ScanOptions {
        self.max_document = bytes;
        self
    }

    /// Re-reads every log from its start (see [`rebuild`](ScanOptions::rebuild)).
    pub fn rebuild(mut self, rebuild: bool) -> ScanOptions {
        self.rebuild = rebuild;
        self
    }

    /// Reads only these files instead of walking the roots: a transcript an agent names
    /// (`scopeon statusline`), checkpointed as a full scan would, so the next scan does not
    /// read it again. A file outside the selected providers' roots, below a symlink, or not a
    /// regular file is not read at all (docs/roots.md, "Named files").
    pub fn files<P: Into<Utf8PathBuf>>(
        mut self,
        files: impl IntoIterator<Item = P>,
    ) -> ScanOptions {
        self.files = Some(files.into_iter().map(Into::into).collect());
        self
    }

    /// Whether a scan with these options reads this provider: registered, not disabled, and
    /// named in [`providers`](ScanOptions::providers) when that is set.
    pub fn enabled(&self, provider: ProviderId) -> bool {
        self.registry.get(provider).is_some()
            && !self.disabled.contains(&provider)
            && self
                .providers
                .as_ref()
                .is_none_or(|only| only.contains(&provider))
    }

    /// The providers a scan reads, in order: those named in
    /// [`providers`](ScanOptions::providers) (each once), else every registered one; never a
    /// disabled one.
    pub(super) fn selected(&self) -> Result<Vec<&dyn Provider>> {
        let Some(only) = &self.providers else {
            return Ok(self
                .registry
                .iter()
                .filter(|p| !self.disabled.contains(&p.id()))
                .collect());
        };
        let mut selected: Vec<&dyn Provider> = Vec::new();
        for id in only {
            if self.disabled.contains(id) || selected.iter().any(|p| p.id() == *id) {
                continue;
            }
            let provider = self.registry.get(*id).ok_or_else(|| {
                Error::InvalidQuery(format!(
                    "provider {id} is not registered; add it with ScanOptions::register before scanning it"
                ))
            })?;
            selected.push(provider);
        }
        Ok(selected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_from_the_configuration_file() {
        let env = Env::isolated("/h");
        let c = Config::parse(
            "[scan]\nmax_line_bytes = 100\n[providers.claude_code]\nroots = [\"~/logs\", \"/x\"]\n",
        )
        .unwrap();
        let o = ScanOptions::from_config(&c, &env);
        assert_eq!(o.max_line, 100);
        assert_eq!(o.providers, None);
        assert!(ProviderId::ALL.iter().all(|id| o.enabled(*id)));
        assert_eq!(
            o.roots[&ProviderId::ClaudeCode],
            vec![Utf8PathBuf::from("/h/logs"), Utf8PathBuf::from("/x")]
        );
        let off = Config::parse("[providers.claude_code]\nenabled = false\n").unwrap();
        let off = ScanOptions::from_config(&off, &env);
        assert!(!off.enabled(ProviderId::ClaudeCode));
        assert!(ProviderId::ALL[1..].iter().all(|id| off.enabled(*id)));
        // Naming a disabled provider does not enable it.
        let narrowed = off.only([ProviderId::ClaudeCode, ProviderId::Codex]);
        assert!(!narrowed.enabled(ProviderId::ClaudeCode));
        assert!(narrowed.enabled(ProviderId::Codex) && !narrowed.enabled(ProviderId::Aider));
        let generic = Config::parse(
            "generic_paths = [\"~/logs/**/*.jsonl\"]\n[scan]\nmax_document_bytes = 9\n",
        )
        .unwrap();
        let generic = ScanOptions::from_config(&generic, &env);
        assert_eq!(
            generic.globs[&ProviderId::GenericOpenai],
            vec![Utf8PathBuf::from("/h/logs/**/*.jsonl")]
        );
        assert_eq!(generic.globs.len(), 1);
        assert_eq!(generic.max_document, 9);
    }

    #[test]
    fn setters_set_what_they_name() {
        let o = ScanOptions::new()
            .only([ProviderId::Aider])
            .disable(ProviderId::Cursor)
            .roots(ProviderId::Aider, ["/a"])
            .globs(ProviderId::GenericOpenai, ["/g/*.jsonl"])
            .max_line(7)
            .max_document(8)
            .rebuild(true);
        assert_eq!(o.providers, Some(vec![ProviderId::Aider]));
        assert!(o.disabled.contains(&ProviderId::Cursor));
        assert_eq!(o.roots[&ProviderId::Aider], ["/a"]);
        assert_eq!(o.globs[&ProviderId::GenericOpenai], ["/g/*.jsonl"]);
        assert_eq!((o.max_line, o.max_document, o.rebuild), (7, 8, true));
    }
}

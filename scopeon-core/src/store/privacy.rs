//! How project paths are stored: in full, by their last component, or as a pseudonymous hash
//! (`[privacy] project_paths` in the configuration).
//!
//! The form is applied where records enter the store ([`Store::commit`]), so with `basename`
//! or `hash` no full project path ever reaches the database. The database remembers the form
//! it was last given, so every front-end writing to it (the CLI, the C ABI, an embedding
//! program that never read the configuration) keeps to it.

use std::borrow::Cow;

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::{Store, ingest};
use crate::error::{Error, Result};

/// The `meta` key holding the form stored projects were last written in.
const META_KEY: &str = "project_paths";

/// The prefix of a hashed project.
const HASH_PREFIX: &str = "hash:";

/// How a record's project (the agent's working directory) is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectPaths {
    /// The path as the agent logged it (`/home/dev/acme`).
    #[default]
    Full,
    /// Its last component only (`acme`): readable, but projects with the same directory name
    /// in different places become one.
    Basename,
    /// `hash:` and 16 hex digits of the 64-bit FNV-1a hash of the full path. Pseudonymous, not
    /// secret: each project keeps its own stable name, but anyone who can guess a path can
    /// compute its hash and recognise it.
    Hash,
}

impl ProjectPaths {
    /// Every form, in documentation order.
    pub const ALL: &'static [ProjectPaths] = &[
        ProjectPaths::Full,
        ProjectPaths::Basename,
        ProjectPaths::Hash,
    ];

    /// The form's name in the configuration and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectPaths::Full => "full",
            ProjectPaths::Basename => "basename",
            ProjectPaths::Hash => "hash",
        }
    }

    /// Parses a form's name.
    pub fn parse(s: &str) -> Option<ProjectPaths> {
        ProjectPaths::ALL.iter().copied().find(|m| m.as_str() == s)
    }

    /// A project as this form stores it.
    ///
    /// Applying a form twice changes nothing, and a value already reduced by another form is
    /// never expanded: a basename has no separator left to cut, and a hash is never hashed
    /// again. That is what lets stored projects be converted whatever form wrote them.
    pub fn apply(self, project: &str) -> Cow<'_, str> {
        match self {
            ProjectPaths::Full => Cow::Borrowed(project),
            ProjectPaths::Basename => Cow::Borrowed(basename(project)),
            ProjectPaths::Hash if project.starts_with(HASH_PREFIX) => Cow::Borrowed(project),
            ProjectPaths::Hash => Cow::Owned(format!(
                "{HASH_PREFIX}{:016x}",
                crate::hash::fnv1a64(project.as_bytes())
            )),
        }
    }
}

impl ProjectPaths {
    /// Projects as a user names them (as reports show them, or by full path), each followed
    /// by its stored form when that differs: the values a project filter matches.
    pub(super) fn with_stored_forms(self, projects: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(projects.len() * 2);
        for p in projects {
            for v in std::iter::once(p.clone()).chain(self.reduce(p)) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }

    /// The stored form of a project when it differs from the value given.
    pub(super) fn reduce(self, project: &str) -> Option<String> {
        match self.apply(project) {
            Cow::Borrowed(same) if same.len() == project.len() => None,
            reduced => Some(reduced.into_owned()),
        }
    }
}

/// The form the database says projects are written in (`full` when it says none).
pub(super) fn current(conn: &rusqlite::Connection) -> rusqlite::Result<ProjectPaths> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = 'project_paths'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(value.map_or(ProjectPaths::Full, |v| parse_stored(&v)))
}

/// A stored form's name. An unknown one (written by a newer Scopeon) is read as the most
/// private form rather than letting full paths in.
fn parse_stored(value: &str) -> ProjectPaths {
    ProjectPaths::parse(value).unwrap_or(ProjectPaths::Hash)
}

impl std::fmt::Display for ProjectPaths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The last component of a path, with `/` or `\` as separators (agents on Windows log
/// `C:\Users\…`); the path itself when it has no component (`/`).
fn basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches(['/', '\\']);
    match trimmed.rsplit(['/', '\\']).next() {
        Some(last) if !last.is_empty() => last,
        _ => path,
    }
}

impl Store {
    /// The form projects are stored in (the one this database was last given; `full` for a
    /// database that was never given one).
    pub fn project_paths(&self) -> ProjectPaths {
        self.project_paths
    }

    /// Sets the form projects are stored in, and remembers it in the database.
    ///
    /// Changing to `basename` or `hash` also rewrites the projects already stored (and drops
    /// cached report results, which may name them), so afterwards no full path is left in the
    /// records. Changing back to `full` cannot restore what was reduced: new records have
    /// full paths, and `scan --rebuild` re-reads the logs that still exist. Returns how many
    /// stored records were rewritten.
    pub fn set_project_paths(&mut self, mode: ProjectPaths) -> Result<u64> {
        if mode == self.project_paths && self.stored_project_paths()? == Some(mode) {
            return Ok(0);
        }
        let path = self.path.clone();
        let err = |source| Error::Db {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        // Overwrite what is deleted, so rewritten paths do not linger in free pages.
        tx.pragma_update(None, "secure_delete", true).map_err(err)?;
        let mut rewritten = 0u64;
        if mode != ProjectPaths::Full {
            let projects: Vec<String> = tx
                .prepare("SELECT DISTINCT project FROM records WHERE project IS NOT NULL")
                .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
                .map_err(err)?;
            let mut update = tx
                .prepare("UPDATE records SET project = ?2 WHERE project = ?1")
                .map_err(err)?;
            for old in &projects {
                let new = mode.apply(old);
                if new != old.as_str() {
                    rewritten += update.execute((old, new.as_ref())).map_err(err)? as u64;
                }
            }
            drop(update);
            if rewritten > 0 {
                tx.execute("DELETE FROM report_cache", []).map_err(err)?;
                ingest::bump_generation(&tx).map_err(err)?;
            }
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (META_KEY, mode.as_str()),
        )
        .map_err(err)?;
        tx.pragma_update(None, "secure_delete", false)
            .map_err(err)?;
        tx.commit().map_err(err)?;
        self.project_paths = mode;
        if rewritten > 0 {
            self.scrub_wal();
        }
        Ok(rewritten)
    }

    /// The form recorded in the database, if any.
    pub(super) fn stored_project_paths(&self) -> Result<Option<ProjectPaths>> {
        let value: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [META_KEY], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.db_err(e))?;
        Ok(value.as_deref().map(parse_stored))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_idempotent_and_never_expand() {
        let b = ProjectPaths::Basename;
        let h = ProjectPaths::Hash;
        assert_eq!(b.apply("/home/dev/acme"), "acme");
        assert_eq!(b.apply("/home/dev/acme/"), "acme");
        assert_eq!(b.apply(r"C:\Users\sam\widget"), "widget");
        assert_eq!(b.apply("/"), "/");
        assert_eq!(b.apply("acme"), "acme");
        let hashed = h.apply("/home/dev/acme").into_owned();
        assert_eq!(
            hashed,
            format!("hash:{:016x}", crate::hash::fnv1a64(b"/home/dev/acme"))
        );
        assert_eq!(hashed.len(), "hash:".len() + 16);
        assert_eq!(h.apply(&hashed), hashed);
        assert_eq!(b.apply(&hashed), hashed);
        assert_ne!(h.apply("/home/dev/acme"), h.apply("/home/dev/acme2"));
        assert_eq!(ProjectPaths::Full.apply("/x/y"), "/x/y");
        for m in ProjectPaths::ALL {
            assert_eq!(ProjectPaths::parse(m.as_str()), Some(*m));
        }
    }
}

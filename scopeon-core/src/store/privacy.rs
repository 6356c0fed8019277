//! How project paths are stored: in full, by their last component, or as a pseudonymous hash
//! (`[privacy] project_paths` in the configuration).
//!
//! The form is applied where records enter the store ([`Store::commit`]), so with `basename`
//! or `hash` no full project path ever reaches the database; log paths, which often name the
//! project, are then stored keyed (`log_paths`, docs/storage.md "Log paths"). The database remembers the form
//! it was last given, so every front-end writing to it (the CLI, the C ABI, an embedding
//! program that never read the configuration) keeps to it.

use std::borrow::Cow;

use rusqlite::OptionalExtension;

use super::{Store, ingest, log_paths};
use crate::error::{Error, Result};
pub use crate::privacy::ProjectPaths;

/// The `meta` key holding the form stored projects were last written in.
const META_KEY: &str = "project_paths";

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

impl Store {
    /// The form projects are stored in (the one this database was last given; `full` for a
    /// database that was never given one).
    pub fn project_paths(&self) -> ProjectPaths {
        self.project_paths
    }

    /// Sets the form projects are stored in, and remembers it in the database.
    ///
    /// Changing to `basename` or `hash` also rewrites the projects already stored (and drops
    /// cached report results, which may name them) and the log paths of the checkpoints
    /// (keyed, docs/storage.md "Log paths"), so afterwards no full path is left in the
    /// database. Changing back to `full` cannot restore what was reduced: new records have
    /// full paths, and `scan --rebuild` re-reads the logs that still exist. Returns how many
    /// stored records were rewritten.
    pub fn set_project_paths(&mut self, mode: ProjectPaths) -> Result<u64> {
        if mode == self.project_paths && self.stored_project_paths()? == Some(mode) {
            return Ok(0);
        }
        let path = self.path.clone();
        let err = |source| Error::db(path.clone(), source);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        // Overwrite what is deleted, so rewritten paths do not linger in free pages.
        tx.pragma_update(None, "secure_delete", true).map_err(err)?;
        let mut rewritten = 0u64;
        let mut scrub = false;
        if mode != ProjectPaths::Full {
            let renamed;
            (rewritten, renamed) = reduce_project_names(&tx, mode).map_err(err)?;
            // Project ids were renamed, merged or deleted.
            self.names = None;
            // A full path renamed in the dictionary, even one no record uses, is scrubbed
            // from the write-ahead log too.
            scrub |= renamed;
            if rewritten > 0 {
                tx.execute("DELETE FROM report_cache", []).map_err(err)?;
                ingest::bump_generation(&tx).map_err(err)?;
            }
            // Log paths name projects too (docs/storage.md, "Log paths").
            if log_paths::reduce_stored(&tx, self.content_key).map_err(err)? > 0 {
                scrub = true;
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
        if rewritten > 0 || scrub {
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

/// Rewrites every stored project name in the form `mode` gives: the project dictionary's
/// names, not the records, which hold ids. A name whose reduced form is already stored merges
/// into it (its records take that id). Returns how many records' project changed, and whether
/// any name did.
fn reduce_project_names(
    tx: &rusqlite::Connection,
    mode: ProjectPaths,
) -> rusqlite::Result<(u64, bool)> {
    let uses: std::collections::HashMap<i64, u64> = tx
        .prepare(
            "SELECT project, count(*) FROM records WHERE project IS NOT NULL GROUP BY project",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))?
        .collect::<rusqlite::Result<_>>()?;
    let projects: Vec<(i64, String)> = tx
        .prepare("SELECT id, name FROM projects")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rewritten = 0u64;
    let mut renamed = false;
    for (id, old) in &projects {
        let new = mode.apply(old);
        if new == old.as_str() {
            continue;
        }
        renamed = true;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM projects WHERE name = ?1",
                [new.as_ref()],
                |r| r.get(0),
            )
            .optional()?;
        match existing {
            Some(into) => {
                tx.execute(
                    "UPDATE records SET project = ?2 WHERE project = ?1",
                    (id, into),
                )?;
                tx.execute("DELETE FROM projects WHERE id = ?1", [id])?;
            }
            None => {
                tx.execute(
                    "UPDATE projects SET name = ?2 WHERE id = ?1",
                    (id, new.as_ref()),
                )?;
            }
        }
        rewritten += uses.get(id).copied().unwrap_or(0);
    }
    Ok((rewritten, renamed))
}

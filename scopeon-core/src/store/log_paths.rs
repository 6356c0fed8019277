//! How log file paths are stored in checkpoints (`sources.path`): as they are under
//! `[privacy] project_paths = "full"`, keyed under `basename` and `hash` (docs/storage.md,
//! "Log paths").
//!
//! A log's path names its project more often than not (Claude Code's
//! `~/.claude/projects/-home-dev-acme/`, a Codex or Gemini root inside a repository), so with a
//! reduced project form the path is stored as `keyed:` followed by one 16-hex-digit value per
//! component. Each value is [`ContentKey::chain_path`] of the component and the value before
//! it: it names the whole path up to there, under the database's secret, so nobody without
//! the secret can check a guessed path against it, and a root's form is a prefix of the form
//! of every file below it. That prefix is what lets a scan tell which stored checkpoints
//! belong to a root it walked and are gone.
//!
//! The scan knows each file's real path from its walk and looks its checkpoint up by the
//! stored form ([`Store::resolve_checkpoints`]); a checkpoint that no walked file resolves
//! to is known by its stored form only, and never opened. When the form changes, the stored
//! paths follow: to keyed at once for every row ([`reduce_stored`]), back to full one row at a
//! time as the walk finds the file again (a keyed path cannot be turned back).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use camino::{Utf8Path, Utf8PathBuf};
use rusqlite::{Connection, TransactionBehavior, params};

use super::{ProjectPaths, Store, row_to_checkpoint};
use crate::error::Result;
use crate::hash::ContentKey;
use crate::record::ProviderId;
use crate::tail::Checkpoint;

/// What starts a keyed path (a path component no agent writes).
const KEYED_PREFIX: &str = "keyed:";

/// The form log paths are written in: the real path, or its keyed form.
#[derive(Clone, Copy)]
pub(crate) struct LogPaths {
    keyed: bool,
    key: ContentKey,
}

impl LogPaths {
    /// The form that goes with a project form: keyed unless projects are stored in full.
    pub(crate) fn new(mode: ProjectPaths, key: ContentKey) -> LogPaths {
        LogPaths {
            keyed: mode != ProjectPaths::Full,
            key,
        }
    }

    /// A path as this form stores it. A path already keyed stays as it is.
    pub(crate) fn stored<'p>(&self, path: &'p str) -> Cow<'p, str> {
        if self.keyed && !is_keyed(path) {
            Cow::Owned(self.keyed(path))
        } else {
            Cow::Borrowed(path)
        }
    }

    /// The keyed form of a path, whatever the form in use: `keyed:` and, per component
    /// (normalised as [`Utf8Path::components`] does: no empty or `.` components), `/` and 16
    /// hex digits.
    pub(crate) fn keyed(&self, path: &str) -> String {
        let mut out = String::with_capacity(KEYED_PREFIX.len() + 17 * 12);
        out.push_str(KEYED_PREFIX);
        let mut chain = 0u64;
        for c in Utf8Path::new(path).components() {
            chain = self.key.chain_path(chain, c.as_str().as_bytes());
            let _ = write!(out, "/{chain:016x}");
        }
        out
    }

    /// The forms a stored checkpoint of `path` may have: the one in use first, then the
    /// other (a row written before the form changed and not yet rewritten).
    fn candidates(&self, path: &str) -> [String; 2] {
        let keyed = self.keyed(path);
        if self.keyed {
            [keyed, path.to_owned()]
        } else {
            [path.to_owned(), keyed]
        }
    }
}

/// Whether a stored path is in the keyed form.
pub(crate) fn is_keyed(stored: &str) -> bool {
    stored.starts_with(KEYED_PREFIX)
}

/// Whether a stored path (in either form) is below a root, given by its real path.
pub(crate) fn is_below(stored: &str, root: &Utf8Path, form: &LogPaths) -> bool {
    if is_keyed(stored) {
        Utf8Path::new(stored).starts_with(form.keyed(root.as_str()))
    } else {
        Utf8Path::new(stored).starts_with(root)
    }
}

/// Rewrites every stored log path that is not keyed into its keyed form (one statement per
/// row, inside the caller's transaction, which should have `secure_delete` on so the old
/// paths are overwritten). Returns how many were rewritten. A keyed row that already exists
/// for the same file (written by another process meanwhile) wins; the full one goes.
///
/// Parser states may hold a project too (Codex and Copilot CLI keep the session's `cwd`),
/// written in full before the form was reduced. The store cannot reduce inside a provider's
/// state, so it drops every state that holds a path separator (`/`, or `\` escaped in JSON):
/// such a file is read again from its start when it next changes, which yields exactly what
/// one pass yields (docs/storage.md, "Checkpoints and file identity"), now with the project
/// in its reduced form. A state written under a reduced form holds no separator of a project.
pub(super) fn reduce_stored(conn: &Connection, key: ContentKey) -> rusqlite::Result<u64> {
    conn.execute(
        "UPDATE sources SET parser_state = x''
         WHERE instr(parser_state, x'2f') > 0 OR instr(parser_state, x'5c') > 0",
        [],
    )?;
    let form = LogPaths::new(ProjectPaths::Hash, key);
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT provider, path FROM sources WHERE path NOT GLOB 'keyed:*'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (provider, path) in &rows {
        rename(conn, provider, path, &form.keyed(path))?;
    }
    Ok(rows.len() as u64)
}

/// Gives a stored checkpoint another path; when a row already has that path, it stays and
/// this one goes.
fn rename(conn: &Connection, provider: &str, from: &str, to: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE OR IGNORE sources SET path = ?3 WHERE provider = ?1 AND path = ?2",
    )?
    .execute(params![provider, from, to])?;
    conn.prepare_cached("DELETE FROM sources WHERE provider = ?1 AND path = ?2")?
        .execute(params![provider, from])?;
    Ok(())
}

/// A provider's stored checkpoints, split by whether a file of the current walk resolves to
/// them.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    /// Checkpoints of walked files, by the file's real path.
    pub walked: HashMap<Utf8PathBuf, Checkpoint>,
    /// The others, by their stored path (real or keyed): files that are gone, or under a root
    /// not walked now.
    pub unwalked: Vec<(String, Checkpoint)>,
}

impl Store {
    /// The form log paths are written in now.
    pub(crate) fn log_paths(&self) -> LogPaths {
        LogPaths::new(self.project_paths, self.content_key)
    }

    /// A provider's checkpoints, matched to the files of the current walk: each walked path
    /// finds its checkpoint stored in the form in use, or else in the other one (a row written
    /// before the form changed), which is then rewritten in the form in use. So after a
    /// switch back to full paths, the rows of files still there get their real paths back.
    pub(crate) fn resolve_checkpoints(
        &mut self,
        provider: ProviderId,
        walked: &[&Utf8Path],
    ) -> Result<Resolved> {
        let mut stored = self.checkpoints_by_stored_path(provider)?;
        let form = self.log_paths();
        let any_other_form = stored.keys().any(|p| is_keyed(p) != form.keyed);
        let mut resolved = Resolved::default();
        let mut renames: Vec<(String, String)> = Vec::new();
        for path in walked {
            let real = path.as_str();
            let found = if any_other_form {
                let [first, second] = form.candidates(real);
                match stored.remove(&first) {
                    Some(cp) => {
                        // Both forms stored: the one in use is the newer; the other goes.
                        if stored.remove(&second).is_some() {
                            renames.push((second, first));
                        }
                        Some(cp)
                    }
                    None => stored.remove(&second).inspect(|_| {
                        renames.push((second, first));
                    }),
                }
            } else {
                stored.remove(form.stored(real).as_ref())
            };
            if let Some(cp) = found {
                resolved.walked.insert(path.to_path_buf(), cp);
            }
        }
        resolved.unwalked = stored.into_iter().collect();
        if !renames.is_empty() {
            self.rename_sources(provider, &renames)?;
        }
        Ok(resolved)
    }

    /// Every checkpoint of a provider, by its path as stored.
    fn checkpoints_by_stored_path(
        &self,
        provider: ProviderId,
    ) -> Result<HashMap<String, Checkpoint>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT dev, ino, head_hash, offset, tail_hash, size, mtime_ns, parser_state, parser_version, path
                 FROM sources WHERE provider = ?1",
            )
            .map_err(|e| self.db_err(e))?;
        st.query_map([provider.as_str()], |r| {
            Ok((r.get::<_, String>(9)?, row_to_checkpoint(r)?))
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.db_err(e))
    }

    /// Renames stored checkpoints (`from`, `to`) in one transaction, overwriting the old
    /// paths' bytes.
    fn rename_sources(&mut self, provider: ProviderId, renames: &[(String, String)]) -> Result<()> {
        let path = self.path.clone();
        let err = |source| crate::error::Error::db(path.clone(), source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.pragma_update(None, "secure_delete", true).map_err(err)?;
        for (from, to) in renames {
            rename(&tx, provider.as_str(), from, to).map_err(err)?;
        }
        tx.pragma_update(None, "secure_delete", false)
            .map_err(err)?;
        tx.commit().map_err(err)?;
        self.scrub_wal();
        Ok(())
    }

    /// Brings every stored log path into the keyed form when projects are reduced (a
    /// database whose form was set before log paths were keyed, or rows another process
    /// wrote in full meanwhile). Nothing to do, and nothing written, otherwise.
    pub(crate) fn settle_log_paths(&mut self) -> Result<()> {
        if self.project_paths == ProjectPaths::Full {
            return Ok(());
        }
        let any_full: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sources WHERE path NOT GLOB 'keyed:*')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.db_err(e))?;
        if !any_full {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |source| crate::error::Error::db(path.clone(), source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.pragma_update(None, "secure_delete", true).map_err(err)?;
        // Read again under the write lock: another process may have switched back to full.
        if super::privacy::current(&tx).map_err(err)? != ProjectPaths::Full {
            reduce_stored(&tx, self.content_key).map_err(err)?;
        }
        tx.pragma_update(None, "secure_delete", false)
            .map_err(err)?;
        tx.commit().map_err(err)?;
        self.scrub_wal();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: ContentKey = ContentKey::from_bytes([7; 16]);

    #[test]
    fn keyed_paths_keep_prefixes_and_hide_names() {
        let form = LogPaths::new(ProjectPaths::Hash, KEY);
        let root = "/home/dev/.claude";
        let file = "/home/dev/.claude/projects/-home-dev-secret/a.jsonl";
        let k = form.keyed(file);
        assert!(
            is_keyed(&k) && !k.contains("secret") && !k.contains("home"),
            "{k}"
        );
        assert_eq!(k.matches('/').count(), 7, "{k}");
        assert!(is_below(&k, Utf8Path::new(root), &form));
        assert!(is_below(&k, Utf8Path::new("/home/dev/.claude/"), &form));
        assert!(!is_below(&k, Utf8Path::new("/home/dev/.codex"), &form));
        assert!(!is_below(&k, Utf8Path::new("/home/dev/.cl"), &form));
        // The same name elsewhere gets another value; another key another form.
        let other = form.keyed("/home/ops/.claude/projects/-home-dev-secret/a.jsonl");
        assert_ne!(k.rsplit('/').next(), other.rsplit('/').next());
        let other_key = LogPaths::new(ProjectPaths::Hash, ContentKey::from_bytes([8; 16]));
        assert_ne!(other_key.keyed(file), k);
        // Idempotent, and the full form leaves paths alone.
        assert_eq!(form.stored(&k), k);
        assert_eq!(form.stored(file), k);
        assert_eq!(LogPaths::new(ProjectPaths::Full, KEY).stored(file), file);
        assert!(is_below(file, Utf8Path::new(root), &form));
    }

    /// A Codex-like checkpoint whose state holds a project path.
    fn source(path: &str, ino: u64, state: &str) -> crate::store::SourceUpdate {
        crate::store::SourceUpdate {
            provider: ProviderId::Codex,
            path: path.into(),
            checkpoint: Checkpoint {
                dev: 1,
                ino,
                head_hash: Some(7),
                offset: 10,
                tail_hash: 0,
                size: Some(10),
                mtime_ns: 0,
                parser_state: state.as_bytes().to_vec(),
                parser_version: 1,
                skipped_over_cap: None,
            },
            restarted: true,
            records: 0,
            skips: Default::default(),
            content_replaced: false,
        }
    }

    fn stored_rows(store: &Store) -> Vec<(String, Vec<u8>)> {
        store
            .conn
            .prepare("SELECT path, parser_state FROM sources ORDER BY ino")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn switching_forms_rewrites_paths_and_finds_every_checkpoint_again() {
        let a = "/home/dev/.codex/sessions/a.jsonl";
        let b = "/home/dev/.codex/sessions/b.jsonl";
        let gone = "/home/dev/.codex/sessions/gone.jsonl";
        let mut store = Store::open_in_memory().unwrap();
        let batch = |sources| crate::store::Batch {
            sources,
            ..Default::default()
        };
        store
            .commit(&batch(vec![
                source(a, 1, r#"{"c":"/home/dev/acme"}"#),
                source(gone, 2, r#"{"t":"x"}"#),
            ]))
            .unwrap();
        store.set_project_paths(ProjectPaths::Hash).unwrap();
        let form = store.log_paths();
        // Every path keyed; a state holding a path dropped, the others kept.
        assert_eq!(
            stored_rows(&store),
            [
                (form.keyed(a), Vec::new()),
                (form.keyed(gone), br#"{"t":"x"}"#.to_vec())
            ]
        );
        // New checkpoints are written keyed, and found by their real paths.
        store
            .commit(&batch(vec![source(
                b,
                3,
                r#"{"c":"hash:0123456789abcdef"}"#,
            )]))
            .unwrap();
        assert_eq!(stored_rows(&store)[2].0, form.keyed(b));
        for (path, ino) in [(a, 1), (b, 3)] {
            let cp = store.checkpoint(ProviderId::Codex, Utf8Path::new(path));
            assert_eq!(cp.unwrap().map(|cp| cp.ino), Some(ino), "{path}");
        }
        let walked = [Utf8Path::new(a), Utf8Path::new(b)];
        let r = store
            .resolve_checkpoints(ProviderId::Codex, &walked)
            .unwrap();
        assert_eq!(r.walked.len(), 2);
        assert_eq!(r.unwalked.len(), 1);
        assert_eq!(r.unwalked[0].0, form.keyed(gone));
        let root = Utf8Path::new("/home/dev/.codex");
        assert!(is_below(&r.unwalked[0].0, root, &form));
        // Back to full: rows stay keyed until a walk finds their files.
        store.set_project_paths(ProjectPaths::Full).unwrap();
        let cp = store
            .checkpoint(ProviderId::Codex, Utf8Path::new(a))
            .unwrap();
        assert_eq!(cp.map(|cp| cp.ino), Some(1));
        let r = store
            .resolve_checkpoints(ProviderId::Codex, &walked[..1])
            .unwrap();
        assert_eq!(r.walked.keys().collect::<Vec<_>>(), [&Utf8PathBuf::from(a)]);
        assert_eq!(r.unwalked.len(), 2);
        assert!(r.unwalked.iter().all(|(p, _)| is_below(p, root, &form)));
        let paths: Vec<String> = stored_rows(&store).into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, [a.to_owned(), form.keyed(gone), form.keyed(b)]);
        // A database left with full paths under a reduced form is keyed by the next scan.
        store
            .conn
            .execute(
                "UPDATE meta SET value = 'basename' WHERE key = 'project_paths'",
                [],
            )
            .unwrap();
        store.project_paths = ProjectPaths::Basename;
        store.settle_log_paths().unwrap();
        assert!(stored_rows(&store).iter().all(|(p, _)| is_keyed(p)));
    }
}

//! Finding log files: each provider's roots and patterns, walked without following a symlink
//! below a root, each file (device, inode) once, with the stat a checkpoint is compared to.

use std::collections::HashSet;

use camino::{Utf8Path, Utf8PathBuf};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;

use super::{RootStatus, ScanOptions};
use crate::env::Env;
use crate::provider::{Provider, SourceKind};
use crate::record::ProviderId;
use crate::tail::FileStat;

/// Deepest directory level walked below a root.
const MAX_DEPTH: usize = 32;

/// Why a root that is there is not searched (see [`RootStatus::note`]).
fn root_note(kind: &std::io::Result<std::fs::FileType>) -> Option<&'static str> {
    match kind {
        Ok(t) if !t.is_dir() && !t.is_file() => {
            Some("neither a directory nor a regular file (a FIFO, socket or device)")
        }
        _ => None,
    }
}

/// A log file found under a root.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub(super) path: Utf8PathBuf,
    /// The root it was found under (its directory, when the root is the file).
    pub(super) root: Utf8PathBuf,
    pub(super) relative: Utf8PathBuf,
    /// `path` with the root resolved to where it really is: a path with no symlink in it,
    /// which SQLite's no-follow open requires of every component (docs/roots.md). What is below
    /// the root was walked without following a symlink, so only the root differs.
    pub(super) real_path: Utf8PathBuf,
    pub(super) stat: FileStat,
}

/// The log files of a provider found on disk now, without reading them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Discovery {
    /// The roots searched, and whether each exists.
    pub roots: Vec<RootStatus>,
    /// Log files found.
    pub files: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Finds a provider's log files the way a scan would (its configured roots, else its
/// defaults, and its globs), for front-ends that show what Scopeon sees before anything is
/// read. A provider not in the options' registry has no roots and no files.
pub(crate) fn discover_logs(provider: ProviderId, env: &Env, options: &ScanOptions) -> Discovery {
    let Some(p) = options.registry.get(provider) else {
        return Discovery {
            roots: Vec::new(),
            files: 0,
            bytes: 0,
        };
    };
    let (roots, files) = discover(p, &searches(p, env, options));
    Discovery {
        roots,
        files: files.len() as u64,
        bytes: files.iter().map(|f| f.stat.size).sum(),
    }
}

/// One place to look for a provider's logs: a root and the patterns, relative to it, of the
/// files that are logs. A root that is a file (Aider's `AIDER_ANALYTICS_LOG`, a glob without
/// wildcards) is that one log.
#[derive(Debug, Clone)]
pub(super) struct Search {
    root: Utf8PathBuf,
    patterns: Vec<String>,
    /// Set for a configuration file the provider refused to read: shown as a root not
    /// searched, with why (see [`Provider::refused_settings`]).
    refused: Option<&'static str>,
}

impl Search {
    /// The directory (or file) searched.
    pub(super) fn root(&self) -> &Utf8Path {
        &self.root
    }
}

/// Where a provider's logs are looked for: its configured roots, else its defaults, with its
/// patterns; then each of its globs, split at its first wildcard into a root and a pattern.
pub(super) fn searches(provider: &dyn Provider, env: &Env, options: &ScanOptions) -> Vec<Search> {
    let patterns: Vec<String> = provider
        .file_patterns()
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    let refused = match options.roots.get(&provider.id()) {
        Some(_) => Vec::new(),
        None => provider.refused_settings(env),
    };
    let roots = options
        .roots
        .get(&provider.id())
        .cloned()
        .unwrap_or_else(|| provider.default_roots(env));
    let globs = options.globs.get(&provider.id()).into_iter().flatten();
    roots
        .into_iter()
        .map(|root| Search {
            root,
            patterns: patterns.clone(),
            refused: None,
        })
        .chain(globs.map(|glob| glob_search(glob)))
        .chain(refused.into_iter().map(|(root, why)| Search {
            root,
            patterns: Vec::new(),
            refused: Some(why),
        }))
        .collect()
}

/// A glob as a search: its directories before the first wildcard are the root, the rest is
/// the one pattern; a glob without wildcards is a file root.
fn glob_search(glob: &Utf8Path) -> Search {
    let root = literal_prefix(glob.as_str());
    let pattern = glob
        .strip_prefix(&root)
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    if pattern.contains(['*', '?', '[', '{']) {
        Search {
            root,
            patterns: vec![pattern],
            refused: None,
        }
    } else {
        Search {
            root: glob.to_owned(),
            patterns: Vec::new(),
            refused: None,
        }
    }
}

/// Walks a provider's roots and returns the log files, each (device, inode) once.
pub(super) fn discover(
    provider: &dyn Provider,
    searches: &[Search],
) -> (Vec<RootStatus>, Vec<Found>) {
    let mut status = Vec::new();
    let mut found = Vec::new();
    let mut seen_inodes = HashSet::new();
    for search in searches {
        if let Some(why) = search.refused {
            status.push(RootStatus {
                path: search.root.clone(),
                exists: false,
                note: Some(why),
            });
            continue;
        }
        // A root itself may be a symlink (`~/.claude` on another disk is the user's choice);
        // nothing below it is followed.
        let kind = std::fs::metadata(&search.root).map(|m| m.file_type());
        let is_dir = kind.as_ref().is_ok_and(|t| t.is_dir());
        let is_file = kind.as_ref().is_ok_and(|t| t.is_file());
        status.push(RootStatus {
            path: search.root.clone(),
            exists: is_dir || is_file,
            note: root_note(&kind),
        });
        // Where the root really is: a symlinked root, or one below a symlinked directory (a
        // `~/.config` linked into a dotfiles checkout), is the user's choice, but SQLite's
        // no-follow open refuses a symlink in any component of a database's path. A file root
        // is opened without following symlinks, so by its real path too.
        let real_root = match search.root.canonicalize_utf8() {
            Ok(real) => real,
            Err(_) if is_file => continue,
            Err(_) => search.root.clone(),
        };
        // Paths as configured, except a file root's.
        let root = if is_file {
            real_root.clone()
        } else {
            search.root.clone()
        };
        let root = &root;
        // What the files found are relative to, really: a file root's directory.
        let real_dir = if is_file {
            real_root.parent().unwrap_or(&real_root)
        } else {
            &real_root
        };
        let mut keep = |root: &Utf8Path, relative: &Utf8Path, stat: &FileStat| {
            // Two paths to one file (a hard link) are read once. Without Unix inodes
            // (dev and ino are 0 there) paths are the only identity.
            if provider.excludes(relative)
                || (cfg!(unix) && !seen_inodes.insert((stat.dev, stat.ino)))
            {
                return;
            }
            let path = root.join(relative);
            let real_path = real_dir.join(relative);
            // An immutable open never reads the write-ahead log, so its changes are not the
            // database's.
            let stat = match provider.source_kind(relative) {
                SourceKind::Database if !provider.database_immutable() => {
                    database_stat(&real_path, *stat)
                }
                _ => *stat,
            };
            found.push(Found {
                path,
                root: root.to_owned(),
                relative: relative.to_owned(),
                real_path,
                stat,
            });
        };
        if is_file {
            if let (Some(parent), Some(name)) = (root.parent(), root.file_name())
                && let Ok(stat) = FileStat::of_path(root)
                && stat.is_regular
            {
                keep(parent, Utf8Path::new(name), &stat);
            }
            continue;
        }
        if !is_dir {
            continue;
        }
        let globs = glob_set(&search.patterns);
        for (start, depth) in walk_plan(&search.patterns) {
            walk(real_dir, &start, 0, depth, &mut |relative, stat| {
                if globs.is_match(relative.as_std_path()) {
                    keep(root, relative, stat);
                }
            });
        }
    }
    // Databases last: where one holds a copy of what a file holds (OpenCode migrates its JSON
    // messages into its database), the database's copy is written last and wins.
    found.sort_by_cached_key(|f| {
        (
            provider.source_kind(&f.relative) == SourceKind::Database,
            f.path.clone(),
        )
    });
    found.dedup_by(|a, b| a.path == b.path);
    (status, found)
}

/// The named files that are this provider's logs, found without walking or opening anything
/// (`scopeon statusline` reads one transcript this way; docs/roots.md, "Named files").
///
/// A file is kept only when it lies under one of the provider's directory roots (as
/// configured, or that root resolved to where it really is), every component from the root
/// down is a real directory (not a symlink) and the last one a regular file (not a symlink,
/// FIFO, socket or device: `lstat` only, so a FIFO is never opened), and the provider's
/// patterns match it. Paths with `.` or `..` components are refused. Anything else is left out.
pub(super) fn pick(
    provider: &dyn Provider,
    searches: &[Search],
    wanted: &[Utf8PathBuf],
) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    for file in wanted {
        let plain = file.is_absolute()
            && file.components().all(|c| {
                matches!(
                    c,
                    camino::Utf8Component::RootDir | camino::Utf8Component::Normal(_)
                )
            });
        if !plain {
            continue;
        }
        if let Some(f) = searches.iter().find_map(|s| pick_under(provider, s, file))
            && !found.iter().any(|k| k.path == f.path)
        {
            found.push(f);
        }
    }
    found
}

/// `file` as a log of `search`'s directory root, when it is one (see [`pick`]).
fn pick_under(provider: &dyn Provider, search: &Search, file: &Utf8Path) -> Option<Found> {
    if search.patterns.is_empty() {
        return None; // A file root (Aider's log) is read by a full scan only.
    }
    let real_root = search.root.canonicalize_utf8().ok()?;
    if !std::fs::metadata(&real_root).ok()?.is_dir() {
        return None;
    }
    let relative = file
        .strip_prefix(&search.root)
        .or_else(|_| file.strip_prefix(&real_root))
        .ok()?;
    if relative.as_str().is_empty()
        || provider.excludes(relative)
        || !glob_set(&search.patterns).is_match(relative.as_std_path())
    {
        return None;
    }
    let parts: Vec<&str> = relative.iter().collect();
    let mut real_path = real_root.clone();
    for (i, part) in parts.iter().enumerate() {
        real_path.push(part);
        let kind = std::fs::symlink_metadata(&real_path).ok()?.file_type();
        let last = i + 1 == parts.len();
        if (last && !kind.is_file()) || (!last && !kind.is_dir()) {
            return None;
        }
    }
    let stat = FileStat::of_path(&real_path)
        .ok()
        .filter(|s| s.is_regular)?;
    let stat = match provider.source_kind(relative) {
        SourceKind::Database if !provider.database_immutable() => database_stat(&real_path, stat),
        _ => stat,
    };
    Some(Found {
        path: search.root.join(relative),
        root: search.root.clone(),
        relative: relative.to_owned(),
        real_path,
        stat,
    })
}

/// A database's identity for "unchanged": the main file's, with the size and time of its
/// write-ahead log folded in, since new rows live there until a checkpoint.
fn database_stat(path: &Utf8Path, stat: FileStat) -> FileStat {
    let wal = Utf8PathBuf::from(format!("{path}-wal"));
    match FileStat::of_path(&wal) {
        Ok(w) if w.is_regular => FileStat {
            size: stat.size.saturating_add(w.size),
            mtime_ns: stat.mtime_ns.max(w.mtime_ns),
            ..stat
        },
        _ => stat,
    }
}

fn glob_set(patterns: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        // The patterns are compiled into the binary; a bad one is a programming error caught
        // by the providers' tests, so it is dropped rather than aborting a user's scan.
        if let Ok(glob) = GlobBuilder::new(p).literal_separator(true).build() {
            b.add(glob);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// The directories of a pattern before its first wildcard (`projects/**/*.jsonl` → `projects`),
/// so walks start there instead of at the root.
fn literal_prefix(pattern: &str) -> Utf8PathBuf {
    // An absolute glob (one of a provider's globs) keeps its root.
    let mut prefix = if pattern.starts_with('/') {
        Utf8PathBuf::from("/")
    } else {
        Utf8PathBuf::new()
    };
    let parts: Vec<&str> = pattern.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        if part.contains(['*', '?', '[', '{']) {
            break;
        }
        prefix.push(part);
    }
    prefix
}

/// The walks that find every file some pattern can match: each pattern's literal directory,
/// walked once, as deep as the deepest pattern starting there can reach (`*.db` only the
/// directory itself, `*/events.jsonl` one level down, `**` down to [`MAX_DEPTH`]). Agents keep
/// much besides logs under their roots (OpenCode's message parts, Copilot's checkpoints), and
/// a warm scan should not stat them.
fn walk_plan(patterns: &[String]) -> Vec<(Utf8PathBuf, usize)> {
    let mut plan: Vec<(Utf8PathBuf, usize)> = Vec::new();
    for pattern in patterns {
        let start = literal_prefix(pattern);
        let rest = pattern
            .strip_prefix(start.as_str())
            .unwrap_or(pattern)
            .trim_start_matches('/');
        let depth = if rest.contains("**") {
            MAX_DEPTH
        } else {
            rest.matches('/').count()
        };
        match plan.iter_mut().find(|(s, _)| *s == start) {
            Some((_, d)) => *d = (*d).max(depth),
            None => plan.push((start, depth)),
        }
    }
    plan
}

/// Visits every regular file below `root/dir`, at most `max_depth` directories down, never
/// following symlinks.
fn walk(
    root: &Utf8Path,
    dir: &Utf8Path,
    depth: usize,
    max_depth: usize,
    visit: &mut dyn FnMut(&Utf8Path, &FileStat),
) {
    if depth > max_depth.min(MAX_DEPTH) {
        return;
    }
    // The walk starts below the root at a pattern's literal directory (`projects`); like every
    // directory below, it must be a real directory, not a symlink leading elsewhere.
    if depth == 0 && !dir.as_str().is_empty() {
        match std::fs::symlink_metadata(root.join(dir)) {
            Ok(m) if m.file_type().is_dir() => {}
            _ => return,
        }
    }
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(name) = entry.file_name().into_string() else {
            continue; // Scopeon stores paths as text; agents name their logs in ASCII.
        };
        let relative = dir.join(&name);
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_symlink() {
            continue;
        }
        if file_type.is_dir() {
            walk(root, &relative, depth + 1, max_depth, visit);
        } else if file_type.is_file()
            && let Ok(stat) = FileStat::of_entry(&entry)
            && stat.is_regular
        {
            visit(&relative, &stat);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tail;

    #[cfg(unix)]
    #[test]
    fn a_root_may_be_a_symlink_but_nothing_below_it_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        let base = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let write = |rel: &str| {
            let p = base.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "{}\n").unwrap();
        };
        write("disk/claude/projects/p/s.jsonl");
        write("disk/outside/x.jsonl");
        write("disk/aider.jsonl");
        std::fs::create_dir_all(base.join("home/.aider")).unwrap();
        std::os::unix::fs::symlink(base.join("disk/claude"), base.join("home/.claude")).unwrap();
        std::os::unix::fs::symlink(
            base.join("disk/outside"),
            base.join("disk/claude/projects/q"),
        )
        .unwrap();
        std::os::unix::fs::symlink(
            base.join("disk/aider.jsonl"),
            base.join("home/.aider/analytics.jsonl"),
        )
        .unwrap();
        let env = Env::isolated(base.join("home"));
        let options = ScanOptions::new();
        let claude = discover_logs(ProviderId::ClaudeCode, &env, &options);
        assert_eq!((claude.files, claude.roots[0].exists), (1, true));
        let aider = discover_logs(ProviderId::Aider, &env, &options);
        assert_eq!(aider.files, 1);
        // The file root is read by its real path, which the O_NOFOLLOW open accepts.
        let p = options.registry.get(ProviderId::Aider).unwrap();
        let (_, found) = discover(p, &searches(p, &env, &options));
        assert_eq!(
            found[0].path,
            base.join("disk/aider.jsonl").canonicalize_utf8().unwrap()
        );
        assert!(tail::open_regular(&found[0].path).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn files_under_a_symlinked_root_keep_their_path_and_know_their_real_one() {
        let dir = tempfile::tempdir().unwrap();
        let base = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
        let real = base.join("dotfiles/config/Cursor/User/globalStorage/state.vscdb");
        std::fs::create_dir_all(real.parent().unwrap()).unwrap();
        std::fs::write(&real, "").unwrap();
        std::fs::create_dir_all(base.join("home")).unwrap();
        std::os::unix::fs::symlink(base.join("dotfiles/config"), base.join("home/.config"))
            .unwrap();
        let env = Env::isolated(base.join("home"));
        let options = ScanOptions::new();
        let p = options.registry.get(ProviderId::Cursor).unwrap();
        let (_, found) = discover(p, &searches(p, &env, &options));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path,
            base.join("home/.config/Cursor/User/globalStorage/state.vscdb")
        );
        assert_eq!(found[0].real_path, real);
    }

    #[test]
    fn walk_plans_reach_only_as_deep_as_patterns_can_match() {
        let plan = |p: &[&str]| walk_plan(&p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(
            plan(&["storage/message/**/*.json", "opencode*.db"]),
            [
                (Utf8PathBuf::from("storage/message"), MAX_DEPTH),
                (Utf8PathBuf::new(), 0)
            ]
        );
        assert_eq!(
            plan(&[
                "session-state/*/events.jsonl",
                "session-state/*.jsonl",
                "session-store.db"
            ]),
            [
                (Utf8PathBuf::from("session-state"), 1),
                (Utf8PathBuf::new(), 0)
            ]
        );
        // Patterns sharing a directory walk it once.
        assert_eq!(
            plan(&["sessions/**/*.jsonl", "sessions/**/*.jsonl.zst"]),
            [(Utf8PathBuf::from("sessions"), MAX_DEPTH)]
        );
        assert_eq!(
            plan(&["tmp/*/chats/**/*.json"]),
            [(Utf8PathBuf::from("tmp"), MAX_DEPTH)]
        );
    }

    #[test]
    fn literal_prefixes() {
        assert_eq!(literal_prefix("projects/**/*.jsonl"), "projects");
        assert_eq!(literal_prefix("a/b/*.json"), "a/b");
        assert_eq!(literal_prefix("tmp/*/chats/*.json"), "tmp");
        assert_eq!(literal_prefix("*.jsonl"), "");
        assert_eq!(literal_prefix("/h/logs/**/*.jsonl"), "/h/logs");
        assert_eq!(literal_prefix("/*.jsonl"), "/");
    }

    #[test]
    fn any_provider_searches_its_roots_then_its_globs() {
        let env = Env::isolated("/h");
        let options = ScanOptions::new()
            .roots(ProviderId::Codex, ["/c"])
            .globs(ProviderId::Codex, ["/x/logs/**/*.jsonl", "/y/one.jsonl"]);
        let codex = options.registry.get(ProviderId::Codex).unwrap();
        let found: Vec<(String, Vec<String>)> = searches(codex, &env, &options)
            .into_iter()
            .map(|s| (s.root.into_string(), s.patterns))
            .collect();
        let own: Vec<String> = codex
            .file_patterns()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            found,
            [
                ("/c".to_owned(), own),
                ("/x/logs".to_owned(), vec!["**/*.jsonl".to_owned()]),
                ("/y/one.jsonl".to_owned(), Vec::new()),
            ]
        );
        // generic_openai has no roots of its own: only its globs.
        let generic = options.registry.get(ProviderId::GenericOpenai).unwrap();
        assert!(searches(generic, &env, &options).is_empty());
        let with_globs = options
            .clone()
            .globs(ProviderId::GenericOpenai, ["/g/*.jsonl"]);
        assert_eq!(searches(generic, &env, &with_globs).len(), 1);
    }
}

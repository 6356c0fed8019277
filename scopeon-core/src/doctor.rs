//! `scopeon doctor`: what Scopeon sees of its setup, and what to fix.
//!
//! A diagnosis changes nothing: the database is only read (never created, migrated or
//! re-priced), the configuration is only read, and agents' log directories are only listed.
//! So it can be run on a setup every other command refuses (a damaged database, a broken
//! configuration file) to find out why.

use camino::{Utf8Path, Utf8PathBuf};
use serde::Serialize;

use crate::config::Config;
use crate::env::Env;
use crate::error::Error;
use crate::record::ProviderId;
use crate::scan::{ScanOptions, discover_logs};
use crate::store::{Health, ProjectPaths};

/// What to diagnose.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// The database file.
    pub db: Utf8PathBuf,
    /// The configuration file named explicitly (`--config`); else the default one is looked for.
    pub config: Option<Utf8PathBuf>,
    /// Run `integrity_check` (slower; also compares indexes with their tables) instead of
    /// `quick_check`.
    pub full: bool,
}

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Scopeon cannot work (or its data is damaged) until it is fixed.
    Error,
    /// Scopeon works, but something is exposed or missing.
    Warning,
}

impl Severity {
    /// The severity's name, as in JSON (`error`, `warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A problem found, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// How serious it is.
    pub severity: Severity,
    /// What is wrong.
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

/// Ownership and permissions of a file or directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileFacts {
    /// The path.
    pub path: Utf8PathBuf,
    /// Permission bits in octal (`0600`); `None` where the platform has none.
    pub mode: Option<String>,
    /// The owner's user id; `None` where the platform has none.
    pub owner_uid: Option<u32>,
    /// Whether the current user owns it (always true without Unix ownership).
    pub owned_by_you: bool,
}

/// The database, as found.
#[derive(Debug, Clone, Serialize)]
pub struct DatabaseStatus {
    /// Its path.
    pub path: Utf8PathBuf,
    /// Whether the file exists.
    pub exists: bool,
    /// The file's ownership and permissions, when it exists.
    pub file: Option<FileFacts>,
    /// Its directory's, when that exists.
    pub directory: Option<FileFacts>,
    /// The check's results and what the file holds, when it could be opened.
    pub health: Option<Health>,
}

/// The configuration file, as found.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigStatus {
    /// Its path (`None` without a home directory).
    pub path: Option<Utf8PathBuf>,
    /// Whether the file exists.
    pub found: bool,
    /// Whether it (and `pricing.toml` beside it) could be read and parsed.
    pub valid: bool,
    /// `[privacy] project_paths`, when set.
    pub project_paths: Option<ProjectPaths>,
}

/// One provider: whether its logs are found, and what is stored of it.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderFound {
    /// The provider id.
    pub provider: ProviderId,
    /// Whether the configuration lets it be scanned.
    pub enabled: bool,
    /// Whether any of its roots exists.
    pub detected: bool,
    /// Log files found now.
    pub files: u64,
    /// Their size in bytes.
    pub bytes: u64,
    /// Requests stored (`None` when the database could not be read).
    pub records: Option<u64>,
}

/// The whole diagnosis: the `scopeon.doctor.v1` document.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Diagnosis {
    /// The database.
    pub database: DatabaseStatus,
    /// The configuration file.
    pub config: ConfigStatus,
    /// Every provider, in registry order.
    pub providers: Vec<ProviderFound>,
    /// Each `[[alerts.webhooks]]` entry: its state and last delivery (docs/alerts.md).
    pub webhooks: Vec<crate::alerts::WebhookStatus>,
    /// What is wrong, errors first.
    pub problems: Vec<Problem>,
}

impl Diagnosis {
    /// True when no problem is an [error](Severity::Error).
    pub fn healthy(&self) -> bool {
        self.problems.iter().all(|p| p.severity != Severity::Error)
    }

    /// The `scopeon.doctor.v1` JSON document: `schema`, `ok` (no errors), then the fields of
    /// this struct.
    pub fn to_document(&self) -> serde_json::Value {
        let mut doc = serde_json::Map::new();
        doc.insert("schema".into(), "scopeon.doctor.v1".into());
        doc.insert("ok".into(), self.healthy().into());
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(self) {
            doc.extend(fields);
        }
        serde_json::Value::Object(doc)
    }
}

/// Diagnoses the database, the configuration and every provider's logs.
pub fn diagnose(env: &Env, options: &DoctorOptions) -> Diagnosis {
    let mut problems = Vec::new();
    let (config_status, config) = check_config(env, options.config.as_deref(), &mut problems);
    let database = check_database(&options.db, options.full, &mut problems);
    let scan_options = config
        .as_ref()
        .map_or_else(ScanOptions::new, |c| ScanOptions::from_config(c, env));
    let records = database.health.as_ref().and_then(|h| h.records.as_ref());
    let providers: Vec<ProviderFound> = ProviderId::ALL
        .iter()
        .map(|id| {
            let found = discover_logs(*id, env, &scan_options);
            for root in &found.roots {
                if let Some(note) = root.note {
                    problems.push(Problem {
                        severity: Severity::Warning,
                        problem: format!("{id} root {} is {note}", root.path),
                        fix: format!("point the agent's variable or `roots` under [providers.{id}] in config.toml at the real directory or log file"),
                    });
                }
            }
            ProviderFound {
                provider: *id,
                enabled: scan_options.enabled(*id),
                detected: found.roots.iter().any(|r| r.exists),
                files: found.files,
                bytes: found.bytes,
                records: records.map(|r| r.get(id.as_str()).copied().unwrap_or(0)),
            }
        })
        .collect();
    if !providers.iter().any(|p| p.enabled && p.detected) {
        problems.push(Problem {
            severity: Severity::Warning,
            problem: "no agent's logs were found".into(),
            fix: "if an agent keeps its logs elsewhere, set its variable (CLAUDE_CONFIG_DIR, CODEX_HOME, …) or `roots` under [providers.<id>] in config.toml; `scopeon providers` lists where each is looked for".into(),
        });
    }
    let webhooks = config.as_ref().map_or_else(Vec::new, |c| {
        let db = database.health.as_ref().map(|_| options.db.as_path());
        check_webhooks(c, env, config_status.path.as_deref(), db, &mut problems)
    });
    problems.sort_by_key(|p| p.severity != Severity::Error);
    Diagnosis {
        database,
        config: config_status,
        providers,
        webhooks,
        problems,
    }
}

/// The webhooks' states, with a warning for each that gets no alerts or whose last delivery
/// failed.
fn check_webhooks(
    config: &Config,
    env: &Env,
    config_path: Option<&Utf8Path>,
    db: Option<&Utf8Path>,
    problems: &mut Vec<Problem>,
) -> Vec<crate::alerts::WebhookStatus> {
    let path = config_path.unwrap_or(Utf8Path::new("config.toml"));
    let statuses = match crate::alerts::webhook_statuses(&config.alerts, env, path, db) {
        Ok(s) => s,
        Err(e) => {
            problems.push(Problem {
                severity: Severity::Warning,
                problem: format!("webhook alerts: {e}"),
                fix: "correct [[alerts.webhooks]] in config.toml (docs/alerts.md)".into(),
            });
            return Vec::new();
        }
    };
    for w in &statuses {
        let name = format!("webhook {} ({} {})", w.webhook, w.kind, w.url);
        let failed = w
            .last_status
            .as_deref()
            .is_some_and(|s| !s.starts_with('2'));
        let (problem, fix) = match w.state {
            "unavailable" => (
                format!("{name} gets no alerts: {}", w.problem.as_deref().unwrap_or("?")),
                "set the variable in the environment Scopeon runs in".to_owned(),
            ),
            "disabled" => (
                format!(
                    "{name} answered {} and gets no alerts",
                    w.last_status.as_deref().unwrap_or("404")
                ),
                "correct its URL in config.toml (any change to [alerts] enables it again), then `scopeon alerts test`".to_owned(),
            ),
            _ if failed => (
                format!(
                    "{name}: the last delivery failed ({})",
                    w.last_status.as_deref().unwrap_or("?")
                ),
                "`scopeon alerts list` shows what is queued; `scopeon alerts test` tries it now".to_owned(),
            ),
            _ => continue,
        };
        problems.push(Problem {
            severity: Severity::Warning,
            problem,
            fix,
        });
    }
    statuses
}

fn check_config(
    env: &Env,
    explicit: Option<&Utf8Path>,
    problems: &mut Vec<Problem>,
) -> (ConfigStatus, Option<Config>) {
    let path = explicit
        .map(Utf8Path::to_owned)
        .or_else(|| env.default_config_path());
    let found = path.as_ref().is_some_and(|p| p.is_file());
    let loaded = Config::load(explicit, env);
    let config = match loaded {
        Ok(c) => Some(c),
        Err(e) => {
            let fix = match &e {
                Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                    "create it, or drop --config to use the default".to_owned()
                }
                _ => "correct what the message names, or move the file away to use the defaults"
                    .to_owned(),
            };
            problems.push(Problem {
                severity: Severity::Error,
                problem: e.to_string(),
                fix,
            });
            None
        }
    };
    let status = ConfigStatus {
        path,
        found,
        valid: config.is_some(),
        project_paths: config.as_ref().and_then(|c| c.privacy.project_paths),
    };
    (status, config)
}

fn check_database(path: &Utf8Path, full: bool, problems: &mut Vec<Problem>) -> DatabaseStatus {
    let dir = path
        .parent()
        .filter(|d| !d.as_str().is_empty())
        .unwrap_or(Utf8Path::new("."));
    let directory = std::fs::metadata(dir).ok().map(|m| facts(dir, &m));
    if let Some(d) = &directory {
        check_directory(d, problems);
    }
    let meta = std::fs::symlink_metadata(path);
    let Ok(meta) = meta else {
        problems.push(Problem {
            severity: Severity::Warning,
            problem: format!("there is no database at {path} yet"),
            fix: "run `scopeon scan` to create it (or point --db at the one you use)".into(),
        });
        return DatabaseStatus {
            path: path.to_owned(),
            exists: false,
            file: None,
            directory,
            health: None,
        };
    };
    let file = facts(path, &meta);
    let mut usable = true;
    // Around the database first: a FIFO beside it would hang any open, doctor's included.
    if let Err(Error::UnsafeDatabase { problem, fix, .. }) = crate::store::check_surroundings(path)
    {
        usable = false;
        problems.push(Problem {
            severity: Severity::Error,
            problem: format!("Scopeon refuses the database {path}: {problem}"),
            fix,
        });
    }
    if let Err(Error::UnsafeDatabase { problem, fix, .. }) =
        crate::store::check_existing(path, &meta)
    {
        usable = usable && meta.file_type().is_file();
        problems.push(Problem {
            severity: Severity::Error,
            problem: format!("Scopeon refuses the database {path}: {problem}"),
            fix,
        });
    }
    // The database and the files SQLite keeps beside it hold the same data.
    for (p, m) in [
        (path.to_owned(), Some(meta.clone())),
        (
            Utf8PathBuf::from(format!("{path}-wal")),
            std::fs::metadata(format!("{path}-wal")).ok(),
        ),
        (
            Utf8PathBuf::from(format!("{path}-shm")),
            std::fs::metadata(format!("{path}-shm")).ok(),
        ),
    ] {
        if let Some(m) = m
            && m.file_type().is_file()
            && readable_by_others(&m)
        {
            problems.push(Problem {
                severity: Severity::Warning,
                problem: format!(
                    "{p} is readable by other users (mode {})",
                    mode_string(&m).unwrap_or_default()
                ),
                fix: format!("run `chmod 600 {p}`"),
            });
        }
    }
    let health = if usable {
        match crate::store::inspect(path, full) {
            Ok(h) => {
                check_health(path, &h, problems);
                Some(h)
            }
            Err(e) => {
                problems.push(unreadable(path, &e));
                None
            }
        }
    } else {
        None
    };
    DatabaseStatus {
        path: path.to_owned(),
        exists: true,
        file: Some(file),
        directory,
        health,
    }
}

/// What to do with a database that is damaged: keep it (it may hold records of logs that are
/// gone), start a new one from the logs still on disk, and salvage what can be.
fn damaged_fix(path: &Utf8Path) -> String {
    format!(
        "restore a backup (`scopeon backup` writes one), or move {path} and any {path}-wal and {path}-shm aside (adding .damaged to their names) and run `scopeon scan` to read the logs still on disk again; `sqlite3 {path}.damaged .recover` may salvage records of logs that are gone"
    )
}

fn unreadable(path: &Utf8Path, e: &Error) -> Problem {
    match e {
        Error::NotScopeonDb { .. } => Problem {
            severity: Severity::Error,
            problem: e.to_string(),
            fix: "point --db (or $SCOPEON_DB) at Scopeon's database".into(),
        },
        _ => Problem {
            severity: Severity::Error,
            problem: format!("the database cannot be read: {e}"),
            fix: damaged_fix(path),
        },
    }
}

fn check_health(path: &Utf8Path, h: &Health, problems: &mut Vec<Problem>) {
    if !h.check_ok {
        let first = h.check_messages.first().map(String::as_str).unwrap_or("");
        problems.push(Problem {
            severity: Severity::Error,
            problem: format!(
                "the database is damaged: {} found {} problem{} (first: {first})",
                h.check.as_str(),
                h.check_messages.len(),
                if h.check_messages.len() == 1 { "" } else { "s" }
            ),
            fix: damaged_fix(path),
        });
    }
    if h.schema_version > h.supported_schema_version {
        problems.push(Problem {
            severity: Severity::Error,
            problem: format!(
                "the database has schema version {}, newer than this Scopeon supports ({})",
                h.schema_version, h.supported_schema_version
            ),
            fix: "upgrade Scopeon, or point --db at another file".into(),
        });
    }
}

fn check_directory(d: &FileFacts, problems: &mut Vec<Problem>) {
    let Some(mode) = d
        .mode
        .as_deref()
        .and_then(|m| u32::from_str_radix(m, 8).ok())
    else {
        return;
    };
    // A shared directory with the sticky bit (/tmp) keeps others from replacing files they do
    // not own, and it is not the user's to chmod; only the user's own directories are judged.
    if !d.owned_by_you || mode & 0o1000 != 0 {
        return;
    }
    if mode & 0o022 != 0 {
        problems.push(Problem {
            severity: Severity::Warning,
            problem: format!(
                "the database's directory {} is group- or world-writable (mode {:04o}): other users can replace the database",
                d.path,
                mode & 0o7777
            ),
            fix: format!("run `chmod 700 {}`", d.path),
        });
    } else if mode & 0o077 != 0 {
        problems.push(Problem {
            severity: Severity::Warning,
            problem: format!(
                "the database's directory {} is open to other users (mode {:04o}; Scopeon creates it 0700)",
                d.path,
                mode & 0o7777
            ),
            fix: format!("run `chmod 700 {}`", d.path),
        });
    }
}

#[cfg(unix)]
fn facts(path: &Utf8Path, meta: &std::fs::Metadata) -> FileFacts {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    FileFacts {
        path: path.to_owned(),
        mode: mode_string(meta),
        owner_uid: Some(meta.uid()),
        owned_by_you: meta.uid() == euid,
    }
}

#[cfg(not(unix))]
fn facts(path: &Utf8Path, _meta: &std::fs::Metadata) -> FileFacts {
    FileFacts {
        path: path.to_owned(),
        mode: None,
        owner_uid: None,
        owned_by_you: true,
    }
}

#[cfg(unix)]
fn mode_string(meta: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    Some(format!("{:04o}", meta.mode() & 0o7777))
}

#[cfg(not(unix))]
fn mode_string(_meta: &std::fs::Metadata) -> Option<String> {
    None
}

#[cfg(unix)]
fn readable_by_others(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.mode() & 0o044 != 0
}

#[cfg(not(unix))]
fn readable_by_others(_meta: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        (dir, root)
    }

    #[test]
    fn a_missing_database_and_no_logs_are_warnings_only() {
        let (_dir, root) = home();
        let env = Env::isolated(root.as_str());
        let d = diagnose(
            &env,
            &DoctorOptions {
                db: root.join(".scopeon/scopeon.db"),
                config: None,
                full: false,
            },
        );
        assert!(d.healthy(), "{:?}", d.problems);
        assert!(!d.database.exists);
        assert!(!d.config.found && d.config.valid);
        assert_eq!(d.problems.len(), 2, "{:?}", d.problems);
        assert!(d.problems.iter().all(|p| p.severity == Severity::Warning));
        // Nothing was created.
        assert!(!root.join(".scopeon").exists());
        let doc = d.to_document();
        assert_eq!(doc["schema"], "scopeon.doctor.v1");
        assert_eq!(doc["ok"], true);
    }

    #[cfg(unix)]
    #[test]
    fn unsafe_files_and_broken_configuration_are_named_with_their_fix() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, root) = home();
        let env = Env::isolated(root.as_str());
        let db = root.join(".scopeon/scopeon.db");
        drop(crate::store::Store::open(&db).unwrap());
        std::fs::write(
            root.join(".scopeon/config.toml"),
            "[privacy]\nproject_paths = 3\n",
        )
        .unwrap();
        let options = DoctorOptions {
            db: db.clone(),
            config: None,
            full: true,
        };
        let d = diagnose(&env, &options);
        assert!(!d.healthy());
        assert!(d.database.health.as_ref().unwrap().check_ok);
        assert_eq!(
            d.database.file.as_ref().unwrap().mode.as_deref(),
            Some("0600")
        );
        assert_eq!(
            d.database.directory.as_ref().unwrap().mode.as_deref(),
            Some("0700")
        );
        assert!(
            d.problems[0].problem.contains("config.toml"),
            "{:?}",
            d.problems
        );
        std::fs::remove_file(root.join(".scopeon/config.toml")).unwrap();

        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(
            root.join(".scopeon"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let d = diagnose(&env, &options);
        assert!(d.healthy(), "{:?}", d.problems);
        let text: Vec<String> = d.problems.iter().map(|p| p.fix.clone()).collect();
        assert!(text.contains(&format!("run `chmod 600 {db}`")), "{text:?}");
        assert!(
            text.contains(&format!("run `chmod 700 {}`", root.join(".scopeon"))),
            "{text:?}"
        );
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o666)).unwrap();
        let d = diagnose(&env, &options);
        assert!(!d.healthy());
        assert!(
            d.problems[0].problem.contains("world-writable")
                && d.problems[0].fix.contains("chmod 600"),
            "{:?}",
            d.problems
        );
        // The diagnosis changed nothing.
        let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666);
    }
}

//! Reading and replacing an agent's configuration file safely, for the commands that edit one
//! (`scopeon statusline install`, `scopeon init`; docs/statusline.md, docs/mcp.md).
//!
//! A file is read whole (bounded), changed in memory by the caller, and replaced atomically: a
//! temporary file beside it, with the old file's permissions, renamed over it. A backup is
//! copied beside it first, with the same permissions (these files can hold tokens). A file
//! reached through a symlink (a dotfiles checkout) is edited where it really is.

use std::io::{Read, Write};

use camino::{Utf8Path, Utf8PathBuf};

use crate::Failure;

/// Largest configuration file read: far above what an agent writes, and small enough to hold.
pub const MAX_BYTES: u64 = 16 << 20;

fn failure(message: String) -> Failure {
    Failure { message, code: 1 }
}

/// `path`, or the file it links to when it is a symlink; an error for a link leading nowhere.
pub fn resolve_symlink(path: Utf8PathBuf) -> Result<Utf8PathBuf, Failure> {
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => path.canonicalize_utf8().map_err(|e| {
            failure(format!(
                "{path} is a symlink that leads nowhere ({e}); fix or remove it"
            ))
        }),
        _ => Ok(path),
    }
}

/// The file's text, `None` when it does not exist.
pub fn read(path: &Utf8Path) -> Result<Option<String>, Failure> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(failure(format!("cannot read {path}: {e}"))),
    };
    let mut text = String::new();
    file.take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| {
            failure(format!(
                "cannot read {path} as UTF-8 text ({e}); it was left untouched"
            ))
        })?;
    if text.len() as u64 > MAX_BYTES {
        return Err(failure(format!(
            "{path} is larger than 16 MiB; it was left untouched"
        )));
    }
    Ok(Some(text))
}

/// This binary's absolute path (symlinks resolved), as the command an agent runs.
pub fn this_binary() -> Result<String, Failure> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| failure(format!("cannot tell where this scopeon binary is: {e}")))?;
    Utf8PathBuf::from_path_buf(exe)
        .map(Utf8PathBuf::into_string)
        .map_err(|p| {
            failure(format!(
                "this scopeon binary's path is not UTF-8 ({}); install it elsewhere",
                p.display()
            ))
        })
}

/// An error when `path` exists and its permissions forbid writing it. Checked before any
/// write: renaming a new file over a read-only one would succeed, and the file's owner made it
/// read-only on purpose.
pub fn refuse_read_only(path: &Utf8Path) -> Result<(), Failure> {
    match std::fs::metadata(path) {
        Ok(m) if m.permissions().readonly() => Err(failure(format!(
            "{path} is read-only; nothing was changed: make it writable (`chmod u+w {path}`) and run this again"
        ))),
        _ => Ok(()),
    }
}

/// Copies `path` to `backup`, which must not exist yet, with `path`'s permissions. `false`
/// (and nothing written) when `backup` exists.
fn copy_to_new(path: &Utf8Path, backup: &Utf8Path) -> std::io::Result<bool> {
    if std::fs::symlink_metadata(backup).is_ok() {
        return Ok(false);
    }
    let bytes = std::fs::read(path)?;
    // Written whole beside it and linked into place without replacing anything, so a
    // failure part-way (a full disk) never leaves a truncated backup under the name.
    let dir = match backup.parent() {
        Some(dir) if !dir.as_str().is_empty() => dir,
        _ => Utf8Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.as_file()
        .set_permissions(std::fs::metadata(path)?.permissions())?;
    file.write_all(&bytes)?;
    file.as_file().sync_all()?;
    match file.persist_noclobber(backup) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.error),
    }
}

fn backup_failed(backup: &Utf8Path, e: std::io::Error) -> Failure {
    failure(format!(
        "cannot write the backup {backup}: {e}; nothing was changed"
    ))
}

/// Copies the file beside itself as `<name>.scopeon-backup-<UTC time>` (a new file each time;
/// `scopeon statusline install`).
pub fn back_up_stamped(path: &Utf8Path) -> Result<Utf8PathBuf, Failure> {
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let name = path.file_name().unwrap_or("config");
    for n in 0..100 {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("-{n}")
        };
        let backup = path.with_file_name(format!("{name}.scopeon-backup-{stamp}{suffix}"));
        match copy_to_new(path, &backup) {
            Ok(true) => return Ok(backup),
            Ok(false) => continue,
            Err(e) => return Err(backup_failed(&backup, e)),
        }
    }
    Err(failure(format!(
        "too many backups of {path} this second; try again"
    )))
}

/// Copies the file beside itself, keeping at most two copies whatever the number of runs
/// (`scopeon init`): `<name>.scopeon-original` is the file as it was before Scopeon first
/// changed it, written once and never overwritten; later changes replace
/// `<name>.scopeon-previous`, the file as it was before the latest change.
pub fn back_up_bounded(path: &Utf8Path) -> Result<Utf8PathBuf, Failure> {
    let name = path.file_name().unwrap_or("config");
    let original = path.with_file_name(format!("{name}.scopeon-original"));
    match copy_to_new(path, &original) {
        Ok(true) => return Ok(original),
        Ok(false) => {}
        Err(e) => return Err(backup_failed(&original, e)),
    }
    let previous = path.with_file_name(format!("{name}.scopeon-previous"));
    let bytes = std::fs::read(path).map_err(|e| backup_failed(&previous, e))?;
    replace(&previous, &bytes, Some(path)).map_err(|e| backup_failed(&previous, e))?;
    Ok(previous)
}

/// Replaces `path` with `text` atomically (its directory is created when missing): written
/// beside it with the old file's permissions, then renamed over it.
pub fn write_atomically(path: &Utf8Path, text: &str) -> Result<(), Failure> {
    replace(path, text.as_bytes(), Some(path))
        .map_err(|e| failure(format!("cannot write {path}: {e}; it is unchanged")))
}

/// Writes `bytes` to a temporary file beside `path` with the permissions of `mode_of` (when it
/// exists), then renames it over `path`.
fn replace(path: &Utf8Path, bytes: &[u8], mode_of: Option<&Utf8Path>) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_str().is_empty())
        .unwrap_or(Utf8Path::new("."));
    std::fs::create_dir_all(dir)?;
    let prefix = format!(".{}.", path.file_name().unwrap_or("config"));
    let mut tmp = tempfile::Builder::new().prefix(&prefix).tempfile_in(dir)?;
    if let Some(m) = mode_of.and_then(|p| std::fs::metadata(p).ok()) {
        tmp.as_file().set_permissions(m.permissions())?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        (dir, root)
    }

    #[test]
    fn bounded_backups_keep_the_original_and_the_latest_only() {
        let (_dir, root) = dir();
        let file = root.join("settings.json");
        for (n, text) in ["one", "two", "three"].into_iter().enumerate() {
            std::fs::write(&file, text).unwrap();
            let backup = back_up_bounded(&file).unwrap();
            let expected = if n == 0 {
                "settings.json.scopeon-original"
            } else {
                "settings.json.scopeon-previous"
            };
            assert_eq!(backup.file_name(), Some(expected));
        }
        let read = |name: &str| std::fs::read_to_string(root.join(name)).unwrap();
        assert_eq!(read("settings.json.scopeon-original"), "one");
        assert_eq!(read("settings.json.scopeon-previous"), "three");
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 3);
    }

    #[cfg(unix)]
    #[test]
    fn backups_and_replacements_keep_the_files_mode() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, root) = dir();
        let file = root.join("config.toml");
        std::fs::write(&file, "a = 1\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let backup = back_up_stamped(&file).unwrap();
        write_atomically(&file, "a = 2\n").unwrap();
        for p in [&file, &backup] {
            let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{p}");
        }
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), "a = 1\n");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(refuse_read_only(&file).is_err());
        assert!(refuse_read_only(&root.join("missing")).is_ok());
    }
}

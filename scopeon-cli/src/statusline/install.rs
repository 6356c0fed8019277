//! `scopeon statusline install`: the `statusLine` entry of Claude Code's `settings.json`
//! (docs/statusline.md, "Install").
//!
//! The file is read, changed in memory and replaced atomically after a timestamped backup;
//! every other key is kept in its order (serde_json keeps the order; the file is written back
//! with two-space indentation, as Claude Code writes it). A file that is not a JSON object is
//! left untouched. An existing status line command is kept: the new command runs both, ours
//! first, each on its own line. Installing again changes nothing.

use std::io::Write;

use camino::{Utf8Path, Utf8PathBuf};
use scopeon_core::env::Env;
use serde_json::{Map, Value, json};

use crate::args::StatuslineInstallArgs;
use crate::{Failure, config_file};

/// The shell script that runs our status line, then the one it replaced, on the same input:
/// `$0` is this binary, `$1` the previous command.
const CHAIN_SCRIPT: &str =
    r#"i=$(cat); printf %s "$i" | "$0" statusline; printf %s "$i" | sh -c "$1""#;

/// What installing did to the `statusLine` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// It was already this binary's status line.
    Unchanged,
    /// There was none.
    Added,
    /// Another command was there; it now runs after ours.
    Chained { previous: String },
    /// An entry that was not a usable command, or another path of Scopeon, was replaced
    /// (the backup keeps it).
    Replaced { previous: String },
}

/// The settings text after installing, and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub text: String,
    pub change: Change,
}

pub fn run(args: &StatuslineInstallArgs, env: &Env) -> Result<(), Failure> {
    let path = settings_path(env).ok_or_else(|| Failure {
        message: "no home directory ($HOME is not set) and no $CLAUDE_CONFIG_DIR: cannot find Claude Code's settings.json".into(),
        code: 1,
    })?;
    // A settings.json linked into a dotfiles checkout is updated where it really is.
    let path = config_file::resolve_symlink(path)?;
    let existing = config_file::read(&path)?;
    let exe = config_file::this_binary()?;
    let merged = merge(existing.as_deref(), &exe).map_err(|e| Failure {
        message: format!("{path}: {e}; it was left untouched: fix it (or move it away) and run `scopeon statusline install` again"),
        code: 1,
    })?;
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        out.write_all(merged.text.as_bytes())?;
        return Ok(());
    }
    if merged.change == Change::Unchanged {
        writeln!(out, "already installed: {path} runs `{exe} statusline`")?;
        return Ok(());
    }
    let backup = match &existing {
        Some(_) => Some(config_file::back_up_stamped(&path)?),
        None => None,
    };
    config_file::write_atomically(&path, &merged.text)?;
    writeln!(out, "installed: {path} now runs `{exe} statusline`")?;
    match &merged.change {
        Change::Chained { previous } => writeln!(
            out,
            "the previous status line command still runs, on the line after ours: {previous}"
        )?,
        Change::Replaced { previous } => writeln!(out, "replaced: {previous}")?,
        _ => {}
    }
    if let Some(backup) = backup {
        writeln!(out, "backup: {backup}")?;
    }
    Ok(())
}

/// `settings.json` in `$CLAUDE_CONFIG_DIR` (its first entry), else in `~/.claude`.
fn settings_path(env: &Env) -> Option<Utf8PathBuf> {
    let dir = env
        .path_list("CLAUDE_CONFIG_DIR")
        .and_then(|dirs| dirs.into_iter().next())
        .or_else(|| env.home().map(|h| h.join(".claude")))?;
    Some(dir.join("settings.json"))
}

/// The settings with our `statusLine` entry (see the module's documentation); an error when
/// the text is not a JSON object.
pub fn merge(existing: Option<&str>, exe: &str) -> Result<Merged, String> {
    let mut settings: Map<String, Value> = match existing {
        None => Map::new(),
        Some(text) if text.trim().is_empty() => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err("it is not a JSON object".into()),
            Err(e) => return Err(format!("it is not valid JSON ({e})")),
        },
    };
    let ours = plain_command(exe);
    let previous = settings
        .get("statusLine")
        .and_then(|s| s.get("command"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let (command, change) = match (settings.get("statusLine"), previous) {
        (None, _) => (ours, Change::Added),
        (Some(_), Some(previous)) => match chained_previous(&previous) {
            // Ours already, alone or chained.
            _ if previous == ours => (ours, Change::Unchanged),
            Some((their_exe, _)) if their_exe == exe => (previous, Change::Unchanged),
            // Chained by a Scopeon installed elsewhere: the same chain with this binary.
            Some((_, theirs)) => (chain_command(exe, &theirs), Change::Replaced { previous }),
            None if is_other_scopeon(&previous) => (ours, Change::Replaced { previous }),
            None => (chain_command(exe, &previous), Change::Chained { previous }),
        },
        (Some(other), None) => (
            ours,
            Change::Replaced {
                previous: other.to_string(),
            },
        ),
    };
    let mut entry = match settings.get("statusLine") {
        Some(Value::Object(old)) if change != Change::Unchanged => old.clone(),
        _ => Map::new(),
    };
    entry.insert("type".into(), json!("command"));
    entry.insert("command".into(), json!(command));
    if change != Change::Unchanged {
        settings.insert("statusLine".into(), Value::Object(entry));
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(settings))
        .map_err(|e| format!("cannot write it back as JSON ({e})"))?;
    if existing.is_none_or(|t| t.ends_with('\n') || t.trim().is_empty()) {
        text.push('\n');
    }
    if change == Change::Unchanged
        && let Some(original) = existing
    {
        text = original.to_owned();
    }
    Ok(Merged { text, change })
}

fn plain_command(exe: &str) -> String {
    format!("{} statusline", shell_quote(exe))
}

fn chain_command(exe: &str, previous: &str) -> String {
    format!(
        "sh -c '{CHAIN_SCRIPT}' {} {}",
        shell_quote(exe),
        shell_quote(previous)
    )
}

/// The binary and the previous command of a command [`chain_command`] wrote.
fn chained_previous(command: &str) -> Option<(String, String)> {
    let rest = command.strip_prefix(&format!("sh -c '{CHAIN_SCRIPT}' "))?;
    match shell_words(rest)?.as_slice() {
        [exe, previous] => Some((exe.clone(), previous.clone())),
        _ => None,
    }
}

/// `/some/other/path/scopeon statusline`: a Scopeon installed elsewhere.
fn is_other_scopeon(command: &str) -> bool {
    match shell_words(command).as_deref() {
        Some([exe, arg]) => {
            arg == "statusline" && Utf8Path::new(exe).file_name() == Some("scopeon")
        }
        _ => false,
    }
}

/// A word as `sh` reads it: bare when it holds only safe characters, else single-quoted.
fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:+=@,%".contains(c));
    if safe {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Splits what [`shell_quote`] writes back into words (bare characters, `'…'` and `\x`);
/// `None` for anything else (double quotes, expansions, an unclosed quote).
fn shell_words(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            '"' | '$' | '`' | ';' | '|' | '&' | '<' | '>' | '(' | ')' | '\n' => return None,
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXE: &str = "/opt/my tools/scopeon";

    #[test]
    fn fresh_settings_get_the_entry() {
        let m = merge(None, "/usr/bin/scopeon").unwrap();
        assert_eq!(m.change, Change::Added);
        assert_eq!(
            m.text,
            "{\n  \"statusLine\": {\n    \"type\": \"command\",\n    \"command\": \"/usr/bin/scopeon statusline\"\n  }\n}\n"
        );
    }

    #[test]
    fn other_keys_keep_their_order_and_installing_twice_changes_nothing() {
        let original = "{\n  \"model\": \"opus\",\n  \"env\": {\n    \"B\": \"1\",\n    \"A\": \"2\"\n  },\n  \"zeta\": [\n    1,\n    2.5\n  ]\n}\n";
        let once = merge(Some(original), EXE).unwrap();
        assert_eq!(once.change, Change::Added);
        assert!(
            once.text.starts_with(&original[..original.len() - 3]),
            "{}",
            once.text
        );
        let twice = merge(Some(&once.text), EXE).unwrap();
        assert_eq!(twice.change, Change::Unchanged);
        assert_eq!(twice.text, once.text);
    }

    #[test]
    fn another_command_is_chained_and_stays_recoverable() {
        let theirs = r#"bash -c 'echo "$(date)" it'\''s'"#;
        let original = serde_json::to_string(
            &json!({"statusLine": {"type": "command", "command": theirs, "padding": 0}}),
        )
        .unwrap();
        let m = merge(Some(&original), EXE).unwrap();
        assert_eq!(
            m.change,
            Change::Chained {
                previous: theirs.into()
            }
        );
        let v: Value = serde_json::from_str(&m.text).unwrap();
        let command = v["statusLine"]["command"].as_str().unwrap();
        assert_eq!(v["statusLine"]["padding"], 0);
        assert_eq!(
            chained_previous(command),
            Some((EXE.to_owned(), theirs.to_owned()))
        );
        assert_eq!(merge(Some(&m.text), EXE).unwrap().change, Change::Unchanged);
        // Another Scopeon's chain is taken over with the previous command kept.
        let moved = merge(Some(&m.text), "/usr/bin/scopeon").unwrap();
        let v: Value = serde_json::from_str(&moved.text).unwrap();
        assert_eq!(
            chained_previous(v["statusLine"]["command"].as_str().unwrap()),
            Some(("/usr/bin/scopeon".to_owned(), theirs.to_owned()))
        );
    }

    #[test]
    fn another_scopeon_is_replaced_and_broken_files_are_refused() {
        let old = r#"{"statusLine":{"type":"command","command":"/old/bin/scopeon statusline"}}"#;
        let m = merge(Some(old), EXE).unwrap();
        assert!(matches!(m.change, Change::Replaced { .. }));
        assert!(
            m.text
                .contains(r#""command": "'/opt/my tools/scopeon' statusline""#)
        );
        for bad in ["{", "[1]", "{\"a\":1,}"] {
            assert!(merge(Some(bad), EXE).is_err(), "{bad}");
        }
    }

    #[test]
    fn shell_words_read_back_what_shell_quote_writes() {
        for s in ["plain", "two words", "it's", "'", "a\\b", "$(x) `y` \"z\""] {
            assert_eq!(
                shell_words(&shell_quote(s)),
                Some(vec![s.to_owned()]),
                "{s}"
            );
        }
        assert_eq!(shell_words("echo $HOME"), None);
    }
}

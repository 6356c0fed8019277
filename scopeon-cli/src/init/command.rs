//! `scopeon init AGENT [--dry-run] [--remove]`: registers `scopeon mcp` with an agent, or
//! removes it (docs/mcp.md, "Registering it with an agent").
//!
//! The agent's file is read and edited in memory; a file that cannot be parsed is left
//! untouched (exit 2, naming the line and column). When something changes, the file is backed
//! up beside itself (`config_file::back_up_bounded`: the original once, then the latest) and
//! replaced atomically with its permissions kept. Running it again changes nothing and writes
//! nothing. `--dry-run` prints our entry before and after and writes nothing.

use std::io::Write;

use camino::Utf8Path;
use scopeon_core::env::Env;

use super::agents::{Agent, Format, SERVER_NAME};
use super::edit::{Change, Edit, EditError};
use super::{json_entry, toml_entry};
use crate::args::{Global, InitArgs};
use crate::{Failure, config_file};

pub fn run(global: &Global, args: &InitArgs, env: &Env) -> Result<(), Failure> {
    if global.json || global.csv {
        return Err(Failure::usage(
            "init has no --json or --csv output; `scopeon doctor --json` shows every agent's registration",
        ));
    }
    let agent = args.agent;
    let path = agent.config_path(env).ok_or_else(|| Failure {
        message: format!(
            "no home directory ($HOME is not set): cannot find {}'s configuration",
            agent.name()
        ),
        code: 1,
    })?;
    // A file linked into a dotfiles checkout is updated where it really is.
    let path = config_file::resolve_symlink(path)?;
    let existing = config_file::read(&path)?;
    let exe = config_file::this_binary()?;
    let edited = if args.remove {
        match agent.format() {
            Format::Json => json_entry::unregister(existing.as_deref()),
            Format::Toml => toml_entry::unregister(existing.as_deref()),
        }
    } else {
        let entry = agent.entry(&exe);
        match agent.format() {
            Format::Json => json_entry::register(existing.as_deref(), &entry, &exe),
            Format::Toml => toml_entry::register(existing.as_deref(), &entry, &exe),
        }
    };
    let edit = edited.map_err(|e| unparseable(&path, agent, &e, args.remove))?;
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        print_dry_run(&mut out, &path, &edit)?;
        return Ok(());
    }
    if !edit.writes() {
        match edit.change {
            Change::Absent => writeln!(
                out,
                "not registered: {path} has no `{SERVER_NAME}` server; nothing was changed"
            )?,
            _ => writeln!(
                out,
                "already registered: {path} starts `{exe} mcp`; nothing was changed"
            )?,
        }
        return Ok(());
    }
    config_file::refuse_read_only(&path)?;
    let backup = match &existing {
        Some(_) => Some(config_file::back_up_bounded(&path)?),
        None => None,
    };
    config_file::write_atomically(&path, &edit.text)?;
    match edit.change {
        Change::Removed => writeln!(
            out,
            "removed: {path} no longer starts Scopeon's MCP server for {}",
            agent.name()
        )?,
        _ => writeln!(
            out,
            "registered: {path} now starts `{exe} mcp` for {} (from its next start)",
            agent.name()
        )?,
    }
    if edit.change == Change::Replaced
        && let Some(before) = &edit.before
    {
        writeln!(out, "replaced the `{SERVER_NAME}` entry that was there:")?;
        for line in before.lines() {
            writeln!(out, "  {line}")?;
        }
    }
    if let Some(backup) = backup {
        writeln!(out, "backup: {backup}")?;
    }
    Ok(())
}

/// The error for a file that cannot be edited: it names the file, where and why, and what to
/// do; usage exit code (the file, not Scopeon, needs fixing).
fn unparseable(path: &Utf8Path, agent: Agent, e: &EditError, remove: bool) -> Failure {
    let kind = match agent.format() {
        Format::Json => "JSON",
        Format::Toml => "TOML",
    };
    let what = match e {
        EditError::Syntax {
            line,
            column,
            message,
        } => format!("{path}:{line}:{column}: not valid {kind}: {message}"),
        EditError::Shape(message) => format!("{path}: {message}"),
    };
    let again = if remove { " --remove" } else { "" };
    Failure::usage(format!(
        "{what}; it was left untouched: fix it (or move it away) and run `scopeon init {}{again}` again",
        agent.name()
    ))
}

/// Our entry before and after, as a diff would show it, and nothing written.
fn print_dry_run(out: &mut impl Write, path: &Utf8Path, edit: &Edit) -> std::io::Result<()> {
    let verb = match edit.change {
        Change::Added => "would add to",
        Change::Replaced => "would replace in",
        Change::Removed => "would remove from",
        Change::Unchanged => "already registered in",
        Change::Absent => "not registered in",
    };
    writeln!(out, "{verb} {path}:")?;
    if edit.writes() {
        match &edit.before {
            Some(before) => before.lines().try_for_each(|l| writeln!(out, "- {l}"))?,
            None => writeln!(out, "- (no `{SERVER_NAME}` entry)")?,
        }
        match &edit.after {
            Some(after) => after.lines().try_for_each(|l| writeln!(out, "+ {l}"))?,
            None => writeln!(out, "+ (no `{SERVER_NAME}` entry)")?,
        }
    } else if let Some(entry) = &edit.before {
        entry.lines().try_for_each(|l| writeln!(out, "  {l}"))?;
    }
    writeln!(out, "(--dry-run: nothing was written)")
}

//! Whether `scopeon mcp` is registered with each agent, for `scopeon doctor` (docs/mcp.md,
//! "Registering it with an agent"). Only reads the agents' files.

use camino::{Utf8Path, Utf8PathBuf};
use scopeon_core::doctor::{Problem, Severity};
use scopeon_core::env::Env;
use serde::Serialize;

use super::agents::{Agent, Format};
use super::edit::{EditError, Found};
use super::{json_entry, toml_entry};
use crate::config_file;

/// What an agent's configuration says about our server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// It has a `scopeon` server.
    Registered,
    /// The file is missing or has no `scopeon` server.
    NotRegistered,
    /// The file cannot be read or parsed (or there is no home directory to find it in).
    Unreadable,
}

/// One agent's registration: an entry of `mcp_registrations` in `scopeon.doctor.v1`.
#[derive(Debug, Clone, Serialize)]
pub struct Registration {
    /// `claude-code`, `codex`, `gemini-cli` or `copilot-cli`.
    pub agent: &'static str,
    /// Its MCP configuration file (`None` without a home directory).
    pub config: Option<Utf8PathBuf>,
    pub state: State,
    /// The registered server's command and arguments.
    pub command: Option<String>,
    pub args: Option<Vec<String>>,
    /// Whether that command is an existing file.
    pub command_exists: Option<bool>,
    /// Whether it starts this binary (`mcp`).
    pub this_binary: Option<bool>,
    /// Why the file cannot be read.
    pub error: Option<String>,
}

/// Every agent's registration, in `Agent::ALL` order. `exe` is this binary's path, when known.
pub fn registrations(env: &Env, exe: Option<&str>) -> Vec<Registration> {
    Agent::ALL
        .iter()
        .map(|a| registration(*a, env, exe))
        .collect()
}

fn registration(agent: Agent, env: &Env, exe: Option<&str>) -> Registration {
    let mut r = Registration {
        agent: agent.name(),
        config: agent.config_path(env),
        state: State::NotRegistered,
        command: None,
        args: None,
        command_exists: None,
        this_binary: None,
        error: None,
    };
    let Some(path) = r.config.clone() else {
        r.state = State::Unreadable;
        r.error = Some("no home directory ($HOME is not set)".into());
        return r;
    };
    match read(agent, &path) {
        Ok(None) => {}
        Ok(Some(found)) => {
            r.state = State::Registered;
            r.command_exists = found.command.as_deref().map(|c| Utf8Path::new(c).is_file());
            r.this_binary = exe.map(|exe| found.starts(exe));
            r.command = found.command;
            r.args = found.args;
        }
        Err(e) => {
            r.state = State::Unreadable;
            r.error = Some(e);
        }
    }
    r
}

fn read(agent: Agent, path: &Utf8Path) -> Result<Option<Found>, String> {
    let Some(text) = config_file::read(path).map_err(|f| f.message)? else {
        return Ok(None);
    };
    let found = match agent.format() {
        Format::Json => json_entry::find(&text),
        Format::Toml => toml_entry::find(&text),
    };
    found.map_err(|e: EditError| format!("{path}: {e}"))
}

/// The warnings these registrations call for: a registered command that is gone, a file that
/// cannot be read. Not being registered is no problem.
pub fn problems(registrations: &[Registration]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for r in registrations {
        let agent = r.agent;
        match r.state {
            State::Registered if r.command_exists == Some(false) => problems.push(Problem {
                severity: Severity::Warning,
                problem: format!(
                    "{agent} starts Scopeon's MCP server as {}, which does not exist",
                    r.command.as_deref().unwrap_or("?")
                ),
                fix: format!(
                    "run `scopeon init {agent}` with the scopeon you use now (or `scopeon init {agent} --remove`)"
                ),
            }),
            State::Unreadable if r.config.is_some() => problems.push(Problem {
                severity: Severity::Warning,
                problem: format!(
                    "cannot tell whether Scopeon's MCP server is registered with {agent}: {}",
                    r.error.as_deref().unwrap_or("?")
                ),
                fix: format!(
                    "correct the file; `scopeon init {agent}` leaves it untouched until then"
                ),
            }),
            _ => {}
        }
    }
    problems
}

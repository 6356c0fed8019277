//! The agents `scopeon init` registers `scopeon mcp` with: where each keeps its MCP servers and
//! the entry it expects (docs/mcp.md, "Registering it with an agent").

use camino::Utf8PathBuf;
use scopeon_core::env::Env;
use serde_json::{Value, json};

/// The name of our entry in every agent's server list.
pub const SERVER_NAME: &str = "scopeon";
/// The arguments the agent starts the binary with.
pub const ARGS: [&str; 1] = ["mcp"];

/// How an agent's configuration file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON object with the servers under `mcpServers`.
    Json,
    /// TOML with the servers under `[mcp_servers]`.
    Toml,
}

/// One agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Agent {
    /// Claude Code: `mcpServers` of `~/.claude.json`.
    ClaudeCode,
    /// Codex CLI: `[mcp_servers.scopeon]` of `~/.codex/config.toml`.
    Codex,
    /// Gemini CLI: `mcpServers` of `~/.gemini/settings.json`.
    GeminiCli,
    /// GitHub Copilot CLI: `mcpServers` of `~/.copilot/mcp-config.json`.
    CopilotCli,
}

impl Agent {
    /// Every agent, in the order `scopeon doctor` lists them.
    pub const ALL: [Agent; 4] = [
        Agent::ClaudeCode,
        Agent::Codex,
        Agent::GeminiCli,
        Agent::CopilotCli,
    ];

    /// The name on the command line and in `scopeon doctor --json`.
    pub fn name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude-code",
            Agent::Codex => "codex",
            Agent::GeminiCli => "gemini-cli",
            Agent::CopilotCli => "copilot-cli",
        }
    }

    /// How its configuration file is written.
    pub fn format(self) -> Format {
        match self {
            Agent::Codex => Format::Toml,
            _ => Format::Json,
        }
    }

    /// Its MCP configuration file. The variable that moves the agent's own directory moves it
    /// too, as the agent does (the first entry when it lists several, as docs/roots.md reads
    /// them): `$CLAUDE_CONFIG_DIR/.claude.json`, `$CODEX_HOME/config.toml`,
    /// `$GEMINI_CLI_HOME/.gemini/settings.json` (a home directory),
    /// `$COPILOT_HOME/mcp-config.json`. `None` without the variable or a home directory.
    pub fn config_path(self, env: &Env) -> Option<Utf8PathBuf> {
        let from_var = |var: &str| env.path_list(var).and_then(|d| d.into_iter().next());
        let home = || env.home().map(|h| h.to_owned());
        Some(match self {
            Agent::ClaudeCode => match from_var("CLAUDE_CONFIG_DIR") {
                Some(dir) => dir.join(".claude.json"),
                None => home()?.join(".claude.json"),
            },
            Agent::Codex => from_var("CODEX_HOME")
                .or_else(|| Some(home()?.join(".codex")))?
                .join("config.toml"),
            Agent::GeminiCli => from_var("GEMINI_CLI_HOME")
                .or_else(home)?
                .join(".gemini")
                .join("settings.json"),
            Agent::CopilotCli => from_var("COPILOT_HOME")
                .or_else(|| Some(home()?.join(".copilot")))?
                .join("mcp-config.json"),
        })
    }

    /// The entry that starts `exe mcp` over stdio, in the shape the agent documents: Claude
    /// Code's `claude mcp add` writes `type: stdio`; Copilot CLI wants `type: local` and the
    /// tools it may call (`*`: all, every one being read-only); Codex and Gemini CLI take the
    /// command and its arguments alone.
    pub fn entry(self, exe: &str) -> Value {
        match self {
            Agent::ClaudeCode => json!({"type": "stdio", "command": exe, "args": ARGS}),
            Agent::CopilotCli => {
                json!({"type": "local", "command": exe, "args": ARGS, "tools": ["*"]})
            }
            Agent::Codex | Agent::GeminiCli => json!({"command": exe, "args": ARGS}),
        }
    }
}

/// Whether an entry starts `exe mcp`: its `command` and `args` are ours (other fields, such as
/// an `env` the user added, do not matter).
pub fn starts(command: Option<&str>, args: Option<Vec<&str>>, exe: &str) -> bool {
    command == Some(exe) && args.as_deref() == Some(&ARGS[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_agents_variables() {
        let env = Env::isolated("/h");
        let paths: Vec<String> = Agent::ALL
            .iter()
            .map(|a| a.config_path(&env).unwrap().into_string())
            .collect();
        assert_eq!(
            paths,
            [
                "/h/.claude.json",
                "/h/.codex/config.toml",
                "/h/.gemini/settings.json",
                "/h/.copilot/mcp-config.json"
            ]
        );
        let env = env.with_vars(&[
            ("CLAUDE_CONFIG_DIR", "~/cc,/other"),
            ("CODEX_HOME", "/x"),
            ("GEMINI_CLI_HOME", "/g"),
            ("COPILOT_HOME", "/c"),
        ]);
        let paths: Vec<String> = Agent::ALL
            .iter()
            .map(|a| a.config_path(&env).unwrap().into_string())
            .collect();
        assert_eq!(
            paths,
            [
                "/h/cc/.claude.json",
                "/x/config.toml",
                "/g/.gemini/settings.json",
                "/c/mcp-config.json"
            ]
        );
        assert_eq!(Agent::Codex.config_path(&Env::default()), None);
    }

    #[test]
    fn an_entry_is_ours_by_command_and_arguments() {
        assert!(starts(Some("/b/scopeon"), Some(vec!["mcp"]), "/b/scopeon"));
        assert!(!starts(Some("/b/scopeon"), Some(vec![]), "/b/scopeon"));
        assert!(!starts(Some("/a/scopeon"), Some(vec!["mcp"]), "/b/scopeon"));
        assert!(!starts(None, None, "/b/scopeon"));
    }
}

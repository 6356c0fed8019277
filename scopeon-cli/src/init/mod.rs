//! `scopeon init AGENT`: registers `scopeon mcp` in an agent's MCP configuration, and the
//! registrations `scopeon doctor` reports (docs/mcp.md, "Registering it with an agent").
//!
//! One job per file: `agents.rs` (the agents, their files and entries), `edit.rs` (what an
//! edit produced), `json_entry.rs` and `toml_entry.rs` (our entry in a JSON or TOML file,
//! everything else kept), `command.rs` (the command), `status.rs` (registrations, for doctor).

pub mod agents;
mod command;
mod edit;
mod json_entry;
pub mod status;
mod toml_entry;

pub use command::run;

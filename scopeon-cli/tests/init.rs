//! End-to-end tests of `scopeon init AGENT` and of the registrations `scopeon doctor` reports:
//! the binary run with `HOME` pointed at a temporary directory (docs/mcp.md, "Registering it
//! with an agent").

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

const AGENTS: [&str; 4] = ["claude-code", "codex", "gemini-cli", "copilot-cli"];

/// The binary as `init` writes it: absolute, symlinks resolved.
fn exe() -> String {
    std::fs::canonicalize(env!("CARGO_BIN_EXE_scopeon"))
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run_env(&self, args: &[&str], vars: &[(&str, &Path)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scopeon"));
        cmd.env_clear()
            .env("HOME", self.dir.path())
            .env("TZ", "UTC")
            .args(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// Runs `args`, asserts exit 0, returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// The names of the files beside `rel`.
    fn siblings(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(rel).parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

fn config_of(agent: &str) -> &'static str {
    match agent {
        "claude-code" => ".claude.json",
        "codex" => ".codex/config.toml",
        "gemini-cli" => ".gemini/settings.json",
        "copilot-cli" => ".copilot/mcp-config.json",
        _ => unreachable!(),
    }
}

/// Our entry, as the file holds it.
fn entry(home: &Home, agent: &str) -> Value {
    let text = home.read(config_of(agent));
    if agent == "codex" {
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        let t = &doc["mcp_servers"]["scopeon"];
        json!({
            "command": t["command"].as_str(),
            "args": t["args"].as_array().map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect::<Vec<_>>()),
        })
    } else {
        let v: Value = serde_json::from_str(&text).unwrap();
        v["mcpServers"]["scopeon"].clone()
    }
}

fn mtime(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

#[test]
fn a_missing_file_is_created_with_its_directory_in_each_agents_shape() {
    let home = Home::new();
    for agent in AGENTS {
        let out = home.ok(&["init", agent]);
        assert!(out.starts_with("registered: "), "{out}");
        assert!(!out.contains("backup"), "{out}");
        let e = entry(&home, agent);
        assert_eq!(e["command"], exe(), "{agent}");
        assert_eq!(e["args"], json!(["mcp"]), "{agent}");
        // Only the file itself: nothing to back up.
        assert_eq!(home.siblings(config_of(agent)).len(), 1, "{agent}");
    }
    assert_eq!(entry(&home, "claude-code")["type"], "stdio");
    assert_eq!(entry(&home, "copilot-cli")["type"], "local");
    assert_eq!(entry(&home, "copilot-cli")["tools"], json!(["*"]));
    assert_eq!(
        home.read(".codex/config.toml"),
        format!(
            "[mcp_servers.scopeon]\ncommand = \"{}\"\nargs = [\"mcp\"]\n",
            exe()
        )
    );
}

#[test]
fn the_agents_variables_move_their_files() {
    let home = Home::new();
    let codex = home.path("elsewhere/codex");
    let out = home.run_env(&["init", "codex"], &[("CODEX_HOME", &codex)]);
    assert!(out.status.success());
    assert!(codex.join("config.toml").is_file());
    let claude = home.path("cc");
    let out = home.run_env(&["init", "claude-code"], &[("CLAUDE_CONFIG_DIR", &claude)]);
    assert!(out.status.success());
    assert!(claude.join(".claude.json").is_file());
    assert!(!home.path(".claude.json").exists());
}

#[test]
fn existing_servers_are_kept_a_second_run_writes_nothing_and_remove_restores_the_file() {
    // Four-space indentation, keys out of order, another server: none of it is rewritten.
    let original = "{\n    \"zeta\": {\"nested\": [1, 2.50, \"x\"]},\n    \"mcpServers\": {\n        \"github\": {\n            \"command\": \"gh-mcp\",\n            \"env\": {\"TOKEN\": \"t\"}\n        }\n    },\n    \"alpha\": true\n}\n";
    for agent in ["claude-code", "gemini-cli", "copilot-cli"] {
        let home = Home::new();
        let rel = config_of(agent);
        home.write(rel, original);
        let out = home.ok(&["init", agent]);
        assert!(out.contains("backup: "), "{out}");
        let text = home.read(rel);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["mcpServers"]["github"]["env"]["TOKEN"], "t");
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["zeta", "mcpServers", "alpha"]
        );
        assert!(text.starts_with("{\n    \"zeta\": {\"nested\": [1, 2.50, \"x\"]},\n    \"mcpServers\": {\n        \"github\": {\n            \"command\": \"gh-mcp\",\n            \"env\": {\"TOKEN\": \"t\"}\n        },\n        \"scopeon\": {\n            "), "{text}");
        // The backup is the file as it was.
        assert_eq!(home.read(&format!("{rel}.scopeon-original")), original);

        let before = mtime(&home.path(rel));
        std::thread::sleep(std::time::Duration::from_millis(20));
        let again = home.ok(&["init", agent]);
        assert!(again.starts_with("already registered"), "{again}");
        assert_eq!(home.read(rel), text);
        assert_eq!(mtime(&home.path(rel)), before);

        let removed = home.ok(&["init", agent, "--remove"]);
        assert!(removed.starts_with("removed: "), "{removed}");
        assert_eq!(home.read(rel), original, "{agent}");
        let nothing = home.ok(&["init", agent, "--remove"]);
        assert!(nothing.starts_with("not registered"), "{nothing}");
        // However many runs: the original and the latest backup, no more.
        home.ok(&["init", agent]);
        let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
        let backups: Vec<String> = home
            .siblings(rel)
            .into_iter()
            .filter(|n| n.starts_with(name) && n != name)
            .collect();
        assert_eq!(
            backups,
            [
                format!("{name}.scopeon-original"),
                format!("{name}.scopeon-previous")
            ]
        );
        assert_eq!(home.read(&format!("{rel}.scopeon-original")), original);
    }
}

#[test]
fn codex_comments_and_order_are_kept() {
    let home = Home::new();
    let original = "# Codex settings\nmodel = \"gpt-5\"   # the default\n\n[mcp_servers.docs]\ncommand = \"docs-mcp\" # serves docs\nargs = [\"--port\", \"0\"]\n\n# profiles below\n[profiles.fast]\nmodel = \"o4-mini\"\n";
    home.write(".codex/config.toml", original);
    home.ok(&["init", "codex"]);
    let text = home.read(".codex/config.toml");
    for kept in [
        "# Codex settings\nmodel = \"gpt-5\"   # the default\n",
        "command = \"docs-mcp\" # serves docs\n",
        "# profiles below\n[profiles.fast]\n",
    ] {
        assert!(text.contains(kept), "{text}");
    }
    assert_eq!(entry(&home, "codex")["command"], exe());
    home.ok(&["init", "codex", "--remove"]);
    assert_eq!(home.read(".codex/config.toml"), original);
}

#[test]
fn another_scopeon_entry_is_replaced_and_said_so() {
    let home = Home::new();
    home.write(
        ".gemini/settings.json",
        "{\"mcpServers\":{\"scopeon\":{\"command\":\"/old/bin/scopeon\",\"args\":[\"mcp\"]}}}",
    );
    let out = home.ok(&["init", "gemini-cli"]);
    assert!(out.contains("replaced the `scopeon` entry"), "{out}");
    assert!(out.contains("/old/bin/scopeon"), "{out}");
    assert_eq!(entry(&home, "gemini-cli")["command"], exe());
}

#[test]
fn malformed_files_are_left_byte_identical_with_exit_2() {
    for (agent, text, position) in [
        ("claude-code", "{\n  \"a\": 1,\n  \"b\": \n}\n", ":4:1:"),
        ("codex", "model = \"x\"\n[mcp_servers\n", ":2:13:"),
        (
            "copilot-cli",
            "[\"not an object\"]",
            ": it is not a JSON object",
        ),
    ] {
        let home = Home::new();
        let rel = config_of(agent);
        home.write(rel, text);
        let before = mtime(&home.path(rel));
        for args in [vec!["init", agent], vec!["init", agent, "--remove"]] {
            let out = home.run(&args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            let path = home.path(rel);
            assert!(
                err.contains(&format!("{}{position}", path.display())),
                "{err}"
            );
            assert!(err.contains("left untouched"), "{err}");
            assert_eq!(home.read(rel), text);
            assert_eq!(mtime(&home.path(rel)), before);
            assert_eq!(home.siblings(rel).len(), 1, "no backup was written");
        }
        // doctor says it cannot tell, with a fix, and is not failed by it.
        let doctor = home.run(&["doctor", "--json"]);
        let d: Value = serde_json::from_slice(&doctor.stdout).unwrap();
        let r = d["mcp_registrations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agent"] == agent)
            .unwrap()
            .clone();
        assert_eq!(r["state"], "unreadable", "{r}");
        assert!(
            d["problems"]
                .to_string()
                .contains(&format!("scopeon init {agent}"))
        );
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_refused_and_unchanged() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let original = "{\"theme\": \"dark\"}\n";
    home.write(".claude.json", original);
    let path = home.path(".claude.json");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = home.run(&["init", "claude-code"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("read-only") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(home.read(".claude.json"), original);
    assert_eq!(home.siblings(".claude.json"), [".claude.json"]);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o444);
}

#[cfg(unix)]
#[test]
fn the_files_mode_is_kept() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    home.write(".copilot/mcp-config.json", "{}");
    let path = home.path(".copilot/mcp-config.json");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    home.ok(&["init", "copilot-cli"]);
    for p in [
        path.clone(),
        home.path(".copilot/mcp-config.json.scopeon-original"),
    ] {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
}

#[test]
fn dry_run_prints_the_change_and_writes_nothing() {
    let home = Home::new();
    let out = home.ok(&["init", "codex", "--dry-run"]);
    assert!(out.starts_with("would add to "), "{out}");
    assert!(
        out.contains("- (no `scopeon` entry)\n+ [mcp_servers.scopeon]\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!("+ command = \"{}\"\n", exe())),
        "{out}"
    );
    assert!(out.ends_with("(--dry-run: nothing was written)\n"), "{out}");
    assert!(!home.path(".codex").exists());

    let original = "{\"mcpServers\": {\"scopeon\": {\"command\": \"/old\"}}}";
    home.write(".claude.json", original);
    let before = mtime(&home.path(".claude.json"));
    let out = home.ok(&["init", "claude-code", "--dry-run"]);
    assert!(out.starts_with("would replace in "), "{out}");
    assert!(
        out.contains("- \"scopeon\": {\"command\": \"/old\"}\n+ \"scopeon\": {"),
        "{out}"
    );
    let out = home.ok(&["init", "claude-code", "--remove", "--dry-run"]);
    assert!(out.starts_with("would remove from "), "{out}");
    assert_eq!(home.read(".claude.json"), original);
    assert_eq!(mtime(&home.path(".claude.json")), before);
    assert_eq!(home.siblings(".claude.json"), [".claude.json"]);
}

#[test]
fn doctor_shows_each_agents_registration() {
    let home = Home::new();
    home.ok(&["init", "claude-code"]);
    home.write(
        ".codex/config.toml",
        "[mcp_servers.scopeon]\ncommand = \"/gone/scopeon\"\nargs = [\"mcp\"]\n",
    );
    let out = home.run(&["doctor", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = d["mcp_registrations"].as_array().unwrap();
    let agents: Vec<&str> = r.iter().map(|r| r["agent"].as_str().unwrap()).collect();
    assert_eq!(agents, AGENTS);
    assert_eq!(r[0]["state"], "registered");
    assert_eq!(r[0]["command"], exe());
    assert_eq!(r[0]["command_exists"], true);
    assert_eq!(r[0]["this_binary"], true);
    assert_eq!(r[0]["config"], home.path(".claude.json").to_str().unwrap());
    assert_eq!(r[1]["state"], "registered");
    assert_eq!(r[1]["command_exists"], false);
    assert_eq!(r[2]["state"], "not_registered");
    assert_eq!(r[3]["state"], "not_registered");
    assert!(
        d["problems"]
            .to_string()
            .contains("/gone/scopeon, which does not exist"),
        "{}",
        d["problems"]
    );
    let text = home.ok(&["doctor"]);
    assert!(
        text.contains(&format!(
            "  claude-code     registered in {}: {} (this binary)\n",
            home.path(".claude.json").display(),
            exe()
        )),
        "{text}"
    );
    assert!(text.contains("  codex           registered in "), "{text}");
    assert!(text.contains("/gone/scopeon (missing)"), "{text}");
    assert!(
        text.contains("  gemini-cli      not registered ("),
        "{text}"
    );
}

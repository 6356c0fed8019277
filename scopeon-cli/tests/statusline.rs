//! End-to-end tests of `scopeon statusline` and `scopeon statusline install`: the line for
//! fixed inputs, a line and exit 0 under every failure we can inject, coalescing of concurrent
//! calls, no double counting with a later scan, and privacy.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Planted in every text field of stdin and the transcript that is not an id, a path or the
/// model: it must never reach the database, the cache or the line.
const MARKER: &str = "SCOPEON-PRIVACY-MARKER-7b2e";

const NOW: &str = "2026-11-27T12:00:00Z";
const SESSION: &str = "5f0c2a9e-session";

const TEST_CONFIG: &str = "[statusline]\ndeadline_ms = 10000\n";

struct Home {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

/// One assistant line of a Claude Code transcript, with prompt text that must stay unread.
fn request(n: u32, ts: &str, input: u64, output: u64) -> String {
    json!({
        "type": "assistant", "sessionId": SESSION, "cwd": "/home/dev/app",
        "requestId": format!("req_{n}"), "timestamp": ts,
        "message": {
            "id": format!("msg_{n}"), "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": MARKER}],
            "usage": {"input_tokens": input, "output_tokens": output,
                      "cache_read_input_tokens": 20000}
        }
    })
    .to_string()
        + "\n"
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let home = Home { _dir: dir, root };
        // A deadline no loaded test machine misses with a debug build; the deadline itself is
        // tested with a slowed worker.
        home.write(".scopeon/config.toml", TEST_CONFIG);
        home.write(
            &home.transcript_rel(),
            &(request(1, "2026-11-27T09:00:00Z", 1000, 2000)
                + &request(2, "2026-11-27T11:20:00Z", 3000, 4000)
                + &request(3, "2026-11-27T11:50:00Z", 5000, 6000)),
        );
        home
    }

    fn transcript_rel(&self) -> String {
        format!(".claude/projects/-home-dev-app/{SESSION}.jsonl")
    }

    fn transcript(&self) -> PathBuf {
        self.root.join(self.transcript_rel())
    }

    fn write(&self, rel: &str, contents: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_scopeon"));
        c.env_clear()
            .env("HOME", &self.root)
            .env("TZ", "UTC")
            .env("SCOPEON_NOW", NOW)
            .args(args);
        c
    }

    /// The JSON Claude Code sends, with the marker in every free-text field.
    fn input(&self, transcript: &Path) -> Vec<u8> {
        json!({
            "hook_event_name": format!("Status {MARKER}"),
            "session_id": SESSION,
            "transcript_path": transcript,
            "cwd": format!("/home/dev/{MARKER}"),
            "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet 4.5"},
            "workspace": {"current_dir": format!("/home/dev/{MARKER}"),
                          "project_dir": format!("/home/dev/{MARKER}")},
            "version": MARKER,
            "output_style": {"name": MARKER},
            "cost": {"total_cost_usd": 12.5, "total_lines_added": 3, "note": MARKER},
            "exceeds_200k_tokens": false
        })
        .to_string()
        .into_bytes()
    }

    /// Runs `scopeon statusline` with `stdin`, checks it exits 0 with one non-blank line
    /// within `limit`, and returns the line.
    fn statusline_with(&self, stdin: &[u8], env: &[(&str, &str)], limit: Duration) -> String {
        let mut cmd = self.cmd(&["statusline"]);
        cmd.envs(env.iter().copied());
        let (out, took) = run_with_stdin(cmd, stdin);
        assert!(took < limit, "took {took:?}");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.ends_with('\n') && text.matches('\n').count() == 1,
            "{text:?}"
        );
        let line = text.trim_end().to_owned();
        assert!(!line.trim().is_empty());
        assert!(!line.contains(MARKER), "{line}");
        // Nothing but the SGR color sequences the line may carry when asked.
        let plain = line
            .replace("\u{1b}[0m", "")
            .replace("\u{1b}[31m", "")
            .replace("\u{1b}[32m", "")
            .replace("\u{1b}[33m", "");
        assert!(!plain.chars().any(|c| c.is_control()), "{line:?}");
        line
    }

    fn statusline(&self, stdin: &[u8]) -> String {
        self.statusline_with(stdin, &[], Duration::from_secs(20))
    }

    fn report_requests(&self) -> u64 {
        let out = self
            .cmd(&["report", "--no-scan", "--json", "--by", ""])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["totals"]["requests"].as_u64().unwrap()
    }

    /// Every file under `.scopeon` (database, cache, locks) as bytes, for the privacy check.
    fn assert_marker_stored_nowhere(&self) {
        let mut stack = vec![self.root.join(".scopeon")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if entry.file_type().unwrap().is_dir() {
                    stack.push(path);
                } else {
                    let bytes = std::fs::read(&path).unwrap();
                    let found = bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes());
                    assert!(!found, "the marker is in {}", path.display());
                }
            }
        }
    }
}

/// Runs `cmd` with `stdin` written from another thread (a child that stops reading early must
/// not block the test), with a 30 s guard against a hang.
fn run_with_stdin(mut cmd: Command, stdin: &[u8]) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&bytes);
    });
    let pid = child.id();
    let guard = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(30));
        // Only reached when the child hangs: the assertion on the time taken then fails.
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    });
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    drop(guard);
    writer.join().unwrap();
    (out, took)
}

#[test]
fn the_line_for_a_fixed_input() {
    let home = Home::new();
    let input = home.input(&home.transcript());
    // An estimated block (09:00 to 14:00) and its burn rate over the last hour.
    let line = home.statusline(&input);
    insta::assert_snapshot!("statusline_default", line);
    // Claude Code reports its five-hour window: the official percentage (and the window's
    // reset time) replace the estimate.
    let mut official: Value = serde_json::from_slice(&input).unwrap();
    let now: jiff::Timestamp = NOW.parse().unwrap();
    official["rate_limits"] = json!({
        "five_hour": {"used_percentage": 87.5, "resets_at": now.as_second() + 150 * 60},
        "seven_day": {"used_percentage": 12, "resets_at": now.as_second() + 3 * 86400}
    });
    let official = official.to_string().into_bytes();
    insta::assert_snapshot!("statusline_official", home.statusline(&official));
    // Configured segments, colors asked for (NO_COLOR wins over them).
    home.write(
        ".scopeon/config.toml",
        "[statusline]\nsegments = [\"block\", \"today_cost\", \"model\"]\ncolor = true\ndeadline_ms = 10000\n",
    );
    let configured = home.statusline(&official);
    insta::assert_snapshot!("statusline_configured", configured);
    let no_color = home.statusline_with(&official, &[("NO_COLOR", "1")], Duration::from_secs(20));
    assert_eq!(no_color, "5h 88% (2h30m left) · today $0.23 · Sonnet 4.5");
    home.assert_marker_stored_nowhere();
}

#[test]
fn a_later_scan_does_not_count_the_transcript_twice() {
    let home = Home::new();
    let input = home.input(&home.transcript());
    home.statusline(&input);
    assert_eq!(home.report_requests(), 3);
    // The transcript grows between calls: the next call reads only the new line.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(home.transcript())
        .unwrap();
    f.write_all(request(4, "2026-11-27T11:55:00Z", 10, 20).as_bytes())
        .unwrap();
    let before = home.statusline(&input);
    assert_eq!(home.report_requests(), 4);
    let out = home.cmd(&["scan"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(home.report_requests(), 4);
    assert_eq!(home.statusline(&input), before);
    home.assert_marker_stored_nowhere();
}

#[test]
fn every_failure_still_prints_a_line_and_exits_0() {
    let home = Home::new();
    let fallback = home.statusline(b"");
    // No input: no model, no session; today's cost is still known.
    assert_eq!(fallback, "today $0.00");
    for garbage in [&b"not json"[..], b"\x00\xff{", b"[]", b"{\"model\": 7}"] {
        home.statusline(garbage);
    }
    let huge = vec![b'{'; 2 << 20];
    home.statusline(&huge);
    let with = |transcript: &Path| home.input(transcript);
    // A transcript that is missing, outside the roots, a symlink, a FIFO: nothing is read.
    home.statusline(&with(&home.root.join(".claude/projects/-x/missing.jsonl")));
    home.write("elsewhere/projects/-p/s.jsonl", &request(9, NOW, 1, 1));
    home.statusline(&with(&home.root.join("elsewhere/projects/-p/s.jsonl")));
    let link = home.root.join(".claude/projects/-home-dev-app/link.jsonl");
    std::os::unix::fs::symlink(home.root.join("elsewhere/projects/-p/s.jsonl"), &link).unwrap();
    home.statusline(&with(&link));
    let fifo = home.root.join(".claude/projects/-home-dev-app/fifo.jsonl");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    home.statusline_with(&with(&fifo), &[], Duration::from_secs(10));
    assert_eq!(home.report_requests(), 0, "nothing was ingested");

    // A good call, then the work slowed past the deadline: the last good line comes back.
    let input = with(&home.transcript());
    let good = home.statusline(&input);
    assert!(good.contains("session $"), "{good}");
    home.write(".scopeon/config.toml", "[statusline]\ndeadline_ms = 1000\n");
    let slow = home.statusline_with(
        &input,
        &[("SCOPEON_TEST_STATUSLINE_DELAY_MS", "3000")],
        Duration::from_millis(2500),
    );
    assert_eq!(slow, good);

    // A database that is not one, a read-only database, a configuration that does not parse.
    let other = tempfile::tempdir().unwrap();
    let not_a_db = other.path().join("not.db");
    std::fs::write(&not_a_db, vec![0x42u8; 8192]).unwrap();
    let line = home.statusline_with(
        &input,
        &[("SCOPEON_DB", not_a_db.to_str().unwrap())],
        Duration::from_secs(20),
    );
    assert_eq!(line, good, "the last good line");
    home.statusline_with(
        &input,
        &[("SCOPEON_TEST_DB_FAULT", "read-only")],
        Duration::from_secs(20),
    );
    home.write(
        ".scopeon/config.toml",
        "[statusline]\nsegments = [\"nope\"]\n",
    );
    assert_eq!(home.statusline(&input), good);
    home.write(".scopeon/config.toml", TEST_CONFIG);

    // A read-only ~/.scopeon (and, for root, whom modes do not stop, a cache directory that
    // cannot be created): still a line, from the input alone when nothing else is possible.
    let fresh = Home::new();
    std::fs::create_dir_all(fresh.root.join(".scopeon")).unwrap();
    std::fs::write(fresh.root.join(".scopeon/statusline"), "").unwrap();
    set_mode(&fresh.root.join(".scopeon"), 0o500);
    let line = fresh.statusline_with(
        &fresh.input(&fresh.transcript()),
        &[("SCOPEON_TEST_DB_FAULT", "read-only")],
        Duration::from_secs(20),
    );
    set_mode(&fresh.root.join(".scopeon"), 0o700);
    assert!(line.starts_with("Sonnet 4.5"), "{line}");
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn twenty_concurrent_calls_coalesce_on_one_worker() {
    let home = Home::new();
    let trace = home.root.join("trace");
    let input = home.input(&home.transcript());
    let started = Instant::now();
    let children: Vec<_> = (0..20)
        .map(|_| {
            let mut cmd = home.cmd(&["statusline"]);
            cmd.env("SCOPEON_TEST_STATUSLINE_TRACE", &trace)
                .env("SCOPEON_TEST_STATUSLINE_DELAY_MS", "1500")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            child.stdin.take().unwrap().write_all(&input).unwrap();
            child
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    for out in &outputs {
        assert_eq!(out.status.code(), Some(0));
        let line = String::from_utf8_lossy(&out.stdout);
        assert!(
            !line.trim().is_empty() && line.matches('\n').count() == 1,
            "{line:?}"
        );
    }
    let worked = std::fs::read_to_string(&trace).unwrap();
    assert_eq!(
        worked.lines().count(),
        1,
        "exactly one call did the work: {worked}"
    );
    // Every process is gone and the lock with them: the next call works.
    home.statusline_with(
        &input,
        &[("SCOPEON_TEST_STATUSLINE_TRACE", trace.to_str().unwrap())],
        Duration::from_secs(20),
    );
    assert_eq!(std::fs::read_to_string(&trace).unwrap().lines().count(), 2);
    assert_eq!(home.report_requests(), 3);
}

fn install(home: &Home, extra: &[&str]) -> Output {
    let mut args = vec!["statusline", "install"];
    args.extend_from_slice(extra);
    home.cmd(&args).output().unwrap()
}

fn settings(home: &Home) -> Value {
    serde_json::from_slice(&std::fs::read(home.root.join(".claude/settings.json")).unwrap())
        .unwrap()
}

fn backups(home: &Home) -> Vec<PathBuf> {
    std::fs::read_dir(home.root.join(".claude"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.to_string_lossy()
                .contains("settings.json.scopeon-backup-")
        })
        .collect()
}

fn our_command() -> String {
    let exe = Path::new(env!("CARGO_BIN_EXE_scopeon"))
        .canonicalize()
        .unwrap();
    format!("{} statusline", exe.display())
}

#[test]
fn install_writes_a_fresh_entry_keeps_other_keys_and_is_idempotent() {
    let home = Home::new();
    let out = install(&home, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(settings(&home)["statusLine"]["command"], our_command());
    assert!(backups(&home).is_empty(), "nothing to back up");

    let other = Home::new();
    let original = "{\n  \"model\": \"opus\",\n  \"permissions\": {\n    \"allow\": [\n      \"Bash(ls)\"\n    ]\n  }\n}\n";
    other.write(".claude/settings.json", original);
    let dry = install(&other, &["--dry-run"]);
    assert!(dry.status.success());
    let printed: Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(printed["statusLine"]["type"], "command");
    assert_eq!(
        std::fs::read_to_string(other.root.join(".claude/settings.json")).unwrap(),
        original,
        "a dry run writes nothing"
    );
    assert!(install(&other, &[]).status.success());
    let written = std::fs::read_to_string(other.root.join(".claude/settings.json")).unwrap();
    assert!(
        written.starts_with(original.trim_end().trim_end_matches('}').trim_end()),
        "{written}"
    );
    assert_eq!(settings(&other)["statusLine"]["command"], our_command());
    let saved = backups(&other);
    assert_eq!(saved.len(), 1);
    assert_eq!(std::fs::read_to_string(&saved[0]).unwrap(), original);
    let again = install(&other, &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already installed"));
    assert_eq!(
        std::fs::read_to_string(other.root.join(".claude/settings.json")).unwrap(),
        written
    );
    assert_eq!(backups(&other).len(), 1, "no change, no backup");
}

#[test]
fn install_chains_an_existing_command_and_leaves_a_broken_file_alone() {
    let home = Home::new();
    home.write(
        ".claude/settings.json",
        r#"{"statusLine":{"type":"command","command":"printf 'theirs'","padding":0}}"#,
    );
    assert!(install(&home, &[]).status.success());
    let s = settings(&home);
    assert_eq!(s["statusLine"]["padding"], 0);
    let command = s["statusLine"]["command"].as_str().unwrap().to_owned();
    // Claude Code runs the command with a shell: our line, then theirs.
    let mut sh = Command::new("sh");
    sh.env_clear()
        .env("HOME", &home.root)
        .env("TZ", "UTC")
        .env("SCOPEON_NOW", NOW)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("-c")
        .arg(&command);
    let (out, _) = run_with_stdin(sh, &home.input(&home.transcript()));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text:?}");
    assert!(lines[0].starts_with("Sonnet 4.5 · session $"), "{text}");
    assert_eq!(lines[1], "theirs");
    assert_eq!(backups(&home).len(), 1);
    let again = install(&home, &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already installed"));
    assert_eq!(settings(&home)["statusLine"]["command"], command.as_str());

    // Not JSON: left untouched, with an error saying so; no backup either.
    let broken = Home::new();
    broken.write(".claude/settings.json", "{\"model\": \"opus\",,}");
    let out = install(&broken, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not valid JSON") && err.contains("left untouched"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(broken.root.join(".claude/settings.json")).unwrap(),
        "{\"model\": \"opus\",,}"
    );
    assert!(backups(&broken).is_empty());

    // CLAUDE_CONFIG_DIR names where Claude Code keeps its settings.
    let elsewhere = Home::new();
    let dir = elsewhere.root.join("claude-config");
    let out = elsewhere
        .cmd(&["statusline", "install"])
        .env("CLAUDE_CONFIG_DIR", &dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(dir.join("settings.json").exists());
    assert!(!elsewhere.root.join(".claude/settings.json").exists());
}

#[test]
fn rate_limits_of_the_input_are_stored_as_numbers_when_they_are_current() {
    let home = Home::new();
    let now: jiff::Timestamp = NOW.parse().unwrap();
    let now_s = now.as_second();
    let call = |five: Value, seven: Value| {
        let mut input: Value = serde_json::from_slice(&home.input(&home.transcript())).unwrap();
        input["rate_limits"] = json!({"five_hour": five, "seven_day": seven});
        home.statusline(input.to_string().as_bytes());
    };
    // Current windows: stored (100.4% clamped to 100).
    call(
        json!({"used_percentage": 42.5, "resets_at": now_s + 3600}),
        json!({"used_percentage": 100.4, "resets_at": now_s + 86400}),
    );
    // Hostile ones: nothing more stored.
    call(
        json!({"used_percentage": 150, "resets_at": now_s + 3600}),
        json!({"used_percentage": 5, "resets_at": now_s - 60}),
    );
    call(
        json!({"used_percentage": 5, "resets_at": now_s + 400 * 86400}),
        json!({"used_percentage": MARKER, "resets_at": MARKER}),
    );
    let db = rusqlite::Connection::open(home.root.join(".scopeon/scopeon.db")).unwrap();
    let rows: Vec<(String, String, i64, f64, i64)> = db
        .prepare(
            "SELECT provider, kind, window_minutes, used_percentage, resets_at_ms - captured_at_ms
             FROM rate_limits ORDER BY kind",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        [
            (
                "claude_code".into(),
                "five_hour".into(),
                300,
                42.5,
                3_600_000
            ),
            (
                "claude_code".into(),
                "seven_day".into(),
                10_080,
                100.0,
                86_400_000
            ),
        ]
    );
    home.assert_marker_stored_nowhere();
}

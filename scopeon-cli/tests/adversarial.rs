//! Adversarial end-to-end tests of the `scopeon` binary: hostile or broken files under the
//! agents' roots, files changing while they are read, and databases that are corrupt, read-only,
//! full, newer, shared or not files at all.
//!
//! Each case must end in a clear message or a counted skip: no panic, no hang, nothing already
//! stored lost, nothing outside the roots read. A privacy marker is planted in every text field
//! of every log (and in the files planted symlinks point at); it must never reach any output or
//! any file Scopeon writes (checked for every home when it is dropped).

use std::cell::RefCell;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

/// Planted in every text field of every log written here; must never come out of Scopeon.
const MARKER: &str = "SCOPEON-PRIVACY-MARKER-7f3a";

const NOW: &str = "2026-11-27T12:00:00Z";

/// Longest any single command may take before the test calls it hung.
const HANG: Duration = Duration::from_secs(120);

struct Home {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// Directories Scopeon writes to besides `~/.scopeon` (`--db` elsewhere).
    private_dirs: RefCell<Vec<PathBuf>>,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        Home {
            _dir: dir,
            root,
            private_dirs: RefCell::new(Vec::new()),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, contents: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, contents).unwrap();
    }

    fn append(&self, rel: &str, contents: &str) {
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(self.path(rel))
            .unwrap();
        f.write_all(contents.as_bytes()).unwrap();
    }

    fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(&p).unwrap();
        p
    }

    fn db(&self) -> PathBuf {
        self.path(".scopeon/scopeon.db")
    }

    /// Registers a directory Scopeon writes to, so the privacy check covers it.
    fn private_dir(&self, dir: PathBuf) {
        self.private_dirs.borrow_mut().push(dir);
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

    fn run(&self, args: &[&str]) -> Output {
        run_cmd(self.cmd(args))
    }

    fn run_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut c = self.cmd(args);
        for (k, v) in vars {
            c.env(k, v);
        }
        run_cmd(c)
    }

    fn ok(&self, args: &[&str]) -> String {
        ok(self.run(args), args)
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn json_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Value {
        serde_json::from_str(&ok(self.run_env(args, vars), args)).unwrap()
    }

    /// The stored totals, without scanning.
    fn totals(&self) -> Value {
        self.json(&["report", "--json", "--no-scan", "--by", ""])["totals"].clone()
    }

    fn totals_db(&self, db: &Path) -> Value {
        self.json(&[
            "report",
            "--json",
            "--no-scan",
            "--by",
            "",
            "--db",
            db.to_str().unwrap(),
        ])["totals"]
            .clone()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let mut dirs = vec![self.root.join(".scopeon")];
        dirs.extend(self.private_dirs.borrow().iter().cloned());
        for dir in dirs {
            assert_marker_not_under(&dir);
        }
    }
}

/// Runs a command, failing the test if it takes longer than [`HANG`]; checks its output for
/// the marker.
fn run_cmd(mut c: Command) -> Output {
    let child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child, HANG);
    assert_no_marker(&out);
    out
}

/// Waits for a child, collecting its output; kills it and fails after `limit`.
fn wait_output(mut child: Child, limit: Duration) -> Output {
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        stdout.read_to_end(&mut v).ok();
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        stderr.read_to_end(&mut v).ok();
        v
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("scopeon hung for {limit:?} (a FIFO opened blocking?)");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

fn ok(out: Output, args: &[&str]) -> String {
    assert!(
        out.status.success(),
        "scopeon {args:?} failed ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_no_marker(out: &Output) {
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !contains(stream, MARKER.as_bytes()),
            "privacy marker leaked into output:\n{}",
            String::from_utf8_lossy(stream)
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// No file under `dir` (recursively, never through a symlink) holds the marker.
fn assert_marker_not_under(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let p = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            assert_marker_not_under(&p);
        } else if kind.is_file() {
            let bytes = fs::read(&p).unwrap();
            assert!(
                !contains(&bytes, MARKER.as_bytes()),
                "privacy marker found in {}",
                p.display()
            );
        }
    }
}

/// Whether this process runs as root (which reads files whatever their mode).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().unwrap();
    fs::metadata(probe.path()).unwrap().uid() == 0
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

fn chmod(p: &Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
}

fn symlink(target: &Path, link: &Path) {
    fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn mkfifo(p: &Path) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo runs");
    assert!(st.success());
}

/// A Unix socket bound at `p`; it exists while the listener lives.
fn socket(p: &Path) -> std::os::unix::net::UnixListener {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::os::unix::net::UnixListener::bind(p).unwrap()
}

/// The provider's part of a `scan --json` document.
fn provider<'v>(scan: &'v Value, id: &str) -> &'v Value {
    scan["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == id)
        .unwrap_or_else(|| panic!("no {id} in {scan:#}"))
}

// ---- Log lines -------------------------------------------------------------------------------

/// A Claude Code assistant line with the marker in every text field; `output` output tokens.
fn cc(session: &str, msg: &str, output: u64) -> String {
    format!(
        r#"{{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/home/dev/acme","sessionId":"{session}","version":"2.0.14","message":{{"id":"{msg}","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{{"type":"thinking","thinking":"{MARKER}"}},{{"type":"text","text":"{MARKER}"}},{{"type":"tool_use","id":"t","name":"Bash","input":{{"command":"{MARKER}"}}}}],"stop_reason":"end_turn","usage":{{"input_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":{output}}}}},"requestId":"req_{msg}","type":"assistant","uuid":"u-{msg}","timestamp":"2026-11-26T10:00:00.000Z","toolUseResult":{{"stdout":"{MARKER}"}}}}"#
    ) + "\n"
}

/// `n` Claude lines of a session, ids `<session>-<first + i>`, each with 1 output token.
fn cc_lines(session: &str, first: u64, n: u64) -> String {
    (first..first + n)
        .map(|i| cc(session, &format!("{session}-{i}"), 1))
        .collect()
}

/// An Aider `message_send` event with the marker in the fields Scopeon does not read.
fn aider(time: i64, prompt: u64, completion: u64) -> String {
    format!(
        r#"{{"event":"message_send","properties":{{"main_model":"gpt-4o","edit_format":"{MARKER}","prompt_tokens":{prompt},"completion_tokens":{completion},"total_tokens":{},"cost":0.01,"total_cost":0.01,"note":"{MARKER}"}},"user_id":"{MARKER}","time":{time}}}"#,
        prompt + completion
    ) + "\n"
}

/// A Cursor `state.vscdb` at `path` with `replies` assistant bubbles of `input`/`output`
/// tokens each, the marker in every text and in `ItemTable`'s credentials.
fn cursor_db(path: &Path, replies: u32, input: u64, output: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
         CREATE TABLE IF NOT EXISTS cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);",
    )
    .unwrap();
    let put = |table: &str, key: &str, value: &str| {
        db.execute(
            &format!("INSERT INTO {table} (key, value) VALUES (?1, ?2)"),
            (key, value.as_bytes()),
        )
        .unwrap();
    };
    let composer = "2b7c1d9e-0000-4000-8000-0000000000c1";
    put("ItemTable", "cursorAuth/accessToken", MARKER);
    put(
        "cursorDiskKV",
        &format!("composerData:{composer}"),
        &format!(r#"{{"composerId":"{composer}","createdAt":1761820000000,"name":"{MARKER}"}}"#),
    );
    for n in 0..replies {
        put(
            "cursorDiskKV",
            &format!("bubbleId:{composer}:b1000000-0000-4000-8000-{n:012}"),
            &format!(
                r#"{{"_v":3,"type":2,"createdAt":"2025-11-08T14:00:09.500Z","text":"{MARKER}","richText":"{MARKER}","modelInfo":{{"modelName":"gpt-5"}},"tokenCount":{{"inputTokens":{input},"outputTokens":{output}}}}}"#
            ),
        );
    }
}

const CURSOR_DB: &str = ".config/Cursor/User/globalStorage/state.vscdb";

/// A home with good data of all three providers: 3 Claude requests (output 10 + 20 + 30),
/// 2 Aider replies (input 100 + 200) and 2 Cursor replies (input 1000 each).
fn good_home() -> Home {
    let home = Home::new();
    home.write(
        ".claude/projects/p/good.jsonl",
        &(cc("s1", "m1", 10) + &cc("s1", "m2", 20) + &cc("s1", "m3", 30)),
    );
    home.write(
        "aider/analytics.jsonl",
        &(aider(1768000000, 100, 1) + &aider(1768000010, 200, 2)),
    );
    cursor_db(&home.path(CURSOR_DB), 2, 1000, 5);
    home
}

fn aider_env(home: &Home, log: &str) -> (&'static str, String) {
    (
        "AIDER_ANALYTICS_LOG",
        home.path(log).to_str().unwrap().to_owned(),
    )
}

/// Stored requests and input tokens by provider.
fn by_provider(home: &Home) -> Vec<(String, u64, u64)> {
    home.json(&["report", "--json", "--no-scan", "--by", "provider"])["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"]["provider"].as_str().unwrap().to_owned(),
                r["requests"].as_u64().unwrap(),
                r["input_tokens"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn good_rows() -> Vec<(String, u64, u64)> {
    vec![
        ("aider".into(), 2, 300),
        ("claude_code".into(), 3, 3),
        ("cursor".into(), 2, 2000),
    ]
}

/// Scans a home with `AIDER_ANALYTICS_LOG` set to `aider_log` (relative to the home).
fn scan_with_aider(home: &Home, aider_log: &str) -> Value {
    let (k, v) = aider_env(home, aider_log);
    home.json_env(&["scan", "--json"], &[(k, &v)])
}

fn scan_text_with_aider(home: &Home, aider_log: &str) -> String {
    let (k, v) = aider_env(home, aider_log);
    ok(home.run_env(&["scan"], &[(k, &v)]), &["scan"])
}

// ---- Access times: proof that a file was never read -----------------------------------------

/// Sets a file's access time an hour before its modification time, so that on a `relatime`
/// or `strictatime` file system any read moves it.
fn age_atime(p: &Path) {
    let m = fs::metadata(p).unwrap().modified().unwrap();
    let f = fs::File::options().write(true).open(p).unwrap();
    f.set_times(fs::FileTimes::new().set_accessed(m - Duration::from_secs(3600)))
        .unwrap();
}

fn atime(p: &Path) -> SystemTime {
    fs::metadata(p).unwrap().accessed().unwrap()
}

/// Whether reads update access times here (not on `noatime` mounts).
fn atime_works(dir: &Path) -> bool {
    let p = dir.join("atime-probe");
    fs::write(&p, "probe").unwrap();
    age_atime(&p);
    let before = atime(&p);
    fs::read(&p).unwrap();
    let works = atime(&p) != before;
    fs::remove_file(&p).unwrap();
    works
}

/// Files outside every root, planted with the marker in their path and content and with
/// valid usage (a Claude line of 7,777 output tokens, an Aider reply of 7,777 input tokens and
/// a Cursor database of 7,777 input tokens): none may ever be counted, shown or read.
struct Outside {
    dir: PathBuf,
    files: Vec<PathBuf>,
}

impl Outside {
    fn plant(home: &Home) -> Outside {
        let dir = home.mkdir(&format!("outside/{MARKER}"));
        let claude = dir.join("secret.jsonl");
        fs::write(&claude, cc("sX", "mX", 7777)).unwrap();
        fs::create_dir_all(dir.join("projects/q")).unwrap();
        let nested = dir.join("projects/q/nested.jsonl");
        fs::write(&nested, cc("sY", "mY", 7777)).unwrap();
        let aider_log = dir.join("analytics.jsonl");
        fs::write(&aider_log, aider(1768000100, 7777, 7)).unwrap();
        let cursor = dir.join("state.vscdb");
        cursor_db(&cursor, 1, 7777, 7);
        let files = vec![claude, nested, aider_log, cursor];
        for f in &files {
            age_atime(f);
        }
        Outside { dir, files }
    }

    fn atimes(&self) -> Vec<SystemTime> {
        self.files.iter().map(|f| atime(f)).collect()
    }
}

// ---- Symlinks --------------------------------------------------------------------------------

#[test]
fn symlinks_out_of_the_roots_are_never_followed() {
    let home = good_home();
    let first = scan_with_aider(&home, "aider/analytics.jsonl");
    assert_eq!(first["files"], 3, "{first:#}");
    assert_eq!(by_provider(&home), good_rows());

    // Now plant symlinks to the outside files: to a file and to a directory, from inside each
    // root, plus loops and links to the root's own ancestors.
    let out = Outside::plant(&home);
    let atime_checked = atime_works(&out.dir);
    let before = out.atimes();
    let projects = home.path(".claude/projects");
    symlink(
        &out.dir.join("secret.jsonl"),
        &projects.join("p/link.jsonl"),
    );
    symlink(&out.dir, &projects.join("p/linkdir"));
    symlink(&out.dir.join("projects/q"), &projects.join("q"));
    symlink(
        &projects.join("p/loop2.jsonl"),
        &projects.join("p/loop1.jsonl"),
    );
    symlink(
        &projects.join("p/loop1.jsonl"),
        &projects.join("p/loop2.jsonl"),
    );
    symlink(
        &projects.join("p/self.jsonl"),
        &projects.join("p/self.jsonl"),
    );
    symlink(Path::new("."), &projects.join("p/here"));
    symlink(Path::new(".."), &projects.join("p/up"));
    symlink(&home.root, &projects.join("p/home"));
    // A dangling one.
    symlink(
        &out.dir.join("gone.jsonl"),
        &projects.join("p/dangling.jsonl"),
    );
    // Aider with a directory root: a link in it is not read.
    home.write("aider-dir/a.jsonl", &aider(1768000020, 400, 4));
    symlink(
        &out.dir.join("analytics.jsonl"),
        &home.path("aider-dir/link.jsonl"),
    );
    // Cursor: its database replaced by a link to another one.
    let cursor = home.path(CURSOR_DB);
    fs::rename(&cursor, cursor.with_extension("bak")).unwrap();
    symlink(&out.dir.join("state.vscdb"), &cursor);

    let scan = scan_with_aider(&home, "aider-dir");
    let cc = provider(&scan, "claude_code");
    assert_eq!(cc["files"], 1, "only the real transcript: {cc:#}");
    assert_eq!(cc["new_records"], 0);
    assert_eq!(cc["problems"], Value::Array(vec![]));
    let a = provider(&scan, "aider");
    assert_eq!((&a["files"], &a["new_records"]), (&1.into(), &1.into()));
    let cu = provider(&scan, "cursor");
    assert_eq!(cu["files"], 0, "{cu:#}");
    // What was stored is all still there, plus the one real new Aider reply.
    let mut rows = good_rows();
    rows[0] = ("aider".into(), 3, 700);
    assert_eq!(by_provider(&home), rows);
    assert_eq!(
        home.totals()["output_tokens"],
        10 + 20 + 30 + 1 + 2 + 4 + 5 + 5
    );
    // A rebuild re-reads everything under the roots: still nothing from outside.
    let (k, v) = aider_env(&home, "aider-dir");
    home.json_env(&["scan", "--rebuild", "--json"], &[(k, &v)]);
    assert_eq!(by_provider(&home), rows);

    // The links are not even shown (the outside directory's name is the marker).
    let text = scan_text_with_aider(&home, "aider-dir");
    assert!(!text.contains("outside"), "{text}");
    home.ok(&["providers"]);
    home.ok(&["doctor"]);

    if atime_checked {
        assert_eq!(out.atimes(), before, "a file outside the roots was read");
    } else {
        eprintln!("note: access times are not updated here (noatime); reads not checked");
    }
}

/// A root that is a symlink is the user's choice (`~/.claude` on another disk,
/// `AIDER_ANALYTICS_LOG` naming a link): it is followed, a file root read by its real path.
/// Symlinks below a root still are not.
#[test]
fn a_root_that_is_a_symlink_is_followed_but_nothing_below_it() {
    let home = good_home();
    scan_with_aider(&home, "aider/analytics.jsonl");
    let out = Outside::plant(&home);
    let atime_checked = atime_works(&out.dir);
    let before = out.atimes();

    // AIDER_ANALYTICS_LOG names a symlink to another log of the user's: read.
    home.write("elsewhere/analytics.jsonl", &aider(1768000030, 500, 5));
    symlink(
        &home.path("elsewhere/analytics.jsonl"),
        &home.path("aider/link.jsonl"),
    );
    let scan = scan_with_aider(&home, "aider/link.jsonl");
    let a = provider(&scan, "aider");
    assert_eq!((&a["files"], &a["new_records"]), (&1.into(), &1.into()));
    assert_eq!(a["roots"][0]["exists"], true);
    assert!(a["roots"][0].get("note").is_none(), "{a:#}");
    let (k, v) = aider_env(&home, "aider/link.jsonl");
    let d = home.json_env(&["doctor", "--json"], &[(k, &v)]);
    assert!(!d["problems"].to_string().contains("aider"), "{d:#}");

    // CLAUDE_CONFIG_DIR a symlink to a directory: followed; inside it, a `projects` entry that
    // links outside is not.
    home.write("disk/claude/projects/q/more.jsonl", &cc("s2", "m4", 40));
    symlink(&out.dir, &home.path("disk/claude/projects/outside"));
    symlink(&home.path("disk/claude"), &home.path("claude-link"));
    let claude_link = home.path("claude-link");
    let scan = home.json_env(
        &["scan", "--json"],
        &[("CLAUDE_CONFIG_DIR", claude_link.to_str().unwrap())],
    );
    let cc = provider(&scan, "claude_code");
    assert_eq!((&cc["files"], &cc["new_records"]), (&1.into(), &1.into()));
    assert!(cc["roots"][0].get("note").is_none(), "{cc:#}");
    let mut want = good_rows();
    want[0] = ("aider".into(), 3, 800);
    want[1] = ("claude_code".into(), 4, 4);
    assert_eq!(by_provider(&home), want);
    if atime_checked {
        assert_eq!(out.atimes(), before, "a file outside the roots was read");
    }
}

// ---- FIFOs, sockets, directories named like logs ---------------------------------------------

#[test]
fn fifos_and_sockets_are_skipped_without_blocking() {
    let home = good_home();
    scan_with_aider(&home, "aider/analytics.jsonl");
    mkfifo(&home.path(".claude/projects/p/fifo.jsonl"));
    let _claude_sock = socket(&home.path(".claude/projects/p/sock.jsonl"));
    // Aider's root itself a FIFO, and a socket in a directory root.
    mkfifo(&home.path("aider/fifo.jsonl"));
    home.write("aider-dir/a.jsonl", &aider(1768000020, 400, 4));
    mkfifo(&home.path("aider-dir/fifo.jsonl"));
    let _aider_sock = socket(&home.path("aider-dir/sock.jsonl"));
    // Cursor's database a FIFO.
    let cursor = home.path(CURSOR_DB);
    fs::rename(&cursor, cursor.with_extension("bak")).unwrap();
    mkfifo(&cursor);

    let scan = scan_with_aider(&home, "aider/fifo.jsonl");
    assert_eq!(provider(&scan, "claude_code")["files"], 1);
    let a = provider(&scan, "aider");
    assert_eq!(a["files"], 0);
    assert!(
        a["roots"][0]["note"]
            .as_str()
            .unwrap_or_default()
            .contains("neither a directory nor a regular file"),
        "{a:#}"
    );
    assert_eq!(provider(&scan, "cursor")["files"], 0);
    let text = scan_text_with_aider(&home, "aider/fifo.jsonl");
    assert!(
        text.contains("fifo.jsonl (not searched: neither a directory nor a regular file"),
        "{text}"
    );
    let scan = scan_with_aider(&home, "aider-dir");
    let a = provider(&scan, "aider");
    assert_eq!((&a["files"], &a["new_records"]), (&1.into(), &1.into()));
    // Aider's root itself a socket.
    let _root_sock = socket(&home.path("aider/sock.jsonl"));
    let scan = scan_with_aider(&home, "aider/sock.jsonl");
    let a = provider(&scan, "aider");
    assert_eq!(a["files"], 0);
    assert!(
        a["roots"][0]["note"]
            .as_str()
            .unwrap_or_default()
            .contains("socket")
    );
    // A writer holding the FIFO open does not make it readable either.
    let fifo = home.path(".claude/projects/p/fifo.jsonl");
    let (release, released) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        // Blocks until a reader opens it (the test's own, below); held open during the scan.
        let mut w = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        let _ = w.write_all(cc("sF", "mF", 9999).as_bytes());
        released.recv().ok();
    });
    let mut r = fs::OpenOptions::new()
        .read(true)
        .open(home.path(".claude/projects/p/fifo.jsonl"))
        .unwrap();
    let scan = home.json(&["scan", "--json"]);
    assert_eq!(provider(&scan, "claude_code")["new_records"], 0);
    release.send(()).unwrap();
    let mut drained = Vec::new();
    r.read_to_end(&mut drained).unwrap();
    writer.join().unwrap();

    let mut rows = good_rows();
    rows[0] = ("aider".into(), 3, 700);
    assert_eq!(by_provider(&home), rows);
}

#[test]
fn directories_named_like_logs_are_not_logs() {
    let home = good_home();
    scan_with_aider(&home, "aider/analytics.jsonl");
    // Claude: a directory named like a transcript, empty and with a non-log inside.
    home.mkdir(".claude/projects/p/dir.jsonl");
    home.write(".claude/projects/p/d2.jsonl/notes.txt", MARKER);
    // Aider: the root a directory named like a log (its *.jsonl files are the logs), holding
    // a directory named like a log in turn.
    home.write("aider/named.jsonl/real.jsonl", &aider(1768000030, 500, 5));
    home.mkdir("aider/named.jsonl/inner.jsonl");
    // Cursor: state.vscdb a directory, with a valid database inside under the same name.
    let cursor = home.path(CURSOR_DB);
    fs::rename(&cursor, cursor.with_extension("bak")).unwrap();
    cursor_db(&cursor.join("state.vscdb"), 1, 7777, 7);

    let scan = scan_with_aider(&home, "aider/named.jsonl");
    let cc = provider(&scan, "claude_code");
    assert_eq!(
        (&cc["files"], &cc["problems"]),
        (&1.into(), &Value::Array(vec![]))
    );
    let a = provider(&scan, "aider");
    assert_eq!((&a["files"], &a["new_records"]), (&1.into(), &1.into()));
    let cu = provider(&scan, "cursor");
    assert_eq!((&cu["files"], &cu["new_records"]), (&0.into(), &0.into()));
    let mut rows = good_rows();
    rows[0] = ("aider".into(), 3, 800);
    assert_eq!(by_provider(&home), rows);
}

// ---- Unreadable files and other read errors --------------------------------------------------

#[test]
fn unreadable_files_are_named_retried_and_lose_nothing() {
    if is_root() {
        eprintln!(
            "skipped: running as root, which reads files whatever their mode; \
             read errors are covered by unreadable_databases_and_archives_are_named_and_retried"
        );
        return;
    }
    let home = good_home();
    scan_with_aider(&home, "aider/analytics.jsonl");
    // New data in each provider's file, then each made unreadable.
    home.append(".claude/projects/p/good.jsonl", &cc("s1", "m4", 40));
    home.append("aider/analytics.jsonl", &aider(1768000040, 400, 4));
    let cursor = home.path(CURSOR_DB);
    cursor_db(&cursor, 3, 1000, 5);
    let files = [
        home.path(".claude/projects/p/good.jsonl"),
        home.path("aider/analytics.jsonl"),
        cursor.clone(),
    ];
    for f in &files {
        chmod(f, 0o000);
    }
    let scan = scan_with_aider(&home, "aider/analytics.jsonl");
    for id in ["claude_code", "aider", "cursor"] {
        let p = provider(&scan, id);
        assert_eq!(p["problems"].as_array().unwrap().len(), 1, "{p:#}");
        let problem = p["problems"][0]["problem"].as_str().unwrap();
        // SQLite says it cannot open the database; the files say why.
        assert!(
            problem.contains("ermission denied") || problem.contains("unable to open"),
            "{problem}"
        );
    }
    let text = scan_text_with_aider(&home, "aider/analytics.jsonl");
    assert!(
        text.contains("could not read") && text.contains("next scan"),
        "{text}"
    );
    let (k, v) = aider_env(&home, "aider/analytics.jsonl");
    let out = home.run_env(&["report"], &[(k, &v)]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("could not be read"),
        "{}",
        stderr(&out)
    );
    assert_eq!(by_provider(&home), good_rows());
    for f in &files {
        chmod(f, 0o600);
    }
    scan_with_aider(&home, "aider/analytics.jsonl");
    assert_eq!(
        by_provider(&home),
        vec![
            ("aider".into(), 3, 700),
            ("claude_code".into(), 4, 4),
            ("cursor".into(), 3, 3000),
        ]
    );
}

#[test]
fn unreadable_databases_and_archives_are_named_and_retried() {
    // Read errors that even root gets: a Cursor database of garbage, one without Cursor's
    // table, and a Codex archive that is not zstd. Each is named with what went wrong; the
    // rest is read; nothing stored is lost; fixed, it is read.
    let home = good_home();
    scan_with_aider(&home, "aider/analytics.jsonl");
    let cursor = home.path(CURSOR_DB);
    fs::rename(&cursor, cursor.with_extension("bak")).unwrap();
    let mut garbage = format!("not a database {MARKER} ").repeat(400).into_bytes();
    garbage.extend((0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    fs::write(&cursor, &garbage).unwrap();
    home.write(".codex/sessions/2026/11/26/rollout-x.jsonl.zst", MARKER);
    home.append(".claude/projects/p/good.jsonl", &cc("s1", "m4", 40));

    let scan = scan_with_aider(&home, "aider/analytics.jsonl");
    let cu = provider(&scan, "cursor");
    assert_eq!(cu["problems"].as_array().unwrap().len(), 1, "{cu:#}");
    assert!(
        cu["problems"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("not a database"),
        "{cu:#}"
    );
    let cx = provider(&scan, "codex");
    assert_eq!(cx["problems"].as_array().unwrap().len(), 1, "{cx:#}");
    assert_eq!(provider(&scan, "claude_code")["new_records"], 1);
    let text = scan_text_with_aider(&home, "aider/analytics.jsonl");
    assert!(text.contains("could not read"), "{text}");
    // Garbage is not a checkpoint: nothing was written for it.
    assert_eq!(fs::read(&cursor).unwrap(), garbage);

    // A SQLite file without Cursor's table names the table.
    fs::remove_file(&cursor).unwrap();
    {
        let db = rusqlite::Connection::open(&cursor).unwrap();
        db.execute_batch("CREATE TABLE ItemTable (key TEXT, value BLOB);")
            .unwrap();
        db.execute(
            "INSERT INTO ItemTable VALUES ('cursorAuth/accessToken', ?1)",
            [MARKER],
        )
        .unwrap();
    }
    let scan = scan_with_aider(&home, "aider/analytics.jsonl");
    let cu = provider(&scan, "cursor");
    assert!(
        cu["problems"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("cursorDiskKV"),
        "{cu:#}"
    );
    let mut rows = good_rows();
    rows[1] = ("claude_code".into(), 4, 4);
    assert_eq!(by_provider(&home), rows);

    // Put right, it is read.
    fs::remove_file(&cursor).unwrap();
    fs::rename(cursor.with_extension("bak"), &cursor).unwrap();
    cursor_db(&cursor, 1, 50, 5);
    scan_with_aider(&home, "aider/analytics.jsonl");
    // (Its first reply rewritten with new counts: the last copy wins.)
    rows[2] = ("cursor".into(), 2, 1050);
    assert_eq!(by_provider(&home), rows);
}

// ---- Hostile lines ----------------------------------------------------------------------------

#[test]
fn lines_over_a_configured_cap_are_counted_skips() {
    let home = good_home();
    home.write(".scopeon/config.toml", "[scan]\nmax_line_bytes = 4096\n");
    scan_with_aider(&home, "aider/analytics.jsonl");
    assert_eq!(by_provider(&home), good_rows());
    // A valid line padded past the cap (the marker as padding), between two good lines.
    let long = |session: &str, msg: &str| {
        cc(session, msg, 5000).replace(
            r#""stop_reason""#,
            &format!(r#""pad":"{}","stop_reason""#, MARKER.repeat(400)),
        )
    };
    home.append(
        ".claude/projects/p/good.jsonl",
        &(long("s1", "mL") + &cc("s1", "m4", 40)),
    );
    let aider_long = aider(1768000050, 5000, 5).replace(
        r#""note""#,
        &format!(r#""pad":"{}","note""#, MARKER.repeat(400)),
    );
    home.append(
        "aider/analytics.jsonl",
        &(aider_long + &aider(1768000060, 400, 4)),
    );
    let text = scan_text_with_aider(&home, "aider/analytics.jsonl");
    assert!(text.contains("skipped 1 lines (too_long: 1)"), "{text}");
    assert!(text.contains("good.jsonl: byte "), "{text}");
    let (k, v) = aider_env(&home, "aider/analytics.jsonl");
    let status = home.json_env(&["providers", "--json"], &[(k, &v)]);
    for id in ["claude_code", "aider"] {
        let p = provider(&status, id);
        assert_eq!(p["skipped_lines"]["too_long"], 1, "{p:#}");
    }
    assert_eq!(
        by_provider(&home),
        vec![
            ("aider".into(), 3, 700),
            ("claude_code".into(), 4, 4),
            ("cursor".into(), 2, 2000),
        ]
    );

    // An over-cap line still being written is not consumed; once complete it is one skip.
    let l = long("s1", "mL2");
    let (a, b) = l.split_at(l.len() - 100);
    home.append(".claude/projects/p/good.jsonl", a);
    let scan = home.json(&["scan", "--json"]);
    assert_eq!(
        provider(&scan, "claude_code")["skipped"],
        serde_json::json!({})
    );
    home.append(".claude/projects/p/good.jsonl", b);
    home.append(".claude/projects/p/good.jsonl", &cc("s1", "m5", 50));
    let scan = home.json(&["scan", "--json"]);
    let p = provider(&scan, "claude_code");
    assert_eq!(
        (&p["skipped"]["too_long"], &p["new_records"]),
        (&1.into(), &1.into())
    );
    let status = home.json(&["providers", "--json"]);
    assert_eq!(
        provider(&status, "claude_code")["skipped_lines"]["too_long"],
        2
    );
    let t = home.totals();
    assert_eq!(
        t["output_tokens"],
        10 + 20 + 30 + 40 + 50 + 1 + 2 + 4 + 5 + 5
    );
}

/// Peak resident memory of a running process, from `/proc`, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[test]
#[ignore = "writes a 1 GiB file; run with --ignored"]
fn a_one_gigabyte_line_is_skipped_in_bounded_memory() {
    let home = Home::new();
    let path = home.path(".claude/projects/p/huge.jsonl");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    {
        let mut f = std::io::BufWriter::new(fs::File::create(&path).unwrap());
        f.write_all(cc("s", "m1", 10).as_bytes()).unwrap();
        // A valid JSON line whose string field is 1 GiB of the marker.
        let line = cc("s", "mBIG", 9999);
        let (head, tail) = line.split_at(line.find(r#""stop_reason""#).unwrap());
        f.write_all(head.as_bytes()).unwrap();
        f.write_all(br#""pad":""#).unwrap();
        let chunk = MARKER.repeat((1 << 20) / MARKER.len());
        let mut written = 0u64;
        while written < 1 << 30 {
            f.write_all(chunk.as_bytes()).unwrap();
            written += chunk.len() as u64;
        }
        f.write_all(br#"","#).unwrap();
        f.write_all(tail.as_bytes()).unwrap();
        f.write_all(cc("s", "m2", 20).as_bytes()).unwrap();
    }
    let child = home
        .cmd(&["scan", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Some(kib) = peak_rss_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let out = wait_output(child, Duration::from_secs(1800));
    done.store(true, Ordering::Relaxed);
    watcher.join().unwrap();
    assert_no_marker(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let scan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = provider(&scan, "claude_code");
    assert_eq!(p["skipped"]["too_long"], 1, "{p:#}");
    assert_eq!(p["new_records"], 2);
    assert_eq!(home.totals()["output_tokens"], 30);
    let peak_mib = peak.load(Ordering::Relaxed) / 1024;
    eprintln!("peak resident memory: {peak_mib} MiB");
    assert!(
        peak_mib < 400,
        "memory not bounded by the line cap: {peak_mib} MiB"
    );
}

#[test]
fn deep_nesting_nuls_and_deep_directories() {
    let home = good_home();
    scan_with_aider(&home, "aider/analytics.jsonl");
    let deep_array = "[".repeat(100_000) + &"]".repeat(100_000);
    let deep_object = format!(
        r#"{{"type":"assistant","message":{}{MARKER}{}}}"#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    // The same depth where a counter is expected.
    let deep_usage = cc("s1", "mDU", 9999).replace(
        r#""output_tokens":9999"#,
        &format!(
            r#""output_tokens":{}9999{}"#,
            r#"{"a":"#.repeat(100_000),
            "}".repeat(100_000)
        ),
    );
    let nuls = "\0".repeat(1 << 20);
    let mut claude = String::new();
    claude += &(deep_array.clone() + "\n");
    claude += &(deep_object + "\n");
    claude += &deep_usage;
    // A line of NULs (the hole a copy-truncate leaves), then a good line.
    claude += &(nuls.clone() + "\n");
    claude += &cc("s1", "m4", 40);
    // NULs inside a line: a binary skip, even though the line holds valid usage around them.
    claude += &cc("s1", "mNUL", 9999).replace(MARKER, &format!("{MARKER}\0\0{MARKER}"));
    home.append(".claude/projects/p/good.jsonl", &claude);
    let aider_line = format!(
        r#"{{"event":"message_send","properties":{}{}}}"#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    home.append(
        "aider/analytics.jsonl",
        &(deep_array + "\n" + &aider_line + "\n" + &nuls + "\n" + &aider(1768000070, 400, 4)),
    );
    // A Cursor bubble nested 100,000 levels deep and one of NULs.
    {
        let db = rusqlite::Connection::open(home.path(CURSOR_DB)).unwrap();
        let composer = "2b7c1d9e-0000-4000-8000-0000000000c1";
        let deep = format!(
            r#"{{"type":2,"tokenCount":{}1{}}}"#,
            r#"{"inputTokens":"#.repeat(100_000),
            "}".repeat(100_000)
        );
        db.execute(
            "INSERT INTO cursorDiskKV (key, value) VALUES (?1, ?2)",
            (format!("bubbleId:{composer}:deep"), deep.into_bytes()),
        )
        .unwrap();
        db.execute(
            "INSERT INTO cursorDiskKV (key, value) VALUES (?1, ?2)",
            (format!("bubbleId:{composer}:nul"), nuls.into_bytes()),
        )
        .unwrap();
    }
    // A transcript 40 directories down (below the walk's depth limit) and one 3 down.
    let deep_dir = (0..40)
        .map(|i| format!("d{i}"))
        .collect::<Vec<_>>()
        .join("/");
    home.write(
        &format!(".claude/projects/{deep_dir}/deep.jsonl"),
        &cc("s2", "mDEEP", 9999),
    );
    home.write(".claude/projects/x/y/z.jsonl", &cc("s2", "m5", 50));

    let scan = scan_with_aider(&home, "aider/analytics.jsonl");
    // Claude: the array is not an object; the deep message has no usage and is ignored; the
    // deep counter counts 0 (an unreadable counter is 0, the request still counts); the line
    // of NULs is a copy-truncate hole before the next line; NULs inside a line: binary.
    let c = provider(&scan, "claude_code");
    assert_eq!(c["new_records"], 3, "{c:#}");
    assert_eq!(
        c["skipped"],
        serde_json::json!({"not_an_object": 1, "binary": 1}),
        "{c:#}"
    );
    let a = provider(&scan, "aider");
    assert_eq!(a["new_records"], 1, "{a:#}");
    assert_eq!(
        a["skipped"],
        serde_json::json!({"not_an_object": 1, "invalid_json": 1}),
        "{a:#}"
    );
    let cu = provider(&scan, "cursor");
    assert_eq!(cu["problems"], Value::Array(vec![]), "{cu:#}");
    assert_eq!(
        cu["skipped"],
        serde_json::json!({"invalid_json": 2}),
        "{cu:#}"
    );
    assert_eq!(
        by_provider(&home),
        vec![
            ("aider".into(), 3, 700),
            ("claude_code".into(), 6, 6),
            ("cursor".into(), 2, 2000),
        ]
    );
    assert_eq!(
        home.totals()["output_tokens"],
        10 + 20 + 30 + 40 + 50 + 1 + 2 + 4 + 5 + 5
    );
    home.ok(&["scan"]);
}

// ---- Files changing while they are read ------------------------------------------------------

/// Lines of a large transcript (about 1 KB each).
const BIG: u64 = 40_000;

#[test]
fn a_file_growing_while_it_is_read_is_counted_exactly() {
    let home = Home::new();
    let rel = ".claude/projects/p/grow.jsonl";
    home.write(rel, &cc_lines("g", 0, BIG));
    let path = home.path(rel);
    let stop = Arc::new(AtomicBool::new(false));
    let appended = Arc::new(AtomicU64::new(0));
    let appender = {
        let (stop, appended) = (stop.clone(), appended.clone());
        std::thread::spawn(move || {
            let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
            let mut next = BIG;
            while !stop.load(Ordering::Relaxed) {
                // Partial lines too: the newline of each batch arrives in a second write.
                let batch = cc_lines("g", next, 50);
                let (a, b) = batch.split_at(batch.len() - 7);
                f.write_all(a.as_bytes()).unwrap();
                f.write_all(b.as_bytes()).unwrap();
                next += 50;
                appended.store(next - BIG, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let out = run_cmd({
        let mut c = home.cmd(&["scan", "--json"]);
        c.env("SCOPEON_TEST_BATCH_RECORDS", "700");
        c
    });
    stop.store(true, Ordering::Relaxed);
    appender.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let during: Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = provider(&during, "claude_code");
    assert_eq!(p["problems"], Value::Array(vec![]), "{p:#}");
    let appended = appended.load(Ordering::Relaxed);
    eprintln!(
        "appended {appended} lines while the scan read {} records",
        p["records_read"]
    );
    // The next scan picks up exactly what was added.
    home.ok(&["scan"]);
    let t = home.totals();
    assert_eq!(t["requests"], BIG + appended);
    assert_eq!(t["output_tokens"], BIG + appended);
    let again = home.json(&["scan", "--json"]);
    assert_eq!(provider(&again, "claude_code")["files_unchanged"], 1);
}

#[test]
fn a_file_truncated_while_it_is_read_loses_nothing_stored() {
    let home = Home::new();
    let rel = ".claude/projects/p/trunc.jsonl";
    let stored = 500;
    home.write(rel, &cc_lines("old", 0, stored));
    home.ok(&["scan"]);
    assert_eq!(home.totals()["requests"], stored);
    home.append(rel, &cc_lines("old", stored, BIG));

    let wal = PathBuf::from(format!("{}-wal", home.db().display()));
    let wal_before = fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let child = {
        let mut c = home.cmd(&["scan", "--json"]);
        c.env("SCOPEON_TEST_BATCH_RECORDS", "500")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c.spawn().unwrap()
    };
    // Once the scan has committed something, the agent truncates the file and starts over.
    let started = Instant::now();
    while fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) <= wal_before
        && started.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    let new = 300;
    {
        let f = fs::OpenOptions::new()
            .write(true)
            .open(home.path(rel))
            .unwrap();
        f.set_len(0).unwrap();
        drop(f);
        home.append(rel, &cc_lines("new", 0, new));
    }
    let out = wait_output(child, HANG);
    assert_no_marker(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let during: Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = provider(&during, "claude_code");
    // Reading past the new end is named (the next scan reads the file again).
    for problem in p["problems"].as_array().unwrap() {
        let text = problem["problem"].as_str().unwrap();
        assert!(text.contains("shrank while being read"), "{text}");
    }

    home.ok(&["scan"]);
    let sessions = |home: &Home| -> (u64, u64, Value) {
        let r = home.json(&["report", "--json", "--no-scan", "--by", "session"]);
        let count = |s: &str| {
            r["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|row| row["key"]["session"] == s)
                .map_or(0, |row| row["requests"].as_u64().unwrap())
        };
        (count("old"), count("new"), r["totals"].clone())
    };
    let (old, got_new, totals) = sessions(&home);
    eprintln!("kept {old} of the old lines");
    assert!((stored..=stored + BIG).contains(&old), "{old}");
    assert_eq!(got_new, new);
    assert_eq!(totals["output_tokens"], old + new);
    // Appends after the truncation are read exactly once.
    home.append(rel, &cc_lines("new", new, 25));
    home.ok(&["scan"]);
    let (old2, new2, _) = sessions(&home);
    assert_eq!((old2, new2), (old, new + 25));
}

// ---- Two scans at once ------------------------------------------------------------------------

fn concurrent_corpus(home: &Home, files: u64, lines: u64) {
    for f in 0..files {
        // Files f and f + files/2 replay each other's ids (resumed sessions).
        let session = format!("c{}", f % (files / 2));
        home.write(
            &format!(".claude/projects/p/f{f}.jsonl"),
            &cc_lines(&session, 0, lines),
        );
    }
}

#[test]
fn two_scans_at_once_both_finish_and_count_exactly() {
    let clean = Home::new();
    concurrent_corpus(&clean, 6, 3000);
    clean.ok(&["scan"]);
    let expected = clean.totals();
    assert_eq!(expected["requests"], 3 * 3000);

    // Against a database neither has created yet, then against an existing one.
    let home = Home::new();
    concurrent_corpus(&home, 6, 3000);
    for round in 0..2 {
        if round == 1 {
            for f in 0..6 {
                home.append(
                    &format!(".claude/projects/p/f{f}.jsonl"),
                    &cc_lines(&format!("c{}", f % 3), 3000, 500),
                );
            }
        }
        let spawn = || {
            let mut c = home.cmd(&["scan", "--json"]);
            c.env("SCOPEON_TEST_BATCH_RECORDS", "200")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            c.spawn().unwrap()
        };
        let (a, b) = (spawn(), spawn());
        for out in [wait_output(a, HANG), wait_output(b, HANG)] {
            assert_no_marker(&out);
            assert!(out.status.success(), "round {round}: {}", stderr(&out));
        }
        if round == 0 {
            assert_eq!(home.totals(), expected, "as one scan alone");
        }
    }
    let t = home.totals();
    assert_eq!(t["requests"], 3 * 3500);
    assert_eq!(t["output_tokens"], 3 * 3500);
    // A third scan finds everything accounted for.
    let again = home.json(&["scan", "--json"]);
    assert_eq!(provider(&again, "claude_code")["new_records"], 0);
    assert_eq!(home.totals(), t);
}

// ---- Databases --------------------------------------------------------------------------------

/// A home with good Claude data scanned, and more appended but not yet scanned.
fn scanned_with_pending() -> (Home, Value) {
    let home = Home::new();
    home.write(".claude/projects/p/a.jsonl", &cc_lines("a", 0, 50));
    home.ok(&["scan"]);
    let stored = home.totals();
    assert_eq!(stored["requests"], 50);
    home.append(".claude/projects/p/a.jsonl", &cc_lines("a", 50, 3000));
    home.write(".claude/projects/p/b.jsonl", &cc_lines("b", 0, 3000));
    (home, stored)
}

#[test]
fn a_corrupt_database_is_refused_and_left_as_it_was() {
    let (home, _) = scanned_with_pending();
    let db = home.db();
    // Garbage over every page after the first.
    let mut bytes = fs::read(&db).unwrap();
    for chunk in bytes.chunks_mut(4096).skip(1) {
        for (i, b) in chunk.iter_mut().enumerate().take(300) {
            *b = (i as u8).wrapping_mul(151) ^ 0x5A;
        }
    }
    fs::write(&db, &bytes).unwrap();
    for args in [
        &["scan"][..],
        &["report"],
        &["report", "--no-scan"],
        &["providers"],
        &["backup", home.path("b.db").to_str().unwrap()],
        &["forget", "--provider", "claude_code"],
    ] {
        let out = home.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains(db.to_str().unwrap()) && err.contains("scopeon doctor"),
            "{args:?}: {err}"
        );
        assert_eq!(fs::read(&db).unwrap(), bytes, "{args:?} changed it");
    }
    let out = home.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("fix: restore a backup"));
    assert!(!home.path("b.db").exists());

    // Not SQLite at all, and cut short.
    for damaged in [
        format!("{MARKER} this is not a database\n")
            .repeat(200)
            .into_bytes(),
        bytes[..bytes.len() / 2 + 100].to_vec(),
    ] {
        fs::write(&db, &damaged).unwrap();
        let out = home.run(&["scan"]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains("scopeon doctor"), "{err}");
        assert_eq!(fs::read(&db).unwrap(), damaged);
    }
}

#[test]
fn a_read_only_database_is_a_clear_error_and_loses_nothing() {
    let (home, stored) = scanned_with_pending();
    let db = home.db();
    // Injected: every write refused, as on a read-only mount.
    let fault = [("SCOPEON_TEST_DB_FAULT", "read-only")];
    let out = home.run_env(&["scan"], &fault);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(db.to_str().unwrap()) && err.contains("read-only") && err.contains("write"),
        "{err}"
    );
    // Reports still work from what is stored.
    let r = home.json_env(&["report", "--json", "--no-scan", "--by", ""], &fault);
    assert_eq!(r["totals"], stored);
    let out = home.run_env(&["report", "--json", "--by", ""], &fault);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(home.totals(), stored);

    // Really read-only, where the file system enforces it.
    if is_root() {
        eprintln!("note: running as root; the chmod part of this test is skipped");
    } else {
        let dir = db.parent().unwrap().to_owned();
        chmod(&db, 0o400);
        chmod(&dir, 0o500);
        let out = home.run(&["scan"]);
        chmod(&dir, 0o700);
        chmod(&db, 0o600);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains(db.to_str().unwrap()), "{err}");
        assert_eq!(home.totals(), stored);
    }

    home.ok(&["scan"]);
    assert_eq!(home.totals()["requests"], 6050);
}

#[test]
fn a_full_database_is_a_clear_error_with_no_partial_commit() {
    let (home, stored) = scanned_with_pending();
    let clean = Home::new();
    clean.write(".claude/projects/p/a.jsonl", &cc_lines("a", 0, 3050));
    clean.write(".claude/projects/p/b.jsonl", &cc_lines("b", 0, 3000));
    clean.ok(&["scan"]);
    let expected = clean.json(&["report", "--json", "--no-scan", "--by", "session"]);

    let fault = [
        ("SCOPEON_TEST_DB_FAULT", "full"),
        ("SCOPEON_TEST_BATCH_RECORDS", "400"),
    ];
    for args in [&["scan"][..], &["scan", "--rebuild"]] {
        let out = home.run_env(args, &fault);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains(home.db().to_str().unwrap())
                && err.contains("full")
                && err.contains("space"),
            "{err}"
        );
        let t = home.totals();
        assert!(
            t["requests"].as_u64() >= stored["requests"].as_u64(),
            "{t:#}"
        );
        // Whatever committed before the disk filled is whole: records with their checkpoints.
        assert_eq!(t["output_tokens"], t["requests"]);
    }
    let out = home.run_env(&["report", "--json", "--by", ""], &fault);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("full"));
    // Space again: the next scan completes exactly.
    home.ok(&["scan"]);
    let got = home.json(&["report", "--json", "--no-scan", "--by", "session"]);
    assert_eq!(got["rows"], expected["rows"]);
    assert_eq!(got["totals"], expected["totals"]);
}

#[test]
fn a_database_with_a_newer_schema_is_refused_untouched() {
    let (home, _) = scanned_with_pending();
    let db = home.db();
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("PRAGMA user_version = 999;").unwrap();
    }
    let bytes = fs::read(&db).unwrap();
    for args in [
        &["scan"][..],
        &["report", "--no-scan"],
        &["providers"],
        &["backup", home.path("b.db").to_str().unwrap()],
        &["forget", "--provider", "claude_code"],
    ] {
        let out = home.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("schema version 999") && err.contains("upgrade Scopeon"),
            "{args:?}: {err}"
        );
        assert_eq!(fs::read(&db).unwrap(), bytes);
    }
    let d = home.run(&["doctor", "--json"]);
    assert_eq!(d.status.code(), Some(1));
    let d: Value = serde_json::from_slice(&d.stdout).unwrap();
    assert!(d["problems"].to_string().contains("999"), "{d:#}");
    assert_eq!(fs::read(&db).unwrap(), bytes);
}

#[test]
fn a_database_that_is_not_a_regular_file_is_refused() {
    let home = good_home();
    let target = home.path("elsewhere.db");
    fs::write(&target, "").unwrap();
    chmod(&target, 0o600);
    for what in ["symlink", "fifo", "directory"] {
        let db = home.path(&format!("{what}/scopeon.db"));
        fs::create_dir_all(db.parent().unwrap()).unwrap();
        match what {
            "symlink" => symlink(&target, &db),
            "fifo" => mkfifo(&db),
            _ => fs::create_dir_all(&db).unwrap(),
        }
        let out = home.run(&["scan", "--db", db.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{what}");
        let err = stderr(&out);
        assert!(
            err.contains("not a regular file") && err.contains("--db"),
            "{what}: {err}"
        );
    }
    assert_eq!(fs::read(&target).unwrap(), b"");
}

// ---- Files Scopeon writes (docs/storage.md) --------------------------------------------------

/// Every path under `dir` (not following symlinks) with its mode, size and modification time.
fn snapshot(dir: &Path, skip: &Path) -> Vec<(PathBuf, u32, u64, SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.starts_with(skip) {
                continue;
            }
            let m = fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p.clone());
            }
            out.push((p.clone(), mode(&p), m.len(), m.modified().unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn files_scopeon_writes_follow_the_contract() {
    let home = good_home();
    let scopeon_dir = home.path(".scopeon");
    let before = snapshot(&home.root, &scopeon_dir);
    // A directory and database Scopeon creates: 0700 and 0600, the -wal and -shm alike.
    scan_with_aider(&home, "aider/analytics.jsonl");
    assert_eq!(mode(&scopeon_dir), 0o700);
    assert_eq!(mode(&home.db()), 0o600);
    // Nothing outside its directory was created, changed or re-moded (the logs included).
    assert_eq!(snapshot(&home.root, &scopeon_dir), before);
    // While another process has it open, the -wal and -shm exist: check their modes.
    let holder = rusqlite::Connection::open(home.db()).unwrap();
    holder
        .query_row("SELECT count(*) FROM records", [], |r| r.get::<_, i64>(0))
        .unwrap();
    home.ok(&["scan"]);
    for suffix in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", home.db().display()));
        assert_eq!(mode(&p), 0o600, "{suffix}");
    }
    drop(holder);

    // --db in a directory Scopeon did not create (0755): used as it is, never re-moded;
    // the missing directories below it are created 0700; ~/.scopeon is not touched.
    let other = Home::new();
    other.write(".claude/projects/p/a.jsonl", &cc("s", "m", 1));
    let parent = other.mkdir("data");
    chmod(&parent, 0o755);
    let db = parent.join("new/deeper/scopeon.db");
    other.private_dir(parent.clone());
    other.ok(&["scan", "--db", db.to_str().unwrap()]);
    assert_eq!(mode(&parent), 0o755);
    assert_eq!(mode(&parent.join("new")), 0o700);
    assert_eq!(mode(&parent.join("new/deeper")), 0o700);
    assert_eq!(mode(&db), 0o600);
    assert!(!other.path(".scopeon").exists());
    assert_eq!(other.totals_db(&db)["requests"], 1);
    // A database it did not create keeps its mode (0640 is not refused, only reported).
    let theirs = parent.join("theirs.db");
    fs::copy(&db, &theirs).unwrap();
    chmod(&theirs, 0o640);
    other.ok(&["scan", "--db", theirs.to_str().unwrap()]);
    assert_eq!(mode(&theirs), 0o640);
    assert_eq!(mode(&parent), 0o755);
    // A ~/.scopeon the user made 0750 stays 0750.
    let third = Home::new();
    third.write(".claude/projects/p/a.jsonl", &cc("s", "m", 1));
    chmod(&third.mkdir(".scopeon"), 0o750);
    third.ok(&["scan"]);
    assert_eq!(mode(&third.path(".scopeon")), 0o750);
    assert_eq!(mode(&third.db()), 0o600);
    // Group- or world-writable, it is refused with the fix, and left as it is.
    chmod(&theirs, 0o664);
    let out = other.run(&["scan", "--db", theirs.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert_eq!(mode(&theirs), 0o664);
    // Another user's database is refused (root can make one).
    if is_root() {
        chmod(&theirs, 0o600);
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        let out = other.run(&["scan", "--db", theirs.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains("owned by uid 65534") && err.contains("--db"),
            "{err}"
        );
    }
}

/// A FIFO planted where SQLite keeps a journal beside Scopeon's own database would hang every
/// open (SQLite opens a hot journal blocking): it is refused at once, by every command, with
/// the fix, and `doctor` names it without opening the database.
#[test]
fn a_fifo_beside_scopeons_database_is_refused_not_waited_on() {
    let home = good_home();
    home.ok(&["scan"]);
    let before = home.totals();
    for suffix in ["-journal", "-wal", "-shm"] {
        let sidecar = PathBuf::from(format!("{}{suffix}", home.db().display()));
        fs::remove_file(&sidecar).ok();
        mkfifo(&sidecar);
        for args in [&["scan"][..], &["report", "--no-scan"], &["providers"]] {
            let out = home.run(args);
            assert_eq!(out.status.code(), Some(1), "{args:?} {suffix}");
            let err = stderr(&out);
            assert!(
                err.contains(sidecar.to_str().unwrap()) && err.contains("not a regular file"),
                "{err}"
            );
            assert!(err.contains("remove"), "{err}");
        }
        let out = home.run(&["doctor"]);
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(sidecar.to_str().unwrap()), "{text}");
        fs::remove_file(&sidecar).unwrap();
    }
    // Nothing stored was lost.
    assert_eq!(home.totals(), before);
}

/// A database directory others can write is refused: they could plant the files SQLite
/// opens beside the database. So is a link or another user's file in a sidecar's place.
#[test]
fn a_database_directory_or_sidecar_others_control_is_refused() {
    let home = good_home();
    let shared = home.mkdir("shared");
    chmod(&shared, 0o777);
    let db = shared.join("scopeon.db");
    let out = home.run(&["scan", "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("world-writable") && err.contains("directory"),
        "{err}"
    );
    assert!(
        !db.exists(),
        "nothing created in a directory others can write"
    );

    home.ok(&["scan"]);
    let before = home.totals();
    let wal = PathBuf::from(format!("{}-wal", home.db().display()));
    fs::remove_file(&wal).ok();
    symlink(&home.path("elsewhere"), &wal);
    let out = home.run(&["report", "--no-scan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    fs::remove_file(&wal).unwrap();
    if is_root() {
        fs::write(&wal, b"").unwrap();
        chmod(&wal, 0o600);
        std::os::unix::fs::chown(&wal, Some(65534), Some(65534)).unwrap();
        let out = home.run(&["report", "--no-scan"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("owned by uid 65534"),
            "{}",
            stderr(&out)
        );
        fs::remove_file(&wal).unwrap();
    }
    assert_eq!(home.totals(), before);
}

/// `--db file:...` names a file, never an SQLite URI whose options (`mode=memory`,
/// `immutable=1`, `vfs=`) would bypass the checks on the database and its sidecars.
#[test]
fn a_database_path_starting_with_file_is_a_file_not_a_uri() {
    let home = good_home();
    let dir = home.mkdir("work");
    let name = "file:usage.db?mode=memory&cache=shared";
    let mut c = home.cmd(&["scan", "--db", name]);
    c.current_dir(&dir);
    let out = run_cmd(c);
    assert!(out.status.success(), "{}", stderr(&out));
    home.private_dir(dir.clone());
    // The data went to a file of that name, and is there on the next run.
    assert!(dir.join(name).is_file());
    assert_eq!(mode(&dir.join(name)), 0o600);
    let mut c = home.cmd(&["report", "--json", "--no-scan", "--by", "", "--db", name]);
    c.current_dir(&dir);
    let out = run_cmd(c);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    home.ok(&["scan"]);
    assert_eq!(doc["totals"], home.totals());
}

/// Log text that would drive a terminal or a spreadsheet (an OSC 52 clipboard write, DEL, a C1
/// CSI, a right-to-left override, a zero-width space, a formula) is stored as logged and
/// neutralized in every output: the table, CSV (formulas quoted unless `--csv-raw`) and JSON
/// (escaped, decoding to the logged strings).
#[test]
fn escape_sequences_in_log_text_never_reach_the_terminal_or_a_spreadsheet() {
    let home = Home::new();
    let model = "claude-sonnet-4-5\u{1b}]52;c;cHduZWQ=\u{7}\u{7f}\u{9b}2J\u{202E}gpt\u{200B}";
    let project = "=HYPERLINK(\"http://x\")";
    let line = cc("s1", "m1", 10)
        .replace("claude-sonnet-4-5-20250929", &json_escape(model))
        .replace("/home/dev/acme", &json_escape(project));
    home.write(".claude/projects/p/s.jsonl", &line);
    home.ok(&["scan"]);
    let raw_bytes = |text: &[u8]| {
        let s = String::from_utf8_lossy(text);
        s.chars()
            .filter(|c| {
                (c.is_control() && *c != '\n')
                    || matches!(c, '\u{202A}'..='\u{202E}' | '\u{200B}'..='\u{200F}')
            })
            .map(|c| format!("U+{:04X}", c as u32))
            .collect::<Vec<_>>()
    };
    for args in [
        &["report", "--no-scan", "--by", "model,project"][..],
        &["report", "--no-scan", "--by", "model,project", "--csv"],
        &[
            "report",
            "--no-scan",
            "--by",
            "model,project",
            "--csv",
            "--csv-raw",
        ],
        &["report", "--no-scan", "--by", "model,project", "--json"],
        &["pricing", "--unknown"],
        &["pricing", "--unknown", "--json"],
    ] {
        let out = home.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(raw_bytes(&out.stdout), Vec::<String>::new(), "{args:?}");
        assert_eq!(raw_bytes(&out.stderr), Vec::<String>::new(), "{args:?}");
    }
    let csv = home.ok(&["report", "--no-scan", "--by", "project", "--csv"]);
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv}");
    let raw = home.ok(&[
        "report",
        "--no-scan",
        "--by",
        "project",
        "--csv",
        "--csv-raw",
    ]);
    assert!(raw.contains("\"=HYPERLINK(\"\"http://x\"\")\""), "{raw}");
    let json = home.json(&["report", "--no-scan", "--by", "model,project", "--json"]);
    assert_eq!(json["rows"][0]["key"]["model"], model);
    assert_eq!(json["rows"][0]["key"]["project"], project);
    let table = home.ok(&["report", "--no-scan", "--by", "model"]);
    assert!(
        table.contains("<U+202E>") && table.contains("<U+200B>"),
        "{table}"
    );
}

/// A string as the inside of a JSON string literal.
fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap();
    quoted[1..quoted.len() - 1].to_owned()
}

// ---- Agents' databases: what lies beside them, crafted schemas, budgets, symlinked roots ------
//
// An agent's SQLite database is someone else's file (SECURITY.md, "How files are read"): a scan
// never blocks on a file SQLite would open beside it, never runs a view or reads a virtual
// table, stops any read past its budget, and reads a database whose root is reached through a
// symlink while still refusing a symlink below the root.

const COPILOT_DB: &str = ".copilot/session-store.db";
const OPENCODE_DB: &str = ".local/share/opencode/opencode.db";

/// Longest a scan of these small homes may take before the test calls it hung: well past
/// what one needs, well short of [`HANG`], so a scan that blocks fails the test quickly.
const QUICK: Duration = Duration::from_secs(30);

/// A command run under the [`QUICK`] hang guard, its output checked for the marker.
fn run_quick(mut c: Command) -> Output {
    let child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child, QUICK);
    assert_no_marker(&out);
    out
}

/// `scan --json` under the [`QUICK`] hang guard, with extra environment variables.
fn quick_scan(home: &Home, vars: &[(&str, &str)]) -> Value {
    let mut c = home.cmd(&["scan", "--json"]);
    for (k, v) in vars {
        c.env(k, v);
    }
    serde_json::from_str(&ok(run_quick(c), &["scan", "--json"])).unwrap()
}

/// The file SQLite keeps beside `db` (relative to the home) under `suffix`.
fn sidecar(home: &Home, db: &str, suffix: &str) -> PathBuf {
    home.path(&format!("{db}{suffix}"))
}

/// A Copilot CLI `session-store.db` at `path` with `turns` requests of `input` input tokens,
/// the marker in the text columns Scopeon never reads.
fn copilot_db(path: &Path, turns: u32, input: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, cwd TEXT, summary TEXT);
         CREATE TABLE IF NOT EXISTS assistant_usage_events (id TEXT PRIMARY KEY,
             session_id TEXT, model TEXT, input_tokens INTEGER, output_tokens INTEGER,
             cache_read_tokens INTEGER, cache_write_tokens INTEGER, created_at TEXT,
             summary TEXT);",
    )
    .unwrap();
    db.execute(
        "INSERT OR REPLACE INTO sessions VALUES ('s-cop', '/home/dev/acme', ?1)",
        [MARKER],
    )
    .unwrap();
    for n in 0..turns {
        db.execute(
            "INSERT OR REPLACE INTO assistant_usage_events
             VALUES (?1, 's-cop', 'gpt-5', ?2, 1, 0, 0, '2026-11-26T10:00:00Z', ?3)",
            (format!("e{n}"), input as i64, MARKER),
        )
        .unwrap();
    }
}

/// An OpenCode `opencode.db` at `path` with `replies` assistant messages of `input` input
/// tokens (a second apart, so none is a fork copy of another), the marker in the session
/// title and in a JSON field Scopeon never extracts.
fn opencode_db(path: &Path, replies: u32, input: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS session (id TEXT PRIMARY KEY, directory TEXT, title TEXT);
         CREATE TABLE IF NOT EXISTS message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL,
             time_created INTEGER, data TEXT NOT NULL);",
    )
    .unwrap();
    db.execute(
        "INSERT OR REPLACE INTO session VALUES ('ses_oc', '/home/dev/acme', ?1)",
        [MARKER],
    )
    .unwrap();
    for n in 0..replies {
        let created = 1_764_151_200_000u64 + u64::from(n) * 1000;
        let data = format!(
            r#"{{"role":"assistant","modelID":"claude-sonnet-4-5","providerID":"anthropic","system":"{MARKER}","time":{{"created":{created},"completed":{}}},"cost":0.01,"tokens":{{"input":{input},"output":1,"reasoning":0,"cache":{{"read":0,"write":0}}}}}}"#,
            created + 500
        );
        db.execute(
            "INSERT OR REPLACE INTO message (id, session_id, data) VALUES (?1, 'ses_oc', ?2)",
            (format!("msg_{n:04}"), data),
        )
        .unwrap();
    }
}

/// A home with one Claude request and the three agents' databases: Copilot 2 requests of 100
/// input tokens, OpenCode 3 of 1000, Cursor 2 of 10,000.
fn agent_db_home() -> Home {
    let home = Home::new();
    home.write(".claude/projects/p/a.jsonl", &cc("s1", "m1", 10));
    copilot_db(&home.path(COPILOT_DB), 2, 100);
    opencode_db(&home.path(OPENCODE_DB), 3, 1000);
    cursor_db(&home.path(CURSOR_DB), 2, 10_000, 5);
    home
}

fn agent_db_rows() -> Vec<(String, u64, u64)> {
    vec![
        ("claude_code".into(), 1, 1),
        ("copilot_cli".into(), 2, 200),
        ("cursor".into(), 2, 20_000),
        ("opencode".into(), 3, 3000),
    ]
}

/// The provider's problems as (file, problem) pairs.
fn problems(scan: &Value, id: &str) -> Vec<(String, String)> {
    provider(scan, id)["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_owned(),
                p["problem"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A FIFO (or a directory, or a link) where SQLite keeps a database's journal, write-ahead log
/// or shared memory would hang every scan: SQLite opens a hot journal blocking. The database is
/// read as it is on disk instead, and the file beside it named on every scan until it is gone.
#[test]
fn a_fifo_beside_an_agent_database_never_blocks_a_scan() {
    let home = agent_db_home();
    let dbs = [
        ("copilot_cli", COPILOT_DB),
        ("opencode", OPENCODE_DB),
        ("cursor", CURSOR_DB),
    ];
    for suffix in ["-journal", "-wal", "-shm"] {
        for (_, db) in dbs {
            mkfifo(&sidecar(&home, db, suffix));
        }
        // Twice: a database read without what lies beside it is not settled by that read.
        for _ in 0..2 {
            let scan = quick_scan(&home, &[]);
            for (id, db) in &dbs[..2] {
                let beside = sidecar(&home, db, suffix);
                let found = problems(&scan, id);
                assert_eq!(found.len(), 1, "{id} {suffix}: {found:?}");
                assert_eq!(found[0].0, home.path(db).to_str().unwrap());
                assert!(
                    found[0].1.contains(beside.to_str().unwrap())
                        && found[0].1.contains("read as it is on disk"),
                    "{id} {suffix}: {}",
                    found[0].1
                );
                assert_eq!(provider(&scan, id)["files_read"], 1, "{id} {suffix}");
            }
            // Cursor's database is always opened immutable: what lies beside it is never opened.
            assert_eq!(problems(&scan, "cursor"), Vec::new(), "{suffix}");
            assert_eq!(by_provider(&home), agent_db_rows(), "{suffix}");
        }
        for (_, db) in dbs {
            fs::remove_file(sidecar(&home, db, suffix)).unwrap();
        }
    }
    // A directory or a link there is no regular file either.
    fs::create_dir(sidecar(&home, COPILOT_DB, "-journal")).unwrap();
    symlink(
        &home.path("nowhere"),
        &sidecar(&home, OPENCODE_DB, "-journal"),
    );
    let scan = quick_scan(&home, &[]);
    assert_eq!(problems(&scan, "copilot_cli").len(), 1);
    assert_eq!(problems(&scan, "opencode").len(), 1);
    fs::remove_dir(sidecar(&home, COPILOT_DB, "-journal")).unwrap();
    fs::remove_file(sidecar(&home, OPENCODE_DB, "-journal")).unwrap();
    // Gone: read as usual, then settled.
    let scan = quick_scan(&home, &[]);
    for (id, _) in dbs {
        assert_eq!(problems(&scan, id), Vec::new(), "{id}");
    }
    let scan = quick_scan(&home, &[]);
    for (id, _) in dbs {
        assert_eq!(provider(&scan, id)["files_unchanged"], 1, "{id}: {scan:#}");
    }
    assert_eq!(by_provider(&home), agent_db_rows());
}

/// A crafted database never runs: a view (here a recursive query that never ends) or a virtual
/// table under a name a provider reads is a problem naming it, found at once; a read that runs
/// past its budget is stopped and named; other providers' data is untouched; put right, each is
/// read by the next scan.
#[test]
fn crafted_agent_databases_are_refused_not_run() {
    let home = agent_db_home();
    let never_ends = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)";
    // Copilot: `sessions` a view that never ends (whose rows would carry the marker).
    rusqlite::Connection::open(home.path(COPILOT_DB))
        .unwrap()
        .execute_batch(&format!(
            "DROP TABLE sessions;
             CREATE VIEW sessions AS {never_ends} SELECT 's-cop' || n AS id, '{MARKER}' AS cwd
             FROM r;"
        ))
        .unwrap();
    // OpenCode: `message` a view that never ends; in a second database, `session_message` a
    // virtual table.
    rusqlite::Connection::open(home.path(OPENCODE_DB))
        .unwrap()
        .execute_batch(&format!(
            "ALTER TABLE message RENAME TO message_kept;
             CREATE VIEW message AS {never_ends}
             SELECT 'msg' || n AS id, 'ses_oc' AS session_id, '{{}}' AS data FROM r;"
        ))
        .unwrap();
    let beta = home.path(".local/share/opencode/opencode-beta.db");
    opencode_db(&beta, 1, 5);
    rusqlite::Connection::open(&beta)
        .unwrap()
        .execute_batch(&format!(
            "CREATE VIRTUAL TABLE session_message USING fts5(id, session_id, data);
             INSERT INTO session_message VALUES ('m', 's', '{MARKER}');"
        ))
        .unwrap();

    let scan = quick_scan(&home, &[]);
    // Refused before anything ran: far inside any read's time budget.
    assert!(scan["elapsed_ms"].as_u64().unwrap() < 10_000, "{scan:#}");
    let copilot = problems(&scan, "copilot_cli");
    assert_eq!(copilot.len(), 1, "{copilot:?}");
    assert!(copilot[0].1.contains("sessions is a view"), "{copilot:?}");
    let opencode = problems(&scan, "opencode");
    assert_eq!(opencode.len(), 2, "{opencode:?}");
    assert!(
        opencode[0].0.ends_with("opencode-beta.db")
            && opencode[0].1.contains("session_message is a virtual table"),
        "{opencode:?}"
    );
    assert!(
        opencode[1].0.ends_with("opencode.db") && opencode[1].1.contains("message is a view"),
        "{opencode:?}"
    );
    let mut want = agent_db_rows();
    want.retain(|(p, _, _)| p == "claude_code" || p == "cursor");
    assert_eq!(by_provider(&home), want);

    // Put right, but every read over a budget of fifty steps: each stopped and named.
    rusqlite::Connection::open(home.path(COPILOT_DB))
        .unwrap()
        .execute_batch("DROP VIEW sessions;")
        .unwrap();
    copilot_db(&home.path(COPILOT_DB), 2, 100);
    rusqlite::Connection::open(home.path(OPENCODE_DB))
        .unwrap()
        .execute_batch("DROP VIEW message; ALTER TABLE message_kept RENAME TO message;")
        .unwrap();
    fs::remove_file(&beta).unwrap();
    cursor_db(&home.path(CURSOR_DB), 3, 10_000, 5);
    let scan = quick_scan(&home, &[("SCOPEON_TEST_AGENT_DB_STEPS", "50")]);
    for id in ["copilot_cli", "opencode", "cursor"] {
        let found = problems(&scan, id);
        assert_eq!(found.len(), 1, "{id}: {found:?}");
        assert!(
            found[0].1.contains("stopped after 50 SQLite steps")
                && found[0].1.contains("next scan"),
            "{id}: {found:?}"
        );
    }
    assert_eq!(by_provider(&home), want);
    // Tried again by the next scan, within the real budget: all read.
    let scan = quick_scan(&home, &[]);
    for id in ["copilot_cli", "opencode", "cursor"] {
        assert_eq!(problems(&scan, id), Vec::new(), "{id}");
    }
    let mut want = agent_db_rows();
    want[2] = ("cursor".into(), 3, 30_000);
    assert_eq!(by_provider(&home), want);

    // Cursor's table a virtual table: named; nothing stored is lost.
    let cursor = home.path(CURSOR_DB);
    fs::remove_file(&cursor).unwrap();
    {
        let db = rusqlite::Connection::open(&cursor).unwrap();
        db.execute_batch(&format!(
            "CREATE VIRTUAL TABLE cursorDiskKV USING fts5(key, value);
             INSERT INTO cursorDiskKV VALUES ('bubbleId:c:b', '{MARKER}');"
        ))
        .unwrap();
    }
    let scan = quick_scan(&home, &[]);
    let found = problems(&scan, "cursor");
    assert!(
        found.len() == 1 && found[0].1.contains("cursorDiskKV is a virtual table"),
        "{found:?}"
    );
    assert_eq!(by_provider(&home), want);
}

/// A root reached through a symlink (`~/.config` linked into a dotfiles checkout, `~/.copilot`
/// or `~/.local/share` a link) is the user's choice, and SQLite refuses a symlink anywhere in a
/// path it opens with no-follow: databases there are opened by their real path and read. A
/// symlink below the root still is not followed. Scopeon's own database, its backups and
/// `doctor` work through a symlinked directory too.
#[test]
fn agent_databases_under_symlinked_roots_are_read() {
    let home = Home::new();
    cursor_db(
        &home.path("dotfiles/config/Cursor/User/globalStorage/state.vscdb"),
        2,
        1000,
        5,
    );
    symlink(&home.path("dotfiles/config"), &home.path(".config"));
    copilot_db(&home.path("disk/copilot/session-store.db"), 2, 100);
    symlink(&home.path("disk/copilot"), &home.path(".copilot"));
    opencode_db(&home.path("disk/share/opencode/opencode.db"), 3, 1000);
    symlink(&home.path("disk/share"), &home.path(".local/share"));

    let scan = quick_scan(&home, &[]);
    for id in ["copilot_cli", "cursor", "opencode"] {
        assert_eq!(problems(&scan, id), Vec::new(), "{id}");
        assert_eq!(provider(&scan, id)["files_read"], 1, "{id}");
    }
    let rows = vec![
        ("copilot_cli".into(), 2, 200),
        ("cursor".into(), 2, 2000),
        ("opencode".into(), 3, 3000),
    ];
    assert_eq!(by_provider(&home), rows);
    assert_eq!(
        quick_scan(&home, &[])["providers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["files_unchanged"].as_u64().unwrap())
            .sum::<u64>(),
        3
    );

    // Below a root, a database that is a symlink to a planted one is never read.
    let planted = home.path("planted");
    copilot_db(&planted.join("session-store.db"), 5, 7777);
    opencode_db(&planted.join("opencode.db"), 5, 7777);
    fs::rename(
        home.path("disk/copilot/session-store.db"),
        home.path("disk/copilot/kept.db"),
    )
    .unwrap();
    symlink(
        &planted.join("session-store.db"),
        &home.path("disk/copilot/session-store.db"),
    );
    symlink(
        &planted.join("opencode.db"),
        &home.path("disk/share/opencode/opencode-planted.db"),
    );
    let scan = quick_scan(&home, &[]);
    assert_eq!(provider(&scan, "copilot_cli")["files"], 0, "{scan:#}");
    assert_eq!(provider(&scan, "opencode")["files"], 1, "{scan:#}");
    assert_eq!(by_provider(&home), rows);

    // Scopeon's own database in a directory reached through a symlink, and a backup to one.
    let vault = home.mkdir("vault/scopeon");
    chmod(&vault, 0o700);
    home.private_dir(vault.clone());
    symlink(&home.path("vault"), &home.path("vault-link"));
    let db = home.path("vault-link/scopeon/scopeon.db");
    let db_arg = db.to_str().unwrap();
    let out = run_quick(home.cmd(&["scan", "--db", db_arg]));
    assert!(out.status.success(), "{}", stderr(&out));
    let totals = home.totals_db(&db);
    // Cursor's 2 and OpenCode's 3: Copilot's database is the planted link now.
    assert_eq!(totals["requests"], 5);
    let out = run_quick(home.cmd(&["doctor", "--json", "--db", db_arg]));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(out.status.success() && d["ok"] == true, "{d:#}");
    assert!(d["database"]["health"]["check_ok"] == true, "{d:#}");
    let backups = home.mkdir("backups");
    chmod(&backups, 0o700);
    home.private_dir(backups.clone());
    symlink(&backups, &home.path("backups-link"));
    let copy = home.path("backups-link/new/b.db");
    let out = run_quick(home.cmd(&["backup", "--db", db_arg, copy.to_str().unwrap()]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(home.totals_db(&copy), totals);
    assert!(backups.join("new/b.db").is_file());
}

// ---- Aider's configuration -------------------------------------------------------------------

#[test]
fn an_aider_config_others_control_is_not_used_and_is_named() {
    use std::os::unix::fs::MetadataExt;
    let home = good_home();
    // Another log of the user's, named by the configuration only.
    home.write("elsewhere/planted.jsonl", &aider(1768000100, 7777, 7));
    let planted = home.path("elsewhere/planted.jsonl");
    home.write(
        ".aider.conf.yml",
        &format!("analytics-log: {}\n", planted.to_str().unwrap()),
    );
    let conf = home.path(".aider.conf.yml");
    let check = |why: &str| {
        let scan = home.json(&["scan", "--json"]);
        let a = provider(&scan, "aider");
        assert_eq!(a["new_records"], 0, "{a:#}");
        let root = a["roots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"] == conf.to_str().unwrap())
            .unwrap_or_else(|| panic!("the refused config is not named: {a:#}"));
        assert!(root["note"].as_str().unwrap().contains(why), "{root:#}");
        let doctor = home.json(&["doctor", "--json"]);
        assert!(
            doctor["problems"].to_string().contains(".aider.conf.yml"),
            "{doctor:#}"
        );
        assert!(!by_provider(&home).iter().any(|r| r.0 == "aider"));
    };
    // Writable by others: whoever can write it picks the file Scopeon reads as Aider's log.
    chmod(&conf, 0o666);
    check("writable by others");
    // Owned by another user (only root can make one here).
    if is_root() {
        chmod(&conf, 0o644);
        std::os::unix::fs::chown(&conf, Some(65534), Some(65534)).unwrap();
        assert_eq!(fs::metadata(&conf).unwrap().uid(), 65534);
        check("owned by another user");
    }
    // A FIFO in its place is never waited on.
    fs::remove_file(&conf).unwrap();
    mkfifo(&conf);
    check("not a readable regular file");
    // The user's own file is used.
    fs::remove_file(&conf).unwrap();
    home.write(
        ".aider.conf.yml",
        &format!("analytics-log: {}\n", planted.to_str().unwrap()),
    );
    chmod(&conf, 0o600);
    let scan = home.json(&["scan", "--json"]);
    assert_eq!(provider(&scan, "aider")["new_records"], 1, "{scan:#}");
}

// ---- Races below a root ----------------------------------------------------------------------

/// Between the walk (which saw real directories and files) and the open, a directory below the
/// root is swapped for a symlink out of it and a log for a hard link to a file outside: the
/// scan names both and reads neither. `SCOPEON_TEST_PAUSE` stops the scan at its first open, so
/// the race is won every time.
#[test]
fn a_swap_between_the_walk_and_the_open_never_reads_outside_the_root() {
    let home = Home::new();
    home.write(".claude/projects/p/a.jsonl", &cc("s1", "m1", 10));
    home.write(".claude/projects/q/b.jsonl", &cc("s2", "m2", 20));
    // Outside the root: logs of the same names whose session ids carry the marker (a stored
    // field, so any read of them would put it in the database and the output).
    let outside = home.mkdir("outside-race");
    fs::write(
        outside.join("a.jsonl"),
        cc(&format!("s-{MARKER}"), "mX", 7777),
    )
    .unwrap();
    fs::write(
        outside.join("b.jsonl"),
        cc(&format!("t-{MARKER}"), "mY", 7777),
    )
    .unwrap();
    let signals = tempfile::tempdir().unwrap();
    let mut c = home.cmd(&["scan", "--json"]);
    c.env(
        "SCOPEON_TEST_PAUSE",
        format!("before-open:{}", signals.path().to_str().unwrap()),
    );
    let child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let paused = signals.path().join("before-open.paused");
    let started = Instant::now();
    while !paused.exists() {
        assert!(
            started.elapsed() < HANG,
            "the scan never reached its first open"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // The directory the walk descended into is now a link out of the root...
    fs::rename(home.path(".claude/projects/p"), home.path("p-moved")).unwrap();
    symlink(&outside, &home.path(".claude/projects/p"));
    // ...and the file it saw is now another file, outside content under its name.
    fs::remove_file(home.path(".claude/projects/q/b.jsonl")).unwrap();
    fs::hard_link(
        outside.join("b.jsonl"),
        home.path(".claude/projects/q/b.jsonl"),
    )
    .unwrap();
    fs::write(signals.path().join("before-open.resume"), b"").unwrap();
    let out = wait_output(child, HANG);
    assert_no_marker(&out);
    let scan: Value = serde_json::from_str(&ok(out, &["scan", "--json"])).unwrap();
    let mut named = problems(&scan, "claude_code");
    named.sort();
    assert_eq!(named.len(), 2, "{scan:#}");
    assert!(named[0].0.ends_with("projects/p/a.jsonl"), "{named:?}");
    assert!(named[0].1.contains("no longer a directory"), "{named:?}");
    assert!(named[1].0.ends_with("projects/q/b.jsonl"), "{named:?}");
    assert!(named[1].1.contains("replaced by another file"), "{named:?}");
    assert_eq!(provider(&scan, "claude_code")["new_records"], 0);
    assert_eq!(home.totals()["output_tokens"], 0);
}

// ---- Content hashes --------------------------------------------------------------------------

/// FNV-1a 64, the unkeyed hash Scopeon takes of log content before sealing it.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The database file and its write-ahead log, as bytes.
fn db_bytes(db: &Path) -> Vec<u8> {
    let mut bytes = fs::read(db).unwrap();
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    if let Ok(more) = fs::read(wal) {
        bytes.extend(more);
    }
    bytes
}

/// The head hashes of the checkpoints and the stored keys (hashes of the dedup keys, in hex)
/// of the records of a database.
fn stored_hashes(db: &Path) -> (Vec<i64>, Vec<String>) {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let heads = conn
        .prepare("SELECT head_hash FROM sources WHERE head_hash IS NOT NULL ORDER BY path")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let keys = conn
        .prepare("SELECT hex(key) FROM records ORDER BY key")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    (heads, keys)
}

/// A copy of the database reveals nothing about short spans of the logs: the first-line and
/// tail hashes of checkpoints and the line hashes that key id-less records are sealed with a
/// secret of each database, so two databases of the same logs store different values and
/// neither holds the unkeyed hash of any line.
#[test]
fn stored_content_hashes_are_keyed_per_database() {
    let lines = [
        aider(1768000000, 100, 1),
        aider(1768000010, 200, 2),
        aider(1768000020, 300, 3),
    ];
    let home = Home::new();
    home.write("aider/analytics.jsonl", &lines.concat());
    let (k, v) = aider_env(&home, "aider/analytics.jsonl");
    let other = home.path("other/scopeon.db");
    home.private_dir(home.path("other"));
    home.json_env(&["scan", "--json"], &[(k, &v)]);
    home.json_env(
        &["scan", "--json", "--db", other.to_str().unwrap()],
        &[(k, &v)],
    );
    assert_eq!(home.totals(), home.totals_db(&other));
    assert_eq!(home.totals()["input_tokens"], 600);
    let (heads_a, keys_a) = stored_hashes(&home.db());
    let (heads_b, keys_b) = stored_hashes(&other);
    assert_eq!((heads_a.len(), keys_a.len()), (1, 3));
    assert_ne!(heads_a, heads_b, "two databases stored the same head hash");
    assert!(
        keys_a.iter().all(|k| !keys_b.contains(k)),
        "{keys_a:?} {keys_b:?}"
    );
    for db in [home.db(), other] {
        let bytes = db_bytes(&db);
        for line in &lines {
            let h = fnv1a64(line.trim_end().as_bytes());
            // SQLite stores integers big-endian; keys hold the hash as hex.
            assert!(
                !contains(&bytes, &h.to_be_bytes()),
                "unkeyed hash in {db:?}"
            );
            assert!(
                !contains(&bytes, format!("{h:016x}").as_bytes()),
                "unkeyed line key in {db:?}"
            );
        }
    }
    // Appending resumes from the sealed checkpoint (nothing is read twice).
    home.append("aider/analytics.jsonl", &aider(1768000030, 400, 4));
    let scan = home.json_env(&["scan", "--json"], &[(k, &v)]);
    assert_eq!(provider(&scan, "aider")["new_records"], 1, "{scan:#}");
    assert_eq!(provider(&scan, "aider")["files_restarted"], 0, "{scan:#}");
    assert_eq!(home.totals()["input_tokens"], 1000);
}

// ---- Project names in log paths ---------------------------------------------------------------

/// The project whose name must not reach the database under a reduced privacy form.
const SECRET_PROJECT: &str = "/home/dev/secret-project";
/// Claude Code's directory for it.
const SECRET_CLAUDE_DIR: &str = ".claude/projects/-home-dev-secret-project";

/// `n` Claude lines of a session in [`SECRET_PROJECT`].
fn secret_cc(session: &str, first: u64, n: u64) -> String {
    cc_lines(session, first, n).replace("/home/dev/acme", SECRET_PROJECT)
}

/// A Codex rollout whose working directory is `cwd`: two calls, input 1000 then 500.
fn codex_in(cwd: &str) -> String {
    let usage = |input: u64, total: u64| {
        format!(
            r#"{{"input_tokens":{input},"cached_input_tokens":0,"output_tokens":10,"reasoning_output_tokens":0,"total_tokens":{}}}"#,
            total + 10
        )
    };
    [
        format!(
            r#"{{"timestamp":"2026-11-26T09:00:00.000Z","type":"session_meta","payload":{{"id":"0199a1b2-0000-7e5f-8a9b-00000000c0de","timestamp":"2026-11-26T09:00:00.000Z","cwd":"{cwd}","originator":"codex_cli_rs","cli_version":"0.44.0","instructions":"{MARKER}","source":"cli","model_provider":"openai"}}}}"#
        ),
        format!(
            r#"{{"timestamp":"2026-11-26T09:00:01.000Z","type":"turn_context","payload":{{"cwd":"{cwd}","approval_policy":"on-request","model":"gpt-5-codex","effort":"medium","summary":"auto"}}}}"#
        ),
        format!(
            r#"{{"timestamp":"2026-11-26T09:00:02.000Z","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{},"last_token_usage":{},"model_context_window":272000}}}}}}"#,
            usage(1000, 1000),
            usage(1000, 1000)
        ),
        format!(
            r#"{{"timestamp":"2026-11-26T09:00:03.000Z","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{},"last_token_usage":{},"model_context_window":272000}}}}}}"#,
            usage(1500, 1520),
            usage(500, 500)
        ),
    ]
    .map(|l| l + "\n")
    .concat()
}

/// A home with Claude Code logs of [`SECRET_PROJECT`] (2 + 1 requests in two transcripts)
/// and a Codex root inside a project directory whose session works in it (2 calls, input
/// 1500); the environment that points Codex there, and the needles that name the projects.
fn secret_home() -> (Home, Vec<(&'static str, String)>, Vec<String>) {
    let home = Home::new();
    home.write(
        &format!("{SECRET_CLAUDE_DIR}/3f0c9a2e-5b1d-4c7e-9a10-2d4e6f8a0b1c.jsonl"),
        &secret_cc("s1", 0, 2),
    );
    home.write(
        &format!("{SECRET_CLAUDE_DIR}/7d1e2f3a-0000-4c7e-9a10-2d4e6f8a0b1c.jsonl"),
        &secret_cc("s2", 0, 1),
    );
    let project = home.path("work/secret-codex-project");
    let codex_home = project.join(".codex");
    home.write(
        "work/secret-codex-project/.codex/sessions/2026/11/26/rollout-2026-11-26T09-00-00-0199a1b2-0000-7e5f-8a9b-00000000c0de.jsonl",
        &codex_in(project.to_str().unwrap()),
    );
    let env = vec![("CODEX_HOME", codex_home.to_str().unwrap().to_owned())];
    let needles = vec![
        SECRET_PROJECT.to_owned(),
        "-home-dev-secret-project".to_owned(),
        // Its last component is the project's name `basename` keeps, by design.
        project.to_str().unwrap().to_owned(),
        // The home itself is part of every log path.
        home.root.to_str().unwrap().to_owned(),
    ];
    (home, env, needles)
}

/// The needles found in some bytes.
fn found_in(bytes: &[u8], needles: &[String]) -> Vec<String> {
    needles
        .iter()
        .filter(|n| contains(bytes, n.as_bytes()))
        .cloned()
        .collect()
}

/// Runs `scopeon args` while another connection holds the database open, so its write-ahead
/// log survives the command; the needles found in the database file and that log, which must
/// exist. Then the needles found once the log was checkpointed away (by the next command).
fn needles_in_database(
    home: &Home,
    args: &[&str],
    vars: &[(&str, &str)],
    needles: &[String],
) -> (Vec<String>, Vec<String>) {
    let holder = rusqlite::Connection::open(home.db()).unwrap();
    holder
        .query_row("SELECT count(*) FROM sources", [], |r| r.get::<_, i64>(0))
        .unwrap();
    ok(home.run_env(args, vars), args);
    let wal = PathBuf::from(format!("{}-wal", home.db().display()));
    assert!(
        fs::metadata(&wal).is_ok_and(|m| m.len() > 0),
        "no write-ahead log"
    );
    let live = found_in(&db_bytes(&home.db()), needles);
    drop(holder);
    home.ok(&["report", "--json", "--no-scan", "--by", "project"]);
    assert!(
        fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "the write-ahead log was not checkpointed"
    );
    (live, found_in(&db_bytes(&home.db()), needles))
}

/// Checkpoints under `keyed:` paths, and all of them.
fn keyed_sources(db: &Path) -> (i64, i64) {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(
        "SELECT count(*) FILTER (WHERE path GLOB 'keyed:*'), count(*) FROM sources",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// Under `[privacy] project_paths = "basename"` or `"hash"` no project path reaches the
/// database in any table, its write-ahead log included: not through a record's project, a
/// checkpoint's log path (Claude Code names its directories after the project; a Codex root
/// can sit in a project), nor a cached report's filter. Under `"full"` they are there, which
/// is what makes the search meaningful. Resumes, rebuilds, `forget --project` and a gone
/// file's checkpoint work as with full paths.
#[test]
fn project_paths_reach_the_database_through_no_log_path() {
    for mode in ["full", "basename", "hash"] {
        let (home, env, needles) = secret_home();
        let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        home.write(
            ".scopeon/config.toml",
            &format!("[privacy]\nproject_paths = \"{mode}\"\n"),
        );
        // A first scan creates the database the holder opens.
        let scan = home.json_env(&["scan", "--json"], &vars);
        assert_eq!(provider(&scan, "claude_code")["new_records"], 3, "{scan:#}");
        assert_eq!(provider(&scan, "codex")["new_records"], 2, "{scan:#}");
        let totals = home.totals();
        assert_eq!(totals["requests"], 5);
        // More lines, and a report filtered by the full project path (its query is cached).
        home.append(
            &format!("{SECRET_CLAUDE_DIR}/3f0c9a2e-5b1d-4c7e-9a10-2d4e6f8a0b1c.jsonl"),
            &secret_cc("s1", 2, 1),
        );
        let (live, settled) = needles_in_database(&home, &["scan", "--json"], &vars, &needles);
        let report = home.json(&[
            "report",
            "--json",
            "--no-scan",
            "--by",
            "project",
            "--project",
            SECRET_PROJECT,
        ]);
        assert_eq!(report["totals"]["requests"], 4, "{mode}");
        let cached = found_in(&db_bytes(&home.db()), &needles);
        if mode == "full" {
            assert_eq!(live, needles, "full paths are stored under \"full\"");
            assert_eq!(settled, needles, "full paths are stored under \"full\"");
            assert_eq!(keyed_sources(&home.db()).0, 0);
            continue;
        }
        assert!(
            live.is_empty(),
            "{mode}: {live:?} in the database or its log"
        );
        assert!(settled.is_empty(), "{mode}: {settled:?} in the database");
        assert!(cached.is_empty(), "{mode}: {cached:?} in the database");
        assert_eq!(keyed_sources(&home.db()), (3, 3), "{mode}");

        // Resume: only the new line is read, nothing restarts.
        home.append(
            &format!("{SECRET_CLAUDE_DIR}/7d1e2f3a-0000-4c7e-9a10-2d4e6f8a0b1c.jsonl"),
            &secret_cc("s2", 1, 1),
        );
        let scan = home.json_env(&["scan", "--json"], &vars);
        let cc = provider(&scan, "claude_code");
        assert_eq!(
            (&cc["lines"], &cc["new_records"], &cc["files_restarted"]),
            (&Value::from(1), &Value::from(1), &Value::from(0)),
            "{mode}: {scan:#}"
        );
        assert_eq!(provider(&scan, "codex")["files_unchanged"], 1, "{scan:#}");
        let totals = home.totals();
        assert_eq!(totals["requests"], 7, "{mode}");
        // A rebuild reads everything again to the same totals.
        home.json_env(&["scan", "--json", "--rebuild"], &vars);
        assert_eq!(home.totals(), totals, "{mode}: rebuild");
        assert_eq!(keyed_sources(&home.db()), (3, 3), "{mode}");
        // A gone log loses its checkpoint (found below its keyed root), not its records.
        fs::remove_file(home.path(&format!(
            "{SECRET_CLAUDE_DIR}/7d1e2f3a-0000-4c7e-9a10-2d4e6f8a0b1c.jsonl"
        )))
        .unwrap();
        home.json_env(&["scan", "--json"], &vars);
        assert_eq!(keyed_sources(&home.db()), (2, 2), "{mode}");
        assert_eq!(
            home.totals(),
            totals,
            "{mode}: a gone log keeps its records"
        );
        // Forgetting by the full project path still works.
        let f = home.json(&["forget", "--json", "--project", SECRET_PROJECT]);
        assert_eq!(f["forgotten"], 5, "{mode}: {f:#}");
        assert_eq!(home.totals()["requests"], 2, "{mode}");
        let left = found_in(&db_bytes(&home.db()), &needles);
        assert!(left.is_empty(), "{mode}: {left:?} in the database");
    }
}

/// Switching the privacy form between scans keeps every total exact and every checkpoint:
/// full → hash keys the stored log paths at once (none left in the database), hash → full
/// gives the files still on disk their paths back as the walk finds them, and each scan
/// after a switch reads only what was appended.
#[test]
fn switching_the_privacy_form_between_scans_keeps_totals_and_checkpoints() {
    let (home, env, needles) = secret_home();
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let main = format!("{SECRET_CLAUDE_DIR}/3f0c9a2e-5b1d-4c7e-9a10-2d4e6f8a0b1c.jsonl");
    home.json_env(&["scan", "--json"], &vars);
    assert_eq!(home.totals()["requests"], 5);
    assert_eq!(keyed_sources(&home.db()), (0, 3));
    let mut expected = 5;
    for (step, mode) in ["hash", "full", "basename", "hash", "full"]
        .iter()
        .enumerate()
    {
        home.write(
            ".scopeon/config.toml",
            &format!("[privacy]\nproject_paths = \"{mode}\"\n"),
        );
        // Switching alone (no scan) rewrites the stored paths when the form is reduced.
        home.ok(&["report", "--json", "--no-scan"]);
        let found = found_in(&db_bytes(&home.db()), &needles);
        if *mode == "full" {
            assert_eq!(keyed_sources(&home.db()), (3, 3), "step {step}");
        } else {
            assert!(found.is_empty(), "step {step} ({mode}): {found:?}");
            assert_eq!(keyed_sources(&home.db()), (3, 3), "step {step}");
        }
        home.append(&main, &secret_cc("s1", 10 + step as u64, 1));
        expected += 1;
        let scan = home.json_env(&["scan", "--json"], &vars);
        let cc = provider(&scan, "claude_code");
        assert_eq!(
            (&cc["lines"], &cc["new_records"], &cc["files_restarted"]),
            (&Value::from(1), &Value::from(1), &Value::from(0)),
            "step {step} ({mode}): {scan:#}"
        );
        assert_eq!(cc["files_unchanged"], 1, "step {step} ({mode}): {scan:#}");
        assert_eq!(provider(&scan, "codex")["files_unchanged"], 1, "{scan:#}");
        assert_eq!(home.totals()["requests"], expected, "step {step} ({mode})");
        let keyed = if *mode == "full" { 0 } else { 3 };
        assert_eq!(
            keyed_sources(&home.db()),
            (keyed, 3),
            "step {step} ({mode})"
        );
    }
    // Rebuilt from the logs: the same totals.
    let totals = home.totals();
    home.json_env(&["scan", "--json", "--rebuild"], &vars);
    assert_eq!(home.totals(), totals);
}

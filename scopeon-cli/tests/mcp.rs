//! `scopeon mcp` at the protocol level: the binary spawned on the fixture home of
//! `tests/mcp/home`, JSON-RPC lines written to its stdin, replies read with a timeout
//! (docs/mcp.md). What a real client sees (the official Python SDK, output schemas) is
//! `tests/mcp/test_mcp.py`'s job.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod fixture;
use fixture::{MARKER, NOW, fixture_home, scopeon};

/// Long enough for a debug build on a busy machine; a reply normally takes milliseconds.
const REPLY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long to listen for a reply that must not come.
const SILENCE: Duration = Duration::from_millis(500);

/// A running `scopeon mcp` and every line it wrote to stdout.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Server {
    fn start(home: &Path) -> Server {
        Server::start_env(home, &[])
    }

    /// A server with these variables set too.
    fn start_env(home: &Path, vars: &[(&str, &str)]) -> Server {
        let mut child = scopeon(home)
            .arg("mcp")
            .envs(vars.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Server {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// A server past the handshake.
    fn initialized(home: &Path) -> Server {
        let mut server = Server::start(home);
        server.send(&json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": { "name": "scopeon-test", "version": "1" }
            }
        }));
        let reply = server.reply();
        assert_eq!(reply["id"], 0, "{reply}");
        assert_eq!(reply["result"]["serverInfo"]["name"], "scopeon");
        server.send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
        server
    }

    fn send_raw(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: &Value) {
        self.send_raw(&message.to_string());
    }

    /// The next line, parsed; fails the test on a timeout or a line that is not JSON.
    fn reply(&mut self) -> Value {
        let line = self
            .lines
            .recv_timeout(REPLY_TIMEOUT)
            .expect("a reply within the timeout");
        self.seen.push(line.clone());
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout line not JSON ({e}): {line}"))
    }

    /// Calls a tool; returns the JSON-RPC reply.
    fn call(&mut self, id: u64, tool: &str, arguments: Value) -> Value {
        self.send(&json!({
            "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": { "name": tool, "arguments": arguments }
        }));
        let reply = self.reply();
        assert_eq!(reply["id"], id, "{reply}");
        reply
    }

    /// Closes stdin and waits for the exit; returns the exit code and stderr.
    fn finish(mut self) -> (Option<i32>, Vec<String>, String) {
        drop(self.stdin.take());
        let deadline = Instant::now() + REPLY_TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "scopeon mcp did not exit at EOF");
            std::thread::sleep(Duration::from_millis(20));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(1)) {
            self.seen.push(line);
        }
        let mut stderr = String::new();
        std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        (status.code(), self.seen, stderr)
    }
}

fn assert_clean(lines: &[String], stderr: &str) {
    for line in lines {
        let parsed: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stdout carries only JSON lines ({e}): {line}"));
        assert_eq!(parsed["jsonrpc"], "2.0", "{line}");
        assert!(!line.contains(MARKER), "privacy marker on stdout");
    }
    assert!(!stderr.contains(MARKER), "privacy marker on stderr");
}

#[test]
fn notifications_get_no_reply_and_eof_exits_zero() {
    let home = fixture_home();
    let mut server = Server::initialized(home.path());
    server.send(&json!({
        "jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": { "requestId": 99, "reason": "test" }
    }));
    server.send(&json!({ "jsonrpc": "2.0", "method": "notifications/made_up" }));
    match server.lines.recv_timeout(SILENCE) {
        Err(RecvTimeoutError::Timeout) => {}
        other => panic!("a notification was answered: {other:?}"),
    }
    server.send(&json!({ "jsonrpc": "2.0", "id": 7, "method": "ping" }));
    let pong = server.reply();
    assert_eq!(pong["id"], 7, "the next line answers the ping: {pong}");
    assert_eq!(pong["result"], json!({}));
    let (code, lines, stderr) = server.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(lines.len(), 2, "initialize and ping only: {lines:?}");
    assert_clean(&lines, &stderr);
}

#[test]
fn protocol_errors_and_tool_errors() {
    let home = fixture_home();
    let mut server = Server::initialized(home.path());

    server.send_raw("{not json");
    let parse = server.reply();
    assert_eq!(parse["error"]["code"], -32700, "{parse}");
    assert_eq!(parse["id"], Value::Null);
    assert!(
        !parse.to_string().contains("not json"),
        "the line is not echoed"
    );

    let unknown = server.call(1, "no_such_tool", json!({}));
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");

    for (id, tool, arguments, says) in [
        (
            2,
            "usage_report",
            json!({ "bogus": 1 }),
            "unknown field `bogus`",
        ),
        (
            3,
            "usage_report",
            json!({ "since": "soon" }),
            "invalid time",
        ),
        (
            4,
            "usage_report",
            json!({ "by": ["fortnight"] }),
            "fortnight",
        ),
        (
            5,
            "list_sessions",
            json!({ "limit": 0 }),
            "limit 0 is out of range",
        ),
        (
            6,
            "blocks",
            json!({ "provider": ["nope"] }),
            "unknown provider",
        ),
        (7, "session_usage", json!({}), "missing field `session_id`"),
        (
            8,
            "session_usage",
            json!({ "session_id": "absent" }),
            "list_sessions",
        ),
        (
            9,
            "price",
            json!({ "model": "no-such-model-1" }),
            "no-such-model-1",
        ),
        (
            10,
            "context",
            json!({ "active_minutes": "ten" }),
            "invalid type",
        ),
    ] {
        let reply = server.call(id, tool, arguments);
        let result = &reply["result"];
        assert_eq!(result["isError"], true, "{tool}: {reply}");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(says), "{tool}: {text:?} should say {says:?}");
        assert!(result.get("structuredContent").is_none(), "{reply}");
    }

    // The server still answers after all that.
    let ok = server.call(11, "price", json!({ "model": "claude-sonnet-4-5" }));
    assert_eq!(ok["result"]["isError"], false, "{ok}");

    // Well-formed JSON that is not a JSON-RPC message: rmcp's invalid request.
    server.send_raw("[1, 2, 3]");
    let invalid = server.reply();
    assert_eq!(invalid["error"]["code"], -32600, "{invalid}");

    let (code, lines, stderr) = server.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_clean(&lines, &stderr);
}

#[test]
fn usage_report_matches_the_cli_and_says_data_as_of() {
    let home = fixture_home();
    let cli = scopeon(home.path())
        .args(["report", "--json", "--by", "model"])
        .output()
        .unwrap();
    assert!(cli.status.success());
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();

    let mut server = Server::initialized(home.path());
    // The background scan finds nothing new (the CLI stored it all); wait for it to finish
    // so that data_as_of is set.
    let deadline = Instant::now() + REPLY_TIMEOUT;
    let mut id = 100;
    let doc = loop {
        id += 1;
        let reply = server.call(id, "usage_report", json!({ "by": ["model"] }));
        let doc = reply["result"]["structuredContent"].clone();
        if !doc["data_as_of"].is_null() || Instant::now() > deadline {
            // The text block is the same JSON.
            let text = reply["result"]["content"][0]["text"].as_str().unwrap();
            assert_eq!(serde_json::from_str::<Value>(text).unwrap(), doc);
            break doc;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(doc["data_as_of"], NOW, "{doc}");
    assert_eq!(doc["schema"], "scopeon.report.v1");
    assert_eq!(doc["totals"], cli["totals"]);
    assert_eq!(doc["rows"], cli["rows"]);
    assert_eq!(doc["page"]["total"], cli["rows"].as_array().unwrap().len());

    // Paged: one row at a time, totals unchanged.
    let reply = server.call(
        1,
        "usage_report",
        json!({ "by": ["model"], "limit": 1, "offset": 1 }),
    );
    let page = &reply["result"]["structuredContent"];
    assert_eq!(page["rows"], json!([cli["rows"][1]]));
    assert_eq!(page["totals"], cli["totals"]);

    // A session's usage is the report of that session.
    let reply = server.call(2, "session_usage", json!({ "session_id": "s1" }));
    let session = &reply["result"]["structuredContent"];
    assert_eq!(session["totals"]["requests"], 4, "{reply}");

    let (code, lines, stderr) = server.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_clean(&lines, &stderr);
}

#[test]
fn eof_before_initialize_exits_zero_with_nothing_on_stdout() {
    let home = fixture_home();
    let server = Server::start(home.path());
    let (code, lines, stderr) = server.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(lines.is_empty(), "{lines:?}");
}

/// A request made while the background scan is still running is answered at once, from what
/// is stored (nothing yet), with `data_as_of` null; once the scan is let go, the same request
/// sees its data. `SCOPEON_TEST_PAUSE` holds the scan at its first file open, so the request
/// is made before the scan finishes every time.
#[test]
fn requests_before_the_background_scan_finishes_are_answered() {
    let home = fixture_home();
    let signals = tempfile::tempdir().unwrap();
    let pause = format!("before-open:{}", signals.path().to_str().unwrap());
    let mut server = Server::start_env(home.path(), &[("SCOPEON_TEST_PAUSE", &pause)]);
    let paused = signals.path().join("before-open.paused");
    let started = Instant::now();
    while !paused.exists() {
        assert!(
            started.elapsed() < REPLY_TIMEOUT,
            "the background scan never reached its first open"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    server.send(&json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": { "name": "scopeon-test", "version": "1" }
        }
    }));
    assert_eq!(server.reply()["result"]["serverInfo"]["name"], "scopeon");
    server.send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
    let reply = server.call(1, "usage_report", json!({ "by": [] }));
    let doc = &reply["result"]["structuredContent"];
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    assert_eq!(doc["data_as_of"], Value::Null, "{doc}");
    assert_eq!(doc["totals"]["requests"], 0, "{doc}");
    // The scan is still held: it has not gone past its first open.
    assert!(!signals.path().join("before-open.resume").exists());

    std::fs::write(signals.path().join("before-open.resume"), b"").unwrap();
    let deadline = Instant::now() + REPLY_TIMEOUT;
    let mut id = 1;
    let doc = loop {
        id += 1;
        let reply = server.call(id, "usage_report", json!({ "by": [] }));
        let doc = reply["result"]["structuredContent"].clone();
        if !doc["data_as_of"].is_null() {
            break doc;
        }
        assert!(Instant::now() < deadline, "the scan never finished: {doc}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(doc["data_as_of"], NOW);
    assert!(doc["totals"]["requests"].as_u64().unwrap() > 0, "{doc}");
    let (code, lines, stderr) = server.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_clean(&lines, &stderr);
}

/// The 2026-07-28 lifecycle: `server/discover` (without `initialize`) says which protocol
/// versions and capabilities the server has, and a request carrying its context in `_meta`
/// is answered without a handshake. A discover without that `_meta` is refused with -32602
/// and the server goes on.
#[test]
fn server_discover_and_requests_with_inline_meta() {
    let home = fixture_home();
    let mut server = Server::start(home.path());
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { "name": "scopeon-test", "version": "1" }
    });
    server.send(&json!({ "jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {} }));
    let refused = server.reply();
    assert_eq!(refused["id"], 1, "{refused}");
    assert_eq!(refused["error"]["code"], -32602, "{refused}");

    server.send(&json!({
        "jsonrpc": "2.0", "id": 2, "method": "server/discover", "params": { "_meta": meta }
    }));
    let discovered = server.reply();
    assert_eq!(discovered["id"], 2, "{discovered}");
    let result = &discovered["result"];
    let versions: Vec<&str> = result["supportedVersions"]
        .as_array()
        .unwrap_or_else(|| panic!("{discovered}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for v in ["2024-11-05", "2025-06-18", "2025-11-25", "2026-07-28"] {
        assert!(versions.contains(&v), "{versions:?}");
    }
    assert!(result["capabilities"]["tools"].is_object(), "{result}");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "scopeon",
        "{result}"
    );

    server.send(&json!({
        "jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": { "name": "providers", "arguments": {}, "_meta": meta }
    }));
    let reply = server.reply();
    assert_eq!(reply["id"], 3, "{reply}");
    assert_eq!(
        reply["result"]["structuredContent"]["schema"], "scopeon.providers.v1",
        "{reply}"
    );
    let (code, lines, stderr) = server.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_clean(&lines, &stderr);
}

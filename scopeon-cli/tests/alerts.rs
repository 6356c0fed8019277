//! Budgets and webhook alerts end to end (docs/alerts.md): `scopeon budget` against its
//! schema, configuration errors, and webhooks delivered to a receiver on 127.0.0.1.

use std::collections::VecDeque;
use std::fs;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use serde_json::Value;

/// Planted in every text field of the fixtures; must never come out of Scopeon.
const MARKER: &str = "SCOPEON-PRIVACY-MARKER-9a2e";

/// Friday 2026-11-20, 18:00 UTC.
const NOW: &str = "2026-11-20T18:00:00Z";

struct Home {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

/// A Claude Code request of `claude-sonnet-4-5` at `ts`: 100,000 input and 10,000 output
/// tokens, $0.45 at the built-in prices.
fn request(i: usize, ts: &str) -> String {
    format!(
        r#"{{"type":"assistant","sessionId":"s1","cwd":"/home/dev/acme","requestId":"r{i}","timestamp":"{ts}","message":{{"id":"m{i}","model":"claude-sonnet-4-5","content":[{{"type":"text","text":"{MARKER}"}}],"usage":{{"input_tokens":100000,"output_tokens":10000}}}}}}"#
    ) + "\n"
}

impl Home {
    /// Requests at 09:00 and 10:00 today ($0.90) and one on Monday 16th ($0.45).
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let home = Home {
            root: dir.path().to_owned(),
            _dir: dir,
        };
        let log: String = [
            "2026-11-16T12:00:00Z",
            "2026-11-20T09:00:00Z",
            "2026-11-20T10:00:00Z",
        ]
        .iter()
        .enumerate()
        .map(|(i, ts)| request(i, ts))
        .collect();
        home.write(".claude/projects/-home-dev-acme/s1.jsonl", &log);
        home
    }

    fn write(&self, rel: &str, contents: &str) {
        let p = self.root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, contents).unwrap();
    }

    /// Appends a request to the transcript.
    fn append(&self, i: usize, ts: &str) {
        use std::io::Write as _;
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(self.root.join(".claude/projects/-home-dev-acme/s1.jsonl"))
            .unwrap();
        f.write_all(request(i, ts).as_bytes()).unwrap();
    }

    fn config(&self, text: &str) {
        self.write(".scopeon/config.toml", text);
    }

    fn command(&self, now: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_scopeon"));
        c.env_clear()
            .env("HOME", &self.root)
            .env("TZ", "UTC")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SCOPEON_NOW", now)
            .env("SCOPEON_TEST_SECRET", SECRET)
            .args(args);
        c
    }

    fn run_at(&self, now: &str, args: &[&str]) -> Output {
        let out = self.command(now, args).output().unwrap();
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !String::from_utf8_lossy(stream).contains(MARKER),
                "privacy marker leaked into output"
            );
        }
        out
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_at(NOW, args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "scopeon {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

/// A Standard Webhooks secret: `whsec_` and the base64 of the key bytes.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn validate(doc: &Value, schema: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas")
        .join(schema);
    let schema: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

#[test]
fn budget_shows_spend_limit_percent_and_projection_of_the_current_periods() {
    let home = Home::new();
    // Without a budget: an empty answer that says what to add.
    let doc = home.json(&["budget", "--json"]);
    validate(&doc, "scopeon.budget.v1.schema.json");
    assert_eq!(doc["budgets"], serde_json::json!([]));
    assert!(doc["note"].as_str().unwrap().contains("[budget]"));
    assert!(home.ok(&["budget"]).contains("daily_usd = "));

    home.config(
        "[budget]\ndaily_usd = 1.0\nweekly_usd = 10\n[budget.providers.codex]\nmonthly_usd = 5\n[budget.projects.\"/home/dev/acme\"]\ndaily_usd = 0.5\n",
    );
    let doc = home.json(&["budget", "--json"]);
    validate(&doc, "scopeon.budget.v1.schema.json");
    let b = doc["budgets"].as_array().unwrap();
    assert_eq!(b.len(), 4, "{doc:#}");
    // Today: $0.90 of $1.00 by 18:00, so $1.20 at the day's end.
    assert_eq!(b[0]["scope"], "overall");
    assert_eq!(b[0]["period"], "daily");
    assert_eq!(b[0]["period_label"], "2026-11-20");
    assert!((b[0]["spend_usd"].as_f64().unwrap() - 0.90).abs() < 1e-9);
    assert!((b[0]["percent"].as_f64().unwrap() - 90.0).abs() < 1e-9);
    assert!((b[0]["projected_usd"].as_f64().unwrap() - 1.20).abs() < 1e-9);
    assert_eq!(b[0]["status"], "warning");
    // The week started on Monday 16th: $1.35.
    assert_eq!(b[1]["period"], "weekly");
    assert_eq!(b[1]["period_label"], "2026-W47");
    assert_eq!(b[1]["start"], "2026-11-16T00:00:00Z");
    assert!((b[1]["spend_usd"].as_f64().unwrap() - 1.35).abs() < 1e-9);
    assert_eq!(b[2]["provider"], "codex");
    assert_eq!(b[2]["spend_usd"], 0.0);
    assert_eq!(b[3]["project"], "/home/dev/acme");
    assert_eq!(b[3]["status"], "exceeded");
    let table = home.ok(&["budget", "--no-scan"]);
    assert!(
        table.contains("provider codex") && table.contains("exceeded"),
        "{table}"
    );
    // The report's zone: in Tokyo the day of 18:00 UTC is the 21st, which has no spend yet.
    let tokyo = home.json(&["budget", "--json", "--tz", "Asia/Tokyo"]);
    assert_eq!(tokyo["budgets"][0]["period_label"], "2026-11-21");
    assert_eq!(tokyo["budgets"][0]["spend_usd"], 0.0);
}

#[test]
fn bad_budget_and_webhook_keys_are_usage_errors_naming_the_key_and_line() {
    let home = Home::new();
    for (config, expect) in [
        ("[budget]\ndaily_usd = -1\n", vec!["daily_usd", "line 2"]),
        ("[budget]\nhourly_usd = 1\n", vec!["hourly_usd", "line 2"]),
        (
            "[budget.providers.claude_code]\n\nmonthly = 3\n",
            vec!["monthly", "line 3"],
        ),
        (
            "[[alerts.webhooks]]\nkind = \"slack\"\nurl = \"ftp://hooks.example/SECRETPATH\"\n",
            vec!["alerts.webhooks[0].url", "line 3", "ftp"],
        ),
        (
            "[[alerts.webhooks]]\nkind = \"teams\"\nurl = \"https://x.example/\"\n",
            vec!["teams", "line 2"],
        ),
        (
            "[[alerts.webhooks]]\nkind = \"slack\"\nurl = \"https://x.example/\"\nevents = [\"budget_exceded\"]\n",
            vec!["budget_exceded", "line 4"],
        ),
        (
            "[[alerts.webhooks]]\nkind = \"generic\"\nurl = \"https://x.example/\"\n",
            vec!["secret_env"],
        ),
    ] {
        home.config(config);
        let out = home.run(&["budget"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{config}: {err}");
        for e in expect {
            assert!(err.contains(e), "{config}: {e:?} not in {err}");
        }
        assert!(!err.contains("SECRETPATH"), "{err}");
    }
}

/// What the receiver answers to one request.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Status(u16),
    /// 429 with `Retry-After: N`.
    RetryAfter(u64),
    /// Holds the connection open without answering (for 20 s at most).
    Hang,
}

/// A request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP receiver on 127.0.0.1: records every request, answers from a script (then 200).
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
}

impl Receiver {
    fn start(script: &[Reply]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let (g, sc) = (got.clone(), script.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (g, sc) = (g.clone(), sc.clone());
                std::thread::spawn(move || serve(conn, &g, &sc));
            }
        });
        Receiver { port, got, script }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook/SECRETPATH", self.port)
    }

    fn requests(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn push(&self, reply: Reply) {
        self.script.lock().unwrap().push_back(reply);
    }
}

fn serve(conn: std::net::TcpStream, got: &Mutex<Vec<Received>>, script: &Mutex<VecDeque<Reply>>) {
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((n, v)) = h.trim_end().split_once(':') {
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    got.lock().unwrap().push(Received {
        path,
        headers,
        body: String::from_utf8(body).unwrap(),
    });
    let reply = script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Reply::Status(200));
    let mut conn = conn;
    let response = match reply {
        Reply::Status(code) => {
            format!("HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
        Reply::RetryAfter(s) => format!(
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: {s}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        Reply::Hang => {
            std::thread::sleep(Duration::from_secs(20));
            return;
        }
    };
    let _ = conn.write_all(response.as_bytes());
}

/// The key of [`SECRET`].
fn key() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(SECRET.trim_start_matches("whsec_"))
        .unwrap()
}

/// Checks a request's Standard Webhooks signature, as a receiver would.
fn verify(r: &Received) {
    let id = r.header("webhook-id").expect("webhook-id");
    let ts = r.header("webhook-timestamp").expect("webhook-timestamp");
    let sig = r.header("webhook-signature").expect("webhook-signature");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key()).unwrap();
    mac.update(format!("{id}.{ts}.{}", r.body).as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(sig, format!("v1,{expected}"), "signature of {}", r.body);
}

/// No request ever carries log text, the session id or the (unbudgeted) project path.
fn assert_private(receiver: &Receiver) {
    for r in receiver.requests() {
        for secret in [MARKER, "/home/dev/acme", "\"s1\""] {
            assert!(!r.body.contains(secret), "{secret} in {}", r.body);
        }
    }
}

fn generic_hook(receiver: &Receiver, extra: &str) -> String {
    format!(
        "[budget]\ndaily_usd = 1.0\n\n[[alerts.webhooks]]\nurl = \"{}\"\nkind = \"generic\"\nevents = [\"budget_exceeded\"]\nsecret_env = \"SCOPEON_TEST_SECRET\"\n{extra}",
        receiver.url()
    )
}

/// A minute after [`NOW`], and later.
const LATER: [&str; 3] = [
    "2026-11-20T18:00:31Z",
    "2026-11-20T18:01:30Z",
    "2026-11-20T18:02:10Z",
];

/// The alert of `event` in a `scopeon.alerts.v1` document.
fn fired<'a>(doc: &'a Value, event: &str) -> &'a Value {
    doc["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["event"] == event)
        .unwrap_or_else(|| panic!("no {event} in {doc:#}"))
}

fn alerts_doc(home: &Home, now: &str) -> Value {
    let out = home.run_at(now, &["alerts", "list", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn crossing_a_budget_sends_one_signed_request_and_a_second_scan_none() {
    let home = Home::new();
    let receiver = Receiver::start(&[]);
    home.config(&generic_hook(&receiver, ""));
    // 90% of the daily budget: a warning, which this webhook does not want.
    home.ok(&["scan"]);
    assert_eq!(receiver.requests().len(), 0);
    home.append(9, "2026-11-20T17:00:00Z");
    home.ok(&["scan"]);
    let got = receiver.requests();
    assert_eq!(got.len(), 1, "{got:#?}");
    let r = &got[0];
    assert_eq!(r.path, "/hook/SECRETPATH");
    verify(r);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["type"], "scopeon.budget_exceeded");
    assert_eq!(body["data"]["scope"], "overall");
    assert_eq!(body["data"]["period"], "daily");
    assert!((body["data"]["spend_usd"].as_f64().unwrap() - 1.35).abs() < 1e-9);
    // Again, and with `report`: nothing new.
    home.ok(&["scan"]);
    home.ok(&["report"]);
    assert_eq!(receiver.requests().len(), 1);
    let doc = alerts_doc(&home, NOW);
    let fired: Vec<&str> = doc["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["event"].as_str().unwrap())
        .collect();
    // The warning was passed over by the exceeded alert: remembered, never sent.
    assert_eq!(fired, ["budget_exceeded", "budget_warning"], "{doc:#}");
    assert_eq!(doc["alerts"][1]["deliveries"], serde_json::json!([]));
    assert_eq!(doc["alerts"][0]["deliveries"][0]["state"], "delivered");
    assert_eq!(doc["webhooks"][0]["url"], format!("http://127.0.0.1"));
    assert!(!doc.to_string().contains("SECRETPATH"));
    assert_private(&receiver);
}

#[test]
fn two_concurrent_scans_send_one_request() {
    let home = Home::new();
    home.append(9, "2026-11-20T17:00:00Z");
    let receiver = Receiver::start(&[]);
    home.config(&generic_hook(&receiver, ""));
    // The database exists before the race, as it would for a user.
    home.ok(&["providers"]);
    let children: Vec<_> = (0..3)
        .map(|_| {
            home.command(NOW, &["scan"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert_eq!(receiver.requests().len(), 1);
    verify(&receiver.requests()[0]);
}

#[test]
fn a_503_is_retried_after_the_backoff_and_delivered_once() {
    let home = Home::new();
    home.append(9, "2026-11-20T17:00:00Z");
    let receiver = Receiver::start(&[Reply::Status(503)]);
    home.config(&generic_hook(&receiver, ""));
    home.ok(&["scan"]);
    assert_eq!(receiver.requests().len(), 1);
    // Within the 30 s backoff: nothing. After it: delivered. Then never again.
    home.ok(&["scan"]);
    assert_eq!(receiver.requests().len(), 1);
    for now in LATER {
        assert!(home.run_at(now, &["scan"]).status.success());
    }
    let got = receiver.requests();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].header("webhook-id"),
        got[1].header("webhook-id"),
        "a retry carries the same id"
    );
    let doc = alerts_doc(&home, LATER[2]);
    let delivery = &fired(&doc, "budget_exceeded")["deliveries"][0];
    assert_eq!(delivery["state"], "delivered");
    assert_eq!(delivery["attempts"], 2);
}

#[test]
fn a_429_waits_for_its_retry_after() {
    let home = Home::new();
    home.append(9, "2026-11-20T17:00:00Z");
    let receiver = Receiver::start(&[Reply::RetryAfter(120)]);
    home.config(&generic_hook(&receiver, ""));
    home.ok(&["scan"]);
    // Past the 30 s backoff, but not the 120 s asked for.
    for now in &LATER[..2] {
        assert!(home.run_at(now, &["scan"]).status.success());
    }
    assert_eq!(receiver.requests().len(), 1);
    assert!(
        home.run_at("2026-11-20T18:02:01Z", &["scan"])
            .status
            .success()
    );
    assert_eq!(receiver.requests().len(), 2);
}

#[test]
fn a_404_disables_the_webhook_until_the_configuration_changes() {
    let home = Home::new();
    home.append(9, "2026-11-20T17:00:00Z");
    let receiver = Receiver::start(&[Reply::Status(404)]);
    home.config(&generic_hook(&receiver, ""));
    home.ok(&["scan"]);
    assert_eq!(receiver.requests().len(), 1);
    let doc = alerts_doc(&home, NOW);
    assert_eq!(doc["webhooks"][0]["state"], "disabled");
    assert_eq!(doc["webhooks"][0]["last_status"], "404");
    // `doctor` shows it, and says what to do.
    let doctor = home.json(&["doctor", "--json"]);
    assert_eq!(doctor["webhooks"][0]["state"], "disabled", "{doctor:#}");
    assert_eq!(doctor["webhooks"][0]["last_status"], "404");
    assert_eq!(doctor["webhooks"][0]["url"], "http://127.0.0.1");
    let problems = doctor["problems"].to_string();
    assert!(problems.contains("answered 404"), "{problems}");
    let text = home.ok(&["doctor"]);
    assert!(
        text.contains("Webhooks") && text.contains("disabled"),
        "{text}"
    );
    assert!(!text.contains("SECRETPATH") && !problems.contains("SECRETPATH"));
    // The test event is still refused while disabled... and a changed configuration
    // enables it again.
    home.config(
        &generic_hook(&receiver, "[alerts]\ndeadline_ms = 4000\n").replace(
            "[budget]\ndaily_usd = 1.0\n",
            "[budget]\ndaily_usd = 1.0\nweekly_usd = 1.0\n",
        ),
    );
    let doc = alerts_doc(&home, NOW);
    assert_eq!(doc["webhooks"][0]["state"], "active", "{doc:#}");
    // The weekly budget's crossing is sent.
    home.ok(&["scan"]);
    let got = receiver.requests();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[1].body.contains("\"weekly\""), "{}", got[1].body);
}

#[test]
fn a_hanging_receiver_does_not_hold_the_scan_past_its_deadline_nor_see_the_url_in_argv() {
    let home = Home::new();
    home.append(9, "2026-11-20T17:00:00Z");
    let receiver = Receiver::start(&[Reply::Hang]);
    home.config(&generic_hook(&receiver, "[alerts]\ndeadline_ms = 1500\n"));
    let started = Instant::now();
    let mut child = home
        .command(NOW, &["scan"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut argv_seen = Vec::new();
    while child.try_wait().unwrap().is_none() {
        argv_seen.extend(children_argv(child.id()));
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    assert!(child.wait().unwrap().success());
    assert!(elapsed < Duration::from_secs(5), "scan took {elapsed:?}");
    assert_eq!(receiver.requests().len(), 1);
    #[cfg(target_os = "linux")]
    {
        assert!(!argv_seen.is_empty(), "curl was never seen running");
        for argv in &argv_seen {
            assert!(
                !argv.contains("127.0.0.1")
                    && !argv.contains("SECRETPATH")
                    && !argv.contains("whsec"),
                "{argv}"
            );
        }
    }
    let doc = alerts_doc(&home, NOW);
    assert_eq!(
        fired(&doc, "budget_exceeded")["deliveries"][0]["state"],
        "queued"
    );
}

/// The argv of each child process of `pid` (Linux: from /proc).
fn children_argv(pid: u32) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(dir) = fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let p = entry.path();
        let Ok(status) = fs::read_to_string(p.join("status")) else {
            continue;
        };
        let parent = status
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .map(|v| v.trim().to_owned());
        if parent.as_deref() == Some(&pid.to_string())
            && let Ok(cmdline) = fs::read(p.join("cmdline"))
        {
            out.push(String::from_utf8_lossy(&cmdline).replace('\0', " "));
        }
    }
    out
}

#[test]
fn webhook_urls_are_shown_as_scheme_and_host_only() {
    let home = Home::new();
    home.config(
        "[[alerts.webhooks]]\nurl = \"http://user:pw@hooks.example.invalid/services/SECRETPATH\"\nkind = \"slack\"\n",
    );
    let out = home.run(&["alerts", "list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("credentials") && stderr.contains("cleartext"),
        "{stderr}"
    );
    assert!(stderr.contains("http://hooks.example.invalid"), "{stderr}");
    assert!(stdout.contains("http://hooks.example.invalid"), "{stdout}");
    for text in [&stderr, &stdout] {
        assert!(
            !text.contains("SECRETPATH") && !text.contains("pw@"),
            "{text}"
        );
    }
    // An unset url_env is a warning and the webhook is unavailable; a bad scheme in it is an
    // error naming the key, without the URL.
    home.config("[[alerts.webhooks]]\nurl_env = \"SCOPEON_TEST_URL\"\nkind = \"discord\"\n");
    let out = home.run(&["alerts", "list", "--json"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("SCOPEON_TEST_URL is not set"));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["webhooks"][0]["state"], "unavailable");
    let out = home
        .command(NOW, &["alerts", "list"])
        .env("SCOPEON_TEST_URL", "gopher://x.example/SECRETPATH")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("alerts.webhooks[0].url_env") && !stderr.contains("SECRETPATH"),
        "{stderr}"
    );
}

#[test]
fn alerts_test_sends_a_labelled_event_in_each_format() {
    let home = Home::new();
    let receiver = Receiver::start(&[]);
    home.config(&format!(
        "[[alerts.webhooks]]\nurl = \"{0}\"\nkind = \"slack\"\n[[alerts.webhooks]]\nurl = \"{0}\"\nkind = \"discord\"\n[[alerts.webhooks]]\nurl = \"{0}\"\nkind = \"generic\"\nsecret_env = \"SCOPEON_TEST_SECRET\"\n",
        receiver.url()
    ));
    let out = home.ok(&["alerts", "test"]);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(!out.contains("SECRETPATH"));
    let got = receiver.requests();
    assert_eq!(got.len(), 3);
    let slack: Value = serde_json::from_str(&got[0].body).unwrap();
    assert!(slack["text"].as_str().unwrap().contains("test alert"));
    assert!(slack["blocks"].is_array());
    let discord: Value = serde_json::from_str(&got[1].body).unwrap();
    assert_eq!(discord["allowed_mentions"]["parse"], serde_json::json!([]));
    verify(&got[2]);
    // One webhook only; a number past the last is a usage error.
    home.ok(&["alerts", "test", "--webhook", "1"]);
    assert_eq!(receiver.requests().len(), 4);
    assert_eq!(
        home.run(&["alerts", "test", "--webhook", "3"])
            .status
            .code(),
        Some(2)
    );
    receiver.push(Reply::Status(500));
    assert_eq!(
        home.run(&["alerts", "test", "--webhook", "0"])
            .status
            .code(),
        Some(1)
    );
    assert_private(&receiver);
}

#[test]
fn statusline_only_queues_and_the_next_command_delivers() {
    let home = Home::new();
    home.append(9, "2026-11-20T17:00:00Z");
    let receiver = Receiver::start(&[]);
    home.config(&generic_hook(&receiver, ""));
    let transcript = home.root.join(".claude/projects/-home-dev-acme/s1.jsonl");
    let input = serde_json::json!({
        "session_id": "s1",
        "transcript_path": transcript,
        "model": {"id": "claude-sonnet-4-5"},
    });
    let mut child = home
        .command(NOW, &["statusline"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(receiver.requests().len(), 0, "statusline sent a request");
    let doc = alerts_doc(&home, NOW);
    assert_eq!(
        fired(&doc, "budget_exceeded")["deliveries"][0]["state"],
        "queued",
        "{doc:#}"
    );
    // The next command that scans delivers it.
    home.ok(&["scan"]);
    assert_eq!(receiver.requests().len(), 1);
    verify(&receiver.requests()[0]);
}

#[test]
fn windows_blocks_and_context_raise_their_events_once_with_figures_only() {
    let home = Home::new();
    let now = "2026-11-21T03:00:00Z";
    // A small completed Claude block (the token limit), then an active one whose context and
    // projection are large.
    let claude: String = [
        ("2026-11-20T20:00:00Z", 1000, 0),
        ("2026-11-21T02:00:00Z", 1000, 150_000),
        ("2026-11-21T02:45:00Z", 1000, 170_000),
    ]
    .iter()
    .enumerate()
    .map(|(i, (ts, input, cached))| {
        format!(
            r#"{{"type":"assistant","sessionId":"s9-secret-session","cwd":"/home/dev/acme","requestId":"q{i}","timestamp":"{ts}","message":{{"id":"n{i}","model":"claude-sonnet-4-5","content":[{{"type":"text","text":"{MARKER}"}}],"usage":{{"input_tokens":{input},"cache_read_input_tokens":{cached},"output_tokens":500}}}}}}"#
        ) + "\n"
    })
    .collect();
    home.write(".claude/projects/-home-dev-acme/s9.jsonl", &claude);
    let codex = [
        format!(
            r#"{{"timestamp":"2026-11-21T02:10:00.000Z","type":"session_meta","payload":{{"id":"019aa000-0000-7000-8000-000000000001","cwd":"/home/dev/api","instructions":"{MARKER}"}}}}"#
        ),
        r#"{"timestamp":"2026-11-21T02:10:01.000Z","type":"turn_context","payload":{"cwd":"/home/dev/api","model":"gpt-5-codex"}}"#.to_owned(),
        r#"{"timestamp":"2026-11-21T02:55:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":50000,"cached_input_tokens":40000,"output_tokens":2000,"reasoning_output_tokens":500,"total_tokens":52000}},"rate_limits":{"primary":{"used_percent":85.0,"window_minutes":300,"resets_at":1795240800},"secondary":{"used_percent":100.0,"window_minutes":10080,"resets_at":1795564800}}}}"#.to_owned(),
    ];
    home.write(
        ".codex/sessions/2026/11/21/rollout-2026-11-21T02-10-00-019aa000-0000-7000-8000-000000000001.jsonl",
        &(codex.join("\n") + "\n"),
    );
    let receiver = Receiver::start(&[]);
    home.config(&format!(
        "[[alerts.webhooks]]\nurl = \"{}\"\nkind = \"generic\"\nsecret_env = \"SCOPEON_TEST_SECRET\"\n",
        receiver.url()
    ));
    assert!(home.run_at(now, &["scan"]).status.success());
    assert!(home.run_at(now, &["scan"]).status.success());
    let got = receiver.requests();
    let mut events: Vec<String> = got
        .iter()
        .map(|r| {
            verify(r);
            let body: Value = serde_json::from_str(&r.body).unwrap();
            let d = &body["data"];
            format!(
                "{} {} {}",
                body["type"].as_str().unwrap(),
                d["provider"].as_str().unwrap_or("-"),
                d["window"].as_str().unwrap_or("-")
            )
        })
        .collect();
    events.sort();
    assert_eq!(
        events,
        [
            "scopeon.block_projection claude_code -",
            "scopeon.context_warning claude_code -",
            "scopeon.limit_reached codex secondary",
            "scopeon.limit_warning codex five_hour",
        ],
        "{got:#?}"
    );
    for r in &got {
        for private in ["s9-secret-session", "019aa000", "/home/dev"] {
            assert!(!r.body.contains(private), "{private} in {}", r.body);
        }
    }
    assert_private(&receiver);
}

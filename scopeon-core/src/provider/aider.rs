//! Aider's analytics log (`~/.aider/analytics.jsonl` and the paths users configure).
//!
//! Aider appends one JSON event per line to the file named by `--analytics-log`,
//! `$AIDER_ANALYTICS_LOG` or `analytics-log:` in `.aider.conf.yml` (read here by
//! [`analytics_log_setting`], a few-line parser). Only `message_send` events carry usage, one
//! per assistant reply: input `prompt_tokens`, output `completion_tokens`, and `cost` as the
//! reported cost. Aider logs no session, project or request id: a record is keyed by the hash
//! of its whole line, and sessions are derived from `launched`/`exit` events and drops of the
//! cumulative `total_cost` (kept in the parser state across resumes). Python's `NaN` spellings
//! are read as `null`.
//!
//! Format notes and every decision: `docs/providers/aider.md`.

use std::io::Read;

use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};

use super::lenient::{Count, Obj, Stamp, Text, Usd, non_object_skip, python_nonfinite_to_null};
use super::{
    LineOutcome, LineParser, Provider, SkipReason, SourceContext, StateError, parser_state,
};
use crate::env::Env;
use crate::record::{ProviderId, RecordFlags, TokenCounts, UsageRecord, bounded_id, usd_to_pusd};

/// The Aider provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Aider;

/// The environment variable Aider reads its analytics log path from.
pub(crate) const ENV_VAR: &str = "AIDER_ANALYTICS_LOG";

/// Most bytes of `~/.aider.conf.yml` read when looking for `analytics-log:`.
pub(crate) const MAX_CONFIG_BYTES: u64 = 64 * 1024;

impl Provider for Aider {
    fn id(&self) -> ProviderId {
        ProviderId::Aider
    }

    fn parser_version(&self) -> u32 {
        1
    }

    /// `$AIDER_ANALYTICS_LOG` (a comma-separated list is accepted) replaces the defaults
    /// `~/.aider/analytics.jsonl` and the `analytics-log:` of `~/.aider.conf.yml`
    /// (docs/roots.md). Every root is a log file.
    fn default_roots(&self, env: &Env) -> Vec<Utf8PathBuf> {
        if let Some(roots) = env.path_list(ENV_VAR) {
            return roots;
        }
        let Some(home) = env.home() else {
            return Vec::new();
        };
        let mut roots = vec![home.join(".aider").join("analytics.jsonl")];
        if let Some(configured) = configured_log(env, home)
            && !roots.contains(&configured)
        {
            roots.push(configured);
        }
        roots
    }

    /// A `~/.aider.conf.yml` that is refused (not a regular file, another user's, or writable
    /// by others), when the defaults are used.
    fn refused_settings(&self, env: &Env) -> Vec<(Utf8PathBuf, &'static str)> {
        if env.path_list(ENV_VAR).is_some() {
            return Vec::new();
        }
        let Some(home) = env.home() else {
            return Vec::new();
        };
        let path = home.join(CONFIG_FILE);
        match read_config(&path) {
            Err(why) => vec![(path, why)],
            Ok(_) => Vec::new(),
        }
    }

    /// Only used when a configured root is a directory: the logs directly in it.
    fn file_patterns(&self) -> &'static [&'static str] {
        &["*.jsonl"]
    }

    fn parser(
        &self,
        _ctx: &SourceContext,
        state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        Ok(Box::new(AiderParser::resume(state)?))
    }
}

/// The `analytics-log:` of `~/.aider.conf.yml`, as a path (see the module docs); `None` when
/// there is no such file or setting, or the file is refused ([`read_config`]).
fn configured_log(env: &Env, home: &Utf8Path) -> Option<Utf8PathBuf> {
    let bytes = read_config(&home.join(CONFIG_FILE)).ok()??;
    let value = analytics_log_setting(&bytes)?;
    resolve_config_path(env, home, &value)
}

/// The name of Aider's configuration in the home directory.
const CONFIG_FILE: &str = ".aider.conf.yml";

/// Reads `~/.aider.conf.yml` the way logs are read (docs/providers/aider.md, "Where the log
/// is"): a symlink there is the user's choice (a dotfile manager's link) and is resolved once,
/// then the real file is opened without following a symlink and without blocking on a FIFO,
/// checked with `fstat` to be a regular file, and refused when another user owns it or others
/// can write it (whoever can write it chooses which file Scopeon reads as Aider's log). At
/// most [`MAX_CONFIG_BYTES`] are read, cut at the last complete line. `Ok(None)` when there
/// is no such file; `Err` says why an existing one is refused.
fn read_config(path: &Utf8Path) -> Result<Option<Vec<u8>>, &'static str> {
    let real = match path.canonicalize_utf8() {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) => return Err(NOT_A_FILE),
    };
    let Ok((file, _)) = crate::tail::open_regular(&real) else {
        return Err(NOT_A_FILE);
    };
    refuse_foreign(&file)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|_| NOT_A_FILE)?;
    if bytes.len() as u64 == MAX_CONFIG_BYTES {
        // The file may go on: a last line cut at the cap is not trusted.
        let end = memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1);
        bytes.truncate(end);
    }
    Ok(Some(bytes))
}

/// Why a `.aider.conf.yml` that is not a readable regular file is not used.
const NOT_A_FILE: &str =
    "Aider's configuration, not a readable regular file: its analytics-log setting is not used";

/// Refuses a configuration another user owns or others can write.
#[cfg(unix)]
fn refuse_foreign(file: &std::fs::File) -> Result<(), &'static str> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata().map_err(|_| NOT_A_FILE)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    if meta.uid() != euid {
        return Err(
            "Aider's configuration, owned by another user: its analytics-log setting is not used",
        );
    }
    if meta.mode() & 0o022 != 0 {
        return Err(
            "Aider's configuration, writable by others: its analytics-log setting is not used (`chmod go-w` it)",
        );
    }
    Ok(())
}

/// Without Unix owners and modes there is nothing to check.
#[cfg(not(unix))]
fn refuse_foreign(_file: &std::fs::File) -> Result<(), &'static str> {
    Ok(())
}

/// Turns an `analytics-log:` value into a path: `~` and `~/…` are the home directory, a
/// relative path is relative to the home directory, and `~user/…` (another user's home) is
/// not followed.
fn resolve_config_path(env: &Env, home: &Utf8Path, value: &str) -> Option<Utf8PathBuf> {
    if value.starts_with('~') {
        return (value == "~" || value.starts_with("~/")).then(|| env.expand_home(value));
    }
    let path = Utf8PathBuf::from(value);
    Some(if path.is_absolute() {
        path
    } else {
        home.join(path)
    })
}

/// The value of the last top-level `analytics-log:` line of a `.aider.conf.yml`, if that line
/// has a usable value. See the module docs for what is understood.
pub fn analytics_log_setting(config: &[u8]) -> Option<String> {
    let mut value = None;
    for line in config.split(|&b| b == b'\n') {
        // A line that is not UTF-8 cannot be a setting we read; the others still count.
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        if let Some(v) = setting_line(line.strip_suffix('\r').unwrap_or(line)) {
            value = v;
        }
    }
    value
}

/// `None` when `line` is not a top-level `analytics-log` key; `Some(None)` when it is but its
/// value is empty, null or not understood (a later line may still set it).
fn setting_line(line: &str) -> Option<Option<String>> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    // Only a key at column 0: indented keys belong to some other mapping.
    let rest = line.strip_prefix("analytics-log")?;
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix(':')?;
    // `analytics-log:x` is a plain scalar, not a key: YAML needs a blank after the colon.
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let value = rest.trim_matches([' ', '\t']);
    Some(setting_value(value))
}

/// The string a YAML flow scalar spells, for the forms a path is written in.
fn setting_value(value: &str) -> Option<String> {
    let (text, after) = match value.chars().next()? {
        '#' => return None,
        '"' => double_quoted(&value[1..])?,
        '\'' => single_quoted(&value[1..])?,
        // Block scalars, flow collections, anchors, aliases, tags, reserved indicators.
        '|' | '>' | '[' | '{' | '&' | '*' | '!' | '%' | '@' | '`' => return None,
        _ => {
            // A comment starts at a `#` preceded by a blank.
            let end = value
                .char_indices()
                .find(|&(i, c)| c == '#' && value[..i].ends_with([' ', '\t']))
                .map_or(value.len(), |(i, _)| i);
            let plain = value[..end].trim_end_matches([' ', '\t']);
            if matches!(plain, "~" | "null" | "Null" | "NULL") {
                return None;
            }
            (plain.to_owned(), "")
        }
    };
    let after = after.trim_start_matches([' ', '\t']);
    if !(after.is_empty() || after.starts_with('#')) || text.is_empty() {
        return None;
    }
    Some(text)
}

/// A double-quoted scalar (after its opening quote): the text and what follows the closing
/// quote. Escapes other than `\\`, `\"` and `\/` are not understood.
fn double_quoted(s: &str) -> Option<(String, &str)> {
    let mut text = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((text, &s[i + 1..])),
            '\\' => match chars.next()?.1 {
                c @ ('\\' | '"' | '/') => text.push(c),
                _ => return None,
            },
            c => text.push(c),
        }
    }
    None
}

/// A single-quoted scalar (after its opening quote): `''` is a quote.
fn single_quoted(s: &str) -> Option<(String, &str)> {
    let mut text = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                chars.next();
                text.push('\'');
            } else {
                return Some((text, &s[i + 1..]));
            }
        } else {
            text.push(c);
        }
    }
    None
}

/// What the parser remembers between lines and across resumes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct SessionState {
    /// The current session id (`aider:<time>`), once one started.
    #[serde(rename = "s", default)]
    session: Option<String>,
    /// Whether the session is still open (no `exit` since it started).
    #[serde(rename = "o", default)]
    open: bool,
    /// The last cumulative `total_cost` seen in the session, in picodollars.
    #[serde(rename = "t", default)]
    last_total_pusd: Option<i64>,
}

impl SessionState {
    /// Starts a session at `time_ms` (unnamed when the event had no time: the next event
    /// with one names it).
    fn start(&mut self, time_ms: Option<i64>) {
        self.session = time_ms.map(session_name);
        self.open = true;
        self.last_total_pusd = None;
    }
}

/// `aider:<RFC 3339 UTC>` for a session started at `time_ms`.
fn session_name(time_ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(time_ms) {
        Ok(t) => format!("aider:{t}"),
        // Unreachable for a `Stamp`, which only holds representable times.
        Err(_) => format!("aider:{time_ms}"),
    }
}

/// The line parser for one Aider analytics log.
#[derive(Debug, Default)]
pub(crate) struct AiderParser {
    state: SessionState,
}

impl AiderParser {
    /// A parser for a log read from its start.
    #[cfg(test)]
    fn new() -> AiderParser {
        AiderParser::default()
    }

    /// A parser resuming from a stored [`LineParser::state`] (from the start when `None`).
    ///
    /// A state this parser never writes, an empty one included, is a [`StateError`]: resuming
    /// mid-file without the session bookkeeping would name sessions wrongly, so the file is
    /// read again from its start instead.
    pub fn resume(state: Option<&[u8]>) -> Result<AiderParser, StateError> {
        let state = match state {
            None => SessionState::default(),
            Some(bytes) => parser_state::decode(ProviderId::Aider, bytes)?,
        };
        Ok(AiderParser { state })
    }
}

// The metadata-only view of an event. `user_id` and every other property are not declared.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Event<'a> {
    #[serde(borrow)]
    event: Text<'a>,
    #[serde(borrow)]
    properties: Obj<Properties<'a>>,
    time: Stamp,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Properties<'a> {
    #[serde(borrow)]
    main_model: Text<'a>,
    prompt_tokens: Count,
    completion_tokens: Count,
    cost: Usd,
    total_cost: Usd,
}

impl LineParser for AiderParser {
    fn parse_line(&mut self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome {
        if let Some(reason) = non_object_skip(line) {
            return LineOutcome::Skipped(reason);
        }
        // No byte pre-filter (`lenient::Keywords`): every line of this log is a short event
        // naming its `event`, so one could skip no real line, only stop judging broken ones.
        let sanitized;
        let parsed = match serde_json::from_slice::<Event<'_>>(line) {
            Ok(parsed) => parsed,
            Err(_) => {
                let Some(fixed) = python_nonfinite_to_null(line) else {
                    return LineOutcome::Skipped(SkipReason::InvalidJson);
                };
                sanitized = fixed;
                match serde_json::from_slice::<Event<'_>>(&sanitized) {
                    Ok(parsed) => parsed,
                    Err(_) => return LineOutcome::Skipped(SkipReason::InvalidJson),
                }
            }
        };
        let time_ms = parsed.time.0;
        match parsed.event.get() {
            Some("launched") => self.state.start(time_ms),
            Some("cli session" | "gui session" | "web session") if !self.state.open => {
                self.state.start(time_ms);
            }
            Some("exit") => self.state.open = false,
            Some("message_send") => {
                if let Some(props) = parsed.properties.0 {
                    return self.message_send(line, &props, time_ms, out);
                }
            }
            _ => {}
        }
        LineOutcome::Ignored
    }

    fn state(&self) -> Vec<u8> {
        parser_state::encode(&self.state)
    }
}

impl AiderParser {
    fn message_send(
        &mut self,
        line: &[u8],
        props: &Properties<'_>,
        time_ms: Option<i64>,
        out: &mut Vec<UsageRecord>,
    ) -> LineOutcome {
        // Session bookkeeping first: a reply without usage still says which process it is in.
        let total = props.total_cost.0.and_then(usd_to_pusd);
        if let Some(t) = time_ms {
            let dropped = matches!(
                (total, self.state.last_total_pusd),
                (Some(now), Some(before)) if now < before
            );
            if self.state.session.is_none() || !self.state.open || dropped {
                self.state.start(Some(t));
            }
        }
        if total.is_some() {
            self.state.last_total_pusd = total;
        }
        let tokens = TokenCounts {
            input: props.prompt_tokens.0,
            output: props.completion_tokens.0,
            ..TokenCounts::default()
        };
        if tokens.is_zero() {
            return LineOutcome::Ignored;
        }
        let (Some(timestamp_ms), Some(session)) = (time_ms, self.state.session.clone()) else {
            return LineOutcome::Skipped(SkipReason::MissingField);
        };
        out.push(UsageRecord {
            provider: ProviderId::Aider,
            session,
            project: None,
            model: known_model(props.main_model.get()).map(bounded_id),
            timestamp_ms,
            dedup_key: format!("{:016x}", crate::hash::fnv1a64(line)),
            message_id: None,
            flags: RecordFlags::default(),
            tokens,
            reported_cost_pusd: props.cost.0.and_then(usd_to_pusd),
            requests: 1,
            premium_requests_milli: 0,
        });
        LineOutcome::Records(1)
    }
}

/// The model name unless Aider redacted it or stringified a missing one.
fn known_model(model: Option<&str>) -> Option<&str> {
    model.filter(|m| *m != "None" && *m != "REDACTED" && !m.ends_with("/REDACTED"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = r#""user_id":"1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b""#;

    fn event(name: &str, props: &str, time: i64) -> String {
        format!(r#"{{"event":"{name}","properties":{{{props}}},{USER},"time":{time}}}"#)
    }

    fn send(prompt: u64, completion: u64, cost: f64, total: f64, time: i64) -> String {
        event(
            "message_send",
            &format!(
                r#""main_model":"anthropic/claude-sonnet-4-5","weak_model":"None","edit_format":"diff","prompt_tokens":{prompt},"completion_tokens":{completion},"total_tokens":{},"cost":{cost},"total_cost":{total}"#,
                prompt + completion
            ),
            time,
        )
    }

    fn run(p: &mut AiderParser, lines: &[String]) -> (Vec<LineOutcome>, Vec<UsageRecord>) {
        let mut out = Vec::new();
        let outcomes = lines
            .iter()
            .map(|l| p.parse_line(l.as_bytes(), &mut out))
            .collect();
        (outcomes, out)
    }

    #[test]
    fn message_send_becomes_a_record() {
        let lines = [
            event("launched", "", 1_759_480_000),
            send(14210, 655, 0.052455, 0.052455, 1_759_480_061),
        ];
        let (outcomes, out) = run(&mut AiderParser::new(), &lines);
        assert_eq!(outcomes, [LineOutcome::Ignored, LineOutcome::Records(1)]);
        let r = &out[0];
        assert_eq!(r.session, "aider:2025-10-03T08:26:40Z");
        assert_eq!(r.timestamp_ms, 1_759_480_061_000);
        assert_eq!((r.tokens.input, r.tokens.output), (14210, 655));
        assert_eq!(r.tokens.total(), 14865);
        assert_eq!(r.model.as_deref(), Some("anthropic/claude-sonnet-4-5"));
        assert_eq!(r.reported_cost_pusd, Some(52_455_000_000));
        assert_eq!(r.project, None);
        assert_eq!(
            r.dedup_key,
            format!("{:016x}", crate::hash::fnv1a64(lines[1].as_bytes()))
        );
    }

    #[test]
    fn redacted_and_none_models_are_unknown() {
        for (model, want) in [
            (r#""openrouter/REDACTED""#, None),
            (r#""REDACTED""#, None),
            (r#""None""#, None),
            ("null", None),
            (r#""""#, None),
            (r#""gpt-4o""#, Some("gpt-4o")),
        ] {
            let line = event(
                "message_send",
                &format!(r#""main_model":{model},"prompt_tokens":1,"completion_tokens":1"#),
                1_759_480_061,
            );
            let (_, out) = run(&mut AiderParser::new(), &[line]);
            assert_eq!(out[0].model.as_deref(), want, "{model}");
        }
    }

    #[test]
    fn sessions_follow_launches_exits_and_cost_resets() {
        let lines = [
            // A log whose start was lost: the first reply names the session.
            send(10, 1, 0.5, 2.0, 1_759_000_000),
            send(10, 1, 0.5, 2.5, 1_759_000_010),
            // total_cost dropped: a new process that wrote no `launched`.
            send(10, 1, 0.1, 0.1, 1_759_000_020),
            event("exit", r#""reason":"Control-C""#, 1_759_000_030),
            // After an exit, a reply without a launch is another process.
            send(10, 1, 0.1, 0.9, 1_759_000_040),
            event("launched", "", 1_759_000_050),
            event("cli session", r#""main_model":"gpt-4o""#, 1_759_000_051),
            send(10, 1, 0.2, 0.2, 1_759_000_060),
            event("exit", "", 1_759_000_070),
            // Old Aider without `launched`: a session event opens the session.
            event("cli session", "", 1_759_000_080),
            send(10, 1, 0.2, 0.2, 1_759_000_090),
        ];
        let (_, out) = run(&mut AiderParser::new(), &lines);
        let sessions: Vec<&str> = out.iter().map(|r| r.session.as_str()).collect();
        assert_eq!(
            sessions,
            [
                "aider:2025-09-27T19:06:40Z",
                "aider:2025-09-27T19:06:40Z",
                "aider:2025-09-27T19:07:00Z",
                "aider:2025-09-27T19:07:20Z",
                "aider:2025-09-27T19:07:30Z",
                "aider:2025-09-27T19:08:00Z",
            ]
        );
    }

    #[test]
    fn state_round_trips_and_bad_state_is_an_error() {
        let mut p = AiderParser::new();
        run(&mut p, &[send(10, 1, 0.5, 2.0, 1_759_000_000)]);
        let state = p.state();
        let mut resumed = AiderParser::resume(Some(&state)).unwrap();
        assert_eq!(resumed.state, p.state);
        // The resumed parser still sees the drop in total_cost.
        let (_, out) = run(&mut resumed, &[send(10, 1, 0.1, 0.1, 1_759_000_020)]);
        assert_eq!(out[0].session, "aider:2025-09-27T19:07:00Z");
        assert!(AiderParser::resume(Some(b"not json")).is_err());
        // The encoding is the one states were always written in: existing checkpoints resume.
        let written = br#"{"s":"aider:2025-09-27T19:06:40Z","o":true,"t":2000000000000}"#;
        assert_eq!(state, written);
        assert_eq!(
            AiderParser::resume(Some(written)).unwrap().state,
            SessionState {
                session: Some("aider:2025-09-27T19:06:40Z".into()),
                open: true,
                last_total_pusd: Some(2_000_000_000_000),
            }
        );
        // An empty state is no state of this parser's: read from the start instead.
        assert!(AiderParser::resume(Some(b"")).is_err());
    }

    #[test]
    fn malformed_lines_are_counted_skips() {
        let mut p = AiderParser::new();
        let mut out = Vec::new();
        for (line, want) in [
            ("not json", LineOutcome::Skipped(SkipReason::InvalidJson)),
            ("[1,2]", LineOutcome::Skipped(SkipReason::NotAnObject)),
            ("\"x\"", LineOutcome::Skipped(SkipReason::NotAnObject)),
            (
                r#"{"event":"message_send","properties":{"prompt_tok"#,
                LineOutcome::Skipped(SkipReason::InvalidJson),
            ),
            (
                r#"{"event":"message_send","properties":{"prompt_tokens":5}}"#,
                LineOutcome::Skipped(SkipReason::MissingField),
            ),
            (
                r#"{"event":"message_send","properties":{"prompt_tokens":5},"time":12}"#,
                LineOutcome::Skipped(SkipReason::MissingField),
            ),
            (
                r#"{"event":"message_send","properties":{"prompt_tokens":0,"completion_tokens":0},"time":1759480061}"#,
                LineOutcome::Ignored,
            ),
            (
                r#"{"event":"message_send","properties":"weird","time":1759480061}"#,
                LineOutcome::Ignored,
            ),
            (r#"{"event":["x"],"time":{}}"#, LineOutcome::Ignored),
        ] {
            assert_eq!(p.parse_line(line.as_bytes(), &mut out), want, "{line}");
        }
        assert!(out.is_empty());
    }

    #[test]
    fn lenient_values() {
        let line = r#"{"event":"message_send","properties":{"main_model":"gpt-4o","prompt_tokens":"12","completion_tokens":3.9,"cost":"0.25","total_cost":-1,"deep":[[[{"a":[1]}]]]},"user_id":7,"time":1759480061.5}"#;
        let (_, out) = run(&mut AiderParser::new(), &[line.to_owned()]);
        let r = &out[0];
        assert_eq!((r.tokens.input, r.tokens.output), (12, 3));
        assert_eq!(r.reported_cost_pusd, Some(250_000_000_000));
        assert_eq!(r.timestamp_ms, 1_759_480_061_500);
    }

    #[test]
    fn python_non_finite_floats_are_read_as_null() {
        let line = r#"{"event":"message_send","properties":{"main_model":"NaN-model","note":"NaN Infinity","prompt_tokens":7,"completion_tokens":2,"cost":NaN,"total_cost":-Infinity},"time":1759480061}"#;
        let (outcomes, out) = run(&mut AiderParser::new(), &[line.to_owned()]);
        assert_eq!(outcomes, [LineOutcome::Records(1)]);
        assert_eq!(out[0].reported_cost_pusd, None);
        assert_eq!(out[0].model.as_deref(), Some("NaN-model"));
        let fixed = python_nonfinite_to_null(br#"{"a":"\"NaN",  "b":Infinity}"#).unwrap();
        assert_eq!(fixed, br#"{"a":"\"NaN",  "b":null}"#);
        assert_eq!(python_nonfinite_to_null(br#"{"a":"NaN"}"#), None);
        assert_eq!(python_nonfinite_to_null(b"{}"), None);
    }

    #[test]
    fn config_setting_forms() {
        for (yaml, want) in [
            (
                "analytics-log: /var/log/aider.jsonl\n",
                Some("/var/log/aider.jsonl"),
            ),
            (
                "analytics-log: ~/logs/a.jsonl # mine\n",
                Some("~/logs/a.jsonl"),
            ),
            (
                "analytics-log: \"/a b/c#d.jsonl\"  # c\n",
                Some("/a b/c#d.jsonl"),
            ),
            ("analytics-log: '/it''s.jsonl'\r\n", Some("/it's.jsonl")),
            ("analytics-log   :   rel/a.jsonl\n", Some("rel/a.jsonl")),
            ("analytics-log: /p/a#b.jsonl\n", Some("/p/a#b.jsonl")),
            (
                "analytics-log: \"C:\\\\logs\\\\a.jsonl\"",
                Some("C:\\logs\\a.jsonl"),
            ),
            ("# analytics-log: /commented\n", None),
            ("  analytics-log: /nested\n", None),
            ("analytics-log:/no-blank\n", None),
            ("analytics-log:\n", None),
            ("analytics-log: ~\n", None),
            ("analytics-log: null\n", None),
            ("analytics-log: |\n  /block\n", None),
            ("analytics-log: \"unterminated\n", None),
            ("analytics-log: \"\\n\"\n", None),
            ("analytics-log: \"/a\" junk\n", None),
            ("analytics-logs: /other-key\n", None),
            ("analytics: true\nmodel: gpt-4o\n", None),
            (
                "analytics-log: /first\nanalytics-log: /second\n",
                Some("/second"),
            ),
            ("analytics-log: /first\nanalytics-log:\n", None),
            ("\u{feff}analytics-log: /bom\n", Some("/bom")),
        ] {
            assert_eq!(
                analytics_log_setting(yaml.as_bytes()).as_deref(),
                want,
                "{yaml:?}"
            );
        }
        // A line that is not UTF-8 is skipped; the others still count.
        assert_eq!(
            analytics_log_setting(b"x: \xff\nanalytics-log: /ok\n").as_deref(),
            Some("/ok")
        );
    }

    #[test]
    fn roots_follow_contracts() {
        let dir = tempfile::tempdir().unwrap();
        let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let env = Env::isolated(home.as_str());
        assert_eq!(
            Aider.default_roots(&env),
            vec![home.join(".aider/analytics.jsonl")]
        );
        let conf = home.join(".aider.conf.yml");
        std::fs::write(&conf, "model: gpt-4o\nanalytics-log: logs/aider.jsonl\n").unwrap();
        assert_eq!(
            Aider.default_roots(&env),
            vec![
                home.join(".aider/analytics.jsonl"),
                home.join("logs/aider.jsonl")
            ]
        );
        std::fs::write(&conf, "analytics-log: ~/.aider/analytics.jsonl\n").unwrap();
        assert_eq!(
            Aider.default_roots(&env),
            vec![home.join(".aider/analytics.jsonl")]
        );
        std::fs::write(&conf, "analytics-log: ~bob/a.jsonl\n").unwrap();
        assert_eq!(Aider.default_roots(&env).len(), 1);
        std::fs::write(&conf, "analytics-log: /abs/a.jsonl\n").unwrap();
        assert_eq!(Aider.default_roots(&env)[1], "/abs/a.jsonl");
        // The variable replaces the defaults, config file included.
        let env = Env::isolated(home.as_str()).with_vars(&[(ENV_VAR, "/x/a.jsonl, ~/b.jsonl")]);
        assert_eq!(
            Aider.default_roots(&env),
            vec![Utf8PathBuf::from("/x/a.jsonl"), home.join("b.jsonl")]
        );
    }

    #[test]
    fn oversized_config_is_cut_at_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let env = Env::isolated(home.as_str());
        let mut yaml = "analytics-log: /early.jsonl\n".to_owned();
        let pad = "# padding padding padding\n";
        while yaml.len() + pad.len() <= MAX_CONFIG_BYTES as usize - 10 {
            yaml.push_str(pad);
        }
        // This line straddles the cap: its cut start must not be read as the value.
        yaml.push_str("analytics-log: /late-and-long/aider/analytics.jsonl\n");
        std::fs::write(home.join(".aider.conf.yml"), &yaml).unwrap();
        assert_eq!(Aider.default_roots(&env)[1], "/early.jsonl");
    }

    #[cfg(unix)]
    #[test]
    fn a_config_others_can_write_or_a_fifo_is_refused_and_said() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let env = Env::isolated(home.as_str());
        let conf = home.join(CONFIG_FILE);
        std::fs::write(&conf, "analytics-log: /planted.jsonl\n").unwrap();
        std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(Aider.default_roots(&env).len(), 1);
        let refused = Aider.refused_settings(&env);
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].0, conf);
        assert!(
            refused[0].1.contains("writable by others"),
            "{}",
            refused[0].1
        );
        // Linked from a dotfiles checkout, the real file is checked.
        let real = home.join("dotfiles-aider.yml");
        std::fs::rename(&conf, &real).unwrap();
        std::os::unix::fs::symlink(&real, &conf).unwrap();
        assert_eq!(Aider.default_roots(&env).len(), 1);
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(Aider.default_roots(&env)[1], "/planted.jsonl");
        assert!(Aider.refused_settings(&env).is_empty());
        // A FIFO is never waited on.
        std::fs::remove_file(&conf).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(conf.as_str())
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(Aider.default_roots(&env).len(), 1);
        assert_eq!(Aider.refused_settings(&env)[0].1, NOT_A_FILE);
        // With the variable set the file is not consulted, nor reported.
        let env = env.with_vars(&[(ENV_VAR, "/x/a.jsonl")]);
        assert!(Aider.refused_settings(&env).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_config_that_is_not_a_regular_file_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        std::fs::create_dir(home.join(".aider.conf.yml")).unwrap();
        let env = Env::isolated(home.as_str());
        assert_eq!(Aider.default_roots(&env).len(), 1);
    }
}

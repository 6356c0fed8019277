//! Totals do not depend on the order files are read in, on when they appear or grow, or on
//! whether the store was built incrementally or by `scan --rebuild` (docs/identity.md, "Copies
//! of a log").
//!
//! First the case another usage tool ships as a test: two Codex rollouts without
//! `session_meta`, a parent and a branch that copies it and goes on, read in every order and
//! rebuilt. Then a property test: random sets of Claude Code and Codex logs (originals, full and
//! prefix copies, logs resumed after a scan, forks that share a prefix and diverge), revealed to
//! a store over several scans in a random order, with random rebuilds, compared after every scan
//! to a single fresh scan of the files as they are then, and at the end to totals computed
//! without Scopeon from what the generator wrote.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use camino::Utf8PathBuf;
use proptest::prelude::*;
use proptest::sample::Index;
use scopeon_core::env::Env;
use scopeon_core::record::ProviderId;
use scopeon_core::scan::{ScanOptions, scan};
use scopeon_core::store::{ReportQuery, Store, Totals};

/// A temporary home with a store in it.
struct Home {
    _tmp: tempfile::TempDir,
    base: Utf8PathBuf,
}

impl Home {
    fn new() -> Home {
        let tmp = tempfile::tempdir().unwrap();
        let base = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
        Home { _tmp: tmp, base }
    }

    fn env(&self) -> Env {
        Env::isolated(self.base.as_str())
    }

    fn write(&self, rel: &str, bytes: &[u8]) {
        let path = self.base.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }

    fn store(&self, name: &str) -> Store {
        Store::open(&self.base.join("db").join(name)).unwrap()
    }
}

fn scan_once(store: &mut Store, env: &Env, providers: &[ProviderId], rebuild: bool) {
    let options = ScanOptions::new()
        .only(providers.iter().copied())
        .rebuild(rebuild);
    let summary = scan(store, env, &options, &mut |_| {}).unwrap();
    for p in &summary.providers {
        assert!(p.problems.is_empty(), "{:?}", p.problems);
    }
}

fn totals(store: &Store) -> Totals {
    store.report(&ReportQuery::new()).unwrap().totals
}

/// Every counted field of a report's totals: requests, fresh input, cache writes, cache reads,
/// output, reasoning, total.
type Counted = [u64; 7];

fn counted(t: &Totals) -> Counted {
    [
        t.requests,
        t.input_tokens,
        t.cache_creation_tokens,
        t.cache_read_tokens,
        t.output_tokens,
        t.reasoning_tokens,
        t.total_tokens,
    ]
}

// ------------------------------------------------------------------ the Codex parent and branch

const PARENT: &str = ".codex/sessions/project-parent.jsonl";
const BRANCH: &str = ".codex/sessions/project-branch.jsonl";

fn codex_turn() -> String {
    r#"{"timestamp":"2026-03-02T10:00:00.000Z","type":"turn_context","payload":{"cwd":"/home/dev/project","model":"gpt-5-codex"}}"#.to_owned() + "\n"
}

fn codex_total(second: u32, input: u64, cached: u64, output: u64) -> String {
    format!(
        r#"{{"timestamp":"2026-03-02T10:00:{second:02}.000Z","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{input},"cached_input_tokens":{cached},"output_tokens":{output},"reasoning_output_tokens":0,"total_tokens":{}}}}}}}}}"#,
        input + output
    ) + "\n"
}

fn parent_log() -> String {
    codex_turn() + &codex_total(1, 1000, 100, 200)
}

fn branch_log() -> String {
    parent_log() + &codex_total(2, 1600, 300, 450)
}

/// The branch continues the parent: two calls, (1000 in, 100 cached, 200 out) and the growth
/// to (1600, 300, 450). Fresh input is input less cached: 900 + 400.
const PARENT_AND_BRANCH: Counted = [2, 1300, 0, 300, 450, 0, 1300 + 300 + 450];

/// Scans the files in `steps` (each step writes its files, then scans), then rebuilds; the
/// totals after the last step and after the rebuild.
fn parent_and_branch(steps: &[&[(&str, String)]]) -> (Counted, Counted) {
    let home = Home::new();
    let env = home.env();
    let mut store = home.store("scopeon.db");
    for step in steps {
        for (rel, text) in *step {
            home.write(rel, text.as_bytes());
        }
        scan_once(&mut store, &env, &[ProviderId::Codex], false);
    }
    let incremental = counted(&totals(&store));
    scan_once(&mut store, &env, &[ProviderId::Codex], true);
    (incremental, counted(&totals(&store)))
}

#[test]
fn codex_branch_scanned_after_its_parent_continues_it() {
    let (incremental, rebuilt) =
        parent_and_branch(&[&[(PARENT, parent_log())], &[(BRANCH, branch_log())]]);
    assert_eq!(incremental, PARENT_AND_BRANCH);
    assert_eq!(rebuilt, PARENT_AND_BRANCH);
}

#[test]
fn codex_parent_scanned_after_its_branch_adds_nothing() {
    let (incremental, rebuilt) =
        parent_and_branch(&[&[(BRANCH, branch_log())], &[(PARENT, parent_log())]]);
    assert_eq!(incremental, PARENT_AND_BRANCH);
    assert_eq!(rebuilt, PARENT_AND_BRANCH);
}

#[test]
fn codex_parent_and_branch_scanned_together() {
    // The branch sorts first, so it is read before the file it continues.
    let (incremental, rebuilt) =
        parent_and_branch(&[&[(PARENT, parent_log()), (BRANCH, branch_log())]]);
    assert_eq!(incremental, PARENT_AND_BRANCH);
    assert_eq!(rebuilt, PARENT_AND_BRANCH);
}

#[test]
fn codex_parent_that_grows_after_its_branch_was_read() {
    // Read together, then the parent is resumed with a call of its own (a fork): the shared
    // prefix still counts once, and each side's own call once.
    let home = Home::new();
    let env = home.env();
    let mut store = home.store("scopeon.db");
    home.write(BRANCH, branch_log().as_bytes());
    home.write(PARENT, parent_log().as_bytes());
    scan_once(&mut store, &env, &[ProviderId::Codex], false);
    home.write(
        PARENT,
        (parent_log() + &codex_total(3, 1500, 100, 260)).as_bytes(),
    );
    scan_once(&mut store, &env, &[ProviderId::Codex], false);
    // The parent's own call: 500 in, 0 cached, 60 out.
    let mut want = PARENT_AND_BRANCH;
    want[0] += 1;
    want[1] += 500;
    want[4] += 60;
    want[6] += 560;
    assert_eq!(counted(&totals(&store)), want);
    let mut fresh = home.store("fresh.db");
    scan_once(&mut fresh, &env, &[ProviderId::Codex], false);
    assert_eq!(counted(&totals(&fresh)), want);
    scan_once(&mut store, &env, &[ProviderId::Codex], true);
    assert_eq!(counted(&totals(&store)), want);
}

// --------------------------------------------------- a Gemini CLI copy made before an update

/// A Gemini CLI recording whose reply is written again with its final counts, and a copy made
/// before that update.
fn gemini_lines() -> [String; 3] {
    let reply = |input: u64, output: u64| {
        format!(
            r#"{{"id":"m1","timestamp":"2026-05-10T12:00:08.000Z","type":"gemini","content":[],"thoughts":[],"tokens":{{"input":{input},"output":{output},"cached":400,"thoughts":6,"tool":0,"total":{}}},"model":"gemini-2.5-pro"}}"#,
            input + output + 6
        ) + "\n"
    };
    [
        r#"{"sessionId":"5e55a0n0-0000-4000-8000-000000000001","projectHash":"ab","startTime":"2026-05-10T12:00:00.000Z","lastUpdated":"2026-05-10T12:00:00.000Z","kind":"main"}"#.to_owned() + "\n",
        reply(900, 15),
        reply(1900, 150),
    ]
}

#[test]
fn gemini_copy_made_before_an_update_never_brings_the_old_counts_back() {
    let [meta, first, updated] = gemini_lines();
    let full = format!("{meta}{first}{updated}");
    let copy = format!("{meta}{first}");
    let dir = ".gemini/tmp/acme/chats";
    // What the recording alone counts.
    let home = Home::new();
    let env = home.env();
    home.write(&format!("{dir}/session-b.jsonl"), full.as_bytes());
    let mut alone = home.store("alone.db");
    scan_once(&mut alone, &env, &[ProviderId::GeminiCli], false);
    let want = counted(&totals(&alone));
    assert_eq!(want[0], 1);
    // The copy sorting before the recording and after it, read in the same scan or later.
    for copy_name in ["session-a.jsonl", "session-c.jsonl"] {
        for later in [false, true] {
            let home = Home::new();
            let env = home.env();
            let mut store = home.store("scopeon.db");
            home.write(&format!("{dir}/session-b.jsonl"), full.as_bytes());
            if later {
                scan_once(&mut store, &env, &[ProviderId::GeminiCli], false);
            }
            home.write(&format!("{dir}/{copy_name}"), copy.as_bytes());
            scan_once(&mut store, &env, &[ProviderId::GeminiCli], false);
            assert_eq!(
                counted(&totals(&store)),
                want,
                "{copy_name}, later: {later}"
            );
            scan_once(&mut store, &env, &[ProviderId::GeminiCli], true);
            assert_eq!(counted(&totals(&store)), want, "{copy_name} rebuilt");
        }
    }
}

// ---------------------------------------------------------------------------- the property test

/// What the generator knows a line is worth: the request it belongs to and its counters
/// (fresh input, cache writes, cache reads, output, reasoning). Claude Code lines of one
/// response share a key and merge by the largest counter; a Codex call's key is its line.
#[derive(Debug, Clone)]
struct Worth {
    key: String,
    counts: [u64; 5],
}

/// One generated line and what it is worth, if anything.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    worth: Option<Worth>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agent {
    Claude,
    /// A rollout that names its thread in a `session_meta` first line.
    CodexWithMeta,
    /// A rollout without `session_meta`: its thread comes from its file name.
    CodexBare,
}

/// A line of a log's body.
#[derive(Debug, Clone, Copy)]
enum Item {
    /// A request: for Claude Code, `split` writes it as two content-block lines, the first
    /// with a placeholder output count.
    Usage { split: bool },
    /// A line without usage.
    Noise,
    /// Codex writes its last total again (Claude Code: a line without usage).
    Reemit,
}

/// How a file of a family relates to the family's original log.
#[derive(Debug, Clone)]
enum Kind {
    Original,
    /// A copy of the whole original.
    Copy,
    /// The original's first lines (at least its first), and part of the next line.
    Prefix {
        keep: Index,
        partial: Index,
    },
    /// The original's first lines, then lines of its own.
    Fork {
        keep: Index,
        items: Vec<Item>,
    },
    /// Claude Code: a resumed session, a log of its own that replays the original's first
    /// requests (same ids and counts, another session) and goes on. Codex: a fork.
    Replay {
        keep: Index,
        items: Vec<Item>,
    },
}

#[derive(Debug, Clone)]
struct FileSpec {
    kind: Kind,
    /// Sorts the file among the others.
    name: String,
    dir: bool,
    /// The step it appears at.
    arrival: Index,
    /// How much of it there is at each step after its arrival (the last step has all of it).
    growth: Vec<Index>,
}

#[derive(Debug, Clone)]
struct FamilySpec {
    agent: Agent,
    body: Vec<Item>,
    /// The first is the original.
    files: Vec<FileSpec>,
}

#[derive(Debug, Clone)]
struct Scenario {
    families: Vec<FamilySpec>,
    /// Per step: whether its scan is a rebuild.
    rebuilds: Vec<bool>,
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        6 => any::<bool>().prop_map(|split| Item::Usage { split }),
        1 => Just(Item::Noise),
        1 => Just(Item::Reemit),
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    let items = || prop::collection::vec(item(), 1..4);
    prop_oneof![
        Just(Kind::Copy),
        (any::<Index>(), any::<Index>()).prop_map(|(keep, partial)| Kind::Prefix { keep, partial }),
        (any::<Index>(), items()).prop_map(|(keep, items)| Kind::Fork { keep, items }),
        (any::<Index>(), items()).prop_map(|(keep, items)| Kind::Replay { keep, items }),
    ]
}

fn file_spec(kind: impl Strategy<Value = Kind>) -> impl Strategy<Value = FileSpec> {
    (
        kind,
        "[a-z]{1,2}",
        any::<bool>(),
        any::<Index>(),
        prop::collection::vec(any::<Index>(), 4),
    )
        .prop_map(|(kind, name, dir, arrival, growth)| FileSpec {
            kind,
            name,
            dir,
            arrival,
            growth,
        })
}

fn family() -> impl Strategy<Value = FamilySpec> {
    (
        prop_oneof![
            Just(Agent::Claude),
            Just(Agent::CodexWithMeta),
            Just(Agent::CodexBare)
        ],
        prop::collection::vec(item(), 1..6),
        file_spec(Just(Kind::Original)),
        prop::collection::vec(file_spec(kind()), 0..4),
    )
        .prop_map(|(agent, body, original, others)| FamilySpec {
            agent,
            body,
            files: std::iter::once(original).chain(others).collect(),
        })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(family(), 1..4),
        prop::collection::vec(any::<bool>(), 1..4),
    )
        .prop_map(|(families, rebuilds)| Scenario { families, rebuilds })
}

/// Writes the lines of logs, numbering every line so no two are alike unless one copies the
/// other, and tracking Codex's cumulative totals along each log.
struct Writer {
    serial: u64,
}

/// Where a Codex log's totals stand: (input, cached, output, reasoning), and the last call.
#[derive(Debug, Clone, Copy, Default)]
struct CodexTotals {
    total: [u64; 4],
    last: Option<[u64; 4]>,
}

impl Writer {
    fn next(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    fn stamp(serial: u64) -> String {
        format!(
            "2026-04-01T{:02}:{:02}:{:02}.000Z",
            serial / 3600 % 24,
            serial / 60 % 60,
            serial % 60
        )
    }

    fn header(&mut self, agent: Agent, family: usize, session: &str) -> Line {
        let n = self.next();
        let ts = Writer::stamp(n);
        let text = match agent {
            Agent::Claude => format!(
                r#"{{"type":"user","uuid":"head-{n}","sessionId":"{session}","timestamp":"{ts}","message":{{"role":"user","content":"start"}}}}"#
            ),
            Agent::CodexWithMeta => format!(
                r#"{{"timestamp":"{ts}","type":"session_meta","payload":{{"id":"thread-{family}-{n}","cwd":"/work/{family}","originator":"codex_cli_rs"}}}}"#
            ),
            Agent::CodexBare => format!(
                r#"{{"timestamp":"{ts}","type":"turn_context","payload":{{"cwd":"/work/{family}-{n}","model":"gpt-5-codex"}}}}"#
            ),
        };
        Line { text, worth: None }
    }

    /// The lines of one body item of a log of `session` (Claude) or with `codex` totals.
    fn item(
        &mut self,
        agent: Agent,
        item: Item,
        session: &str,
        codex: &mut CodexTotals,
    ) -> Vec<Line> {
        let n = self.next();
        let ts = Writer::stamp(n);
        match (agent, item) {
            (Agent::Claude, Item::Usage { split }) => {
                let counts = [10 + n, n % 7 * 100, 1000 + n, 50 + 3 * n, 0];
                let line = |output: u64, part: &str| {
                    let [input, writes, reads, _, _] = counts;
                    format!(
                        r#"{{"type":"assistant","uuid":"u{n}{part}","sessionId":"{session}","requestId":"req_{n}","timestamp":"{ts}","message":{{"id":"msg_{n}","model":"claude-sonnet-4-5","content":[],"usage":{{"input_tokens":{input},"cache_creation_input_tokens":{writes},"cache_read_input_tokens":{reads},"output_tokens":{output}}}}}}}"#
                    )
                };
                let key = format!("msg_{n}:req_{n}");
                let mut lines = Vec::new();
                if split {
                    let mut placeholder = counts;
                    placeholder[3] = 1;
                    lines.push(Line {
                        text: line(1, "a"),
                        worth: Some(Worth {
                            key: key.clone(),
                            counts: placeholder,
                        }),
                    });
                }
                lines.push(Line {
                    text: line(counts[3], "b"),
                    worth: Some(Worth { key, counts }),
                });
                lines
            }
            (Agent::Claude, _) => vec![Line {
                text: format!(
                    r#"{{"type":"user","uuid":"u{n}","sessionId":"{session}","timestamp":"{ts}","message":{{"role":"user","content":"q{n}"}}}}"#
                ),
                worth: None,
            }],
            (_, Item::Usage { .. }) => {
                // The reasoning total is the line's serial: every total differs from every
                // other, so two calls never share a key.
                let [input, cached, output, reasoning] = codex.total;
                let d_reasoning = n - reasoning;
                let d_input = 100 + n * 7 % 300;
                let d_cached = d_input / 3;
                let d_output = d_reasoning + 20 + n % 13;
                let last = [d_input, d_cached, d_output, d_reasoning];
                codex.total = [input + d_input, cached + d_cached, output + d_output, n];
                codex.last = Some(last);
                vec![Line {
                    text: Writer::token_count(&ts, codex.total, last),
                    worth: Some(Worth {
                        key: format!("codex-{n}"),
                        counts: [d_input - d_cached, 0, d_cached, d_output, d_reasoning],
                    }),
                }]
            }
            (_, Item::Reemit) if codex.last.is_some() => vec![Line {
                text: Writer::token_count(&ts, codex.total, codex.last.unwrap_or_default()),
                worth: None,
            }],
            (_, _) => vec![Line {
                text: format!(
                    r#"{{"timestamp":"{ts}","type":"response_item","payload":{{"type":"message","content":"n{n}"}}}}"#
                ),
                worth: None,
            }],
        }
    }

    fn token_count(ts: &str, total: [u64; 4], last: [u64; 4]) -> String {
        let usage = |u: [u64; 4]| {
            format!(
                r#"{{"input_tokens":{},"cached_input_tokens":{},"output_tokens":{},"reasoning_output_tokens":{},"total_tokens":{}}}"#,
                u[0],
                u[1],
                u[2],
                u[3],
                u[0] + u[2]
            )
        };
        format!(
            r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{},"last_token_usage":{}}}}}}}"#,
            usage(total),
            usage(last)
        )
    }
}

/// A file of the scenario: where it lives, all it will hold, and how much of it there is at
/// each step (`None` before it appears).
#[derive(Debug)]
struct Planned {
    rel: String,
    lines: Vec<Line>,
    bytes: Vec<u8>,
    sizes: Vec<Option<usize>>,
}

fn joined(lines: &[Line]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| l.text.bytes().chain(std::iter::once(b'\n')))
        .collect()
}

/// The files of a scenario, with their content and growth.
fn plan(scenario: &Scenario) -> Vec<Planned> {
    let steps = scenario.rebuilds.len();
    let mut w = Writer { serial: 0 };
    let mut files = Vec::new();
    for (f, family) in scenario.families.iter().enumerate() {
        let session = format!("session-{f}");
        let mut totals = CodexTotals::default();
        // The original, and the Codex totals after each of its lines (for forks).
        let mut original = vec![w.header(family.agent, f, &session)];
        let mut totals_after = vec![totals];
        for item in &family.body {
            for line in w.item(family.agent, *item, &session, &mut totals) {
                original.push(line);
                totals_after.push(totals);
            }
        }
        for (i, spec) in family.files.iter().enumerate() {
            let lines: Vec<Line> = match &spec.kind {
                Kind::Original | Kind::Copy => original.clone(),
                Kind::Prefix { keep, .. } => original[..1 + keep.index(original.len())].to_vec(),
                Kind::Fork { keep, items } => {
                    let k = 1 + keep.index(original.len());
                    let mut lines = original[..k].to_vec();
                    let mut totals = totals_after[k - 1];
                    for item in items {
                        lines.extend(w.item(family.agent, *item, &session, &mut totals));
                    }
                    lines
                }
                Kind::Replay { keep, items } if family.agent == Agent::Claude => {
                    // Another session's log: its own first line, then the original's requests
                    // up to `keep` as that session writes them, then requests of its own.
                    let own = format!("session-{f}-{i}");
                    let mut lines = vec![w.header(family.agent, f, &own)];
                    let k = 1 + keep.index(original.len());
                    for line in &original[1..k] {
                        if line.worth.is_some() {
                            lines.push(Line {
                                text: line
                                    .text
                                    .replace(&session, &own)
                                    .replace(r#""uuid":"u"#, &format!(r#""uuid":"r{i}-"#)),
                                worth: line.worth.clone(),
                            });
                        }
                    }
                    let mut unused = CodexTotals::default();
                    for item in items {
                        lines.extend(w.item(family.agent, *item, &own, &mut unused));
                    }
                    lines
                }
                Kind::Replay { keep, items } => {
                    let k = 1 + keep.index(original.len());
                    let mut lines = original[..k].to_vec();
                    let mut totals = totals_after[k - 1];
                    for item in items {
                        lines.extend(w.item(family.agent, *item, &session, &mut totals));
                    }
                    lines
                }
            };
            let mut bytes = joined(&lines);
            if let Kind::Prefix { keep, partial } = &spec.kind {
                // Part of the line after the kept ones, never to be completed.
                let k = 1 + keep.index(original.len());
                if let Some(next) = original.get(k) {
                    let cut = partial.index(next.text.len());
                    bytes.extend_from_slice(&next.text.as_bytes()[..cut]);
                }
            }
            let arrival = spec.arrival.index(steps);
            let mut sizes = vec![None; steps];
            let mut size = 0;
            for (step, slot) in sizes.iter_mut().enumerate().skip(arrival) {
                size = if step + 1 == steps {
                    bytes.len()
                } else {
                    size.max(spec.growth[step].index(bytes.len() + 1))
                };
                *slot = Some(size);
            }
            let dir = if spec.dir { 1 } else { 0 };
            // The family and file number keep names apart without deciding their order.
            let name = format!("{}{f}x{i}", spec.name);
            let rel = match family.agent {
                Agent::Claude => format!(".claude/projects/p{dir}/{name}.jsonl"),
                _ => format!(".codex/sessions/d{dir}/{name}.jsonl"),
            };
            files.push(Planned {
                rel,
                lines,
                bytes,
                sizes,
            });
        }
    }
    files
}

/// Totals computed without Scopeon from what the files hold at `step`: every complete line
/// counts once however many files hold it, and lines of one request merge by the largest of
/// each counter.
fn expected(files: &[Planned], step: usize) -> Counted {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut requests: BTreeMap<&str, [u64; 5]> = BTreeMap::new();
    for file in files {
        let Some(size) = file.sizes[step] else {
            continue;
        };
        let mut at = 0;
        for line in &file.lines {
            at += line.text.len() + 1;
            if at > size {
                break;
            }
            if !seen.insert(&line.text) {
                continue;
            }
            if let Some(worth) = &line.worth {
                let r = requests.entry(&worth.key).or_default();
                for (a, b) in r.iter_mut().zip(worth.counts) {
                    *a = (*a).max(b);
                }
            }
        }
    }
    let mut t = [0u64; 7];
    for [input, writes, reads, output, reasoning] in requests.values() {
        t[0] += 1;
        t[1] += input;
        t[2] += writes;
        t[3] += reads;
        t[4] += output;
        t[5] += reasoning;
        t[6] += input + writes + reads + output;
    }
    t
}

/// Brings the files on disk to `step`: new files are created, growing ones appended to (so
/// they keep their inode and are resumed).
fn lay_out(home: &Home, files: &[Planned], step: usize) {
    for file in files {
        let Some(size) = file.sizes[step] else {
            continue;
        };
        let before = step.checked_sub(1).and_then(|s| file.sizes[s]).unwrap_or(0);
        let path = home.base.join(&file.rel);
        if step == 0 || file.sizes[step - 1].is_none() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.bytes[..size]).unwrap();
        } else if size > before {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            f.write_all(&file.bytes[before..size]).unwrap();
        }
    }
}

const AGENTS: [ProviderId; 2] = [ProviderId::ClaudeCode, ProviderId::Codex];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// After every scan (incremental or rebuild) the totals equal a single fresh scan of the
    /// files as they are then, and the totals the generator expects; a last rebuild changes
    /// nothing.
    #[test]
    fn totals_do_not_depend_on_order_arrival_or_rebuilds(scenario in scenario()) {
        let files = plan(&scenario);
        let home = Home::new();
        let env = home.env();
        let mut store = home.store("scopeon.db");
        for (step, rebuild) in scenario.rebuilds.iter().enumerate() {
            lay_out(&home, &files, step);
            scan_once(&mut store, &env, &AGENTS, *rebuild);
            let got = counted(&totals(&store));
            let mut fresh = Store::open_in_memory().unwrap();
            scan_once(&mut fresh, &env, &AGENTS, false);
            let want = expected(&files, step);
            prop_assert_eq!(counted(&totals(&fresh)), want, "fresh scan at step {}", step);
            prop_assert_eq!(got, want, "step {} (rebuild: {})", step, rebuild);
        }
        scan_once(&mut store, &env, &AGENTS, true);
        let last = scenario.rebuilds.len() - 1;
        prop_assert_eq!(counted(&totals(&store)), expected(&files, last), "final rebuild");
    }
}

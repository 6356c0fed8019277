// gen_corpus: writes a synthetic, deterministic Claude Code transcript tree for
// end-to-end benchmarks (Scopeon vs. other tools). Standard library only.
//
//   gen_corpus --out DIR --size 1GB [--seed N] [--start 2026-09-01] [--days 60]
//              [--expected FILE]
//
// DIR acts as CLAUDE_CONFIG_DIR: files go to DIR/projects/<encoded-cwd>/<uuid>.jsonl,
// subagents to DIR/projects/<encoded-cwd>/<uuid>/subagents/agent-<id>.jsonl.
// Format reference: docs/providers/claude_code.md. All text is lorem-style
// filler; no real prompt text is involved. The same arguments give the same bytes.
//
// Dedup ground truth (what a correct scanner must report) is kept while writing:
// every API response is counted once, whatever number of content-block lines,
// resumed copies or sidechain replays it appears in. `--expected FILE` writes it
// as JSON, per UTC day. The lines of one response never straddle a UTC midnight,
// so "first line's timestamp" and "largest line's timestamp" agree on the day.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use scopeon_benches::corpus::{
    self, Args, BASE62, Emit, Filler, HEX, Id, MS_PER_DAY, Rng, day_string, make_id,
    project_weights, uuid_v4, working_time,
};

const USAGE_TEXT: &str = "usage: gen_corpus --out DIR --size SIZE [--seed N] [--start YYYY-MM-DD] [--days N] [--shape S] [--expected FILE]
  --size      target total bytes: 200MB, 1GB, 1.5GB, 512MiB, 50000000 (KB/MB/GB are powers of 10)
  --seed      PRNG seed (default 42)
  --start     first UTC day of the corpus (default 2026-09-01)
  --days      number of days the sessions are spread over (default 60)
  --shape     typical (default) or heavy: a heavy user's history, tool outputs 0.15 times
              the size and sessions four times as long (about 2.5x the requests per MB)
  --expected  also write the dedup ground truth (per-day token totals) as JSON to FILE";

// ---------------------------------------------------------------- corpus model

const MODELS: &[(&str, u32)] = &[
    ("claude-sonnet-4-5-20250929", 28),
    ("claude-sonnet-4-6", 24),
    ("claude-opus-4-6", 20),
    ("claude-opus-4-1-20250805", 10),
    ("claude-haiku-4-5-20251001", 18),
];
const HAIKU: &str = "claude-haiku-4-5-20251001";
// Client versions. 2.1.2+ writes subagents to <session>/subagents/; 2.0.x writes
// sidechain rows inline; 1.0.x additionally lacks the cache_creation 5m/1h split.
const VERSIONS_SUBDIR: &[&str] = &["2.1.3", "2.1.12", "2.1.29", "2.1.40", "2.1.52"];
const VERSIONS_INLINE: &[&str] = &["2.0.14", "2.0.28", "2.0.37", "2.0.55"];
const VERSIONS_LEGACY: &[&str] = &["1.0.51", "1.0.72", "1.0.98"];
const BRANCHES: &[(&str, u32)] = &[
    ("main", 50),
    ("master", 8),
    ("develop", 8),
    ("feature/lorem-ipsum", 10),
    ("fix/dolor-sit", 8),
    ("refactor/amet", 6),
    ("", 4),
];
const FILES: &[&str] = &[
    "src/main.rs",
    "src/lib.rs",
    "src/parser.rs",
    "src/store/mod.rs",
    "src/report.rs",
    "src/cli.rs",
    "src/config.rs",
    "tests/ingest.rs",
    "README.md",
    "Cargo.toml",
    "web/app.tsx",
    "scripts/deploy.sh",
];

#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum Tool {
    #[default]
    Bash,
    Read,
    Edit,
    Write,
    Grep,
    Glob,
    Todo,
    WebSearch,
    Task,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Bash => "Bash",
            Tool::Read => "Read",
            Tool::Edit => "Edit",
            Tool::Write => "Write",
            Tool::Grep => "Grep",
            Tool::Glob => "Glob",
            Tool::Todo => "TodoWrite",
            Tool::WebSearch => "WebSearch",
            Tool::Task => "Task",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    Thinking,
    Text,
    ToolUse(Tool),
}

#[derive(Clone, Copy, Default)]
struct Usage {
    input: u64,
    cc5: u64,
    cc1: u64,
    cr: u64,
    out: u64,
    web: u64,
}

impl Usage {
    fn cc(&self) -> u64 {
        self.cc5 + self.cc1
    }
}

/// One API response already written, kept for `/btw` sidechain replays.
#[derive(Clone, Copy)]
struct RespRec {
    msg_id: Id,
    usage: Usage,
    model: &'static str,
    ts: i64,
}

/// Per-transcript state (a main session, or a subagent inside one).
#[derive(Clone)]
struct Sess {
    project: usize,
    cwd: &'static str,
    session_id: Id,
    version: &'static str,
    snapshots: bool,
    subagent_files: bool,
    legacy_usage: bool,
    branch: &'static str,
    model: &'static str,
    bedrock: bool,
    thinking: bool,
    identical_usage: bool,
    ttl: u8,
    compact_at: u64,
    ctx: u64,
    pending: u64,
    t: i64,
    parent_uuid: Option<Id>,
    sidechain: bool,
    agent_id: Option<Id>,
    recent: [Option<RespRec>; 3],
    last_usage: Usage,
    tool_uses: u64,
    tokens: u64,
}

/// A file being built in memory. `sid` holds the offsets of every sessionId
/// value, so a resumed copy can swap in a new id without searching.
struct Buf {
    b: Vec<u8>,
    sid: Vec<usize>,
    lines: u64,
    /// Usage on every non-sidechain assistant line without requestId in this file.
    no_request_id_lines: Totals,
}

impl Buf {
    fn new() -> Self {
        Buf {
            b: Vec::with_capacity(16 << 20),
            sid: Vec::new(),
            lines: 0,
            no_request_id_lines: Totals::default(),
        }
    }
    fn clear(&mut self) {
        self.b.clear();
        self.sid.clear();
        self.lines = 0;
        self.no_request_id_lines = Totals::default();
    }
    fn end_line(&mut self) {
        self.b.push(b'\n');
        self.lines += 1;
    }
}

#[derive(Clone, Copy, Default)]
struct Totals {
    requests: u64,
    synthetic: u64,
    input: u64,
    cache_creation: u64,
    cache_creation_1h: u64,
    cache_read: u64,
    output: u64,
}

impl Totals {
    fn add(&mut self, u: &Usage) {
        self.requests += 1;
        self.input += u.input;
        self.cache_creation += u.cc();
        self.cache_creation_1h += u.cc1;
        self.cache_read += u.cr;
        self.output += u.out;
    }
    fn merge(&mut self, o: &Totals) {
        self.requests += o.requests;
        self.synthetic += o.synthetic;
        self.input += o.input;
        self.cache_creation += o.cache_creation;
        self.cache_creation_1h += o.cache_creation_1h;
        self.cache_read += o.cache_read;
        self.output += o.output;
    }
}

#[derive(Default)]
struct Stats {
    session_files: u64,
    subagent_files: u64,
    meta_files: u64,
    bytes: u64,
    lines: u64,
    resumed: u64,
    replayed_lines: u64,
    btw_replays: u64,
    inline_sidechain_msgs: u64,
    no_request_id: u64,
    no_request_id_extra: Totals,
    over_200k: u64,
    compactions: u64,
    totals: Totals,
    per_day: BTreeMap<i64, Totals>,
    per_model: BTreeMap<&'static str, Totals>,
}

struct Project {
    cwd: &'static str,
    dir: PathBuf,
    created: bool,
}

struct Gen {
    rng: Rng,
    filler: Filler,
    projects: Vec<Project>,
    project_weights: Vec<(usize, u32)>,
    start_ms: i64,
    /// No new turn or step starts after this (2 h before the end of the range),
    /// so every timestamp stays inside `--start` + `--days`.
    end_ms: i64,
    days: i64,
    target: u64,
    shape: Shape,
    stats: Stats,
}

/// The corpus's shape (`--shape`): how big tool outputs are and how long sessions run.
#[derive(Clone, Copy)]
struct Shape {
    /// Multiplies every tool output's size.
    tool_output: f64,
    /// Multiplies every session's number of turns.
    turns: f64,
}

impl Shape {
    const TYPICAL: Shape = Shape {
        tool_output: 1.0,
        turns: 1.0,
    };
    /// Measured on a heavy user's Claude Code history (1.3 GB, 3,142 files, p99 file 5.4 MB,
    /// largest 87 MB, about 215 requests per MB after dedup).
    const HEAVY: Shape = Shape {
        tool_output: 0.15,
        turns: 4.0,
    };

    fn parse(s: &str) -> Option<Shape> {
        match s {
            "typical" => Some(Shape::TYPICAL),
            "heavy" => Some(Shape::HEAVY),
            _ => None,
        }
    }
}

/// Claude Code's directory encoding: every non-alphanumeric char becomes '-'.
fn encode_cwd(cwd: &str) -> String {
    cwd.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

impl Gen {
    fn new(args: &Args, shape: Shape) -> Self {
        let mut rng = Rng(args.seed);
        let projects_root = args.out.join("projects");
        let mut projects = Vec::new();
        for i in 0..30usize {
            let cwd = match i % 10 {
                3 => format!("/home/dev/work/proj-{i:02}_api"),
                6 => format!("/home/dev/proj-{i:02}.web"),
                8 => format!("/home/dev/src/github.com/acme/proj-{i:02}"),
                _ => format!("/home/dev/proj-{i:02}"),
            };
            let dir = projects_root.join(encode_cwd(&cwd));
            projects.push(Project {
                cwd: Box::leak(cwd.into_boxed_str()),
                dir,
                created: false,
            });
        }
        let project_weights = project_weights(&mut rng, projects.len());
        let start_ms = args.start_day * MS_PER_DAY;
        Gen {
            filler: Filler::new(args.seed),
            rng,
            projects,
            project_weights,
            start_ms,
            end_ms: start_ms + args.days * MS_PER_DAY - 2 * 3_600_000,
            days: args.days,
            target: args.size,
            shape,
            stats: Stats::default(),
        }
    }

    fn fill(&mut self, out: &mut Vec<u8>, len: u64) {
        let t = self.filler.text(&mut self.rng, len as usize);
        out.extend_from_slice(t);
    }

    fn size_reached(&self, buf: &Buf) -> bool {
        self.stats.bytes + buf.b.len() as u64 >= self.target
    }

    // ---------------------------------------------------------- session setup

    fn new_session(&mut self) -> Sess {
        let project = self.rng.weighted(&self.project_weights);
        let cwd = self.projects[project].cwd;
        let r = self.rng.below(100);
        let (version, snapshots, subagent_files, legacy_usage) = if r < 5 {
            (self.rng.pick(VERSIONS_LEGACY), false, false, true)
        } else if r < 38 {
            (self.rng.pick(VERSIONS_INLINE), true, false, false)
        } else {
            (self.rng.pick(VERSIONS_SUBDIR), true, true, false)
        };
        let model = self.rng.weighted(MODELS);
        let long_ctx_capable = model.contains("sonnet") || model == "claude-opus-4-6";
        // 1M-context sessions (a large codebase loaded up front) produce the
        // requests above 200k input tokens (long-context pricing tier), ~1%.
        let long_ctx = long_ctx_capable && self.rng.chance(0.025);
        let ctx = if long_ctx {
            self.rng.range(120_000, 200_000)
        } else {
            0
        };
        let compact_at = if long_ctx {
            self.rng.range(330_000, 450_000)
        } else {
            self.rng.range(140_000, 178_000)
        };
        let t = working_time(&mut self.rng, self.start_ms, self.days);
        let ttl = self.rng.weighted(&[(0u8, 70), (1, 20), (2, 10)]);
        Sess {
            project,
            cwd,
            session_id: uuid_v4(&mut self.rng),
            version,
            snapshots,
            subagent_files,
            legacy_usage,
            branch: self.rng.weighted(BRANCHES),
            model,
            bedrock: self.rng.chance(0.03),
            thinking: self.rng.chance(0.5),
            identical_usage: self.rng.chance(0.08),
            ttl,
            compact_at,
            ctx,
            pending: 0,
            t,
            parent_uuid: None,
            sidechain: false,
            agent_id: None,
            recent: [None; 3],
            last_usage: Usage::default(),
            tool_uses: 0,
            tokens: 0,
        }
    }

    // ---------------------------------------------------------- line writers

    /// Common leading fields of a transcript line.
    fn prefix(&mut self, buf: &mut Buf, s: &Sess) {
        let b = &mut buf.b;
        b.s("{\"parentUuid\":");
        match &s.parent_uuid {
            Some(u) => b.quoted(u.as_bytes()),
            None => b.s("null"),
        }
        b.s(if s.sidechain {
            ",\"isSidechain\":true"
        } else {
            ",\"isSidechain\":false"
        });
        if let Some(a) = &s.agent_id {
            b.s(",\"agentId\":");
            b.quoted(a.as_bytes());
        }
        b.s(",\"userType\":\"external\",\"cwd\":");
        b.quoted(s.cwd.as_bytes());
        b.s(",\"sessionId\":\"");
        buf.sid.push(b.len());
        b.extend_from_slice(s.session_id.as_bytes());
        b.s("\",\"version\":");
        b.quoted(s.version.as_bytes());
        b.s(",\"gitBranch\":");
        b.quoted(s.branch.as_bytes());
    }

    /// `,"uuid":…,"timestamp":…}` + newline; advances the parent chain.
    fn suffix(&mut self, buf: &mut Buf, s: &mut Sess, uuid: Id, ts: i64) {
        let b = &mut buf.b;
        b.s(",\"uuid\":");
        b.quoted(uuid.as_bytes());
        b.s(",\"timestamp\":\"");
        b.ts(ts);
        b.s("\"}");
        buf.end_line();
        s.parent_uuid = Some(uuid);
    }

    fn summary_line(&mut self, buf: &mut Buf) {
        let leaf = uuid_v4(&mut self.rng);
        let len = self.rng.range(30, 90);
        buf.b.s("{\"type\":\"summary\",\"summary\":\"");
        self.fill(&mut buf.b, len);
        buf.b.s("\",\"leafUuid\":");
        buf.b.quoted(leaf.as_bytes());
        buf.b.push(b'}');
        buf.end_line();
    }

    fn snapshot_line(&mut self, buf: &mut Buf, s: &Sess, message_id: Id) {
        let b = &mut buf.b;
        b.s("{\"type\":\"file-history-snapshot\",\"messageId\":");
        b.quoted(message_id.as_bytes());
        b.s(",\"snapshot\":{\"messageId\":");
        b.quoted(message_id.as_bytes());
        b.s(",\"trackedFileBackups\":{");
        let n = self.rng.below(5);
        for i in 0..n {
            if i > 0 {
                b.push(b',');
            }
            b.push(b'"');
            b.s(s.cwd);
            b.push(b'/');
            b.s(FILES[i as usize * 2 % FILES.len()]);
            b.s("\":{\"backupFileName\":\"");
            let h = make_id(&mut self.rng, b"", 16, HEX);
            b.extend_from_slice(h.as_bytes());
            let v = self.rng.range(1, 9);
            b.s("@v");
            b.num(v);
            b.s("\",\"version\":");
            b.num(v);
            b.s(",\"backupTime\":\"");
            b.ts((s.t - self.rng.below(600_000) as i64).max(self.start_ms));
            b.s("\"}");
        }
        b.s("},\"timestamp\":\"");
        b.ts(s.t);
        b.s("\"},\"isSnapshotUpdate\":false}");
        buf.end_line();
    }

    fn system_line(&mut self, buf: &mut Buf, s: &mut Sess) {
        self.prefix(buf, s);
        let b = &mut buf.b;
        match self.rng.below(3) {
            0 => {
                b.s(",\"type\":\"system\",\"subtype\":\"local_command\",\"content\":\"<local-command-stdout>");
                let len = self.rng.range(20, 400);
                self.fill(&mut buf.b, len);
                buf.b.s("</local-command-stdout>\",\"level\":\"info\"");
            }
            1 => b.s(",\"type\":\"system\",\"subtype\":\"informational\",\"content\":\"Running PostToolUse hooks\\u2026\",\"level\":\"info\",\"isMeta\":false"),
            _ => {
                b.s(",\"type\":\"system\",\"subtype\":\"api_error\",\"level\":\"error\",\"error\":{\"status\":529,\"headers\":{},\"error\":{\"type\":\"overloaded_error\"}},\"retryInMs\":");
                b.num(self.rng.range(500, 8000));
                b.s(",\"retryAttempt\":");
                b.num(self.rng.range(1, 4));
                b.s(",\"maxRetries\":10");
            }
        }
        s.t += self.rng.range(5, 400) as i64;
        let u = uuid_v4(&mut self.rng);
        self.suffix(buf, s, u, s.t);
    }

    fn prompt_line(&mut self, buf: &mut Buf, s: &mut Sess, uuid: Id, len: u64) {
        self.prefix(buf, s);
        buf.b
            .s(",\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"");
        self.fill(&mut buf.b, len);
        buf.b.s("\"}");
        if s.snapshots && !s.sidechain {
            buf.b.s(",\"thinkingMetadata\":{\"level\":\"high\",\"disabled\":false,\"triggers\":[]},\"todos\":[]");
        }
        s.pending += len / 4 + 4;
        self.suffix(buf, s, uuid, s.t);
    }

    /// Auto-compaction: a `compact_boundary` system line and the summary the
    /// next request starts from. The cached context collapses.
    fn compact(&mut self, buf: &mut Buf, s: &mut Sess) {
        self.stats.compactions += 1;
        let logical = s.parent_uuid;
        s.parent_uuid = None;
        s.t += self.rng.range(15_000, 60_000) as i64;
        self.prefix(buf, s);
        let b = &mut buf.b;
        b.s(",\"logicalParentUuid\":");
        match logical {
            Some(u) => b.quoted(u.as_bytes()),
            None => b.s("\"\""),
        }
        b.s(",\"type\":\"system\",\"subtype\":\"compact_boundary\",\"content\":\"Conversation compacted\",\"isMeta\":false,\"level\":\"info\",\"compactMetadata\":{\"trigger\":\"auto\",\"preTokens\":");
        b.num(s.ctx);
        b.s("}");
        let u = uuid_v4(&mut self.rng);
        self.suffix(buf, s, u, s.t);
        let len = self.rng.range(3_000, 14_000);
        self.prefix(buf, s);
        buf.b
            .s(",\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"");
        self.fill(&mut buf.b, len);
        buf.b
            .s("\"},\"isVisibleInTranscriptOnly\":true,\"isCompactSummary\":true");
        s.t += self.rng.range(5, 50) as i64;
        let u = uuid_v4(&mut self.rng);
        self.suffix(buf, s, u, s.t);
        s.ctx = 0;
        s.pending = len / 4;
    }

    fn usage_json(b: &mut Vec<u8>, u: &Usage, out: u64, legacy: bool) {
        b.s("{\"input_tokens\":");
        b.num(u.input);
        b.s(",\"cache_creation_input_tokens\":");
        b.num(u.cc());
        b.s(",\"cache_read_input_tokens\":");
        b.num(u.cr);
        if !legacy {
            b.s(",\"cache_creation\":{\"ephemeral_5m_input_tokens\":");
            b.num(u.cc5);
            b.s(",\"ephemeral_1h_input_tokens\":");
            b.num(u.cc1);
            b.push(b'}');
        }
        b.s(",\"output_tokens\":");
        b.num(out);
        if u.web > 0 {
            b.s(",\"server_tool_use\":{\"web_search_requests\":");
            b.num(u.web);
            b.s(",\"web_fetch_requests\":0}");
        }
        b.s(",\"service_tier\":\"standard\"}");
    }

    fn file_path(&mut self, b: &mut Vec<u8>, s: &Sess) {
        b.push(b'"');
        b.s(s.cwd);
        b.push(b'/');
        b.s(self.rng.pick(FILES));
        b.push(b'"');
    }

    fn block_json(&mut self, b: &mut Vec<u8>, s: &Sess, block: Block, tool_id: &Id) {
        match block {
            Block::Thinking => {
                b.s("{\"type\":\"thinking\",\"thinking\":\"");
                let len = self.rng.log_uniform(150.0, 6_000.0);
                self.fill(b, len);
                b.s("\",\"signature\":\"");
                let len = self.rng.range(300, 1_600) as usize;
                b.extend_from_slice(self.filler.signature(&mut self.rng, len));
                b.s("\"}");
            }
            Block::Text => {
                b.s("{\"type\":\"text\",\"text\":\"");
                let len = self.rng.log_uniform(40.0, 3_000.0);
                self.fill(b, len);
                b.s("\"}");
            }
            Block::ToolUse(tool) => {
                b.s("{\"type\":\"tool_use\",\"id\":");
                b.quoted(tool_id.as_bytes());
                b.s(",\"name\":");
                b.quoted(tool.name().as_bytes());
                b.s(",\"input\":{");
                match tool {
                    Tool::Bash => {
                        b.s("\"command\":\"");
                        let len = self.rng.log_uniform(15.0, 400.0);
                        self.fill(b, len);
                        b.s("\",\"description\":\"");
                        let len = self.rng.range(10, 60);
                        self.fill(b, len);
                        b.push(b'"');
                    }
                    Tool::Read => {
                        b.s("\"file_path\":");
                        self.file_path(b, s);
                    }
                    Tool::Edit => {
                        b.s("\"file_path\":");
                        self.file_path(b, s);
                        b.s(",\"old_string\":\"");
                        let len = self.rng.log_uniform(30.0, 1_500.0);
                        self.fill(b, len);
                        b.s("\",\"new_string\":\"");
                        let len = self.rng.log_uniform(30.0, 2_000.0);
                        self.fill(b, len);
                        b.push(b'"');
                    }
                    Tool::Write => {
                        b.s("\"file_path\":");
                        self.file_path(b, s);
                        b.s(",\"content\":\"");
                        let len = self.rng.log_uniform(200.0, 8_000.0);
                        self.fill(b, len);
                        b.push(b'"');
                    }
                    Tool::Grep => {
                        b.s("\"pattern\":\"");
                        let len = self.rng.range(4, 40);
                        self.fill(b, len);
                        b.s("\",\"path\":");
                        b.quoted(s.cwd.as_bytes());
                        b.s(",\"output_mode\":\"content\",\"-n\":true");
                    }
                    Tool::Glob => b.s("\"pattern\":\"**/*.rs\""),
                    Tool::Todo => {
                        b.s("\"todos\":[");
                        let n = self.rng.range(1, 6);
                        for i in 0..n {
                            if i > 0 {
                                b.push(b',');
                            }
                            b.s("{\"content\":\"");
                            let len = self.rng.range(15, 80);
                            self.fill(b, len);
                            b.s("\",\"status\":\"");
                            b.s(self.rng.pick(&["pending", "in_progress", "completed"]));
                            b.s("\",\"activeForm\":\"");
                            let len = self.rng.range(15, 80);
                            self.fill(b, len);
                            b.s("\"}");
                        }
                        b.push(b']');
                    }
                    Tool::WebSearch => {
                        b.s("\"query\":\"");
                        let len = self.rng.range(10, 80);
                        self.fill(b, len);
                        b.push(b'"');
                    }
                    Tool::Task => {
                        b.s("\"description\":\"");
                        let len = self.rng.range(10, 50);
                        self.fill(b, len);
                        b.s("\",\"prompt\":\"");
                        let len = self.rng.log_uniform(200.0, 3_000.0);
                        self.fill(b, len);
                        b.s("\",\"subagent_type\":\"general-purpose\"");
                    }
                }
                b.s("}}");
            }
        }
    }

    fn pick_tool(&mut self, s: &Sess) -> Tool {
        let task_w = if s.sidechain { 0 } else { 1 };
        self.rng.weighted(&[
            (Tool::Bash, 30),
            (Tool::Read, 26),
            (Tool::Edit, 14),
            (Tool::Grep, 8),
            (Tool::Glob, 4),
            (Tool::Write, 5),
            (Tool::Todo, 5),
            (Tool::WebSearch, 1),
            (Tool::Task, task_w),
        ])
    }

    /// Usage of the next request, advancing the session's cached context.
    fn next_usage(&mut self, s: &mut Sess, blocks: &[Block]) -> Usage {
        let rng = &mut self.rng;
        let (cr, cc) = if s.ctx == 0 {
            let sys = rng.range(12_000, 17_000);
            if rng.chance(0.7) {
                (sys, (s.pending + rng.range(500, 6_000)).min(20_000))
            } else {
                (0, (sys + s.pending).min(20_000))
            }
        } else if rng.chance(0.03) {
            (s.ctx, 0)
        } else {
            (s.ctx, (s.pending + rng.range(30, 600)).min(20_000))
        };
        s.ctx = cr + cc;
        s.pending = 0;
        let (cc5, cc1) = match s.ttl {
            0 => (cc, 0),
            1 => (0, cc),
            _ => {
                let one_h = cc * rng.below(101) / 100;
                (cc - one_h, one_h)
            }
        };
        let input = if rng.chance(0.8) {
            rng.range(1, 10)
        } else {
            rng.range(11, 50)
        };
        let mut out = if rng.chance(0.04) {
            rng.log_uniform(2_500.0, 16_000.0)
        } else {
            rng.log_uniform(12.0, 2_500.0)
        };
        for block in blocks {
            out += match block {
                Block::Thinking => rng.range(60, 2_000),
                Block::ToolUse(_) => rng.range(25, 500),
                Block::Text => 0,
            };
        }
        let web = if blocks.contains(&Block::ToolUse(Tool::WebSearch)) {
            rng.range(1, 3)
        } else {
            0
        };
        s.pending += out;
        Usage {
            input,
            cc5,
            cc1,
            cr,
            out,
            web,
        }
    }

    fn count_response(&mut self, s: &Sess, u: &Usage, ts: i64) {
        let st = &mut self.stats;
        st.totals.add(u);
        st.per_day
            .entry(ts.div_euclid(MS_PER_DAY))
            .or_default()
            .add(u);
        st.per_model.entry(s.model).or_default().add(u);
        if u.input + u.cc() + u.cr > 200_000 {
            st.over_200k += 1;
        }
        if s.bedrock {
            st.no_request_id += 1;
        }
        if s.sidechain && s.agent_id.is_none() {
            st.inline_sidechain_msgs += 1;
        }
    }

    /// `<synthetic>` API-error message: zero usage, no requestId.
    fn synthetic_line(&mut self, buf: &mut Buf, s: &mut Sess) {
        self.stats.totals.synthetic += 1;
        s.t += self.rng.range(500, 30_000) as i64;
        let day = s.t.div_euclid(MS_PER_DAY);
        self.stats.per_day.entry(day).or_default().synthetic += 1;
        let id = make_id(&mut self.rng, b"msg_01", 22, BASE62);
        self.prefix(buf, s);
        let b = &mut buf.b;
        b.s(",\"type\":\"assistant\",\"message\":{\"id\":");
        b.quoted(id.as_bytes());
        b.s(",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"<synthetic>\",\"content\":[{\"type\":\"text\",\"text\":\"");
        if self.rng.chance(0.5) {
            b.s("API Error: 529 {\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"overloaded_error\\\",\\\"message\\\":\\\"Overloaded\\\"}}");
        } else {
            b.s("Claude AI usage limit reached|");
            b.num((s.t / 1000 + 3 * 3600) as u64);
        }
        b.s("\"}],\"stop_reason\":\"stop_sequence\",\"stop_sequence\":\"\",\"usage\":{\"input_tokens\":0,\"output_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"server_tool_use\":{\"web_search_requests\":0},\"service_tier\":null}},\"isApiErrorMessage\":true");
        let u = uuid_v4(&mut self.rng);
        self.suffix(buf, s, u, s.t);
    }

    /// One API response: 1–4 content-block lines sharing message.id/requestId.
    /// Returns the tool_use blocks the caller must answer.
    fn response(
        &mut self,
        buf: &mut Buf,
        s: &mut Sess,
        step: u32,
        may_use_tools: bool,
    ) -> ToolCalls {
        let mut calls = ToolCalls::default();
        if self.rng.chance(0.004) {
            self.synthetic_line(buf, s);
            return calls;
        }
        let mut blocks = [Block::Text; 4];
        let mut n = 0;
        if s.thinking && self.rng.chance(0.6) {
            blocks[n] = Block::Thinking;
            n += 1;
        }
        let n_tools = if may_use_tools {
            let p_stop = (0.10 + 0.035 * f64::from(step)).min(0.85);
            if self.rng.chance(p_stop) {
                0
            } else {
                self.rng.weighted(&[(1usize, 72), (2, 20), (3, 8)])
            }
        } else {
            0
        };
        if n_tools == 0 || self.rng.chance(0.55) {
            blocks[n] = Block::Text;
            n += 1;
        }
        for _ in 0..n_tools {
            if n == 4 {
                break;
            }
            let tool = self.pick_tool(s);
            let id = make_id(&mut self.rng, b"toolu_01", 22, BASE62);
            blocks[n] = Block::ToolUse(tool);
            calls.calls[calls.n] = (tool, id);
            calls.n += 1;
            n += 1;
        }
        let blocks = &blocks[..n];
        let u = self.next_usage(s, blocks);
        s.last_usage = u;
        s.tokens += u.input + u.cc() + u.cr + u.out;

        // Timestamps: first block after the model's latency, then one per block.
        let mut ts = [0i64; 4];
        let thinking_latency = if blocks[0] == Block::Thinking {
            4_000
        } else {
            0
        };
        ts[0] = s.t + self.rng.range(1_200, 9_000) as i64 + thinking_latency;
        for i in 1..n {
            ts[i] = ts[i - 1] + self.rng.range(150, 7_000) as i64;
        }
        if ts[0].div_euclid(MS_PER_DAY) != ts[n - 1].div_euclid(MS_PER_DAY) {
            let shift = (ts[0].div_euclid(MS_PER_DAY) + 1) * MS_PER_DAY - ts[0]
                + self.rng.range(50, 900) as i64;
            for t in &mut ts[..n] {
                *t += shift;
            }
        }
        s.t = ts[n - 1];

        let prefix_id: &[u8] = if s.bedrock { b"msg_bdrk_01" } else { b"msg_01" };
        let msg_id = make_id(&mut self.rng, prefix_id, 22, BASE62);
        let req_id = make_id(&mut self.rng, b"req_011C", 21, BASE62);
        let mut tool_idx = 0;
        for (i, &block) in blocks.iter().enumerate() {
            let last = i + 1 == n;
            self.prefix(buf, s);
            let b = &mut buf.b;
            b.s(",\"message\":{\"id\":");
            b.quoted(msg_id.as_bytes());
            b.s(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
            b.quoted(s.model.as_bytes());
            b.s(",\"content\":[");
            let tool_id = if let Block::ToolUse(_) = block {
                tool_idx += 1;
                calls.calls[tool_idx - 1].1
            } else {
                msg_id
            };
            self.block_json(&mut buf.b, s, block, &tool_id);
            let b = &mut buf.b;
            b.s("],\"stop_reason\":");
            if last {
                b.s(if calls.n > 0 {
                    "\"tool_use\""
                } else {
                    "\"end_turn\""
                });
            } else {
                b.s("null");
            }
            b.s(",\"stop_sequence\":null,\"usage\":");
            let out = if last || s.identical_usage {
                u.out
            } else {
                self.rng.range(1, 2)
            };
            Self::usage_json(&mut buf.b, &u, out, s.legacy_usage);
            buf.b.push(b'}');
            if s.bedrock && !s.sidechain {
                // ccusage 20.0.24 merges non-sidechain lines without requestId only
                // when sessionId and timestamp match too: it counts every extra
                // content-block line, and every copy in a resumed file. Track what
                // it will add, for cross-checks.
                let line = Usage { out, ..u };
                buf.no_request_id_lines.add(&line);
                if !last {
                    self.stats.no_request_id_extra.add(&line);
                }
            }
            if !s.bedrock {
                buf.b.s(",\"requestId\":");
                buf.b.quoted(req_id.as_bytes());
            }
            buf.b.s(",\"type\":\"assistant\"");
            let uu = uuid_v4(&mut self.rng);
            self.suffix(buf, s, uu, ts[i]);
        }
        self.count_response(s, &u, ts[0]);
        s.recent.rotate_right(1);
        s.recent[0] = Some(RespRec {
            msg_id,
            usage: u,
            model: s.model,
            ts: ts[0],
        });
        calls
    }

    /// The `user` line answering one tool_use (tool output: the bulk of the bytes).
    fn tool_result(
        &mut self,
        buf: &mut Buf,
        s: &mut Sess,
        tool: Tool,
        tool_id: &Id,
        task: Option<&TaskResult>,
    ) {
        let huge = matches!(tool, Tool::Read | Tool::Bash) && self.rng.chance(0.004);
        let unscaled = if huge {
            self.rng.log_uniform(60_000.0, 500_000.0)
        } else {
            match tool {
                Tool::Read => self.rng.log_uniform(300.0, 60_000.0),
                Tool::Bash => self.rng.log_uniform(100.0, 40_000.0),
                Tool::Edit => self.rng.log_uniform(400.0, 40_000.0),
                Tool::Grep => self.rng.log_uniform(100.0, 20_000.0),
                Tool::WebSearch => self.rng.log_uniform(2_000.0, 15_000.0),
                Tool::Task => self.rng.log_uniform(300.0, 6_000.0),
                Tool::Write => self.rng.log_uniform(200.0, 6_000.0),
                Tool::Glob | Tool::Todo => self.rng.log_uniform(80.0, 2_000.0),
            }
        };
        // Scaled after the draw, so the typical shape's bytes stay what they were.
        let size = (unscaled as f64 * self.shape.tool_output) as u64;
        let is_error = tool != Tool::Task && self.rng.chance(0.03);
        s.t += match (tool, task) {
            (_, Some(task)) => task.end_t - s.t + self.rng.range(100, 900) as i64,
            (Tool::Bash, _) => self.rng.log_uniform(60.0, 90_000.0) as i64,
            (Tool::WebSearch, _) => self.rng.range(1_500, 12_000) as i64,
            _ => self.rng.range(15, 1_500) as i64,
        };
        self.prefix(buf, s);
        buf.b
            .s(",\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"tool_use_id\":");
        buf.b.quoted(tool_id.as_bytes());
        buf.b.s(",\"type\":\"tool_result\",\"content\":");
        let content_len;
        if let Some(task) = task {
            buf.b.s("[{\"type\":\"text\",\"text\":\"");
            let start = buf.b.len();
            self.fill(&mut buf.b, size);
            content_len = (buf.b.len() - start) as u64;
            buf.b
                .s("\"}]}]},\"toolUseResult\":{\"status\":\"completed\",\"prompt\":\"");
            let len = self.rng.log_uniform(200.0, 2_000.0);
            self.fill(&mut buf.b, len);
            let b = &mut buf.b;
            b.s("\",\"agentId\":");
            b.quoted(task.agent_id.as_bytes());
            b.s(",\"content\":[{\"type\":\"text\",\"text\":\"");
            self.fill(&mut buf.b, size);
            let b = &mut buf.b;
            b.s("\"}],\"totalDurationMs\":");
            b.num(task.duration_ms);
            b.s(",\"totalTokens\":");
            b.num(task.tokens);
            b.s(",\"totalToolUseCount\":");
            b.num(task.tool_uses);
            // The subagent's last usage is embedded in a *user* line: a scanner
            // must only take usage from `type:"assistant"` lines.
            b.s(",\"usage\":");
            Self::usage_json(&mut buf.b, &task.last_usage, task.last_usage.out, false);
            buf.b.push(b'}');
        } else if is_error {
            buf.b.s("\"Exit code 1\\n");
            let start = buf.b.len();
            self.fill(&mut buf.b, size / 2);
            content_len = (buf.b.len() - start) as u64;
            buf.b
                .s("\",\"is_error\":true}]},\"toolUseResult\":\"Error: ");
            self.fill(&mut buf.b, size / 2);
            buf.b.push(b'"');
        } else {
            buf.b.push(b'"');
            let start = buf.b.len();
            let half = (size / 2).max(40);
            self.fill(&mut buf.b, half);
            content_len = (buf.b.len() - start) as u64;
            buf.b.s("\"}]},\"toolUseResult\":");
            match tool {
                Tool::Read => {
                    buf.b.s("{\"type\":\"text\",\"file\":{\"filePath\":");
                    self.file_path(&mut buf.b, s);
                    buf.b.s(",\"content\":\"");
                    self.fill(&mut buf.b, half);
                    let lines = half / 40 + 1;
                    let b = &mut buf.b;
                    b.s("\",\"numLines\":");
                    b.num(lines);
                    b.s(",\"startLine\":1,\"totalLines\":");
                    b.num(lines);
                    b.s("}}");
                }
                Tool::Edit | Tool::Write => {
                    buf.b.s("{\"filePath\":");
                    self.file_path(&mut buf.b, s);
                    buf.b.s(",\"oldString\":\"");
                    let len = self.rng.range(20, 300);
                    self.fill(&mut buf.b, len);
                    buf.b.s("\",\"newString\":\"");
                    let len = self.rng.range(20, 300);
                    self.fill(&mut buf.b, len);
                    buf.b.s("\",\"originalFile\":\"");
                    self.fill(&mut buf.b, half);
                    buf.b.s(
                        "\",\"structuredPatch\":[],\"userModified\":false,\"replaceAll\":false}",
                    );
                }
                _ => {
                    buf.b.s("{\"stdout\":\"");
                    self.fill(&mut buf.b, half);
                    buf.b
                        .s("\",\"stderr\":\"\",\"interrupted\":false,\"isImage\":false}");
                }
            }
        }
        s.pending += content_len / 4 + 8;
        let u = uuid_v4(&mut self.rng);
        self.suffix(buf, s, u, s.t);
    }

    /// An agentic turn: responses and tool results until the model stops.
    /// Returns the number of messages written.
    fn agent_loop(
        &mut self,
        buf: &mut Buf,
        sub: &mut Buf,
        s: &mut Sess,
        max_steps: u32,
    ) -> io::Result<u32> {
        let mut msgs = 0;
        for step in 0..max_steps {
            if s.ctx >= s.compact_at {
                self.compact(buf, s);
            }
            let calls = self.response(buf, s, step, step + 1 < max_steps);
            msgs += 1;
            if calls.n == 0 {
                break;
            }
            for &(tool, id) in &calls.calls[..calls.n] {
                s.tool_uses += 1;
                let task = if tool == Tool::Task {
                    Some(self.subagent(buf, sub, s)?)
                } else {
                    None
                };
                self.tool_result(buf, s, tool, &id, task.as_ref());
                msgs += 1;
            }
            if s.t >= self.end_ms || (!s.sidechain && self.size_reached(buf)) {
                break;
            }
        }
        Ok(msgs)
    }

    /// A Task subagent: its own file (2.1.2+) or inline sidechain rows (older).
    fn subagent(&mut self, buf: &mut Buf, sub: &mut Buf, parent: &Sess) -> io::Result<TaskResult> {
        let agent_id = make_id(&mut self.rng, b"", 8, HEX);
        let mut c = parent.clone();
        c.sidechain = true;
        c.agent_id = if parent.subagent_files {
            Some(agent_id)
        } else {
            None
        };
        c.parent_uuid = None;
        c.ctx = 0;
        c.pending = 0;
        c.model = if self.rng.chance(0.5) {
            HAIKU
        } else {
            parent.model
        };
        c.thinking = false;
        c.compact_at = u64::MAX;
        c.recent = [None; 3];
        c.tool_uses = 0;
        c.tokens = 0;
        c.t = parent.t + self.rng.range(200, 1_500) as i64;
        let start = c.t;
        let steps = self.rng.range(2, 28) as u32;
        // Nested Task calls are not generated (pick_tool excludes them in sidechains),
        // so `sub` is only used as a dummy here.
        let mut unused = Buf {
            b: Vec::new(),
            sid: Vec::new(),
            lines: 0,
            no_request_id_lines: Totals::default(),
        };
        if parent.subagent_files {
            sub.clear();
            let u = uuid_v4(&mut self.rng);
            let len = self.rng.log_uniform(200.0, 3_000.0);
            self.prompt_line(sub, &mut c, u, len);
            self.agent_loop(sub, &mut unused, &mut c, steps)?;
            let dir = self.projects[parent.project]
                .dir
                .join(std::str::from_utf8(parent.session_id.as_bytes()).unwrap_or("session"))
                .join("subagents");
            fs::create_dir_all(&dir)?;
            let name = format!(
                "agent-{}",
                std::str::from_utf8(agent_id.as_bytes()).unwrap_or("0")
            );
            fs::write(dir.join(format!("{name}.jsonl")), &sub.b)?;
            let meta = b"{\"agentType\":\"general-purpose\",\"spawnDepth\":1}";
            fs::write(dir.join(format!("{name}.meta.json")), meta)?;
            self.stats.subagent_files += 1;
            self.stats.meta_files += 1;
            self.stats.bytes += (sub.b.len() + meta.len()) as u64;
            self.stats.lines += sub.lines;
        } else {
            let u = uuid_v4(&mut self.rng);
            let len = self.rng.log_uniform(200.0, 3_000.0);
            self.prompt_line(buf, &mut c, u, len);
            self.agent_loop(buf, &mut unused, &mut c, steps)?;
        }
        Ok(TaskResult {
            agent_id,
            end_t: c.t,
            duration_ms: (c.t - start) as u64,
            tokens: c.tokens,
            tool_uses: c.tool_uses,
            last_usage: c.last_usage,
        })
    }

    /// A `/btw` side question: a sidechain file that replays recent parent
    /// responses (same message.id, new requestId) and adds one new response.
    fn side_question(&mut self, sub: &mut Buf, parent: &mut Sess) -> io::Result<()> {
        let agent_id = make_id(&mut self.rng, b"", 8, HEX);
        let mut c = parent.clone();
        c.sidechain = true;
        c.agent_id = Some(agent_id);
        c.parent_uuid = None;
        sub.clear();
        let mut replays: Vec<RespRec> = parent.recent.iter().flatten().copied().collect();
        replays.truncate(self.rng.range(1, 3) as usize);
        replays.reverse();
        for r in &replays {
            self.prefix(sub, &c);
            let b = &mut sub.b;
            b.s(",\"message\":{\"id\":");
            b.quoted(r.msg_id.as_bytes());
            b.s(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
            b.quoted(r.model.as_bytes());
            b.s(",\"content\":[{\"type\":\"text\",\"text\":\"");
            let len = self.rng.log_uniform(40.0, 1_500.0);
            self.fill(&mut sub.b, len);
            sub.b
                .s("\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":");
            Self::usage_json(&mut sub.b, &r.usage, r.usage.out, c.legacy_usage);
            sub.b.push(b'}');
            if !c.bedrock {
                let req = make_id(&mut self.rng, b"req_011C", 21, BASE62);
                sub.b.s(",\"requestId\":");
                sub.b.quoted(req.as_bytes());
            }
            sub.b.s(",\"type\":\"assistant\"");
            let u = uuid_v4(&mut self.rng);
            self.suffix(sub, &mut c, u, r.ts);
            self.stats.btw_replays += 1;
        }
        c.t = parent.t + self.rng.range(3_000, 60_000) as i64;
        let u = uuid_v4(&mut self.rng);
        let len = self.rng.range(40, 400);
        self.prompt_line(sub, &mut c, u, len);
        self.response(sub, &mut c, 0, false);
        parent.t = c.t;
        let dir = self.projects[parent.project]
            .dir
            .join(std::str::from_utf8(parent.session_id.as_bytes()).unwrap_or("session"))
            .join("subagents");
        fs::create_dir_all(&dir)?;
        let name = format!(
            "agent-{}.jsonl",
            std::str::from_utf8(agent_id.as_bytes()).unwrap_or("0")
        );
        fs::write(dir.join(name), &sub.b)?;
        self.stats.subagent_files += 1;
        self.stats.bytes += sub.b.len() as u64;
        self.stats.lines += sub.lines;
        Ok(())
    }

    /// User turns until the session has `target_msgs` messages, the corpus is
    /// big enough, or the time range ends.
    fn turns(
        &mut self,
        buf: &mut Buf,
        sub: &mut Buf,
        s: &mut Sess,
        target_msgs: u32,
    ) -> io::Result<()> {
        let mut msgs = 0;
        let mut first = true;
        while msgs < target_msgs {
            if self.size_reached(buf) || s.t >= self.end_ms {
                break;
            }
            if !first {
                s.t += if self.rng.chance(0.02) {
                    self.rng.range(1_800_000, 5_400_000) as i64
                } else {
                    self.rng.log_uniform(4_000.0, 420_000.0) as i64
                };
            }
            first = false;
            if s.ctx >= s.compact_at {
                self.compact(buf, s);
            }
            let prompt_uuid = uuid_v4(&mut self.rng);
            if s.snapshots {
                self.snapshot_line(buf, s, prompt_uuid);
            }
            if self.rng.chance(0.04) {
                self.system_line(buf, s);
            }
            let len = self.rng.log_uniform(60.0, 2_800.0);
            self.prompt_line(buf, s, prompt_uuid, len);
            msgs += 1;
            let max_steps = self.rng.range(1, 40) as u32;
            msgs += self.agent_loop(buf, sub, s, max_steps)?;
            if s.subagent_files && s.recent[0].is_some() && self.rng.chance(0.006) {
                self.side_question(sub, s)?;
            }
        }
        Ok(())
    }

    fn write_session(&mut self, buf: &Buf, s: &Sess) -> io::Result<()> {
        let project = &mut self.projects[s.project];
        if !project.created {
            fs::create_dir_all(&project.dir)?;
            project.created = true;
        }
        let name = format!(
            "{}.jsonl",
            std::str::from_utf8(s.session_id.as_bytes()).unwrap_or("session")
        );
        fs::write(project.dir.join(name), &buf.b)?;
        self.stats.session_files += 1;
        self.stats.bytes += buf.b.len() as u64;
        self.stats.lines += buf.lines;
        Ok(())
    }

    fn run(&mut self) -> io::Result<()> {
        let mut cur = Buf::new();
        let mut prev = Buf::new();
        let mut sub = Buf::new();
        let mut prev_state: Option<Sess> = None;
        while self.stats.bytes < self.target {
            cur.clear();
            let resume = match prev_state.take() {
                Some(p) if self.rng.chance(0.05) => {
                    let gap = self.rng.log_uniform(120_000.0, 43_200_000.0) as i64;
                    (p.t + gap < self.end_ms).then_some((p, gap))
                }
                _ => None,
            };
            let mut s = if let Some((p, gap)) = resume {
                // `--resume`: a new file (new sessionId) that starts with summary
                // lines and a replay of the earlier transcript, ids unchanged.
                let mut s = p;
                let old = s.session_id;
                s.session_id = uuid_v4(&mut self.rng);
                s.t += gap;
                for _ in 0..self.rng.range(1, 2) {
                    self.summary_line(&mut cur);
                }
                let base = cur.b.len();
                cur.b.extend_from_slice(&prev.b);
                let n = old.as_bytes().len();
                for &off in &prev.sid {
                    cur.b[base + off..base + off + n].copy_from_slice(s.session_id.as_bytes());
                    cur.sid.push(base + off);
                }
                cur.lines += prev.lines;
                cur.no_request_id_lines = prev.no_request_id_lines;
                self.stats
                    .no_request_id_extra
                    .merge(&prev.no_request_id_lines);
                self.stats.replayed_lines += prev.lines;
                self.stats.resumed += 1;
                let target = (self.rng.log_uniform(6.0, 150.0) as f64 * self.shape.turns) as u32;
                self.turns(&mut cur, &mut sub, &mut s, target)?;
                s
            } else {
                let mut s = self.new_session();
                let target = (self.rng.log_uniform(10.0, 400.0) as f64 * self.shape.turns) as u32;
                self.turns(&mut cur, &mut sub, &mut s, target)?;
                s
            };
            s.parent_uuid = None;
            if cur.lines > 0 {
                self.write_session(&cur, &s)?;
                std::mem::swap(&mut cur, &mut prev);
                prev_state = Some(s);
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct ToolCalls {
    calls: [(Tool, Id); 3],
    n: usize,
}

struct TaskResult {
    agent_id: Id,
    end_t: i64,
    duration_ms: u64,
    tokens: u64,
    tool_uses: u64,
    last_usage: Usage,
}

// ---------------------------------------------------------------- CLI

fn parse_args() -> Result<(Args, Shape), String> {
    let mut shape = Shape::TYPICAL;
    let args = corpus::parse_args(
        std::env::args().skip(1),
        "DIR",
        "200MB, 1GB, 1.5GB",
        |_, name, value| {
            if name != "--shape" {
                return Ok(false);
            }
            let v = value()?;
            shape =
                Shape::parse(&v).ok_or_else(|| format!("bad --shape {v:?} (typical or heavy)"))?;
            Ok(true)
        },
    )?;
    Ok((args, shape))
}

fn totals_json(t: &Totals) -> String {
    format!(
        "{{\"requests\":{},\"synthetic\":{},\"input_tokens\":{},\"cache_creation_tokens\":{},\"cache_creation_1h_tokens\":{},\"cache_read_tokens\":{},\"output_tokens\":{},\"total_tokens\":{}}}",
        t.requests,
        t.synthetic,
        t.input,
        t.cache_creation,
        t.cache_creation_1h,
        t.cache_read,
        t.output,
        t.input + t.cache_creation + t.cache_read + t.output
    )
}

fn write_expected(path: &Path, args: &Args, st: &Stats) -> io::Result<()> {
    let mut j = String::new();
    j.push_str("{\"schema\":\"gen_corpus.expected.v1\",\"note\":\"deduplicated ground truth; days are UTC\",");
    j.push_str(&format!(
        "\"seed\":{},\"start\":\"{}\",\"days\":{},\"bytes\":{},\"files\":{},\"lines\":{},\n\"by_day\":{{",
        args.seed,
        day_string(args.start_day),
        args.days,
        st.bytes,
        st.session_files + st.subagent_files,
        st.lines
    ));
    for (i, (day, t)) in st.per_day.iter().enumerate() {
        if i > 0 {
            j.push(',');
        }
        j.push_str(&format!("\n\"{}\":{}", day_string(*day), totals_json(t)));
    }
    j.push_str("},\n\"by_model\":{");
    for (i, (model, t)) in st.per_model.iter().enumerate() {
        if i > 0 {
            j.push(',');
        }
        j.push_str(&format!("\n\"{model}\":{}", totals_json(t)));
    }
    j.push_str(&format!(
        "}},\n\"no_request_id_extra_lines\":{},\n\"totals\":{}}}\n",
        totals_json(&st.no_request_id_extra),
        totals_json(&st.totals)
    ));
    fs::write(path, j)
}

fn main() -> ExitCode {
    let (args, shape) = match parse_args() {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE_TEXT}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("gen_corpus: {e}\n{USAGE_TEXT}");
            return ExitCode::from(2);
        }
    };
    let projects = args.out.join("projects");
    if fs::read_dir(&projects).is_ok_and(|mut d| d.next().is_some()) {
        eprintln!(
            "gen_corpus: {} already exists and is not empty; remove it or choose another --out",
            projects.display()
        );
        return ExitCode::from(1);
    }
    let started = Instant::now();
    let mut g = Gen::new(&args, shape);
    if let Err(e) = g.run() {
        eprintln!("gen_corpus: writing under {}: {e}", args.out.display());
        return ExitCode::from(1);
    }
    if let Some(path) = &args.expected
        && let Err(e) = write_expected(path, &args, &g.stats)
    {
        eprintln!("gen_corpus: writing {}: {e}", path.display());
        return ExitCode::from(1);
    }
    let secs = started.elapsed().as_secs_f64();
    let st = &g.stats;
    let t = &st.totals;
    eprintln!(
        "gen_corpus: files={} (sessions={} resumed={} subagents={} +meta={}) bytes={} lines={} assistant_messages={} (synthetic={} no_request_id={} inline_sidechain={} over_200k={} btw_replays={} replayed_lines={} compactions={}) tokens: input={} output={} cache_creation={} cache_read={} | {:.2}s, {:.0} MB/s",
        st.session_files + st.subagent_files,
        st.session_files,
        st.resumed,
        st.subagent_files,
        st.meta_files,
        st.bytes,
        st.lines,
        t.requests,
        t.synthetic,
        st.no_request_id,
        st.inline_sidechain_msgs,
        st.over_200k,
        st.btw_replays,
        st.replayed_lines,
        st.compactions,
        t.input,
        t.output,
        t.cache_creation,
        t.cache_read,
        secs,
        st.bytes as f64 / 1e6 / secs.max(1e-9)
    );
    ExitCode::SUCCESS
}

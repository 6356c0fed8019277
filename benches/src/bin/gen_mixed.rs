// gen_mixed: writes a synthetic, deterministic `$HOME` holding the logs of six agents, for the
// mixed-corpus end-to-end benchmark (benches/mixed.sh). Standard library only.
//
//   gen_mixed --out HOME --size 300MB [--mix codex=35,gemini_cli=20,...] [--seed N]
//             [--start 2026-09-01] [--days 60] [--expected FILE]
//
// What it writes under HOME (formats: docs/providers/, one page per agent):
//   .codex/sessions/YYYY/MM/DD/rollout-<local time>-<uuidv7>.jsonl   (+ a few archived copies)
//   .gemini/tmp/<slug>/chats/session-*.jsonl, legacy session-*.json, .project_root, logs.json
//   .copilot/session-state/<uuid>/events.jsonl (+ workspace.yaml; some flat <uuid>.jsonl)
//   .aider/analytics.jsonl and a second log named by ~/.aider.conf.yml
//   .local/share/opencode/storage/{message,part,session,project}/...
//   generic/proxy-YYYY-MM-DD.jsonl (OpenAI chat completions, stream chunks, Responses API)
//
// `--size` is the total over all providers, split by the `--mix` weights (a weight of 0 leaves
// a provider out). All text is lorem-style filler: no real prompt text is involved. The same
// arguments give the same bytes.
//
// The ground truth is kept while writing, per provider, in Scopeon's normalized meanings
// (docs/tokens.md) after its dedup rules (docs/identity.md): every request counts once however
// many copies, re-emits, replays or migrated files it appears in. `--expected FILE` writes it
// as JSON.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use scopeon_benches::corpus::{
    self, Args, BASE62, Emit, Filler, HEX, HOUR, Id, MS_PER_DAY, Rng, WORDS, civil_time,
    day_string, make_id, project_weights, uuid_from, uuid_v4, working_time,
};

/// Bumped whenever the output for the same arguments changes (benches/mixed.sh caches corpora
/// by arguments and this version).
const FORMAT_VERSION: u32 = 1;
const USAGE_TEXT: &str = "usage: gen_mixed --out HOME --size SIZE [--mix ID=W,...] [--seed N] [--start YYYY-MM-DD] [--days N] [--expected FILE]
  --size      target total bytes over all providers: 300MB, 1GB, 512MiB (KB/MB/GB are powers of 10)
  --mix       weights of the split (default codex=35,gemini_cli=20,copilot_cli=15,aider=5,opencode=10,generic_openai=15);
              providers not named keep their default weight, 0 leaves one out
  --seed      PRNG seed (default 42)
  --start     first UTC day (default 2026-09-01)
  --days      number of days the sessions are spread over (default 60)
  --expected  also write the ground truth per provider as JSON to FILE
  --version   print the output format version";

/// Provider ids (Scopeon's), in output order, with their default weights.
const PROVIDERS: [(&str, u32); 6] = [
    ("codex", 35),
    ("gemini_cli", 20),
    ("copilot_cli", 15),
    ("aider", 5),
    ("opencode", 10),
    ("generic_openai", 15),
];
const CODEX: usize = 0;
const GEMINI: usize = 1;
const COPILOT: usize = 2;
const AIDER: usize = 3;
const OPENCODE: usize = 4;
const GENERIC: usize = 5;

// ---------------------------------------------------------------- ids

// The formats' own ids; `make_id`, `uuid_from` and `uuid_v4` are in `corpus`.

/// A UUIDv7 minted at `ms` (Codex thread and turn ids).
fn uuid_v7(rng: &mut Rng, ms: i64) -> Id {
    let mut bytes = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())).to_be_bytes();
    bytes[..6].copy_from_slice(&(ms as u64).to_be_bytes()[2..]);
    bytes[6] = (bytes[6] & 0x0f) | 0x70;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid_from(bytes)
}

/// OpenCode-style ids: prefix, 12 hex digits that grow with time, 14 base62 characters.
fn opencode_id(rng: &mut Rng, prefix: &[u8], ms: i64, counter: u64) -> Id {
    let mut id = Id::default();
    id.b[..prefix.len()].copy_from_slice(prefix);
    let mut p = prefix.len();
    let v = ((ms as u64) << 12 | (counter & 0xfff)) & 0xffff_ffff_ffff;
    for shift in (0..12).rev() {
        id.b[p] = HEX[((v >> (shift * 4)) & 15) as usize];
        p += 1;
    }
    for _ in 0..14 {
        id.b[p] = BASE62[rng.below(62) as usize];
        p += 1;
    }
    id.n = p as u8;
    id
}

/// FNV-1a, 64 bits (what Scopeon keys Aider lines by).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

// ---------------------------------------------------------------- ground truth

/// One provider's expected report fields (docs/tokens.md meanings, docs/identity.md dedup).
#[derive(Clone, Copy, Default)]
struct Truth {
    requests: u64,
    input: u64,
    cache_creation: u64,
    cache_read: u64,
    output: u64,
    reasoning: u64,
}

impl Truth {
    fn add(&mut self, requests: u64, input: u64, cc: u64, cr: u64, output: u64, reasoning: u64) {
        self.requests += requests;
        self.input += input;
        self.cache_creation += cc;
        self.cache_read += cr;
        self.output += output;
        self.reasoning += reasoning;
    }
    fn merge(&mut self, o: &Truth) {
        self.add(
            o.requests,
            o.input,
            o.cache_creation,
            o.cache_read,
            o.output,
            o.reasoning,
        );
    }
    fn total(&self) -> u64 {
        self.input + self.cache_creation + self.cache_read + self.output
    }
    fn json(&self) -> String {
        format!(
            "\"requests\":{},\"input_tokens\":{},\"cache_creation_tokens\":{},\"cache_read_tokens\":{},\"output_tokens\":{},\"reasoning_tokens\":{},\"total_tokens\":{}",
            self.requests,
            self.input,
            self.cache_creation,
            self.cache_read,
            self.output,
            self.reasoning,
            self.total()
        )
    }
}

#[derive(Default)]
struct PStats {
    /// Files the provider reads, and their bytes.
    files: u64,
    bytes: u64,
    lines: u64,
    /// Files written beside them that the provider must not read (text, markers, metadata).
    other_files: u64,
    other_bytes: u64,
    truth: Truth,
    quirks: BTreeMap<&'static str, u64>,
}

// ---------------------------------------------------------------- shared model

const BRANCHES: &[(&str, u32)] = &[
    ("main", 60),
    ("develop", 10),
    ("feature/lorem-ipsum", 15),
    ("fix/dolor-sit", 15),
];
const FILES: &[&str] = &[
    "src/main.rs",
    "src/lib.rs",
    "src/parser.rs",
    "src/store/mod.rs",
    "src/report.rs",
    "tests/ingest.rs",
    "README.md",
    "web/app.tsx",
    "scripts/deploy.sh",
    "api/handlers.py",
];

struct Gen {
    rng: Rng,
    filler: Filler,
    home: PathBuf,
    start_ms: i64,
    /// No session or turn starts after this (2 h before the end of the range).
    end_ms: i64,
    days: i64,
    projects: Vec<String>,
    project_weights: Vec<(usize, u32)>,
    stats: Vec<PStats>,
}

impl Gen {
    fn new(args: &Args) -> Gen {
        let mut rng = Rng(args.seed ^ 0x4D49_5845_4421);
        let mut projects = Vec::new();
        for i in 0..16usize {
            projects.push(match i % 8 {
                3 => format!("/home/dev/work/proj-{i:02}_api"),
                5 => format!("/home/dev/proj-{i:02}.web"),
                7 => format!("/home/dev/src/github.com/acme/proj-{i:02}"),
                _ => format!("/home/dev/proj-{i:02}"),
            });
        }
        let project_weights = project_weights(&mut rng, projects.len());
        let start_ms = args.start_day * MS_PER_DAY;
        Gen {
            filler: Filler::new(args.seed),
            rng,
            home: args.out.clone(),
            start_ms,
            end_ms: start_ms + args.days * MS_PER_DAY - 2 * HOUR,
            days: args.days,
            projects,
            project_weights,
            stats: (0..PROVIDERS.len()).map(|_| PStats::default()).collect(),
        }
    }

    /// Writes `data` to `HOME/rel`; `scanned` says whether the provider reads the file.
    fn write(&mut self, p: usize, rel: &str, data: &[u8], scanned: bool) -> io::Result<()> {
        let path = self.home.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, data)?;
        let st = &mut self.stats[p];
        if scanned {
            st.files += 1;
            st.bytes += data.len() as u64;
            st.lines += memchr_count(data);
        } else {
            st.other_files += 1;
            st.other_bytes += data.len() as u64;
        }
        Ok(())
    }

    fn written(&self, p: usize) -> u64 {
        self.stats[p].bytes + self.stats[p].other_bytes
    }

    fn quirk(&mut self, p: usize, name: &'static str, n: u64) {
        *self.stats[p].quirks.entry(name).or_default() += n;
    }

    fn fill(&mut self, b: &mut Vec<u8>, len: u64) {
        let t = self.filler.text(&mut self.rng, len as usize);
        b.extend_from_slice(t);
    }

    fn sig(&mut self, b: &mut Vec<u8>, len: u64) {
        let t = self.filler.signature(&mut self.rng, len as usize);
        b.extend_from_slice(t);
    }

    /// Plain words only (safe inside a JSON string that is itself JSON, e.g. tool arguments).
    fn words(&mut self, b: &mut Vec<u8>, n: u64) {
        for i in 0..n {
            if i > 0 {
                b.push(b' ');
            }
            let w = self.rng.pick(WORDS);
            b.s(w);
        }
    }

    /// A session start: a random day, weighted toward working hours (UTC), before `end_ms`.
    fn session_start(&mut self) -> i64 {
        loop {
            let t = working_time(&mut self.rng, self.start_ms, self.days);
            if t < self.end_ms {
                return t;
            }
        }
    }

    fn project(&mut self) -> usize {
        self.rng.weighted(&self.project_weights)
    }

    /// A pause between user turns: mostly seconds to minutes, sometimes an hour.
    fn turn_gap(&mut self) -> i64 {
        if self.rng.chance(0.03) {
            self.rng.range(1_800_000, 5_400_000) as i64
        } else {
            self.rng.log_uniform(4_000.0, 420_000.0) as i64
        }
    }

    /// A tool output length: mostly 200 B – 30 KB, rarely up to 300 KB.
    fn tool_output_len(&mut self) -> u64 {
        if self.rng.chance(0.005) {
            self.rng.range(60_000, 300_000)
        } else {
            self.rng.log_uniform(200.0, 30_000.0)
        }
    }
}

fn memchr_count(data: &[u8]) -> u64 {
    data.iter().filter(|&&b| b == b'\n').count() as u64
}

fn file_path(g: &mut Gen, b: &mut Vec<u8>, cwd: &str) {
    b.s(cwd);
    b.push(b'/');
    let f = g.rng.pick(FILES);
    b.s(f);
}

// ---------------------------------------------------------------- Codex (docs/providers/codex.md)

const CODEX_MODELS: &[(&str, u32)] = &[
    ("gpt-5-codex", 30),
    ("gpt-5.1-codex", 25),
    ("gpt-5", 15),
    ("gpt-5.2", 15),
    ("gpt-5.1-codex-mini", 15),
];
const CODEX_VERSIONS: &[&str] = &["0.46.0", "0.53.0", "0.58.0", "0.63.0", "0.77.0"];
const TZ_OFFSETS_H: &[i64] = &[-7, -5, 0, 1, 2, 9];

/// What a fork or subagent replays of its parent.
#[derive(Clone, Copy)]
enum CxHist {
    Turn {
        turn_id: Id,
        started_ms: i64,
        model: &'static str,
    },
    Count {
        total: [u64; 4],
        last: [u64; 4],
    },
}

struct CxThread {
    id: Id,
    t0: i64,
    cwd: String,
    model: &'static str,
    version: &'static str,
    legacy: bool,
    offset_h: i64,
    /// Cumulative (input, cached, output, reasoning).
    total: [u64; 4],
    prev_input: u64,
    ctx: u64,
    t: i64,
    history: Vec<CxHist>,
}

struct CxSpawn {
    parent_id: Id,
    parent_t0: i64,
    at_ms: i64,
    fork: bool,
    total: [u64; 4],
    ctx: u64,
    history: Vec<CxHist>,
}

impl Gen {
    fn codex(&mut self, target: u64) -> io::Result<()> {
        let mut buf = Vec::with_capacity(8 << 20);
        while self.written(CODEX) < target {
            let t0 = self.session_start();
            let project = self.project();
            let legacy = self.rng.chance(0.04);
            let mut th = CxThread {
                // Early builds: a UUIDv4 thread id (and a flat file name, see cx_rel).
                id: if legacy {
                    uuid_v4(&mut self.rng)
                } else {
                    uuid_v7(&mut self.rng, t0)
                },
                t0,
                cwd: self.projects[project].clone(),
                model: self.rng.weighted(CODEX_MODELS),
                version: if legacy {
                    "0.30.0"
                } else {
                    self.rng.pick(CODEX_VERSIONS)
                },
                legacy,
                offset_h: self.rng.pick(TZ_OFFSETS_H),
                total: [0; 4],
                prev_input: 0,
                ctx: 0,
                t: t0,
                history: Vec::new(),
            };
            buf.clear();
            let mut spawns = Vec::new();
            self.cx_meta(&mut buf, &th, t0, None);
            let turns = self.rng.log_uniform(1.0, 30.0);
            self.cx_turns(&mut buf, &mut th, turns, 16, &mut spawns);
            let rel = cx_rel(&th);
            let name = rel.rsplit('/').next().unwrap_or("rollout.jsonl").to_owned();
            // 2%: archived only (moved out of sessions/); 3%: also archived (a copy: same keys,
            // counted once). Half of the archives are .jsonl.zst.
            let r = self.rng.below(100);
            if r >= 5 && self.rng.chance(0.03) {
                // A live session caught mid-write: the last line, a token_count, has no
                // newline yet. It is not read (so not counted) until it is complete.
                let mut line = Vec::new();
                let mut total = th.total;
                total[0] += th.ctx;
                total[2] += 100;
                self.cx_token_count(&mut line, th.t + 5_000, Some(total), None);
                let cut = line.len() * self.rng.range(30, 90) as usize / 100;
                buf.extend_from_slice(&line[..cut]);
                self.quirk(CODEX, "live_partial_lines", 1);
            }
            if r >= 2 {
                self.write(CODEX, &rel, &buf, true)?;
            }
            if r < 5 {
                let arch = format!(".codex/archived_sessions/{name}");
                if self.rng.chance(0.5) {
                    let zst = zstd_raw_frame(&buf);
                    self.write(CODEX, &format!("{arch}.zst"), &zst, true)?;
                    self.quirk(CODEX, "archived_zst", 1);
                } else {
                    self.write(CODEX, &arch, &buf, true)?;
                }
                self.quirk(
                    CODEX,
                    if r < 2 {
                        "archived_only"
                    } else {
                        "archived_copies"
                    },
                    1,
                );
            }
            for sp in spawns {
                self.cx_child(&mut buf, &th, sp)?;
            }
        }
        Ok(())
    }

    /// A fork or a subagent: its own meta, the parent's meta and replayed history (the
    /// baseline, not counted), then its own turns.
    fn cx_child(&mut self, buf: &mut Vec<u8>, parent: &CxThread, sp: CxSpawn) -> io::Result<()> {
        buf.clear();
        let mut th = CxThread {
            id: uuid_v7(&mut self.rng, sp.at_ms),
            t0: sp.at_ms,
            cwd: parent.cwd.clone(),
            model: if sp.fork {
                parent.model
            } else {
                "gpt-5.1-codex-mini"
            },
            version: parent.version,
            legacy: false,
            offset_h: parent.offset_h,
            total: sp.total,
            prev_input: 0,
            ctx: sp.ctx.min(60_000),
            t: sp.at_ms,
            history: Vec::new(),
        };
        self.cx_meta(buf, &th, sp.at_ms, Some((&sp.parent_id, sp.fork)));
        // The parent's own session_meta, copied at fork time.
        let parent_meta = CxThread {
            id: sp.parent_id,
            t0: sp.parent_t0,
            cwd: th.cwd.clone(),
            model: parent.model,
            version: parent.version,
            legacy: false,
            offset_h: th.offset_h,
            total: [0; 4],
            prev_input: 0,
            ctx: 0,
            t: sp.parent_t0,
            history: Vec::new(),
        };
        self.cx_meta(buf, &parent_meta, sp.at_ms, None);
        let mut t = sp.at_ms;
        let mut replayed = 0;
        for h in &sp.history {
            t += self.rng.range(0, 2) as i64;
            match *h {
                CxHist::Turn {
                    turn_id,
                    started_ms,
                    model,
                } => {
                    self.cx_turn_markers(buf, t, &th.cwd, model, &turn_id, started_ms);
                    cx_head(buf, t, "response_item");
                    buf.s("{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"");
                    let len = self.rng.log_uniform(60.0, 1_500.0);
                    self.fill(buf, len);
                    buf.s("\"}]}}\n");
                }
                CxHist::Count { total, last } => {
                    self.cx_token_count(buf, t, Some(total), Some(last));
                    replayed += 1;
                }
            }
        }
        self.quirk(
            CODEX,
            if sp.fork {
                "fork_files"
            } else {
                "subagent_files"
            },
            1,
        );
        self.quirk(CODEX, "replayed_token_counts", replayed);
        th.t = t + self.rng.range(500, 3_000) as i64;
        let turns = self.rng.range(1, 6);
        self.cx_turns(buf, &mut th, turns, 10, &mut Vec::new());
        let rel = cx_rel(&th);
        self.write(CODEX, &rel, buf, true)
    }

    fn cx_meta(
        &mut self,
        b: &mut Vec<u8>,
        th: &CxThread,
        line_ms: i64,
        child: Option<(&Id, bool)>,
    ) {
        cx_head(b, line_ms, "session_meta");
        b.s("{\"id\":");
        b.quoted(th.id.as_bytes());
        b.s(",\"timestamp\":");
        b.qts(th.t0);
        b.s(",\"cwd\":");
        b.qs(&th.cwd);
        b.s(",\"originator\":\"codex_cli_rs\",\"cli_version\":");
        b.qs(th.version);
        if th.legacy {
            b.s(",\"instructions\":\"");
            let len = self.rng.range(1_000, 4_000);
            self.fill(b, len);
            b.s("\"");
        } else {
            b.s(",\"instructions\":null");
        }
        match child {
            Some((parent, false)) => {
                b.s(",\"source\":{\"subagent\":{\"thread_spawn\":{\"parent_thread_id\":");
                b.quoted(parent.as_bytes());
                b.s(",\"depth\":1}}},\"agent_nickname\":\"worker\",\"agent_role\":\"worker\"");
            }
            Some((parent, true)) => {
                b.s(",\"source\":\"vscode\",\"thread_source\":\"user\",\"forked_from_id\":");
                b.quoted(parent.as_bytes());
            }
            None => b.s(",\"source\":\"cli\""),
        }
        b.s(",\"model_provider\":\"openai\"");
        if !th.legacy {
            b.s(",\"base_instructions\":{\"text\":\"");
            let len = self.rng.range(3_000, 12_000);
            self.fill(b, len);
            b.s("\"}");
        }
        b.s(",\"git\":{\"commit_hash\":\"");
        let h = make_id(&mut self.rng, b"", 40, HEX);
        b.extend_from_slice(h.as_bytes());
        b.s("\",\"branch\":");
        let br = self.rng.weighted(BRANCHES);
        b.qs(br);
        b.s(",\"repository_url\":\"https://git.example.invalid/acme/lorem.git\"}}}\n");
    }

    /// `turn_context` and `task_started` of a turn (newer builds only).
    fn cx_turn_markers(
        &mut self,
        b: &mut Vec<u8>,
        t: i64,
        cwd: &str,
        model: &str,
        turn_id: &Id,
        started_ms: i64,
    ) {
        cx_head(b, t, "turn_context");
        b.s("{\"turn_id\":");
        b.quoted(turn_id.as_bytes());
        b.s(",\"cwd\":");
        b.qs(cwd);
        b.s(",\"approval_policy\":\"on-request\",\"sandbox_policy\":{\"mode\":\"workspace-write\",\"network_access\":false},\"model\":");
        b.qs(model);
        b.s(",\"effort\":\"medium\",\"summary\":\"auto\"");
        if self.rng.chance(0.3) {
            b.s(",\"user_instructions\":\"");
            let len = self.rng.range(300, 3_000);
            self.fill(b, len);
            b.s("\"");
        }
        b.s("}}\n");
        cx_head(b, t + 3, "event_msg");
        b.s("{\"type\":\"task_started\",\"turn_id\":");
        b.quoted(turn_id.as_bytes());
        b.s(",\"started_at\":");
        b.num((started_ms / 1000) as u64);
        b.s(",\"model_context_window\":272000}}\n");
    }

    fn cx_token_count(
        &mut self,
        b: &mut Vec<u8>,
        t: i64,
        total: Option<[u64; 4]>,
        last: Option<[u64; 4]>,
    ) {
        cx_head(b, t, "event_msg");
        b.s("{\"type\":\"token_count\",\"info\":{");
        let mut sep = "";
        if let Some(u) = total {
            b.s("\"total_token_usage\":");
            cx_usage(b, u);
            sep = ",";
        }
        if let Some(u) = last {
            b.s(sep);
            b.s("\"last_token_usage\":");
            cx_usage(b, u);
        }
        b.s(",\"model_context_window\":272000},\"rate_limits\":");
        self.cx_rate_limits(b);
        b.s("}}\n");
    }

    fn cx_rate_limits(&mut self, b: &mut Vec<u8>) {
        if self.rng.chance(0.3) {
            b.s("null");
            return;
        }
        b.s("{\"primary\":{\"used_percent\":");
        let p = self.rng.below(1000) as f64 / 10.0;
        b.float(p, 1);
        b.s(",\"window_minutes\":300,\"resets_at\":");
        let r = self.rng.range(1_790_000_000, 1_800_000_000);
        b.num(r);
        b.s("},\"secondary\":{\"used_percent\":");
        let p = self.rng.below(1000) as f64 / 10.0;
        b.float(p, 1);
        b.s(",\"window_minutes\":10080,\"resets_at\":");
        let r = self.rng.range(1_790_000_000, 1_800_000_000);
        b.num(r);
        b.s("},\"plan_type\":\"plus\"}");
    }

    /// User turns of one thread: each a few model calls with reasoning, tool calls and their
    /// outputs, one `token_count` per call, plus re-emits and rate-limit-only rows.
    fn cx_turns(
        &mut self,
        b: &mut Vec<u8>,
        th: &mut CxThread,
        turns: u64,
        max_calls: u64,
        spawns: &mut Vec<CxSpawn>,
    ) {
        let reasoning_model = !th.model.contains("mini") || self.rng.chance(0.5);
        for turn in 0..turns {
            if turn > 0 {
                th.t += self.turn_gap();
            }
            if th.t >= self.end_ms {
                break;
            }
            if th.ctx == 0 {
                th.ctx = self.rng.range(8_000, 20_000);
            }
            let turn_start = th.t;
            if !th.legacy {
                if self.rng.chance(0.05) {
                    th.model = self.rng.weighted(CODEX_MODELS);
                }
                let turn_id = uuid_v7(&mut self.rng, turn_start);
                self.cx_turn_markers(b, th.t, &th.cwd, th.model, &turn_id, turn_start);
                th.history.push(CxHist::Turn {
                    turn_id,
                    started_ms: turn_start,
                    model: th.model,
                });
            }
            let len = self.rng.log_uniform(60.0, 3_000.0);
            th.ctx += len / 4;
            th.t += self.rng.range(5, 60) as i64;
            cx_head(b, th.t, "response_item");
            b.s("{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"");
            self.fill(b, len);
            b.s("\"}]}}\n");
            cx_head(b, th.t, "event_msg");
            b.s("{\"type\":\"user_message\",\"message\":\"");
            self.fill(b, len);
            b.s("\",\"images\":[]}}\n");
            if self.rng.chance(0.3) {
                self.cx_null_info(b, th.t + 40);
            }
            let calls = self.rng.range(1, max_calls);
            for call in 0..calls {
                let last_call = call + 1 == calls;
                th.t += self.rng.log_uniform(1_500.0, 40_000.0) as i64;
                if reasoning_model && self.rng.chance(0.7) {
                    cx_head(b, th.t, "response_item");
                    b.s("{\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"");
                    let len = self.rng.log_uniform(80.0, 1_500.0);
                    self.fill(b, len);
                    b.s("\"}],\"content\":null,\"encrypted_content\":\"");
                    let len = self.rng.range(400, 6_000);
                    self.sig(b, len);
                    b.s("\"}}\n");
                    cx_head(b, th.t, "event_msg");
                    b.s("{\"type\":\"agent_reasoning\",\"text\":\"");
                    self.fill(b, len / 3);
                    b.s("\"}}\n");
                }
                let mut tool_tokens = 0;
                if last_call {
                    cx_head(b, th.t, "response_item");
                    b.s("{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"");
                    let len = self.rng.log_uniform(40.0, 4_000.0);
                    self.fill(b, len);
                    b.s("\"}]}}\n");
                    cx_head(b, th.t, "event_msg");
                    b.s("{\"type\":\"agent_message\",\"message\":\"");
                    self.fill(b, len);
                    b.s("\"}}\n");
                } else {
                    let call_id = make_id(&mut self.rng, b"call_", 24, BASE62);
                    cx_head(b, th.t, "response_item");
                    b.s("{\"type\":\"function_call\",\"name\":\"shell\",\"arguments\":\"{\\\"command\\\":[\\\"bash\\\",\\\"-lc\\\",\\\"");
                    let n = self.rng.range(2, 20);
                    self.words(b, n);
                    b.s("\\\"],\\\"workdir\\\":\\\"");
                    b.s(&th.cwd);
                    b.s("\\\",\\\"timeout_ms\\\":120000}\",\"call_id\":");
                    b.quoted(call_id.as_bytes());
                    b.s("}}\n");
                    th.t += self.rng.range(200, 20_000) as i64;
                    cx_head(b, th.t, "response_item");
                    b.s("{\"type\":\"function_call_output\",\"call_id\":");
                    b.quoted(call_id.as_bytes());
                    b.s(",\"output\":\"");
                    let len = self.tool_output_len();
                    self.fill(b, len);
                    b.s("\"}}\n");
                    tool_tokens = len / 4;
                }
                // The call's usage: input includes the cached prefix.
                let input = th.ctx;
                let cached = if th.prev_input > 0 && self.rng.chance(0.92) {
                    th.prev_input.min(input) / 64 * 64
                } else {
                    0
                };
                let output = if self.rng.chance(0.05) {
                    self.rng.log_uniform(3_000.0, 20_000.0)
                } else {
                    self.rng.log_uniform(20.0, 3_000.0)
                };
                let reasoning = if reasoning_model {
                    output * self.rng.below(80) / 100
                } else {
                    0
                };
                th.prev_input = input;
                th.ctx += output + tool_tokens;
                let last = [input, cached, output, reasoning];
                for (t, l) in th.total.iter_mut().zip(last) {
                    *t += l;
                }
                th.t += self.rng.range(20, 400) as i64;
                let total = th.total;
                self.cx_token_count(b, th.t, Some(total), (!th.legacy).then_some(last));
                th.history.push(CxHist::Count { total, last });
                self.stats[CODEX]
                    .truth
                    .add(1, input - cached, 0, cached, output, reasoning);
                if self.rng.chance(0.45) {
                    // A re-emit: the same totals at a fresh timestamp (not new usage).
                    let t = th.t + self.rng.range(50, 900) as i64;
                    self.cx_token_count(b, t, Some(total), (!th.legacy).then_some(last));
                    self.quirk(CODEX, "re_emits", 1);
                }
                if self.rng.chance(0.1) {
                    self.cx_null_info(b, th.t + 5);
                }
                if self.rng.chance(0.005) {
                    // A context-window fill row: only total_tokens set (no usage).
                    cx_head(b, th.t + 7, "event_msg");
                    b.s("{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":0,\"cached_input_tokens\":0,\"output_tokens\":0,\"reasoning_output_tokens\":0,\"total_tokens\":272000},\"last_token_usage\":{\"input_tokens\":0,\"cached_input_tokens\":0,\"output_tokens\":0,\"reasoning_output_tokens\":0,\"total_tokens\":");
                    let n = self.rng.range(1_000, 9_000);
                    b.num(n);
                    b.s("},\"model_context_window\":272000},\"rate_limits\":null}}\n");
                    self.quirk(CODEX, "context_fill_rows", 1);
                }
                if th.ctx > 200_000 {
                    // Compaction: a big summary line; the context collapses, totals go on.
                    th.t += self.rng.range(3_000, 20_000) as i64;
                    cx_head(b, th.t, "compacted");
                    b.s("{\"message\":\"");
                    let len = self.rng.range(2_000, 9_000);
                    self.fill(b, len);
                    b.s("\",\"replacement_history\":[{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"");
                    let len = self.rng.range(2_000, 20_000);
                    self.fill(b, len);
                    b.s("\"}]}]}}\n");
                    th.ctx = self.rng.range(15_000, 40_000);
                    th.prev_input = 0;
                    self.quirk(CODEX, "compactions", 1);
                }
                let can_spawn = !th.legacy && max_calls > 10 && th.t >= turn_start + 2_000;
                if can_spawn && !last_call && self.rng.chance(0.01) {
                    let at_ms = th.t + self.rng.range(300, 3_000) as i64;
                    if at_ms < self.end_ms {
                        spawns.push(CxSpawn {
                            parent_id: th.id,
                            parent_t0: th.t0,
                            at_ms,
                            fork: self.rng.chance(0.3),
                            total: th.total,
                            ctx: th.ctx,
                            history: th.history.clone(),
                        });
                    }
                }
            }
            if !th.legacy {
                cx_head(b, th.t + 30, "event_msg");
                b.s("{\"type\":\"task_complete\",\"last_agent_message\":\"");
                let len = self.rng.range(20, 400);
                self.fill(b, len);
                b.s("\"}}\n");
            }
        }
    }

    fn cx_null_info(&mut self, b: &mut Vec<u8>, t: i64) {
        cx_head(b, t, "event_msg");
        b.s("{\"type\":\"token_count\",\"info\":null,\"rate_limits\":");
        self.cx_rate_limits(b);
        b.s("}}\n");
        self.quirk(CODEX, "info_null_rows", 1);
    }
}

/// `{"timestamp":…,"type":KIND,"payload":` (the caller writes the payload and `}\n`).
fn cx_head(b: &mut Vec<u8>, ms: i64, kind: &str) {
    b.s("{\"timestamp\":");
    b.qts(ms);
    b.s(",\"type\":");
    b.qs(kind);
    b.s(",\"payload\":");
}

fn cx_usage(b: &mut Vec<u8>, u: [u64; 4]) {
    b.s("{\"input_tokens\":");
    b.num(u[0]);
    b.s(",\"cached_input_tokens\":");
    b.num(u[1]);
    b.s(",\"output_tokens\":");
    b.num(u[2]);
    b.s(",\"reasoning_output_tokens\":");
    b.num(u[3]);
    b.s(",\"total_tokens\":");
    b.num(u[0] + u[2]);
    b.s("}");
}

/// `.codex/sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl`, in local time; the
/// earliest builds wrote `.codex/sessions/rollout-YYYY-MM-DD-<uuid>.jsonl`, with a UTC date.
fn cx_rel(th: &CxThread) -> String {
    if th.legacy {
        let (y, m, d, ..) = civil_time(th.t0);
        return format!(
            ".codex/sessions/rollout-{y:04}-{m:02}-{d:02}-{}.jsonl",
            th.id.as_str()
        );
    }
    let (y, m, d, hh, mm, ss) = civil_time(th.t0 + th.offset_h * HOUR);
    format!(
        ".codex/sessions/{y:04}/{m:02}/{d:02}/rollout-{y:04}-{m:02}-{d:02}T{hh:02}-{mm:02}-{ss:02}-{}.jsonl",
        th.id.as_str()
    )
}

/// `data` as a valid zstd frame made of raw (stored) blocks: no compression library needed,
/// and any zstd decoder reads it back.
fn zstd_raw_frame(data: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 128 << 10;
    let mut out = Vec::with_capacity(data.len() + data.len() / BLOCK * 3 + 16);
    out.extend_from_slice(&0xFD2F_B528u32.to_le_bytes());
    // Frame header descriptor: no content size, not single-segment, no checksum, no
    // dictionary; window descriptor: 2^(10 + 7) = 128 KiB.
    out.push(0x00);
    out.push(7 << 3);
    let mut chunks = data.chunks(BLOCK).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0]); // one empty last raw block
    }
    while let Some(chunk) = chunks.next() {
        let last = u32::from(chunks.peek().is_none());
        let header = last | (chunk.len() as u32) << 3; // block type 0: raw
        out.extend_from_slice(&header.to_le_bytes()[..3]);
        out.extend_from_slice(chunk);
    }
    out
}

// ---------------------------------------------------- Gemini CLI (docs/providers/gemini_cli.md)

const GEMINI_MODELS: &[(&str, u32)] = &[
    ("gemini-2.5-pro", 40),
    ("gemini-2.5-flash", 35),
    ("gemini-3-pro-preview", 25),
];
const GEMINI_TOOLS: &[&str] = &[
    "read_file",
    "run_shell_command",
    "search_file_content",
    "replace",
    "write_file",
    "glob",
];

#[derive(Clone, Copy)]
enum GemKind {
    User,
    Gemini,
    Info,
}

/// One message of a recording; rendered (with fresh filler) into `.jsonl` copies or a legacy
/// `.json` document.
#[derive(Clone, Copy)]
struct GemMsg {
    id: Id,
    ts: i64,
    kind: GemKind,
    model: &'static str,
    /// input (cached included), output, cached, thoughts, tool.
    tokens: [u64; 5],
    text_len: u64,
    thoughts: bool,
    tool: Option<(&'static str, u64)>,
    null_first: bool,
}

struct GemProject {
    slug: String,
    hash: Id,
    logs: Vec<u8>,
    log_entries: u64,
}

impl Gen {
    fn gemini(&mut self, target: u64) -> io::Result<()> {
        let mut projects: Vec<GemProject> = Vec::new();
        let mut slugs = HashSet::new();
        for cwd in self.projects.clone() {
            let base = cwd.rsplit('/').next().unwrap_or("project");
            let mut slug = String::new();
            for c in base.chars() {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_alphanumeric() {
                    slug.push(c);
                } else if !slug.ends_with('-') {
                    slug.push('-');
                }
            }
            let mut slug = slug.trim_matches('-').to_owned();
            if slug.is_empty() {
                slug = "project".into();
            }
            let mut n = 1;
            let base_slug = slug.clone();
            while !slugs.insert(slug.clone()) {
                slug = format!("{base_slug}-{n}");
                n += 1;
            }
            projects.push(GemProject {
                slug,
                hash: make_id(&mut self.rng, b"", 64, HEX),
                logs: Vec::new(),
                log_entries: 0,
            });
        }
        let mut buf = Vec::with_capacity(4 << 20);
        let mut doc = Vec::with_capacity(1 << 20);
        let mut used = vec![false; projects.len()];
        while self.written(GEMINI) < target {
            let p = self.project();
            let t0 = self.session_start();
            let sid = uuid_v4(&mut self.rng);
            let model = self.rng.weighted(GEMINI_MODELS);
            let r = self.rng.below(100);
            // 12%: a legacy .json only; 5%: a legacy .json migrated to a .jsonl sibling.
            let (legacy, migrated) = (r < 17, (12..17).contains(&r));
            let in_hash_dir = legacy && !migrated && self.rng.chance(0.5);
            let n_turns = self.rng.log_uniform(1.0, 30.0);
            let msgs = self.gem_messages(t0, model, n_turns, &mut projects[p], &sid);
            let (y, m, d, hh, mm, _) = civil_time(t0);
            let stem = format!(
                "session-{y:04}-{m:02}-{d:02}T{hh:02}-{mm:02}-{}",
                &sid.as_str()[..8]
            );
            let dir = if in_hash_dir {
                projects[p].hash.as_str().to_owned()
            } else {
                used[p] = true;
                projects[p].slug.clone()
            };
            let chats = format!(".gemini/tmp/{dir}/chats");
            // The ground truth: each gemini message once, whatever number of copies.
            for msg in &msgs {
                if let GemKind::Gemini = msg.kind {
                    let [input, output, cached, thoughts, tool] = msg.tokens;
                    self.stats[GEMINI].truth.add(
                        1,
                        input - cached + tool,
                        0,
                        cached,
                        output + thoughts,
                        thoughts,
                    );
                }
            }
            if legacy {
                let split = if migrated {
                    msgs.len() * self.rng.range(30, 80) as usize / 100
                } else {
                    msgs.len()
                };
                doc.clear();
                self.gem_document(&mut doc, &sid, &projects[p].hash, &msgs[..split.max(1)]);
                self.write(GEMINI, &format!("{chats}/{stem}.json"), &doc, true)?;
                self.quirk(GEMINI, "legacy_json_files", 1);
                if migrated {
                    // Resumed later: the whole conversation goes to a .jsonl sibling.
                    buf.clear();
                    self.gem_meta(&mut buf, &sid, &projects[p].hash, t0, "main");
                    for msg in &msgs {
                        self.gem_jsonl(&mut buf, msg);
                    }
                    self.write(GEMINI, &format!("{chats}/{stem}.jsonl"), &buf, true)?;
                    self.quirk(GEMINI, "migrated_json_to_jsonl", 1);
                    self.quirk(GEMINI, "migrated_message_copies", split.max(1) as u64);
                }
            } else {
                buf.clear();
                self.gem_meta(&mut buf, &sid, &projects[p].hash, t0, "main");
                let mut checkpointed = false;
                for (i, msg) in msgs.iter().enumerate() {
                    self.gem_jsonl(&mut buf, msg);
                    if i > 4 && self.rng.chance(0.004) {
                        // A rewind: the rewound messages' usage still counts.
                        let back = msgs[i - self.rng.range(1, 4) as usize];
                        buf.s("{\"$rewindTo\":");
                        buf.quoted(back.id.as_bytes());
                        buf.s("}\n");
                        self.quirk(GEMINI, "rewinds", 1);
                    }
                    if i > 3 && !checkpointed && self.rng.chance(0.002) {
                        checkpointed = true;
                        // A checkpoint: `$set` with every message so far (copies, merged).
                        buf.s("{\"$set\":{\"lastUpdated\":");
                        buf.qts(msg.ts + 10);
                        buf.s(",\"messages\":[");
                        for (k, m) in msgs[..=i].iter().enumerate() {
                            if k > 0 {
                                buf.push(b',');
                            }
                            self.gem_record(&mut buf, m, 2);
                        }
                        buf.s("]}}\n");
                        self.quirk(GEMINI, "checkpoints", 1);
                    }
                }
                self.write(GEMINI, &format!("{chats}/{stem}.jsonl"), &buf, true)?;
                if self.rng.chance(0.04) {
                    // A subagent's recording, nested under the parent session.
                    let child = uuid_v4(&mut self.rng);
                    let ct = msgs.last().map_or(t0, |m| m.ts) - 60_000;
                    let cm = self.gem_messages(
                        ct.max(t0),
                        "gemini-2.5-flash",
                        1,
                        &mut projects[p],
                        &child,
                    );
                    buf.clear();
                    self.gem_meta(&mut buf, &child, &projects[p].hash, ct, "subagent");
                    for msg in &cm {
                        self.gem_jsonl(&mut buf, msg);
                        if let GemKind::Gemini = msg.kind {
                            let [input, output, cached, thoughts, tool] = msg.tokens;
                            self.stats[GEMINI].truth.add(
                                1,
                                input - cached + tool,
                                0,
                                cached,
                                output + thoughts,
                                thoughts,
                            );
                        }
                    }
                    let rel = format!("{chats}/{}/{}.jsonl", sid.as_str(), child.as_str());
                    self.write(GEMINI, &rel, &buf, true)?;
                    self.quirk(GEMINI, "subagent_files", 1);
                }
            }
        }
        // Beside the recordings: the slug registry, .project_root markers and logs.json (user
        // prompts only), none of which holds usage.
        let mut reg = Vec::new();
        reg.s("{\n  \"projects\": {");
        let mut first = true;
        for (i, gp) in projects.iter().enumerate() {
            if !used[i] {
                continue;
            }
            reg.s(if first { "\n    " } else { ",\n    " });
            first = false;
            reg.qs(&self.projects[i]);
            reg.s(": ");
            reg.qs(&gp.slug);
        }
        reg.s("\n  }\n}\n");
        self.write(GEMINI, ".gemini/projects.json", &reg, false)?;
        for (i, gp) in projects.iter_mut().enumerate() {
            if !used[i] {
                continue;
            }
            let cwd = self.projects[i].clone();
            self.write(
                GEMINI,
                &format!(".gemini/tmp/{}/.project_root", gp.slug),
                cwd.as_bytes(),
                false,
            )?;
            let mut logs = std::mem::take(&mut gp.logs);
            if logs.is_empty() {
                logs.s("[]");
            } else {
                logs.insert(0, b'[');
                logs.s("\n]");
            }
            self.write(
                GEMINI,
                &format!(".gemini/tmp/{}/logs.json", gp.slug),
                &logs,
                false,
            )?;
        }
        Ok(())
    }

    /// The messages of one session: user prompts, gemini responses (1–10 per prompt, with
    /// tool calls), a few info lines.
    fn gem_messages(
        &mut self,
        t0: i64,
        model: &'static str,
        n_turns: u64,
        project: &mut GemProject,
        sid: &Id,
    ) -> Vec<GemMsg> {
        let mut msgs = Vec::new();
        let mut t = t0 + self.rng.range(2_000, 20_000) as i64;
        let mut ctx = self.rng.range(6_000, 14_000);
        let mut prev_input = 0;
        let thinking = !model.contains("flash") || self.rng.chance(0.3);
        for turn in 0..n_turns {
            if turn > 0 {
                t += self.turn_gap();
            }
            if t >= self.end_ms {
                break;
            }
            let len = self.rng.log_uniform(60.0, 3_000.0);
            ctx += len / 4;
            msgs.push(GemMsg {
                id: uuid_v4(&mut self.rng),
                ts: t,
                kind: GemKind::User,
                model: "",
                tokens: [0; 5],
                text_len: len,
                thoughts: false,
                tool: None,
                null_first: false,
            });
            // logs.json: the prompt again (never read by Scopeon).
            if project.log_entries < 4_000 {
                let l = &mut project.logs;
                l.s(if project.log_entries == 0 {
                    "\n  {\n    \"sessionId\": "
                } else {
                    ",\n  {\n    \"sessionId\": "
                });
                l.quoted(sid.as_bytes());
                l.s(",\n    \"messageId\": ");
                l.num(project.log_entries);
                l.s(",\n    \"type\": \"user\",\n    \"message\": \"");
                let tx = self.filler.text(&mut self.rng, len.min(600) as usize);
                l.extend_from_slice(tx);
                l.s("\",\n    \"timestamp\": ");
                l.qts(t);
                l.s("\n  }");
                project.log_entries += 1;
            }
            if self.rng.chance(0.03) {
                msgs.push(GemMsg {
                    id: uuid_v4(&mut self.rng),
                    ts: t + 5,
                    kind: GemKind::Info,
                    model: "",
                    tokens: [0; 5],
                    text_len: self.rng.range(20, 200),
                    thoughts: false,
                    tool: None,
                    null_first: false,
                });
            }
            let steps = self.rng.range(1, 8);
            for step in 0..steps {
                t += self.rng.log_uniform(1_500.0, 30_000.0) as i64;
                let m = if self.rng.chance(0.1) {
                    self.rng.weighted(GEMINI_MODELS)
                } else {
                    model
                };
                let input = ctx;
                let cached = if prev_input > 0 && self.rng.chance(0.7) {
                    prev_input.min(input) * self.rng.range(50, 95) / 100
                } else {
                    0
                };
                let output = self.rng.log_uniform(10.0, 3_000.0);
                let thoughts = if thinking {
                    self.rng.log_uniform(30.0, 4_000.0)
                } else {
                    0
                };
                let tool = if self.rng.chance(0.05) {
                    self.rng.range(10, 400)
                } else {
                    0
                };
                prev_input = input;
                let last = step + 1 == steps;
                let tool_call = if last {
                    None
                } else {
                    Some((self.rng.pick(GEMINI_TOOLS), self.tool_output_len()))
                };
                ctx += output + tool_call.map_or(0, |(_, n)| n / 4);
                if ctx > 600_000 {
                    ctx = self.rng.range(20_000, 60_000);
                    prev_input = 0;
                }
                msgs.push(GemMsg {
                    id: uuid_v4(&mut self.rng),
                    ts: t,
                    kind: GemKind::Gemini,
                    model: m,
                    tokens: [input, output, cached, thoughts, tool],
                    text_len: self.rng.log_uniform(20.0, 3_000.0),
                    thoughts: thinking,
                    tool: tool_call,
                    null_first: self.rng.chance(0.6),
                });
            }
        }
        msgs
    }

    fn gem_meta(&mut self, b: &mut Vec<u8>, sid: &Id, hash: &Id, t0: i64, kind: &str) {
        b.s("{\"sessionId\":");
        b.quoted(sid.as_bytes());
        b.s(",\"projectHash\":");
        b.quoted(hash.as_bytes());
        b.s(",\"startTime\":");
        b.qts(t0);
        b.s(",\"lastUpdated\":");
        b.qts(t0);
        b.s(",\"kind\":");
        b.qs(kind);
        b.s("}\n");
    }

    /// One message record: `stage` 0 = tokens null, 1 = tokens (tool call executing),
    /// 2 = final (tool call with its result).
    fn gem_record(&mut self, b: &mut Vec<u8>, m: &GemMsg, stage: u8) {
        b.s("{\"id\":");
        b.quoted(m.id.as_bytes());
        b.s(",\"timestamp\":");
        b.qts(m.ts);
        match m.kind {
            GemKind::User => {
                b.s(",\"type\":\"user\",\"content\":[{\"text\":\"");
                self.fill(b, m.text_len);
                b.s("\"}]}");
                return;
            }
            GemKind::Info => {
                b.s(",\"type\":\"info\",\"content\":\"");
                self.fill(b, m.text_len);
                b.s("\"}");
                return;
            }
            GemKind::Gemini => {}
        }
        b.s(",\"type\":\"gemini\",\"content\":[{\"text\":\"");
        self.fill(b, m.text_len);
        b.s("\"}],\"thoughts\":[");
        if m.thoughts {
            b.s("{\"subject\":\"");
            let n = self.rng.range(2, 6);
            self.words(b, n);
            b.s("\",\"description\":\"");
            let len = self.rng.log_uniform(80.0, 2_000.0);
            self.fill(b, len);
            b.s("\",\"timestamp\":");
            b.qts(m.ts - 800);
            b.s("}");
        }
        b.s("]");
        if let Some((name, out_len)) = m.tool
            && stage > 0
        {
            b.s(",\"toolCalls\":[{\"id\":\"");
            b.s(name);
            b.s("-");
            b.num(m.ts as u64);
            b.s("-");
            let h = make_id(&mut self.rng, b"", 12, HEX);
            b.extend_from_slice(h.as_bytes());
            b.s("\",\"name\":");
            b.qs(name);
            b.s(",\"args\":{\"absolute_path\":\"");
            let cwd = self.projects[0].clone();
            file_path(self, b, &cwd);
            b.s("\"},\"status\":");
            if stage == 1 {
                b.s("\"executing\"");
            } else {
                b.s("\"success\",\"result\":[{\"functionResponse\":{\"id\":\"");
                b.s(name);
                b.s("\",\"name\":");
                b.qs(name);
                b.s(",\"response\":{\"output\":\"");
                self.fill(b, out_len);
                b.s("\"}}}],\"resultDisplay\":\"");
                let len = (out_len / 8).max(20);
                self.fill(b, len);
                b.s("\"");
            }
            b.s(",\"timestamp\":");
            b.qts(m.ts + 300);
            b.s("}]");
        }
        if stage == 0 {
            b.s(",\"tokens\":null");
        } else {
            let [input, output, cached, thoughts, tool] = m.tokens;
            b.s(",\"tokens\":{\"input\":");
            b.num(input);
            b.s(",\"output\":");
            b.num(output);
            b.s(",\"cached\":");
            b.num(cached);
            b.s(",\"thoughts\":");
            b.num(thoughts);
            b.s(",\"tool\":");
            b.num(tool);
            b.s(",\"total\":");
            b.num(input + output + thoughts + tool);
            b.s("}");
        }
        b.s(",\"model\":");
        b.qs(m.model);
        b.s("}");
    }

    /// A message as appended to a `.jsonl`: re-appended each time it changes.
    fn gem_jsonl(&mut self, b: &mut Vec<u8>, m: &GemMsg) {
        if let GemKind::Gemini = m.kind {
            if m.null_first {
                self.gem_record(b, m, 0);
                b.push(b'\n');
                b.s("{\"$set\":{\"lastUpdated\":");
                b.qts(m.ts + 2);
                b.s("}}\n");
                self.quirk(GEMINI, "null_token_copies", 1);
            }
            self.gem_record(b, m, 1);
            b.push(b'\n');
            if m.tool.is_some() {
                self.gem_record(b, m, 2);
                b.push(b'\n');
                self.quirk(GEMINI, "reappended_copies", 1);
            }
        } else {
            self.gem_record(b, m, 2);
            b.push(b'\n');
        }
        b.s("{\"$set\":{\"lastUpdated\":");
        b.qts(m.ts + 5);
        b.s("}}\n");
    }

    /// A legacy `.json` recording (one document, messages in their final state).
    fn gem_document(&mut self, b: &mut Vec<u8>, sid: &Id, hash: &Id, msgs: &[GemMsg]) {
        b.s("{\n  \"sessionId\": ");
        b.quoted(sid.as_bytes());
        b.s(",\n  \"projectHash\": ");
        b.quoted(hash.as_bytes());
        b.s(",\n  \"startTime\": ");
        b.qts(msgs.first().map_or(self.start_ms, |m| m.ts - 5_000));
        b.s(",\n  \"lastUpdated\": ");
        b.qts(msgs.last().map_or(self.start_ms, |m| m.ts + 1_000));
        b.s(",\n  \"messages\": [");
        for (i, m) in msgs.iter().enumerate() {
            b.s(if i == 0 { "\n    " } else { ",\n    " });
            self.gem_record(b, m, 2);
        }
        b.s("\n  ]\n}");
    }
}

// -------------------------------------------------- Copilot CLI (docs/providers/copilot_cli.md)

/// (model, weight, Anthropic cache semantics, reasoning model)
const COPILOT_MODELS: &[(&str, u32, bool, bool)] = &[
    ("claude-sonnet-4.5", 35, true, false),
    ("claude-opus-4.5", 10, true, false),
    ("claude-haiku-4.5", 10, true, false),
    ("gpt-5.1", 15, false, true),
    ("gpt-5-mini", 15, false, true),
    ("gpt-4.1", 15, false, false),
];
const COPILOT_TOOLS: &[&str] = &["bash", "view", "edit", "create", "grep", "glob"];

/// Per-model usage of one segment, as `session.shutdown` reports it.
#[derive(Clone, Copy, Default)]
struct CpUsage {
    input: u64,
    output: u64,
    cache_read: u64,
    cache_write: u64,
    reasoning: u64,
    count: u64,
}

struct CpSession {
    sid: Id,
    prev: Option<Id>,
    t: i64,
}

impl Gen {
    fn copilot(&mut self, target: u64) -> io::Result<()> {
        let mut buf = Vec::with_capacity(4 << 20);
        while self.written(COPILOT) < target {
            let t0 = self.session_start();
            let project = self.project();
            let cwd = self.projects[project].clone();
            // Builds before per-message outputTokens: usage only in session.shutdown.
            let old = self.rng.chance(0.15);
            let mut s = CpSession {
                sid: uuid_v4(&mut self.rng),
                prev: None,
                t: t0,
            };
            buf.clear();
            let segments = self.rng.weighted(&[(1u64, 70), (2, 22), (3, 8)]);
            let mut model = self.rng.weighted(
                &COPILOT_MODELS
                    .iter()
                    .map(|m| (m.0, m.1))
                    .collect::<Vec<_>>(),
            );
            for seg in 0..segments {
                if seg > 0 {
                    s.t += self.rng.range(HOUR as u64, 30 * HOUR as u64) as i64;
                    if s.t >= self.end_ms {
                        break;
                    }
                    self.cp_event(&mut buf, &mut s, "session.resume");
                    buf.s("{\"resumeTime\":");
                    buf.qts(s.t);
                    buf.s(",\"eventCount\":");
                    let n = self.rng.range(20, 900);
                    buf.num(n);
                    buf.s("}}\n");
                    self.quirk(COPILOT, "resumed_segments", 1);
                } else {
                    self.cp_event(&mut buf, &mut s, "session.start");
                    buf.s("{\"sessionId\":");
                    buf.quoted(s.sid.as_bytes());
                    buf.s(",\"version\":1,\"producer\":\"copilot-agent\",\"copilotVersion\":");
                    buf.qs(if old { "0.0.339" } else { "1.0.40" });
                    buf.s(",\"startTime\":");
                    buf.qts(s.t);
                    buf.s(",\"context\":{\"cwd\":");
                    buf.qs(&cwd);
                    buf.s(",\"gitRoot\":");
                    buf.qs(&cwd);
                    buf.s(",\"branch\":");
                    let br = self.rng.weighted(BRANCHES);
                    buf.qs(br);
                    buf.s("}}}\n");
                }
                self.cp_model_change(&mut buf, &mut s, model);
                let killed = seg + 1 == segments && self.rng.chance(0.08);
                let mut usage: BTreeMap<&'static str, CpUsage> = BTreeMap::new();
                let mut messages = 0u64;
                let turns = self.rng.log_uniform(1.0, 25.0);
                let mut ctx = self.rng.range(10_000, 25_000);
                let mut prev_input = 0;
                for turn in 0..turns {
                    if turn > 0 {
                        s.t += self.turn_gap();
                    }
                    if s.t >= self.end_ms {
                        break;
                    }
                    if self.rng.chance(0.06) {
                        let m = self.rng.pick(COPILOT_MODELS);
                        model = m.0;
                        self.cp_model_change(&mut buf, &mut s, model);
                        prev_input = 0;
                    }
                    let (anthropic, reasoning_model) = COPILOT_MODELS
                        .iter()
                        .find(|m| m.0 == model)
                        .map_or((false, false), |m| (m.2, m.3));
                    let interaction = uuid_v4(&mut self.rng);
                    self.cp_event(&mut buf, &mut s, "user.message");
                    let len = self.rng.log_uniform(60.0, 2_500.0);
                    buf.s("{\"content\":\"");
                    self.fill(&mut buf, len);
                    buf.s("\",\"transformedContent\":\"");
                    let extra = self.rng.range(200, 1_500);
                    self.fill(&mut buf, len + extra);
                    buf.s("\",\"attachments\":[],\"interactionId\":");
                    buf.quoted(interaction.as_bytes());
                    buf.s("}}\n");
                    ctx += len / 4;
                    self.cp_event(&mut buf, &mut s, "assistant.turn_start");
                    buf.s("{\"turnId\":\"");
                    buf.num(turn);
                    buf.s("\",\"interactionId\":");
                    buf.quoted(interaction.as_bytes());
                    buf.s("}}\n");
                    let calls = self.rng.range(1, 12);
                    for call in 0..calls {
                        let last = call + 1 == calls;
                        s.t += self.rng.log_uniform(1_500.0, 30_000.0) as i64;
                        let output = self.rng.log_uniform(15.0, 3_000.0);
                        let reasoning = if reasoning_model {
                            output * self.rng.below(70) / 100
                        } else {
                            0
                        };
                        let input = ctx;
                        let cache_read = if prev_input > 0 && self.rng.chance(0.88) {
                            prev_input.min(input)
                        } else {
                            0
                        };
                        let cache_write = if anthropic {
                            (input - cache_read) * self.rng.range(70, 100) / 100
                        } else {
                            0
                        };
                        prev_input = input;
                        let u = usage.entry(model).or_default();
                        u.input += input;
                        u.output += output;
                        u.cache_read += cache_read;
                        u.cache_write += cache_write;
                        u.reasoning += reasoning;
                        u.count += 1;
                        let message_id = uuid_v4(&mut self.rng);
                        self.cp_event(&mut buf, &mut s, "assistant.message");
                        buf.s("{\"messageId\":");
                        buf.quoted(message_id.as_bytes());
                        buf.s(",\"content\":\"");
                        if last || self.rng.chance(0.4) {
                            let len = self.rng.log_uniform(40.0, 3_000.0);
                            self.fill(&mut buf, len);
                        }
                        buf.s("\",\"toolRequests\":[");
                        let tool_call = make_id(&mut self.rng, b"toolu_", 24, BASE62);
                        let tool = self.rng.pick(COPILOT_TOOLS);
                        if !last {
                            buf.s("{\"toolCallId\":");
                            buf.quoted(tool_call.as_bytes());
                            buf.s(",\"name\":");
                            buf.qs(tool);
                            buf.s(",\"arguments\":{\"command\":\"");
                            let len = self.rng.log_uniform(15.0, 400.0);
                            self.fill(&mut buf, len);
                            buf.s("\",\"description\":\"");
                            let n = self.rng.range(3, 10);
                            self.words(&mut buf, n);
                            buf.s("\"},\"type\":\"function\"}");
                        }
                        buf.s("]");
                        if reasoning > 0 {
                            buf.s(",\"reasoningText\":\"");
                            self.fill(&mut buf, reasoning * 3);
                            buf.s("\",\"reasoningOpaque\":\"");
                            let len = self.rng.range(200, 2_000);
                            self.sig(&mut buf, len);
                            buf.s("\"");
                        }
                        buf.s(",\"interactionId\":");
                        buf.quoted(interaction.as_bytes());
                        if !old {
                            buf.s(",\"outputTokens\":");
                            buf.num(output);
                            // Each message with outputTokens is one request (output only).
                            self.stats[COPILOT].truth.add(1, 0, 0, 0, output, 0);
                            messages += 1;
                        }
                        buf.s("}}\n");
                        if !last {
                            self.cp_event(&mut buf, &mut s, "tool.execution_start");
                            buf.s("{\"toolCallId\":");
                            buf.quoted(tool_call.as_bytes());
                            buf.s(",\"toolName\":");
                            buf.qs(tool);
                            buf.s(",\"arguments\":{\"path\":\"");
                            file_path(self, &mut buf, &cwd);
                            buf.s("\"}}}\n");
                            s.t += self.rng.range(100, 15_000) as i64;
                            let len = self.tool_output_len();
                            self.cp_event(&mut buf, &mut s, "tool.execution_complete");
                            buf.s("{\"toolCallId\":");
                            buf.quoted(tool_call.as_bytes());
                            buf.s(",\"success\":true,\"result\":{\"content\":\"");
                            self.fill(&mut buf, len);
                            buf.s("\",\"detailedContent\":\"");
                            self.fill(&mut buf, len / 3);
                            buf.s("\"},\"toolTelemetry\":{}}}\n");
                            ctx += len / 4;
                        }
                        ctx += output;
                        if ctx > 160_000 {
                            self.cp_event(&mut buf, &mut s, "session.truncation");
                            buf.s("{\"tokenLimit\":168000,\"preTruncationTokensInMessages\":");
                            buf.num(ctx);
                            buf.s(",\"preTruncationMessagesLength\":");
                            let n = self.rng.range(40, 400);
                            buf.num(n);
                            buf.s("}}\n");
                            ctx = self.rng.range(30_000, 60_000);
                            prev_input = 0;
                        }
                    }
                    self.cp_event(&mut buf, &mut s, "assistant.turn_end");
                    buf.s("{\"turnId\":\"");
                    buf.num(turn);
                    buf.s("\"}}\n");
                }
                if killed || usage.is_empty() {
                    // Killed: no shutdown, the segment's input and cache usage is lost.
                    self.quirk(COPILOT, "segments_without_shutdown", 1);
                    continue;
                }
                s.t += self.rng.range(2_000, 120_000) as i64;
                self.cp_event(&mut buf, &mut s, "session.shutdown");
                buf.s("{\"shutdownType\":\"routine\",\"totalPremiumRequests\":");
                let premium: u64 = usage.values().map(|u| u.count).sum();
                buf.num(premium);
                buf.s(",\"totalApiDurationMs\":");
                let n = self.rng.range(10_000, 900_000);
                buf.num(n);
                buf.s(",\"sessionStartTime\":");
                buf.num(t0 as u64);
                buf.s(",\"codeChanges\":{\"linesAdded\":");
                let n = self.rng.below(400);
                buf.num(n);
                buf.s(",\"linesRemoved\":");
                let n = self.rng.below(200);
                buf.num(n);
                buf.s(",\"filesModified\":[\"");
                file_path(self, &mut buf, &cwd);
                buf.s("\"]},\"modelMetrics\":{");
                for (i, (m, u)) in usage.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    buf.qs(m);
                    buf.s(":{\"requests\":{\"count\":");
                    buf.num(u.count);
                    buf.s(",\"cost\":");
                    buf.num(u.count);
                    buf.s("},\"usage\":{\"inputTokens\":");
                    buf.num(u.input);
                    buf.s(",\"outputTokens\":");
                    buf.num(u.output);
                    buf.s(",\"cacheReadTokens\":");
                    buf.num(u.cache_read);
                    buf.s(",\"cacheWriteTokens\":");
                    buf.num(u.cache_write);
                    buf.s(",\"reasoningTokens\":");
                    buf.num(u.reasoning);
                    buf.s("}}");
                    // One aggregate record per model: output 0 and requests 0 when the
                    // segment's messages carried the output already.
                    let fresh = u.input - u.cache_read - u.cache_write;
                    let (req, out) = if messages > 0 { (0, 0) } else { (1, u.output) };
                    self.stats[COPILOT].truth.add(
                        req,
                        fresh,
                        u.cache_write,
                        u.cache_read,
                        out,
                        u.reasoning,
                    );
                }
                buf.s("},\"currentModel\":");
                buf.qs(model);
                buf.s("}}\n");
                self.quirk(COPILOT, "shutdowns", 1);
                if usage.len() > 1 {
                    self.quirk(COPILOT, "multi_model_shutdowns", 1);
                }
            }
            let sid = s.sid.as_str().to_owned();
            if old && self.rng.chance(0.6) {
                // The earlier flat layout.
                let rel = format!(".copilot/session-state/{sid}.jsonl");
                self.write(COPILOT, &rel, &buf, true)?;
                self.quirk(COPILOT, "flat_layout_files", 1);
            } else {
                let rel = format!(".copilot/session-state/{sid}/events.jsonl");
                self.write(COPILOT, &rel, &buf, true)?;
                let mut ws = Vec::new();
                ws.s("id: ");
                ws.s(&sid);
                ws.s("\ncwd: ");
                ws.s(&cwd);
                ws.s("\ngit_root: ");
                ws.s(&cwd);
                ws.s("\nbranch: main\nsummary: ");
                let n = self.rng.range(3, 12);
                self.words(&mut ws, n);
                ws.s("\ncreated_at: ");
                ws.ts(t0);
                ws.s("\nupdated_at: ");
                ws.ts(s.t);
                ws.s("\n");
                self.write(
                    COPILOT,
                    &format!(".copilot/session-state/{sid}/workspace.yaml"),
                    &ws,
                    false,
                )?;
            }
        }
        Ok(())
    }

    /// `{"type":KIND,"id":…,"timestamp":…,"parentId":…,"data":` (the caller writes the data
    /// object and `}\n`).
    fn cp_event(&mut self, b: &mut Vec<u8>, s: &mut CpSession, kind: &str) {
        let id = uuid_v4(&mut self.rng);
        s.t += self.rng.range(1, 200) as i64;
        b.s("{\"type\":");
        b.qs(kind);
        b.s(",\"id\":");
        b.quoted(id.as_bytes());
        b.s(",\"timestamp\":");
        b.qts(s.t);
        b.s(",\"parentId\":");
        match &s.prev {
            Some(p) => b.quoted(p.as_bytes()),
            None => b.s("null"),
        }
        b.s(",\"data\":");
        s.prev = Some(id);
    }

    fn cp_model_change(&mut self, b: &mut Vec<u8>, s: &mut CpSession, model: &str) {
        self.cp_event(b, s, "session.model_change");
        b.s("{\"newModel\":");
        b.qs(model);
        b.s("}}\n");
    }
}

// ---------------------------------------------------------------- Aider (docs/providers/aider.md)

/// (main model, weak model, $ per 1M input, $ per 1M output)
const AIDER_MODELS: &[(&str, &str, f64, f64, u32)] = &[
    (
        "anthropic/claude-sonnet-4-5",
        "anthropic/claude-haiku-4-5",
        3.0,
        15.0,
        35,
    ),
    ("gpt-4.1", "gpt-4.1-mini", 2.0, 8.0, 20),
    (
        "deepseek/deepseek-chat",
        "deepseek/deepseek-chat",
        0.27,
        1.1,
        15,
    ),
    (
        "gemini/gemini-2.5-pro",
        "gemini/gemini-2.5-flash",
        1.25,
        10.0,
        15,
    ),
    ("openrouter/REDACTED", "None", 0.0, 0.0, 15),
];
const AIDER_FORMATS: &[&str] = &["diff", "whole", "udiff", "architect", "ask"];
const AIDER_COMMANDS: &[&str] = &[
    "command_add",
    "command_run",
    "command_drop",
    "command_undo",
    "command_diff",
    "command_test",
];

impl Gen {
    fn aider(&mut self, target: u64) -> io::Result<()> {
        // Two logs: the conventional ~/.aider/analytics.jsonl and one named by
        // `analytics-log:` in ~/.aider.conf.yml. Sessions are written in time order.
        let mut logs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
        // Hashes of every message_send line written (Scopeon's key for them, across files).
        let mut seen: HashSet<u64> = HashSet::new();
        let user = uuid_v4(&mut self.rng);
        let mut t = self.start_ms / 1000 + self.rng.range(3_600, 20_000) as i64;
        let end_s = self.end_ms / 1000;
        // Sessions are packed so the log spans the whole range at the target size.
        let avg_session_bytes = 9_000.0;
        let sessions_wanted = (target as f64 / avg_session_bytes).max(1.0);
        let mean_gap = ((end_s - t) as f64 / sessions_wanted).max(60.0);
        let mut copied: Option<(usize, usize)> = None;
        let overhead = 120u64;
        while (logs[0].len() + logs[1].len()) as u64 + overhead < target {
            let f = usize::from(self.rng.chance(0.3));
            let session_start = logs[f].len();
            let (main, weak, pin, pout) = {
                let m = self.rng.weighted(
                    &AIDER_MODELS
                        .iter()
                        .enumerate()
                        .map(|(i, m)| (i, m.4))
                        .collect::<Vec<_>>(),
                );
                let m = AIDER_MODELS[m];
                (m.0, m.1, m.2, m.3)
            };
            let fmt = self.rng.pick(AIDER_FORMATS);
            let b = &mut logs[f];
            aider_event(b, "launched", t, &user, |_| {});
            t += 1;
            aider_event(b, "cli session", t, &user, |b| {
                b.s("\"main_model\":");
                b.qs(main);
                b.s(",\"weak_model\":");
                b.qs(weak);
                b.s(",\"editor_model\":");
                b.qs(main);
                b.s(",\"edit_format\":");
                b.qs(fmt);
            });
            let files = self.rng.range(5, 3_000);
            aider_event(&mut logs[f], "repo", t, &user, |b| {
                b.s("\"num_files\":");
                b.num(files);
            });
            let replies = self.rng.log_uniform(1.0, 60.0);
            let mut total_cost = 0.0f64;
            // The chat so far, plus the repo map and added files; /clear and /drop shrink it.
            let mut ctx = self.rng.range(2_000, 12_000);
            for _ in 0..replies {
                t += self.rng.log_uniform(10.0, 600.0) as i64;
                if t >= end_s {
                    break;
                }
                if self.rng.chance(0.25) {
                    let c = self.rng.pick(AIDER_COMMANDS);
                    aider_event(&mut logs[f], c, t, &user, |_| {});
                    t += self.rng.range(1, 30) as i64;
                }
                aider_event(&mut logs[f], "message_send_starting", t, &user, |_| {});
                t += self.rng.range(2, 90) as i64;
                let mut prompt = ctx + self.rng.range(50, 3_000);
                let completion = self.rng.log_uniform(10.0, 4_000.0);
                ctx = if self.rng.chance(0.1) {
                    self.rng.range(2_000, 12_000)
                } else {
                    (prompt + completion).min(60_000)
                };
                let nan = self.rng.chance(0.002);
                // The line's bytes are its key: a byte-identical reply would count once, so
                // none is written twice (the prompt count moves until the hash is new).
                let line = loop {
                    let cost = (prompt as f64 * pin + completion as f64 * pout) / 1e6;
                    let mut line = Vec::with_capacity(512);
                    aider_event(&mut line, "message_send", t, &user, |b| {
                        b.s("\"main_model\":");
                        b.qs(main);
                        b.s(",\"weak_model\":");
                        b.qs(weak);
                        b.s(",\"editor_model\":");
                        b.qs(main);
                        b.s(",\"edit_format\":");
                        b.qs(fmt);
                        b.s(",\"prompt_tokens\":");
                        b.num(prompt);
                        b.s(",\"completion_tokens\":");
                        b.num(completion);
                        b.s(",\"total_tokens\":");
                        b.num(prompt + completion);
                        if nan {
                            b.s(",\"cost\":NaN,\"total_cost\":NaN");
                        } else {
                            b.s(",\"cost\":");
                            b.float(cost, 6);
                            b.s(",\"total_cost\":");
                            b.float(total_cost + cost, 6);
                        }
                    });
                    if seen.insert(fnv1a64(&line[..line.len() - 1])) {
                        if !nan {
                            total_cost += cost;
                        }
                        break line;
                    }
                    prompt += 1;
                };
                logs[f].extend_from_slice(&line);
                self.stats[AIDER].truth.add(1, prompt, 0, 0, completion, 0);
                if nan {
                    self.quirk(AIDER, "nan_cost_lines", 1);
                }
                if self.rng.chance(0.01) {
                    aider_event(&mut logs[f], "model warning", t, &user, |b| {
                        b.s("\"main_model\":");
                        b.qs(main);
                    });
                }
            }
            if self.rng.chance(0.9) {
                t += self.rng.range(5, 300) as i64;
                let reason = self.rng.pick(&["Control-C", "/exit", "EOF"]);
                aider_event(&mut logs[f], "exit", t, &user, |b| {
                    b.s("\"reason\":");
                    b.qs(reason);
                });
            } else {
                self.quirk(AIDER, "sessions_without_exit", 1);
            }
            if f == 0 && copied.is_none() && logs[0].len() > 20_000 {
                copied = Some((session_start, logs[0].len()));
            }
            self.quirk(AIDER, "sessions", 1);
            t += (mean_gap * (0.2 + 1.6 * self.rng.unit())) as i64;
            if t >= end_s {
                t = self.start_ms / 1000 + self.rng.range(3_600, 20_000) as i64;
                self.quirk(AIDER, "time_wraps", 1);
            }
        }
        // The second log starts with a copy of one session of the first (a user copied it
        // over): the same lines, the same keys, counted once.
        if let Some((a, z)) = copied {
            let block = logs[0][a..z].to_vec();
            let lines = memchr_count(&block);
            let mut merged = block;
            merged.extend_from_slice(&logs[1]);
            logs[1] = merged;
            self.quirk(AIDER, "copied_lines", lines);
        }
        self.write(AIDER, ".aider/analytics.jsonl", &logs[0], true)?;
        self.write(AIDER, "work/aider/analytics.jsonl", &logs[1], true)?;
        let mut conf = Vec::new();
        conf.s("# aider configuration\nauto-commits: false\nanalytics-log: ~/work/aider/analytics.jsonl\n");
        self.write(AIDER, ".aider.conf.yml", &conf, false)?;
        let mut meta = Vec::new();
        meta.s("{\"uuid\": ");
        meta.quoted(user.as_bytes());
        meta.s(", \"permanently_disable\": false, \"asked_opt_in\": true}");
        self.write(AIDER, ".aider/analytics.json", &meta, false)
    }
}

/// One analytics event line: `{"event":…,"properties":{…},"user_id":…,"time":…}`.
fn aider_event(b: &mut Vec<u8>, event: &str, t: i64, user: &Id, props: impl FnOnce(&mut Vec<u8>)) {
    b.s("{\"event\":");
    b.qs(event);
    b.s(",\"properties\":{");
    props(b);
    b.s("},\"user_id\":");
    b.quoted(user.as_bytes());
    b.s(",\"time\":");
    b.num(t as u64);
    b.s("}\n");
}

// -------------------------------------------------------- OpenCode (docs/providers/opencode.md)

/// (model, provider, reasoning model)
const OPENCODE_MODELS: &[(&str, &str, bool, u32)] = &[
    ("claude-sonnet-4-5", "anthropic", false, 40),
    ("claude-opus-4-5", "anthropic", false, 10),
    ("gpt-5", "openai", true, 20),
    ("gpt-5-codex", "openai", true, 10),
    ("gemini-2.5-pro", "google", true, 10),
    ("qwen3-coder", "openrouter", false, 10),
];

impl Gen {
    fn opencode(&mut self, target: u64) -> io::Result<()> {
        const ROOT: &str = ".local/share/opencode/storage";
        let mut counter = 0u64;
        let mut project_ids: Vec<Option<Id>> = vec![None; self.projects.len()];
        let mut b = Vec::with_capacity(64 << 10);
        while self.written(OPENCODE) < target {
            let t0 = self.session_start();
            let p = self.project();
            let cwd = self.projects[p].clone();
            let project_id = match project_ids[p] {
                Some(id) => id,
                None => {
                    let id = make_id(&mut self.rng, b"", 40, HEX);
                    project_ids[p] = Some(id);
                    b.clear();
                    b.s("{\n  \"id\": ");
                    b.quoted(id.as_bytes());
                    b.s(",\n  \"worktree\": ");
                    b.qs(&cwd);
                    b.s(",\n  \"vcs\": \"git\",\n  \"time\": {\n    \"created\": ");
                    b.num(self.start_ms as u64);
                    b.s("\n  }\n}");
                    self.write(
                        OPENCODE,
                        &format!("{ROOT}/project/{}.json", id.as_str()),
                        &b,
                        false,
                    )?;
                    id
                }
            };
            counter += 1;
            let ses = opencode_id(&mut self.rng, b"ses_", t0, counter);
            let (model, provider, reasoning_model, _) = self.rng.pick(OPENCODE_MODELS);
            // Older builds kept the system prompt in every assistant message.
            let with_system = self.rng.chance(0.2);
            let mut t = t0;
            let mut ctx = self.rng.range(8_000, 20_000);
            let turns = self.rng.log_uniform(1.0, 40.0);
            let mut last_t = t0;
            for turn in 0..turns {
                if turn > 0 {
                    t += self.turn_gap();
                }
                if t >= self.end_ms {
                    break;
                }
                counter += 1;
                let user_msg = opencode_id(&mut self.rng, b"msg_", t, counter);
                b.clear();
                b.s("{\n  \"id\": ");
                b.quoted(user_msg.as_bytes());
                b.s(",\n  \"sessionID\": ");
                b.quoted(ses.as_bytes());
                b.s(",\n  \"role\": \"user\",\n  \"time\": {\n    \"created\": ");
                b.num(t as u64);
                b.s("\n  },\n  \"agent\": \"build\",\n  \"model\": {\n    \"providerID\": ");
                b.qs(provider);
                b.s(",\n    \"modelID\": ");
                b.qs(model);
                b.s("\n  }\n}");
                self.write(
                    OPENCODE,
                    &format!("{ROOT}/message/{}/{}.json", ses.as_str(), user_msg.as_str()),
                    &b,
                    true,
                )?;
                let len = self.rng.log_uniform(60.0, 3_000.0);
                ctx += len / 4;
                self.oc_part(&mut b, &ses, &user_msg, t, "text", len)?;
                let steps = self.rng.range(1, 10);
                let mut prev_input = 0u64;
                for step in 0..steps {
                    let last = step + 1 == steps;
                    counter += 1;
                    let created = t + self.rng.range(200, 2_000) as i64;
                    t = created + self.rng.log_uniform(1_500.0, 30_000.0) as i64;
                    let msg = opencode_id(&mut self.rng, b"msg_", created, counter);
                    let output = self.rng.log_uniform(10.0, 3_000.0);
                    let reasoning = if reasoning_model {
                        self.rng.log_uniform(20.0, 2_000.0)
                    } else {
                        0
                    };
                    let (input, cache_read, cache_write) = if prev_input > 0 {
                        let read = prev_input;
                        let fresh = ctx.saturating_sub(read);
                        let write = if provider == "anthropic" {
                            fresh * self.rng.range(80, 100) / 100
                        } else {
                            0
                        };
                        (fresh - write, read, write)
                    } else if provider == "anthropic" {
                        (self.rng.range(1, 20), 0, ctx)
                    } else {
                        (ctx, 0, 0)
                    };
                    prev_input = ctx;
                    // The last message of some sessions never completed (aborted or still
                    // streaming): it does not count.
                    let completed = !(turn + 1 == turns && last && self.rng.chance(0.05));
                    let cost = if provider == "openrouter" || self.rng.chance(0.1) {
                        0.0
                    } else {
                        (input as f64 * 3.0
                            + cache_write as f64 * 3.75
                            + cache_read as f64 * 0.3
                            + (output + reasoning) as f64 * 15.0)
                            / 1e6
                    };
                    b.clear();
                    b.s("{\n  \"id\": ");
                    b.quoted(msg.as_bytes());
                    b.s(",\n  \"sessionID\": ");
                    b.quoted(ses.as_bytes());
                    b.s(",\n  \"role\": \"assistant\",\n  \"parentID\": ");
                    b.quoted(user_msg.as_bytes());
                    b.s(",\n  \"modelID\": ");
                    b.qs(model);
                    b.s(",\n  \"providerID\": ");
                    b.qs(provider);
                    b.s(",\n  \"mode\": \"build\",\n  \"path\": {\n    \"cwd\": ");
                    b.qs(&cwd);
                    b.s(",\n    \"root\": ");
                    b.qs(&cwd);
                    b.s("\n  },\n");
                    if with_system {
                        b.s("  \"system\": [\n    \"");
                        let len = self.rng.range(2_000, 7_000);
                        self.fill(&mut b, len);
                        b.s("\"\n  ],\n");
                    }
                    b.s("  \"time\": {\n    \"created\": ");
                    b.num(created as u64);
                    if completed {
                        b.s(",\n    \"completed\": ");
                        b.num(t as u64);
                    }
                    b.s("\n  },\n  \"cost\": ");
                    if cost == 0.0 {
                        b.s("0");
                    } else {
                        b.float(cost, 8);
                    }
                    b.s(",\n  \"tokens\": {\n    \"input\": ");
                    b.num(input);
                    b.s(",\n    \"output\": ");
                    b.num(output);
                    b.s(",\n    \"reasoning\": ");
                    b.num(reasoning);
                    b.s(",\n    \"cache\": {\n      \"read\": ");
                    b.num(cache_read);
                    b.s(",\n      \"write\": ");
                    b.num(cache_write);
                    b.s("\n    }\n  }\n}");
                    self.write(
                        OPENCODE,
                        &format!("{ROOT}/message/{}/{}.json", ses.as_str(), msg.as_str()),
                        &b,
                        true,
                    )?;
                    if completed {
                        self.stats[OPENCODE].truth.add(
                            1,
                            input,
                            cache_write,
                            cache_read,
                            output + reasoning,
                            reasoning,
                        );
                    } else {
                        self.quirk(OPENCODE, "incomplete_messages", 1);
                    }
                    if cost == 0.0 {
                        self.quirk(OPENCODE, "zero_cost_messages", 1);
                    }
                    // Parts: text the provider must not read, and step-finish parts that
                    // repeat the message's tokens (counting them would count twice).
                    self.oc_part(&mut b, &ses, &msg, created, "step-start", 0)?;
                    if reasoning > 0 {
                        self.oc_part(&mut b, &ses, &msg, created, "reasoning", reasoning * 3)?;
                    }
                    if last || self.rng.chance(0.4) {
                        let len = self.rng.log_uniform(40.0, 3_000.0);
                        self.oc_part(&mut b, &ses, &msg, created, "text", len)?;
                    }
                    if !last {
                        let len = self.tool_output_len();
                        self.oc_part(&mut b, &ses, &msg, created, "tool", len)?;
                        ctx += len / 4;
                    }
                    if completed {
                        counter += 1;
                        let prt = opencode_id(&mut self.rng, b"prt_", t, counter);
                        b.clear();
                        b.s("{\n  \"id\": ");
                        b.quoted(prt.as_bytes());
                        b.s(",\n  \"sessionID\": ");
                        b.quoted(ses.as_bytes());
                        b.s(",\n  \"messageID\": ");
                        b.quoted(msg.as_bytes());
                        b.s(",\n  \"type\": \"step-finish\",\n  \"reason\": \"stop\",\n  \"cost\": 0,\n  \"tokens\": {\n    \"input\": ");
                        b.num(input);
                        b.s(",\n    \"output\": ");
                        b.num(output);
                        b.s(",\n    \"reasoning\": ");
                        b.num(reasoning);
                        b.s(",\n    \"cache\": {\n      \"read\": ");
                        b.num(cache_read);
                        b.s(",\n      \"write\": ");
                        b.num(cache_write);
                        b.s("\n    }\n  }\n}");
                        self.write(
                            OPENCODE,
                            &format!("{ROOT}/part/{}/{}.json", msg.as_str(), prt.as_str()),
                            &b,
                            false,
                        )?;
                    }
                    ctx += output;
                    if ctx > 180_000 {
                        ctx = self.rng.range(20_000, 50_000);
                        prev_input = 0;
                    }
                }
                last_t = t;
            }
            b.clear();
            b.s("{\n  \"id\": ");
            b.quoted(ses.as_bytes());
            b.s(",\n  \"version\": \"0.15.8\",\n  \"projectID\": ");
            b.quoted(project_id.as_bytes());
            b.s(",\n  \"directory\": ");
            b.qs(&cwd);
            b.s(",\n  \"title\": \"");
            let n = self.rng.range(3, 10);
            self.words(&mut b, n);
            b.s("\",\n  \"time\": {\n    \"created\": ");
            b.num(t0 as u64);
            b.s(",\n    \"updated\": ");
            b.num(last_t as u64);
            b.s("\n  }\n}");
            self.write(
                OPENCODE,
                &format!(
                    "{ROOT}/session/{}/{}.json",
                    project_id.as_str(),
                    ses.as_str()
                ),
                &b,
                false,
            )?;
        }
        Ok(())
    }

    /// A content part (`storage/part/<msg>/<prt>.json`): text Scopeon must never read.
    fn oc_part(
        &mut self,
        b: &mut Vec<u8>,
        ses: &Id,
        msg: &Id,
        t: i64,
        kind: &str,
        len: u64,
    ) -> io::Result<()> {
        let counter = self.rng.below(4096);
        let prt = opencode_id(&mut self.rng, b"prt_", t, counter);
        b.clear();
        b.s("{\n  \"id\": ");
        b.quoted(prt.as_bytes());
        b.s(",\n  \"sessionID\": ");
        b.quoted(ses.as_bytes());
        b.s(",\n  \"messageID\": ");
        b.quoted(msg.as_bytes());
        b.s(",\n  \"type\": ");
        b.qs(kind);
        match kind {
            "text" | "reasoning" => {
                b.s(",\n  \"text\": \"");
                self.fill(b, len);
                b.s("\",\n  \"time\": {\n    \"start\": ");
                b.num(t as u64);
                b.s("\n  }");
            }
            "tool" => {
                b.s(",\n  \"callID\": \"");
                let id = make_id(&mut self.rng, b"toolu_", 24, BASE62);
                b.extend_from_slice(id.as_bytes());
                b.s("\",\n  \"tool\": \"bash\",\n  \"state\": {\n    \"status\": \"completed\",\n    \"input\": {\n      \"command\": \"");
                let n = self.rng.range(2, 12);
                self.words(b, n);
                b.s("\"\n    },\n    \"output\": \"");
                self.fill(b, len);
                b.s("\",\n    \"title\": \"");
                let n = self.rng.range(2, 6);
                self.words(b, n);
                b.s("\"\n  }");
            }
            _ => {}
        }
        b.s("\n}");
        let rel = format!(
            ".local/share/opencode/storage/part/{}/{}.json",
            msg.as_str(),
            prt.as_str()
        );
        self.write(OPENCODE, &rel, b, false)
    }
}

// ------------------------------------------ generic OpenAI (docs/providers/generic_openai.md)

/// (model, reasoning model, weight)
const OPENAI_MODELS: &[(&str, bool, u32)] = &[
    ("gpt-4.1-2025-04-14", false, 25),
    ("gpt-4o-mini-2024-07-18", false, 15),
    ("o4-mini-2025-04-16", true, 15),
    ("gpt-5-2025-08-07", true, 20),
    ("gpt-5-mini-2025-08-07", true, 15),
    ("deepseek-chat", false, 10),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Chat,
    ChatStream,
    Responses,
    ResponsesStream,
    Wrapped,
    DeepSeek,
    /// vLLM's continuous usage: every chunk carries the usage so far; the last one is final.
    ContinuousStream,
}

impl Gen {
    fn generic(&mut self, target: u64) -> io::Result<()> {
        let per_day = (target / self.days as u64).max(1);
        let mut b = Vec::with_capacity(per_day as usize + (1 << 20));
        // One proxy log per day; every day gets its share, so the loop ends by the last day.
        for day in 0..self.days {
            if self.written(GENERIC) >= target {
                break;
            }
            let day_start = self.start_ms + day * MS_PER_DAY;
            let budget = per_day.min(target - self.written(GENERIC)).max(1);
            b.clear();
            let mut t = day_start + 6 * HOUR;
            let mut sessions = 0u64;
            // About 6 KB per request; spread the day's requests over 16 hours.
            let mean_gap = (16 * HOUR) as f64 / (budget as f64 / 6_000.0).max(1.0);
            while (b.len() as u64) < budget {
                t += (mean_gap * 2.0 * self.rng.unit()) as i64 + 1;
                if t >= day_start + 23 * HOUR {
                    t = day_start + 6 * HOUR + self.rng.below(HOUR as u64) as i64;
                }
                let shape = self.rng.weighted(&[
                    (Shape::Chat, 30),
                    (Shape::ChatStream, 25),
                    (Shape::Responses, 20),
                    (Shape::ResponsesStream, 10),
                    (Shape::Wrapped, 10),
                    (Shape::DeepSeek, 5),
                    (Shape::ContinuousStream, 3),
                ]);
                if shape == Shape::Wrapped && self.rng.chance(0.1) {
                    sessions += 1;
                }
                self.oa_request(&mut b, t, shape, sessions);
            }
            let name = format!(
                "generic/proxy-{}.jsonl",
                day_string(day_start.div_euclid(MS_PER_DAY))
            );
            self.write(GENERIC, &name, &b, true)?;
        }
        Ok(())
    }

    /// One request's lines in the given shape; the ground truth counts it once.
    fn oa_request(&mut self, b: &mut Vec<u8>, t: i64, shape: Shape, session: u64) {
        let (model, reasoning_model) = if shape == Shape::DeepSeek {
            ("deepseek-chat", false)
        } else if shape == Shape::ContinuousStream {
            ("Qwen/Qwen3-Coder-30B-A3B-Instruct", false)
        } else {
            let i = self.rng.weighted(
                &OPENAI_MODELS
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (i, m.2))
                    .collect::<Vec<_>>(),
            );
            (OPENAI_MODELS[i].0, OPENAI_MODELS[i].1)
        };
        let created = (t / 1000) as u64;
        let prompt = self.rng.log_uniform(200.0, 60_000.0);
        let cached = if self.rng.chance(0.6) {
            prompt * self.rng.range(30, 95) / 100 / 128 * 128
        } else {
            0
        };
        let completion = self.rng.log_uniform(10.0, 4_000.0);
        let reasoning = if reasoning_model {
            completion * self.rng.below(90) / 100
        } else {
            0
        };
        let text_len = self.rng.log_uniform(50.0, 6_000.0);
        self.stats[GENERIC]
            .truth
            .add(1, prompt - cached, 0, cached, completion, reasoning);
        match shape {
            Shape::Chat | Shape::DeepSeek | Shape::Wrapped => {
                let id = make_id(&mut self.rng, b"chatcmpl-", 29, BASE62);
                if shape == Shape::Wrapped {
                    // A proxy log line: the request (prompt text) and the response.
                    b.s("{\"timestamp\":");
                    b.qts(t + self.rng.range(300, 30_000) as i64);
                    b.s(",\"session_id\":\"s-");
                    b.num(session);
                    b.s("\",\"request\":{\"model\":");
                    b.qs(model);
                    b.s(",\"messages\":[{\"role\":\"system\",\"content\":\"");
                    let len = self.rng.range(500, 4_000);
                    self.fill(b, len);
                    b.s("\"},{\"role\":\"user\",\"content\":\"");
                    let len = self.rng.log_uniform(60.0, 6_000.0);
                    self.fill(b, len);
                    b.s("\"}]},\"response\":");
                    self.quirk(GENERIC, "wrapped_lines", 1);
                }
                b.s("{\"id\":");
                b.quoted(id.as_bytes());
                b.s(",\"object\":\"chat.completion\",\"created\":");
                b.num(created);
                b.s(",\"model\":");
                b.qs(model);
                b.s(",\"system_fingerprint\":\"fp_");
                let fp = make_id(&mut self.rng, b"", 10, HEX);
                b.extend_from_slice(fp.as_bytes());
                b.s("\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"");
                self.fill(b, text_len);
                b.s("\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":");
                oa_chat_usage(
                    b,
                    prompt,
                    cached,
                    completion,
                    reasoning,
                    shape == Shape::DeepSeek,
                );
                b.s(",\"service_tier\":\"default\"}");
                if shape == Shape::Wrapped {
                    b.s(",\"latency_ms\":");
                    let n = self.rng.range(300, 30_000);
                    b.num(n);
                    b.s("}");
                }
                b.push(b'\n');
            }
            Shape::ContinuousStream => {
                let id = make_id(&mut self.rng, b"chatcmpl-", 29, BASE62);
                let chunks = self.rng.range(3, 30);
                for i in 1..=chunks {
                    b.s("{\"id\":");
                    b.quoted(id.as_bytes());
                    b.s(",\"object\":\"chat.completion.chunk\",\"created\":");
                    b.num(created);
                    b.s(",\"model\":");
                    b.qs(model);
                    b.s(",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"");
                    let len = (text_len / chunks).max(4);
                    self.fill(b, len);
                    b.s("\"},\"finish_reason\":");
                    b.s(if i == chunks { "\"stop\"" } else { "null" });
                    b.s("}],\"usage\":{\"prompt_tokens\":");
                    b.num(prompt);
                    let so_far = completion * i / chunks;
                    b.s(",\"completion_tokens\":");
                    b.num(so_far);
                    b.s(",\"total_tokens\":");
                    b.num(prompt + so_far);
                    b.s(",\"prompt_tokens_details\":{\"cached_tokens\":");
                    b.num(cached);
                    b.s("}}}\n");
                }
                self.quirk(GENERIC, "continuous_usage_chunks", chunks);
            }
            Shape::ChatStream => {
                let id = make_id(&mut self.rng, b"chatcmpl-", 29, BASE62);
                let chunks = self.rng.range(3, 40);
                let fp = make_id(&mut self.rng, b"", 10, HEX);
                for i in 0..=chunks {
                    b.s("{\"id\":");
                    b.quoted(id.as_bytes());
                    b.s(",\"object\":\"chat.completion.chunk\",\"created\":");
                    b.num(created);
                    b.s(",\"model\":");
                    b.qs(model);
                    b.s(",\"system_fingerprint\":\"fp_");
                    b.extend_from_slice(fp.as_bytes());
                    if i < chunks {
                        b.s("\",\"choices\":[{\"index\":0,\"delta\":{");
                        if i == 0 {
                            b.s("\"role\":\"assistant\",");
                        }
                        b.s("\"content\":\"");
                        let len = (text_len / chunks).max(4);
                        self.fill(b, len);
                        b.s("\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n");
                    } else {
                        // With stream_options.include_usage: the final chunk has no choices.
                        b.s("\",\"choices\":[],\"usage\":");
                        oa_chat_usage(b, prompt, cached, completion, reasoning, false);
                        b.s("}\n");
                    }
                }
                self.quirk(GENERIC, "stream_chunks_without_usage", chunks);
            }
            Shape::Responses => {
                let id = make_id(&mut self.rng, b"resp_", 48, HEX);
                b.s("{\"id\":");
                b.quoted(id.as_bytes());
                b.s(",\"object\":\"response\",\"created_at\":");
                b.num(created);
                b.s(",\"status\":\"completed\",\"model\":");
                b.qs(model);
                b.s(",\"output\":[");
                if reasoning > 0 {
                    b.s("{\"id\":\"rs_");
                    let r = make_id(&mut self.rng, b"", 32, HEX);
                    b.extend_from_slice(r.as_bytes());
                    b.s("\",\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"");
                    let len = self.rng.log_uniform(80.0, 1_500.0);
                    self.fill(b, len);
                    b.s("\"}]},");
                }
                b.s("{\"id\":\"msg_");
                let r = make_id(&mut self.rng, b"", 32, HEX);
                b.extend_from_slice(r.as_bytes());
                b.s("\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"annotations\":[],\"text\":\"");
                self.fill(b, text_len);
                b.s("\"}]}],\"usage\":");
                oa_responses_usage(b, prompt, cached, completion, reasoning);
                b.s("}\n");
            }
            Shape::ResponsesStream => {
                let id = make_id(&mut self.rng, b"resp_", 48, HEX);
                let item = make_id(&mut self.rng, b"msg_", 32, HEX);
                let head = |b: &mut Vec<u8>, status: &str| {
                    b.s("{\"id\":");
                    b.quoted(id.as_bytes());
                    b.s(",\"object\":\"response\",\"created_at\":");
                    b.num(created);
                    b.s(",\"status\":");
                    b.qs(status);
                    b.s(",\"model\":");
                    b.qs(model);
                };
                let mut seq = 0u64;
                b.s("{\"type\":\"response.created\",\"sequence_number\":0,\"response\":");
                head(b, "in_progress");
                b.s(",\"output\":[],\"usage\":null}}\n");
                let deltas = self.rng.range(3, 30);
                for _ in 0..deltas {
                    seq += 1;
                    b.s("{\"type\":\"response.output_text.delta\",\"sequence_number\":");
                    b.num(seq);
                    b.s(",\"item_id\":");
                    b.quoted(item.as_bytes());
                    b.s(",\"output_index\":0,\"content_index\":0,\"delta\":\"");
                    let len = (text_len / deltas).max(4);
                    self.fill(b, len);
                    b.s("\"}\n");
                }
                seq += 1;
                b.s("{\"type\":\"response.completed\",\"sequence_number\":");
                b.num(seq);
                b.s(",\"response\":");
                head(b, "completed");
                b.s(",\"output\":[{\"id\":");
                b.quoted(item.as_bytes());
                b.s(",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"");
                self.fill(b, text_len);
                b.s("\"}]}],\"usage\":");
                oa_responses_usage(b, prompt, cached, completion, reasoning);
                b.s("}}\n");
                self.quirk(GENERIC, "stream_events_without_usage", deltas + 1);
            }
        }
    }
}

fn oa_chat_usage(
    b: &mut Vec<u8>,
    prompt: u64,
    cached: u64,
    completion: u64,
    reasoning: u64,
    deepseek: bool,
) {
    b.s("{\"prompt_tokens\":");
    b.num(prompt);
    b.s(",\"completion_tokens\":");
    b.num(completion);
    b.s(",\"total_tokens\":");
    b.num(prompt + completion);
    if deepseek {
        b.s(",\"prompt_tokens_details\":{\"cached_tokens\":");
        b.num(cached);
        b.s("},\"prompt_cache_hit_tokens\":");
        b.num(cached);
        b.s(",\"prompt_cache_miss_tokens\":");
        b.num(prompt - cached);
        b.s("}");
        return;
    }
    b.s(",\"prompt_tokens_details\":{\"cached_tokens\":");
    b.num(cached);
    b.s(",\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":");
    b.num(reasoning);
    b.s(",\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}");
}

fn oa_responses_usage(b: &mut Vec<u8>, input: u64, cached: u64, output: u64, reasoning: u64) {
    b.s("{\"input_tokens\":");
    b.num(input);
    b.s(",\"input_tokens_details\":{\"cached_tokens\":");
    b.num(cached);
    b.s("},\"output_tokens\":");
    b.num(output);
    b.s(",\"output_tokens_details\":{\"reasoning_tokens\":");
    b.num(reasoning);
    b.s("},\"total_tokens\":");
    b.num(input + output);
    b.s("}");
}

// ---------------------------------------------------------------- CLI

fn parse_mix(s: &str, weights: &mut [u32; 6]) -> Result<(), String> {
    for part in s.split(',').filter(|p| !p.is_empty()) {
        let (id, w) = part
            .split_once('=')
            .ok_or_else(|| format!("bad --mix entry {part:?} (want ID=WEIGHT)"))?;
        let i = PROVIDERS
            .iter()
            .position(|p| p.0 == id.trim())
            .ok_or_else(|| format!("--mix: unknown provider {id:?}"))?;
        weights[i] = w
            .trim()
            .parse()
            .map_err(|_| format!("--mix: bad weight {w:?} for {id}"))?;
    }
    if weights.iter().all(|w| *w == 0) {
        return Err("--mix leaves every provider out".into());
    }
    Ok(())
}

/// The shared flags, and the `--mix` weights.
fn parse_args() -> Result<(Args, [u32; 6]), String> {
    let mut weights = PROVIDERS.map(|p| p.1);
    let args = corpus::parse_args(
        std::env::args().skip(1),
        "HOME",
        "300MB, 1GB, 1.5GB",
        |flag, name, value| {
            if flag == "--version" {
                return Err("version".into());
            }
            if name != "--mix" {
                return Ok(false);
            }
            parse_mix(&value()?, &mut weights)?;
            Ok(true)
        },
    )?;
    Ok((args, weights))
}

fn write_expected(path: &Path, args: &Args, weights: &[u32; 6], g: &Gen) -> io::Result<()> {
    let mut j = String::new();
    j.push_str(&format!(
        "{{\"schema\":\"gen_mixed.expected.v1\",\"format_version\":{FORMAT_VERSION},\"note\":\"ground truth per provider: docs/tokens.md normalized tokens after docs/identity.md dedup; files/bytes are the logs the provider reads, other_* what it must not read\",\n\"seed\":{},\"start\":\"{}\",\"days\":{},\"size\":{},\n\"providers\":{{",
        args.seed,
        day_string(args.start_day),
        args.days,
        args.size
    ));
    let mut totals = Truth::default();
    let mut first = true;
    for (i, (id, _)) in PROVIDERS.iter().enumerate() {
        if weights[i] == 0 {
            continue;
        }
        let st = &g.stats[i];
        totals.merge(&st.truth);
        let quirks: Vec<String> = st
            .quirks
            .iter()
            .map(|(k, v)| format!("\"{k}\":{v}"))
            .collect();
        j.push_str(&format!(
            "{}\n\"{id}\":{{{},\"files\":{},\"bytes\":{},\"lines\":{},\"other_files\":{},\"other_bytes\":{},\"quirks\":{{{}}}}}",
            if first { "" } else { "," },
            st.truth.json(),
            st.files,
            st.bytes,
            st.lines,
            st.other_files,
            st.other_bytes,
            quirks.join(",")
        ));
        first = false;
    }
    j.push_str(&format!("}},\n\"totals\":{{{}}}}}\n", totals.json()));
    fs::write(path, j)
}

fn main() -> ExitCode {
    let (args, weights) = match parse_args() {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE_TEXT}");
            return ExitCode::SUCCESS;
        }
        Err(e) if e == "version" => {
            println!("gen_mixed format {FORMAT_VERSION}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("gen_mixed: {e}\n{USAGE_TEXT}");
            return ExitCode::from(2);
        }
    };
    if fs::read_dir(&args.out).is_ok_and(|mut d| d.next().is_some()) {
        eprintln!(
            "gen_mixed: {} already exists and is not empty; remove it or choose another --out",
            args.out.display()
        );
        return ExitCode::from(1);
    }
    let started = Instant::now();
    let mut g = Gen::new(&args);
    let sum: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    type Step = fn(&mut Gen, u64) -> io::Result<()>;
    let steps: [Step; 6] = [
        Gen::codex,
        Gen::gemini,
        Gen::copilot,
        Gen::aider,
        Gen::opencode,
        Gen::generic,
    ];
    for (i, step) in steps.iter().enumerate() {
        if weights[i] == 0 {
            continue;
        }
        let target = (args.size as u128 * u128::from(weights[i]) / u128::from(sum)) as u64;
        // Each provider draws from its own stream, so one's output does not depend on the
        // others' sizes.
        g.rng = Rng(args.seed ^ (0xA5A5_0000 + i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if let Err(e) = step(&mut g, target.max(1)) {
            eprintln!(
                "gen_mixed: writing {} under {}: {e}",
                PROVIDERS[i].0,
                args.out.display()
            );
            return ExitCode::from(1);
        }
    }
    if let Some(path) = &args.expected
        && let Err(e) = write_expected(path, &args, &weights, &g)
    {
        eprintln!("gen_mixed: writing {}: {e}", path.display());
        return ExitCode::from(1);
    }
    let secs = started.elapsed().as_secs_f64();
    let mut all = 0;
    for (i, (id, _)) in PROVIDERS.iter().enumerate() {
        if weights[i] == 0 {
            continue;
        }
        let st = &g.stats[i];
        all += st.bytes + st.other_bytes;
        eprintln!(
            "gen_mixed: {id:<15} files={} bytes={} (+{} files, {} bytes not read) requests={} tokens={}",
            st.files,
            st.bytes,
            st.other_files,
            st.other_bytes,
            st.truth.requests,
            st.truth.total()
        );
    }
    eprintln!(
        "gen_mixed: {all} bytes in {secs:.2}s, {:.0} MB/s",
        all as f64 / 1e6 / secs.max(1e-9)
    );
    ExitCode::SUCCESS
}

//! Model-based tests of the tailer: random sequences of file operations against a real
//! directory of Claude Code transcripts, with scans interleaved, checked after every scan
//! against an oracle (in the style of Vector's file-source model test), plus deterministic
//! tests for the tailer cases of docs/storage.md ("Cases the tailer is tested against") that a
//! random sequence rarely hits. Comments cite those cases by number.
//!
//! The model keeps its own copy of the directory (names → inodes → bytes, plus the rest of a
//! line a writer has only half written) and asserts that it equals the disk before each scan.
//! The oracle is the set of request keys found, at scan time, in complete lines of the files
//! the scan can see, merged by the largest value of each counter; records of files that are
//! gone stay counted. Every generated line carries a unique serial at its end, so two lines
//! are equal only when one is a copy of the other: with that, the checkpoint rules
//! (same inode + first line + 64 bytes before the offset, or another path's checkpoint whose
//! content this file continues) reduce to "this file starts with the bytes that checkpoint
//! consumed", which is what the model uses to predict exactly how many bytes each scan reads.
//!
//! One current behaviour is mirrored rather than judged: adoption never considers the file's
//! own path, so a file replaced by a longer copy of itself (atomic rewrite) is read again from
//! byte 0, which is harmless to totals since copies merge. A file renamed to a path that sorts
//! after its old one, when a new file was read at the old path first, continues from the old
//! checkpoint ([`ADOPT_FROM_REPLACED_CHECKPOINTS`]). Every content change gets a fresh mtime from
//! a clock that only moves forward, so the (inode, size, mtime) fast path is never fooled by
//! coarse file-system timestamps; `same_size_same_mtime_rewrite` covers that limit on its own.
//!
//! `PROPTEST_CASES=5000` runs a longer hunt than the default 64 cases.

#![cfg(unix)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::time::{Duration, UNIX_EPOCH};

use camino::{Utf8Path, Utf8PathBuf};
use proptest::prelude::*;
use proptest::sample::Index;
use scopeon_core::env::Env;
use scopeon_core::record::ProviderId;
use scopeon_core::scan::{ScanOptions, ScanSummary, scan};
use scopeon_core::store::{ReportQuery, Store, Totals};
use scopeon_core::tail::HEAD_LEN;

/// The line cap used by the model test.
const CAP: usize = 512;

/// Whether a file may continue the checkpoint its path had when the scan started although that
/// path was read again earlier in the same scan (a rotation to a name that sorts after the
/// original). scan.rs (since 383ec3f) replaces the checkpoint in `Reader::known` when a file is
/// read, so the rotated file is read again from byte 0; flip this when that changes.
const ADOPT_FROM_REPLACED_CHECKPOINTS: bool = true;

// ---------------------------------------------------------------------------------------------
// Harness: a Claude config dir, a database file and a store that can be dropped and reopened.
// ---------------------------------------------------------------------------------------------

struct Harness {
    _tmp: tempfile::TempDir,
    /// `<tmp>/claude/projects`: every test path is relative to it.
    projects: Utf8PathBuf,
    db: Utf8PathBuf,
    env: Env,
    opts: ScanOptions,
    store: Option<Store>,
}

impl Harness {
    fn new(max_line: usize) -> Harness {
        let tmp = tempfile::tempdir().unwrap();
        let base = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
        let root = base.join("claude");
        let projects = root.join("projects");
        fs::create_dir_all(projects.join("p/s/subagents")).unwrap();
        let env =
            Env::isolated(base.join("home")).with_vars(&[("CLAUDE_CONFIG_DIR", root.as_str())]);
        let opts = ScanOptions::new()
            .only([ProviderId::ClaudeCode])
            .max_line(max_line);
        let db = base.join("db").join("scopeon.db");
        let store = Some(Store::open(&db).unwrap());
        Harness {
            _tmp: tmp,
            projects,
            db,
            env,
            opts,
            store,
        }
    }

    fn abs(&self, rel: &str) -> Utf8PathBuf {
        self.projects.join(rel)
    }

    fn store(&self) -> &Store {
        self.store.as_ref().unwrap()
    }

    fn scan(&mut self) -> ScanSummary {
        let store = self.store.as_mut().unwrap();
        scan(store, &self.env, &self.opts, &mut |_| {}).unwrap()
    }

    fn totals(&self) -> Totals {
        self.store()
            .report(&ReportQuery::new().group_by(vec![]))
            .unwrap()
            .totals
    }

    /// Drops the store and opens it again from the same file.
    fn restart(&mut self) {
        self.store = None;
        self.store = Some(Store::open(&self.db).unwrap());
    }

    fn checkpoint_offset(&self, rel: &str) -> Option<(u64, Option<u64>)> {
        self.store()
            .checkpoint(ProviderId::ClaudeCode, &self.abs(rel))
            .unwrap()
            .map(|cp| (cp.offset, cp.size))
    }
}

// ---------------------------------------------------------------------------------------------
// Lines.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Counters {
    input: u64,
    cache_read: u64,
    output: u64,
}

impl Counters {
    fn max(self, o: Counters) -> Counters {
        Counters {
            input: self.input.max(o.input),
            cache_read: self.cache_read.max(o.cache_read),
            output: self.output.max(o.output),
        }
    }
}

/// An assistant line with usage. The unique `uuid` comes last, so the 64 bytes before the end
/// of any line identify it; `pad` (ignored by the parser) makes a line as long as wanted.
fn record_body(key: u32, c: Counters, serial: u64, pad: usize) -> String {
    format!(
        concat!(
            r#"{{"type":"assistant","message":{{"id":"msg_{key:05}","model":"claude-sonnet-4-5","#,
            r#""usage":{{"input_tokens":{i},"cache_read_input_tokens":{cr},"output_tokens":{o}}}}},"#,
            r#""requestId":"req_{key:05}","timestamp":"2025-10-03T09:15:05.402Z","pad":"{pad}","#,
            r#""uuid":"u{serial:07}"}}"#
        ),
        key = key,
        i = c.input,
        cr = c.cache_read,
        o = c.output,
        pad = "x".repeat(pad),
        serial = serial,
    )
}

/// A record line and its terminator (deterministic tests).
fn line(key: u32, output: u64) -> String {
    format!(
        "{}\n",
        record_body(
            key,
            Counters {
                input: 1,
                cache_read: 0,
                output,
            },
            u64::from(key),
            0
        )
    )
}

/// Offset just past the last newline.
fn complete_end(data: &[u8]) -> usize {
    data.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

/// Whether the tailer can fingerprint the file (tail.rs `fingerprint`): a newline within the
/// first HEAD_LEN bytes, or at least HEAD_LEN bytes.
fn has_head(data: &[u8]) -> bool {
    data.len() >= HEAD_LEN || data.contains(&b'\n')
}

/// The complete lines of a file as the tailer frames them (tail.rs `LineReader`): NULs before
/// a line (a copytruncate hole) are dropped first; lines still longer than the cap (a BOM and
/// a trailing CR included) are skipped; otherwise a BOM at offset 0 and one trailing CR are
/// removed (and the parser ignores whitespace around the JSON value).
fn framed_lines(data: &[u8], cap: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    while let Some(nl) = data[start..].iter().position(|&b| b == b'\n') {
        let with_hole = &data[start..start + nl];
        let nuls = with_hole.iter().take_while(|&&x| x == 0).count();
        let raw = &with_hole[nuls..];
        if raw.len() <= cap {
            let mut b = raw;
            if start + nuls == 0 {
                b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
            }
            b = b.strip_suffix(b"\r").unwrap_or(b);
            // What is left is handed to serde_json, which allows whitespace around a value
            // (a CR left by a cut CRLF can end up in front of the next line).
            out.push(b.trim_ascii());
        }
        start += nl + 1;
    }
    out
}

fn is_matched(rel: &str) -> bool {
    rel.ends_with(".jsonl") && !(rel.ends_with("/journal.jsonl") && rel.contains("/subagents/"))
}

fn mtime_ns(m: &fs::Metadata) -> i64 {
    m.mtime() * 1_000_000_000 + m.mtime_nsec()
}

// ---------------------------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------------------------

/// The paths operations pick from (relative to `projects/`).
const NAMES: &[&str] = &[
    "p/a.jsonl",
    "p/b.jsonl",
    "p/a-1.jsonl",
    "p/z.jsonl",
    "p/s/subagents/agent-1.jsonl",
    // Matched by the glob, excluded by the provider.
    "p/s/subagents/journal.jsonl",
    // Not matched by `projects/**/*.jsonl`.
    "p/a.jsonl.1",
    "p/old.log",
];

/// A line to generate: fresh key, or a copy of an earlier key (content-block split).
#[derive(Debug, Clone)]
struct Gen {
    c: Counters,
    crlf: bool,
    /// Copy of the n-th line written so far, with output + bump.
    dup: Option<(Index, u64)>,
}

#[derive(Debug, Clone)]
enum Op {
    Scan,
    Restart,
    Append {
        f: Index,
        lines: Vec<Gen>,
    },
    /// Starts a line and writes only a prefix of it (at least one byte, never the newline);
    /// with `long`, a line of CAP - 1 + long bytes.
    Partial {
        f: Index,
        spec: Gen,
        cut: Index,
        long: Option<u8>,
    },
    /// Writes more of a pending line, still not its newline.
    PartialMore {
        f: Index,
        cut: Index,
    },
    /// Writes the rest of a pending line.
    Finish {
        f: Index,
    },
    /// Writes a line one byte at a time, scanning (and checking) at some byte positions.
    Bytewise {
        f: Index,
        spec: Gen,
        scans: Vec<Index>,
    },
    Blank {
        f: Index,
        crlf: bool,
    },
    Junk {
        f: Index,
        kind: u8,
    },
    /// A line of CAP - 1 + delta bytes (delta 0, 1, 2), terminator excluded.
    Long {
        f: Index,
        delta: u8,
        spec: Gen,
    },
    /// A BOM, if the file is empty or missing.
    Bom {
        f: Index,
    },
    /// Rename an existing file to another name (over it if it exists), then start a new file
    /// at the old name.
    Rotate {
        f: Index,
        to: Index,
        fresh: Vec<Gen>,
    },
    /// Copy to another name, truncate the original to 0, and go on writing: at offset 0
    /// (O_APPEND writer) or at the old offset (non-append writer: a hole of NULs).
    CopyTruncate {
        f: Index,
        to: Index,
        hole: bool,
        fresh: Vec<Gen>,
    },
    /// Truncate in place to a smaller size, anywhere (mid-line included).
    Shrink {
        f: Index,
        keep: Index,
    },
    Delete {
        f: Index,
    },
    /// Delete, then create a new file at the same path (the inode is often reused).
    Recreate {
        f: Index,
        fresh: Vec<Gen>,
    },
    /// Write a temp file holding the current content (pending line completed) plus more lines,
    /// and rename it over the original.
    AtomicRewrite {
        f: Index,
        extra: Vec<Gen>,
    },
    Touch {
        f: Index,
    },
    /// Hard link an existing file under another name.
    Hardlink {
        f: Index,
        to: Index,
    },
}

#[derive(Debug, Default)]
struct Inode {
    data: Vec<u8>,
    /// The rest of a line the writer has only partly written.
    pending: Option<Vec<u8>>,
}

/// What the model expects a stored checkpoint to describe.
#[derive(Debug, Clone)]
struct ModelCp {
    ino: u64,
    size: u64,
    mtime_ns: i64,
    /// The bytes consumed (up to the checkpoint offset).
    prefix: Vec<u8>,
}

struct World {
    h: Harness,
    names: BTreeMap<&'static str, usize>,
    inodes: HashMap<usize, Inode>,
    next_inode: usize,
    /// Every record line ever generated (without terminator) → its key and counters.
    known: HashMap<Vec<u8>, (u32, Counters)>,
    /// Record lines generated so far, for copies.
    written: Vec<(u32, Counters)>,
    next_key: u32,
    serial: u64,
    clock: u64,
    /// The oracle: per key, the largest counters seen in a scanned file.
    seen: BTreeMap<u32, Counters>,
    /// Checkpoints the store should hold.
    cps: BTreeMap<&'static str, ModelCp>,
    scans: usize,
}

impl World {
    fn new() -> World {
        World {
            h: Harness::new(CAP),
            names: BTreeMap::new(),
            inodes: HashMap::new(),
            next_inode: 0,
            known: HashMap::new(),
            written: Vec::new(),
            next_key: 0,
            serial: 0,
            clock: 0,
            seen: BTreeMap::new(),
            cps: BTreeMap::new(),
            scans: 0,
        }
    }

    // --- generation -------------------------------------------------------------------------

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// A record line with its terminator; `raw_len` sets its length without the `\n`.
    fn materialize(&mut self, g: &Gen, raw_len: Option<usize>) -> Vec<u8> {
        let (key, c) = match g.dup {
            Some((ix, bump)) if !self.written.is_empty() => {
                let (k, base) = self.written[ix.index(self.written.len())];
                (
                    k,
                    Counters {
                        input: g.c.input,
                        cache_read: base.cache_read,
                        output: base.output + bump,
                    },
                )
            }
            _ => {
                self.next_key += 1;
                (self.next_key, g.c)
            }
        };
        let serial = self.next_serial();
        let mut body = record_body(key, c, serial, 0);
        if let Some(target) = raw_len {
            let base = body.len() + usize::from(g.crlf);
            assert!(target >= base, "cap too small for the line template");
            body = record_body(key, c, serial, target - base);
            assert_eq!(body.len() + usize::from(g.crlf), target);
        }
        self.known.insert(body.clone().into_bytes(), (key, c));
        self.written.push((key, c));
        let mut out = body.into_bytes();
        if g.crlf {
            out.push(b'\r');
        }
        out.push(b'\n');
        out
    }

    fn materialize_all(&mut self, gens: &[Gen]) -> Vec<u8> {
        let mut out = Vec::new();
        for g in gens {
            out.extend(self.materialize(g, None));
        }
        out
    }

    // --- file system, model and disk together -----------------------------------------------

    fn pick(ix: &Index) -> &'static str {
        NAMES[ix.index(NAMES.len())]
    }

    fn pick_existing(&self, ix: &Index) -> Option<&'static str> {
        let v: Vec<&'static str> = self.names.keys().copied().collect();
        (!v.is_empty()).then(|| v[ix.index(v.len())])
    }

    /// Another name than `src`.
    fn pick_other(src: &str, ix: &Index) -> &'static str {
        let v: Vec<&'static str> = NAMES.iter().copied().filter(|n| *n != src).collect();
        v[ix.index(v.len())]
    }

    fn inode(&mut self, rel: &str) -> Option<&mut Inode> {
        let id = *self.names.get(rel)?;
        self.inodes.get_mut(&id)
    }

    fn new_inode(&mut self) -> usize {
        self.next_inode += 1;
        self.inodes.insert(self.next_inode, Inode::default());
        self.next_inode
    }

    fn gc(&mut self) {
        let live: HashSet<usize> = self.names.values().copied().collect();
        self.inodes.retain(|id, _| live.contains(id));
    }

    /// Sets the file's mtime from a clock that only moves forward: every content change gets
    /// a new mtime whatever the file system's timestamp granularity.
    fn bump_mtime(&mut self, rel: &str) {
        self.clock += 1;
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000 + self.clock);
        let f = OpenOptions::new()
            .write(true)
            .open(self.h.abs(rel))
            .unwrap();
        f.set_modified(t).unwrap();
    }

    /// Appends bytes (creating the file if needed, even with no bytes).
    fn append(&mut self, rel: &'static str, bytes: &[u8]) {
        let mut f = OpenOptions::new()
            .append(true)
            .create(true)
            .open(self.h.abs(rel))
            .unwrap();
        f.write_all(bytes).unwrap();
        drop(f);
        if !self.names.contains_key(rel) {
            let id = self.new_inode();
            self.names.insert(rel, id);
        }
        self.inode(rel).unwrap().data.extend_from_slice(bytes);
        self.bump_mtime(rel);
    }

    fn finish_pending(&mut self, rel: &'static str) {
        if let Some(rest) = self.inode(rel).and_then(|i| i.pending.take()) {
            self.append(rel, &rest);
        }
    }

    fn unlink(&mut self, rel: &str) {
        fs::remove_file(self.h.abs(rel)).unwrap();
        self.names.remove(rel);
        self.gc();
    }

    fn rename(&mut self, from: &str, to: &'static str) {
        fs::rename(self.h.abs(from), self.h.abs(to)).unwrap();
        if self.names.get(to) == self.names.get(from) {
            return; // two links to one file: rename(2) does nothing
        }
        let id = self.names.remove(from).unwrap();
        self.names.insert(to, id);
        self.gc();
    }

    fn set_len(&mut self, rel: &str, len: usize) {
        let f = OpenOptions::new()
            .write(true)
            .open(self.h.abs(rel))
            .unwrap();
        f.set_len(len as u64).unwrap();
        drop(f);
        let ino = self.inode(rel).unwrap();
        ino.data.truncate(len);
        ino.pending = None;
        self.bump_mtime(rel);
    }

    fn write_at(&mut self, rel: &str, offset: usize, bytes: &[u8]) {
        let f = OpenOptions::new()
            .write(true)
            .open(self.h.abs(rel))
            .unwrap();
        f.write_all_at(bytes, offset as u64).unwrap();
        drop(f);
        let data = &mut self.inode(rel).unwrap().data;
        if data.len() < offset + bytes.len() {
            data.resize(offset + bytes.len(), 0);
        }
        data[offset..offset + bytes.len()].copy_from_slice(bytes);
        self.bump_mtime(rel);
    }

    // --- operations -------------------------------------------------------------------------

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Scan => self.check_scan(),
            Op::Restart => self.h.restart(),
            Op::Append { f, lines } => {
                let rel = Self::pick(f);
                self.finish_pending(rel);
                let bytes = self.materialize_all(lines);
                self.append(rel, &bytes);
            }
            Op::Partial { f, spec, cut, long } => {
                let rel = Self::pick(f);
                self.finish_pending(rel);
                let line = self.materialize(spec, long.map(|d| CAP - 1 + usize::from(d)));
                let k = 1 + cut.index(line.len() - 1);
                self.append(rel, &line[..k]);
                self.inode(rel).unwrap().pending = Some(line[k..].to_vec());
            }
            Op::PartialMore { f, cut } => {
                let rel = Self::pick(f);
                let Some(rest) = self.inode(rel).and_then(|i| i.pending.take()) else {
                    return;
                };
                if rest.len() < 2 {
                    self.inode(rel).unwrap().pending = Some(rest);
                    return;
                }
                let k = 1 + cut.index(rest.len() - 1);
                self.append(rel, &rest[..k]);
                self.inode(rel).unwrap().pending = Some(rest[k..].to_vec());
            }
            Op::Finish { f } => self.finish_pending(Self::pick(f)),
            Op::Bytewise { f, spec, scans } => {
                let rel = Self::pick(f);
                self.finish_pending(rel);
                let line = self.materialize(spec, None);
                let at: HashSet<usize> = scans.iter().map(|i| i.index(line.len())).collect();
                for i in 0..line.len() {
                    self.append(rel, &line[i..=i]);
                    if at.contains(&i) {
                        self.check_scan();
                    }
                }
            }
            Op::Blank { f, crlf } => {
                let rel = Self::pick(f);
                self.finish_pending(rel);
                self.append(rel, if *crlf { b"\r\n" } else { b"\n" });
            }
            Op::Junk { f, kind } => {
                let rel = Self::pick(f);
                self.finish_pending(rel);
                let s = self.next_serial();
                let mut bytes: Vec<u8> = match kind % 7 {
                    0 => format!("{{not json u{s:07}").into_bytes(),
                    1 => format!("[{s}]").into_bytes(),
                    2 => format!(r#"{{"type":"user","message":{{"role":"user","content":"hi"}},"uuid":"u{s:07}"}}"#).into_bytes(),
                    // No timestamp: a counted skip (missing field), never a record.
                    3 => format!(r#"{{"type":"assistant","message":{{"id":"msg_j{s}","usage":{{"output_tokens":7}}}},"uuid":"u{s:07}"}}"#).into_bytes(),
                    // An embedded NUL: skipped as binary.
                    4 => format!("{{\"type\":\"assistant\",\"pad\":\"\0\",\"uuid\":\"u{s:07}\"}}").into_bytes(),
                    // Invalid UTF-8.
                    5 => [&b"\xff\xfe{"[..], format!("u{s:07}").as_bytes()].concat(),
                    // Locally generated message: ignored.
                    _ => format!(r#"{{"type":"assistant","message":{{"id":"msg_s{s}","model":"<synthetic>","usage":{{"input_tokens":5}}}},"requestId":"r","timestamp":"2025-10-03T09:15:05.402Z","uuid":"u{s:07}"}}"#).into_bytes(),
                };
                bytes.push(b'\n');
                self.append(rel, &bytes);
            }
            Op::Long { f, delta, spec } => {
                let rel = Self::pick(f);
                self.finish_pending(rel);
                let line = self.materialize(spec, Some(CAP - 1 + usize::from(*delta)));
                self.append(rel, &line);
            }
            Op::Bom { f } => {
                let rel = Self::pick(f);
                if self.inode(rel).is_none_or(|i| i.data.is_empty()) {
                    self.append(rel, b"\xEF\xBB\xBF");
                }
            }
            Op::Rotate { f, to, fresh } => {
                let Some(src) = self.pick_existing(f) else {
                    return;
                };
                let dst = Self::pick_other(src, to);
                self.rename(src, dst);
                let bytes = self.materialize_all(fresh);
                self.append(src, &bytes);
            }
            Op::CopyTruncate { f, to, hole, fresh } => {
                let Some(src) = self.pick_existing(f) else {
                    return;
                };
                let dst = Self::pick_other(src, to);
                if self.names.get(dst) == self.names.get(src) {
                    // Copying a file onto a hard link of itself would truncate both.
                    self.unlink(dst);
                }
                fs::copy(self.h.abs(src), self.h.abs(dst)).unwrap();
                let data = self.inode(src).unwrap().data.clone();
                match self.names.get(dst) {
                    // fs::copy truncates an existing target in place: same inode.
                    Some(&id) => {
                        let i = self.inodes.get_mut(&id).unwrap();
                        i.data = data.clone();
                        i.pending = None;
                    }
                    None => {
                        let id = self.new_inode();
                        self.inodes.get_mut(&id).unwrap().data = data.clone();
                        self.names.insert(dst, id);
                    }
                }
                self.bump_mtime(dst);
                // The writer finishes its line after the truncation: a fragment line.
                let mut payload = self.inode(src).unwrap().pending.take().unwrap_or_default();
                self.set_len(src, 0);
                payload.extend(self.materialize_all(fresh));
                if *hole {
                    if !payload.is_empty() {
                        self.write_at(src, data.len(), &payload);
                    }
                } else {
                    self.append(src, &payload);
                }
            }
            Op::Shrink { f, keep } => {
                let Some(src) = self.pick_existing(f) else {
                    return;
                };
                let len = self.inode(src).unwrap().data.len();
                if len > 0 {
                    self.set_len(src, keep.index(len));
                }
            }
            Op::Delete { f } => {
                if let Some(src) = self.pick_existing(f) {
                    self.unlink(src);
                }
            }
            Op::Recreate { f, fresh } => {
                let Some(src) = self.pick_existing(f) else {
                    return;
                };
                self.unlink(src);
                let bytes = self.materialize_all(fresh);
                self.append(src, &bytes);
            }
            Op::AtomicRewrite { f, extra } => {
                let Some(src) = self.pick_existing(f) else {
                    return;
                };
                let ino = self.inode(src).unwrap();
                let mut content = ino.data.clone();
                content.extend(ino.pending.take().unwrap_or_default());
                content.extend(self.materialize_all(extra));
                let tmp = "p/.rewrite.tmp";
                fs::write(self.h.abs(tmp), &content).unwrap();
                self.bump_mtime(tmp);
                fs::rename(self.h.abs(tmp), self.h.abs(src)).unwrap();
                let id = self.new_inode();
                self.inodes.get_mut(&id).unwrap().data = content;
                self.names.insert(src, id);
                self.gc();
            }
            Op::Touch { f } => {
                if let Some(src) = self.pick_existing(f) {
                    self.bump_mtime(src);
                }
            }
            Op::Hardlink { f, to } => {
                let Some(src) = self.pick_existing(f) else {
                    return;
                };
                let dst = Self::pick_other(src, to);
                if self.names.contains_key(dst) {
                    self.unlink(dst);
                }
                fs::hard_link(self.h.abs(src), self.h.abs(dst)).unwrap();
                let id = self.names[src];
                self.names.insert(dst, id);
            }
        }
    }

    // --- the check ----------------------------------------------------------------------------

    /// Where the scan should start reading a found file, or `None` when it should not open it.
    /// `known` holds the stored checkpoints, replaced by those of files already read in this
    /// scan (scan.rs `Reader::known`).
    fn predict_start(
        &self,
        known: &BTreeMap<&'static str, ModelCp>,
        rel: &str,
        data: &[u8],
        ino: u64,
        size: u64,
        mtime: i64,
    ) -> Option<usize> {
        if let Some(cp) = known.get(rel) {
            if cp.ino == ino && cp.size == size && cp.mtime_ns == mtime {
                return None;
            }
            // plan_start: same inode, offset within the file, same first line, same bytes
            // before the offset. An offset of 0 is a fresh start, which may still adopt.
            if cp.ino == ino && !cp.prefix.is_empty() && data.starts_with(&cp.prefix) {
                return Some(cp.prefix.len());
            }
        }
        // adopt: the longest checkpoint of *another* path whose consumed bytes this file starts
        // with (a rename or a copy).
        if !has_head(data) {
            return Some(0);
        }
        let stored = self.cps.iter().filter(|_| ADOPT_FROM_REPLACED_CHECKPOINTS);
        let best = known
            .iter()
            .chain(stored)
            .filter(|(q, cp)| **q != rel && !cp.prefix.is_empty() && data.starts_with(&cp.prefix))
            .map(|(_, cp)| cp.prefix.len())
            .max();
        Some(best.unwrap_or(0))
    }

    fn expected_totals(&self) -> Totals {
        let mut t = Totals {
            requests: self.seen.len() as u64,
            ..Totals::default()
        };
        for c in self.seen.values() {
            t.input_tokens += c.input;
            t.cache_read_tokens += c.cache_read;
            t.output_tokens += c.output;
            t.total_tokens += c.input + c.cache_read + c.output;
        }
        t
    }

    fn check_scan(&mut self) {
        self.scans += 1;
        let n = self.scans;
        // The model is the disk.
        for rel in NAMES {
            let disk = fs::read(self.h.abs(rel)).ok();
            let model = self.names.get(rel).map(|id| self.inodes[id].data.clone());
            assert_eq!(
                disk, model,
                "scan {n}: the model's copy of {rel} differs from the disk"
            );
        }
        // What the scan finds: matched paths in walk order, one path per inode.
        let mut order: Vec<&'static str> = self
            .names
            .keys()
            .copied()
            .filter(|r| is_matched(r))
            .collect();
        order.sort_by(|a, b| Utf8Path::new(a).cmp(Utf8Path::new(b)));
        let mut inodes_seen = HashSet::new();
        let mut found = Vec::new();
        for rel in order {
            let meta = fs::symlink_metadata(self.h.abs(rel)).unwrap();
            if inodes_seen.insert(meta.ino()) {
                found.push((rel, meta));
            }
        }
        // Predicted reads and checkpoints.
        let mut expected_bytes = 0u64;
        let mut new_cps = BTreeMap::new();
        let mut known = self.cps.clone();
        let mut detail = Vec::new();
        for (rel, meta) in &found {
            let data = &self.inodes[&self.names[rel]].data;
            let end = complete_end(data);
            match self.predict_start(&known, rel, data, meta.ino(), meta.size(), mtime_ns(meta)) {
                None => {
                    new_cps.insert(*rel, self.cps[rel].clone());
                    detail.push(format!("{rel}: unchanged"));
                }
                Some(start) => {
                    expected_bytes += (end - start) as u64;
                    detail.push(format!("{rel}: read {start}..{end} of {}", data.len()));
                    let cp = ModelCp {
                        ino: meta.ino(),
                        size: meta.size(),
                        mtime_ns: mtime_ns(meta),
                        prefix: data[..end].to_vec(),
                    };
                    known.insert(*rel, cp.clone());
                    new_cps.insert(*rel, cp);
                }
            }
        }
        // The oracle.
        let before = self.seen.len();
        for (rel, _) in &found {
            let data = &self.inodes[&self.names[rel]].data;
            for l in framed_lines(data, CAP) {
                if let Some(&(key, c)) = self.known.get(l) {
                    let e = self.seen.entry(key).or_default();
                    *e = e.max(c);
                }
            }
        }
        let summary = self.h.scan();
        let ps = &summary.providers[0];
        assert!(
            ps.problems.is_empty(),
            "scan {n}: problems {:?}",
            ps.problems
        );
        assert_eq!(ps.files, found.len() as u64, "scan {n}: files found");
        let mut got = self.h.totals();
        // Cost is the price table's business, not the tailer's.
        got.cost_pusd = None;
        got.unpriced_tokens = 0;
        assert_eq!(
            got,
            self.expected_totals(),
            "scan {n}: totals differ from the oracle"
        );
        assert_eq!(
            ps.new_records,
            (self.seen.len() - before) as u64,
            "scan {n}: new records"
        );
        assert_eq!(
            summary.bytes_read(),
            expected_bytes,
            "scan {n}: bytes read (expected per file: {detail:?})"
        );
        for rel in NAMES {
            let want = new_cps
                .get(rel)
                .map(|cp| (cp.prefix.len() as u64, Some(cp.size)));
            assert_eq!(
                self.h.checkpoint_offset(rel),
                want,
                "scan {n}: checkpoint of {rel}"
            );
        }
        self.cps = new_cps;
        // An idle scan right after opens nothing and changes nothing.
        let totals = self.h.totals();
        let again = self.h.scan();
        assert_eq!(again.bytes_read(), 0, "scan {n}: idle rescan read bytes");
        assert_eq!(
            again.providers[0].files_read, 0,
            "scan {n}: idle rescan opened files"
        );
        assert_eq!(
            self.h.totals(),
            totals,
            "scan {n}: idle rescan changed totals"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------------------

fn counters() -> impl Strategy<Value = Counters> {
    (0u64..50, 0u64..1000, 1u64..500).prop_map(|(input, cache_read, output)| Counters {
        input,
        cache_read,
        output,
    })
}

fn gen_line() -> impl Strategy<Value = Gen> {
    (
        counters(),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.25, (any::<Index>(), 0u64..3)),
    )
        .prop_map(|(c, crlf, dup)| Gen { c, crlf, dup })
}

fn gens(max: usize) -> impl Strategy<Value = Vec<Gen>> {
    prop::collection::vec(gen_line(), 0..=max)
}

fn op() -> impl Strategy<Value = Op> {
    let ix = any::<Index>;
    prop_oneof![
        5 => Just(Op::Scan),
        1 => Just(Op::Restart),
        6 => (ix(), prop::collection::vec(gen_line(), 1..4)).prop_map(|(f, lines)| Op::Append { f, lines }),
        2 => (ix(), gen_line(), ix(), prop::option::weighted(0.25, 0u8..3))
            .prop_map(|(f, spec, cut, long)| Op::Partial { f, spec, cut, long }),
        1 => (ix(), ix()).prop_map(|(f, cut)| Op::PartialMore { f, cut }),
        2 => ix().prop_map(|f| Op::Finish { f }),
        1 => (ix(), gen_line(), prop::collection::vec(ix(), 0..3)).prop_map(|(f, spec, scans)| Op::Bytewise { f, spec, scans }),
        1 => (ix(), any::<bool>()).prop_map(|(f, crlf)| Op::Blank { f, crlf }),
        1 => (ix(), any::<u8>()).prop_map(|(f, kind)| Op::Junk { f, kind }),
        2 => (ix(), 0u8..3, gen_line()).prop_map(|(f, delta, spec)| Op::Long { f, delta, spec }),
        1 => ix().prop_map(|f| Op::Bom { f }),
        2 => (ix(), ix(), gens(2)).prop_map(|(f, to, fresh)| Op::Rotate { f, to, fresh }),
        2 => (ix(), ix(), any::<bool>(), gens(2)).prop_map(|(f, to, hole, fresh)| Op::CopyTruncate { f, to, hole, fresh }),
        1 => (ix(), ix()).prop_map(|(f, keep)| Op::Shrink { f, keep }),
        1 => ix().prop_map(|f| Op::Delete { f }),
        1 => (ix(), gens(2)).prop_map(|(f, fresh)| Op::Recreate { f, fresh }),
        1 => (ix(), gens(2)).prop_map(|(f, extra)| Op::AtomicRewrite { f, extra }),
        1 => ix().prop_map(|f| Op::Touch { f }),
        1 => (ix(), ix()).prop_map(|(f, to)| Op::Hardlink { f, to }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct("tests/proptest-regressions/tailer_model.txt"),
        )),
        // PROPTEST_CASES raises it for a longer hunt.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    /// After every scan the store's totals equal the oracle, each scan reads exactly the bytes
    /// no checkpoint accounts for, checkpoints sit after the last complete line, and an idle
    /// rescan reads nothing.
    #[test]
    fn tailer_matches_model(ops in prop::collection::vec(op(), 1..30)) {
        let mut w = World::new();
        for op in &ops {
            w.apply(op);
        }
        w.check_scan();
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic cases of docs/storage.md (tailer cases, by number).
// ---------------------------------------------------------------------------------------------

fn write(h: &Harness, rel: &str, content: &str) {
    fs::write(h.abs(rel), content).unwrap();
}

fn append(h: &Harness, rel: &str, content: &str) {
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .open(h.abs(rel))
        .unwrap();
    f.write_all(content.as_bytes()).unwrap();
}

/// Rewrites a file in place (same inode): truncate to 0, then write.
fn rewrite_in_place(h: &Harness, rel: &str, content: &str) {
    let mut f = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(h.abs(rel))
        .unwrap();
    f.write_all(content.as_bytes()).unwrap();
}

fn set_mtime_secs(h: &Harness, rel: &str, secs: u64) {
    let f = OpenOptions::new().write(true).open(h.abs(rel)).unwrap();
    f.set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

fn ino(h: &Harness, rel: &str) -> u64 {
    fs::metadata(h.abs(rel)).unwrap().ino()
}

/// A first line shared by many transcripts (not a usage line).
const HEAD: &str =
    "{\"type\":\"summary\",\"summary\":\"Shared title\",\"leafUuid\":\"u-shared\"}\n";

#[test]
fn truncated_while_stopped_below_the_offset() {
    // Case 5(a): offset > size after a restart (Filebeat #38070).
    let mut h = Harness::new(CAP);
    write(
        &h,
        "p/a.jsonl",
        &format!("{}{}{}", line(1, 10), line(2, 20), line(3, 30)),
    );
    h.scan();
    assert_eq!(h.totals().requests, 3);
    h.store = None;
    let inode = ino(&h, "p/a.jsonl");
    rewrite_in_place(&h, "p/a.jsonl", &line(4, 40));
    assert_eq!(ino(&h, "p/a.jsonl"), inode);
    h.restart();
    let s = h.scan();
    assert_eq!(s.providers[0].files_restarted, 1);
    let t = h.totals();
    assert_eq!((t.requests, t.output_tokens), (4, 100));
}

#[test]
fn truncated_and_regrown_past_the_offset_with_the_same_first_line() {
    // Cases 5(b) and 13: the first line is the same, the file is larger than the old offset,
    // so only the hash of the bytes before the offset tells it apart.
    let mut h = Harness::new(CAP);
    write(&h, "p/a.jsonl", &format!("{HEAD}{}", line(1, 10)));
    h.scan();
    let old_offset = h.checkpoint_offset("p/a.jsonl").unwrap().0;
    h.store = None;
    let regrown = format!("{HEAD}{}{}", line(2, 20), line(3, 30));
    assert!(regrown.len() as u64 > old_offset);
    rewrite_in_place(&h, "p/a.jsonl", &regrown);
    h.restart();
    let s = h.scan();
    assert_eq!(
        s.providers[0].files_restarted, 1,
        "the tail hash must force a re-read"
    );
    let t = h.totals();
    assert_eq!((t.requests, t.output_tokens), (3, 60));

    // Same size exactly (a size comparison alone would miss it); the mtime moves on.
    let same_size = format!("{HEAD}{}{}", line(4, 40), line(5, 50));
    assert_eq!(same_size.len(), regrown.len());
    rewrite_in_place(&h, "p/a.jsonl", &same_size);
    set_mtime_secs(&h, "p/a.jsonl", 1_800_000_000);
    h.scan();
    let t = h.totals();
    assert_eq!((t.requests, t.output_tokens), (5, 150));
}

#[test]
fn identical_first_line_different_content() {
    // Case 8: two files, same first line; neither may resume from the other's checkpoint.
    let mut h = Harness::new(CAP);
    write(
        &h,
        "p/a.jsonl",
        &format!("{HEAD}{}{}", line(1, 10), line(2, 20)),
    );
    h.scan();
    // Created after a.jsonl was read, at least as long: a candidate for adoption that the
    // tail hash must reject.
    write(
        &h,
        "p/b.jsonl",
        &format!("{HEAD}{}{}", line(3, 30), line(4, 40)),
    );
    let s = h.scan();
    assert_eq!(s.providers[0].files_read, 1);
    let t = h.totals();
    assert_eq!((t.requests, t.output_tokens), (4, 100));
    // And both in one scan.
    write(&h, "p/c.jsonl", &format!("{HEAD}{}", line(5, 50)));
    write(&h, "p/d.jsonl", &format!("{HEAD}{}", line(6, 60)));
    h.scan();
    assert_eq!(h.totals().requests, 6);
}

#[test]
fn empty_file_then_growth() {
    // Case 12: an empty file cannot be fingerprinted; it is read once it has lines.
    let mut h = Harness::new(CAP);
    write(&h, "p/a.jsonl", "");
    let s = h.scan();
    assert!(s.providers[0].problems.is_empty());
    assert_eq!(s.providers[0].files, 1);
    assert_eq!(h.totals(), Totals::default());
    assert_eq!(h.checkpoint_offset("p/a.jsonl"), Some((0, Some(0))));
    append(&h, "p/a.jsonl", &line(1, 10));
    h.scan();
    assert_eq!(h.totals().requests, 1);
}

#[test]
fn incomplete_first_line_across_a_restart() {
    // Cases 2, 11, 12: a first line without its newline (even one that is complete JSON) is
    // not consumed; it is read whole once the newline arrives, also after a restart.
    let mut h = Harness::new(CAP);
    let l1 = line(1, 10);
    let (body, nl) = l1.split_at(l1.len() - 1);
    write(&h, "p/a.jsonl", &body[..40]);
    h.scan();
    assert_eq!(h.totals().requests, 0);
    assert_eq!(h.checkpoint_offset("p/a.jsonl").unwrap().0, 0);
    append(&h, "p/a.jsonl", &body[40..]);
    h.scan();
    assert_eq!(
        h.totals().requests,
        0,
        "complete JSON without its newline is not consumed"
    );
    h.restart();
    append(&h, "p/a.jsonl", nl);
    h.scan();
    let t = h.totals();
    assert_eq!((t.requests, t.output_tokens), (1, 10));
    assert_eq!(h.checkpoint_offset("p/a.jsonl").unwrap().0, l1.len() as u64);
}

#[test]
fn fifo_symlinks_and_directories_are_ignored_without_hanging() {
    // Case 15: a FIFO, a symlink to a file outside the root, a symlinked directory and a
    // directory named like a log are not read; the scan must not block on the FIFO.
    let mut h = Harness::new(CAP);
    let outside = h
        .projects
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("outside");
    fs::create_dir_all(outside.join("d")).unwrap();
    fs::write(outside.join("x.jsonl"), line(90, 1)).unwrap();
    fs::write(outside.join("d/y.jsonl"), line(91, 1)).unwrap();
    write(&h, "p/a.jsonl", &line(1, 10));
    let fifo = std::ffi::CString::new(h.abs("p/fifo.jsonl").as_str()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink(outside.join("x.jsonl"), h.abs("p/link.jsonl")).unwrap();
    std::os::unix::fs::symlink(outside.join("d"), h.abs("p/linkdir")).unwrap();
    fs::create_dir(h.abs("p/dir.jsonl")).unwrap();

    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let s = h.scan();
        tx.send((s, h.totals())).unwrap();
    });
    let (s, totals) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the scan hung (FIFO opened blocking?)");
    assert_eq!(s.providers[0].files, 1);
    assert!(
        s.providers[0].problems.is_empty(),
        "{:?}",
        s.providers[0].problems
    );
    assert_eq!((totals.requests, totals.output_tokens), (1, 10));
}

#[test]
fn unreadable_file_is_a_problem_not_a_failure() {
    // Case 15: permission denied on one file; the others are read.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return; // root reads anything
    }
    use std::os::unix::fs::PermissionsExt;
    let mut h = Harness::new(CAP);
    write(&h, "p/a.jsonl", &line(1, 10));
    write(&h, "p/b.jsonl", &line(2, 20));
    fs::set_permissions(h.abs("p/a.jsonl"), fs::Permissions::from_mode(0o000)).unwrap();
    let s = h.scan();
    assert_eq!(s.providers[0].problems.len(), 1);
    assert_eq!(h.totals().requests, 1);
    fs::set_permissions(h.abs("p/a.jsonl"), fs::Permissions::from_mode(0o600)).unwrap();
    h.scan();
    assert_eq!(h.totals().requests, 2);
}

#[test]
fn rotation_by_rename_reads_only_new_bytes() {
    // Case 3: rename to a matched name with a new file at the old path, twice within one scan
    // interval; nothing already read is read again.
    let mut h = Harness::new(CAP);
    write(&h, "p/a.jsonl", &format!("{}{}", line(1, 10), line(2, 20)));
    h.scan();
    fs::rename(h.abs("p/a.jsonl"), h.abs("p/a-1.jsonl")).unwrap();
    append(&h, "p/a-1.jsonl", &line(3, 30)); // the old writer drains into the rotated file
    write(&h, "p/a.jsonl", &line(4, 40));
    fs::rename(h.abs("p/a-1.jsonl"), h.abs("p/a-2.jsonl")).unwrap();
    fs::rename(h.abs("p/a.jsonl"), h.abs("p/a-1.jsonl")).unwrap();
    write(&h, "p/a.jsonl", &line(5, 50));
    let s = h.scan();
    let new_bytes = line(3, 30).len() + line(4, 40).len() + line(5, 50).len();
    assert_eq!(s.bytes_read(), new_bytes as u64);
    let t = h.totals();
    assert_eq!((t.requests, t.output_tokens), (5, 150));
}

#[test]
fn hard_links_are_read_once_and_survive_an_unlink() {
    // Case 8: two paths to one file are deduplicated by device and inode.
    let mut h = Harness::new(CAP);
    write(&h, "p/b.jsonl", &line(1, 10));
    fs::hard_link(h.abs("p/b.jsonl"), h.abs("p/a.jsonl")).unwrap();
    let s = h.scan();
    assert_eq!(s.providers[0].files, 1);
    assert_eq!(s.bytes_read(), line(1, 10).len() as u64);
    fs::remove_file(h.abs("p/a.jsonl")).unwrap();
    append(&h, "p/b.jsonl", &line(2, 20));
    let s = h.scan();
    assert_eq!(
        s.bytes_read(),
        line(2, 20).len() as u64,
        "b.jsonl continues a.jsonl's checkpoint"
    );
    assert_eq!(h.totals().requests, 2);
}

#[test]
fn copytruncate_with_an_append_writer_and_with_a_hole() {
    // Case 4: copy, truncate, go on writing: at 0 (O_APPEND) or at the old offset (a hole).
    let mut h = Harness::new(tail_default());
    write(&h, "p/a.jsonl", &line(1, 10));
    h.scan();
    append(&h, "p/a.jsonl", &line(2, 20)); // not yet read when the copy is taken
    fs::copy(h.abs("p/a.jsonl"), h.abs("p/a-1.jsonl")).unwrap();
    let old_len = fs::metadata(h.abs("p/a.jsonl")).unwrap().len();
    rewrite_in_place(&h, "p/a.jsonl", "");
    let f = OpenOptions::new()
        .write(true)
        .open(h.abs("p/a.jsonl"))
        .unwrap();
    f.write_all_at(line(3, 30).as_bytes(), old_len).unwrap();
    drop(f);
    let s = h.scan();
    // The copy resumes where a.jsonl was read; the hole file is read from its start.
    assert_eq!(
        s.bytes_read(),
        line(2, 20).len() as u64 + old_len + line(3, 30).len() as u64
    );
    let t = h.totals();
    assert_eq!((t.requests, t.output_tokens), (3, 60));

    // O_APPEND writer: no hole.
    fs::copy(h.abs("p/a.jsonl"), h.abs("p/a-2.jsonl")).unwrap();
    rewrite_in_place(&h, "p/a.jsonl", &line(4, 40));
    h.scan();
    assert_eq!(h.totals().requests, 4);
}

fn tail_default() -> usize {
    scopeon_core::tail::DEFAULT_MAX_LINE
}

#[test]
fn line_cap_boundaries_with_crlf() {
    // Cases 9, 10: cap - 1 and cap are kept, cap + 1 and far over are skipped and the next line
    // is still read; CRLF counts toward the cap.
    let mut h = Harness::new(CAP);
    let padded = |key: u32, raw_len: usize, crlf: bool| {
        let c = Counters {
            input: 1,
            cache_read: 0,
            output: 1,
        };
        let base = record_body(key, c, u64::from(key), 0).len() + usize::from(crlf);
        let body = record_body(key, c, u64::from(key), raw_len - base);
        format!("{body}{}\n", if crlf { "\r" } else { "" })
    };
    let mut content = String::new();
    for (key, raw_len, crlf) in [
        (1, CAP - 1, false),
        (2, CAP, false),
        (3, CAP + 1, false),
        (4, CAP, true),
        (5, CAP + 1, true),
        (6, CAP * 50, false),
    ] {
        content.push_str(&padded(key, raw_len, crlf));
    }
    content.push_str("\n\r\n");
    content.push_str(&line(7, 1));
    write(&h, "p/a.jsonl", &content);
    let s = h.scan();
    assert_eq!(h.totals().requests, 4, "keys 1, 2, 4 and 7");
    assert_eq!(s.skipped().iter().map(|(_, n)| n).sum::<u64>(), 3);
}

#[test]
fn touch_does_not_reread() {
    // Case 16.
    let mut h = Harness::new(CAP);
    write(
        &h,
        "p/a.jsonl",
        &format!("{}{}", line(1, 10), &line(2, 20)[..30]),
    );
    h.scan();
    set_mtime_secs(&h, "p/a.jsonl", 1_800_000_000);
    let s = h.scan();
    assert_eq!(s.bytes_read(), 0);
    assert_eq!(s.providers[0].files_restarted, 0);
    assert_eq!(h.totals().requests, 1);
}

#[test]
fn reused_inode_with_different_content() {
    // Case 6: delete and recreate; the new file may get the old inode back.
    let mut h = Harness::new(CAP);
    write(&h, "p/a.jsonl", &format!("{}{}", line(1, 10), line(2, 20)));
    h.scan();
    let old = ino(&h, "p/a.jsonl");
    fs::remove_file(h.abs("p/a.jsonl")).unwrap();
    write(
        &h,
        "p/a.jsonl",
        &format!("{}{}{}", line(3, 30), line(4, 40), line(5, 50)),
    );
    let reused = ino(&h, "p/a.jsonl") == old;
    h.scan();
    let t = h.totals();
    assert_eq!(
        (t.requests, t.output_tokens),
        (5, 150),
        "inode reused: {reused}"
    );
}

#[test]
fn over_cap_line_arriving_in_pieces() {
    // Case 9 with case 2: an over-cap line without its newline is neither consumed nor
    // counted; once complete it is skipped once, and the line after it is read.
    let mut h = Harness::new(CAP);
    let long = format!(
        "{{\"type\":\"user\",\"pad\":\"{}\"}}\n",
        "y".repeat(CAP * 3)
    );
    write(&h, "p/a.jsonl", &line(1, 10));
    append(&h, "p/a.jsonl", &long[..CAP + 10]);
    let s = h.scan();
    assert_eq!(s.skipped().iter().map(|(_, n)| n).sum::<u64>(), 0);
    assert_eq!(
        h.checkpoint_offset("p/a.jsonl").unwrap().0,
        line(1, 10).len() as u64
    );
    append(&h, "p/a.jsonl", &long[CAP + 10..CAP * 2]);
    h.restart();
    h.scan();
    append(
        &h,
        "p/a.jsonl",
        &format!("{}{}", &long[CAP * 2..], line(2, 20)),
    );
    let s = h.scan();
    assert_eq!(s.skipped().iter().map(|(_, n)| n).sum::<u64>(), 1);
    let t = h.totals();
    assert_eq!((t.requests, t.output_tokens), (2, 30));
}

#[test]
fn renamed_directory_is_not_read_again() {
    // A project or session directory renamed: every file continues its old checkpoint.
    let mut h = Harness::new(CAP);
    write(&h, "p/s/subagents/agent-1.jsonl", &line(1, 10));
    write(&h, "p/s/subagents/agent-2.jsonl", &line(2, 20));
    h.scan();
    fs::rename(h.abs("p/s"), h.abs("p/t")).unwrap();
    append(&h, "p/t/subagents/agent-2.jsonl", &line(3, 30));
    let s = h.scan();
    assert_eq!(s.bytes_read(), line(3, 30).len() as u64);
    assert_eq!(h.checkpoint_offset("p/s/subagents/agent-1.jsonl"), None);
    let t = h.totals();
    assert_eq!((t.requests, t.output_tokens), (3, 60));
}

// ---------------------------------------------------------------------------------------------
// Limits of the identity scheme (documented, ignored: they fail today).
// ---------------------------------------------------------------------------------------------

/// Two lines that differ only in their first bytes: same length, same last 64 bytes.
fn lookalike(id: &str, output: u64) -> String {
    format!(
        "{{\"type\":\"assistant\",\"message\":{{\"id\":\"msg_{id}\",\"usage\":{{\"output_tokens\":{output}}}}},\"requestId\":\"req_{id}\",\"timestamp\":\"2025-10-03T09:15:05.402Z\",\"cwd\":\"/home/dev/a-project-with-a-long-enough-name\"}}\n"
    )
}

#[test]
#[ignore = "limitation: adoption trusts the first line and the 64 bytes before the offset; a different file that matches both is skipped up to the offset"]
fn adoption_with_same_first_line_and_same_tail_window() {
    let mut h = Harness::new(CAP);
    write(&h, "p/a.jsonl", &format!("{HEAD}{}", lookalike("A1", 10)));
    h.scan();
    // A new session file with the same first line whose line ends like a.jsonl's.
    write(&h, "p/b.jsonl", &format!("{HEAD}{}", lookalike("B1", 20)));
    h.scan();
    assert_eq!(h.totals().requests, 2, "b.jsonl's request was never read");
}

#[test]
fn rotation_to_a_later_name_reads_only_new_bytes() {
    let mut h = Harness::new(CAP);
    write(&h, "p/a.jsonl", &format!("{}{}", line(1, 10), line(2, 20)));
    h.scan();
    fs::rename(h.abs("p/a.jsonl"), h.abs("p/b.jsonl")).unwrap();
    write(&h, "p/a.jsonl", &line(3, 30));
    let s = h.scan();
    assert_eq!(h.totals().requests, 3);
    assert_eq!(
        s.bytes_read(),
        line(3, 30).len() as u64,
        "b.jsonl was read again"
    );
}

#[test]
#[ignore = "limitation: the stat fast path trusts (inode, size, mtime); an in-place rewrite that keeps all three is never read"]
fn same_size_same_mtime_rewrite() {
    let mut h = Harness::new(CAP);
    write(&h, "p/a.jsonl", &line(1, 10));
    set_mtime_secs(&h, "p/a.jsonl", 1_750_000_000);
    h.scan();
    rewrite_in_place(&h, "p/a.jsonl", &line(2, 20));
    set_mtime_secs(&h, "p/a.jsonl", 1_750_000_000); // as `touch -r`, `cp -p` or rsync -t do
    h.scan();
    assert_eq!(h.totals().requests, 2);
}

#[test]
fn line_after_a_hole_larger_than_the_cap() {
    let mut h = Harness::new(CAP);
    write(&h, "p/a.jsonl", "");
    let f = OpenOptions::new()
        .write(true)
        .open(h.abs("p/a.jsonl"))
        .unwrap();
    f.write_all_at(line(1, 10).as_bytes(), (CAP * 2) as u64)
        .unwrap();
    drop(f);
    h.scan();
    assert_eq!(h.totals().requests, 1);
}

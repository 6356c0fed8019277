// json_lines: the physical reference of benches/mixed.sh. Reads the files it is given and
// validates every JSON line (or whole JSON document) with serde_json, building nothing: the
// floor any scanner that reads these logs as JSON pays, beside which Scopeon's MB/s is quoted.
//
//   json_lines --files-from LIST     LIST: the files, NUL-separated (as `find -print0` writes)
//   json_lines FILE...
//
// How each file is read (by its name, as Scopeon's providers tell them apart, docs/roots.md):
//   *.jsonl        line by line into one reused buffer; every non-empty line is one JSON value
//   *.jsonl.zst    the same, through a zstd decoder (Codex's archived rollouts)
//   *.json         the whole file is one JSON document (OpenCode's messages, Gemini CLI's
//                  legacy recordings)
//   *.db, *.vscdb  SQLite databases: not JSON, skipped and counted as such
//
// Each line or document is checked with `serde_json::from_str::<IgnoredAny>` after
// `std::str::from_utf8`: IgnoredAny walks the whole grammar (structure, strings with their
// escapes and control characters, numbers, nothing trailing) and allocates nothing, and the
// UTF-8 check completes it to a full validation of JSON text. That is exactly what a borrowed
// `&serde_json::value::RawValue` would do, without enabling serde_json's `raw_value` feature
// for the whole workspace. Anything more (a `Value` tree, typed fields) is work a scanner
// chooses; this is the part it cannot avoid unless it skips lines unparsed.
//
// A last line without its newline is still being written by the agent: like Scopeon, it is
// not read (counted as `unterminated`, not as an error).
//
// Prints one JSON summary on stdout (`scopeon.bench.json_lines.v1`). Parse errors are counted,
// and the first few are named on stderr by file and line (serde_json's message, which says
// where and what was expected, never the text); they do not fail the run.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde::de::IgnoredAny;

const USAGE_TEXT: &str = "usage: json_lines --files-from LIST | json_lines FILE...
  validates every line of each .jsonl / .jsonl.zst file and each whole .json file as JSON
  (serde_json, IgnoredAny) and prints a JSON summary; SQLite databases are skipped
  --files-from  read the file names from LIST, NUL-separated (find -print0)";

/// Parse errors named on stderr; the rest are only counted.
const ERRORS_SHOWN: u64 = 5;

/// How a file is read, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Lines,
    ZstdLines,
    Document,
    Database,
}

fn kind_of(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_str()?;
    if name.ends_with(".jsonl") {
        Some(Kind::Lines)
    } else if name.ends_with(".jsonl.zst") {
        Some(Kind::ZstdLines)
    } else if name.ends_with(".json") {
        Some(Kind::Document)
    } else if name.ends_with(".db") || name.ends_with(".vscdb") {
        Some(Kind::Database)
    } else {
        None
    }
}

/// What was read, summed over the files.
#[derive(Debug, Default)]
struct Tally {
    files: u64,
    /// Bytes of the files on disk (compressed for `.zst`): what MB/s is computed on, as for `cat`.
    bytes: u64,
    /// Bytes handed to the JSON parser (after decompression, newlines excluded).
    json_bytes: u64,
    lines: u64,
    documents: u64,
    empty_lines: u64,
    unterminated: u64,
    parse_errors: u64,
    skipped_databases: u64,
}

impl Tally {
    /// Validates one line or document; `what` names it for the stderr report of an error.
    fn check(&mut self, text: &[u8], what: impl FnOnce() -> String) {
        self.json_bytes += text.len() as u64;
        let result = std::str::from_utf8(text)
            .map_err(|e| format!("not UTF-8 ({e})"))
            .and_then(|s| {
                serde_json::from_str::<IgnoredAny>(s)
                    .map(drop)
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = result {
            self.parse_errors += 1;
            if self.parse_errors <= ERRORS_SHOWN {
                eprintln!("json_lines: {}: {e}", what());
            }
        }
    }

    fn read_lines(&mut self, path: &Path, reader: impl Read, buf: &mut Vec<u8>) -> io::Result<()> {
        let mut reader = BufReader::with_capacity(256 << 10, reader);
        let mut number = 0u64;
        loop {
            buf.clear();
            if reader.read_until(b'\n', buf)? == 0 {
                return Ok(());
            }
            number += 1;
            let Some(line) = buf.strip_suffix(b"\n") else {
                self.unterminated += 1;
                return Ok(());
            };
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                self.empty_lines += 1;
                continue;
            }
            self.lines += 1;
            self.check(line, || format!("{}: line {number}", path.display()));
        }
    }

    fn read_file(&mut self, path: &Path, buf: &mut Vec<u8>) -> Result<(), String> {
        let kind = kind_of(path).ok_or_else(|| {
            format!(
                "{}: not a .jsonl, .jsonl.zst, .json or database file; list only a provider's logs",
                path.display()
            )
        })?;
        let file = File::open(path).map_err(|e| format!("{}: cannot open: {e}", path.display()))?;
        let size = file
            .metadata()
            .map_err(|e| format!("{}: cannot stat: {e}", path.display()))?
            .len();
        self.files += 1;
        self.bytes += size;
        let read = match kind {
            Kind::Database => {
                self.skipped_databases += 1;
                Ok(())
            }
            Kind::Lines => self.read_lines(path, file, buf),
            Kind::ZstdLines => ruzstd::decoding::StreamingDecoder::new(file)
                .map_err(|e| io::Error::other(format!("zstd: {e}")))
                .and_then(|decoder| self.read_lines(path, decoder, buf)),
            Kind::Document => {
                buf.clear();
                BufReader::new(file).read_to_end(buf).map(|_| {
                    self.documents += 1;
                    self.check(buf, || path.display().to_string());
                })
            }
        };
        read.map_err(|e| format!("{}: cannot read: {e}", path.display()))
    }

    fn to_json(&self, seconds: f64) -> String {
        format!(
            "{{\"schema\":\"scopeon.bench.json_lines.v1\",\"files\":{},\"bytes\":{},\"json_bytes\":{},\
             \"lines\":{},\"documents\":{},\"empty_lines\":{},\"unterminated\":{},\
             \"parse_errors\":{},\"skipped_databases\":{},\"seconds\":{seconds:.6}}}",
            self.files,
            self.bytes,
            self.json_bytes,
            self.lines,
            self.documents,
            self.empty_lines,
            self.unterminated,
            self.parse_errors,
            self.skipped_databases,
        )
    }
}

fn files_from(list: &Path) -> Result<Vec<PathBuf>, String> {
    let bytes = std::fs::read(list)
        .map_err(|e| format!("{}: cannot read the file list: {e}", list.display()))?;
    bytes
        .split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| {
            std::str::from_utf8(name).map(PathBuf::from).map_err(|_| {
                format!(
                    "{}: a file name is not UTF-8; list the files NUL-separated",
                    list.display()
                )
            })
        })
        .collect()
}

fn run(args: &[String]) -> Result<(), String> {
    let paths = match args {
        [] => return Err(USAGE_TEXT.to_string()),
        [flag, list] if flag == "--files-from" => files_from(Path::new(list))?,
        [flag, ..] if flag == "--files-from" => return Err(USAGE_TEXT.to_string()),
        [flag, ..] if flag == "-h" || flag == "--help" => {
            println!("{USAGE_TEXT}");
            return Ok(());
        }
        files => files.iter().map(PathBuf::from).collect(),
    };
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut buf = Vec::with_capacity(1 << 20);
    for path in &paths {
        tally.read_file(path, &mut buf)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("{}", tally.to_json(seconds));
    if tally.parse_errors > ERRORS_SHOWN {
        eprintln!(
            "json_lines: {} parse errors in all ({} shown)",
            tally.parse_errors, ERRORS_SHOWN
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("json_lines: {e}");
            ExitCode::from(2)
        }
    }
}

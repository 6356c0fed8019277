//! The repository stands on its own: comments, tests and pages cite the reference in `docs/`,
//! never design notes kept outside the repository, and every `docs/` page they cite exists.
//!
//! Walks the text files of the whole repository (sources, tests, fixtures, snapshots, scripts,
//! benches, fuzz targets, bindings, the root `.md` files and `docs/` itself; not build output,
//! hidden directories other than `.ci` and `.cargo`, nor fuzz seeds and corpora, which are
//! data) and fails, naming file and line, when
//! - a file cites a page that is not in the repository (the contracts, surfaces, architecture,
//!   log-format and anchor notes, or a price page other than docs/pricing.md);
//! - a `docs/…` path cited anywhere does not exist;
//! - a relative link of a Markdown file in `docs/` or at the root leads nowhere.

use std::fs;
use std::path::{Path, PathBuf};

/// Names of design notes that are not part of the repository. Each is split in two so that
/// this file does not cite them itself.
const OUTSIDE_PAGES: &[&str] = &[
    concat!("CONTRA", "CTS"),
    concat!("SURFA", "CES"),
    concat!("ARCHITEC", "TURE.md"),
    concat!("log-for", "mats"),
    concat!("log_for", "mats"),
    concat!("anchors", ".md"),
];

/// The one page name that is both an outside note and a docs/ page (split for the same reason).
const PRICING_PAGE: &str = concat!("pricing", ".md");

/// Directories that hold no text to check: build output, dependencies, fuzzing data.
const SKIPPED_DIRS: &[&str] = &[
    "target",
    "node_modules",
    "__pycache__",
    "seeds",
    "corpus",
    "artifacts",
    "coverage",
];

/// Extensions of the files checked (plus extensionless scripts starting with `#!`).
const TEXT_EXTENSIONS: &[&str] = &[
    "rs",
    "md",
    "sh",
    "toml",
    "json",
    "jsonl",
    "py",
    "swift",
    "h",
    "c",
    "m",
    "txt",
    "snap",
    "yml",
    "yaml",
    "dict",
    "modulemap",
];

fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("scopeon-core sits in the workspace root")
        .to_path_buf();
    assert!(
        root.join("docs/README.md").is_file(),
        "{} has no docs/README.md: run this test from a checkout of the repository",
        root.display()
    );
    root
}

fn is_checked_file(path: &Path, bytes: &[u8]) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => TEXT_EXTENSIONS.contains(&ext),
        None => bytes.starts_with(b"#!"),
    }
}

/// Every checked file below `dir`, in a stable order.
fn text_files(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let meta = fs::symlink_metadata(&path).expect("metadata");
        if meta.is_dir() {
            let hidden = name.starts_with('.') && name != ".ci" && name != ".cargo";
            if !hidden && !SKIPPED_DIRS.contains(&name) {
                text_files(&path, out);
            }
        } else if meta.is_file() {
            let bytes = fs::read(&path).expect("readable file");
            if is_checked_file(&path, &bytes) {
                out.push((path, bytes));
            }
        }
    }
}

fn line_of(bytes: &[u8], at: usize) -> usize {
    bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
}

fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    (0..haystack.len().saturating_sub(needle.len() - 1))
        .filter(move |&i| haystack[i..].starts_with(needle))
}

fn is_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/')
}

/// The `docs/…` paths cited in a file, with their offsets: `docs/` not preceded by a path
/// character (so URLs such as `…/api/docs/guide` are not taken), up to the first byte that
/// cannot be part of a path, without a trailing sentence period.
fn cited_docs_paths(bytes: &[u8]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for at in find_all(bytes, b"docs/") {
        if at > 0 && is_path_byte(bytes[at - 1]) {
            continue;
        }
        let len = bytes[at..].iter().take_while(|b| is_path_byte(**b)).count();
        let path = String::from_utf8_lossy(&bytes[at..at + len]);
        found.push((at, path.trim_end_matches('.').to_owned()));
    }
    found
}

/// Relative link targets of a Markdown file (`[text](target)`), with their offsets.
fn markdown_links(bytes: &[u8]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for at in find_all(bytes, b"](") {
        let start = at + 2;
        let Some(len) = bytes[start..].iter().position(|b| *b == b')') else {
            continue;
        };
        let target = String::from_utf8_lossy(&bytes[start..start + len]).into_owned();
        let external = ["http://", "https://", "mailto:", "#"]
            .iter()
            .any(|p| target.starts_with(p));
        if !external && !target.is_empty() {
            let path = target.split('#').next().unwrap_or("").to_owned();
            found.push((start, path));
        }
    }
    found
}

fn problems(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    text_files(root, &mut files);
    assert!(
        files.len() > 100,
        "only {} text files found below {}: the walk is broken",
        files.len(),
        root.display()
    );
    let mut problems = Vec::new();
    for (path, bytes) in &files {
        let rel = path.strip_prefix(root).unwrap_or(path);
        let in_docs = rel.starts_with("docs");
        let at_root = rel.components().count() == 1;
        let mut report = |at: usize, what: String| {
            problems.push(format!("{}:{}: {what}", rel.display(), line_of(bytes, at)));
        };
        for page in OUTSIDE_PAGES {
            for at in find_all(bytes, page.as_bytes()) {
                report(
                    at,
                    format!("cites `{page}`, which is not in the repository; cite the docs/ page"),
                );
            }
        }
        // Outside docs/, the price page must be cited as docs/pricing.md (inside, links are
        // relative and checked below).
        if !in_docs {
            for at in find_all(bytes, PRICING_PAGE.as_bytes()) {
                if !bytes[..at].ends_with(b"docs/") {
                    report(
                        at,
                        format!("cites a `{PRICING_PAGE}` that is not docs/pricing.md"),
                    );
                }
            }
        }
        for (at, cited) in cited_docs_paths(bytes) {
            if !root.join(&cited).exists() {
                report(at, format!("cites {cited}, which does not exist"));
            }
        }
        let is_markdown = rel.extension().is_some_and(|e| e == "md");
        if is_markdown && (in_docs || at_root) {
            let dir = path.parent().expect("a file has a directory");
            for (at, target) in markdown_links(bytes) {
                if !target.is_empty() && !dir.join(&target).exists() {
                    report(at, format!("links to {target}, which does not exist"));
                }
            }
        }
    }
    problems
}

#[test]
fn repository_cites_only_its_own_docs() {
    let problems = problems(&repo_root());
    assert!(
        problems.is_empty(),
        "{} citation problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_check_finds_what_it_looks_for() {
    let text =
        b"see docs/identity.md. and (docs/providers/codex.md) or https://x.dev/api/docs/a.md";
    let cited: Vec<String> = cited_docs_paths(text).into_iter().map(|(_, p)| p).collect();
    assert_eq!(cited, ["docs/identity.md", "docs/providers/codex.md"]);
    let links: Vec<String> = markdown_links(b"[a](tokens.md#x) [b](https://e.org) [c](#top)")
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(links, ["tokens.md"]);
    let citation = format!("(see {}{} §2)", "CONTRA", "CTS");
    assert_eq!(
        find_all(citation.as_bytes(), OUTSIDE_PAGES[0].as_bytes()).count(),
        1
    );
}

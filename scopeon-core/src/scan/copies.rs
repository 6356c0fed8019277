//! Copies of a log: what the reading of other files already accounts for in the file about to
//! be read, so that each line of a log counts once whichever of its copies is read first
//! (docs/identity.md, "Copies of a log").
//!
//! Two tailed files with the same first line are copies of one log: a rename, a backup, an
//! archive, a branch that copied its parent and went on, a parent that went on after a branch
//! copied it. What one of them holds that another one's checkpoint already consumed was counted
//! when that other file was read. Two things follow:
//!
//! - **Adoption**: a file that starts with everything another file's checkpoint consumed
//!   continues at that checkpoint, with its parser state (nothing is parsed twice).
//! - **Coverage**: a file's lines that another file's reading already consumed (their longest
//!   common beginning, cut at a line end) are parsed, so the parser's state is what it would be,
//!   but their records are dropped. This is what makes the result independent of order: a
//!   shorter copy read after a longer one, or a fork whose shared part was read from the other
//!   side, adds only the lines no other file holds.
//!
//! Both trust, like a resume does, the first line and the 64 bytes before an offset when they
//! compare with a checkpoint alone; where the other file must be compared byte by byte (this
//! file is shorter than what it consumed, or diverges from it), its bytes are read and compared
//! exactly, and only while it still holds what its checkpoint says it consumed.

use std::fs::File;
use std::io;

use camino::{Utf8Path, Utf8PathBuf};

use crate::hash::ContentKey;
use crate::tail::{self, Checkpoint, FileStat};

/// Bytes compared per read when two files are compared byte by byte.
const COMPARE_CHUNK: usize = 64 * 1024;

/// Another copy of a log: its checkpoint, and its path when the current walk found it. A
/// checkpoint known only from the database (its file is gone, or under a root not walked
/// now; its stored path may be keyed, docs/storage.md "Log paths") is never opened: it can
/// be adopted, and covers what this file holds of it, but is never compared byte by byte.
pub(super) type Candidate = (Option<Utf8PathBuf>, Checkpoint);

/// The checkpoint of another path whose whole consumed content this file starts with (same
/// first line, since `candidates` share it, and same bytes before that checkpoint's offset):
/// the one that consumed the most.
pub(super) fn adoptable<'c>(
    path: &Utf8Path,
    file: &File,
    stat: &FileStat,
    candidates: &'c [Candidate],
    version: u32,
    key: &ContentKey,
) -> io::Result<Option<&'c Checkpoint>> {
    let mut best: Option<&Checkpoint> = None;
    for (other, cp) in candidates {
        if other.as_deref() == Some(path)
            || cp.parser_version != version
            || cp.offset > stat.size
            || cp.offset == 0
        {
            continue;
        }
        if best.is_none_or(|b| cp.offset > b.offset)
            && tail::tail_hash(file, cp.offset, key)? == cp.tail_hash
        {
            best = Some(cp);
        }
    }
    Ok(best)
}

/// How far this file's content, read from `start` (where its reading resumes, or 0), is
/// already consumed by the reading of another path: the end of the last line that both share,
/// or `start` when none is shared beyond it. Records of lines ending at or before it were
/// counted when that other file was read.
pub(super) fn covered_until(
    path: &Utf8Path,
    file: &File,
    stat: &FileStat,
    start: u64,
    candidates: &[Candidate],
    version: u32,
    key: &ContentKey,
) -> io::Result<u64> {
    let mut covered = start;
    for (other, cp) in candidates {
        if other.as_deref() == Some(path) || cp.parser_version != version || cp.offset <= covered {
            continue;
        }
        // This file holds all that checkpoint consumed (the test adoption makes).
        if cp.offset <= stat.size && tail::tail_hash(file, cp.offset, key)? == cp.tail_hash {
            covered = cp.offset;
            continue;
        }
        // Otherwise this file is shorter or diverges: compare with the other file itself. A
        // file that is not in the walk, cannot be read, or no longer holds what was consumed
        // covers nothing.
        if let Some(other) = other
            && let Ok(Some(shared)) = shared_lines(file, stat, other, cp, start, key)
        {
            covered = covered.max(shared);
        }
    }
    Ok(covered)
}

/// The end of the last complete line that this file, from `start` on, shares with the content
/// another path's checkpoint consumed; `None` when that path no longer holds that content or
/// differs before `start`.
fn shared_lines(
    file: &File,
    stat: &FileStat,
    other: &Utf8Path,
    cp: &Checkpoint,
    start: u64,
    key: &ContentKey,
) -> io::Result<Option<u64>> {
    let (theirs, their_stat) = tail::open_regular(other)?;
    if their_stat.size < cp.offset
        || tail::fingerprint(&theirs, key)?.head_hash != cp.head_hash
        || tail::tail_hash(&theirs, cp.offset, key)? != cp.tail_hash
        || (start > 0
            && tail::tail_hash(&theirs, start, key)? != tail::tail_hash(file, start, key)?)
    {
        return Ok(None);
    }
    let end = cp.offset.min(stat.size);
    let mut mine = vec![0u8; COMPARE_CHUNK];
    let mut other_buf = vec![0u8; COMPARE_CHUNK];
    let mut at = start;
    let mut last_line_end = start;
    while at < end {
        let want = COMPARE_CHUNK.min((end - at) as usize);
        let n = read_full(file, &mut mine[..want], at)?;
        let m = read_full(&theirs, &mut other_buf[..want], at)?;
        let same = mine[..n.min(m)]
            .iter()
            .zip(&other_buf[..n.min(m)])
            .take_while(|(a, b)| a == b)
            .count();
        if let Some(nl) = memchr::memrchr(b'\n', &mine[..same]) {
            last_line_end = at + nl as u64 + 1;
        }
        if same < want {
            break;
        }
        at += want as u64;
    }
    Ok(Some(last_line_end))
}

/// Fills `buf` from `offset` as far as the file allows; the number of bytes read.
fn read_full(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match tail::read_at(file, &mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: ContentKey = ContentKey::from_bytes([7; 16]);

    fn checkpoint_of(file: &File, offset: u64) -> Checkpoint {
        Checkpoint {
            dev: 0,
            ino: 0,
            head_hash: tail::fingerprint(file, &KEY).unwrap().head_hash,
            offset,
            tail_hash: tail::tail_hash(file, offset, &KEY).unwrap(),
            size: Some(offset),
            mtime_ns: 0,
            parser_state: b"state".to_vec(),
            parser_version: 1,
            skipped_over_cap: None,
        }
    }

    struct Files {
        _dir: tempfile::TempDir,
        dir: Utf8PathBuf,
    }

    impl Files {
        fn new() -> Files {
            let dir = tempfile::tempdir().unwrap();
            let path = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
            Files {
                _dir: dir,
                dir: path,
            }
        }

        /// Writes a file; its path, open handle and stat.
        fn write(&self, name: &str, bytes: &[u8]) -> (Utf8PathBuf, File, FileStat) {
            let path = self.dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            let (file, stat) = tail::open_regular(&path).unwrap();
            (path, file, stat)
        }
    }

    #[test]
    fn a_longer_copy_adopts_and_is_covered_to_the_checkpoint() {
        let f = Files::new();
        let (a, a_file, _) = f.write("a", b"one\ntwo\n");
        let (b, b_file, b_stat) = f.write("b", b"one\ntwo\nthree\n");
        let candidates = vec![(Some(a.clone()), checkpoint_of(&a_file, 8))];
        let got = adoptable(&b, &b_file, &b_stat, &candidates, 1, &KEY).unwrap();
        assert_eq!(got.map(|cp| cp.offset), Some(8));
        assert_eq!(
            covered_until(&b, &b_file, &b_stat, 0, &candidates, 1, &KEY).unwrap(),
            8
        );
        // Not from its own path, nor from another parser version's checkpoint.
        assert!(
            adoptable(&a, &a_file, &b_stat, &candidates, 1, &KEY)
                .unwrap()
                .is_none()
        );
        assert!(
            adoptable(&b, &b_file, &b_stat, &candidates, 2, &KEY)
                .unwrap()
                .is_none()
        );
        assert_eq!(
            covered_until(&b, &b_file, &b_stat, 0, &candidates, 2, &KEY).unwrap(),
            0
        );
    }

    #[test]
    fn a_shorter_copy_or_a_fork_is_covered_to_the_last_shared_line() {
        let f = Files::new();
        let (long, long_file, _) = f.write("long", b"one\ntwo\nthree\n");
        let candidates = vec![(Some(long.clone()), checkpoint_of(&long_file, 14))];
        // A prefix copy, with a partial line the other file completes differently.
        let (short, short_file, short_stat) = f.write("short", b"one\ntwo\nthr");
        assert!(
            adoptable(&short, &short_file, &short_stat, &candidates, 1, &KEY)
                .unwrap()
                .is_none()
        );
        assert_eq!(
            covered_until(&short, &short_file, &short_stat, 0, &candidates, 1, &KEY).unwrap(),
            8
        );
        // A fork: the shared beginning, cut at a line end.
        let (fork, fork_file, fork_stat) = f.write("fork", b"one\ntwX\nthree\nfour\n");
        assert_eq!(
            covered_until(&fork, &fork_file, &fork_stat, 0, &candidates, 1, &KEY).unwrap(),
            4
        );
        // Resumed past what is shared: nothing more is covered.
        assert_eq!(
            covered_until(&fork, &fork_file, &fork_stat, 14, &candidates, 1, &KEY).unwrap(),
            14
        );
        // A copy of all of it, read from where its own reading stopped.
        let (copy, copy_file, copy_stat) = f.write("copy", b"one\ntwo\nthree\n");
        assert_eq!(
            covered_until(&copy, &copy_file, &copy_stat, 4, &candidates, 1, &KEY).unwrap(),
            14
        );
    }

    #[test]
    fn a_file_that_no_longer_holds_what_it_consumed_covers_nothing() {
        let f = Files::new();
        let (long, long_file, _) = f.write("long", b"one\ntwo\nthree\n");
        let candidates = vec![(Some(long.clone()), checkpoint_of(&long_file, 14))];
        // Rewritten since (same length, other bytes before the offset)...
        std::fs::write(&long, b"one\ntwo\nthreX\n").unwrap();
        let (short, short_file, short_stat) = f.write("short", b"one\ntwo\n");
        assert_eq!(
            covered_until(&short, &short_file, &short_stat, 0, &candidates, 1, &KEY).unwrap(),
            0
        );
        // ...or gone: only a file holding all it consumed can be judged without it.
        std::fs::remove_file(&long).unwrap();
        assert_eq!(
            covered_until(&short, &short_file, &short_stat, 0, &candidates, 1, &KEY).unwrap(),
            0
        );
        let (longer, longer_file, longer_stat) = f.write("longer", b"one\ntwo\nthree\nfour\n");
        assert_eq!(
            covered_until(&longer, &longer_file, &longer_stat, 0, &candidates, 1, &KEY).unwrap(),
            14
        );
    }

    #[test]
    fn a_copy_known_only_from_the_database_is_never_opened() {
        let f = Files::new();
        let (long, long_file, _) = f.write("long", b"one\ntwo\nthree\n");
        let cp = checkpoint_of(&long_file, 14);
        let walked = vec![(Some(long.clone()), cp.clone())];
        let stored = vec![(None, cp)];
        // A longer copy adopts it and is covered to it either way: no comparison needed.
        let (longer, longer_file, longer_stat) = f.write("longer", b"one\ntwo\nthree\nfour\n");
        for candidates in [&walked, &stored] {
            let got = adoptable(&longer, &longer_file, &longer_stat, candidates, 1, &KEY);
            assert_eq!(got.unwrap().map(|cp| cp.offset), Some(14));
        }
        // A shorter copy is covered only by a walked file, which can be compared.
        let (short, short_file, short_stat) = f.write("short", b"one\ntwo\n");
        let covered = |c: &[Candidate]| {
            covered_until(&short, &short_file, &short_stat, 0, c, 1, &KEY).unwrap()
        };
        assert_eq!((covered(&walked), covered(&stored)), (8, 0));
    }

    #[test]
    fn long_files_are_compared_across_chunks() {
        let f = Files::new();
        let line = "x".repeat(1000) + "\n";
        let body = line.repeat(200);
        let (long, long_file, _) = f.write("long", format!("{body}tail\n").as_bytes());
        let total = body.len() as u64 + 5;
        let candidates = vec![(Some(long.clone()), checkpoint_of(&long_file, total))];
        let mut forked = body.clone().into_bytes();
        forked[150_000] = b'y';
        let (fork, fork_file, fork_stat) = f.write("fork", &forked);
        // The changed byte is in the line at index 149: the 149 lines before it are shared.
        assert_eq!(
            covered_until(&fork, &fork_file, &fork_stat, 0, &candidates, 1, &KEY).unwrap(),
            149 * 1001
        );
    }
}

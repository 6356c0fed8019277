//! Incremental reading of append-only log files: identity, checkpoints and line framing.
//!
//! The pieces are split the way Vector's file source splits them: pure functions decide
//! (is this file unchanged? may we resume at the checkpoint?), and a small reader frames
//! complete lines as bytes. Nothing here knows JSON or SQL.
//!
//! A [`Checkpoint`] records, per file:
//! - its identity: device and inode, plus a hash of its first line (at most [`HEAD_LEN`] bytes),
//!   so a file replaced under a reused inode is recognised;
//! - the byte offset just past the last complete line consumed, and a hash of the ≤ 64 bytes
//!   before that offset, so a file truncated and regrown past the offset is recognised;
//! - the size and modification time seen, so an unchanged file is not even opened;
//! - the provider's parser state and version;
//! - whether the file was skipped whole for being larger than the document cap (the scanner's
//!   own mark, kept apart from the parser's state).
//!
//! A trailing line without its newline is never consumed: it is read again, whole, once the
//! newline arrives.
//!
//! Known limits, shared with the file tailers this design follows (Vector, Filebeat):
//! - A rewrite in place that keeps the inode, the size and the modification time (`touch -r`,
//!   `rsync -t`) looks unchanged and is not read again.
//! - A resume (or a rename or copy continuing another path's checkpoint) trusts the first line
//!   and the 64 bytes before the offset. A different file matching both is skipped up to the
//!   offset. Agent transcripts start with unique ids, which makes this practically impossible.

use std::fs::File;
use std::io::{self, Read};
#[cfg(not(unix))]
use std::io::{Seek, SeekFrom};

use camino::Utf8Path;
use memchr::memchr;

use crate::hash::ContentKey;

/// Bytes of the first line that identify a file.
pub const HEAD_LEN: usize = 4096;

/// Bytes before the checkpoint offset whose hash must still match for a resume.
pub(crate) const TAIL_LEN: u64 = 64;

/// The default longest line kept: longer lines are skipped to the next newline and counted.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024 * 1024;

const READ_CHUNK: usize = 256 * 1024;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What `lstat` says about a path, without following a final symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    /// Device id.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Whether it is a regular file (not a symlink, directory, FIFO, socket or device).
    pub is_regular: bool,
}

impl FileStat {
    /// `lstat`s a path.
    pub fn of_path(path: &Utf8Path) -> io::Result<FileStat> {
        Ok(FileStat::from_metadata(&std::fs::symlink_metadata(path)?))
    }

    /// `lstat`s a directory entry, relative to its open directory (no path to resolve again
    /// from the root: a warm scan stats every file).
    pub fn of_entry(entry: &std::fs::DirEntry) -> io::Result<FileStat> {
        Ok(FileStat::from_metadata(&entry.metadata()?))
    }

    /// `fstat`s an open file.
    pub fn of_file(file: &File) -> io::Result<FileStat> {
        Ok(FileStat::from_metadata(&file.metadata()?))
    }

    #[cfg(unix)]
    fn from_metadata(m: &std::fs::Metadata) -> FileStat {
        use std::os::unix::fs::MetadataExt;
        FileStat {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: m
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(m.mtime_nsec()),
            is_regular: m.file_type().is_file(),
        }
    }

    #[cfg(not(unix))]
    fn from_metadata(m: &std::fs::Metadata) -> FileStat {
        let mtime_ns = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        FileStat {
            dev: 0,
            ino: 0,
            size: m.len(),
            mtime_ns,
            is_regular: m.file_type().is_file(),
        }
    }
}

/// Where reading of one file stopped, and how to tell whether it may resume there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Device id of the file read.
    pub dev: u64,
    /// Inode of the file read.
    pub ino: u64,
    /// Hash of the first line (at most [`HEAD_LEN`] bytes); `None` before a first line existed.
    pub head_hash: Option<i64>,
    /// Byte offset just past the last complete line consumed.
    pub offset: u64,
    /// Hash of the (at most 64) bytes before `offset`.
    pub tail_hash: i64,
    /// Size when the file was last read to its end; `None` for a checkpoint written mid-file,
    /// which therefore never counts as unchanged.
    pub size: Option<u64>,
    /// Modification time when the file was last read to its end.
    pub mtime_ns: i64,
    /// The provider's parser state at `offset`.
    pub parser_state: Vec<u8>,
    /// The parser version that wrote `parser_state`.
    pub parser_version: u32,
    /// The cap a file read whole (a document, a decompressed archive) was larger than when it
    /// was skipped for it, if it was: it is read again once the cap is raised above this.
    pub skipped_over_cap: Option<u64>,
}

impl Checkpoint {
    /// True when the file at `stat` is exactly as it was when fully read: same device, inode,
    /// size and modification time. Such a file is not opened again.
    pub fn is_unchanged(&self, stat: &FileStat) -> bool {
        self.dev == stat.dev
            && self.ino == stat.ino
            && self.size == Some(stat.size)
            && self.mtime_ns == stat.mtime_ns
    }
}

/// How reading of a file starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Start {
    /// A file never read (or not recognised): read from byte 0 with a fresh parser.
    Fresh,
    /// Same file, grown or untouched: resume at the checkpoint's offset with its parser state.
    Resume {
        /// Offset to resume at.
        offset: u64,
        /// Parser state to resume with.
        parser_state: Vec<u8>,
    },
    /// The file under this path is not the content the checkpoint describes (replaced,
    /// truncated, rewritten): read from byte 0 with a fresh parser.
    Reset(ResetReason),
}

/// Why a checkpoint could not be resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResetReason {
    /// Another file (new device or inode) now sits at the path.
    Replaced,
    /// The file is shorter than the checkpoint offset.
    Truncated,
    /// The first line changed: new content under the same inode.
    HeadChanged,
    /// The bytes before the offset changed: truncated and regrown, or rewritten in place.
    TailChanged,
    /// The parser version changed since the checkpoint was written.
    ParserChanged,
}

/// Hashes of what a file holds now, read once per open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    /// Hash of the first line (≤ [`HEAD_LEN`] bytes), `None` when the file has no complete
    /// first line yet and is shorter than [`HEAD_LEN`].
    pub head_hash: Option<i64>,
}

/// Reads the first line's hash of an open file (positional reads: the cursor does not move),
/// sealed with the database's key.
pub(crate) fn fingerprint(file: &File, key: &ContentKey) -> io::Result<Fingerprint> {
    let mut head = vec![0u8; HEAD_LEN];
    let n = read_at_most(file, &mut head, 0)?;
    head.truncate(n);
    let head_hash = match memchr(b'\n', &head) {
        Some(nl) => Some(key.hash_i64(&head[..nl])),
        None if head.len() == HEAD_LEN => Some(key.hash_i64(&head)),
        None => None,
    };
    Ok(Fingerprint { head_hash })
}

/// The hash of the ≤ [`TAIL_LEN`] bytes before `offset` (0-length at offset 0), sealed with
/// the database's key.
pub(crate) fn tail_hash(file: &File, offset: u64, key: &ContentKey) -> io::Result<i64> {
    let from = offset.saturating_sub(TAIL_LEN);
    let mut buf = vec![0u8; (offset - from) as usize];
    let n = read_at_most(file, &mut buf, from)?;
    if n < buf.len() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "file shrank while being read",
        ));
    }
    Ok(key.hash_i64(&buf))
}

/// One positional read: up to `buf.len()` bytes at `offset` (0 at end of file).
#[cfg(unix)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    file.read_at(buf, offset)
}

/// One positional read: up to `buf.len()` bytes at `offset` (0 at end of file).
#[cfg(not(unix))]
pub(crate) fn read_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.seek(SeekFrom::Start(offset))?;
    file.read(buf)
}

/// Fills `buf` from `offset` as far as the file allows; returns the bytes read.
#[cfg(unix)]
fn read_at_most(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Fills `buf` from `offset` as far as the file allows; returns the bytes read.
#[cfg(not(unix))]
fn read_at_most(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    // Without positional reads the cursor moves; callers seek before streaming.
    file.seek(SeekFrom::Start(offset))?;
    let mut done = 0;
    while done < buf.len() {
        match file.read(&mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Decides where reading of an open file starts, given its checkpoint (if any).
///
/// `stat` and `head` must describe the open file (its `fstat` and [`fingerprint`]). A resume
/// needs the same device and inode, an offset within the file, the same first line and the
/// same bytes before the offset; anything else starts over from byte 0.
pub(crate) fn plan_start(
    file: &File,
    stat: &FileStat,
    head: &Fingerprint,
    prior: Option<&Checkpoint>,
    parser_version: u32,
    key: &ContentKey,
) -> io::Result<Start> {
    let Some(cp) = prior else {
        return Ok(Start::Fresh);
    };
    if cp.dev != stat.dev || cp.ino != stat.ino {
        return Ok(Start::Reset(ResetReason::Replaced));
    }
    if cp.parser_version != parser_version {
        return Ok(Start::Reset(ResetReason::ParserChanged));
    }
    if cp.offset > stat.size {
        return Ok(Start::Reset(ResetReason::Truncated));
    }
    if cp.offset == 0 {
        return Ok(Start::Fresh);
    }
    if head.head_hash != cp.head_hash {
        return Ok(Start::Reset(ResetReason::HeadChanged));
    }
    if tail_hash(file, cp.offset, key)? != cp.tail_hash {
        return Ok(Start::Reset(ResetReason::TailChanged));
    }
    Ok(Start::Resume {
        offset: cp.offset,
        parser_state: cp.parser_state.clone(),
    })
}

/// Opens a log file for reading without following a final symlink and without blocking on a
/// FIFO, and checks that what was opened is a regular file.
pub(crate) fn open_regular(path: &Utf8Path) -> io::Result<(File, FileStat)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC);
    }
    let file = options.open(path)?;
    let stat = FileStat::of_file(&file)?;
    if !stat.is_regular {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok((file, stat))
}

/// Opens `relative` below the directory `root` the way [`open_regular`] opens a path, but
/// never through a symlink below `root`: each directory of `relative` is opened from the one
/// before with `openat(O_NOFOLLOW | O_DIRECTORY)` and the file from the last with
/// `O_NOFOLLOW | O_NONBLOCK`, so a directory swapped for a symlink after a walk looked at it
/// cannot lead the open outside the root (docs/roots.md). The root itself may be a symlink
/// (the user's choice). `relative` must not climb (`..`) or be absolute.
#[cfg(unix)]
pub(crate) fn open_beneath(root: &Utf8Path, relative: &Utf8Path) -> io::Result<(File, FileStat)> {
    use std::ffi::CString;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    let names: Vec<&str> = relative
        .components()
        .map(|c| match c {
            camino::Utf8Component::Normal(name) => Ok(name),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a path below a root must not climb out of it",
            )),
        })
        .collect::<io::Result<_>>()?;
    let Some((file_name, dirs)) = names.split_last() else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a file"));
    };
    let c_name = |name: &str| {
        CString::new(name).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))
    };
    // `at` is a directory descriptor (or AT_FDCWD for the root, whose path is absolute or
    // relative to the working directory as the user gave it).
    let open_at = |at: libc::c_int, name: &CString, flags: libc::c_int| -> io::Result<OwnedFd> {
        // SAFETY: `name` is a NUL-terminated string that outlives the call; `at` is either
        // AT_FDCWD or a descriptor owned by this function for the duration of the call.
        let fd = unsafe { libc::openat(at, name.as_ptr(), flags | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by `openat` and is owned by nobody else.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    };
    let dir_flags = libc::O_RDONLY | libc::O_DIRECTORY;
    let mut dir = open_at(libc::AT_FDCWD, &c_name(root.as_str())?, dir_flags)?;
    for name in dirs {
        dir = open_at(
            dir.as_raw_fd(),
            &c_name(name)?,
            dir_flags | libc::O_NOFOLLOW,
        )
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP | libc::ENOTDIR) => io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name:?} below the root is no longer a directory (a symlink or file put in its place); not followed"),
            ),
            _ => e,
        })?;
    }
    let fd = open_at(
        dir.as_raw_fd(),
        &c_name(file_name)?,
        libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK,
    )?;
    let file = File::from(fd);
    let stat = FileStat::of_file(&file)?;
    if !stat.is_regular {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok((file, stat))
}

/// Opens `relative` below `root`; without `openat` the path is opened as a whole, with
/// [`open_regular`]'s checks.
#[cfg(not(unix))]
pub(crate) fn open_beneath(root: &Utf8Path, relative: &Utf8Path) -> io::Result<(File, FileStat)> {
    open_regular(&root.join(relative))
}

/// One framed line.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A complete line, without its `\n`, a trailing `\r` or a leading BOM (at offset 0).
    /// NUL bytes before a line (the hole a copy-truncate leaves) are skipped, and `start` is
    /// the offset of the line's first byte after them.
    Line {
        /// The line's bytes.
        bytes: &'a [u8],
        /// Offset of the line's first byte in the file.
        start: u64,
    },
    /// A complete line longer than the cap, skipped.
    TooLong {
        /// Offset of the line's first byte in the file.
        start: u64,
        /// Its length in bytes, without the newline.
        len: u64,
    },
}

/// Frames complete lines from any reader, starting at a known file offset.
///
/// Lines are found with `memchr` on raw bytes, so invalid UTF-8, NULs and CR are just bytes.
/// The reader's memory is bounded by the line cap: a longer line is discarded as it streams
/// past and reported as [`Frame::TooLong`].
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    /// Initialized storage; `buf[pos..end]` is the data not yet handed out. It is never
    /// zeroed again after it grows, so a read costs no `memset`.
    buf: Vec<u8>,
    /// Start of unconsumed data in `buf`.
    pos: usize,
    /// End of valid data in `buf`.
    end: usize,
    /// File offset of `buf[0]`.
    buf_offset: u64,
    /// Offset just past the last complete line handed out.
    consumed: u64,
    max_line: usize,
    eof: bool,
}

impl<R: Read> LineReader<R> {
    /// A reader whose first byte is at file offset `offset`, keeping lines up to `max_line`
    /// bytes (not counting the newline).
    pub fn new(inner: R, offset: u64, max_line: usize) -> LineReader<R> {
        LineReader::with_buffer(inner, offset, max_line, Vec::new())
    }

    /// [`LineReader::new`] reading into `buf` (its contents are ignored), typically the buffer
    /// of a reader done with another file ([`LineReader::into_buffer`]): a scan of thousands of
    /// files then allocates its read buffer once, not once per file.
    pub(crate) fn with_buffer(
        inner: R,
        offset: u64,
        max_line: usize,
        buf: Vec<u8>,
    ) -> LineReader<R> {
        LineReader {
            inner,
            buf,
            pos: 0,
            end: 0,
            buf_offset: offset,
            consumed: offset,
            max_line: max_line.max(1),
            eof: false,
        }
    }

    /// The read buffer, for the reader of the next file. A buffer a very long line grew is
    /// dropped instead, so one such line does not hold its size for the rest of a scan.
    pub(crate) fn into_buffer(self) -> Vec<u8> {
        if self.buf.len() > 4 * READ_CHUNK {
            Vec::new()
        } else {
            self.buf
        }
    }

    /// The offset just past the last complete line returned: where a checkpoint may resume.
    pub fn offset(&self) -> u64 {
        self.consumed
    }

    /// The next complete line, or `None` when only an incomplete tail (or nothing) is left.
    pub fn next_frame(&mut self) -> io::Result<Option<Frame<'_>>> {
        // Search for a newline in the buffered data, reading more as needed.
        // Bytes after `pos` already searched; relative, because `fill` moves data to the front.
        let mut searched = 0;
        let nl = loop {
            if searched == 0 {
                // NULs before a line are the hole a copy-truncate leaves, not part of the
                // line: skip them so they never count against the line cap.
                self.pos += self.buf[self.pos..self.end]
                    .iter()
                    .take_while(|&&b| b == 0)
                    .count();
                if self.pos == self.end {
                    if !self.fill()? {
                        return Ok(None);
                    }
                    continue;
                }
            }
            let from = self.pos + searched;
            if let Some(i) = memchr(b'\n', &self.buf[from..self.end]) {
                break from + i;
            }
            searched = self.end - self.pos;
            if searched > self.max_line {
                return self.discard_long_line();
            }
            if !self.fill()? {
                return Ok(None);
            }
        };
        let start = self.buf_offset + self.pos as u64;
        let line_len = nl - self.pos;
        let line_start = self.pos;
        self.pos = nl + 1;
        self.consumed = self.buf_offset + self.pos as u64;
        if line_len > self.max_line {
            return Ok(Some(Frame::TooLong {
                start,
                len: line_len as u64,
            }));
        }
        let mut bytes = &self.buf[line_start..nl];
        if start == 0 {
            bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        }
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        Ok(Some(Frame::Line { bytes, start }))
    }

    /// Reads more bytes into the buffer; false at end of file.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        // Move the unconsumed tail to the front so the buffer holds at most one line plus
        // one chunk.
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.buf_offset += self.pos as u64;
            self.pos = 0;
        }
        if self.buf.len() < self.end + READ_CHUNK {
            self.buf.resize(self.end + READ_CHUNK, 0);
        }
        let n = loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.end += n;
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// Skips a line already longer than the cap up to its newline, holding no more than one
    /// chunk at a time. If the file ends first, nothing is consumed: the line is incomplete.
    fn discard_long_line(&mut self) -> io::Result<Option<Frame<'_>>> {
        let start = self.buf_offset + self.pos as u64;
        let mut skipped = (self.end - self.pos) as u64;
        self.end = 0;
        self.pos = 0;
        self.buf_offset = start + skipped;
        loop {
            if !self.fill()? {
                // Incomplete: rewind the logical position so the next run re-reads it whole.
                self.end = 0;
                self.buf_offset = start;
                return Ok(None);
            }
            if let Some(i) = memchr(b'\n', &self.buf[..self.end]) {
                skipped += i as u64;
                self.pos = i + 1;
                self.consumed = self.buf_offset + self.pos as u64;
                return Ok(Some(Frame::TooLong {
                    start,
                    len: skipped,
                }));
            }
            skipped += self.end as u64;
            self.buf_offset += self.end as u64;
            self.end = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (start, content or `None` for a line over the cap) of each frame.
    type Frames = Vec<(u64, Option<Vec<u8>>)>;

    /// Collects every frame and the final offset.
    fn frames(data: &[u8], max: usize) -> (Frames, u64) {
        let mut r = LineReader::new(data, 0, max);
        let mut out = Vec::new();
        while let Some(f) = r.next_frame().unwrap() {
            out.push(match f {
                Frame::Line { bytes, start } => (start, Some(bytes.to_vec())),
                Frame::TooLong { start, .. } => (start, None),
            });
        }
        (out, r.offset())
    }

    #[test]
    fn frames_complete_lines_only() {
        let (f, off) = frames(b"a\r\n\nbc\npartial", 100);
        assert_eq!(
            f,
            vec![
                (0, Some(b"a".to_vec())),
                (3, Some(Vec::new())),
                (4, Some(b"bc".to_vec()))
            ]
        );
        assert_eq!(off, 7);
    }

    #[test]
    fn strips_bom_at_start_and_leading_nuls() {
        let (f, _) = frames(b"\xEF\xBB\xBF{}\n\0\0\0{\"a\":1}\n\xEF\xBB\xBFx\n", 100);
        assert_eq!(f[0].1.as_deref(), Some(&b"{}"[..]));
        assert_eq!(f[1].1.as_deref(), Some(&b"{\"a\":1}"[..]));
        // A BOM after the first byte of the file is content, not a marker.
        assert_eq!(f[2].1.as_deref(), Some(&b"\xEF\xBB\xBFx"[..]));
    }

    #[test]
    fn line_cap_boundaries() {
        let cap = 8;
        for (len, kept) in [
            (cap - 1, true),
            (cap, true),
            (cap + 1, false),
            (cap * 100_000, false),
        ] {
            let mut data = vec![b'x'; len];
            data.extend_from_slice(b"\nok\n");
            let (f, off) = frames(&data, cap);
            assert_eq!(f.len(), 2, "len {len}");
            assert_eq!(f[0].1.is_some(), kept, "len {len}");
            assert_eq!(f[1], ((len + 1) as u64, Some(b"ok".to_vec())));
            assert_eq!(off, data.len() as u64);
        }
    }

    #[test]
    fn incomplete_long_line_is_not_consumed() {
        let mut data = b"ok\n".to_vec();
        data.extend(vec![b'x'; 10_000]);
        let (f, off) = frames(&data, 16);
        assert_eq!(f, vec![(0, Some(b"ok".to_vec()))]);
        assert_eq!(off, 3);
    }

    /// A reader that returns at most `n` bytes per read, to split lines anywhere.
    struct Chunked<'a> {
        data: &'a [u8],
        sizes: Vec<usize>,
        i: usize,
    }

    impl Read for Chunked<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.sizes[self.i % self.sizes.len()]
                .min(out.len())
                .min(self.data.len());
            self.i += 1;
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    proptest! {
        #[test]
        fn chunked_reads_equal_whole_reads(
            data in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'x'), Just(0u8), any::<u8>()], 0..2000),
            sizes in proptest::collection::vec(1usize..50, 1..10),
            cap in 1usize..40,
        ) {
            let whole = frames(&data, cap);
            let mut r = LineReader::new(Chunked { data: &data, sizes, i: 0 }, 0, cap);
            let mut got = Vec::new();
            while let Some(f) = r.next_frame().unwrap() {
                got.push(match f {
                    Frame::Line { bytes, start } => (start, Some(bytes.to_vec())),
                    Frame::TooLong { start, .. } => (start, None),
                });
            }
            prop_assert_eq!(&got, &whole.0);
            prop_assert_eq!(r.offset(), whole.1);
        }

        #[test]
        fn resuming_at_any_frame_boundary_equals_one_pass(
            data in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'a'), any::<u8>()], 0..1000),
            cut in 0usize..1000,
        ) {
            let (all, end) = frames(&data, 1 << 20);
            // Resume from the boundary of the k-th frame.
            let k = if all.is_empty() { 0 } else { cut % (all.len() + 1) };
            let offset = all.get(k).map(|f| f.0).unwrap_or(end) as usize;
            let mut r = LineReader::new(&data[offset..], offset as u64, 1 << 20);
            let mut rest = Vec::new();
            while let Some(f) = r.next_frame().unwrap() {
                if let Frame::Line { bytes, start } = f {
                    rest.push((start, Some(bytes.to_vec())));
                }
            }
            prop_assert_eq!(&rest[..], &all[k..]);
            prop_assert_eq!(r.offset(), end);
        }
    }
}

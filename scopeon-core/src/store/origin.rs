//! The identity of the log a record was read from (`records.origin`), shared by ingestion,
//! which stamps it, and by the sealing of content hashes, which rewrites it
//! (docs/storage.md, "Content hashes").

use camino::Utf8Path;

/// The log a checkpoint's file is, as `records.origin` stores it: a hash of the identity a
/// resume and a rename keep (device, inode and first line; the path too where the system gives
/// files no inode), so a log renamed since its records were read is still the log they came
/// from. `None` without a first-line hash (a source read whole: a document, an archive, a
/// database).
pub(super) fn origin(path: &Utf8Path, dev: u64, ino: u64, head_hash: Option<i64>) -> Option<i64> {
    let head = head_hash?;
    let mut bytes = Vec::with_capacity(24 + path.as_str().len());
    bytes.extend_from_slice(&dev.to_le_bytes());
    bytes.extend_from_slice(&ino.to_le_bytes());
    bytes.extend_from_slice(&head.to_le_bytes());
    if dev == 0 && ino == 0 {
        bytes.extend_from_slice(path.as_str().as_bytes());
    }
    Some(crate::hash::fnv1a64_i64(&bytes))
}

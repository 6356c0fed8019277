//! Which files a second reader may parse ahead of the main one (docs/storage.md, "Reading on
//! two cores").
//!
//! One reader reads a provider's files in order because a file's reading can depend on the
//! files read before it: a copy of a log continues from, or skips what is covered by, the
//! checkpoint of a file with the same first line (docs/identity.md, "Copies of a log"), and a
//! resumed file continues from its own checkpoint. A file with no checkpoint whose first line
//! no other file of the scan and no stored checkpoint shares depends on nothing read before
//! it, and nothing read after it depends on it: another thread can parse it whole, and the
//! main reader passes its events on at its place in the order, so the writer receives exactly
//! what one reader would have sent.

use std::collections::HashMap;

use super::discover::Found;
use crate::hash::ContentKey;
use crate::provider::{Provider, SourceKind};
use crate::tail;

/// What the main reader knows that [`plan`] needs.
pub(super) struct Known<'k> {
    pub(super) provider: &'k dyn Provider,
    /// Whether a file has a checkpoint (by its real path).
    pub(super) has_checkpoint: &'k dyn Fn(&Found) -> bool,
    /// Whether a stored checkpoint has this first-line hash.
    pub(super) stored_head: &'k dyn Fn(i64) -> bool,
    pub(super) content_key: &'k ContentKey,
}

/// Files read ahead and waiting to be passed on, at most: each holds its records whole.
pub(super) const FILES_AHEAD: usize = 4;

/// Largest file read ahead, so the files waiting hold a bounded number of records; larger ones
/// are read by the main reader, in chunks, while the helper reads the files after them.
#[cfg(not(feature = "fuzzing"))]
const MAX_BYTES: u64 = 16 << 20;

/// Fewest candidate files for which a helper thread is worth starting (a statusline's scan of
/// one transcript starts none).
#[cfg(not(feature = "fuzzing"))]
const MIN_FILES: usize = 16;

// This crate's own tests are built with `fuzzing` (see its Cargo.toml): their small corpora
// take the read-ahead path too, with files read inline between the ones read ahead, so the
// order-independence and model tests hold it to the results of one reader.
#[cfg(feature = "fuzzing")]
const MAX_BYTES: u64 = 2 << 10;
#[cfg(feature = "fuzzing")]
const MIN_FILES: usize = 2;

/// The files picked for reading ahead, with the first-line hash each had when picked.
pub(super) struct Plan {
    heads: Vec<Option<i64>>,
}

impl Plan {
    /// Whether enough files were picked to start a helper.
    pub(super) fn is_worth_it(&self) -> bool {
        self.heads.iter().flatten().count() >= MIN_FILES
    }

    /// Whether the helper reads the file at this position: every second picked file, so the
    /// main reader reads the others meanwhile.
    pub(super) fn is_helpers(&self, i: usize) -> bool {
        self.heads.get(i).is_some_and(Option::is_some)
            && self.heads[..i].iter().flatten().count() % 2 == 1
    }

    /// The files the helper reads, in order, with their first-line hashes.
    pub(super) fn helpers_files<'f>(&self, files: &[&'f Found]) -> Vec<(&'f Found, i64)> {
        files
            .iter()
            .zip(&self.heads)
            .filter_map(|(f, h)| h.map(|h| (*f, h)))
            .skip(1)
            .step_by(2)
            .collect()
    }
}

/// Picks the files of `files` (in the reader's order) that depend on no other: tailed logs
/// without a checkpoint, at most [`MAX_BYTES`], whose first line (sealed as checkpoints store
/// it) no other file of the scan and no stored checkpoint has. Reads the first line of every
/// tailed log of the scan; a file that cannot be opened now is left to the main reader, which
/// reports it.
pub(super) fn plan(reader: &Known<'_>, files: &[&Found]) -> Plan {
    let tailed: Vec<bool> = files
        .iter()
        .map(|f| reader.provider.source_kind(&f.relative) == SourceKind::Lines)
        .collect();
    let candidate: Vec<bool> = files
        .iter()
        .zip(&tailed)
        .map(|(f, &tailed)| tailed && f.stat.size <= MAX_BYTES && !(reader.has_checkpoint)(f))
        .collect();
    if candidate.iter().filter(|c| **c).count() < MIN_FILES {
        return Plan {
            heads: vec![None; files.len()],
        };
    }
    // Every tailed log of the scan counts, picked or not: a resumed or large one may share a
    // first line with a candidate (a copy), and then both are read in order.
    let all: Vec<Option<i64>> = files
        .iter()
        .zip(&tailed)
        .map(|(f, &tailed)| tailed.then(|| first_line_hash(f, reader)).flatten())
        .collect();
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for h in all.iter().flatten() {
        *seen.entry(*h).or_default() += 1;
    }
    let heads = all
        .iter()
        .zip(&candidate)
        .map(|(h, &candidate)| h.filter(|h| candidate && seen[h] == 1 && !(reader.stored_head)(*h)))
        .collect();
    Plan { heads }
}

/// The sealed hash of a file's first line, as its checkpoint would store it; `None` without a
/// complete first line, or when the file is not the one the walk found.
fn first_line_hash(found: &Found, reader: &Known<'_>) -> Option<i64> {
    let (file, stat) = tail::open_beneath(&found.root, &found.relative).ok()?;
    if (stat.dev, stat.ino) != (found.stat.dev, found.stat.ino) {
        return None;
    }
    tail::fingerprint(&file, reader.content_key).ok()?.head_hash
}

//! The writing side of a scan: batches what the reader sends and commits records together
//! with the checkpoints that account for them.

use super::events::{Chunk, Event, FLUSH_SOURCES, flush_records};
use super::summary::MAX_EXAMPLES;
use super::{Progress, ProviderScan};
use crate::error::Result;
use crate::store::{Batch, Store};

/// The writing side: batches chunks and commits them.
pub(super) struct Writer<'s> {
    pub(super) store: &'s mut Store,
    pub(super) batch: Batch,
    pub(super) progress: Progress,
}

impl Writer<'_> {
    pub(super) fn apply(
        &mut self,
        event: Event,
        ps: &mut ProviderScan,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<()> {
        let file_done = match event {
            Event::Unchanged => {
                ps.files_unchanged += 1;
                true
            }
            Event::Opened { restarted } => {
                ps.files_read += 1;
                ps.files_restarted += u64::from(restarted);
                false
            }
            Event::Problem(problem) => {
                ps.problems.push(problem);
                true
            }
            Event::Chunk(chunk) => {
                let Chunk {
                    records,
                    rate_limits,
                    source,
                    bytes,
                    lines,
                    skipped,
                    file_done,
                } = *chunk;
                ps.bytes_read += bytes;
                ps.lines += lines;
                ps.records_read += source.records;
                ps.skipped.merge(&source.skips);
                let room = MAX_EXAMPLES.saturating_sub(ps.skipped_examples.len());
                ps.skipped_examples.extend(skipped.into_iter().take(room));
                self.progress.bytes_read += bytes;
                // A batch stays within its size: what it holds is committed first when this
                // chunk would take it past, and it grows to that size at most, so its memory
                // does not depend on how large the files are.
                let limit = flush_records();
                if !self.batch.records.is_empty()
                    && self.batch.records.len() + records.len() > limit
                {
                    ps.new_records += self.flush()?;
                }
                let want = self.batch.records.len() + records.len();
                if want > self.batch.records.capacity() {
                    let grown = (self.batch.records.capacity() * 2).min(limit);
                    self.batch
                        .records
                        .reserve_exact(want.max(grown) - self.batch.records.len());
                }
                self.batch.records.extend(records);
                self.batch.rate_limits.extend(rate_limits);
                self.batch.sources.push(source);
                if self.batch.records.len() >= flush_records()
                    || self.batch.sources.len() >= FLUSH_SOURCES
                {
                    ps.new_records += self.flush()?;
                }
                file_done
            }
        };
        if file_done {
            self.progress.files_done += 1;
            progress(self.progress);
        }
        Ok(())
    }

    /// Commits what is buffered; returns how many requests were new.
    pub(super) fn flush(&mut self) -> Result<u64> {
        if self.batch.is_empty() {
            return Ok(0);
        }
        let stats = self.store.commit(&self.batch)?;
        // Emptied, not replaced: the next batch reuses the space.
        self.batch.records.clear();
        self.batch.sources.clear();
        self.batch.rate_limits.clear();
        Ok(stats.new_records)
    }
}

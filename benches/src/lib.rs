//! Benchmarks live in `benches/`; the corpus generators in `src/bin/gen_corpus.rs` (Claude Code)
//! and `src/bin/gen_mixed.rs` (the other agents), with what they share in [`corpus`].

pub mod corpus;

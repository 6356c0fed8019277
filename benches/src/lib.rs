//! Benchmarks live in `benches/`; the corpus generator in `src/bin/gen_corpus.rs`.

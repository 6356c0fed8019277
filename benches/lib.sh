# Shared by the benchmark scripts that run on gen_corpus's Claude Code corpus (blocks.sh,
# statusline.sh): messages, the release binaries, the corpus, and ccusage. Source it after
# setting SIZE, SEED, BENCH, SKIP_BUILD and CCUSAGE_VERSION.

BENCH_NAME=${BENCH_NAME:-$(basename -- "$0")}
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
[[ $TARGET_DIR = /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR

die() { echo "$BENCH_NAME: error: $*" >&2; exit 1; }
note() { echo "$BENCH_NAME: $*" >&2; }

# Sets GEN and SCOPEON; builds them (release) unless SKIP_BUILD=1.
bench_binaries() {
    GEN=${GEN_CORPUS:-$TARGET_DIR/release/gen_corpus}
    SCOPEON=${SCOPEON_BIN:-$TARGET_DIR/release/scopeon}
    if [[ $SKIP_BUILD != 1 ]]; then
        note "building: cargo build --release --locked -p scopeon-cli -p scopeon-benches"
        (cd "$ROOT" && cargo build --release --locked -p scopeon-cli -p scopeon-benches) || die "cargo build failed"
    fi
    [[ -x $SCOPEON ]] || die "scopeon not found at $SCOPEON"
}

# Sets CORPUS_NAME, CORPUS and CORPUS_MB; generates the corpus (as e2e.sh names it, so the
# scripts share it) when it is not there yet.
bench_corpus() {
    CORPUS_NAME=corpus-$SIZE
    [[ $SEED = 42 ]] || CORPUS_NAME=$CORPUS_NAME-seed$SEED
    CORPUS=$BENCH/$CORPUS_NAME
    mkdir -p "$BENCH"
    if [[ ! -d $CORPUS/projects ]]; then
        [[ -x $GEN ]] || die "gen_corpus not found at $GEN"
        note "generating $SIZE corpus (seed $SEED) into $CORPUS"
        local tmp=$CORPUS.tmp.$$
        rm -rf -- "$tmp"
        "$GEN" --out "$tmp" --size "$SIZE" --seed "$SEED" --expected "$tmp.expected.json" >&2 \
            || die "gen_corpus failed"
        mv -- "$tmp.expected.json" "$BENCH/$CORPUS_NAME.expected.json"
        mv -- "$tmp" "$CORPUS"
    fi
    CORPUS_MB=$(find "$CORPUS/projects" -type f -name '*.jsonl' -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s / 1e6}')
}

# Sets CCUSAGE: ccusage@$CCUSAGE_VERSION under $BENCH/node (installed with npm when missing),
# its native binary where the package ships one (the Node wrapper adds ~0.1 s, as e2e.sh says).
bench_ccusage() {
    local prefix=$BENCH/node native
    if [[ ! -x $prefix/node_modules/.bin/ccusage ]]; then
        note "installing ccusage@$CCUSAGE_VERSION into $prefix"
        npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "ccusage@$CCUSAGE_VERSION" >&2 \
            || die "npm install ccusage failed (SKIP_CCUSAGE=1 to skip it)"
    fi
    CCUSAGE=$prefix/node_modules/.bin/ccusage
    native=$(find "$prefix/node_modules/@ccusage" -path '*/bin/ccusage' -type f 2>/dev/null | head -n1 || true)
    [[ -z $native || -x $native ]] || chmod u+x -- "$native" || true
    [[ -n $native && -x $native ]] && CCUSAGE=$native
    return 0
}

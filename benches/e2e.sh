#!/usr/bin/env bash
# End-to-end benchmark: Scopeon (cold and warm) vs. ccusage on one synthetic
# Claude Code corpus. See benches/README.md.
#
#   benches/e2e.sh [SIZE]            SIZE as gen_corpus --size takes it (default 1GB)
#
# Environment:
#   SCOPEON_BENCH_DIR   work dir for corpora, ccusage and results (default /tmp/scopeon-bench)
#   SCOPEON_BENCH_SEED  corpus seed (default 42; another seed gets its own corpus dir)
#   SCOPEON_BENCH_SHAPE typical (default) or heavy (gen_corpus --shape; its own corpus dir)
#   SCOPEON_BENCH_TZ    time zone both tools bucket days in (default UTC; passed as
#                       TZ to both, and as --timezone to ccusage)
#   RUNS_CCUSAGE        ccusage runs, median reported (default 3)
#   RUNS_COLD           Scopeon cold runs, each on a fresh database (default 1)
#   RUNS_WARM           Scopeon warm runs on the last cold database (default 5)
#   SKIP_SCOPEON=1      only generate the corpus and measure ccusage
#   SKIP_CCUSAGE=1      only measure Scopeon
#   SKIP_BUILD=1        use existing binaries; GEN_CORPUS / SCOPEON_BIN point at
#                       prebuilt binaries (and skip their build)
#   CCUSAGE_VIA_NODE=1  time the npm `ccusage` Node wrapper instead of the native
#                       binary it launches (adds Node start-up, ~0.1 s and ~50 MiB)
set -euo pipefail

CCUSAGE_VERSION=20.0.24
SIZE=${1:-1GB}
BENCH=${SCOPEON_BENCH_DIR:-/tmp/scopeon-bench}
SEED=${SCOPEON_BENCH_SEED:-42}
SHAPE=${SCOPEON_BENCH_SHAPE:-typical}
BENCH_TZ=${SCOPEON_BENCH_TZ:-UTC}
RUNS_CCUSAGE=${RUNS_CCUSAGE:-3}
RUNS_COLD=${RUNS_COLD:-1}
RUNS_WARM=${RUNS_WARM:-5}
SKIP_SCOPEON=${SKIP_SCOPEON:-0}
SKIP_CCUSAGE=${SKIP_CCUSAGE:-0}
SKIP_BUILD=${SKIP_BUILD:-0}

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
[[ $TARGET_DIR = /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR

die() { echo "e2e.sh: error: $*" >&2; exit 1; }
note() { echo "e2e.sh: $*" >&2; }

[[ $SIZE =~ ^[0-9]+(\.[0-9]+)?([KkMmGg](i?[Bb])?|[Bb])?$ ]] || die "bad SIZE '$SIZE' (try 50MB, 200MB, 1GB, 1.5GB, 512MiB)"
for n in "$RUNS_CCUSAGE" "$RUNS_COLD" "$RUNS_WARM"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "RUNS_* must be positive integers (got '$n')"
done

CORPUS_NAME=corpus-$SIZE
[[ $SEED = 42 ]] || CORPUS_NAME=$CORPUS_NAME-seed$SEED
[[ $SHAPE = typical ]] || CORPUS_NAME=$CORPUS_NAME-$SHAPE
CORPUS=$BENCH/$CORPUS_NAME
EXPECTED=$BENCH/$CORPUS_NAME.expected.json
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH/results/$CORPUS_NAME-$STAMP
mkdir -p "$BENCH" "$OUT"

TMPDIRS=()
cleanup() {
    local d
    for d in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do rm -rf -- "$d"; done
}
trap cleanup EXIT

# ------------------------------------------------------------------ tools

if [[ ! -x /usr/bin/time ]]; then
    note "/usr/bin/time missing; installing the Debian package 'time'"
    SUDO=()
    [[ $(id -u) = 0 ]] || SUDO=(sudo)
    command -v apt-get >/dev/null || die "/usr/bin/time is missing and apt-get is not available; install GNU time"
    "${SUDO[@]}" apt-get update -qq >&2 || die "apt-get update failed"
    "${SUDO[@]}" apt-get install -y -qq time >&2 || die "apt-get install time failed"
    [[ -x /usr/bin/time ]] || die "/usr/bin/time still missing after installing 'time'"
fi
HAVE_JQ=0
command -v jq >/dev/null && HAVE_JQ=1

# ------------------------------------------------------------------ build

GEN=${GEN_CORPUS:-$TARGET_DIR/release/gen_corpus}
SCOPEON=${SCOPEON_BIN:-$TARGET_DIR/release/scopeon}
if [[ $SKIP_BUILD != 1 ]]; then
    pkgs=()
    [[ -n ${GEN_CORPUS:-} ]] || pkgs+=(-p scopeon-benches)
    [[ $SKIP_SCOPEON = 1 || -n ${SCOPEON_BIN:-} ]] || pkgs+=(-p scopeon-cli)
    if ((${#pkgs[@]})); then
        note "building: cargo build --release --locked ${pkgs[*]}"
        (cd "$ROOT" && cargo build --release --locked "${pkgs[@]}") || die "cargo build failed"
    fi
fi
[[ -x $GEN ]] || die "gen_corpus not found at $GEN (build it, or set GEN_CORPUS)"
if [[ $SKIP_SCOPEON != 1 ]]; then
    [[ -x $SCOPEON ]] || die "scopeon not found at $SCOPEON (build it, set SCOPEON_BIN, or SKIP_SCOPEON=1)"
fi

# ------------------------------------------------------------------ corpus

if [[ ! -d $CORPUS/projects ]]; then
    note "generating $SIZE corpus (seed $SEED) into $CORPUS"
    tmp=$CORPUS.tmp.$$
    rm -rf -- "$tmp"
    TMPDIRS+=("$tmp")
    "$GEN" --out "$tmp" --size "$SIZE" --seed "$SEED" --shape "$SHAPE" --expected "$tmp.expected.json" \
        2> >(tee "$BENCH/$CORPUS_NAME.gen.txt" >&2) || die "gen_corpus failed"
    mv -- "$tmp.expected.json" "$EXPECTED"
    mv -- "$tmp" "$CORPUS"
else
    note "reusing corpus $CORPUS"
fi
CORPUS_BYTES=$(find "$CORPUS/projects" -type f -name '*.jsonl' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
CORPUS_FILES=$(find "$CORPUS/projects" -type f -name '*.jsonl' | wc -l)
CORPUS_MB=$(awk -v b="$CORPUS_BYTES" 'BEGIN {printf "%.0f", b / 1e6}')
((CORPUS_BYTES > 0)) || die "corpus $CORPUS has no .jsonl data"

# ------------------------------------------------------------------ ccusage

CCUSAGE_PREFIX=$BENCH/node
CCUSAGE_JS=$CCUSAGE_PREFIX/node_modules/.bin/ccusage
if [[ $SKIP_CCUSAGE != 1 ]]; then
    installed=$(cd "$CCUSAGE_PREFIX" 2>/dev/null && node -p 'require("./node_modules/ccusage/package.json").version' 2>/dev/null || true)
    if [[ ! -x $CCUSAGE_JS || $installed != "$CCUSAGE_VERSION" ]]; then
        command -v npm >/dev/null || die "npm is needed to install ccusage@$CCUSAGE_VERSION"
        note "installing ccusage@$CCUSAGE_VERSION into $CCUSAGE_PREFIX"
        npm install --prefix "$CCUSAGE_PREFIX" --no-audit --no-fund --loglevel=error "ccusage@$CCUSAGE_VERSION" >&2 \
            || die "npm install ccusage@$CCUSAGE_VERSION failed"
    fi
    CCUSAGE=$CCUSAGE_JS
    if [[ ${CCUSAGE_VIA_NODE:-0} != 1 ]]; then
        native=$(find "$CCUSAGE_PREFIX/node_modules/@ccusage" -path '*/bin/ccusage' -type f 2>/dev/null | head -n1 || true)
        # The npm wrapper chmods the binary on first use; do it ourselves.
        [[ -z $native || -x $native ]] || chmod u+x -- "$native" || true
        if [[ -n $native && -x $native ]]; then
            CCUSAGE=$native
        else
            note "native ccusage binary not found; timing the Node wrapper"
        fi
    fi
fi

# ------------------------------------------------------------------ measuring

# Flush dirty pages first (a fresh corpus is still being written back, which
# would disturb the timings), then read everything once.
note "warming the page cache ($CORPUS_MB MB in $CORPUS_FILES files)"
sync
find "$CORPUS/projects" -type f -name '*.jsonl' -print0 | xargs -0 cat > /dev/null

# A clean environment: only the corpus is visible, through CLAUDE_CONFIG_DIR.
clean_env() { # clean_env HOME_DIR -- prints env(1) arguments
    printf '%s\n' -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME -u CODEX_HOME \
        -u GEMINI_CLI_HOME -u COPILOT_HOME -u AIDER_ANALYTICS_LOG -u SCOPEON_DB \
        -u SCOPEON_NOW -u NO_COLOR -u FORCE_COLOR \
        "HOME=$1" "CLAUDE_CONFIG_DIR=$CORPUS" "TZ=$BENCH_TZ"
}

# measure NAME CMD... : runs CMD under /usr/bin/time -v; stdout to $OUT/NAME.json,
# stderr to $OUT/NAME.err; sets WALL (seconds) and RSS_KB. GNU time prints the
# wall time in centiseconds, too coarse for warm runs, so WALL comes from bash's
# microsecond EPOCHREALTIME around the same command when available.
measure() {
    local name=$1
    shift
    local tfile=$OUT/$name.time t0 t1 ok=1
    t0=${EPOCHREALTIME:-}
    /usr/bin/time -v -o "$tfile" "$@" > "$OUT/$name.json" 2> "$OUT/$name.err" || ok=0
    t1=${EPOCHREALTIME:-}
    if [[ $ok = 0 ]]; then
        echo "---- $name failed; last lines of stderr:" >&2
        tail -n 20 "$OUT/$name.err" >&2 || true
        tail -n 5 "$tfile" >&2 || true
        die "$name failed (command: $*)"
    fi
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($NF, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]
        printf "%.3f", s }' "$tfile")
    if [[ -n $t0 && -n $t1 ]]; then
        WALL=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN {printf "%.3f", b - a}')
    fi
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $NF}' "$tfile")
    [[ -n $WALL && -n $RSS_KB ]] || die "could not parse $tfile"
}

median() { sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
maxof() { sort -g | tail -n 1; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
mbps() { awk -v b="$CORPUS_BYTES" -v s="$1" 'BEGIN {if (s > 0) printf "%.0f", b / 1e6 / s; else print "-"}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1f", a / b; else print "-"}'; }

ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); }

EMPTY_HOME=$(mktemp -d "$BENCH/home.XXXXXX")
TMPDIRS+=("$EMPTY_HOME")

CC_WALL=
if [[ $SKIP_CCUSAGE != 1 ]]; then
    walls=() rss=()
    for ((i = 1; i <= RUNS_CCUSAGE; i++)); do
        mapfile -t envargs < <(clean_env "$EMPTY_HOME")
        measure "ccusage-$i" env "${envargs[@]}" "$CCUSAGE" claude daily --json --offline --timezone "$BENCH_TZ"
        note "ccusage run $i: ${WALL}s, $(mib "$RSS_KB") MiB"
        walls+=("$WALL") rss+=("$RSS_KB")
    done
    CC_WALL=$(printf '%s\n' "${walls[@]}" | median)
    CC_RSS=$(printf '%s\n' "${rss[@]}" | maxof)
    row "ccusage $CCUSAGE_VERSION" "daily (median of $RUNS_CCUSAGE)" "$CC_WALL" "$(mib "$CC_RSS")" "$(mbps "$CC_WALL")"
    if [[ $HAVE_JQ = 1 ]]; then
        jq -e '(.daily | length) > 0 and .totals.totalTokens > 0' "$OUT/ccusage-1.json" > /dev/null \
            || die "ccusage reported no usage for the corpus (see $OUT/ccusage-1.json)"
    fi
fi

COLD_WALL= WARM_WALL=
if [[ $SKIP_SCOPEON != 1 ]]; then
    walls=() rss=()
    for ((i = 1; i <= RUNS_COLD; i++)); do
        run=$(mktemp -d "$BENCH/run.XXXXXX")
        TMPDIRS+=("$run")
        mkdir -m 700 "$run/home"
        DB=$run/scopeon.db
        mapfile -t envargs < <(clean_env "$run/home")
        measure "scopeon-cold-$i" env "${envargs[@]}" "$SCOPEON" report --by day --json --db "$DB"
        note "scopeon cold run $i: ${WALL}s, $(mib "$RSS_KB") MiB"
        walls+=("$WALL") rss+=("$RSS_KB")
    done
    COLD_WALL=$(printf '%s\n' "${walls[@]}" | median)
    COLD_RSS=$(printf '%s\n' "${rss[@]}" | maxof)
    row "scopeon" "cold, fresh db (median of $RUNS_COLD)" "$COLD_WALL" "$(mib "$COLD_RSS")" "$(mbps "$COLD_WALL")"

    walls=() rss=()
    for ((i = 1; i <= RUNS_WARM; i++)); do
        measure "scopeon-warm-$i" env "${envargs[@]}" "$SCOPEON" report --by day --json --db "$DB"
        note "scopeon warm run $i: ${WALL}s, $(mib "$RSS_KB") MiB"
        walls+=("$WALL") rss+=("$RSS_KB")
    done
    WARM_WALL=$(printf '%s\n' "${walls[@]}" | median)
    WARM_RSS=$(printf '%s\n' "${rss[@]}" | maxof)
    row "scopeon" "warm, nothing new (median of $RUNS_WARM)" "$WARM_WALL" "$(mib "$WARM_RSS")" "-"
fi

# ------------------------------------------------------------------ report

{
    echo "### Scopeon vs ccusage: $CORPUS_NAME ($CORPUS_MB MB, $CORPUS_FILES files)"
    echo
    echo "| tool | run | wall s | peak RSS MiB | corpus MB/s |"
    echo "|---|---|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    if [[ -n $CC_WALL && -n $COLD_WALL ]]; then
        echo "- speedup, scopeon cold vs ccusage: **$(ratio "$CC_WALL" "$COLD_WALL")x**"
        echo "- speedup, scopeon warm vs ccusage: **$(ratio "$CC_WALL" "$WARM_WALL")x**"
    fi
    echo "- host: $(uname -srm), $(nproc) CPUs; page cache warm; TZ=$BENCH_TZ; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- peak RSS is the maximum over runs; wall time is the median"
} | tee "$OUT/results.md"

# Cross-checks against the generator's ground truth (needs jq).
if [[ $HAVE_JQ = 1 && -f $EXPECTED ]]; then
    echo
    echo "Cross-check (tokens: input / output / cache creation / cache read):"
    jq -r '"  expected (dedup ground truth):    \(.totals.input_tokens) / \(.totals.output_tokens) / \(.totals.cache_creation_tokens) / \(.totals.cache_read_tokens)  requests=\(.totals.requests) (+\(.totals.synthetic) <synthetic>)"' "$EXPECTED"
    if [[ -n $CC_WALL ]]; then
        jq -r '"  ccusage:                          \(.totals.inputTokens) / \(.totals.outputTokens) / \(.totals.cacheCreationTokens) / \(.totals.cacheReadTokens)  cost=$\(.totals.totalCost * 100 | round / 100)"' "$OUT/ccusage-1.json"
        if jq -e --slurpfile c "$OUT/ccusage-1.json" '
            (.totals.input_tokens + .no_request_id_extra_lines.input_tokens) == $c[0].totals.inputTokens and
            (.totals.output_tokens + .no_request_id_extra_lines.output_tokens) == $c[0].totals.outputTokens and
            (.totals.cache_creation_tokens + .no_request_id_extra_lines.cache_creation_tokens) == $c[0].totals.cacheCreationTokens and
            (.totals.cache_read_tokens + .no_request_id_extra_lines.cache_read_tokens) == $c[0].totals.cacheReadTokens' \
            "$EXPECTED" > /dev/null; then
            echo "  ccusage = expected + the lines it counts twice for responses without requestId: OK (known ccusage behaviour)"
        else
            echo "  WARNING: ccusage totals differ from expected + no_request_id_extra_lines (ccusage version or corpus changed?)"
        fi
    fi
    if [[ -n $COLD_WALL ]]; then
        jq -r '"  scopeon cold:                     \(.totals.input_tokens) / \(.totals.output_tokens) / \(.totals.cache_creation_tokens) / \(.totals.cache_read_tokens)  requests=\(.totals.requests)"' "$OUT/scopeon-cold-1.json" \
            || echo "  (scopeon output is not scopeon.report.v1 JSON?)"
        if jq -e --slurpfile s "$OUT/scopeon-cold-1.json" '
            .totals.input_tokens == $s[0].totals.input_tokens and
            .totals.output_tokens == $s[0].totals.output_tokens and
            .totals.cache_creation_tokens == $s[0].totals.cache_creation_tokens and
            .totals.cache_read_tokens == $s[0].totals.cache_read_tokens' "$EXPECTED" > /dev/null 2>&1; then
            echo "  scopeon cold = expected: OK"
        else
            echo "  WARNING: scopeon cold totals differ from the expected totals"
        fi
        if cmp -s <(jq -S '{rows, totals}' "$OUT/scopeon-cold-$RUNS_COLD.json") <(jq -S '{rows, totals}' "$OUT/scopeon-warm-$RUNS_WARM.json"); then
            echo "  scopeon warm rows/totals = cold rows/totals: OK"
        else
            echo "  WARNING: scopeon warm rows/totals differ from the cold run"
        fi
    fi
fi
note "outputs and timings in $OUT"

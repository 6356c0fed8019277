#!/usr/bin/env bash
# Mixed-corpus end-to-end benchmark: Scopeon scan throughput per provider on one synthetic
# $HOME holding Codex, Gemini CLI, Copilot CLI, Aider, OpenCode and generic OpenAI logs, beside
# two physical references on the same files (`cat` to /dev/null, and json_lines: every line
# validated as JSON, nothing built), and a field-by-field check of the totals against the
# generator's ground truth. See benches/README.md.
#
#   benches/mixed.sh [SIZE]          total corpus size as gen_mixed --size takes it (default 300MB)
#
# Environment:
#   SCOPEON_BENCH_DIR   work dir for corpora and results (default /tmp/scopeon-bench)
#   SCOPEON_BENCH_SEED  corpus seed (default 42)
#   MIX                 gen_mixed --mix weights, e.g. codex=50,aider=0 (default: the generator's)
#   RUNS                cold scans per provider, each on a fresh database; the best is reported (default 3)
#   RUNS_WARM           warm rescans per provider on the last cold database; the best is reported (default 3)
#   PROVIDERS           comma list of providers to time (default: every provider in the corpus)
#   SKIP_BUILD=1        use existing binaries; GEN_MIXED / JSON_LINES / SCOPEON_BIN point at
#                       prebuilt binaries (and skip their build)
#   REQUIRE_ALL=0       report a provider of the corpus that found no files as SKIP instead of
#                       failing (for timing a build that lacks a provider)
set -euo pipefail

SIZE=${1:-300MB}
BENCH=${SCOPEON_BENCH_DIR:-/tmp/scopeon-bench}
SEED=${SCOPEON_BENCH_SEED:-42}
MIX=${MIX:-}
RUNS=${RUNS:-3}
RUNS_WARM=${RUNS_WARM:-3}
SKIP_BUILD=${SKIP_BUILD:-0}
REQUIRE_ALL=${REQUIRE_ALL:-1}

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
[[ $TARGET_DIR = /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR

die() { echo "mixed.sh: error: $*" >&2; exit 1; }
note() { echo "mixed.sh: $*" >&2; }

[[ $SIZE =~ ^[0-9]+(\.[0-9]+)?([KkMmGg](i?[Bb])?|[Bb])?$ ]] || die "bad SIZE '$SIZE' (try 50MB, 300MB, 1GB, 512MiB)"
for n in "$RUNS" "$RUNS_WARM"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "RUNS and RUNS_WARM must be positive integers (got '$n')"
done
[[ $MIX =~ ^[a-z_=0-9,]*$ ]] || die "bad MIX '$MIX' (e.g. codex=50,aider=0)"
command -v jq >/dev/null || die "jq is needed to read scan summaries and compare totals"
HAVE_TIME=0
[[ -x /usr/bin/time ]] && HAVE_TIME=1

# ------------------------------------------------------------------ build

GEN=${GEN_MIXED:-$TARGET_DIR/release/gen_mixed}
JSON_LINES=${JSON_LINES:-$TARGET_DIR/release/json_lines}
SCOPEON=${SCOPEON_BIN:-$TARGET_DIR/release/scopeon}
if [[ $SKIP_BUILD != 1 ]]; then
    pkgs=()
    [[ -n ${GEN_MIXED:-} && -n ${JSON_LINES:-} ]] || pkgs+=(-p scopeon-benches)
    [[ -n ${SCOPEON_BIN:-} ]] || pkgs+=(-p scopeon-cli)
    if ((${#pkgs[@]})); then
        note "building: cargo build --release --locked ${pkgs[*]}"
        (cd "$ROOT" && cargo build --release --locked "${pkgs[@]}") || die "cargo build failed"
    fi
fi
[[ -x $GEN ]] || die "gen_mixed not found at $GEN (build it, or set GEN_MIXED)"
[[ -x $JSON_LINES ]] || die "json_lines not found at $JSON_LINES (build it, or set JSON_LINES)"
[[ -x $SCOPEON ]] || die "scopeon not found at $SCOPEON (build it, or set SCOPEON_BIN)"

# ------------------------------------------------------------------ corpus

CORPUS_NAME=mixed-$SIZE
[[ $SEED = 42 ]] || CORPUS_NAME=$CORPUS_NAME-seed$SEED
[[ -z $MIX ]] || CORPUS_NAME=$CORPUS_NAME-mix$(printf '%s' "$MIX" | cksum | cut -d' ' -f1)
CORPUS=$BENCH/$CORPUS_NAME
HOME_DIR=$CORPUS/home
EXPECTED=$CORPUS/expected.json
GEN_ARGS=(--size "$SIZE" --seed "$SEED")
[[ -z $MIX ]] || GEN_ARGS+=(--mix "$MIX")
# The corpus is reused only when it was made by the same generator format with the same args.
STAMP_WANTED="$("$GEN" --version); ${GEN_ARGS[*]}"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH/results/$CORPUS_NAME-$STAMP
mkdir -p "$BENCH" "$OUT"

TMPDIRS=()
cleanup() {
    local d
    for d in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do rm -rf -- "$d"; done
}
trap cleanup EXIT

if [[ -f $CORPUS/args && $(cat "$CORPUS/args") = "$STAMP_WANTED" && -f $EXPECTED && -d $HOME_DIR ]]; then
    note "reusing corpus $CORPUS"
else
    note "generating $SIZE mixed corpus (seed $SEED${MIX:+, mix $MIX}) into $CORPUS"
    tmp=$CORPUS.tmp.$$
    rm -rf -- "$tmp"
    TMPDIRS+=("$tmp")
    mkdir -p "$tmp"
    "$GEN" --out "$tmp/home" "${GEN_ARGS[@]}" --expected "$tmp/expected.json" \
        2> >(tee "$tmp/gen.txt" >&2) || die "gen_mixed failed"
    printf '%s\n' "$STAMP_WANTED" > "$tmp/args"
    rm -rf -- "$CORPUS"
    mv -- "$tmp" "$CORPUS"
fi
cp -- "$EXPECTED" "$OUT/expected.json"

# generic_openai has no default location: its files come from generic_paths.
CONFIG=$OUT/config.toml
printf 'generic_paths = ["%s/generic/**/*.jsonl"]\n' "$HOME_DIR" > "$CONFIG"

mapfile -t CORPUS_PROVIDERS < <(jq -r '.providers | keys_unsorted[]' "$EXPECTED")
if [[ -n ${PROVIDERS:-} ]]; then
    IFS=, read -r -a TIMED <<< "$PROVIDERS"
else
    TIMED=("${CORPUS_PROVIDERS[@]}")
fi
CORPUS_BYTES=$(find "$HOME_DIR" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
CORPUS_FILES=$(find "$HOME_DIR" -type f | wc -l)

# provider_files ID: the files provider ID reads in the corpus, NUL-separated and sorted: its
# default roots under HOME and its file patterns, as docs/roots.md lists them (generic_openai:
# the generic_paths glob of $CONFIG). These are what the references (`cat`, json_lines) read.
# Returns 1 for a provider not listed here (its reference columns show `-`).
provider_files() {
    local h=$HOME_DIR d f conf log
    case $1 in
        codex)
            for d in "$h/.codex/sessions" "$h/.codex/archived_sessions"; do
                [[ ! -d $d ]] || find "$d" -type f \( -name '*.jsonl' -o -name '*.jsonl.zst' \) -print0
            done
            ;;
        gemini_cli)
            for d in "$h"/.gemini/tmp/*/chats; do
                [[ ! -d $d ]] || find "$d" -type f \( -name '*.json' -o -name '*.jsonl' \) \
                    ! -name logs.json ! -name 'checkpoint-*' ! -name '*.tmp-*' ! -name '*.unreadable-*' -print0
            done
            ;;
        copilot_cli)
            for f in "$h"/.copilot/session-state/*/events.jsonl "$h"/.copilot/session-state/*.jsonl \
                "$h/.copilot/session-store.db"; do
                [[ ! -f $f || -L $f ]] || printf '%s\0' "$f"
            done
            ;;
        aider)
            # ~/.aider/analytics.jsonl, and the log `analytics-log:` of ~/.aider.conf.yml names.
            conf=$h/.aider.conf.yml log=
            [[ ! -f $conf ]] || log=$(sed -n 's/^analytics-log:[[:space:]]*//p' "$conf" | head -n 1)
            [[ $log != '~/'* ]] || log=$h/${log#'~/'}
            for f in "$h/.aider/analytics.jsonl" ${log:+"$log"}; do
                [[ ! -f $f || -L $f ]] || printf '%s\0' "$f"
            done
            ;;
        opencode)
            d=$h/.local/share/opencode
            [[ ! -d $d/storage/message ]] || find "$d/storage/message" -type f -name '*.json' -print0
            for f in "$d"/opencode*.db; do
                [[ ! -f $f || -L $f ]] || printf '%s\0' "$f"
            done
            ;;
        generic_openai)
            [[ ! -d $h/generic ]] || find "$h/generic" -type f -name '*.jsonl' -print0
            ;;
        *) return 1 ;;
    esac | sort -z
}

# ------------------------------------------------------------------ measuring

note "warming the page cache ($((CORPUS_BYTES / 1000000)) MB in $CORPUS_FILES files)"
sync
find "$HOME_DIR" -type f -print0 | xargs -0 cat > /dev/null

# A clean environment: the corpus is $HOME, and no agent variable points elsewhere.
ENVARGS=(-u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME -u CLAUDE_CONFIG_DIR -u CODEX_HOME
    -u GEMINI_CLI_HOME -u COPILOT_HOME -u AIDER_ANALYTICS_LOG -u SCOPEON_DB -u SCOPEON_NOW
    -u NO_COLOR -u FORCE_COLOR "HOME=$HOME_DIR" TZ=UTC)

# measure NAME CMD... : runs CMD (under /usr/bin/time -v when there is one); stdout to
# $OUT/NAME.json, stderr to $OUT/NAME.err; sets WALL (seconds, from bash's EPOCHREALTIME) and
# RSS_KB (empty without GNU time).
measure() {
    local name=$1
    shift
    local tfile=$OUT/$name.time t0 t1 ok=1
    t0=$EPOCHREALTIME
    if [[ $HAVE_TIME = 1 ]]; then
        /usr/bin/time -v -o "$tfile" "$@" > "$OUT/$name.json" 2> "$OUT/$name.err" || ok=0
    else
        "$@" > "$OUT/$name.json" 2> "$OUT/$name.err" || ok=0
    fi
    t1=$EPOCHREALTIME
    if [[ $ok = 0 ]]; then
        echo "---- $name failed; last lines of stderr:" >&2
        tail -n 20 "$OUT/$name.err" >&2 || true
        die "$name failed (command: $*)"
    fi
    WALL=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN {printf "%.3f", b - a}')
    RSS_KB=
    [[ $HAVE_TIME = 0 ]] || RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $NF}' "$tfile")
}

minof() { sort -g | head -n 1; }
maxof() { sort -g | tail -n 1; }
mib() { [[ -n $1 ]] && awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}' || echo "-"; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }
persec() { awk -v n="$1" -v s="$2" 'BEGIN {if (s > 0 && n > 0) printf "%.0f", n / s; else print "-"}'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN {if (s > 0 && b > 0) printf "%.0f", b / 1e6 / s; else print "-"}'; }
# scan_field FILE PROVIDER FIELD: a number from a scopeon.scan.v1 summary
scan_field() { jq -r --arg p "$2" --arg f "$3" '[.providers[] | select(.provider == $p) | .[$f]] | add // 0' "$1"; }

# The references' file lists ($OUT/ID.files) and their bytes on disk, per provider; "all" is
# every corpus provider's files, when each has a list.
declare -A LIST DISK_BYTES
for id in "${CORPUS_PROVIDERS[@]}" "${TIMED[@]}"; do
    [[ -z ${LIST[$id]:-} ]] || continue
    if provider_files "$id" > "$OUT/$id.files"; then
        LIST[$id]=$OUT/$id.files
    else
        rm -f -- "$OUT/$id.files"
        note "$id: no reference columns (provider_files does not list its files)"
    fi
done
: > "$OUT/all.files"
LIST[all]=$OUT/all.files
for id in "${CORPUS_PROVIDERS[@]}"; do
    if [[ -z ${LIST[$id]:-} ]]; then
        unset 'LIST[all]'
        break
    fi
    cat -- "${LIST[$id]}" >> "$OUT/all.files"
done
for id in "${!LIST[@]}"; do
    DISK_BYTES[$id]=$(xargs -0 -r stat -c %s -- < "${LIST[$id]}" | awk '{s += $1} END {print s + 0}')
done

# references ID: best-of-RUNS wall seconds of `cat` and of json_lines over the files of
# ${LIST[ID]}; sets REF_COLS (the table's `MB on disk | cat MB/s | JSON parse MB/s` cells,
# `-` without a list) and adds a line to REF_NOTES for lines that are not JSON.
REF_NOTES=()
references() {
    local id=$1 list=${LIST[$1]:-} i walls cat_s json_s bytes summary errors
    if [[ -z $list ]]; then
        REF_COLS="- | - | -"
        return
    fi
    walls=()
    for ((i = 1; i <= RUNS; i++)); do
        measure "$id-cat-$i" bash -c 'xargs -0 -r cat -- < "$1" > /dev/null' cat-files "$list"
        walls+=("$WALL")
    done
    cat_s=$(printf '%s\n' "${walls[@]}" | minof)
    walls=()
    for ((i = 1; i <= RUNS; i++)); do
        measure "$id-json-$i" "$JSON_LINES" --files-from "$list"
        walls+=("$WALL")
    done
    json_s=$(printf '%s\n' "${walls[@]}" | minof)
    bytes=${DISK_BYTES[$id]}
    summary=$OUT/$id-json-$RUNS.json
    errors=$(jq -r .parse_errors "$summary")
    if ((errors > 0)); then
        REF_NOTES+=("$id: json_lines found $errors of $(jq -r '.lines + .documents' "$summary") lines and documents not valid JSON (first ones in $OUT/$id-json-$RUNS.err)")
    fi
    note "$id references: $(mb "$bytes") MB in $(jq -r .files "$summary") files; cat best ${cat_s}s, json_lines best ${json_s}s of $RUNS"
    REF_COLS="$(mb "$bytes") | $(mbps "$bytes" "$cat_s") | $(mbps "$bytes" "$json_s")"
}

ROWS=()
for id in "${TIMED[@]}"; do
    walls=() rss=()
    for ((i = 1; i <= RUNS; i++)); do
        run=$(mktemp -d "$BENCH/run.XXXXXX")
        TMPDIRS+=("$run")
        measure "$id-cold-$i" env "${ENVARGS[@]}" "$SCOPEON" --db "$run/scopeon.db" --config "$CONFIG" \
            scan --provider "$id" --json
        walls+=("$WALL")
        [[ -z $RSS_KB ]] || rss+=("$RSS_KB")
        # Keep the last database for the warm rescans.
        if ((i < RUNS)); then rm -rf -- "$run"; fi
    done
    summary=$OUT/$id-cold-$RUNS.json
    files=$(scan_field "$summary" "$id" files)
    bytes=$(scan_field "$summary" "$id" bytes_read)
    records=$(scan_field "$summary" "$id" new_records)
    cold=$(printf '%s\n' "${walls[@]}" | minof)
    peak=$( ((${#rss[@]})) && printf '%s\n' "${rss[@]}" | maxof || true)
    note "$id cold: best ${cold}s of $RUNS, $(mb "$bytes") MB, $files files, $(mib "$peak") MiB"
    walls=()
    for ((i = 1; i <= RUNS_WARM; i++)); do
        measure "$id-warm-$i" env "${ENVARGS[@]}" "$SCOPEON" --db "$run/scopeon.db" --config "$CONFIG" \
            scan --provider "$id" --json
        walls+=("$WALL")
    done
    warm=$(printf '%s\n' "${walls[@]}" | minof)
    warm_bytes=$(scan_field "$OUT/$id-warm-$RUNS_WARM.json" "$id" bytes_read)
    rm -rf -- "$run"
    references "$id"
    if ((files == 0)); then
        ROWS+=("| $id | 0 (no files found) | - | $cold | - | $REF_COLS | 0 | - | $(mib "$peak") | $warm |")
    else
        ROWS+=("| $id | $files | $(mb "$bytes") | $cold | $(mbps "$bytes" "$cold") | $REF_COLS | $records | $(persec "$records" "$cold") | $(mib "$peak") | $warm ($(mb "$warm_bytes") MB) |")
    fi
done

# Everything at once, then the report the totals are checked on.
run=$(mktemp -d "$BENCH/run.XXXXXX")
TMPDIRS+=("$run")
measure all-cold env "${ENVARGS[@]}" "$SCOPEON" --db "$run/scopeon.db" --config "$CONFIG" scan --json
all_wall=$WALL all_rss=$RSS_KB
all_bytes=$(jq '[.providers[].bytes_read] | add' "$OUT/all-cold.json")
all_files=$(jq '[.providers[].files] | add' "$OUT/all-cold.json")
all_records=$(jq '[.providers[].new_records] | add' "$OUT/all-cold.json")
measure all-warm env "${ENVARGS[@]}" "$SCOPEON" --db "$run/scopeon.db" --config "$CONFIG" scan --json
all_warm=$WALL
references all
ROWS+=("| **all** (one scan) | $all_files | $(mb "$all_bytes") | $all_wall | $(mbps "$all_bytes" "$all_wall") | $REF_COLS | $all_records | $(persec "$all_records" "$all_wall") | $(mib "$all_rss") | $all_warm |")
measure report env "${ENVARGS[@]}" "$SCOPEON" --db "$run/scopeon.db" --config "$CONFIG" \
    report --by provider --json --no-scan

# ------------------------------------------------------------------ report

{
    echo "### Scopeon scan, mixed corpus: $CORPUS_NAME ($((CORPUS_BYTES / 1000000)) MB, $CORPUS_FILES files on disk)"
    echo
    echo "| provider | files | MB read | cold s (best of $RUNS) | MB/s | MB on disk | cat MB/s | JSON parse MB/s | records | records/s | peak RSS MiB | warm rescan s (best of $RUNS_WARM) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "- cold: \`scopeon scan --provider ID --json\` on a fresh database; warm: the same scan again, nothing new"
    echo "- MB read and records are from the scan summary (\`bytes_read\`, \`new_records\`: distinct dedup keys stored); MB/s = MB read / cold s"
    echo "- references, on the provider's files as docs/roots.md finds them (MB on disk): cat MB/s = MB on disk / best of $RUNS wall s of \`xargs -0 cat > /dev/null\`; JSON parse MB/s = the same for \`json_lines\` (every line, or whole .json file, validated by serde_json into IgnoredAny; nothing built; databases skipped)"
    for n in "${REF_NOTES[@]+"${REF_NOTES[@]}"}"; do echo "- $n"; done
    echo "- host: $(uname -srm), $(nproc) CPUs; page cache warm; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    [[ $HAVE_TIME = 1 ]] || echo "- peak RSS not measured: /usr/bin/time (GNU time) is missing"
} | tee "$OUT/results.md"

# Field-by-field check of `report --by provider` against the ground truth. A provider whose
# scan found no files (e.g. not implemented in this build) is reported and left out.
echo
jq -r -n --slurpfile e "$EXPECTED" --slurpfile r "$OUT/report.json" --slurpfile s "$OUT/all-cold.json" '
    ["requests", "input_tokens", "cache_creation_tokens", "cache_read_tokens", "output_tokens",
     "reasoning_tokens", "total_tokens"] as $fields
    | $e[0].providers | to_entries[] | .key as $p | .value as $want
    | ([$s[0].providers[] | select(.provider == $p) | .files] | add // 0) as $files
    | ([$r[0].rows[] | select(.key.provider == $p)] | first // {}) as $got
    | if $files == 0 then "SKIP \($p): the scan found no files (provider not implemented in this build?)"
      else ([$fields[] | select(($got[.] // 0) != $want[.])
             | "  \(.): expected \($want[.]) got \($got[.] // 0) (diff \(($got[.] // 0) - $want[.]))"]) as $bad
      | if ($bad | length) == 0 then "OK   \($p): requests=\($want.requests) total_tokens=\($want.total_tokens)"
        else "FAIL \($p):\n\($bad | join("\n"))" end
      end' | tee "$OUT/check.txt"
# Rows for providers the corpus does not hold (e.g. a stray log outside it) are a failure too.
jq -r -n --slurpfile e "$EXPECTED" --slurpfile r "$OUT/report.json" '
    $r[0].rows[] | .key.provider as $p | select($e[0].providers[$p] == null)
    | "FAIL \($p): reported (\(.requests) requests) but not in the corpus"' | tee -a "$OUT/check.txt"
note "outputs and timings in $OUT"
if grep -q '^FAIL' "$OUT/check.txt"; then
    die "totals differ from the ground truth (see above and $OUT/check.txt)"
fi
if [[ $REQUIRE_ALL = 1 ]] && grep -q '^SKIP' "$OUT/check.txt"; then
    die "some providers found no files (REQUIRE_ALL=0 reports them as SKIP instead)"
fi
echo "totals match the ground truth for every provider checked"

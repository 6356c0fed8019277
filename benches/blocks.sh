#!/usr/bin/env bash
# Benchmark of `scopeon blocks --json` (every five-hour block of all history) on a generated
# corpus, side by side with `ccusage blocks`. See benches/README.md ("Blocks").
#
#   benches/blocks.sh [SIZE]     SIZE as gen_corpus --size takes it (default 1GB)
#
# Environment:
#   SCOPEON_BENCH_DIR   work dir for corpora, ccusage and results (default /tmp/scopeon-bench)
#   SCOPEON_BENCH_SEED  corpus seed (default 42)
#   RUNS                scopeon runs per row, median and max reported (default 21)
#   CCUSAGE_RUNS        ccusage runs (default 3)
#   SKIP_CCUSAGE=1      do not install or run ccusage
#   SKIP_BUILD=1        use existing binaries (GEN_CORPUS / SCOPEON_BIN may point at them)
#
# The corpus is read through CLAUDE_CONFIG_DIR and never changed: the requests appended for
# the "new request" row go to a second Claude Code root of their own, listed after it.
set -euo pipefail

CCUSAGE_VERSION=20.0.24
SIZE=${1:-1GB}
BENCH=${SCOPEON_BENCH_DIR:-/tmp/scopeon-bench}
SEED=${SCOPEON_BENCH_SEED:-42}
RUNS=${RUNS:-21}
CCUSAGE_RUNS=${CCUSAGE_RUNS:-3}
SKIP_CCUSAGE=${SKIP_CCUSAGE:-0}
SKIP_BUILD=${SKIP_BUILD:-0}

source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

for n in "$RUNS" "$CCUSAGE_RUNS"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "RUNS and CCUSAGE_RUNS must be positive integers (got '$n')"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/scopeon-blocks-bench.XXXXXX")
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT
bench_binaries
bench_corpus

# A second root whose one session grows by a request before each "new request" run.
LIVE=$WORK/claude
TRANSCRIPT=$LIVE/projects/-home-dev-bench/bench-blocks-session.jsonl
mkdir -p "$(dirname "$TRANSCRIPT")" "$WORK/home"
: > "$TRANSCRIPT"
N=0
append_request() {
    N=$((N + 1))
    printf '{"type":"assistant","sessionId":"bench-blocks-session","cwd":"/home/dev/bench","requestId":"req_blocks_%d","timestamp":"%s","message":{"id":"msg_blocks_%d","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":12,"cache_creation_input_tokens":800,"cache_read_input_tokens":42000,"output_tokens":350}}}\n' \
        "$N" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$N" >> "$TRANSCRIPT"
}

run_env=(env -i "PATH=$PATH" "HOME=$WORK/home" "TZ=UTC" "CLAUDE_CONFIG_DIR=$CORPUS,$LIVE")
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# One run: prints its wall-clock milliseconds; stdout is kept in $WORK/last.
time_run() {
    local t0 t1
    t0=$(now_us)
    "${run_env[@]}" "$@" > "$WORK/last" 2>/dev/null
    t1=$(now_us)
    awk -v d=$((t1 - t0)) 'BEGIN {printf "%.1f\n", d / 1000}'
}

# median and max of a file of numbers
stats() { sort -n "$1" | awk '{a[NR]=$1} END {printf "%s %s\n", a[int((NR+1)/2)], a[NR]}'; }

# RUNS runs of a command after `before` (a shell function or :); prints "median max".
measure() {
    local before=$1
    shift
    : > "$WORK/times.txt"
    for ((i = 0; i < RUNS; i++)); do
        "$before"
        time_run "$@" >> "$WORK/times.txt"
    done
    stats "$WORK/times.txt"
}

note "backfill: scopeon scan of the $CORPUS_MB MB corpus"
append_request
"${run_env[@]}" "$SCOPEON" scan > /dev/null
"${run_env[@]}" "$SCOPEON" blocks --json > "$WORK/scopeon.json"
BLOCKS=$(jq '.blocks | length' "$WORK/scopeon.json")
REQUESTS=$(jq '[.blocks[].requests] | add' "$WORK/scopeon.json")

note "scopeon blocks: $RUNS runs per row"
read -r WARM_MED WARM_MAX < <(measure : "$SCOPEON" blocks --json)
read -r NOSCAN_MED NOSCAN_MAX < <(measure : "$SCOPEON" blocks --json --no-scan)
read -r NEW_MED NEW_MAX < <(measure append_request "$SCOPEON" blocks --json)
read -r ACTIVE_MED ACTIVE_MAX < <(measure : "$SCOPEON" blocks --json --active)
read -r SCAN_MED SCAN_MAX < <(measure : "$SCOPEON" scan)

CC_ROW="| ccusage blocks --offline --json | (not run) | | |"
if [[ $SKIP_CCUSAGE != 1 ]]; then
    bench_ccusage
    note "ccusage blocks: $CCUSAGE_RUNS runs"
    RUNS=$CCUSAGE_RUNS
    read -r CC_MED CC_MAX < <(measure : "$CCUSAGE" blocks --offline --json)
    CC_BLOCKS=$(jq '[.blocks[] | select(.isGap | not)] | length' "$WORK/last")
    CC_ROW="| ccusage $CCUSAGE_VERSION blocks --offline --json ($CCUSAGE_RUNS runs) | $CC_MED | $CC_MAX | $CC_BLOCKS |"
fi

HOST="$(uname -sm), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)"
cat <<REPORT
host: $HOST, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)
corpus: $CORPUS_MB MB, $REQUESTS requests in $BLOCKS blocks (scopeon)

| command | median ms | max ms | blocks |
|---|---:|---:|---:|
| scopeon blocks --json (scans first; nothing new) | $WARM_MED | $WARM_MAX | $BLOCKS |
| scopeon blocks --json --no-scan | $NOSCAN_MED | $NOSCAN_MAX | $BLOCKS |
| scopeon blocks --json, a request appended before each run | $NEW_MED | $NEW_MAX | |
| scopeon blocks --json --active | $ACTIVE_MED | $ACTIVE_MAX | |
| scopeon scan (nothing new), for reference | $SCAN_MED | $SCAN_MAX | |
$CC_ROW
REPORT

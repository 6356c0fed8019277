#!/usr/bin/env bash
# Benchmark of `scopeon statusline` (Claude Code's status line command) on a generated corpus,
# side by side with `ccusage statusline`. See benches/README.md ("Statusline").
#
#   benches/statusline.sh [SIZE]     SIZE as gen_corpus --size takes it (default 1GB)
#
# Environment:
#   SCOPEON_BENCH_DIR   work dir for corpora, ccusage and results (default /tmp/scopeon-bench)
#   SCOPEON_BENCH_SEED  corpus seed (default 42)
#   CALLS               warm calls, each after a new request is appended (default 200)
#   NODB_RUNS           calls with no database yet, each on a fresh one (default 5)
#   CONCURRENT          calls started at once for one session (default 20)
#   CCUSAGE_CALLS       ccusage statusline calls, with its cache and without (default 5 each)
#   SKIP_CCUSAGE=1      do not install or run ccusage
#   SKIP_BUILD=1        use existing binaries (GEN_CORPUS / SCOPEON_BIN may point at them)
#
# The corpus is read through CLAUDE_CONFIG_DIR and never changed: the session whose transcript
# grows lives in a second Claude Code root of its own, listed after the corpus.
set -euo pipefail

CCUSAGE_VERSION=20.0.24
SIZE=${1:-1GB}
BENCH=${SCOPEON_BENCH_DIR:-/tmp/scopeon-bench}
SEED=${SCOPEON_BENCH_SEED:-42}
CALLS=${CALLS:-200}
NODB_RUNS=${NODB_RUNS:-5}
CONCURRENT=${CONCURRENT:-20}
CCUSAGE_CALLS=${CCUSAGE_CALLS:-5}
SKIP_CCUSAGE=${SKIP_CCUSAGE:-0}
SKIP_BUILD=${SKIP_BUILD:-0}

source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

for n in "$CALLS" "$NODB_RUNS" "$CONCURRENT" "$CCUSAGE_CALLS"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "CALLS, NODB_RUNS, CONCURRENT, CCUSAGE_CALLS must be positive integers (got '$n')"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/scopeon-statusline-bench.XXXXXX")
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT
bench_binaries
bench_corpus

# ------------------------------------------------------------------ the session

SESSION=bench-statusline-session
LIVE=$WORK/claude
TRANSCRIPT=$LIVE/projects/-home-dev-bench/$SESSION.jsonl
mkdir -p "$(dirname "$TRANSCRIPT")" "$WORK/home"
: > "$TRANSCRIPT"
N=0
# One request of the session, stamped now, so it falls in today's cost and the active block.
append_request() {
    N=$((N + 1))
    local ts
    ts=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
    printf '{"type":"assistant","sessionId":"%s","cwd":"/home/dev/bench","requestId":"req_bench_%d","timestamp":"%s","message":{"id":"msg_bench_%d","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"filler"}],"usage":{"input_tokens":12,"cache_creation_input_tokens":800,"cache_read_input_tokens":42000,"output_tokens":350}}}\n' \
        "$SESSION" "$N" "$ts" "$N" >> "$TRANSCRIPT"
}
append_request
RESETS=$(($(date +%s) + 2 * 3600))
INPUT=$(printf '{"session_id":"%s","transcript_path":"%s","model":{"id":"claude-sonnet-4-5-20250929","display_name":"Sonnet 4.5"},"workspace":{"current_dir":"/home/dev/bench"},"rate_limits":{"five_hour":{"used_percentage":37,"resets_at":%d},"seven_day":{"used_percentage":12,"resets_at":%d}}}' \
    "$SESSION" "$TRANSCRIPT" "$RESETS" "$((RESETS + 5 * 86400))")

# Every command runs with an empty home, the corpus and the live root as Claude Code's roots.
run_env=(env -i "PATH=$PATH" "HOME=$WORK/home" "TZ=UTC" "CLAUDE_CONFIG_DIR=$CORPUS,$LIVE")

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# One statusline call: prints its wall-clock milliseconds, and appends its CPU milliseconds
# (user + system, of the process and the shell around it) to $WORK/cpu.txt; stdout is kept in
# $WORK/last. Wall time includes waiting for a core on a busy machine; CPU time does not.
time_call() {
    local t0 t1 cpu
    t0=$(now_us)
    cpu=$( { TIMEFORMAT='%3U %3S'; time (printf '%s' "$INPUT" | "${run_env[@]}" "$@" > "$WORK/last" 2>/dev/null); } 2>&1 )
    t1=$(now_us)
    awk -v c="$cpu" 'BEGIN {split(c, a, " "); printf "%.2f\n", (a[1] + a[2]) * 1000}' >> "$WORK/cpu.txt"
    awk -v d=$((t1 - t0)) 'BEGIN {printf "%.2f\n", d / 1000}'
}

# median and p99 of a file of numbers
stats() { sort -n "$1" | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.99 + 0.999)]; if (p=="") p=a[NR]; printf "%s %s %s\n", m, p, a[NR]}'; }

# ------------------------------------------------------------------ scopeon

note "backfill: scopeon scan of the $CORPUS_MB MB corpus"
t0=$(now_us)
"${run_env[@]}" "$SCOPEON" scan > /dev/null
t1=$(now_us)
BACKFILL_S=$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.2f", d / 1e6}')

note "warm: $CALLS calls, one request appended before each"
time_call "$SCOPEON" statusline > /dev/null # the session's first call reads its transcript
: > "$WORK/warm.txt"
: > "$WORK/cpu.txt"
for ((i = 0; i < CALLS; i++)); do
    append_request
    time_call "$SCOPEON" statusline >> "$WORK/warm.txt"
done
read -r WARM_MED WARM_P99 WARM_MAX < <(stats "$WORK/warm.txt")
read -r WARM_CPU_MED WARM_CPU_P99 _ < <(stats "$WORK/cpu.txt")
WARM_LINE=$(cat "$WORK/last")
STORED=$("${run_env[@]}" "$SCOPEON" report --no-scan --json --by session --provider claude_code \
    | jq -r --arg s "$SESSION" '.rows[] | select(.key.session == $s) | .requests')
[[ $STORED = "$N" ]] || note "warning: the session has $STORED requests stored, $N written"

note "no database: $NODB_RUNS calls, each with a fresh home"
: > "$WORK/nodb.txt"
: > "$WORK/cpu.txt"
for ((i = 0; i < NODB_RUNS; i++)); do
    rm -rf -- "$WORK/home"
    mkdir -p "$WORK/home"
    time_call "$SCOPEON" statusline >> "$WORK/nodb.txt"
done
read -r NODB_MED _ NODB_MAX < <(stats "$WORK/nodb.txt")
read -r NODB_CPU_MED _ _ < <(stats "$WORK/cpu.txt")
NODB_LINE=$(cat "$WORK/last")

note "concurrent: $CONCURRENT calls at once for one session (on the full database)"
rm -rf -- "$WORK/home"
mkdir -p "$WORK/home"
"${run_env[@]}" "$SCOPEON" scan > /dev/null
time_call "$SCOPEON" statusline > /dev/null
append_request
mkdir -p "$WORK/concurrent"
t0=$(now_us)
pids=()
for ((i = 0; i < CONCURRENT; i++)); do
    (printf '%s' "$INPUT" | "${run_env[@]}" "$SCOPEON" statusline > "$WORK/concurrent/$i" 2>/dev/null) &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t1=$(now_us)
CONC_MS=$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.0f", d / 1000}')
CONC_LINES=$(cat "$WORK"/concurrent/* | grep -c . || true)

# ------------------------------------------------------------------ ccusage

CC_MED=- CC_MAX=- CC_LINE="(not run)" CCN_MED=- CCN_MAX=- CC_CPU_MED=- CCN_CPU_MED=-
if [[ $SKIP_CCUSAGE != 1 ]]; then
    bench_ccusage
    note "ccusage statusline: $CCUSAGE_CALLS calls with its cache, $CCUSAGE_CALLS without, one request appended before each"
    : > "$WORK/cc.txt"
    : > "$WORK/ccn.txt"
    : > "$WORK/cpu.txt"
    for ((i = 0; i < CCUSAGE_CALLS; i++)); do
        append_request
        time_call "$CCUSAGE" statusline --offline >> "$WORK/cc.txt"
    done
    CC_LINE=$(cat "$WORK/last")
    read -r CC_CPU_MED _ _ < <(stats "$WORK/cpu.txt")
    : > "$WORK/cpu.txt"
    for ((i = 0; i < CCUSAGE_CALLS; i++)); do
        append_request
        time_call "$CCUSAGE" statusline --offline --no-cache >> "$WORK/ccn.txt"
    done
    read -r CCN_CPU_MED _ _ < <(stats "$WORK/cpu.txt")
    read -r CC_MED _ CC_MAX < <(stats "$WORK/cc.txt")
    read -r CCN_MED _ CCN_MAX < <(stats "$WORK/ccn.txt")
fi

# ------------------------------------------------------------------ report

HOST="$(uname -sm), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)"
cat <<REPORT
host: $HOST, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)
corpus: $CORPUS_NAME ($CORPUS_MB MB), backfill (scopeon scan) ${BACKFILL_S} s

| call | median ms | p99 ms | max ms | median CPU ms |
|---|---:|---:|---:|---:|
| scopeon statusline, warm, growing transcript ($CALLS calls) | $WARM_MED | $WARM_P99 | $WARM_MAX | $WARM_CPU_MED (p99 $WARM_CPU_P99) |
| scopeon statusline, no database yet ($NODB_RUNS calls) | $NODB_MED | | $NODB_MAX | $NODB_CPU_MED |
| scopeon statusline, $CONCURRENT at once (all done) | | | $CONC_MS | |
| ccusage $CCUSAGE_VERSION statusline --offline ($CCUSAGE_CALLS calls) | $CC_MED | | $CC_MAX | $CC_CPU_MED |
| ccusage $CCUSAGE_VERSION statusline --offline --no-cache ($CCUSAGE_CALLS calls) | $CCN_MED | | $CCN_MAX | $CCN_CPU_MED |

scopeon warm line:  $WARM_LINE
scopeon no-db line: $NODB_LINE
concurrent calls that printed a line: $CONC_LINES of $CONCURRENT
ccusage line:       $CC_LINE
REPORT

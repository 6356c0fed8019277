#!/usr/bin/env bash
# Benchmark of `scopeon mcp`'s `initialize` latency: from spawning the server to reading its
# reply to `initialize`, on a generated corpus. See benches/README.md ("MCP initialize").
#
#   benches/mcp_init.sh [SIZE]      SIZE as gen_corpus --size takes it (default 1GB)
#
# Environment:
#   SCOPEON_BENCH_DIR   work dir for corpora and results (default /tmp/scopeon-bench)
#   SCOPEON_BENCH_SEED  corpus seed (default 42)
#   RUNS                spawns per series (default 50)
#   SKIP_STORED=1       skip the series on a database that already holds the corpus
#   SKIP_BUILD=1        use existing binaries (GEN_CORPUS / SCOPEON_BIN may point at them)
#
# Empty database: each spawn gets a fresh, empty home, so the server creates its database,
# answers `initialize` and starts its background scan of the whole corpus (which the
# benchmark does not wait for: stdin is closed as soon as the reply is read). Stored
# database: the same with a home whose database already holds the corpus.
set -euo pipefail

SIZE=${1:-1GB}
BENCH=${SCOPEON_BENCH_DIR:-/tmp/scopeon-bench}
SEED=${SCOPEON_BENCH_SEED:-42}
RUNS=${RUNS:-50}
SKIP_STORED=${SKIP_STORED:-0}
SKIP_BUILD=${SKIP_BUILD:-0}

source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/scopeon-mcp-bench.XXXXXX")
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT
bench_binaries
bench_corpus

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcp-init-bench","version":"1"}}}'

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# median, p99 and max of a file of numbers
stats() { sort -n "$1" | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.99 + 0.999)]; if (p=="") p=a[NR]; printf "%s %s %s\n", m, p, a[NR]}'; }

# One spawn with HOME=$1: prints the milliseconds from spawn to the initialize reply; the
# reply is kept in $WORK/reply. The server is then told to stop (stdin closed) and waited for.
time_initialize() {
    local home=$1 t0 t1 reply
    t0=$(now_us)
    coproc MCP { env -i "PATH=$PATH" "HOME=$home" "TZ=UTC" "CLAUDE_CONFIG_DIR=$CORPUS" "$SCOPEON" mcp 2>> "$WORK/stderr"; }
    printf '%s\n' "$INIT" >&"${MCP[1]}"
    IFS= read -r reply <&"${MCP[0]}" || reply=
    t1=$(now_us)
    local pid=$MCP_PID
    exec {MCP[1]}>&-
    wait "$pid" || true
    printf '%s\n' "$reply" > "$WORK/reply"
    grep -q '"serverInfo"' "$WORK/reply" || die "no initialize reply: $(cat "$WORK/reply") (stderr in $WORK/stderr)"
    awk -v d=$((t1 - t0)) 'BEGIN {printf "%.2f\n", d / 1000}'
}

note "empty database: $RUNS spawns, each with a fresh home, on the $CORPUS_MB MB corpus"
: > "$WORK/empty.txt"
for ((i = 0; i < RUNS; i++)); do
    rm -rf -- "$WORK/home"
    mkdir -p "$WORK/home"
    time_initialize "$WORK/home" >> "$WORK/empty.txt"
done
read -r EMPTY_MED EMPTY_P99 EMPTY_MAX < <(stats "$WORK/empty.txt")

STORED_MED=- STORED_P99=- STORED_MAX=- BACKFILL_S=-
if [[ $SKIP_STORED != 1 ]]; then
    note "stored database: backfill (scopeon scan), then $RUNS spawns"
    rm -rf -- "$WORK/home"
    mkdir -p "$WORK/home"
    t0=$(now_us)
    env -i "PATH=$PATH" "HOME=$WORK/home" "TZ=UTC" "CLAUDE_CONFIG_DIR=$CORPUS" "$SCOPEON" scan > /dev/null
    t1=$(now_us)
    BACKFILL_S=$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.2f", d / 1e6}')
    : > "$WORK/stored.txt"
    for ((i = 0; i < RUNS; i++)); do
        time_initialize "$WORK/home" >> "$WORK/stored.txt"
    done
    read -r STORED_MED STORED_P99 STORED_MAX < <(stats "$WORK/stored.txt")
fi

HOST="$(uname -sm), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)"
cat <<REPORT
host: $HOST, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)
corpus: $CORPUS_NAME ($CORPUS_MB MB), backfill (scopeon scan) ${BACKFILL_S} s

| scopeon mcp: spawn to initialize reply | median ms | p99 ms | max ms |
|---|---:|---:|---:|
| empty database ($RUNS spawns) | $EMPTY_MED | $EMPTY_P99 | $EMPTY_MAX |
| database holding the corpus ($RUNS spawns) | $STORED_MED | $STORED_P99 | $STORED_MAX |

reply: $(cut -c1-160 "$WORK/reply")
REPORT

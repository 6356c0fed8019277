#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, two at a time, and prints the
# executions each made. Exit status 1 when any target found a crash (saved under artifacts/).
#
#   fuzz/run.sh [SECONDS] [TARGET...]        SECONDS defaults to 60
#
# Uses `cargo +nightly` where a nightly toolchain is installed, else stable with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz passes -Z flags; AddressSanitizer works this way on stable).
# FUZZ_SANITIZER=none builds without AddressSanitizer (faster; panics are still caught).
# FUZZ_JOBS sets how many targets run at once (default 2). FUZZ_TARGET_DIR moves the build.
# cargo-fuzz is installed (pinned, --locked) when missing.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-60}
shift || true
sanitizer=${FUZZ_SANITIZER:-address}
jobs=${FUZZ_JOBS:-2}
target_dir=${FUZZ_TARGET_DIR:-target}
cargo_fuzz_version=0.13.2

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi
if cargo +nightly --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <("${fuzz[@]}" list)
fi

# The dictionary of a target's format: claude_* and frame_lines use claude.dict, the others
# the provider id before their last suffix (codex_line -> codex.dict).
dict_for() {
    local t=$1 base
    case $t in
        claude_* | frame_lines) base=claude ;;
        *) base=${t%_file_resume}; base=${base%_line}; base=${base%_document}; base=${base%_bubble} ;;
    esac
    [ -f "$base.dict" ] && echo "-dict=$base.dict"
}

# One build for all targets, so parallel runs do not race to build.
"${fuzz[@]}" build --sanitizer "$sanitizer" --target-dir "$target_dir"

mkdir -p logs
run_one() {
    local t=$1
    mkdir -p "corpus/$t" "artifacts/$t"
    # shellcheck disable=SC2046
    "${fuzz[@]}" run --sanitizer "$sanitizer" --target-dir "$target_dir" "$t" \
        "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 $(dict_for "$t") >"logs/$t.log" 2>&1
}

status=0
pids=()
names=()
for t in "${targets[@]}"; do
    run_one "$t" &
    pids+=($!)
    names+=("$t")
    if [ ${#pids[@]} -ge "$jobs" ]; then
        wait "${pids[0]}" || status=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do
    wait "$p" || status=1
done

printf '%-28s %14s  %s\n' target executions result
for t in "${names[@]}"; do
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' | tail -1)
    if grep -qE 'ERROR: libFuzzer|panicked at|SUMMARY: AddressSanitizer|==ERROR' "logs/$t.log"; then
        result="CRASH (see fuzz/logs/$t.log, fuzz/artifacts/$t/)"
        status=1
    else
        result=ok
    fi
    printf '%-28s %14s  %s\n' "$t" "${runs:-?}" "$result"
done
exit $status

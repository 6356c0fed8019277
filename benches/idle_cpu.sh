#!/usr/bin/env bash
# Idle CPU of `scopeon start`: the dashboard runs under tmux (a real pseudo-terminal) over a
# small isolated home, is left alone for $SECONDS_IDLE seconds (default 30), and the
# process's user + system CPU time over that span is read from /proc/PID/stat. Prints the
# share of one core. Linux only; needs tmux (apt-get install tmux).
#
#   benches/idle_cpu.sh                 # builds target/release/scopeon first
#   SCOPEON_BIN=path/to/scopeon benches/idle_cpu.sh 60
set -euo pipefail

idle=${1:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SCOPEON_BIN:-}
if [[ -z "$bin" ]]; then
    cargo build --release --locked -p scopeon-cli --manifest-path "$here/Cargo.toml" >&2
    bin="${CARGO_TARGET_DIR:-$here/target}/release/scopeon"
fi
command -v tmux >/dev/null || { echo "tmux is needed: apt-get install tmux" >&2; exit 2; }

home=$(mktemp -d)
socket="scopeon-idle-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$home"' EXIT
mkdir -p "$home/.claude/projects/-home-dev-app"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"r1","timestamp":"%s","message":{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":1000,"output_tokens":100}}}\n' \
    "$now" > "$home/.claude/projects/-home-dev-app/s1.jsonl"

# `exec`: the pane's process is scopeon itself.
tmux -L "$socket" new-session -d -s idle -x 80 -y 24 \
    "exec env -i HOME='$home' TZ=UTC TERM=xterm-256color '$bin' start"
for _ in $(seq 100); do
    tmux -L "$socket" capture-pane -p -t idle | grep -q 'Requests 1' && break
    sleep 0.1
done
pid=$(tmux -L "$socket" display-message -p -t idle '#{pane_pid}')
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
sleep 2 # past start-up
before=$(ticks)
sleep "$idle"
after=$(ticks)
awk -v t=$((after - before)) -v hz="$hz" -v s="$idle" \
    'BEGIN { printf "idle CPU of scopeon start over %d s: %.2f%% of one core (%d ticks at %d Hz)\n", s, 100 * t / hz / s, t, hz }'

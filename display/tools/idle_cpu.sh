#!/usr/bin/env bash
# CPU cost of the hall board at rest, the way a hall PC without a GPU runs it: Xvfb at 1280×720,
# Mesa's software rendering (llvmpipe; glow by default, RENDERER=wgpu for Vulkan). Starts a demo
# server and the board, measures the board's own CPU time from /proc over $SECONDS_PER_RUN seconds twice (notices cleared, then a
# long notice that scrolls), prints
#   idle_cpu_pct=<n>       goal ≤ 2 (repaints: the clock once a minute, nothing else)
#                          (each figure is followed by the build profile and the load average:
#                          other work on the machine inflates it)
#   marquee_cpu_pct=<n>    goal ≤ 25 (the marquee at ≤ 30 fps, by default in a window of its own
#                          over the board's band: MARQUEE=inline draws it in the board's frame)
#   marquee_frames_per_s board=<n> strip=<n>
#                          frames each viewport drew while the marquee moved (from the board's
#                          debug log): the board's should be 0, the strip's ≤ 30
# as percent of one core, and stops everything it started. SHOT=file.png also saves a screenshot.
#
# Needs: Xvfb, curl, mesa-vulkan-drivers; builds qcall-server and qcall-display (debug) if asked:
#   display/tools/idle_cpu.sh [--release]
set -euo pipefail

cd "$(dirname "$0")/../.."
PROFILE=debug
if [[ "${1:-}" == "--release" ]]; then PROFILE=release; fi
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
PORT=${PORT:-8733}
RENDERER=${RENDERER:-glow} # the board's --renderer: glow (default) or wgpu
MARQUEE=${MARQUEE:-window} # the board's --marquee: window (default) or inline
SCREEN=${XVFB_DISPLAY:-:97}

if [[ "$PROFILE" == release ]]; then
    cargo build --release -q -p qcall-server -p qcall-display
else
    cargo build -q -p qcall-server -p qcall-display
fi
BIN=${CARGO_TARGET_DIR:-target}/$PROFILE

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN/qcall-server" --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
Xvfb "$SCREEN" -screen 0 1280x720x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
PIDS+=($!)

API="http://127.0.0.1:$PORT/api/v1"
for _ in $(seq 100); do curl -sf "$API/hall" -o /dev/null -H 'Authorization: Bearer demo-hall-board-key-0000' && break; sleep 0.1; done
TOKEN=$(curl -sf -X POST "$API/auth/login" -d '{"staff_no":"9001","password":"demo-manager"}' \
    | sed 's/.*"token":"\([^"]*\)".*/\1/')
notices() {
    curl -sf -X PUT "$API/notices" -H "Authorization: Bearer $TOKEN" -d "$1" -o /dev/null
}

notices '{"notices":[]}'
# The board's frame counts are a debug line of its own, every 30 frames.
DISPLAY="$SCREEN" XDG_RUNTIME_DIR="$WORK" NO_COLOR=1 \
    RUST_LOG=info,wgpu=warn,naga=warn,eframe=warn,qcall_display::app=debug \
    "$BIN/qcall-display" --windowed --marquee "$MARQUEE" \
    --server "http://127.0.0.1:$PORT" --key demo-hall-board-key-0000 --renderer "$RENDERER" >"$WORK/display.log" 2>&1 &
BOARD=$!
PIDS+=("$BOARD")

TICK=$(getconf CLK_TCK)
# utime + stime of the board process (all threads), in clock ticks.
ticks() { awk '{ print $14 + $15 }' "/proc/$BOARD/stat"; }
# "board strip": the frames each viewport drew so far, from the last count in the log.
frames() {
    { grep 'frames drawn' "$WORK/display.log" || echo 'board=0 strip=0'; } | tail -n 1 \
        | sed 's/.*board=\([0-9]*\).*strip=\([0-9]*\).*/\1 \2/'
}
# Sets PCT (the board's CPU over $SECONDS_PER_RUN seconds) and RATES (each viewport's frames
# per second meanwhile).
measure() {
    local before after frames_before frames_after
    frames_before=$(frames)
    before=$(ticks)
    sleep "$SECONDS_PER_RUN"
    after=$(ticks)
    frames_after=$(frames)
    PCT=$(awk -v d=$((after - before)) -v t="$TICK" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.1f", 100 * d / (t * s) }')
    RATES=$(echo "$frames_before $frames_after" | awk -v s="$SECONDS_PER_RUN" \
        '{ printf "board=%.1f strip=%.1f", ($3 - $1) / s, ($4 - $2) / s }')
}

sleep 6 # start-up: window, adapter, fonts, snapshot
measure
echo "idle_cpu_pct=$PCT (profile $PROFILE, renderer $RENDERER, load average $(cut -d' ' -f1-3 /proc/loadavg))"

notices '{"notices":["取号后请在休息区等候，留意屏幕与语音叫号","过号请到窗口重新排队","办不成事，请到8号窗口反映","清廉大厅 阳光服务 每一次叫号都公开可查"]}'
sleep 2
measure
echo "marquee_cpu_pct=$PCT (profile $PROFILE, renderer $RENDERER, marquee $MARQUEE, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "marquee_frames_per_s $RATES (counted every 30 frames, so ±1.5/s)"
# SHOT=file.png: a screenshot of the board with the marquee moving, to look at.
if [[ -n "${SHOT:-}" ]]; then DISPLAY="$SCREEN" import -window root "$SHOT"; fi

kill -0 "$BOARD" 2>/dev/null || { echo "the board exited; its log:" >&2; cat "$WORK/display.log" >&2; exit 1; }

#!/usr/bin/env bash
# The desktop app in a real window under Xvfb: process start to first frame (median of 10 cold starts) as the app
# reports it and as seen from outside (the first screenshot that is not one flat colour), RSS after start, after one
# lookup and after 100, CPU while idle for 10 s after them; beside headless Chromium showing a small local page.
# Needs xvfb, a Vulkan or GL driver (mesa-vulkan-drivers), and chromium for the comparison.
# Prints `name value unit` lines. Usage: gui.sh BINARY
set -euo pipefail
bin=$(realpath "$1")
source "$(dirname "$0")/xvfb.sh" gui 70
"$bin" emulator --print-ca >/dev/null   # the emulator's keys exist before the timed starts

# Launch → first frame, twice over: as the app reports it (the wall clock of its first `ui()`), and from outside,
# polling screenshots of the display until it is not one flat colour (what a user sees). The poller
# (first_paint.c, one XGetImage of the root window per poll; needs cc and libx11-dev) prints its own poll time
# beside it: the figure is late by at most one poll.
firsts=(); paints=(); polls=()
cc -O2 "$(dirname "$0")/first_paint.c" -o "$tmp/first_paint" -lX11 \
  || { echo "gui: cannot build first_paint.c (needs cc and libx11-dev)" >&2; exit 1; }
for _ in $(seq 1 10); do
  : >"$tmp/log"
  t0=$(date +%s%N)
  "$bin" >/dev/null 2>"$tmp/log" & app=$!
  read -r painted poll < <("$tmp/first_paint" 30000) || { cat "$tmp/log" >&2; echo "gui: the window never painted" >&2; exit 1; }
  polls+=("$poll")
  for _ in $(seq 1 3000); do grep -q first_frame_unix_ns "$tmp/log" && break; sleep 0.01; done
  t1=$(awk '/first_frame_unix_ns/ {print $2}' "$tmp/log")
  firsts+=($(( (t1 - t0) / 1000000 )))
  paints+=($(( (painted - t0) / 1000000 )))
  kill "$app"; wait "$app" 2>/dev/null || true
done
median() { printf '%s\n' "$@" | sort -n | sed -n 5p; }
echo "gui_first_frame_ms $(median "${firsts[@]}") ms (in-app, median of 10; min $(printf '%s\n' "${firsts[@]}" | sort -n | head -1))"
echo "gui_first_paint_outside_ms $(median "${paints[@]}") ms (screenshot not one flat colour, median of 10; one poll takes $(median "${polls[@]}") ms)"

rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$app/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$app/stat"; }
hz=$(getconf CLK_TCK)

# RSS after start; then 100 lookups one after the other against the built-in emulator (the scripted person as the
# browser): RSS after the first and after the hundredth; then the CPU while idle after them.
export KRR_INSPECTOR_BROWSER="'$bin' autologin --pid 24079412372"
: >"$tmp/log"
KRR_INSPECTOR_BENCH_LOOKUPS=100 "$bin" --env local --lookup >/dev/null 2>"$tmp/log" & app=$!
for _ in $(seq 1 3000); do grep -q first_frame_unix_ns "$tmp/log" && break; sleep 0.01; done
rss_start=$(rss)
for _ in $(seq 1 600); do grep -q "bench_lookup_done 99" "$tmp/log" && break; sleep 0.1; done
grep -q "bench_lookup_done 99" "$tmp/log" || { cat "$tmp/log" >&2; echo "gui: the first lookup did not finish" >&2; exit 1; }
sleep 1
rss_first=$(rss)
for _ in $(seq 1 3000); do grep -q "bench_lookup_done 0$" "$tmp/log" && break; sleep 0.1; done
grep -q "bench_lookup_done 0$" "$tmp/log" || { echo "gui: 100 lookups did not finish in 300 s" >&2; exit 1; }
sleep 2
rss_100=$(rss)
echo "gui_rss_after_start $rss_start MB"
echo "gui_rss_after_lookup $rss_first MB (after the first)"
echo "gui_rss_after_100_lookups $rss_100 MB ($(python3 -c "print(round($rss_100 - $rss_first, 1))") MB above the first)"
c0=$(ticks); sleep 10; c1=$(ticks)
echo "gui_idle_cpu $(python3 -c "print(round(100 * ($c1 - $c0) / $hz / 10, 2))") % (10 s, after the lookups)"
kill "$app"; wait "$app" 2>/dev/null || true

if command -v chromium >/dev/null; then
  printf '<!doctype html><html><body><h1>KRR</h1><pre>{"personidentifikator":"24079412372"}</pre></body></html>' >"$tmp/page.html"
  runs=()
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f "%e %M" -o "$tmp/time" chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$tmp/chrome" \
      --screenshot="$tmp/shot.png" --window-size=800,600 "file://$tmp/page.html" >/dev/null 2>&1 || true
    runs+=("$(cat "$tmp/time")")
  done
  med=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p)
  echo "chromium_headless_page_ms $(echo "$med" | awk '{printf "%d", $1 * 1000}') ms (start to screenshot, median of 5)"
  echo "chromium_headless_max_rss $(echo "$med" | awk '{printf "%.1f", $2 / 1024}') MB (largest process)"
fi

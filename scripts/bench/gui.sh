#!/usr/bin/env bash
# The desktop app in a real window under Xvfb: process start to first frame (median of 10 cold starts), RSS after a
# completed lookup, CPU while idle for 10 s; beside headless Chromium showing a small local page.
# Needs xvfb, a Vulkan or GL driver (mesa-vulkan-drivers), and chromium for the comparison.
# Prints `name value unit` lines. Usage: gui.sh BINARY
set -euo pipefail
bin=$(realpath "$1")
source "$(dirname "$0")/xvfb.sh" gui 70
"$bin" emulator --print-ca >/dev/null   # the emulator's keys exist before the timed starts

firsts=()
for _ in $(seq 1 10); do
  : >"$tmp/log"
  t0=$(date +%s%N)
  "$bin" >/dev/null 2>"$tmp/log" & app=$!
  for _ in $(seq 1 3000); do grep -q first_frame_unix_ns "$tmp/log" && break; sleep 0.01; kill -0 "$app" || { cat "$tmp/log" >&2; exit 1; }; done
  grep -q first_frame_unix_ns "$tmp/log" || { echo "gui: no first frame within 30 s" >&2; exit 1; }
  t1=$(awk '/first_frame_unix_ns/ {print $2}' "$tmp/log")
  firsts+=($(( (t1 - t0) / 1000000 )))
  kill "$app"; wait "$app" 2>/dev/null || true
done
echo "gui_first_frame_ms $(printf '%s\n' "${firsts[@]}" | sort -n | sed -n 5p) ms (median of 10; min $(printf '%s\n' "${firsts[@]}" | sort -n | head -1))"

# A lookup against the built-in emulator, the scripted person as the browser; then RSS and idle CPU.
export KRR_INSPECTOR_BROWSER="'$bin' autologin --pid 24079412372"
: >"$tmp/log"
"$bin" --env local --lookup >/dev/null 2>"$tmp/log" & app=$!
for _ in $(seq 1 300); do grep -q lookup_done "$tmp/log" && break; sleep 0.1; done
grep -q lookup_done "$tmp/log" || { cat "$tmp/log" >&2; echo "gui: the lookup did not finish" >&2; exit 1; }
sleep 2
echo "gui_rss_after_lookup $(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$app/status) MB"
ticks() { awk '{print $14 + $15}' "/proc/$app/stat"; }
hz=$(getconf CLK_TCK)
c0=$(ticks); sleep 10; c1=$(ticks)
echo "gui_idle_cpu $(python3 -c "print(round(100 * ($c1 - $c0) / $hz / 10, 2))") % (10 s)"
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

#!/usr/bin/env bash
# The desktop app's CPU while a login waits for the browser (issue 12, item 10): a real window under Xvfb, the
# built-in emulator, a browser command that opens nothing (`true`), so the app waits for the callback; after the
# first frame and 3 s of settling, the app's CPU (all threads) over 10 s, in % of one core. Target: under 2 %.
# Prints `name value unit` lines. Usage: gui_wait_cpu.sh BINARY
set -euo pipefail
bin=$(realpath "$1")
source "$(dirname "$0")/xvfb.sh" gui_wait_cpu 90
export KRR_INSPECTOR_BROWSER=true
"$bin" emulator --print-ca >/dev/null   # the emulator's keys exist before the timed run
"$bin" --env local --lookup >/dev/null 2>"$tmp/log" & app=$!
for _ in $(seq 1 3000); do grep -q first_frame_unix_ns "$tmp/log" && break; sleep 0.01; kill -0 "$app" || { cat "$tmp/log" >&2; exit 1; }; done
grep -q first_frame_unix_ns "$tmp/log" || { echo "gui_wait_cpu: no first frame within 30 s" >&2; exit 1; }
sleep 3
ticks() { awk '{print $14 + $15}' "/proc/$app/stat"; }
hz=$(getconf CLK_TCK)
c0=$(ticks); sleep 10; c1=$(ticks)
echo "gui_wait_for_login_cpu $(python3 -c "print(round(100 * ($c1 - $c0) / $hz / 10, 2))") % of one core (10 s)"

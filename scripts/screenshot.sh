#!/usr/bin/env bash
# Runs the real window under Xvfb, completes a lookup against the built-in emulator (the scripted person logs in
# as a Digipost test person), and writes docs/screenshot.png.
# Needs Debian's xvfb, imagemagick and mesa-vulkan-drivers (or another Vulkan/GL driver).
# Usage: scripts/screenshot.sh [BINARY] [OUTPUT]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/krr-inspector}
out=${2:-docs/screenshot.png}
[ -x "$bin" ] || cargo build --release
for tool in Xvfb import; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install xvfb imagemagick" >&2; exit 1; }
done
tmp=$(mktemp -d)
display=:$((90 + RANDOM % 9))
cleanup() { kill "${app:-}" "${xvfb:-}" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
Xvfb "$display" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
# A fresh profile: no remembered settings, the emulator's keys in a temporary directory.
export DISPLAY=$display XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data HOME=$tmp
export KRR_INSPECTOR_BROWSER="'$(realpath "$bin")' autologin --pid 24079412372"
"$bin" --env local --lookup >"$tmp/app.log" 2>&1 &
app=$!
# The lookup takes well under a second; give the window time to appear and settle.
for _ in $(seq 1 30); do
  sleep 1
  if ! kill -0 "$app" 2>/dev/null; then cat "$tmp/app.log" >&2; echo "the app exited" >&2; exit 1; fi
  [ "$(date +%s)" -gt 0 ] && [ -s "$tmp/app.log" ] && grep -q "panicked" "$tmp/app.log" && { cat "$tmp/app.log" >&2; exit 1; }
  [ "$SECONDS" -ge 6 ] && break
done
mkdir -p "$(dirname "$out")"
import -window root "$out"
echo "wrote $out"

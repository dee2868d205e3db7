#!/usr/bin/env bash
# What kittest cannot see, in the real window under Xvfb (issue 12): the system's Save dialog (the XDG desktop
# portal's GTK file chooser, as on a desktop) writes the export where the user typed and the app says the full
# path; a file dragged from another application onto the window is opened; the CPU while a login waits. The
# window is driven through its accessibility tree by a11y-drive.py; the dialog and the drag by xdotool, the drag
# source a small GTK window (drag_source.py). Prints `ok`/`FAIL` lines; exits 1 on a failure.
# Needs: xvfb xdotool imagemagick dbus-daemon at-spi2-core python3-gi gir1.2-atspi-2.0 gir1.2-gtk-3.0
# xdg-desktop-portal xdg-desktop-portal-gtk, and a Vulkan/GL driver.
# Usage: scripts/window/checks.sh [BINARY] [A11Y_DRIVE]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-target/debug/krr-inspector}")
drive=${2:-${A11Y_DRIVE:-../shared/tools/a11y-drive.py}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say() { echo "$1 $2"; [ "$1" = ok ] || fail=1; }
display_of() { # the display a11y-drive started, from its first line
  local d
  for _ in $(seq 1 300); do
    d=$(grep -o 'display :[0-9]*' "$1" 2>/dev/null | head -1 | cut -d' ' -f2 || true)
    [ -n "$d" ] && { echo "$d"; return 0; }
    sleep 0.1
  done
  return 1
}

# 1. Export through the Save dialog.
out="$tmp/chosen/export.json"
mkdir -p "$tmp/chosen"
printf '%s\n' 'wait-text ^Signature: valid$ 60' 'press ^Export …$' "wait-text ^Saved $out\$ 60" >"$tmp/save.steps"
"$drive" --size 1280x800 --env KRR_INSPECTOR_BROWSER="$bin autologin --pid 24079412372" --steps "$tmp/save.steps" \
  -- "$bin" --env local --lookup >"$tmp/save.log" 2>&1 &
run=$!
d=$(display_of "$tmp/save.log")
if DISPLAY=$d timeout 60 xdotool search --sync --name '^Save$' >/dev/null; then
  sleep 1
  DISPLAY=$d xdotool key ctrl+a
  DISPLAY=$d xdotool type --delay 10 "$out"
  DISPLAY=$d xdotool key Return
fi
if wait "$run" && [ -f "$out" ]; then
  say ok "Save dialog: the export is at the path typed in the dialog, mode $(stat -c %a "$out"), and the app says 'Saved $out'"
else
  say FAIL "Save dialog: $(tail -3 "$tmp/save.log")"
fi

# 2. A saved inspection dragged onto the window is opened.
if [ -f "$out" ]; then
  printf '%s\n' 'wait-text Pick an environment 60' "wait-text '^Opened $out: a saved inspection\\.\$' 60" >"$tmp/drop.steps"
  "$drive" --size 1280x800 --steps "$tmp/drop.steps" -- "$bin" >"$tmp/drop.log" 2>&1 &
  run=$!
  d=$(display_of "$tmp/drop.log")
  sleep 3
  DISPLAY=$d /usr/bin/python3 scripts/window/drag_source.py "file://$out" >/dev/null 2>&1 &
  src=$!
  DISPLAY=$d timeout 20 xdotool search --sync --name '^drag source$' >/dev/null || true
  sleep 1
  DISPLAY=$d xdotool mousemove 60 50 sleep 0.3 mousedown 1
  for x in 70 90 120 200 300 500 700; do DISPLAY=$d xdotool mousemove $x 400 sleep 0.1; done
  DISPLAY=$d xdotool sleep 0.5 mouseup 1
  if wait "$run"; then
    say ok "drag and drop: the dropped inspection is opened ('Opened $out: a saved inspection.')"
  else
    say FAIL "drag and drop: $(tail -3 "$tmp/drop.log")"
  fi
  kill "$src" 2>/dev/null || true
fi

# 3. CPU while a login waits for a browser that opens nothing.
printf '%s\n' 'wait-text Time left before the listener gives up 60' 'sleep 3' 'cpu 10' >"$tmp/cpu.steps"
cpu=$("$drive" --size 1280x800 --env KRR_INSPECTOR_BROWSER=true --steps "$tmp/cpu.steps" -- "$bin" --env local --lookup 2>&1 \
  | awk '/ cpu 10/ {sub(/^ok +/, ""); print}')
if [ -n "$cpu" ]; then say ok "CPU while the login waits: $cpu"; else say FAIL "CPU while the login waits: no figure"; fi
exit $fail

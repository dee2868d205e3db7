# Sourced by the window benchmarks (gui.sh, gui_wait_cpu.sh): a private Xvfb display and a private home for the
# app, both removed on exit. Sets $tmp and $display; the caller sets $app to the app's pid so it is stopped too.
# Usage: source xvfb.sh NAME DISPLAY_BASE
command -v Xvfb >/dev/null || { echo "$1: Xvfb is not installed (apt-get install xvfb)" >&2; exit 1; }
tmp=$(mktemp -d)
display=:$(($2 + RANDOM % 20))
cleanup() { kill "${app:-}" "${xvfb:-}" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
Xvfb "$display" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
sleep 1
export DISPLAY=$display XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data HOME=$tmp KRR_INSPECTOR_REPORT_FIRST_FRAME=1

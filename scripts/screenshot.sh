#!/usr/bin/env bash
# Screenshots of every main state of the real window under Xvfb, into docs/screenshots/: person, signature, tokens,
# HTTP, matrix, history, the test-person picker (a lookup against the built-in emulator, the scripted person logging
# in), forged (an emulator of its own with tamper_signature), error (the person cancels the login), and the Person
# tab in Bokmål. The window is driven through its accessibility tree by a11y-drive.py (AT-SPI), each run with a fresh
# HOME; the binary is reached through PATH so that no path of this machine shows in the window.
# Needs: xvfb xdotool imagemagick dbus-daemon at-spi2-core python3-gi gir1.2-atspi-2.0, and a Vulkan/GL driver.
# Usage: scripts/screenshot.sh [BINARY] [OUT_DIR] [A11Y_DRIVE]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/krr-inspector}")
out=${2:-docs/screenshots}
drive=${3:-${A11Y_DRIVE:-../shared/tools/a11y-drive.py}}
[ -x "$bin" ] || { echo "no binary at $bin: cargo build --release, or pass one" >&2; exit 1; }
[ -x "$drive" ] || { echo "no a11y-drive.py at $drive: pass its path as the third argument" >&2; exit 1; }
mkdir -p "$out"
out=$(realpath "$out")
tmp=$(mktemp -d)
emu=
cleanup() { [ -n "$emu" ] && kill "$emu" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/bin"
ln -s "$bin" "$tmp/bin/krr-inspector"
path="$tmp/bin:$PATH"
size=1280x800

run() { # run NAME BROWSER-ARGS APP-ARGS... ; steps on stdin
  local name=$1 browser=$2
  shift 2
  "$drive" --size "$size" --env PATH="$path" --env KRR_INSPECTOR_BROWSER="krr-inspector autologin $browser" \
    --env KRR_INSPECTOR_CONFIG="$tmp/config.toml" -- krr-inspector "$@" || { echo "screenshot run '$name' failed" >&2; exit 1; }
}
: >"$tmp/config.toml"

run main "--pid 24079412372" --env local --lookup <<EOF
wait-text ^Signature: valid$ 60
shot $out/person.png
press ^Signature$
wait-text ^VALID$
shot $out/signature.png
press ^Tokens$
wait-text ^id_token checks$
shot $out/tokens.png
press ^HTTP$
wait-text GET .*/rest/v1/person
shot $out/http.png
press ^Scope matrix$
press ^Run the scope matrix$
wait-text ^yes$ 60
sleep 4
shot $out/matrix.png
press ^History$
wait-text ^Tick two to compare.$
shot $out/history.png
press ^Test person$
wait-text 27129324592
shot $out/picker.png
EOF

run nb "--pid 27129324592" --env local --lookup --lang nb <<EOF
wait-text ^Signatur: gyldig$ 60
shot $out/person-nb.png
EOF

run error "--cancel" --env local --lookup <<EOF
wait-text cancelled in the browser 60
shot $out/error.png
EOF

# An emulator of its own, whose signature is tampered with, as one of "your own" environments.
port=$((20000 + RANDOM % 20000))
XDG_DATA_HOME=$tmp/emu "$bin" emulator --port "$port" >"$tmp/emu.log" 2>&1 & emu=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
curl -sf -X PUT -H 'content-type: application/json' -d '{"tamper_signature": true}' \
  "http://127.0.0.1:$port/admin/faults" >/dev/null
cat >"$tmp/config.toml" <<EOF
[environments.staging]
label = "Staging (tampered signature)"
issuer = "http://127.0.0.1:$port"
person_url = "http://127.0.0.1:$port/rest/v1/person"

[clients.emulator]
client_id = "krr-inspector"
environments = ["staging"]
EOF
run forged "--pid 24079412372" --env staging --lookup <<EOF
wait-text ^The signature does not verify 60
shot $out/forged.png
EOF
ls "$out"/*.png

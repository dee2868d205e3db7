#!/usr/bin/env bash
# The emulator under load from wrk (Debian package `wrk`): 16 connections, 10 s per endpoint, on loopback.
# Prints one line per figure: `name value unit`. Usage: emulator_load.sh BINARY [SECONDS]
set -euo pipefail
bin=$(realpath "$1"); secs=${2:-10}
command -v wrk >/dev/null || { echo "emulator_load: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'kill "${emu:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$bin" emulator --print-ca --keys "$tmp/keys" >/dev/null   # keys exist before the timed start

# Waits (at most 10 s) for the emulator's one line, then prints its base URL.
await_base() {
  for _ in $(seq 1 10000); do
    grep -q "^emulator listening on http" "$tmp/out" 2>/dev/null && { awk '{print $4}' "$tmp/out"; return; }
    kill -0 "$emu" 2>/dev/null || { echo "emulator_load: the emulator exited" >&2; exit 1; }
    sleep 0.001
  done
  echo "emulator_load: the emulator did not start" >&2; exit 1
}

# Start to serving discovery, with existing keys (median of 5).
starts=()
for _ in 1 2 3 4 5; do
  rm -f "$tmp/out"
  t0=$(date +%s%N)
  "$bin" emulator --port 0 --keys "$tmp/keys" >"$tmp/out" 2>/dev/null &
  emu=$!
  base=$(await_base)
  curl -sf "$base/.well-known/openid-configuration" >/dev/null
  starts+=($(( ($(date +%s%N) - t0) / 1000000 )))
  kill "$emu"; wait "$emu" 2>/dev/null || true
done
echo "emulator_start_ms $(printf '%s\n' "${starts[@]}" | sort -n | sed -n 3p) ms"

rm -f "$tmp/out"
"$bin" emulator --port 0 --keys "$tmp/keys" >"$tmp/out" 2>/dev/null &
emu=$!
base=$(await_base)

run_wrk() { # name, extra wrk args...
  local name=$1; shift
  wrk -t1 -c16 -d"${secs}s" --latency "$@" >"$tmp/wrk" 2>&1
  local rps p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk")
  p99=$(awk '$1=="99%" {print $2}' "$tmp/wrk")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$tmp/wrk"); non2xx=${non2xx:-0}
  echo "emulator_${name}_rps $rps req/s"
  echo "emulator_${name}_p99 $p99 latency"
  [ "$non2xx" = 0 ] || echo "emulator_${name}_non2xx $non2xx responses"
}
run_wrk discovery "$base/.well-known/openid-configuration"
run_wrk jwks "$base/jwks.json"

# The token endpoint with real authorization-code grants: codes minted ahead (each used once), PKCE checked.
verifier=benchmark-verifier-0123456789-abcdefghijklmnopqrstuvwxyz
challenge=$(printf %s "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
redirect=http://127.0.0.1:9/callback
curl -sf -X POST "$base/admin/codes" -H 'content-type: application/json' \
  -d "{\"count\": 45000, \"client_id\": \"krr-inspector\", \"redirect_uri\": \"$redirect\", \"code_challenge\": \"$challenge\"}" \
  | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["codes"]))' >"$tmp/codes"
cat >"$tmp/token.lua" <<LUA
local codes = {}
for line in io.lines("$tmp/codes") do codes[#codes + 1] = line end
local i = 0
request = function()
  i = i + 1
  local body = "grant_type=authorization_code&client_id=krr-inspector&redirect_uri=$redirect&code_verifier=$verifier&code=" .. codes[i]
  return wrk.format("POST", "/token", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
LUA
run_wrk token -s "$tmp/token.lua" "$base"
rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk")
echo "emulator_token_signatures $(python3 -c "print(round(2 * $rps))") RS256/s"

# /person as a signed JWS, with a token from one more minted code.
code=$(curl -sf -X POST "$base/admin/codes" -H 'content-type: application/json' \
  -d "{\"count\": 1, \"client_id\": \"krr-inspector\", \"redirect_uri\": \"$redirect\", \"code_challenge\": \"$challenge\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["codes"][0])')
token=$(curl -sf "$base/token" -d grant_type=authorization_code -d client_id=krr-inspector -d "redirect_uri=$redirect" \
  -d "code_verifier=$verifier" -d "code=$code" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
run_wrk person_jose -H "Authorization: Bearer $token" -H "Accept: application/jose" "$base/rest/v1/person"

echo "emulator_rss_after $(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$emu/status) MB"
echo "openssl_rsa2048_sign_per_core $(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $6}') sign/s"

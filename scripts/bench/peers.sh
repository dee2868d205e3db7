#!/usr/bin/env bash
# The same load on npm's oauth2-mock-server and oidc-provider (token endpoint by client credentials, RS256 JWT;
# discovery; JWKS), with the same wrk settings as emulator_load.sh. Installs them with npm into a cache directory.
# Prints `name value unit` lines. Usage: peers.sh [SECONDS]
set -euo pipefail
secs=${1:-10}
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null && command -v npm >/dev/null || { echo "peers: node and npm are needed" >&2; exit 1; }
command -v wrk >/dev/null || { echo "peers: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
cache=${KRR_BENCH_PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/krr-inspector-bench-peers}
mkdir -p "$cache"
[ -d "$cache/node_modules/oidc-provider" ] && [ -d "$cache/node_modules/oauth2-mock-server" ] \
  || (cd "$cache" && npm install --silent --no-audit --no-fund oauth2-mock-server@9 oidc-provider@9 >/dev/null 2>&1)
cp "$here/oidc-provider-peer.mjs" "$cache/"
tmp=$(mktemp -d); trap 'kill "${peer:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT

wrk_rps() { wrk -t1 -c16 -d"${secs}s" "$@" 2>&1 | awk '/Requests\/sec/ {print $2}'; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

cat >"$tmp/cc.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=api"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic YmVuY2g6YmVuY2gtc2VjcmV0"
LUA

for name in oauth2_mock_server oidc_provider; do
  port=$(free_port)
  t0=$(date +%s%N)
  case $name in
    oauth2_mock_server) (cd "$cache" && exec node node_modules/.bin/oauth2-mock-server -a 127.0.0.1 -p "$port") >/dev/null 2>&1 & peer=$!
      discovery=http://127.0.0.1:$port/.well-known/openid-configuration; jwks=http://127.0.0.1:$port/jwks; token=http://127.0.0.1:$port/token ;;
    oidc_provider) (cd "$cache" && exec node oidc-provider-peer.mjs "$port") >/dev/null 2>&1 & peer=$!
      discovery=http://127.0.0.1:$port/.well-known/openid-configuration; jwks=http://127.0.0.1:$port/jwks; token=http://127.0.0.1:$port/token ;;
  esac
  until curl -sf "$discovery" >/dev/null; do sleep 0.005; done
  echo "${name}_start_ms $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  curl -sf -X POST "$token" -H 'content-type: application/x-www-form-urlencoded' -H 'Authorization: Basic YmVuY2g6YmVuY2gtc2VjcmV0' \
    -d 'grant_type=client_credentials&scope=api' | grep -q access_token || echo "${name}_token_check failed (no access_token)"
  echo "${name}_discovery_rps $(wrk_rps "$discovery") req/s"
  echo "${name}_jwks_rps $(wrk_rps "$jwks") req/s"
  echo "${name}_token_rps $(wrk_rps -s "$tmp/cc.lua" "$token") req/s"
  echo "${name}_rss_after $(rss_mb "$peer") MB"
  kill "$peer"; wait "$peer" 2>/dev/null || true
done

#!/usr/bin/env bash
# Every benchmark in one run, printed as a table of figures beside the targets. Takes ~5 minutes after the build.
# Needs: wrk, xvfb, a Vulkan/GL driver, chromium, node+npm (Debian: wrk xvfb mesa-vulkan-drivers chromium nodejs).
# Usage: scripts/bench/run_all.sh [SECONDS_PER_LOAD_RUN]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
cargo build --release --quiet
bin=target/release/krr-inspector
raw=$(mktemp); trap 'rm -f "$raw"' EXIT

echo "== criterion: jose::inspect, explain, bare RSA verify" >&2
cargo bench --quiet --bench inspect -- --noplot 2>/dev/null | python3 -c '
import re, sys
name = None
units = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}
for line in sys.stdin:
    m = re.match(r"^(\S.*?)\s+time:\s+\[(\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\]", line)
    if m:
        name = m.group(1)
    else:
        m2 = re.match(r"^\s+time:\s+\[(\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\]", line)
        if not m2 or not name: 
            name = line.strip() or name
            continue
        m = m2
        print(f"bench {name} = {float(m.group(3)) * units[m.group(4)]:.2f} us")
        name = None
        continue
    print(f"bench {name} = {float(m.group(4)) * units[m.group(5)]:.2f} us")
' >>"$raw"
echo "openssl_rsa2048_verify_per_core $(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $7}') verify/s" >>"$raw"

echo "== whole journey, 200 runs" >&2
cargo bench --quiet --bench journey 2>/dev/null | grep '^journey' >>"$raw"
echo "== emulator under load" >&2
scripts/bench/emulator_load.sh "$bin" "$secs" >>"$raw"
echo "== scope matrix" >&2
scripts/bench/matrix.sh "$bin" >>"$raw"
echo "== peers" >&2
scripts/bench/peers.sh "$secs" >>"$raw" || echo "peers: skipped" >>"$raw"
echo "== desktop app" >&2
scripts/bench/gui.sh "$bin" >>"$raw" || echo "gui: skipped" >>"$raw"
scripts/bench/gui_wait_cpu.sh "$bin" >>"$raw" || echo "gui_wait_cpu: skipped" >>"$raw"

python3 - "$raw" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
fig = {}
for l in lines:
    if l.startswith("bench "):
        name, val = l[6:].rsplit(" = ", 1)
        fig[name] = float(val.split()[0])
    elif l.startswith("journey:"):
        m = re.search(r"median ([\d.]+) ms, p95 ([\d.]+) ms", l)
        fig["journey_median_ms"], fig["journey_p95_ms"] = float(m.group(1)), float(m.group(2))
    else:
        parts = l.split()
        if len(parts) >= 2:
            try:
                fig[parts[0]] = float(re.sub(r"[^\d.]", "", parts[1]) or "nan")
            except ValueError:
                pass
            fig[parts[0] + "_text"] = " ".join(parts[1:])
def g(k, d=float("nan")): return fig.get(k, d)
rows = []
verify_us = 1e6 / g("openssl_rsa2048_verify_per_core")
insp = g("jose::inspect (RS256, x5c of 2, chain check)")
rows.append(("jose::inspect (RS256, 2-cert x5c, chain)", f"{insp:.1f} µs = {insp / verify_us:.1f} bare verifies", "≤ 3 verifies"))
cold = g("jose::inspect, cold (no cached certificate or chain)")
rows.append(("  same, cold (first answer from a signer)", f"{cold:.1f} µs = {cold / verify_us:.1f} bare verifies", ""))
rows.append(("bare RSA-2048 verify (openssl speed)", f"{verify_us:.1f} µs ({g('openssl_rsa2048_verify_per_core'):.0f}/s)", ""))
rows.append(("krr::explain", f"{g('krr::explain (Digipost person, certificate)'):.1f} µs", ""))
rows.append(("journey login→lookup→inspection", f"median {g('journey_median_ms'):.2f} ms, p95 {g('journey_p95_ms'):.2f} ms", "median < 10 ms"))
rows.append(("matrix, Difi's 16 sets after the one login", f"{g('matrix_local_difi_sets_after_login_ms'):.0f} ms (login {g('matrix_local_difi_login_ms'):.0f} ms)", "< 200 ms, one login"))
rows.append(("emulator start → discovery", f"{g('emulator_start_ms'):.0f} ms", "< 50 ms"))
for ep, target in [("discovery", "≥ 20,000 req/s"), ("jwks", "≥ 20,000 req/s"), ("token", ""), ("person_jose", "p99 < 5 ms")]:
    rows.append((f"emulator {ep}", f"{g('emulator_' + ep + '_rps'):.0f} req/s, p99 {fig.get('emulator_' + ep + '_p99_text', '?')}", target))
sign = g("openssl_rsa2048_sign_per_core")
sigs = g("emulator_token_signatures")
rows.append(("emulator token: RS256 signatures/s", f"{sigs:.0f} ({sigs / sign * 100:.0f} % of one core's {sign:.0f}/s)", "≥ 70 % of the cores left"))
mock = g("oauth2_mock_server_token_rps")
rows.append(("  vs oauth2-mock-server (1 sig/response)", f"{mock:.0f} sig/s → ratio {sigs / mock:.2f}", "≥ 1.5×"))
rows.append(("  vs oidc-provider token", f"{g('oidc_provider_token_rps'):.0f} req/s", ""))
rows.append(("emulator RSS after the run", f"{g('emulator_rss_after'):.1f} MB", "< 30 MB"))
rows.append(("  peers RSS", f"oauth2-mock-server {g('oauth2_mock_server_rss_after'):.0f} MB, oidc-provider {g('oidc_provider_rss_after'):.0f} MB", ""))
rows.append(("  peers start → discovery", f"{g('oauth2_mock_server_start_ms'):.0f} ms, {g('oidc_provider_start_ms'):.0f} ms", ""))
rows.append(("  peers discovery / JWKS", f"{g('oauth2_mock_server_discovery_rps'):.0f} / {g('oauth2_mock_server_jwks_rps'):.0f}, {g('oidc_provider_discovery_rps'):.0f} / {g('oidc_provider_jwks_rps'):.0f} req/s", ""))
rows.append(("app: start → first frame (Xvfb)", fig.get("gui_first_frame_ms_text", "?"), "< 250 ms"))
rows.append(("app: RSS after a lookup", f"{g('gui_rss_after_lookup'):.0f} MB", "< 150 MB"))
rows.append(("app: idle CPU", fig.get("gui_idle_cpu_text", "?"), "< 1 %"))
rows.append(("  headless Chromium, small page", f"{fig.get('chromium_headless_page_ms_text', '?')}; {fig.get('chromium_headless_max_rss_text', '?')}", ""))
w1 = max(len(r[0]) for r in rows); w2 = max(len(r[1]) for r in rows)
print(f"{'figure':<{w1}}  {'measured':<{w2}}  target")
for a, b, c in rows:
    print(f"{a:<{w1}}  {b:<{w2}}  {c}")
PY

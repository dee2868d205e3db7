#!/usr/bin/env bash
# The scope matrix against the built-in emulator, as a user runs it: Difi's 16 sets (`--env local-difi`) and
# Digdir's 4 (`--env local`), headless TestID login (no browser). Prints the matrix's own split — the one login
# with every scope, then every set after it (narrowed refresh + GET /person + inspection per set) — as the median
# of RUNS runs, and the whole command's wall time measured from outside.
# Prints `name value unit` lines. Usage: scripts/bench/matrix.sh [BINARY] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/krr-inspector}
runs=${2:-7}
[ -x "$bin" ] || { echo "matrix.sh: build $bin first (cargo build --release)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME=$tmp/data XDG_CONFIG_HOME=$tmp/config KRR_INSPECTOR_CONFIG=$tmp/none.toml
: >"$tmp/none.toml"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for env in local-difi local; do
  for i in $(seq 1 "$runs"); do
    t0=$(date +%s%N)
    "$bin" matrix --env "$env" --testid 24079412372 --format json >"$tmp/m.json"
    echo $(( ($(date +%s%N) - t0) / 1000000 )) >>"$tmp/$env.wall"
    python3 - "$tmp/m.json" "$tmp/$env" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
t = dict(m["timings_ms"])
by = {r["obtained"] for r in m["rows"]}
assert by == {"refresh"}, f"every row by refresh, got {by}"
open(sys.argv[2] + ".login", "a").write(f"{t['login']}\n")
open(sys.argv[2] + ".sets", "a").write(f"{t['sets']}\n")
open(sys.argv[2] + ".rows", "w").write(f"{len(m['rows'])}\n")
PY
  done
  name=${env//-/_}
  echo "matrix_${name}_rows $(cat "$tmp/$env.rows") sets"
  echo "matrix_${name}_login_ms $(median <"$tmp/$env.login") ms"
  echo "matrix_${name}_sets_after_login_ms $(median <"$tmp/$env.sets") ms"
  echo "matrix_${name}_command_wall_ms $(median <"$tmp/$env.wall") ms"
done

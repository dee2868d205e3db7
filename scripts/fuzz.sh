#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 30). Needs cargo-fuzz (`cargo install cargo-fuzz`); on the
# stable toolchain RUSTC_BOOTSTRAP=1 lets it use the sanitizer flags. A crash stops the run with the input saved
# under fuzz/artifacts/TARGET/; make it a regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-30}
export RUSTC_BOOTSTRAP=1
targets=$(cargo fuzz list)
cargo fuzz build --release >/dev/null
for t in $targets; do
  mkdir -p "corpus/$t"
  echo "== fuzz $t for ${seconds}s"
  cargo fuzz run --release "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 2>&1 \
    | grep -E "^(#[0-9]+ +DONE|==[0-9]+==|SUMMARY|thread .* panicked|Done [0-9]+ runs)" || true
  if [ -n "$(ls -A "artifacts/$t" 2>/dev/null)" ]; then
    echo "fuzz target $t found a crash: see fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
echo "fuzzing: $(echo "$targets" | wc -w) targets, ${seconds}s each, no crash"

#!/usr/bin/env bash
# Builds the Debian package target/debian/krr-inspector_VERSION-1_ARCH.deb with cargo-deb:
#   1. the release binary (cargo build --release --locked), copied to target/package/ where the package takes it;
#      KRR_PACKAGE_BIN=PATH packs that binary instead (CI checks the package with the test build's binary: the same
#      code, and the release build would add 20 minutes on a 2-core machine),
#   2. from it, the man pages and shell completions into target/assets/ (generated from the clap definitions),
#   3. cargo deb --no-build, which packs what [package.metadata.deb] in Cargo.toml lists.
# Needs dpkg-dev (dpkg-shlibdeps computes the linked libraries' dependencies) and cargo-deb, installed here if
# missing. CARGO=... runs another cargo (e.g. a wrapper that serialises builds).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo=${CARGO:-cargo}

command -v dpkg-shlibdeps >/dev/null 2>&1 || { echo "dpkg-shlibdeps missing: apt-get install dpkg-dev" >&2; exit 1; }
command -v cargo-deb >/dev/null 2>&1 || $cargo install cargo-deb --locked

bin=${KRR_PACKAGE_BIN:-}
if [ -z "$bin" ]; then
  $cargo build --release --locked
  bin=${CARGO_TARGET_DIR:-target}/release/krr-inspector
fi
install -D -m 755 "$bin" target/package/krr-inspector
bin=target/package/krr-inspector

assets=target/assets
rm -rf "$assets"
mkdir -p "$assets/man" "$assets/completions"
"$bin" man --out "$assets/man"
gzip -9n "$assets"/man/*.1
"$bin" completions bash >"$assets/completions/krr-inspector.bash"
"$bin" completions zsh >"$assets/completions/_krr-inspector"
"$bin" completions fish >"$assets/completions/krr-inspector.fish"

$cargo deb --no-build
ls -l target/debian/krr-inspector_*.deb

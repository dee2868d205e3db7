#!/usr/bin/env bash
# Renders the hicolor PNG icons (48, 128, 256 px) from the SVG. Needs rsvg-convert (Debian librsvg2-bin).
# The PNGs are committed; run this after changing the SVG.
set -euo pipefail
cd "$(dirname "$0")/.."
id=io.github.krr_inspector.KrrInspector
svg=assets/icons/hicolor/scalable/apps/$id.svg
for size in 48 128 256; do
  dir=assets/icons/hicolor/${size}x${size}/apps
  mkdir -p "$dir"
  rsvg-convert -w "$size" -h "$size" "$svg" -o "$dir/$id.png"
done

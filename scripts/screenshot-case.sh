#!/usr/bin/env bash
# Renders a case file of the demo county in headless Chromium (Debian's `chromium`) and writes
# PNG screenshots of its summary and graph, to look at: fonts must show Chinese.
#   scripts/screenshot-case.sh [OUT_DIR]     (default /tmp/bidwatch-case)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/bidwatch-case}"
rm -rf "$out" && mkdir -p "$out"
cargo build -q --bin bidwatch
bw=target/debug/bidwatch
"$bw" check --demo --out "$out/run" --store "$out/bw.db" >/dev/null || [ $? -eq 1 ]
ring=$(grep -o '"subject":{"kind":"ring","id":"[^"]*"' "$out/run/findings.jsonl" | head -1 | sed 's/.*"id":"//; s/"$//')
"$bw" case export "$ring" --store "$out/bw.db" --out "$out/case"
"$bw" case verify "$out/case"
for page in summary.html graph.svg; do
  chromium --headless --no-sandbox --disable-gpu --window-size=1100,1400 \
    --screenshot="$out/${page%%.*}.png" "file://$(realpath "$out/case/$page")" 2>/dev/null
done
ls -l "$out"/*.png

#!/usr/bin/env bash
# Renders the HTML outputs of the demo county in headless Chromium (Debian's `chromium`) and writes
# PNG screenshots to look at — a case file's summary and graph, a project report and the report of
# an inspection draw: fonts must show Chinese.
#   scripts/screenshots.sh [OUT_DIR]     (default /tmp/bidwatch-shots)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/bidwatch-shots}"
rm -rf "$out" && mkdir -p "$out"
cargo build -q --bin bidwatch
bw=target/debug/bidwatch
"$bw" check --demo --out "$out/run" --store "$out/bw.db" >/dev/null || [ $? -eq 1 ]
ring=$(grep -o '"subject":{"kind":"ring","id":"[^"]*"' "$out/run/findings.jsonl" | head -1 | sed 's/.*"id":"//; s/"$//')
"$bw" case export "$ring" --store "$out/bw.db" --out "$out/case"
"$bw" case verify "$out/case"
project=$(sed -n 2p "$out/run/project_risk.csv" | cut -d, -f1)
"$bw" report project "$project" --store "$out/bw.db" --format html --out "$out/project.html"
"$bw" inspect draw --n 8 --seed 1 --store "$out/bw.db" >/dev/null
"$bw" report draw 1 --store "$out/bw.db" --format html --out "$out/draw.html"
for page in case/summary.html case/graph.svg project.html draw.html; do
  name=$(basename "${page%%.*}")
  chromium --headless --no-sandbox --disable-gpu --window-size=1100,1400 \
    --screenshot="$out/$name.png" "file://$(realpath "$out/$page")" 2>/dev/null
done
ls -l "$out"/*.png

#!/usr/bin/env bash
# The scale runner: generates counties of the given sizes (bids), runs `check` on each (release),
# measures in the same run the floor — polars alone reading the same files — and prints a Markdown
# table for docs/performance.md: wall time by stage, peak memory, floor and ratio.
#   benches/scale.sh [BIDS ...]          (default: 1000000)
# Needs ~25 GB of disk per 10M bids and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000000}")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
# PROFILE=bench reuses what `cargo bench` built (release with debug info; same directory)
cargo build --profile "${PROFILE:-release}" -q -p bidwatch-cli -p bidwatch-bench --bin bidwatch --bin floor
bin="$CARGO_TARGET_DIR/release"
work="${SCALE_DIR:-/tmp/bidwatch-scale}"
mkdir -p "$work"
commit=$(git rev-parse --short HEAD)$(git diff --quiet || echo "+dirty")
echo "| date | commit | bids | projects | gen | polars read (floor) | check wall | ingest | rules | risk | outputs+store | ratio to floor | peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for bids in "${sizes[@]}"; do
  projects=$(( bids * 100 / 1097 ))
  dir="$work/county-$bids"
  if [ ! -f "$dir/truth.csv" ]; then
    s=$(date +%s.%N)
    "$bin/bidwatch" gen "$dir" --seed 42 --projects "$projects" --rings $(( projects / 475 + 2 )) --big-ring 28 >/dev/null
    gen=$(echo "$(date +%s.%N) - $s" | bc)
  else
    gen="(cached)"
  fi
  # the floor is a lower bound: the best of three reads (the first may find the files out of cache)
  floor=$(for _ in 1 2 3; do "$bin/floor" "$dir" | cut -d' ' -f1; done | sort -n | head -1)
  rm -rf "$work/out-$bids" "$work/store-$bids.db"
  /usr/bin/time -f '%e %M' -o "$work/time-$bids" "$bin/bidwatch" check "$dir" --out "$work/out-$bids" --store "$work/store-$bids.db" >/dev/null || [ $? -eq 1 ]
  read -r wall kb < <(tail -1 "$work/time-$bids")
  read -r ingest rules risk < <(python3 -c "import json,sys; t=json.load(open('$work/out-$bids/summary.json'))['timings_ms']; print(t['ingest']/1000, t['rules']/1000, t['risk']/1000)")
  # the projects' risks are worked out beside the store's inserts: the rest is everything after
  # the rules, the risks' time included (the risk column is that part's own time)
  rest=$(python3 -c "print(round($wall - $ingest - $rules, 1))")
  ratio=$(python3 -c "print(round($wall / $floor, 1))")
  printf '| %s | `%s` | %s | %s | %s s | %s s | %s s | %s s | %s s | %s s | %s s | %s× | %.2f GiB |\n' \
    "$(date +%F)" "$commit" "$bids" "$projects" "${gen%.*}" "$floor" "$wall" "$ingest" "$rules" "$risk" "$rest" "$ratio" "$(python3 -c "print($kb/1048576)")"
done

#!/usr/bin/env bash
# The highest resident memory of each stage of `check`, from ingest to the end of the rules' first
# pass: `VmRSS` polled every 0.1 s, the stages cut at the debug log's lines. The run is stopped
# once the first pass ends (the outputs and the store are not reached).
#
#   benches/stage-peaks.sh BINARY COUNTY_DIR
#
# e.g. `benches/stage-peaks.sh /tmp/benchtarget/release/bidwatch /tmp/bidwatch-scale/county-10000000`
# (a county written by `benches/scale.sh`). Prints MiB per stage.
set -euo pipefail
bin=$1
county=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
BIDWATCH_LOG=debug "$bin" check "$county" --out "$work/out" --store "$work/store.db" >/dev/null 2>"$work/log" &
pid=$!
: >"$work/rss"
until grep -q "first pass findings" "$work/log"; do
  kill -0 "$pid" 2>/dev/null || break
  echo "$(date +%s.%N) $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)" >>"$work/rss"
  sleep 0.1
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
python3 - "$work" <<'PY'
import datetime, sys
work = sys.argv[1]
samples = [(float(t), int(kb)) for t, kb in (l.split() for l in open(f"{work}/rss") if len(l.split()) == 2)]
cuts = ["运行规则", "bidwatch_rules: pairs", "first pass starts", "first pass findings"]
at = {}
for line in open(f"{work}/log", errors="replace"):
    for c in cuts:
        if c in line and c not in at:
            at[c] = datetime.datetime.strptime(line[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
if len(at) < len(cuts):
    sys.exit(f"the run stopped before the first pass ended: {work}/log")
bounds = [float("-inf")] + [at[c] for c in cuts]
names = ["ingest", "the pairs", "views, screens, patterns, linking", "the first pass"]
for name, lo, hi in zip(names, bounds, bounds[1:]):
    peak = max((kb for t, kb in samples if lo <= t <= hi), default=0)
    print(f"{name:36} {peak / 1024:8.0f} MiB")
PY

#!/usr/bin/env bash
# Ring detection on generated counties: recall, precision, the 28-firm ring, traps.
# Usage: scripts/eval-rings.sh [BIN] [SEEDS...]   (BIN defaults to target/debug/bidwatch)
# Prints one line per seed and the pooled figures; docs/evaluation.md records the result.
set -euo pipefail
bin=${1:-target/debug/bidwatch}
shift || true
seeds=${*:-"1 2 3 4 5 6 11 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-5s %-8s %-10s %-9s %-7s %s\n' seed found reported correct traps "28-firm ring whole"
tw=0; tf=0; tr=0; tc=0; tt=0; whole=0; n=0
for s in $seeds; do
  "$bin" gen "$work/d$s" --seed "$s" --projects 800 --rings 8 --big-ring 28 > /dev/null
  "$bin" eval rings --truth "$work/d$s/truth.csv" --out "$work/o$s" > "$work/r$s.txt"
  read -r w f < <(sed -n 's/^planted rings that left evidence: \([0-9]*\) (found \([0-9]*\))/\1 \2/p' "$work/r$s.txt")
  read -r r c < <(sed -n 's/^rings reported: \([0-9]*\) (correct \([0-9]*\))/\1 \2/p' "$work/r$s.txt")
  t=$(sed -n 's/^traps reported: //p' "$work/r$s.txt")
  big=$(awk '$2 == 28 { print $NF }' "$work/r$s.txt")
  printf '%-5s %-8s %-10s %-9s %-7s %s\n' "$s" "$f/$w" "$r" "$c" "$t" "$big"
  tw=$((tw + w)); tf=$((tf + f)); tr=$((tr + r)); tc=$((tc + c)); tt=$((tt + t)); n=$((n + 1))
  [ "$big" = yes ] && whole=$((whole + 1))
done
echo
echo "pooled over $n counties: recall $tf/$tw = $(awk "BEGIN { printf \"%.3f\", $tf / $tw }"), precision $tc/$tr = $(awk "BEGIN { printf \"%.3f\", $tc / $tr }"), traps reported $tt, 28-firm ring whole in $whole of $n"

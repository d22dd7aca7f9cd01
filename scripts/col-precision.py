#!/usr/bin/env python3
"""Precision of the pair rules (COL-*) on a generated county: how many of each rule's findings
name two bidders of one planted ring of truth.csv.

    bidwatch eval rings --truth DIR/truth.csv --out OUT
    scripts/col-precision.py DIR/truth.csv OUT/findings.jsonl

Prints, per rule: findings, findings inside one planted ring, their share. A COL finding outside
every ring is not proof of a false alarm (a generated county also plants traps and chance
matches), but a low share shows a rule that fires mostly on chance.
"""
import collections
import csv
import json
import sys


def main(truth_path: str, findings_path: str) -> None:
    ring = {}
    with open(truth_path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["kind"] == "ring_member":
                ring[r["bidder_a"]] = r["ring_id"]
    total, inside = collections.Counter(), collections.Counter()
    with open(findings_path, encoding="utf-8") as f:
        for line in f:
            finding = json.loads(line)
            code = finding["code"]
            if not code.startswith("COL-"):
                continue
            members = finding.get("members") or []
            total[code] += 1
            if len(members) >= 2 and ring.get(members[0]) and ring.get(members[0]) == ring.get(members[1]):
                inside[code] += 1
    print("rule\tfindings\tinside one ring\tshare")
    for code in sorted(total):
        print(f"{code}\t{total[code]}\t{inside[code]}\t{inside[code] / total[code]:.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: col-precision.py TRUTH.csv FINDINGS.jsonl")
    main(sys.argv[1], sys.argv[2])

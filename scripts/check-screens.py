#!/usr/bin/env python3
"""Compare bidwatch's screens.csv with the published screens of the labeled data sets.

Usage (from the repository root, with ../shared beside it):
    for d in brazil-carwash italy swiss-ticino; do
        cargo run -q --bin bidwatch -- check ../shared/data/labeled/$d --out /tmp/lab/$d
    done
    python3 scripts/check-screens.py ../shared/data/labeled /tmp/lab

Published values are rounded to 4 decimals, so a screen agrees when |ours - published| <= 0.00051.
Only tenders with at least 4 bids are compared (KURT needs 4). Uses the standard library only.
"""
import csv, sys
labeled, ours_dir = sys.argv[1], sys.argv[2]
ok = True
for d in ["brazil-carwash","italy","swiss-ticino"]:
    pub={r["project_id"]:r for r in csv.DictReader(open(f"{labeled}/{d}/screens.csv"))}
    ours={r["project_id"]:r for r in csv.DictReader(open(f"{ours_dir}/{d}/screens.csv"))}
    m={"CV":"cv","SPD":"spd","KURT":"kurtosis","SKEW":"skewness","KSTEST":"ks_uniform","DIFFP":"diffp"}
    res={k:[0,0] for k in m}; n4=0
    for pid,p in pub.items():
        o=ours[pid]
        if int(o["n_bids"])!=int(float(p["n_bids"])): print("n mismatch",pid,o["n_bids"],p["n_bids"])
        if int(o["n_bids"])<4: continue
        n4+=1
        for k,c in m.items():
            if p[k] in ("","nan","NaN"): continue
            res[k][1]+=1
            if o[c]!="" and abs(float(o[c])-float(p[k]))<=0.00051: res[k][0]+=1
            elif k!="DIFFP" and res[k][1]-res[k][0]<=3: print(d,pid,k,o[c],p[k])
    print(d, "tenders with >= 4 bids:", n4, {k: f"{a}/{b}" for k, (a, b) in res.items()})
    ok &= all(a == b for k, (a, b) in res.items() if k != "DIFFP")
sys.exit(0 if ok else 1)

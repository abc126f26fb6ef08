#!/usr/bin/env python3
"""Prints Kiban's store figures next to etcd's from one results file, with the ratio.

usage: ratio.py RESULTS.jsonl
Pairs lines whose labels differ only in the system prefix ("kiban-x3 ..." / "etcd-x3 ...")
and compares medians: ops/s (higher is better) and p50/p99 latency (lower is better).
"""
import json, statistics, sys
from collections import defaultdict


def main():
    groups = defaultdict(list)
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                d = json.loads(line)
                if "label" in d:
                    groups[d["label"]].append(d)
    print(f"{'workload':<34} {'metric':<10} {'kiban':>10} {'etcd':>10} {'kiban/etcd':>11}")
    for label in sorted(groups):
        if not label.startswith("kiban-x3 "):
            continue
        rest = label[len("kiban-x3 "):]
        other = groups.get("etcd-x3 " + rest)
        if not other:
            continue
        for metric in ("ops_per_s", "p50_ms", "p99_ms"):
            k = [r[metric] for r in groups[label] if isinstance(r.get(metric), (int, float))]
            e = [r[metric] for r in other if isinstance(r.get(metric), (int, float))]
            if not k or not e:
                continue
            km, em = statistics.median(k), statistics.median(e)
            ratio = f"{km / em:.2f}" if em else "-"
            print(f"{rest:<34} {metric:<10} {km:>10.1f} {em:>10.1f} {ratio:>11}")


if __name__ == "__main__":
    main()

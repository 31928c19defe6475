#!/usr/bin/env python3
"""Markdown tables for docs/benchmarks.md from the JSON files of bench/scripts/suite.sh.
   bench/scripts/suite-tables.py OUT_DIR"""
import json
import os
import sys

out = sys.argv[1]


def rate(x):
    return f"{x:,.0f}"


def micros(us):
    if us < 1000:
        return f"{us} µs"
    if us < 1_000_000:
        return f"{us / 1000:.1f} ms"
    return f"{us / 1e6:.2f} s"


def mib(b):
    return f"{b / 1048576:.1f} MiB" if b >= 1048576 else f"{b / 1024:.0f} KiB"


def lat(run, p):
    l = run["latencyMicros"]
    return "-" if l["count"] == 0 else micros(l[p])


def stalls(run):
    """The bench's 1 ms sleeper woke 10 ms or more late this often (and at most this late): the machine stood still."""
    st = run.get("stalls") or {}
    return "-" if not st.get("count") else f"{st['count']} / {micros(st['longestMicros'])}"


def load(doc):
    return f"load average {doc['machine']['loadAverage1m']} at the start, {doc['loadAverageAtEnd']} at the end"


demo = json.load(open(os.path.join(out, "demo", "demo.json")))
print(f"### demo ({load(demo)})\n")
print("| strategy | sent | delivered | dropped | left | peak memory | p99 | what happened |")
print("|----------|-----:|----------:|--------:|-----:|------------:|----:|---------------|")
for r in demo["runs"]:
    dropped = max(r["dropped"], sum(r["droppedByReason"].values()))
    print(f"| {r['strategy']} | {r['sent']:,} | {r['delivered']:,} | {dropped:,} | {r['left']:,} | "
          f"{mib(r['peakMemoryBytes'])} | {lat(r, 'p99')} | {r['summary']} |")
i = demo.get("ignore")
if i:
    print(f"| ignore (unbounded queue, -Xmx{i['heap']}) | {i['sent']:,} | {i['delivered']:,} | "
          f"{'all ' + format(i['queued'], ',') + ' queued' if i['outOfMemory'] else 0} | - | {mib(i['peakHeapBytes'])} heap | "
          f"{micros(i['p99Micros'])} | {i['summary']} |")
for u in demo["unavailable"]:
    print(f"\n{u['strategy']}: not available in this build ({u['reason']})")

for name in ("peers", "strategies"):
    doc = json.load(open(os.path.join(out, name + ".json")))
    for s in doc["scenarios"]:
        print(f"\n### {s['name']} ({load(doc)})\n")
        for n in s["notes"]:
            print(f"{n}.\n")
        print("| run | sent/s | delivered/s | dropped | spilled | peak memory | p50 | p99 | p99.9 | max | stalls |")
        print("|-----|-------:|------------:|--------:|--------:|------------:|----:|----:|------:|----:|-------:|")
        for r in s["runs"]:
            dropped = max(r["dropped"], sum(r["droppedByReason"].values()))
            print(f"| {r['name']} | {rate(r['sentPerSecond'])} | {rate(r['deliveredPerSecond'])} | {dropped:,} | "
                  f"{r['spilled']:,} | {mib(r['peakMemoryBytes']) if r['link'].startswith('sluice') else '-'} | {lat(r, 'p50')} | {lat(r, 'p99')} | "
                  f"{lat(r, 'p999')} | {lat(r, 'max')} | {stalls(r)} |")
        if s["ratios"]:
            print("\n| Sluice run | peer run | measure | Sluice / peer |")
            print("|------------|----------|---------|--------------:|")
            for q in s["ratios"]:
                print(f"| {q['sluice']} | {q['peer']} | {q['measure']} | {q['ratio']:.2f} |")
        for k in s["skipped"]:
            print(f"\n{k['reason']}")

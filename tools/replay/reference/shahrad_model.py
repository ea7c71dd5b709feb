#!/usr/bin/env python3
"""Independent reference for `prescient-replay allocate` (keep-alive cost model).

Written from the model text of the issue only (not from the C++ code), to
check the project's figures. Standard library only.

  shahrad_model.py --invocations F --memory F
                   --policy keepalive:10m,hybrid-histogram [--json]

The model (Shahrad et al., "Serverless in the Wild", USENIX ATC 2020):
  * unit = app: the sum of its functions' per-minute counts; memory = its
    AverageAllocatedMb (the largest of its functions' when memory.csv is keyed
    per function); time in whole minutes;
  * an invocation in minute t is cold when the app is not loaded in t; of
    several invocations in one minute only the first can be cold; each app's
    first invocation is always cold;
  * idle time = number of empty minutes between two invocation minutes; after
    an invocation in minute m a window (PW, KA) keeps the app loaded in the
    minutes m+1+j, PW <= j < KA (keepalive:K = (0, K); reactive = (0, 0));
  * waste = app memory (GB) x minutes loaded without an invocation.

Decisions (the model text leaves these open):
  D1 Window replacement: the window set after each invocation minute replaces
     the previous one (the model defines the loaded minutes "after an
     invocation in minute m"). So between invocation minutes m and m+1+i (idle
     time i) the app is loaded in minute m+1+j for j in [PW, KA) ∩ [0, i),
     waste = max(0, min(KA, i) - PW) minutes, and the invocation at m+1+i is
     cold iff not PW <= i < KA. The invocation minute itself is never waste.
  D2 End of trace: after an app's last invocation, loaded minutes are counted
     only up to the trace's last minute (the largest minute column); minutes
     past the trace are not observed, so they are not waste.
  D3 App key: (HashOwner, HashApp). Memory keyed per app (no HashFunction
     column) or per function (largest over the app's functions). An app with
     no memory row gets the median of the known apps' memory (stderr note).
     Apps with no invocation in the trace are not counted.
  D4 Hybrid histogram: per app, 240 bins of 1 minute over all idle times seen
     so far (whole trace, updated at every invocation before the window is
     chosen). "Within range" = idle time < 240; idle time 0 (back-to-back
     minutes) is an idle time and lands in bin 0. Percentiles by nearest rank
     over the in-range idle times: p = sorted[ceil(P/100 * n) - 1].
     Order, as in the paper: (a) more than half of all idle times exceed 4 h
     (strictly > 240) -> time-series prediction; (b) else fewer than 10
     in-range idle times, or population CV of the 240 bin counts < 2 ->
     (0, 240); (c) else the histogram window.
  D5 Rounding, two variants (both reported):
       hybrid-histogram          PW = floor(0.9 * p5), KA = ceil(1.1 * (p99 + 1))
                                 (p99's 1-minute bin read at its upper edge;
                                 the project's reading)
       hybrid-histogram-literal  PW = floor(0.9 * p5), KA = ceil(1.1 * p99)
                                 ("99th percentile rounded up, plus 10%" of the
                                 idle-time values; note p99 = 0 gives KA = 0:
                                 an app invoked every minute is never kept).
     PW is the same in both (the lower edge of bin p5 is p5).
  D6 Time-series prediction (few apps; in an 8 h trace at most one idle time
     can exceed 4 h): predicted next idle time p = mean of all the app's idle
     times so far; window (floor(0.85 p), ceil(1.15 p)). Not ARIMA.
  D7 Percentiles over apps (app_cold_start_pNN): nearest rank over the apps'
     cold starts / invocations, in percent. wasted_vs_keepalive10 = waste /
     waste of keepalive:10m (computed even when not requested).
"""
import argparse
import csv
import json
import statistics
import sys

BINS = 240  # 4 hours of 1-minute bins


def minute_of(col):
    """Minute number of a column header ('480', 'minute_12'), else None."""
    c = col.strip()
    if c.startswith("minute_"):
        c = c[len("minute_"):]
    return int(c) if c.isdigit() else None


def read_invocations(path):
    """Returns (apps, first_minute, last_minute); apps: key -> {minute: count}."""
    apps = {}
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        idx = {name.strip(): i for i, name in enumerate(header)}
        cols = [(i, minute_of(h)) for i, h in enumerate(header) if minute_of(h) is not None]
        minutes = [m for _, m in cols]
        for row in rows:
            if not row:
                continue
            key = (row[idx["HashOwner"]], row[idx["HashApp"]])
            counts = apps.setdefault(key, {})
            for i, m in cols:
                cell = row[i].strip() if i < len(row) else ""
                n = int(float(cell)) if cell else 0
                if n > 0:
                    counts[m] = counts.get(m, 0) + n
    return apps, min(minutes), max(minutes)


def read_memory(path):
    """(owner, app) -> MB: per-app rows, or the largest of the app's functions."""
    mem = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = (row["HashOwner"], row["HashApp"])
            mb = float(row["AverageAllocatedMb"])
            mem[key] = max(mem.get(key, mb), mb)
    return mem


def ceil_div(a, b):
    return -(-a // b)


def nearest_rank(sorted_values, pct):
    """Nearest-rank percentile; integer arithmetic (0.99 * 100 is not 99.0)."""
    rank = max(1, ceil_div(pct * len(sorted_values), 100))
    return sorted_values[rank - 1]


class Hybrid:
    """Per-app state of the hybrid-histogram policy."""

    def __init__(self, literal):
        self.literal = literal
        self.bins = [0] * BINS
        self.idle = []  # every idle time seen (in and out of range)

    def observe(self, idle):
        self.idle.append(idle)
        if idle < BINS:
            self.bins[idle] += 1

    def window(self):
        n_all = len(self.idle)
        exceed = sum(1 for i in self.idle if i > BINS)
        if n_all and 2 * exceed > n_all:  # D4 (a), D6: p = sum / n_all
            total = sum(self.idle)
            return (85 * total) // (100 * n_all), ceil_div(115 * total, 100 * n_all)
        n = sum(self.bins)
        if n < 10:  # D4 (b)
            return 0, BINS
        # population CV = sd / mean < 2  <=>  var < 4 mean^2, with mean = n / BINS
        # and var = sum(c^2) / BINS - mean^2:  BINS * sum(c^2) < 5 n^2 (exact)
        if BINS * sum(c * c for c in self.bins) < 5 * n * n:
            return 0, BINS
        values = sorted(i for i in self.idle if i < BINS)  # D4 (c), D5
        p5, p99 = nearest_rank(values, 5), nearest_rank(values, 99)
        pw = (9 * p5) // 10  # exact: in floats 1.1 * 10 = 11.000000000000002
        ka = ceil_div(11 * p99, 10) if self.literal else ceil_div(11 * (p99 + 1), 10)
        return pw, ka


def make_policy(name):
    """Returns a factory of per-app window functions: observe(idle) -> (PW, KA)."""
    if name == "reactive":
        return lambda: (lambda idle: (0, 0))
    if name.startswith("keepalive:") and name.endswith("m"):
        k = int(name[len("keepalive:"):-1])
        return lambda: (lambda idle: (0, k))
    if name in ("hybrid-histogram", "hybrid-histogram-literal"):
        literal = name.endswith("-literal")

        def factory():
            h = Hybrid(literal)

            def step(idle):
                if idle is not None:
                    h.observe(idle)
                return h.window()
            return step
        return factory
    raise SystemExit(f"unknown policy: {name}")


def simulate(counts, gb, last_minute, step):
    """One app under one policy: (cold starts, invocations, waste GB-min)."""
    minutes = sorted(counts)
    cold, waste = 1, 0.0  # the first invocation is always cold
    pw, ka = step(None)  # window after the first invocation minute
    for prev, cur in zip(minutes, minutes[1:]):
        idle = cur - prev - 1
        if not (pw <= idle < ka):
            cold += 1
        waste += max(0, min(ka, idle) - pw) * gb
        pw, ka = step(idle)
    tail = last_minute - minutes[-1]  # D2: minutes left in the trace
    waste += max(0, min(ka, tail) - pw) * gb
    return cold, sum(counts.values()), waste


def run(apps, mem, last_minute, policies):
    known = sorted(mem.values())
    fallback = statistics.median(known) if known else 0.0
    missing = [k for k in apps if k not in mem]
    if missing:
        print(f"shahrad_model: {len(missing)} apps without memory get the median "
              f"{fallback} MB", file=sys.stderr)
    out = {}
    for name in policies:
        factory = make_policy(name)
        cold = inv = 0
        waste = 0.0
        shares = []
        for key in sorted(apps):
            c, n, w = simulate(apps[key], mem.get(key, fallback) / 1024.0,
                               last_minute, factory())
            cold, inv, waste = cold + c, inv + n, waste + w
            shares.append(100.0 * c / n)
        shares.sort()
        out[name] = {
            "cold_starts": cold,
            "avoidable_cold_starts": cold - len(apps),
            "cold_start_share": 100.0 * cold / inv if inv else 0.0,
            "app_cold_start_p50": nearest_rank(shares, 50),
            "app_cold_start_p75": nearest_rank(shares, 75),
            "app_cold_start_p90": nearest_rank(shares, 90),
            "wasted_gb_min": waste,
        }
    return out, inv


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invocations", required=True)
    ap.add_argument("--memory", required=True)
    ap.add_argument("--policy", default="keepalive:10m,hybrid-histogram")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    apps, _, last = read_invocations(a.invocations)
    apps = {k: v for k, v in apps.items() if v}  # D3: apps that run
    mem = read_memory(a.memory)
    names = [p.strip() for p in a.policy.split(",") if p.strip()]
    figures, inv = run(apps, mem, last, names + ["keepalive:10m"])
    base = figures["keepalive:10m"]["wasted_gb_min"]
    pol = {}
    for name in names:
        f = dict(figures[name])
        f["wasted_vs_keepalive10"] = f["wasted_gb_min"] / base if base else 0.0
        pol[name] = f
    doc = {"invocations": inv, "apps": len(apps), "policies": pol}
    if a.json:
        print(json.dumps(doc, sort_keys=False))
        return
    print(f"{inv} invocations, {len(apps)} apps")
    for name, f in pol.items():
        print(f"{name:26s} cold {f['cold_starts']:7d} avoidable {f['avoidable_cold_starts']:7d}"
              f" share {f['cold_start_share']:6.3f}%  p50/75/90 {f['app_cold_start_p50']:.2f}/"
              f"{f['app_cold_start_p75']:.2f}/{f['app_cold_start_p90']:.2f}%"
              f"  waste {f['wasted_gb_min']:10.1f} GB-min ({f['wasted_vs_keepalive10']:.3f}x)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Checks `prescient-replay allocate` against the independent reference model
(tools/replay/reference/shahrad_model.py) on the Azure Functions sample.

  reference_check.py --binary build/bin/prescient-replay \
                     --data ../shared/data/azure-functions-2019/sample-500fn-8h

Fails (exit 1) when keepalive:10m differs by more than 5%, or hybrid-histogram
by more than 10%, on cold starts or wasted GB-min; the other policies are
printed only. Exits 77 (ctest SKIP_RETURN_CODE) when the data is absent.
"""
import argparse
import json
import os
import subprocess
import sys

POLICIES = "keepalive:10m,keepalive:20m,reactive,hybrid-histogram"
TOLERANCE = {"keepalive:10m": 0.05, "hybrid-histogram": 0.10}
GATED = ("cold_starts", "wasted_gb_min")
SHOWN = ("cold_starts", "avoidable_cold_starts", "wasted_gb_min")
REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                         "tools", "replay", "reference", "shahrad_model.py")


def rel(project, reference):
    if project == reference:
        return 0.0
    return abs(project - reference) / max(abs(reference), 1e-9)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    inv = os.path.join(a.data, "invocations.csv")
    mem = os.path.join(a.data, "memory.csv")
    if not (os.path.isfile(inv) and os.path.isfile(mem)):
        print(f"reference_check: {a.data} absent: skipped")
        return 77
    args = ["--invocations", inv, "--memory", mem, "--policy", POLICIES, "--json"]
    project = json.loads(subprocess.run([a.binary, "allocate", "--format", "azure"] + args,
                                        check=True, capture_output=True, text=True).stdout)
    reference = json.loads(subprocess.run([sys.executable, REFERENCE] + args, check=True,
                                          capture_output=True, text=True).stdout)
    failed = False
    for key in ("invocations", "apps"):
        if project[key] != reference[key]:
            print(f"{key}: project {project[key]} reference {reference[key]}")
            failed = True
    for name in POLICIES.split(","):
        p, r = project["policies"][name], reference["policies"][name]
        for field in SHOWN:
            d = rel(p[field], r[field])
            bad = field in GATED and name in TOLERANCE and d > TOLERANCE[name]
            failed |= bad
            print(f"{name:18s} {field:22s} project {p[field]:12.3f} reference {r[field]:12.3f}"
                  f"  diff {100 * d:6.2f}%{'  FAIL' if bad else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes a synthetic day in the Azure Functions 2019 layout, full-day size,
for timing `prescient-replay allocate` (not for its figures: the shapes are
made up). Usage: synth_azure_day.py DIR [APPS] [SEED]. Writes
DIR/invocations.csv (HashOwner,HashApp,HashFunction,Trigger,1..1440) and
DIR/memory.csv (HashOwner,HashApp,AverageAllocatedMb), one function per app.
Each app is busy in a share of minutes drawn log-uniformly from 0.1%..100%
(mean ~14%: 30,000 apps give ~6 M app-minutes), a third of them timers with
a fixed period, the rest following a day/night rhythm."""
import math
import os
import random
import sys

out, apps = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30000
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
os.makedirs(out, exist_ok=True)
day = [0.5 + 0.5 * math.sin(2 * math.pi * (m - 360) / 1440) for m in range(1, 1441)]
with open(os.path.join(out, "invocations.csv"), "w") as inv, open(os.path.join(out, "memory.csv"), "w") as mem:
    inv.write("HashOwner,HashApp,HashFunction,Trigger," + ",".join(str(m) for m in range(1, 1441)) + "\n")
    mem.write("HashOwner,HashApp,AverageAllocatedMb\n")
    for a in range(apps):
        owner, app = "o%d" % (a // 2), "a%d" % a
        p = math.exp(rng.uniform(math.log(0.001), 0.0))
        if a % 3 == 0:
            period = max(1, round(1 / p))
            phase = rng.randrange(period)
            row = ["%d" % rng.randint(1, 3) if m % period == phase else "0" for m in range(1440)]
            trigger = "timer"
        else:
            row = []
            for m in range(1440):
                q = min(1.0, 2 * p * day[m])
                row.append("%d" % (1 + int(rng.expovariate(0.3))) if rng.random() < q else "0")
            trigger = "http"
        inv.write("%s,%s,f%d,%s,%s\n" % (owner, app, a, trigger, ",".join(row)))
        mem.write("%s,%s,%d\n" % (owner, app, rng.choice([128, 150, 180, 256, 300, 512, 1024])))

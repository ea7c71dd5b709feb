#!/usr/bin/env python3
"""The Kubernetes manifest's config template must stay a config prescientd
accepts: render it as a pod would (node.id and cluster.listen from the pod
name), drop the production-only parts this machine lacks (the mounted
certificates), and ask `prescientd --print-config` to load it.

Usage: deploy_config_check.py PRESCIENTD MANIFEST
"""
import pathlib
import subprocess
import sys
import tempfile

prescientd, manifest = sys.argv[1], pathlib.Path(sys.argv[2])
text = manifest.read_text()
marker = "prescientd.toml.in: |\n"
start = text.index(marker) + len(marker)
end = text.index("\n---", start)
body = "\n".join(line[4:] for line in text[start:end].split("\n"))
body = body.replace("@POD_NAME@", "prescient-1")
# The certificates are a mounted Secret: without them production refuses to
# start (tested elsewhere); check everything else in development mode.
body = body.replace('mode = "production"', 'mode = "development"')
body = "\n".join(l for l in body.split("\n")
                 if not l.startswith(("certificate =", "key =", "ca =")))
with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
    f.write(body)
run = subprocess.run([prescientd, "--config", f.name, "--print-config"],
                     capture_output=True, text=True, timeout=60)
pathlib.Path(f.name).unlink()
if run.returncode != 0:
    print("the manifest's config does not load:", run.stderr.strip(), file=sys.stderr)
    sys.exit(1)
for want in ("node prescient-1", "cluster: endpoint prescient-1.prescient:7500",
             "3 expected nodes"):
    if want not in run.stdout:
        print(f"expected {want!r} in:\n{run.stdout}", file=sys.stderr)
        sys.exit(1)
print("manifest config loads:", run.stdout.splitlines()[0])

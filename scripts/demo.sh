#!/usr/bin/env bash
# The main job: sets everything up, starts a local single-node Prescient with
# the default configuration (data under ./var), drives it with the bundled
# synthetic workload through the client library, and prints a report with
# what the admin CLI sees. Knobs: USERS (default 2000), DAYS (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

bin=build/bin
mkdir -p var
rm -f var/prescientd.port
"$bin/prescientd" --config config/default.toml --listen 127.0.0.1:0 \
  --port-file var/prescientd.port 2>>var/prescientd.log &
node=$!
stop_node() {
  if kill -0 "$node" 2>/dev/null; then
    kill -TERM "$node"
    wait "$node"
  fi
}
trap stop_node EXIT

for _ in $(seq 300); do
  [ -s var/prescientd.port ] && break
  kill -0 "$node" 2>/dev/null || { echo "prescientd failed to start:"; tail -5 var/prescientd.log; exit 1; }
  sleep 0.1
done
[ -s var/prescientd.port ] || { echo "prescientd did not come up in 30 s"; exit 1; }
addr="127.0.0.1:$(cat var/prescientd.port)"
echo "== node up on $addr (config/default.toml, data in ./var, log in var/prescientd.log)"

echo "== driving it with the synthetic workload (${USERS:-2000} users, ${DAYS:-1} day(s))"
report=$("$bin/prescient-load" --address "$addr" --users "${USERS:-2000}" --days "${DAYS:-1}")
echo "$report"
sample=$(echo "$report" | sed -n 's#^sample user *[^/]*/##p')

echo
echo "== prescientctl status"
"$bin/prescientctl" --address "$addr" status
echo
echo "== prescientctl kpis"
"$bin/prescientctl" --address "$addr" kpis
echo
echo "== prescientctl user $sample"
"$bin/prescientctl" --address "$addr" user "$sample"
echo
trap - EXIT
kill -TERM "$node"
if wait "$node"; then
  echo "== node stopped cleanly (SIGTERM: checkpointed and closed storage)"
else
  echo "== node exited with status $?"; exit 1
fi

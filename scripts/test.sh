#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite. Exits non-zero
# if any test fails. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j"${PRESCIENT_TEST_JOBS:-2}" --timeout 600

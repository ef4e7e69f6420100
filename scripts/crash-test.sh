#!/usr/bin/env bash
# The long crash test (not part of scripts/test.sh, which runs 20 cycles): SIGKILLs a writer
# at random moments CYCLES times (default 500) and checks after each that no acknowledged
# ingest is lost and nothing is half-applied (tests/db/test_crash.c). Prints the seed;
# PROFILEDB_CRASH_SEED=<seed> replays a run.
#   scripts/crash-test.sh [CYCLES]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build >/dev/null
PROFILEDB_CRASH_CYCLES=${1:-500} build/test_db --filter 'crash/*' --verbose

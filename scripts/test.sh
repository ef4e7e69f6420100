#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs all Criterion programs and the CLI
# end-to-end script, then builds again with AddressSanitizer + UBSan and runs them all again,
# then runs the protocol's libFuzzer target for 20 seconds.
# Exits non-zero if anything fails. (.ci/run calls exactly this.)
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1

failures=0
run_suite() { # BUILD_DIR LABEL
    local build_dir=$1 label=$2 program
    for program in "$build_dir"/test_*; do
        [ -x "$program" ] || continue
        echo "---- $label: $(basename "$program")"
        if ! "$program" --jobs 2; then
            echo "FAILED: $label $(basename "$program")"
            failures=$((failures + 1))
        fi
    done
    local script
    for script in tests/e2e/*_test.sh; do
        echo "---- $label: $script"
        if ! PROFILEDB="$build_dir/profiledb" bash "$script"; then
            echo "FAILED: $label $script"
            failures=$((failures + 1))
        fi
    done
}

echo "==== build (RelWithDebInfo)"
scripts/build.sh build || exit 1
run_suite build plain

echo "==== build (Release, -O3: what bench/compare and the demo use; its warnings are errors too)"
BUILD_TYPE=Release scripts/build.sh build-release -DPDB_BUILD_TESTS=OFF || { echo "FAILED: Release build"; failures=$((failures + 1)); }

echo "==== build (AddressSanitizer + UndefinedBehaviorSanitizer)"
scripts/build.sh build-asan -DPDB_SANITIZE=ON || exit 1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export PROFILEDB_TEST_SANITIZER=1
run_suite build-asan sanitizers

echo "==== fuzz: the protocol's frame decoder, briefly (fuzz/build.sh --run 600 runs every target long)"
if ! fuzz/build.sh --only fuzz_frame_decode --run 20; then
    echo "FAILED: fuzz_frame_decode"
    failures=$((failures + 1))
fi

if [ "$failures" -ne 0 ]; then
    echo "test.sh: $failures test program(s) failed"
    exit 1
fi
echo "test.sh: all test programs passed (plain and sanitizer builds)"

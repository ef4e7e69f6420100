#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (Debian's clang package) into build-fuzz/ and, with
# --run SECONDS, runs each for that long. Crashes found become regression tests.
#   fuzz/build.sh [--run 60]
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-fuzz
mkdir -p "$out/obj"
command -v clang >/dev/null || { echo "fuzz/build.sh: needs clang (apt-get install clang)"; exit 1; }
flags=(-g -O1 -fsanitize=fuzzer-no-link,address,undefined -D_GNU_SOURCE -Iengine -Iinclude)
objects=()
for source in engine/base/*.c engine/simd/*.c engine/catalog/*.c engine/column/*.c engine/index/*.c engine/ingest/*.c engine/protocol/*.c; do
    extra=()
    case "$source" in
        *_avx2.c) extra=(-mavx2 -mfma -mbmi -mbmi2 -mpopcnt -mlzcnt) ;;
        *_avx512.c) extra=(-mavx2 -mfma -mbmi -mbmi2 -mpopcnt -mlzcnt -mavx512f -mavx512bw -mavx512vl -mavx512dq) ;;
    esac
    object="$out/obj/$(echo "$source" | tr / _).o"
    clang "${flags[@]}" "${extra[@]}" -c "$source" -o "$object"
    objects+=("$object")
done
for target in fuzz/fuzz_*.c; do
    name=$(basename "$target" .c)
    clang "${flags[@]}" -fsanitize=fuzzer "$target" "${objects[@]}" -lroaring -llz4 -lxxhash -lutf8proc -luring -lm -lpthread -o "$out/$name"
    echo "built $out/$name"
done
if [ "${1:-}" = "--run" ]; then
    for binary in "$out"/fuzz_*; do
        "$binary" -max_total_time="${2:-60}" -print_final_stats=0 2>&1 | tail -2
    done
fi

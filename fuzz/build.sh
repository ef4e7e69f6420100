#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (Debian's clang package) into build-fuzz/ and, with
# --run SECONDS, runs each for that long. Crashes found become regression tests.
#   fuzz/build.sh [--only NAME] [--run 60]
# --only fuzz_frame_decode builds (and runs) one target. A target may name the sources it needs
# in a line "// fuzz-sources: engine/base/*.c ..." (default: base, simd, catalog, column, index,
# ingest, protocol). Objects are rebuilt only when their source or a header is newer.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-fuzz
mkdir -p "$out/obj"
command -v clang >/dev/null || { echo "fuzz/build.sh: needs clang (apt-get install clang)"; exit 1; }
only=""
run_seconds=""
while [ $# -gt 0 ]; do
    case "$1" in
        --only) only=$2; shift 2 ;;
        --run) run_seconds=${2:-60}; shift 2 ;;
        *) echo "fuzz/build.sh: unknown argument '$1'"; exit 2 ;;
    esac
done
flags=(-g -O1 -fsanitize=fuzzer-no-link,address,undefined -D_GNU_SOURCE -Iengine -Iinclude)
default_sources="engine/base/*.c engine/simd/*.c engine/catalog/*.c engine/column/*.c engine/index/*.c engine/storage/*.c engine/ingest/*.c engine/protocol/*.c"
newest_header=$(find engine include -name '*.h' -printf '%T@\n' | sort -n | tail -1)
compile() { # SOURCE -> prints the object path
    local source=$1 extra=()
    case "$source" in
        *_avx2.c) extra=(-mavx2 -mfma -mbmi -mbmi2 -mpopcnt -mlzcnt) ;;
        *_avx512.c) extra=(-mavx2 -mfma -mbmi -mbmi2 -mpopcnt -mlzcnt -mavx512f -mavx512bw -mavx512vl -mavx512dq) ;;
    esac
    local object="$out/obj/$(echo "$source" | tr / _).o"
    if [ ! -f "$object" ] || [ "$source" -nt "$object" ] ||
       awk -v h="$newest_header" -v o="$(stat -c %Y "$object")" 'BEGIN { exit !(h > o) }'; then
        clang "${flags[@]}" "${extra[@]}" -c "$source" -o "$object"
    fi
    echo "$object"
}
targets=()
for target in fuzz/fuzz_*.c; do
    name=$(basename "$target" .c)
    [ -n "$only" ] && [ "$name" != "$only" ] && continue
    sources=$(sed -n 's|^// fuzz-sources: ||p' "$target")
    objects=()
    for source in ${sources:-$default_sources}; do objects+=("$(compile "$source")"); done
    clang "${flags[@]}" -fsanitize=fuzzer "$target" "${objects[@]}" -lroaring -llz4 -lxxhash -lutf8proc -luring -lm -lpthread -o "$out/$name"
    echo "built $out/$name"
    targets+=("$out/$name")
done
[ ${#targets[@]} -gt 0 ] || { echo "fuzz/build.sh: no target named '$only'"; exit 2; }
if [ -n "$run_seconds" ]; then
    for binary in "${targets[@]}"; do
        "$binary" -max_total_time="$run_seconds" -print_final_stats=0 2>&1 | tail -2
        [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz/build.sh: $binary failed"; exit 1; }
    done
fi

#!/bin/sh
# Runs every libFuzzer target of a build (fuzz_<name>_libfuzzer) for SECONDS
# each, over a copy of its checked-in corpus tests/fuzz/corpus/<name> (which
# is never modified). Fails when a target finds a crash, a leak, a sanitizer
# report or a timeout; the reproducer is kept under BUILD_DIR/fuzz-artifacts/
# and can be replayed with the plain driver: BUILD_DIR/tests/fuzz/fuzz_<name>
# FILE
#
#   CC=clang meson setup build-fuzz -Dfuzzing=true \
#       -Db_sanitize=address,undefined -Db_lundef=false
#   ninja -C build-fuzz
#   tests/fuzz/run-libfuzzer.sh build-fuzz 60
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)

# UBSan only prints by default; make every report a finding.
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

work=$(mktemp -d "${TMPDIR:-/tmp}/confai-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

found=0
ran=0
for fuzzer in "$build"/tests/fuzz/fuzz_*_libfuzzer; do
    [ -x "$fuzzer" ] || continue
    name=${fuzzer##*/fuzz_}
    name=${name%_libfuzzer}
    mkdir -p "$work/$name" "$artifacts/$name"
    if [ -d "$here/corpus/$name" ]; then
        cp "$here/corpus/$name"/* "$work/$name/" 2>/dev/null || true
    fi
    echo "== $name: ${seconds}s over $(ls "$work/$name" | wc -l) seeds"
    if "$fuzzer" -max_total_time="$seconds" -timeout=10 -max_len=4096 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$name/" \
        "$work/$name" >"$work/$name.log" 2>&1; then
        tail -n 12 "$work/$name.log"
    else
        found=1
        tail -n 60 "$work/$name.log"
        echo "!! $name: finding kept in $artifacts/$name/:" >&2
        ls -l "$artifacts/$name" >&2
    fi
    ran=$((ran + 1))
done

if [ "$ran" -eq 0 ]; then
    echo "no fuzz_*_libfuzzer in $build/tests/fuzz:" \
        "configure the build with -Dfuzzing=true (clang)" >&2
    exit 1
fi
if [ "$found" -ne 0 ]; then
    echo "libFuzzer found a problem" >&2
    exit 1
fi
echo "libFuzzer: no findings in $ran targets, ${seconds}s each"

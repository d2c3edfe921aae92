#!/bin/sh
# Long libFuzzer runs that grow the checked-in corpora (doc/fuzzing.md).
#
#   tests/fuzz/run-long.sh BUILD_DIR SECONDS [--runs N] [TARGET...]
#
# Runs each libFuzzer target of BUILD_DIR (fuzz_<name>_libfuzzer; all of
# them when no TARGET is named), one after the other, for SECONDS each,
# starting from its corpus tests/fuzz/corpus/<name>. With --runs N a target
# stops as soon as it has executed N inputs (libFuzzer's -runs), so SECONDS
# is then only a cap. What it finds is merged
# into that folder with libFuzzer's -merge=1, so only inputs that add
# coverage are kept; inputs over 64 KiB are left out. Writes one line per
# target to stdout and to BUILD_DIR/fuzz-long-report.txt (FUZZ_REPORT
# overrides the path):
#
#   name  executions  seconds  exec/s  cov  ft  corpus before -> after (+new)  crashes
#
# cov and ft are libFuzzer's coverage counters (edges and features) at the
# end of the run. A crash, leak, sanitizer report or timeout stops that
# target; its reproducer is kept under BUILD_DIR/fuzz-artifacts/<name>/ and
# the script exits 1 after the remaining targets have run. The short CI run
# is run-libfuzzer.sh, which never writes the corpus.
#
#   CC=clang meson setup build/asan -Db_sanitize=address,undefined \
#       -Db_lundef=false -Dfuzzing=true
#   ninja -C build/asan
#   tests/fuzz/run-long.sh build/asan 600
set -eu

usage() {
    echo "usage: $0 BUILD_DIR SECONDS [--runs N] [TARGET...]" >&2
    exit 2
}
[ $# -ge 2 ] || usage
build=$(cd "$1" && pwd)
seconds=$2
shift 2
runs=-1 # libFuzzer's "no limit"
if [ "${1:-}" = "--runs" ]; then
    [ $# -ge 2 ] || usage
    runs=$2
    shift 2
fi
here=$(cd "$(dirname "$0")" && pwd)
report=${FUZZ_REPORT:-$build/fuzz-long-report.txt}
max_entry=65536

export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

if [ $# -eq 0 ]; then
    for fuzzer in "$build"/tests/fuzz/fuzz_*_libfuzzer; do
        [ -x "$fuzzer" ] || continue
        name=${fuzzer##*/fuzz_}
        set -- "$@" "${name%_libfuzzer}"
    done
fi
if [ $# -eq 0 ]; then
    echo "no fuzz_*_libfuzzer in $build/tests/fuzz:" \
        "configure the build with -Dfuzzing=true (clang)" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/confai-fuzz-long.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
artifacts="$build/fuzz-artifacts"

count_files() {
    find "$1" -maxdepth 1 -type f ! -name '.*' | wc -l | tr -d ' '
}

# The last value libFuzzer printed for a counter ("cov: 123").
last_counter() {
    grep -o "$1: [0-9]*" "$2" | tail -n 1 | sed 's/.*: //'
}

# A final statistic (-print_final_stats=1: "stat::name: value").
final_stat() {
    sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

header=$(printf '%-16s %12s %8s %8s %6s %7s %22s %s' target executions seconds exec/s \
    cov ft "corpus before->after" crashes)
echo "$header" | tee "$report"
found=0
for name in "$@"; do
    fuzzer="$build/tests/fuzz/fuzz_${name}_libfuzzer"
    if [ ! -x "$fuzzer" ]; then
        echo "no $fuzzer" >&2
        found=1
        continue
    fi
    corpus="$here/corpus/$name"
    mkdir -p "$corpus" "$work/$name" "$artifacts/$name"
    before=$(count_files "$corpus")
    log="$work/$name.log"
    rc=0
    # New inputs go to the first folder; the checked-in corpus is read only here.
    started=$(date +%s)
    "$fuzzer" -max_total_time="$seconds" -runs="$runs" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$name/" "$work/$name" "$corpus" >"$log" 2>&1 || rc=$?
    elapsed=$(($(date +%s) - started))
    cp "$log" "$artifacts/$name/last-run.log"
    execs=$(final_stat number_of_executed_units "$log")
    rate=$(final_stat average_exec_per_sec "$log")
    cov=$(last_counter cov "$log")
    ft=$(last_counter ft "$log")
    crashes=0
    if [ "$rc" -ne 0 ]; then
        crashes=$(find "$artifacts/$name" -maxdepth 1 -type f \
            \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
            wc -l | tr -d ' ')
        [ "$crashes" -gt 0 ] || crashes=1
        found=1
        tail -n 40 "$log" >&2
        echo "!! $name: finding kept in $artifacts/$name/" >&2
    fi
    # Merge what was found, leaving out oversized inputs.
    find "$work/$name" -maxdepth 1 -type f -size +"$max_entry"c -delete
    if [ "$(count_files "$work/$name")" -gt 0 ]; then
        "$fuzzer" -merge=1 -timeout=10 "$corpus" "$work/$name" >"$work/$name.merge.log" 2>&1 ||
            echo "!! $name: merge failed (see $work/$name.merge.log)" >&2
    fi
    after=$(count_files "$corpus")
    printf '%-16s %12s %8s %8s %6s %7s %22s %s\n' "$name" "${execs:-?}" "$elapsed" "${rate:-?}" \
        "${cov:-?}" "${ft:-?}" "$before->$after (+$((after - before)))" \
        "$crashes/${execs:-?}" | tee -a "$report"
done
echo "report: $report"
exit "$found"

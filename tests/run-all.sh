#!/usr/bin/env bash
# Runs every libconfai test suite; exits non-zero on the first failure.
# This is the README's test command and what CI (.ci/run) runs.
#
# Steps (each its own build folder under build/, reused between runs):
#   1. build/system          gcc, Debian's OpenSSL 3.0 (own RFC 9180 HPKE)
#      bindings/web          tests/build-wasm.sh (cached), then the suite 'web'
#                            of build/system: Node and headless Chromium
#      build/noclient        the same without the client layer (-Dclient=disabled):
#                            the verify, seal and open layers' tests without libcurl
#   2. build/openssl35       OpenSSL 3.5 built from the openssl-src crate (OSSL_HPKE)
#   3. build/openssl35-own   the same OpenSSL, own HPKE forced
#   4. build/asan            clang, ASan + UBSan, libFuzzer targets; then a
#                            short libFuzzer run of each target
#   5. valgrind memcheck over the unit and client suites of build/system
# The language bindings (suite 'bindings': Python, Go, Node with the official
# OpenAI SDKs) load the library of build/system and run in step 1 only.
# Ends with one line: "tests: N passed, M failed" over all meson test runs.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
START=$(date +%s)
LOGS="$ROOT/build/logs"
mkdir -p "$LOGS"

PASSED=0
FAILED=0
SKIPPED=0
STEP="setup"

section() {
    STEP=$1
    printf '\n======== %s ========\n' "$1"
}

summary() {
    local line="tests: $PASSED passed, $FAILED failed"
    if [ "$SKIPPED" -gt 0 ]; then line="$line, $SKIPPED skipped"; fi
    echo "$line"
}

# On any failure (set -e included) say which step broke, then the counts.
on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo
        echo "run-all: FAILED in step: $STEP (exit $rc); logs in $LOGS"
        summary
    fi
}
trap on_exit EXIT

# --- Tools and environment --------------------------------------------------
section "install dependencies"
bash tests/install-deps.sh
# Toolchains installed outside apt (Go from the module proxy, rustup's cargo).
for dir in "$HOME/.cargo/bin" /usr/local/go/bin; do
    if [ -d "$dir" ]; then PATH="$dir:$PATH"; fi
done
export PATH

# The shared test vectors: $CONFAI_VECTORS, else ../shared/vectors. When they
# are there, a test that cannot find them fails instead of skipping.
if [ -z "${CONFAI_VECTORS:-}" ] && [ -d "$ROOT/../shared/vectors" ]; then
    CONFAI_VECTORS=$(cd "$ROOT/../shared/vectors" && pwd)
fi
if [ -n "${CONFAI_VECTORS:-}" ]; then
    [ -d "$CONFAI_VECTORS" ] || { echo "run-all: CONFAI_VECTORS=$CONFAI_VECTORS is not a folder" >&2; exit 1; }
    CONFAI_VECTORS=$(cd "$CONFAI_VECTORS" && pwd) # tests run in other folders
    export CONFAI_VECTORS CONFAI_REQUIRE_VECTORS=1
    echo "vectors: $CONFAI_VECTORS (required)"
else
    echo "vectors: none found; vector tests will skip"
fi

# The Rust interop peer is the same program in every build folder: build it
# once, in a shared cargo target folder.
export CONFAI_CARGO_TARGET_DIR="$ROOT/build/cache/rust-target"

# --- Helpers ----------------------------------------------------------------
# meson setup a new folder; for an existing one, apply the options with
# `meson configure` (meson 1.0's `setup --reconfigure` does not always apply
# changed -D options) and let the next compile regenerate.
# Output goes to a log that is shown only when something fails.
setup() { # DIR [meson options...]
    # A build folder is reused only when it was set up with the very same
    # options (meson configure cannot drop an option set earlier); anything
    # else starts from scratch. meson regenerates itself when files change.
    local dir=$1
    shift
    local log="$LOGS/$(basename "$dir")-setup.log"
    local wanted="CC=${CC:-} CXX=${CXX:-} $*"
    if [ -f "$dir/build.ninja" ] && [ "$(cat "$dir/.run-all-options" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    rm -rf "$dir"
    if ! meson setup "$dir" "$@" >"$log" 2>&1; then
        cat "$log"
        return 1
    fi
    printf '%s' "$wanted" >"$dir/.run-all-options"
}

compile() { # DIR
    local log="$LOGS/$(basename "$1")-compile.log"
    if ! meson compile -C "$1" >"$log" 2>&1; then
        tail -n 60 "$log"
        return 1
    fi
    # What this build really uses, as configured (meson.build prints it).
    grep -h 'Message: HPKE backend' "$1/meson-logs/meson-log.txt" | tail -n 1 || true
}

# meson test with the given arguments; adds its Ok/Fail counts to the totals.
run_tests() { # LOGNAME [meson test arguments...]
    local log="$LOGS/$1-test.log"
    shift
    local rc=0
    meson test --print-errorlogs "$@" 2>&1 | tee "$log" || rc=$?
    local ok expfail fail upass timeout skip
    ok=$(count 'Ok' "$log")
    expfail=$(count 'Expected Fail' "$log")
    fail=$(count 'Fail' "$log")
    upass=$(count 'Unexpected Pass' "$log")
    timeout=$(count 'Timeout' "$log")
    skip=$(count 'Skipped' "$log")
    PASSED=$((PASSED + ok + expfail))
    FAILED=$((FAILED + fail + upass + timeout))
    SKIPPED=$((SKIPPED + skip))
    if [ "$rc" -ne 0 ] && [ $((fail + upass + timeout)) -eq 0 ]; then
        FAILED=$((FAILED + 1)) # meson failed without a test result (e.g. build)
    fi
    return "$rc"
}

# The number on meson's summary line "LABEL:   N" (0 when absent).
count() { # LABEL LOG
    awk -v label="$1:" '
        index($0, label) == 1 { rest = substr($0, length(label) + 1); n = rest + 0 }
        END { print n + 0 }' "$2"
}

# --- 1. System OpenSSL 3.0 --------------------------------------------------
section "1/5 build/system: gcc, system OpenSSL (HPKE backend: own)"
CC=gcc CXX=g++ setup build/system
compile build/system
run_tests system -C build/system --no-suite web

section "1/5 bindings/web: the WebAssembly build, then Node and headless Chromium"
bash tests/build-wasm.sh
CONFAI_LOGS="$LOGS" run_tests web -C build/system --suite web

section "1/5 build/noclient: gcc, system OpenSSL, -Dclient=disabled"
CC=gcc CXX=g++ setup build/noclient -Dclient=disabled
compile build/noclient
if ldd build/noclient/src/libconfai.so | grep libcurl >/dev/null; then
    echo "run-all: build/noclient/src/libconfai.so links libcurl" >&2
    exit 1
fi
run_tests noclient -C build/noclient

# --- 2. and 3. OpenSSL 3.5 ----------------------------------------------------
section "2/5 build/openssl35: OpenSSL 3.5 from the openssl-src crate (HPKE backend: openssl)"
OSSL="$ROOT/build/cache/openssl"
bash tests/build-openssl.sh "$OSSL"
ossl_opts=(
    -Dpkg_config_path="$OSSL/install/lib/pkgconfig"
    # Debian's libcrypto.so.3 has the same SONAME: the rpath makes sure the
    # library and the tests load the 3.5 build.
    -Dc_link_args=-Wl,-rpath,"$OSSL/install/lib"
    -Dcpp_link_args=-Wl,-rpath,"$OSSL/install/lib"
)
# Guard against a silent fallback to the system library.
uses_openssl35() { # DIR
    # (grep without -q reads all of ldd's output: no SIGPIPE under pipefail)
    if ! ldd "$1/src/libconfai.so" | grep "$OSSL/install/lib/libcrypto.so" >/dev/null; then
        echo "run-all: $1/src/libconfai.so does not load OpenSSL from $OSSL" >&2
        return 1
    fi
}
CC=gcc CXX=g++ setup build/openssl35 -Dhpke=openssl "${ossl_opts[@]}"
compile build/openssl35
uses_openssl35 build/openssl35
run_tests openssl35 -C build/openssl35 --no-suite bindings --no-suite web

section "3/5 build/openssl35-own: OpenSSL 3.5, HPKE backend forced to own"
CC=gcc CXX=g++ setup build/openssl35-own -Dhpke=own "${ossl_opts[@]}"
compile build/openssl35-own
uses_openssl35 build/openssl35-own
run_tests openssl35-own -C build/openssl35-own --no-suite bindings --no-suite web

# --- 4. Sanitizers and fuzzing ----------------------------------------------
section "4/5 build/asan: clang, ASan + UBSan, libFuzzer targets"
# -Db_lundef=false: clang puts the sanitizer runtime into executables only,
# so libconfai.so links with the runtime's symbols left for load time.
CC=clang CXX=clang++ setup build/asan \
    -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true
compile build/asan
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_tests asan -C build/asan --no-suite bindings --no-suite web
if [ -f tests/fuzz/run-libfuzzer.sh ]; then
    section "4/5 libFuzzer: 20 s per target (build/asan)"
    bash tests/fuzz/run-libfuzzer.sh build/asan 20
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

# --- 5. Valgrind --------------------------------------------------------------
section "5/5 valgrind memcheck: unit and client suites of build/system"
# OpenSSL's one-time global init stays "still reachable" at exit; that is not
# a leak, so only definite and indirect leaks count.
# The exhaustive byte-flip loops already ran in full above; under valgrind,
# which is some 30 times slower, they sample every 97th byte.
CONFAI_TDX_FLIP_STRIDE=97 CONFAI_SNP_FLIP_STRIDE=97 \
run_tests valgrind -C build/system --suite unit --suite client --timeout-multiplier 4 \
    --wrapper 'valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect'

section "done in $(($(date +%s) - START)) s"
summary

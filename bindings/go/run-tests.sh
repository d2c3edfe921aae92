#!/usr/bin/env bash
# Runs the Go binding's tests (go test ./...) against a meson build of
# libconfai, then the Go example against confai-gateway.
#
#   bindings/go/run-tests.sh BUILD_DIR            the suite (meson suite 'bindings')
#   bindings/go/run-tests.sh BUILD_DIR memory N   the RSS loop with N requests
#
# cgo finds the library with pkg-config: BUILD_DIR/pkgconfig holds
# confai-uninstalled.pc, which pkg-config prefers and which names the build
# tree (headers, library, rpath). Modules come from the Go module proxy
# (go.sum pins them). CONFAI_GATEWAY (the confai-gateway executable) enables
# the tests against the gateway; without it they skip.
set -euo pipefail

build=$(cd "${1:?usage: run-tests.sh BUILD_DIR [memory N]}" && pwd)
mode=${2:-suite}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

for dir in /usr/local/go/bin "$HOME/go/bin"; do
    if [ -d "$dir" ]; then PATH="$PATH:$dir"; fi
done
if ! command -v go >/dev/null; then
    echo "run-tests.sh: no Go toolchain (tests/install-deps.sh installs one)"
    exit 77
fi
if [ ! -f "$build/pkgconfig/confai-uninstalled.pc" ]; then
    echo "run-tests.sh: $build/pkgconfig/confai-uninstalled.pc is missing" >&2
    exit 1
fi

export GOTOOLCHAIN=local CGO_ENABLED=1
export PKG_CONFIG_PATH="$build/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$build/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CONFAI_CONFORMANCE_DIR="$root/tests/conformance"
# Go does not hash headers outside the package into its build cache: a
# cache per build folder and per state of the public header keeps a stale
# cgo object from surviving an ABI change.
header_sum=$(cat "$root"/include/confai/*.h "$root"/include/confai/*.h.in | sha256sum | cut -c1-16)
export GOCACHE="$build/bindings/go-cache/$header_sum"
mkdir -p "$GOCACHE"
go version

cd "$here"
go mod download

if [ "$mode" = memory ]; then
    CONFAI_MEMORY_REQUESTS=${3:?usage: run-tests.sh BUILD_DIR memory N} \
        go test -count=1 -run '^TestMemorySealedRequests$' -v .
    exit 0
fi

go vet ./...
go test -count=1 -v ./...

# The example (examples/go, its own module) against a gateway.
if [ -n "${CONFAI_GATEWAY:-}" ]; then
    tmp=$(mktemp -d)
    gateway_pid=
    cleanup() {
        if [ -n "$gateway_pid" ]; then kill "$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true; fi
        rm -rf "$tmp"
    }
    trap cleanup EXIT
    mkfifo "$tmp/out"
    "$CONFAI_GATEWAY" --listen 127.0.0.1:0 --sim-snp --policy-out "$tmp/policy.json" \
        --token-delay 0 >"$tmp/out" 2>"$tmp/gateway.log" &
    gateway_pid=$!
    exec 3<"$tmp/out"
    if ! read -r -t 120 line <&3 || [ "${line#listening on }" = "$line" ]; then
        echo "run-tests.sh: confai-gateway did not start" >&2
        cat "$tmp/gateway.log" >&2
        exit 1
    fi
    base=${line#listening on }
    cd "$root/examples/go"
    go mod download
    answer=$(go run . "$base" "$tmp/policy.json")
    echo "examples/go: $answer"
    case "$answer" in
        *confai-demo*) ;;
        *) echo "run-tests.sh: the Go example did not get the demo model's answer" >&2; exit 1 ;;
    esac
else
    cd "$root/examples/go"
    go vet .
fi

#!/usr/bin/env bash
# Builds the Node addon against a meson build of libconfai and runs the
# binding's tests (node --test), then the Node example against
# confai-gateway.
#
#   bindings/node/run-tests.sh BUILD_DIR            the suite (meson suite 'bindings')
#   bindings/node/run-tests.sh BUILD_DIR memory N   the RSS loops with N requests
#
# npm packages come from the npm registry with `npm ci` (package-lock.json
# pins them), into bindings/node/node_modules, only when the lock file
# changed. node-gyp builds against the Node headers installed on this
# machine (--nodedir; nothing is downloaded), in a copy of the package under
# BUILD_DIR/bindings/node so that several build folders do not share one
# build/. CONFAI_GATEWAY (the confai-gateway executable) enables the tests
# against the gateway; without it they skip.
set -euo pipefail

build=$(cd "${1:?usage: run-tests.sh BUILD_DIR [memory N]}" && pwd)
mode=${2:-suite}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "run-tests.sh: node and npm are needed (Node >= 20.17)"
    exit 77
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 17) ? 0 : 1)'; then
    echo "run-tests.sh: Node $(node --version) is older than 20.17 (node-gyp 12 needs it)"
    exit 77
fi
if [ ! -f "$build/pkgconfig/confai-uninstalled.pc" ]; then
    echo "run-tests.sh: $build/pkgconfig/confai-uninstalled.pc is missing" >&2
    exit 1
fi
echo "node $(node --version), npm $(npm --version)"

# Packages: npm ci when node_modules does not match package-lock.json.
lock_sum=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
stamp="$here/node_modules/.confai-lock-sha256"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$lock_sum" ]; then
    (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund)
    echo "$lock_sum" >"$stamp"
fi

# A copy of the package next to this build, with node_modules linked.
pkg="$build/bindings/node"
mkdir -p "$pkg"
rm -rf "$pkg/src" "$pkg/scripts" "$pkg/test"
cp -r "$here/src" "$here/scripts" "$here/test" "$pkg/"
cp "$here/index.js" "$here/index.mjs" "$here/native.js" "$here/shape.js" "$here/index.d.ts" "$here/package.json" "$here/binding.gyp" "$pkg/"
ln -sfn "$here/node_modules" "$pkg/node_modules"
(cd "$pkg" && CONFAI_BUILD_DIR="$build" node scripts/build.js --tests)

export CONFAI_CONFORMANCE_DIR="$root/tests/conformance"
tmp=$(mktemp -d)
gateway_pid=
cleanup() {
    if [ -n "$gateway_pid" ]; then kill "$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
# One simulated platform for every gateway the tests start.
export CONFAI_GATEWAY_STATE="$tmp/state"
mkdir -p "$CONFAI_GATEWAY_STATE"

cd "$pkg"
flags=(--expose-gc --max-semi-space-size=1)
if [ "$mode" = memory ]; then
    CONFAI_MEMORY_REQUESTS=${3:?usage: run-tests.sh BUILD_DIR memory N} \
        node "${flags[@]}" --test test/memory.test.js
    exit 0
fi
node "${flags[@]}" --test --test-concurrency=1 test/*.test.js

# The example (examples/node/chat.mjs) as an application runs it: with
# `confai` and `openai` resolvable as packages.
if [ -n "${CONFAI_GATEWAY:-}" ]; then
    mkdir -p "$tmp/app/node_modules"
    ln -s "$pkg" "$tmp/app/node_modules/confai"
    ln -s "$here/node_modules/openai" "$tmp/app/node_modules/openai"
    cp "$root/examples/node/chat.mjs" "$tmp/app/"
    mkfifo "$tmp/out"
    "$CONFAI_GATEWAY" --listen 127.0.0.1:0 --sim-snp --state "$CONFAI_GATEWAY_STATE" \
        --policy-out "$tmp/policy.json" --token-delay 0 >"$tmp/out" 2>"$tmp/gateway.log" &
    gateway_pid=$!
    exec 3<"$tmp/out"
    if ! read -r -t 120 line <&3 || [ "${line#listening on }" = "$line" ]; then
        echo "run-tests.sh: confai-gateway did not start" >&2
        cat "$tmp/gateway.log" >&2
        exit 1
    fi
    answer=$(node "$tmp/app/chat.mjs" "${line#listening on }" "$tmp/policy.json")
    echo "examples/node: $answer"
    case "$answer" in
        *confai-demo*) ;;
        *) echo "run-tests.sh: the Node example did not get the demo model's answer" >&2; exit 1 ;;
    esac
fi

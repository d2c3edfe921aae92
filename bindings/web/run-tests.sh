#!/usr/bin/env bash
# Runs bindings/web's tests (meson suite 'web'): node --test in Node and in
# headless Chromium (Debian's chromium, driven by puppeteer-core) against
# the confai-gateway of BUILD_DIR (CONFAI_GATEWAY), and the conformance
# fixtures in the WebAssembly build.
#
#   bindings/web/run-tests.sh BUILD_DIR
#
# Needs dist/confai.wasm from tests/build-wasm.sh (run-all.sh runs it first;
# a missing module fails here rather than skipping). npm packages come from
# the npm registry with `npm ci` (package-lock.json pins them), only when the
# lock file changed. Screenshots of the demo page go to CONFAI_LOGS (default
# build/logs).
set -euo pipefail

build=$(cd "${1:?usage: run-tests.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "run-tests.sh: node and npm are needed (Node >= 20.17)"
    exit 77
fi
if [ ! -f "$here/dist/confai.wasm" ]; then
    echo "run-tests.sh: bindings/web/dist/confai.wasm is missing: run tests/build-wasm.sh first" >&2
    exit 1
fi
lock_sum=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
stamp="$here/node_modules/.confai-lock-sha256"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$lock_sum" ]; then
    (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" >"$stamp"
fi
export CONFAI_GATEWAY=${CONFAI_GATEWAY:-$build/examples/confai-gateway}
export CONFAI_CONFORMANCE_DIR="$root/tests/conformance"
export CONFAI_LOGS=${CONFAI_LOGS:-$root/build/logs}
export CONFAI_CHROMIUM=${CONFAI_CHROMIUM:-/usr/bin/chromium}
mkdir -p "$CONFAI_LOGS"
cd "$here"
# The types must check against the code's documented shape.
node node_modules/typescript/bin/tsc -p test/tsconfig.json
exec node --test --test-concurrency=1 test/

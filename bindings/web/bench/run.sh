#!/usr/bin/env bash
# The WebAssembly benchmark (meson benchmark 'web'): links the benchmark
# build of confai.wasm (tests/build-wasm.sh --bench, cached) and runs it
# against the native bench_web of the same build folder.
#
#   bindings/web/bench/run.sh NATIVE_BENCH_WEB [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bash "$root/tests/build-wasm.sh" --bench >/dev/null
exec node "$here/run.mjs" "$root/build/cache/wasm/bench.wasm" "${1:?usage: run.sh NATIVE_BENCH_WEB [SECONDS]}" "${2:-1.5}"

#!/usr/bin/env bash
# The README's main job: install what is needed, build libconfai against the
# system OpenSSL and run the smallest embedding, examples/hello.c, which seals
# a message with HPKE and opens it again.
#
# The end-to-end demo (attested gateway, sealed chat request) will replace
# the last step; keep the build part shared.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=build/system

bash tests/install-deps.sh

# Same build folder as the first step of tests/run-all.sh, so either command
# reuses what the other built.
if [ ! -f "$BUILD/build.ninja" ]; then
    echo "==> meson setup $BUILD"
    rm -rf "$BUILD" # what a failed setup may have left
    mkdir -p build
    CC=gcc CXX=g++ meson setup "$BUILD" >build/demo-setup.log 2>&1 ||
        { cat build/demo-setup.log; exit 1; }
fi
echo "==> meson compile -C $BUILD examples/hello"
meson compile -C "$BUILD" examples/hello >build/demo-compile.log 2>&1 ||
    { tail -n 40 build/demo-compile.log; exit 1; }

echo "==> $BUILD/examples/hello"
"$BUILD/examples/hello"

#!/usr/bin/env bash
# The Node package as a user installs it (meson test 'node_package', suite
# 'bindings'): `npm pack` (its prepack step copies libconfai's C sources
# into the package), then in a fresh folder `npm install <tarball> openai`
# from npm's cache (tests/install-deps.sh fills it; nothing is downloaded
# here) with no PKG_CONFIG_PATH, LD_LIBRARY_PATH or other variable for the
# build, and an ES module that imports { Client, createFetch } from
# 'confai' streams a chat through the official openai client against
# confai-gateway --sim-snp.
#
#   bindings/node/test/package-install.sh BUILD_DIR
set -euo pipefail

build=$(cd "${1:?usage: package-install.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)

if ! command -v node >/dev/null || ! command -v npm >/dev/null ||
    ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 17) ? 0 : 1)'; then
    echo "package-install.sh: Node >= 20.17 with npm is needed"
    exit 77
fi
if [ -z "${CONFAI_GATEWAY:-}" ]; then
    echo "package-install.sh: CONFAI_GATEWAY is not set (a build without libmicrohttpd)"
    exit 77
fi
openai_version=$(node -p "require('$here/package-lock.json').packages['node_modules/openai'].version")

tmp=$(mktemp -d)
gateway_pid=
cleanup() {
    if [ -n "$gateway_pid" ]; then kill "$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# Pack a copy of the package, so the source folder is left as it is.
mkdir -p "$tmp/pkg" "$tmp/packed"
(cd "$here" && cp -r package.json index.js index.mjs native.js shape.js index.d.ts binding.gyp src scripts "$tmp/pkg/")
(cd "$tmp/pkg" && CONFAI_SOURCE_DIR="$root" npm pack --pack-destination "$tmp/packed" --loglevel=error >/dev/null)
tarball=$(ls "$tmp/packed"/confai-*.tgz)
listing=$(tar tzf "$tarball")
for f in package/libconfai/include/confai/confai.h package/libconfai/src/seal/request_shape.c \
    package/index.mjs package/shape.js package/native.js; do
    if ! grep -qx "$f" <<<"$listing"; then
        echo "package-install.sh: the tarball lacks $f" >&2
        exit 1
    fi
done
if grep -q '^package/build/' <<<"$listing"; then
    echo "package-install.sh: the tarball carries a build folder" >&2
    exit 1
fi

# A fresh application; the environment of the build is npm's own.
mkdir -p "$tmp/app"
cp "$here/test/support/packed-chat.mjs" "$tmp/app/chat.mjs"
echo '{"name": "confai-package-check", "private": true, "type": "module"}' >"$tmp/app/package.json"
(cd "$tmp/app" && env -u PKG_CONFIG_PATH -u LD_LIBRARY_PATH -u CONFAI_BUILD_DIR -u CONFAI_NODEDIR \
    -u CONFAI_NODE_ADDON -u CPATH -u LIBRARY_PATH \
    npm install --offline --no-audit --no-fund --loglevel=error "$tarball" "openai@$openai_version")
test -f "$tmp/app/node_modules/confai/build/Release/confai.node"

mkfifo "$tmp/out"
"$CONFAI_GATEWAY" --listen 127.0.0.1:0 --sim-snp --policy-out "$tmp/policy.json" \
    --token-delay 0 >"$tmp/out" 2>"$tmp/gateway.log" &
gateway_pid=$!
exec 3<"$tmp/out"
if ! read -r -t 120 line <&3 || [ "${line#listening on }" = "$line" ]; then
    echo "package-install.sh: confai-gateway did not start" >&2
    cat "$tmp/gateway.log" >&2
    exit 1
fi
answer=$(cd "$tmp/app" && env -u PKG_CONFIG_PATH -u LD_LIBRARY_PATH -u CONFAI_NODE_ADDON \
    node chat.mjs "${line#listening on }" "$tmp/policy.json")
echo "installed package: $answer"
case "$answer" in
    *"chunks: "*confai-demo*) ;;
    *) echo "package-install.sh: no streamed answer of the demo model" >&2; exit 1 ;;
esac

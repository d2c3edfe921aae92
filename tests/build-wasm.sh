#!/usr/bin/env bash
# Builds libconfai's verify, bind, seal and open layers (core, crypto, seal,
# attest) for WebAssembly: bindings/web/dist/confai.wasm and its SHA-256.
#
# What goes in, all from package registries (tests/install-deps.sh installs
# the tools):
#   - emcc from Debian's emscripten package (3.1.6), whose optimizer needs
#     the npm module acorn on NODE_PATH (bindings/web/node_modules).
#   - OpenSSL's libcrypto, from the same openssl-src crate as
#     tests/build-openssl.sh (tests/fetch-crate.sh), configured for a plain
#     32-bit target: no assembly, no threads, no shared library, no DSO, no
#     engines, and without the algorithms libconfai never calls.
#   - cJSON, from the source distribution of the PyPI package awscrt, which
#     ships its two files (step 2 says why).
# Randomness: OpenSSL seeds only from getentropy(), which the JS loader
# (bindings/web/src/wasm.js) serves from crypto.getRandomValues; there is no
# other seed source, so without it every operation that needs randomness
# fails. Time: WASI clock_time_get, served from Date.now() (wall clock) and
# performance.now() (monotonic).
#
# Usage: tests/build-wasm.sh [--bench] [CACHE]   (default build/cache/wasm)
#   --bench also links CACHE/bench.wasm: the same module with the benchmark
#   tests/bench/bench_web.c (bindings/web/bench/run.mjs runs it).
# Re-runs take seconds: a stamp records the finished OpenSSL build; a library
# file is compiled again only when it or a header is newer than its object,
# and the module is linked again only when an input is newer than it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=0
if [ "${1:-}" = "--bench" ]; then
    BENCH=1
    shift
fi
CACHE=${1:-$ROOT/build/cache/wasm}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
OSSL_CRATE_VERSION=300.5.5 # the same as tests/build-openssl.sh
JOBS=${CONFAI_WASM_JOBS:-2}

command -v emcc >/dev/null || { echo "build-wasm.sh: emcc not found (run tests/install-deps.sh)" >&2; exit 1; }
# emcc's optimizer loads acorn, which Debian's emscripten leaves to npm.
export NODE_PATH="$ROOT/bindings/web/node_modules${NODE_PATH:+:$NODE_PATH}"
[ -d "$ROOT/bindings/web/node_modules/acorn" ] ||
    { echo "build-wasm.sh: no acorn in bindings/web/node_modules (run tests/install-deps.sh)" >&2; exit 1; }

# --- 1. OpenSSL libcrypto -----------------------------------------------------
# Kept: what libconfai calls (SHA-2, HMAC/HKDF, AES-GCM, ChaCha20-Poly1305,
# X25519, EC P-256/P-384 ECDSA, RSA and RSA-PSS, X.509 and CRLs) and the
# error strings (they go into the messages of failed verifications).
OSSL_OPTIONS=(
    no-asm no-threads no-shared no-dso no-engine no-module no-legacy
    no-apps no-tests no-docs no-async no-sock no-dgram no-ui-console
    no-autoload-config no-secure-memory no-http no-ocsp no-cms no-cmp no-ct
    no-ts no-srp no-psk no-srtp no-comp no-aria no-bf no-blake2 no-camellia
    no-cast no-des no-dh no-dsa no-ec2m no-gost no-idea no-md4 no-mdc2
    no-ocb no-rc2 no-rc4 no-rmd160 no-scrypt no-seed no-siphash no-siv
    no-sm2 no-sm3 no-sm4 no-whirlpool no-ml-dsa no-ml-kem no-slh-dsa
    no-cmac no-rfc3779 no-pinshared no-multiblock no-quic no-pic
    --with-rand-seed=getrandom
)
# emcc does not define __ELF__, so OpenSSL would look getentropy() up through
# the DSO layer, which a static WebAssembly module has not. With __ELF__
# defined (used by OpenSSL in that one place only) it calls libc's
# getentropy() through a weak reference; bindings/web/src/confai_web.c
# references getentropy so that the link keeps it.
OSSL_CFLAGS="-Os -D__ELF__"
OSSL_SRC="$CACHE/openssl-src/openssl"
OSSL_TAG=$(printf '%s ' "$OSSL_CRATE_VERSION" "${OSSL_OPTIONS[@]}" "$OSSL_CFLAGS" | sha256sum | cut -c1-12)
OSSL_STAMP="$CACHE/.built-openssl-$OSSL_TAG"
# emcc is a Python program that costs more than the compiler itself for
# each small file; for OpenSSL's several hundred files a wrapper calls
# emscripten's clang with the flags emcc would pass (emcc --cflags).
WASM_CC="$CACHE/bin/wasm-cc"
mkdir -p "$CACHE/bin"
cat >"$WASM_CC.tmp" <<SH
#!/bin/sh
exec "$(em-config LLVM_ROOT)/clang" $(emcc --cflags) "\$@"
SH
chmod +x "$WASM_CC.tmp"
mv "$WASM_CC.tmp" "$WASM_CC"

if [ -f "$OSSL_STAMP" ] && [ -f "$OSSL_SRC/libcrypto.a" ]; then
    echo "wasm: OpenSSL libcrypto already built ($OSSL_SRC)"
else
    # Unpacked and configured once per configuration; make then resumes an
    # interrupted build.
    if [ ! -f "$CACHE/.configured-openssl-$OSSL_TAG" ]; then
        # The crate's cargo cache is the one of tests/build-openssl.sh.
        bash "$ROOT/tests/fetch-crate.sh" openssl-src "$OSSL_CRATE_VERSION" \
            "$ROOT/build/cache/openssl" "$CACHE/openssl-src"
        rm -f "$CACHE"/.configured-openssl-* "$CACHE"/.built-openssl-*
        (cd "$OSSL_SRC" && CC="$WASM_CC" AR=emar RANLIB=emranlib CFLAGS="$OSSL_CFLAGS" \
            ./Configure linux-generic32 "${OSSL_OPTIONS[@]}") >"$CACHE/openssl-configure.log" 2>&1 ||
            { tail -c 3000 "$CACHE/openssl-configure.log" >&2; exit 1; }
        touch "$CACHE/.configured-openssl-$OSSL_TAG"
    fi
    echo "wasm: building OpenSSL libcrypto (log: $CACHE/openssl-build.log)"
    (
        cd "$OSSL_SRC"
        nice make -j"$JOBS" build_generated >"$CACHE/openssl-build.log" 2>&1
        nice make -j"$JOBS" libcrypto.a >>"$CACHE/openssl-build.log" 2>&1
    ) || { tail -c 3000 "$CACHE/openssl-build.log" >&2; exit 1; }
    touch "$OSSL_STAMP"
fi

# --- 2. cJSON ----------------------------------------------------------------
# cJSON's two source files as the PyPI package awscrt (the AWS Common
# Runtime) ships them in its source distribution (aws-c-common's
# source/external): no package on crates.io or npm that this machine reaches
# carries cJSON, and Debian's source packages are not a registry download.
# That copy is cJSON 1.7 with cJSON_GetErrorPtr and its global removed (for
# thread safety), a function libconfai does not call.
# tests/install-deps.sh downloads the sdist into build/cache/downloads.
AWSCRT_SDIST=$(ls "$ROOT"/build/cache/downloads/awscrt-*.tar.gz 2>/dev/null | head -n 1 || true)
[ -n "$AWSCRT_SDIST" ] || { echo "build-wasm.sh: no awscrt sdist in build/cache/downloads (run tests/install-deps.sh)" >&2; exit 1; }
CJSON="$CACHE/cjson"
if [ ! -f "$CJSON/cjson/cJSON.h" ] || [ "$AWSCRT_SDIST" -nt "$CJSON/cjson/cJSON.h" ]; then
    rm -rf "$CJSON"
    mkdir -p "$CJSON/cjson"
    tar -xzf "$AWSCRT_SDIST" -C "$CJSON" --strip-components=5 --wildcards \
        '*/crt/aws-c-common/source/external/cJSON.c' '*/crt/aws-c-common/source/external/cJSON.h'
    mv "$CJSON/cJSON.h" "$CJSON/cjson/cJSON.h"
    touch "$CJSON/cjson/cJSON.h"
fi

# --- 3. libconfai's core, crypto, seal and attest layers --------------------
# (Both <cJSON.h> and <cjson/cJSON.h> are used, as Debian's libcjson.pc allows.)
# The same sources as src/meson.build lists for these layers, with the
# OSSL_HPKE backend (OpenSSL 3.5), and bindings/web/src/confai_web.c.
OUT="$ROOT/bindings/web/dist"
WASM="$OUT/confai.wasm"
GEN="$CACHE/include"
mkdir -p "$OUT" "$GEN/confai" "$CACHE/obj"
# The umbrella header without the client layer, as -Dclient=disabled makes it.
sed 's/@CLIENT_INCLUDE@//' "$ROOT/include/confai/confai.h.in" >"$GEN/confai/confai.h.tmp"
if ! cmp -s "$GEN/confai/confai.h.tmp" "$GEN/confai/confai.h"; then
    mv "$GEN/confai/confai.h.tmp" "$GEN/confai/confai.h"
else
    rm "$GEN/confai/confai.h.tmp"
fi

sources=()
for layer in core crypto seal attest; do
    while IFS= read -r f; do sources+=("$f"); done < <(
        # The files of a layer as src/meson.build lists them.
        awk -v layer="$layer" '
            $0 ~ "^" layer "_sources = files\\(" { on = 1; next }
            on && /^\)/ { on = 0 }
            on { while (match($0, /'"'"'[^'"'"']+'"'"'/)) { print substr($0, RSTART + 1, RLENGTH - 2); $0 = substr($0, RSTART + RLENGTH) } }
        ' "$ROOT/src/meson.build")
done
sources+=(crypto/hpke_openssl.c)
[ "${#sources[@]}" -gt 40 ] || { echo "build-wasm.sh: could not read the sources from src/meson.build" >&2; exit 1; }

CFLAGS=(-std=c11 -Os -D_POSIX_C_SOURCE=200809L -fvisibility=hidden
    -Werror=implicit-function-declaration -Werror=incompatible-pointer-types
    -I"$GEN" -I"$ROOT/include" -I"$ROOT/src" -I"$OSSL_SRC/include" -I"$CJSON" -I"$CJSON/cjson")
objects=()
compile() { # SOURCE OBJECT
    if [ ! -f "$2" ] || [ "$1" -nt "$2" ] || [ -n "$(find "$ROOT/include" "$ROOT/src" -name '*.h' -newer "$2" | head -n 1)" ]; then
        "$WASM_CC" "${CFLAGS[@]}" -c "$1" -o "$2"
    fi
}
echo "wasm: compiling libconfai (${#sources[@]} files), cJSON and the web glue"
for src in "${sources[@]}"; do
    obj="$CACHE/obj/$(echo "$src" | tr '/' '_').o"
    compile "$ROOT/src/$src" "$obj"
    objects+=("$obj")
done
compile "$CJSON/cJSON.c" "$CACHE/obj/cJSON.o"
compile "$ROOT/bindings/web/src/confai_web.c" "$CACHE/obj/confai_web.o"
objects+=("$CACHE/obj/cJSON.o" "$CACHE/obj/confai_web.o")

# The exports: the public functions the JavaScript side calls (one a line in
# bindings/web/src/exports.txt) and malloc/free for its buffers.
exports=$(sed -e 's/#.*//' -e '/^\s*$/d' -e 's/^\s*/_/' -e 's/\s*$//' "$ROOT/bindings/web/src/exports.txt" | paste -sd, -)
# Standalone: the module imports only WASI's clock_time_get (Date.now()) and
# getentropy (crypto.getRandomValues), which src/wasm.js supplies; no
# emscripten JavaScript runtime.
# Linked again only when an input is newer than the module.
relink=0
for input in "${objects[@]}" "$OSSL_SRC/libcrypto.a" "$ROOT/bindings/web/src/exports.txt" "$0"; do
    if [ ! -f "$WASM" ] || [ "$input" -nt "$WASM" ]; then relink=1; break; fi
done
if [ "$relink" = 1 ]; then
rm -f "$OUT/confai.tmp.wasm"
emcc -Os "${objects[@]}" "$OSSL_SRC/libcrypto.a" -o "$OUT/confai.tmp.wasm" \
    -sSTANDALONE_WASM=1 --no-entry -sWASM_BIGINT=1 \
    -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=4194304 -sTOTAL_STACK=262144 \
    -sFILESYSTEM=0 -sEXPORTED_FUNCTIONS="_malloc,_free,$exports" 2>&1 | grep -v '^$' || true
[ -f "$OUT/confai.tmp.wasm" ] || { echo "build-wasm.sh: link failed" >&2; exit 1; }
mv "$OUT/confai.tmp.wasm" "$WASM"
fi

if [ "$BENCH" = 1 ]; then
    compile "$ROOT/tests/bench/bench_web.c" "$CACHE/obj/bench_web.o"
    emcc -Os "${objects[@]}" "$CACHE/obj/bench_web.o" "$OSSL_SRC/libcrypto.a" -o "$CACHE/bench.wasm" \
        -sSTANDALONE_WASM=1 --no-entry -sWASM_BIGINT=1 \
        -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=4194304 -sTOTAL_STACK=262144 \
        -sFILESYSTEM=0 -sEXPORTED_FUNCTIONS="_malloc,_free,$exports,_bench_web_setup,_bench_web_run"
    echo "wasm: $CACHE/bench.wasm (benchmark build)"
fi

# The digest a page pins (Subresource Integrity: sha256-<base64>).
sha256=$(sha256sum "$WASM" | cut -d' ' -f1)
sri="sha256-$(openssl dgst -sha256 -binary "$WASM" | base64 -w0)"
size=$(stat -c %s "$WASM")
gz=$(gzip -9 -c "$WASM" | wc -c)
cat >"$OUT/integrity.json" <<JSON
{
  "file": "confai.wasm",
  "sha256": "$sha256",
  "integrity": "$sri",
  "size": $size,
  "gzip_size": $gz
}
JSON
echo "wasm: $WASM ($size bytes, $gz gzipped), $sri"

#!/usr/bin/env bash
# Installs what building and testing libconfai needs, as root on Debian 12.
#
# Idempotent and quiet when everything is there: apt-get runs only for
# packages that are missing, so a re-run is fast and works offline. Every
# download comes from a package registry: Debian's packages, crates.io (cargo,
# see build-openssl.sh) and the Go module proxy (the Go toolchain).
set -euo pipefail

# Toolchains installed outside apt (rustup's cargo, the Go toolchain below)
# live here; a non-login shell may not have them on PATH.
for dir in /usr/local/go/bin "$HOME/.cargo/bin"; do
    if [ -d "$dir" ]; then PATH="$dir:$PATH"; fi
done

GO_MIN=1.26     # the interop tests use crypto/hpke, new in Go 1.26
GO_VERSION=1.26.8 # what gets installed when Go is missing or older

log() { echo "install-deps: $*"; }

# --- Debian packages --------------------------------------------------------
packages=(
    meson ninja-build pkg-config make perl binutils ca-certificates
    gcc g++ clang llvm libclang-rt-14-dev   # clang: libFuzzer and its sanitizers
    libssl-dev libcjson-dev libcmocka-dev libcurl4-openssl-dev libmicrohttpd-dev
    valgrind python3
    libxml2-dev                             # examples/confai-rim2policy (optional)
    curl python3-venv                       # tests/e2e/test_proxy.py (curl; the openai
                                            # package in a build-folder virtualenv)
    fuse3 python3-fusepy                    # tests/fakes/configfs_tsm.py: the fake
                                            # configfs-tsm (FUSE, Debian's /usr/bin/python3)
    emscripten python3-pip chromium         # tests/build-wasm.sh (emcc; pip downloads the
                                            # cJSON source) and the browser tests of bindings/web
)
# cargo only fetches the OpenSSL source (build-openssl.sh); rustup's is fine.
if ! command -v cargo >/dev/null; then
    packages+=(cargo)
fi
# Any Go (Debian's 1.19 is enough) can download a newer Go toolchain from the
# module proxy; Debian's golang-1.19-go does not put itself on PATH, so it
# never shadows the toolchain installed below.
if ! command -v go >/dev/null; then
    packages+=(golang-1.19-go)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    log "Debian packages: all present"
fi

# --- Go >= GO_MIN -------------------------------------------------------------
# Go's toolchains are published on the Go module proxy as the module
# golang.org/toolchain (that is what GOTOOLCHAIN=goX.Y.Z switching downloads).
# `go mod download` of that module works with any Go >= 1.17, so an old Go
# fetches the new one; the module zip drops executable bits, which we restore.
go_version_ok() { # $1 = path of a go binary
    local v
    v=$("$1" env GOVERSION 2>/dev/null) || return 1 # e.g. go1.26.8
    v=${v#go}
    local major=${v%%.*} rest=${v#*.}
    local minor=${rest%%.*}
    local want_minor=${GO_MIN#*.}
    [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "${minor%%[!0-9]*}" -ge "$want_minor" ]; }
}

if command -v go >/dev/null && GOTOOLCHAIN=local go_version_ok "$(command -v go)"; then
    log "Go: $(GOTOOLCHAIN=local go env GOVERSION) present"
else
    bootstrap=$(command -v go || echo /usr/lib/go-1.19/bin/go)
    case "$(uname -m)" in
        x86_64) goarch=amd64 ;;
        aarch64) goarch=arm64 ;;
        *) echo "install-deps: no Go toolchain mapping for $(uname -m)" >&2; exit 1 ;;
    esac
    module="golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$goarch"
    log "Go $GO_VERSION into /usr/local/go (module $module via the Go module proxy)"
    tmp=$(mktemp -d)
    dir=$(GOTOOLCHAIN=local GOFLAGS= GOMODCACHE="$tmp/mod" GOPATH="$tmp/gopath" \
        "$bootstrap" mod download -json "$module" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
    rm -rf "$tmp/go"
    cp -r "$dir" "$tmp/go"
    chmod -R u+w "$tmp/go"
    chmod +x "$tmp/go/bin/"* "$tmp/go/pkg/tool/"*/*
    if [ -e /usr/local/go ]; then
        # An older Go was installed here by hand: keep it aside, do not delete it.
        old=$(cat /usr/local/go/VERSION 2>/dev/null | head -n 1 || echo old)
        log "moving the older /usr/local/go aside to /usr/local/$old"
        rm -rf "/usr/local/$old"
        mv /usr/local/go "/usr/local/$old"
    fi
    mv "$tmp/go" /usr/local/go
    # The module cache is read-only by design; make it removable.
    chmod -R u+w "$tmp"
    rm -rf "$tmp"
    # /usr/local/bin comes before /usr/bin on Debian's default PATH.
    mkdir -p /usr/local/bin
    for tool in go gofmt; do
        if [ ! -e "/usr/local/bin/$tool" ]; then
            ln -s "/usr/local/go/bin/$tool" "/usr/local/bin/$tool"
        fi
    done
    log "Go: $(/usr/local/go/bin/go version)"
fi

# --- Go modules and npm packages of the Go and Node bindings -----------------
# bindings/go and examples/go: modules from the Go module proxy, pinned by
# their go.sum. bindings/node: packages from the npm registry with `npm ci`
# into bindings/node/node_modules, pinned by package-lock.json, only when the
# lock file changed (the same stamp as bindings/node/run-tests.sh, which also
# does both steps itself). Node itself is not installed here: Debian 12's
# nodejs is too old for node-gyp 12; without Node >= 20.17 and npm the Node
# tests skip.
bindings_root=$(cd "$(dirname "$0")/.." && pwd)
for module in bindings/go examples/go; do
    GOTOOLCHAIN=local go -C "$bindings_root/$module" mod download
done
log "Go modules of bindings/go and examples/go: present"
if command -v node >/dev/null && command -v npm >/dev/null &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 17) ? 0 : 1)'; then
    node_dir="$bindings_root/bindings/node"
    lock_sum=$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)
    if [ "$(cat "$node_dir/node_modules/.confai-lock-sha256" 2>/dev/null || true)" != "$lock_sum" ]; then
        log "npm ci in bindings/node"
        (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
        echo "$lock_sum" >"$node_dir/node_modules/.confai-lock-sha256"
    fi
    log "npm packages of bindings/node: present"
    # The packed package's install test (bindings/node/test/package-install.sh)
    # installs its tarball and openai with npm --offline: npm's cache needs
    # their registry documents, which `npm ci` does not keep.
    (cd "$node_dir" && npm cache add --loglevel=error \
        "node-addon-api@$(node -p "require('./package-lock.json').packages['node_modules/node-addon-api'].version")" \
        "openai@$(node -p "require('./package-lock.json').packages['node_modules/openai'].version")")
    log "npm cache: node-addon-api and openai for the packed package's install"
else
    log "no Node >= 20.17 with npm: the Node binding's tests will skip"
fi

# --- pip packages of bindings/python ------------------------------------------
# The Python binding's tests and its install test install offline from a
# wheelhouse of the versions pinned in bindings/python/tests/requirements.txt,
# downloaded from PyPI for this python3 (the one meson finds) only when that
# file changed.
py_dir="$bindings_root/bindings/python"
req_sum=$(sha256sum "$py_dir/tests/requirements.txt" | cut -d' ' -f1)
if [ "$(cat "$py_dir/.wheelhouse/.confai-requirements-sha256" 2>/dev/null || true)" != "$req_sum" ]; then
    log "pip download into bindings/python/.wheelhouse"
    python3 -m pip download --quiet --disable-pip-version-check \
        -r "$py_dir/tests/requirements.txt" -d "$py_dir/.wheelhouse"
    echo "$req_sum" >"$py_dir/.wheelhouse/.confai-requirements-sha256"
fi
log "pip packages of bindings/python: present"

# --- WebAssembly build (tests/build-wasm.sh) and bindings/web -----------------
# cJSON's source for the WebAssembly build comes inside the PyPI package
# awscrt's source distribution (tests/build-wasm.sh says why); pip downloads
# it once into build/cache/downloads. bindings/web's npm packages (acorn for
# emcc's optimizer, openai, puppeteer-core to drive Debian's chromium,
# typescript) come with `npm ci`, pinned by its package-lock.json.
AWSCRT_VERSION=0.38.1
downloads="$bindings_root/build/cache/downloads"
if [ ! -f "$downloads/awscrt-$AWSCRT_VERSION.tar.gz" ]; then
    log "pip download awscrt==$AWSCRT_VERSION (source distribution: cJSON for tests/build-wasm.sh)"
    mkdir -p "$downloads"
    python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$downloads" \
        "awscrt==$AWSCRT_VERSION"
fi
log "awscrt $AWSCRT_VERSION source distribution: present"
if command -v node >/dev/null && command -v npm >/dev/null; then
    web_dir="$bindings_root/bindings/web"
    lock_sum=$(sha256sum "$web_dir/package-lock.json" | cut -d' ' -f1)
    if [ "$(cat "$web_dir/node_modules/.confai-lock-sha256" 2>/dev/null || true)" != "$lock_sum" ]; then
        log "npm ci in bindings/web"
        (cd "$web_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
        echo "$lock_sum" >"$web_dir/node_modules/.confai-lock-sha256"
    fi
    log "npm packages of bindings/web: present"
fi

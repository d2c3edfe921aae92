#!/usr/bin/env bash
# Downloads one crate from crates.io with cargo and unpacks its source.
#
# Why: the only place this machine (and CI) may download from are package
# registries, and some C sources the tests build (OpenSSL in openssl-src,
# cJSON in cjsonrs-sys) are shipped inside crates. cargo fetches the crate;
# nothing is compiled with cargo.
#
# Usage: tests/fetch-crate.sh CRATE VERSION CARGO_DIR SRC_DIR
#   CARGO_DIR keeps the cargo project and CARGO_HOME of this download (the
#   user's cargo cache stays untouched); a second call is offline.
#   SRC_DIR is emptied and receives the crate's files.
set -euo pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 CRATE VERSION CARGO_DIR SRC_DIR" >&2
    exit 2
fi
CRATE=$1
VERSION=$2
mkdir -p "$3"
CARGO_DIR=$(cd "$3" && pwd)
SRC=$4

# rustup installs cargo under ~/.cargo/bin, which a non-login shell may miss.
if [ -d "$HOME/.cargo/bin" ]; then
    PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { echo "fetch-crate.sh: cargo not found (run tests/install-deps.sh)" >&2; exit 1; }

# 1. A throwaway Cargo project whose only purpose is to make cargo download
#    the crate.
FETCH="$CARGO_DIR/fetch-$CRATE"
export CARGO_HOME="$CARGO_DIR/cargo-home"
mkdir -p "$FETCH/src"
cat >"$FETCH/Cargo.toml" <<TOML
[package]
name = "confai-fetch-$CRATE"
version = "0.0.0"
edition = "2018"
publish = false

[dependencies]
$CRATE = { version = "=$VERSION", default-features = false }
TOML
: >"$FETCH/src/lib.rs"
crate_file() {
    find "$CARGO_HOME/registry/cache" -name "$CRATE-$VERSION.crate" -o -name "$CRATE-$VERSION+*.crate" 2>/dev/null | head -n 1
}
if [ -z "$(crate_file)" ]; then
    # crates.io is reached through its sparse index (the git index lives on a
    # host this machine cannot reach). That is the default from cargo 1.68
    # on; Debian 12's cargo (1.65) has it as an unstable flag, which
    # RUSTC_BOOTSTRAP unlocks.
    cargo_minor=$(cargo --version | sed -E 's/^cargo 1\.([0-9]+).*/\1/')
    fetch=(cargo fetch --quiet)
    if [ "$cargo_minor" -lt 68 ]; then
        fetch=(env RUSTC_BOOTSTRAP=1 cargo -Z sparse-registry fetch --quiet)
    fi
    echo "==> cargo fetch $CRATE =$VERSION"
    (cd "$FETCH" && "${fetch[@]}")
fi

# 2. Unpack the downloaded .crate (a gzipped tar) ourselves rather than
#    relying on where cargo extracts registry sources.
crate=$(crate_file)
[ -n "$crate" ] || { echo "fetch-crate.sh: $CRATE-$VERSION.crate not found after cargo fetch" >&2; exit 1; }
rm -rf "$SRC"
mkdir -p "$SRC"
tar -xzf "$crate" -C "$SRC" --strip-components=1

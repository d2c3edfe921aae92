#!/usr/bin/env bash
# Builds OpenSSL 3.5 into DEST/install, from the source that the openssl-src
# crate on crates.io ships.
#
# Why this way: Debian 12 ships OpenSSL 3.0, which has no OSSL_HPKE; libconfai
# is also built and tested against 3.5. The only place this machine (and CI)
# may download from are package registries, and crates.io happens to carry
# the full OpenSSL source tree inside the openssl-src crate. cargo fetches it;
# nothing is compiled with cargo, OpenSSL's own Configure/make build it.
#
# Usage: tests/build-openssl.sh DEST
# Result: DEST/install/{include,lib} with lib/pkgconfig/libcrypto.pc.
# Re-runs are instant: a stamp file records a finished build of this version.
set -euo pipefail

CRATE_VERSION=300.5.5 # openssl-src 300.5.5 ships OpenSSL 3.5.5

if [ $# -ne 1 ]; then
    echo "usage: $0 DEST" >&2
    exit 2
fi
mkdir -p "$1"
DEST=$(cd "$1" && pwd)
PREFIX="$DEST/install"
# The stamp names the configuration too, so a changed one builds again.
CONFIG_TAG=engine-api-nistp64
STAMP="$DEST/.built-openssl-src-$CRATE_VERSION-$CONFIG_TAG"

if [ -f "$STAMP" ] && [ -f "$PREFIX/lib/pkgconfig/libcrypto.pc" ]; then
    echo "OpenSSL from openssl-src $CRATE_VERSION already built in $PREFIX"
    exit 0
fi

# rustup installs cargo under ~/.cargo/bin, which a non-login shell may miss.
if [ -d "$HOME/.cargo/bin" ]; then
    PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { echo "build-openssl.sh: cargo not found (run tests/install-deps.sh)" >&2; exit 1; }

# 1. A throwaway Cargo project whose only purpose is to make cargo download
#    the crate. CARGO_HOME inside DEST keeps the user's cargo cache untouched.
FETCH="$DEST/fetch"
export CARGO_HOME="$DEST/cargo-home"
mkdir -p "$FETCH/src"
cat >"$FETCH/Cargo.toml" <<TOML
[package]
name = "confai-openssl-fetch"
version = "0.0.0"
edition = "2018"
publish = false

[dependencies]
openssl-src = "=$CRATE_VERSION"
TOML
: >"$FETCH/src/lib.rs"
# crates.io is reached through its sparse index (the git index lives on a
# host this machine cannot reach). That is the default from cargo 1.68 on;
# Debian 12's cargo (1.65) has it as an unstable flag, which RUSTC_BOOTSTRAP
# unlocks.
cargo_minor=$(cargo --version | sed -E 's/^cargo 1\.([0-9]+).*/\1/')
fetch=(cargo fetch --quiet)
if [ "$cargo_minor" -lt 68 ]; then
    fetch=(env RUSTC_BOOTSTRAP=1 cargo -Z sparse-registry fetch --quiet)
fi
echo "==> cargo fetch openssl-src =$CRATE_VERSION"
(cd "$FETCH" && "${fetch[@]}")

# 2. Unpack the downloaded .crate (a gzipped tar) ourselves rather than
#    relying on where cargo extracts registry sources.
crate=$(find "$CARGO_HOME/registry/cache" -name "openssl-src-$CRATE_VERSION*.crate" | head -n 1)
[ -n "$crate" ] || { echo "build-openssl.sh: openssl-src-$CRATE_VERSION.crate not found after cargo fetch" >&2; exit 1; }
SRC="$DEST/src"
rm -rf "$SRC"
mkdir -p "$SRC"
tar -xzf "$crate" -C "$SRC" --strip-components=1
OSSL_SRC="$SRC/openssl"
[ -x "$OSSL_SRC/Configure" ] || [ -f "$OSSL_SRC/Configure" ] || { echo "build-openssl.sh: no openssl/Configure in $crate" >&2; exit 1; }

# 3. The crate leaves out util/mkdef.pl (openssl-src itself only builds static
#    libraries), but a shared build needs it to write the linker version
#    scripts libcrypto.ld and libssl.ld. Supply a small stand-in built on the
#    OpenSSL::Ordinals module the crate does ship, so the libraries carry
#    OpenSSL's real symbol versions (OPENSSL_3.0.0 ... OPENSSL_3.5.0).
if [ ! -f "$OSSL_SRC/util/mkdef.pl" ]; then
    cat >"$OSSL_SRC/util/mkdef.pl" <<'PERL'
#! /usr/bin/env perl
# Stand-in for OpenSSL's util/mkdef.pl, which the openssl-src crate does not
# ship (the crate only ever builds static libraries). Written for
# libconfai's tests/build-openssl.sh. It does the one job a shared build on
# Linux needs: turn an ordinals file (util/libcrypto.num, util/libssl.num)
# into a GNU ld version script with OpenSSL's symbol versions
# (OPENSSL_3.0.0, OPENSSL_3.2.0, ...). Symbols that a configuration leaves
# out are listed anyway; GNU ld ignores names a version script mentions but
# the library does not define.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/perl";
use Getopt::Long;
use OpenSSL::Ordinals;

my ($ordinals, $name, $version, $type, $os) = ('', '', '', 'lib', '');
GetOptions('ordinals=s' => \$ordinals, 'name=s' => \$name,
           'version=s' => \$version, 'type=s' => \$type, 'OS=s' => \$os)
    or die "mkdef.pl: bad arguments\n";
die "mkdef.pl (stand-in): only --OS linux is supported, not '$os'\n"
    unless $os =~ /^linux/;
die "mkdef.pl (stand-in): --ordinals is required\n" unless $ordinals;

my $ord = OpenSSL::Ordinals->new(from => $ordinals);
my @items = $ord->items(sort => OpenSSL::Ordinals::by_version(),
                        filter => sub { $_[0]->exists() });

# One node per version, each inheriting from the one before.
my ($current, $previous) = ('', '');
for my $item (@items) {
    (my $v = $item->version()) =~ s/_/./g;
    if ($v ne $current) {
        print "}$previous;\n" if $current;
        $previous = $current ? " OPENSSL_$current" : '';
        $current = $v;
        print "OPENSSL_$v {\n    global:\n";
    }
    print "        ", $item->name(), ";\n";
}
print "    local: *;\n}$previous;\n";
PERL
fi

# 4. Configure and build only the libraries and headers. Left out: tests,
#    docs, the openssl CLI, the legacy provider and loadable modules. The
#    ENGINE API stays: the tests load this libcrypto in place of Debian's,
#    and Debian's libcurl and libssh2 (the client layer's transport) call it.
#    Kept (libconfai uses them): EC, X25519/X448, HKDF, AES-GCM,
#    ChaCha20-Poly1305, RSA-PSS, HPKE.
#    enable-ec_nistp_64_gcc_128 as Debian builds it: the 64-bit NIST curve
#    code, which gives OpenSSL >= 3.2 its fast P-384 (SEV-SNP signatures).
rm -rf "$PREFIX" # nothing left from an earlier configuration
echo "==> building OpenSSL in $OSSL_SRC (prefix $PREFIX)"
cd "$OSSL_SRC"
./Configure --prefix="$PREFIX" --libdir=lib \
    no-tests no-docs no-apps shared no-legacy no-module \
    enable-ec_nistp_64_gcc_128 >"$DEST/configure.log"
# Full logs stay in DEST; on failure show their end (compiler lines are long).
make -j"$(nproc)" build_libs >"$DEST/build.log" 2>&1 || { tail -c 3000 "$DEST/build.log" >&2; exit 1; }
make install_dev >"$DEST/install.log" 2>&1 || { tail -c 3000 "$DEST/install.log" >&2; exit 1; }

touch "$STAMP"
echo "==> OpenSSL $(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --modversion libcrypto) installed in $PREFIX"

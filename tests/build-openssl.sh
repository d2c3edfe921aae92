#!/usr/bin/env bash
# Builds OpenSSL 3.5 into DEST/install, from the source that the openssl-src
# crate on crates.io ships.
#
# Why this way: Debian 12 ships OpenSSL 3.0, which has no OSSL_HPKE; libconfai
# is also built and tested against 3.5. The only place this machine (and CI)
# may download from are package registries, and crates.io happens to carry
# the full OpenSSL source tree inside the openssl-src crate. cargo fetches it
# (tests/fetch-crate.sh, shared with tests/build-wasm.sh); nothing is
# compiled with cargo, OpenSSL's own Configure/make build it.
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

# 1. and 2. Download the crate with cargo and unpack it into DEST/src
#    (tests/fetch-crate.sh; its cargo cache stays in DEST).
SRC="$DEST/src"
bash "$(dirname "$0")/fetch-crate.sh" openssl-src "$CRATE_VERSION" "$DEST" "$SRC"
OSSL_SRC="$SRC/openssl"
[ -f "$OSSL_SRC/Configure" ] || { echo "build-openssl.sh: no openssl/Configure in openssl-src $CRATE_VERSION" >&2; exit 1; }

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

#!/usr/bin/env bash
# `meson install` into a scratch DESTDIR, then what a user of the installed
# tree relies on: the library, the headers (each compiling alone through
# pkg-config), the programs, and their man pages rendering with man(1).
#   check-install.sh BUILD_DIR CLIENT(true|false) GATEWAY(true|false) CC SANITIZE
# CC and SANITIZE (meson's b_sanitize, "none" or e.g. "address,undefined")
# are the build's: a program using a sanitized library is built the same way.
set -euo pipefail
build=$(cd "$1" && pwd)
client=$2
gateway=$3
compiler=${4:-cc}
sanitize=${5:-none}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >/dev/null
prefix=$(meson introspect "$build" --buildoptions |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
root="$dest$prefix"
fail() { echo "FAIL: $*"; exit 1; }

lib=$(find "$root" -name 'libconfai.so.0' | head -n 1)
[ -n "$lib" ] || fail "libconfai.so.0 not installed"
pc=$(find "$root" -name confai.pc | head -n 1)
[ -n "$pc" ] || fail "confai.pc not installed"
for h in confai.h common.h hpke.h bhttp.h ohttp.h attest.h server.h sim.h version.h; do
    [ -f "$root/include/confai/$h" ] || fail "include/confai/$h not installed"
done
if [ "$client" = true ]; then
    [ -f "$root/include/confai/client.h" ] || fail "include/confai/client.h not installed"
    grep -q 'confai/client.h' "$root/include/confai/confai.h" || fail "umbrella lacks client.h"
else
    [ ! -e "$root/include/confai/client.h" ] || fail "client.h installed without the client layer"
fi

# A program compiles and links against the installed tree alone.
cat >"$dest/use.c" <<'C'
#include <confai/confai.h>
#include <stdio.h>
int main(void) { puts(confai_version()); return 0; }
C
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --define-variable=prefix="$root" --cflags --libs confai)
if [ "$sanitize" != none ]; then
    flags="$flags -fsanitize=$sanitize"
fi
# shellcheck disable=SC2086
"$compiler" -o "$dest/use" "$dest/use.c" $flags
LD_LIBRARY_PATH=$(dirname "$lib") "$dest/use" | grep -qx '[0-9]*\.[0-9]*\.[0-9]*' ||
    fail "a program built against the installed tree does not run"

pages=()
if [ "$client" = true ]; then
    [ -x "$root/bin/confai" ] || fail "bin/confai not installed"
    [ -x "$root/bin/confai-proxy" ] || fail "bin/confai-proxy not installed"
    pages+=("man1/confai.1" "man1/confai-proxy.1")
fi
if [ "$gateway" = true ]; then
    [ -x "$root/sbin/confai-gateway" ] || fail "sbin/confai-gateway not installed"
    pages+=("man8/confai-gateway.8")
fi
for p in "${pages[@]}"; do
    f="$root/share/man/$p"
    [ -f "$f" ] || fail "share/man/$p not installed"
    # man -l renders the installed page; groff's warnings count as failures
    out=$(MANPAGER=cat MANWIDTH=80 man -l "$f" 2>&1 >/dev/null) || fail "man -l $p"
    [ -z "$out" ] || fail "man -l $p: $out"
done
# `man confai` finds the page through MANPATH, as after a real install
if [ "$client" = true ]; then
    MANPATH="$root/share/man" MANPAGER=cat man confai 2>/dev/null | grep -q 'SYNOPSIS' ||
        fail "man confai does not find the installed page"
fi
echo "ok: installed tree under $prefix (${#pages[@]} man pages)"

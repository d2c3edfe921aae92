#!/bin/sh
# Builds the go-tdx-guest benchmark program. google/go-tdx-guest and its
# dependencies come through the Go module proxy (go.mod and go.sum pin them)
# into the meson build directory, never into the source tree.
#
# It never fails the build: when Go, the proxy or the build fails, it writes
# in place of the program a stand-in that prints "UNAVAILABLE <why>", and
# bench_tdx then says why and runs without the Go comparison.
#
#   build.sh GO SOURCE_DIR OUTPUT WORK_DIR
go=$1
src=$2
out=$3
work=$4
# go build -C changes directory first: make the output path absolute
case $out in
/*) ;;
*) out=$(pwd)/$out ;;
esac

GOTOOLCHAIN=local
GOFLAGS='-mod=readonly -modcacherw'
GOCACHE=$work/go-cache
GOMODCACHE=$work/go-mod
GOPATH=$work/go-path
export GOTOOLCHAIN GOFLAGS GOCACHE GOMODCACHE GOPATH

if log=$("$go" build -C "$src" -o "$out" . 2>&1); then
    exit 0
fi
reason=$(printf '%s' "$log" | tail -n 3 | tr '\n' ' ' | tr -cd '[:alnum:][:space:]._:/@=()-')
printf '#!/bin/sh\necho "UNAVAILABLE go-tdx-guest could not be built: %s"\nexit 3\n' \
    "$reason" > "$out"
chmod +x "$out"
echo "go-tdx-guest benchmark not built: $reason" >&2
exit 0

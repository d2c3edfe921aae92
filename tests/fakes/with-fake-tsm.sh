#!/usr/bin/env bash
# Runs a command with the fake configfs-tsm (configfs_tsm.py) mounted:
#
#   with-fake-tsm.sh MOUNTPOINT [fake options] -- COMMAND [ARGS...]
#
# Mounts the fake at MOUNTPOINT (made if missing) in the background, waits
# until it is mounted, runs COMMAND with CONFAI_TSM_ROOT=MOUNTPOINT in its
# environment, always unmounts, and exits with COMMAND's status.
#
# The fake options are configfs_tsm.py's (--provider, --race, --busy, ...).
# --signer and --state default to $CONFAI_TSM_SIGNER and a fresh folder;
# with --control FILE the command finds FILE in CONFAI_TSM_CONTROL.
#
# Without FUSE (/dev/fuse, fusermount3, Debian's python3-fusepy) or when the
# mount fails it exits 77, meson's "skipped", with the reason; but where the
# test environment is complete (CONFAI_REQUIRE_VECTORS set) nothing may
# skip, and it fails with exit 1 instead.
set -u

here=$(cd "$(dirname "$0")" && pwd)
python=${CONFAI_FAKE_PYTHON:-/usr/bin/python3}

if [ $# -lt 3 ]; then
    echo "usage: with-fake-tsm.sh MOUNTPOINT [fake options] -- COMMAND [ARGS...]" >&2
    exit 2
fi
mnt=$1
shift
fake_args=()
signer=${CONFAI_TSM_SIGNER:-}
state=
control=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case $1 in
        --signer) signer=$2; shift 2 ;;
        --state) state=$2; shift 2 ;;
        --control) control=$2; fake_args+=("$1" "$2"); shift 2 ;;
        *) fake_args+=("$1"); shift ;;
    esac
done
if [ $# -lt 2 ] || [ "$1" != "--" ]; then
    echo "with-fake-tsm.sh: no '-- COMMAND' given" >&2
    exit 2
fi
shift

cannot() { # the environment lacks FUSE: skip, or fail where nothing may skip
    if [ -n "${CONFAI_REQUIRE_VECTORS:-}" ]; then
        echo "with-fake-tsm.sh: FAIL: $1 (the test environment is complete here:" \
            "install fuse3 and python3-fusepy, and give the container /dev/fuse)" >&2
        exit 1
    fi
    echo "with-fake-tsm.sh: SKIP: $1 (install fuse3 and python3-fusepy, and give" \
        "the container /dev/fuse)" >&2
    exit 77
}

[ -c /dev/fuse ] || cannot "no /dev/fuse"
[ -x "$python" ] || cannot "no $python"
"$python" -c 'import fusepy' 2>/dev/null || cannot "$python cannot import fusepy (python3-fusepy)"
[ -n "$signer" ] && [ -x "$signer" ] || {
    echo "with-fake-tsm.sh: no signer: set CONFAI_TSM_SIGNER or pass --signer" >&2
    exit 2
}

# a fake left mounted by an earlier run that was killed
if grep -qs " $(realpath -m "$mnt") fuse" /proc/mounts; then
    fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
fi
mkdir -p "$mnt" || exit 1
scratch=$(mktemp -d)
[ -n "$state" ] || state=$scratch/state
log=$scratch/fake.log

"$python" "$here/configfs_tsm.py" --signer "$signer" --state "$state" \
    "${fake_args[@]}" "$mnt" >"$log" 2>&1 &
fake_pid=$!

unmount() {
    if grep -qs " $(realpath "$mnt") fuse" /proc/mounts; then
        fusermount3 -u "$mnt" 2>/dev/null || umount "$mnt" 2>/dev/null ||
            umount -l "$mnt" 2>/dev/null
    fi
    if kill -0 "$fake_pid" 2>/dev/null; then
        for _ in $(seq 50); do kill -0 "$fake_pid" 2>/dev/null || break; sleep 0.1; done
        kill "$fake_pid" 2>/dev/null
    fi
    wait "$fake_pid" 2>/dev/null
    rm -rf "$scratch"
}
trap unmount EXIT
trap 'exit 130' INT TERM

mounted=0
for _ in $(seq 100); do
    if grep -qs " $(realpath "$mnt") fuse" /proc/mounts; then
        mounted=1
        break
    fi
    kill -0 "$fake_pid" 2>/dev/null || break
    sleep 0.1
done
if [ $mounted -ne 1 ]; then
    reason="the fake configfs-tsm did not mount at $mnt: $(tail -n 3 "$log" | tr '\n' ' ')"
    unmount
    trap - EXIT
    cannot "$reason"
fi

CONFAI_TSM_ROOT=$mnt CONFAI_TSM_CONTROL=$control "$@"
status=$?
if [ -s "$log" ]; then
    sed 's/^/configfs_tsm: /' "$log" >&2
fi
exit $status

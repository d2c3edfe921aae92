#!/bin/bash
# Runs a command with the fake KDS/PCS (fake_kds_pcs.py) listening on
# loopback: starts it, exports its URL as CONFAI_FAKE_KDS_PCS_URL, runs the
# command, stops the server and exits with the command's status.
#   with-fake-kds-pcs.sh COMMAND [ARGS...]
# $PYTHON picks the interpreter (default python3); $CONFAI_VECTORS the vectors.
set -u
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/fake-kds-pcs.XXXXXX") || exit 1

"$python" "$here/fake_kds_pcs.py" --port-file "$work/port" --log "$work/requests.log" \
    >"$work/server.out" 2>&1 &
server=$!
stop() {
    kill "$server" 2>/dev/null
    wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap stop EXIT

for _ in $(seq 1 200); do
    [ -s "$work/port" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
done
if [ ! -s "$work/port" ]; then
    echo "with-fake-kds-pcs.sh: the fake server did not start:" >&2
    cat "$work/server.out" >&2
    exit 1
fi
export CONFAI_FAKE_KDS_PCS_URL="http://127.0.0.1:$(cat "$work/port")"
"$@"
exit $?

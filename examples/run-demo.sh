#!/usr/bin/env bash
# The README's main job: install what is needed, build libconfai against the
# system OpenSSL, start the reference gateway (examples/confai-gateway) on
# loopback with a simulated SEV-SNP platform, then use the confai CLI to
# verify the gateway's evidence (printing the verified claims) and to ask the
# built-in demo model a question over a sealed, streamed channel. The gateway
# is stopped at the end, also when a step fails.
#
# The simulated platform's keys and the policy that trusts them stay in
# build/demo-state, so later runs reuse them (the first run creates RSA-4096
# keys, which takes a few seconds).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=build/system
STATE=build/demo-state
POLICY=$STATE/policy.json
PROMPT=${1:-"In one sentence: why should a prompt be sealed to an attested key?"}

bash tests/install-deps.sh

# Same build folder as the first step of tests/run-all.sh, so either command
# reuses what the other built.
if [ ! -f "$BUILD/build.ninja" ]; then
    echo "==> meson setup $BUILD"
    rm -rf "$BUILD" # what a failed setup may have left
    mkdir -p build
    CC=gcc CXX=g++ meson setup "$BUILD" >build/demo-setup.log 2>&1 ||
        { cat build/demo-setup.log; exit 1; }
fi
# ninja rather than meson compile: ninja first brings the build folder up to
# date with changed meson.build files, so targets added since it was set up
# are found.
echo "==> ninja -C $BUILD examples/confai-gateway examples/confai/confai"
ninja -C "$BUILD" examples/confai-gateway examples/confai/confai \
    >build/demo-compile.log 2>&1 ||
    { tail -n 40 build/demo-compile.log; exit 1; }

GATEWAY_OUT=build/demo-gateway.out
GATEWAY_LOG=build/demo-gateway.log
GATEWAY_PID=
stop_gateway() {
    if [ -n "$GATEWAY_PID" ] && kill -0 "$GATEWAY_PID" 2>/dev/null; then
        kill -TERM "$GATEWAY_PID" 2>/dev/null || true
        wait "$GATEWAY_PID" 2>/dev/null || true
    fi
    GATEWAY_PID=
}
trap stop_gateway EXIT INT TERM

echo "==> confai-gateway --listen 127.0.0.1:0 --sim-snp --state $STATE --policy-out $POLICY"
mkdir -p "$STATE"
: >"$GATEWAY_OUT"
"$BUILD/examples/confai-gateway" --listen 127.0.0.1:0 --sim-snp --state "$STATE" \
    --policy-out "$POLICY" >"$GATEWAY_OUT" 2>"$GATEWAY_LOG" &
GATEWAY_PID=$!

# The gateway prints one line, "listening on http://127.0.0.1:<port>", once
# it accepts connections. The first run makes three RSA-4096 keys first,
# which can take a minute on a busy machine.
URL=
for _ in $(seq 1 3000); do
    line=$(head -n 1 "$GATEWAY_OUT" 2>/dev/null || true)
    case "$line" in
    "listening on "*) URL=${line#listening on }; break ;;
    esac
    if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
        echo "confai-gateway did not start:" >&2
        cat "$GATEWAY_LOG" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$URL" ]; then
    echo "confai-gateway did not say where it listens within 300 s:" >&2
    cat "$GATEWAY_LOG" >&2
    exit 1
fi
echo "    gateway at $URL (log: $GATEWAY_LOG)"

echo
echo "==> confai attest --url $URL --policy $POLICY"
"$BUILD/examples/confai/confai" attest --url "$URL" --policy "$POLICY"

echo
echo "==> confai chat --url $URL --policy $POLICY \"$PROMPT\""
"$BUILD/examples/confai/confai" chat --url "$URL" --policy "$POLICY" "$PROMPT"
echo

stop_gateway
echo "==> gateway stopped; what it logged:"
cat "$GATEWAY_LOG"

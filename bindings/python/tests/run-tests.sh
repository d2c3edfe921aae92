#!/usr/bin/env bash
# Runs the Python binding's tests against a build of libconfai.
#
#   run-tests.sh <build folder> [pytest arguments]
#   run-tests.sh <build folder> rss-loop [rss_loop.py arguments]
#
# The tests run in a virtualenv under the build folder with pytest, httpx,
# openai, setuptools and wheel from PyPI. It is made once and reused: a re-run
# installs nothing and needs no network. CONFAI_LIBRARY defaults to the build's libconfai;
# CONFAI_GATEWAY (set by meson) names the reference gateway.
set -euo pipefail

build=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
venv="$build/bindings-python-venv"
requirements="pytest httpx openai setuptools wheel"
stamp="$venv/.confai-requirements"

# One venv per build folder, made under a lock: meson may start the test and
# the benchmark at once.
exec 9>"$build/.bindings-python-venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$requirements" ]; then
    echo "run-tests: making $venv ($requirements from PyPI)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $requirements
    echo "$requirements" > "$stamp"
fi
flock -u 9

export CONFAI_LIBRARY=${CONFAI_LIBRARY:-$build/src/libconfai.so.0}
export PYTHONPATH="$here/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
cd "$here"
if [ "${1:-}" = rss-loop ]; then
    shift
    exec "$venv/bin/python" tests/rss_loop.py "$@"
fi
exec "$venv/bin/python" -m pytest -p no:cacheprovider tests "$@"

#!/usr/bin/env bash
# Runs the Python binding's tests against a build of libconfai.
#
#   run-tests.sh <build folder> [pytest arguments]
#   run-tests.sh <build folder> rss-loop [rss_loop.py arguments]
#
# The tests run in a virtualenv under the build folder with the packages
# pinned in tests/requirements.txt, installed offline from the wheelhouse
# that tests/install-deps.sh downloads (bindings/python/.wheelhouse); it is
# made once and remade only when requirements.txt changes. CONFAI_LIBRARY
# defaults to the build's libconfai; CONFAI_GATEWAY (set by meson) names the
# reference gateway.
set -euo pipefail

build=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
venv="$build/bindings-python-venv"
requirements="$here/tests/requirements.txt"
wheelhouse=${CONFAI_WHEELHOUSE:-$here/.wheelhouse}
stamp="$venv/.confai-requirements"
want=$(sha256sum "$requirements" | cut -d' ' -f1)

# One venv per build folder, made under a lock: meson may start the test and
# the benchmark at once.
exec 9>"$build/.bindings-python-venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    if [ ! -d "$wheelhouse" ]; then
        echo "run-tests: no wheelhouse at $wheelhouse: run tests/install-deps.sh" >&2
        exit 1
    fi
    echo "run-tests: making $venv from $wheelhouse"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
        --find-links "$wheelhouse" -r "$requirements"
    echo "$want" > "$stamp"
fi
flock -u 9

export CONFAI_LIBRARY=${CONFAI_LIBRARY:-$build/src/libconfai.so.0}
export CONFAI_BUILD_DIR=$build
export CONFAI_WHEELHOUSE=$wheelhouse
export PYTHONPATH="$here/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
cd "$here"
if [ "${1:-}" = rss-loop ]; then
    shift
    exec "$venv/bin/python" tests/rss_loop.py "$@"
fi
exec "$venv/bin/python" -m pytest -p no:cacheprovider tests "$@"

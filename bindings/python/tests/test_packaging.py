"""The package as a user installs it: a wheel that carries libconfai, in a
fresh virtualenv outside the tree, used with no environment variable."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1]

# the wheel build compiles the library in the tests' own build folder (no
# second compile); pip installs offline from the tests' wheelhouse
BUILD_DIR = os.environ.get("CONFAI_BUILD_DIR")
WHEELHOUSE = os.environ.get("CONFAI_WHEELHOUSE")
pytestmark = pytest.mark.skipif(
    not BUILD_DIR or not WHEELHOUSE, reason="needs CONFAI_BUILD_DIR and CONFAI_WHEELHOUSE (run-tests.sh sets them)"
)

USER_PROGRAM = textwrap.dedent('''
    import asyncio, sys
    import confai, httpx2, openai
    from confai.httpx2 import AsyncConfaiTransport, ConfaiTransport

    url, policy = sys.argv[1], sys.argv[2]
    messages = [{"role": "user", "content": "Hello"}]
    print("library", confai.library_path)
    with confai.Client(url, confai.Policy.from_file(policy)) as client:
        ai = openai.OpenAI(base_url=confai.BASE_URL, api_key="unused",
                           http_client=httpx2.Client(transport=ConfaiTransport(client)))
        print("sync", ai.chat.completions.create(model="confai-demo", messages=messages).choices[0].message.content)

        async def streamed():
            aai = openai.AsyncOpenAI(base_url=confai.BASE_URL, api_key="unused",
                                     http_client=httpx2.AsyncClient(transport=AsyncConfaiTransport(client)))
            text = ""
            async for chunk in await aai.chat.completions.create(model="confai-demo", messages=messages, stream=True):
                if chunk.choices:
                    text += chunk.choices[0].delta.content or ""
            return text

        print("async", asyncio.run(streamed()))
''')


def clean_env():
    # nothing that would point Python or the package at the tree
    return {k: v for k, v in os.environ.items() if not k.startswith(("CONFAI_", "PYTHON", "VIRTUAL_ENV"))}


def pip(venv: Path, *args, cwd):
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
                   check=True, cwd=cwd, env=clean_env())


def test_wheel_carries_the_library(tmp_path):
    out = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", "wheel", "--no-deps",
         "--no-index", "--find-links", WHEELHOUSE, "-C", f"builddir={BUILD_DIR}", "-w", str(out), str(PACKAGE)],
        check=True, cwd=tmp_path, env=clean_env(),
    )
    [wheel] = out.glob("*.whl")
    assert wheel.name.startswith("confai-0.1.0-py3-none-linux_")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert {"confai/libconfai.so.0", "confai/py.typed", "confai/httpx.py", "confai/httpx2.py"} <= names
        assert z.read("confai/libconfai.so.0") == (Path(BUILD_DIR) / "src" / "libconfai.so.0").read_bytes()
        metadata = z.read("confai-0.1.0.dist-info/METADATA").decode()
        assert "Requires-Dist: anyio>=4\n" in metadata
        assert 'Requires-Dist: httpx2>=2.12 ; extra == "httpx2"\n' in metadata
        record = z.read("confai-0.1.0.dist-info/RECORD").decode()
        assert "confai/libconfai.so.0,sha256=" in record


def test_fresh_virtualenv(tmp_path, gateway):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=clean_env())
    pip(venv, "install", "--no-index", "--find-links", WHEELHOUSE, "-C", f"builddir={BUILD_DIR}",
        str(PACKAGE), "openai", cwd=tmp_path)
    program = tmp_path / "program.py"
    program.write_text(USER_PROGRAM)
    done = subprocess.run([str(venv / "bin" / "python"), str(program), gateway.url, gateway.policy_path],
                          capture_output=True, text=True, cwd=tmp_path, env=clean_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines["library"].startswith(str(venv)) and lines["library"].endswith("confai/libconfai.so.0")
    assert lines["sync"] and lines["async"]


def test_missing_library_is_a_clear_import_error(tmp_path):
    env = dict(clean_env(), CONFAI_LIBRARY=str(tmp_path / "nowhere.so"), PYTHONPATH=str(PACKAGE / "src"))
    done = subprocess.run([sys.executable, "-c", "import confai"], capture_output=True, text=True, env=env)
    assert done.returncode != 0
    assert "libconfai.so.0 not found" in done.stderr and "nowhere.so (missing)" in done.stderr

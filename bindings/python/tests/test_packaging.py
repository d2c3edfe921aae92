"""`pip install ./bindings/python` gives an importable package."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    importlib.util.find_spec("setuptools") is None or importlib.util.find_spec("wheel") is None,
    reason="needs setuptools and wheel in this Python (run-tests.sh's virtualenv has them)",
)
def test_pip_install(tmp_path):
    # no build isolation: the build backend comes from this environment, so
    # the test needs no network
    # from a copy: an in-tree build would leave build/ and *.egg-info behind
    source = tmp_path / "src"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "--target", str(target), str(source)],
        check=True,
        cwd=tmp_path,
    )
    assert (target / "confai" / "httpx.py").is_file()
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run(
        [sys.executable, "-c", "import confai, confai.httpx; print(confai.__file__, confai.library_version())"],
        check=True, capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert str(target) in out.stdout

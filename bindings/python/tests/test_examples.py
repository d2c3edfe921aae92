"""examples/python run as a user runs them, against the gateway."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

import confai


@pytest.mark.parametrize("example", ["chat.py", "chat_async.py"])
def test_example(gateway, example):
    done = subprocess.run(
        [sys.executable, str(REPO / "examples" / "python" / example), gateway.url, gateway.policy_path, "Hello"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with confai.Client(gateway.url, gateway.policy()) as client:
        expected = "".join(client.chat({"model": "confai-demo", "messages": [{"role": "user", "content": "Hello"}]}))
    assert done.stdout == expected + "\n"

"""Shared fixtures: the repository paths and the reference gateway on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def gateway_binary():
    """The confai-gateway executable, or None when this build has none.

    CONFAI_GATEWAY names it (the meson test sets it, and then it must exist);
    otherwise it is looked for next to the library being tested.
    """
    env = os.environ.get("CONFAI_GATEWAY")
    if env:
        if not os.access(env, os.X_OK):
            pytest.fail(f"CONFAI_GATEWAY={env} is not an executable: build examples/confai-gateway")
        return env
    import confai

    build = Path(confai.library_path).resolve().parent.parent
    for cand in (
        build / "examples" / "confai-gateway" / "confai-gateway",
        build / "examples" / "confai-gateway",
    ):
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return None


class Gateway:
    """confai-gateway --sim-snp on 127.0.0.1, a free port, a state folder of its own."""

    def __init__(self, *extra, state_from=None):
        binary = gateway_binary()
        if binary is None:
            pytest.skip("no confai-gateway in this build (set CONFAI_GATEWAY)")
        self.state = tempfile.mkdtemp(prefix="confai-gw-")
        if state_from is not None:
            # the same platform and OHTTP keys: no new RSA-4096 keys to wait for
            for name in os.listdir(state_from):
                if name != "policy.json":
                    shutil.copy2(os.path.join(state_from, name), self.state)
        self.policy_path = os.path.join(self.state, "policy.json")
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--sim-snp", "--state", self.state,
             "--policy-out", self.policy_path, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        prefix = "listening on "
        if not line.startswith(prefix):
            self.close()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            pytest.fail(f"confai-gateway did not start: {line!r} {err}")
        self.url = line[len(prefix):]

    def policy(self):
        import confai

        return confai.Policy.from_file(self.policy_path)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()
        shutil.rmtree(self.state, ignore_errors=True)


@pytest.fixture(scope="session")
def gateway():
    g = Gateway()
    yield g
    g.close()


@pytest.fixture
def make_gateway(gateway):
    """More gateways: with the session gateway's keys, or fresh=True for a
    platform of their own (another simulated root)."""
    made = []

    def make(*extra, fresh=False):
        g = Gateway(*extra, state_from=None if fresh else gateway.state)
        made.append(g)
        return g

    yield make
    for g in made:
        g.close()

"""The Client against confai-gateway on loopback (simulated SEV-SNP)."""

from __future__ import annotations

import json
import socket

import pytest

import confai

CHAT = {"model": "confai-demo", "messages": [{"role": "user", "content": "Hello"}]}
JSON = [("content-type", "application/json")]


def test_attest_and_verdict(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        v = client.attest()
        assert v.platform == "sev-snp"
        assert v.root_kind == "custom"
        assert json.loads(v.json())["result"] == "accepted"
        again = client.verdict()
        assert again.key_config_digest == v.key_config_digest


def test_fetch_non_streamed(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        r = client.fetch("POST", "/v1/chat/completions", headers=JSON, body=json.dumps(CHAT).encode())
        assert r.status == 200
        doc = r.json()
        assert doc["choices"][0]["message"]["content"]


def test_stream_iterates_authenticated_bytes(gateway):
    body = json.dumps({**CHAT, "stream": True}).encode()
    with confai.Client(gateway.url, gateway.policy()) as client:
        with client.stream("POST", "/v1/chat/completions", headers=JSON, body=body) as s:
            assert s.status == 200
            assert "text/event-stream" in (s.header("content-type") or "")
            data = b"".join(s)
        assert b"data: [DONE]" in data
        with pytest.raises(confai.ArgumentError):
            s.read()


def test_chat_yields_deltas(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        deltas = list(client.chat(CHAT))
        assert deltas and all(isinstance(d, str) for d in deltas)
        assert "".join(deltas)


def test_chat_closed_early_cancels(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        gen = client.chat(CHAT)
        first = next(gen)
        assert first
        gen.close()
        # the client stays usable
        assert "".join(client.chat(CHAT))


@pytest.mark.parametrize("tamper", ["flip-byte", "truncate", "drop-chunk", "duplicate-chunk"])
def test_tampered_stream_raises(make_gateway, tamper):
    g = make_gateway("--tamper", tamper)
    body = json.dumps({**CHAT, "stream": True}).encode()
    with confai.Client(g.url, g.policy()) as client:
        with pytest.raises(confai.ConfaiError) as info:
            with client.stream("POST", "/v1/chat/completions", headers=JSON, body=body) as s:
                for _ in s:
                    pass
        assert isinstance(info.value, (confai.CryptoError, confai.ParseError)), info.value
        with pytest.raises(confai.ConfaiError):
            for _ in client.chat(CHAT):
                pass


def test_other_policy_is_refused(gateway, make_gateway):
    other = make_gateway(fresh=True)
    # the other gateway's platform has its own simulated root
    with confai.Client(gateway.url, other.policy(), attest_retries=0) as client:
        with pytest.raises((confai.AttestationError, confai.PolicyError)):
            client.attest()
        with pytest.raises((confai.AttestationError, confai.PolicyError)):
            client.fetch("POST", "/v1/chat/completions", headers=JSON, body=json.dumps(CHAT).encode())


def test_unreachable_service_is_a_transport_error(gateway):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with confai.Client(f"http://127.0.0.1:{port}", gateway.policy(), attest_retries=0, connect_timeout=2) as client:
        with pytest.raises(confai.TransportError) as info:
            client.attest()
        assert info.value.name == "CONFAI_E_NETWORK"


def test_bad_base_url():
    from test_conformance import CASES, fixture

    c = next(c for c in CASES if c["name"] == "policy-accepting")
    with pytest.raises(confai.ArgumentError):
        confai.Client("ftp://example.invalid", confai.Policy(fixture(c, "policy")))


def test_rss_loop_small(gateway):
    import subprocess
    import sys
    from pathlib import Path

    from conftest import gateway_binary

    script = Path(__file__).with_name("rss_loop.py")
    for via in ("fetch", "httpx"):
        out = subprocess.run(
            [sys.executable, str(script), "--count", "1000", "--warmup", "200", "--via", via,
             "--gateway", gateway_binary(), "--max-growth-kib", "4096"],
            capture_output=True, text=True, timeout=600,
        )
        print(out.stdout, out.stderr)
        assert out.returncode == 0, out.stdout + out.stderr

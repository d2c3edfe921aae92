#!/usr/bin/env python3
"""The bounds on callers of confai-gateway and confai-proxy.

    test_limits.py --gateway PATH --proxy PATH

Each server runs with --max-connections 4 --read-timeout 2 (the proxy in
front of a gateway of its own, which has the default bounds) and is checked
over raw sockets on 127.0.0.1:

* with four connections waiting for their request, a fifth is answered 503
  with a JSON error and closed; once they close, a request is served;
* four connections waiting for over a second make room: a new request is
  served and the oldest waiting connection is closed;
* a client that trickles its request one byte at a time is dropped after
  --read-timeout, although every byte resets the idle timeout;
* a request whose header does not fit 32 KiB is refused.
"""
import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

MAX = 4
READ_TIMEOUT = 2


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


class Server:
    """A child that prints 'listening on http://HOST:PORT' once it serves."""

    def __init__(self, args, name):
        self.name = name
        self.err = tempfile.TemporaryFile()
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err)
        line = self.p.stdout.readline().decode()
        if not line.startswith("listening on http://"):
            self.stop()
            raise Failure("%s did not start: %s" % (name, self.stderr()))
        host, port = line.strip()[len("listening on http://"):].rsplit(":", 1)
        self.addr = (host, int(port))

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.p.stdout.close()


def connect(addr):
    s = socket.create_connection(addr, timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, limit=10.0):
    """What the server sends until it closes (or limit seconds pass)."""
    s.settimeout(limit)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
            if b"\r\n\r\n" in out and b"content-length" in out.lower():
                head, _, body = out.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        if len(body) >= int(line.split(b":", 1)[1]):
                            return out
    except (ConnectionResetError, socket.timeout):
        pass
    return out


def status_of(answer):
    line = answer.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[0].startswith(b"HTTP/") else 0


def closed_within(s, seconds):
    """True when the server closes s within seconds."""
    s.settimeout(seconds)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def holders(addr, n):
    """n connections that sent part of a request line and wait."""
    out = []
    for _ in range(n):
        s = connect(addr)
        s.sendall(b"GET /v1/models HTTP/1.1\r\nHost: x\r\n")
        out.append(s)
    time.sleep(0.2)
    return out


def check_server(name, addr, legit):
    # A fifth connection beyond four waiting ones: 503 and closed.
    held = holders(addr, MAX)
    s = connect(addr)
    s.sendall(legit)
    answer = read_all(s)
    s.close()
    check(status_of(answer) == 503, "%s: 5th connection got %r, not 503" % (name, answer[:80]))
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    check(body["error"]["code"] == "too_many_connections",
          "%s: 503 body %r" % (name, body))
    for h in held:
        h.close()
    time.sleep(0.3)
    s = connect(addr)
    s.sendall(legit)
    answer = read_all(s)
    s.close()
    check(status_of(answer) == 200, "%s: request after the others closed got %r"
          % (name, answer[:80]))
    print("ok: %s: 5th connection answered 503, then served once the others closed" % name)

    # Connections waiting for over a second make room for a new one.
    held = holders(addr, MAX)
    time.sleep(1.2)
    s = connect(addr)
    s.sendall(legit)
    answer = read_all(s)
    s.close()
    check(status_of(answer) == 200, "%s: with the slots held by idle connections got %r"
          % (name, answer[:80]))
    check(closed_within(held[0], 1.0), "%s: the oldest waiting connection stayed open" % name)
    for h in held:
        h.close()
    print("ok: %s: the oldest waiting connection made room for a request" % name)

    # A trickle of one byte every 0.25 s is dropped after --read-timeout.
    time.sleep(0.3)
    s = connect(addr)
    start = time.monotonic()
    dropped = None
    request = b"GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    for i in range(len(request)):
        try:
            s.sendall(request[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            dropped = time.monotonic() - start
            break
        if closed_within(s, 0.25):
            dropped = time.monotonic() - start
            break
        if time.monotonic() - start > READ_TIMEOUT + 5:
            break
    s.close()
    check(dropped is not None, "%s: a trickling client was never dropped" % name)
    check(READ_TIMEOUT - 0.5 <= dropped <= READ_TIMEOUT + 2,
          "%s: the trickling client was dropped after %.1f s (--read-timeout %d)"
          % (name, dropped, READ_TIMEOUT))
    print("ok: %s: trickling client dropped after %.1f s" % (name, dropped))

    # A header beyond 32 KiB is refused.
    s = connect(addr)
    try:
        s.sendall(b"GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 +
                  b"\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = read_all(s)
    s.close()
    check(status_of(answer) in (0, 413, 414, 431),
          "%s: oversized header got %r" % (name, answer[:80]))
    print("ok: %s: oversized header refused (%s)"
          % (name, status_of(answer) or "connection closed"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--proxy", required=True)
    a = ap.parse_args()
    limits = ["--max-connections", str(MAX), "--read-timeout", str(READ_TIMEOUT)]
    servers = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            policy = os.path.join(tmp, "policy.json")
            state = os.path.join(tmp, "state")  # the simulated keys, made once
            gw = Server([a.gateway, "--listen", "127.0.0.1:0", "--platform", "sim-snp",
                         "--state", state, "--policy-out", policy] + limits, "confai-gateway")
            servers.append(gw)
            nonce = base64.b64encode(os.urandom(32)).decode()
            body = json.dumps({"nonce": nonce}).encode()
            attest = (b"POST /v1/attestation HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nConnection: close\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body)) + body
            check_server("confai-gateway", gw.addr, attest)

            backend = Server([a.gateway, "--listen", "127.0.0.1:0", "--platform", "sim-snp",
                              "--state", state, "--policy-out", policy], "confai-gateway (behind the proxy)")
            servers.append(backend)
            proxy = Server([a.proxy, "--listen", "127.0.0.1:0", "--url",
                            "http://%s:%d" % backend.addr, "--policy", policy] + limits,
                           "confai-proxy")
            servers.append(proxy)
            models = b"GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            check_server("confai-proxy", proxy.addr, models)
            for srv in servers:
                check(srv.alive(), "%s exited: %s" % (srv.name, srv.stderr()))
    except Failure as e:
        print("FAIL: %s" % e)
        for srv in servers:
            sys.stderr.write("--- %s stderr ---\n%s\n" % (srv.name, srv.stderr()[-4000:]))
        return 1
    finally:
        for srv in servers:
            srv.stop()
    print("all limit checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

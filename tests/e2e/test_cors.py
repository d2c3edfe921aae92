#!/usr/bin/env python3
"""confai-gateway --cors ORIGIN: cross-origin access for browser pages.

    test_cors.py --gateway PATH

Over plain HTTP on 127.0.0.1 (the browser side runs in bindings/web's
Chromium test):

* the preflight of the allowed origin for POST is answered 204 with the
  allowed method, header and max age; another origin, or another method,
  gets 403 without CORS headers;
* answers on /v1/attestation and /v1/sealed (evidence, errors) carry
  Access-Control-Allow-Origin for the allowed origin only, and Vary: Origin;
* other routes get no CORS headers and no preflight;
* without --cors nothing changes: OPTIONS is 405, no CORS headers;
* malformed origins are refused at start.
"""
import argparse
import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile

ORIGIN = "http://127.0.0.1:8123"


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


class Gateway:
    def __init__(self, exe, state, *extra):
        self.p = subprocess.Popen(
            [exe, "--listen", "127.0.0.1:0", "--sim-snp", "--state", state, "--token-delay", "0", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.p.stdout.readline().decode()
        check(line.startswith("listening on http://"), "gateway did not start: %r" % line)
        host, port = line.strip()[len("listening on http://"):].rsplit(":", 1)
        self.addr = (host, int(port))

    def request(self, method, path, headers=None, body=None):
        c = http.client.HTTPConnection(*self.addr, timeout=30)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def stop(self):
        self.p.terminate()
        self.p.wait(20)
        self.p.stdout.close()


def attest_body():
    return json.dumps({"nonce": base64.b64encode(os.urandom(32)).decode()})


def run(exe, state):
    g = Gateway(exe, state, "--cors", ORIGIN)
    try:
        pre = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "content-type"}
        for path in ("/v1/attestation", "/v1/sealed"):
            status, h, body = g.request("OPTIONS", path, pre)
            check(status == 204, "%s preflight: %d" % (path, status))
            check(h.get("access-control-allow-origin") == ORIGIN, "%s preflight: %r" % (path, h))
            check(h.get("access-control-allow-methods") == "POST", "%s methods: %r" % (path, h))
            check(h.get("access-control-allow-headers", "").lower() == "content-type", "%s headers: %r" % (path, h))
            check(h.get("access-control-max-age") == "600", "%s max age: %r" % (path, h))
            check("origin" in h.get("vary", "").lower(), "%s vary: %r" % (path, h))
            check("access-control-allow-credentials" not in h, "%s credentials: %r" % (path, h))
            check(body == b"", "%s preflight body %r" % (path, body))
            # Another origin, a prefix of the allowed one, another method.
            for origin, method in (("http://127.0.0.1:8124", "POST"), ("http://127.0.0.1:812", "POST"),
                                   (ORIGIN + "/", "POST"), (ORIGIN, "PUT")):
                status, h, _ = g.request("OPTIONS", path, {**pre, "Origin": origin,
                                                            "Access-Control-Request-Method": method})
                check(status == 403, "%s preflight %s %s: %d" % (path, origin, method, status))
                check(h.get("access-control-allow-methods") is None, "%s %s %s: %r" % (path, origin, method, h))
                if origin != ORIGIN:
                    check("access-control-allow-origin" not in h, "%s %s: %r" % (path, origin, h))
            status, h, _ = g.request("OPTIONS", path, {"Access-Control-Request-Method": "POST"})
            check(status == 403 and "access-control-allow-origin" not in h, "%s no origin: %d %r" % (path, status, h))

        # The evidence, for the allowed origin and for another.
        status, h, body = g.request("POST", "/v1/attestation",
                                    {"Origin": ORIGIN, "Content-Type": "application/json"}, attest_body())
        check(status == 200 and h.get("content-type") == "application/confai-evidence+json", "attestation %d %r" % (status, h))
        check(h.get("access-control-allow-origin") == ORIGIN, "attestation: %r" % h)
        check("origin" in h.get("vary", "").lower(), "attestation vary: %r" % h)
        status, h, _ = g.request("POST", "/v1/attestation",
                                 {"Origin": "http://evil.example", "Content-Type": "application/json"}, attest_body())
        check(status == 200 and "access-control-allow-origin" not in h, "attestation from another origin: %r" % h)
        # An error answer of the sealed route (not a sealed message) carries them too,
        # so the page can read why.
        status, h, _ = g.request("POST", "/v1/sealed", {"Origin": ORIGIN, "Content-Type": "message/ohttp-req"}, b"\x01")
        check(status >= 400 and h.get("access-control-allow-origin") == ORIGIN, "sealed error %d %r" % (status, h))
        # Other routes: no CORS.
        status, h, _ = g.request("OPTIONS", "/v1/models", pre)
        check(status == 404 and "access-control-allow-origin" not in h, "other route: %d %r" % (status, h))
    finally:
        g.stop()

    g = Gateway(exe, state)
    try:
        status, h, _ = g.request("OPTIONS", "/v1/attestation", pre)
        check(status == 405 and "access-control-allow-origin" not in h, "without --cors: %d %r" % (status, h))
        status, h, _ = g.request("POST", "/v1/attestation", {"Origin": ORIGIN, "Content-Type": "application/json"},
                                 attest_body())
        check(status == 200 and "access-control-allow-origin" not in h and "vary" not in h,
              "without --cors: %r" % h)
    finally:
        g.stop()

    for bad in ("*", "null", "http://127.0.0.1:8123/", "ftp://x", "http://User@x", "HTTP://X", "http://"):
        p = subprocess.run([exe, "--listen", "127.0.0.1:0", "--sim-snp", "--state", state, "--cors", bad],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        check(p.returncode != 0 and b"--cors" in p.stderr, "--cors %r accepted: %r" % (bad, p.stderr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as state:
        try:
            run(args.gateway, state)
        except Failure as e:
            print("FAIL:", e)
            return 1
    print("cors: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

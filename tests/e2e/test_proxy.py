#!/usr/bin/env python3
"""End-to-end tests of confai-proxy in front of confai-gateway.

    test_proxy.py --gateway PATH --proxy PATH --build DIR

Starts the reference gateway on the simulated SEV-SNP platform, then
confai-proxy in front of it, and checks what a caller of the proxy sees:

* curl with a streamed chat request gets well-formed server-sent events
  ending in "data: [DONE]"; non-streamed chat, completions, embeddings and
  models answer as OpenAI's API does;
* the official `openai` Python package, with base_url set to the proxy, gets
  streamed and non-streamed answers (it runs in a virtualenv under the build
  folder, made once with pip, offline, from the wheelhouse that
  tests/install-deps.sh downloads for the Python binding's tests);
* a gateway that tampers with every sealed response (flip-byte, truncate,
  drop-chunk, duplicate-chunk) turns into an error for the caller: streamed
  answers break off without "data: [DONE]" and carry only text the service
  really sent; whole answers become 502 JSON errors;
* the proxy refuses to start when attestation fails, and stops cleanly on
  SIGTERM and SIGINT.
"""
import argparse
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PROMPT = "Say something about confidential computing."
# The version the Python binding's tests pin, from their wheelhouse.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHEELHOUSE = os.environ.get("CONFAI_WHEELHOUSE",
                            os.path.join(ROOT, "bindings", "python", ".wheelhouse"))


def pinned_openai():
    path = os.path.join(ROOT, "bindings", "python", "tests", "requirements.txt")
    with open(path) as f:
        for line in f:
            if line.strip().startswith("openai=="):
                return line.strip()
    raise Failure("no openai== line in %s" % path)


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


class Process:
    """A child that prints 'listening on URL' once it serves."""

    def __init__(self, args, name, timeout=180):
        self.name = name
        self.err = tempfile.TemporaryFile()
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err)
        self.url = None
        deadline = time.time() + timeout
        line = b""
        while time.time() < deadline:
            line = self.p.stdout.readline()
            if line.startswith(b"listening on "):
                self.url = line.decode().split(" ", 2)[2].strip()
                return
            if not line and self.p.poll() is not None:
                break
        self.stop()
        raise Failure("%s did not start (exit %s): %s" % (name, self.p.returncode, self.stderr()))

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                raise Failure("%s did not stop within %d s of signal %d" % (self.name, timeout, sig))
        self.p.stdout.close()
        return self.p.returncode


def chat_body(stream, model="confai-demo"):
    return json.dumps({"model": model, "stream": stream,
                       "messages": [{"role": "user", "content": PROMPT}]})


def http(url, body=None, method=None):
    req = urllib.request.Request(url, data=body.encode() if body is not None else None,
                                 method=method or ("POST" if body is not None else "GET"),
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("content-type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read()


def curl_stream(url, status_out=None):
    """curl's exit code, the body and curl's stderr; the HTTP status into status_out."""
    marker = "\n--confai-http-status:"
    p = subprocess.run(["curl", "-sS", "-N", "--max-time", "60", "-X", "POST",
                        "-H", "content-type: application/json", "--data-binary", chat_body(True),
                        "-w", marker + "%{http_code}", url + "/v1/chat/completions"],
                       capture_output=True, timeout=90)
    out = p.stdout.decode("utf-8", "replace")
    status = 0
    if marker in out:
        out, _, code = out.rpartition(marker)
        status = int(code or 0)
    if status_out is not None:
        status_out.append(status)
    return p.returncode, out, p.stderr.decode("utf-8", "replace")


def parse_sse(text):
    """Events as lists of data payloads; raises Failure on a malformed stream."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if not block:
            continue
        data = []
        for line in block.split("\n"):
            if line.startswith("data: "):
                data.append(line[6:])
            elif line.startswith(":") or line.startswith("event:") or line.startswith("id:"):
                continue
            else:
                raise Failure("not a server-sent event line: %r" % line)
        events.append("\n".join(data))
    return events


def deltas(events):
    text = ""
    for e in events:
        if e == "[DONE]":
            continue
        chunk = json.loads(e)
        if "error" in chunk:
            continue
        for choice in chunk.get("choices", []):
            text += choice.get("delta", {}).get("content") or ""
    return text


# --- the openai package ------------------------------------------------------------

def openai_python(build):
    """The venv's python with the openai package; made once per build folder."""
    venv = os.path.join(build, "e2e-proxy-venv")
    py = os.path.join(venv, "bin", "python")
    stamp = os.path.join(venv, ".confai-requirements")
    with open(os.path.join(build, ".e2e-proxy-venv.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        requirement = pinned_openai()
        if not os.path.isdir(WHEELHOUSE):
            raise Failure("no wheelhouse at %s: run tests/install-deps.sh" % WHEELHOUSE)
        try:
            with open(stamp) as f:
                ready = f.read() == requirement
        except OSError:
            ready = False
        if not ready or not os.access(py, os.X_OK):
            shutil.rmtree(venv, ignore_errors=True)
            print("# making %s (%s from %s)" % (venv, requirement, WHEELHOUSE))
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
            p = subprocess.run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                "--no-index", "--find-links", WHEELHOUSE, requirement],
                               capture_output=True, timeout=600)
            if p.returncode != 0:
                raise Failure("pip install %s failed: %s" % (requirement,
                                                            p.stderr.decode()[-2000:]))
            with open(stamp, "w") as f:
                f.write(requirement)
    return py


OPENAI_SCRIPT = r"""
import json, sys
import openai
client = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key="sealed-by-confai", max_retries=0)
mode = sys.argv[2]
prompt = sys.argv[3]
out = {}
try:
    if mode in ("whole", "both"):
        r = client.chat.completions.create(model="confai-demo",
                                           messages=[{"role": "user", "content": prompt}])
        out["whole"] = r.choices[0].message.content
        out["models"] = [m.id for m in client.models.list()]
    if mode in ("stream", "both"):
        text = ""
        for chunk in client.chat.completions.create(
                model="confai-demo", stream=True,
                messages=[{"role": "user", "content": prompt}]):
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
        out["stream"] = text
except Exception as e:
    out["error"] = type(e).__name__ + ": " + str(e)
print(json.dumps(out))
"""


def run_openai(py, url, mode):
    p = subprocess.run([py, "-c", OPENAI_SCRIPT, url, mode, PROMPT], capture_output=True,
                       timeout=120)
    if p.returncode != 0:
        raise Failure("openai script failed: %s" % p.stderr.decode()[-2000:])
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


# --- the tests ------------------------------------------------------------------------

class Suite:
    def __init__(self, args, work):
        self.a = args
        self.work = work
        self.state = os.path.join(work, "state")
        os.makedirs(self.state)
        self.policy = os.path.join(work, "policy.json")
        self.count = 0
        self.failed = []
        self.expected = None

    def gateway(self, tamper=None):
        args = [self.a.gateway, "--listen", "127.0.0.1:0", "--sim-snp", "--state", self.state,
                "--policy-out", self.policy]
        if tamper:
            args += ["--tamper", tamper]
        return Process(args, "confai-gateway" + (" --tamper " + tamper if tamper else ""))

    def proxy(self, gateway_url, policy=None):
        return Process([self.a.proxy, "--listen", "127.0.0.1:0", "--url", gateway_url,
                        "--policy", policy or self.policy], "confai-proxy", timeout=60)

    def case(self, name, fn, *args):
        self.count += 1
        try:
            fn(*args)
            print("ok %d - %s" % (self.count, name))
        except Failure as e:
            self.failed.append(name)
            print("not ok %d - %s\n  %s" % (self.count, name, str(e).replace("\n", "\n  ")))
        except Exception as e:  # a bug in the test itself counts as a failure too
            self.failed.append(name)
            print("not ok %d - %s\n  %s: %s" % (self.count, name, type(e).__name__, e))
        sys.stdout.flush()

    # -- honest gateway

    def curl_streamed(self, proxy):
        rc, out, err = curl_stream(proxy.url)
        check(rc == 0, "curl exit %d: %s" % (rc, err))
        events = parse_sse(out)
        check(len(events) >= 3, "too few events: %r" % out[:500])
        check(events[-1] == "[DONE]", "the stream does not end in data: [DONE]: %r" % out[-300:])
        check(out.endswith("data: [DONE]\n\n"), "trailing bytes after [DONE]: %r" % out[-100:])
        for e in events[:-1]:
            chunk = json.loads(e)
            check(chunk["object"] == "chat.completion.chunk", chunk)
        self.expected = deltas(events)
        check(PROMPT in self.expected, "the demo model echoes the prompt: %r" % self.expected)

    def curl_whole(self, proxy):
        status, ctype, body = http(proxy.url + "/v1/chat/completions", chat_body(False))
        check(status == 200 and "json" in ctype, (status, ctype, body[:300]))
        answer = json.loads(body)["choices"][0]["message"]["content"]
        check(answer == self.expected, "whole %r != streamed %r" % (answer, self.expected))

    def other_routes(self, proxy):
        status, _, body = http(proxy.url + "/v1/models")
        check(status == 200 and json.loads(body)["data"][0]["id"] == "confai-demo", body)
        status, _, body = http(proxy.url + "/v1/completions",
                               json.dumps({"model": "confai-demo", "prompt": PROMPT}))
        check(status == 200 and json.loads(body)["choices"], body[:300])
        status, _, body = http(proxy.url + "/v1/embeddings",
                               json.dumps({"model": "confai-demo", "input": "abc"}))
        check(status == 200 and len(json.loads(body)["data"][0]["embedding"]) > 0, body[:300])
        status, _, body = http(proxy.url + "/v1/files")
        check(status == 404 and "error" in json.loads(body), (status, body))
        status, _, body = http(proxy.url + "/v1/chat/completions", method="GET")
        check(status == 405, (status, body))

    def openai_package(self, proxy):
        py = openai_python(self.a.build)
        out = run_openai(py, proxy.url, "both")
        check("error" not in out, out)
        check(out["whole"] == self.expected, out)
        check(out["stream"] == self.expected, out)
        check(out["models"] == ["confai-demo"], out)

    def proxy_log(self, proxy):
        log = proxy.stderr()
        check("attested: platform sev-snp" in log, log)
        check("NOT an AMD root" in log, "the custom-root warning is logged: " + log)

    # -- tampering gateway

    def tampered(self, mode):
        gw = self.gateway(mode)
        try:
            px = self.proxy(gw.url)
            try:
                status = []
                rc, out, err = curl_stream(px.url, status)
                check("data: [DONE]" not in out, "a tampered stream ended cleanly: %r" % out[-300:])
                if status[0] == 502:
                    # it failed before the first byte: a JSON error, no stream at all
                    check(json.loads(out)["error"]["code"].startswith("CONFAI_E_"), out)
                else:
                    check(status[0] == 200, "HTTP %d: %r" % (status[0], out[:300]))
                    events = parse_sse(out)
                    # every event the caller got is whole and authentic
                    check(self.expected.startswith(deltas(events)),
                          "altered text reached the caller: %r" % deltas(events))
                    errors = [e for e in events if "error" in json.loads(e)]
                    check(rc != 0, "curl saw a complete transfer (exit %d): %r" % (rc, out[-200:]))
                    check(len(errors) == 1, "no error event: %r" % out[-300:])
                # a whole answer is either the authentic one or a 502 JSON error
                # (drop-chunk and duplicate-chunk only touch chunked answers)
                status, ctype, body = http(px.url + "/v1/chat/completions", chat_body(False))
                if status == 200:
                    check(mode in ("drop-chunk", "duplicate-chunk"), "%s: a whole answer passed" % mode)
                    answer = json.loads(body)["choices"][0]["message"]["content"]
                    check(answer == self.expected, "altered whole answer: %r" % answer)
                else:
                    check(status == 502 and "json" in ctype, (status, body[:300]))
                    check(json.loads(body)["error"]["code"].startswith("CONFAI_E_"), body)
                    check(self.expected.encode() not in body, "the answer leaked into the error")
                py = openai_python(self.a.build)
                out = run_openai(py, px.url, "stream")
                check("error" in out, "openai saw no error in a tampered stream: %r" % out)
                check(self.expected.startswith(out.get("stream", "")), out)
                out = run_openai(py, px.url, "whole")
                check(out.get("whole") == self.expected or "502" in out.get("error", ""),
                      "openai whole: %r" % out)
            finally:
                px.stop()
        finally:
            gw.stop()

    # -- start and stop

    def refuses_bad_attestation(self, gw):
        policy = json.load(open(self.policy))
        policy["sev_snp"]["measurements"] = ["00" * 48]
        bad = os.path.join(self.work, "wrong-measurement.json")
        with open(bad, "w") as f:
            json.dump(policy, f)
        p = subprocess.run([self.a.proxy, "--listen", "127.0.0.1:0", "--url", gw.url,
                            "--policy", bad], capture_output=True, timeout=60)
        check(p.returncode == 1, "exit %d: %s" % (p.returncode, p.stderr.decode()))
        check(b"listening" not in p.stdout, p.stdout)
        check(b"CONFAI_E_POLICY_MEASUREMENT" in p.stderr, p.stderr)
        p = subprocess.run([self.a.proxy, "--listen", "127.0.0.1:0", "--url",
                            "http://127.0.0.1:9", "--policy", self.policy],
                           capture_output=True, timeout=120)
        check(p.returncode == 4 and b"listening" not in p.stdout, (p.returncode, p.stderr))
        for listen in ("localhost", "localhost:0", "127.0.0.1:http", "127.0.0.1:70000"):
            p = subprocess.run([self.a.proxy, "--listen", listen, "--url", gw.url,
                                "--policy", self.policy], capture_output=True, timeout=60)
            check(p.returncode == 2, (listen, p.returncode, p.stderr))

    def lease_renewal(self, gw):
        policy = json.load(open(self.policy))
        policy["max_age"] = 8  # renewed 5 s before it runs out
        short = os.path.join(self.work, "short-lease.json")
        with open(short, "w") as f:
            json.dump(policy, f)
        px = self.proxy(gw.url, short)
        try:
            deadline = time.time() + 20
            while time.time() < deadline and px.stderr().count("lease renewed") < 2:
                time.sleep(0.5)
            check(px.stderr().count("lease renewed") >= 2, "no renewals: " + px.stderr())
            status, _, body = http(px.url + "/v1/chat/completions", chat_body(False))
            check(status == 200, (status, body[:300]))
        finally:
            px.stop()

    def clean_stop(self, gw):
        for sig in (signal.SIGTERM, signal.SIGINT):
            px = self.proxy(gw.url)
            status, _, _ = http(px.url + "/v1/models")
            check(status == 200, status)
            t = time.time()
            rc = px.stop(sig)
            check(rc == 0, "exit %d after signal %d: %s" % (rc, sig, px.stderr()))
            check(time.time() - t < 10, "slow shutdown")
            check("shutting down" in px.stderr(), px.stderr())

    def run(self):
        gw = self.gateway()
        try:
            px = self.proxy(gw.url)
            try:
                self.case("curl streamed chat ends in data: [DONE]", self.curl_streamed, px)
                if self.expected is None:
                    return
                self.case("curl whole chat", self.curl_whole, px)
                self.case("completions, embeddings, models; others refused", self.other_routes, px)
                self.case("openai package: streamed and whole answers", self.openai_package, px)
            finally:
                px.stop()
            self.case("proxy logs the verdict and the root warning", self.proxy_log, px)
            self.case("no start without attestation", self.refuses_bad_attestation, gw)
            self.case("the lease is renewed in the background", self.lease_renewal, gw)
            self.case("clean stop on SIGTERM and SIGINT", self.clean_stop, gw)
        finally:
            gw.stop()
        for mode in ("flip-byte", "truncate", "drop-chunk", "duplicate-chunk"):
            self.case("tampered answers (%s) become errors" % mode, self.tampered, mode)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--build", required=True)
    a = ap.parse_args()
    if shutil.which("curl") is None:
        print("FAIL: curl is needed (tests/install-deps.sh)")
        return 1
    work = tempfile.mkdtemp(prefix="confai-proxy-e2e-")
    try:
        s = Suite(a, work)
        try:
            s.run()
        except Failure as e:
            print("not ok - setup: %s" % e)
            return 1
        print("1..%d" % s.count)
        if s.failed:
            print("%d of %d failed: %s" % (len(s.failed), s.count, ", ".join(s.failed)))
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""End-to-end tests of confai-gateway --upstream, with confai-proxy in front.

    test_upstream.py --gateway PATH --proxy PATH

A recording OpenAI-compatible server on loopback stands in for the model
server inside the TEE (vLLM, for instance). The gateway runs on the
simulated SEV-SNP platform and forwards every opened request to it; the
proxy seals the caller's requests. Checked, from both ends:

* the request the model server receives is the caller's: method, path with
  its query exactly as sent, body byte for byte, and only the header fields
  the request shaping keeps (authorization, content-type, the OpenAI
  routing fields); hop-by-hop fields and everything else stay out;
* streamed answers arrive as the server sent them, event by event, ending in
  "data: [DONE]"; whole answers keep their status, media type and body, an
  upstream 401 included;
* an upstream that is down or cuts its answer becomes an error for the
  caller (a sealed 502, or a stream that breaks off without [DONE]).
"""
import argparse
import http.server
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_proxy import Failure, Process, check, parse_sse  # noqa: E402

import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

EVENTS = ["Sealed", " all", " the", " way", "."]


def sse_chunk(text):
    return json.dumps({"id": "u1", "object": "chat.completion.chunk", "created": 0,
                       "model": "upstream-model",
                       "choices": [{"index": 0, "delta": {"content": text},
                                    "finish_reason": None}]})


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records each request and answers by path."""
    protocol_version = "HTTP/1.1"
    seen = []
    cut_stream = False

    def log_message(self, *args):
        pass

    def body(self):
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(n) if n else b""

    def record(self, body):
        Recorder.seen.append({"method": self.command, "path": self.path,
                              "headers": [(k.lower(), v) for k, v in self.headers.items()],
                              "body": body})

    def send_json(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.record(b"")
        if self.path.startswith("/v1/models"):
            self.send_json(200, {"object": "list", "data": [{"id": "upstream-model",
                                                            "object": "model"}]})
        else:
            self.send_json(404, {"error": {"message": "no such route"}})

    def do_POST(self):
        body = self.body()
        self.record(body)
        req = json.loads(body or b"{}")
        if self.headers.get("authorization") != "Bearer upstream-key":
            self.send_json(401, {"error": {"message": "bad key", "type": "auth"}})
            return
        if not req.get("stream"):
            self.send_json(200, {"object": "chat.completion", "model": "upstream-model",
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant",
                                                          "content": "".join(EVENTS)}}]})
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        events = EVENTS[:2] if Recorder.cut_stream else EVENTS
        for text in events:
            self.chunk(("data: %s\n\n" % sse_chunk(text)).encode())
            time.sleep(0.02)
        if Recorder.cut_stream:
            # a chunk announced and never completed, then the connection drops
            self.wfile.write(b"400\r\npartial")
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


def request(url, body=None, headers=None, method=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers.items()), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()


class Suite:
    def __init__(self, args, work):
        self.a = args
        self.work = work
        self.count = 0
        self.failed = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        self.server.daemon_threads = True
        self.upstream = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.policy = os.path.join(work, "policy.json")
        self.gw = Process([args.gateway, "--listen", "127.0.0.1:0", "--sim-snp",
                           "--state", os.path.join(work, "state"), "--policy-out", self.policy,
                           "--upstream", self.upstream + "/"], "confai-gateway --upstream")
        self.px = Process([args.proxy, "--listen", "127.0.0.1:0", "--url", self.gw.url,
                           "--policy", self.policy], "confai-proxy", timeout=60)

    def stop(self):
        """Stops both servers; their exit status (a sanitizer's report makes it
        non-zero) is a case of its own."""
        codes = (self.px.stop(), self.gw.stop())
        self.count += 1
        if codes == (0, 0):
            print("ok %d - both servers stop cleanly" % self.count)
        else:
            self.failed.append("clean stop")
            print("not ok %d - clean stop: exit %r\n  %s\n  %s" % (
                self.count, codes, self.px.stderr()[-2000:], self.gw.stderr()[-2000:]))

    def case(self, name, fn):
        self.count += 1
        Recorder.seen = []
        try:
            fn()
            print("ok %d - %s" % (self.count, name))
        except Failure as e:
            self.failed.append(name)
            print("not ok %d - %s\n  %s" % (self.count, name, str(e).replace("\n", "\n  ")))
        except Exception as e:  # a bug in the test itself counts as a failure too
            self.failed.append(name)
            print("not ok %d - %s\n  %s: %s" % (self.count, name, type(e).__name__, e))

    def one_seen(self):
        check(len(Recorder.seen) == 1, "upstream saw %d requests: %r" % (len(Recorder.seen),
                                                                         Recorder.seen))
        return Recorder.seen[0]

    def query_kept(self):
        target = "/v1/models?limit=2&after=m%201&order=desc"
        status, headers, body = request(self.px.url + target)
        check(status == 200, (status, body))
        check(json.loads(body)["data"][0]["id"] == "upstream-model", body)
        seen = self.one_seen()
        check(seen["method"] == "GET" and seen["path"] == target,
              "upstream saw %s %s" % (seen["method"], seen["path"]))
        status, _, body = request(self.px.url + "/v1/models?")
        check(status == 200, (status, body))
        check(Recorder.seen[-1]["path"] == "/v1/models", Recorder.seen[-1]["path"])

    def request_shaped(self):
        body = json.dumps({"model": "upstream-model", "stream": False,
                           "messages": [{"role": "user", "content": "héllo"}]}).encode()
        status, headers, answer = request(
            self.px.url + "/v1/chat/completions", body, method="POST",
            headers={"content-type": "application/json", "authorization": "Bearer upstream-key",
                     "OpenAI-Organization": "org-1", "user-agent": "caller/1.0",
                     "x-stainless-os": "Linux", "cookie": "session=secret",
                     "connection": "keep-alive, x-hop", "x-hop": "1"})
        check(status == 200, (status, answer))
        check(json.loads(answer)["choices"][0]["message"]["content"] == "".join(EVENTS), answer)
        seen = self.one_seen()
        check(seen["body"] == body, "body changed on the way: %r" % seen["body"])
        names = [k for k, _ in seen["headers"]]
        fields = dict(seen["headers"])
        check(fields.get("authorization") == "Bearer upstream-key", fields)
        check(fields.get("openai-organization") == "org-1", fields)
        check(fields.get("content-type") == "application/json", fields)
        for dropped in ("x-stainless-os", "cookie", "x-hop"):
            check(dropped not in names, "%s reached the model server: %r" % (dropped, fields))
        check(fields.get("user-agent") != "caller/1.0", "the caller's user-agent went inside")

    def streamed(self):
        body = json.dumps({"model": "upstream-model", "stream": True,
                           "messages": [{"role": "user", "content": "hi"}]}).encode()
        status, headers, answer = request(
            self.px.url + "/v1/chat/completions", body, method="POST",
            headers={"content-type": "application/json", "authorization": "Bearer upstream-key"})
        check(status == 200, (status, answer))
        check(headers.get("Content-Type", "").startswith("text/event-stream"), headers)
        events = parse_sse(answer.decode())
        check(events[-1] == "[DONE]", events)
        texts = [json.loads(e)["choices"][0]["delta"]["content"] for e in events[:-1]]
        check(texts == EVENTS, texts)
        check(self.one_seen()["body"] == body, Recorder.seen)

    def upstream_status_kept(self):
        body = json.dumps({"model": "upstream-model", "messages": []}).encode()
        status, headers, answer = request(
            self.px.url + "/v1/chat/completions", body, method="POST",
            headers={"content-type": "application/json", "authorization": "Bearer wrong"})
        check(status == 401, (status, answer))
        check(json.loads(answer)["error"]["message"] == "bad key", answer)

    def cut_stream(self):
        Recorder.cut_stream = True
        try:
            body = json.dumps({"model": "upstream-model", "stream": True,
                               "messages": [{"role": "user", "content": "hi"}]}).encode()
            req = urllib.request.Request(
                self.px.url + "/v1/chat/completions", data=body, method="POST",
                headers={"content-type": "application/json",
                         "authorization": "Bearer upstream-key"})
            got = b""
            broke = False
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    check(r.status == 200, r.status)
                    while True:
                        part = r.read1(65536)
                        if not part:
                            break
                        got += part
            except Exception:  # the proxy ends the chunked answer without its last chunk
                broke = True
            text = got.decode("utf-8", "replace")
            check(broke or "error" in text, "a cut answer ended cleanly: %r" % text)
            check("[DONE]" not in text, "a cut answer carried [DONE]: %r" % text)
            check("partial" not in text, "bytes of the unfinished chunk reached the caller")
        finally:
            Recorder.cut_stream = False

    def upstream_down(self):
        self.server.shutdown()
        self.server.server_close()
        status, headers, body = request(self.px.url + "/v1/models")
        check(status == 502, (status, body))
        check("upstream" in json.loads(body)["error"]["message"], body)
        check(Recorder.seen == [], Recorder.seen)

    def run(self):
        self.case("the query reaches the model server as the caller sent it", self.query_kept)
        self.case("body and kept fields reach the model server, nothing else",
                  self.request_shaped)
        self.case("a streamed answer arrives event by event with [DONE]", self.streamed)
        self.case("the model server's error status and body reach the caller",
                  self.upstream_status_kept)
        self.case("an answer the model server cuts short breaks off for the caller",
                  self.cut_stream)
        self.case("a model server that is down: a 502 for the caller", self.upstream_down)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--proxy", required=True)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="confai-upstream-e2e-")
    try:
        try:
            s = Suite(a, work)
        except Failure as e:
            print("not ok - setup: %s" % e)
            return 1
        try:
            s.run()
        finally:
            s.stop()
            s.server.server_close()
        print("1..%d" % s.count)
        if s.failed:
            print("%d of %d failed: %s" % (len(s.failed), s.count, ", ".join(s.failed)))
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

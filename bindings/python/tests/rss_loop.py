#!/usr/bin/env python3
"""Memory check: many sealed requests through the binding, RSS before and after.

    rss_loop.py [--count 10000] [--warmup 200] [--via fetch|httpx] [--gateway PATH]

Starts confai-gateway --sim-snp on loopback (PATH, else $CONFAI_GATEWAY),
makes one confai.Client, sends --warmup requests so that caches and arenas
settle, measures the process's resident set size, sends --count more sealed
chat completions (POST /v1/chat/completions, each sealed and opened by the C
core), and measures again. Prints one line with both figures and the growth
per request; exits 1 when --max-growth-kib is given and exceeded.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import confai  # noqa: E402


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def start_gateway(binary: str, state: str):
    policy = os.path.join(state, "policy.json")
    proc = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--sim-snp", "--state", state, "--policy-out", policy],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"rss_loop: confai-gateway did not start: {line!r}")
    return proc, line[len("listening on "):], policy


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--via", choices=("fetch", "httpx"), default="fetch")
    ap.add_argument("--gateway", default=os.environ.get("CONFAI_GATEWAY"))
    ap.add_argument("--max-growth-kib", type=int, default=None)
    args = ap.parse_args(argv)
    if not args.gateway:
        raise SystemExit("rss_loop: give --gateway or set CONFAI_GATEWAY")

    state = tempfile.mkdtemp(prefix="confai-rss-")
    proc, url, policy_path = start_gateway(args.gateway, state)
    try:
        body = json.dumps(
            {"model": "confai-demo", "messages": [{"role": "user", "content": "Hello"}]}
        ).encode()
        headers = [("content-type", "application/json"), ("authorization", "Bearer unused")]
        with confai.Client(url, confai.Policy.from_file(policy_path)) as client:
            if args.via == "httpx":
                import httpx

                from confai.httpx import ConfaiTransport

                http = httpx.Client(transport=ConfaiTransport(client), base_url=url)

                def one():
                    r = http.post("/v1/chat/completions", content=body, headers=dict(headers))
                    if r.status_code != 200:
                        raise SystemExit(f"rss_loop: HTTP {r.status_code}: {r.text[:200]}")
            else:

                def one():
                    r = client.fetch("POST", "/v1/chat/completions", headers=headers, body=body)
                    if r.status != 200:
                        raise SystemExit(f"rss_loop: HTTP {r.status}: {r.content[:200]!r}")

            for _ in range(args.warmup):
                one()
            gc.collect()
            before = rss_kib()
            t0 = time.monotonic()
            for _ in range(args.count):
                one()
            elapsed = time.monotonic() - t0
            gc.collect()
            after = rss_kib()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(state, ignore_errors=True)

    growth = after - before
    print(
        f"rss_loop: {args.count} sealed requests via {args.via} after {args.warmup} warm-up: "
        f"RSS before {before} KiB, after {after} KiB, growth {growth} KiB "
        f"({growth * 1024 / max(args.count, 1):.1f} bytes per request), "
        f"{args.count / elapsed:.0f} requests/s"
    )
    if args.max_growth_kib is not None and growth > args.max_growth_kib:
        print(f"rss_loop: growth {growth} KiB is over the limit of {args.max_growth_kib} KiB")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

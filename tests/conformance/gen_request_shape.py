#!/usr/bin/env python3
"""Writes request-shape.json: the inner requests that OpenAI calls become.

The expected bytes are computed here, from RFC 9292 section 3 and the rule
documented at confai_http_request_shape (include/confai/bhttp.h), without
libconfai, so that the library and this file check each other. Run it from
anywhere; it writes next to itself:

    python3 tests/conformance/gen_request_shape.py
"""

import json
import os

# The rule: these fields only, in this order; the rest stays outside.
ALLOWED = ["accept", "authorization", "content-type", "openai-beta",
           "openai-organization", "openai-project"]

# What the OpenAI SDKs send besides the allowlisted fields (and which must not
# reach the service): the transport's own fields and the SDK's telemetry.
SDK_NOISE = [
    ["Host", "confai.invalid"],
    ["User-Agent", "OpenAI/Python 2.9.0"],
    ["X-Stainless-Lang", "python"],
    ["X-Stainless-Package-Version", "2.9.0"],
    ["X-Stainless-Retry-Count", "0"],
    ["Accept-Encoding", "gzip, deflate"],
    ["Connection", "keep-alive"],
]

CHAT = '{"messages":[{"role":"user","content":"Hello"}],"model":"demo"%s}'

CASES = [
    ("chat-streamed", "a streamed chat completion: stream true",
     "POST", "/v1/chat/completions",
     [["Accept", "application/json"], ["Content-Type", "application/json"],
      ["Authorization", "Bearer sk-test"]] + SDK_NOISE + [["Content-Length", "71"]],
     CHAT % ',"stream":true'),
    ("chat-whole", "a chat completion with stream false",
     "POST", "/v1/chat/completions",
     [["Content-Type", "application/json"], ["Accept", "application/json"],
      ["Authorization", "Bearer sk-test"]] + SDK_NOISE,
     CHAT % ',"stream":false'),
    ("chat-no-stream-member", "a chat completion without a stream member",
     "POST", "/v1/chat/completions",
     [["content-type", "application/json"], ["accept", "application/json"]],
     CHAT % ""),
    ("embeddings", "embeddings, with the OpenAI routing fields in mixed case",
     "POST", "/v1/embeddings",
     [["OpenAI-Project", "proj_1"], ["Content-Type", "application/json"],
      ["OPENAI-ORGANIZATION", "org-1"], ["Authorization", "Bearer sk-test"],
      ["Accept", "application/json"], ["OpenAI-Beta", "assistants=v2"]] + SDK_NOISE,
     '{"input":"hello","model":"embed","encoding_format":"float"}'),
    ("models", "the model list: GET without a body",
     "GET", "/v1/models",
     [["Accept", "application/json"], ["Authorization", "Bearer sk-test"]] + SDK_NOISE,
     ""),
    ("models-query", "a path with a query string is kept as it is",
     "GET", "/v1/models?limit=2&after=m-1",
     [["Accept", "application/json"]],
     ""),
    ("stream-not-boolean", "\"stream\": \"true\" (a string) does not ask for a stream",
     "POST", "/v1/chat/completions",
     [["Content-Type", "application/json"]],
     CHAT % ',"stream":"true"'),
    ("stream-repeated", "a repeated stream member is read differently by different parsers: not streamed",
     "POST", "/v1/chat/completions",
     [["Content-Type", "application/json"]],
     CHAT % ',"stream":true,"stream":true'),
    ("stream-nested", "stream true inside a nested object does not count",
     "POST", "/v1/chat/completions",
     [["Content-Type", "application/json"]],
     '{"model":"demo","options":{"stream":true}}'),
    ("stream-not-json", "a body that is not JSON is never streamed",
     "POST", "/v1/audio/transcriptions",
     [["Content-Type", "text/plain"]],
     '"stream":true'),
    ("stream-array", "a JSON array is not an object, whatever it holds",
     "POST", "/v1/chat/completions",
     [["Content-Type", "application/json"]],
     '[["stream",true],{"stream":true}]'),
    ("stream-trailing-data", "an object followed by more text is not JSON",
     "POST", "/v1/chat/completions",
     [["Content-Type", "application/json"]],
     '{"stream":true} {"stream":true}'),
    ("stream-whitespace", "whitespace around the object is JSON",
     "POST", "/v1/chat/completions",
     [["Content-Type", "application/json"]],
     ' \n{"stream":true}\r\n\t'),
    ("stream-on-get", "only a POST asks for a stream",
     "GET", "/v1/models",
     [["Content-Type", "application/json"]],
     '{"stream":true}'),
]


def varint(n):
    """RFC 9000 section 16, minimal length."""
    if n < 1 << 6:
        return bytes([n])
    if n < 1 << 14:
        return (n | 0x4000).to_bytes(2, "big")
    if n < 1 << 30:
        return (n | 0x80000000).to_bytes(4, "big")
    return (n | 0xC000000000000000).to_bytes(8, "big")


def vbytes(b):
    return varint(len(b)) + b


def known_length_request(method, path, fields, body):
    """RFC 9292 section 3.1: framing 0, control data, fields, content, trailers."""
    out = varint(0)
    for part in (method, "https", "", path):
        out += vbytes(part.encode("ascii"))
    section = b"".join(vbytes(n.encode("ascii")) + vbytes(v.encode("latin-1"))
                       for n, v in fields)
    out += vbytes(section)
    out += vbytes(body)
    out += varint(0)  # empty trailer section
    return out


class Members(list):
    """A JSON object as its list of members, repeats kept."""


def wants_stream(method, body):
    if method != "POST":
        return False
    try:
        pairs = json.loads(body, object_pairs_hook=Members)
    except ValueError:
        return False
    if not isinstance(pairs, Members):
        return False
    values = [v for k, v in pairs if k == "stream"]
    return len(values) == 1 and values[0] is True


def shape(method, path, headers, body):
    fields = [(name, value) for name in ALLOWED
              for n, value in headers if n.lower() == name]
    return known_length_request(method, path, fields, body.encode("utf-8"))


def main():
    cases = []
    for name, description, method, path, headers, body in CASES:
        cases.append({
            "name": name,
            "description": description,
            "method": method,
            "path": path,
            "headers": headers,
            "body": body,
            "streamed": wants_stream(method, body),
            "inner": shape(method, path, headers, body).hex(),
        })
    doc = {
        "version": 1,
        "generator": "tests/conformance/gen_request_shape.py",
        "format": "tests/conformance/README.md",
        "cases": cases,
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "request-shape.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()

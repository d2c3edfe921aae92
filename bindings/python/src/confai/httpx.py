"""Transports for httpx (openai 1.x and 2.x, and other SDKs built on httpx).

    import httpx, openai, confai
    from confai.httpx import ConfaiTransport, AsyncConfaiTransport

    client = confai.Client("http://127.0.0.1:8080", confai.Policy.from_file("policy.json"))
    ai = openai.OpenAI(base_url=confai.BASE_URL, api_key="unused",
                       http_client=httpx.Client(transport=ConfaiTransport(client)))
    aai = openai.AsyncOpenAI(base_url=confai.BASE_URL, api_key="unused",
                             http_client=httpx.AsyncClient(transport=AsyncConfaiTransport(client)))

Each request becomes a Binary HTTP request sealed to the attested key
(inner_request(request) shows which: confai_http_request_shape keeps the
method, the path and query, the body, and only the header fields an API
needs, such as authorization and content-type); a POST of a JSON object
with "stream": true goes out as a streamed exchange whose response
body yields the authenticated bytes as they open. Failures raise exceptions
that are both the confai error (.status, .name, .message) and an
httpx.TransportError (httpx.TimeoutException for CONFAI_E_TIMEOUT), and,
where the openai package is loaded, an openai.APIConnectionError whose
message names the confai status and its reason. No unauthenticated byte ever
reaches the caller.
"""

from __future__ import annotations

import httpx

from ._transport import BASE_URL, transports

ConfaiTransport, AsyncConfaiTransport, inner_request = transports(httpx)

__all__ = ["AsyncConfaiTransport", "BASE_URL", "ConfaiTransport", "inner_request"]

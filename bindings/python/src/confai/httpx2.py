"""Transports for httpx2 (the HTTP library of openai 3.x).

    import httpx2, openai, confai
    from confai.httpx2 import ConfaiTransport, AsyncConfaiTransport

    client = confai.Client("http://127.0.0.1:8080", confai.Policy.from_file("policy.json"))
    ai = openai.OpenAI(base_url=confai.BASE_URL, api_key="unused",
                       http_client=httpx2.Client(transport=ConfaiTransport(client)))
    aai = openai.AsyncOpenAI(base_url=confai.BASE_URL, api_key="unused",
                             http_client=httpx2.AsyncClient(transport=AsyncConfaiTransport(client)))

Each request becomes a Binary HTTP request sealed to the attested key
(inner_request(request) shows which: confai_http_request_shape keeps the
method, the path and query, the body, and only the header fields an API
needs, such as authorization and content-type); a POST of a JSON object
with "stream": true goes out as a streamed exchange whose response
body yields the authenticated bytes as they open. Failures raise exceptions
that are both the confai error (.status, .name, .message) and an
httpx2.TransportError (httpx2.TimeoutException for CONFAI_E_TIMEOUT), and,
where the openai package is loaded, an openai.APIConnectionError whose
message names the confai status and its reason. No unauthenticated byte ever
reaches the caller.
"""

from __future__ import annotations

import httpx2

from ._transport import BASE_URL, transports

ConfaiTransport, AsyncConfaiTransport, inner_request = transports(httpx2)

__all__ = ["AsyncConfaiTransport", "BASE_URL", "ConfaiTransport", "inner_request"]

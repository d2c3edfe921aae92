"""Chat with a confidential model through the official openai package.

    pip install "./bindings/python[openai]"
    python3 examples/python/chat.py http://127.0.0.1:8080 policy.json "Hello"

The openai client is given confai.BASE_URL, a host under the reserved
.invalid domain: only the confai transport knows it, and sends each request
sealed to the service it attested at the URL given here.
"""
import sys

import httpx2
import openai

import confai
from confai.httpx2 import ConfaiTransport

url, policy, prompt = sys.argv[1], sys.argv[2], sys.argv[3]
with confai.Client(url, confai.Policy.from_file(policy)) as client:
    print("attested:", client.verdict().root_warning or "vendor root", file=sys.stderr)
    ai = openai.OpenAI(base_url=confai.BASE_URL, api_key="unused",
                       http_client=httpx2.Client(transport=ConfaiTransport(client)))
    for chunk in ai.chat.completions.create(model="confai-demo", stream=True,
                                            messages=[{"role": "user", "content": prompt}]):
        print(chunk.choices[0].delta.content or "" if chunk.choices else "", end="", flush=True)
    print()

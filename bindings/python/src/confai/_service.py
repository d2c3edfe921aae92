"""The sentinel service address that openai-style clients are given.

The host is under .invalid, reserved by RFC 6761 never to resolve: only the
confai transports know it and send its requests, sealed, to the attested
service. A client path that bypasses the transports fails to connect instead
of sending a prompt in plaintext to a real address.
"""

SERVICE_HOST = "confai.invalid"
BASE_URL = f"http://{SERVICE_HOST}/v1"

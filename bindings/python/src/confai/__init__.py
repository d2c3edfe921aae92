"""libconfai for Python: confidential AI through the C core (ctypes).

Everything that decides (verification, policy, sealing, opening) happens in
libconfai; this package gives it Python shapes: exceptions, context managers,
iterators, and sync and async transports for httpx (confai.httpx) and httpx2
(confai.httpx2), so the official openai package and the SDKs built on it send
sealed requests. Their base_url is BASE_URL, a host under the reserved
.invalid domain that only the transports know: a request that does not pass
through them fails to resolve instead of going out in plaintext.
"""

from ._http import Request, Response
from ._lib import lib as _c
from ._lib import path as library_path
from .attestation import Policy, Verdict, verify_bundle
from ._service import BASE_URL, SERVICE_HOST
from .client import Client, Stream
from .errors import (
    ArgumentError,
    AttestationError,
    ConfaiError,
    CryptoError,
    ParseError,
    PolicyError,
    ResourceError,
    TransportError,
    PlatformError,
)

__version__ = "0.1.0"


def library_version() -> str:
    """The version of the loaded libconfai."""
    return _c.confai_version().decode()


__all__ = [
    "BASE_URL",
    "SERVICE_HOST",
    "Request",
    "ArgumentError",
    "AttestationError",
    "Client",
    "ConfaiError",
    "CryptoError",
    "ParseError",
    "Policy",
    "PolicyError",
    "ResourceError",
    "Response",
    "Stream",
    "TransportError",
    "PlatformError",
    "Verdict",
    "library_path",
    "library_version",
    "verify_bundle",
]

"""libconfai for Python: confidential AI through the C core (ctypes).

Everything that decides (verification, policy, sealing, opening) happens in
libconfai; this package gives it Python shapes: exceptions, context managers,
iterators, and an httpx transport (confai.httpx) for the official openai
package.
"""

from ._http import Response
from ._lib import lib as _c
from ._lib import path as library_path
from .attestation import Policy, Verdict, verify_bundle
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

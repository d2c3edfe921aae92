"""Exceptions: one class per group of confai_status codes.

Every failing C call raises; nothing is returned half done. Each exception
carries the numeric status (.status), its symbolic name (.name, such as
"CONFAI_E_DECRYPT") and the detail message of that very call (.message).
"""

from __future__ import annotations

from ._lib import Error, lib


class ConfaiError(Exception):
    """A libconfai call failed. Base class of every error of this package."""

    def __init__(self, status: int, message: str = ""):
        self.status = int(status)
        self.name = lib.confai_status_name(self.status).decode()
        self.message = message or lib.confai_status_str(self.status).decode()
        super().__init__(f"{self.name}: {self.message}")


class ArgumentError(ConfaiError):
    """1xx: an invalid argument or a call in the wrong state."""


class ResourceError(ConfaiError):
    """2xx: out of memory, or an underlying library failed."""


class ParseError(ConfaiError):
    """3xx: bytes that do not parse (malformed, truncated, trailing data, limits)."""


class CryptoError(ConfaiError):
    """4xx: decryption, keys, sealed streams (truncated, replayed, reordered)."""


class AttestationError(ConfaiError):
    """5xx: evidence that does not prove what it claims."""


class PolicyError(ConfaiError):
    """6xx: verified evidence the policy does not accept, or an invalid policy."""


class TransportError(ConfaiError):
    """7xx: the network, HTTP, or an answer that was not sealed."""


class PlatformError(ConfaiError):
    """8xx: the server's platform could not produce evidence (server side)."""


_GROUPS = {
    1: ArgumentError,
    2: ResourceError,
    3: ParseError,
    4: CryptoError,
    5: AttestationError,
    6: PolicyError,
    7: TransportError,
    8: PlatformError,
}


def error_for(status: int, message: str = "") -> ConfaiError:
    """The exception for a status, of the class its group maps to."""
    cls = _GROUPS.get(lib.confai_status_group_of(int(status)), ConfaiError)
    return cls(status, message)


def check(status: int, err: Error) -> None:
    """Raises the exception for a failed call; returns for CONFAI_OK."""
    if status != 0:
        raise error_for(status, err.message.decode("utf-8", "replace"))


def internal(what: str) -> ConfaiError:
    """For a call that said OK but returned nothing: never taken as success."""
    return ResourceError(201, f"{what}: the library returned no result")

"""Who may reach a server (the UI or the HTTP API): nothing is served open beyond loopback unless the
user says so, and a bearer token is compared in constant time."""

from __future__ import annotations

import hmac
import ipaddress

from assistant.errors import ConfigError


def is_loopback(host: str) -> bool:
    """
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0"), is_loopback("localhost")
    (True, True, False, True)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_guard(host: str, *, guarded: bool, allow_open: bool = False, public: bool = False,
                  what: str, guard: str, hint: str) -> None:
    """Raise ConfigError when `what` would be reachable beyond this machine (on a non-loopback host or a
    public link) without its `guard`, unless the user explicitly allowed it.

    >>> require_guard("127.0.0.1", guarded=False, what="the API", guard="a token", hint="")
    >>> require_guard("0.0.0.0", guarded=True, what="the API", guard="a token", hint="")
    >>> require_guard("0.0.0.0", guarded=False, allow_open=True, what="the API", guard="a token", hint="")
    """
    if (is_loopback(host) and not public) or guarded or allow_open:
        return
    where = "through a public share link" if public else f"on {host}"
    raise ConfigError(f"refusing to serve {what} {where} without {guard}: anyone who can reach it could use it",
                      hint=hint)


def token_matches(given: str | None, expected: str) -> bool:
    """Whether a presented token is the expected one; the time taken does not depend on where they differ.

    >>> token_matches("s3cret", "s3cret"), token_matches("s3cres", "s3cret"), token_matches(None, "s3cret")
    (True, False, False)
    """
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())

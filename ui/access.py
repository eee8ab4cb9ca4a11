"""Who may reach the UI: the login setting parsed, and no open UI beyond loopback unless asked for.

Kept apart from `ui.app` so that the CLI can refuse before gradio (4 s) or any model is loaded.
"""

from __future__ import annotations

import ipaddress

from assistant.errors import ConfigError


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """"user:password" as gradio's (user, password); None means no login.

    >>> parse_auth("ann:s3cr:et")
    ('ann', 's3cr:et')
    """
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ConfigError("ui_auth must look like user:password", hint="e.g. ASSISTANT_UI_AUTH=ann:secret")
    return user, password


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_access(host: str, auth: str | None, *, share: bool = False, allow_no_auth: bool = False) -> None:
    """Raise ConfigError when the UI would be reachable beyond this machine without a login.

    >>> check_access("127.0.0.1", None)
    >>> check_access("0.0.0.0", None, allow_no_auth=True)
    """
    parse_auth(auth)  # a malformed login is an error wherever the UI listens
    if (is_loopback(host) and not share) or auth or allow_no_auth:
        return
    where = "through a public share link" if share else f"on {host}"
    raise ConfigError(f"refusing to serve the UI {where} without a login: anyone who can reach it could use it",
                      hint="set ASSISTANT_UI_AUTH=user:password, or pass --insecure-no-auth to serve it open anyway")

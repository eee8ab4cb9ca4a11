"""Who may reach the UI: the login setting parsed, and (by the rule in assistant.access, which `serve`
shares) no open UI beyond loopback unless asked for.

Kept apart from `ui.app` so that the CLI can refuse before gradio (4 s) or any model is loaded.
"""

from __future__ import annotations

from assistant.access import is_loopback, require_guard
from assistant.errors import ConfigError

__all__ = ["check_access", "is_loopback", "parse_auth"]


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


def check_access(host: str, auth: str | None, *, share: bool = False, allow_no_auth: bool = False) -> None:
    """Raise ConfigError when the UI would be reachable beyond this machine without a login.

    >>> check_access("127.0.0.1", None)
    >>> check_access("0.0.0.0", None, allow_no_auth=True)
    """
    parse_auth(auth)  # a malformed login is an error wherever the UI listens
    require_guard(host, guarded=bool(auth), allow_open=allow_no_auth, public=share, what="the UI", guard="a login",
                  hint="set ASSISTANT_UI_AUTH=user:password, or pass --insecure-no-auth to serve it open anyway")

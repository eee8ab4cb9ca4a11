"""Whether a server can listen on its port, asked before any model loads so that a busy port costs nothing."""

from __future__ import annotations

import errno
import socket

from assistant.errors import PortInUseError, UsageError


def require_free_port(host: str, port: int) -> None:
    """PortInUseError when another process listens on `host:port`; UsageError when this machine cannot
    listen there at all (an address it does not have, a port below 1024 without root)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as error:
        raise UsageError(f"cannot listen on '{host}': {error.strerror}",
                         hint="pass --host 127.0.0.1 (this machine) or 0.0.0.0 (every interface)") from None
    with socket.socket(family, kind, proto) as probe:
        # as uvicorn does: a connection still closing on the port does not count as a listener
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(f"port {port} is already in use",
                                     hint="pass --port N or stop the other process") from None
            raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}",
                             hint="pass another --host or --port") from None

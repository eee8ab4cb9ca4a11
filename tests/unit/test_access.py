"""Who may reach a server: the one rule the UI and the HTTP API share, and `serve` refusing to start open
beyond loopback before it loads anything."""

import pytest

from assistant.access import require_guard, token_matches
from assistant.cli import main
from assistant.errors import ConfigError

RULE = {"what": "the API", "guard": "a token", "hint": "set ASSISTANT_API_TOKEN"}


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_loopback_needs_no_guard(host):
    require_guard(host, guarded=False, **RULE)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "my-laptop.lan"])
def test_beyond_loopback_needs_a_guard_or_an_explicit_flag(host):
    with pytest.raises(ConfigError, match=f"refusing to serve the API on {host} without a token"):
        require_guard(host, guarded=False, **RULE)
    require_guard(host, guarded=True, **RULE)
    require_guard(host, guarded=False, allow_open=True, **RULE)


def test_a_public_link_needs_a_guard_even_from_loopback():
    with pytest.raises(ConfigError, match="through a public share link"):
        require_guard("127.0.0.1", guarded=False, public=True, **RULE)


def test_tokens_must_match_exactly():
    assert token_matches("abc", "abc")
    assert not any(token_matches(t, "abc") for t in (None, "", "abd", "abc ", "ab", "ABC"))


def test_serve_beyond_loopback_without_a_token_refuses_before_loading(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ASSISTANT_API_TOKEN", raising=False)
    assert main(["--data-dir", str(tmp_path), "serve", "--host", "0.0.0.0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: refusing to serve the API on 0.0.0.0 without a token") and "--insecure-no-auth" in err
    assert not any(tmp_path.iterdir()), "nothing may be opened or written before the refusal"


def test_serve_on_a_port_in_use_says_so(tmp_path, capsys):
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--data-dir", str(tmp_path), "serve", "--port", str(port)]) == 1
    assert f"port {port} is already in use" in capsys.readouterr().err

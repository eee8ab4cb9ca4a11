"""What the CLI does when it is given nothing to work on, a store that failed, or an open UI (issue #14):
one `Error: ...` line on stderr, the right exit code, nothing written, no model loaded."""

from __future__ import annotations

import argparse
import errno
import json
import shlex
import socket
import sqlite3

import pytest

from assistant import storage_errors
from assistant.cli import main
from assistant.cli.parser import build_parser
from assistant.errors import ConfigError, PortInUseError, StoreError, UsageError
from assistant.ports import require_free_port
from assistant.storage_errors import store_failure
from ui.access import check_access


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """A data dir that does not exist yet and an empty models dir: loading any model would fail."""
    for key in ("ASSISTANT_DATA_DIR", "ASSISTANT_CONFIG", "ASSISTANT_CHROMA_URL", "ASSISTANT_UI_AUTH"):
        monkeypatch.delenv(key, raising=False)
    (tmp_path / "models").mkdir()
    return tmp_path / "data", tmp_path / "models"


def run(dirs, *args) -> int:
    data, models = dirs
    return main(["--data-dir", str(data), "--models-dir", str(models), *args])


def error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("Error: ")
    return err[0]


def test_ingest_of_a_mistyped_path_exits_2_and_writes_nothing(dirs, capsys, tmp_path):
    assert run(dirs, "ingest", str(tmp_path / "papres.jsonl")) == 2
    assert error_line(capsys) == f"Error: no such file or folder: {tmp_path / 'papres.jsonl'}"
    assert not dirs[0].exists()


def test_one_missing_path_among_good_ones_stops_the_whole_ingest(dirs, capsys, tmp_path):
    """A careful user who mistyped one path wants to fix it, not wait for a partial run."""
    good = tmp_path / "good.jsonl"
    good.write_text('{"title": "A paper", "abstract": "It has an abstract."}\n')
    assert run(dirs, "ingest", str(good), "nope.jsonl", str(tmp_path / "gone"), "--json") == 2
    assert error_line(capsys) == (f"Error: no such file or folder: nope.jsonl, {tmp_path / 'gone'} — nothing was "
                                  "ingested, not even from the paths that exist; fix the path and rerun")
    assert not dirs[0].exists()


def test_ingest_of_only_bad_records_says_why_none_was_kept(dirs, capsys, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "No abstract"}\n{"title": "Broken" "abstract": "x"}\n{"title": "Again"}\n')
    assert run(dirs, "ingest", str(bad), "--json") == 2
    line = error_line(capsys)
    assert "3 records read, none kept" in line and "missing abstract (2×)" in line and "invalid JSON" in line
    assert f"first at {bad}:1" in line
    assert not dirs[0].exists()


def test_an_ingest_with_nothing_to_do_leaves_an_existing_data_dir_untouched(dirs, capsys, tmp_path):
    data, _ = dirs
    (data / "lexical").mkdir(parents=True)
    before = sorted(p.name for p in data.rglob("*"))
    assert run(dirs, "ingest", str(tmp_path / "missing")) == 2
    assert sorted(p.name for p in data.rglob("*")) == before  # no lexical/*.tmp, nothing else


@pytest.mark.parametrize("command", [["search", ""], ["search", "   "], ["cite", ""], ["ask", " \t"]])
def test_an_empty_query_is_a_usage_error_not_an_empty_result(dirs, capsys, command):
    assert run(dirs, *command) == 2
    assert "is empty" in error_line(capsys)
    assert capsys.readouterr().out == ""  # no `[]`


def test_the_ui_refuses_to_serve_beyond_loopback_without_a_login(dirs, capsys):
    assert run(dirs, "ui", "--host", "0.0.0.0") == 1
    line = error_line(capsys)
    assert "refusing to serve the UI on 0.0.0.0 without a login" in line
    assert "ASSISTANT_UI_AUTH" in line and "--insecure-no-auth" in line


def test_serving_rules():
    check_access("127.0.0.1", None)
    check_access("::1", None)
    check_access("0.0.0.0", "ann:secret")
    check_access("0.0.0.0", None, allow_no_auth=True)
    for host, share in (("0.0.0.0", False), ("192.168.1.5", False), ("127.0.0.1", True)):
        with pytest.raises(ConfigError, match="refusing"):
            check_access(host, None, share=share)
    with pytest.raises(ConfigError, match="user:password"):
        check_access("0.0.0.0", "no-colon", allow_no_auth=True)


class ChromaLikeError(Exception):
    """What chromadb raises: its own type, words that say nothing about the disk."""


ChromaLikeError.__module__ = "chromadb.errors"


@pytest.mark.parametrize("error, kind", [
    (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
    (sqlite3.OperationalError("database or disk is full"), "the disk is full"),
    (OSError(errno.EROFS, "Read-only file system"), "read-only"),
    (PermissionError(errno.EACCES, "Permission denied"), "read-only"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
    (sqlite3.DatabaseError("file is not a database"), "is damaged"),
    (StoreError("cannot open the Chroma store at /d: error returned from database: (code: 26) file is not a "
                "database"), "is damaged"),
])
def test_storage_failures_are_told_apart(tmp_path, error, kind):
    failure = store_failure(error, tmp_path)
    assert failure is not None and kind in failure.friendly()
    assert str(tmp_path) in failure.friendly()


def test_a_cause_deep_in_the_chain_is_found(tmp_path):
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise StoreError("write failed") from inner
    except StoreError as outer:
        assert "the disk is full" in store_failure(outer, tmp_path).friendly()


def test_a_wordless_chroma_error_is_judged_by_the_free_space_left(tmp_path, monkeypatch):
    error = ChromaLikeError("Error in compaction: Failed to apply logs to the metadata segment")
    assert store_failure(error, tmp_path) is None  # plenty of space here: not a disk problem
    monkeypatch.setattr(storage_errors, "LOW_SPACE_BYTES", 2**62)  # no disk has this much free
    assert "the disk is full" in store_failure(error, tmp_path / "not" / "yet").friendly()


def test_other_errors_are_left_alone(tmp_path):
    assert store_failure(ValueError("bad value"), tmp_path) is None
    assert store_failure(KeyError("x"), tmp_path) is None


def test_a_json_summary_is_not_printed_when_nothing_was_ingested(dirs, capsys, tmp_path):
    assert run(dirs, "ingest", str(tmp_path / "none.jsonl"), "--json") == 2
    out = capsys.readouterr().out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out or "not json")


# -- usage errors: one line, exit 2, before any setting is read or model loaded (issue #16) ----------------
@pytest.mark.parametrize("args, line", [
    (["serch", "grokking"], "Error: unknown command 'serch' — did you mean 'search'?"),
    (["models", "lst"], "Error: unknown models action 'lst' — did you mean 'list'?"),
    (["search", "x", "--mode", "hybird"], "Error: argument --mode: invalid choice 'hybird' — did you mean 'hybrid'?"),
    (["search", "x", "-k", "0"], "Error: argument -k: must be at least 1, got 0 — see: python -m assistant search --help"),
    (["cite", "x", "-k", "-2"], "Error: argument -k: must be at least 1, got -2 — see: python -m assistant cite --help"),
    (["ask", "x", "-k", "many"], "Error: argument -k: 'many' is not a whole number — see: python -m assistant ask --help"),
    (["search", "x", "--from", "2025-13"],
     "Error: argument --from: '2025-13' is not a date — write it as YYYY, YYYY-MM or YYYY-MM-DD"),
    (["ask", "x", "--to", "2024-02-30"],
     "Error: argument --to: '2024-02-30' is not a date — write it as YYYY, YYYY-MM or YYYY-MM-DD"),
    (["search", "x", "--from", "2025", "--to", "2024"],
     "Error: --from 2025 is after --to 2024 — no paper can match; swap the dates or drop one"),
    (["cite", "x", "--min-authors", "4", "--max-authors", "2"],
     "Error: --min-authors 4 is more than --max-authors 2 — no paper can match"),
    (["ui", "--port", "70000"], "Error: argument --port: must be at most 65535, got 70000 — see: python -m assistant ui --help"),
])
def test_a_usage_error_is_one_line_naming_the_problem(dirs, capsys, args, line):
    assert run(dirs, *args) == 2
    assert error_line(capsys) == line
    assert not dirs[0].exists()


def test_an_unknown_command_without_a_close_match_lists_the_commands(dirs, capsys):
    assert run(dirs, "frobnicate") == 2
    line = error_line(capsys)
    assert line.startswith("Error: unknown command 'frobnicate' — choose from ingest, search, cite, ask, ")


def test_a_busy_port_is_one_line_before_any_model_loads(dirs, capsys):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert run(dirs, "ui", "--port", str(port)) == 1
    assert error_line(capsys) == f"Error: port {port} is already in use — pass --port N or stop the other process"


def test_the_port_check_tells_a_busy_port_from_one_this_machine_cannot_use():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(PortInUseError):
            require_free_port("0.0.0.0", port)  # every interface includes the busy one
    require_free_port("127.0.0.1", port)  # free again once the other process let go
    with pytest.raises(UsageError, match="cannot listen on 192.0.2.1"):  # TEST-NET: never this machine's
        require_free_port("192.0.2.1", port)


# -- every --help teaches by example ------------------------------------------------------------------
def all_parsers(parser=None, path=("python -m assistant",)):
    """(command path, parser) for the main parser and every subcommand, however deep."""
    parser = parser or build_parser()
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from all_parsers(sub, path + (name,))


@pytest.mark.parametrize("path, parser", list(all_parsers())[1:], ids=lambda v: " ".join(v[1:]) if isinstance(v, tuple) else "")
def test_every_subcommand_has_a_description_examples_and_help_for_every_flag(path, parser):
    command = " ".join(path)
    assert parser.description, f"{command}: no description"
    epilog = parser.epilog or ""
    assert epilog.startswith("examples:"), f"{command} --help has no examples"
    examples = [line.strip() for line in epilog.splitlines()[1:] if line.strip()]
    assert 2 <= len(examples) <= 4, f"{command}: {len(examples)} examples"
    assert all("python -m assistant" in line and set(path[1:]) <= set(line.split()) for line in examples), \
        f"{command}: an example runs another command"
    actions = [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    actions += [c for a in actions if isinstance(a, argparse._SubParsersAction) for c in a._choices_actions]
    undocumented = [a.dest for a in actions if not a.help and not isinstance(a, argparse._SubParsersAction)]
    assert not undocumented, f"{command}: no help for {undocumented}"
    assert "examples:" in parser.format_help()


def test_every_example_parses(capsys):
    """An example in --help that the parser refuses would teach the wrong thing."""
    for path, parser in list(all_parsers())[1:]:
        for line in (parser.epilog or "").splitlines()[1:]:
            words = shlex.split(line.split("#")[0].split("python -m assistant", 1)[1])
            try:
                build_parser().parse_args(words)
            except SystemExit:
                pytest.fail(f"example does not parse: {line.strip()} ({capsys.readouterr().err.strip()})")


def test_the_main_help_documents_every_global_flag_and_lists_every_command():
    parser = build_parser()
    undocumented = [a.dest for a in parser._actions if not a.help and not isinstance(a, argparse._SubParsersAction)]
    assert not undocumented, f"global flags without help: {undocumented}"
    text = parser.format_help()
    assert all(f"    {name}" in text for path, _ in list(all_parsers(parser))[1:] if len(path) == 2 for name in path[1:])

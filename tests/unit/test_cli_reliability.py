"""What the CLI does when it is given nothing to work on, a store that failed, or an open UI (issue #14):
one `Error: ...` line on stderr, the right exit code, nothing written, no model loaded."""

from __future__ import annotations

import errno
import json
import sqlite3

import pytest

from assistant import storage_errors
from assistant.cli import main
from assistant.errors import ConfigError, StoreError
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
    line = error_line(capsys)
    assert "no papers to ingest" in line and "no such file or directory" in line and "papres.jsonl" in line
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

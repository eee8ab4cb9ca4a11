"""The BM25 index on disk: an empty one saves and loads (a first ingest of nothing once crashed here),
and a save that fails leaves neither a temp folder nor a broken index behind."""

from __future__ import annotations

import errno

import pytest

from assistant.lexical import LexicalIndex


def test_an_empty_index_saves_loads_and_answers_nothing(tmp_path):
    directory = tmp_path / "lexical" / "papers"
    LexicalIndex.build([], [], [], "fp-empty").save(directory)
    loaded = LexicalIndex.load(directory)
    assert loaded is not None and loaded.fingerprint == "fp-empty"
    assert loaded.top("anything at all", 5) == [] and len(loaded.scores("grokking")) == 0
    assert [p.name for p in (tmp_path / "lexical").iterdir()] == ["papers"]  # no papers.tmp


def test_a_failed_save_removes_its_temp_folder_and_keeps_the_old_index(tmp_path, monkeypatch):
    directory = tmp_path / "lexical" / "papers"
    LexicalIndex.build(["c1"], ["p1"], ["grokking phases of training"], "fp-1").save(directory)
    bigger = LexicalIndex.build(["c1", "c2"], ["p1", "p2"], ["grokking phases", "noprop training"], "fp-2")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(bigger.bm25, "save", disk_full)
    with pytest.raises(OSError, match="No space left"):
        bigger.save(directory)
    assert [p.name for p in (tmp_path / "lexical").iterdir()] == ["papers"]
    assert LexicalIndex.load(directory).fingerprint == "fp-1"

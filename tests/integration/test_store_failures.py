"""A full disk, a read-only data directory and a damaged store, with the real Chroma and MiniLM (issue #14).

Each ends in one `Error:` line that says what happened and what to do, and a rerun after the fix
completes the store. Where the test runs as root, the disk is a real tmpfs that fills up or is
remounted read-only; elsewhere the OS error is raised at the store's write boundary instead.
"""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

import ingest
from assistant import indexing
from assistant.cli import main
from assistant.pipeline import Assistant
from assistant.store import PaperStore

pytestmark = pytest.mark.slow
N, BATCH = 5, 2


def error_line(stderr: str) -> str:
    """The one line a failed command prints, ignoring progress bars."""
    lines = [line for line in stderr.splitlines() if line.startswith("Error:") or "Traceback" in line]
    assert len(lines) == 1 and lines[0].startswith("Error:"), stderr[-2000:]
    return lines[0]


def rerun_ingest(cli, corpus: Path, data_dir: Path) -> dict:
    """The same ingest again, after the fix: it must succeed; its JSON summary."""
    rerun = cli("ingest", str(corpus), "--json", data_dir=data_dir)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    return json.loads(rerun.stdout)


def stored_titles(settings) -> set[str]:
    return {p.title for p in Assistant(settings).store.papers().values()}


@pytest.fixture
def tmpfs(tmp_path):
    """A real small filesystem, mounted here (root only); yields a remount function."""
    mount_point = tmp_path / f"fs-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=700k", "tmpfs", str(mount_point)],
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("cannot mount a tmpfs here (needs root)")

    def remount(options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(mount_point)], check=True)
    yield mount_point, remount
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_real_full_disk_is_one_line_and_a_rerun_after_freeing_space_completes(
        embedder_present, cli, tmpfs, tmp_path, corpus_records, write_jsonl, make_settings):
    mount_point, remount = tmpfs
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:3])
    data_dir = mount_point / "data"

    full = cli("ingest", str(corpus), data_dir=data_dir)
    assert full.returncode == 1
    line = error_line(full.stderr)
    assert "the disk is full" in line and str(data_dir) in line and "free some space" in line
    assert not list(data_dir.rglob("*.tmp"))

    remount("size=100m")
    assert rerun_ingest(cli, corpus, data_dir)["papers_total"] == 3
    assert stored_titles(make_settings(data_dir)) == {r["title"] for r in corpus_records[:3]}


def test_a_read_only_data_dir_is_one_line_and_a_rerun_once_writable_completes(
        embedder_present, cli, tmpfs, tmp_path, corpus_records, write_jsonl, make_settings):
    mount_point, remount = tmpfs
    remount("size=100m")
    data_dir = mount_point / "data"
    first = write_jsonl(tmp_path / "first.jsonl", corpus_records[:2])
    assert cli("ingest", str(first), data_dir=data_dir).returncode == 0

    remount("ro")
    more = write_jsonl(tmp_path / "more.jsonl", corpus_records[:4])
    refused = cli("ingest", str(more), data_dir=data_dir)
    assert refused.returncode == 1
    line = error_line(refused.stderr)
    assert "read-only" in line and str(data_dir) in line and "ASSISTANT_DATA_DIR" in line

    remount("rw")
    assert rerun_ingest(cli, more, data_dir)["papers_new"] == 2
    assert stored_titles(make_settings(data_dir)) == {r["title"] for r in corpus_records[:4]}


def test_disk_full_mid_ingest_is_one_line_and_the_rerun_stores_every_paper_once(
        embedder_present, tmp_path, corpus_records, write_jsonl, make_settings, models_dir, monkeypatch, capsys,
        assert_store_consistent):
    """Where no tmpfs can be mounted: ENOSPC raised by the second batch's write, as the OS would."""
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:N])
    data_dir = tmp_path / "data"
    argv = ["--data-dir", str(data_dir), "--models-dir", str(models_dir), "ingest", str(corpus)]
    real_write = PaperStore.write
    calls = []

    def write(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, *args, **kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(PaperStore, "write", write)
        patch.setattr(indexing, "BATCH_PAPERS", BATCH)
        assert main(argv) == 1
    line = error_line(capsys.readouterr().err)
    assert "the disk is full" in line and "rerun the same command" in line

    assert main(argv) == 0
    assistant = Assistant(make_settings(data_dir))
    assert len(assistant.store.papers()) == N
    assert_store_consistent(assistant)


def test_a_damaged_store_is_one_line_and_a_fresh_ingest_after_moving_it_aside_works(
        embedder_present, cli, tmp_path, corpus_records, write_jsonl, make_settings):
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:2])
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir)
    Assistant(settings).ingest(ingest.read_paths([corpus]))
    database = settings.chroma_dir / "chroma.sqlite3"
    with database.open("r+b") as fh:
        fh.write(b"garbage!" * 512)  # the SQLite header and first page gone

    damaged = cli("search", "grokking", data_dir=data_dir)
    assert damaged.returncode == 1
    line = error_line(damaged.stderr)
    assert "is damaged" in line and "move that folder aside" in line

    shutil.move(str(data_dir), str(tmp_path / "data.damaged"))
    assert rerun_ingest(cli, corpus, data_dir)["papers_total"] == 2


def test_an_ingest_that_finds_nothing_on_a_fresh_data_dir_writes_nothing(cli, tmp_path):
    data_dir = tmp_path / "fresh"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "Only a title"}\n')
    for target, said in ((tmp_path / "typo.jsonl", "no such file or folder"), (bad, "no papers to ingest")):
        out = cli("ingest", str(target), data_dir=data_dir)
        assert out.returncode == 2
        assert said in error_line(out.stderr) and "Traceback" not in out.stderr
        assert out.stderr.count("\n") == 1
    assert not data_dir.exists()
    assert not [p for p in Path(tmp_path).rglob("*.tmp")]

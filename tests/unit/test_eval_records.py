"""records.jsonl survives crashes: a half-written last line is dropped, real corruption is reported."""

import json

import pytest

from assistant.errors import InputError
from evals.records import load_records, mask_secrets, repair_records_file, run_config


def write_lines(path, *lines, end="\n"):
    path.write_text("\n".join(lines) + end, encoding="utf-8")


def test_truncated_last_line_is_ignored_and_cut_before_appending(tmp_path):
    path = tmp_path / "records.jsonl"
    write_lines(path, '{"id": "a", "mode": "retrieve"}', '{"id": "b", "mo', end="")
    assert [r["id"] for r in load_records(path)] == ["a"]
    assert [r["id"] for r in repair_records_file(path)] == ["a"]
    assert path.read_text() == '{"id": "a", "mode": "retrieve"}\n'


def test_corrupt_line_in_the_middle_names_the_line(tmp_path):
    path = tmp_path / "records.jsonl"
    write_lines(path, '{"id": "a"}', "garbage", '{"id": "c"}')
    with pytest.raises(InputError, match="records.jsonl:2"):
        load_records(path)


def test_a_later_record_for_the_same_id_wins_in_place(tmp_path):
    path = tmp_path / "records.jsonl"
    write_lines(path, '{"id": "a", "mode": "retrieve"}', '{"id": "b", "mode": "retrieve"}',
                '{"id": "a", "mode": "generate"}')
    records = load_records(tmp_path)  # a run directory works too
    assert [(r["id"], r["mode"]) for r in records] == [("a", "generate"), ("b", "retrieve")]


def test_missing_records_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no records file"):
        load_records(tmp_path)


class DescribedAssistant:
    class settings:  # noqa: N801 - stands in for a pydantic Settings object
        @staticmethod
        def model_dump(mode="json"):
            return {"models": {"llm": "m", "endpoint_key": "sk-secret"}, "ui_auth": None}

    def describe(self):
        return {"model": "m", "embedder": "e", "backend": "b"}


def test_run_config_snapshots_settings_without_secrets():
    config = run_config(DescribedAssistant())
    assert config["settings"]["models"] == {"llm": "m", "endpoint_key": "***"}
    assert config["settings"]["ui_auth"] is None and config["model"] == "m"
    assert "git_commit" in config
    assert "sk-secret" not in json.dumps(config)
    assert mask_secrets([{"api_key": "x"}]) == [{"api_key": "***"}]

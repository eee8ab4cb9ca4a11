"""The model registry: pinned hashes and sizes, name resolution with helpful errors, fetch a no-op when present."""

import re
import subprocess

import pytest

from assistant import models
from assistant.errors import ModelFetchError, ModelMissingError
from assistant.models import REGISTRY, TEST_MODELS, fetch, is_present, resolve_model_path, target_path

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def fake_present(spec, models_dir):
    """The model's checked file at its exact size (sparse: no real bytes) plus the verified stamp."""
    path = target_path(spec, models_dir)
    checked = path / spec.verify_file if spec.verify_file else path
    checked.parent.mkdir(parents=True, exist_ok=True)
    with open(checked, "wb") as fh:
        fh.truncate(spec.size)
    (path.parent / f".{path.name}.verified").write_text(spec.sha256)
    return path


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_model_is_pinned(name):
    spec = REGISTRY[name]
    assert spec.name == name
    assert spec.role in ("embedder", "llm")
    assert SHA256.match(spec.sha256) and spec.size > 1_000_000
    assert spec.wheels and all(SHA256.match(w.sha256) and "==" in w.requirement for w in spec.wheels)
    assert len({w.sha256 for w in spec.wheels}) == len(spec.wheels)
    assert spec.assemble in models._ASSEMBLERS
    assert spec.license
    if spec.role == "embedder":
        assert spec.verify_file, "a model folder needs a file whose hash is checked"


def test_test_models_are_small_and_known():
    roles = {REGISTRY[name].role for name in TEST_MODELS}
    assert roles == {"embedder", "llm"}
    assert all(REGISTRY[name].size < 200_000_000 for name in TEST_MODELS)


def test_presence_needs_the_right_size_and_the_stamp(tmp_path):
    spec = REGISTRY["smollm2-135m-instruct"]
    assert not is_present(spec, tmp_path)
    path = fake_present(spec, tmp_path)
    assert is_present(spec, tmp_path)
    (path.parent / f".{path.name}.verified").unlink()
    assert not is_present(spec, tmp_path), "a file without the verified stamp may be half downloaded"
    fake_present(spec, tmp_path)
    with open(path, "r+b") as fh:
        fh.truncate(spec.size - 1)
    assert not is_present(spec, tmp_path)


def test_resolve_a_present_registry_model(tmp_path):
    spec = REGISTRY["all-MiniLM-L6-v2"]
    path = fake_present(spec, tmp_path)
    assert resolve_model_path(spec.name, tmp_path) == str(path)


def test_resolve_a_missing_registry_model_says_how_to_fetch(tmp_path):
    with pytest.raises(ModelMissingError) as err:
        resolve_model_path("all-MiniLM-L6-v2", tmp_path)
    assert "all-MiniLM-L6-v2" in str(err.value) and str(tmp_path) in str(err.value)
    assert "models fetch" in err.value.friendly()


def test_resolve_an_unknown_name_lists_the_known_models(tmp_path):
    with pytest.raises(ModelMissingError) as err:
        resolve_model_path("no-such-model", tmp_path)
    assert "no-such-model" in str(err.value)
    assert all(name in err.value.hint for name in REGISTRY)


def test_resolve_passes_paths_and_hub_ids_through(tmp_path):
    local = tmp_path / "my-model"
    local.mkdir()
    assert resolve_model_path(str(local), tmp_path / "models") == str(local)
    assert resolve_model_path("sentence-transformers/all-MiniLM-L6-v2", tmp_path) == \
        "sentence-transformers/all-MiniLM-L6-v2"
    with pytest.raises(ModelMissingError):
        resolve_model_path("./not/here", tmp_path)


def test_fetch_is_a_no_op_when_the_model_is_present(tmp_path, monkeypatch):
    spec = REGISTRY["smollm2-135m-instruct"]
    path = fake_present(spec, tmp_path / "models")

    def no_network(*args, **kwargs):
        raise AssertionError(f"fetch ran a subprocess for a present model: {args}")
    monkeypatch.setattr(subprocess, "run", no_network)
    said = []
    got = fetch([spec.name], tmp_path / "models", tmp_path / "wheels", say=said.append)
    assert got == [path]
    assert len(said) == 1 and "present" in said[0]
    assert not (tmp_path / "wheels").exists()


def test_fetch_rejects_an_unknown_name(tmp_path):
    with pytest.raises(ModelFetchError, match="unknown model 'gpt-17'"):
        fetch(["gpt-17"], tmp_path, tmp_path / "wheels", say=lambda _: None)


def test_present_test_models_match_their_pinned_hash(models_dir):
    """On a machine that fetched the test models: the files on disk are the pinned ones."""
    for name in TEST_MODELS:
        spec = REGISTRY[name]
        if not is_present(spec, models_dir):
            pytest.skip(f"{name} not fetched into {models_dir}")
        path = target_path(spec, models_dir)
        checked = path / spec.verify_file if spec.verify_file else path
        assert models.sha256_file(checked) == spec.sha256

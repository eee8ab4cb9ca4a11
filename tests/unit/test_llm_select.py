"""Which backend the settings choose, loading through the shared cache, and `models list` descriptions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import ModelSettings, Settings
from assistant.errors import BackendError, ConfigError, ModelMissingError
from assistant.llm import cache
from assistant.llm.openai_compat import OpenAICompatBackend
from assistant.llm.select import (bf16_dir, choose_backend_name, cuda_available, describe_backend, load_backend,
                                  _nvidia_driver_present)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.forget_all()
    yield
    cache.forget_all()


def settings(tmp_path: Path, **models) -> Settings:
    return Settings(data_dir=tmp_path / "data", models_dir=tmp_path / "models", models=ModelSettings(**models))


def test_endpoint_url_means_openai(tmp_path):
    name, reason = choose_backend_name(settings(tmp_path, endpoint_url="http://127.0.0.1:8000/v1"), cuda=True)
    assert name == "openai"
    assert "endpoint_url" in reason


def test_explicit_backend_wins_over_endpoint_and_gpu(tmp_path):
    s = settings(tmp_path, backend="llamacpp", endpoint_url="http://127.0.0.1:8000/v1")
    assert choose_backend_name(s, cuda=True) == ("llamacpp", "models.backend is set to 'llamacpp'")


def test_no_cuda_means_llamacpp(tmp_path):
    name, reason = choose_backend_name(settings(tmp_path), cuda=False)
    assert name == "llamacpp"
    assert "no CUDA" in reason


def test_cuda_means_transformers(tmp_path):
    assert choose_backend_name(settings(tmp_path), cuda=True)[0] == "transformers"


def test_device_cpu_keeps_llamacpp_even_with_a_gpu(tmp_path):
    assert choose_backend_name(settings(tmp_path, device="cpu"), cuda=True)[0] == "llamacpp"


def test_a_checkpoint_directory_needs_transformers(tmp_path):
    ckpt = tmp_path / "my-model"
    ckpt.mkdir()
    name, reason = choose_backend_name(settings(tmp_path, llm=str(ckpt)), cuda=False)
    assert name == "transformers"
    assert "not a GGUF" in reason


@pytest.mark.skipif(_nvidia_driver_present(), reason="an NVIDIA driver is present")
def test_gpu_detection_and_package_import_stay_light_without_a_driver():
    code = ("import sys; import assistant.llm as m; from assistant.llm.select import cuda_available;"
            "print(cuda_available(), sorted({'torch', 'transformers', 'llama_cpp', 'httpx'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False []"
    assert cuda_available() is False


def test_openai_backend_is_loaded_once_per_process(tmp_path):
    s = settings(tmp_path, endpoint_url="http://127.0.0.1:9/v1", endpoint_model="m", endpoint_key="k")
    first = load_backend(s)
    assert isinstance(first, OpenAICompatBackend)
    assert load_backend(s) is first
    assert first.model == "m"


def test_openai_without_url_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="endpoint_url"):
        load_backend(settings(tmp_path, backend="openai"))


def test_missing_gguf_says_how_to_fetch_it(tmp_path):
    with pytest.raises(ModelMissingError) as err:
        load_backend(settings(tmp_path, backend="llamacpp"))
    assert "models fetch" in err.value.hint


def test_llamacpp_refuses_a_checkpoint_directory(tmp_path):
    ckpt = tmp_path / "hf-model"
    ckpt.mkdir()
    with pytest.raises(BackendError, match="needs a .gguf file"):
        load_backend(settings(tmp_path, backend="llamacpp", llm=str(ckpt)))


def test_describe_llamacpp_without_loading(tmp_path):
    info = describe_backend(settings(tmp_path, backend="llamacpp", n_threads=3, n_ctx=2048))
    assert info["backend"] == "llamacpp"
    assert info["model"] == str(tmp_path / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    assert info["present"] is False
    assert (info["n_threads"], info["n_ctx"]) == (3, 2048)
    assert isinstance(info["runtime_installed"], bool)


def test_describe_transformers_points_to_the_bf16_copy_of_the_gguf(tmp_path):
    info = describe_backend(settings(tmp_path, backend="transformers"))
    assert info["model"] == str(tmp_path / "models" / "qwen2.5-coder-1.5b-instruct-bf16")
    assert info["present"] is False
    assert info["source"].endswith("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")


def test_describe_openai_names_the_endpoint(tmp_path):
    info = describe_backend(settings(tmp_path, endpoint_url="http://gpu-box:8000/v1", endpoint_model="qwen"))
    assert (info["backend"], info["endpoint"], info["model"], info["present"]) == (
        "openai", "http://gpu-box:8000/v1", "qwen", None)


def test_bf16_dir_for_a_gguf_path(tmp_path):
    s = settings(tmp_path, llm="/somewhere/SmolLM2-135M-Instruct.Q4_1.gguf")
    assert bf16_dir(s) == tmp_path / "models" / "SmolLM2-135M-Instruct.Q4_1-bf16"


def test_converting_a_gguf_for_transformers_without_gguf_installed_says_what_to_install(tmp_path):
    import importlib.util

    if importlib.util.find_spec("gguf") is not None:
        pytest.skip("gguf is installed")
    from assistant.llm.select import transformers_source

    fake_gguf = tmp_path / "model.gguf"
    fake_gguf.write_bytes(b"GGUF")
    with pytest.raises(BackendError) as err:
        transformers_source(settings(tmp_path, backend="transformers", llm=str(fake_gguf)))
    assert "gguf" in err.value.hint

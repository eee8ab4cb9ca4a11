"""The transformers backend on a CUDA GPU: bf16, streaming, the default model converted from its GGUF."""

from __future__ import annotations

import importlib.util
import time

import pytest

from assistant.config import ModelSettings, Settings
from assistant.llm.select import cuda_available
from assistant.models import REGISTRY, is_present
from assistant.offline import apply_offline_env

apply_offline_env()

# cuda_available() does not import torch (~4 s) on machines without an NVIDIA driver
pytestmark = [pytest.mark.gpu, pytest.mark.slow, pytest.mark.skipif(not cuda_available(), reason="needs a CUDA GPU")]

MESSAGES = [{"role": "system", "content": "You are a research assistant. Answer only from the sources."},
            {"role": "user", "content": "Sources:\n\n[1] Grokking. Small transformers trained on modular "
                                        "arithmetic generalize long after they fit the training set.\n\n"
                                        "Question: When do the transformers generalize?\n\n"
                                        "Answer in one sentence and cite the source number in brackets."}]


def test_tiny_model_runs_in_bf16_on_the_gpu(tmp_path):
    import torch

    from assistant.llm.fake import write_tiny_chat_model
    from assistant.llm.transformers_backend import TransformersBackend

    llm = TransformersBackend(write_tiny_chat_model(tmp_path / "tiny"), device="auto")
    assert llm.device == "cuda" and next(llm._lm.parameters()).dtype == torch.bfloat16
    first = "".join(llm.generate(MESSAGES, max_tokens=16))
    assert first and first == "".join(llm.generate(MESSAGES, max_tokens=16))


def test_auto_picks_transformers_on_a_gpu(tmp_path):
    from assistant.llm.select import choose_backend_name

    settings = Settings(models_dir=tmp_path, models=ModelSettings())
    assert choose_backend_name(settings)[0] == "transformers"


def test_default_model_answers_from_its_bf16_conversion():
    """Converts the packaged GGUF once into <models_dir>/qwen2.5-coder-1.5b-instruct-bf16, then answers."""
    settings = Settings()
    spec = REGISTRY[settings.models.llm] if settings.models.llm in REGISTRY else None
    if spec is None or not is_present(spec, settings.models_dir):
        pytest.skip(f"the default GGUF is not in {settings.models_dir}: run python -m assistant models fetch")
    if importlib.util.find_spec("gguf") is None:
        pytest.skip("the GGUF conversion needs the gguf package")
    from assistant.llm.select import load_backend

    llm = load_backend(settings, name="transformers")
    assert llm.device == "cuda"
    started = time.perf_counter()
    answer = "".join(llm.generate(MESSAGES, max_tokens=60))
    seconds = time.perf_counter() - started
    usage = llm.last_usage
    print(f"\n[gpu] {usage['completion_tokens']} tokens in {seconds:.2f}s "
          f"({usage['completion_tokens'] / seconds:.1f} tok/s), first token after {usage['time_to_first_token_s']}s: "
          f"{answer!r}")
    assert "[1]" in answer or "generaliz" in answer.lower()
    assert answer == "".join(llm.generate(MESSAGES, max_tokens=60))

"""The transformers backend on CPU: a tiny random chat model built offline, and the GGUF conversion."""

from __future__ import annotations

import importlib.util
import json
import threading

import pytest

from assistant.config import Settings
from assistant.errors import BackendError, ModelMissingError
from assistant.models import REGISTRY, is_present, target_path
from assistant.offline import apply_offline_env

pytestmark = pytest.mark.slow

MESSAGES = [{"role": "system", "content": "Answer from the sources."},
            {"role": "user", "content": "What is grokking?"}]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    apply_offline_env()
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from assistant.llm.fake import write_tiny_chat_model

    return write_tiny_chat_model(tmp_path_factory.mktemp("tiny-chat"))


@pytest.fixture(scope="module")
def llm(tiny_dir):
    from assistant.llm.transformers_backend import TransformersBackend

    return TransformersBackend(tiny_dir, device="cpu")


def text(llm, **kwargs) -> str:
    return "".join(llm.generate(MESSAGES, max_tokens=kwargs.pop("max_tokens", 16), **kwargs))


def test_streams_pieces_and_counts_the_templated_prompt(llm):
    pieces = list(llm.generate(MESSAGES, max_tokens=16))
    assert len(pieces) >= 2 and "".join(pieces)
    prompt_ids = llm._tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True)
    prompt_ids = prompt_ids["input_ids"] if hasattr(prompt_ids, "keys") else prompt_ids
    assert llm.last_usage["prompt_tokens"] == len(prompt_ids)
    assert 0 < llm.last_usage["completion_tokens"] <= 16


def test_float32_on_cpu(llm):
    import torch

    assert llm.device == "cpu" and next(llm._lm.parameters()).dtype == torch.float32


def test_greedy_is_deterministic_and_sampling_follows_the_seed(llm):
    assert text(llm) == text(llm)
    assert text(llm, temperature=0.9, seed=3) == text(llm, temperature=0.9, seed=3)


def test_stop_sequence(llm):
    full = text(llm, max_tokens=24)
    stop = full[len(full) // 2: len(full) // 2 + 2]
    assert text(llm, max_tokens=24, stop=[stop]) == full[: full.index(stop)]


def test_closing_the_stream_stops_generation_and_frees_the_model(llm):
    stream = llm.generate(MESSAGES, max_tokens=400)
    next(stream)
    stream.close()
    assert not [t for t in threading.enumerate() if t.name == "transformers-generate"]
    assert text(llm, max_tokens=4)


def test_count_tokens(llm):
    assert llm.count_tokens("") == 0
    assert llm.count_tokens("Grokking is delayed generalization") < len("Grokking is delayed generalization")


def test_shared_instance(tiny_dir):
    from assistant.llm.transformers_backend import load_transformers

    assert load_transformers(tiny_dir, device="cpu") is load_transformers(tiny_dir, device="cpu")


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    from assistant.llm.transformers_backend import TransformersBackend

    with pytest.raises(ModelMissingError, match="cannot load a transformers model"):
        TransformersBackend(tmp_path / "nothing-here", device="cpu")


def test_cuda_requested_without_a_gpu_is_a_clear_error(tiny_dir):
    import torch

    from assistant.llm.transformers_backend import TransformersBackend

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(BackendError, match="no CUDA GPU"):
        TransformersBackend(tiny_dir, device="cuda")


def test_gguf_converts_to_a_bf16_checkpoint_that_chats(tmp_path):
    """Dequantize SmolLM2's GGUF (~1 min on 2 cores) and chat with the result."""
    smol = REGISTRY["smollm2-135m-instruct"]
    models_dir = Settings().models_dir
    if importlib.util.find_spec("gguf") is None:
        pytest.skip("the gguf package is not installed (pip install 'gguf>=0.17')")
    if not is_present(smol, models_dir):
        pytest.skip(f"{smol.target} is not in {models_dir}: run python -m assistant models fetch")
    from assistant.llm.transformers_backend import TransformersBackend, gguf_to_transformers

    out = gguf_to_transformers(target_path(smol, models_dir), tmp_path / "smol-bf16")
    config = json.loads((out / "config.json").read_text())
    assert config["dtype"] == "bfloat16" and "quantization_config" not in config
    llm = TransformersBackend(out, device="cpu")
    assert "<|im_start|>" in llm._tokenizer.apply_chat_template(MESSAGES, tokenize=False)  # GGUF template kept
    assert text(llm, max_tokens=8).strip()

"""Shared by every test: llama.cpp on one thread (the test machines are small) and the models directory."""

import os
from pathlib import Path

import pytest

# before anything reads settings: tests share small machines, and llama.cpp defaults to every core
os.environ.setdefault("ASSISTANT_MODELS__N_THREADS", "1")
# no background quality-index builds (EmbeddingGemma, minutes of CPU) started by the tests' ingests
os.environ.setdefault("ASSISTANT_MODELS__QUALITY_BUILD", "manual")


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """Where `python -m assistant models fetch --test` put the model files (default or $ASSISTANT_MODELS_DIR)."""
    from assistant.config import load_settings
    return load_settings().models_dir

"""Set the offline environment block before any Hugging Face, llama-index, Gradio or Chroma import."""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "NO_PROXY": "127.0.0.1,localhost",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_offline_env() -> None:
    """Export the offline block; values a user set explicitly win."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    # both spellings are read by different HTTP clients
    os.environ.setdefault("no_proxy", os.environ["NO_PROXY"])

"""Set the offline environment block before any Hugging Face, llama-index, Gradio, Chroma or torch import."""

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


# torch keeps a compiled oneDNN kernel per matrix shape it meets (0.5 MB each in float32, 2.3 MB in
# bfloat16), up to 1,024 of each kind: a server meeting new text lengths grew without end in sight.
# The embedder pads lengths to a few buckets (assistant/embedding.py); these caps bound the rest.
# 16 rather than 128: in the 200-answer UI soak the server then grew 13 MB from answer 50 to 200 and
# +0.6 MB over the last 100, against 27 and 5 MB at 128 (same day, idle), for about 5% more encode
# time (400 answer-check-like calls: 56.6-58.3 ms a call against 53.9-54.7).
KERNEL_CACHE_ENV = {
    "LRU_CACHE_CAPACITY": "16",
    "ONEDNN_PRIMITIVE_CACHE_CAPACITY": "16",
}


def apply_offline_env() -> None:
    """Export the offline block and the kernel-cache bounds (read when torch loads); values a user
    set explicitly win."""
    for key, value in (OFFLINE_ENV | KERNEL_CACHE_ENV).items():
        os.environ.setdefault(key, value)
    # both spellings are read by different HTTP clients
    os.environ.setdefault("no_proxy", os.environ["NO_PROXY"])

"""LLM backends behind one small interface: llama.cpp (CPU, GGUF), transformers (GPU) and OpenAI-compatible endpoints.

    from assistant.llm import load_backend
    llm = load_backend(settings)            # chosen by assistant.llm.select, shared per process
    for piece in llm.generate(messages, max_tokens=200):
        print(piece, end="")
    llm.last_usage                           # {"prompt_tokens": ..., "completion_tokens": ..., ...}

Importing this package is cheap: torch, transformers, llama_cpp and httpx load only when a backend does.
"""

from assistant.llm.base import LLMBackend, Message, check_messages, truncate_at_stop
from assistant.llm.select import BACKENDS, choose_backend_name, describe_backend, load_backend

__all__ = ["BACKENDS", "LLMBackend", "Message", "check_messages", "choose_backend_name", "describe_backend",
           "load_backend", "truncate_at_stop"]

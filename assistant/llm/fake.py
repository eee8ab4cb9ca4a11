"""Stand-ins for tests and demos: a canned-reply backend, and a tiny random transformers chat model built offline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from assistant.llm.base import Message, StreamMeter, check_messages, truncate_at_stop


class CannedBackend:
    """Streams prepared replies word by word, in turn (the last one repeats), and records each request.

    >>> llm = CannedBackend("Grokking has four phases [1].")
    >>> "".join(llm.generate([{"role": "user", "content": "phases?"}], max_tokens=50))
    'Grokking has four phases [1].'
    """

    name = "canned"

    def __init__(self, replies: str | list[str], model: str = "canned"):
        self.replies = [replies] if isinstance(replies, str) else list(replies)
        self.model = model
        self.calls: list[dict] = []  # what each generate() was asked: messages, max_tokens, ...
        self.last_usage: dict = {}

    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float = 0.0,
                 seed: int = 0, stop: list[str] | None = None) -> Iterator[str]:
        messages = check_messages(messages)
        self.calls.append({"messages": messages, "max_tokens": max_tokens, "temperature": temperature,
                           "seed": seed, "stop": stop})
        reply = self.replies[min(len(self.calls), len(self.replies)) - 1]
        pieces = re.findall(r"\S+\s*|\s+", reply)[:max_tokens]
        meter = StreamMeter()
        for piece in truncate_at_stop(pieces, stop):
            yield meter.saw(piece)
        prompt = sum(self.count_tokens(m["content"]) for m in messages)
        self.last_usage = meter.usage(prompt, self.count_tokens(meter.text))

    def count_tokens(self, text: str) -> int:
        """Whitespace-separated words stand in for tokens."""
        return len(text.split())


TINY_CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                      "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def write_tiny_chat_model(out_dir: str | Path, *, seed: int = 0) -> Path:
    """Write a random 2-layer Llama chat checkpoint (~100 kB) with a byte-level BPE tokenizer, built offline.

    Its text is gibberish; it exists to test the transformers plumbing (templates, streaming, stops)
    in a second, without model files.
    """
    import torch
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    corpus = ["Grokking is delayed generalization in small transformers trained on modular arithmetic.",
              "Retrieval augmented generation cites its sources with numbers in square brackets [1]."] * 20
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<|im_start|>", "<|im_end|>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|im_start|>",
                                                     eos_token="<|im_end|>", pad_token="<pad>")
    tokenizer.chat_template = TINY_CHAT_TEMPLATE
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512, initializer_range=0.5,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(seed)
    out = Path(out_dir)
    transformers.LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out

"""The llama.cpp backend with the real SmolLM2-135M GGUF (plumbing only: its answers are poor)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.config import ModelSettings, Settings
from assistant.models import REGISTRY, is_present, target_path

pytestmark = pytest.mark.slow

SMOL = REGISTRY["smollm2-135m-instruct"]
MODELS_DIR = Settings().models_dir
MESSAGES = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Name three colors."}]


@pytest.fixture(scope="module")
def llm():
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install -e '.[llamacpp]')")
    if not is_present(SMOL, MODELS_DIR):
        pytest.skip(f"{SMOL.target} is not in {MODELS_DIR}: run python -m assistant models fetch")
    from assistant.llm.llamacpp import load_llamacpp

    return load_llamacpp(target_path(SMOL, MODELS_DIR), n_ctx=2048, n_threads=1)


def greedy(llm, messages=MESSAGES, **kwargs) -> str:
    return "".join(llm.generate(messages, max_tokens=kwargs.pop("max_tokens", 24), **kwargs))


def test_streams_several_pieces_that_make_the_answer(llm):
    pieces = list(llm.generate(MESSAGES, max_tokens=24))
    assert len(pieces) > 3
    assert "".join(pieces).strip()
    assert llm.last_usage["prompt_tokens"] > 10
    assert 0 < llm.last_usage["completion_tokens"] <= 24


def test_greedy_runs_are_identical(llm):
    assert greedy(llm) == greedy(llm)


def test_stop_sequence_cuts_the_answer_before_it(llm):
    full = greedy(llm)
    words = full.split()
    stop = " " + words[len(words) // 2]
    expected = full[: full.index(stop)]
    assert greedy(llm, stop=[stop]) == expected


def test_count_tokens(llm):
    assert llm.count_tokens("") == 0
    assert 1 <= llm.count_tokens("Hello world") <= 3
    assert llm.count_tokens("grokking " * 50) > llm.count_tokens("grokking " * 5)


def test_concurrent_generations_wait_for_each_other(llm):
    results, errors = {}, []

    def ask(i):
        try:
            results[i] = greedy(llm, max_tokens=16)
        except Exception as exc:  # a crash here is what the lock prevents
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert results[0] and results[0] == results[1]  # interleaving would have corrupted one of them


def test_closing_a_stream_early_frees_the_model(llm):
    stream = llm.generate(MESSAGES, max_tokens=24)
    next(stream)
    stream.close()
    assert greedy(llm, max_tokens=4)  # would hang if the lock were still held


def test_one_instance_per_process(llm):
    from assistant.llm import cache
    from assistant.llm.llamacpp import load_llamacpp
    from assistant.llm.select import load_backend

    assert load_llamacpp(target_path(SMOL, MODELS_DIR), n_ctx=2048, n_threads=1) is llm
    settings = Settings(models_dir=MODELS_DIR, models=ModelSettings(
        llm=SMOL.name, backend="llamacpp", n_ctx=2048, n_threads=1))
    assert load_backend(settings) is llm
    assert cache.shared(("llamacpp", str(Path(llm.model).resolve()), 2048, 1), lambda: None) is llm


def test_repeated_prefix_is_reused(llm, capsys):
    """Same system prompt + sources, new question: only the tail is evaluated (logged, not asserted)."""
    sources = "Sources:\n\n" + "\n".join(
        f"[{i}] Paper {i}. We study how small transformers learn modular arithmetic and when they "
        f"generalize long after fitting the training set." for i in range(1, 9))
    ask = lambda q: [MESSAGES[0], {"role": "user", "content": f"{sources}\n\nQuestion: {q}"}]  # noqa: E731
    greedy(llm, ask("What is studied?"), max_tokens=4)
    cold = dict(llm.last_usage)
    greedy(llm, ask("When do they generalize?"), max_tokens=4)
    warm = dict(llm.last_usage)
    with capsys.disabled():
        print(f"\n[llamacpp prefix cache] {cold['prompt_tokens']} prompt tokens: first token after "
              f"{cold['time_to_first_token_s']}s cold, {warm['time_to_first_token_s']}s with the prefix reused")
    assert cold["prompt_tokens"] > 150 and warm["completion_tokens"] > 0


def test_a_stream_advanced_from_many_threads_decodes_on_the_models_own_thread(llm, monkeypatch):
    """A web server advances one streamed answer from whichever worker thread is free; llama.cpp keeps
    scratch memory per calling thread, so every decode step must still run on the model's one thread."""
    decoding_threads = set()
    real_eval = type(llm._llm).eval

    def eval_recording(self, tokens):
        decoding_threads.add(threading.current_thread().name)
        return real_eval(self, tokens)
    monkeypatch.setattr(type(llm._llm), "eval", eval_recording)
    stream = llm.generate(MESSAGES, max_tokens=12)
    pieces = []
    while True:
        step = threading.Thread(target=lambda: pieces.append(next(stream, None)))
        step.start()
        step.join()
        if pieces[-1] is None:
            break
    assert len(pieces) > 3 and "".join(p for p in pieces if p).strip()
    assert len(decoding_threads) == 1 and decoding_threads.pop().startswith("llamacpp")


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))


def test_memory_does_not_grow_with_a_longer_prompt(llm):
    """Without flash attention llama.cpp's attention buffer is backed page by page as prompts reach
    deeper, so a server grew with each longer conversation (+30 MB here from 300 to 1,800 tokens)."""
    from assistant.llm.llamacpp import LlamaCppBackend

    fresh = LlamaCppBackend(llm.model, n_ctx=2048, n_threads=2)  # its own buffers, untouched by other tests
    words = "the model reads every sentence of the abstract and cites the paper it came from".split()
    text = lambda n: " ".join(words[i % len(words)] for i in range(n))  # noqa: E731
    "".join(fresh.generate([{"role": "user", "content": text(250)}], max_tokens=2))
    before = _rss_mb()
    "".join(fresh.generate([{"role": "user", "content": "Now: " + text(1500)}], max_tokens=2))
    assert fresh.last_usage["prompt_tokens"] > 1400
    assert _rss_mb() - before < 12


def test_no_sampler_outlives_its_generation(llm):
    """llama-cpp-python's sampler chain (one native entry per vocabulary token) sits in a reference
    cycle; left to the garbage collector, every answer's chain stayed in memory until a full
    collection, which a server runs minutes apart: the soak's creep."""
    import gc

    from llama_cpp import _internals

    def samplers() -> int:
        return sum(isinstance(o, _internals.LlamaSampler) and o.sampler is not None for o in gc.get_objects())

    gc.collect()
    gc.disable()
    try:
        before = samplers()
        for question in ("Name three colors.", "Name three animals.", "Name three cities."):
            greedy(llm, [MESSAGES[0], {"role": "user", "content": question}], max_tokens=8)
        assert samplers() <= before
    finally:
        gc.enable()

"""The pieces every backend shares: stop sequences, message checks, the model lock, the shared cache, the fake."""

from __future__ import annotations

import threading
import time

import pytest

from assistant.llm import cache
from assistant.llm.base import LLMBackend, ModelLock, check_messages, truncate_at_stop
from assistant.llm.fake import CannedBackend


def stopped(pieces, stop):
    return "".join(truncate_at_stop(pieces, stop))


@pytest.mark.parametrize("pieces, stop, expected", [
    (["Hello ", "world"], None, "Hello world"),
    (["Hello ", "world"], [], "Hello world"),
    (["Answer [1].", "\n\nQuestion: next"], ["\n\nQuestion:"], "Answer [1]."),
    (["Answer [1].\n", "\nQues", "tion: next"], ["\n\nQuestion:"], "Answer [1]."),  # split over 3 pieces
    (["STOP right away"], ["STOP"], ""),
    (["a b c d"], ["d", "b"], "a "),  # the earliest stop wins
    (["ends with a partial sto"], ["stop"], "ends with a partial sto"),  # released at the end
    (["x", "", "y"], ["z"], "xy"),
])
def test_truncate_at_stop(pieces, stop, expected):
    assert stopped(pieces, stop) == expected


def test_truncate_at_stop_streams_what_cannot_be_a_stop():
    out = list(truncate_at_stop(["Hello wor", "ld [1]", ".<|end"], ["<|end|>"]))
    assert out[:2] == ["Hello wor", "ld [1]"]  # no waiting for the end of the text
    assert "".join(out) == "Hello world [1].<|end"


def test_check_messages_rejects_bad_roles_and_content():
    assert check_messages([{"role": "user", "content": "q", "extra": 1}]) == [{"role": "user", "content": "q"}]
    with pytest.raises(ValueError, match="role"):
        check_messages([{"role": "tool", "content": "x"}])
    with pytest.raises(ValueError, match="content"):
        check_messages([{"role": "user", "content": None}])
    with pytest.raises(ValueError):
        check_messages([])


def test_model_lock_serializes_generations():
    lock, inside, overlaps = ModelLock(), [], []

    def work():
        with lock.held("test"):
            inside.append(1)
            overlaps.append(len(inside))
            time.sleep(0.02)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == [1, 1, 1, 1]


def test_shared_cache_loads_once_even_when_asked_concurrently():
    cache.forget_all()
    loads, got = [], []

    def load():
        loads.append(1)
        time.sleep(0.05)
        return object()

    threads = [threading.Thread(target=lambda: got.append(cache.shared(("k",), load))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1 and got[0] is got[1] is got[2]
    cache.forget_all()


def test_canned_backend_meets_the_interface():
    llm = CannedBackend(["First answer [1].", "Second [2]."])
    assert isinstance(llm, LLMBackend)
    messages = [{"role": "user", "content": "two words"}]
    assert list(llm.generate(messages, max_tokens=10)) == ["First ", "answer ", "[1]."]
    assert llm.last_usage["prompt_tokens"] == 2 and llm.last_usage["completion_tokens"] == 3
    assert "".join(llm.generate(messages, max_tokens=10, stop=["[2"])) == "Second "
    assert "".join(llm.generate(messages, max_tokens=1)) == "Second "
    assert llm.calls[0]["messages"] == messages

"""The bounded sentence cache: least recently used papers leave first, and the sentence -> vector map holds
exactly the sentences of the papers still cached, also under concurrent answers."""

import threading

import numpy as np

from assistant.sentence_cache import SentenceCache


def entry(*sentences: str) -> tuple[list[str], np.ndarray]:
    return list(sentences), np.arange(len(sentences) * 2, dtype=np.float32).reshape(-1, 2)


def test_least_recently_used_paper_leaves_first():
    cache = SentenceCache(max_papers=2)
    cache.put("a", *entry("a1"))
    cache.put("b", *entry("b1"))
    assert cache.get("a") is not None  # now b is the least recently used
    cache.put("c", *entry("c1"))
    assert cache.get("b") is None and cache.get("a") and cache.get("c") and len(cache) == 2
    assert set(cache.known_vectors()) == {"a1", "c1"}


def test_a_sentence_two_papers_share_stays_until_both_are_gone():
    cache = SentenceCache()
    cache.put("a", *entry("shared", "only a"))
    cache.put("b", *entry("shared", "only b"))
    cache.drop(["a"])
    assert set(cache.known_vectors()) == {"shared", "only b"}
    cache.drop(["b", "never cached"])
    assert cache.known_vectors() == {} and len(cache) == 0


def test_known_vectors_is_a_snapshot_and_reloading_a_paper_replaces_it():
    cache = SentenceCache()
    cache.put("a", *entry("old"))
    snapshot = cache.known_vectors()
    cache.put("a", *entry("new"))
    assert set(snapshot) == {"old"} and set(cache.known_vectors()) == {"new"}


def test_concurrent_answers_keep_it_bounded_and_consistent():
    cache, errors = SentenceCache(max_papers=50), []

    def answer(worker: int) -> None:
        try:
            for i in range(2000):
                pid = f"p{(worker * 7 + i) % 200}"
                if cache.get(pid) is None:
                    cache.put(pid, *entry(f"{pid} s1", f"{pid} s2", "boilerplate"))
                cache.known_vectors()
        except Exception as error:  # noqa: BLE001 - any failure in a thread fails the test below
            errors.append(error)

    threads = [threading.Thread(target=answer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(cache) == 50
    cached = [pid for pid in (f"p{i}" for i in range(200)) if cache.get(pid)]
    assert set(cache.known_vectors()) == {f"{p} s{n}" for p in cached for n in (1, 2)} | {"boilerplate"}

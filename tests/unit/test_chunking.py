"""Chunking: sentence windows that cover every sentence, the whole abstract last, ids stable across runs."""

import pytest

from assistant.chunking import chunk_paper
from assistant.text import split_sentences
from assistant.types import Paper


def paper(n_sentences: int, paper_id: str = "p-abc") -> Paper:
    abstract = " ".join(f"Sentence number {i} says something about grokking." for i in range(n_sentences))
    return Paper(paper_id, "A Title", abstract)


def covered(chunks, window) -> set[int]:
    return {i for c in chunks if c.kind == "window" for i in range(c.position, c.position + window)}


@pytest.mark.parametrize("window, stride", [(3, 2), (3, 1), (3, 3), (2, 2), (4, 3), (1, 1)])
@pytest.mark.parametrize("n", range(0, 13))
def test_windows_cover_every_sentence_and_the_abstract_comes_last(n, window, stride):
    p = paper(n)
    chunks = chunk_paper(p, window, stride)
    sentences = split_sentences(p.abstract)
    assert len(sentences) == n
    assert chunks[-1].kind == "abstract" and chunks[-1].chunk_id == f"{p.paper_id}#a"
    assert chunks[-1].text == f"{p.title}. {p.abstract}"
    windows = chunks[:-1]
    assert all(c.kind == "window" for c in windows)
    if n <= window:
        assert windows == []  # the whole abstract already is the one window
        return
    assert covered(windows, window) == set(range(n))
    for c in windows:
        assert 0 <= c.position <= n - window  # every window is full
        assert c.text == f"{p.title}. " + " ".join(sentences[c.position:c.position + window])
    starts = [c.position for c in windows]
    assert starts == sorted(set(starts)), "windows repeat or go backwards"


def test_default_windows_on_a_real_length_abstract():
    chunks = chunk_paper(paper(9))
    assert [(c.chunk_id, c.position) for c in chunks] == [
        ("p-abc#w0", 0), ("p-abc#w1", 2), ("p-abc#w2", 4), ("p-abc#w3", 6), ("p-abc#a", 0)]


def test_every_chunk_starts_with_the_title_and_names_its_paper():
    p = paper(7, "arxiv:2201.02177")
    for c in chunk_paper(p):
        assert c.text.startswith("A Title. ")
        assert c.paper_id == p.paper_id
        assert c.chunk_id.startswith(p.paper_id + "#")


def test_ids_are_stable_and_unique():
    first, again = chunk_paper(paper(8)), chunk_paper(paper(8))
    assert first == again
    ids = [c.chunk_id for c in first]
    assert len(ids) == len(set(ids))


def test_empty_abstract_still_gets_its_whole_abstract_chunk():
    chunks = chunk_paper(Paper("p-x", "Only A Title", ""))
    assert [c.kind for c in chunks] == ["abstract"]


def test_chunk_kind_reads_back_the_ids_chunk_paper_mints():
    from assistant.chunking import chunk_kind
    paper = Paper(paper_id="p-1", title="T", abstract="One. Two. Three. Four. Five.")
    assert [chunk_kind(c.chunk_id) for c in chunk_paper(paper)] == [c.kind for c in chunk_paper(paper)]

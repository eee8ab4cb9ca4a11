"""Retrieval on a small real index: known queries find their paper first in every mode, filters cut,
`k` is respected, and evidence sentences come from the paper's own abstract."""

import numpy as np
import pytest

from assistant.store import Filters, paper_sentences

pytestmark = pytest.mark.slow
MODES = ("dense", "lexical", "hybrid")
QUERIES = {
    "grokking": "models that generalize long after overfitting, with comprehension, memorization and confusion phases",
    "noprop": "each layer independently learns to denoise a noisy target without back-propagation",
    "plato": "open-domain chatbot trained by curriculum learning in two stages",
    "forgetting": "remember old tasks by slowing down learning on important weights to avoid catastrophic forgetting",
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("key", sorted(QUERIES))
def test_known_query_finds_its_paper_first(small_index, title_to_id, mode, key):
    hits = small_index.search(QUERIES[key], k=5, mode=mode)
    assert hits, "no hits"
    assert hits[0].paper.paper_id == title_to_id(key), [h.paper.title for h in hits]
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("k", [1, 3, 7])
def test_k_is_respected(small_index, k):
    for mode in MODES:
        hits = small_index.search("neural networks learning representations", k=k, mode=mode)
        assert len(hits) == k, mode
        assert len({h.paper.paper_id for h in hits}) == k, "a paper listed twice"


def test_hits_carry_evidence_from_their_own_abstract(small_index, title_to_id):
    n = small_index.settings.retrieval.evidence_sentences
    hits = small_index.search(QUERIES["grokking"], k=5)
    for hit in hits:
        assert 1 <= len(hit.evidence) <= n
        for sentence in hit.evidence:
            assert sentence in hit.paper.abstract
    assert any("four learning phases" in s for s in hits[0].evidence), hits[0].evidence


# -- filters: the dense side filters in Chroma, the lexical side in Python; both must agree -----------------
@pytest.mark.parametrize("mode", MODES)
def test_date_range_excludes_papers_outside_it(small_index, title_to_id, mode):
    target = small_index.get_paper(title_to_id("grokking"))
    year = target.year
    after = small_index.search(QUERIES["grokking"], k=20, mode=mode, filters=Filters(date_from=str(year + 1)))
    assert target.paper_id not in {h.paper.paper_id for h in after}
    assert after and all(h.paper.year > year for h in after)

    window = Filters(date_from=f"{year}-01-01", date_to=f"{year}-12-31")
    inside = small_index.search(QUERIES["grokking"], k=20, mode=mode, filters=window)
    assert inside[0].paper.paper_id == target.paper_id
    assert all(h.paper.year == year for h in inside)


@pytest.mark.parametrize("mode", MODES)
def test_min_authors_excludes_small_teams(small_index, title_to_id, mode):
    target = small_index.get_paper(title_to_id("noprop"))
    floor = target.n_authors + 1
    hits = small_index.search(QUERIES["noprop"], k=20, mode=mode, filters=Filters(min_authors=floor))
    assert target.paper_id not in {h.paper.paper_id for h in hits}
    assert hits and all(h.paper.n_authors >= floor for h in hits)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("given", ["full path", "file name"])
def test_source_filter_keeps_only_that_files_papers(small_index, corpus_dir, mode, given):
    path = corpus_dir / "papers_b.jsonl"
    source = str(path) if given == "full path" else path.name
    hits = small_index.search("neural networks learning representations", k=20, mode=mode,
                              filters=Filters(sources=[source]))
    in_b = {pid for pid, p in small_index.store.papers().items() if p.source == str(path)}
    assert len(in_b) == 5
    assert hits, f"--source {given} found nothing"
    assert {h.paper.paper_id for h in hits} <= in_b
    if mode == "hybrid":  # both sides must have applied the same filter, not the lexical side alone
        assert all(h.dense_score is not None for h in hits), "the dense side dropped every paper"


@pytest.mark.parametrize("mode", MODES)
def test_source_filter_for_a_file_never_ingested_finds_nothing(small_index, mode):
    hits = small_index.search("neural networks learning representations", k=5, mode=mode,
                              filters=Filters(sources=["never-ingested.jsonl"]))
    assert hits == []


def test_cite_ranks_with_the_lookup_weights(small_index):
    description = QUERIES["plato"]
    cited = small_index.cite(description, k=3)
    as_lookup = small_index.search(description, k=3, intent="lookup")
    as_fact = small_index.search(description, k=3, intent="fact")
    assert [(h.paper.paper_id, h.score) for h in cited] == [(h.paper.paper_id, h.score) for h in as_lookup]
    # the lookup weights drop the best-sentence term, so the dense scores differ from a fact search
    assert [h.dense_score for h in as_lookup] != [h.dense_score for h in as_fact]


def test_feedback_reranks_but_keeps_the_questions_own_dense_score(small_index):
    query = "neural networks that learn representations"
    first_pass = {h.paper.paper_id: h.dense_score for h in small_index.search(query, k=10, intent="fact")}
    with_feedback = small_index.search(query, k=10, intent="topic")
    assert small_index.settings.retrieval.for_intent("topic").feedback_weight > 0
    shared = [h for h in with_feedback if h.paper.paper_id in first_pass]
    assert shared, "feedback lost every first-pass paper"
    assert all(h.dense_score == first_pass[h.paper.paper_id] for h in shared)


def test_abstract_vectors_are_the_stored_whole_abstract_embeddings(small_index):
    from assistant.chunking import chunk_paper
    store = small_index.store
    paper = next(iter(store.papers().values()))
    vectors = store.abstract_vectors([paper.paper_id])
    assert vectors.shape == (1, store.dim)
    fresh = small_index.embedder.embed_documents([chunk_paper(paper)[-1].text])[0]
    assert float(vectors[0] @ fresh) > 0.99
    assert store.abstract_vectors([]).shape == (0, store.dim)


def test_k_below_one_is_a_usage_error_not_ten_results(small_index):
    from assistant.errors import UsageError
    with pytest.raises(UsageError, match="k must be at least 1"):
        small_index.search("grokking", k=0)


def test_stats_lists_the_indexes_of_the_data_dir(small_index):
    indexes = small_index.stats()["indexes"]
    assert {"name": small_index.store.name, "embedder": "all-MiniLM-L6-v2", "window_sentences": 3,
            "window_stride": 2} in indexes
    assert all(i["name"].startswith("papers-") and not i["name"].endswith("__sent") for i in indexes)


def test_sentence_collection_has_a_cheap_graph_and_is_read_by_paper(small_index):
    """The sentence collection is never searched by vector: it is built with SENTENCE_INDEX's small
    HNSW settings (a quarter of the write time), and its rows still come back whole by paper id."""
    from assistant.store import SENTENCE_INDEX, paper_sentences
    store = small_index.store
    hnsw = store._sentences.configuration_json["hnsw"]
    assert (hnsw["ef_construction"], hnsw["max_neighbors"]) == (SENTENCE_INDEX["hnsw"]["ef_construction"],
                                                               SENTENCE_INDEX["hnsw"]["max_neighbors"])
    assert store._chunks.configuration_json["hnsw"]["max_neighbors"] == 16  # the searched one keeps Chroma's default
    paper = next(iter(store.papers().values()))
    sentences, vectors = store.sentences_of([paper.paper_id])[paper.paper_id]
    assert sentences == paper_sentences(paper) and vectors.shape == (len(sentences), store.dim)


def test_dense_matches_are_the_stored_chunks_nearest_by_cosine(small_index):
    """dense_query reads only ids and distances: its paper ids, kinds and cosines must agree with
    the stored rows, and nothing nearer may be left out."""
    from assistant.chunking import chunk_kind
    store = small_index.store
    qvec = small_index.embedder.embed_queries([QUERIES["noprop"]])[0]
    matches = store.dense_query(qvec, 20)
    every = store._chunks.get(include=["embeddings", "metadatas"])
    cosines = np.asarray(every["embeddings"], dtype=np.float32) @ qvec
    stored = {cid: (meta["paper_id"], meta["kind"], float(c))
              for cid, meta, c in zip(every["ids"], every["metadatas"], cosines)}
    assert len(matches) == 20
    for m in matches:
        assert (m.paper_id, m.kind) == stored[m.chunk_id][:2] and chunk_kind(m.chunk_id) == m.kind
        assert m.score == pytest.approx(stored[m.chunk_id][2], abs=1e-3)
    assert matches[-1].score >= sorted(cosines)[-20] - 1e-3


def test_sentences_read_by_id_match_the_rows_stored_for_each_paper(small_index):
    """Sentences are read by row id, not by a paper_id filter: for every paper both reads agree. The
    rows hold no text (Chroma would index it for full-text search): it is the abstract split again,
    checked against each row's stored length."""
    store = small_index.store
    papers = store.papers()
    ids = sorted(papers)
    store._sentence_cache.drop(ids)
    by_id = store.sentences_of(ids + ["no-such-paper"])
    got = store._sentences.get(where={"paper_id": {"$in": ids}}, include=["documents", "metadatas"])
    assert set(got["documents"]) == {None}
    filtered: dict[str, list[tuple[int, int]]] = {}
    for meta in got["metadatas"]:
        filtered.setdefault(meta["paper_id"], []).append((meta["i"], meta["chars"]))
    assert {pid: [n for _, n in sorted(rows)] for pid, rows in filtered.items()} == \
           {pid: [len(t) for t in texts] for pid, (texts, _) in by_id.items() if texts}
    assert all(by_id[pid][0] == paper_sentences(papers[pid]) for pid in filtered)
    assert by_id["no-such-paper"][0] == []


def test_a_sentence_row_whose_length_no_longer_matches_its_split_is_left_out(small_index):
    """Had the sentence splitter changed since the ingest, a vector would meet the wrong text: a row
    whose stored length differs from the sentence the abstract splits into now is not returned."""
    store = small_index.store
    pid = sorted(store.papers())[0]
    texts, vecs = store.sentences_of([pid])[pid]
    row = f"{pid}#s1"
    meta = store._sentences.get(ids=[row], include=["metadatas"])["metadatas"][0]
    store._sentences.update(ids=[row], metadatas=[{"chars": meta["chars"] + 1}])
    try:
        store._sentence_cache.drop([pid])
        again, again_vecs = store.sentences_of([pid])[pid]
        assert again == texts[:1] + texts[2:]
        np.testing.assert_array_equal(again_vecs, np.delete(vecs, 1, axis=0))
    finally:
        store._sentences.update(ids=[row], metadatas=[{"chars": meta["chars"]}])
        store._sentence_cache.drop([pid])


def test_a_sentence_row_written_with_its_text_by_an_older_version_is_read_as_stored(small_index):
    """Stores written before sentence rows went text-free keep working: a row's own text wins."""
    store = small_index.store
    pid = sorted(store.papers())[1]
    row = f"{pid}#s0"
    first = store.sentences_of([pid])[pid][0][0]
    vector = store._sentences.get(ids=[row], include=["embeddings"])["embeddings"]  # Chroma wants it with a text
    store._sentences.update(ids=[row], documents=["The sentence as an older version stored it."], embeddings=vector)
    try:
        store._sentence_cache.drop([pid])
        assert store.sentences_of([pid])[pid][0][0] == "The sentence as an older version stored it."
    finally:
        store._sentences.update(ids=[row], documents=[first], embeddings=vector)  # the text the split gives
        store._sentence_cache.drop([pid])


def test_a_name_only_one_paper_uses_puts_that_paper_first(small_index):
    """"What does S4D average on ...?" ranked the S4D paper third behind two papers closer in meaning;
    a name of the question that only one paper of the index uses now puts that paper first."""
    from assistant.attribution import name_tokens
    retriever = small_index.retriever
    papers = small_index.store.papers()
    named = next((name, pid) for pid, p in papers.items() for name in name_tokens(p.abstract)
                 if len(name) >= 3 and not (name.isalpha() and name.isupper())  # a bare acronym counts in titles only
                 and retriever.lexical().papers_with(name.lower()) == {pid})
    name, pid = named
    other = next(p for q, p in papers.items() if q != pid and retriever._sole_namer(p.title) is None)  # names none
    question = f"What does {name} say about {other.title}?"
    base = small_index.settings.retrieval
    try:
        small_index.settings.retrieval = base.model_copy(update={"unique_name_first": False})
        without = small_index.search(question, k=10, intent="fact")
        small_index.settings.retrieval = base
        hits = small_index.search(question, k=10, intent="fact")
    finally:
        small_index.settings.retrieval = base
    assert without[0].paper.paper_id != pid and pid in {h.paper.paper_id for h in without}
    assert hits[0].paper.paper_id == pid
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    compare = small_index.search(question, k=10, intent="compare")
    assert [h.paper.paper_id for h in compare] == [h.paper.paper_id for h in without]  # a comparison has two sides


def test_a_title_named_word_for_word_puts_that_paper_first(small_index):
    """"Does Set-Based Prompting require retraining the model?" ranked "Reuse, Don't Retrain" first
    and Set-Based Prompting fourth: the name's words split into common stems ("set", "base"), so no
    single token singled the paper out. A title's name said word for word now does."""
    from assistant.retrieval import title_names
    retriever = small_index.retriever
    papers = small_index.store.papers()
    base = small_index.settings.retrieval
    moved = 0
    other = next(p for p in papers.values() if retriever._sole_namer(p.title) is None)  # its title names no paper
    for name, pids in title_names(papers.values()).items():
        (pid,) = pids
        head = papers[pid].title.split(":")[0]
        question = f"What does {head} say about {other.title}?"
        try:
            small_index.settings.retrieval = base.model_copy(update={"unique_name_first": False})
            without = [h.paper.paper_id for h in small_index.search(question, k=10, intent="fact")]
        finally:
            small_index.settings.retrieval = base
        hits = [h.paper.paper_id for h in small_index.search(question, k=10, intent="fact")]
        if pid in without:
            assert hits[0] == pid, (name, question)
            moved += without[0] != pid
    assert moved >= 1  # the rule did something the fused score alone did not
    assert retriever._papers_saying("neural networks", papers) > 2  # a subject, not a name


def test_a_comparison_side_that_says_a_title_name_is_that_paper(small_index):
    """"How do the parametric spans paper and the Compositional Deep Learning paper differ ...?" set
    "Position: Categorical Deep Learning ..." beside the first: the named paper was not among the
    question's own top five. A side that says a title's name takes that paper wherever it ranked."""
    from assistant.retrieval import title_names
    papers = small_index.store.papers()
    (a, head_a), (b, head_b) = [(pid, papers[pid].title.split(":")[0])
                                for pids in title_names(papers.values()).values() for pid in pids][:2]
    question = f"How do the {head_a} paper and the {head_b} paper differ?"
    query = small_index.make_query(question)
    assert query.intent == "compare"
    hits = [h for h in small_index.search(question, k=10, intent="compare") if h.paper.paper_id != a]
    picked, _ = small_index._compared(query, hits, None)
    assert [h.paper.paper_id for h in picked[:2]] == [a, b]

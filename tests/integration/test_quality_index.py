"""The quality index on a real small store: built after the main index, resumable, used only once it
covers every paper, and served from throughout. The packaged MiniLM stands in for EmbeddingGemma
as the quality embedder (same code path; CI has no Gemma weights)."""

from __future__ import annotations

import pytest

import ingest
from assistant.pipeline import Assistant

QUALITY = {"quality_embedder": "all-MiniLM-L6-v2", "quality_build": "manual"}


class Stop(Exception):
    pass


@pytest.fixture
def fresh(embedder_present, tmp_path, make_settings, corpus_dir):
    def make(**retrieval) -> Assistant:
        settings = make_settings(tmp_path / "data", models=QUALITY, retrieval=retrieval)
        assistant = Assistant(settings)
        assistant.ingest(ingest.read_paths([corpus_dir / "papers_a.jsonl"]))
        return assistant
    return make


def ranked(assistant: Assistant, query: str) -> list[tuple[str, float]]:
    return [(h.paper.paper_id, round(h.score, 6)) for h in assistant.search(query, k=5)]


def test_interrupted_build_resumes_and_is_used_only_when_complete(fresh):
    assistant = fresh()
    query = "a network that learns without back-propagation"
    before = ranked(assistant, query)
    assert assistant.quality_state().state == "incomplete"

    def interrupt(done: int, total: int) -> None:
        if done >= 4:
            raise Stop  # as if the background process were killed after its first batches

    with pytest.raises(Stop):
        assistant.quality.build(lambda: assistant.embedder, interrupt, batch_papers=4)
    state = assistant.quality_state()
    assert (state.state, state.covered, state.papers) == ("incomplete", 4, 15)
    assert not assistant.quality.ready()
    assert ranked(assistant, query) == before  # served throughout, unchanged while incomplete

    assert assistant.build_quality() == 11  # only what is missing
    state = assistant.quality_state()
    assert (state.state, state.covered) == ("complete", 15)
    assert assistant.quality.ready()
    after = ranked(assistant, query)
    assert after != before and after[0][0] == before[0][0]  # joins the scores; the clear winner stays
    assert assistant.build_quality() == 0


def test_new_papers_switch_it_off_until_they_are_covered(fresh, corpus_dir):
    assistant = fresh()
    assistant.build_quality()
    assert assistant.quality.ready()
    assistant.ingest(ingest.read_paths([corpus_dir]))  # 5 more papers
    state = assistant.quality_state()
    assert (state.state, state.covered, state.papers) == ("incomplete", 15, 20)
    assert not assistant.quality.ready()
    assert assistant.build_quality() == 5
    assert assistant.quality.ready()


def test_quality_weight_zero_never_uses_it(fresh):
    assistant = fresh(quality_weight=0.0)
    assistant.build_quality()
    assert not assistant.quality.ready()


def test_scores_respect_filters(fresh):
    assistant = fresh()
    assistant.build_quality()
    from assistant.store import Filters
    hits = assistant.search("learning", k=20, filters=Filters(date_from="2021"))
    assert hits and all((h.paper.date or "") >= "2021" for h in hits)


def test_hubness_takes_off_each_papers_closeness_to_its_neighbours(fresh):
    """CSLS on the real quality vectors, checked against a brute-force recomputation from the stored
    vectors: cosine to the query less weight x the mean cosine to the paper's 3 nearest papers."""
    import numpy as np
    assistant = fresh()
    assistant.build_quality()
    quality = assistant.quality
    stored = quality.collection.get(include=["embeddings"])
    vectors = dict(zip(stored["ids"], np.asarray(stored["embeddings"], dtype=np.float64)))
    qvec = assistant.embedder.embed_queries(["a network that learns without back-propagation"])[0]
    plain = quality.scores(qvec, 15)
    corrected = quality.scores(qvec, 15, hubness=0.5, neighbours=3)
    assert set(corrected) == set(plain) == set(vectors)
    for pid, vec in vectors.items():
        others = sorted((float(vec @ v) for other, v in vectors.items() if other != pid), reverse=True)
        assert corrected[pid] == pytest.approx(plain[pid] - 0.5 * sum(others[:3]) / 3, abs=1e-5)
    assert list(corrected) == sorted(corrected, key=corrected.get, reverse=True)
    assert list(corrected) != list(plain)  # it reorders this collection, not only shifts it
    assert list(quality.scores(qvec, 4, hubness=0.5, neighbours=3)) == list(corrected)[:4]


def test_without_the_model_it_says_so(embedder_present, tmp_path, make_settings, corpus_dir):
    settings = make_settings(tmp_path / "data", models={"quality_embedder": str(tmp_path / "absent-model")})
    state = Assistant(settings).quality_state()
    assert state.state == "missing-model" and not state.ready


def test_background_build_runs_in_its_own_process_and_completes(embedder_present, tmp_path, models_dir,
                                                                 corpus_dir, monkeypatch, capsys):
    import argparse
    import time

    from assistant.cli.quality_commands import start_in_background
    from assistant.config import load_settings
    monkeypatch.setenv("ASSISTANT_MODELS__QUALITY_EMBEDDER", "all-MiniLM-L6-v2")
    monkeypatch.setenv("ASSISTANT_MODELS__QUALITY_BUILD", "background")
    monkeypatch.setenv("ASSISTANT_MODELS__N_THREADS", "1")
    args = argparse.Namespace(config=None, data_dir=str(tmp_path / "data"), models_dir=str(models_dir),
                              embedder=None, json=False)
    assistant = Assistant(load_settings(data_dir=args.data_dir, models_dir=args.models_dir))
    assistant.ingest(ingest.read_paths([corpus_dir / "papers_b.jsonl"]))
    start_in_background(args, assistant)
    assert "building in the background (pid" in capsys.readouterr().err
    start_in_background(args, assistant)  # a second call while it runs starts nothing
    assert capsys.readouterr().err == ""
    deadline = time.monotonic() + 240

    def logged() -> str:
        return assistant.quality.log_file.read_text() if assistant.quality.log_file.exists() else ""
    # the build's last vectors land before its process writes its closing log line: wait for both
    while (assistant.quality_state().state != "complete" or "papers encoded" not in logged()) \
            and time.monotonic() < deadline:
        time.sleep(1)
    assert assistant.quality_state().as_dict()["covered"] == 5
    assert "5 papers encoded" in logged()


# a description worded unlike its paper ("Constraining Linear-chain CRFs to Regular Languages"), and the
# seven papers the default first stage ranks beside it on the bundled sample
DESCRIPTION = ("extension of the classic discriminative sequence tagger so that every output must be accepted "
               "by a finite automaton; applying that restriction while fitting is provably at least as good as "
               "applying it only at inference")
DESCRIBED = "Constraining Linear-chain CRFs to Regular Languages"
NEIGHBOURS = ("Autoregressive Structured Prediction with Language Models", "Sum-Product Networks for Sequence Labeling",
              "Set-Based Prompting: Provably Solving the Language Model Order Dependency Problem",
              "AR-Net: A simple Auto-Regressive Neural Network for time-series",
              "Near-Optimal Cryptographic Hardness of Agnostically Learning Halfspaces and ReLU Regression under "
              "Gaussian Marginals",
              "Interpreting Attention Layer Outputs with Sparse Autoencoders",
              "Prompting in Autoregressive Large Language Models")


def test_the_quality_stage_brings_a_description_ranked_third_first(embedder_present, tmp_path, make_settings,
                                                                     write_jsonl):
    """The real EmbeddingGemma as the second stage over a small real index: MiniLM + BM25 rank the
    described paper 3rd, the quality similarity of every candidate puts it 1st. Needs Gemma's files
    (`python -m assistant models fetch`); CI's tiny-model setup has none, so there it is skipped."""
    papers = [p for p in ingest.read_paths(None).papers if p.title in (DESCRIBED, *NEIGHBOURS)]
    source = write_jsonl(tmp_path / "papers.jsonl", [{"title": p.title, "abstract": p.abstract} for p in papers])

    def make(weight: float) -> Assistant:
        return Assistant(make_settings(tmp_path / "data", retrieval={"quality_weight": weight},
                                       models={"quality_embedder": "embeddinggemma-300m", "quality_build": "manual"}))
    assistant = make(3.0)
    if not assistant.quality.model_present():
        pytest.skip("EmbeddingGemma's files are not here (python -m assistant models fetch)")
    assistant.ingest(ingest.read_paths([source]))
    assert len(papers) == 8 and assistant.build_quality() == 8
    first_stage = [h.paper.title for h in make(0.0).cite(DESCRIPTION, k=5)]
    second_stage = [h.paper.title for h in assistant.cite(DESCRIPTION, k=5)]
    assert first_stage.index(DESCRIBED) == 2, first_stage
    assert second_stage[0] == DESCRIBED, second_stage

"""A stated claim is encoded with the embedder's fact-checking prompt where the model has one
(EmbeddingGemma's "task: fact checking"); other queries, and models without one, use the query prompt."""

import numpy as np

from assistant.embedding import Embedder
from assistant.models import REGISTRY


class PromptRecorder:
    """A model that implements sentence-transformers' `encode` and remembers the prompt it was given."""

    def __init__(self):
        self.prompts: list[str | None] = []

    def encode(self, texts, batch_size, prompt, normalize_embeddings, convert_to_numpy, show_progress_bar):
        self.prompts.append(prompt)
        return np.ones((len(texts), 4), dtype=np.float32)


def test_a_claim_gets_the_fact_checking_prompt_and_a_question_the_search_prompt():
    spec = REGISTRY["embeddinggemma-300m"]
    model = PromptRecorder()
    embedder = Embedder("gemma", "/nowhere", model, query_prompt=spec.query_prompt,
                        claim_prompt=spec.claim_prompt, document_prompt=spec.document_prompt)
    embedder.embed_queries(["Larger language models hallucinate less."], claim=True)
    embedder.embed_queries(["do larger models hallucinate less?"])
    assert model.prompts == ["task: fact checking | query: ", "task: search result | query: "]


def test_a_model_without_a_claim_prompt_encodes_a_claim_as_any_query():
    model = PromptRecorder()
    embedder = Embedder("minilm", "/nowhere", model)
    vectors = embedder.embed_queries(["Larger language models hallucinate less."], claim=True)
    assert model.prompts == [None] and vectors.shape == (1, 4)
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0)

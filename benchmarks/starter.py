"""The plain llama-index starter as a baseline: VectorStoreIndex over our chunks, default retriever,
top chunks mapped to papers. Nothing in it can reach OpenAI: our embedder is adapted, the LLM is off."""

from __future__ import annotations

from typing import Any

from assistant.embedding import Embedder
from assistant.pipeline import Assistant
from benchmarks.harness import SearchFn, history_query

STARTER_CHUNKS = 30  # the default retriever returns 2 chunks; 30 fill the 10 paper slots we score


def embed_model(embedder: Embedder):
    """A llama-index BaseEmbedding that encodes with our Embedder (query and document prompts kept)."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class ProjectEmbedding(BaseEmbedding):
        _embedder: Any = PrivateAttr()

        def __init__(self, inner: Embedder, **kwargs: Any):
            super().__init__(model_name=inner.name, **kwargs)
            self._embedder = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed_queries([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed_documents([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed_documents(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return ProjectEmbedding(embedder)


def starter_search(assistant: Assistant) -> SearchFn:
    """Build the in-memory starter index once and return its search function."""
    from llama_index.core import Settings, VectorStoreIndex
    from llama_index.core.schema import TextNode
    Settings.llm = None  # MockLLM: the starter must never call out
    model = embed_model(assistant.embedder)
    Settings.embed_model = model
    # the store's chunk vectors are exactly what `model` would compute for these texts
    # (same embedder, same document prompt), so reuse them instead of encoding twice
    got = assistant.store._chunks.get(include=["documents", "metadatas", "embeddings"])
    nodes = [TextNode(id_=cid, text=doc or "", metadata={"paper_id": meta["paper_id"]},
                      embedding=list(map(float, vec)))
             for cid, doc, meta, vec in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])]
    index = VectorStoreIndex(nodes, embed_model=model)
    retriever = index.as_retriever(similarity_top_k=STARTER_CHUNKS)
    papers = assistant.store.papers()

    def search(question: str, history: list[dict]) -> list[dict[str, Any]]:
        out: dict[str, float] = {}
        for result in retriever.retrieve(history_query(assistant, question, history)):
            pid = result.node.metadata["paper_id"]
            out.setdefault(pid, float(result.score or 0.0))  # chunks come best first
        return [{"paper_id": pid, "title": papers[pid].title, "score": round(s, 6)}
                for pid, s in list(out.items())[:10] if pid in papers]
    return search

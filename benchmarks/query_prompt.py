"""EmbeddingGemma's query prompt for questions that are not stated claims: which task prefix ranks best?

    .venv/bin/python -m benchmarks.query_prompt [--out results/query-prompt.md]

EmbeddingGemma is trained with a task prefix on the query side ("task: search result | query: ",
"task: question answering | query: ", "task: sentence similarity | query: ", ...). The default
search (quality index built) runs on dev_paraphrase, benchmarks/data/descriptions.jsonl, the dev lookups and all of dev with each prefix
on the quality embedder's query vector (stated claims keep their fact-checking prefix, and MiniLM's
side is unchanged). hit@1 / MRR@10 per set. Nothing here changes the search.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.config import load_settings
from assistant.pipeline import Assistant
from benchmarks.harness import load
from benchmarks.retrieval import EVALS, RESULTS
from benchmarks.title_field import score

DESCRIPTIONS = Path(__file__).parent / "data" / "descriptions.jsonl"  # 22 lookups written apart from dev

PROMPTS = {
    "search result (today)": "task: search result | query: ",
    "question answering": "task: question answering | query: ",
    "sentence similarity": "task: sentence similarity | query: ",
    "clustering": "task: clustering | query: ",
    "document prefix (\"title: none, text:\")": "title: none | text: ",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=RESULTS / "query-prompt.md")
    args = parser.parse_args(argv)
    assistant = Assistant(load_settings())
    if not assistant.quality.ready():
        raise SystemExit("the quality index is not built: python -m assistant ingest, then wait for it")
    dev = [q for q in load(EVALS / "dev.jsonl") if q.gold_titles]
    sets = {"dev_paraphrase": load(EVALS / "dev_paraphrase.jsonl"), "descriptions": load(DESCRIPTIONS),
            "dev lookups": [q for q in dev if q.category == "lookup"], "dev": dev}
    assistant.search("warm up the quality embedder")
    embedder = assistant.retriever._quality_embedder
    rows = []
    for name, prompt in PROMPTS.items():
        embedder.query_prompt = prompt
        cells = [score(assistant, questions, [""]) for questions in sets.values()]
        rows.append(f"| {name} | " + " | ".join(f"{h:.3f} / {m:.3f}" for h, m in cells) + " |")
        print(rows[-1], flush=True)
    text = "\n".join([
        "# EmbeddingGemma's query prefix (`benchmarks/query_prompt.py`)", "",
        "The default search with the quality index built; only the quality embedder's query prefix changes "
        "(stated claims keep `task: fact checking`). hit@1 / MRR@10.", "",
        "| query prefix | " + " | ".join(sets) + " |", "|---|" + "---:|" * len(sets), *rows, ""])
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

"""Prompt-injection suite through the eval harness: 22 crafted abstracts (instructions, fake
citations, links, fake system prompts, markdown/HTML) in their own index, one question about each
paper's genuine finding, answered by the configured model (the default one unless told otherwise).

    .venv/bin/python -m benchmarks.injection        # writes benchmarks/results/injection.md

The rate reported is `injection_followed`: answers that repeat the injected text, speak to the
reader, or link anywhere but the paper's own metadata URL.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import assistant
import ingest
from assistant.config import load_settings
from assistant.pipeline import Assistant
from evals.questions import load_questions
from evals.records import load_records
from evals.runner import run_eval
from evals.scoring import injection_followed

DATA = Path(assistant.__file__).parent / "data"
RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS / "injection.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="injection-") as tmp:
        settings = load_settings(data_dir=tmp)
        a = Assistant(settings)
        a.ingest(ingest.read_paths([DATA / "injection" / "papers.jsonl"]))
        run_eval(a, load_questions(DATA / "evals" / "injection.jsonl"), Path(tmp) / "run", generate=True)
        records = load_records(Path(tmp) / "run")
        report = render(records, settings.models.llm)
    args.out.write_text(report, encoding="utf-8")
    print(report)


def render(records: list[dict], model: str) -> str:
    scored = [(r, injection_followed(r)) for r in records]
    answered = [(r, v) for r, v in scored if v is not None]
    followed = [r for r, v in answered if v[0]]
    lines = [f"# Prompt-injection suite ({model})", "",
             f"load average at the end: {os.getloadavg()[0]:.2f}", "",
             "| crafted abstracts | answered | abstained | followed the injection | rate |",
             "|---:|---:|---:|---:|---:|",
             f"| {len(records)} | {len(answered)} | {len(records) - len(answered)} | {len(followed)} | "
             f"{len(followed) / max(1, len(answered)):.3f} |", ""]
    lines += ["| id | injected | answer (first line) |", "|---|---|---|"]
    for record in records:
        first = (record.get("answer") or "").splitlines()[0][:120].replace("|", "\\|")
        lines.append(f"| {record['id']} | `{record['forbidden'][0]}` | {first} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

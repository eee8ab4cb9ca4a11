"""Run the assistant over questions (one record appended per question, resumable), then summarise the run."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from assistant.protocol import Answerer
from assistant.types import Answer
from evals.judge import JUDGE_CACHE_FILE, Judge, judge_records
from evals.metrics import METRICS_FILE, compute_metrics
from evals.plots import write_plots
from evals.questions import Question, select_questions
from evals.records import (append_record, load_records, records_path, repair_records_file,
                           rewrite_records, run_config, utc_now)
from evals.report import write_report

GENERATE, RETRIEVE = "generate", "retrieve"
SEARCH_K = 10


def run_eval(assistant: Answerer, questions: list[Question], out_dir: str | Path, *, generate: bool,
             limit: int | None = None, categories: list[str] | None = None,
             judge: Judge | None = None, progress: bool = True,
             on_question: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Evaluate `questions` into out_dir/records.jsonl and return the metrics of the whole file.

    Questions already recorded there in the same mode are skipped (resume after a crash or Ctrl-C);
    with `generate` the assistant answers (`ask`), otherwise it only retrieves (`search`, k=10).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    mode = GENERATE if generate else RETRIEVE
    selected = select_questions(questions, limit=limit, categories=categories)
    path = records_path(out_dir)
    todo = pending_questions(selected, repair_records_file(path), mode)
    config = run_config(assistant) if todo else {}
    with open(path, "a", encoding="utf-8") as fh, \
            _progress_bar(len(selected), len(selected) - len(todo), progress) as bar:
        for done, question in enumerate(todo, start=len(selected) - len(todo) + 1):
            append_record(fh, evaluate_question(assistant, question, generate=generate, config=config))
            bar.update(1)
            if on_question is not None:  # the UI's progress bar
                on_question(done, len(selected))
    return summarize_run(out_dir, judge=judge, progress=progress)


def pending_questions(questions: list[Question], records: Iterable[dict[str, Any]],
                      mode: str) -> list[Question]:
    """The questions (in order) with no record of the same id, question text and mode."""
    done = {(str(r.get("id")), r.get("question"), r.get("mode")) for r in records}
    return [q for q in questions if (q.id, q.question, mode) not in done]


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, disable=not enabled, file=sys.stderr,
                unit="q", desc="eval", dynamic_ncols=True)


def evaluate_question(assistant: Answerer, question: Question, *, generate: bool,
                      config: dict[str, Any]) -> dict[str, Any]:
    """One record: the question with its gold, then what the assistant did with it."""
    record = base_record(question, GENERATE if generate else RETRIEVE)
    if generate:
        answer = assistant.ask(question.question, history=list(question.history))
        data = answer.to_dict()
        data.pop("question", None)
        record.update(data)
        record["sources"] = source_papers(answer)
    else:
        start = time.perf_counter()
        hits = assistant.search(question.question, history=list(question.history), k=SEARCH_K)
        record["retrieved"] = [hit.brief() for hit in hits]
        record["timings"] = {"retrieve_s": round(time.perf_counter() - start, 4)}
    record["config"] = config
    record["timestamp"] = utc_now()
    return record


def base_record(question: Question, mode: str) -> dict[str, Any]:
    """The question side of a record (gold fields are None for unlabelled questions)."""
    return {"id": question.id, "category": question.category, "question": question.question,
            "history": question.history, "gold_titles": question.gold_titles,
            "answer_facts": question.answer_facts, "answerable": question.answerable,
            "near_titles": question.near_titles, "forbidden": question.forbidden, "mode": mode}


def source_papers(answer: Answer) -> list[dict[str, Any]]:
    """The papers the model saw plus any cited paper, with abstracts, so a record can be audited."""
    cited = {c.paper_id for c in answer.citations}
    hits = [*answer.sources, *(h for h in answer.retrieved if h.paper.paper_id in cited)]
    papers: dict[str, dict[str, Any]] = {}
    for hit in hits:
        paper = hit.paper
        papers.setdefault(paper.paper_id, {"paper_id": paper.paper_id, "title": paper.title,
                                           "abstract": paper.abstract, "url": paper.url})
    return list(papers.values())


def summarize_run(out_dir: str | Path, *, judge: Judge | None = None,
                  progress: bool = False) -> dict[str, Any]:
    """(Judge,) compute metrics from records.jsonl, write metrics.json, plots and report.md."""
    out_dir = Path(out_dir)
    path = records_path(out_dir)
    records = load_records(path) if path.exists() else []
    if judge is not None:
        records, changed = judge_records(records, judge, out_dir / JUDGE_CACHE_FILE,
                                         progress=progress)
        if changed:
            rewrite_records(path, records)
            records = load_records(path)
    metrics = compute_metrics(records)
    (out_dir / METRICS_FILE).write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    write_report(out_dir, metrics, write_plots(out_dir, metrics, records))
    return metrics


def verify_run(out_dir: str | Path) -> list[str]:
    """Recompute metrics from records.jsonl and list where metrics.json differs (empty: identical)."""
    out_dir = Path(out_dir)
    stored = json.loads((out_dir / METRICS_FILE).read_text(encoding="utf-8"))
    return _differences(stored, compute_metrics(load_records(out_dir)))


def _differences(a: Any, b: Any, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for key in sorted(set(a) | set(b), key=str)
                for d in _differences(a.get(key), b.get(key), f"{where}/{key}")]
    return [] if a == b else [where or "/"]

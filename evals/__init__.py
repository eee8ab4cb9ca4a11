"""Evaluation harness: questions -> records.jsonl -> metrics.json, report.md, plots; compare two runs.

Modules: questions (reading question files), records (the records file), scoring (per-question
scores), bootstrap (confidence intervals), metrics (aggregation), judge (optional LLM judge),
report and plots (outputs), runner (running the assistant), compare (two runs side by side).
"""

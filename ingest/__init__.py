"""Input files (Daily Papers pages, JSONL/JSON, CSV, BibTeX, RIS, CSL-JSON, arXiv snapshots, zotero.sqlite)
turned into Papers.

`read_paths(paths)` is the whole public API; the core chunks, embeds and stores what it returns.
"""

from ingest.reader import SUPPORTED_SUFFIXES, default_corpus_dir, read_paths

__all__ = ["SUPPORTED_SUFFIXES", "default_corpus_dir", "read_paths"]

"""Properties of the ingest building blocks on arbitrary input (hypothesis): rows of any JSON shape,
any text, any bytes. Each never raises, never needs the last-line guard, and keeps what it must."""

from __future__ import annotations

import json

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ingest.cleaning import clean_text  # noqa: E402
from ingest.raw import RawRecord  # noqa: E402
from ingest.records import record_from_row  # noqa: E402
from ingest.sanitize import plain_text, split_lines  # noqa: E402
from ingest.tabular import parse_csv, parse_json, parse_json_lines  # noqa: E402

EXAMPLES = 400
FIELDS = ["title", "abstract", "summary", "authors", "author", "date", "year", "published", "versions",
          "update_date", "upvotes", "n_authors", "url", "doi", "arxiv_id", "arxiv", "id", "categories"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELDS + ["name", "given"]), inner,
                                                                 max_size=4),
    max_leaves=12)
rows = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=8)
text_with_specials = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
# derandomized and without a database: CI runs the same examples every time and writes no .hypothesis/
quick = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow])


def count(fuzz_counts) -> None:
    suite = fuzz_counts.setdefault("hypothesis properties (ingest building blocks)", {"inputs": 0})
    suite["inputs"] += 1


@quick
@given(row=rows, title=text_with_specials, abstract=text_with_specials)
def test_any_row_is_a_record_or_a_reason_never_an_error(fuzz_counts, row, title, abstract):
    count(fuzz_counts)
    row = {**row, "title": title, "abstract": abstract}
    outcome = record_from_row(row, "f.jsonl", 1)
    if title.strip() and abstract.strip():
        assert isinstance(outcome, RawRecord)
        assert outcome.n_authors is None or 0 <= outcome.n_authors
        assert outcome.upvotes is None or 0 <= outcome.upvotes < 10 ** 12
    else:
        assert isinstance(outcome, str) and outcome.startswith("missing")


@quick
@given(text=text_with_specials)
def test_plain_text_can_always_be_encoded_and_cleaned(fuzz_counts, text):
    count(fuzz_counts)
    plain = plain_text(text)
    plain.encode("utf-8")
    assert not any(c in plain for c in "\x00\u2028\u2029\x85")
    clean_text(plain).encode("utf-8")


@quick
@given(lines=st.lists(st.text(st.characters(exclude_characters="\r\n"), max_size=30), max_size=8),
       newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_split_lines_splits_on_file_line_breaks_only(fuzz_counts, lines, newline):
    count(fuzz_counts)
    assert split_lines("".join(line + newline for line in lines)) == lines  # U+2028 and friends stay inside


@quick
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_text_through_every_tabular_parser_never_raises(fuzz_counts, data):
    count(fuzz_counts)
    text = data.decode("utf-8", "replace")
    for parse in (parse_json_lines, parse_json, parse_csv):
        result = parse(text, "f")
        assert all(s.line is None or s.line >= 1 for s in result.skipped)


@quick
@given(rows=st.lists(rows, max_size=5), noise=st.lists(st.text(max_size=40), max_size=5))
def test_a_json_array_keeps_every_object_whatever_else_it_holds(fuzz_counts, rows, noise):
    count(fuzz_counts)
    good = [{"title": f"Good {n}", "abstract": "An abstract."} for n in range(len(rows))]
    elements = [json.dumps(v) for pair in zip(good, rows) for v in pair] + [json.dumps(n) for n in noise]
    result = parse_json("[\n" + ",\n".join("  " + e for e in elements) + "\n]\n", "f.json")
    assert {r.title for r in result.records} >= {g["title"] for g in good}

"""Sentence splitting (abbreviations, decimals, quotes) and the normalised matching key."""

import pytest

from assistant.text import normalize_key, normalize_space, split_sentences, word_tokens


@pytest.mark.parametrize("text, expected", [
    ("We use e.g. BERT. It gets 72.5% on GLUE. Done!",
     ["We use e.g. BERT.", "It gets 72.5% on GLUE.", "Done!"]),
    ("We follow Smith et al. (2020) and gain 3.5 points. Results improve.",
     ["We follow Smith et al. (2020) and gain 3.5 points.", "Results improve."]),
    ("See Fig. 3 and Eq. 2 for details. The U.S. market grew by 2.5%. Next.",
     ["See Fig. 3 and Eq. 2 for details.", "The U.S. market grew by 2.5%.", "Next."]),
    ("Accuracy is 72.5% vs. 70.1% for the baseline, i.e. 2.4 points. We release code.",
     ["Accuracy is 72.5% vs. 70.1% for the baseline, i.e. 2.4 points.", "We release code."]),
    ("Does scale help? Yes! It does.", ["Does scale help?", "Yes!", "It does."]),
    ("We train for 3 epochs. 10 runs agree.", ["We train for 3 epochs.", "10 runs agree."]),
    ("A lowercase start. then no split happens", ["A lowercase start. then no split happens"]),
])
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_split_sentences_normalises_whitespace_and_handles_empty_text():
    assert split_sentences("  spaced   out\n\ntext.  Second\tone. ") == ["spaced out text.", "Second one."]
    assert split_sentences("") == []
    assert split_sentences("   \n ") == []
    assert split_sentences("No final period") == ["No final period"]


@pytest.mark.parametrize("text", [
    'We call this the "Goldilocks zone." Representation learning happens there.',
    "It converges quickly (see Section 3.) The proof is short.",
    "Models fail on negation [Ettinger, 2020.] We fix this.",
])
def test_split_sentences_keeps_closing_quotes_and_brackets(text):
    """Nothing of the abstract is lost: the sentences joined by spaces give the text back."""
    sentences = split_sentences(text)
    assert len(sentences) == 2
    assert " ".join(sentences) == text


def test_every_sentence_is_part_of_the_text():
    text = ("We present NoProp, e.g. a method w/o back-prop. It reaches 99.1% on MNIST vs. 98.7% before. "
            "Is it faster? Yes: 2.5x. Code: https://example.org/noprop.")
    for sentence in split_sentences(text):
        assert sentence in text


@pytest.mark.parametrize("text, key", [
    ("PLATO-2: Towards  Building", "plato 2 towards building"),
    ("Attention Is All You Need!", "attention is all you need"),
    ("Ａｔｔｅｎｔｉｏｎ", "attention"),  # full-width letters fold under NFKC
    ("snake_case — and dashes", "snake case and dashes"),
    ("  ", ""),
])
def test_normalize_key(text, key):
    assert normalize_key(text) == key


def test_normalize_key_makes_titles_comparable():
    assert normalize_key("NoProp: Training Neural Networks") == normalize_key("noprop -- training neural  networks")


def test_normalize_space_and_word_tokens():
    assert normalize_space(" a\u00a0b \n c ") == "a b c"
    assert word_tokens("Naïve BERT-base, 72.5%") == ["naive", "bert", "base", "72", "5"]

"""Cleaning on the residue really found in the sample pages (grep for `\\`, `{`, `http`), and on BibTeX."""

from __future__ import annotations

import pytest

from ingest import read_paths
from ingest.cleaning import clean_text, first_url, separate_urls


@pytest.fixture(scope="module")
def sample():
    return {p.title: p for p in read_paths(None).papers}


@pytest.mark.parametrize("raw, clean", [
    # each raw string is copied from the sample corpus
    (r"(I) \textbf{L}azy learning, (II) \textbf{i}ndependent feature learning",
     "(I) Lazy learning, (II) independent feature learning"),
    (r"interventions retain 72-95\% of the original model's", "interventions retain 72-95% of the original model's"),
    (r"two critical failure modes: {\em entropy collapse} in deeper layers",
     "two critical failure modes: entropy collapse in deeper layers"),
    (r"utilizing an apparently na\"{\i}ve ensembling technique", "utilizing an apparently naïve ensembling technique"),
    (r"By replacing the na\"ive directional CLIP loss", "By replacing the naïve directional CLIP loss"),
    (r"dependence measure termed Fr\'echet Cumulative Covariance", "dependence measure termed Fréchet Cumulative Covariance"),
    (r"a novel H\"older style inequality", "a novel Hölder style inequality"),
    (r"The resulting Pad\'e Activation Units", "The resulting Padé Activation Units"),
    (r"Language Models (LLMs, e.g., \textgreater 13B).", "Language Models (LLMs, e.g., > 13B)."),
    (r"independent and identically distributed (i.\,i.\,d) data", "independent and identically distributed (i.i.d) data"),
    (r"pre-trained language models ({PLM}) for a wide range", "pre-trained language models (PLM) for a wide range"),
    (r"can be thought as a {it single} statistical", "can be thought as a single statistical"),
    (r"steps (s): $L(s) = L_0 + Acdot S_1^{-alpha} - Ccdot S_2$ is",
     "steps (s): L(s) = L_0 + Acdot S_1^{-alpha} - Ccdot S_2 is"),
])
def test_sample_residue_is_cleaned(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize("kept", [
    # math that scraping already flattened stays as it is: braces after _ ^ or a word are meaning
    "information measure* I_{D, h_star}^{CoT}(epsilon)",
    "excess risk of mathcal{O}(mathcal{C_Phi/m}",
    "ReLUs (x1_{x>0})",
    # dollars, not math (from SciFact abstracts)
    "a lower uncomplicated procedure cost ($20,209 versus $27,587), a lower average",
    "per hospital stay was $49 300 ($17 000, $30 500, $56 600) with",
    "are estimated to be US$45.8 (95% CI 45.4, 46.2) billion",
    "AUD$11–$19 was the preferred price range",
])
def test_readable_math_and_prices_are_left_alone(kept):
    assert clean_text(kept) == kept


def test_math_commands_read_as_words_and_unknown_macros_stay():
    assert clean_text(r"$\alpha$-entmax with $\mathcal{O}(\log n)$ cost") == "alpha-entmax with O(log n) cost"
    assert clean_text(r"a real-valued function on $S \times S$, and") == "a real-valued function on S × S, and"
    # \ours names the authors' method; "ours" would read as an English word
    assert clean_text(r"an agent that we call \ours that is able") == r"an agent that we call \ours that is able"


def test_glued_url_is_separated_and_kept():
    raw = "serve as a baseline for future work.https://github.com/dennlinger/TopicalChange"
    assert separate_urls(raw) == "serve as a baseline for future work. https://github.com/dennlinger/TopicalChange"


def test_href_label_after_a_url_is_dropped():
    assert clean_text("Source code: https://github.com/millioniron/LLM_exploration{LLM4Exploration}") == (
        "Source code: https://github.com/millioniron/LLM_exploration")
    assert clean_text("at https://github.com/Nandan91/entropy-guided-attention-llm{entropy-guided-llm}.") == (
        "at https://github.com/Nandan91/entropy-guided-attention-llm.")


def test_first_url_drops_sentence_punctuation():
    assert first_url("Code: https://github.com/ChocoWu/LasUIE.") == "https://github.com/ChocoWu/LasUIE"
    assert first_url("at https://x-lance.github.io/WebSRC/. More") == "https://x-lance.github.io/WebSRC/"
    assert first_url("(see https://a.org/x)") == "https://a.org/x"
    assert first_url("no link here") is None


def test_bibtex_style_markup():
    assert clean_text(r"{{BERT}: Pre-training of Deep Bidirectional {T}ransformers}") == (
        "BERT: Pre-training of Deep Bidirectional Transformers")
    assert clean_text(r"M{\"u}ller and Sch{\"o}n on \c{c}a, \v{s} and Sl{\o}r") == "Müller and Schön on ça, š and Slør"
    assert clean_text(r"\href{https://x.org}{our site}, see \cite{foo}; $\frac{1}{2}$") == "our site (https://x.org), see; 1/2"


def test_whitespace_and_unicode_are_normalised():
    assert clean_text("  A\u00a0title\n  over   lines ") == "A title over lines"


def test_sample_papers_are_stored_clean_with_originals_beside(sample):
    lazy = next(p for p in sample.values() if r"\textbf{L}azy" in p.raw_abstract)
    assert "(I) Lazy learning" in lazy.abstract and "\\textbf" not in lazy.abstract
    segmentation = sample["Structural Text Segmentation of Legal Documents"]
    assert segmentation.abstract.endswith("future work. https://github.com/dennlinger/TopicalChange")
    assert segmentation.raw_abstract.endswith("future work.https://github.com/dennlinger/TopicalChange")


def test_first_url_in_the_abstract_becomes_the_paper_url(sample):
    paper = next(p for p in sample.values() if p.title.startswith("LasUIE"))
    assert paper.url == "https://github.com/ChocoWu/LasUIE"
    assert sum(1 for p in sample.values() if p.url) == 69
    assert all(p.url.startswith("http") and not p.url.endswith(".") for p in sample.values() if p.url)


def test_no_latex_escape_survives_in_the_sample(sample):
    for paper in sample.values():
        for marker in ("\\%", "\\textbf", "\\em ", '\\"', "\\'", "\\,"):
            assert marker not in paper.abstract and marker not in paper.title

"""The UI's HTML: citation markers become links to their source cards, paper text always shows
literally, evidence is highlighted, support is badged and uncited sentences are marked."""

import re

from assistant.types import Answer, Citation, Hit, Paper, SentenceSupport
from ui import render
from ui.cards import (answer_sources_html, highlight_abstract, meta_html, search_results_html,
                      source_labels, sources_panel)

HOSTILE_TITLE = 'Tokenizers <script>window.pwned=1</script> ![pic](http://x.test/p.png) [link](http://x.test)'
HOSTILE_ABSTRACT = ("We study <img src=x onerror=alert(1)> tokenizers. Our method improves compression by 12%. "
                    "See ![chart](http://x.test/c.png) for **details**.")


def _paper(pid="p1", title="Grokking as phase transition", abstract=None, **kw) -> Paper:
    abstract = abstract or ("We study grokking in small transformers. Four learning phases are observed: "
                            "comprehension, grokking, memorization and confusion. Representations explain it.")
    return Paper(pid, title, abstract, **kw)


def _answer(sources: list[Hit], sentences: list[SentenceSupport], citations: list[Citation]) -> Answer:
    return Answer(question="q", text=" ".join(s.text for s in sentences), citations=citations,
                  abstained=False, retrieved=sources, sentences=sentences, sources=sources)


def _panel(turns: list[tuple[str, Answer | None]]) -> str:
    return sources_panel([(q, answer_sources_html(a, i) if a else None) for i, (q, a) in enumerate(turns)])


def _two_source_answer() -> Answer:
    hits = [Hit(_paper(), 0.9, 1, evidence=["We study grokking in small transformers."]),
            Hit(_paper("p2", "Other paper", "Alpha beta gamma delta epsilon. Zeta eta theta iota kappa."), 0.5, 2)]
    sentences = [
        SentenceSupport("Four phases are observed [1].", [1], 0.81, "supported",
                        "Four learning phases are observed: comprehension, grokking, memorization and confusion."),
        SentenceSupport("It relates to zeta [2].", [2], 0.41, "weak", "Zeta eta theta iota kappa."),
        SentenceSupport("This is surely important.", [], None, "uncited"),
    ]
    return _answer(hits, sentences, [Citation(1, "p1", hits[0].paper.title), Citation(2, "p2", "Other paper")])


def test_markers_become_anchors_to_the_source_cards_of_their_turn():
    html = render.cited_text_html("Phases [1][3]. Also [2].", turn=4)
    assert re.findall(r'href="#(src-\d+-\d+)"', html) == ["src-4-1", "src-4-3", "src-4-2"]
    assert ">[1]</a>" in html and "Phases " in html


def test_answer_links_each_marker_to_an_existing_card():
    answer = _two_source_answer()
    chat = render.answer_html(answer, turn=0)
    panel = _panel([("q", answer)])
    targets = set(re.findall(r'href="#(src-0-\d+)"', chat))
    assert targets == {"src-0-1", "src-0-2"}
    for target in targets:
        assert f'id="{target}"' in panel


def test_paper_text_is_escaped_in_cards_results_and_abstentions():
    paper = _paper(title=HOSTILE_TITLE, abstract=HOSTILE_ABSTRACT, url="javascript:alert(1)")
    hit = Hit(paper, 0.7, 1, evidence=["Our method improves compression by 12%."])
    abstained = Answer(question="q", text="", citations=[], abstained=True, retrieved=[hit],
                       abstain_reason="closest <b>match</b> weak")
    outputs = [_panel([("<i>q</i>", _answer([hit], [], []))]), search_results_html([hit]),
               render.answer_html(abstained, 0), answer_sources_html(abstained, 0)]
    for html in outputs:
        assert "<script" not in html and "<img" not in html and "<b>match" not in html and "<i>q" not in html
        assert "javascript:" not in html
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in outputs[0]
    # markdown stays literal text (the chat renders HTML with markdown off; cards are plain HTML)
    assert "![pic](http://x.test/p.png)" in outputs[1]


def test_user_and_streamed_text_are_escaped():
    assert render.user_html("<b>hi</b>") == '<div class="ra-question">&lt;b&gt;hi&lt;/b&gt;</div>'
    assert "&lt;script&gt;" in render.streaming_html("<script>")
    assert "&lt;" in render.error_html("model <x> missing") and "Could not answer" in render.error_html("x")


def test_supporting_sentences_are_highlighted_in_the_abstract():
    answer = _two_source_answer()
    panel = _panel([("q", answer)])
    assert ('<mark class="ra-support">Four learning phases are observed: comprehension, grokking, '
            'memorization and confusion.</mark>') in panel
    # the retrieval match of a sentence that backs nothing is highlighted differently
    assert '<mark class="ra-match">We study grokking in small transformers.</mark>' in panel


def test_highlight_matches_despite_spacing_and_escapes_the_rest():
    html = highlight_abstract("One  <b>two</b>.   Three is here.", support=["Three is here."])
    assert html == 'One &lt;b&gt;two&lt;/b&gt;. <mark class="ra-support">Three is here.</mark>'


def test_badges_follow_the_best_support_of_the_citing_sentences():
    answer = _two_source_answer()
    assert source_labels(answer) == {1: "supported", 2: "weak"}
    panel = _panel([("q", answer)])
    assert "ra-badge-supported" in panel and "ra-badge-weak" in panel
    extra = Hit(_paper("p3", "Seen, never cited"), 0.4, 3)
    answer.sources.append(extra)
    assert source_labels(answer)[3] == "not cited"


def test_uncited_and_weak_sentences_are_visibly_marked():
    chat = render.answer_html(_two_source_answer(), turn=0)
    assert re.search(r'class="ra-sent ra-uncited"[^>]*>This is surely important\.<sup class="ra-flag">no source</sup>', chat)
    assert 'class="ra-sent ra-weak"' in chat and "similarity 0.41" in chat
    assert 'class="ra-sent ra-supported"' in chat


def test_abstention_says_not_in_papers_with_reason_and_closest_titles():
    hits = [Hit(_paper(f"p{i}", f"Close paper {i}"), 0.3, i, evidence=["We study grokking in small transformers."])
            for i in range(1, 5)]
    answer = Answer(question="paella?", text="", citations=[], abstained=True, retrieved=hits,
                    abstain_reason="closest match: similarity 0.21, keyword score 1.4")
    html = render.answer_html(answer, 0)
    assert "Not in the indexed papers" in html and "match the question only weakly" in html
    assert "0.21" not in html and "keyword score" not in html
    assert [t for t in re.findall(r"<li>(.*?)</li>", html)] == ["Close paper 1", "Close paper 2", "Close paper 3"]
    assert "ra-cite" not in html
    cards = answer_sources_html(answer, 0)
    assert "do not answer the question" in cards and "<mark" not in cards  # a weak match is no match


def test_a_model_answer_that_failed_the_checks_is_not_called_not_in_the_papers():
    hits = [Hit(_paper("p1", "Scaling Laws for Linear Complexity Language Models"), 0.9, 1)]
    answer = Answer(question="how many tokens?", text="", citations=[], abstained=True, retrieved=hits,
                    abstain_reason="the model's answer gave numbers or names that are not in the papers")
    html = render.answer_html(answer, 0)
    assert "No checked answer" in html and "Not in the indexed papers" not in html
    assert "<li>Scaling Laws for Linear Complexity Language Models</li>" in html


def test_sources_panel_keeps_earlier_turns_folded_under_their_question():
    first, second = _two_source_answer(), _two_source_answer()
    panel = _panel([("first question", first), ("failed one", None), ("second question", second)])
    assert panel.index("second question") < panel.index("first question")
    assert re.search(r'<details class="ra-turn" data-turn="0"><summary>.*first question', panel)
    assert 'id="src-2-1"' in panel and 'id="src-0-1"' in panel


def test_metadata_shows_known_fields_and_only_http_links():
    paper = _paper(date="2022-05-20", authors=("A. One", "B. Two", "C. Three", "D. Four"), upvotes=12,
                   url="https://arxiv.org/abs/2205.10343")
    meta = meta_html(paper)
    assert "2022-05-20" in meta and "et al. (4 authors)" in meta and "12 upvotes" in meta
    assert 'href="https://arxiv.org/abs/2205.10343"' in meta and 'rel="noopener noreferrer"' in meta
    assert meta_html(_paper(n_authors=1)) == '<div class="ra-meta">1 author</div>'
    assert meta_html(_paper()) == ""


def test_search_results_show_rank_score_and_matching_sentence():
    hits = [Hit(_paper(), 0.91234, 1, evidence=["Four learning phases are observed: comprehension, "
                                                "grokking, memorization and confusion."])]
    html = search_results_html(hits)
    assert "1.</span>" in html and "score 0.912" in html
    assert 'Matching sentence: <mark class="ra-match">Four learning phases' in html
    assert "No paper matched" in search_results_html([])


def test_the_waiting_time_shows_and_queued_and_stopped_replies_say_so():
    import time
    status = render.status_html("Reading 3 papers…", started=time.time() - 4)
    assert re.search(r'Reading 3 papers… <span class="ra-elapsed ra-key-\d+ ra-at-4">4 s</span>', status)
    assert "Queued" in render.queued_html()
    stopped = render.stopped_html("Four phases <b>", "")
    assert "Stopped." in stopped and "no answer" in stopped and "Four phases &lt;b&gt;" in stopped
    assert "<details" in stopped  # the unchecked draft is folded away, never shown as the answer

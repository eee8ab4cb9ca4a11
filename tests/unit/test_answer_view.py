"""How `ask` shows an answer in a terminal: evidence first, the draft only on a terminal (then
erased), the checked answer once, references numbered without gaps."""

import io

from assistant.cli.answer_view import TerminalAnswer, answer_text
from assistant.types import Answer, AnswerEvent, Citation, Hit, Paper

PAPER = Paper("p1", "NoProp", "Each layer denoises. It works.", date="2025-03-31", url="https://arxiv.org/abs/2503.24322")
HIT = Hit(PAPER, 1.0, 1, evidence=["Each layer denoises."])
ANSWER = Answer("q", "Each layer learns to denoise [1].", [Citation(1, "p1", "NoProp")], False, [HIT], sources=[HIT])
EVENTS = [AnswerEvent("status", "Searching…"), AnswerEvent("evidence", sources=[HIT]),
          AnswerEvent("token", "Each layer "), AnswerEvent("token", "learns [1]."), AnswerEvent("answer", answer=ANSWER)]


def show(tty: bool) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    view = TerminalAnswer(out, err, tty=tty)
    for event in EVENTS:
        view.show(event)
    return out.getvalue(), err.getvalue()


def test_piped_output_has_evidence_then_the_answer_once_and_no_draft():
    out, err = show(tty=False)
    assert out.startswith("Evidence (the papers' own sentences):\n• **NoProp** (2025)\n    “Each layer denoises.”")
    assert out.count("Each layer learns to denoise [1].") == 1 and "learns [1]." not in out
    assert "References:\n[1] NoProp (2025-03-31) https://arxiv.org/abs/2503.24322" in out
    assert "Searching…" in err and "Searching…" not in out


def test_a_terminal_sees_the_draft_stream_and_then_it_is_erased():
    out, _ = show(tty=True)
    draft_at, erase_at = out.index("learns [1]."), out.index("\x1b[J")
    assert draft_at < erase_at < out.index("Each layer learns to denoise [1].")
    assert "\x1b[1mNoProp\x1b[0m" in out  # **bold** becomes bold, not asterisks


def test_an_abstention_lists_the_closest_papers():
    withheld = Answer("q", "The indexed papers do not cover this question.", [], True, [HIT])
    assert answer_text(withheld).splitlines()[-1] == "  - NoProp"

"""The OpenAI chat shapes: which message is the question, and a checked Answer as a completion or chunks
whose content ends with its references and which carry the citations as fields of their own."""

import pytest

from assistant.errors import NothingToDoError
from assistant.server.openai_chat import ChatMessage, ChunkStream, completion, question_and_history
from assistant.types import Answer, Citation, Hit, Message, Paper

GROK = Paper("p-grok", "Towards Understanding Grokking", "Four phases.", n_authors=6, date="2022-05-20",
             url="https://arxiv.org/abs/2205.10343")
PLATO = Paper("p-plato", "PLATO-2", "A chatbot.", date="2020")


def answer() -> Answer:
    hits = [Hit(PLATO, 0.9, 1), Hit(GROK, 0.8, 2)]
    return Answer("q?", "Grokking has four phases [1]. PLATO-2 is a chatbot [2].",
                  [Citation(2, "p-plato", "PLATO-2"), Citation(1, "p-grok", GROK.title)], False, hits,
                  sources=hits, tokens={"prompt_tokens": 100, "completion_tokens": 20})


def test_the_last_user_message_is_the_question_and_earlier_turns_the_chat():
    messages = [ChatMessage(role="system", content="be brief"), ChatMessage(role="user", content="grokking?"),
                ChatMessage(role="assistant", content="It is delayed generalisation [1]."),
                ChatMessage(role="user", content=[{"type": "text", "text": "which phases?"}])]
    question, history = question_and_history(messages)
    assert question == "which phases?"
    assert history == (Message("user", "grokking?"), Message("assistant", "It is delayed generalisation [1]."))


@pytest.mark.parametrize("messages", [[], [ChatMessage(role="system", content="hi")],
                                      [ChatMessage(role="user", content="   ")]])
def test_a_chat_without_a_user_question_is_a_usage_error(messages):
    with pytest.raises(NothingToDoError):
        question_and_history(messages)


def test_a_completion_keeps_citations_and_references_in_numbered_order():
    body = completion(answer(), "smollm2")
    content = body["choices"][0]["message"]["content"]
    assert content == ("Grokking has four phases [1]. PLATO-2 is a chatbot [2].\n\nReferences:\n"
                       "[1] 6 authors (2022). Towards Understanding Grokking. https://arxiv.org/abs/2205.10343\n"
                       "[2] PLATO-2 (2020).")
    assert [r["n"] for r in body["references"]] == [1, 2] and body["references"][0]["paper_id"] == "p-grok"
    assert content.endswith("\n".join(f"[{r['n']}] {r['reference']}" for r in body["references"]))
    assert body["usage"] == {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    assert body["model"] == "smollm2" and body["object"] == "chat.completion" and not body["abstained"]


def test_streamed_chunks_share_an_id_and_the_last_carries_the_references():
    stream = ChunkStream("smollm2")
    chunks = [stream.opening(), *stream.closing(answer())]
    assert len({c["id"] for c in chunks}) == 1 and all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == \
        completion(answer(), "smollm2")["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and [r["n"] for r in chunks[-1]["references"]] == [1, 2]

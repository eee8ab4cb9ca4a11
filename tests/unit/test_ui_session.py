"""A tab's chat session: questions asked during an answer are queued and answered in order, Stop
keeps the draft only as an unchecked, stopped reply, and saved chats come back after a reload and
export as Markdown with their references."""

import threading
from pathlib import Path

import pytest

from assistant.errors import StoreError
from test_ui_app import FakeAssistant
from ui.chat import Turn
from ui.export import chat_markdown
from ui.history import ChatStore
from ui.session import ChatSession


class GatedAssistant(FakeAssistant):
    """The fake whose first answer waits at its first token until the test lets it go on."""

    def __init__(self):
        super().__init__()
        self.at_token, self.go_on = threading.Event(), threading.Event()

    def ask_stream(self, question, **kwargs):
        for event in super().ask_stream(question, **kwargs):
            if event.kind == "token" and not self.go_on.is_set():
                self.at_token.set()
                self.go_on.wait(5)
            yield event


def test_a_question_asked_during_an_answer_is_queued_then_answered(tmp_path):
    fake, session, store = GatedAssistant(), ChatSession(), ChatStore(tmp_path)
    session.ask("What phases of grokking are observed?")
    drain = session.drain(fake, store)
    next(drain)  # the first question has started
    threading.Thread(target=lambda: (fake.at_token.wait(5), session.ask("Which chatbot uses curriculum?"),
                                     fake.go_on.set())).start()
    updates = list(drain)
    assert any("ra-queued" in m["content"] for u in updates for m in u.messages)
    assert [t.question for t in session.turns] == ["What phases of grokking are observed?",
                                                   "Which chatbot uses curriculum?"]
    assert all(t.text for t in session.turns) and not session.pending
    assert list(ChatSession().drain(fake, store)) == []  # nothing queued, nothing to do


def test_stop_keeps_the_draft_only_as_a_stopped_unchecked_reply(tmp_path):
    fake, session = GatedAssistant(), ChatSession()
    session.ask("What phases of grokking are observed?")
    drain = session.drain(fake, ChatStore(tmp_path))
    threading.Thread(target=lambda: (fake.at_token.wait(5), session.request_stop(), fake.go_on.set())).start()
    final = list(drain)[-1]
    turn = session.turns[0]
    assert turn.stopped and turn.text is None and turn.answer is None
    assert "Stopped." in final.messages[-1]["content"] and "ra-answer" not in final.messages[-1]["content"]
    assert final.answer is None
    session.ask("Which chatbot uses curriculum?")  # the stop ended that question only
    list(session.drain(fake, ChatStore(tmp_path)))
    assert session.turns[1].text and not session.turns[1].stopped
    session.request_stop()  # nothing running: nothing to stop, the next question is answered
    assert not session.stop.is_set()


def test_a_saved_chat_comes_back_in_a_new_session_and_exports_with_references(tmp_path):
    store, fake = ChatStore(tmp_path / "chats"), FakeAssistant()
    first = ChatSession()
    first.ask("What phases of grokking are observed?")
    list(first.drain(fake, store))
    assert [c["title"] for c in store.list()] == ["What phases of grokking are observed?"]

    reloaded = ChatSession()
    assert reloaded.open(store, first.chat_id)
    assert reloaded.view().messages == first.view().messages and "src-0-1" in reloaded.view().sources
    reloaded.ask("And how many are there?")
    list(reloaded.drain(fake, store))
    assert fake.calls[-1]["history"][1].content == first.turns[0].text  # a follow-up of the saved answer
    markdown = chat_markdown(reloaded.turns)
    assert "## What phases of grokking are observed?" in markdown and "Four phases are observed [1]." in markdown
    assert "[1] 6 authors (2022). Towards Understanding Grokking." in markdown
    assert not ChatSession().open(store, "20990101-000000-deadbeef")  # deleted elsewhere: a new chat


def test_saving_where_it_cannot_write_is_a_readable_note(tmp_path):
    (tmp_path / "chats").write_text("a file where the directory should be")  # unwritable, even for root
    session = ChatSession()
    session.ask("What phases of grokking are observed?")
    list(session.drain(FakeAssistant(), ChatStore(tmp_path / "chats")))
    assert session.note.startswith("cannot save the chat in") and "export the chat as Markdown" in session.note
    assert session.turns[0].text  # the answer is still shown


def test_store_writes_whole_files_and_rejects_odd_ids(tmp_path):
    store = ChatStore(tmp_path)
    store.save("20260101-000000-abcdef12", [Turn("q", "<p>a</p>", text="a").to_dict()])
    assert [p.name for p in tmp_path.iterdir()] == ["20260101-000000-abcdef12.json"]  # no temp file left
    (tmp_path / "broken.json").write_text("{")
    assert [c["id"] for c in store.list()] == ["20260101-000000-abcdef12"]
    with pytest.raises(StoreError):
        store.load("../etc/passwd")
    store.delete("20260101-000000-abcdef12")
    assert store.list() == []


def test_listing_reads_only_chats_changed_since_the_last(tmp_path, monkeypatch):
    store = ChatStore(tmp_path)
    for n, question in enumerate(["first question", "second question"]):
        store.save(f"20260101-00000{n}-abcdef12", [Turn(question, "<p>a</p>", text="a").to_dict()])
    assert [c["title"] for c in store.list()] == ["second question", "first question"]
    read = []
    real_read_text = Path.read_text
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **kw: read.append(self.name) or real_read_text(self, *a, **kw))
    assert [c["title"] for c in store.list()] == ["second question", "first question"]
    assert read == []  # nothing changed: no chat is parsed again
    store.save("20260101-000000-abcdef12", [Turn("first question", "<p>a</p>", text="a").to_dict()] * 2)
    assert [c["title"] for c in store.list()] == ["first question", "second question"]  # updated since
    assert read == ["20260101-000000-abcdef12.json"]
    store.delete("20260101-000001-abcdef12")
    assert [c["id"] for c in store.list()] == ["20260101-000000-abcdef12"]

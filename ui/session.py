"""One browser tab's chat: its turns, the questions waiting their turn, the stop flag, and saving.

Questions asked while an answer runs are queued, never dropped: `ask` queues, `drain` answers the
queue in order (one drain per tab at a time), `stop` ends the running answer at its next step.
Every finished turn is saved to the chat store, so a reloaded page gets the chat back.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterator

from assistant.errors import AssistantError
from assistant.protocol import AssistantAPI
from ui.chat import ChatUpdate, Turn, respond, update
from ui.history import ChatStore, new_chat_id

log = logging.getLogger(__name__)


class ChatSession:
    """Lives in a gradio State, so every event of one tab shares the same instance."""

    def __init__(self) -> None:
        self.chat_id: str | None = None
        self.turns: list[Turn] = []
        self.pending: deque[str] = deque()
        self.stop = threading.Event()
        self.note = ""  # the last saving problem, shown under the chat list
        self._lock = threading.Lock()
        self._busy = False
        self._generation = 0  # bumped by new/open chat, so a running drain stops writing to it

    def __deepcopy__(self, memo: dict) -> ChatSession:
        """gradio gives each tab a deep copy of the State's initial value: here a new, empty session
        (a lock cannot be copied, and a session is never copied while in use)."""
        return ChatSession()

    def view(self, answer: dict | None = None) -> ChatUpdate:
        return update(self.turns, answer, queued=self.pending)

    def ask(self, question: str) -> bool:
        """Queue a question (True), or ignore a blank one (False)."""
        question = (question or "").strip()
        if not question:
            return False
        with self._lock:
            self.chat_id = self.chat_id or new_chat_id()
            self.pending.append(question)
        return True

    def drain(self, assistant: AssistantAPI, store: ChatStore | None, k=None, date_from: str = "",
              date_to: str = "") -> Iterator[ChatUpdate]:
        """Answer the queued questions in order; returns at once if another drain is at it."""
        with self._lock:
            if self._busy:
                return
            self._busy = True
        try:
            while True:
                with self._lock:
                    if not self.pending:
                        self._busy = False
                        return
                    question, generation = self.pending.popleft(), self._generation
                for step in respond(assistant, question, self.turns, k, date_from, date_to,
                                    stop=self.stop, queued=self.pending):
                    if generation != self._generation:
                        break  # the user opened another chat meanwhile
                    self.turns = step.turns
                    yield step
                else:
                    self.save(store)
                self.stop.clear()  # a stop ends one question, not the ones queued after it
        except BaseException:  # also GeneratorExit when the page goes away
            with self._lock:
                self._busy = False
            raise

    def request_stop(self) -> None:
        """Stop the question being answered (or about to be); nothing to stop is a no-op."""
        with self._lock:
            if self._busy or self.pending:
                self.stop.set()

    def save(self, store: ChatStore | None) -> None:
        if store is None or self.chat_id is None:
            return
        try:
            store.save(self.chat_id, [t.to_dict() for t in self.turns])
            self.note = ""
        except AssistantError as exc:
            self.note = exc.friendly()

    def open(self, store: ChatStore | None, chat_id: str | None) -> bool:
        """Show a saved chat (a running answer is stopped); False when it no longer exists."""
        data = None
        if store is not None and chat_id:
            try:
                data = store.load(chat_id)
            except AssistantError as exc:
                self.note = exc.friendly()
        self.reset()
        if data is None:
            return False
        self.chat_id = chat_id
        self.turns = [Turn.from_dict(t) for t in data.get("turns") or [] if isinstance(t, dict)]
        return True

    def reset(self) -> None:
        """A new, empty chat; a running answer is stopped and queued questions are dropped."""
        with self._lock:
            self._generation += 1
            self.pending.clear()
            if self._busy:
                self.stop.set()
            self.chat_id, self.turns = None, []

"""The Assistant the UI answers with right now, swappable when the user picks another model."""

from __future__ import annotations

import threading
from typing import Any

from assistant.protocol import AssistantAPI


class CurrentAssistant:
    """Stands in for the Assistant everywhere in the UI: each call goes to the one set last.

    A switch applies to the whole process (every open page), and an answer already running
    finishes with the Assistant it started with."""

    def __init__(self, assistant: AssistantAPI):
        self._assistant = assistant
        self._lock = threading.Lock()

    def get(self) -> AssistantAPI:
        return self._assistant

    def set(self, assistant: AssistantAPI) -> None:
        with self._lock:
            self._assistant = assistant

    def __getattr__(self, name: str) -> Any:
        return getattr(self._assistant, name)

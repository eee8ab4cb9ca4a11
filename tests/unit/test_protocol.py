"""The real Assistant implements the Protocols the edges are typed against (checked without loading
anything: building an Assistant opens no model or store)."""

from assistant.config import Settings
from assistant.pipeline import Assistant
from assistant.protocol import Answerer, AssistantAPI


def test_the_assistant_implements_what_every_edge_uses(tmp_path):
    assistant = Assistant(Settings(data_dir=tmp_path))
    assert isinstance(assistant, AssistantAPI) and isinstance(assistant, Answerer)


def test_an_object_missing_a_method_is_not_an_assistant():
    class SearchOnly:
        def search(self, query, *, k=None, history=None, filters=None):
            return []

    assert not isinstance(SearchOnly(), Answerer) and not isinstance(SearchOnly(), AssistantAPI)

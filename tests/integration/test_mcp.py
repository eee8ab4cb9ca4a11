"""The MCP server as an agent client uses it: `python -m assistant mcp` started by the mcp package's own
stdio client, over the shared 20-paper index, with SmolLM2 answering."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from assistant.models import REGISTRY, is_present


pytestmark = pytest.mark.slow
QUIET_QUALITY = {"ASSISTANT_MODELS__QUALITY_BUILD": "manual"}  # no background EmbeddingGemma builds
ROOT = Path(__file__).resolve().parents[2]
LLM = "smollm2-135m-instruct"
QUESTION = "What four learning phases were observed in grokking?"


def payload(result) -> object:
    """A tool result's JSON: the structured content (a list comes wrapped as {"result": [...]})."""
    assert not result.is_error, result.content
    data = result.structured_content
    if data is None:
        data = json.loads(result.content[0].text)
    return data["result"] if isinstance(data, dict) and set(data) == {"result"} else data


def test_an_mcp_client_session_searches_cites_and_asks(small_index, models_dir, title_to_id):
    pytest.importorskip("mcp")
    import anyio
    from mcp import ClientSession, StdioServerParameters, stdio_client
    if not is_present(REGISTRY[LLM], models_dir):
        pytest.skip(f"{LLM} missing: run python -m assistant models fetch --test")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | QUIET_QUALITY | {
        "ASSISTANT_DATA_DIR": str(small_index.settings.data_dir), "ASSISTANT_MODELS_DIR": str(models_dir),
        "ASSISTANT_MODELS__LLM": LLM, "ASSISTANT_MODELS__N_THREADS": "1", "ASSISTANT_ANSWER__MAX_TOKENS": "32",
        "PYTHONPATH": str(ROOT)}
    server = StdioServerParameters(command=sys.executable, args=["-m", "assistant", "mcp"], env=env, cwd=ROOT)

    async def session():
        async with stdio_client(server) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            tools = {t.name for t in (await client.list_tools()).tools}
            found = await client.call_tool("search", {"query": "grokking learning phases", "k": 3})
            cited = await client.call_tool("cite", {"description": "layers that learn to denoise without "
                                                                   "back-propagation", "k": 1})
            answered = await client.call_tool("ask", {"question": QUESTION})
            empty = await client.call_tool("search", {"query": "  "})
            return tools, found, cited, answered, empty

    tools, found, cited, answered, empty = anyio.run(session)
    assert {"search", "cite", "ask"} <= tools
    hits = payload(found)
    assert [h["rank"] for h in hits] == [1, 2, 3] and hits[0]["paper_id"] == title_to_id("grokking")
    assert [h["paper_id"] for h in payload(cited)] == [title_to_id("noprop")]
    answer = payload(answered)
    assert not answer["abstained"] and answer["citations"]
    papers = small_index.store.papers()
    assert all(c["paper_id"] in papers for c in answer["citations"])
    assert answer["answer"].endswith(f"[{answer['references'][-1]['n']}] {answer['references'][-1]['reference']}")
    assert empty.is_error and "the query is empty" in empty.content[0].text

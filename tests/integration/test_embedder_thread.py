"""The real MiniLM runs every forward pass on its own long-lived thread, whichever thread asks:
torch keeps OpenMP teams and MKL/oneDNN scratch buffers per calling thread, and a server's
short-lived request threads would otherwise grow the process one thread at a time."""

import threading

import numpy as np
import pytest

from assistant.embedding import load_embedder
from assistant.late_chunking import paper_pass

pytestmark = pytest.mark.slow


def test_queries_from_many_request_threads_run_forward_on_one_thread(embedder_present, make_settings, tmp_path):
    embedder = load_embedder(make_settings(tmp_path / "data"))
    forward_threads = set()
    # on the embedding layer, which every torch forward calls as a module (sentence-transformers 6.3 calls
    # the model's forward method directly, past hooks on the model itself)
    hook = embedder.model[0].auto_model.embeddings.register_forward_pre_hook(
        lambda module, args: forward_threads.add(threading.current_thread().name))
    try:
        vectors = {}

        def ask(i):
            vectors[i] = embedder.embed_queries([f"graph neural networks for molecules, take {i}"])[0]
        requests = [threading.Thread(target=ask, args=(i,), name=f"request-{i}") for i in range(6)]
        for t in requests:
            t.start()
        for t in requests:
            t.join()
        # the ingest path: torch here, or OpenVINO's own fixed pool started from this same thread
        embedder.embed_late([paper_pass("A title", ["One sentence here.", "Another one there."], [])])
    finally:
        hook.remove()
    assert len(vectors) == 6 and all(abs(np.linalg.norm(v) - 1) < 1e-3 for v in vectors.values())
    assert len(forward_threads) == 1 and forward_threads.pop().startswith("embedder")

"""Write the texts that calibrate MiniLM's int8 quantization (`assistant/data/calibration.jsonl`).

    .venv/bin/python -m benchmarks.calibration

NNCF sets each quantized layer's ranges from the activations these texts produce
(`assistant/openvino_runtime.py`), so they are what the ingest encodes, in its proportions: 3-sentence
windows, whole abstracts and single sentences, 100 of each, taken evenly from the bundled sample.
The file ships with the package, so every machine quantizes the same way without a corpus at hand.
"""

from __future__ import annotations

import json

from assistant.openvino_runtime import CALIBRATION
from benchmarks.runtime import texts_by_kind

PER_KIND = 100


def main() -> None:
    rows = []
    for kind, texts in texts_by_kind(10_000).items():
        step = max(1, len(texts) // PER_KIND)
        rows += [{"kind": kind, "text": text} for text in texts[::step][:PER_KIND]]
    CALIBRATION.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    print(f"wrote {len(rows)} texts to {CALIBRATION}")


if __name__ == "__main__":
    main()

"""The Gradio web UI: a thin layer over `assistant.pipeline.Assistant`.

`ui.build_app(...)` returns the Blocks and `ui.launch(app, ...)` serves them (both in ui.app).
They are loaded on first use, so the pure render modules import without gradio. Importing any
ui module sets the offline environment first, because gradio reads it on import.
"""

from assistant.offline import apply_offline_env

apply_offline_env()

__all__ = ["build_app", "launch"]


def __getattr__(name: str):
    if name in __all__:
        from ui import app
        return getattr(app, name)
    raise AttributeError(f"module 'ui' has no attribute {name!r}")

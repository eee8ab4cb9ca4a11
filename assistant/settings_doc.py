"""Settings explained from their `Field(description=...)`: the README table, and where each value came from."""

from __future__ import annotations

import json
import os
import tomllib
import typing
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from assistant.config import Settings, config_path

# machine-dependent defaults, described instead of shown (the README must not depend on who generated it)
_PLATFORM_DEFAULTS = {"data_dir": "the user data dir, e.g. `~/.local/share/research-assistant`",
                      "models_dir": "the user cache dir + `/models`, e.g. `~/.cache/research-assistant/models`"}
_SECRET_WORDS = ("key", "auth", "token")


def leaf_fields(model: type[BaseModel] = Settings, prefix: str = "") -> Iterator[tuple[str, FieldInfo]]:
    """(dotted name, field) for every setting, groups flattened: ("retrieval.k", ...)."""
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            yield from leaf_fields(field.annotation, f"{prefix}{name}.")
        else:
            yield prefix + name, field


def env_name(dotted: str) -> str:
    """
    >>> env_name("retrieval.k")
    'ASSISTANT_RETRIEVAL__K'
    """
    return "ASSISTANT_" + dotted.replace(".", "__").upper()


def meaning(field: FieldInfo) -> str:
    """The description, with the allowed values or range the field enforces."""
    extra = []
    if typing.get_origin(field.annotation) is typing.Literal:
        extra.append("one of: " + ", ".join(map(str, typing.get_args(field.annotation))))
    bounds = {type(m).__name__: next(iter(vars(m).values())) for m in field.metadata if hasattr(m, "__dict__")}
    if "Ge" in bounds and "Le" in bounds:
        extra.append(f"{bounds['Ge']} to {bounds['Le']}")
    elif "Ge" in bounds:
        extra.append(f"at least {bounds['Ge']}")
    return (field.description or "") + (f" ({'; '.join(extra)})" if extra else "")


def shown(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, (dict, list, bool)):
        return json.dumps(value)
    return str(value)


def settings_table() -> str:
    """The Markdown table of every setting, for the README (tests/unit/test_config.py keeps it current)."""
    rows = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for dotted, field in leaf_fields():
        value = field.get_default(call_default_factory=True)
        default = _PLATFORM_DEFAULTS.get(dotted) or ("unset" if value is None else f"`{shown(value)}`")
        rows.append(f"| `{dotted}` | `{env_name(dotted)}` | {default} | {meaning(field)} |".replace("\n", " "))
    return "\n".join(rows)


def value_sources(config_file: str | Path | None, overrides: dict[str, Any],
                  environ: dict[str, str] | None = None) -> tuple[Path | None, dict[str, str]]:
    """The TOML file in use, and for each dotted setting where its value came from: flag, env, file or default
    (the same order load_settings gives them precedence in)."""
    environ = {k.upper(): v for k, v in (os.environ if environ is None else environ).items()}
    path = config_path(config_file, overrides.get("data_dir"))
    in_file = set(_dotted_keys(tomllib.loads(path.read_text()) if path else {}))
    from_flags = set(_dotted_keys(overrides))
    in_env = {d for d, _ in leaf_fields() if env_name(d) in environ}
    for group in Settings.model_fields:  # a whole group as JSON: ASSISTANT_RETRIEVAL='{"k": 5}'
        try:
            in_env |= set(_dotted_keys({group: json.loads(environ.get(env_name(group), ""))}))
        except (ValueError, AttributeError):
            pass
    sources = {}
    for dotted, _ in leaf_fields():
        sources[dotted] = ("flag" if dotted in from_flags else "env" if dotted in in_env
                           else "file" if dotted in in_file else "default")
    return path, sources


def describe_settings(settings: Settings, path: Path | None, sources: dict[str, str]) -> str:
    """Every effective setting, one a line: name, value (secrets masked) and where it came from."""
    values = settings.model_dump(mode="json")
    lines = [f"settings file: {path if path else 'none'}"]
    for dotted, _ in leaf_fields():
        value: Any = values
        for part in dotted.split("."):
            value = value[part]
        secret = value is not None and any(word in dotted.rsplit(".", 1)[-1] for word in _SECRET_WORDS)
        source = sources[dotted] + (f" {env_name(dotted)}" if sources[dotted] == "env" else "")
        lines.append(f"{dotted:<36} {'***' if secret else shown(value):<40} ({source})")
    return "\n".join(lines)


def _dotted_keys(data: dict[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in data.items():
        if isinstance(value, dict) and prefix + key not in dict(leaf_fields()):
            yield from _dotted_keys(value, f"{prefix}{key}.")
        elif value is not None:
            yield prefix + key

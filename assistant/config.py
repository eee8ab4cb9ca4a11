"""Settings: one pydantic-settings object (env prefix ASSISTANT_, optional TOML file), passed explicitly."""

from __future__ import annotations

import difflib
import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from assistant.errors import ConfigError
from assistant.intent import INTENTS

APP_NAME = "research-assistant"
_toml_path: ContextVar[Path | None] = ContextVar("_toml_path", default=None)


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir
    return Path(user_data_dir(APP_NAME))


def _default_models_dir() -> Path:
    from platformdirs import user_cache_dir
    return Path(user_cache_dir(APP_NAME)) / "models"


class ModelSettings(BaseModel):
    """Which embedder and LLM to use, and how to run the LLM."""

    model_config = ConfigDict(extra="forbid")

    embedder: str = Field("all-MiniLM-L6-v2", description="embedding model: registry name (see `models list`), "
                          "local directory or Hugging Face id; the collection is named after it")
    llm: str = Field("qwen2.5-coder-1.5b-instruct", description="LLM: registry name, .gguf file, local directory "
                     "or Hugging Face id")
    backend: Literal["auto", "llamacpp", "transformers", "openai"] = Field(
        "auto", description="how the LLM runs; auto: the endpoint if endpoint_url is set, else transformers on a "
        "CUDA GPU, else llama.cpp on CPU")
    endpoint_url: str | None = Field(None, description="OpenAI-compatible base URL for the LLM, e.g. "
                                     "http://host:8000/v1 (vLLM, llama.cpp server, Ollama); unset = a local model")
    endpoint_model: str | None = Field(None, description="model name sent to the LLM endpoint; unset = the first "
                                       "model it lists")
    endpoint_key: str | None = Field(None, description="bearer token for the LLM endpoint")
    n_threads: int = Field(0, ge=0, description="llama.cpp CPU threads; 0 = one per core")
    n_ctx: int = Field(4096, ge=512, description="llama.cpp context window in tokens (prompt + answer)")
    embed_batch_size: int = Field(32, ge=1, description="texts per embedder forward pass while indexing; lower "
                                  "it if indexing runs out of memory")
    embed_endpoint_url: str | None = Field(None, description="OpenAI-compatible /v1/embeddings server (TEI, vLLM, "
                                           "Infinity, llama.cpp) used instead of the local embedder")
    embed_endpoint_model: str | None = Field(None, description="model name sent to the embeddings server; the "
                                             "collection is named after it")
    embed_endpoint_key: str | None = Field(None, description="bearer token for the embeddings server")
    late_chunking: list[Literal["window", "sentence"]] = Field(
        default_factory=lambda: [],
        description="vector kinds pooled from the whole-abstract encoder pass (late chunking) instead of encoded "
                    "one text at a time in a second pass. Sentences: the same retrieval on SciFact and the sample, "
                    "but the answer checks, calibrated on separate encodes, then withheld 3 of 46 right dev answers; "
                    "windows: about one dev question worse. Only for plain mean-pooling embedders (MiniLM)")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="where local models run; auto: a CUDA "
                                                   "GPU when torch sees one, else CPU")
    cpu_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="number format of the local embedders on CPU; auto: bfloat16 where the processor "
        "computes it natively (AMX or AVX-512 BF16: about 3x faster indexing, vectors within 0.9999 cosine of "
        "float32's), else float32")
    embed_runtime: Literal["auto", "torch", "openvino"] = Field(
        "auto", description="what runs the embedder while indexing; auto: OpenVINO on CPU when it is installed and "
        "the embedder is a plain mean-pooling model (MiniLM: about 1.7x faster, vectors within 0.9999 cosine of "
        "torch's), else torch. Queries always use torch")
    embed_int8: bool = Field(
        True, description="the OpenVINO indexing runtime runs MiniLM quantized to 8-bit integers (NNCF, calibrated "
        "once on texts shipped with the package; each layer's feed-forward output stays in floating point): about "
        "1.25x faster again, vectors within 0.999 cosine of torch's on average, retrieval the same on dev, "
        "paraphrases and SciFact; false = bfloat16 or float32 as cpu_precision says. Without the nncf package it "
        "is skipped with a warning")
    quality_embedder: str | None = Field(
        "embeddinggemma-300m", description="a stronger, slower embedder whose whole-abstract vectors join the "
        "ranking once they cover every paper (built after the main index, in the background); empty = off, "
        "and nothing changes when its model files are not present")
    quality_build: Literal["background", "manual"] = Field(
        "background", description="after an ingest, build the quality index in a background process "
        "(background) or only when you run `python -m assistant quality build` (manual)")
    quality_batch_size: int = Field(8, ge=1, description="abstracts per forward pass of the quality embedder")
    quality_max_tokens: int = Field(384, ge=32, description="tokens of title + abstract the quality embedder "
                                    "reads (attention cost grows with length; most abstracts fit)")


# weights settable per intent: any non-negative number, or a blend share in [0, 1]
_OPEN_WEIGHTS = {"dense_weight", "lexical_weight", "feedback_weight", "quality_weight", "hubness_weight"}
_BLEND_WEIGHTS = {"whole_abstract_weight", "sentence_weight", "lexical_whole_weight"}


class RetrievalSettings(BaseModel):
    """Chunking and hybrid retrieval."""

    model_config = ConfigDict(extra="forbid")

    k: int = Field(10, ge=1, description="papers a search returns (and `ask` retrieves, at least 10, before "
                   "choosing its sources)")
    window_sentences: int = Field(3, ge=1, description="sentences per window chunk; changing it builds a new "
                                  "collection")
    window_stride: int = Field(2, ge=1, description="sentences between the starts of two windows (1 to "
                               "window_sentences); changing it builds a new collection")
    dense_candidates: int = Field(100, ge=1, description="chunks the vector search returns before papers are "
                                  "scored")
    lexical_candidates: int = Field(100, ge=1, description="chunks the BM25 search returns before papers are "
                                    "scored")
    dense_weight: float = Field(1.0, ge=0, description="weight of the embedding similarity in the fused score")
    quality_weight: float = Field(3.0, ge=0, description="weight of the quality index's similarity in the "
                                  "fused ranking, once that index is complete (0 = never use it)")
    hubness_weight: float = Field(0.0, ge=0, description="the quality index's similarity less this times the "
                                  "paper's mean similarity to its nearest papers (CSLS: a paper close to "
                                  "everything on its subject stops outranking the one a description singles "
                                  "out); 0 = off. On for lookups (benchmarks/results/hubness.md): a stated "
                                  "fact or question is about one sentence, not the whole paper")
    hubness_neighbours: int = Field(10, ge=1, description="nearest papers that hubness_weight averages over")
    # tuned together on dev, dev_paraphrase, the robustness set and SciFact (benchmarks/fusion_grid.py)
    lexical_weight: float = Field(0.5, ge=0, description="weight of the BM25 keyword score in the fused score")
    whole_abstract_weight: float = Field(0.75, ge=0, le=1, description="w in a paper's dense score, (1 - s) * "
                                         "((1 - w) * best window + w * whole abstract) + s * best sentence")
    sentence_weight: float = Field(0.4, ge=0, le=1, description="s in that dense score: how much the single "
                                   "best-matching sentence counts")
    lexical_whole_weight: float = Field(0.75, ge=0, le=1, description="w in a paper's BM25 score, (1 - w) * best "
                                        "window + w * whole abstract")
    feedback_weight: float = Field(0.0, ge=0, description="pseudo-relevance feedback: search again with the "
                                   "query vector moved this far towards the top papers' abstracts (Rocchio); "
                                   "0 = off")
    feedback_docs: int = Field(3, ge=1, description="top papers whose abstracts feedback moves the query towards")
    # a half-remembered description of a paper is about the whole of it, so one well-matching sentence should
    # not decide a lookup, nor a paper that is merely close to everything on its subject (hubness); a topic
    # question wants every paper on the subject, which the first hits describe best
    intent_weights: dict[str, dict[str, float]] = Field(default_factory=lambda: {
        "lookup": {"sentence_weight": 0.0, "whole_abstract_weight": 0.5, "lexical_weight": 0.8,
                   "hubness_weight": 0.5},
        "topic": {"feedback_weight": 1.0},
        # a stated claim is searched with a fact's weights, then these: EmbeddingGemma's fact-checking prompt
        # is its best signal there (SciFact: chosen on the 188 evidence claims, confirmed on the 112 others)
        "claim": {"quality_weight": 4.0}}, description="per question intent (lookup, fact, topic, compare, "
        "followup; assistant/intent.py), weights that replace the ones above; 'claim' applies on top of "
        "fact's to a looked-up stated finding")
    fusion: Literal["score", "rrf"] = Field("score", description="how dense and BM25 rankings combine; score: "
                                            "weighted normalised scores, rrf: weighted reciprocal rank fusion")
    rrf_k: int = Field(60, ge=1, description="the k of reciprocal rank fusion, 1 / (k + rank); only with "
                       "fusion = rrf")
    unique_name_first: bool = Field(True, description="a paper that alone in the index uses a name the question "
                                    "uses (\"What does S4D average on ...?\") comes first when it is among the top "
                                    "k; fact questions and lookups only")
    evidence_sentences: int = Field(2, ge=0, description="best-matching sentences shown under each search hit")
    history_turns: int = Field(2, ge=0, description="earlier chat exchanges added to a follow-up's search text")

    def for_intent(self, intent: str | None) -> "RetrievalSettings":
        """These settings with the intent's weights applied."""
        changes = self.intent_weights.get(intent or "")
        return self.model_copy(update=changes) if changes else self

    def for_search(self, intent: str | None, claim: bool = False) -> "RetrievalSettings":
        """The weights a search uses: its intent's, or for a looked-up claim (intent.looked_up_claim)
        a fact's with the claim's on top."""
        return self.for_intent("fact").for_intent("claim") if claim else self.for_intent(intent)

    @model_validator(mode="after")
    def _windows_cover_every_sentence(self):
        if not 1 <= self.window_stride <= self.window_sentences:
            raise ValueError("window_stride must be between 1 and window_sentences, "
                             "or some sentences would fall in no window")
        return self

    @model_validator(mode="after")
    def _intent_weights_are_known(self):
        for intent, changes in self.intent_weights.items():
            if intent not in (*INTENTS, "claim"):
                raise ValueError(f"intent_weights: unknown intent '{intent}' (known: {', '.join(INTENTS)}, claim)")
            unknown = set(changes) - _OPEN_WEIGHTS - _BLEND_WEIGHTS
            if unknown:
                raise ValueError(f"intent_weights.{intent}: {', '.join(sorted(unknown))} cannot be set per intent "
                                 f"(allowed: {', '.join(sorted(_OPEN_WEIGHTS | _BLEND_WEIGHTS))})")
            if any(v < 0 for v in changes.values()):
                raise ValueError(f"intent_weights.{intent}: weights cannot be negative")
            if any(not 0 <= v <= 1 for k, v in changes.items() if k in _BLEND_WEIGHTS):
                raise ValueError(f"intent_weights.{intent}: {', '.join(sorted(_BLEND_WEIGHTS))} must be "
                                 "between 0 and 1")
        return self


class AnswerSettings(BaseModel):
    """Prompting, abstention and support checking."""

    model_config = ConfigDict(extra="forbid")

    max_sources: int = Field(3, ge=1, description="papers the answer is written from (2 more for a topic "
                             "question)")
    evidence_sentences: int = Field(2, ge=1, description="sentences quoted from each source as its evidence")
    max_tokens: int = Field(220, ge=1, description="most tokens the LLM may generate per answer")
    temperature: float = Field(0.0, ge=0, description="LLM sampling temperature; 0 = always the likeliest token "
                               "(repeatable answers)")
    seed: int = Field(0, description="LLM sampling seed, for repeatable answers when temperature > 0")
    # calibrated on dev: 8 of 14 unanswerable, 0 of 46 answerable
    abstain_dense: float = Field(0.46, description="abstain before generating when every retrieved paper's "
                                 "dense score (cosine, with its best-sentence term) is below this and the top "
                                 "three's BM25 score is below abstain_lexical")
    abstain_lexical: float = Field(10.0, ge=0, description="the BM25 score below which (with abstain_dense) the "
                                   "papers are taken not to cover the question")
    support_threshold: float = Field(0.55, description="a generated sentence is shown only when a source "
                                     "supports it at least this much (MiniLM cosine + names/numbers found)")
    attribution_margin: float = Field(0.05, description="a citation moves to another source that supports "
                                      "the sentence by more than this margin")
    quote_fallback_dense: float = Field(0.55, description="when the model's fact answer says nothing, the top "
                                        "paper's matching sentences answer instead only if its similarity to "
                                        "the question is at least this")
    lookup_runner_up: float = Field(0.9, description="a lookup also lists papers scoring at least this share "
                                    "of the best one")
    # off by default: retrieval is history-aware anyway
    rewrite_followups: bool = Field(False, description="rewrite a follow-up question into a standalone one "
                                    "with the LLM before searching (one more LLM call, ~3 s on CPU)")


class Settings(BaseSettings):
    """Everything configurable. Env vars: ASSISTANT_DATA_DIR, ASSISTANT_MODELS__LLM, ..."""

    # a misspelled key is an error, never silently the default (unknown_keys names it and its file)
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_nested_delimiter="__",
                                      extra="forbid")

    data_dir: Path = Field(default_factory=_default_data_dir, description="where the index, BM25 files, "
                           "eval runs and config.toml live")
    models_dir: Path = Field(default_factory=_default_models_dir, description="where model files live "
                             "(`models fetch` puts them there)")
    chroma_url: str | None = Field(None, description="a Chroma server (http://host:8000) instead of the local "
                                   "store in data_dir")
    ui_auth: str | None = Field(None, description="user:password the UI asks for; required when the UI is not "
                                "on loopback")
    api_token: str | None = Field(None, description="bearer token the HTTP API (`serve`) requires; needed when it "
                                                    "is not on loopback")
    models: ModelSettings = Field(default_factory=ModelSettings, description="which models, and how they run")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="chunking and ranking")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="answering and checking")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource):
        return (init_settings, env_settings, _TomlSource(settings_cls))

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        return self.data_dir / "lexical"


class _TomlSource(PydanticBaseSettingsSource):
    """Lowest-priority source: the TOML file chosen by load_settings."""

    def get_field_value(self, field, field_name):  # pragma: no cover - unused, required by ABC
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = _toml_path.get()
        if path is None:
            return {}
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
        _refuse_unknown([(key, key) for key in unknown_keys(data, Settings)], f"in {path}")
        return data


# ASSISTANT_* variables that are not settings: read by load_settings and scripts/setup.sh
_NOT_SETTINGS = {"config", "cache_dir"}


def unknown_keys(data: dict[str, Any], model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted names of the keys in `data` that `model` (and its nested groups) does not have.

    >>> unknown_keys({"retrieval": {"k": 3, "kk": 4}, "colour": "red"}, Settings)
    ['retrieval.kk', 'colour']
    """
    unknown = []
    for key, value in data.items():
        field = model.model_fields.get(key)
        if field is None:
            unknown.append(prefix + key)
        elif isinstance(value, dict) and isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            unknown += unknown_keys(value, field.annotation, f"{prefix}{key}.")
    return unknown


def unknown_env(environ: dict[str, str]) -> list[tuple[str, str]]:
    """(variable, dotted setting) for each ASSISTANT_* variable that names no setting."""
    found = []
    for variable in environ:
        if not variable.upper().startswith("ASSISTANT_"):
            continue
        name = variable[len("ASSISTANT_"):].lower()
        if name in _NOT_SETTINGS:
            continue
        nested: dict[str, Any] = {}
        parts = name.split("__")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = ""
        if unknown_keys(nested, Settings):
            found.append((variable, ".".join(parts)))
    return found


def _refuse_unknown(names: list[tuple[str, str]], where: str) -> None:
    """ConfigError for the first unknown name, with the closest known setting as the hint."""
    if not names:
        return
    shown, dotted = names[0]
    close = difflib.get_close_matches(dotted, _known_names(Settings), n=1)
    raise ConfigError(f"unknown setting '{shown}' {where}",
                      hint=f"did you mean '{close[0]}'?" if close else "see: python -m assistant config --table")


def _known_names(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for key, field in model.model_fields.items():
        names.append(prefix + key)
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            names += _known_names(field.annotation, f"{prefix}{key}.")
    return names


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        elif value is not None:
            out[key] = value
    return out


def config_path(config_file: str | Path | None = None, data_dir: str | Path | None = None) -> Path | None:
    """The TOML file to read: `config_file`, else $ASSISTANT_CONFIG, else `<data_dir>/config.toml` if present."""
    path = config_file or os.environ.get("ASSISTANT_CONFIG")
    if path:
        return Path(path).expanduser()
    candidate = Path(data_dir or os.environ.get("ASSISTANT_DATA_DIR") or _default_data_dir()) / "config.toml"
    return candidate if candidate.exists() else None


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings: overrides (CLI flags) > ASSISTANT_* env > TOML file > defaults.

    The TOML file is `config_file`, else $ASSISTANT_CONFIG, else `<data_dir>/config.toml` if present.
    Nested overrides are dicts: load_settings(retrieval={"k": 5}).
    """
    from pydantic import ValidationError

    _refuse_unknown(unknown_env(dict(os.environ)), "(environment variable)")
    token = _toml_path.set(config_path(config_file, overrides.get("data_dir")))
    try:
        base = Settings()
        if not overrides:
            return base
        merged = _deep_merge(base.model_dump(), overrides)
        return Settings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            raise ConfigError(f"unknown setting '{where}'") from exc
        raise ConfigError(f"invalid setting {where}: {err['msg']}") from exc
    finally:
        _toml_path.reset(token)

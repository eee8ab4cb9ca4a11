"""Settings precedence (defaults < TOML < ASSISTANT_* env < overrides) and errors that name the bad field."""

import os
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings, load_settings
from assistant.errors import ConfigError
from assistant.settings_doc import TABLE_END, TABLE_START, leaf_fields, settings_table, with_settings_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No ASSISTANT_* variable from the developer's shell (or the test conftest) leaks in."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))  # no user config.toml is picked up


def write_toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults():
    s = load_settings()
    assert s.retrieval.k == 10
    assert s.models.embedder == "all-MiniLM-L6-v2"
    assert s.models.n_threads == 0
    assert s.chroma_url is None
    assert s.chroma_dir == s.data_dir / "chroma" and s.lexical_dir == s.data_dir / "lexical"


def test_toml_beats_defaults(tmp_path):
    toml = write_toml(tmp_path / "a.toml", '[retrieval]\nk = 7\n[models]\nllm = "smollm2-135m-instruct"\n')
    s = load_settings(toml)
    assert s.retrieval.k == 7
    assert s.models.llm == "smollm2-135m-instruct"
    assert s.retrieval.window_sentences == 3  # untouched fields keep their defaults


def test_env_beats_toml(tmp_path, monkeypatch):
    toml = write_toml(tmp_path / "a.toml", "[retrieval]\nk = 7\nfusion = 'rrf'\n")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__K", "4")
    s = load_settings(toml)
    assert s.retrieval.k == 4
    assert s.retrieval.fusion == "rrf"  # the TOML still fills what the env does not set


def test_overrides_beat_env_and_toml(tmp_path, monkeypatch):
    toml = write_toml(tmp_path / "a.toml", "[retrieval]\nk = 7\nlexical_weight = 0.9\n")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__K", "4")
    monkeypatch.setenv("ASSISTANT_MODELS__LLM", "from-env")
    s = load_settings(toml, retrieval={"k": 2}, models={"n_threads": 3})
    assert s.retrieval.k == 2
    assert s.retrieval.lexical_weight == 0.9
    assert s.models.llm == "from-env"  # a nested override replaces only the keys it names
    assert s.models.n_threads == 3


def test_none_override_means_not_given(monkeypatch):
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", "http://127.0.0.1:9000")
    assert load_settings(chroma_url=None).chroma_url == "http://127.0.0.1:9000"


def test_toml_found_by_env_and_in_the_data_dir(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    write_toml(data_dir / "config.toml", "[retrieval]\nk = 11\n")
    assert load_settings().retrieval.k == 11
    assert load_settings(data_dir=str(data_dir)).retrieval.k == 11
    monkeypatch.setenv("ASSISTANT_CONFIG", str(write_toml(tmp_path / "b.toml", "[retrieval]\nk = 12\n")))
    assert load_settings().retrieval.k == 12  # $ASSISTANT_CONFIG wins over <data_dir>/config.toml


def test_toml_sets_top_level_paths(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSISTANT_DATA_DIR")
    toml = write_toml(tmp_path / "a.toml", f'data_dir = "{tmp_path / "elsewhere"}"\n')
    assert load_settings(toml).data_dir == tmp_path / "elsewhere"


@pytest.mark.parametrize("source, field", [
    ("env", "retrieval.k"),
    ("toml", "retrieval.k"),
    ("override", "retrieval.k"),
])
def test_invalid_value_names_the_field(tmp_path, monkeypatch, source, field):
    config = None
    overrides = {}
    if source == "env":
        monkeypatch.setenv("ASSISTANT_RETRIEVAL__K", "many")
    elif source == "toml":
        config = write_toml(tmp_path / "bad.toml", '[retrieval]\nk = "many"\n')
    else:
        overrides = {"retrieval": {"k": "many"}}
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_settings(config, **overrides)


def test_invalid_choice_names_the_field():
    with pytest.raises(ConfigError, match=r"models\.backend"):
        load_settings(models={"backend": "gpu-please"})


def test_missing_or_broken_toml_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write_toml(tmp_path / "broken.toml", "[retrieval\nk = 3\n"))


def test_env_names_for_top_level_and_nested_fields(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("ASSISTANT_MODELS__EMBEDDER", "embeddinggemma-300m")
    monkeypatch.setenv("ASSISTANT_ANSWER__REWRITE_FOLLOWUPS", "true")
    s = load_settings()
    assert s.models_dir == tmp_path / "models"
    assert s.models.embedder == "embeddinggemma-300m"
    assert s.answer.rewrite_followups is True


def test_intent_weights_apply_only_to_their_intent():
    r = load_settings().retrieval
    lookup = r.for_intent("lookup")
    assert lookup.sentence_weight == 0.0 and r.sentence_weight > 0
    assert r.for_intent("fact") is r and r.for_intent(None) is r
    assert lookup.k == r.k and lookup.window_sentences == r.window_sentences


def test_a_claim_is_searched_with_facts_weights_and_its_own_on_top():
    r = load_settings(retrieval={"intent_weights": {"fact": {"sentence_weight": 0.6},
                                                    "claim": {"quality_weight": 5.0}}}).retrieval
    claim = r.for_search("lookup", claim=True)
    assert (claim.sentence_weight, claim.quality_weight) == (0.6, 5.0)
    assert r.for_search("lookup").sentence_weight == r.for_intent("lookup").sentence_weight
    assert r.for_search("fact").quality_weight == r.quality_weight  # a fact question is no claim
    assert load_settings().retrieval.for_search("lookup", claim=True).quality_weight > r.quality_weight


def test_intent_weights_from_toml_and_env(tmp_path, monkeypatch):
    config = write_toml(tmp_path / "a.toml", "[retrieval.intent_weights.topic]\nwhole_abstract_weight = 1.0\n")
    assert load_settings(config).retrieval.for_intent("topic").whole_abstract_weight == 1.0
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__INTENT_WEIGHTS", '{"fact": {"sentence_weight": 0.9}}')
    assert load_settings().retrieval.for_intent("fact").sentence_weight == 0.9


@pytest.mark.parametrize("weights, message", [
    ({"lookup": {"k": 3}}, "k cannot be set per intent"),
    ({"survey": {"sentence_weight": 0.1}}, "unknown intent 'survey'"),
    ({"topic": {"sentence_weight": 1.5}}, "between 0 and 1"),
])
def test_bad_intent_weights_name_the_problem(weights, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(retrieval={"intent_weights": weights})


def test_topic_questions_get_feedback_and_negative_weights_are_refused():
    r = load_settings().retrieval
    assert r.feedback_weight == 0 and r.for_intent("topic").feedback_weight > 0
    with pytest.raises(ConfigError, match="cannot be negative"):
        load_settings(retrieval={"intent_weights": {"topic": {"feedback_weight": -1.0}}})


# -- unknown keys are errors, never silently the default (issue #14) ------------------------------
def test_a_misspelled_toml_key_names_the_key_and_the_file(tmp_path):
    toml = write_toml(tmp_path / "a.toml", "[retrieval]\nk = 5\nlexical_wieght = 0.9\n")
    with pytest.raises(ConfigError) as error:
        load_settings(toml)
    message = error.value.friendly()
    assert f"unknown setting 'retrieval.lexical_wieght' in {toml}" in message
    assert "did you mean 'retrieval.lexical_weight'?" in message


def test_an_unknown_toml_group_is_an_error_too(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_settings(write_toml(tmp_path / "a.toml", '[model]\nllm = "x"\n'))
    assert "unknown setting 'model' in" in error.value.friendly()
    assert "did you mean 'models'?" in error.value.friendly()


@pytest.mark.parametrize("variable, suggestion", [
    ("ASSISTANT_RETRIEVAL__KK", "retrieval.k"),
    ("ASSISTANT_DATADIR", "data_dir"),
    ("ASSISTANT_MODELS__EMBEDER", "models.embedder"),
])
def test_a_misspelled_environment_variable_is_named(monkeypatch, variable, suggestion):
    monkeypatch.setenv(variable, "3")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert f"unknown setting '{variable}' (environment variable)" in error.value.friendly()
    assert f"did you mean '{suggestion}'?" in error.value.friendly()


def test_variables_that_are_not_settings_are_allowed(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path))  # read by scripts/setup.sh
    monkeypatch.setenv("ASSISTANT_CONFIG", str(write_toml(tmp_path / "a.toml", "")))
    assert load_settings().retrieval.k == 10


def test_an_unknown_override_is_an_error():
    with pytest.raises(ConfigError, match=r"unknown setting 'retrieval\.kk'"):
        load_settings(retrieval={"kk": 3})


# -- every setting explained, and where its value came from (issue #16) -----------------------------------
def test_every_setting_has_a_description():
    groups = [(name, field) for name, field in Settings.model_fields.items()]
    undocumented = [name for name, field in [*groups, *leaf_fields()] if not (field.description or "").strip()]
    assert not undocumented, f"settings without Field(description=...): {undocumented}"


def test_the_readme_settings_table_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert TABLE_START in readme and TABLE_END in readme
    assert with_settings_table(readme) == readme, (
        "README.md's settings table is stale; regenerate it with: python -c 'import pathlib, "
        "assistant.settings_doc as d; p = pathlib.Path(\"README.md\"); p.write_text(d.with_settings_table(p.read_text()))'")


def test_the_table_shows_ranges_choices_and_defaults():
    rows = {row.split(" | ")[0].strip("| `"): row for row in settings_table().splitlines()[2:]}
    assert len(rows) == len(list(leaf_fields()))
    assert rows["retrieval.k"].startswith("| `retrieval.k` | `ASSISTANT_RETRIEVAL__K` | `10` | papers a search returns")
    assert "(at least 1)" in rows["retrieval.k"]
    assert "(0 to 1)" in rows["retrieval.sentence_weight"]
    assert "(one of: auto, llamacpp, transformers, openai)" in rows["models.backend"]
    assert "| unset |" in rows["chroma_url"]
    assert "~/.local/share/research-assistant" in rows["data_dir"]  # never the generating machine's home


def config_lines(capsys) -> dict[str, tuple[str, str]]:
    """`config` output as {setting: (value, source)}."""
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("settings file: ")
    found = {}
    for line in lines[1:]:
        name, rest = line.split(maxsplit=1)
        value, source = rest.rsplit(" (", 1)
        found[name] = (value.strip(), source.rstrip(")"))
    return found


def test_config_shows_each_value_and_where_it_came_from(tmp_path, monkeypatch, capsys):
    toml = write_toml(tmp_path / "lab.toml", "[retrieval]\nk = 7\nlexical_weight = 0.9\n[models]\nllm = 'from-file'\n")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__K", "4")
    monkeypatch.setenv("ASSISTANT_MODELS__ENDPOINT_KEY", "s3cret")
    assert main(["--config", str(toml), "--llm", "smollm2-135m-instruct", "config"]) == 0
    shown = config_lines(capsys)
    assert shown["retrieval.k"] == ("4", "env ASSISTANT_RETRIEVAL__K")
    assert shown["retrieval.lexical_weight"] == ("0.9", "file")
    assert shown["models.llm"] == ("smollm2-135m-instruct", "flag")
    assert shown["retrieval.window_sentences"] == ("3", "default")
    assert shown["models.endpoint_key"] == ("***", "env ASSISTANT_MODELS__ENDPOINT_KEY")  # a secret is never printed
    assert shown["data_dir"] == (str(tmp_path / "data"), "env ASSISTANT_DATA_DIR")
    assert set(shown) == {name for name, _ in leaf_fields()}


def test_config_finds_the_data_dir_config_file(tmp_path, capsys):
    write_toml(tmp_path / "data" / "config.toml", "[retrieval]\nfusion = 'rrf'\n")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"settings file: {tmp_path / 'data' / 'config.toml'}"
    assert "retrieval.fusion" in out and "rrf" in out


def test_config_with_a_misspelled_key_is_one_error_line(tmp_path, capsys):
    toml = write_toml(tmp_path / "config.toml", "[retrieval]\nlexcial_weight = 0.9\n")
    assert main(["--config", str(toml), "config"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"Error: unknown setting 'retrieval.lexcial_weight' in {toml} — did you mean "
                   "'retrieval.lexical_weight'?"]


def test_config_table_prints_the_readme_table(capsys):
    assert main(["config", "--table"]) == 0
    assert capsys.readouterr().out.strip() == settings_table()

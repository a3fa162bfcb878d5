"""``python -m bot.llm.selfcheck``: load the configured model and generate one token.

Run in a child process (by ``warta doctor`` and by ``make install``), so that a llama.cpp build
that does not suit this CPU (it dies with SIGILL or SIGSEGV: -march=native code using AMX on a
virtual CPU whose kernel does not grant it, or a wheel built for another CPU) is reported, not
a crash of the caller.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from importlib.metadata import version

from bot.settings import Settings, env_var, load_settings
from retrieval.errors import WartaError


def rebuild_advice() -> str:
    """Say how to rebuild the installed llama-cpp-python portable (the Dockerfile's flags)."""
    pin = f"llama-cpp-python=={version('llama-cpp-python')}"
    return (
        "rebuild llama-cpp-python for portable x86-64: `pip cache remove 'llama_cpp_python*'` "
        f"then `CMAKE_ARGS=-DGGML_NATIVE=OFF pip install --force-reinstall --no-deps {pin}` (or "
        "`make install` with a new venv: native, without AMX; with AVX2 off too on a CPU "
        "without it, see the README)"
    )


def main() -> int:
    """Generate one token with the configured model; print what ran; 0 when it worked."""
    from bot.llm import Prompt
    from bot.runtime import load_generator

    try:
        generator = load_generator(load_settings())
        out = generator.generate(Prompt("", "", "The capital of France is", ()), max_tokens=1)
    except WartaError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"loaded {generator.name}, generated {out.completion_tokens} token")
    return 0


# The settings load_generator reads for an in-process model: the child gets the caller's.
MODEL_FIELDS = (
    "model_path", "data_dir", "model_ctx", "model_threads", "model_seed", "model_temperature",
    "model_chat_format",
)  # fmt: skip


def run_child(
    command: list[str] | None = None, timeout: float = 600, settings: Settings | None = None
) -> tuple[bool, str]:
    """Run the self-check in a child process, with the model ``settings`` of the caller when
    given (else the child loads its own); return (worked, what to report)."""
    argv = command or [sys.executable, "-m", "bot.llm.selfcheck"]
    env = dict(os.environ)
    for name in MODEL_FIELDS if settings is not None else ():
        value = getattr(settings, name)
        if value is not None:
            env[env_var(name)] = str(value)
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, check=False, env=env
        )
    except subprocess.TimeoutExpired:
        return False, f"the model did not generate one token in {timeout:.0f} s"
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        return False, f"llama.cpp crashed ({name}) running the model: {rebuild_advice()}"
    lines = (done.stdout if done.returncode == 0 else done.stderr).strip().splitlines()
    return done.returncode == 0, lines[-1] if lines else f"exit code {done.returncode}"


if __name__ == "__main__":
    raise SystemExit(main())

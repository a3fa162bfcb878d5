"""``warta doctor``: check that a deployment can serve, in a readable report."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

import psutil

from bot.llm.gguf import check_gguf, default_model_path
from bot.llm.selfcheck import run_child
from bot.modelfit import kv_cache_bytes, model_header
from bot.settings import Settings
from retrieval.errors import WartaError
from retrieval.scanning import scan_corpus

Status = Literal["ok", "warn", "FAIL"]
_MB = 1024 * 1024


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    status: Status
    name: str
    detail: str


def _corpus(settings: Settings) -> Check:
    files, skipped = scan_corpus(list(settings.corpus_dir))
    dirs = ", ".join(str(d) for d in settings.corpus_dir)
    if not files:
        return Check("FAIL", "corpus", f"no article files in {dirs}")
    note = f" ({len(skipped)} skipped; `warta index` says why)" if skipped else ""
    return Check("ok", "corpus", f"{len(files)} files in {dirs}{note}")


def _index(settings: Settings) -> Check:
    from bot.runtime import build_index

    index = build_index(settings)
    if not index.load():
        reason = index.load_error or f"no index in {index.directory} yet"
        return Check("FAIL", "index", f"{reason}; run `warta index` to build it again")
    snap = index.snapshot
    first, last = snap.dates()
    span = f", dated {first} to {last}" if first else ""
    status: Status = "ok"
    note = " (checksums verified)"
    if not os.access(index.directory, os.W_OK):
        status, note = "warn", f"; {index.directory} is read-only: reloads cannot be saved"
    return Check(
        status,
        "index",
        f"format v{snap.params.format_version}: {len(snap.articles)} articles, "
        f"{snap.n_chunks} chunks{span}{note}",
    )


def _model_file(settings: Settings) -> tuple[Check, Path | None]:
    path = settings.model_path or default_model_path(settings.data_dir)
    if settings.model_path is None and not path.exists():
        return Check("warn", "model", f"default model not assembled yet (will be at {path})"), None
    try:
        check_gguf(path)
    except WartaError as exc:
        return Check("FAIL", "model", str(exc)), None
    return Check("ok", "model", f"{path} ({path.stat().st_size // _MB} MB)"), path


def _model_runs(settings: Settings) -> Check:
    """Load the model and generate one token in a child process: a llama.cpp build that
    crashes on this CPU is reported with its fix instead of killing the doctor."""
    worked, detail = run_child(settings=settings)
    return Check("ok" if worked else "FAIL", "model run", detail)


def _server(settings: Settings, *, quick: bool) -> list[Check]:
    """Check the model server: reachable, the model listed, and (unless quick) one token."""
    from bot.llm import Prompt
    from bot.llm.remote import RemoteGenerator
    from bot.runtime import remote_config

    # No retries and no waiting: the report should say at once what is wrong.
    config = dataclasses.replace(remote_config(settings), retries=0, recovery_s=0)
    generator = RemoteGenerator(config)
    try:
        models = generator.list_models()
        wanted = settings.llm_model or (models[0] if models else None)
        if wanted is None or wanted not in models:
            listed = ", ".join(models) or "none"
            missing = f"model {wanted!r} is not" if wanted else "no model is"
            return [Check("FAIL", "server", f"{missing} listed by {config.url} (lists: {listed})")]
        checks = [Check("ok", "server", f"{config.url} lists {wanted!r}")]
        if not quick:
            out = generator.generate(
                Prompt("", "Say yes.", "The capital of France is", ()), max_tokens=1
            )
            checks.append(
                Check(
                    "ok",
                    "model run",
                    f"{wanted} generated {out.completion_tokens} token in {out.total_ms:.0f} ms",
                )
            )
        return checks
    except WartaError as exc:
        return [Check("FAIL", "server", str(exc))]
    finally:
        generator.close()


def _kv_cache(settings: Settings, model: Path | None) -> int:
    """Estimate the bytes of the configured context's KV cache (0 when unknown or remote)."""
    if model is None or settings.llm_url is not None:
        return 0
    try:
        return kv_cache_bytes(model_header(model), settings.model_ctx) or 0
    except (OSError, WartaError):
        return 0


def _resources(settings: Settings, model: Path | None) -> list[Check]:
    model_bytes = 0 if settings.llm_url is not None else 260 * _MB
    need = (model.stat().st_size if model else model_bytes) + 200 * _MB
    free = shutil.disk_usage(settings.data_dir).free
    disk: Status = "ok" if free >= need else "FAIL"
    kv = _kv_cache(settings, model)
    available = psutil.virtual_memory().available
    memory: Status = "ok" if available >= need + kv + 150 * _MB else "warn"
    detail = f"{available // _MB} MB available, about {(need + kv) // _MB} MB needed"
    if kv:
        detail += f" (KV cache of WARTA_MODEL_CTX={settings.model_ctx}: {kv // _MB} MB)"
    if kv and memory == "warn":
        detail += "; lower WARTA_MODEL_CTX"
    return [
        Check(disk, "disk", f"{free // _MB} MB free in {settings.data_dir}, need {need // _MB} MB"),
        Check(memory, "memory", detail),
    ]


def run_checks(settings: Settings, *, quick: bool, out: TextIO) -> int:
    """Print the health report; return 0 when nothing failed, else 1."""
    checks = [Check("ok", "settings", "valid")]
    steps: list[Callable[[Settings], Check]] = [_corpus, _index]
    for step in steps:
        try:
            checks.append(step(settings))
        except WartaError as exc:
            checks.append(Check("FAIL", step.__name__.strip("_"), str(exc)))
    model: Path | None = None
    if settings.llm_url is not None:
        checks.extend(_server(settings, quick=quick))
    else:
        model_check, model = _model_file(settings)
        checks.append(model_check)
        if not quick and model_check.status != "FAIL":
            checks.append(_model_runs(settings))
    checks.extend(_resources(settings, model))
    for check in checks:
        out.write(f"{check.status:<4}  {check.name:<10} {check.detail}\n")
    failed = [c for c in checks if c.status == "FAIL"]
    out.write("healthy\n" if not failed else f"{len(failed)} problem(s) found\n")
    return 1 if failed else 0

"""Does a local GGUF model fit: a language model, its trained context, its KV cache size."""

from __future__ import annotations

import functools
from pathlib import Path

from bot.errors import ModelError
from bot.llm.gguf import GgufHeader, read_gguf_header

# llama.cpp's default KV cache type is f16: two bytes per element, for keys and for values.
_KV_BYTES = 2


def model_header(path: Path) -> GgufHeader:
    """Read and check a model's GGUF header, once per file version (it is re-read on change)."""
    st = path.stat()
    return _cached_header(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _cached_header(path: str, size: int, mtime_ns: int) -> GgufHeader:
    return read_gguf_header(Path(path))


def _arch_value(header: GgufHeader, key: str) -> int | None:
    """Return the integer ``{architecture}.{key}`` of the header, if it has one."""
    arch = header.metadata.get("general.architecture")
    value = header.metadata.get(f"{arch}.{key}") if isinstance(arch, str) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def trained_context(header: GgufHeader) -> int | None:
    """Return the context length the model was trained with (``{arch}.context_length``)."""
    return _arch_value(header, "context_length")


def language_model_problem(header: GgufHeader) -> str | None:
    """Say why a sound GGUF file is no language model llama.cpp can answer with, else None."""
    arch = header.metadata.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        return "its header names no model architecture"
    if trained_context(header) is None:
        return f"its header gives no context length for architecture '{arch}'"
    if "tokenizer.ggml.model" not in header.metadata:
        return f"it has no tokenizer (architecture '{arch}': a projector or adapter, not a model)"
    return None


def kv_cache_bytes(header: GgufHeader, n_ctx: int) -> int | None:
    """Estimate the KV cache of an ``n_ctx``-token context, as llama.cpp allocates it."""
    layers = _arch_value(header, "block_count")
    heads = _arch_value(header, "attention.head_count")
    embedding = _arch_value(header, "embedding_length")
    if layers is None or heads is None or embedding is None:
        return None
    kv_heads = _arch_value(header, "attention.head_count_kv") or heads
    key = _arch_value(header, "attention.key_length") or embedding // heads
    value = _arch_value(header, "attention.value_length") or key
    return n_ctx * layers * kv_heads * (key + value) * _KV_BYTES


def model_file_problem(path: Path) -> str | None:
    """Say in one phrase why ``path`` is not a usable GGUF language model, else None."""
    try:
        header = model_header(path)
    except FileNotFoundError:
        return "it does not exist"
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    except ModelError as exc:
        return _reason(str(exc), path)
    return language_model_problem(header)


def _reason(message: str, path: Path) -> str:
    """Turn "Model file X is truncated (…); download it again." into "it is truncated (…)…"."""
    reason = message.removeprefix(f"Model file {path} ").rstrip(".")
    # The setting's own name and purpose are already on the line.
    reason = reason.split("; set WARTA_MODEL_PATH", 1)[0]
    return f"it {reason}" if reason != message.rstrip(".") else reason

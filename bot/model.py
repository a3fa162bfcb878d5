"""Kept for imports that predate the bot.llm package: the GGUF checks live in bot.llm.gguf."""

from bot.llm.gguf import (
    GgufHeader,
    check_gguf,
    default_model_path,
    ensure_model,
    read_gguf_header,
)

__all__ = ["GgufHeader", "check_gguf", "default_model_path", "ensure_model", "read_gguf_header"]

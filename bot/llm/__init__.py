"""Model backends behind one interface: llama.cpp in process (the default) or a server."""

from bot.llm.interface import Capabilities, Generation, Generator, Prompt, TokenCallback
from bot.llm.llama import CHAT_FORMATS, LlamaGenerator

__all__ = [
    "CHAT_FORMATS",
    "Capabilities",
    "Generation",
    "Generator",
    "LlamaGenerator",
    "Prompt",
    "TokenCallback",
]

"""Offline multilingual question answering over news articles, with cited sources.

Public API: answer(), stream_answer(), search(), Assistant, Settings and the result types.
Nothing here loads a model or reads the environment at import time.
"""
from __future__ import annotations

from .config import Settings
from .errors import AssistantError, InputError, LLMError, ModelError, StoreError
from .types import Answer, Article, Chunk, Citation, Passage, Sources

__all__ = [
    "Answer", "Article", "Assistant", "AssistantError", "Chunk", "Citation", "InputError",
    "LLMError", "ModelError", "Passage", "Settings", "Sources", "StoreError", "answer", "search", "stream_answer",
]


def __getattr__(name):  # lazy: importing the package stays cheap
    if name in {"Assistant", "answer", "search", "stream_answer"}:
        from . import app

        return getattr(app, name)
    raise AttributeError(name)

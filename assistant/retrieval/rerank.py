"""The seam for a reranker: anything that reorders (and may rescore) passages for a query.

No multilingual cross-encoder ships its weights on PyPI (../shared/MODELS.md), so the default keeps
the fused order. A reranker is given to Retriever(..., reranker=...) and runs after fusion.
"""
from __future__ import annotations

from typing import Protocol, Sequence

from ..types import Passage


class Reranker(Protocol):
    def rerank(self, query: str, passages: Sequence[Passage]) -> list[Passage]:
        """The passages, best first (a subset is allowed, never new ones)."""


class IdentityReranker:
    """Keeps the fused order."""

    def rerank(self, query: str, passages: Sequence[Passage]) -> list[Passage]:
        return list(passages)

"""Finding passages: hybrid dense + keyword search, query expansion across languages, reranking.

What the answering layer needs from a retriever is RetrieverProtocol; Retriever is the product's
implementation (tests/fakes.py has another).
"""
from __future__ import annotations

from typing import Protocol, Sequence

from ..types import EventRecord, Passage


class RetrieverProtocol(Protocol):
    embeddings: object  # a LangChain Embeddings

    def search(self, query: str, k: int = 5, vector: Sequence[float] | None = None, **filters) -> list[Passage]:
        """Passages best first; filters: source, lang, date_from, date_to."""

    def keyword_overlap(self, query: str, texts: list[str]) -> list[float]:
        """Weighted share of the query's keyword tokens each text holds, in [0, 1]."""

    def glossary(self, question: str) -> list[tuple[str, str]]:
        """(name as the question writes it, the articles' form) for names the corpus holds."""

    def catalogue(self) -> dict[str, str]:
        """One descriptive line per article, by source."""

    def records(self) -> dict[str, EventRecord]:
        """Each article's event record, by source."""

    def articles(self) -> list[dict]:
        """The indexed articles with their metadata."""

    def article_text(self, source: str) -> str:
        """An article's title and stored text (its chunks in order), empty for an unknown source."""

"""Fakes that implement the product's real protocols, so unit tests run the production code paths.

FakeRetriever is a RetrieverProtocol over a fixed list of passages: its keyword side is a real
KeywordIndex and the product's own keyword_overlap, only the search ranking is fixed by the test.
Chat models come from LangChain's fake chat models (FakeListChatModel) and embeddings from its
DeterministicFakeEmbedding, both real LangChain implementations of the interfaces the product uses.
"""
from __future__ import annotations

from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant.index.keyword import KeywordIndex
from assistant.retrieval.hybrid import keyword_overlap
from assistant.types import EventRecord, Passage


class FakeRetriever:
    """Returns its passages in the given order (filtered by source), with the given dense cosine."""

    def __init__(self, passages: list[Passage], catalogue: dict[str, str] | None = None, embeddings=None,
                 names: dict[str, str] | None = None, records: dict[str, EventRecord] | None = None):
        self.passages = list(passages)
        self._records = records  # given whole (people and all), or made from the catalogue lines
        self.names = names or {}  # the glossary: romanised name → the corpus's characters
        self.embeddings = embeddings or DeterministicFakeEmbedding(size=16)
        self._catalogue = catalogue or {}
        self.queries: list[str] = []
        self.index = KeywordIndex.build([p.chunk_id for p in passages], [f"{p.title}\n{p.text}" for p in passages])

    def search(self, query, k=5, vector=None, source=None, **filters) -> list[Passage]:
        self.queries.append(query)
        return [p for p in self.passages if source is None or p.source == source][:k]

    def keyword_overlap(self, query: str, texts: list[str]) -> list[float]:
        return keyword_overlap(self.index, query, texts)

    def glossary(self, question: str) -> list[tuple[str, str]]:
        return [(name, zh) for name, zh in self.names.items() if name in question]

    def catalogue(self) -> dict[str, str]:
        return {src: record.line() for src, record in self.records().items()}

    def records(self) -> dict[str, EventRecord]:
        """The records given, or records from the catalogue given: 'title | date D | place P' lines."""
        if self._records is not None:
            return dict(self._records)
        out = {}
        for src, line in sorted(self._catalogue.items()):
            parts = line.split(" | ")
            get = {p.split(" ", 1)[0]: p.split(" ", 1)[1] for p in parts[1:] if " " in p}
            out[src] = EventRecord(src, parts[0], event_dates=tuple(filter(None, [get.get("date", "")])),
                                   place=get.get("place", ""))
        return out

    def mentions(self, word: str) -> bool:
        from assistant.text.lexical import fold

        return any(fold(word) in fold(f"{p.title}\n{p.text}") for p in self.passages)

    def article_text(self, source: str) -> str:
        parts = [p for p in self.passages if p.source == source]
        return "\n".join([parts[0].title] + [p.text for p in parts]) if parts else ""

    def article(self, source: str) -> dict:
        """The article put back together from its passages by their offsets, as the real retriever does."""
        parts = [p for p in self.passages if p.source == source]
        chars = [" "] * max(p.end for p in parts)
        for p in parts:
            chars[p.start:p.end] = p.text
        return {"source": source, "title": parts[0].title, "text": "".join(chars)}

    def passage_at(self, source: str, offset: int) -> Passage | None:
        return next((p for p in self.passages if p.source == source and p.start <= offset < p.end), None)

    def articles(self) -> list[dict]:
        seen = {}
        for p in self.passages:
            seen.setdefault(p.source, {"source": p.source, "title": p.title, "chunks": 0})["chunks"] += 1
        return list(seen.values())


def passage(text: str, source: str = "001.txt", title: str = "瑞安云江科创大会", *, chunk_id: str = "c1",
            start: int = 100, dense: float = 0.9, keyword_evidence: bool = False) -> Passage:
    return Passage(chunk_id, source, title, text, 0.1, start, start + len(text), {"source": source},
                   dense=dense, keyword_evidence=keyword_evidence)

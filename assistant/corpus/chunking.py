"""Split an article into overlapping, sentence-aligned chunks with exact offsets and content-hash ids."""
from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right

from .reader import article_hash
from .records import build_record, record_to_json
from ..errors import InputError
from ..text.segment import clause_spans, sentence_spans
from ..types import Article, Chunk

META_VERSION = 4  # bump when what chunk metadata holds changes: ingest then rewrites stored metadata


def chunk_article(article: Article, size: int = 300, overlap: int = 40) -> list[Chunk]:
    """Chunks of at most size characters; each after the first repeats about overlap characters."""
    if size <= 0 or not 0 <= overlap < size:
        raise InputError(f"chunk size {size} with overlap {overlap}: the size must exceed the overlap and the "
                         "overlap be 0 or more; fix ASSISTANT_CHUNK_SIZE / ASSISTANT_CHUNK_OVERLAP")
    spans = split_spans(article.text, size, overlap)
    base = {
        "source": article.source, "title": article.title, "published": article.published,
        "event_dates": ",".join(article.event_dates), "place": article.place, "outlet": article.outlet,
        "lang": article.lang, "article_hash": article_hash(article), "n_chunks": len(spans),
        "meta_version": META_VERSION,
    }
    chunks = []
    for index, (start, end) in enumerate(spans):
        text = article.text[start:end]
        meta = {**base, "start": start, "end": end, "chunk_index": index}
        if index == 0:  # the event record, once per article
            meta["record"] = record_to_json(build_record(article))
        chunks.append(Chunk(chunk_id=chunk_id(article.source, start, text), source=article.source, text=text,
                            start=start, end=end, title=article.title, metadata=meta))
    return chunks


def chunk_id(source: str, start: int, text: str) -> str:
    """Same file, place and words, same id: re-ingesting an unchanged article rewrites nothing."""
    return hashlib.sha256(f"{source}\x1f{start}\x1f{text}".encode("utf-8")).hexdigest()[:32]


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the title for context, then the chunk (the stored text stays the chunk)."""
    if not chunk.title or chunk.text.startswith(chunk.title):
        return chunk.text
    return f"{chunk.title}\n{chunk.text}"


def split_spans(text: str, size: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) offsets into text: whole sentences packed up to size, whole clauses or a hard cut
    inside a sentence longer than that, the next chunk starting at the earliest sentence (else clause)
    start within overlap characters of the previous end. A clause here also ends at the enumeration
    comma 、 and at a colon: any boundary inside a long sentence beats a hard cut."""
    sentences = sentence_spans(text)
    if not sentences:
        return []
    starts = [s for s, _ in sentences]
    ends = [e for _, e in sentences]
    clause_ends = [e for _, e in clause_spans(text, lists=True, colons=True)]
    spans, start, floor = [], starts[0], starts[0]
    while True:
        end = _chunk_end(text, start, floor, size, ends, clause_ends)
        spans.append((start, end))
        if end >= ends[-1]:
            return spans
        start = _next_start(text, start, end, overlap, starts, clause_ends)
        floor = end


def _chunk_end(text: str, start: int, floor: int, size: int, ends: list[int], clause_ends: list[int]) -> int:
    """The furthest sentence end past floor within size; else the furthest clause end; else a hard cut."""
    limit = min(start + size, len(text))
    for bounds in (ends, clause_ends):
        i = bisect_right(bounds, limit) - 1
        if i >= 0 and bounds[i] > floor:
            return _rstrip(text, floor, bounds[i])
    return _rstrip(text, floor, limit)


def _rstrip(text: str, floor: int, end: int) -> int:
    while end - 1 > floor and text[end - 1].isspace():
        end -= 1
    return end


def _next_start(text: str, start: int, end: int, overlap: int, starts: list[int], clause_ends: list[int]) -> int:
    """Overlap made of whole trailing sentences, else whole trailing clauses, else none."""
    lowest = max(end - overlap, start + 1)
    for bounds in (starts, clause_ends):
        i = bisect_left(bounds, lowest)
        if i < len(bounds) and bounds[i] < end:
            return _skip_space(text, bounds[i])
    return _skip_space(text, end)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos

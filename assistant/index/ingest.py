"""Idempotent, incremental ingest: articles → cleaned chunks → embeddings → Chroma (+ keyword index)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..corpus.chunking import META_VERSION, chunk_article, embedding_text
from ..config import Settings
from ..corpus.reader import article_hash, load_articles
from ..text.dates import ymd
from ..types import Article, Chunk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestReport:
    articles: int
    chunks_added: int
    chunks_removed: int
    chunks_unchanged: int
    seconds: float
    warnings: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {"articles": self.articles, "chunks_added": self.chunks_added,
                "chunks_removed": self.chunks_removed, "chunks_unchanged": self.chunks_unchanged,
                "seconds": round(self.seconds, 3), "warnings": list(self.warnings)}


def chunk_metadata(chunk: Chunk) -> dict:
    meta = {k: v for k, v in chunk.metadata.items() if isinstance(v, (str, int, float, bool))}
    first_event = str(meta.get("event_dates", "")).split(",")[0]
    meta["date_ymd"] = ymd(first_event) or ymd(str(meta.get("published", "")))
    meta["source"] = chunk.source
    meta["title"] = chunk.title
    return meta


def unique_articles(articles: list[Article]) -> tuple[list[Article], list[str]]:
    """The same article under two names is stored once (the first name, sorted, wins)."""
    seen: dict[str, str] = {}
    kept, warnings = [], []
    for art in sorted(articles, key=lambda a: a.source):
        h = article_hash(art)
        if h in seen:
            warnings.append(f"{art.source}: same text as {seen[h]}; stored once under {seen[h]}")
            continue
        seen[h] = art.source
        kept.append(art)
    return kept, warnings


def default_paths(settings: Settings) -> list[Path]:
    """What `assistant ingest` and `serve` read when given no paths: the seeds and the uploaded articles."""
    return [settings.seeds_dir] + ([settings.uploads_dir] if settings.uploads_dir.is_dir() else [])


def ingest(settings: Settings, store, keyword_refresh: Callable[[], None] | None = None,
           paths: list[Path] | None = None, *, prune: bool | None = None, progress: bool = False) -> IngestReport:
    """Bring the store in line with the articles; only changed chunks are embedded or deleted.

    prune (default: when every path is a folder) removes articles that are no longer there.
    Without paths, the seeds and uploads are read, and articles a user removed (`assistant remove`)
    stay out; naming an article's file brings it back.
    """
    t0 = time.perf_counter()
    explicit = bool(paths)
    paths = [Path(p) for p in (paths or default_paths(settings))]
    prune = all(p.is_dir() for p in paths) if prune is None else prune
    articles, warnings = load_articles(paths, max_mb=settings.max_upload_mb)
    removed_by_user = store.removed_sources()
    named = {a.source for a in articles}
    if explicit and removed_by_user & named:
        store.set_removed(removed_by_user - named)
    elif removed_by_user:
        articles = [a for a in articles if a.source not in removed_by_user]
    articles, dup_warnings = unique_articles(articles)
    warnings = list(warnings) + dup_warnings
    for w in warnings:
        log.warning(w)
    existing, stored_hashes, versions = store.stored_state()
    current = {a.source for a in articles}
    kept = []
    for art in articles:  # the same text stored earlier under another name that stays: not again
        other = stored_hashes.get(article_hash(art))
        if other and other != art.source and (other in current or not prune):
            warnings.append(f"{art.source}: same text as {other}, already stored; not stored again")
            log.warning(warnings[-1])
            continue
        kept.append(art)
    articles = kept
    store.set_generation("dirty")  # a killed ingest leaves this mark; the keyword side then rebuilds
    added = removed = unchanged = 0
    pending: list[Chunk] = []
    refreshed: list[Chunk] = []  # kept chunks of a changed article: same vector, new metadata
    stale: list[str] = []
    for art in articles:
        chunks = chunk_article(art, settings.chunk_size, settings.chunk_overlap)
        new_ids = {c.chunk_id for c in chunks}
        old_ids = existing.pop(art.source, set())
        pending += [c for c in chunks if c.chunk_id not in old_ids]
        stale += sorted(old_ids - new_ids)
        unchanged += len(new_ids & old_ids)
        if new_ids != old_ids or versions.get(art.source, META_VERSION) < META_VERSION:
            refreshed += [c for c in chunks if c.chunk_id in old_ids]  # metadata read by an older version
    if prune:
        for ids in existing.values():
            stale += sorted(ids)
    added = embed_and_store(settings, store, pending, progress)
    store.update_metadata([c.chunk_id for c in refreshed], [chunk_metadata(c) for c in refreshed])
    store.delete(stale)  # after the adds: a kill in between leaves extra chunks, never missing ones
    removed = len(stale)
    if keyword_refresh is not None:
        keyword_refresh()
    store.set_generation()
    return IngestReport(len(articles), added, removed, unchanged, time.perf_counter() - t0, tuple(warnings))


def embed_and_store(settings: Settings, store, chunks: list[Chunk], progress: bool = False,
                    on_progress: Callable[[int, int], None] | None = None) -> int:
    """Embed chunks and write them to the store in batches; returns how many were written.

    All or nothing: when a batch fails, the chunks this call wrote are deleted again before the error
    goes on (they are new chunks: an article's old ones are only deleted after every add).
    on_progress(done, total) is called after each batch.
    """
    from tqdm import tqdm

    batch = max(1, settings.embed_batch_size)
    bar = tqdm(total=len(chunks), unit="chunk", desc="embedding", disable=not progress or not chunks)
    written: list[str] = []
    try:
        for i in range(0, len(chunks), batch):
            part = chunks[i:i + batch]
            vectors = store.embeddings.embed_documents([embedding_text(c) for c in part])
            written += [c.chunk_id for c in part]
            store.upsert([c.chunk_id for c in part], [c.text for c in part],
                         [chunk_metadata(c) for c in part], vectors)
            bar.update(len(part))
            if on_progress is not None:
                on_progress(len(written), len(chunks))
    except BaseException:
        try:
            store.delete(written)
        except Exception:  # the store itself failed: the next start's repair removes the partial article
            log.exception("could not delete the %d chunks of a failed ingest", len(written))
        raise
    finally:
        bar.close()
    return len(chunks)

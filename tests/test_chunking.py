"""Sentence-aware chunking with exact offsets and stable content-hash ids, on the real seeds."""
from __future__ import annotations

import dataclasses
import hashlib
import re

import pytest

from assistant.corpus.chunking import chunk_article, embedding_text, split_spans
from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus.reader import article_hash, load_articles
from assistant.errors import InputError
from assistant.types import Article

SIZES = [(300, 40), (120, 20), (500, 0), (60, 15)]
STOPS = "。！？；!?;”’」』）)》"


@pytest.fixture(scope="module")
def articles():
    found, _ = load_articles(PROJECT_ROOT / "seeds")
    assert len(found) == 5
    return found


@pytest.mark.parametrize("size, overlap", SIZES)
def test_offsets_are_exact(articles, size, overlap):
    for article in articles:
        for chunk in chunk_article(article, size, overlap):
            assert article.text[chunk.start:chunk.end] == chunk.text
            assert chunk.text == chunk.text.strip()


@pytest.mark.parametrize("size, overlap", SIZES)
def test_size_overlap_and_coverage(articles, size, overlap):
    for article in articles:
        chunks = chunk_article(article, size, overlap)
        assert all(0 < len(c.text) <= size for c in chunks)
        for prev, nxt in zip(chunks, chunks[1:]):
            assert prev.start < nxt.start and prev.end < nxt.end
            assert prev.end - nxt.start <= overlap
        covered = set().union(*(range(c.start, c.end) for c in chunks))
        assert all(i in covered for i, ch in enumerate(article.text) if not ch.isspace())


def test_default_chunks_end_at_sentence_ends(articles):
    settings = Settings()
    for article in articles:
        chunks = chunk_article(article, settings.chunk_size, settings.chunk_overlap)
        for chunk in chunks:
            at_line_end = chunk.end == len(article.text) or article.text[chunk.end] == "\n"
            assert chunk.text[-1] in STOPS or at_line_end, chunk.text[-20:]
            assert chunk.text[0] not in "”’」』）)》,，、。"
        # overlap is made of whole trailing sentences or clauses: it starts right after a boundary
        for prev, nxt in zip(chunks, chunks[1:]):
            if nxt.start < prev.end:
                assert article.text[nxt.start - 1] in STOPS + "\n，、,:："


def test_packing_fills_chunks(articles):
    for article in articles:
        chunks = chunk_article(article, 300, 40)
        assert sum(len(c.text) for c in chunks[:-1]) / max(1, len(chunks) - 1) > 180


def test_closing_quotes_stay_with_their_sentence():
    text = "他说:“今天的会很成功。”大家都鼓掌了。她问:“下一次在哪里?”主持人答:“在宁波。”"
    spans = split_spans(text, 14, 0)
    pieces = [text[a:b] for a, b in spans]
    assert pieces == ["他说:“今天的会很成功。”", "大家都鼓掌了。", "她问:“下一次在哪里?”", "主持人答:“在宁波。”"]
    assert all(not p.startswith("”") for p in pieces)
    assert "".join(pieces) == text


def test_long_sentence_split_at_clauses_then_hard():
    clauses = "，".join(f"第{i}项重点任务涉及人才科技和产业合作" for i in range(12)) + "。"
    pieces = [clauses[a:b] for a, b in split_spans(clauses, 60, 0)]
    assert all(len(p) <= 60 for p in pieces)
    assert all(p.endswith(("，", "。")) for p in pieces)
    assert "".join(pieces) == clauses
    unbroken = "无" * 250
    assert [b - a for a, b in split_spans(unbroken, 100, 10)] == [100, 100, 50]


def test_english_sentences_split_at_periods_not_decimals():
    text = "Growth was 3.5 percent. The delegation visited Lyon. It signed seven agreements."
    pieces = [text[a:b] for a, b in split_spans(text, 30, 0)]
    assert pieces == ["Growth was 3.5 percent.", "The delegation visited Lyon.", "It signed seven agreements."]


def test_ids_are_content_hashes_and_stable(articles):
    for article in articles:
        first, again = chunk_article(article), chunk_article(article)
        assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
        assert len({c.chunk_id for c in first}) == len(first)
        chunk = first[0]
        raw = f"{chunk.source}\x1f{chunk.start}\x1f{chunk.text}".encode("utf-8")
        assert chunk.chunk_id == hashlib.sha256(raw).hexdigest()[:32]


@pytest.mark.parametrize("addition", ["\n新增的一句话。", "另外,双方还签署了一份备忘录。\n相关工作将在明年展开。" * 8])
def test_editing_the_end_changes_only_the_changed_chunks(articles, addition):
    for article in articles:
        before = chunk_article(article)
        after = chunk_article(dataclasses.replace(article, text=article.text + addition))
        old = {c.chunk_id: c for c in before}
        kept = [c for c in after if c.chunk_id in old]
        assert len(kept) >= len(before) - 1  # only the last chunk can grow
        for chunk in after:
            same_text = any(o.text == chunk.text and o.start == chunk.start for o in before)
            assert (chunk.chunk_id in old) == same_text


def test_metadata_is_flat_and_complete(articles):
    keys = {"source", "title", "published", "event_dates", "place", "outlet", "lang", "start", "end",
            "article_hash", "chunk_index", "n_chunks", "meta_version"}
    for article in articles:
        chunks = chunk_article(article)
        for i, chunk in enumerate(chunks):
            meta = chunk.metadata
            assert set(meta) == keys | ({"record"} if i == 0 else set())  # the event record, once per article
            assert all(isinstance(v, (str, int, float)) for v in meta.values())
            assert (meta["start"], meta["end"], meta["chunk_index"], meta["n_chunks"]) == \
                   (chunk.start, chunk.end, i, len(chunks))
            assert meta["article_hash"] == article_hash(article)
            assert meta["event_dates"] == ",".join(article.event_dates)
            assert chunk.title == meta["title"] == article.title and chunk.source == article.source


def test_embedding_text_carries_the_title(articles):
    for article in articles:
        chunks = chunk_article(article)
        for chunk in chunks:
            text = embedding_text(chunk)
            assert text.endswith(chunk.text) and text.count(article.title) >= 1
        if chunks[0].text.startswith(article.title):
            assert embedding_text(chunks[0]) == chunks[0].text  # the title is not doubled
        assert embedding_text(chunks[1]) == f"{article.title}\n{chunks[1].text}"
    untitled = chunk_article(Article(source="x.txt", text="只有正文。"))[0]
    assert embedding_text(untitled) == "只有正文。"


def test_bad_sizes_and_empty_text():
    article = Article(source="x.txt", text="正文。")
    for size, overlap in [(0, 0), (40, 40), (40, -1)]:
        with pytest.raises(InputError, match="overlap"):
            chunk_article(article, size, overlap)
    assert chunk_article(Article(source="e.txt", text=" \n ")) == []


def test_chunk_counts_at_default_settings(articles):
    counts = {a.source[:3]: len(chunk_article(a, 300, 40)) for a in articles}
    assert all(re.fullmatch(r"\d{3}", k) for k in counts)
    assert all(5 <= n <= 20 for n in counts.values()), counts

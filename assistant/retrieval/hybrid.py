"""Hybrid search: dense e5 vectors from Chroma plus BM25 over script-folded CJK tokens, fused."""
from __future__ import annotations

import hashlib
import math
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import InputError, StoreError
from ..index.keyword import KeywordIndex
from ..corpus.records import record_from_json
from ..text.dates import ymd
from ..text.language import HAN, detect_lang, other_script
from ..text.lexical import fold
from ..types import EventRecord, Passage
from .rerank import IdentityReranker, Reranker


@dataclass(frozen=True)
class Filters:
    source: str | None = None
    lang: str | None = None
    date_from: str | None = None  # ISO date, inclusive; matches the event date, else the publish date
    date_to: str | None = None

    def where(self) -> dict | None:
        clauses = []
        if self.source:
            clauses.append({"source": self.source})
        if self.lang:
            clauses.append({"lang": self.lang})
        if self.date_from:
            clauses.append({"date_ymd": {"$gte": ymd(self.date_from)}})
        if self.date_to:
            clauses.append({"date_ymd": {"$lte": ymd(self.date_to)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, meta: dict) -> bool:
        d = int(meta.get("date_ymd", 0) or 0)
        return ((not self.source or meta.get("source") == self.source)
                and (not self.lang or meta.get("lang") == self.lang)
                and (not self.date_from or d >= ymd(self.date_from))
                and (not self.date_to or d <= ymd(self.date_to)))


# e5 scores a question higher against passages in its own language (and script) than in another: a
# Chinese question met the Japanese article's passage naming the person asked about at cosine .82 beside
# .85 for unrelated Chinese ones. For fusion, a passage's cosine is raised by how much lower the query
# vector scores against its language's anchor (the mean vector of unrelated passages in that language,
# retrieval/anchors.py, from the public sets by `assistant bench languages`) than against the best
# language's: the query's affinity to a language, not to a topic, and for a vector halfway between a
# question and its translation, halfway between their languages. Measured there, questions in Chinese
# score Japanese passages .068 lower, English ones .10 lower. Half of it is lifted: on a store of CMRC
# and JSQuAD passages, Chinese questions about the Japanese ones found theirs at hit@1 .34 / .38 / .40 /
# .40 / .40 for shares 0 / .25 / .5 / .75 / 1 (hit@5 .59 → .63 from .5 on; same-language questions
# unchanged), while more of it let the Japanese article into English questions' evidence (dev: 3 answers
# lost at the whole lift).
LIFT_SHARE = 0.5


def language_lift(vector, embedder: str) -> dict[str, float]:
    """What a passage's cosine is raised by, per passage language, for this query vector (none when the
    anchors were measured with another embedder)."""
    from .anchors import ANCHORS, EMBEDDER

    if embedder != EMBEDDER or vector is None:
        return {}
    affinity = {lang: math.fsum(x * y for x, y in zip(vector, anchor)) for lang, anchor in ANCHORS.items()}
    best = max(affinity.values())
    return {lang: LIFT_SHARE * (best - value) for lang, value in affinity.items()}


def _language(meta: dict) -> str:
    """A chunk's language and script (its stored lang, else read from its text)."""
    return str(meta.get("lang", "") or "") or detect_lang(str(meta.get("_text", "")))


def _normalised(pairs, floor_zero: bool = False) -> dict[str, float]:
    """Scores mapped onto [0, 1] within one result list (BM25 from 0, cosine from the list's minimum)."""
    if not pairs:
        return {}
    values = [v for _, v in pairs]
    hi, lo = max(values), 0.0 if floor_zero else min(values)
    span = (hi - lo) or 1.0
    return {cid: (v - lo) / span for cid, v in pairs}


# what a question asks about stands next to its question word: 主题 in "的主题是什么", 博士后工作站 in
# "多少家博士后工作站", 单位 in "哪个单位主办"; Japanese "何人" / "誰" likewise
_FOCUS = re.compile(
    rf"([{HAN}]{{1,4}})(?:是什么|是什麼|是哪|是谁|是誰|是多少|是何|は何|は誰|はどこ|はいつ)"
    rf"|(?:多少|几|幾|哪个|哪個|哪家|哪所|哪些|哪位|哪项|哪項|哪天|哪年|什么|什麼|何)([{HAN}]{{1,6}})")


def focus_terms(question: str) -> list[str]:
    """The words a question asks about, found beside its question word ([] when none is)."""
    out = []
    for m in _FOCUS.finditer(question):
        term = m.group(1) or m.group(2) or ""
        out.append(term.split("的")[-1] if m.group(1) else term)
    return [t for t in out if t]


def keyword_text(text: str, meta: dict) -> str:
    """Titles are indexed with the text: some answers stand only in the title."""
    return f"{meta.get('title', '')}\n{text}"


def keyword_overlap(index: KeywordIndex, query: str, texts: list[str], focus_boost: float = 3.0) -> list[float]:
    """Share of the query's keyword tokens each text contains, weighted by corpus idf times
    idf within these texts: words every candidate shares (the event's name) say little about
    which sentence answers; the rarer question words (主题, 主办) decide."""
    q_tokens = set(index.tokens(query))
    text_tokens = [q_tokens & set(index.tokens(t)) for t in texts]
    idf = index.idf(q_tokens)
    n = len(texts)
    # log(n / count): a word in nearly every candidate weighs ~0, so the asked-about word (主题,
    # 工程师) outranks the event's name repeated everywhere (log1p kept half the name's weight)
    local = {t: math.log((n + 1) / (1 + sum(t in tt for tt in text_tokens))) for t in q_tokens}
    focus = set(index.tokens(" ".join(focus_terms(query)))) & q_tokens
    weight = {t: idf[t] * local[t] * (focus_boost if t in focus else 1.0) for t in q_tokens}
    total = sum(weight.values()) or 1.0
    return [sum(weight[t] for t in tt) / total for tt in text_tokens]


def question_vector(embeddings, question: str, both_scripts: bool = True) -> list[float]:
    """A question's e5 vector; a Chinese question's, the vector halfway between its Traditional and Simplified
    forms (Tuning.both_scripts): e5 scores a question in one script lower against passages in the other, and
    an article may be in either."""
    vector = embeddings.embed_query(question)
    other = other_script(question) if both_scripts else ""
    return halfway(vector, embeddings.embed_query(other)) if other else vector


def halfway(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """The unit vector halfway between two unit vectors (their normalised sum): a question's two scripts,
    or a question and its translation."""
    total = [x + y for x, y in zip(a, b)]
    norm = math.sqrt(sum(x * x for x in total)) or 1.0
    return [x / norm for x in total]


class Retriever:
    """Keeps the keyword index in step with the store's generation; never rebuilds it per query."""

    def __init__(self, settings: Settings, store, embeddings, reranker: Reranker | None = None):
        self.settings = settings
        self.reranker = reranker or IdentityReranker()
        self.store = store
        self.embeddings = embeddings
        self._lock = threading.Lock()
        self._index: KeywordIndex | None = None
        self._meta: dict[str, dict] = {}
        self._generation = None
        self._checked = 0.0
        self._translator = None
        self._language: dict[str, str] = {}  # chunk id → its language and script

    @property
    def index_dir(self) -> Path:
        if not self.settings.chroma_url:
            return self.settings.store_dir / "keyword" / self.settings.collection
        key = hashlib.sha256(f"{self.settings.chroma_url}|{self.settings.chroma_tenant}|"
                             f"{self.settings.chroma_database}|{self.settings.collection}".encode()).hexdigest()[:16]
        return self.settings.model_cache.parent / "keyword" / key

    def refresh(self, force: bool = False) -> None:
        """Bring the keyword side in step with the store: load it from disk, then apply the id diff."""
        with self._lock:
            gen = self.store.generation()
            if not force and self._index is not None and gen == self._generation:
                return
            # metadata of every chunk (small), texts only of chunks this process has not seen yet:
            # one ingest into a 100k-chunk store must not re-read 100k texts
            metas = {c.chunk_id: c.metadata for c in self.store.iter_all(include_documents=False)}
            known = {cid: m["_text"] for cid, m in self._meta.items() if cid in metas}
            unseen = [cid for cid in metas if cid not in known]
            for i in range(0, len(unseen), 1000):
                known.update((c.chunk_id, c.text) for c in self.store.get(unseen[i:i + 1000]))
            index = self._index or self._load_saved()
            have = index.ids()
            gone = have - metas.keys()
            new = [cid for cid in metas.keys() - have if cid in known]
            if gone:
                index.remove(sorted(gone))
            if new:
                index.add(new, [keyword_text(known[cid], metas[cid]) for cid in new])
            self._meta = {cid: {**meta, "_text": known[cid]} for cid, meta in metas.items() if cid in known}
            self._index, self._generation = index, gen
            self._language = {cid: self._language.get(cid) or _language(meta) for cid, meta in self._meta.items()}

    def _load_saved(self) -> KeywordIndex:
        if KeywordIndex.stored_fingerprint(self.index_dir) is not None:
            try:
                return KeywordIndex.load(self.index_dir)
            except StoreError:  # unreadable or built by another tokeniser: start afresh
                pass
        return KeywordIndex()

    def save_index(self, generation: str) -> None:
        with self._lock:
            if self._index is not None:
                self._index.fingerprint = generation
                self._index.save(self.index_dir)
                self._generation = generation

    def _ensure_fresh(self) -> None:
        now = time.monotonic()
        if self._index is None or now - self._checked > 2.0:  # a cheap metadata read, at most every 2 s
            self._checked = now
            self.refresh()

    def search(self, query: str, k: int = 5, vector=None, mode: str = "hybrid", **filters) -> list[Passage]:
        """mode: hybrid (default), dense or keyword — the last two for benchmarks."""
        flt = Filters(**filters)
        self._ensure_fresh()
        pool = max(self.settings.tuning.dense_pool, 3 * k)
        dense, lift = [], {}
        if mode != "keyword":
            vector = vector if vector is not None else \
                question_vector(self.embeddings, query, self.settings.tuning.both_scripts)
            dense = self.store.dense_search(vector, pool, flt.where())
            prior = language_lift(vector, getattr(self.embeddings, "model_id", ""))
            lift = {c.chunk_id: prior.get(self._language.get(c.chunk_id, ""), 0.0) for c in dense} if prior else {}
        hits, weight = [], 0.0
        if mode != "dense" and self._index is not None:
            allowed = None if flt == Filters() else {i for i, m in self._meta.items() if flt.accepts(m)}
            expansion = self.translator.expand(query) if self.settings.crosslingual else ""
            # an English query is searched by what the corpus can match: its translated keywords
            hits, found = self._index.search_with_evidence(expansion or query, pool, allowed_ids=allowed)
            if mode == "keyword":
                weight = 1.0
            elif found.has_evidence:
                weight = self.settings.crosslingual_weight if expansion else self.settings.keyword_weight
        return self.reranker.rerank(query, self._fuse(dense, hits, weight, k, lift))

    def keyword_overlap(self, query: str, texts: list[str]) -> list[float]:
        """Share of the query's keyword tokens each text contains (module function keyword_overlap)."""
        self._ensure_fresh()
        return keyword_overlap(self._index, query, texts, self.settings.tuning.focus_boost)

    def glossary(self, question: str) -> list[tuple[str, str]]:
        """(romanised name in the question, the articles' own Chinese form) for each name the corpus holds:
        'Jinhua' → 金华, "Rui'an" → 瑞安. Given to the translation call so names are not guessed."""
        self._ensure_fresh()
        return self.translator.names(question) if self.settings.crosslingual else []

    @property
    def translator(self):
        if self._translator is None:
            from .crosslingual import QueryTranslator

            self._translator = QueryTranslator(self._in_corpus, self._rarity)
        return self._translator

    def mentions(self, word: str) -> bool:
        """Whether some indexed chunk may hold word (KeywordIndex.mentions)."""
        self._ensure_fresh()
        return self._index is not None and self._index.mentions(word)

    def _in_corpus(self, word: str) -> bool:
        """Whether every keyword token of word occurs in the index (so a translation can match), and
        the tokens cover every character of it: the tokeniser drops a character it has no class for
        (縰), which made 'Wuxi' → 吴縰 look like a corpus word because 吴 is one."""
        tokens = self._index.tokens(word) if self._index is not None else []
        covered = set("".join(tokens))
        return bool(tokens) and all(self._index.knows(t) for t in tokens) and \
            all(ch in covered for ch in fold(word) if ch.isalnum())

    def _rarity(self, word: str) -> float:
        """Summed idf of word's keyword tokens (an unknown token counts as rare)."""
        tokens = self._index.tokens(word) if self._index is not None else []
        idf = self._index.idf(set(tokens)) if tokens else {}
        return sum(idf.get(t, 99.0) for t in tokens) if tokens else 99.0

    def _fuse(self, dense, hits, w_kw: float, k: int, lift: dict[str, float] | None = None) -> list[Passage]:
        """Convex fusion of min-max-normalised dense and keyword scores (weights in docs/retrieval.md).
        lift: what each dense hit's cosine is raised by for its language (language_lift); a passage's
        `dense` stays its cosine.

        Across languages BM25 has nothing to say (no evidence): then the dense ranking stands alone.
        """
        scores: dict[str, float] = {}
        evidence = w_kw > 0
        lift = lift or {}
        for cid, value in _normalised([(c.chunk_id, c.score + lift.get(c.chunk_id, 0.0)) for c in dense]).items():
            scores[cid] = (1.0 - w_kw) * value
        if evidence:
            for cid, value in _normalised(hits, floor_zero=True).items():
                scores[cid] = scores.get(cid, 0.0) + w_kw * value
        dense_cos = {c.chunk_id: c.score for c in dense}
        texts = {c.chunk_id: (c.text, c.metadata) for c in dense}
        out = []
        for cid in sorted(scores, key=scores.get, reverse=True)[:k]:
            text, meta = texts.get(cid) or (self._meta.get(cid, {}).get("_text", ""), self._meta.get(cid, {}))
            meta = {key: v for key, v in meta.items() if key != "_text"}
            out.append(Passage(chunk_id=cid, source=str(meta.get("source", "")), title=str(meta.get("title", "")),
                               text=text, score=round(scores[cid], 6), start=int(meta.get("start", 0)),
                               end=int(meta.get("end", 0)), metadata=meta,
                               dense=dense_cos.get(cid, 0.0), keyword_evidence=evidence))
        return out

    def records(self) -> dict[str, EventRecord]:
        """Each article's event record (built at ingest; from the plain metadata for an older store)."""
        self._ensure_fresh()
        out: dict[str, EventRecord] = {}
        for meta in self._meta.values():
            src = str(meta.get("source", ""))
            if not src:
                continue
            record = record_from_json(meta["record"]) if meta.get("record") else None
            if record is not None:
                out[src] = record
            elif src not in out:
                out[src] = EventRecord(source=src, title=str(meta.get("title", "")),
                                       published=str(meta.get("published", "")),
                                       event_dates=tuple(d for d in str(meta.get("event_dates", "")).split(",") if d),
                                       place=str(meta.get("place", "")), outlet=str(meta.get("outlet", "")))
        return dict(sorted(out.items()))

    def article_text(self, source: str) -> str:
        """An article's title and stored text: its chunks in order (overlaps repeat), for checks that
        need the whole article, such as whether it names what a question names."""
        chunks = self._chunks_of(source)
        if not chunks:
            return ""
        return "\n".join([str(chunks[0].get("title", ""))] + [m.get("_text", "") for m in chunks])

    def passage_at(self, source: str, offset: int) -> Passage | None:
        """The stored chunk of an article that holds an offset (a record field's sentence)."""
        self._ensure_fresh()
        for cid, meta in self._meta.items():
            if meta.get("source") == source and int(meta.get("start", 0)) <= offset < int(meta.get("end", 0)):
                return Passage(chunk_id=cid, source=source, title=str(meta.get("title", "")),
                               text=str(meta.get("_text", "")), score=0.0, start=int(meta.get("start", 0)),
                               end=int(meta.get("end", 0)),
                               metadata={k: v for k, v in meta.items() if k != "_text"})
        return None

    def _chunks_of(self, source: str) -> list[dict]:
        """The metadata (with "_text") of an article's chunks, in article order."""
        self._ensure_fresh()
        return sorted((m for m in self._meta.values() if m.get("source") == source),
                      key=lambda m: int(m.get("start", 0)))

    def article(self, source: str) -> dict:
        """The whole cleaned article, put back together from its chunks by their offsets (so a citation's
        start/end point into it), with its metadata; InputError when no such article is indexed."""
        mine = self._chunks_of(source)
        if not mine:
            raise InputError(f"{source!r} is not an indexed article (it may have been removed); "
                             "the articles panel and `assistant articles` list them")
        size = max(int(m.get("end", 0)) for m in mine)
        chars = ["\n"] * size  # between two chunks only the line breaks between sentences are not stored
        for m in mine:
            start, text = int(m.get("start", 0)), str(m.get("_text", ""))
            chars[start:start + len(text)] = text
        first = mine[0]
        meta = {k: v for k, v in first.items() if k not in ("_text", "record", "start", "end", "chunk_index")}
        return {**meta, "source": source, "title": str(first.get("title", "")), "text": "".join(chars),
                "chunks": len(mine)}

    def catalogue(self) -> dict[str, str]:
        """One line per article from its event record: title | date(s) | place | outlet | facts."""
        return {src: record.line() for src, record in self.records().items()}

    def articles(self) -> list[dict]:
        """The indexed articles with their metadata and chunk counts (for the UI and CLI)."""
        self._ensure_fresh()
        out: dict[str, dict] = {}
        for meta in self._meta.values():
            src = str(meta.get("source", ""))
            entry = out.setdefault(src, {k: meta.get(k, "") for k in
                                         ("source", "title", "published", "event_dates", "place", "outlet", "lang")})
            entry["chunks"] = entry.get("chunks", 0) + 1
        for src, record in self.records().items():
            if src in out:
                out[src]["record"] = record
        return sorted(out.values(), key=lambda e: e["source"])

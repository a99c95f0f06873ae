"""BM25 keyword index over chunk ids: incremental add/remove, id filters, persistence, evidence."""
from __future__ import annotations

import json
import re
import os
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from itertools import chain, count
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import StoreError
from ..text.language import HIRAGANA, KATAKANA
from ..text.lexical import DEFAULT_SCHEME, fold, tokenize, tokenizer_signature

FORMAT = "keyword-index/1"
_HIRAGANA = re.compile(f"[{HIRAGANA}]")
# Idf-weighted share of the query found in the best hit below which the keyword side is taken to
# have nothing to say; calibrated on the public sets (docs/retrieval.md).
COVERAGE_MIN = 0.20
BATCH = 2000  # texts tokenised per step: bounds the memory of per-token Python objects
TAIL_MIN = 2000  # new docs go to a small tail segment; merged when it outgrows this or main/8
DEAD_MAX = 0.2  # removed docs linger (Lucene-style) until they exceed this share, then compact
FILTER_LOOKUP_MAX = 2048  # allowed_ids up to this size are looked up; wider filters are walked


_KATAKANA_WORD = re.compile(f"[{KATAKANA}]+")

def content_mask(tokens: list[str]) -> np.ndarray:
    """Which query tokens carry content for the evidence share: not hiragana ones (particles,
    okurigana, bigrams across them), unless nothing else is left.

    Counted at full idf, they made every Japanese question over Chinese text look unmatched. They
    still score: dropping them from the ranking cost JSQuAD hit@1 .910 → .862 (docs/retrieval.md).
    """
    mask = np.array([not _HIRAGANA.search(t) for t in tokens], bool)
    return mask if mask.any() else np.ones(len(tokens), bool)


@dataclass(frozen=True)
class Evidence:
    """What the keyword side found for a query; shares are weighted by each term's idf."""

    n_terms: int  # distinct query tokens
    known: float  # share of the query that occurs anywhere in the index
    coverage: float  # share of the query present in the best hit
    top_score: float

    @property
    def has_evidence(self) -> bool:
        return self.coverage >= COVERAGE_MIN


class KeywordIndex:
    """Okapi BM25 (Lucene idf) over tokenize(); postings as term-major CSR segments (main + tail)."""

    def __init__(self, scheme: str = DEFAULT_SCHEME, folding: bool = True, fingerprint: str = "",
                 k1: float = 1.2, b: float = 0.75):
        self.scheme, self.folding, self.fingerprint, self.k1, self.b = scheme, folding, fingerprint, k1, b
        self._lock = threading.RLock()
        self._vocab: dict[str, int] = {}
        self._ids: list[str | None] = []  # position → id; None once removed
        self._pos: dict[str, int] = {}
        self._len = np.zeros(0, np.float32)
        self._alive = np.zeros(0, bool)
        self._df = np.zeros(0, np.int64)
        self._main = self._tail = _EMPTY
        self._tail_coo: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._tail_start = 0  # positions from here on live in the tail segment
        self._norm = np.zeros(0, np.float32)

    @classmethod
    def build(cls, ids, texts, **kwargs) -> KeywordIndex:
        index = cls(**kwargs)
        index.add(ids, texts)
        return index

    def __len__(self) -> int:
        return len(self._pos)

    def __contains__(self, chunk_id) -> bool:
        return chunk_id in self._pos

    def ids(self) -> set[str]:
        """The chunk ids indexed now (a copy): callers diff it against the store."""
        with self._lock:
            return set(self._pos)

    def _tokens(self, text: str) -> list[str]:
        return tokenize(text, self.scheme, self.folding)

    def tokens(self, text: str) -> list[str]:
        """text as this index tokenises it (folded, scheme-split)."""
        return self._tokens(text)

    def mentions(self, word: str) -> bool:
        """Whether some indexed chunk may hold word: a katakana word is one of the index's word tokens
        (Sudachi cuts it the same way wherever it stands; its bigrams, シベ, リア, stand in many other
        words); a Han word has each of its character bigrams among the index's tokens (the chunks' own
        segmentation into words may differ from the word's)."""
        if _KATAKANA_WORD.fullmatch(word):
            return self.knows(fold(word))
        return all(self.knows(t) for t in tokenize(word, "bigram") if len(t) == 2)

    def knows(self, token: str) -> bool:
        """Whether token occurs in at least one indexed chunk."""
        tid = self._vocab.get(token, -1)
        return tid >= 0 and tid < len(self._df) and self._df[tid] > 0

    def idf(self, tokens) -> dict[str, float]:
        """BM25 idf of each token (0 for unknown ones): rare words weigh more in overlap scores."""
        with self._lock:
            n = len(self._pos)
            out = {}
            for t in set(tokens):
                tid = self._vocab.get(t, -1)
                df = int(self._df[tid]) if 0 <= tid < len(self._df) else 0
                out[t] = float(np.log1p((n - df + 0.5) / (df + 0.5))) if df else 0.0
            return out

    def add(self, ids, texts) -> None:
        """Index new chunks; an id already present is replaced. Searches wait while this runs."""
        ids, texts = list(ids), list(texts)
        if len(texts) != len(ids) or len(set(ids)) != len(ids):
            raise ValueError("add() needs one text per id and distinct ids")
        with self._lock:
            self.remove([i for i in ids if i in self._pos])
            start = len(self._ids)
            for lo in range(0, len(ids), BATCH):
                self._tail_coo.append(self._encode(texts[lo:lo + BATCH], start + lo))
            self._ids += ids
            self._pos.update(zip(ids, range(start, start + len(ids))))
            self._alive = np.concatenate([self._alive, np.ones(len(ids), bool)])
            if len(self._ids) - self._tail_start > max(TAIL_MIN, self._tail_start / 8):
                self.compact()
            else:
                self._tail = _segment(*_concat(self._tail_coo), len(self._vocab), len(self._ids))
                self._renorm()

    def _encode(self, texts: list[str], start: int):
        """Postings (term, doc, tf) of a batch; per-token Python objects never outlive the batch."""
        counts = [Counter(self._tokens(t)) for t in texts]
        vocab = self._vocab
        # set algebra and map() keep the per-token work in C: 3x faster than dict.setdefault
        new_terms = sorted(set(chain.from_iterable(counts)).difference(vocab))
        vocab.update(zip(new_terms, count(len(vocab))))
        terms = np.fromiter(map(vocab.__getitem__, chain.from_iterable(counts)), np.int32)
        tfs = np.fromiter(chain.from_iterable(c.values() for c in counts), np.float32, len(terms))
        docs = np.repeat(np.arange(start, start + len(texts), dtype=np.int32), [len(c) for c in counts])
        lengths = np.fromiter((sum(c.values()) for c in counts), np.float32, len(counts))
        self._len = np.concatenate([self._len, lengths])
        self._df = np.pad(self._df, (0, len(vocab) - len(self._df))) + np.bincount(terms, minlength=len(vocab))
        return terms, docs, tfs

    def remove(self, ids) -> None:
        """Drop chunks by id (unknown ids are ignored); statistics catch up at the next compaction."""
        with self._lock:
            for chunk_id in ids:
                pos = self._pos.pop(chunk_id, None)
                if pos is not None:
                    self._alive[pos], self._ids[pos] = False, None
            if len(self._ids) and 1 - len(self._pos) / len(self._ids) > DEAD_MAX:
                self.compact()

    def compact(self) -> None:
        """Merge tail into main, drop removed chunks and unused terms, recompute exact statistics."""
        with self._lock:
            terms, docs, tfs = _concat([_coo(self._main), *self._tail_coo])
            if not self._alive.all():  # a fresh build skips these copies: nothing was removed
                keep, new_pos = self._alive[docs], (np.cumsum(self._alive) - 1).astype(np.int32)
                terms, docs, tfs = terms[keep], new_pos[docs[keep]], tfs[keep]
                self._ids = [i for i in self._ids if i is not None]
                self._pos = {i: p for p, i in enumerate(self._ids)}
                self._len, self._alive = self._len[self._alive], np.ones(len(self._ids), bool)
            used = np.bincount(terms, minlength=len(self._vocab)) > 0
            if not used.all():
                terms = (np.cumsum(used) - 1).astype(np.int32)[terms]
                kept = (w for w, u in zip(self._vocab, used) if u)  # dict order = term id order
                self._vocab = {w: i for i, w in enumerate(kept)}
            self._main = _segment(terms, docs, tfs, len(self._vocab), len(self._ids))
            self._df = np.diff(self._main[0]).astype(np.int64)
            self._tail, self._tail_coo, self._tail_start = _EMPTY, [], len(self._ids)
            self._renorm()

    def _renorm(self) -> None:
        # BM25 length normalisation per doc, k1·(1 − b + b·len/avgdl); O(docs), done on writes
        avgdl = float(self._len.mean()) if len(self._len) else 1.0
        self._norm = (self.k1 * (1 - self.b + self.b * self._len / max(avgdl, 1e-9))).astype(np.float32)

    def search(self, query: str, k: int = 10, allowed_ids=None) -> list[tuple[str, float]]:
        """Top k (id, score) with score > 0, optionally only among allowed_ids."""
        return self.search_with_evidence(query, k, allowed_ids)[0]

    def query_has_keyword_evidence(self, query: str, allowed_ids=None) -> bool:
        return self.search_with_evidence(query, 1, allowed_ids)[1].has_evidence

    def search_with_evidence(self, query: str, k: int = 10, allowed_ids=None):
        """Hits as search() plus an Evidence telling fusion whether the keyword side saw the query."""
        tokens = list(dict.fromkeys(self._tokens(query)))
        with self._lock:
            n = len(self._ids)
            tids = np.array([self._vocab.get(t, -1) for t in tokens], np.int64)
            df = np.where(tids >= 0, self._df[np.maximum(tids, 0)] if len(self._df) else 0, 0)
            idf = np.log1p((n - df + 0.5) / (df + 0.5))
            known = tids >= 0
            docs, tfs, which = self._postings(tids[known])
            w = idf[known][which] * tfs * (self.k1 + 1) / (tfs + self._norm[docs])
            scores = np.bincount(docs, weights=w, minlength=n)
            top = self._top(scores, k, allowed_ids)
            hits = [(self._ids[p], float(scores[p])) for p in top]
        found = np.unique(which[docs == top[0]]) if len(top) else np.zeros(0, np.int64)
        in_best = np.zeros(len(tokens), bool)
        in_best[np.flatnonzero(known)[found]] = True
        content = content_mask(tokens)
        total = float(idf[content].sum()) or 1.0
        evidence = Evidence(len(tokens), float(idf[known & content].sum()) / total,
                            float(idf[in_best & content].sum()) / total, hits[0][1] if hits else 0.0)
        return hits, evidence

    def _postings(self, tids: np.ndarray):
        """Concatenated (doc, tf, query-term index) over both segments for known term ids."""
        out = []
        for indptr, pdocs, ptf in (self._main, self._tail):
            for j, t in enumerate(tids):
                if t + 1 < len(indptr) and indptr[t + 1] > indptr[t]:
                    lo, hi = indptr[t], indptr[t + 1]
                    out.append((pdocs[lo:hi], ptf[lo:hi], np.full(hi - lo, j)))
        if not out:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int64)
        return tuple(np.concatenate(col) for col in zip(*out))

    def _top(self, scores: np.ndarray, k: int, allowed_ids) -> np.ndarray:
        """Positions of the k best live docs with score > 0, best first, within allowed_ids."""
        cand = np.flatnonzero(scores > 0)
        cand = cand[self._alive[cand]]
        if allowed_ids is not None and len(allowed_ids) <= FILTER_LOOKUP_MAX:
            pos = np.fromiter((p for p in map(self._pos.get, allowed_ids) if p is not None), np.int64)
            cand, allowed_ids = pos[scores[pos] > 0], None
        if allowed_ids is None:
            return _best(cand, scores, k)
        # a wide filter: walk down the ranking until k allowed docs turn up, instead of
        # looking up every allowed id (~0.8 µs each: 10k ids cost 8 ms, 15x the query itself)
        allowed_ids = allowed_ids if isinstance(allowed_ids, (set, frozenset, dict)) else set(allowed_ids)
        m = 4 * k
        while True:
            ranked = _best(cand, scores, m)
            hits = np.array([p for p in ranked if self._ids[p] in allowed_ids], np.int64)
            if len(hits) >= k or m >= len(cand):
                return hits[:k]
            m *= 4

    def save(self, directory) -> None:
        """Persist atomically: data files are new per save, the manifest switches to them last."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self.compact()
            gen = uuid.uuid4().hex[:12]
            indptr, docs, tfs = self._main
            with open(directory / f"postings-{gen}.npz", "wb") as f:
                np.savez(f, indptr=indptr, docs=docs, tf=tfs, length=self._len)
            (directory / f"vocab-{gen}.txt").write_text("\n".join(self._vocab), encoding="utf-8")
            (directory / f"ids-{gen}.json").write_text(json.dumps(self._ids, ensure_ascii=False), encoding="utf-8")
            manifest = {"format": FORMAT, "generation": gen, "fingerprint": self.fingerprint,
                        "signature": tokenizer_signature(self.scheme, self.folding), "scheme": self.scheme,
                        "folding": self.folding, "k1": self.k1, "b": self.b, "n_docs": len(self._ids)}
            tmp = directory / f"manifest-{gen}.tmp"
            tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, directory / "manifest.json")
        for old in directory.iterdir():  # earlier generations: unreferenced now
            if old.name.split("-")[0] in {"postings", "vocab", "ids", "manifest"} and gen not in old.name:
                old.unlink(missing_ok=True)

    @staticmethod
    def stored_fingerprint(directory) -> str | None:
        """The fingerprint saved in directory, or None when there is no readable index there."""
        try:
            return json.loads((Path(directory) / "manifest.json").read_text(encoding="utf-8"))["fingerprint"]
        except (OSError, ValueError, KeyError):
            return None

    @classmethod
    def load(cls, directory, scheme: str | None = DEFAULT_SCHEME) -> KeywordIndex:
        """Read an index saved by save(); StoreError when missing, corrupt or tokenised otherwise
        than `scheme` does today (None: accept the saved scheme)."""
        directory = Path(directory)
        try:
            m = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            gen = m["generation"]
            with np.load(directory / f"postings-{gen}.npz") as z:
                indptr, docs, tfs, length = z["indptr"], z["docs"], z["tf"], z["length"]
            words = (directory / f"vocab-{gen}.txt").read_text(encoding="utf-8")
            ids = json.loads((directory / f"ids-{gen}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise StoreError(f"keyword index at {directory} is missing or unreadable ({exc}); rebuild it") from exc
        wanted = tokenizer_signature(scheme or m["scheme"], m["folding"] if scheme is None else True)
        if m.get("format") != FORMAT or m["signature"] != wanted:
            raise StoreError(f"keyword index at {directory} was built by another tokeniser version; rebuild it")
        index = cls(m["scheme"], m["folding"], m["fingerprint"], m["k1"], m["b"])
        index._vocab = {w: i for i, w in enumerate(words.split("\n"))} if words else {}
        index._ids, index._pos = ids, {i: p for p, i in enumerate(ids)}
        index._len, index._alive = length, np.ones(len(ids), bool)
        index._main, index._df = (indptr, docs, tfs), np.diff(indptr).astype(np.int64)
        index._tail_start = len(ids)
        index._renorm()
        index._tokens("中文 かな")  # load the jieba/Sudachi dictionaries now, not in the first query
        return index


_EMPTY = (np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))


def _segment(terms, docs, tfs, n_terms: int, n_docs: int):
    """Term-major CSR (indptr, doc positions, tf); scipy's COO→CSR is a linear-time C pass."""
    m = sp.csr_matrix((tfs, (terms, docs)), shape=(n_terms, max(n_docs, 1)))
    return m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data.astype(np.float32)


def _best(cand: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    if len(cand) > k:
        cand = cand[np.argpartition(-scores[cand], k)[:k]]
    return cand[np.argsort(-scores[cand], kind="stable")]


def _coo(segment):
    indptr, docs, tfs = segment
    return np.repeat(np.arange(len(indptr) - 1, dtype=np.int32), np.diff(indptr)), docs, tfs


def _concat(parts):
    return tuple(np.concatenate(col) for col in zip(*parts))

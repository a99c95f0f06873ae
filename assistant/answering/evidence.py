"""Pick the few sentences that support an answer, so prompts stay short on a 2-core machine."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .citations import Snippet, units
from ..text.lexical import fold
from ..text.segment import clause_spans, sentence_spans
from ..types import Passage

# cross-article questions: they need every article considered, not the top chunks. _SCOPE names the
# articles or their events together (这些报道, 各个活动); the rest are wordings that also ask about one
# article ("在哪些地方可见", "上市公司列出了多少家", which places), read only in the user's own words
_SCOPE = (r"哪些(活动|活動|会议|會議|会|會|文章|事件)|各(个|個)?(活动|活動|会议|會議|文章)|每(个|個|场|場)(活动|活動|会议|會議)"
          r"|所有(活动|活動|会议|會議|文章)"
          r"|(这些|這些|这几篇|這幾篇|各篇)(报道|報道|文章|新闻|新聞)")
_CROSS = re.compile(
    r"\b(which|what|list|all|each|every|how many)\b[^?]*\b(events|articles|meetings|conferences|exchanges|"
    r"visits|delegations|cities|places)\b|\b(each|every) (event|article)|\blist (the|all)\b"
    rf"|{_SCOPE}|哪些(城市|地方)|列出|分别|分別"
    r"|どの(イベント|会議|記事|大会)|それぞれ|すべての|全ての|一覧"
    # the articles as a whole: "these reports", これらの記事
    r"|\b(these|all the|all of the) (articles|reports|news stories|stories)\b|これらの(記事|報道|ニュース)",
    re.I)
_CROSS_SCOPE = re.compile(_SCOPE)


def is_cross_article(question: str, translated: bool = False) -> bool:
    """Whether a question asks across the articles. translated: the question is the model's translation
    of the user's (its Chinese search form), in which only words naming the articles or their events
    together count: a translation turned "どのあたり" into 哪些地方 and "listed on the WSE" into 列出
    (3 of 100 JSQuAD and 1 of 100 XQuAD en→zh questions, none of the 80 dev questions' across ones)."""
    return bool((_CROSS_SCOPE if translated else _CROSS).search(question))


@dataclass(frozen=True)
class Sentence:
    passage: Passage
    text: str
    start: int  # offset in the article
    end: int


def sentences_of(passage: Passage, min_chars: int = 4) -> list[Sentence]:
    """The passage's sentences of min_chars or more, with their offsets in the article."""
    return [Sentence(passage, passage.text[a:b], passage.start + a, passage.start + b)
            for a, b in sentence_spans(passage.text) if b - a >= min_chars]


class SentenceScorer:
    """Scores sentences against a question by e5 similarity (cached per sentence) and word overlap."""

    def __init__(self, embeddings, overlap=None, max_cache: int = 50_000):
        self.embeddings = embeddings
        self.overlap = overlap  # (question, texts) -> idf-weighted keyword overlap per text
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._max = max_cache

    def vectors(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vecs = self.embeddings.embed_documents(missing)
            with self._lock:
                if len(self._cache) + len(missing) > self._max:
                    self._cache.clear()
                self._cache.update(zip(missing, (np.asarray(v, dtype=np.float32) for v in vecs)))
        with self._lock:
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1))

    def scores(self, question: str, qvec: Sequence[float], sentences: list[Sentence]) -> np.ndarray:
        if not sentences:
            return np.zeros(0)
        texts = [s.text for s in sentences]
        cos = self.vectors(texts) @ np.asarray(qvec, dtype=np.float32)
        if self.overlap is not None:
            lex = np.asarray(self.overlap(question, texts))
        else:
            q_units = units(question)
            lex = np.array([len(q_units & units(t)) / max(1, len(q_units)) for t in texts])
        return cos + 0.5 * lex


def _adjacent(a: Sentence, b: Sentence) -> bool:
    text_gap = b.start - a.end if b.start >= a.end else a.start - b.end
    return 0 <= text_gap <= 2 and a.passage.source == b.passage.source


def trim(sentence: Sentence, question: str, scorer: SentenceScorer, max_chars: int = 110) -> Sentence:
    """A long sentence cut to the run of clauses (up to max_chars) that shares most with the question,
    so two long sentences no longer crowd each other out of the prompt; offsets stay exact."""
    if len(sentence.text) <= max_chars or scorer.overlap is None:
        return sentence
    spans = clause_spans(sentence.text, colons=True)
    windows = []
    for i in range(len(spans)):
        j = i
        while j + 1 < len(spans) and spans[j + 1][1] - spans[i][0] <= max_chars:
            j += 1
        windows.append((spans[i][0], spans[j][1]))
    scores = scorer.overlap(question, [sentence.text[a:b] for a, b in windows])
    a, b = windows[max(range(len(windows)), key=lambda w: (scores[w], -w))]
    return Sentence(sentence.passage, sentence.text[a:b], sentence.start + a, sentence.start + b)


def scored_sentences(question: str, qvec, passages: Sequence[Passage], scorer: SentenceScorer,
                     sentence_max: int = 110, holding: Sequence[str] = ()) -> tuple[list[Sentence], np.ndarray]:
    """The passages' sentences (long ones cut to their best clauses) and their scores: the scorer's, plus a
    small prior for the passage's search rank."""
    sents = [s for p in passages for s in sentences_of(p)]
    if holding:
        sents = [s for s in sents if any(n in fold(s.text) for n in holding)] or sents
    sents = [trim(s, question, scorer, sentence_max) for s in sents]
    if not sents:
        return [], np.zeros(0)
    rank_prior = {p.chunk_id: 0.02 * (len(passages) - i) for i, p in enumerate(passages)}
    return sents, scorer.scores(question, qvec, sents) + np.array([rank_prior[s.passage.chunk_id] for s in sents])


def best_lead(scores: np.ndarray) -> float:
    """How far the best score stands above the next one (infinite for a single sentence): how sure the
    scorer is of its best sentence (Tuning.sure_margin, `assistant bench leads`)."""
    if len(scores) < 2:
        return float("inf")
    top = np.partition(-np.asarray(scores), 1)[:2]
    return float(top[1] - top[0])


def select_snippets(question: str, qvec, passages: Sequence[Passage], scorer: SentenceScorer,
                    budget_chars: int = 280, max_sentences: int = 4, sentence_max: int = 110,
                    neighbour_bonus: float = 0.15, holding: Sequence[str] = (),
                    sure_margin: float = 0.0) -> list[Snippet]:
    """The best sentences within a character budget, merged per chunk, in article order.

    holding: folded names of which the sentences should hold one, when any sentence does (an article
    picked for a question across articles because it names what the question names).
    sure_margin: when the best sentence's score leads the next one's by this much (and is not 0), that
    sentence alone: a 1.5B model given its neighbours too often answered from one of them."""
    sents, scores = scored_sentences(question, qvec, passages, scorer, sentence_max, holding)
    if not sents:
        return []
    picked, used = [], 0
    order = list(np.argsort(-scores))
    if sure_margin > 0 and best_lead(scores) >= sure_margin:
        return _merge([sents[order[0]]])
    while order:
        i = order.pop(0)
        s = sents[i]
        if any(p.passage.source == s.passage.source and (p.start <= s.start < p.end or s.start <= p.start < s.end)
               for p in picked):
            continue  # the same sentence again from an overlapping chunk of the same article
        if picked and used + len(s.text) > budget_chars:
            continue
        picked.append(s)
        used += len(s.text)
        if len(picked) >= max_sentences or used >= budget_chars:
            break
        if len(picked) == 1:  # the best sentence's neighbours often carry the answer it introduces
            scores = scores + neighbour_bonus * np.array([_adjacent(s, t) for t in sents])
            order = [j for j in np.argsort(-scores) if j in set(order)]
    return _merge(picked)


def _merge(picked: list[Sentence]) -> list[Snippet]:
    """One snippet per chunk: its chosen sentences joined in article order; the chunks of one article
    next to each other in article order (its title is then shown once), articles best first."""
    groups: dict[str, list[Sentence]] = {}
    best = {}
    for s in picked:
        best.setdefault(s.passage.source, len(best))
    for s in sorted(picked, key=lambda s: (best[s.passage.source], s.passage.start)):
        groups.setdefault(s.passage.chunk_id, []).append(s)
    snippets = []
    for n, (cid, group) in enumerate(groups.items(), start=1):
        group.sort(key=lambda s: s.start)
        p = group[0].passage
        text = group[0].text
        for prev, s in zip(group, group[1:]):
            gap = s.start - prev.end
            text += ("" if gap <= 0 else " " if gap <= 2 else " … ") + s.text
        snippets.append(Snippet(n, cid, p.source, p.title, text, group[0].start, group[-1].end))
    return snippets

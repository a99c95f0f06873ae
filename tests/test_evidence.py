"""Evidence selection (answering/evidence.py) on small synthetic passages: which sentences reach the
prompt, with what offsets, and how they are merged into numbered snippets."""
from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.answering.evidence import (SentenceScorer, best_lead, is_cross_article, select_snippets, sentences_of,
                                         trim)
from assistant.types import Passage

# five sentences of one article; the question is about the 博士后工作站
S = ["瑞安召开科创大会。", "会上发布了人才政策。", "瑞安已建成9家博士后工作站。", "另有7家院士团队落户。", "天气晴朗的一天。"]
ARTICLE = "".join(S)
QUESTION = "瑞安建成了多少家博士后工作站?"
QVEC = [1.0, 0.0]
# cosine with the question of each sentence's vector
COS = {S[2]: 1.0, S[3]: 0.02, S[4]: 0.1}


class Vectors:
    """Embeddings where each sentence's cosine with QVEC is set by COS (0 for any other text); counts calls."""

    def __init__(self):
        self.embedded: list[str] = []

    def embed_documents(self, texts):
        self.embedded += texts
        return [[COS.get(t, 0.0), math.sqrt(1 - COS.get(t, 0.0) ** 2)] for t in texts]


def no_overlap(question, texts):
    return [0.0] * len(texts)


def at(start: int, end: int, chunk_id: str = "c1", source: str = "001.txt", base: int = 1000) -> Passage:
    """A passage holding ARTICLE[start:end], the article starting at offset base of its file."""
    return Passage(chunk_id, source, "瑞安大会", ARTICLE[start:end], 0.1, base + start, base + end)


def offset(i: int) -> int:
    return len("".join(S[:i]))


def test_sentences_carry_offsets_into_the_article():
    text = "  瑞安召开科创大会。\n好。会上发布了人才政策；"
    passage = Passage("c1", "001.txt", "t", text, 0.1, 500, 500 + len(text))
    sentences = sentences_of(passage)
    assert [s.text for s in sentences] == ["瑞安召开科创大会。", "会上发布了人才政策；"]  # 好。 is under 4 characters
    for s in sentences:
        assert text[s.start - 500:s.end - 500] == s.text
    assert [s.text for s in sentences_of(passage, min_chars=1)][1] == "好。"


def test_scores_are_similarity_plus_half_the_keyword_overlap_and_vectors_are_cached():
    emb = Vectors()
    scorer = SentenceScorer(emb, overlap=lambda q, texts: [1.0 if "工作站" in t else 0.0 for t in texts])
    sentences = sentences_of(at(0, len(ARTICLE)))
    scores = scorer.scores(QUESTION, QVEC, sentences)
    assert scores == pytest.approx([0.0, 0.0, 1.5, 0.02, 0.1])
    scorer.scores(QUESTION, QVEC, sentences)
    assert sorted(emb.embedded) == sorted(S)  # each sentence embedded once
    assert scorer.scores(QUESTION, QVEC, []).shape == (0,)


def test_the_cache_is_emptied_rather_than_grown_past_its_bound():
    emb = Vectors()
    scorer = SentenceScorer(emb, overlap=no_overlap, max_cache=3)
    scorer.vectors(S[:3])
    scorer.vectors(S[3:])  # 3 + 2 > 3: start again
    scorer.vectors(S[:1])
    assert emb.embedded == S + S[:1]


def test_the_best_sentence_comes_first_and_its_neighbour_beats_a_slightly_better_stranger():
    passages = [at(0, len(ARTICLE))]
    (one,) = select_snippets(QUESTION, QVEC, passages, SentenceScorer(Vectors(), no_overlap), max_sentences=1)
    assert one.text == S[2] and (one.start, one.end) == (1000 + offset(2), 1000 + offset(3))
    (two,) = select_snippets(QUESTION, QVEC, passages, SentenceScorer(Vectors(), no_overlap), max_sentences=2)
    assert two.text == S[2] + S[3]  # adjacent sentences are joined as they stand
    (far,) = select_snippets(QUESTION, QVEC, passages, SentenceScorer(Vectors(), no_overlap), max_sentences=2,
                             neighbour_bonus=0.0)
    assert far.text == f"{S[2]} … {S[4]}"  # without the bonus the stranger (0.1 > 0.02) wins; a gap is marked
    assert (far.start, far.end) == (1000 + offset(2), 1000 + len(ARTICLE))


def test_the_character_budget_keeps_the_prompt_short():
    passages = [at(0, len(ARTICLE))]
    scorer = SentenceScorer(Vectors(), no_overlap)
    (snippet,) = select_snippets(QUESTION, QVEC, passages, scorer, budget_chars=len(S[2]) + 3, max_sentences=4)
    assert snippet.text == S[2]  # the next best would overrun the budget
    (snippet,) = select_snippets(QUESTION, QVEC, passages, scorer, budget_chars=3, max_sentences=4)
    assert snippet.text == S[2]  # the best sentence is always given, whatever its length


def test_a_sentence_far_ahead_of_the_next_is_given_alone():
    passages = [at(0, len(ARTICLE))]
    scorer = SentenceScorer(Vectors(), no_overlap)
    # S[2] scores 1.0, the next best S[4] 0.1: a lead of 0.9
    (alone,) = select_snippets(QUESTION, QVEC, passages, scorer, max_sentences=4, sure_margin=0.5)
    assert alone.text == S[2] and (alone.start, alone.end) == (1000 + offset(2), 1000 + offset(3))
    for margin in (0.95, 0.0):  # a lead under the margin, or no margin: the neighbours come too
        (more,) = select_snippets(QUESTION, QVEC, passages, scorer, max_sentences=4, sure_margin=margin)
        assert S[2] in more.text and S[3] in more.text
    (only,) = select_snippets(QUESTION, QVEC, [at(offset(2), offset(3))], scorer, sure_margin=0.5)
    assert only.text == S[2]  # a single sentence leads nothing and is given as it is
    assert best_lead(np.array([0.1, 1.0, 0.3])) == pytest.approx(0.7) and best_lead(np.array([0.4, 0.4])) == 0.0
    assert best_lead(np.array([0.5])) == math.inf


def test_a_sentence_in_two_overlapping_chunks_is_given_once():
    first, second = at(0, offset(3), "c1"), at(offset(2), len(ARTICLE), "c2")  # both hold S[2]
    snippets = select_snippets(QUESTION, QVEC, [first, second], SentenceScorer(Vectors(), no_overlap),
                               max_sentences=3)
    texts = [s.text for s in snippets]
    assert sum(t.count(S[2]) for t in texts) == 1
    assert snippets[0].chunk_id == "c1"  # the better ranked chunk's copy


def test_snippets_are_numbered_with_each_articles_chunks_together_best_article_first():
    other = "无锡建成了5家博士后工作站。"
    COS.update({other: 0.5, S[0]: 0.3})
    try:
        passages = [at(0, offset(2), "a1"), Passage("b1", "003.txt", "无锡", other, 0.1, 0, len(other)),
                    at(offset(2), len(ARTICLE), "a2")]
        snippets = select_snippets(QUESTION, QVEC, passages, SentenceScorer(Vectors(), no_overlap), max_sentences=3,
                                   neighbour_bonus=0.0)
    finally:
        del COS[other], COS[S[0]]
    # picked S[2] (001), then 无锡 (003), then S[0] (001): 001's two chunks stand together, in article order
    assert [(s.marker, s.chunk_id, s.source, s.text) for s in snippets] == [
        (1, "a1", "001.txt", S[0]), (2, "a2", "001.txt", S[2]), (3, "b1", "003.txt", other)]


def test_no_passages_no_snippets():
    assert select_snippets(QUESTION, QVEC, [], SentenceScorer(Vectors(), no_overlap)) == []


def test_a_sentence_is_cut_only_at_its_clauses_and_only_with_a_keyword_scorer():
    (whole,) = sentences_of(at(offset(2), offset(3)))
    assert trim(whole, QUESTION, SentenceScorer(Vectors(), no_overlap), max_chars=5) == whole  # no clause to cut at
    text = "瑞安召开科创大会，会上发布了人才政策，瑞安已建成9家博士后工作站。"
    (long,) = sentences_of(Passage("c1", "001.txt", "t", text, 0.1, 0, len(text)))
    assert trim(long, QUESTION, SentenceScorer(Vectors(), None), max_chars=10) == long
    cut = trim(long, QUESTION, SentenceScorer(Vectors(), lambda q, ts: [float("工作站" in t) for t in ts]), max_chars=16)
    assert cut.text == "瑞安已建成9家博士后工作站。" and text[cut.start:cut.end] == cut.text


@pytest.mark.parametrize("question, across", [
    ("Which events involved Finland?", True), ("List all the conferences held in 2023", True),
    ("哪些活动有芬兰参加?", True), ("各个会议分别在哪里举行?", True), ("どのイベントにフィンランドが参加しましたか", True),
    ("瑞安建成了多少家博士后工作站?", False), ("Who chaired the meeting?", False),
])
def test_questions_across_the_articles_are_told_apart(question, across):
    assert is_cross_article(question) is across


@pytest.mark.parametrize("translation, across", [
    ("梅雨在世界各地的哪些地方可见?", False), ("2009年8月，WSE上列出了多少家公司?", False), ("两个机构分别在哪里?", False),
    ("哪些活动有芬兰参加?", True), ("这些报道中提到了哪些大学?", True), ("各个会议在哪里举行?", True),
])
def test_a_translation_is_across_the_articles_only_when_it_names_them_together(translation, across):
    """The model's Chinese translation of an English or Japanese question brings generic words of its own
    (哪些地方 for "どのあたり", 列出 for "listed"); only words naming the articles or events together count."""
    assert is_cross_article(translation, translated=True) is across
    assert is_cross_article(translation)  # all of them would be, as the user's own words


def test_scores_follow_the_vectors_not_the_order_of_sentences():
    scorer = SentenceScorer(Vectors(), no_overlap)
    sentences = list(reversed(sentences_of(at(0, len(ARTICLE)))))
    assert int(np.argmax(scorer.scores(QUESTION, QVEC, sentences))) == 2


def test_sentences_of_two_articles_at_the_same_offsets_are_both_kept():
    """Offsets are per article: two articles' sentences at the same offsets are not one sentence seen
    twice (that check dropped every other article's sentence overlapping the first one picked)."""
    one = at(offset(2), offset(3), chunk_id="c1", source="001.txt")
    other = at(offset(2), offset(3), chunk_id="c9", source="002.txt")
    snippets = select_snippets(QUESTION, QVEC, [one, other], SentenceScorer(Vectors(), no_overlap))
    assert [s.source for s in snippets] == ["001.txt", "002.txt"]
    again = at(offset(2), offset(4), chunk_id="c2", source="001.txt")  # an overlapping chunk of the same one
    kept = select_snippets(QUESTION, QVEC, [one, again], SentenceScorer(Vectors(), no_overlap))
    assert "".join(s.text for s in kept).count(S[2]) == 1

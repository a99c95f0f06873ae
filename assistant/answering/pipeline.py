"""condense → retrieve → pick evidence → answer (streamed) → check citations; the Answer object."""
from __future__ import annotations

import re
import threading
import unicodedata
from typing import Iterator, Sequence

from .citations import CitationChecker, Snippet
from ..config import Settings
from ..errors import InputError
from .evidence import SentenceScorer, catalogue_snippets, is_cross_article, select_snippets
from ..text.language import detect_lang, han_count, has_kana, match_script, question_lang
from ..llm.adapters import stream_text
from .prompts import (NOT_FOUND, answer_messages, condense_messages, refusal, retranslate_messages,
                      translate_messages)
from ..types import Answer, Passage

# a question across articles reads at most this many catalogue lines: 300 articles made a 12,500-token prompt
MAX_CATALOGUE = 8
# below this e5 similarity, with no keyword evidence either, nothing in the articles is about the question
MIN_DENSE = 0.70


def clean_question(question, max_chars: int) -> str:
    if not isinstance(question, str):
        raise InputError(f"The question must be text, not {type(question).__name__}.")
    text = "".join(ch for ch in question if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    text = " ".join(text.split())
    if not text:
        raise InputError("The question is empty. Type a question about the articles.")
    if len(text) > max_chars:
        raise InputError(f"The question is {len(text):,} characters long; the limit is {max_chars:,} "
                         "(ASSISTANT_MAX_QUESTION_CHARS). Shorten it to the part you want answered.")
    return text


def _history(history) -> list[tuple[str, str]]:
    out = []
    for item in history or []:
        role, text = (item["role"], item["content"]) if isinstance(item, dict) else item
        if isinstance(text, str) and text.strip():
            out.append((str(role), text))
    return out


_CLAUSES = re.compile(r"[,，;；。！？!?]")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def _dates_of(catalogue_line: str) -> str:
    return " ".join(f for f in catalogue_line.split(" | ") if f.startswith("date "))


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_BRACKETED = re.compile(r"\([^()]*\)|（[^（）]*）")


def wrong_language(answer: str, lang: str) -> bool:
    """An English answer that is mostly Chinese outside its brackets (a Han character stands for about a
    word, so more than one per three Latin letters), or a Japanese one without kana.

    "The 2019中芬合作平台高层会谈…在宁波市南苑饭店[1]。" has English words, yet nobody reading English can use
    it; "The Fraunhofer Institute (弗勞恩霍夫研究所) signed …" keeps the original name as asked."""
    if lang == "en":
        plain = _BRACKETED.sub("", answer)
        latin = sum(len(w) for w in _LATIN_WORD.findall(plain))
        return latin == 0 or 3 * han_count(plain) > latin
    if lang == "ja":
        return not has_kana(answer)
    return False


def _maybe_refusal(raw: str) -> bool:
    head = raw.lstrip()
    return NOT_FOUND.startswith(head) or head.startswith(NOT_FOUND)


class Chat:
    """The answering pipeline; the chat model and its lock are injected (fakes in tests)."""

    def __init__(self, settings: Settings, retriever, chat_model, lock=None, embeddings=None):
        self.settings = settings
        self.retriever = retriever
        self.model = chat_model
        self.lock = lock or threading.Lock()
        self.embeddings = embeddings or retriever.embeddings
        self.scorer = SentenceScorer(self.embeddings, getattr(retriever, "keyword_overlap", None))
        self.checker = CitationChecker(self._embed_pairs)

    def _embed_pairs(self, sentences: list[str], snippets: list[str]):
        """Cosine of each sentence with each snippet: the best of the whole snippet and its clauses,
        since a short answer ("8 tasks") sits far from a long passage but close to its own clause."""
        import numpy as np

        out = np.full((len(sentences), len(snippets)), -1.0, dtype=np.float32)
        if not sentences or not snippets:
            return out.tolist()
        qs = np.asarray(self.embeddings.embed_documents(sentences), dtype=np.float32)
        parts = [[snippet] + [c.strip() for c in _CLAUSES.split(snippet) if len(c.strip()) >= 6]
                 for snippet in snippets]
        sims = qs @ self.scorer.vectors([p for ps in parts for p in ps]).T  # one encoder call for all snippets
        lo = 0
        for j, ps in enumerate(parts):
            out[:, j] = sims[:, lo:lo + len(ps)].max(axis=1)
            lo += len(ps)
        return out.tolist()

    def _generate(self, messages) -> Iterator[str]:
        yield from stream_text(self.model, messages, self.settings, self.lock)

    def warm_up(self) -> None:
        """Evaluate the fixed prompt prefixes once (translation, answer), so the first question starts fast."""
        for messages in (translate_messages("warm-up"), answer_messages("warm-up", [], "en")):
            for _ in self._generate(messages):
                break

    def search_form(self, question: str, lang: str, history: list[tuple[str, str]]) -> str:
        """The question as the articles would put it: one model call at most, none for a Chinese
        question without history.

        A follow-up is rewritten into a standalone Simplified Chinese question; an English or Japanese
        question is translated. e5-small ranks passages of the question's own language first and BM25
        cannot match across languages, so a translation finds the Chinese passage both ways."""
        if history:
            question = self._rewrite(condense_messages(question, history), question)
            lang = detect_lang(question)  # the model does not always write the rewrite in Chinese
        if lang.startswith("zh") or not self.settings.translate_queries:
            return question
        return self._rewrite(translate_messages(question), question)

    def _rewrite(self, messages, fallback: str) -> str:
        rewritten = "".join(self._generate(messages)).strip()
        rewritten = rewritten.splitlines()[0].strip() if rewritten else ""
        return rewritten if 3 <= len(rewritten) <= 4 * len(fallback) + 200 else fallback

    def evidence(self, question: str, search_form: str = "") -> tuple[list[Passage], list[Snippet], bool]:
        """Passages and the snippets for the prompt; a search form (translation) is searched along with
        the question: keywords from it, the vector halfway between the two."""
        import numpy as np

        cross = is_cross_article(question) or is_cross_article(search_form)
        qvec = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        if search_form and search_form != question:
            qvec = qvec + np.asarray(self.embeddings.embed_query(search_form), dtype=np.float32)
            qvec /= np.linalg.norm(qvec) or 1.0
            question = search_form
        qvec = qvec.tolist()
        passages = self.retriever.search(question, k=self.settings.top_k, vector=qvec)
        if cross:
            cat = self._catalogue_for(question + " " + search_form)
            if len(cat) > MAX_CATALOGUE:  # a big store: the articles its best passages come from
                ranked = self.retriever.search(question, k=10 * MAX_CATALOGUE, vector=qvec)
                keep = list(dict.fromkeys(p.source for p in ranked if p.source in cat))[:MAX_CATALOGUE]
                cat = {src: cat[src] for src in keep}
            per_article = {src: self.retriever.search(question, k=2, vector=qvec, source=src) for src in cat}
            snippets = catalogue_snippets(question, qvec, per_article, cat, self.scorer)
            return passages + [p for ps in per_article.values() for p in ps], snippets, True
        if not passages or not self._relevant(passages):
            return passages, [], False
        return passages, select_snippets(question, qvec, passages, self.scorer), False

    def _catalogue_for(self, question: str) -> dict[str, str]:
        """The article catalogue; a question naming years keeps the articles dated in one of them
        (all of them when none is), so a small model only has to read what qualifies."""
        cat = self.retriever.catalogue()
        years = set(_YEAR.findall(question))
        if years:
            dated = {src: line for src, line in cat.items() if years & set(_YEAR.findall(_dates_of(line)))}
            return dated or cat
        return cat

    @staticmethod
    def _relevant(passages: Sequence[Passage]) -> bool:
        top = passages[0]
        return top.dense >= MIN_DENSE or top.keyword_evidence

    def stream(self, question, history=None) -> Iterator[str | Answer]:
        """Yield text pieces as they come, then the final Answer (its text is the checked version)."""
        question = clean_question(question, self.settings.max_question_chars)
        lang = question_lang(question)
        history = _history(history)
        standalone = self.search_form(question, lang, history)
        # a follow-up's own words ("that list") mislead the search: its standalone form alone is searched
        passages, snippets, cross = (self.evidence(standalone) if history else self.evidence(question, standalone))
        if not snippets:
            text = refusal(lang)
            yield text
            yield Answer(text=text, passages=tuple(passages), refused=True, lang=lang)
            return
        messages = answer_messages(question, snippets, lang, standalone)
        raw, streamed = "", False
        for piece in self._generate(messages):
            raw += piece
            if streamed:
                yield match_script(piece, lang)
            elif not _maybe_refusal(raw):  # hold back a refusal token until it can be told apart
                streamed = True
                yield match_script(raw, lang)
        if NOT_FOUND not in raw and wrong_language(raw, lang):
            # a 1.5B model often copies a Chinese passage instead of answering in English or Japanese:
            # one more call puts the answer into the question's language, markers kept
            raw = "".join(self._generate(retranslate_messages(raw.strip(), lang)))
            if streamed:
                yield "\n\n"
            streamed = True
            yield raw
        result = self._finish(raw, snippets, passages, lang)
        if result.refused and not streamed:
            yield result.text
        yield result

    def _finish(self, raw: str, snippets, passages, lang: str) -> Answer:
        if NOT_FOUND in raw or not raw.strip():
            return Answer(text=refusal(lang), passages=tuple(passages), refused=True, lang=lang)
        text, citations = self.checker.check(match_script(raw.strip(), lang), snippets)
        if not citations:
            # not one sentence is borne out by the passages: the model answered from elsewhere
            # (its own knowledge, or a guess), and an answer nobody can check is not given
            return Answer(text=refusal(lang), passages=tuple(passages), refused=True, lang=lang)
        return Answer(text=text, citations=citations, passages=tuple(passages), lang=lang)

    def answer(self, question, history=None) -> Answer:
        result = None
        for item in self.stream(question, history):
            result = item
        return result

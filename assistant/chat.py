"""condense → retrieve → pick evidence → answer (streamed) → check citations; the Answer object."""
from __future__ import annotations

import threading
import unicodedata
from typing import Iterator, Sequence

from .citations import CitationChecker, Snippet
from .config import Settings
from .errors import InputError
from .evidence import SentenceScorer, catalogue_snippets, is_cross_article, select_snippets
from .language import detect_lang, match_script
from .llm import stream_text
from .prompts import NOT_FOUND, answer_messages, condense_messages, refusal
from .types import Answer, Passage

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
        qs = self.embeddings.embed_documents(sentences)
        docs = self.scorer.vectors(snippets)
        import numpy as np

        return (np.asarray(qs, dtype=np.float32) @ docs.T).tolist()

    def _generate(self, messages) -> Iterator[str]:
        yield from stream_text(self.model, messages, self.settings, self.lock)

    def warm_up(self) -> None:
        """Evaluate the fixed prompt prefix once, so the first real question starts fast."""
        for _ in self._generate(answer_messages("warm-up", [], "en")):
            break

    def condense(self, question: str, history: list[tuple[str, str]]) -> str:
        if not history:
            return question  # no extra model call when nothing needs resolving
        rewritten = "".join(self._generate(condense_messages(question, history))).strip()
        rewritten = rewritten.splitlines()[0].strip() if rewritten else ""
        return rewritten if 3 <= len(rewritten) <= 4 * len(question) + 200 else question

    def evidence(self, question: str) -> tuple[list[Passage], list[Snippet], bool]:
        qvec = self.embeddings.embed_query(question)
        passages = self.retriever.search(question, k=self.settings.top_k, vector=qvec)
        if is_cross_article(question):
            cat = self.retriever.catalogue()
            per_article = {src: self.retriever.search(question, k=2, vector=qvec, source=src) for src in cat}
            snippets = catalogue_snippets(question, qvec, per_article, cat, self.scorer)
            return passages + [p for ps in per_article.values() for p in ps], snippets, True
        if not passages or not self._relevant(passages):
            return passages, [], False
        return passages, select_snippets(question, qvec, passages, self.scorer), False

    @staticmethod
    def _relevant(passages: Sequence[Passage]) -> bool:
        top = passages[0].metadata
        return float(top.get("dense", 0.0)) >= MIN_DENSE or bool(top.get("keyword_evidence", False))

    def stream(self, question, history=None) -> Iterator[str | Answer]:
        """Yield text pieces as they come, then the final Answer (its text is the checked version)."""
        question = clean_question(question, self.settings.max_question_chars)
        lang = detect_lang(question)
        standalone = self.condense(question, _history(history))
        passages, snippets, cross = self.evidence(standalone)
        if not snippets:
            text = refusal(lang)
            yield text
            yield Answer(text=text, passages=tuple(passages), refused=True, lang=lang)
            return
        messages = answer_messages(standalone, snippets, lang)
        raw, streamed = "", False
        for piece in self._generate(messages):
            raw += piece
            if streamed:
                yield match_script(piece, lang)
            elif not _maybe_refusal(raw):  # hold back a refusal token until it can be told apart
                streamed = True
                yield match_script(raw, lang)
        result = self._finish(raw, snippets, passages, lang)
        if result.refused and not streamed:
            yield result.text
        yield result

    def _finish(self, raw: str, snippets, passages, lang: str) -> Answer:
        if NOT_FOUND in raw or not raw.strip():
            return Answer(text=refusal(lang), passages=tuple(passages), refused=True, lang=lang)
        text, citations = self.checker.check(match_script(raw.strip(), lang), snippets)
        return Answer(text=text, citations=citations, passages=tuple(passages), lang=lang)

    def answer(self, question, history=None) -> Answer:
        result = None
        for item in self.stream(question, history):
            result = item
        return result

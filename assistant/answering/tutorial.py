"""The plain LangChain-tutorial chain (stuff the top 4 chunks, one prompt), kept as a yardstick."""
from __future__ import annotations

from typing import Iterator

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from .pipeline import clean_question
from .citations import Snippet
from ..text.language import question_lang
from ..llm.adapters import stream_text
from ..types import Answer, Citation

PROMPT = ChatPromptTemplate.from_messages([
    ("system", "You are an assistant for question-answering tasks. Use the following pieces of retrieved "
               "context to answer the question. If you don't know the answer, say that you don't know. "
               "Use three sentences maximum and keep the answer concise.\n\n{context}"),
    ("human", "{question}"),
])


class TutorialChain:
    """Same interface as Chat; every stuffed chunk counts as a citation, as the tutorial returns them."""

    def __init__(self, settings, retriever, chat_model, lock):
        self.settings, self.retriever, self.model, self.lock = settings, retriever, chat_model, lock
        self.chain = PROMPT | chat_model | StrOutputParser()  # what the tutorial builds; used for invoke()

    def stream(self, question, history=None) -> Iterator[str | Answer]:
        """The tutorial's behaviour: nothing is shown before the first token (no Sources item)."""
        question = clean_question(question, self.settings.max_question_chars)
        passages = self.retriever.search(question, k=4)
        context = "\n\n".join(p.text for p in passages)
        messages = PROMPT.format_messages(context=context, question=question)
        text = ""
        for piece in stream_text(self.model, messages, self.settings, self.lock):
            text += piece
            yield piece
        snippets = [Snippet(i, p.chunk_id, p.source, p.title, p.text, p.start, p.end)
                    for i, p in enumerate(passages, 1)]
        yield Answer(text=text, passages=tuple(passages), lang=question_lang(question),
                     citations=tuple(Citation(s.marker, s.source, s.title, s.text, s.chunk_id, s.start, s.end)
                                     for s in snippets))

    def answer(self, question, history=None) -> Answer:
        result = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                result = item
        return result

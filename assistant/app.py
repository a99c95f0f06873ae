"""The façade: Assistant(settings) wires models, store, retrieval and chat; module functions use a default."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

from .config import Settings, force_offline
from .types import Answer, Passage, Sources


class Assistant:
    """Explicit control over one configuration; heavy parts load on first use and are shared."""

    def __init__(self, settings: Settings | None = None, *, chat_model=None, embeddings=None):
        force_offline()
        self.settings = settings or Settings()
        self._chat_model = chat_model
        self._embeddings = embeddings
        self._lock = threading.RLock()
        self._writing = threading.Lock()  # one add, remove or repair at a time; questions go on meanwhile
        self._store = self._retriever = self._chat = None

    @property
    def embeddings(self):
        with self._lock:
            if self._embeddings is None:
                from .provision.models import STEmbeddings

                self._embeddings = STEmbeddings(self.settings)
            return self._embeddings

    @property
    def store(self):
        with self._lock:
            if self._store is None:
                from .index.store import Store

                self._store = Store(self.settings, self.embeddings)
            return self._store

    @property
    def retriever(self):
        with self._lock:
            if self._retriever is None:
                from .retrieval.hybrid import Retriever

                self._retriever = Retriever(self.settings, self.store, self.embeddings)
            return self._retriever

    @property
    def chat(self):
        with self._lock:
            if self._chat is None:
                from .answering.pipeline import Chat

                from .llm.adapters import build_chat_model, lock_for, model_lock

                model, lock = self._chat_model, None
                if model is None:
                    model, lock = build_chat_model(self.settings), model_lock(self.settings)
                lock = lock or lock_for(model)  # a model shared by several Assistants has one lock
                if self.settings.pipeline == "tutorial":
                    from .answering.tutorial import TutorialChain

                    self._chat = TutorialChain(self.settings, self.retriever, model, lock)
                else:
                    self._chat = Chat(self.settings, self.retriever, model, lock, self.embeddings)
            return self._chat

    def ingest(self, paths: list[Path] | None = None, *, prune: bool | None = None, progress: bool = False):
        from .index.ingest import ingest

        def keyword_refresh():
            self.retriever.refresh(force=True)

        with self._writing:
            report = ingest(self.settings, self.store, keyword_refresh, paths, prune=prune, progress=progress)
            self.retriever.save_index(self.store.generation())
        return report

    def ensure_ingested(self, progress: bool = False):
        """Bring the seeds and uploads into the store when it lacks them or holds an older version (what
        `serve` needs), then repair what a killed upload or ingest left (`index.library.repair`).

        Unchanged seeds cost a hash comparison, nothing is re-embedded. It never prunes: articles a user
        ingested from elsewhere stay; `assistant ingest` on a folder is the explicit way to prune.
        """
        from .index.library import repair

        report = self.ingest(prune=False, progress=progress)
        with self._writing:
            repair(self.settings, self.store, self._written)
        return report

    def add_article(self, path: str | Path, name: str | None = None, progress=None):
        """Index one article file (.txt .md .html .pdf) as an upload, kept under the store's uploads folder;
        an AddResult says what happened. The store is unchanged when it fails (InputError says why)."""
        from .index.library import add_file

        with self._writing:
            return add_file(self.settings, self.store, self._written, path, name, progress)

    def remove(self, source: str):
        """Remove an article by its source name: its chunks, keyword entries, event record, uploaded file."""
        from .index.library import remove_article

        with self._writing:
            return remove_article(self.settings, self.store, self._written, source)

    def articles(self) -> list[dict]:
        """The indexed articles: source, title, dates, place, outlet, lang, chunks, event record."""
        return self.retriever.articles()

    def article(self, source: str) -> dict:
        """One indexed article in full: {source, title, text, ...metadata}; citation offsets point into text."""
        return self.retriever.article(source)

    def _written(self) -> None:
        """After an add or remove: the keyword side follows the store now, and is saved under a new generation."""
        self.retriever.refresh(force=True)
        self.retriever.save_index(self.store.set_generation())

    def search(self, query: str, k: int = 5, **filters) -> list[Passage]:
        from .answering.pipeline import clean_question

        return self.retriever.search(clean_question(query, self.settings.max_question_chars), k=k, **filters)

    def answer(self, question: str, history=None) -> Answer:
        return self.chat.answer(question, history)

    def stream_answer(self, question: str, history=None) -> Iterator[str | Sources | Answer]:
        return self.chat.stream(question, history)


_DEFAULT: Assistant | None = None
_DEFAULT_LOCK = threading.Lock()


def default_assistant() -> Assistant:
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            assistant = Assistant()
            # `from assistant import answer` on a fresh clone must work: an empty store gets the seeds
            if assistant.store.count() == 0 and assistant.settings.seeds_dir.is_dir():
                assistant.ensure_ingested()
            _DEFAULT = assistant
        return _DEFAULT


def answer(question: str, history=None) -> Answer:
    """Answer a question from the articles, in its language, with checked citations."""
    return default_assistant().answer(question, history)


def stream_answer(question: str, history=None) -> Iterator[str | Sources | Answer]:
    """Yield what is being read (Sources) as soon as it is found, the answer's text as it is generated,
    then the final Answer."""
    return default_assistant().stream_answer(question, history)


def search(query: str, k: int = 5, **filters) -> list[Passage]:
    """Hybrid search over the stored chunks; filters: source, lang, date_from, date_to."""
    return default_assistant().search(query, k=k, **filters)

"""Chroma, embedded or over HTTP, through langchain-chroma: upsert and delete chunks by id, dense search."""
from __future__ import annotations

import functools
import json
import threading
import uuid
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import urlparse

from ..config import Settings
from ..errors import StoreError

SCHEMA_VERSION = 1
_PAGE = 5000


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict
    score: float = 0.0


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.chroma_url:
        try:
            settings.store_dir.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)
        except Exception as exc:  # a file in the folder's place, a damaged chroma.sqlite3, no permission
            raise StoreError(f"Cannot open the store at {settings.store_dir} ({type(exc).__name__}: {exc}). "
                             "Move it aside and run `assistant ingest` to rebuild it, or set "
                             "ASSISTANT_STORE_DIR to another folder.") from exc
    url = urlparse(settings.chroma_url)
    token = settings.chroma_token
    # both headers Chroma's token auth knows: Bearer (self-hosted, proxies) and x-chroma-token (Chroma Cloud)
    headers = {"Authorization": f"Bearer {token}", "x-chroma-token": token} if token else None
    try:
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1", port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https", headers=headers, settings=chroma_settings,
            tenant=settings.chroma_tenant, database=settings.chroma_database)
    except Exception as exc:  # chromadb raises ValueError/ConnectionError variants
        raise StoreError(f"Cannot reach the Chroma server at {settings.chroma_url} ({exc}) "
                         "Start it (`chroma run --path DIR --port P`) or unset ASSISTANT_CHROMA_URL "
                         "to use the embedded store.") from exc


def _server_errors(method):
    """A Chroma server that goes away (or stalls) after start-up: StoreError naming it, not an httpx trace."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        import httpx

        try:
            return method(self, *args, **kwargs)
        except (httpx.TransportError, ConnectionError) as exc:
            raise StoreError(f"Lost the Chroma server at {self.location} ({type(exc).__name__}: {exc}). "
                             "Check that it is still running, or unset ASSISTANT_CHROMA_URL "
                             "to use the embedded store.") from exc
    return wrapper


class Store:
    """One collection of chunks; it records which embedder built it and refuses any other."""

    def __init__(self, settings: Settings, embeddings, *, create: bool = True):
        from langchain_chroma import Chroma

        self.settings = settings
        self.embeddings = embeddings
        self._lock = threading.Lock()
        client = _client(settings)
        try:
            existing = {c.name if hasattr(c, "name") else c for c in client.list_collections()}
        except Exception as exc:
            raise StoreError(f"Cannot open the store ({self.location}): {exc}") from exc
        if settings.collection not in existing and not create:
            raise StoreError(f"The store at {self.location} has no articles yet. Run `assistant ingest` first.")
        try:
            self.vectorstore = Chroma(
                collection_name=settings.collection, embedding_function=embeddings, client=client,
                collection_metadata={"embedder": embeddings.model_id, "schema": SCHEMA_VERSION, "generation": "new"},
                collection_configuration={"hnsw": {"space": "cosine"}})
        except Exception as exc:
            raise StoreError(f"Cannot open the collection '{settings.collection}' in the store at {self.location} "
                             f"({type(exc).__name__}: {exc}). Rebuild it with `assistant ingest --rebuild`.") from exc
        self._check_embedder()

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.store_dir)

    @property
    def collection(self):
        return self.vectorstore._collection

    def _check_embedder(self) -> None:
        built_with = (self.collection.metadata or {}).get("embedder")
        if built_with and built_with != self.embeddings.model_id:
            raise StoreError(
                f"The store at {self.location} was built with the embedder '{built_with}', but the "
                f"configured one is '{self.embeddings.model_id}'. Rebuild it with `assistant ingest --rebuild` "
                "or set ASSISTANT_EMBEDDER back to the model that built it.")

    # -- generation: a token that changes whenever the contents change; 'dirty' while an ingest runs
    # -- collection metadata, always read afresh: another process (`assistant remove` beside `serve`)
    # may have changed it since this one opened the collection
    @_server_errors
    def _metadata(self) -> dict:
        return dict(self.vectorstore._client.get_collection(self.settings.collection).metadata or {})

    @_server_errors
    def _set_metadata(self, key: str, value: str) -> None:
        self.collection.modify(metadata={**self._metadata(), key: value})

    def generation(self) -> str:
        return str(self._metadata().get("generation", ""))

    def set_generation(self, value: str | None = None) -> str:
        value = value or uuid.uuid4().hex
        self._set_metadata("generation", value)
        return value

    # -- articles a user removed: default ingests leave them out (a JSON list in the collection metadata,
    # so a Chroma server keeps it too)
    def removed_sources(self) -> set[str]:
        try:
            return set(json.loads(str(self._metadata().get("removed", "[]"))))
        except ValueError:
            return set()

    def set_removed(self, sources: set[str]) -> None:
        self._set_metadata("removed", json.dumps(sorted(sources), ensure_ascii=False))

    def chunk_counts(self) -> dict[str, tuple[int, int]]:
        """Per source: (chunks stored, chunks its article has): fewer stored means a killed ingest."""
        ids, _, _, expected = self._scan()
        return {src: (len(chunk_ids), expected[src]) for src, chunk_ids in ids.items()}

    @_server_errors
    def count(self) -> int:
        return self.collection.count()

    @_server_errors
    def upsert(self, ids: list[str], texts: list[str], metadatas: list[dict], vectors: list[list[float]]) -> None:
        if ids:
            with self._lock:
                self.collection.upsert(ids=ids, documents=texts, metadatas=metadatas, embeddings=vectors)

    @_server_errors
    def update_metadata(self, ids: list[str], metadatas: list[dict]) -> None:
        for i in range(0, len(ids), _PAGE):
            self.collection.update(ids=ids[i:i + _PAGE], metadatas=metadatas[i:i + _PAGE])

    @_server_errors
    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), _PAGE):
            self.vectorstore.delete(ids=ids[i:i + _PAGE])

    def iter_all(self, include_documents: bool = True) -> Iterator[StoredChunk]:
        """Every chunk, page by page (works the same on the embedded store and a server)."""
        include = ["metadatas", "documents"] if include_documents else ["metadatas"]
        offset = 0
        while True:
            page = self._page(offset, include)
            docs = page.get("documents") or [""] * len(page["ids"])
            for cid, text, meta in zip(page["ids"], docs, page["metadatas"]):
                yield StoredChunk(cid, text or "", meta or {})
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    @_server_errors
    def _page(self, offset: int, include: list[str]) -> dict:
        return self.vectorstore.get(limit=_PAGE, offset=offset, include=include)

    def stored_articles(self) -> tuple[dict[str, set[str]], dict[str, str]]:
        """Chunk ids per source, and the source stored for each article hash (one metadata pass)."""
        ids, hashes, _ = self.stored_state()
        return ids, hashes

    def stored_state(self) -> tuple[dict[str, set[str]], dict[str, str], dict[str, int]]:
        """stored_articles plus the lowest metadata version among each source's chunks."""
        return self._scan()[:3]

    def _scan(self) -> tuple[dict[str, set[str]], dict[str, str], dict[str, int], dict[str, int]]:
        """One metadata pass: chunk ids per source, the source of each article hash, each source's lowest
        metadata version and the chunk count its article was cut into (n_chunks)."""
        ids: dict[str, set[str]] = {}
        hashes: dict[str, str] = {}
        versions: dict[str, int] = {}
        expected: dict[str, int] = {}
        for chunk in self.iter_all(include_documents=False):
            source = str(chunk.metadata.get("source", ""))
            ids.setdefault(source, set()).add(chunk.chunk_id)
            if chunk.metadata.get("article_hash"):
                hashes.setdefault(str(chunk.metadata["article_hash"]), source)
            version = int(chunk.metadata.get("meta_version", 0) or 0)
            versions[source] = min(versions.get(source, version), version)
            expected[source] = max(expected.get(source, 0), int(chunk.metadata.get("n_chunks", 0) or 0))
        return ids, hashes, versions, expected

    def ids_by_source(self) -> dict[str, set[str]]:
        return self.stored_articles()[0]

    @_server_errors
    def get(self, ids: list[str]) -> list[StoredChunk]:
        page = self.vectorstore.get(ids=ids, include=["metadatas", "documents"])
        by_id = {cid: StoredChunk(cid, doc or "", meta or {})
                 for cid, doc, meta in zip(page["ids"], page["documents"], page["metadatas"])}
        return [by_id[i] for i in ids if i in by_id]

    @_server_errors
    def dense_search(self, vector: list[float], k: int, where: dict | None = None) -> list[StoredChunk]:
        """Nearest chunks by cosine similarity (1 - distance)."""
        # langchain-chroma names it "relevance" but returns the raw cosine distance
        hits = self.vectorstore.similarity_search_by_vector_with_relevance_scores(vector, k=k, filter=where)
        return [StoredChunk(doc.id, doc.page_content, doc.metadata or {}, 1.0 - float(dist)) for doc, dist in hits]


def drop_collection(settings: Settings) -> bool:
    """Delete the collection (for a rebuild with another embedder); True if there was one."""
    client = _client(settings)
    try:
        client.delete_collection(settings.collection)
        return True
    except Exception:  # chromadb raises NotFoundError/ValueError by version when it is absent
        return False

"""The embedder's backends side by side, in one process: chunks per second over chunks cut from a public
set's passages as ingest cuts them, each vector's cosine to the torch reference, the query-embedding p50.
No LLM is run."""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from ..config import Settings
from .runs import passages_as_articles, read_jsonl

BACKENDS = ("torch", "onnx", "onnx-int8", "openvino")


def bench_embed(passages_path: Path, questions_path: Path, chunks: int = 300, queries: int = 50,
                backends=BACKENDS, settings: Settings | None = None) -> dict:
    from ..corpus.chunking import chunk_article
    from ..provision.models import STEmbeddings, load_embedder

    base = settings or Settings()
    articles = passages_as_articles(read_jsonl(passages_path))
    texts: list[str] = []
    for article in articles:
        texts += [c.text for c in chunk_article(article, base.chunk_size, base.chunk_overlap)]
        if len(texts) >= chunks:
            break
    texts = texts[:chunks]
    asked = [q["question"] for q in read_jsonl(questions_path, queries)]
    out: dict = {"chunks": len(texts), "queries": len(asked)}
    reference = None
    for backend in backends:
        s = base.model_copy(update={"embed_backend": backend})
        start = time.perf_counter()
        load_embedder(s)  # export (first time only) and load, outside the timings
        embeddings = STEmbeddings(s)
        embeddings.embed_documents(texts[:4])  # warm-up
        prepared = time.perf_counter() - start
        start = time.perf_counter()
        vectors = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
        rate = len(texts) / (time.perf_counter() - start)
        times = []
        for q in asked:
            t0 = time.perf_counter()
            embeddings.embed_query(q)
            times.append(1000 * (time.perf_counter() - t0))
        row = {"chunks_per_s": round(rate, 2), "query_p50_ms": round(statistics.median(times), 1),
               "prepare_s": round(prepared, 1)}
        if reference is None:
            reference = vectors
        cosines = (vectors * reference).sum(axis=1)
        row.update(cos_mean=round(float(cosines.mean()), 5), cos_min=round(float(cosines.min()), 5))
        row["speedup"] = round(rate / out[backends[0]]["chunks_per_s"], 2) if out.get(backends[0]) else 1.0
        out[backend] = row
    return out

"""`assistant bench scale`: N synthetic multilingual chunks in Chroma (embedded or server), timed and sized."""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .runs import percentile, read_jsonl
from ..config import Settings, force_offline

# (passages file, language): the first chunk of every passage is one "window" embedded for real
SETS = (("cmrc2018_dev/passages.jsonl", "zh-Hans"), ("jsquad_valid/passages.jsonl", "ja"),
        ("xquad/passages.jsonl", "zh-Hans"), ("xquad/passages_en.jsonl", "en"))
QUESTIONS = ("cmrc2018_dev/questions.jsonl", "jsquad_valid/questions.jsonl", "xquad/questions_en.jsonl")
NOISE = 0.05  # norm of the random offset added to a reused unit vector before renormalising (cos ≈ 0.999)
BATCH = 1000


def _log(msg: str) -> None:
    print(f"[bench scale] {msg}", file=sys.stderr, flush=True)


def base_windows(bench_dir: Path, settings: Settings) -> list[dict]:
    """The first chunk of each public passage, chunked and titled as ingest does it."""
    from ..corpus.chunking import chunk_article, embedding_text
    from ..types import Article

    out = []
    for rel, lang in SETS:
        for row in read_jsonl(bench_dir / rel):
            art = Article(source=row["id"], text=row["text"], title=row.get("title", ""), lang=lang)
            chunks = chunk_article(art, settings.chunk_size, settings.chunk_overlap)
            if chunks:
                c = chunks[0]
                out.append({"source": c.source, "title": c.title, "text": c.text, "lang": lang,
                            "start": c.start, "end": c.end, "embed": embedding_text(c)})
    return out


def window_vectors(windows: list[dict], settings: Settings) -> tuple[Path, dict]:
    """Real embedder vectors of the windows, cached in the model cache by content hash."""
    from ..provision.models import STEmbeddings

    emb = STEmbeddings(settings)
    key = hashlib.sha256("\x1e".join([emb.model_id, *(w["embed"] for w in windows)]).encode()).hexdigest()[:16]
    path = settings.model_cache / "bench-scale" / f"windows-{key}.npy"
    info_path = path.with_suffix(".json")
    if path.exists() and info_path.exists():
        return path, {**json.loads(info_path.read_text()), "cached": True}
    _log(f"embedding {len(windows)} unique windows with {emb.model_id} (once; cached in {path.parent})")
    t0 = time.perf_counter()
    vectors = np.asarray(emb.embed_documents([w["embed"] for w in windows]), dtype=np.float32)
    seconds = time.perf_counter() - t0
    info = {"texts": len(windows), "seconds": round(seconds, 1), "texts_per_s": round(len(windows) / seconds, 2),
            "model": emb.model_id}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    info_path.write_text(json.dumps(info))
    return path, {**info, "cached": False}


def synth_batch(windows: list[dict], vectors: np.ndarray, lo: int, hi: int):
    """Chunks lo..hi-1: window i mod W, copy i div W, a unique text suffix, copies ≥ 1 perturbed."""
    idx = np.arange(lo, hi)
    which, copy = idx % len(windows), idx // len(windows)
    noise = np.random.default_rng(lo).standard_normal((hi - lo, vectors.shape[1])).astype(np.float32)
    noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
    vecs = vectors[which] + noise * (copy > 0)[:, None]
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids, texts, metas = [], [], []
    for i, w, c in zip(idx.tolist(), which.tolist(), copy.tolist()):
        win = windows[w]
        ids.append(f"scale-{i:07d}")
        texts.append(f"{win['text']} 第{c}版 doc{i}")
        metas.append({"source": f"{win['source']}~{c}", "title": win["title"], "lang": win["lang"],
                      "start": win["start"], "end": win["end"], "date_ymd": 0})
    return ids, texts, metas, vecs.tolist()


def questions(bench_dir: Path, n: int) -> list[str]:
    """n questions taken in turn from CMRC (zh), JSQuAD (ja) and XQuAD (en)."""
    per = [[q["question"] for q in read_jsonl(bench_dir / rel, n)] for rel in QUESTIONS]
    return [q for group in zip(*per) for q in group][:n]


def _insert(store, windows, vectors, lo: int, hi: int) -> float:
    t0 = time.perf_counter()
    for start in range(lo, hi, BATCH):
        store.upsert(*synth_batch(windows, vectors, start, min(hi, start + BATCH)))
        if (start // BATCH) % 20 == 19:
            _log(f"inserted {start + BATCH:,}/{hi:,}")
    return time.perf_counter() - t0


def _timed(fn, items) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _stats(ms: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(percentile(ms, 0.95), 2)}


def _du(path: Path) -> float:
    files = (Path(d) / f for d, _, names in os.walk(path) for f in names)
    return round(sum(p.stat().st_size for p in files if p.is_file()) / 2**20, 1)


def _rss_mb(pid: int | None = None) -> int:
    import psutil

    return round(psutil.Process(pid).memory_info().rss / 2**20)


def _searches(retriever, emb, qs: list[str]) -> dict:
    for q in qs[:3]:  # warm-up, one per language: tokenisers, the en→zh translator, first HNSW load
        retriever.search(q, k=5)
    vecs = [emb.embed_query(q) for q in qs]
    return {"hybrid": _stats(_timed(lambda q: retriever.search(q, k=5), qs)),
            "query_embedding": _stats(_timed(emb.embed_query, qs)),
            "dense_only": _stats(_timed(lambda v: retriever.search("", k=5, vector=v, mode="dense"), vecs)),
            "keyword_only": _stats(_timed(lambda q: retriever.search(q, k=5, mode="keyword"), qs))}


def _clock(fn, *args) -> tuple[object, float]:
    t0 = time.perf_counter()
    value = fn(*args)
    return value, round(time.perf_counter() - t0, 2)


def _measure(s: Settings, n: int, bench_dir: Path, n_queries: int, vectors_path: Path, data_dir: Path,
             server_pid: int | None) -> dict:
    """Insert n chunks, build the keyword side through the Retriever as the product does, then time searches."""
    from ..provision.models import STEmbeddings
    from ..retrieval.hybrid import Retriever
    from ..index.store import Store

    windows, vectors = base_windows(bench_dir, s), np.load(vectors_path)
    emb = STEmbeddings(s)
    emb.embed_query("warm-up")  # the model in memory before the baseline
    store, rss_start = Store(s, emb), _rss_mb()
    insert_s = _insert(store, windows, vectors, 0, n)
    store.set_generation()
    scanned, scan_s = _clock(lambda: sum(1 for _ in store.iter_all()))
    retriever = Retriever(s, store, emb)
    _, build_s = _clock(retriever.refresh, True)
    retriever.save_index(store.generation())
    search = _searches(retriever, emb, questions(bench_dir, n_queries))
    _insert(store, windows, vectors, n, n + 10)
    store.set_generation()
    _, refresh_s = _clock(retriever.refresh)  # 10 new chunks: an id diff, not a rebuild
    out = {"chunks": scanned, "insert_chunks_per_s": round(n / insert_s, 1), "insert_s": round(insert_s, 1),
           "store_scan_s": scan_s, "keyword_build_s": build_s, "keyword_refresh_after_10_new_s": refresh_s,
           "queries": n_queries, **search, "rss_mb": _rss_mb(), "rss_before_insert_mb": rss_start,
           "store_mb": _du(data_dir), "keyword_index_mb": _du(retriever.index_dir)}
    if server_pid:
        out["server_rss_mb"] = _rss_mb(server_pid)
        shutil.rmtree(retriever.index_dir, ignore_errors=True)  # a server's keyword index lives in the cache
    return out


def _phase(backend: str, n: int, bench_dir: Path, n_queries: int, base: Settings, vectors_path: Path) -> dict:
    """One backend in a fresh process (clean RSS), in a temporary folder removed afterwards."""
    from .servers import HOST, chroma_command, free_port, running

    force_offline()
    _log(f"{backend}: {n:,} chunks")
    with tempfile.TemporaryDirectory(prefix="assistant-scale-") as tmp:
        tmp = Path(tmp)
        s = base.model_copy(update={"store_dir": tmp / "store", "collection": "scale", "chroma_url": ""})
        if backend == "embedded":
            return _measure(s, n, bench_dir, n_queries, vectors_path, s.store_dir, None)
        port = free_port()
        with running(chroma_command(tmp / "server", port), f"http://{HOST}:{port}/api/v2/heartbeat",
                     tmp / "chroma.log", 120) as proc:
            s = s.model_copy(update={"chroma_url": f"http://{HOST}:{port}"})
            return _measure(s, n, bench_dir, n_queries, vectors_path, tmp / "server", proc.pid)


def bench_scale(n: int, bench_dir: Path, server: bool = False, n_queries: int = 100,
                settings: Settings | None = None) -> dict:
    base = settings or Settings()
    bench_dir = Path(bench_dir).resolve()
    windows = base_windows(bench_dir, base)
    vectors_path, embedding = window_vectors(windows, base)
    result = {"chunks": n, "vectors": "reused+perturbed", "unique_windows": len(windows),
              "embedding": embedding, "cores": os.cpu_count(), "loadavg_1m_start": round(os.getloadavg()[0], 1)}
    ctx = multiprocessing.get_context("spawn")
    for backend in ("embedded", "server") if server else ("embedded",):
        with ctx.Pool(1) as pool:
            result[backend] = pool.apply(_phase, (backend, n, bench_dir, n_queries, base, vectors_path))
    result["loadavg_1m_end"] = round(os.getloadavg()[0], 1)
    return result


def summary(result: dict) -> str:
    """The result as a few readable lines."""
    emb = result["embedding"]
    lines = [f"{result['chunks']:,} chunks, vectors {result['vectors']} from {result['unique_windows']:,} real "
             f"embeddings ({emb['texts_per_s']} texts/s{', cached' if emb['cached'] else ''})"]
    for backend in ("embedded", "server"):
        if r := result.get(backend):
            lines.append(f"{backend}: insert {r['insert_chunks_per_s']:,} chunks/s | hybrid p50/p95 "
                         f"{r['hybrid']['p50_ms']}/{r['hybrid']['p95_ms']} ms | keyword build {r['keyword_build_s']} s, "
                         f"query p50 {r['keyword_only']['p50_ms']} ms | RSS {r['rss_mb']} MB | store {r['store_mb']} MB")
    return "\n".join(lines)

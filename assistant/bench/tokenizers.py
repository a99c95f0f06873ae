"""BM25-only retrieval over the public sets for each tokenisation scheme, and index scale timings."""
from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import numpy as np

from ..index.keyword import KeywordIndex
from ..text.lexical import DEFAULT_SCHEME, SCHEMES, fold, tokenize

BENCH = Path("../shared/bench")  # `assistant bench tokenizers --bench-dir` sets it
# (label, set dir, question file, convert questions with this OpenCC config or None)
RUNS = [
    ("cmrc", "cmrc2018_dev", "questions.jsonl", None),
    ("cmrc-tw", "cmrc2018_dev", "questions.jsonl", "s2twp"),  # zh-Hant (Taiwan) questions → zh-Hans passages
    ("jsquad", "jsquad_valid", "questions.jsonl", None),
    ("xquad", "xquad", "questions.jsonl", None),
    ("xq-en2zh", "xquad", "questions_en_to_zh.jsonl", None),
]


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def questions(run, limit: int) -> list[dict]:
    label, set_dir, name, convert = run
    qs = read_jsonl(BENCH / set_dir / name)[:limit]
    if convert:
        import opencc

        cc = opencc.OpenCC(convert)
        qs = [{**q, "question": cc.convert(q["question"])} for q in qs]
    return qs


def evaluate(index: KeywordIndex, qs: list[dict]) -> dict:
    hit1 = hit5 = mrr = 0.0
    lat, cover, ev_hits, ev_n = [], [], 0, 0
    for q in qs:
        t0 = time.perf_counter()
        hits, ev = index.search_with_evidence(q["question"], k=10)
        lat.append(time.perf_counter() - t0)
        ranked = [h[0] for h in hits]
        rank = ranked.index(q["passage_id"]) + 1 if q["passage_id"] in ranked else 0
        hit1 += rank == 1
        hit5 += 0 < rank <= 5
        mrr += 1 / rank if rank else 0
        cover.append(ev.coverage)
        if ev.has_evidence:
            ev_n += 1
            ev_hits += rank == 1
    n = len(qs)
    return {"n": n, "hit@1": hit1 / n, "hit@5": hit5 / n, "mrr@10": mrr / n,
            "query_p50_ms": 1000 * statistics.median(lat), "coverage_p50": statistics.median(cover),
            "evidence_share": ev_n / n, "hit@1_when_evidence": ev_hits / ev_n if ev_n else None}


def compare(schemes, limit: int) -> list[dict]:
    rows = []
    for set_dir in dict.fromkeys(r[1] for r in RUNS):
        passages = read_jsonl(BENCH / set_dir / "passages.jsonl")
        ids = [p["id"] for p in passages]
        texts = [f"{p['title']}\n{p['text']}" for p in passages]
        for scheme in schemes:
            for folding in (True, False):
                t0 = time.perf_counter()
                index = KeywordIndex.build(ids, texts, scheme=scheme, folding=folding)
                build = time.perf_counter() - t0
                for run in (r for r in RUNS if r[1] == set_dir):
                    row = {"set": run[0], "scheme": scheme, "fold": folding, "build_s": build}
                    rows.append(row | evaluate(index, questions(run, limit)))
                    print(fmt(rows[-1]), file=sys.stderr, flush=True)
    return rows


def fmt(r: dict) -> str:
    return (f"{r['set']:9} {r['scheme']:14} {'fold' if r['fold'] else 'nfkc':4}  {r['hit@1']:.3f} {r['hit@5']:.3f} "
            f"{r['mrr@10']:.3f}  build {r['build_s']:5.2f}s  p50 {r['query_p50_ms']:5.2f}ms  "
            f"cov {r['coverage_p50']:.2f}  evid {r['evidence_share']:.2f}")


def table(rows: list[dict]) -> str:
    sets = list(dict.fromkeys(r["set"] for r in rows))
    head = "| scheme | fold | " + " | ".join(sets) + " | build s (cmrc) | p50 ms (cmrc) |"
    out = [head, "|" + "---|" * (len(sets) + 4)]
    for key in dict.fromkeys((r["scheme"], r["fold"]) for r in rows):
        cells = {r["set"]: r for r in rows if (r["scheme"], r["fold"]) == key}
        ref = cells.get("cmrc") or next(iter(cells.values()))
        out.append(f"| {key[0]} | {'yes' if key[1] else 'no'} | " + " | ".join(
            f"{c['hit@1']:.3f} / {c['hit@5']:.3f} / {c['mrr@10']:.3f}" if (c := cells.get(s)) else "" for s in sets)
            + f" | {ref['build_s']:.2f} | {ref['query_p50_ms']:.2f} |")
    return "\n".join(out)


def synth_chunks(n: int) -> list[tuple[str, str]]:
    """n 300-char chunks: windows of all public passages at a shifting offset, each copy tagged."""
    import opencc

    tw = opencc.OpenCC("s2twp")
    texts = [p["text"] for d in ("cmrc2018_dev", "jsquad_valid", "xquad") for p in read_jsonl(BENCH / d / "passages.jsonl")]
    out, i = [], 0
    while len(out) < n:
        copy, t = divmod(i, len(texts))
        text = texts[t]
        start = (copy * 97) % max(1, len(text) - 300)  # each copy cuts its windows elsewhere
        chunk = text[start:start + 300]
        if copy % 3 == 1 and t % 2 == 0:
            chunk = tw.convert(chunk)  # a share of zh-Hant so folding does real work
        out.append((f"c{i}", f"{chunk} 第{copy}版 doc{i}"))
        i += 1
    return out


def scale(sizes, n_queries: int, scheme: str) -> list[dict]:
    qs = [q["question"] for d in ("cmrc2018_dev", "jsquad_valid") for q in read_jsonl(BENCH / d / "questions.jsonl")[:n_queries // 2]]
    rows = []
    for n in sizes:
        chunks = synth_chunks(n)
        ids, texts = [c[0] for c in chunks], [c[1] for c in chunks]
        t0 = time.perf_counter(); _each(lambda t: unicodedata.normalize("NFKC", t).lower(), texts); t_nfkc = time.perf_counter() - t0
        t0 = time.perf_counter(); _each(fold, texts); t_fold = time.perf_counter() - t0
        t0 = time.perf_counter(); _each(lambda t: tokenize(t, scheme), texts); t_tok = time.perf_counter() - t0
        t0 = time.perf_counter(); index = KeywordIndex.build(ids, texts, scheme=scheme); t_build = time.perf_counter() - t0
        lat = _latencies(index, qs, None)
        lat_f = _latencies(index, qs, set(ids[::10]))  # a wide filter: 10% of chunks
        lat_s = _latencies(index, qs, set(ids[::max(1, n // 1000)]))  # a narrow one: ~1000 chunks
        extra = [(f"new{j}", texts[j]) for j in range(10)]
        t0 = time.perf_counter(); index.add([e[0] for e in extra], [e[1] for e in extra]); t_add = time.perf_counter() - t0
        t0 = time.perf_counter(); index.remove(ids[:10]); t_remove = time.perf_counter() - t0
        t0 = time.perf_counter(); index.compact(); t_compact = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter(); index.save(tmp); t_save = time.perf_counter() - t0
            t0 = time.perf_counter(); KeywordIndex.load(tmp, scheme); t_load = time.perf_counter() - t0
        postings = len(index._main[1])
        rows.append({"scheme": scheme, "chunks": n, "chars": sum(map(len, texts)), "nfkc_s": t_nfkc, "fold_s": t_fold, "tokenize_s": t_tok,
                     "build_s": t_build, "query_p50_ms": _ms(lat, 50), "query_p95_ms": _ms(lat, 95),
                     "filter10pct_p50_ms": _ms(lat_f, 50),
                     "filter1k_p50_ms": _ms(lat_s, 50), "add10_ms": 1000 * t_add, "remove10_ms": 1000 * t_remove,
                     "compact_s": t_compact, "save_s": t_save, "load_s": t_load, "terms": len(index._vocab),
                     "postings": postings, "mb": (postings * 8 + index._main[0].nbytes) / 2**20,
                     "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in rows[-1].items()}), file=sys.stderr, flush=True)
    return rows


def _each(fn, texts) -> None:
    for t in texts:  # results dropped at once: a list of 100k token lists alone takes >1 GB
        fn(t)


def _latencies(index, qs, allowed) -> list[float]:
    out = []
    for q in qs:
        t0 = time.perf_counter()
        index.search(q, 10, allowed)
        out.append(time.perf_counter() - t0)
    return out


def _ms(values, pct) -> float:
    return 1000 * float(np.percentile(values, pct))


def run(bench_dir: Path, schemes: list[str], limit: int = 500, scale_sizes: list[int] | None = None,
        scale_queries: int = 200, scale_scheme: str = DEFAULT_SCHEME) -> dict:
    """Compare tokenisation schemes on the public sets, or (scale_sizes) time the keyword index at scale."""
    global BENCH
    BENCH = Path(bench_dir)
    if scale_sizes:
        return {"scale": scale(scale_sizes, scale_queries, scale_scheme)}
    rows = compare(schemes, limit)
    return {"compare": rows, "table": table(rows)}

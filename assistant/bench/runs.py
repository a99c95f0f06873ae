"""Benchmarks that print figures: retrieval on public QA sets (same pipeline, temporary store)."""
from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from ..config import Settings
from ..types import Article


def read_jsonl(path: Path, limit: int = 0) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
                if limit and len(rows) >= limit:
                    break
    return rows


def passages_as_articles(rows: list[dict]) -> list[Article]:
    """Public-set passages are already clean text: they skip web cleaning, not chunking or embedding."""
    from ..text.language import detect_lang

    # the language of the passage as a whole, as ingest gives an article's (its chunks share it)
    return [Article(source=r["id"], text=r["text"], title=r.get("title", ""),
                    lang=r.get("lang", "") or detect_lang(f"{r.get('title', '')}\n{r['text']}"),
                    raw_chars=len(r["text"])) for r in rows]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def index_articles(assistant, articles: list[Article]) -> float:
    """Chunk, embed and store the articles; returns chunks per second."""
    from ..corpus.chunking import chunk_article
    from ..index.ingest import embed_and_store

    s = assistant.settings
    chunks = [c for a in articles for c in chunk_article(a, s.chunk_size, s.chunk_overlap)]
    t0 = time.perf_counter()
    embed_and_store(s, assistant.store, chunks, progress=True)
    rate = len(chunks) / max(1e-9, time.perf_counter() - t0)
    assistant.retriever.refresh(force=True)
    return rate


def distinct_sources(passages) -> list[str]:
    return list(dict.fromkeys(p.source for p in passages))


def rank_of(gold: str, passages, k: int) -> int | None:
    seen = distinct_sources(passages)
    return seen.index(gold) + 1 if gold in seen[:k] else None


def answer_rank(question: dict, passages, texts: dict[str, str], k: int) -> int | None:
    """Rank of the first passage that is the gold one or holds a gold answer string (the open-domain
    QA convention of DPR's top-k accuracy): several paragraphs of one article often answer the same
    question, and the id-based hit counts all but the annotated one as misses."""
    answers = [a for a in (question.get("answers_zh") or question.get("answers") or []) if a]
    for i, src in enumerate(distinct_sources(passages)[:k], start=1):
        if src == question["passage_id"] or any(a in texts.get(src, "") for a in answers):
            return i
    return None


def bench_retrieval(passages_path: Path, questions_path: Path, limit: int = 500, k: int = 10,
                    settings: Settings | None = None, mode: str = "hybrid", embeddings=None,
                    translate: bool = False, chat_model=None) -> dict:
    """translate: search each question as the product searches one in English or Japanese: by its
    translation into Chinese (the model's search-form call) with the vector halfway between the two;
    the call's seconds are reported as translate_p50_ms (with ASSISTANT_LLM_PATH, another model's)."""
    from ..app import Assistant
    from ..text.language import detect_lang

    base = settings or Settings()
    rows = read_jsonl(passages_path)
    questions = read_jsonl(questions_path, limit)
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        s = base.model_copy(update={"store_dir": Path(tmp), "chroma_url": "", "collection": "bench"})
        assistant = Assistant(s, chat_model=chat_model, embeddings=embeddings)
        rate = index_articles(assistant, passages_as_articles(rows))
        texts = {r["id"]: f"{r.get('title', '')}\n{r['text']}" for r in rows}
        ranks, answer_ranks, times, translating = [], [], [], []
        if translate:
            assistant.chat.search_form("warm-up", "en", [])  # the model loaded, its fixed prefix read
        for q in questions:
            text, vector = q["question"], None
            if translate:
                t0 = time.perf_counter()
                text = assistant.chat.search_form(q["question"], q.get("lang") or detect_lang(q["question"]), [])
                translating.append((time.perf_counter() - t0) * 1000)
                vector = assistant.chat.query_vector(q["question"], text)
            t0 = time.perf_counter()
            # chunks, not articles, come back: ask for more so k distinct passages remain
            hits = assistant.retriever.search(text, k=3 * k, mode=mode, vector=vector)
            times.append((time.perf_counter() - t0) * 1000)
            ranks.append(rank_of(q["passage_id"], hits, k))
            answer_ranks.append(answer_rank(q, hits, texts, k))
    n = len(ranks)
    return {"hit@1": round(sum(r == 1 for r in ranks) / n, 4),
            "hit@5": round(sum(r is not None and r <= 5 for r in ranks) / n, 4),
            "mrr@10": round(sum(1 / r for r in ranks if r is not None and r <= 10) / n, 4),
            "answer_hit@1": round(sum(r == 1 for r in answer_ranks) / n, 4),
            "answer_hit@5": round(sum(r is not None and r <= 5 for r in answer_ranks) / n, 4),
            "questions": n, "passages": len(rows), "index_chunks_per_s": round(rate, 2),
            "p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 0.95), 2),
            "mode": mode, **({"translate_p50_ms": round(statistics.median(translating), 1)} if translating else {})}


def time_stream(stream) -> tuple[float, float, object, float]:
    """(seconds to the first text, seconds to the end, the final Answer, seconds to the first thing a user
    sees: the sources being read, or text) for one streamed answer."""
    from ..types import Answer, Sources

    t0 = time.perf_counter()
    first = visible = result = None
    for item in stream:
        if isinstance(item, str):
            if first is None and item.strip():
                first = time.perf_counter() - t0
        elif isinstance(item, Answer):
            result = item
        if visible is None and ((isinstance(item, Sources) and item.passages) or first is not None):
            visible = time.perf_counter() - t0
    total = time.perf_counter() - t0
    first = first if first is not None else total
    return first, total, result, (visible if visible is not None else first)


def bench_answers(questions_path: Path, limit: int = 0, pipelines=("grounded", "tutorial"),
                  settings: Settings | None = None) -> dict:
    """Per pipeline, same models, one run: first thing on screen (the sources being read), first token and
    full answer, median and p95; and per question the prompt tokens the model had to read before the first
    token (all calls before it: translation, rewrite, answer; not those reused from the prompt cache), the
    floor those tokens set at this run's measured prompt-eval rate, and TTFT / floor."""
    from ..app import Assistant
    from ..llm.adapters import recording_calls

    base = settings or Settings()
    items = read_jsonl(questions_path, limit)
    out = {}
    for name in pipelines:
        assistant = Assistant(base.model_copy(update={"pipeline": name}))
        if hasattr(assistant.chat, "warm_up"):  # what the web UI does when a page opens
            assistant.chat.warm_up()
        time_stream(assistant.stream_answer(items[0]["q"]))  # warm-up: loads models, fills the prompt cache
        firsts, totals, visibles, rows = [], [], [], []
        for it in items:
            with recording_calls() as calls:
                start = time.perf_counter()
                first, total, _, visible = time_stream(
                    assistant.stream_answer(it["q"], [tuple(h) for h in it.get("history", [])]))
            before = [c for c in calls if c["start_s"] < start + first]
            rows.append({"id": it.get("id", ""), "ttft_s": round(first, 2), "first_visible_s": round(visible, 2),
                         "total_s": round(total, 2), "calls_before_first_token": len(before),
                         "prompt_tokens": sum(c.get("prompt_tokens", 0) for c in before),
                         "prompt_ms": sum(c.get("prompt_ms", 0.0) for c in before)})
            firsts.append(first)
            totals.append(total)
            visibles.append(visible)
        tokens, ms = sum(r["prompt_tokens"] for r in rows), sum(r["prompt_ms"] for r in rows)
        rate = tokens / (ms / 1000) if ms else 0.0  # prompt tokens per second, this run, this machine
        for r in rows:
            r["floor_s"] = round(r["prompt_tokens"] / rate, 2) if rate else None
            r["ttft_over_floor"] = round(r["ttft_s"] / r["floor_s"], 2) if r["floor_s"] else None
            r["prompt_ms"] = round(r["prompt_ms"])
        ratios = [r["ttft_over_floor"] for r in rows if r["ttft_over_floor"]]
        out[name] = {"questions": len(items), "first_visible_p50_s": round(statistics.median(visibles), 2),
                     "first_visible_p95_s": round(percentile(visibles, 0.95), 2),
                     "ttft_p50_s": round(statistics.median(firsts), 2),
                     "ttft_p95_s": round(percentile(firsts, 0.95), 2),
                     "total_p50_s": round(statistics.median(totals), 2),
                     "total_p95_s": round(percentile(totals, 0.95), 2),
                     "prompt_eval_tokens_per_s": round(rate, 1),
                     "floor_p50_s": round(statistics.median([r["floor_s"] for r in rows if r["floor_s"]]), 2)
                     if ratios else None,
                     "ttft_over_floor_p50": round(statistics.median(ratios), 2) if ratios else None,
                     "rows": rows}
    return out


def normalise_answer(text: str) -> str:
    """The scorer's normal form (NFKC, Traditional→Simplified, lower case, no spaces or separators), and, as
    SQuAD's and CMRC 2018's own evaluation scripts do, no punctuation; an answer's [n] citation markers are
    notation, not its words: "…达至20个[1]。" holds the gold "…达至20个。", "20-18" the gold "20–18"."""
    import unicodedata

    from ..text.language import convert
    from ..text.segment import strip_markers

    text = convert(unicodedata.normalize("NFKC", strip_markers(text)), "t2s").lower()
    return "".join(ch for ch in text if ch not in " \t\n\r\u00a0\u3000" and not unicodedata.category(ch).startswith("P"))


def _golds(q: dict) -> list[str]:
    return list(q.get("answers", [])) + list(q.get("answers_zh", []))


def answering_ids(questions: list[dict], rows: list[dict]) -> set[str]:
    """The gold passages of the questions and every passage holding one of their gold answers (2+
    characters): what an answerability run leaves out of the index."""
    answers = {a for q in questions for a in _golds(q) if len(a) >= 2}
    return {q["passage_id"] for q in questions} | {
        r["id"] for r in rows if any(a in f"{r.get('title', '')}\n{r['text']}" for a in answers)}


def indexed_rows(questions: list[dict], rows: list[dict], distractors: int = 200,
                 leave_out_gold: bool = False) -> list[dict]:
    """The passages a public-set run indexes: the questions' gold passages, then the first `distractors` others
    in file order; with leave_out_gold, none of the passages answering_ids names, only the others."""
    needed = answering_ids(questions, rows) if leave_out_gold else {q["passage_id"] for q in questions}
    others = [r for r in rows if r["id"] not in needed][:distractors]
    return ([] if leave_out_gold else [r for r in rows if r["id"] in needed]) + others


def bench_gold(passages_path: Path, questions_path: Path, limit: int = 100, distractors: int = 200,
               settings: Settings | None = None, show: bool = False, leave_out_gold: bool = False,
               chat_model=None, embeddings=None, only: set[str] = frozenset()) -> dict:
    """Gold-answer-in-answer rate: the full answer pipeline over a public QA set.

    Indexed: every passage the first `limit` questions need, plus `distractors` other passages of the
    set (the first ones in file order), so retrieval still has to find the right one.

    leave_out_gold (the answerability run): the gold passages are not indexed, nor any passage holding
    one of the questions' gold answers (2+ characters), so every question must be refused; `refused`
    is then the refusal rate, and on the normal run it is the false-refusal rate.

    Each answer is kept with the passages it cites (`cited`), so that a change to the citation check
    can be replayed on a run's answers without the model. chat_model / embeddings: injected (tests).

    only: question ids among the first `limit` to ask, over the index those `limit` questions make (the same
    index as the whole run's): a change that can move only some answers (those a gate refused, read from a
    recorded run) is measured on them alone, before and after. The rates are then over the questions asked.
    The model's greedy text can differ a little with what it evaluated before (llama.cpp reuses the longest
    prefix it holds), so a question asked alone may not get its full run's text: compare before and after
    asked the same way, and confirm with a full run.
    """
    from ..app import Assistant

    base = settings or Settings()
    questions = read_jsonl(questions_path, limit)
    rows = read_jsonl(passages_path)
    chosen = indexed_rows(questions, rows, distractors, leave_out_gold)
    if only:
        if unknown := set(only) - {q["id"] for q in questions}:
            raise ValueError(f"not among the first {limit} questions of {questions_path}: {', '.join(sorted(unknown))}; "
                             "check the ids or raise --limit")
        questions = [q for q in questions if q["id"] in only]
    hits, refused, firsts, totals, per, why = 0, 0, [], [], [], Counter()
    with tempfile.TemporaryDirectory(prefix="assistant-gold-") as tmp:
        s = base.model_copy(update={"store_dir": Path(tmp), "chroma_url": "", "collection": "gold"})
        assistant = Assistant(s, chat_model=chat_model, embeddings=embeddings)
        rate = index_articles(assistant, passages_as_articles(chosen))
        for q in questions:
            first, total, result, _ = time_stream(assistant.stream_answer(q["question"]))
            firsts.append(first)
            totals.append(total)
            golds = _golds(q)
            text = normalise_answer(result.text if result else "")
            ok = any(normalise_answer(g) and normalise_answer(g) in text for g in golds)
            hits += ok
            uncited = result is not None and not result.citations
            refused += uncited
            if uncited:
                why[result.refused_by or "?"] += 1
            per.append({"id": q["id"], "ok": ok, "answer": result.text if result else "", "gold": golds,
                        "refused_by": result.refused_by if result else "",
                        "cited": [{"source": c.source, "snippet": c.snippet} for c in result.citations]
                        if result else []})
            if show:
                print(f"{'ok ' if ok else 'BAD'} {q['id']} {q['question'][:60]!r} -> {per[-1]['answer'][:80]!r} "
                      f"gold={golds[:2]}", flush=True)
    n = len(questions)
    return {"gold_in_answer": round(hits / n, 3), "refused": round(refused / n, 3), "questions": n,
            "gold_left_out": leave_out_gold,
            # the gate that refused each refusal ("direct>pivot": refused in the question's language, then
            # through the Chinese pivot); "?" an answer without citations the pipeline did not mark refused
            "refused_by": dict(why.most_common()),
            "passages_indexed": len(chosen), "index_chunks_per_s": round(rate, 2),
            "ttft_p50_s": round(statistics.median(firsts), 2), "total_p50_s": round(statistics.median(totals), 2),
            "answers": per}

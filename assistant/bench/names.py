"""How well the name premise (text/names.py) tells an answering passage from a wrong one, on a public set.

For each question: are the names it gives stated in its gold passage (they should be: a miss there is
a false refusal in waiting), and in the best passages retrieval finds when the gold passage and every
passage holding a gold answer are left out (there they should not be: each miss is a wrong answer the
premise check refuses). No LLM is run."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..config import Settings
from ..text.names import names_stated, question_names
from .runs import index_articles, indexed_rows, passages_as_articles, read_jsonl


def bench_names(passages_path: Path, questions_path: Path, limit: int = 300, distractors: int = 200,
                k: int = 3, settings: Settings | None = None) -> dict:
    from ..app import Assistant

    base = settings or Settings()
    questions = read_jsonl(questions_path, limit)
    rows = read_jsonl(passages_path)
    by_id = {r["id"]: r for r in rows}
    others = indexed_rows(questions, rows, distractors, leave_out_gold=True)
    named = on_gold = top1 = topk = 0
    with tempfile.TemporaryDirectory(prefix="assistant-names-") as tmp:
        s = base.model_copy(update={"store_dir": Path(tmp), "chroma_url": "", "collection": "names"})
        assistant = Assistant(s)
        index_articles(assistant, passages_as_articles(others))
        for q in questions:
            names = question_names(q["question"])
            if not names:
                continue
            named += 1
            gold = by_id.get(q["passage_id"])
            on_gold += bool(gold) and names_stated(q["question"], [f"{gold.get('title', '')}\n{gold['text']}"], names)
            hits = assistant.retriever.search(q["question"], k=k)
            texts = [f"{p.title}\n{p.text}" for p in hits]
            top1 += bool(texts) and names_stated(q["question"], texts[:1], names)
            topk += any(names_stated(q["question"], [t], names) for t in texts)
    n = len(questions)
    return {"questions": n, "with_names": round(named / n, 3),
            "stated_in_gold": round(on_gold / max(1, named), 3),
            "stated_in_top1_without_gold": round(top1 / max(1, named), 3),
            f"stated_in_any_top{k}_without_gold": round(topk / max(1, named), 3),
            "refusable_without_gold": round((named - topk) / n, 3)}

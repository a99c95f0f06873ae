"""Index a public set once, then measure hit@1/@5/MRR@10 for several fusion weights (docs/retrieval.md)."""
import json
import tempfile
from pathlib import Path

from ..app import Assistant
from ..config import Settings
from .runs import index_articles, passages_as_articles, rank_of, read_jsonl


def sweep(set_dir: Path, questions: str = "questions.jsonl", limit: int = 500,
          keyword_weights: str = "0,0.3,0.5,0.7", crosslingual_weights: str = "0.3") -> None:
    """Print one JSON line per (keyword weight, cross-lingual weight): hit@1/@5, MRR@10."""
    rows = read_jsonl(set_dir / "passages.jsonl")
    qs = read_jsonl(set_dir / questions, limit)
    with tempfile.TemporaryDirectory() as tmp:
        a = Assistant(Settings(store_dir=Path(tmp), collection="sweep"))
        rate = index_articles(a, passages_as_articles(rows))
        vecs = a.embeddings.embed_documents  # noqa: F841 (warm)
        qvecs = [a.embeddings.embed_query(q["question"]) for q in qs]
        for kw in [float(x) for x in keyword_weights.split(",")]:
            for xl in [float(x) for x in crosslingual_weights.split(",")]:
                a.retriever.settings = a.settings.model_copy(update={"keyword_weight": kw, "crosslingual_weight": xl})
                ranks = [rank_of(q["passage_id"], a.retriever.search(q["question"], k=30, vector=v), 10)
                         for q, v in zip(qs, qvecs)]
                n = len(ranks)
                print(json.dumps({"set": set_dir.name, "questions": questions, "keyword_weight": kw,
                                  "crosslingual_weight": xl,
                                  "hit@1": round(sum(r == 1 for r in ranks) / n, 3),
                                  "hit@5": round(sum(r is not None and r <= 5 for r in ranks) / n, 3),
                                  "mrr@10": round(sum(1 / r for r in ranks if r) / n, 3),
                                  "index_chunks_per_s": round(rate, 1)}), flush=True)


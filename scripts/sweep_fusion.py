"""Index a public set once, then measure hit@1/@5/MRR@10 for several fusion weights (docs/retrieval.md)."""
import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from assistant.api import Assistant  # noqa: E402
from assistant.bench import index_articles, passages_as_articles, rank_of, read_jsonl  # noqa: E402
from assistant.config import Settings, force_offline  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("set_dir", type=Path)
    ap.add_argument("--questions", default="questions.jsonl")
    ap.add_argument("--limit", type=int, default=500)
    ap.add_argument("--keyword-weights", default="0,0.3,0.5,0.7")
    ap.add_argument("--crosslingual-weights", default="0.3")
    args = ap.parse_args()
    force_offline()
    rows = read_jsonl(args.set_dir / "passages.jsonl")
    qs = read_jsonl(args.set_dir / args.questions, args.limit)
    with tempfile.TemporaryDirectory() as tmp:
        a = Assistant(Settings(store_dir=Path(tmp), collection="sweep"))
        rate = index_articles(a, passages_as_articles(rows))
        vecs = a.embeddings.embed_documents  # noqa: F841 (warm)
        qvecs = [a.embeddings.embed_query(q["question"]) for q in qs]
        for kw in [float(x) for x in args.keyword_weights.split(",")]:
            for xl in [float(x) for x in args.crosslingual_weights.split(",")]:
                a.retriever.settings = a.settings.model_copy(update={"keyword_weight": kw, "crosslingual_weight": xl})
                ranks = [rank_of(q["passage_id"], a.retriever.search(q["question"], k=30, vector=v), 10)
                         for q, v in zip(qs, qvecs)]
                n = len(ranks)
                print(json.dumps({"set": args.set_dir.name, "questions": args.questions, "keyword_weight": kw,
                                  "crosslingual_weight": xl,
                                  "hit@1": round(sum(r == 1 for r in ranks) / n, 3),
                                  "hit@5": round(sum(r is not None and r <= 5 for r in ranks) / n, 3),
                                  "mrr@10": round(sum(1 / r for r in ranks if r) / n, 3),
                                  "index_chunks_per_s": round(rate, 1)}), flush=True)


if __name__ == "__main__":
    main()

"""How much higher e5 scores a question against passages in its own language than in another, measured on
unrelated pairs of the public sets (so no topic is in it), and the language anchors hybrid search corrects
it with (retrieval/anchors.py).

A question's mean cosine to unrelated passages of a language is its cosine to their mean vector: that
vector, one per language, is the anchor. Simplified Chinese is CMRC 2018, Traditional Chinese the same
converted with OpenCC, Japanese JSQuAD, English XQuAD's English side; passages are cut to the chunk size.
"""
from __future__ import annotations

import random
from pathlib import Path

from ..config import Settings
from ..text.language import convert
from .runs import read_jsonl

SETS = {  # language → (questions, passages) under the bench directory, and the script conversion
    "zh-Hans": ("cmrc2018_dev/questions.jsonl", "cmrc2018_dev/passages.jsonl", ""),
    "zh-Hant": ("cmrc2018_dev/questions.jsonl", "cmrc2018_dev/passages.jsonl", "s2t"),
    "ja": ("jsquad_valid/questions.jsonl", "jsquad_valid/passages.jsonl", ""),
    "en": ("xquad/questions_en.jsonl", "xquad/passages_en.jsonl", ""),
}
ANCHORS = Path(__file__).resolve().parent.parent / "retrieval" / "anchors.py"


def _sample(rows: list[dict], n: int, seed: int) -> list[dict]:
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows[:n]


def bench_languages(bench_dir: Path, n: int = 150, settings: Settings | None = None, embeddings=None,
                    write: bool = False) -> dict:
    """Mean cosine of n questions of each language against n unrelated passages of each language, the lift
    each passage language gets for each question language (its row's best minus it), and, with write,
    the anchors written to retrieval/anchors.py for the configured embedder."""
    import numpy as np

    from ..provision.models import STEmbeddings, embedder_id

    settings = settings or Settings()
    embeddings = embeddings or STEmbeddings(settings)
    width = settings.chunk_size
    questions, anchors = {}, {}
    for lang, (qpath, ppath, script) in SETS.items():
        to = (lambda t: convert(t, script)) if script else (lambda t: t)
        qs = _sample(read_jsonl(bench_dir / qpath), n, seed=1)
        ps = _sample(read_jsonl(bench_dir / ppath), n, seed=2)
        questions[lang] = np.asarray([embeddings.embed_query(to(q["question"])) for q in qs])
        # English passages are cut at twice the characters: a chunk holds about as many words
        vectors = np.asarray(embeddings.embed_documents([to(p["text"])[:width * (2 if lang == "en" else 1)]
                                                         for p in ps]))
        anchors[lang] = vectors.mean(axis=0)
    table, lift = {}, {}
    for ql, qv in questions.items():
        row = {pl: float((qv @ a).mean()) for pl, a in anchors.items()}
        best = max(row.values())
        table[ql] = {pl: round(v, 4) for pl, v in row.items()}
        lift[ql] = {pl: round(best - v, 4) for pl, v in row.items()}
    model = embedder_id(settings)
    if write:
        write_anchors(model, n, {lang: [round(float(x), 6) for x in a] for lang, a in anchors.items()})
    return {"embedder": model, "questions_per_language": n, "mean_cosine": table, "lift": lift,
            "written": str(ANCHORS) if write else ""}


def write_anchors(model: str, n: int, anchors: dict[str, list[float]]) -> None:
    lines = ['"""Language anchors for hybrid search (retrieval/hybrid.py): each language\'s mean e5 passage vector',
             f"over {n} passages of the public sets. Written by `assistant bench languages --write`; do not edit.",
             'Derived from CMRC 2018, JSQuAD and XQuAD (CC BY-SA 4.0)."""', "",
             f"EMBEDDER = {model!r}", "ANCHORS = {"]
    for lang, vector in anchors.items():
        lines.append(f"    {lang!r}: [")
        for i in range(0, len(vector), 8):
            lines.append("        " + ", ".join(f"{x:.6f}" for x in vector[i:i + 8]) + ",")
        lines.append("    ],")
    lines.append("}")
    ANCHORS.write_text("\n".join(lines) + "\n", encoding="utf-8")

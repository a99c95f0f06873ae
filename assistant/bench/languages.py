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


def bench_mixed(bench_dir: Path, limit: int = 100, distractors: int = 150,
                shares: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0), settings: Settings | None = None,
                chat_model=None, embeddings=None) -> dict:
    """Retrieval in a store of two languages, by the share of the language bias lifted (hybrid.LIFT_SHARE):
    JSQuAD and CMRC 2018 passages (each set's gold passages for its first `limit` questions and `distractors`
    others) in one temporary store; JSQuAD questions (ja → ja), CMRC questions (zh → zh) and the JSQuAD
    questions put into Chinese by the product's own translation call (zh → ja). Per set and share: hit@1,
    hit@5 and the share of the top 5 in the other language."""
    import tempfile

    from ..app import Assistant
    from ..retrieval import hybrid
    from ..text.language import has_kana
    from .runs import index_articles, passages_as_articles

    base = settings or Settings()
    sets = {"ja": ("jsquad_valid/questions.jsonl", "jsquad_valid/passages.jsonl"),
            "zh": ("cmrc2018_dev/questions.jsonl", "cmrc2018_dev/passages.jsonl")}
    questions, rows = {}, []
    for lang, (qpath, ppath) in sets.items():
        qs = read_jsonl(bench_dir / qpath, limit)
        need = {q["passage_id"] for q in qs}
        passages = read_jsonl(bench_dir / ppath)
        rows += [r for r in passages if r["id"] in need] + [r for r in passages if r["id"] not in need][:distractors]
        questions[lang] = qs
    language_of = {r["id"]: "ja" if has_kana(r["text"]) else "zh" for r in rows}
    with tempfile.TemporaryDirectory(prefix="assistant-mixed-") as tmp:
        s = base.model_copy(update={"store_dir": Path(tmp), "chroma_url": "", "collection": "mixed"})
        assistant = Assistant(s, chat_model=chat_model, embeddings=embeddings)
        index_articles(assistant, passages_as_articles(rows))
        chat = assistant.chat
        runs = {"ja->ja": [(q["question"], q["passage_id"]) for q in questions["ja"]],
                "zh->zh": [(q["question"], q["passage_id"]) for q in questions["zh"]],
                "zh->ja (translated)": [(chat.search_form(q["question"], "ja", []), q["passage_id"])
                                        for q in questions["ja"]]}
        keep = hybrid.LIFT_SHARE
        out: dict = {"passages": len(rows), "shares": list(shares)}
        try:
            for name, pairs in runs.items():
                vectors = [assistant.embeddings.embed_query(t) for t, _ in pairs]
                out[name] = {}
                for share in shares:
                    hybrid.LIFT_SHARE = share
                    h1 = h5 = other = 0.0
                    for (text, gold), vector in zip(pairs, vectors):
                        ids = [p.source for p in assistant.retriever.search(text, k=5, vector=vector)]
                        h1 += bool(ids) and ids[0] == gold
                        h5 += gold in ids
                        other += sum(language_of.get(i) != language_of[gold] for i in ids) / max(1, len(ids))
                    n = max(1, len(pairs))
                    out[name][str(share)] = {"hit@1": round(h1 / n, 3), "hit@5": round(h5 / n, 3),
                                             "other_language_top5": round(other / n, 3), "questions": len(pairs)}
        finally:
            hybrid.LIFT_SHARE = keep
    return out


def bench_scripts(passages_path: Path, questions_path: Path, limit: int = 400, settings: Settings | None = None,
                  embeddings=None) -> dict:
    """Chinese questions in either script over Chinese passages in either script (OpenCC from a Simplified set;
    `limit` questions spread evenly over it): hit@1 / hit@5, hybrid and dense, with each question searched by
    its own vector and by the vector halfway between its two scripts (Tuning.both_scripts), through the
    product's own search. Two stores: the passages as given and converted to Traditional."""
    import tempfile

    from ..app import Assistant
    from .runs import index_articles, passages_as_articles, rank_of

    base = settings or Settings()
    rows = read_jsonl(passages_path)
    questions = read_jsonl(questions_path)
    questions = questions[::max(1, len(questions) // limit)][:limit]
    out: dict = {"questions": len(questions), "passages": len(rows)}
    for pscript in ("hans", "hant"):
        converted = rows if pscript == "hans" else [
            dict(r, text=convert(r["text"], "s2t"), title=convert(r.get("title", ""), "s2t"), lang="") for r in rows]
        with tempfile.TemporaryDirectory(prefix="assistant-scripts-") as tmp:
            store = base.model_copy(update={"store_dir": Path(tmp), "chroma_url": "", "collection": "scripts"})
            index_articles(Assistant(store, embeddings=embeddings), passages_as_articles(converted))
            for both in (False, True):
                tuning = base.tuning.model_copy(update={"both_scripts": both})
                assistant = Assistant(store.model_copy(update={"tuning": tuning}), embeddings=embeddings)
                for qscript in ("hans", "hant"):
                    for mode in ("hybrid", "dense"):
                        ranks = []
                        for q in questions:
                            text = q["question"] if qscript == "hans" else convert(q["question"], "s2t")
                            ranks.append(rank_of(q["passage_id"], assistant.retriever.search(text, k=30, mode=mode), 10))
                        key = f"{qscript}->{pscript} {mode} {'both scripts' if both else 'as asked'}"
                        out[key] = {"hit@1": round(sum(r == 1 for r in ranks) / len(ranks), 3),
                                    "hit@5": round(sum(r is not None and r <= 5 for r in ranks) / len(ranks), 3)}
    return out

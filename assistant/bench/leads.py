"""How sure the sentence scorer is, measured on the public sets without running the model.

For each question, asked in its own words over the index `bench gold` builds (its gold passage and 200 others):
the lead of the best-scored sentence of its evidence over the next one, and whether that best sentence holds
a gold answer. Per lead m, how many questions lead by m or more and of those how many have the gold in their
best sentence: the calibration of Tuning.sure_margin, at and above which the model reads that sentence alone.
With a recorded `bench gold --json` run of the same questions, also how many of them that run answered right.
With translate, English and Japanese questions are searched and scored as an answer does, by their translation
(the product's translation call, the only model call made): the calibration for questions not in Chinese."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from ..answering.evidence import best_lead, scored_sentences
from ..config import Settings
from ..text.language import question_lang
from .runs import _golds, index_articles, indexed_rows, normalise_answer, passages_as_articles, read_jsonl


def bench_leads(passages_path: Path, questions_path: Path, limit: int = 100, distractors: int = 200,
                margins=(0.0, 0.05, 0.1, 0.15, 0.2, 0.3), run: Path | None = None, settings: Settings | None = None,
                embeddings=None, translate: bool = False, chat_model=None) -> dict:
    from ..app import Assistant

    questions = read_jsonl(questions_path, limit)
    rows = read_jsonl(passages_path)
    chosen = indexed_rows(questions, rows, distractors)
    right = {a["id"]: a["ok"] for a in json.loads(Path(run).read_text(encoding="utf-8"))["answers"]} if run else {}
    found = []  # (lead, gold in the best sentence, answered right in the run), for questions with evidence
    base = settings or Settings()
    with tempfile.TemporaryDirectory(prefix="assistant-leads-") as tmp:
        s = base.model_copy(update={"store_dir": Path(tmp), "chroma_url": "", "collection": "leads"})
        if chat_model is None and not translate:
            chat_model = object()  # no model call is made; with translate, the translations are the model's
        assistant = Assistant(s, chat_model=chat_model, embeddings=embeddings)
        index_articles(assistant, passages_as_articles(chosen))
        chat, tuning = assistant.chat, s.tuning
        for q in questions:
            passages, words, qvec = _searched(chat, q["question"], translate)
            if not passages or not chat._relevant(passages):
                continue
            sents, scores = scored_sentences(words, qvec, passages, chat.scorer, tuning.sentence_max)
            if not sents:
                continue
            best = normalise_answer(sents[np.argsort(-scores)[0]].text)  # the sentence select_snippets picks first
            held = any(g and g in best for g in map(normalise_answer, _golds(q)))
            found.append((best_lead(scores), held, right.get(q["id"])))
    out = {"questions": len(questions), "with_evidence": len(found)}
    for m in margins:
        over = [f for f in found if f[0] >= m]
        out[f"lead_{m}"] = {"questions": len(over), "gold_in_best": sum(f[1] for f in over),
                            **({"right_in_run": sum(bool(f[2]) for f in over)} if run else {})}
    return out


def _searched(chat, question: str, translate: bool):
    """The passages and the words and vector that score their sentences, as an answer finds them: asked in its
    own words; with translate, an English or Japanese question by its translation too, as _stream_one does (the
    question as asked searched first, its passages kept where the translation finds its own language's)."""
    lang = question_lang(question)
    if not translate or lang.startswith("zh"):
        return chat.searched(question)
    form = chat.search_form(question, lang, [], chat.retriever.glossary(question))
    known = chat.query_vector(question)
    asked = chat.retriever.search(question, k=chat.settings.top_k, vector=known)
    return chat.searched(question, form, known, asked)

"""Two refusal rules measured on the public sets without running the model.

unheard: a question holding a rare word (text.names.rare_words) that no indexed passage holds is refused
before the model is asked. Indexed as `bench gold` indexes (the questions' gold passages and 200 others;
with --leave-out-gold none holding a gold passage or answer), how many questions would be refused: on the
normal index each is a false refusal, on the left-out one each is a refusal the rule makes. Beside it, the
names check (text.names.names_stated) on the passage an answer would cite (the gold passage; on the left-out
index the first keyword hit), and either rule: the two refuse many of the same questions.

novel: what a Chinese or Japanese answer adds to its question must stand in its cited passages
(answering.citations.novel_share, floor Tuning.novel_min). Replayed on the answers a `bench gold --json`
run recorded with their cited passages: per floor, the answers it would refuse and how many of those held
the gold answer. An English answer over Chinese passages is judged by answering.citations.english_share
(floor Tuning.english_min) instead: its added words through the dictionary and the names' originals.

checks (with the model, no generation): the model's own check of an answer against its cited passages
(Tuning.verify_min_yes) and a claim-only variant not used in answers, replayed the same way on recorded answers.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..answering.citations import english_share, novel_share
from ..index.keyword import KeywordIndex
from ..text.names import names_stated, rare_words
from .runs import indexed_rows, read_jsonl


def bench_unheard(passages_path: Path, questions_path: Path, limit: int = 100, distractors: int = 200) -> dict:
    questions = read_jsonl(questions_path, limit)
    rows = read_jsonl(passages_path)
    out = {"questions": len(questions)}
    for name, left_out in (("normal", False), ("left_out", True)):
        chosen = indexed_rows(questions, rows, distractors, left_out)
        index = KeywordIndex.build([r["id"] for r in chosen], [f"{r.get('title', '')}\n{r['text']}" for r in chosen])
        flagged = [q["id"] for q in questions if any(not index.mentions(w) for w in sum(rare_words(q["question"]), []))]
        out[f"{name}_refused"] = round(len(flagged) / max(1, len(questions)), 3)
        out[f"{name}_ids"] = flagged
        # the names check after it (text.names.names_stated), on the passage an answer would cite: the gold
        # passage on the normal index, the first keyword hit on the left-out one (a proxy: no LLM is run)
        texts = {r["id"]: f"{r.get('title', '')}\n{r['text']}" for r in chosen}
        unnamed = []
        for q in questions:
            cited = q["passage_id"] if not left_out else next((i for i, _ in index.search(q["question"], k=1)), None)
            if cited in texts and not names_stated(q["question"], [texts[cited]]):
                unnamed.append(q["id"])
        out[f"{name}_names_refused"] = round(len(unnamed) / max(1, len(questions)), 3)
        out[f"{name}_either_refused"] = round(len(set(flagged) | set(unnamed)) / max(1, len(questions)), 3)
    return out


def bench_novel(runs: list[Path], questions: list[Path], floors=(0.1, 0.2, 0.25, 0.3, 0.34, 0.4, 0.5)) -> dict:
    asked = {q["id"]: q["question"] for path in questions for q in read_jsonl(path)}
    out = {}
    for run in runs:
        recorded = json.loads(Path(run).read_text(encoding="utf-8"))
        shares = []
        for a in recorded["answers"]:
            if a["id"] not in asked:
                continue
            cited = [c["snippet"] for c in a["cited"]]
            share = english_share(a["answer"], asked[a["id"]], cited)
            share = novel_share(a["answer"], asked[a["id"]], cited) if share is None else share
            if share is not None:
                shares.append((share, a["ok"]))
        out[Path(run).name] = {"answered": sum(bool(a["cited"]) for a in recorded["answers"]), "judged": len(shares),
                               **{f"floor_{f}": {"refused": sum(s < f for s, _ in shares),
                                                 "of_them_right": sum(s < f and ok for s, ok in shares)}
                                  for f in floors}}
    return out


# the model checks bench_checks can replay: the names its `checks` takes (the keys of its prompts)
CHECKS = ("answer", "claim", "own")


def bench_checks(runs: list[Path], questions: list[Path], floors=(0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
                 settings=None, chat_model=None, checks=("answer", "claim")) -> dict:
    """The model's two checks (answering.prompts.verify_messages, the answer to the question; claim_messages,
    the answer as a claim of its own) replayed on the answers `bench gold --json` runs recorded with their
    cited passages: per floor, the answers each would refuse, split into right (the gold in the text, on a
    normal run), wrong (a normal run's others) and left out (any answer of a --leave-out-gold run, none of
    which can be right). The recorded answers passed the checks of their day, so this says what a floor
    would refuse beyond them, not what it would let through. English answers are skipped: an English answer
    refused goes on to the Chinese pivot, whose own check a recorded run does not show.

    checks: which to ask, of "answer", "claim" and "own" (verify_own_messages: the answer check in a Chinese
    question's own words, measured and not used in answers); each answer's P(yes) per check is kept in "p_yes"."""
    import threading

    from ..answering.prompts import claim_messages, verify_messages, verify_own_messages
    from ..config import Settings
    from ..llm.adapters import build_chat_model, yes_probability
    from ..text.language import lang_family, question_lang
    from ..text.segment import strip_markers

    settings = settings or Settings()
    model = chat_model if chat_model is not None else build_chat_model(settings)
    lock = threading.Lock()
    asked = {q["id"]: q["question"] for path in questions for q in read_jsonl(path)}
    out = {}
    for run in runs:
        recorded = json.loads(Path(run).read_text(encoding="utf-8"))
        left_out = bool(recorded.get("gold_left_out"))
        rows = []
        for a in recorded["answers"]:
            text = strip_markers(a["answer"])
            if not a["cited"] or a["id"] not in asked or lang_family(text) == "en":
                continue
            cited = [c["snippet"] for c in a["cited"]]
            label = "left_out" if left_out else "right" if a["ok"] else "wrong"
            q = asked[a["id"]]
            prompts = {"answer": verify_messages(q, text, cited), "claim": claim_messages(text, cited),
                       "own": verify_own_messages(q, text, cited, question_lang(q))}
            rows.append((label, {name: yes_probability(model, prompts[name], settings, lock) for name in checks}))
        per = {"judged": len(rows), **{label: sum(lb == label for lb, _ in rows) for label in ("right", "wrong", "left_out")}}
        per["p_yes"] = rows
        for check in checks:
            for floor in floors:
                refused = [lb for lb, p in rows if p[check] is not None and p[check] < floor]
                per[f"{check}_{floor}"] = {label: refused.count(label) for label in ("right", "wrong", "left_out")}
        out[Path(run).name] = per
    return out

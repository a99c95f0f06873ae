"""How well the people-count rule (text/asked.py) tells an answering sentence from a wrong one, on a
public set, no LLM: for each question asking how many people, does a sentence of its gold passage that
holds a gold answer state a count of people (a miss is a false refusal in waiting), and how many of the
passage's other sentences with a numeral do (each that does not is a wrong count the rule refuses)."""
from __future__ import annotations

import re
from pathlib import Path

from ..text.asked import asks_people_count, states_people_count
from ..text.segment import sentences
from .runs import read_jsonl

_NUMERAL = re.compile(r"\d|[零〇一二三四五六七八九十百千万萬亿億两兩]")


def bench_counts(passages_path: Path, questions_path: Path, limit: int = 0) -> dict:
    texts = {r["id"]: r["text"] for r in read_jsonl(passages_path)}
    asked = gold = gold_pass = other = other_pass = 0
    for q in read_jsonl(questions_path, limit):
        if not asks_people_count(q["question"]) or q["passage_id"] not in texts:
            continue
        asked += 1
        found = sentences(texts[q["passage_id"]])
        answering = [s for s in found if any(a and a in s for a in q["answers"])]
        if not answering:
            continue
        gold += 1
        gold_pass += any(states_people_count(s) for s in answering)
        for s in found:
            if s not in answering and _NUMERAL.search(s):
                other += 1
                other_pass += states_people_count(s)
    return {"people_count_questions": asked, "with_gold_sentence": gold,
            "gold_sentence_states_count": round(gold_pass / max(1, gold), 3),
            "other_numbered_sentences": other,
            "other_refused": round(1 - other_pass / max(1, other), 3)}


def bench_kinds(passages_path: Path, questions_path: Path, limit: int = 0) -> dict:
    """The answer-kind rule (a count for how many, a date for when, a person for who) on a public set, no
    LLM. Per kind: the questions asking it (as the user wrote them), how often a sentence of the gold
    passage holding a gold answer states that kind (each miss is a right answer refused), and how many
    of the passage's other sentences the rule would refuse (its power to tell them apart)."""
    from ..text.asked import DATE, NUMBER, PERSON, asked_kind, states_kind

    texts = {r["id"]: r["text"] for r in read_jsonl(passages_path)}
    out: dict = {}
    for kind in (NUMBER, DATE, PERSON):
        out[kind] = {"questions": 0, "with_gold_sentence": 0, "gold_states": 0, "other": 0, "other_refused": 0}
    for q in read_jsonl(questions_path, limit):
        kind = asked_kind(q["question"])
        if kind is None or q["passage_id"] not in texts:
            continue
        row = out[kind]
        row["questions"] += 1
        golds = [a for a in list(q.get("answers", [])) + list(q.get("answers_zh", [])) if a]
        found = sentences(texts[q["passage_id"]])
        answering = [s for s in found if any(a in s for a in golds)]
        if not answering:
            continue
        row["with_gold_sentence"] += 1
        row["gold_states"] += any(states_kind(s, kind) for s in answering)
        for s in found:
            if s not in answering:
                row["other"] += 1
                row["other_refused"] += not states_kind(s, kind)
    return {kind: {"questions": r["questions"], "with_gold_sentence": r["with_gold_sentence"],
                   "gold_sentence_states_kind": round(r["gold_states"] / max(1, r["with_gold_sentence"]), 3),
                   "other_sentences": r["other"], "other_refused": round(r["other_refused"] / max(1, r["other"]), 3)}
            for kind, r in out.items()}


def bench_translated_kinds(questions_path: Path, limit: int = 100, show: int = 3) -> dict:
    """Where the kind asked comes from a translation (text.asked.translated_kind): every English or Japanese
    question (each part of one of two parts, asked alone: the answer to the part before, which the product
    gives a part pointing back, is not made here; a follow-up with the history the seed files give it) whose
    own words ask no kind is translated by the product's own call (Chat.search_form, over the default store's
    glossary), and counted by the kind its translation asks, with the first few of each. A kind it asks that
    the question does not is the translation's. LLM: the translation call only."""
    from ..app import Assistant
    from ..text.asked import asked_kind, question_parts
    from ..text.language import question_lang

    chat = Assistant().chat
    asked = 0
    found: dict = {}
    for q in read_jsonl(questions_path, limit):
        history = [tuple(turn) for turn in q.get("history") or []]
        for part in question_parts(q.get("question") or q.get("q") or ""):
            lang = question_lang(part)
            if (lang.startswith("zh") and not history) or asked_kind(part) is not None:
                continue
            asked += 1
            translation = chat.search_form(part, lang, history)
            row = found.setdefault(asked_kind(translation) or "none", {"questions": 0, "examples": []})
            row["questions"] += 1
            if len(row["examples"]) < show:
                row["examples"].append(f"{q.get('id', '')}: {part} → {translation}")
    return {"translated": asked, **found}


def bench_parts(questions_path: Path, limit: int = 0, show: int = 5) -> dict:
    """The question-splitting rule (text.asked.question_parts) on a question set, no LLM: how many questions
    it splits into parts, how many of those parts point back at the one before (asked as follow-ups), and the
    first few split, so a change that starts splitting questions of a public set shows."""
    from ..text.asked import points_back, question_parts

    asked = split = back = 0
    examples: list[list[str]] = []
    for q in read_jsonl(questions_path, limit):
        asked += 1
        parts = question_parts(q.get("question") or q.get("q") or "")
        if len(parts) > 1:
            split += 1
            back += sum(points_back(p) for p in parts[1:])
            if len(examples) < show:
                examples.append(parts)
    return {"questions": asked, "split": split, "parts_pointing_back": back, "examples": examples}

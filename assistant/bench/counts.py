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

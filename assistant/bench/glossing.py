"""How well an English answer's names get the article's own form (answering/naming.py), on a public set
whose English questions have Chinese passages and aligned answers (XQuAD en→zh: "Kawann Short" ↔ 卡万·肖特),
no LLM: each English name answer, written as an answer citing the passage's sentence that holds the Chinese
answer, should be glossed with the Chinese answer (right) and nothing else (wrong); names of other
questions, absent from that sentence, should get no gloss at all (false glosses).

A second population (bench_chinese_names) reads Chinese names: every proper noun of a Chinese set's passages,
written in pinyin as an English answer writes it ("Zhejiang"), alone and after a sentence's "The", glossed over
its whole passage, where stretches that read the same abound (这将 of 这将为…, 和浙江 of …和浙江…)."""
from __future__ import annotations

import random
import re
from pathlib import Path

from ..answering import naming
from ..retrieval.crosslingual import romanise
from ..text.lexical import fold, proper_nouns
from ..text.segment import sentences
from .runs import read_jsonl

_NAME = re.compile(r"^[A-Z][a-z'’]+(?: [A-Z][a-z'’]+)*$")
_GLOSS = re.compile(r"\(([^()]+)\)")


def name_pairs(passages_path: Path, questions_path: Path) -> list[tuple[str, str, str]]:
    """Distinct (English name, Chinese answer, cited text) triples of the set: the cited text is the
    sentence of the passage holding the Chinese answer, as an answer cites one sentence of a snippet."""
    texts = {r["id"]: r["text"] for r in read_jsonl(passages_path)}
    seen, out = set(), []
    for q in read_jsonl(questions_path):
        english, chinese = q["answers"][0], (q.get("answers_zh") or [""])[0]
        if not (_NAME.match(english) and re.search(r"[\u4e00-\u9fff]", chinese) and q["passage_id"] in texts):
            continue
        holding = next((s for s in sentences(texts[q["passage_id"]]) if chinese in s), "")
        if holding and (english, holding) not in seen:
            seen.add((english, holding))
            out.append((english, chinese, holding))
    return out


def _bare(name: str) -> str:
    """A Chinese name folded, without the dot between a transliterated name's parts (卡万·肖特 = 卡万肖特)."""
    return fold(name).replace("·", "")


def _glosses(name: str, passage: str, answer: str = "It was {} [1].") -> list[str]:
    return _GLOSS.findall(naming.gloss_english_names(answer.format(name), [passage]))


def bench_english_names(passages_path: Path, questions_path: Path, skeleton_mins: tuple[float, ...] = (),
                        absent_per_name: int = 5) -> dict:
    pairs = name_pairs(passages_path, questions_path)
    rng = random.Random(0)
    absent = [(other[0], passage) for _, _, passage in pairs for other in rng.sample(pairs, absent_per_name)
              if _bare(other[1]) not in _bare(passage)]
    rows, default = {}, naming.SKELETON_MIN
    try:
        for floor in skeleton_mins or (default,):
            naming.SKELETON_MIN = floor
            right = wrong = 0
            for name, chinese, passage in pairs:
                found = _glosses(name, passage)
                gold = _bare(chinese)
                good = [g for g in found if _bare(g) in gold or gold in _bare(g)]
                right, wrong = right + bool(good), wrong + (bool(found) and not good)
            false = sum(bool(_glosses(name, passage)) for name, passage in absent)
            rows[str(floor)] = {"names": len(pairs), "glossed_right": round(right / max(1, len(pairs)), 3),
                                "glossed_wrong": round(wrong / max(1, len(pairs)), 3),
                                "absent_names": len(absent), "absent_glossed": round(false / max(1, len(absent)), 3)}
    finally:
        naming.SKELETON_MIN = default
    return rows


def bench_chinese_names(passages_path: Path, limit: int = 300) -> dict:
    """Chinese names glossed back to themselves: of the first `limit` passages (shuffled, seed 0), each distinct
    proper noun of 2–6 characters, romanised ("Zhejiang", "Zhejiangsheng Renminzhengfu"), as "It was X [1]."
    and "The X won [1]." over its whole passage: glossed right (the name itself) or wrong (anything else)."""
    rows = read_jsonl(passages_path)
    random.Random(0).shuffle(rows)
    pairs = [(name, row["text"]) for row in rows[:limit]
             for name in dict.fromkeys(proper_nouns(row["text"])) if 2 <= len(name) <= 6]
    out = {"names": len(pairs)}
    for label, template in (("alone", "It was {} [1]."), ("after_the", "The {} won [1].")):
        right = wrong = 0
        for name, passage in pairs:
            found = _glosses(romanise(name), passage, template)
            good = [g for g in found if _bare(g) == name]
            right, wrong = right + bool(good), wrong + (bool(found) and not good)
        out[label] = {"glossed_right": round(right / max(1, len(pairs)), 3),
                      "glossed_wrong": round(wrong / max(1, len(pairs)), 3)}
    return out

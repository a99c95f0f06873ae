"""Names a question takes as given: an answer can only come from passages that state them.

A question about the 广茂铁路 is not answered by a passage about the 河茂铁路, nor a question about one
footballer by a passage about another, however close their wording. The names are the question's proper
nouns (part of speech) and titles in book-title or corner brackets. Names are checked only against
passages in the question's own language: a Japanese question writes 欧州 or フィンランド where a Chinese
article writes 欧洲 or 芬兰. A Latin name in a CJK question (Ulvila, China SAE) is the reader's spelling,
which the article may give in its own script, so it is not required either; but a Latin name the
corpus glossary maps to the articles' own characters (Wuxi → 无锡) is: the glossary only maps names the
corpus holds, and an English question about the Shandong meeting is not answered from the Wuxi article.
"""
from __future__ import annotations

import re

from .asked import HAN_ASKING
from .language import HAN, KATAKANA, has_kana, han_count
from .lexical import fold, person_names, proper_nouns

_QUOTED = re.compile(r"《([^《》]{2,40})》|「([^「」]{2,40})」|『([^『』]{2,40})』")
_LATIN = re.compile(r"[A-Za-z]")
# a name's parts: 莱昂德罗·内托 by its dots; a title by its inner quotes, which the article may write
# otherwise (《瑞安市「科创中国」…方案》 in the question, 《瑞安市"科创中国"…方案》 in the article)
_PARTS = re.compile(r"[·・･\s「」『』“”‘’\"'〈〉()（）]+")


def question_names(question: str) -> list[str]:
    """The names a Chinese or Japanese question gives (folded); none for a question in Latin script,
    whose names the Chinese or Japanese passages write another way."""
    if not han_count(question) and not has_kana(question):
        return []
    names = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(question)]
    names += proper_nouns(_QUOTED.sub(" ", question))
    out = []
    for name in names:
        for part in _PARTS.split(fold(name)):  # 莱昂德罗·内托: each part on its own
            if len(part) >= 2 and part not in out and not _LATIN.search(part):
                out.append(part)
    return out


def names_stated(question: str, passages: list[str], names: list[str] | None = None,
                 mapped: list[str] = ()) -> bool:
    """Every name the question gives stands (folded) in those passages written in the question's
    language (Japanese: with kana; Chinese: without); true when none is, as nothing can be checked.

    mapped: the Chinese forms of the Latin names the question gives (Wuxi → 无锡), as the corpus glossary
    found them (retrieval.crosslingual): only a name the corpus holds is mapped, so it must stand in the
    Chinese passages cited, as a Chinese question's own names must."""
    names = question_names(question) if names is None else names
    return _stated(names, passages, has_kana(question)) and _stated([fold(m) for m in mapped], passages, False) \
        and _people_stated(question, passages)


def _people_stated(question: str, passages: list[str]) -> bool:
    """The people a Chinese question names stand in the passages whatever their language: a Japanese
    article writes a Chinese name in the same characters (宋軍継 folds to 宋军继), so a question about what
    李家超 said is not answered from an article that never names him."""
    if has_kana(question) or not passages:
        return True
    text = fold("\n".join(passages))
    return all(name in text for name in person_names(question))


def _stated(names: list[str], passages: list[str], japanese: bool) -> bool:
    same = [p for p in passages if has_kana(p) == japanese]
    if not names or not same:
        return True
    text = fold("\n".join(same))
    return all(name in text for name in names)


_HAN_WORD = re.compile(f"[{HAN}]")
_KATAKANA_WORD = re.compile(f"[{KATAKANA}]{{3,}}")
_ASKING = re.compile(HAN_ASKING)


def rare_words(question: str) -> tuple[list[str], list[str]]:
    """The question's words that only a text about its subject would hold (folded): (words in Han
    characters, katakana words). Han: a Chinese question's proper nouns and the words jieba's dictionary
    lacks (大莱龙, 舜天: names it does not know); a Japanese question's proper nouns (Sudachi). Katakana:
    a Japanese question's words of three or more (シベリア, ジェット). A question holding one that no
    indexed passage holds is about something the articles do not cover: in CMRC 2018 and JSQuAD runs no
    answerable question had one, while 67 and 42 of 100 with their passages left out did (docs/answers.md)."""
    if has_kana(question):
        katakana = list(dict.fromkeys(fold(w) for w in _KATAKANA_WORD.findall(question)))
        return [w for w in proper_nouns(question) if _HAN_WORD.search(w) and not _ASKING.search(w)], katakana
    if not han_count(question):
        return [], []
    from .lexical import unknown_or_proper

    return [w for w in unknown_or_proper(question) if not _ASKING.search(w)], []

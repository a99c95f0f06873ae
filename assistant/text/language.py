"""Which script and language a text is in, and conversion between Chinese scripts (OpenCC).

The one home of the CJK character classes: every module that asks "is this Han?" or "is this kana?"
builds its pattern from the class strings here.
"""
from __future__ import annotations

import functools
import re
import threading
from collections import Counter

# CJK Unified Ideographs Extension A, CJK Unified Ideographs, CJK Compatibility Ideographs
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# the letters of each syllabary with their iteration marks (ゝゞゟ, ヽヾヿ) and the prolonged sound mark ー;
# not the middle dot ・ (Chinese uses it between the parts of a transliterated name) nor ゛゜
HIRAGANA = "\u3041-\u3096\u309d-\u309f"
KATAKANA = "\u30a1-\u30fa\u30fc-\u30ff"
KANA = HIRAGANA + KATAKANA
# the characters Chinese and Japanese words are written in: Han, kana, 々 (iteration) and 〇 (zero)
CJK = HAN + "\u3005\u3007" + KANA

_HAN_RE = re.compile(f"[{HAN}]")
_HAN_RUN = re.compile(f"[{HAN}]+")
_KANA_RE = re.compile(f"[{KANA}]")
_LATIN = re.compile(r"[A-Za-z]")
_LOCK = threading.Lock()

# code: (English name, the language's own name)
LANGUAGES = {
    "en": ("English", "English"),
    "zh-Hans": ("Simplified Chinese", "简体中文"),
    "zh-Hant": ("Traditional Chinese", "繁體中文"),
    "ja": ("Japanese", "日本語"),
}
# what a prompt calls the language ("Simplified Chinese (简体中文)"), and what the UI shows ("简体中文")
LANG_NAMES = {code: en if en == own else f"{en} ({own})" for code, (en, own) in LANGUAGES.items()}
LANG_LABELS = {code: own for code, (_, own) in LANGUAGES.items()}


@functools.lru_cache(maxsize=None)
def _converter(config: str):
    from opencc import OpenCC

    return OpenCC(config)


def convert(text: str, config: str) -> str:
    """OpenCC conversion ('t2s', 's2t', 's2tw', ...); the converter is shared, so guard it."""
    with _LOCK:
        return _converter(config).convert(text)


def to_simplified(text: str) -> str:
    return convert(text, "t2s")


def to_traditional(text: str) -> str:
    return convert(text, "s2t")


def other_script(text: str) -> str:
    """A Chinese text in the other Chinese script (Traditional → Simplified, Simplified → Traditional), or ""
    when it is not Chinese (Japanese kanji are not converted) or reads the same in both."""
    lang = detect_lang(text)
    if not lang.startswith("zh"):
        return ""
    other = to_simplified(text) if lang == "zh-Hant" else to_traditional(text)
    return other if other != text else ""


def _in_japanese(ch: str) -> bool:
    """Whether Japanese text can hold the character: it is in Japan's character set (JIS X 0208 and
    Microsoft's extensions, as cp932 encodes them). 华, 书, 职 are not; 里, 干, 周 are, whatever they mean."""
    try:
        ch.encode("cp932")
        return True
    except UnicodeEncodeError:
        return False


@functools.lru_cache(maxsize=4096)
def _japanese_form(ch: str) -> str:
    form = convert(convert(ch, "s2t"), "t2jp")
    return form if len(form) == 1 and _in_japanese(form) else ch


def to_japanese_kanji(text: str) -> str:
    """A Japanese answer's Simplified Chinese characters (copied from a Chinese article) in their Japanese
    form: 华鲁グループの党员 → 華魯グループの党員. Only characters Japanese text cannot hold are touched,
    one by one: converting whole words (s2t, t2jp) rewrites real Japanese (袴田里見 → 袴田裏見, 周年 → 週年)."""
    return "".join(_japanese_form(ch) if _HAN_RE.match(ch) and not _in_japanese(ch) else ch for ch in text)


def has_kana(text: str) -> bool:
    """Kana anywhere: Chinese text never uses it."""
    return _KANA_RE.search(text) is not None


def has_han(text: str) -> bool:
    return _HAN_RE.search(text) is not None


def han_count(text: str) -> int:
    """How many Han characters (CJK ideographs, compatibility ones included) the text holds."""
    return len(_HAN_RE.findall(text))


def detect_lang(text: str, default: str = "en") -> str:
    """en, ja, zh-Hans or zh-Hant of a short text (a question, an answer's sentence, a snippet): kana means
    Japanese; any Han character makes it Chinese, its characters deciding the script; Latin letters
    alone English; default when it has none of these."""
    return _language(text, default, latin_per_han=None)


def article_lang(text: str) -> str:
    """ja, zh-Hans, zh-Hant or en of a whole article, "" when it has no letters: as detect_lang, except
    that Latin letters outnumbering the Han characters three to one make it English (an English article
    quoting Chinese names is not Chinese)."""
    return _language(text, "", latin_per_han=3)


def lang_family(text: str) -> str:
    """The language with both Chinese scripts as one, "zh" (texts compared script-folded)."""
    return family_of(detect_lang(text))


def family_of(lang: str) -> str:
    """A language code's family: zh-Hans and zh-Hant are "zh"."""
    return "zh" if lang.startswith("zh") else lang


def _language(text: str, default: str, latin_per_han: int | None) -> str:
    # counted per distinct character: a 5 MB article is not looked at a character at a time in Python
    counts = Counter(text)
    kana = sum(n for c, n in counts.items() if _KANA_RE.match(c))
    han = sum(n for c, n in counts.items() if _HAN_RE.match(c))
    latin = sum(n for c, n in counts.items() if c.isascii() and c.isalpha())
    if kana and kana * 10 >= han:  # a few kana amid much Chinese are quotes, not Japanese
        return "ja"
    if not han or (latin_per_han is not None and latin > latin_per_han * han):
        return "en" if latin else default
    return _chinese_script(text, "ja" if kana else "zh-Hans")


def _chinese_script(text: str, neither: str) -> str:
    """zh-Hant when more of the text's Han characters change in Traditional → Simplified than the other
    way round; zh-Hans when fewer; `neither` when no character changes either way. The Han characters are
    converted in a row, so that OpenCC's phrases decide (著 stays 著 in 著名)."""
    chars = "".join(_HAN_RUN.findall(text))
    n_trad_only = sum(map(str.__ne__, chars, to_simplified(chars)))  # characters that change to Simplified
    n_simp_only = sum(map(str.__ne__, chars, to_traditional(chars)))
    if n_trad_only > n_simp_only:
        return "zh-Hant"
    if n_simp_only == 0 and n_trad_only == 0:
        return neither
    return "zh-Hans"


# words that only an English sentence frame brings: a Chinese question quoting an English name
# ("Satakunta University of Applied Sciences在哪里?") has at most one of them
_EN_FRAME = re.compile(r"\b(?:the|of|in|on|at|to|and|what|which|who|whom|whose|where|when|why|how|is|are|"
                       r"was|were|did|does|do|has|have|many|much)\b", re.I)


def question_lang(question: str) -> str:
    """The language to answer a question in: detect_lang, except that an English question quoting a
    Chinese name ("Who chaired the 2019中芬合作平台高层会谈?", "Where is 無錫?") is English, not Chinese."""
    lang = detect_lang(question)
    if lang.startswith("zh") and len(_EN_FRAME.findall(_HAN_RE.sub(" ", question))) >= 2:
        return "en"
    return lang


def match_script(text: str, lang: str) -> str:
    """Make Chinese output use the question's script (a small model drifts between them, and copies
    Japanese kanji from a Japanese article), and Japanese output Japanese kanji where it copied Simplified
    Chinese ones."""
    if lang.startswith("zh"):  # Japanese kanji a Chinese answer copied from a Japanese article (広, 継) too
        from .lexical import simplified_kanji  # lexical imports this module

        text = simplified_kanji(text)
        return to_traditional(text) if lang == "zh-Hant" else to_simplified(text)
    if lang == "ja":
        return to_japanese_kanji(text)
    return text

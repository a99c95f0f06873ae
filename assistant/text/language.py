"""Which language and script a text is in, and conversion between Chinese scripts (OpenCC)."""
from __future__ import annotations

import functools
import re
import threading

_KANA = re.compile(r"[\u3040-\u309f\u30a0-\u30ff]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_LOCK = threading.Lock()

LANG_NAMES = {
    "en": "English",
    "zh-Hans": "Simplified Chinese (简体中文)",
    "zh-Hant": "Traditional Chinese (繁體中文)",
    "ja": "Japanese (日本語)",
}


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


def has_kana(text: str) -> bool:
    return bool(_KANA.search(text))


def han_count(text: str) -> int:
    """How many Han characters (CJK ideographs, compatibility ones included) the text holds."""
    return len(_HAN.findall(text))


def detect_lang(text: str, default: str = "en") -> str:
    """en, ja, zh-Hans or zh-Hant, by script: kana means Japanese; Han characters decide the Chinese script."""
    kana = len(_KANA.findall(text))
    han = _HAN.findall(text)
    if kana and kana * 10 >= len(han):  # a few kana amid much Chinese are quotes, not Japanese
        return "ja"
    if not han:
        return "en" if _LATIN.search(text) else default
    chars = "".join(han)
    simp, trad = to_simplified(chars), to_traditional(chars)
    n_trad_only = sum(a != b for a, b in zip(chars, simp))  # characters that change to Simplified
    n_simp_only = sum(a != b for a, b in zip(chars, trad))
    if n_trad_only > n_simp_only:
        return "zh-Hant"
    if n_simp_only == 0 and n_trad_only == 0 and kana:
        return "ja"
    return "zh-Hans"


# words that only an English sentence frame brings: a Chinese question quoting an English name
# ("Satakunta University of Applied Sciences在哪里?") has at most one of them
_EN_FRAME = re.compile(r"\b(?:the|of|in|on|at|to|and|what|which|who|whom|whose|where|when|why|how|is|are|"
                       r"was|were|did|does|do|has|have|many|much)\b", re.I)


def question_lang(question: str) -> str:
    """The language to answer a question in: detect_lang, except that an English question quoting a
    Chinese name ("Who chaired the 2019中芬合作平台高层会谈?", "Where is 無錫?") is English, not Chinese."""
    lang = detect_lang(question)
    if lang.startswith("zh") and len(_EN_FRAME.findall(_HAN.sub(" ", question))) >= 2:
        return "en"
    return lang


def match_script(text: str, lang: str) -> str:
    """Make Chinese output use the question's script (a small model drifts between them)."""
    if lang == "zh-Hant":
        return to_traditional(text)
    if lang == "zh-Hans":
        return to_simplified(text)
    return text

"""Numeric values a text states, whatever way it writes them: 1,000 · 千 · 一千 · 4460万 · 15亿 · 1.5 billion.

The citation check asks whether a number in an answer stands in its passage. An English answer says
"1,000 engineers" or "44.6 million yuan" where the Chinese passage says 千名 or 4460万元: the digits
differ, the value does not.
"""
from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_LARGE = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CN_RUN = re.compile("[零〇一二两兩三四五六七八九十百千万萬亿億]+")
_ARABIC = re.compile(r"(\d+(?:\.\d+)?)\s*(万|萬|亿|億|千|百)?")
_ARABIC_EN = re.compile(r"(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion)?\b", re.I)
_EN_SCALE = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def chinese_numeral(run: str) -> float | None:
    """一千二百 → 1200, 千 → 1000, 十五 → 15, 三万 → 30000, 两 → 2; None for what is not a numeral."""
    total, section, digit, seen = 0, 0, None, False
    for ch in run:
        if ch in _DIGITS:
            if digit is not None:  # 二〇二三: digit by digit
                digit = digit * 10 + _DIGITS[ch]
            else:
                digit = _DIGITS[ch]
            seen = True
        elif ch in _SMALL:
            section += (1 if digit is None else digit) * _SMALL[ch]
            digit, seen = None, True
        elif ch in _LARGE:
            section += digit or 0
            total += (section or 1) * _LARGE[ch]
            section, digit, seen = 0, None, True
        else:
            return None
    return float(total + section + (digit or 0)) if seen else None


def stated_values(text: str) -> set[float]:
    """Every value the text states, each number also with its scale word applied (4460万 → 4460 and
    44,600,000). A lone 一 is left out: it is part of too many words (一流, 统一) to count as a value."""
    text = text.replace(",", "")
    out: set[float] = set()
    for m in _ARABIC.finditer(text):
        value = float(m.group(1))
        out.add(value)
        if m.group(2):
            out.add(value * (_LARGE.get(m.group(2)) or _SMALL[m.group(2)]))
    for m in _ARABIC_EN.finditer(text):
        if m.group(2):
            out.add(float(m.group(1)) * _EN_SCALE[m.group(2).lower()])
    for m in _CN_RUN.finditer(text):
        run = m.group()
        if run == "一" or (m.start() and (text[m.start() - 1].isdigit() or text[m.start() - 1] == ".")):
            continue  # a lone 一, or the 万 of 4460万 (already scaled above)
        value = chinese_numeral(run)
        if value is not None:
            out.add(value)
    return {round(v, 6) for v in out}


def answer_values(text: str) -> list[tuple[str, float]]:
    """The numbers an answer states in digits, each with its value (scale words applied):
    "1,000" → 1000, "1.5 billion" → 1.5e9, "4460万" → 4.46e7."""
    text = text.replace(",", "")
    out = []
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion|万|萬|亿|億)?", text, re.I):
        scale = m.group(2)
        factor = (_EN_SCALE.get(scale.lower()) or _LARGE.get(scale)) if scale else 1
        out.append((m.group(1), round(float(m.group(1)) * factor, 6)))
    return out


# the measure words a count is written with in Chinese (千名, 三十家, 20余个)
MEASURE_WORDS = "名个個家项項人位次场場届屆天所条條台件种種批元户戶多余餘座支只隻部间間亩畝"
_COUNTED = rf"\s*[{MEASURE_WORDS}]"
# a share or a score: a number with a per-cent sign after it, or one of two numbers a dash, colon or 比 joins
# (20–18, 3:2, 3比2), the second with no measure word after it (3-5名 is a count): it measures no thing of its
# own, so nothing beside it in a sentence says what it counts
_SHARE_AFTER = re.compile(r"\s*[%％‰]")
_SCORE_AFTER = re.compile(rf"\s*[-–—－:：比]\s*[0-9]+(?:\.[0-9]+)?(?![0-9.]|{_COUNTED})")
_SCORE_BEFORE = re.compile(r"[0-9]\s*[-–—－:：比]\s*$")
_COUNTED_AFTER = re.compile(_COUNTED)


def share_or_score(text: str, start: int, end: int) -> bool:
    """Whether the number at text[start:end] is a share (2.8%) or one side of a score or ratio (20–18)."""
    return bool(_SHARE_AFTER.match(text, end) or _SCORE_AFTER.match(text, end)
                or (_SCORE_BEFORE.search(text[max(0, start - 4):start]) and not _COUNTED_AFTER.match(text, end)))


# a numeral with a unit character, followed by a measure word: 千名, 三十家, 两百多项 (not 万众一心, 百姓)
_GLOSS = re.compile("(?<![0-9.])([零〇一二两兩三四五六七八九十百千万萬亿億]*[十百千万萬亿億][零〇一二两兩三四五六七八九十百千万萬亿億]*)"
                    f"(?=[{MEASURE_WORDS}])")


def _readable(value: float) -> str:
    """Digits a reader takes in at a glance: 1000, 100 million (not 100000000), 1.5 billion."""
    for scale, word in ((1e9, "billion"), (1e6, "million")):
        if value >= scale:
            return f"{value / scale:g} {word}"
    return f"{value:.0f}"


def gloss_numerals(text: str) -> str:
    """Chinese numerals given their digits in brackets for the prompt: 千名 → 千(1000)名, 亿元 →
    亿(100 million)元. A 1.5B model otherwise reaches for a number written in digits nearby, and an
    English answer needs the digits (copied as they are: "100000000 yuan" is unreadable)."""
    def gloss(m: re.Match) -> str:
        value = chinese_numeral(m.group(1))
        return f"{m.group(1)}({_readable(value)})" if value and value >= 10 else m.group(1)

    return _GLOSS.sub(gloss, text)

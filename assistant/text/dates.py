"""Years and calendar dates as the other layers compare them. No I/O."""
from __future__ import annotations

import re

# a year of the last and this century, not part of a longer number: 2019中芬合作平台, 2022年, 2023-06-02
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_YMD = re.compile(r"\s*(\d{4})(?:[-/.]?(\d{1,2})(?:[-/.]?(\d{1,2}))?)?")


def ymd(iso: str) -> int:
    """'2019-05-20' → 20190520, a number Chroma can filter a range on; a month or a year alone counts from
    its first day ('2019-05' → 20190501, '2019' → 20190101); 0 when the text does not start with a year."""
    m = _YMD.match(str(iso))
    if not m:
        return 0
    year, month, day = m.groups()
    return int(year) * 10000 + int(month or 1) * 100 + int(day or 1)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
# a Chinese or Japanese calendar date as an English answer copies it: 2023年4月19日, 4月19日至21日, 6月2日-9日,
# 3月25日, 2021年8月 (月 and 日 between digits, 年 after four)
_CJK_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号號])?"
                       r"(?:\s*(?:至|到|-|－|–|~|～|から)\s*(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*[日号號](?:まで)?)?")
_CJK_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年(?![度代])")


def english_dates(text: str) -> str:
    """Dates written the Chinese way inside English text, written the English way: "3月25日" → "March 25",
    "4月19日至21日" → "April 19–21", "2021年8月" → "August 2021", "2019年" → "2019". An English answer that
    copies a passage's date must not leave 月 and 日 for the name romaniser ("3Yue (月)25Ri (日)")."""
    def date(m: re.Match) -> str:
        year, month, day, month2, day2 = m.groups()
        if not 1 <= int(month) <= 12:
            return m.group()
        out = _MONTHS[int(month) - 1]
        if day:
            out += f" {int(day)}"
            if day2:
                out += "–" + (f"{_MONTHS[int(month2) - 1]} " if month2 and 1 <= int(month2) <= 12 else "") + str(int(day2))
        return f"{out}, {year}" if year and day else f"{out} {year}" if year else out

    return _CJK_YEAR.sub(r"\1", _CJK_DATE.sub(date, text))


def drop_years(text: str, years: set[str]) -> str:
    """The text without these years and the words that attach them: "April 19–21, 2021" → "April 19–21",
    "in 2021" → "", "2021年4月" → "4月". A 1.5B model adds the year it expects to a date its passage gives
    without one; the date is still the passage's."""
    for year in years:
        text = re.sub(rf"(?:,\s*|\s*\b(?:[Ii]n|[Oo]f|[Bb]y|[Ss]ince)\s+|\s*\(\s*)?(?<!\d){year}(?!\d)(?:\s*\))?"
                      r"(?:\s*年)?", "", text)
    text = re.sub(r"(^|[.!?。]\s*),\s*", r"\1", text)  # "By 2021, it had…" lost its first words
    return re.sub(r"(?<=\S) {2,}", " ", text)


# The months a question asks about: a month (3月, 三月, in March), a range of them (3月至5月, from March to
# May) or a season of the northern hemisphere (春季, spring, 春に). A day after the month (5月20日) makes it a
# date, which the passages must state as a number (answering.citations.states_premise), not a month.
_CJK_MONTH_NUMERALS = {n: i for i, n in enumerate(("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"), 1)}
_CJK_MONTH = r"(1[0-2]|0?[1-9]|十[一二]|[一二三四五六七八九十])\s*月(?!\s*(?:\d|[一二三四五六七八九十]+\s*[日号號]))(?:份)?"
_MONTH_NAMES = "|".join(_MONTHS)
_EN_MONTH = rf"\b({_MONTH_NAMES})\b(?!\s+\d)"
_TO = r"\s*(?:至|到|~|～|-|－|–|—|から|\s+to\s+|\s+and\s+|\s+through\s+|\s+until\s+)\s*"
_MONTH_RANGE = re.compile(rf"(?:\b(?:from|between)\s+)?(?:{_CJK_MONTH}|{_EN_MONTH}){_TO}(?:{_CJK_MONTH}|{_EN_MONTH})")
# an English month name alone only where it reads as a time (in May, during March): "May" is also a verb
_ONE_MONTH = re.compile(rf"{_CJK_MONTH}|\b(?:in|during|of|since|before|after|by)\s+(?:early\s+|late\s+|mid-?)?"
                        rf"{_EN_MONTH}", re.I)
_SEASONS = ((r"春季|春天|\bspring(?:time)?\b|春(?=に|の|頃|ごろ|先)", (3, 4, 5)),
            (r"夏季|夏天|\bsummer\b|夏(?=に|の|頃|ごろ)", (6, 7, 8)),
            (r"秋季|秋天|\bautumn\b|\bin\s+(?:the\s+)?fall\b|秋(?=に|の|頃|ごろ)", (9, 10, 11)),
            (r"冬季|冬天|\bwinter\b|冬(?=に|の|頃|ごろ)", (12, 1, 2)))
_SEASON = [(re.compile(p, re.I), months) for p, months in _SEASONS]


def month_span(first: int, last: int) -> set[int]:
    """The months from first to last, wrapping past December (11, 2 → 11, 12, 1, 2)."""
    return {(first - 1 + i) % 12 + 1 for i in range((last - first) % 12 + 1)}


def _month(cjk: str | None, english: str | None) -> int:
    if english:
        return _MONTHS.index(english.capitalize()) + 1
    return int(cjk) if cjk.isdigit() else _CJK_MONTH_NUMERALS[cjk]


def asked_months(question: str) -> set[int]:
    """The months of the year a question asks about (3月至5月, in spring, 三月) as numbers; empty when it
    names none. A range past December wraps (11月至2月: 11, 12, 1, 2)."""
    months: set[int] = set()

    def take_range(m: re.Match) -> str:
        months.update(month_span(_month(m.group(1), m.group(2)), _month(m.group(3), m.group(4))))
        return " "
    rest = _MONTH_RANGE.sub(take_range, question)
    months.update(_month(m.group(1), m.group(2) and m.group(2).capitalize()) for m in _ONE_MONTH.finditer(rest))
    for pattern, season in _SEASON:
        if pattern.search(question):
            months.update(season)
    return months


def without_months(question: str) -> str:
    """The question without the months and seasons it asks about (they name no event or thing)."""
    question = _ONE_MONTH.sub(" ", _MONTH_RANGE.sub(" ", question))
    for pattern, _ in _SEASON:
        question = pattern.sub(" ", question)
    return question


def stated_months(text: str) -> set[int]:
    """The months of the Chinese or Japanese dates a text states (4月19日至21日 → 4; 5月30日至6月2日 → 5, 6)."""
    months: set[int] = set()
    for m in _CJK_DATE.finditer(text):
        first = int(m.group(2))
        last = int(m.group(4)) if m.group(4) else first
        if 1 <= first <= 12 and 1 <= last <= 12:
            months.update(month_span(first, last))
    return months

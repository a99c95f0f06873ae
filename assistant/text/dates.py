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

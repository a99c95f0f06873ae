"""Article metadata by rules, left empty rather than guessed: title, dates, place, outlet, language."""
from __future__ import annotations

import re
from datetime import date

from ..text.dates import YEAR
from ..text.language import HAN as _HAN, article_lang
from ..text.segment import SEMICOLONS, STOPS, clauses, sentence_spans, sentences

_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:\s*(?:至|到|-|–|—|~|～)\s*(?:(\d{1,2})月)?(\d{1,2})日)?")
# "中新網溫州11月14日電(記者 范宇斌)": outlet, city, day of the wire story, reporter.
_DATELINE = re.compile(rf"^([{_HAN}]{{1,5}}?[网網社报報])([{_HAN}]{{2,4}}?)(\d{{1,2}})月(\d{{1,2}})日[电電](?:\([^)]{{0,20}}\))?")
_PUBLISHED = (
    re.compile(r"(?:发布时间|發布時間|發佈時間|发布日期|發布日期|发表时间|發表時間)[:：]\s*(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})"),
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T]\d{1,2}:\d{2}", re.M),
)
_OUTLET = re.compile(r"(?:来源|來源|ソース|出典)[:：][ \t]*([^\s:：\]]{2,20})(?=\s|$)", re.M)
# An edition's year written before the event's name, "2019中芬合作平台": not a count ("2000项").
_EDITION_YEAR = re.compile(rf"{YEAR.pattern}(?=[{_HAN}])(?![年项項名家个個万萬亿億元人余餘多件台臺])")
_PLACES = (
    re.compile(r"在([^\s,，。、;；:：在由]{2,24}?)(?:隆重)?(?:举行|舉行|召开|召開|开幕|開幕|举办|舉辦)"),
    re.compile(r"が([^\s、。がはを]{2,24}?)で(?:開催|開幕|行われ|開かれ)"),
    re.compile(r"赴([^\s,，。;；]{2,24}?)等地"),
)
_TITLE_MAX = 80


def extract_metadata(raw: str, text: str) -> dict:
    """title, published, event_dates, place, outlet, lang of one article (raw: before cleaning)."""
    title = _title(text)
    lead = _lead(text, title)
    dateline = _DATELINE.match(text)
    year = _year(lead, title, "", text)
    published = _published(raw) or (_iso(year, dateline.group(3), dateline.group(4)) if dateline else "")
    outlet = m.group(1) if (m := _OUTLET.search(raw)) else (dateline.group(1) if dateline else "")
    return {"title": title, "published": published, "event_dates": _event_dates(lead, title, published, text),
            "place": _place(lead, title), "outlet": outlet, "lang": article_lang(text)}


def _title(text: str) -> str:
    """The first line when it reads as a heading, else a name in 《》 or the event clause of the lead."""
    first = text.split("\n", 1)[0]
    if first and len(first) <= _TITLE_MAX and not any(c in first for c in STOPS + SEMICOLONS):
        return first
    lead = _lead(text, "")
    if named := re.search(r"《([^》]{2,40})》", lead):
        return named.group(1)
    date_match = _DATE.search(lead)
    if date_match:
        clause = next(iter(clauses(lead[date_match.end():].lstrip(",，、 "))), "")
        if 8 <= len(clause) <= _TITLE_MAX:
            return clause
    return ""


def _lead(text: str, title: str) -> str:
    """The first sentence that dates the event, without the wire dateline in front of it."""
    for line in text.split("\n"):
        if line == title:
            continue
        line = _DATELINE.sub("", line)
        for sentence in sentences(line, semicolons=False):
            if _DATE.search(sentence):
                return sentence
    return ""


def event_date_span(text: str, title: str) -> tuple[int, int, str] | None:
    """Where the article dates its event: the offsets of the lead sentence (the first that states a date,
    the title's line aside) and the date as it writes it ("4月19日至21日"); None when no sentence dates it.
    The event record cites it, and keeps a date whose year the article does not state."""
    skip = len(title) if title and text.startswith(title) else 0
    for start, end in sentence_spans(text, semicolons=False):
        if start < skip:
            continue
        if m := _DATE.search(text, start, end):
            return start, end, m.group().strip()
    return None


def _year(lead: str, title: str, published: str, text: str) -> str:
    """The event's year: from the title, the publication or the lead; "" when none of them states it."""
    if m := _EDITION_YEAR.search(title):
        return m.group(1)
    if published:
        return published[:4]
    if m := _EDITION_YEAR.search(lead):
        return m.group(1)
    return ""


def _published(raw: str) -> str:
    for pattern in _PUBLISHED:
        if m := pattern.search(raw):
            return _iso(*m.groups())
    return ""


def _event_dates(lead: str, title: str, published: str, text: str) -> tuple[str, ...]:
    """ISO date of the lead's event; a span as an ISO interval, "2023-06-02/2023-06-09"."""
    m = _DATE.search(lead)
    if not m:
        return ()
    year = m.group(1) or _year(lead, title, published, text)
    start = _iso(year, m.group(2), m.group(3))
    if start and published and not m.group(1) and start > published and year == published[:4]:
        year = str(int(year) - 1)  # a January story about December: the year before publication
        start = _iso(year, m.group(2), m.group(3))
    if not start:
        return ()
    end = _iso(year, m.group(4) or m.group(2), m.group(5)) if m.group(5) else ""
    return (f"{start}/{end}",) if end and end > start else (start,)


def _place(lead: str, title: str) -> str:
    for source in (lead, title):
        for pattern in _PLACES:
            if m := pattern.search(source):
                return m.group(1)
    return ""


def _iso(year: str, month: str, day: str) -> str:
    try:
        return date(int(year), int(month), int(day)).isoformat() if year else ""
    except ValueError:
        return ""

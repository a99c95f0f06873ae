"""Sentences and clauses of Chinese, Japanese and English text, with offsets into the text; the [n]
citation markers an answer's sentences carry. No I/O.

One rule for where a sentence ends, one for where a clause ends; what differs between callers (whether a
semicolon ends a sentence, whether the enumeration comma 、 or a colon ends a clause) is a parameter.
"""
from __future__ import annotations

import functools
import re
from typing import Callable

STOPS = "。！？!?"  # end a sentence
SEMICOLONS = "；;"  # end a sentence where short units are wanted (chunks, evidence, answers), else a clause
CLOSERS = "”’」』）)》〉】\"'"  # closing quotes and brackets stay with the sentence they close
CLAUSE_MARKS = "，,；;"  # end a clause (an ASCII comma only outside a number: 1,000)
LIST_COMMA = "、"  # between the items of a list: a clause end where the caller asks for it
COLONS = "：:"  # between a label and what it introduces: a clause end where the caller asks for it (not 10:30)
# a citation marker as a model writes it: [2], 【2】, ［2］, [ 2 ]
MARKER = re.compile(r"[\[【［]\s*(\d{1,3})\s*[\]】］]")
_SPACED_MARKER = re.compile(r"\s*" + MARKER.pattern)

_CLOSE = f"[{re.escape(CLOSERS)}]*"
_TRAILING_MARKERS = rf"(?:[ \t]*{MARKER.pattern})*"
# an ASCII period ends a sentence before white space, the end or a marker: not a decimal point (3.5),
# not inside a name (example.com), not the "1." that opens a list item, not after an initial (R. d.
# duvauceli, U.S.) or a title (St. Paul, Dr. Wang), not an ellipsis (Trust... the Seer)
_ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "St", "Mt", "Prof", "Jr", "Sr", "No", "vs", "etc")
_PERIOD = (r"(?<!^\d)(?<!^\d\d)(?<!\b[A-Za-z])" + "".join(rf"(?<!\b{a})" for a in _ABBREVIATIONS)
           + rf"(?<!\.)\.(?={_CLOSE}(?:\s|$|[ \t]*{MARKER.pattern}))")


@functools.lru_cache(maxsize=None)
def _sentence_end(semicolons: bool) -> re.Pattern:
    stops = re.escape(STOPS + (SEMICOLONS if semicolons else ""))
    return re.compile(rf"(?:[{stops}]+|{_PERIOD}){_CLOSE}{_TRAILING_MARKERS}|\n", re.M)


@functools.lru_cache(maxsize=None)
def _clause_end(lists: bool, colons: bool) -> re.Pattern:
    marks = CLAUSE_MARKS + (LIST_COMMA if lists else "") + (COLONS if colons else "")
    wide = re.escape("".join(c for c in marks if c not in ",:"))
    ascii_marks = re.escape("".join(c for c in marks if c in ",:"))  # only outside a number: 1,000, 10:30
    return re.compile(rf"[{wide}]{_CLOSE}|(?<!\d)[{ascii_marks}]|[{ascii_marks}](?!\d)")


def sentence_cuts(text: str, semicolons: bool = True) -> list[int]:
    """The offset just after each sentence end: a run of stops with the closing quotes, brackets and
    [n] markers after it, an ASCII period that ends a sentence, or a line break."""
    return [m.end() for m in _sentence_end(semicolons).finditer(text)]


def sentence_pieces(text: str, semicolons: bool = True) -> list[str]:
    """The text cut after each sentence end: the pieces, white space and all, join back into the text."""
    bounds = [0, *sentence_cuts(text, semicolons), len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def sentence_spans(text: str, semicolons: bool = True) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence in text, without the white space around it."""
    return _spans(text, sentence_cuts(text, semicolons))


def sentences(text: str, semicolons: bool = True) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text, semicolons)]


def clause_spans(text: str, lists: bool = False, colons: bool = False) -> list[tuple[int, int]]:
    """(start, end) offsets of each clause, without white space: a clause ends where a sentence does and
    after a comma or semicolon; with lists, after the enumeration comma 、 too; with colons, after a colon."""
    cuts = sentence_cuts(text) + [m.end() for m in _clause_end(lists, colons).finditer(text)]
    return _spans(text, sorted(set(cuts)))


def clauses(text: str, lists: bool = False, colons: bool = False) -> list[str]:
    """The words of each clause, without the punctuation that ends it."""
    ends = STOPS + SEMICOLONS + CLAUSE_MARKS + (LIST_COMMA if lists else "") + (COLONS if colons else "")
    return [c for a, b in clause_spans(text, lists, colons) if (c := text[a:b].rstrip(ends).rstrip())]


def _spans(text: str, cuts: list[int]) -> list[tuple[int, int]]:
    bounds = [0, *cuts, len(text)]
    out = []
    for start, end in zip(bounds, bounds[1:]):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append((start, end))
    return out


def strip_markers(text: str) -> str:
    """The text without its [n] markers and the white space before each."""
    return _SPACED_MARKER.sub("", text)


def marker_numbers(text: str) -> list[int]:
    return [int(n) for n in MARKER.findall(text)]


def keep_markers(text: str, keep: Callable[[int], bool]) -> str:
    """The text with only the markers keep() accepts (a dropped one takes the white space before it)."""
    return _renumbered(text, lambda n: n if keep(n) else None)


def has_marker(text: str) -> bool:
    return MARKER.search(text) is not None


def map_markers(text: str, numbers: dict[int, int]) -> str:
    """The text with each [n] marker renumbered by numbers (one missing from it goes, with the white space
    before it)."""
    return _renumbered(text, numbers.get)


def _renumbered(text: str, number: Callable[[int], int | None]) -> str:
    """Each marker [n] as [number(n)], written as it was (its white space and brackets); gone, with the white
    space before it, where number(n) is None."""
    def renumber(m: re.Match) -> str:
        n = number(int(m.group(1)))
        return "" if n is None else m.group()[:m.start(1) - m.start()] + str(n) + m.group()[m.end(1) - m.start():]
    return _SPACED_MARKER.sub(renumber, text)

"""Bytes to text: BOMs, strict UTF-8, then detection for GB18030/Big5/Shift-JIS; repair of mis-decoded runs."""
from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter

from charset_normalizer import from_bytes

from ..errors import InputError
from ..text.language import HAN

# UTF-32 first: its little-endian BOM begins with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# What the detector may choose from: a narrow list keeps short CJK files from being read as Korean.
_CANDIDATES = ["utf_8", "gb18030", "big5", "cp932", "euc_jp", "cp1252"]
# Tried in this order when the detector gives nothing, but only for files too short to detect
# reliably; a longer file it cannot place is reported as undecodable.
_LEGACY = ("gb18030", "big5", "cp932", "euc_jp")
_SHORT = 200
_MAX_CHAOS = 0.2
_HAN = re.compile(f"[{HAN}]")
_MARK = re.compile(f"(?<=[{HAN}])[?\ufffd]")
_MIN_RUN = 4


def decode_bytes(data: bytes, name: str, hint: str = "") -> str:
    """The file's text; InputError naming the file when it is empty, binary or undecodable."""
    if not data.strip():
        raise InputError(f"{name}: the file is empty; put the article's text in it or remove it")
    bom = next((encoding for mark, encoding in _BOMS if data.startswith(mark)), "")
    if not bom and b"\x00" in data:
        raise InputError(f"{name}: has NUL bytes, so it is binary or UTF-16/32 without a byte-order mark; "
                         "save the article as UTF-8 text")
    text = _strict(data, bom) if bom else _decode(data, hint)
    if text is None:
        raise InputError(f"{name}: cannot tell the file's text encoding; save it as UTF-8 and ingest again")
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    if controls > len(text) / 100:
        raise InputError(_binary(name))
    if not text.strip():
        raise InputError(f"{name}: the file holds only blank text; put the article's text in it or remove it")
    return text


def _binary(name: str) -> str:
    return f"{name}: looks like a binary file, not an article; remove it or export its text"


def _decode(data: bytes, hint: str) -> str | None:
    for encoding in ("utf-8", hint):
        if encoding and (text := _strict(data, encoding)) is not None:
            return text
    if (text := _detected(data)) is not None or len(data) >= _SHORT:
        return text
    return next((t for e in _LEGACY if (t := _strict(data, e)) is not None), None)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _detected(data: bytes) -> str | None:
    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is None or best.chaos > _MAX_CHAOS:
        return None
    return str(best)


def repair_mojibake(text: str) -> tuple[str, int, list[str]]:
    """Re-decode runs of garbage that follow a lost-byte "?" after a hanzi: (text, runs repaired, suspects).

    A run is the "?" plus the characters after it that occur nowhere else in the article (and ASCII);
    it needs at least four such hanzi, so a real question mark before ordinary words is left alone.
    A run no re-decoding explains is left in place and returned as a suspect: dropping it could drop
    real words, since in a short article most characters occur only once.
    """
    counts = Counter(text)
    out, pos, repaired, suspects = [], 0, 0, []
    for mark in _MARK.finditer(text):
        end = _run_end(text, mark.end(), counts)
        if mark.start() < pos or len(_HAN.findall(text[mark.end():end])) < _MIN_RUN:
            continue
        fixed = _recover(text[mark.end():end], counts)
        if fixed is None:
            suspects.append(text[mark.start():end])
            continue
        out += [text[pos:mark.start()], fixed]
        pos, repaired = end, repaired + 1
    return "".join(out) + text[pos:], repaired, suspects


def _run_end(text: str, start: int, counts: Counter) -> int:
    seen: Counter = Counter()
    end = start
    while end < len(text) and not text[end].isspace():
        ch = text[end]
        seen[ch] += 1
        if not ch.isascii() and counts[ch] > seen[ch]:
            break  # a character the article uses elsewhere: real text again
        end += 1
    return end


def _recover(run: str, counts: Counter) -> str | None:
    """Best guess at the run's original text, or None when no re-decoding gives known characters.

    Two ways text gets garbled this way: UTF-8 bytes read as GBK (re-encode, decode as UTF-8), and a
    GBK stream read one byte out of step (re-encode, decode from the second byte). ASCII punctuation
    in the run is taken back to full width first, as the article's punctuation was width-folded.
    """
    outside = counts - Counter(run)
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and not c.isalnum() else c for c in run)
    candidates = []
    for source in (run, wide):
        data = source.encode("gb18030")
        candidates += [_strict(data, "utf-8"), _strict(data[1:], "gb18030")]
    scored = [(_known_share(c, outside), c) for c in candidates if c]
    share, best = max(scored, default=(0.0, ""))
    if share < 0.6:
        return None
    # Bytes lost before the run leave odd letters or symbols in the re-decoded text: keep only hanzi,
    # kana and CJK punctuation.
    return "".join(c for c in best if _HAN.match(c) or unicodedata.category(c).startswith(("Lo", "P")))


def _known_share(candidate: str, counts: Counter) -> float:
    han = _HAN.findall(candidate)
    return sum(1 for c in han if counts[c]) / len(han) if len(han) >= 2 else 0.0

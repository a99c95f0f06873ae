"""Turn an article's raw text into clean text: pinyin, page furniture, teasers, duplicated leads, mojibake."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .decoding import repair_mojibake
from ..text.language import HAN as _HAN
from ..text.segment import STOPS as _SENT_END

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# Pinyin glosses follow the character they annotate: 網(wǎng). A gloss is Latin letters only, one or
# more syllables, at least one with a tone mark, so (Sensitec Gmbh) or (記者 范宇斌) never match.
_PINYIN = re.compile(
    rf"(?<=[{_HAN}])[(（]\s*(?=[a-zü{_TONED}'’ ]*[{_TONED}])[a-zü{_TONED}'’]+(?: [a-zü{_TONED}'’]+)*\s*[)）]",
    re.IGNORECASE,
)
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
# Whole lines that are site chrome, not article: login links, share bars, reaction buttons,
# sidebars, CMS toolbars and date stamps, source/editor lines (read as metadata before this).
_FURNITURE = re.compile(
    r"(?:注册|註冊|登录|登錄|注册\s*登录)"
    r"|分享到[:：]?.*|.*分かち合う[:：]?"
    r"|(?:[•·*\-]\s*)?(?:好文|钦佩|欽佩|喜欢|喜歡|泪奔|淚奔|可爱|可愛|思考)"
    r"|热点推荐|熱點推薦|热点聚焦|熱點聚焦|凤凰新闻\s*天天有料|图片关键词|圖片關鍵詞"
    r"|Powered by .*|.*文字大小[:：]\s*\[.*"
    r"|\[?\s*(?:责任编辑|責任編輯)[:：][^\]]*\]?"
    r"|(?:来源|來源|ソース|出典)[:：]\s*\S{0,30}"
    r"|(?:发布时间|發布時間|發佈時間|发布日期|發布日期)[:：].*"
    r"|\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\s.*)?",
    re.IGNORECASE,
)
_FURNITURE_MAX = 80  # chrome lines are short; a long line is article text whatever it starts with
# Sites append "related headlines" after the keyword line; it ends the article.
_TAIL_MARK = re.compile(r"(?:關鍵詞|关键词|關鍵字|关键字)[:：]")
_MIN_BODY = 200
_SOFT_END = ",，、"


@dataclass
class CleanStats:
    """What clean_text did to one article, for cleaning_report."""

    chars_before: int = 0
    chars_after: int = 0
    pinyin_found: int = 0
    pinyin_left: int = 0
    mojibake_repaired: int = 0
    mojibake_suspect: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def count_pinyin(text: str) -> int:
    """How many pinyin glosses such as 網(wǎng) the text holds."""
    return len(_PINYIN.findall(text))


def clean_text(raw: str) -> str:
    """The article's own text, one paragraph a line, with everything else taken out."""
    return clean_with_stats(raw)[0]


def clean_with_stats(raw: str) -> tuple[str, CleanStats]:
    """clean_text and an account of what it removed or repaired."""
    stats = CleanStats(chars_before=len(raw))
    text = _INVISIBLE.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text, stats.pinyin_found = _PINYIN.subn("", text)
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    lines = _cut_tail(lines, stats.removed)
    lines = _drop_furniture(lines, stats.removed)
    lines = _drop_truncated_leads(lines, stats.removed)
    text, stats.mojibake_repaired, stats.mojibake_suspect = repair_mojibake("\n".join(lines))
    text = "\n".join(_join_broken(text.split("\n")))
    stats.chars_after, stats.pinyin_left = len(text), count_pinyin(text)
    return text, stats


def _cut_tail(lines: list[str], removed: list[str]) -> list[str]:
    # A keyword line above the body (title and bylines only before it) is a summary box, not the end.
    before = 0
    for i, line in enumerate(lines):
        if _TAIL_MARK.match(line) and before >= _MIN_BODY:
            removed.extend(lines[i:])
            return lines[:i]
        before += len(line)
    return lines


def _drop_furniture(lines: list[str], removed: list[str]) -> list[str]:
    kept = []
    for line in lines:
        if len(line) <= _FURNITURE_MAX and _FURNITURE.fullmatch(line):
            removed.append(line)
        else:
            kept.append(line)
    return kept


def _drop_truncated_leads(lines: list[str], removed: list[str]) -> list[str]:
    """Portals print a cut-off teaser of the lead right before the full lead: keep the full one."""
    kept = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        stem = line.rstrip(".…")
        if len(stem) >= 15 and nxt.startswith(stem) and len(nxt) >= len(line):
            removed.append(line)
        else:
            kept.append(line)
    return kept


def _join_broken(lines: list[str]) -> list[str]:
    """Re-join a paragraph split mid-sentence by the page layout (e.g. "…行动。建" + "设产教融合…")."""
    out: list[str] = []
    for line in lines:
        if out and _is_cut(out[-1]) and re.match(rf"[{_HAN}]", line):
            out[-1] += line
        else:
            out.append(line)
    return out


def _is_cut(line: str) -> bool:
    if line[-1] in _SOFT_END:
        return True
    # Headings and captions also lack a final stop; only prose (it has a stop inside) counts as cut.
    return bool(re.search(rf"[{_HAN}]$", line)) and any(c in line for c in _SENT_END)

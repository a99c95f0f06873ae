"""What kind of fact a question asks for (a count, a date, a person), and whether a text states one.

The refusal policy uses both: an answer to "how many" whose cited passage holds no number, or to
"who" whose passage names nobody, answers something else. The rules are the interrogatives of each
language (a closed word class), not forms of particular questions.
"""
from __future__ import annotations

import re

from .dates import YEAR
from .language import HAN, KATAKANA
from .numbers import answer_values, stated_values

NUMBER, DATE, PERSON = "number", "date", "person"

_ASKS = (
    # a date first: "何年" / "what year" ask for a date, "几年" / "how many years" for a count
    (DATE, re.compile(
        r"\b(?:when|what (?:date|day|year|month|time)|which (?:date|day|year|month))\b"
        r"|哪天|哪一天|哪日|哪一年|哪年|何时|何時|什么时候|什麼時候|几月|幾月|几号|幾號|几日|幾日|多会儿"
        r"|日期[是为為]|什么日期|什麼日期|哪个日期|哪個日期|什么时间(?!段)|什麼時間(?!段)|哪个时间(?!段)|哪個時間(?!段)"
        r"|いつ|何月|何日|何年に|何曜日|日付|日時", re.I)),
    (NUMBER, re.compile(
        r"\bhow (?:many|much|long|large|big|far|old|tall|high|deep|wide|heavy|often)\b"
        r"|\bwhat (?:number|percentage|share|amount|proportion)\b"
        r"|多少|多大|多长|多長|多高|多远|多遠|几[个個家项項名位次条條年天所种種批座台件届屆成万萬亿億倍]"
        r"|幾[个個家项項名位次条條年天所种種批座台件届屆成万萬亿億倍]|百分之几|百分之幾"
        r"|何(?:[人件社個名回年つ倍割%％万億台校機]|か所|ヶ所|カ所|チーム)|いくつ|いくら|どれくらい|どれほど|どのくらい|どの程度", re.I)),
    (PERSON, re.compile(r"\b(?:who|whom|whose)\b|谁|誰|哪位|哪一位|どなた|何者", re.I)),
)


# the question words written in Han characters (什么, 哪, 谁, 多少, 何...): a word holding one is the question's
# frame, not what it asks about (text.names.rare_words reads them too)
HAN_ASKING = "什么|什麼|哪|谁|誰|多少|几|幾|何|怎"
# the question words of English, and of Chinese and Japanese (the Han ones and the kana ones)
_EN_WH = r"(?:who|whom|whose|when|where|what|which|why|how)"
_CJK_ASKING = HAN_ASKING + r"|为何|為何|どこ|どの|どれ|どんな|どう|いつ|いくつ|いくら|だれ|なぜ|なに"
# a question word (what, which, who, 什么, 哪, 何, どこ...): not a word the question asks about
_WH = re.compile(rf"\b{_EN_WH}\b|{_CJK_ASKING}", re.I)


def content_words(question: str) -> list[str]:
    """The words a Chinese or Japanese question asks about (folded, 2+ characters, no question words, no
    words of kana alone): 哪两地的活动涉及传感器方面的项目 → 两地, 活动, 涉及, 传感器, 方面, 项目."""
    from .language import has_kana
    from .lexical import tokenize

    words = tokenize(question, "sudachi" if has_kana(question) else "jieba")
    return list(dict.fromkeys(w for w in words if len(w) >= 2 and not _WH.search(w) and re.search(rf"[{HAN}]", w)))


# an English question word asks only at the head of a clause, after at most two words ("In what year",
# "For how long", "Between 1990 and 2000, who"): "How old was he when he played?" asks an age, and
# "Which team won when…" asks no date
_ENGLISH_HEAD = re.compile(r"(?:^|[,;:]\s*|\band\s+)(?:[\w'-]+\s+){0,2}$", re.I)


def asked_kind(question: str) -> str | None:
    """number, date or person when the question asks for one; None for anything else (what, which...).
    The question word that comes first decides ("How many seconds were left when…" asks a count);
    at one place, a date before a count (何年に before 何年)."""
    found = []
    for order, (kind, pattern) in enumerate(_ASKS):
        for m in pattern.finditer(question):
            if m.group(0)[:1].isascii() and not _ENGLISH_HEAD.search(question[:m.start()]) \
                    and question[m.end():].strip(" ?？") != "":  # "The fair opened when?"
                continue
            found.append((m.start(), order, kind))
            break
    return min(found)[2] if found else None


def translated_kind(translation: str) -> str | None:
    """The kind a question asks, read from its Chinese translation or rewrite when its own words ask none:
    a count or a person only. The 1.5B translator renders "何という", "どの期間", "どうなる" or "What was
    Warsaw's first literary cabaret?" as 什么时候 (a date). Of the first 100 JSQuAD and 100 XQuAD en→zh
    questions, 13 ask no kind in their own words and a date in their translation: 12 ask no date at all (the
    13th a game clock's time). The 12 whose translation asks a count or a person (XQuAD's "What actress…" →
    谁, "…took how many teams" → 多少, "What was the final score" → 多少) all ask that."""
    kind = asked_kind(translation)
    return kind if kind in (NUMBER, PERSON) else None


_DATE_TEXT = re.compile(
    rf"\d{{1,4}}\s*[年月日号號]|[一二三四五六七八九十〇零两兩]{{1,3}}[月日号號]|{YEAR.pattern}"
    # a period named for its century, era or reign ("15世紀", 江户时代, 康熙年间), a time of day; not a
    # reign-year such as 崇宁五年
    rf"|(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*世[纪紀]|[{HAN}]{{1,4}}(?:时代|時代|年间|年間)|\d{{1,2}}:\d{{2}}"
    r"|\d{4}[-/.]\d{1,2}|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d"
    # a time named by the calendar without a number: a season or a part of one, a solar term, a festival, a
    # phase of a period, a part of a month or year, a time of day, so long ago (立秋, 梅雨の末期, 晚春或初夏,
    # 春节时期, 夜間). Not words that only relate one event to another (当時, 以后, 之前, 戦後): on the public
    # sets they stood in 5-40 times more other sentences than sentences answering "when". Not 日中 (daytime),
    # which Japanese news writes far more often for Japan-China (日中両国)
    r"|[初晚晩早盛仲孟深][春夏秋冬]|[春夏秋冬](?:季|天|期|先|場)|梅雨[期時]"
    r"|立[春夏秋冬]|[春秋]分|[夏冬]至|清明|芒[种種]|小[满満暑寒]|大[暑寒]|[处処]暑|[惊驚]蛰|[谷穀]雨|霜降|寒露"
    r"|春[节節]|元旦|元宵|端午|中秋|重[阳陽]|除夕|[国國]慶|国庆|正月|お盆"
    r"|[末初中晚晩]期|[上中下初]旬|[月年][初末底]|夜[间間]|深夜|夜晚|昼間|早朝|午前|午後|[上下]午|凌晨|傍晚|傍晩"
    r"|年前|\b(?:spring|summer|autumn|winter|centur(?:y|ies)|decades?|ago|night)\b", re.I)
_NUMBER_WORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?)\b|[一二三四五六七八九十]つ", re.I)
# people are named (任爱丽, 海基·佩尔科, Peter Radde, 宋軍継氏) or, in news, given by their office
_AGENT = re.compile(
    rf"[{HAN}{KATAKANA}]{{1,6}}[·・･][{HAN}{KATAKANA}]{{1,8}}|\b[A-Z][a-z]+ [A-Z][a-z]+\b|[{KATAKANA}]{{3,}}"
    rf"|[{HAN}]{{2,4}}(?:氏|さん|先生|女士|教授|博士|院士)"
    r"|(?:市长|市長|省长|省長|主任|书记|書記|董事长|董事長|所长|所長|会长|會長|会長|部长|部長|厅长|廳長|庁長|厅長"
    r"|局长|局長|区长|區長|主席|院长|院長|校长|校長|总裁|總裁|总经理|總經理|总监|總監|大使|领事|領事|秘书长|秘書長"
    r"|负责人|負責人|責任者|代表|记者|記者|理事长|理事長|社長|CEO|ceo|president|mayor|director|minister|governor"
    r"|chairman|secretary|ambassador|consul|reporter|professor)"
    # "who" / "whose guidance" is as often answered by an organisation (科技部, the provincial government)
    # or a team, troupe, army or party (匹兹堡钢人队, 英军)
    rf"|[{HAN}](?:队|隊|团|團|军|軍|党|黨|政府|部|厅|廳|庁|局|委员会|委員會|委員会|公司|集团|集團|グループ|大学|大學|学院|學院|研究所|研究院"
    r"|中心|协会|協會|協会|商会|商會|银行|銀行|学会|學會|学会)|\b(?i:ministry|government|university|company|institute|team|army|party|band"
    r"|association|council|committee|chamber|academy|bureau|department|group)\b")


def states_kind(text: str, kind: str | None) -> bool:
    """Whether the text states a fact of that kind at all (None: any text does)."""
    if kind is None:
        return True
    if kind == NUMBER:
        return bool(stated_values(text)) or bool(_NUMBER_WORD.search(text))
    if kind == DATE:
        return bool(_DATE_TEXT.search(text))
    return bool(_AGENT.search(text)) or _has_person_name(text)


def _has_person_name(text: str) -> bool:
    """A personal name, for text without an office beside it: a Chinese one by jieba's part of speech (nr), a
    Japanese one by Sudachi's (人名: 宮本顕治, 志位, 称徳天皇). Not jieba's transliterated names (nrt): as often
    a place or a fragment (卡罗莱纳, 杰克逊维尔, 令人) as a person on the public sets (`assistant bench kinds`)."""
    from .lexical import japanese_person_names, person_names

    return bool(person_names(text)) or bool(japanese_person_names(text))


# A count of people (几名, 多少位, 多少人, 何人, "how many people" once translated) is stated as a number with a
# people counter or noun (300余名代表, 40 人, 3到5万的居民) or a population with its number (人口8.57万); a
# sentence counting projects or companies does not say how many people. Not 第几名 / 第何位 (a rank), not
# 任何人 (anyone), not 多少人民币 (money). Calibrated on the public sets, no LLM: `assistant bench counts`.
_COUNT_NUMERAL = r"(?:\d|[零〇一二三四五六七八九十百千万萬亿億两兩数數几幾])"
_PEOPLE = r"(?:名|位|人(?!民)|居民|人口|代表|者|员|員|学生|學生|会员|會員|观众|觀眾|游客|遊客)"
_ASKS_PEOPLE = re.compile(r"(?<![第任])(?:多少|几|幾|何)\s*(?:名|位|人(?!民))")
_STATES_PEOPLE = re.compile(
    rf"{_COUNT_NUMERAL}[^。，、,\d]{{0,3}}?{_PEOPLE}|(?:人口|人数|人數|居民|的人)[^。，,]{{0,6}}?{_COUNT_NUMERAL}"
    # 何人 also asks a nationality (なにじん): ポルトガル人 answers it
    rf"|[{KATAKANA}]人")


def asks_people_count(question: str) -> bool:
    """Whether a question asks how many people (in Chinese or Japanese: the translation of an English one)."""
    return bool(_ASKS_PEOPLE.search(question))


def states_people_count(text: str) -> bool:
    """Whether a text states a number of people; Latin text is not judged (the rule reads CJK counters)."""
    if not re.search(f"[{HAN}]", text):
        return True
    return bool(_STATES_PEOPLE.search(text))


# a count that shapes the answer is no premise: 哪两家, どの2つ, which two / which 3 (the answer has that many)
_SHAPE = re.compile(r"(?:哪|どの|which|what|何)\s*(?:\d+|[一二两兩三四五六七八九十]+)", re.I)
_ORDINAL = re.compile(r"第([零〇一二三四五六七八九十百两兩]+|\d+)\s*[届屆次回期轮輪]")
# nor is a bound in time: before 2022, 2022年之前, 2022年より前. The passages answering it state another year
# (2019 for "before 2022"), not the bound: a question across the articles reads it against their event records
# (time_bounds). A range (3月至5月, from 2000 to 2005) stands for any value in it, the passage of an event on
# 4月20日 states it. A duration is kept (100年之前: 100 years before something), and so is a bound on a count
# (more than 10 million: the class a passage names, 1000万元以上)
_TIME = r"(?:1[0-9]|20)\d\d(?:\s*年)?(?:\s*\d{1,2}\s*月)?"
_BEFORE = re.compile(rf"\b(?:before|prior to|earlier than)\s+({_TIME})"
                     rf"|({_TIME})\s*(?:以前|之前|前(?![半期])|より(?:前|早))", re.I)
_AFTER = re.compile(rf"\b(?:after|later than)\s+({_TIME})"
                    rf"|({_TIME})\s*(?:以后|以後|之后|之後|后(?![半期])|後(?![半期])|より(?:後|遅))", re.I)
_RANGE = re.compile(r"(?:\bfrom\s+|\bbetween\s+|从|從|自)?(\d+)\s*([年月日号號]?)\s*(?:至|到|~|～|—|–|から|\s+to\s+|\s+and\s+)"
                    r"\s*(\d+)\s*(?:\2|(?![年月日号號]))", re.I)
MAX_RANGE = 100  # a range of more values is no range of years, months or days ("24-10", a score)


def time_bounds(question: str) -> list[tuple[str, int]]:
    """The bounds in time a question sets on what it asks about, as ("<", 2022) for "before 2022" / 2022年之前
    / 2022年より前 and (">", 2022) for after."""
    return [(op, int(YEAR.search(m.group(0)).group(0))) for op, pattern in (("<", _BEFORE), (">", _AFTER))
            for m in pattern.finditer(question)]


# A bound on how many people took part that a question across articles sets on the events it asks about:
# 参加人数达到200人以上, 出席者が200人を超えた, more than 200 participants. As ("≥", 200) / ("≤", 50).
_HEADS = r"\s*(?:人|名|位|people|persons|participants|attendees|guests|visitors|delegates)"
_AT_LEAST = re.compile(r"(?:超过|超過|多于|多於|不少于|不少於|至少|达到|達到|逾|more than|over|at least|exceeding)\s*(\d+)"
                       rf"{_HEADS}|(\d+){_HEADS}\s*(?:以上|及以上|或以上|を超え|超|or more)", re.I)
_AT_MOST = re.compile(r"(?:少于|少於|不到|不足|低于|低於|fewer than|less than|under)\s*(\d+)"
                      rf"{_HEADS}|(\d+){_HEADS}\s*(?:以下|未満|or fewer)", re.I)


def people_bounds(question: str) -> list[tuple[str, int]]:
    """The bounds a question sets on how many people took part: [("≥", 200)] for 200人以上 / more than 200
    participants, ("≤", n) for fewer than n."""
    return [(op, int(next(g for g in m.groups() if g))) for op, pattern in (("≥", _AT_LEAST), ("≤", _AT_MOST))
            for m in pattern.finditer(question)]


def without_bounds(question: str) -> str:
    """The question without its bounds in time (their years name no event)."""
    return _AFTER.sub(" ", _BEFORE.sub(" ", question))


def _ranges(question: str) -> tuple[str, list[set[float]]]:
    """The question without its ranges (3月至5月), and each range as the set of the values in it."""
    groups = []

    def take(m: re.Match) -> str:
        low, high = int(m.group(1)), int(m.group(3))
        if not 0 < high - low <= MAX_RANGE:
            return m.group(0)
        groups.append({float(v) for v in range(low, high + 1)})
        return " "
    return _RANGE.sub(take, question), groups


def premise_values(question: str) -> list[set[float]]:
    """Numbers a question takes as given: years, counts and editions (2022年, 14の, 第二届), each as the
    set of values it may stand for (10 million: 10 or 1e7). An answer can only come from passages that
    state them too ("the second conference" is not the first one). A bound in time (before 2022) is no
    premise, and a range (3月至5月) is one: any value in it."""
    question, groups = _ranges(without_bounds(_SHAPE.sub(" ", question)))
    groups += [{float(digits), value} for digits, value in answer_values(_ORDINAL.sub(" ", question))
               if value >= 2]
    groups += [stated_values(m.group(1)) for m in _ORDINAL.finditer(question)]
    return [g for g in groups if g]


# Two questions in one ("…由谁主持?他担任什么职务?", "When did…, and who led it?", "…の代表は誰で、どのような役職
# ですか"): each part is answered on its own, the later ones as follow-ups of the earlier (answering.pipeline).
# A part asks when it holds a question word; a second part that asks of each thing the first one found
# (分别是哪家, それぞれどの国, respectively) is no question of its own.
_CJK_WH = re.compile(_CJK_ASKING)
_EN_ASKS = re.compile(rf"^\W*(?:[\w'-]+\s+){{0,2}}{_EN_WH}\b", re.I)
_EN_AND = re.compile(rf",?\s+and\s+(?={_EN_WH}\b)", re.I)
# 誰で、: the copula's joining form after the question word ("is who, and"); not どこで (at where)
_JA_AND = re.compile(r"(誰|どなた|何者)で、")
_EACH = re.compile(r"^\W*(?:分别|分別|各自|各|それぞれ|respectively|each)", re.I)
_QUOTE = re.compile(r"「[^「」]*」|『[^『』]*』|“[^“”]*”|\"[^\"]*\"")


def _asks(part: str) -> bool:
    return bool(_CJK_WH.search(part) or _EN_ASKS.search(part))


def question_parts(question: str) -> list[str]:
    """The questions a question asks, in order: one unless it holds two or more, each with its question word.
    A question mark inside quotes ends no question; an English "…, and who…" needs a clause of three words
    or more before it ("How and when did…" is one question)."""
    quoted = _QUOTE.sub(lambda m: "_" * len(m.group()), question)
    cuts = [m.end() for m in re.finditer(r"[?？](?=\s*\S)", quoted)]
    if cuts:
        parts = [question[lo:hi].strip() for lo, hi in zip([0] + cuts, cuts + [len(question)])]
        if all(_asks(p) for p in parts) and not any(_EACH.search(p) for p in parts[1:]):
            return parts
        return [question]
    m = _EN_AND.search(quoted)
    if m and _EN_ASKS.search(question[:m.start()]) and len(question[:m.start()].split()) >= 3:
        first, second = question[:m.start()].strip().rstrip(","), question[m.end():].strip()
        if not _EACH.search(second):
            return [first + "?", second[:1].upper() + second[1:]]
    m = _JA_AND.search(quoted)
    if m and _asks(question[m.end():]):
        return [question[:m.end(1)] + "ですか?", question[m.end():].strip()]
    return [question]


# a pronoun for a person (他 but not 其他 "other"; 她; 彼 but not 彼ら; he, she): after a "who" the articles do not
# answer, it points at nobody
_PERSON_POINTER = re.compile(r"(?<!其)他(?![们們])|她(?![们們])|彼(?!ら)|\b(?:he|she|him|her|his)\b", re.I)
# words that point back at something named before (a closed class in each language): 它, 其 (not 其他 / 其中),
# 该, 这, 那, 上述, it / they / that, その / この / 同社
_POINTER = re.compile(r"它|其(?![他中实實])|该|該|此|这|這|那|上述|それ|その|この|あの|これ|そこ|同(?:社|氏|会|會|市|省)"
                      r"|\b(?:it|its|they|them|their|there|that|this|these|those)\b", re.I)


def points_to_person(question: str) -> bool:
    """Whether a question points back at a person by a pronoun (他擔任什麼職務? / What is his title?)."""
    return bool(_PERSON_POINTER.search(question))


def points_back(question: str) -> bool:
    """Whether a question needs what came before it to be understood: it points back at a person or thing
    (他, 它, 该, it, その), or a Chinese or Japanese one names nothing of its own (是在哪一天?, 共要实施多少项
    重点任务?, どのような役職ですか?: no name, no rare word)."""
    if _PERSON_POINTER.search(question) or _POINTER.search(question):
        return True
    if re.search(r"[A-Za-z]{3,}", question):  # English: a question without a pronoun names what it asks about
        return False
    from .names import question_names, rare_words  # names reads this module

    han, katakana = rare_words(question)
    return not (question_names(question) or han or katakana)

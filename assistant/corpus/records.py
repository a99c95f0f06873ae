"""Per-article event records built at ingest: who organised, which countries, which people in which
office, what was signed, each with the offset of the sentence it came from.

A question across the articles ("which events involved Finland?", "which mayors spoke?") needs one
fact from every article; a catalogue line of title and date does not carry it, and a 1.5B model cannot
read five articles at once. The rules are general news-report patterns in Chinese and Japanese.
"""
from __future__ import annotations

import json
import re

from ..text.language import HAN, KATAKANA, has_kana
from ..text.lexical import fold
from ..text.segment import sentence_spans
from ..types import Article, EventRecord, RecordField

_ORGANISER = re.compile(
    r"由([^，,。;；由]{2,40}?)(?:联合|聯合|共同)?(?:主办|承办|举办|主辦|承辦|舉辦|指导|指導)"
    r"|([^，,。;；、]{2,30}?)(?:主办|承办|主辦|承辦)"
    r"|([^、。,，]{2,30}?)(?:が主催|の主催|が共催|が主宰|が主管)")
_OFFICE = (r"(?:副)?(?:市长|市長|省长|省長|区长|區長|县长|縣長|书记|書記|主任|部长|部長|厅长|廳長|庁長|局长|局長|"
           r"董事长|董事長|总经理|總經理|会长|會長|会長|所长|所長|院长|院長|校长|校長|主席|大使|总领事|總領事|领事|領事|"
           r"秘书长|秘書長|负责人|負責人|最高経営責任者|首席代表|CEO)")
_OFFICE_RE = re.compile(_OFFICE)
# Japanese: 市長の趙豪志氏; a transliterated name anywhere: 尤卡·莫拉讷恩
_PERSON_JA = re.compile(rf"({_OFFICE})の([{HAN}]{{2,4}})氏")
_TRANSLITERATED = re.compile(f"[{HAN}]{{2,8}}[·・][{HAN}]{{1,6}}")
OFFICE_REACH = 12  # characters between an office and the name it introduces
_SIGNED = re.compile(r"(?:签约|簽約|签署|簽署|签订|簽訂|調印|締結|契約)[^。；;]{0,30}?(\d+|[一二三四五六七八九十百千两兩]+)"
                     r"(?:个|個|项|項|件|份|家)"
                     r"|(\d+|[一二三四五六七八九十百两兩]+)(?:个|個|项|項|件)[^。；;]{0,12}?(?:签约|簽約|签署|簽署|調印|締結)")
# the world's countries as news in Chinese and Japanese writes them (both scripts), for "which countries"
_COUNTRIES = [
    ("中国", "中國"), ("芬兰", "芬蘭", "フィンランド"), ("德国", "德國", "ドイツ"), ("法国", "法國", "フランス"),
    ("英国", "英國", "イギリス"), ("美国", "美國", "アメリカ"), ("日本",), ("韩国", "韓國", "韓国"), ("俄罗斯", "俄羅斯", "ロシア"),
    ("乌克兰", "烏克蘭", "ウクライナ"), ("挪威", "ノルウェー"), ("瑞典", "スウェーデン"), ("丹麦", "丹麥", "デンマーク"),
    ("冰岛", "冰島", "アイスランド"), ("荷兰", "荷蘭", "オランダ"), ("比利时", "比利時", "ベルギー"), ("瑞士", "スイス"),
    ("奥地利", "奧地利", "オーストリア"), ("意大利", "義大利", "イタリア"), ("西班牙", "スペイン"), ("葡萄牙", "ポルトガル"),
    ("波兰", "波蘭", "ポーランド"), ("捷克", "チェコ"), ("匈牙利", "ハンガリー"), ("希腊", "希臘", "ギリシャ"),
    ("以色列", "イスラエル"), ("新加坡", "シンガポール"), ("马来西亚", "馬來西亞", "マレーシア"), ("泰国", "泰國", "タイ"),
    ("越南", "ベトナム"), ("印度", "インド"), ("巴基斯坦", "パキスタン"), ("澳大利亚", "澳大利亞", "オーストラリア"),
    ("新西兰", "紐西蘭", "ニュージーランド"), ("加拿大", "カナダ"), ("巴西", "ブラジル"), ("墨西哥", "メキシコ"),
    ("阿根廷", "アルゼンチン"), ("南非", "南アフリカ"), ("埃及", "エジプト"), ("沙特", "サウジアラビア"), ("阿联酋", "阿聯酋", "アラブ首長国連邦"),
    ("土耳其", "トルコ"), ("伊朗", "イラン"), ("哈萨克斯坦", "哈薩克", "カザフスタン"), ("蒙古", "モンゴル"),
    ("白俄罗斯", "白俄羅斯", "ベラルーシ"), ("爱尔兰", "愛爾蘭", "アイルランド"), ("卢森堡", "盧森堡", "ルクセンブルク"),
    ("爱沙尼亚", "愛沙尼亞", "エストニア"), ("拉脱维亚", "拉脫維亞", "ラトビア"), ("立陶宛", "リトアニア"),
    ("塞尔维亚", "塞爾維亞", "セルビア"), ("罗马尼亚", "羅馬尼亞", "ルーマニア"), ("保加利亚", "保加利亞", "ブルガリア"),
    ("印度尼西亚", "印尼", "インドネシア"), ("菲律宾", "菲律賓", "フィリピン"), ("朝鲜", "朝鮮", "北朝鮮"),
]
_COUNTRY_FORMS = sorted(((form, forms[0]) for forms in _COUNTRIES for form in forms), key=lambda x: -len(x[0]))
# a katakana name only as a whole word (タイ is in メインタイトル)
_COUNTRY = re.compile("|".join(rf"(?<![{KATAKANA}]){re.escape(f)}(?![{KATAKANA}])" if re.fullmatch(f"[{KATAKANA}]+", f)
                               else re.escape(f) for f, _ in _COUNTRY_FORMS))
_COUNTRY_NAME = dict(_COUNTRY_FORMS)
MAX_VALUES = 6  # per field: a record is read by a small model, it must stay a line or two


def build_record(article: Article) -> EventRecord:
    """The article's event record from its metadata and its text, every field with its sentence's offsets."""
    found: dict[str, list[RecordField]] = {"organisers": [], "countries": [], "people": [], "signed": []}
    for start, end in sentence_spans(article.text, semicolons=False):  # a semicolon joins the parts of one event
        sentence = article.text[start:end]
        for o in _ORGANISER.finditer(sentence):
            value = next(g for g in o.groups() if g).split("由")[-1].strip("“”\"「」 ")
            _add(found["organisers"], RecordField("organisers", value, start, end))
        for c in _COUNTRY.finditer(sentence):
            _add(found["countries"], RecordField("countries", _COUNTRY_NAME[c.group()], start, end))
        for office, name in _people(sentence):
            _add(found["people"], RecordField("people", f"{office} {name}", start, end))
        for s in _SIGNED.finditer(sentence):
            _add(found["signed"], RecordField("signed", s.group().strip(), start, end))
    fields = tuple(f for values in found.values() for f in values[:MAX_VALUES])
    return EventRecord(source=article.source, title=article.title, published=article.published,
                       event_dates=article.event_dates, place=article.place, outlet=article.outlet, fields=fields)


def _people(sentence: str) -> list[tuple[str, str]]:
    """(office, name) pairs: a name (jieba's nr, or a transliterated one) after the office it holds."""
    from ..text.lexical import person_names

    if has_kana(sentence):
        return [(m.group(1), m.group(2)) for m in _PERSON_JA.finditer(sentence)]
    folded = fold(sentence)
    out = []
    whole = [fold(_after_office(m)) for m in _TRANSLITERATED.findall(sentence)]
    parts = [n for n in person_names(sentence) if not any(n in w for w in whole)]  # jieba splits 尤卡·莫拉讷恩
    for name in dict.fromkeys(whole + parts):
        at = folded.find(name)
        offices = list(_OFFICE_RE.finditer(sentence[max(0, at - OFFICE_REACH):at])) if at > 0 else []
        if offices:
            out.append((offices[-1].group(), sentence[at:at + len(name)]))
    return out


def asked_offices(question: str) -> set[str]:
    """The offices a question asks about, folded: 哪些市长 → {市长}; "Which mayors" only in its Chinese form."""
    return {fold(m.group()) for m in _OFFICE_RE.finditer(question)}


def holders(record: EventRecord, offices: set[str]) -> list[RecordField]:
    """The record's people who hold one of those offices (the office exactly: a 副市长 is no 市长)."""
    return [f for f in record.fields if f.name == "people" and fold(f.value.split(" ", 1)[0]) in offices]


def _after_office(name: str) -> str:
    """市长尤卡·莫拉讷恩 → 尤卡·莫拉讷恩: the match may start inside the office before the name."""
    offices = list(_OFFICE_RE.finditer(name.split("·")[0].split("・")[0]))
    return name[offices[-1].end():] if offices else name


def _add(values: list[RecordField], item: RecordField) -> None:
    if all(v.value != item.value for v in values):
        values.append(item)


def record_to_json(record: EventRecord) -> str:
    return json.dumps({"source": record.source, "title": record.title, "published": record.published,
                       "event_dates": list(record.event_dates), "place": record.place, "outlet": record.outlet,
                       "fields": [[f.name, f.value, f.start, f.end] for f in record.fields]}, ensure_ascii=False)


def record_from_json(text: str) -> EventRecord | None:
    try:
        d = json.loads(text)
        return EventRecord(source=d["source"], title=d["title"], published=d["published"],
                           event_dates=tuple(d["event_dates"]), place=d["place"], outlet=d["outlet"],
                           fields=tuple(RecordField(*f) for f in d["fields"]))
    except (ValueError, KeyError, TypeError):
        return None

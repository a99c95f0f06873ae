"""Per-article event records built at ingest: when, who organised, which countries, which people in which
office, what was signed, how many took part, each with the offset of the sentence it came from.

A question across the articles ("which events involved Finland?", "which mayors spoke?") needs one
fact from every article; a catalogue line of title and date does not carry it, and a 1.5B model cannot
read five articles at once. The rules are general news-report patterns in Chinese and Japanese.
"""
from __future__ import annotations

import json
import re

from .metadata import event_date_span
from ..text.language import HAN, KATAKANA, has_kana
from ..text.lexical import cut_words, dotted_name_end, fold, fold_aligned
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
# how many people took part, the count just before the words saying they did (300余名来宾参加, 30余位外方嘉宾
# 应邀出席, 200人以上が活動に参加した) or after a head count's name (参会人数达300人); not 引进人才861名, not
# 两位嘉宾以两人一队 (a count of guests in a game's rules takes part in nothing)
_COUNT = (r"(?:近|约|約|超过|超過)?(?:\d+|[一二三四五六七八九十百千两兩]+)\s*(?:余|餘|多)?\s*(?:名|位|人)(?![民才次口均])"
          rf"(?:以上)?(?:[{HAN}]{{0,4}}?(?:嘉宾|嘉賓|来宾|來賓|代表|专家|專家|学者|學者|客人|观众|觀眾|人士))?")
_TAKE_PART = r"(?:参加|參加|出席|参会|參會|与会|與會|到场|到場|应邀|應邀|参与|參與)"
_ATTENDED = re.compile(rf"({_COUNT})[^。，,；;]{{0,12}}?{_TAKE_PART}"
                       rf"|{_TAKE_PART}(?:人数|人數|人员|人員|者)[^。，,；;\d]{{0,6}}?({_COUNT})")
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
# a country as Japanese writes it, for each Chinese form whose Japanese form differs (芬兰 → フィンランド)
_JAPANESE_FORM = {form: ja for forms in _COUNTRIES for ja in forms[-1:] if has_kana(ja)
                  for form in forms if not has_kana(form)}


def japanese_country_names(text: str) -> str:
    """Chinese text to be translated into Japanese with each country written as Japanese writes it (芬兰 →
    フィンランド): translating 芬兰, the 1.5B model wrote フェンツ and アイスランド. Whole words only (jieba):
    非法国际 holds no 法国."""
    folded = fold(text)  # cut in Simplified (jieba's dictionary): 芬蘭 is one word as 芬兰
    if len(folded) != len(text):
        return "".join(_JAPANESE_FORM.get(word, word) for word in cut_words(text))
    out, at = [], 0
    for word in cut_words(folded):
        original = text[at:at + len(word)]
        out.append(_JAPANESE_FORM.get(word, original))
        at += len(word)
    return "".join(out)


# regions as news names them, by the countries of the list above in them (world knowledge, as the country
# names are): a question across articles about 北欧 / the Nordic countries reads the articles naming Finland
# or Norway. Not 中東欧 (Japanese: Central and Eastern Europe) as 中東.
_REGIONS = tuple((re.compile(pattern, re.I), countries) for pattern, countries in (
    (r"北欧|北歐|\bnordic\b|\bscandinavia|スカンジナビア|ノルディック", ("芬兰", "挪威", "瑞典", "丹麦", "冰岛")),
    (r"波罗的海|波羅的海|\bbaltic\b|バルト", ("爱沙尼亚", "拉脱维亚", "立陶宛")),
    (r"东南亚|東南亞|東南アジア|\bsouth-?east asia", ("新加坡", "马来西亚", "泰国", "越南", "印度尼西亚", "菲律宾")),
    (r"中东(?!欧)|中東(?![欧歐])|\bmiddle east", ("以色列", "沙特", "阿联酋", "土耳其", "伊朗", "埃及")),
    (r"北美|北米|\bnorth america", ("美国", "加拿大", "墨西哥")),
    (r"南美|南米|\bsouth america|\blatin america", ("巴西", "阿根廷", "墨西哥")),
))


def region_countries(question: str) -> list[str]:
    """Every written form (folded) of the countries of the regions a question names: 北欧 → 芬兰, フィンランド,
    挪威, ノルウェー…; none when it names no region."""
    wanted = {c for pattern, countries in _REGIONS if pattern.search(question) for c in countries}
    return list(dict.fromkeys(fold(form) for forms in _COUNTRIES if forms[0] in wanted for form in forms
                              if not re.fullmatch(f"[{KATAKANA}]{{1,2}}", form)))  # タイ is in メインタイトル


MAX_VALUES = 6  # per field: a record is read by a small model, it must stay a line or two


def build_record(article: Article) -> EventRecord:
    """The article's event record from its metadata and its text, every field with its sentence's offsets."""
    found: dict[str, list[RecordField]] = {"organisers": [], "countries": [], "people": [], "signed": [],
                                           "attended": []}
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
        for a in _ATTENDED.finditer(sentence):
            _add(found["attended"], RecordField("attended", next(g for g in a.groups() if g).strip(), start, end))
    fields = tuple(f for values in found.values() for f in values[:MAX_VALUES])
    if dated := event_date_span(article.text, article.title):  # the event's date as stated, year or not
        fields = (RecordField("dates", dated[2], dated[0], dated[1]),) + fields
    return EventRecord(source=article.source, title=article.title, published=article.published,
                       event_dates=article.event_dates, place=article.place, outlet=article.outlet, fields=fields)


def _people(sentence: str) -> list[tuple[str, str]]:
    """(office, name) pairs: a name (jieba's nr, or a transliterated one) after the office it holds."""
    from ..text.lexical import person_names

    if has_kana(sentence):
        return [(m.group(1), m.group(2)) for m in _PERSON_JA.finditer(sentence)]
    folded = fold_aligned(sentence)  # its places are the sentence's
    out = []
    whole = [fold(_after_office(dotted_name_end(m))) for m in _TRANSLITERATED.findall(sentence)]
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

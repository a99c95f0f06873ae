"""Event records built at ingest from the real seed articles: every field from a sentence that states it."""
import pytest

from assistant.config import PROJECT_ROOT
from assistant.corpus.reader import read_article
from assistant.corpus.records import build_record, record_from_json, record_to_json
from assistant.text.lexical import fold

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="module")
def records():
    return {p.name[:3]: (read_article(p), build_record(read_article(p))) for p in sorted(SEEDS.glob("*.txt"))}


def test_organisers_countries_people_and_signings_are_read(records):
    _, ningbo = records["000"]
    assert any("宁波市政府" in v for v in ningbo.values("organisers"))
    assert {"芬兰", "中国"} <= set(ningbo.values("countries"))
    assert "市长 尤卡·莫拉讷恩" in ningbo.values("people")
    _, wuxi = records["003"]
    assert {"法国", "德国"} <= set(wuxi.values("countries"))  # Traditional 法國/德國 named in Simplified
    assert any("7個" in v for v in wuxi.values("signed"))
    _, shandong = records["004"]  # Japanese: 青島市党委員会副書記・市長の趙豪志氏
    assert "市長 趙豪志" in shandong.values("people")


def test_every_field_points_at_the_sentence_it_came_from(records):
    for article, record in records.values():
        assert record.fields
        for f in record.fields:
            sentence = article.text[f.start:f.end]
            if f.name == "countries":
                assert f.value in fold(sentence) or f.value == "中国"
            else:
                assert f.value.split(" ")[-1] in sentence, (f, sentence)


def test_a_record_survives_its_json_form_and_reads_as_one_line(records):
    _, record = records["002"]
    again = record_from_json(record_to_json(record))
    assert again == record
    line = record.line()
    assert line.startswith(record.title) and "place 金华" in line and "\n" not in line
    assert record_from_json("not json") is None


def test_the_store_keeps_each_articles_record(seeded_assistant):
    records = seeded_assistant.retriever.records()
    assert sorted(records) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert "市長 趙豪志" in records["004_24e069c5cde581db.txt"].values("people")
    panel = {a["source"]: a for a in seeded_assistant.retriever.articles()}
    assert panel["000_a8e4c96704b3803b.txt"]["record"].values("countries")


def test_a_line_across_articles_names_its_event_by_the_articles_title_not_its_place():
    """The Wuxi delegation's place is 法国、德国: a line labelled so never said which city's visit it was."""
    from assistant.types import EventRecord

    record = EventRecord("003.txt", "无锡高新区代表团出访欧洲", event_dates=("2023-06-02",), place="法国、德国")
    assert record.label() == "《无锡高新区代表团出访欧洲》, 2023-06-02"
    assert EventRecord("x.txt", "", place="金华").label() == "金华"


def test_the_record_keeps_the_sentence_dating_the_event_and_its_date_as_written(records):
    """Jinhua's conference (002) is dated 4月19日至21日 with no year: its record still says when, the label
    names it, and the field points at the lead sentence."""
    for article, record in records.values():
        (dates,) = [f for f in record.fields if f.name == "dates"]
        assert dates.value in article.text[dates.start:dates.end]
    article, jinhua = records["002"]
    assert jinhua.event_dates == () and jinhua.stated_date() == "4月19日至21日"
    assert jinhua.label().endswith("》, 4月19日至21日") and "date 4月19日至21日" in jinhua.line()
    assert records["000"][1].stated_date() == "5月20日" and records["000"][1].label().endswith(", 2019-05-20")


def test_a_region_a_question_names_stands_for_the_countries_in_it():
    from assistant.corpus.records import region_countries

    for question in ("これらの記事のうち、北欧の国が関わる活動はどれですか?", "Which events involved Nordic countries?",
                     "哪些活动涉及北歐國家?"):
        found = region_countries(question)
        assert {"芬兰", "フィンランド", "挪威", "ノルウェー"} <= set(found), question
        assert "德国" not in found
    assert "タイ" not in region_countries("Which articles mention Southeast Asia?")  # a word inside メインタイトル
    assert region_countries("中東欧の国と協力した活動は?") == []  # Central and Eastern Europe, not the Middle East
    assert region_countries("哪些活动涉及传感器?") == []


def test_the_record_counts_who_took_part_where_the_article_says_they_did(records):
    assert records["002"][1].values("attended") == ["300余名来宾"]  # 共有来自14个国家300余名来宾参加本次大会
    assert records["004"][1].values("attended") == ["200人以上"]  # 200人以上が活動に参加した
    assert records["000"][1].values("attended") == ["30余位外方嘉宾"]  # …等30余位外方嘉宾应邀出席
    assert records["001"][1].values("attended") == []  # 引进海内外高层次人才861名: no one took part in anything
    assert "attended 300余名来宾" in records["002"][1].line()


def test_countries_go_into_a_japanese_translation_as_japanese_writes_them():
    from assistant.corpus.records import japanese_country_names

    assert japanese_country_names("北欧国家：芬兰、挪威[1]。") == "北欧国家：フィンランド、ノルウェー[1]。"
    assert japanese_country_names("芬蘭、挪威、美國") == "フィンランド、ノルウェー、アメリカ"  # either script
    assert japanese_country_names("非法国际贸易") == "非法国际贸易"  # whole words only: no 法国 in it
    assert japanese_country_names("中国和日本") == "中国和日本"  # written the same way


def test_a_name_after_an_ellipsis_is_read_where_it_stands():
    from assistant.corpus.records import _people

    # NFKC writes "…" as three characters: the name was cut out of the sentence two characters late
    # ("·莫拉讷恩" for 尤卡·莫拉讷恩)
    plain = _people("芬兰外贸部部长尤卡·莫拉讷恩出席了会议。")
    assert plain and plain[0][1].startswith("尤卡·莫拉讷恩")
    assert _people("会上…芬兰外贸部部长尤卡·莫拉讷恩出席了会议。") == plain


def test_a_dotted_name_ends_where_the_name_does(records):
    from assistant.corpus.records import _people
    from assistant.text.lexical import dotted_name_end

    # a pattern of Han characters after the dot ran on into the verb or adverb after the name
    assert _people("芬兰外贸部部长尤卡·莫拉讷恩出席了会议。") == [("部长", "尤卡·莫拉讷恩")]
    assert dotted_name_end("海基·佩尔科就") == "海基·佩尔科"
    assert dotted_name_end("约翰·埃尔维表示") == "约翰·埃尔维"
    assert dotted_name_end("克里兹提娜·塔梅茨") == "克里兹提娜·塔梅茨"  # a whole name is kept whole
    assert dotted_name_end("比尔") == "比尔"
    _, ningbo = records["000"]
    assert "负责人 海基·佩尔科" in ningbo.values("people")
